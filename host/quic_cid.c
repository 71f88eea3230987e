/*
 * host/quic_cid.c — the per-socket QUIC connection-ID table (see
 * quic_cid.h): open addressing with linear probing and tombstones, SipHash
 * under the host's key, doubled when more than half full.
 */
#include "host/quic_cid.h"

#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "util/siphash.h"

typedef struct qcid_slot {
    uint8_t state; /* 0 empty, 1 used, 2 deleted */
    l4_quic_cid cid;
    void *conn;
} qcid_slot;

struct host_qcid {
    size_t short_len;
    qcid_slot *slots;
    size_t mask, used, tombs;
    l4_quic_demux_stats st;
};

void host_qcid_free(struct host_qcid *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t);
}

static size_t qcid_hash(const l4_host *h, const uint8_t *p, size_t n)
{
    return (size_t)l4_siphash24(h->hash_key, p, n);
}

static int qcid_eq(const l4_quic_cid *a, const uint8_t *p, size_t n)
{
    return a->len == n && memcmp(a->data, p, n) == 0;
}

/* The slot holding `p` (state 1), or NULL. */
static qcid_slot *qcid_find(const l4_host *h, struct host_qcid *t, const uint8_t *p, size_t n)
{
    for (size_t i = qcid_hash(h, p, n) & t->mask, k = 0; k <= t->mask; k++, i = (i + 1) & t->mask) {
        qcid_slot *s = &t->slots[i];
        if (s->state == 0)
            return NULL;
        if (s->state == 1 && qcid_eq(&s->cid, p, n))
            return s;
    }
    return NULL;
}

static int qcid_resize(const l4_host *h, struct host_qcid *t, size_t n)
{
    qcid_slot *ns = calloc(n, sizeof *ns);
    if (!ns)
        return L4_ENOMEM;
    for (size_t i = 0; t->slots && i <= t->mask; i++) {
        const qcid_slot *s = &t->slots[i];
        if (s->state != 1)
            continue;
        size_t j = qcid_hash(h, s->cid.data, s->cid.len) & (n - 1);
        while (ns[j].state)
            j = (j + 1) & (n - 1);
        ns[j] = *s;
    }
    free(t->slots);
    t->slots = ns;
    t->mask = n - 1;
    t->tombs = 0;
    return 0;
}

static struct host_qcid *qcid_of(l4_host *h, int sd, int *err)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s) {
        *err = L4_EBADF;
        return NULL;
    }
    if (!s->qcid) {
        *err = L4_EINVAL;
        return NULL;
    }
    return s->qcid;
}

int l4_socket_quic_enable(l4_host *h, int sd, size_t short_cid_len)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_DGRAM)
        return L4_EOPNOTSUPP;
    if (short_cid_len > L4_QUIC_MAX_CID_LEN)
        return L4_EINVAL;
    if (!s->qcid) {
        struct host_qcid *t = calloc(1, sizeof *t);
        if (!t || qcid_resize(h, t, 16) < 0) {
            free(t);
            return L4_ENOMEM;
        }
        s->qcid = t;
    }
    s->qcid->short_len = short_cid_len;
    return 0;
}

int l4_socket_quic_cid_add(l4_host *h, int sd, const l4_quic_cid *cid, void *conn)
{
    int err = 0;
    struct host_qcid *t = qcid_of(h, sd, &err);
    if (!t)
        return err;
    if (!cid || cid->len == 0 || cid->len > L4_QUIC_MAX_CID_LEN)
        return L4_EINVAL;
    qcid_slot *old = qcid_find(h, t, cid->data, cid->len);
    if (old)
        return old->conn == conn ? 0 : L4_EADDRINUSE;
    if ((t->used + t->tombs + 1) * 2 > t->mask + 1) {
        /* rehash (dropping tombstones), doubling when a quarter is in use */
        size_t n = t->mask + 1;
        if ((t->used + 1) * 4 > n)
            n *= 2;
        if (qcid_resize(h, t, n) < 0)
            return L4_ENOMEM;
    }
    size_t i = qcid_hash(h, cid->data, cid->len) & t->mask;
    while (t->slots[i].state == 1)
        i = (i + 1) & t->mask;
    if (t->slots[i].state == 2)
        t->tombs--;
    t->slots[i].state = 1;
    t->slots[i].cid = *cid;
    t->slots[i].conn = conn;
    t->used++;
    return 0;
}

int l4_socket_quic_cid_del(l4_host *h, int sd, const l4_quic_cid *cid)
{
    int err = 0;
    struct host_qcid *t = qcid_of(h, sd, &err);
    if (!t)
        return err;
    if (!cid)
        return L4_EINVAL;
    qcid_slot *s = qcid_find(h, t, cid->data, cid->len);
    if (!s)
        return L4_EADDRNOTAVAIL;
    s->state = 2;
    s->conn = NULL;
    t->used--;
    t->tombs++;
    return 0;
}

size_t l4_socket_quic_cid_del_conn(l4_host *h, int sd, const void *conn)
{
    int err = 0;
    struct host_qcid *t = qcid_of(h, sd, &err);
    if (!t)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i <= t->mask; i++) {
        qcid_slot *s = &t->slots[i];
        if (s->state == 1 && s->conn == conn) {
            s->state = 2;
            s->conn = NULL;
            t->used--;
            t->tombs++;
            n++;
        }
    }
    return n;
}

l4_ssize l4_socket_quic_recv(l4_host *h, int sd, void *buf, size_t cap, l4_addr *src,
                             uint16_t *sport, void **conn, l4_time now)
{
    int err = 0;
    if (conn)
        *conn = NULL;
    struct host_qcid *t = qcid_of(h, sd, &err);
    if (!t)
        return err;
    l4_ssize n = l4_socket_recvfrom(h, sd, buf, cap, src, sport, NULL, now);
    if (n <= 0)
        return n;
    l4_quic_hdr hd;
    int rc = l4_quic_hdr_parse(&hd, buf, (size_t)n, t->short_len);
    if ((rc != 0 && rc != L4_ERR_UNSUPPORTED) || hd.dcid_len > L4_QUIC_MAX_CID_LEN) {
        t->st.unparsable++;
        return n;
    }
    qcid_slot *s = hd.dcid_len ? qcid_find(h, t, hd.dcid, hd.dcid_len) : NULL;
    if (s) {
        t->st.routed++;
        if (conn)
            *conn = s->conn;
    } else {
        t->st.unknown++;
    }
    return n;
}

int l4_socket_quic_stats(l4_host *h, int sd, l4_quic_demux_stats *st)
{
    int err = 0;
    struct host_qcid *t = qcid_of(h, sd, &err);
    if (!t)
        return err;
    *st = t->st;
    st->cids = t->used;
    return 0;
}
