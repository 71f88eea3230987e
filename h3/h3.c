/*
 * h3/h3.c — the glue between nghttp3 and an l4_quic_conn.
 *
 * Data path: nghttp3_conn_writev_stream hands out frames and body bytes;
 * l4_quic_stream_write copies them into the stream's send buffer, so the
 * layer reports them acknowledged to nghttp3 at once (the engine keeps the
 * copy for retransmission). Body bytes a `read` body produces live in a
 * small ring of chunks until nghttp3 has passed them on. Received stream
 * bytes go to nghttp3_conn_read_stream as they arrive; the engine returns
 * flow-control credit as they are read, so nghttp3's "consumed" counts are
 * not needed.
 *
 * The engine does not report "stream closed", so the layer closes a
 * request stream in nghttp3 itself once both halves are done: the request
 * or response fully written with its FIN, and the other side's FIN read
 * (or a reset either way).
 */
#include "h3/h3.h"

#include <nghttp3/nghttp3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H3_CHUNKS     4
#define H3_CHUNK_SIZE (32u << 10)
#define H3_RBUF       (64u << 10) /* client: response bodies */
#define H3_RBUF_SV    (8u << 10)  /* server: requests are small */
#define H3_VECS       16

typedef struct h3s {
    int64_t id;
    struct h3s *next;
    void *user;
    /* server: the request; client: the response status */
    char method[16], scheme[16], authority[256], path[2048];
    int too_long;
    int status;
    int64_t clen;
    /* the body being sent */
    l4_h3_body body;
    int has_body;
    uint64_t off_read, off_acked;
    uint8_t *chunk[H3_CHUNKS];
    uint64_t chunk_end[H3_CHUNKS];
    unsigned chead, ccount;
    int read_blocked, body_failed;
    /* progress */
    int answered, rx_done, tx_done, close_queued, reported;
    uint64_t err;
} h3s;

struct l4_h3 {
    int is_server;
    l4_h3_callbacks cb;
    void *user;
    l4_quic_conn *c;
    nghttp3_conn *ng;
    int ready, closed;
    uint64_t fatal; /* HTTP/3 error to close the connection with, 0 none */
    int fatal_rv;
    h3s *streams;
    size_t nstreams;
    uint64_t max_client_bidi;
    uint8_t *rbuf;
    size_t rbuf_cap;
};

/* ---- stream bookkeeping ------------------------------------------------ */

static h3s *h3s_new(l4_h3 *h, int64_t id, void *user)
{
    h3s *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->id = id;
    s->user = user;
    s->clen = -1;
    s->next = h->streams;
    h->streams = s;
    h->nstreams++;
    return s;
}

static h3s *h3s_find(l4_h3 *h, int64_t id)
{
    for (h3s *s = h->streams; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

static void h3s_free(l4_h3 *h, h3s *s)
{
    h3s **pp = &h->streams;
    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = s->next;
        h->nstreams--;
    }
    if (s->has_body && s->body.done)
        s->body.done(s->body.ctx);
    for (unsigned i = 0; i < H3_CHUNKS; i++)
        free(s->chunk[i]);
    free(s);
}

static void h3_report(l4_h3 *h, h3s *s, uint64_t err)
{
    if (s->reported)
        return;
    s->reported = 1;
    if (h->cb.done)
        h->cb.done(h, s->id, err == L4_H3_NO_ERROR ? 0 : err, s->user, h->user);
}

static void h3_fail(l4_h3 *h, int rv)
{
    if (!h->fatal) {
        h->fatal = nghttp3_err_infer_quic_app_error_code(rv);
        h->fatal_rv = rv;
    }
}

/* ---- nghttp3 callbacks ---------------------------------------------------- */

static int ng_acked(nghttp3_conn *ng, int64_t sid, uint64_t n, void *cu, void *su)
{
    (void)ng;
    (void)sid;
    (void)cu;
    h3s *s = su;
    if (!s)
        return 0;
    s->off_acked += n;
    while (s->ccount && s->chunk_end[s->chead] <= s->off_acked) {
        s->chead = (s->chead + 1) % H3_CHUNKS;
        s->ccount--;
    }
    if (s->read_blocked) {
        s->read_blocked = 0;
        nghttp3_conn_resume_stream(ng, sid);
    }
    return 0;
}

static int ng_stream_close(nghttp3_conn *ng, int64_t sid, uint64_t code, void *cu, void *su)
{
    (void)ng;
    (void)sid;
    l4_h3 *h = cu;
    h3s *s = su;
    if (!s)
        return 0;
    h3_report(h, s, s->err ? s->err : code);
    if (h->is_server) {
        /* the engine credits the client a new stream as this one retires */
        nghttp3_conn_set_max_client_streams_bidi(h->ng, ++h->max_client_bidi);
    }
    h3s_free(h, s);
    return 0;
}

static int ng_recv_data(nghttp3_conn *ng, int64_t sid, const uint8_t *d, size_t n, void *cu,
                        void *su)
{
    (void)ng;
    l4_h3 *h = cu;
    h3s *s = su;
    if (!h->is_server && s && h->cb.data)
        h->cb.data(h, sid, d, n, s->user, h->user);
    return 0;
}

static int ng_begin_headers(nghttp3_conn *ng, int64_t sid, void *cu, void *su)
{
    l4_h3 *h = cu;
    if (!h->is_server || su)
        return 0;
    h3s *s = h3s_new(h, sid, NULL);
    if (!s)
        return NGHTTP3_ERR_CALLBACK_FAILURE;
    nghttp3_conn_set_stream_user_data(ng, sid, s);
    return 0;
}

static void h3_copy(char *dst, size_t cap, nghttp3_rcbuf *v, int *too_long)
{
    nghttp3_vec b = nghttp3_rcbuf_get_buf(v);
    if (b.len >= cap) {
        *too_long = 1;
        b.len = cap - 1;
    }
    memcpy(dst, b.base, b.len);
    dst[b.len] = 0;
}

static int ng_recv_header(nghttp3_conn *ng, int64_t sid, int32_t token, nghttp3_rcbuf *name,
                          nghttp3_rcbuf *value, uint8_t flags, void *cu, void *su)
{
    (void)ng;
    (void)sid;
    (void)name;
    (void)flags;
    l4_h3 *h = cu;
    h3s *s = su;
    if (!s)
        return 0;
    if (h->is_server) {
        switch (token) {
        case NGHTTP3_QPACK_TOKEN__METHOD:
            h3_copy(s->method, sizeof s->method, value, &s->too_long);
            break;
        case NGHTTP3_QPACK_TOKEN__SCHEME:
            h3_copy(s->scheme, sizeof s->scheme, value, &s->too_long);
            break;
        case NGHTTP3_QPACK_TOKEN__AUTHORITY:
            h3_copy(s->authority, sizeof s->authority, value, &s->too_long);
            break;
        case NGHTTP3_QPACK_TOKEN__PATH:
            h3_copy(s->path, sizeof s->path, value, &s->too_long);
            break;
        default:
            break;
        }
        return 0;
    }
    char tmp[32];
    int tl = 0;
    if (token == NGHTTP3_QPACK_TOKEN__STATUS) {
        h3_copy(tmp, sizeof tmp, value, &tl);
        s->status = atoi(tmp);
    } else if (token == NGHTTP3_QPACK_TOKEN_CONTENT_LENGTH) {
        h3_copy(tmp, sizeof tmp, value, &tl);
        char *end;
        long long v = strtoll(tmp, &end, 10);
        s->clen = (!tl && *tmp && !*end && v >= 0) ? v : -1;
    }
    return 0;
}

static int ng_end_headers(nghttp3_conn *ng, int64_t sid, int fin, void *cu, void *su)
{
    (void)ng;
    (void)fin;
    l4_h3 *h = cu;
    h3s *s = su;
    if (!h->is_server && s && s->status >= 200 && h->cb.response)
        h->cb.response(h, sid, s->status, s->clen, s->user, h->user);
    return 0;
}

static int ng_end_stream(nghttp3_conn *ng, int64_t sid, void *cu, void *su)
{
    (void)ng;
    l4_h3 *h = cu;
    h3s *s = su;
    if (!s)
        return 0;
    s->rx_done = 1;
    if (h->is_server && !s->answered) {
        if (s->too_long || !s->path[0]) {
            /* a request we cannot hold: 431 / 400 (RFC 9110 §15.5.1) */
            l4_h3_respond(h, sid, s->too_long ? 431 : 400, NULL, 0, NULL);
        } else if (h->cb.request) {
            l4_h3_request req = {s->method, s->scheme, s->authority, s->path};
            h->cb.request(h, sid, &req, h->user);
        }
    }
    return 0;
}

static int ng_stop_sending(nghttp3_conn *ng, int64_t sid, uint64_t code, void *cu, void *su)
{
    (void)ng;
    (void)su;
    l4_h3 *h = cu;
    l4_quic_stream_stop(h->c, (uint64_t)sid, code);
    return 0;
}

static int ng_reset_stream(nghttp3_conn *ng, int64_t sid, uint64_t code, void *cu, void *su)
{
    (void)ng;
    l4_h3 *h = cu;
    h3s *s = su;
    l4_quic_stream_reset(h->c, (uint64_t)sid, code);
    if (s)
        s->tx_done = 1;
    return 0;
}

/* A body's next bytes for nghttp3 (the DATA frame payload). */
static nghttp3_ssize ng_read_data(nghttp3_conn *ng, int64_t sid, nghttp3_vec *vec, size_t veccnt,
                                  uint32_t *pflags, void *cu, void *su)
{
    (void)ng;
    (void)sid;
    (void)cu;
    h3s *s = su;
    if (!s || veccnt == 0)
        return NGHTTP3_ERR_CALLBACK_FAILURE;
    if (s->body_failed)
        return NGHTTP3_ERR_WOULDBLOCK;
    l4_ssize n;
    const uint8_t *data;
    if (s->body.map) {
        n = s->body.map(s->body.ctx, s->off_read, &data, H3_CHUNK_SIZE);
    } else {
        if (s->ccount == H3_CHUNKS) { /* every chunk still queued in nghttp3 */
            s->read_blocked = 1;
            return NGHTTP3_ERR_WOULDBLOCK;
        }
        unsigned slot = (s->chead + s->ccount) % H3_CHUNKS;
        if (!s->chunk[slot] && !(s->chunk[slot] = malloc(H3_CHUNK_SIZE)))
            return NGHTTP3_ERR_CALLBACK_FAILURE;
        n = s->body.read(s->body.ctx, s->off_read, s->chunk[slot], H3_CHUNK_SIZE);
        data = s->chunk[slot];
        if (n > 0) {
            s->chunk_end[slot] = s->off_read + (uint64_t)n;
            s->ccount++;
        }
    }
    if (n < 0) {
        s->body_failed = 1; /* reset in l4_h3_flush */
        return NGHTTP3_ERR_WOULDBLOCK;
    }
    if (n == 0) {
        *pflags |= NGHTTP3_DATA_FLAG_EOF;
        return 0;
    }
    s->off_read += (uint64_t)n;
    vec[0].base = (uint8_t *)(uintptr_t)data;
    vec[0].len = (size_t)n;
    return 1;
}

static const nghttp3_callbacks NG_CB = {
    .acked_stream_data = ng_acked,
    .stream_close = ng_stream_close,
    .recv_data = ng_recv_data,
    .begin_headers = ng_begin_headers,
    .recv_header = ng_recv_header,
    .end_headers = ng_end_headers,
    .stop_sending = ng_stop_sending,
    .end_stream = ng_end_stream,
    .reset_stream = ng_reset_stream,
};

/* ---- QUIC callbacks -------------------------------------------------------- */

static void qc_handshake_done(l4_quic_conn *c, void *user)
{
    l4_h3 *h = user;
    uint64_t ctl, enc, dec;
    /* RFC 9114 §6.2.1, RFC 9204 §4.2: our control and QPACK streams. */
    if (l4_quic_stream_open(c, 1, &ctl) < 0 || l4_quic_stream_open(c, 1, &enc) < 0 ||
        l4_quic_stream_open(c, 1, &dec) < 0) {
        h->fatal = L4_H3_INTERNAL_ERROR;
        return;
    }
    int rv = nghttp3_conn_bind_control_stream(h->ng, (int64_t)ctl);
    if (rv == 0)
        rv = nghttp3_conn_bind_qpack_streams(h->ng, (int64_t)enc, (int64_t)dec);
    if (rv != 0) {
        h3_fail(h, rv);
        return;
    }
    h->ready = 1;
    if (h->cb.ready)
        h->cb.ready(h, h->user);
}

static void h3_queue_close(h3s *s)
{
    if (s->tx_done && s->rx_done)
        s->close_queued = 1;
}

static void qc_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    l4_h3 *h = user;
    if (h->fatal)
        return;
    for (;;) {
        int fin = 0;
        l4_ssize n = l4_quic_stream_read(c, sid, h->rbuf, h->rbuf_cap, &fin);
        if (n < 0 || (n == 0 && !fin))
            break;
        nghttp3_ssize rv = nghttp3_conn_read_stream(h->ng, (int64_t)sid, h->rbuf, (size_t)n, fin);
        if (rv < 0) {
            h3_fail(h, (int)rv);
            return;
        }
        if (fin)
            break;
    }
    h3s *s = h3s_find(h, (int64_t)sid);
    if (s)
        h3_queue_close(s);
}

static void qc_writable(l4_quic_conn *c, uint64_t sid, void *user)
{
    (void)c;
    l4_h3 *h = user;
    nghttp3_conn_unblock_stream(h->ng, (int64_t)sid);
}

static void qc_reset(l4_quic_conn *c, uint64_t sid, uint64_t err, void *user)
{
    l4_h3 *h = user;
    h3s *s = h3s_find(h, (int64_t)sid);
    if (!s) { /* not a request stream: a critical stream must not be reset (§6.2.1) */
        int rv = nghttp3_conn_close_stream(h->ng, (int64_t)sid, err);
        if (rv != 0 && rv != NGHTTP3_ERR_STREAM_NOT_FOUND)
            h3_fail(h, rv);
        return;
    }
    nghttp3_conn_shutdown_stream_read(h->ng, (int64_t)sid);
    s->rx_done = 1;
    s->err = err;
    if (!s->tx_done) { /* §4.1.1: a cancelled request gets no more response */
        l4_quic_stream_reset(c, sid, L4_H3_REQUEST_CANCELLED);
        nghttp3_conn_shutdown_stream_write(h->ng, (int64_t)sid);
        s->tx_done = 1;
    }
    h3_queue_close(s);
}

static void qc_stop(l4_quic_conn *c, uint64_t sid, uint64_t err, void *user)
{
    (void)c;
    l4_h3 *h = user;
    h3s *s = h3s_find(h, (int64_t)sid);
    nghttp3_conn_shutdown_stream_write(h->ng, (int64_t)sid);
    if (!s)
        return;
    if (!s->err)
        s->err = err;
    s->tx_done = 1;
    h3_queue_close(s);
}

static void qc_closed(l4_quic_conn *c, int by_peer, int app, uint64_t err, const char *reason,
                      size_t rlen, void *user)
{
    (void)c;
    l4_h3 *h = user;
    h->closed = 1;
    h->ready = 0;
    for (h3s *s = h->streams; s; s = s->next)
        h3_report(h, s, err == L4_H3_NO_ERROR || err == 0 ? L4_H3_REQUEST_CANCELLED : err);
    if (h->cb.closed)
        h->cb.closed(h, by_peer, app, err, reason, rlen, h->user);
}

void l4_h3_quic_callbacks(l4_quic_callbacks *cb)
{
    memset(cb, 0, sizeof *cb);
    cb->handshake_done = qc_handshake_done;
    cb->stream_readable = qc_readable;
    cb->stream_writable = qc_writable;
    cb->stream_reset = qc_reset;
    cb->stream_stop = qc_stop;
    cb->closed = qc_closed;
}

/* ---- API ------------------------------------------------------------------- */

int l4_h3_new(l4_h3 **out, int is_server, const l4_h3_callbacks *cb, void *user)
{
    if (!out)
        return L4_ERR_INVALID_ARGUMENT;
    *out = NULL;
    l4_h3 *h = calloc(1, sizeof *h);
    if (!h)
        return L4_ERR_NOMEM;
    h->is_server = is_server;
    if (cb)
        h->cb = *cb;
    h->user = user;
    h->rbuf_cap = is_server ? H3_RBUF_SV : H3_RBUF;
    h->rbuf = malloc(h->rbuf_cap);
    nghttp3_settings set;
    nghttp3_settings_default(&set);
    set.max_field_section_size = 16 << 10; /* RFC 9114 §4.2.2 */
    int rv = !h->rbuf    ? NGHTTP3_ERR_NOMEM
             : is_server ? nghttp3_conn_server_new(&h->ng, &NG_CB, &set, NULL, h)
                         : nghttp3_conn_client_new(&h->ng, &NG_CB, &set, NULL, h);
    if (rv != 0) {
        free(h->rbuf);
        free(h);
        return L4_ERR_NOMEM;
    }
    *out = h;
    return 0;
}

void l4_h3_attach(l4_h3 *h, l4_quic_conn *c)
{
    h->c = c;
    if (h->is_server) {
        /* what the client may open: the engine's local limit (§4.6 of RFC 9000) */
        h->max_client_bidi = 100;
        nghttp3_conn_set_max_client_streams_bidi(h->ng, h->max_client_bidi);
    }
}

l4_quic_conn *l4_h3_conn(const l4_h3 *h)
{
    return h->c;
}

int l4_h3_is_ready(const l4_h3 *h)
{
    return h->ready && !h->closed && !h->fatal && !l4_quic_conn_is_closing(h->c);
}

size_t l4_h3_streams(const l4_h3 *h)
{
    return h->nstreams;
}

#define NV(n, v)                                                                                   \
    {                                                                                              \
        (uint8_t *)(uintptr_t)(n), (uint8_t *)(uintptr_t)(v), sizeof(n) - 1, strlen(v),            \
            NGHTTP3_NV_FLAG_NONE                                                                   \
    }

int l4_h3_get(l4_h3 *h, const char *authority, const char *path, void *stream_user, int64_t *sid)
{
    if (!h || h->is_server || !authority || !path || !*path || !sid)
        return L4_ERR_INVALID_ARGUMENT;
    if (!l4_h3_is_ready(h))
        return L4_ERR_STATE;
    uint64_t id;
    int rc = l4_quic_stream_open(h->c, 0, &id);
    if (rc < 0)
        return rc;
    h3s *s = h3s_new(h, (int64_t)id, stream_user);
    if (!s) {
        l4_quic_stream_reset(h->c, id, L4_H3_INTERNAL_ERROR);
        return L4_ERR_NOMEM;
    }
    s->rx_done = 0;
    const nghttp3_nv nva[] = {
        NV(":method", "GET"), NV(":scheme", "https"),    NV(":authority", authority),
        NV(":path", path),    NV("user-agent", "l4kit"),
    };
    int rv =
        nghttp3_conn_submit_request(h->ng, (int64_t)id, nva, sizeof nva / sizeof nva[0], NULL, s);
    if (rv != 0) {
        s->reported = 1;
        h3s_free(h, s);
        l4_quic_stream_reset(h->c, id, L4_H3_INTERNAL_ERROR);
        return rv == NGHTTP3_ERR_NOMEM ? L4_ERR_NOMEM : L4_ERR_STATE;
    }
    *sid = (int64_t)id;
    return 0;
}

int l4_h3_respond(l4_h3 *h, int64_t sid, int status, const char *content_type, uint64_t length,
                  const l4_h3_body *body)
{
    int bad = !h || !h->is_server || status < 100 || status > 999 ||
              (body && (!body->read == !body->map));
    h3s *s = bad ? NULL : h3s_find(h, sid);
    if (bad || !s || s->answered) {
        if (body && body->done)
            body->done(body->ctx);
        return bad ? L4_ERR_INVALID_ARGUMENT : L4_ERR_NOT_FOUND;
    }
    char st[8], len[24];
    snprintf(st, sizeof st, "%d", status);
    snprintf(len, sizeof len, "%llu", (unsigned long long)length);
    nghttp3_nv nva[4] = {NV(":status", st), NV("server", "l4kit")};
    size_t n = 2;
    if (length != UINT64_MAX)
        nva[n++] = (nghttp3_nv)NV("content-length", len);
    if (content_type)
        nva[n++] = (nghttp3_nv)NV("content-type", content_type);
    s->answered = 1;
    if (body) {
        s->body = *body;
        s->has_body = 1;
    }
    nghttp3_data_reader dr = {ng_read_data};
    int rv = nghttp3_conn_submit_response(h->ng, sid, nva, n, body ? &dr : NULL);
    if (rv != 0) {
        h3_fail(h, rv);
        return L4_ERR_NOMEM;
    }
    return 0;
}

/* Writes what nghttp3 has for the streams into the QUIC send buffers. */
static int h3_write(l4_h3 *h)
{
    for (int guard = 0; guard < 4096; guard++) {
        int64_t sid = -1;
        int fin = 0;
        nghttp3_vec vec[H3_VECS];
        nghttp3_ssize nv = nghttp3_conn_writev_stream(h->ng, &sid, &fin, vec, H3_VECS);
        if (nv < 0)
            return (int)nv;
        if (sid < 0)
            return 0;
        size_t total = 0, written = 0;
        int blocked = 0;
        for (nghttp3_ssize i = 0; i < nv; i++)
            total += vec[i].len;
        for (nghttp3_ssize i = 0; i < nv && !blocked; i++) {
            int last = i == nv - 1;
            l4_ssize w =
                l4_quic_stream_write(h->c, (uint64_t)sid, vec[i].base, vec[i].len, fin && last);
            if (w < 0) { /* the stream is gone (reset) or closing: stop feeding it */
                nghttp3_conn_shutdown_stream_write(h->ng, sid);
                h3s *s = h3s_find(h, sid);
                if (s) {
                    s->tx_done = 1;
                    h3_queue_close(s);
                }
                blocked = -1;
                break;
            }
            written += (size_t)w;
            if ((size_t)w < vec[i].len)
                blocked = 1;
        }
        if (blocked == -1)
            continue;
        if (nv == 0 && fin && l4_quic_stream_write(h->c, (uint64_t)sid, NULL, 0, 1) < 0) {
            nghttp3_conn_shutdown_stream_write(h->ng, sid);
            blocked = -1;
        }
        int rv = nghttp3_conn_add_write_offset(h->ng, sid, written);
        if (rv == 0)
            rv = nghttp3_conn_add_ack_offset(h->ng, sid, written);
        if (rv != 0)
            return rv;
        if (blocked == 1) {
            nghttp3_conn_block_stream(h->ng, sid);
            continue;
        }
        if (fin && written == total) {
            h3s *s = h3s_find(h, sid);
            if (s) {
                s->tx_done = 1;
                h3_queue_close(s);
            }
        }
    }
    return 0;
}

int l4_h3_flush(l4_h3 *h, l4_time now)
{
    if (!h->c)
        return 0;
    if (!h->fatal && h->ready && !l4_quic_conn_is_closing(h->c)) {
        for (h3s *s = h->streams; s; s = s->next)
            if (s->body_failed == 1) { /* the body source failed: reset (§4.1.1) */
                s->body_failed = 2;
                l4_quic_stream_reset(h->c, (uint64_t)s->id, L4_H3_INTERNAL_ERROR);
                nghttp3_conn_shutdown_stream_write(h->ng, s->id);
                s->tx_done = 1;
                s->err = L4_H3_INTERNAL_ERROR;
                h3_queue_close(s);
            }
        int rv = h3_write(h);
        if (rv != 0)
            h3_fail(h, rv);
    }
    /* Deferred closes: never from inside an nghttp3 callback. */
    for (h3s *s = h->streams, *n; s; s = n) {
        n = s->next;
        if (s->close_queued && !h->fatal) {
            int rv = nghttp3_conn_close_stream(h->ng, s->id, L4_H3_NO_ERROR);
            if (rv != 0 && rv != NGHTTP3_ERR_STREAM_NOT_FOUND) {
                h3_fail(h, rv);
                break;
            }
            if (rv == NGHTTP3_ERR_STREAM_NOT_FOUND) {
                h3_report(h, s, s->err);
                h3s_free(h, s);
            }
        }
    }
    if (h->fatal && !l4_quic_conn_is_closing(h->c)) {
        l4_quic_conn_close(h->c, h->fatal, nghttp3_strerror(h->fatal_rv), now);
        return h->fatal_rv ? h->fatal_rv : -1;
    }
    return 0;
}

void l4_h3_free(l4_h3 *h)
{
    if (!h)
        return;
    while (h->streams) {
        h->streams->reported = 1;
        h3s_free(h, h->streams);
    }
    nghttp3_conn_del(h->ng);
    free(h->rbuf);
    free(h);
}
