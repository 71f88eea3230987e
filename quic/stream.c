/*
 * quic/stream.c — stream send/receive buffers, stream lookup and implicit
 * opening (RFC 9000 §2, §3), and stream retirement with MAX_STREAMS credit.
 */
#include <stdlib.h>
#include <string.h>

#include "quic/conn_internal.h"
#include "wire/quic_frame.h"

/* ---- buffers ------------------------------------------------------------ */

/* Makes room for `need` bytes from *buf on (`keep` of them held now) in the
 * allocation *mem of *cap bytes: slides the held bytes back to the start
 * when that copies no more than the space it frees, else grows. */
static int qc_buf_room(uint8_t **mem, uint8_t **buf, size_t *cap, size_t keep, size_t need)
{
    size_t head = *mem ? (size_t)(*buf - *mem) : 0;
    if (head + need <= *cap)
        return 0;
    if (head > 0 && keep <= head && need <= *cap) {
        memmove(*mem, *buf, keep);
        *buf = *mem;
        return 0;
    }
    size_t ncap = *cap ? *cap : 4096;
    while (ncap < head + need)
        ncap *= 2;
    uint8_t *nm = realloc(*mem, ncap);
    if (!nm)
        return L4_ERR_NOMEM;
    *mem = nm;
    *buf = nm + head;
    *cap = ncap;
    return 0;
}

int qc_sbuf_append(qc_sbuf *b, const uint8_t *data, size_t len)
{
    if (qc_buf_room(&b->mem, &b->buf, &b->cap, b->len, b->len + len) < 0)
        return L4_ERR_NOMEM;
    if (len)
        memcpy(b->buf + b->len, data, len);
    b->len += len;
    return 0;
}

void qc_sbuf_ack(qc_sbuf *b, uint64_t off, uint64_t len)
{
    if (off + len <= b->base)
        return;
    l4_quic_ranges_add(&b->acked, off, off + len);
    l4_quic_ranges_del(&b->lost, off, off + len);
    /* Release the acknowledged prefix. */
    if (b->acked.n && b->acked.r[0].lo <= b->base && b->acked.r[0].hi > b->base) {
        uint64_t nb = b->acked.r[0].hi;
        size_t drop = (size_t)(nb - b->base);
        if (drop > b->len)
            drop = b->len;
        b->buf += drop;
        b->len -= drop;
        b->base = nb;
        if (b->len == 0)
            b->buf = b->mem; /* empty: start over at the front */
        l4_quic_ranges_del(&b->acked, 0, nb);
    }
}

void qc_sbuf_lost(qc_sbuf *b, uint64_t off, uint64_t len)
{
    uint64_t lo = off < b->base ? b->base : off;
    uint64_t hi = off + len;
    if (lo >= hi)
        return;
    l4_quic_ranges_add(&b->lost, lo, hi);
    for (size_t i = 0; i < b->acked.n; i++)
        l4_quic_ranges_del(&b->lost, b->acked.r[i].lo, b->acked.r[i].hi);
}

void qc_sbuf_free(qc_sbuf *b)
{
    free(b->mem);
    l4_quic_ranges_free(&b->lost);
    l4_quic_ranges_free(&b->acked);
    memset(b, 0, sizeof *b);
}

int qc_rbuf_put(qc_rbuf *b, uint64_t off, const uint8_t *data, size_t len)
{
    uint64_t end = off + len;
    if (end <= b->base)
        return 0; /* all old */
    if (off < b->base) {
        data += b->base - off;
        len -= (size_t)(b->base - off);
        off = b->base;
    }
    size_t held = b->got.n ? (size_t)(b->got.r[b->got.n - 1].hi - b->base) : 0;
    if (qc_buf_room(&b->mem, &b->buf, &b->cap, held, (size_t)(end - b->base)) < 0)
        return L4_ERR_NOMEM;
    memcpy(b->buf + (off - b->base), data, len);
    return l4_quic_ranges_add(&b->got, off, end);
}

size_t qc_rbuf_avail(const qc_rbuf *b)
{
    if (b->got.n == 0 || b->got.r[0].lo > b->base)
        return 0;
    return (size_t)(b->got.r[0].hi - b->base);
}

size_t qc_rbuf_take(qc_rbuf *b, uint8_t *dst, size_t cap)
{
    size_t n = qc_rbuf_avail(b);
    if (n > cap)
        n = cap;
    if (n == 0)
        return 0;
    if (dst)
        memcpy(dst, b->buf, n);
    b->buf += n;
    b->base += n;
    l4_quic_ranges_del(&b->got, 0, b->base);
    if (b->got.n == 0)
        b->buf = b->mem; /* nothing held: start over at the front */
    return n;
}

void qc_rbuf_free(qc_rbuf *b)
{
    free(b->mem);
    l4_quic_ranges_free(&b->got);
    memset(b, 0, sizeof *b);
}

/* ---- streams ------------------------------------------------------------ */

static size_t stream_bucket(uint64_t sid)
{
    return (size_t)((sid >> 2) ^ (sid & 3) * 17) % QC_STREAM_BUCKETS;
}

qc_stream *qc_stream_find(l4_quic_conn *c, uint64_t sid)
{
    for (qc_stream *s = c->buckets[stream_bucket(sid)]; s; s = s->hnext)
        if (s->id == sid)
            return s;
    return NULL;
}

int qc_stream_local(const l4_quic_conn *c, uint64_t sid)
{
    return (int)(sid & 1) == c->is_server;
}

/* §2.1: bit 0x01 initiator (server), 0x02 unidirectional. Initial limits
 * from the transport parameters, §18.2. */
qc_stream *qc_stream_new(l4_quic_conn *c, uint64_t sid)
{
    qc_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->id = sid;
    int local = qc_stream_local(c, sid);
    int uni = (sid & 2) != 0;
    s->can_send = !uni || local;
    s->can_recv = !uni || !local;
    s->r_final = UINT64_MAX;
    const l4_quic_tp *lt = &c->set.tp, *pt = &c->peer_tp;
    if (uni) {
        s->s_max = pt->initial_max_stream_data_uni;
        s->r_max = lt->initial_max_stream_data_uni;
    } else if (local) {
        s->s_max = pt->initial_max_stream_data_bidi_remote;
        s->r_max = lt->initial_max_stream_data_bidi_local;
    } else {
        s->s_max = pt->initial_max_stream_data_bidi_local;
        s->r_max = lt->initial_max_stream_data_bidi_remote;
    }
    size_t b = stream_bucket(sid);
    s->hnext = c->buckets[b];
    c->buckets[b] = s;
    qc_stream **pp = &c->streams;
    while (*pp)
        pp = &(*pp)->next;
    *pp = s;
    return s;
}

int qc_stream_for_frame(l4_quic_conn *c, uint64_t sid, int want_recv, qc_stream **out,
                        uint64_t ftype, l4_time now)
{
    *out = NULL;
    int local = qc_stream_local(c, sid);
    int uni = (sid & 2) != 0;
    uint64_t idx = sid >> 2;
    /* §19.8 etc.: frames for the direction a stream does not have. */
    if (uni && ((want_recv && local) || (!want_recv && !local))) {
        qc_fail(c, L4_QUIC_ERR_STREAM_STATE_ERROR, ftype, "wrong stream direction", now);
        return L4_QUIC_ERR_STREAM_STATE_ERROR;
    }
    qc_stream *s = qc_stream_find(c, sid);
    if (s) {
        *out = s;
        return 0;
    }
    if (local) {
        if (idx >= (uni ? c->next_uni : c->next_bidi)) {
            qc_fail(c, L4_QUIC_ERR_STREAM_STATE_ERROR, ftype, "stream not opened", now);
            return L4_QUIC_ERR_STREAM_STATE_ERROR;
        }
        return 0; /* closed already */
    }
    uint64_t *opened = uni ? &c->peer_opened_uni : &c->peer_opened_bidi;
    uint64_t limit = uni ? c->local_max_uni : c->local_max_bidi;
    if (idx >= limit) { /* §4.6 */
        qc_fail(c, L4_QUIC_ERR_STREAM_LIMIT_ERROR, ftype, "stream limit", now);
        return L4_QUIC_ERR_STREAM_LIMIT_ERROR;
    }
    if (idx < *opened)
        return 0; /* closed already */
    /* §3.2: opening a stream opens every lower-numbered one of its type. */
    while (*opened <= idx) {
        uint64_t id = (*opened << 2) | (sid & 3);
        s = qc_stream_new(c, id);
        if (!s) {
            qc_fail(c, L4_QUIC_ERR_INTERNAL_ERROR, ftype, "out of memory", now);
            return L4_QUIC_ERR_INTERNAL_ERROR;
        }
        (*opened)++;
        if (c->cb.stream_opened)
            c->cb.stream_opened(c, id, c->user);
    }
    *out = qc_stream_find(c, sid);
    return 0;
}

static int stream_done(const qc_stream *s)
{
    /* all data and the FIN acknowledged, or the reset acknowledged */
    int send_done = !s->can_send || (s->fin_acked && s->sb.len == 0) || s->reset_state == 3;
    int recv_done = !s->can_recv || s->fin_read || s->reset_recvd;
    return send_done && recv_done && s->stop_state != 1 && !s->max_sd_pending;
}

/* Frees a stream both of whose halves are finished; a peer-initiated one
 * gives the peer credit for a new stream (§4.6, MAX_STREAMS). */
void qc_stream_maybe_free(l4_quic_conn *c, qc_stream *s)
{
    if (!stream_done(s))
        return;
    qc_stream **pp = &c->buckets[stream_bucket(s->id)];
    while (*pp != s)
        pp = &(*pp)->hnext;
    *pp = s->hnext;
    pp = &c->streams;
    while (*pp != s)
        pp = &(*pp)->next;
    *pp = s->next;
    if (c->rr == s)
        c->rr = s->next;
    if (!qc_stream_local(c, s->id)) {
        if (s->id & 2) {
            c->local_max_uni++;
            c->max_streams_uni_pending = 1;
        } else {
            c->local_max_bidi++;
            c->max_streams_bidi_pending = 1;
        }
    }
    qc_sbuf_free(&s->sb);
    qc_rbuf_free(&s->rb);
    free(s);
}

void qc_streams_free(l4_quic_conn *c)
{
    qc_stream *s = c->streams;
    while (s) {
        qc_stream *n = s->next;
        qc_sbuf_free(&s->sb);
        qc_rbuf_free(&s->rb);
        free(s);
        s = n;
    }
    c->streams = NULL;
    memset(c->buckets, 0, sizeof c->buckets);
}
