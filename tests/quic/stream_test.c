/* tests/quic/stream_test.c — streams over the in-memory pair: byte-exact
 * delivery on many streams under loss, flow control, stream limits,
 * RESET_STREAM / STOP_SENDING, connection close. */
#include "check.h"
#include "quic_pair.h"
#include "wire/quic_frame.h"

#define ST_MAX 64

/* A transfer: the client sends `size` pattern bytes on each of n streams;
 * the server checks every byte and the FIN. */
typedef struct xfer {
    int n;
    size_t size;
    uint64_t sid[ST_MAX];
    size_t written[ST_MAX];
    size_t got[ST_MAX];
    int fin[ST_MAX];
    int bad;
    int done_streams;
    l4_time done_at[ST_MAX];
    int uni;
} xfer;

static uint8_t pat(uint64_t sid, size_t off)
{
    return (uint8_t)(off * 31 + sid * 7 + (off >> 8));
}

static int xfer_index(xfer *x, uint64_t sid)
{
    for (int i = 0; i < x->n; i++)
        if (x->sid[i] == sid)
            return i;
    return -1;
}

static void xfer_push(quic_pair *p)
{
    xfer *x = p->app;
    uint8_t buf[8192];
    for (int i = 0; i < x->n; i++) {
        while (x->written[i] < x->size) {
            size_t n = x->size - x->written[i];
            if (n > sizeof buf)
                n = sizeof buf;
            for (size_t k = 0; k < n; k++)
                buf[k] = pat(x->sid[i], x->written[i] + k);
            int fin = x->written[i] + n == x->size;
            l4_ssize w = l4_quic_stream_write(p->cl, x->sid[i], buf, n, fin);
            if (w <= 0)
                break;
            x->written[i] += (size_t)w;
            if ((size_t)w < n)
                break;
        }
    }
}

static void xfer_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    xfer *x = p->app;
    if (c != p->sv)
        return;
    int i = xfer_index(x, sid);
    if (i < 0) {
        x->bad++;
        return;
    }
    uint8_t buf[4096];
    for (;;) {
        int fin = 0;
        l4_ssize n = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin);
        if (n < 0) {
            x->bad++;
            return;
        }
        for (l4_ssize k = 0; k < n; k++)
            if (buf[k] != pat(sid, x->got[i] + (size_t)k))
                x->bad++;
        x->got[i] += (size_t)n;
        if (fin) {
            if (x->fin[i])
                x->bad++; /* the FIN is reported once */
            x->fin[i] = 1;
            x->done_streams++;
            x->done_at[i] = p->now;
            return;
        }
        if (n == 0)
            return;
    }
}

static void xfer_writable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    (void)sid;
    if (c == p->cl)
        xfer_push(p);
}

static int xfer_done(quic_pair *p)
{
    xfer *x = p->app;
    return x->done_streams == x->n || x->bad;
}

static void xfer_setup(quic_pair *p, xfer *x, int n, size_t size, int uni)
{
    memset(x, 0, sizeof *x);
    x->n = n;
    x->size = size;
    x->uni = uni;
    p->app = x;
    p->cb.stream_readable = xfer_readable;
    p->cb.stream_writable = xfer_writable;
}

static void xfer_open(quic_pair *p, xfer *x)
{
    for (int i = 0; i < x->n; i++)
        CHECK_EQ(l4_quic_stream_open(p->cl, x->uni, &x->sid[i]), 0);
    xfer_push(p);
}

static void run_transfer(uint64_t seed, double loss, int n, size_t size, l4_time limit)
{
    quic_pair p;
    xfer x;
    qp_init(&p, seed);
    xfer_setup(&p, &x, n, size, (int)(seed & 1));
    p.loss = loss;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 60 * L4_S));
    xfer_open(&p, &x);
    int ok = qp_run(&p, xfer_done, limit);
    CHECK_MSG(ok && x.bad == 0, "seed %llu loss %.2f: done %d/%d bad %d at %llu ms",
              (unsigned long long)seed, loss, x.done_streams, n, x.bad,
              (unsigned long long)(p.now / L4_MS));
    for (int i = 0; i < n; i++) {
        CHECK_EQU(x.got[i], size);
        CHECK(x.fin[i]);
    }
    l4_quic_conn_stats cs;
    l4_quic_conn_get_stats(p.cl, &cs);
    if (loss > 0)
        CHECK(cs.pkts_lost > 0 && cs.stream_bytes_retx > 0);
    else
        CHECK_EQU(cs.pkts_lost, 0);
    qp_free(&p);
}

static void test_many_streams_no_loss(void)
{
    run_transfer(100, 0.0, 16, 100000, 30 * L4_S);
    run_transfer(101, 0.0, 8, 50000, 30 * L4_S); /* unidirectional */
}

static void test_many_streams_loss(void)
{
    for (uint64_t seed = 200; seed < 204; seed++)
        run_transfer(seed, 0.02, 16, 60000, 120 * L4_S);
    for (uint64_t seed = 300; seed < 304; seed++)
        run_transfer(seed, 0.10, 12, 40000, 300 * L4_S);
}

static void test_flow_control_small_windows(void)
{
    /* Windows far smaller than the data: MAX_DATA / MAX_STREAM_DATA must
     * keep the transfer going. */
    quic_pair p;
    xfer x;
    qp_init(&p, 7);
    p.ss.tp.initial_max_data = 8000;
    p.ss.tp.initial_max_stream_data_bidi_remote = 3000;
    xfer_setup(&p, &x, 4, 200000, 0);
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    xfer_open(&p, &x);
    CHECK(qp_run(&p, xfer_done, 100 * L4_S));
    CHECK_EQ(x.bad, 0);
    CHECK_EQ(x.done_streams, 4);
    l4_quic_conn_stats ss;
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK(ss.blocked_recv > 0); /* DATA_BLOCKED / STREAM_DATA_BLOCKED arrived */
    qp_free(&p);
}

static void test_stream_limit(void)
{
    quic_pair p;
    qp_init(&p, 8);
    p.ss.tp.initial_max_streams_bidi = 3;
    p.ss.tp.initial_max_streams_uni = 0;
    CHECK_EQ(qp_start(&p), 0);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), L4_ERR_STATE); /* before the handshake */
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    CHECK_EQU(sid, 0);
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    CHECK_EQU(sid, 4);
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    CHECK_EQU(sid, 8);
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), L4_ERR_LIMIT);
    CHECK_EQ(l4_quic_stream_open(p.cl, 1, &sid), L4_ERR_LIMIT);
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    l4_quic_conn_stats ss;
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK_EQU(ss.blocked_recv, 2); /* STREAMS_BLOCKED bidi and uni, once each */
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), L4_ERR_LIMIT);
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK_EQU(ss.blocked_recv, 2); /* not repeated for the same limit */
    /* Finishing a stream both ways gives credit back (MAX_STREAMS). */
    CHECK_EQ(l4_quic_stream_write(p.cl, 0, (const uint8_t *)"x", 1, 1), 1);
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    uint8_t b[4];
    int fin = 0;
    CHECK_EQ(l4_quic_stream_read(p.sv, 0, b, sizeof b, &fin), 1);
    CHECK(fin);
    CHECK_EQ(l4_quic_stream_write(p.sv, 0, NULL, 0, 1), 0);
    while (qp_step(&p, p.now + 200 * L4_MS))
        ;
    CHECK_EQ(l4_quic_stream_read(p.cl, 0, b, sizeof b, &fin), 0);
    CHECK(fin);
    while (qp_step(&p, p.now + 200 * L4_MS))
        ;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    CHECK_EQU(sid, 12);
    CHECK_EQ(l4_quic_stream_read(p.cl, 0, b, sizeof b, &fin), L4_ERR_NOT_FOUND); /* freed */
    qp_free(&p);
}

typedef struct rs_state {
    int resets, stops;
    uint64_t reset_err, stop_err, reset_sid;
} rs_state;

static void rs_reset(l4_quic_conn *c, uint64_t sid, uint64_t err, void *user)
{
    quic_pair *p = user;
    rs_state *r = p->app;
    (void)c;
    r->resets++;
    r->reset_err = err;
    r->reset_sid = sid;
}

static void rs_stop(l4_quic_conn *c, uint64_t sid, uint64_t err, void *user)
{
    quic_pair *p = user;
    rs_state *r = p->app;
    (void)c;
    (void)sid;
    r->stops++;
    r->stop_err = err;
}

static void test_reset_and_stop(void)
{
    quic_pair p;
    rs_state r;
    memset(&r, 0, sizeof r);
    qp_init(&p, 9);
    p.app = &r;
    p.cb.stream_reset = rs_reset;
    p.cb.stream_stop = rs_stop;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    uint64_t a, b;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &a), 0);
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &b), 0);
    uint8_t data[5000];
    memset(data, 0x5a, sizeof data);
    CHECK_EQ(l4_quic_stream_write(p.cl, a, data, sizeof data, 0), (l4_ssize)sizeof data);
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    CHECK_EQ(l4_quic_stream_reset(p.cl, a, 77), 0);
    CHECK_EQ(l4_quic_stream_reset(p.cl, a, 77), L4_ERR_STATE);
    CHECK_EQ(l4_quic_stream_write(p.cl, a, data, 1, 0), L4_ERR_STATE);
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    CHECK_EQ(r.resets, 1);
    CHECK_EQU(r.reset_err, 77);
    CHECK_EQU(r.reset_sid, a);
    /* STOP_SENDING from the server on b: the client answers with a reset. */
    CHECK_EQ(l4_quic_stream_write(p.cl, b, data, 100, 0), 100);
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    CHECK_EQ(l4_quic_stream_stop(p.sv, b, 99), 0);
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    CHECK_EQ(r.stops, 1);
    CHECK_EQU(r.stop_err, 99);
    CHECK_EQ(r.resets, 2);
    CHECK_EQU(r.reset_err, 99);
    CHECK(!l4_quic_conn_is_closing(p.cl));
    qp_free(&p);
}

static int both_closed(quic_pair *p)
{
    return l4_quic_conn_is_closed(p->cl) && l4_quic_conn_is_closed(p->sv);
}

static void test_close(void)
{
    quic_pair p;
    qp_init(&p, 11);
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    CHECK_EQ(l4_quic_conn_close(p.cl, 0x42, "bye", p.now), 0);
    CHECK_EQ(l4_quic_conn_close(p.cl, 0x42, "bye", p.now), L4_ERR_STATE);
    CHECK(l4_quic_conn_is_closing(p.cl));
    CHECK(qp_run(&p, both_closed, p.now + 10 * L4_S));
    CHECK_EQ(p.closed_sv.called, 1);
    CHECK_EQ(p.closed_sv.by_peer, 1);
    CHECK_EQ(p.closed_sv.app, 1);
    CHECK_EQU(p.closed_sv.err, 0x42);
    CHECK_EQ(p.closed_cl.called, 1);
    CHECK_EQ(p.closed_cl.by_peer, 0);
    qp_free(&p);
}

static void test_idle_timeout(void)
{
    quic_pair p;
    qp_init(&p, 12);
    p.cs.tp.max_idle_timeout = 2000;
    p.ss.tp.max_idle_timeout = 5000;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    l4_time t0 = p.now;
    CHECK(qp_run(&p, both_closed, p.now + 60 * L4_S));
    CHECK_EQ(p.closed_cl.by_peer, 2);
    CHECK_EQ(p.closed_sv.by_peer, 2);
    /* min(2 s, 5 s) after the last activity */
    CHECK(p.now - t0 >= 1900 * L4_MS && p.now - t0 <= 2500 * L4_MS);
    qp_free(&p);
}

/* ---- head-of-line blocking: a loss on stream A never delays stream B ---- */

typedef struct hol {
    uint64_t a, b;
    size_t got_a, got_b;
    l4_time done_a, done_b;
    int drop_next;
} hol;

static int hol_filter(quic_pair *p, int to_server, const uint8_t *d, size_t len)
{
    hol *h = p->app;
    (void)d;
    (void)len;
    if (to_server && h->drop_next) {
        h->drop_next = 0;
        return 1;
    }
    return 0;
}

static void hol_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    hol *h = p->app;
    uint8_t buf[2048];
    int fin;
    l4_ssize n;
    while ((n = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin)) > 0) {
        size_t *got = sid == h->a ? &h->got_a : &h->got_b;
        l4_time *done = sid == h->a ? &h->done_a : &h->done_b;
        for (l4_ssize i = 0; i < n; i++)
            if (buf[i] != (uint8_t)(sid + 1))
                return;
        *got += (size_t)n;
        if (*got == 1000)
            *done = p->now;
    }
}

static int hol_done(quic_pair *p)
{
    hol *h = p->app;
    return h->done_a && h->done_b;
}

static void test_no_head_of_line_blocking(void)
{
    quic_pair p;
    hol h;
    memset(&h, 0, sizeof h);
    qp_init(&p, 21);
    p.app = &h;
    p.filter = hol_filter;
    p.cb.stream_readable = hol_readable;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &h.a), 0);
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &h.b), 0);
    uint8_t da[1000], db[1000];
    memset(da, (int)(h.a + 1), sizeof da);
    memset(db, (int)(h.b + 1), sizeof db);
    l4_time t0 = p.now;
    /* A's packet is lost; B's, sent just after, arrives. */
    CHECK_EQ(l4_quic_stream_write(p.cl, h.a, da, sizeof da, 0), 1000);
    h.drop_next = 1;
    qp_flush(&p);
    CHECK_EQ(h.drop_next, 0);
    CHECK_EQ(l4_quic_stream_write(p.cl, h.b, db, sizeof db, 0), 1000);
    CHECK(qp_run(&p, hol_done, t0 + 5 * L4_S));
    /* B is delivered after exactly one one-way delay, not held for A. */
    CHECK_EQU(h.done_b - t0, 10 * L4_MS);
    /* A waits for loss detection: B's ACK (sent at once, B left a gap) is
     * back at 20 ms; A is declared lost by the time threshold 9/8 × 20 ms
     * = 22.5 ms after it was sent (RFC 9002 §6.1.2), resent, and arrives
     * 10 ms later. */
    CHECK_EQU(h.done_a - t0, 32500 * L4_US);
    l4_quic_conn_stats cs;
    l4_quic_conn_get_stats(p.cl, &cs);
    CHECK_EQU(cs.pkts_lost, 1);
    CHECK_EQU(cs.stream_bytes_retx, 1000);
    qp_free(&p);
}

/* RFC 9001 §6: either side updates the 1-RTT keys mid-transfer; the other
 * follows and no byte is lost. */
static void test_key_update(void)
{
    for (int who = 0; who < 2; who++) {
        quic_pair p;
        xfer x;
        qp_init(&p, 50 + (uint64_t)who);
        xfer_setup(&p, &x, 2, 300000, 0);
        CHECK_EQ(qp_start(&p), 0);
        CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
        l4_quic_conn *up = who ? p.sv : p.cl;
        CHECK_EQ(l4_quic_conn_key_update(up), L4_ERR_STATE); /* not confirmed / acked yet */
        while (qp_step(&p, p.now + 200 * L4_MS))
            ;
        xfer_open(&p, &x);
        for (int i = 0; i < 20; i++)
            qp_step(&p, p.now + L4_S);
        CHECK_EQ(l4_quic_conn_key_update(up), 0);
        CHECK_EQ(l4_quic_conn_key_update(up), L4_ERR_STATE); /* §6.5: wait for an ACK */
        CHECK(qp_run(&p, xfer_done, p.now + 30 * L4_S));
        CHECK_EQ(x.bad, 0);
        l4_quic_conn_stats a, b;
        l4_quic_conn_get_stats(p.cl, &a);
        l4_quic_conn_get_stats(p.sv, &b);
        CHECK_EQU(a.key_updates, 1);
        CHECK_EQU(b.key_updates, 1);
        CHECK_EQU(a.pkts_dropped, 0);
        CHECK_EQU(b.pkts_dropped, 0);
        /* and a second update later */
        while (qp_step(&p, p.now + 200 * L4_MS))
            ;
        CHECK_EQ(l4_quic_conn_key_update(p.cl), 0);
        while (qp_step(&p, p.now + 200 * L4_MS))
            ;
        l4_quic_conn_get_stats(p.sv, &b);
        CHECK_EQU(b.key_updates, 1); /* nothing was sent in the new phase yet */
        uint64_t sid;
        CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
        CHECK_EQ(l4_quic_stream_write(p.cl, sid, (const uint8_t *)"y", 1, 1), 1);
        while (qp_step(&p, p.now + 200 * L4_MS))
            ;
        l4_quic_conn_get_stats(p.sv, &b);
        CHECK_EQU(b.key_updates, 2);
        CHECK(!l4_quic_conn_is_closing(p.cl) && !l4_quic_conn_is_closing(p.sv));
        qp_free(&p);
    }
}

/* ---- the other direction: server-initiated streams and an echo ---- */

typedef struct echo {
    size_t srv_uni_got, echo_got;
    int srv_uni_fin, echo_fin, opened, bad;
    uint64_t uni_sid;
} echo;

static void echo_opened(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    echo *e = p->app;
    if (c == p->cl && sid == 3)
        e->opened++; /* the client learns of the server's first uni stream */
    if (c == p->sv && sid == 0)
        e->opened++;
}

static void echo_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    echo *e = p->app;
    uint8_t buf[4096];
    int fin = 0;
    l4_ssize n;
    while ((n = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin)) > 0 || fin) {
        if (c == p->sv) { /* echo what the client sent on stream 0 */
            if (n > 0 && l4_quic_stream_write(c, sid, buf, (size_t)n, 0) != n)
                e->bad++;
            if (fin) {
                l4_quic_stream_write(c, sid, NULL, 0, 1);
                return;
            }
        } else if (sid == 3) {
            for (l4_ssize i = 0; i < n; i++)
                if (buf[i] != (uint8_t)((e->srv_uni_got + (size_t)i) % 251))
                    e->bad++;
            e->srv_uni_got += (size_t)n;
            e->srv_uni_fin |= fin;
        } else if (sid == 0) {
            for (l4_ssize i = 0; i < n; i++)
                if (buf[i] != (uint8_t)((e->echo_got + (size_t)i) % 13))
                    e->bad++;
            e->echo_got += (size_t)n;
            e->echo_fin |= fin;
        }
        if (fin || n <= 0)
            return;
    }
}

static int echo_done(quic_pair *p)
{
    echo *e = p->app;
    return (e->srv_uni_fin && e->echo_fin) || e->bad;
}

static void test_server_streams_and_echo(void)
{
    quic_pair p;
    echo e;
    memset(&e, 0, sizeof e);
    qp_init(&p, 60);
    p.app = &e;
    p.loss = 0.03;
    p.cb.stream_opened = echo_opened;
    p.cb.stream_readable = echo_readable;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 30 * L4_S));
    static uint8_t big[150000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i % 251);
    CHECK_EQ(l4_quic_stream_open(p.sv, 1, &e.uni_sid), 0);
    CHECK_EQU(e.uni_sid, 3); /* §2.1: server-initiated unidirectional, index 0 */
    CHECK_EQ(l4_quic_stream_write(p.sv, e.uni_sid, big, sizeof big, 1), (l4_ssize)sizeof big);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    uint8_t msg[20000];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i % 13);
    CHECK_EQ(l4_quic_stream_write(p.cl, sid, msg, sizeof msg, 1), (l4_ssize)sizeof msg);
    CHECK(qp_run(&p, echo_done, p.now + 120 * L4_S));
    CHECK_EQ(e.bad, 0);
    CHECK_EQU(e.srv_uni_got, sizeof big);
    CHECK_EQU(e.echo_got, sizeof msg);
    CHECK_EQ(e.opened, 2);
    /* the server's finished unidirectional stream is gone at the client */
    CHECK_EQ(l4_quic_stream_write(p.cl, 3, msg, 1, 0), L4_ERR_NOT_FOUND);
    qp_free(&p);
}

static int cl_closed(quic_pair *p)
{
    return l4_quic_conn_is_closed(p->cl);
}

static int drop_all(quic_pair *p, int to_server, const uint8_t *d, size_t len)
{
    (void)p, (void)to_server, (void)d, (void)len;
    return 1;
}

/* The peer vanishes: PTO probes do not keep the connection alive; it ends
 * one idle timeout after the last packet arrived (RFC 9000 §10.1). Also a
 * server that never answers ends the client's attempt. */
static void test_idle_peer_gone(void)
{
    quic_pair p;
    qp_init(&p, 13);
    p.cs.tp.max_idle_timeout = 3000;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    l4_time last_rx = p.now;
    p.filter = drop_all;
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(p.cl, sid, (const uint8_t *)"hello", 5, 0), 5);
    CHECK(qp_run(&p, cl_closed, p.now + 60 * L4_S));
    CHECK_EQ(p.closed_cl.by_peer, 2);
    l4_quic_conn_stats cs;
    l4_quic_conn_get_stats(p.cl, &cs);
    CHECK(cs.pto_count_total >= 2);
    CHECK_MSG(p.now - last_rx >= 3 * L4_S && p.now - last_rx < 3300 * L4_MS,
              "closed %llu ms after the last packet",
              (unsigned long long)((p.now - last_rx) / L4_MS));
    qp_free(&p);
    qp_init(&p, 14);
    p.cs.tp.max_idle_timeout = 5000;
    p.filter = drop_all;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, cl_closed, 60 * L4_S));
    CHECK_EQ(p.closed_cl.by_peer, 2);
    CHECK_EQU(p.now, 5 * L4_S);
    qp_free(&p);
}

/* RFC 9002 §7.2: a connection starts with a window of ten datagrams
 * (min(10 * 1200, max(14720, 2400)) = 12,000 bytes here), not TCP's three
 * segments: right after the handshake a 100 KB write leaves as one burst of
 * about ten full datagrams (the window grew a little by the handshake
 * packets acknowledged), and no more until ACKs come back. */
static void test_first_flight_is_ten_datagrams(void)
{
    quic_pair p;
    qp_init(&p, 15);
    CHECK_EQ(qp_start(&p), 0);
    l4_quic_conn_stats cs;
    l4_quic_conn_get_stats(p.cl, &cs);
    CHECK_EQU(cs.cwnd, 12000);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 100 * L4_MS)) /* the handshake's last ACKs */
        ;
    l4_quic_conn_get_stats(p.cl, &cs);
    CHECK_EQU(cs.bytes_in_flight, 0);
    CHECK(cs.cwnd >= 12000 && cs.cwnd <= 12000 + 3 * 1200);
    uint64_t cwnd = cs.cwnd;
    static uint8_t big[100000];
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(p.cl, sid, big, sizeof big, 1), (l4_ssize)sizeof big);
    size_t before = p.nq;
    qp_flush(&p);
    size_t full = 0, total = 0;
    for (size_t i = before; i < p.nq; i++) {
        CHECK(p.q[i].to_server);
        total++;
        full += p.q[i].len == 1200;
    }
    CHECK_MSG(total == cwnd / 1200 && full == total, "%zu datagrams (%zu full), window %llu", total,
              full, (unsigned long long)cwnd);
    CHECK(total >= 10);
    qp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(test_first_flight_is_ten_datagrams),
    TEST(test_idle_peer_gone),
    TEST(test_server_streams_and_echo),
    TEST(test_key_update),
    TEST(test_no_head_of_line_blocking),
    TEST(test_many_streams_no_loss),
    TEST(test_many_streams_loss),
    TEST(test_flow_control_small_windows),
    TEST(test_stream_limit),
    TEST(test_reset_and_stop),
    TEST(test_close),
    TEST(test_idle_timeout),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
