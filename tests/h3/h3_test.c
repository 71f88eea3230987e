/* tests/h3/h3_test.c — the HTTP/3 layer (h3/h3.h) between two l4kit QUIC
 * connections in memory (tests/quic/quic_pair.h: real GnuTLS handshake,
 * virtual time, seeded loss): parallel GETs arrive byte-exact, statuses and content-lengths
 * come through, a failing body resets only its stream, requests beyond
 * the server's stream limit wait for credit, and an HTTP/3 protocol error
 * closes the connection with an H3 code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QP_MAXQ 8192 /* a whole 4 MiB window in flight */
#include "check.h"
#include "h3/h3.h"
#include "h3/path.h"
#include "quic/quic_pair.h"

#define HP_ITEMS 16

typedef struct hp_item {
    const char *path;
    int64_t sid;
    int status, done;
    int64_t clen;
    uint64_t err, bytes, mismatches;
    uint64_t expect; /* generated length expected (verified byte by byte) */
} hp_item;

typedef struct hp {
    quic_pair qp; /* the two connections and the network between them */
    l4_h3 *hc, *hs;
    l4_quic_callbacks qcb; /* the HTTP/3 layer's, on both connections */
    int ready;
    hp_item it[HP_ITEMS];
    size_t n, next;
    int requests_seen, max_parallel_seen, open_now;
    int fail_body; /* the server's body for "/fail" errors after this many bytes */
    uint8_t *gen;
    int cl_closed, sv_closed;
    uint64_t cl_close_err;
} hp;

/* ---- server side --------------------------------------------------------- */

typedef struct hp_body {
    uint64_t len, fail_at;
} hp_body;

static l4_ssize hp_read(void *ctx, uint64_t off, uint8_t *buf, size_t cap)
{
    hp_body *b = ctx;
    if (off >= b->fail_at)
        return -1;
    if (off >= b->len)
        return 0;
    size_t n = b->len - off < cap ? (size_t)(b->len - off) : cap;
    if (off + n > b->fail_at)
        n = (size_t)(b->fail_at - off);
    l4_h3_gen_fill(buf, off, n);
    return (l4_ssize)n;
}

static void hp_body_done(void *ctx)
{
    free(ctx);
}

static void hp_request(l4_h3 *h, int64_t sid, const l4_h3_request *req, void *user)
{
    hp *p = user;
    p->requests_seen++;
    CHECK(!strcmp(req->method, "GET"));
    CHECK(!strcmp(req->scheme, "https"));
    CHECK(!strcmp(req->authority, "localhost:443"));
    uint64_t n;
    hp_body *b = calloc(1, sizeof *b);
    CHECK(b != NULL);
    b->fail_at = UINT64_MAX;
    if (!strcmp(req->path, "/fail")) {
        b->len = 200000;
        b->fail_at = (uint64_t)p->fail_body;
        l4_h3_body body = {hp_read, NULL, hp_body_done, b};
        CHECK_EQ(l4_h3_respond(h, sid, 200, NULL, b->len, &body), 0);
    } else if (l4_h3_path_size(req->path, &n) == 0) {
        b->len = n;
        l4_h3_body body = {hp_read, NULL, hp_body_done, b};
        CHECK_EQ(l4_h3_respond(h, sid, 200, "application/octet-stream", n, &body), 0);
    } else {
        free(b);
        CHECK_EQ(l4_h3_respond(h, sid, 404, NULL, 0, NULL), 0);
    }
    /* a second answer to the same stream is refused */
    CHECK_EQ(l4_h3_respond(h, sid, 200, NULL, 0, NULL), L4_ERR_NOT_FOUND);
}

/* ---- client side ---------------------------------------------------------- */

static void hp_submit(hp *p)
{
    while (p->next < p->n) {
        hp_item *it = &p->it[p->next];
        int rc = l4_h3_get(p->hc, "localhost:443", it->path, it, &it->sid);
        if (rc == L4_ERR_LIMIT)
            return;
        CHECK_EQ(rc, 0);
        p->next++;
        p->open_now++;
        if (p->open_now > p->max_parallel_seen)
            p->max_parallel_seen = p->open_now;
    }
}

static void hp_ready(l4_h3 *h, void *user)
{
    (void)h;
    hp *p = user;
    p->ready = 1;
    hp_submit(p);
}

static void hp_response(l4_h3 *h, int64_t sid, int status, int64_t clen, void *su, void *user)
{
    (void)h;
    (void)sid;
    (void)user;
    hp_item *it = su;
    it->status = status;
    it->clen = clen;
}

static void hp_data(l4_h3 *h, int64_t sid, const uint8_t *d, size_t n, void *su, void *user)
{
    (void)h;
    (void)sid;
    hp *p = user;
    hp_item *it = su;
    for (size_t i = 0; i < n; i++)
        if (d[i] != p->gen[(it->bytes + i) % L4_H3_GEN_PERIOD])
            it->mismatches++;
    it->bytes += n;
}

static void hp_done(l4_h3 *h, int64_t sid, uint64_t err, void *su, void *user)
{
    (void)h;
    (void)sid;
    hp *p = user;
    hp_item *it = su;
    CHECK(!it->done); /* exactly once */
    it->done = 1;
    it->err = err;
    p->open_now--;
}

static void hp_cl_closed(l4_h3 *h, int by_peer, int app, uint64_t err, const char *r, size_t rl,
                         void *user)
{
    (void)h;
    (void)by_peer;
    (void)app;
    (void)r;
    (void)rl;
    hp *p = user;
    p->cl_closed = 1;
    p->cl_close_err = err;
}

static void hp_sv_closed(l4_h3 *h, int by_peer, int app, uint64_t err, const char *r, size_t rl,
                         void *user)
{
    (void)h;
    (void)by_peer;
    (void)app;
    (void)err;
    (void)r;
    (void)rl;
    ((hp *)user)->sv_closed = 1;
}

/* ---- the in-memory network -------------------------------------------------- */

static void hp_before_output(quic_pair *qp, int side)
{
    hp *p = qp->app;
    if (!side && p->ready)
        hp_submit(p);
    l4_h3_flush(side ? p->hs : p->hc, qp->now);
}

static void hp_server_made(quic_pair *qp)
{
    hp *p = qp->app;
    l4_h3_attach(p->hs, qp->sv);
}

static void hp_init(hp *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    qp_init(&p->qp, seed);
    p->qp.app = p;
    p->qp.cs.tp.initial_max_stream_data_bidi_local = 1u << 20;
    p->qp.cs.tp.initial_max_data = 4u << 20;
    p->qp.delay = 5 * L4_MS;
    l4_rng_init(&p->qp.rng, seed, 7);
    p->gen = malloc(L4_H3_GEN_PERIOD);
    l4_h3_gen_fill(p->gen, 0, L4_H3_GEN_PERIOD);
}

/* Makes both HTTP/3 ends (the server's connection comes with the client's
 * first datagram) and starts the client. */
static void hp_start(hp *p)
{
    l4_h3_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.ready = hp_ready;
    cb.response = hp_response;
    cb.data = hp_data;
    cb.done = hp_done;
    cb.closed = hp_cl_closed;
    CHECK_EQ(l4_h3_new(&p->hc, 0, &cb, p), 0);
    memset(&cb, 0, sizeof cb);
    cb.request = hp_request;
    cb.closed = hp_sv_closed;
    CHECK_EQ(l4_h3_new(&p->hs, 1, &cb, p), 0);
    l4_h3_quic_callbacks(&p->qcb);
    p->qp.cl_cb = p->qp.sv_cb = &p->qcb;
    p->qp.cl_user = p->hc;
    p->qp.sv_user = p->hs;
    p->qp.on_server = hp_server_made;
    p->qp.before_output = hp_before_output;
    CHECK_EQ(qp_start(&p->qp), 0);
    l4_h3_attach(p->hc, p->qp.cl);
}

static void hp_free(hp *p)
{
    l4_h3_free(p->hc);
    l4_h3_free(p->hs);
    qp_free(&p->qp);
    free(p->gen);
}

/* One arrival or timer; 0 when nothing is left before `until`. */
static int hp_step(hp *p, l4_time until)
{
    int more = qp_step(&p->qp, until);
    CHECK_EQ(p->qp.overflow, 0); /* QP_MAXQ holds every datagram in flight */
    CHECK_EQ(p->qp.sv_new_err, 0);
    return more;
}

static int hp_all_done(const hp *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (!p->it[i].done)
            return 0;
    return p->n > 0;
}

static void hp_run(hp *p, l4_time until)
{
    while (!hp_all_done(p) && !p->cl_closed && hp_step(p, until))
        ;
}

static void hp_add(hp *p, const char *path, uint64_t expect)
{
    p->it[p->n].path = path;
    p->it[p->n].expect = expect;
    p->n++;
}

/* ---- tests ---------------------------------------------------------------- */

static void check_item_ok(const hp_item *it)
{
    CHECK_MSG(it->done, "%s: not done", it->path);
    CHECK_MSG(it->err == 0, "%s: error 0x%llx", it->path, (unsigned long long)it->err);
    CHECK_EQ(it->status, 200);
    CHECK_EQ(it->clen, (int64_t)it->expect);
    CHECK_EQ(it->bytes, it->expect);
    CHECK_EQ(it->mismatches, 0);
}

static void parallel_gets(double loss, uint64_t seed)
{
    hp p;
    hp_init(&p, seed);
    p.qp.loss = loss;
    hp_add(&p, "/1000", 1000);
    hp_add(&p, "/300K", 300 << 10);
    hp_add(&p, "/1M", 1 << 20);
    hp_add(&p, "/0", 0);
    hp_add(&p, "/65521", 65521);
    hp_add(&p, "/missing", 0);
    hp_start(&p);
    hp_run(&p, 120 * L4_S);
    CHECK(p.ready);
    for (size_t i = 0; i < p.n; i++) {
        if (!strcmp(p.it[i].path, "/missing")) {
            CHECK(p.it[i].done);
            CHECK_EQ(p.it[i].status, 404);
            CHECK_EQ(p.it[i].err, 0);
            CHECK_EQ(p.it[i].bytes, 0);
            continue;
        }
        check_item_ok(&p.it[i]);
    }
    /* all on one connection, in parallel */
    CHECK_EQ(p.requests_seen, 6);
    CHECK_EQ(p.max_parallel_seen, 6);
    CHECK(!p.cl_closed);
    CHECK_EQ(l4_h3_streams(p.hc), 0);
    hp_free(&p);
}

static void test_parallel_gets(void)
{
    parallel_gets(0, 1);
}

/* 2% loss each way: everything still arrives exactly once, in order. */
static void test_parallel_gets_loss(void)
{
    for (uint64_t seed = 10; seed < 13; seed++)
        parallel_gets(0.02, seed);
}

/* The server allows 2 concurrent request streams: the other requests wait
 * for MAX_STREAMS (L4_ERR_LIMIT) and then go out; all complete. */
static void test_stream_limit(void)
{
    hp p;
    hp_init(&p, 3);
    p.qp.ss.tp.initial_max_streams_bidi = 2;
    static const char *paths[] = {"/1", "/2K", "/3K", "/4K", "/5K", "/6K", "/7K"};
    static const uint64_t lens[] = {1, 2048, 3072, 4096, 5120, 6144, 7168};
    for (int i = 0; i < 7; i++)
        hp_add(&p, paths[i], lens[i]);
    hp_start(&p);
    hp_run(&p, 60 * L4_S);
    for (size_t i = 0; i < p.n; i++)
        check_item_ok(&p.it[i]);
    CHECK_EQ(p.max_parallel_seen, 2);
    hp_free(&p);
}

/* A body that fails mid-way resets that stream with H3_INTERNAL_ERROR;
 * the other stream of the same connection completes. */
static void test_body_error_resets_stream(void)
{
    hp p;
    hp_init(&p, 4);
    p.fail_body = 50000;
    hp_add(&p, "/fail", 0);
    hp_add(&p, "/100K", 100 << 10);
    hp_start(&p);
    hp_run(&p, 30 * L4_S);
    CHECK(p.it[0].done);
    CHECK_EQ(p.it[0].status, 200);
    CHECK_EQ(p.it[0].err, L4_H3_INTERNAL_ERROR);
    CHECK(p.it[0].bytes <= 50000);
    CHECK_EQ(p.it[0].mismatches, 0);
    check_item_ok(&p.it[1]);
    CHECK(!p.cl_closed);
    hp_free(&p);
}

/* Misuse of the API gets errors, not crashes. */
static void test_api_errors(void)
{
    hp p;
    hp_init(&p, 5);
    hp_start(&p);
    int64_t sid;
    /* before the handshake */
    CHECK_EQ(l4_h3_get(p.hc, "localhost", "/", NULL, &sid), L4_ERR_STATE);
    CHECK_EQ(l4_h3_get(p.hc, "localhost", "", NULL, &sid), L4_ERR_INVALID_ARGUMENT);
    /* a client cannot respond */
    CHECK_EQ(l4_h3_respond(p.hc, 0, 200, NULL, 0, NULL), L4_ERR_INVALID_ARGUMENT);
    hp_add(&p, "/10", 10);
    hp_run(&p, 10 * L4_S);
    check_item_ok(&p.it[0]);
    /* a server cannot send requests, nor answer streams that are not requests */
    CHECK_EQ(l4_h3_get(p.hs, "localhost", "/", NULL, &sid), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_h3_respond(p.hs, 4000, 200, NULL, 0, NULL), L4_ERR_NOT_FOUND);
    CHECK_EQ(l4_h3_respond(p.hs, 0, 1000, NULL, 0, NULL), L4_ERR_INVALID_ARGUMENT);
    hp_free(&p);
}

/* The peer sends garbage on a request stream (an HTTP/3 frame type a
 * request stream must not carry: SETTINGS, RFC 9114 §7.2.4): the
 * connection closes with H3_FRAME_UNEXPECTED (0x105). */
static void test_protocol_error_closes(void)
{
    hp p;
    hp_init(&p, 6);
    hp_add(&p, "/10", 10);
    hp_start(&p);
    hp_run(&p, 10 * L4_S);
    check_item_ok(&p.it[0]);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(p.qp.cl, 0, &sid), 0);
    static const uint8_t settings[] = {0x04, 0x00}; /* SETTINGS, empty */
    CHECK_EQ(l4_quic_stream_write(p.qp.cl, sid, settings, sizeof settings, 1), 2);
    for (int i = 0; i < 200 && !p.cl_closed; i++)
        if (!hp_step(&p, p.qp.now + 5 * L4_S))
            break;
    CHECK(p.cl_closed);
    CHECK_EQ(p.cl_close_err, 0x105);
    CHECK(p.sv_closed);
    hp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(test_parallel_gets),
    TEST(test_parallel_gets_loss),
    TEST(test_stream_limit),
    TEST(test_body_error_resets_stream),
    TEST(test_api_errors),
    TEST(test_protocol_error_closes),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
