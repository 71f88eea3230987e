/* tests/io/quic_ep_reset_test.c — Stateless Reset (RFC 9000 §10.3) from a
 * server endpoint (io/quic_ep.h `reset_key`) over loopback:
 * - a server that lost its state (its endpoint freed and a new one opened
 *   on the same port with the same key: a restart) answers the client's
 *   next packet with a Stateless Reset; the client recognises the token
 *   its connection was given and closes at once (by_peer 3), not at its
 *   30 s idle timeout; a restart under another key resets nothing the
 *   client recognises;
 * - the packet rules, seen from a plain UDP socket: a short header of an
 *   unknown ID gets a reset one byte shorter (at most 64 bytes) ending in
 *   the ID's token under the key, with a short-header first byte; 21 bytes
 *   or less (could be a reset itself, §10.3.3), a long header, or an
 *   endpoint without a key get nothing; a flood is answered at most at the
 *   rate limit. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "io/clock.h"
#include "io/quic_ep.h"
#include "io/quic_tls_gnutls.h"

static const uint8_t KEY[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t KEY2[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

typedef struct side {
    int hs, closed, by_peer;
    uint64_t err;
} side;

static l4_quic_tls_creds *g_creds;
static const uint8_t *g_conn_key; /* the reset key the server's connections issue IDs under */
static l4_quic_conn *g_last_sv;
static side g_sv;

static void cb_hs(l4_quic_conn *c, void *u)
{
    (void)c;
    ((side *)u)->hs = 1;
}

static void cb_closed(l4_quic_conn *c, int bp, int app, uint64_t e, const char *r, size_t rl,
                      void *u)
{
    (void)c;
    (void)app;
    (void)r;
    (void)rl;
    side *s = u;
    s->closed = 1;
    s->by_peer = bp;
    s->err = e;
}

static l4_quic_conn *accept_cb(void *user, const uint8_t *d, size_t len, const l4_io_udp_addr *from,
                               l4_time now, void **app)
{
    (void)user;
    (void)from;
    memset(&g_sv, 0, sizeof g_sv);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.is_server = 1;
    tc.creds = g_creds;
    l4_quic_tls *tls;
    if (l4_quic_tls_gnutls_new(&tls, &tc) < 0)
        return NULL;
    l4_quic_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.handshake_done = cb_hs;
    cb.closed = cb_closed;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.max_datagram = 1452;
    set.seed = 77;
    memcpy(set.reset_key, g_conn_key, 16);
    set.reset_key_set = 1;
    l4_quic_conn *c;
    if (l4_quic_conn_new_server(&c, &set, &cb, &g_sv, tls, d, len, now) < 0)
        return NULL;
    g_last_sv = c;
    *app = &g_sv;
    return c;
}

static void setup(void)
{
    if (g_creds)
        return;
    uint8_t *cert, *key;
    size_t cl, kl;
    CHECK_EQ(l4_quic_tls_selfsigned("localhost", (long)time(NULL) - 3600, 2, &cert, &cl, &key, &kl),
             0);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.is_server = 1;
    tc.cert_pem = cert;
    tc.cert_pem_len = cl;
    tc.key_pem = key;
    tc.key_pem_len = kl;
    CHECK_EQ(l4_quic_tls_creds_new(&g_creds, &tc), 0);
    free(cert);
    free(key);
}

static l4_io_quic_ep *server_ep(uint16_t port, const uint8_t *reset_key, unsigned rate)
{
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    ec.port = port;
    ec.is_server = 1;
    ec.ops.accept = accept_cb;
    ec.reset_key = reset_key;
    ec.reset_rate = rate;
    l4_io_quic_ep *ep;
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), 0);
    return ep;
}

static l4_io_quic_ep *client(uint16_t server_port, side *s, l4_quic_conn **out)
{
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    l4_io_quic_ep *ep;
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), 0);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.insecure = 1;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &tc), 0);
    l4_quic_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.handshake_done = cb_hs;
    cb.closed = cb_closed;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.max_datagram = 1452;
    set.seed = (uint64_t)(uintptr_t)s;
    l4_quic_conn *c;
    CHECK_EQ(l4_quic_conn_new_client(&c, &set, &cb, s, tls, l4_io_now()), 0);
    l4_io_udp_addr peer;
    l4_io_udp_addr_parse(&peer, "127.0.0.1", server_port);
    CHECK_EQ(l4_io_quic_ep_add(ep, c, s, &peer), 0);
    *out = c;
    return ep;
}

/* Steps both endpoints (sv may be NULL) until `*flag` or `limit` ns. */
static void run_until(l4_io_quic_ep *cl, l4_io_quic_ep *sv, const int *flag, l4_time limit)
{
    l4_time t0 = l4_io_now();
    while (!*flag && l4_io_now() - t0 < limit) {
        CHECK_EQ(l4_io_quic_ep_step(cl, L4_MS / 10), 0);
        if (sv)
            CHECK_EQ(l4_io_quic_ep_step(sv, L4_MS / 10), 0);
    }
}

/* The client sends on a new stream after the server's state is gone (its
 * endpoint freed, a new one on the same port): `how` 0 under the same
 * key, 1 under another key. */
static void run_lost_state(int how)
{
    setup();
    g_conn_key = KEY;
    l4_io_quic_ep *sv = server_ep(0, KEY, 0);
    uint16_t port = l4_io_quic_ep_port(sv);
    side cs;
    memset(&cs, 0, sizeof cs);
    l4_quic_conn *c;
    l4_io_quic_ep *cl = client(port, &cs, &c);
    int both = 0;
    l4_time t0 = l4_io_now();
    while (!(cs.hs && g_sv.hs && both > 50) && l4_io_now() - t0 < 5 * L4_S) {
        CHECK_EQ(l4_io_quic_ep_step(cl, L4_MS / 10), 0);
        CHECK_EQ(l4_io_quic_ep_step(sv, L4_MS / 10), 0);
        both += cs.hs && g_sv.hs; /* a few more rounds: HANDSHAKE_DONE, ACKs */
    }
    CHECK(cs.hs && g_sv.hs);
    l4_io_quic_ep_free(sv); /* no CONNECTION_CLOSE: the state is just gone */
    sv = server_ep(port, how == 0 ? KEY : KEY2, 0);
    l4_io_quic_ep_stats st0;
    l4_io_quic_ep_get_stats(sv, &st0);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(c, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(c, sid, (const uint8_t *)"GET /after-restart", 18, 1), 18);
    l4_time t1 = l4_io_now();
    run_until(cl, sv, &cs.closed, how == 1 ? 1500 * L4_MS : 3 * L4_S);
    l4_io_quic_ep_stats st;
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK(st.resets_sent >= 1);
    CHECK_EQU(st.accepted, 0);
    if (how == 1) {
        /* tokens under another key mean nothing to the client: it goes on
           probing (and will end at its idle timeout) */
        CHECK(!cs.closed);
    } else {
        CHECK(cs.closed);
        CHECK_EQ(cs.by_peer, 3);
        l4_time took = l4_io_now() - t1;
        CHECK_MSG(took < L4_S, "closed %.1f ms after sending", (double)took / 1e6);
        /* draining (§10.3.1): not one more packet */
        l4_io_quic_ep_stats a, b;
        l4_io_quic_ep_get_stats(cl, &a);
        for (int i = 0; i < 100; i++) {
            CHECK_EQ(l4_io_quic_ep_step(cl, L4_MS), 0);
            CHECK_EQ(l4_io_quic_ep_step(sv, 0), 0);
        }
        l4_io_quic_ep_get_stats(cl, &b);
        CHECK_EQU(b.dgrams_out, a.dgrams_out);
    }
    l4_io_quic_ep_free(cl);
    l4_io_quic_ep_free(sv);
}

static void test_restart_same_key(void)
{
    run_lost_state(0);
}

static void test_restart_other_key(void)
{
    run_lost_state(1);
}

/* A plain UDP socket's view: which datagrams get a reset, and what it is. */
static int probe(l4_io_udp_sock *s, uint16_t port, const uint8_t *d, size_t len, uint8_t *reply,
                 size_t cap, l4_io_quic_ep *sv)
{
    l4_io_udp_dgram m;
    memset(&m, 0, sizeof m);
    m.buf = (uint8_t *)d;
    m.len = len;
    l4_io_udp_addr_parse(&m.peer, "127.0.0.1", port);
    CHECK_EQ(l4_io_udp_sendv(s, &m, 1), 1);
    for (int i = 0; i < 20; i++)
        CHECK_EQ(l4_io_quic_ep_step(sv, L4_MS), 0);
    l4_io_udp_dgram r;
    memset(&r, 0, sizeof r);
    r.buf = reply;
    r.cap = cap;
    int n = l4_io_udp_recvv(s, &r, 1);
    CHECK(n >= 0);
    return n == 1 ? (int)r.len : 0;
}

static void test_packet_rules(void)
{
    setup();
    g_conn_key = KEY;
    l4_io_quic_ep *sv = server_ep(0, KEY, 0);
    uint16_t port = l4_io_quic_ep_port(sv);
    l4_io_udp_sock s;
    CHECK_EQ(l4_io_udp_open(&s, "127.0.0.1", 0), 0);
    uint8_t d[1200], reply[2048];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)(i * 37 + 11);
    d[0] = 0x41; /* short header */
    l4_quic_cid cid;
    cid.len = 8;
    memcpy(cid.data, d + 1, 8);
    uint8_t token[L4_QUIC_RESET_TOKEN_LEN];
    l4_quic_reset_token(KEY, &cid, token);
    /* 1200 bytes: a 64-byte reset ending in the token */
    int n = probe(&s, port, d, sizeof d, reply, sizeof reply, sv);
    CHECK_EQ(n, 64);
    CHECK((reply[0] & 0xc0) == 0x40);
    CHECK_MEM(reply + n - 16, token, 16);
    /* 43 bytes: one byte shorter; 22: 21 (5 unpredictable bytes + token) */
    CHECK_EQ(probe(&s, port, d, 43, reply, sizeof reply, sv), 42);
    CHECK_MEM(reply + 42 - 16, token, 16);
    CHECK_EQ(probe(&s, port, d, 22, reply, sizeof reply, sv), 21);
    /* 21 bytes could be a Stateless Reset itself: no answer (§10.3.3) */
    CHECK_EQ(probe(&s, port, d, 21, reply, sizeof reply, sv), 0);
    /* a long header that is not a client Initial: nothing */
    d[0] = 0xe0; /* Handshake */
    CHECK_EQ(probe(&s, port, d, 200, reply, sizeof reply, sv), 0);
    d[0] = 0x41;
    l4_io_quic_ep_stats st;
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK_EQU(st.resets_sent, 3);
    /* a flood of 100: at most the burst (25 at 100/s) and what the rate
       adds meanwhile */
    for (int i = 0; i < 100; i++) {
        l4_io_udp_dgram m;
        memset(&m, 0, sizeof m);
        m.buf = d;
        m.len = 100;
        l4_io_udp_addr_parse(&m.peer, "127.0.0.1", port);
        CHECK_EQ(l4_io_udp_sendv(&s, &m, 1), 1);
    }
    l4_time t0 = l4_io_now();
    for (int i = 0; i < 50; i++)
        CHECK_EQ(l4_io_quic_ep_step(sv, L4_MS), 0);
    double secs = (double)(l4_io_now() - t0) / 1e9 + 0.05;
    int got = 0;
    for (;;) {
        l4_io_udp_dgram r;
        memset(&r, 0, sizeof r);
        r.buf = reply;
        r.cap = sizeof reply;
        if (l4_io_udp_recvv(&s, &r, 1) != 1)
            break;
        CHECK_EQU(r.len, 64);
        got++;
    }
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK_MSG(got >= 20 && got <= 25 + (int)(100 * secs) + 1,
              "%d resets to a flood of 100 in %.2f s", got, secs);
    CHECK_EQU(st.resets_sent, 3 + (uint64_t)got);
    CHECK(st.resets_limited >= 100 - (uint64_t)got - 1);
    l4_io_quic_ep_free(sv);
    /* no key: no resets */
    sv = server_ep(0, NULL, 0);
    port = l4_io_quic_ep_port(sv);
    CHECK_EQ(probe(&s, port, d, sizeof d, reply, sizeof reply, sv), 0);
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK_EQU(st.resets_sent, 0);
    l4_io_quic_ep_free(sv);
    l4_io_udp_close(&s);
}

static void test_zz_teardown(void)
{
    l4_quic_tls_creds_free(g_creds);
    g_creds = NULL;
}

static const l4_test TESTS[] = {
    TEST(test_restart_same_key),
    TEST(test_restart_other_key),
    TEST(test_packet_rules),
    TEST(test_zz_teardown),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
