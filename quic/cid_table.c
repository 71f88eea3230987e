/*
 * quic/cid_table.c — the connection-ID routing table (see cid_table.h):
 * open addressing, linear probing, tombstones, SipHash under the owner's key.
 */
#include "quic/cid_table.h"

#include <stdlib.h>
#include <string.h>

#include "util/siphash.h"

typedef struct ct_slot {
    uint8_t state; /* 0 empty, 1 used, 2 deleted */
    l4_quic_cid cid;
    void *conn;
} ct_slot;

struct l4_quic_cid_table {
    uint8_t key[16];
    size_t short_len;
    ct_slot *slots;
    size_t mask, used, tombs;
};

static size_t ct_hash(const l4_quic_cid_table *t, const uint8_t *p, size_t n)
{
    return (size_t)l4_siphash24(t->key, p, n);
}

static int ct_eq(const l4_quic_cid *a, const uint8_t *p, size_t n)
{
    return a->len == n && memcmp(a->data, p, n) == 0;
}

static ct_slot *ct_find(const l4_quic_cid_table *t, const uint8_t *p, size_t n)
{
    for (size_t i = ct_hash(t, p, n) & t->mask, k = 0; k <= t->mask; k++, i = (i + 1) & t->mask) {
        ct_slot *s = &t->slots[i];
        if (s->state == 0)
            return NULL;
        if (s->state == 1 && ct_eq(&s->cid, p, n))
            return s;
    }
    return NULL;
}

static int ct_resize(l4_quic_cid_table *t, size_t n)
{
    ct_slot *ns = calloc(n, sizeof *ns);
    if (!ns)
        return L4_ERR_NOMEM;
    for (size_t i = 0; t->slots && i <= t->mask; i++) {
        const ct_slot *s = &t->slots[i];
        if (s->state != 1)
            continue;
        size_t j = ct_hash(t, s->cid.data, s->cid.len) & (n - 1);
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

int l4_quic_cid_table_new(l4_quic_cid_table **out, const uint8_t key[16], size_t short_cid_len)
{
    if (!out || !key || short_cid_len > L4_QUIC_MAX_CID_LEN)
        return L4_ERR_INVALID_ARGUMENT;
    *out = NULL;
    l4_quic_cid_table *t = calloc(1, sizeof *t);
    if (!t || ct_resize(t, 16) < 0) {
        free(t);
        return L4_ERR_NOMEM;
    }
    memcpy(t->key, key, sizeof t->key);
    t->short_len = short_cid_len;
    *out = t;
    return 0;
}

void l4_quic_cid_table_free(l4_quic_cid_table *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t);
}

int l4_quic_cid_table_set_short_len(l4_quic_cid_table *t, size_t short_cid_len)
{
    if (short_cid_len > L4_QUIC_MAX_CID_LEN)
        return L4_ERR_INVALID_ARGUMENT;
    t->short_len = short_cid_len;
    return 0;
}

size_t l4_quic_cid_table_short_len(const l4_quic_cid_table *t)
{
    return t->short_len;
}

int l4_quic_cid_table_add(l4_quic_cid_table *t, const l4_quic_cid *cid, void *conn)
{
    if (!t || !cid || cid->len == 0 || cid->len > L4_QUIC_MAX_CID_LEN)
        return L4_ERR_INVALID_ARGUMENT;
    ct_slot *old = ct_find(t, cid->data, cid->len);
    if (old)
        return old->conn == conn ? 0 : L4_ERR_STATE;
    if ((t->used + t->tombs + 1) * 2 > t->mask + 1) {
        /* rehash (dropping tombstones), doubling when a quarter is in use */
        size_t n = t->mask + 1;
        if ((t->used + 1) * 4 > n)
            n *= 2;
        if (ct_resize(t, n) < 0)
            return L4_ERR_NOMEM;
    }
    size_t i = ct_hash(t, cid->data, cid->len) & t->mask;
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

static void ct_kill(l4_quic_cid_table *t, ct_slot *s)
{
    s->state = 2;
    s->conn = NULL;
    t->used--;
    t->tombs++;
}

int l4_quic_cid_table_del(l4_quic_cid_table *t, const l4_quic_cid *cid)
{
    if (!t || !cid)
        return L4_ERR_INVALID_ARGUMENT;
    ct_slot *s = ct_find(t, cid->data, cid->len);
    if (!s)
        return L4_ERR_NOT_FOUND;
    ct_kill(t, s);
    return 0;
}

size_t l4_quic_cid_table_del_conn(l4_quic_cid_table *t, const void *conn)
{
    size_t n = 0;
    for (size_t i = 0; t && i <= t->mask; i++) {
        if (t->slots[i].state == 1 && t->slots[i].conn == conn) {
            ct_kill(t, &t->slots[i]);
            n++;
        }
    }
    return n;
}

void *l4_quic_cid_table_find(const l4_quic_cid_table *t, const uint8_t *p, size_t n)
{
    if (n == 0 || n > L4_QUIC_MAX_CID_LEN)
        return NULL;
    const ct_slot *s = ct_find(t, p, n);
    return s ? s->conn : NULL;
}

int l4_quic_cid_table_route(const l4_quic_cid_table *t, const uint8_t *d, size_t len, void **conn)
{
    *conn = NULL;
    const uint8_t *p;
    size_t n;
    if (len == 0)
        return L4_ERR_MALFORMED;
    if (d[0] & 0x80) { /* §17.2: version (4), DCID length (1), DCID */
        if (len < 6 || len < 6u + d[5])
            return L4_ERR_MALFORMED;
        int v1 = d[1] == 0 && d[2] == 0 && d[3] == 0 && d[4] == 1;
        if (v1 && (!(d[0] & 0x40) || d[5] > L4_QUIC_MAX_CID_LEN))
            return L4_ERR_MALFORMED; /* §17.2: fixed bit, at most 20 bytes in version 1 */
        n = d[5];
        p = d + 6;
    } else { /* §17.3.1: the length is known to the receiver only */
        if (len < 1 + t->short_len || !(d[0] & 0x40))
            return L4_ERR_MALFORMED;
        n = t->short_len;
        p = d + 1;
    }
    *conn = l4_quic_cid_table_find(t, p, n);
    return *conn != NULL;
}

size_t l4_quic_cid_table_count(const l4_quic_cid_table *t)
{
    return t->used;
}
