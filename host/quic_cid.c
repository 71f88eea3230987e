/*
 * host/quic_cid.c — the per-socket QUIC connection-ID demultiplexer (see
 * quic_cid.h): a quic/cid_table.h table keyed with the host's hash key,
 * plus the socket's counters.
 */
#include "host/quic_cid.h"

#include <stdlib.h>

#include "host/host_internal.h"
#include "quic/cid_table.h"

struct host_qcid {
    l4_quic_cid_table *t;
    l4_quic_demux_stats st;
};

void host_qcid_free(struct host_qcid *q)
{
    if (!q)
        return;
    l4_quic_cid_table_free(q->t);
    free(q);
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
        struct host_qcid *q = calloc(1, sizeof *q);
        if (!q || l4_quic_cid_table_new(&q->t, h->hash_key, short_cid_len) < 0) {
            free(q);
            return L4_ENOMEM;
        }
        s->qcid = q;
    }
    l4_quic_cid_table_set_short_len(s->qcid->t, short_cid_len);
    return 0;
}

int l4_socket_quic_cid_add(l4_host *h, int sd, const l4_quic_cid *cid, void *conn)
{
    int err = 0;
    struct host_qcid *q = qcid_of(h, sd, &err);
    if (!q)
        return err;
    int rc = l4_quic_cid_table_add(q->t, cid, conn);
    return rc == L4_ERR_STATE   ? L4_EADDRINUSE
           : rc == L4_ERR_NOMEM ? L4_ENOMEM
           : rc < 0             ? L4_EINVAL
                                : 0;
}

int l4_socket_quic_cid_del(l4_host *h, int sd, const l4_quic_cid *cid)
{
    int err = 0;
    struct host_qcid *q = qcid_of(h, sd, &err);
    if (!q)
        return err;
    int rc = l4_quic_cid_table_del(q->t, cid);
    return rc == L4_ERR_NOT_FOUND ? L4_EADDRNOTAVAIL : rc < 0 ? L4_EINVAL : 0;
}

size_t l4_socket_quic_cid_del_conn(l4_host *h, int sd, const void *conn)
{
    int err = 0;
    struct host_qcid *q = qcid_of(h, sd, &err);
    return q ? l4_quic_cid_table_del_conn(q->t, conn) : 0;
}

l4_ssize l4_socket_quic_recv(l4_host *h, int sd, void *buf, size_t cap, l4_addr *src,
                             uint16_t *sport, void **conn, l4_time now)
{
    int err = 0;
    if (conn)
        *conn = NULL;
    struct host_qcid *q = qcid_of(h, sd, &err);
    if (!q)
        return err;
    l4_ssize n = l4_socket_recvfrom(h, sd, buf, cap, src, sport, NULL, now);
    if (n <= 0)
        return n;
    void *found = NULL;
    int rc = l4_quic_cid_table_route(q->t, buf, (size_t)n, &found);
    if (rc < 0)
        q->st.unparsable++;
    else if (rc == 0)
        q->st.unknown++;
    else
        q->st.routed++;
    if (conn)
        *conn = found;
    return n;
}

int l4_socket_quic_stats(l4_host *h, int sd, l4_quic_demux_stats *st)
{
    int err = 0;
    struct host_qcid *q = qcid_of(h, sd, &err);
    if (!q)
        return err;
    *st = q->st;
    st->cids = l4_quic_cid_table_count(q->t);
    return 0;
}
