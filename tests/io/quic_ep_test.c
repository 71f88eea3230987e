/* tests/io/quic_ep_test.c — io/quic_ep.h over loopback: one server
 * endpoint demultiplexes many clients by connection ID and completes every
 * handshake; a stream of 3 MB crosses byte-exact in GSO runs; a client
 * that reuses the port of a connection still draining on the server gets
 * a new connection at once (not after a lost Initial and a PTO); a client
 * that moves to a new socket mid-transfer (an active migration, and a NAT
 * rebinding) keeps its connection, routed by connection ID, and the server
 * validates the new path. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "io/clock.h"
#include "io/quic_ep.h"
#include "io/quic_tls_gnutls.h"

typedef struct side {
    int hs, closed;
    uint64_t got, bad;
} side;

static l4_quic_tls_creds *g_creds;
static side g_sv[64];
static l4_quic_conn *g_svc[64];
static int g_nsv;

static void cb_hs(l4_quic_conn *c, void *u)
{
    (void)c;
    ((side *)u)->hs = 1;
}

static void cb_closed(l4_quic_conn *c, int bp, int app, uint64_t e, const char *r, size_t rl,
                      void *u)
{
    (void)c;
    (void)bp;
    (void)app;
    (void)e;
    (void)r;
    (void)rl;
    ((side *)u)->closed = 1;
}

static void cb_readable(l4_quic_conn *c, uint64_t sid, void *u)
{
    side *s = u;
    uint8_t buf[16384];
    int fin;
    l4_ssize n;
    while ((n = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin)) > 0) {
        for (l4_ssize i = 0; i < n; i++)
            if (buf[i] != (uint8_t)((s->got + (uint64_t)i) % 251))
                s->bad++;
        s->got += (uint64_t)n;
    }
}

static l4_quic_conn *accept_cb(void *user, const uint8_t *d, size_t len, const l4_io_udp_addr *from,
                               l4_time now, void **app)
{
    (void)user;
    (void)from;
    CHECK(g_nsv < 64);
    side *s = &g_sv[g_nsv++];
    memset(s, 0, sizeof *s);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.is_server = 1;
    tc.creds = g_creds;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &tc), 0);
    l4_quic_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.handshake_done = cb_hs;
    cb.closed = cb_closed;
    cb.stream_readable = cb_readable;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.max_datagram = 1452;
    set.seed = (uint64_t)g_nsv;
    set.tp.initial_max_data = 16u << 20;
    set.tp.initial_max_stream_data_bidi_remote = 8u << 20;
    l4_quic_conn *c;
    if (l4_quic_conn_new_server(&c, &set, &cb, s, tls, d, len, now) < 0)
        return NULL;
    g_svc[g_nsv - 1] = c;
    *app = s;
    return c;
}

static l4_io_quic_ep *server_ep(void)
{
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    ec.is_server = 1;
    ec.offload = L4_IO_UDP_GSO | L4_IO_UDP_GRO;
    ec.ops.accept = accept_cb;
    l4_io_quic_ep *ep;
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), 0);
    return ep;
}

static l4_io_quic_ep *client(uint16_t local_port, uint16_t server_port, side *s, l4_quic_conn **out)
{
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    ec.port = local_port;
    ec.offload = L4_IO_UDP_GSO | L4_IO_UDP_GRO;
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
    set.seed = (uint64_t)local_port * 7 + (uint64_t)(uintptr_t)s;
    l4_quic_conn *c;
    CHECK_EQ(l4_quic_conn_new_client(&c, &set, &cb, s, tls, l4_io_now()), 0);
    l4_io_udp_addr peer;
    l4_io_udp_addr_parse(&peer, "127.0.0.1", server_port);
    CHECK_EQ(l4_io_quic_ep_add(ep, c, s, &peer), 0);
    /* the same peer twice is refused */
    CHECK_EQ(l4_io_quic_ep_add(ep, c, s, &peer), L4_ERR_STATE);
    *out = c;
    return ep;
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

/* 16 clients at once, each on its own socket: all handshakes complete. */
static void test_many_clients(void)
{
    setup();
    g_nsv = 0;
    l4_io_quic_ep *sv = server_ep();
    uint16_t sp = l4_io_quic_ep_port(sv);
    enum { N = 16 };
    l4_io_quic_ep *cl[N];
    side cs[N];
    l4_quic_conn *cc[N];
    memset(cs, 0, sizeof cs);
    for (int i = 0; i < N; i++)
        cl[i] = client(0, sp, &cs[i], &cc[i]);
    l4_time t0 = l4_io_now();
    int done = 0;
    while (!done && l4_io_now() - t0 < 5 * L4_S) {
        CHECK_EQ(l4_io_quic_ep_step(sv, L4_MS / 10), 0);
        done = 1;
        for (int i = 0; i < N; i++) {
            CHECK_EQ(l4_io_quic_ep_step(cl[i], 0), 0);
            done &= cs[i].hs;
        }
    }
    CHECK(done);
    CHECK_EQ(g_nsv, N);
    CHECK_EQ(l4_io_quic_ep_count(sv), N);
    l4_io_quic_ep_stats st;
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK_EQ(st.accepted, N);
    for (int i = 0; i < N; i++)
        l4_io_quic_ep_free(cl[i]);
    l4_io_quic_ep_free(sv);
}

/* 3 MB on one stream: byte-exact, and the server side saw GSO runs from
 * the client (several datagrams per send). */
static void test_bulk(void)
{
    setup();
    g_nsv = 0;
    l4_io_quic_ep *sv = server_ep();
    side cs;
    memset(&cs, 0, sizeof cs);
    l4_quic_conn *c;
    l4_io_quic_ep *cl = client(0, l4_io_quic_ep_port(sv), &cs, &c);
    enum { TOTAL = 3000000 };
    static uint8_t data[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (uint8_t)(i % 251);
    uint64_t sid = 0, sent = 0;
    int opened = 0;
    l4_time t0 = l4_io_now();
    while (l4_io_now() - t0 < 10 * L4_S && !(g_nsv && g_sv[0].got == TOTAL)) {
        if (cs.hs && !opened) {
            CHECK_EQ(l4_quic_stream_open(c, 0, &sid), 0);
            opened = 1;
        }
        if (opened && sent < TOTAL) {
            l4_ssize w = l4_quic_stream_write(c, sid, data + sent, TOTAL - sent, 1);
            CHECK(w >= 0);
            sent += (uint64_t)w;
        }
        CHECK_EQ(l4_io_quic_ep_step(cl, 0), 0);
        CHECK_EQ(l4_io_quic_ep_step(sv, L4_MS / 10), 0);
    }
    CHECK_EQ(g_nsv, 1);
    CHECK_EQ(g_sv[0].got, TOTAL);
    CHECK_EQ(g_sv[0].bad, 0);
    l4_io_quic_ep_stats st;
    l4_io_quic_ep_get_stats(cl, &st);
    if (l4_io_quic_ep_offload(cl) & L4_IO_UDP_GSO)
        CHECK(st.gso_sends > 0 && st.dgrams_out > 2 * st.send_calls);
    l4_io_quic_ep_free(cl);
    l4_io_quic_ep_free(sv);
}

/* 3 MB on one stream; after 1 MB the client moves to a new socket: with
 * `migrate` an active migration (a new server connection ID, RFC 9000
 * §9.2), else a NAT rebinding as the server sees it (same ID). Byte-exact;
 * the server followed the new port and validated it. */
static void run_move(int migrate)
{
    setup();
    g_nsv = 0;
    l4_io_quic_ep *sv = server_ep();
    side cs;
    memset(&cs, 0, sizeof cs);
    l4_quic_conn *c;
    l4_io_quic_ep *cl = client(0, l4_io_quic_ep_port(sv), &cs, &c);
    enum { TOTAL = 3000000 };
    static uint8_t data[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (uint8_t)(i % 251);
    uint64_t sid = 0, sent = 0;
    int opened = 0, moved = 0;
    uint16_t port0 = l4_io_quic_ep_port(cl);
    l4_time t0 = l4_io_now();
    while (l4_io_now() - t0 < 10 * L4_S && !(g_nsv && g_sv[0].got == TOTAL)) {
        if (cs.hs && !opened) {
            CHECK_EQ(l4_quic_stream_open(c, 0, &sid), 0);
            opened = 1;
        }
        if (opened && sent < TOTAL) {
            l4_ssize w = l4_quic_stream_write(c, sid, data + sent, TOTAL - sent, 1);
            CHECK(w >= 0);
            sent += (uint64_t)w;
        }
        if (!moved && g_nsv && g_sv[0].got >= 1000000) {
            if (migrate) {
                int rc = l4_quic_conn_migrate(c, 0, l4_io_now());
                if (rc == L4_ERR_STATE || rc == L4_ERR_NOT_FOUND)
                    goto step; /* not confirmed yet / no spare ID yet: next round */
                CHECK_EQ(rc, 0);
            }
            CHECK_EQ(l4_io_quic_ep_rebind(cl, NULL, 0), 0);
            moved = 1;
        }
    step:
        CHECK_EQ(l4_io_quic_ep_step(cl, 0), 0);
        CHECK_EQ(l4_io_quic_ep_step(sv, L4_MS / 10), 0);
    }
    CHECK(moved);
    CHECK(l4_io_quic_ep_port(cl) != port0);
    CHECK_EQ(g_nsv, 1);
    CHECK_EQ(g_sv[0].got, TOTAL);
    CHECK_EQ(g_sv[0].bad, 0);
    /* let the validation finish */
    for (int i = 0; i < 50; i++) {
        l4_io_quic_ep_step(cl, 0);
        l4_io_quic_ep_step(sv, L4_MS / 10);
    }
    l4_quic_conn_stats ss, sc;
    l4_quic_conn_get_stats(g_svc[0], &ss);
    l4_quic_conn_get_stats(c, &sc);
    CHECK_EQU(ss.migrations, 1);
    CHECK_EQU(ss.paths_validated, 1);
    CHECK_EQU(sc.local_migrations, (uint64_t)migrate);
    CHECK_EQU(sc.paths_validated, (uint64_t)migrate);
    l4_io_quic_ep_stats st;
    l4_io_quic_ep_get_stats(cl, &st);
    CHECK_EQU(st.rebinds, 1);
    CHECK_EQ(l4_io_quic_ep_rebind(sv, NULL, 0), L4_ERR_STATE); /* a server does not */
    l4_io_quic_ep_free(cl);
    l4_io_quic_ep_free(sv);
}

static void test_migrate(void)
{
    run_move(1);
}

static void test_nat_rebind(void)
{
    run_move(0);
}

/* A connection closes; a new client binds the same port at once and
 * connects while the server still drains the old one: the new Initial
 * replaces the old connection and the handshake takes no PTO. */
static void test_port_reuse(void)
{
    setup();
    g_nsv = 0;
    l4_io_quic_ep *sv = server_ep();
    uint16_t sp = l4_io_quic_ep_port(sv);
    side a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    l4_quic_conn *ca, *cb;
    l4_io_quic_ep *cla = client(0, sp, &a, &ca);
    l4_time t0 = l4_io_now();
    while (!a.hs && l4_io_now() - t0 < 3 * L4_S) {
        l4_io_quic_ep_step(cla, 0);
        l4_io_quic_ep_step(sv, L4_MS / 10);
    }
    CHECK(a.hs);
    /* let the server finish (HANDSHAKE_DONE acknowledged), then close */
    for (int i = 0; i < 20; i++) {
        l4_io_quic_ep_step(cla, 0);
        l4_io_quic_ep_step(sv, L4_MS / 10);
    }
    CHECK_EQ(l4_quic_conn_close(ca, 0, "", l4_io_now()), 0);
    l4_io_quic_ep_step(cla, 0);
    uint16_t port;
    {
        /* the port the first client used */
        l4_io_quic_ep_stats st;
        l4_io_quic_ep_get_stats(cla, &st);
        CHECK(st.dgrams_out > 0);
        port = l4_io_quic_ep_port(cla);
    }
    l4_io_quic_ep_free(cla);
    l4_io_quic_ep_step(sv, L4_MS); /* the server reads the CONNECTION_CLOSE: draining */
    CHECK(g_sv[0].closed);
    CHECK_EQ(l4_io_quic_ep_count(sv), 1);
    l4_io_quic_ep *clb = client(port, sp, &b, &cb);
    t0 = l4_io_now();
    while (!b.hs && l4_io_now() - t0 < 3 * L4_S) {
        l4_io_quic_ep_step(clb, 0);
        l4_io_quic_ep_step(sv, L4_MS / 10);
    }
    l4_time took = l4_io_now() - t0;
    CHECK(b.hs);
    CHECK_MSG(took < 300 * L4_MS, "second handshake took %.1f ms", (double)took / 1e6);
    CHECK_EQ(g_nsv, 2);
    l4_io_quic_ep_free(clb);
    l4_io_quic_ep_free(sv);
}

static void test_bad_config(void)
{
    l4_io_quic_ep *ep;
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), L4_ERR_INVALID_ARGUMENT); /* no address */
    ec.addr = "nowhere";
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), L4_ERR_INVALID_ARGUMENT);
    ec.addr = "127.0.0.1";
    ec.max_datagram = 1000;
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), L4_ERR_INVALID_ARGUMENT);
    ec.max_datagram = 0;
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), 0);
    l4_io_udp_addr v6;
    l4_io_udp_addr_parse(&v6, "::1", 443);
    setup();
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.insecure = 1;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &tc), 0);
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    l4_quic_conn *c;
    CHECK_EQ(l4_quic_conn_new_client(&c, &set, NULL, NULL, tls, l4_io_now()), 0);
    CHECK_EQ(l4_io_quic_ep_add(ep, c, NULL, &v6), L4_ERR_INVALID_ARGUMENT); /* family */
    l4_quic_conn_free(c);
    l4_io_quic_ep_free(ep);
    l4_io_quic_ep_free(NULL);
}

static void teardown(void)
{
    l4_quic_tls_creds_free(g_creds);
    g_creds = NULL;
}

static void test_zz_teardown(void)
{
    teardown();
}

static const l4_test TESTS[] = {
    TEST(test_many_clients), TEST(test_bulk),       TEST(test_migrate),     TEST(test_nat_rebind),
    TEST(test_port_reuse),   TEST(test_bad_config), TEST(test_zz_teardown), TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
