/* tests/io/quic_ep_preferred_test.c — a server endpoint with a preferred
 * address (RFC 9000 §9.6; io/quic_ep.h `preferred_addr`) over loopback: a
 * second socket, offered to every connection; a client that moves there
 * mid-transfer (l4_quic_conn_migrate_preferred, then l4_io_quic_ep_move to
 * that address) keeps its connection: its new socket is connected to the
 * preferred address, so every datagram it takes from then on left from the
 * server's second socket; 3 MB arrive byte-exact, both ends validate the
 * new path, the server followed it once. A preferred address that swallows
 * everything: the path fails validation, the client goes back to the
 * original address and the transfer completes there. Also: a client endpoint refuses a
 * preferred address, a wildcard is refused, a move to another family is
 * refused. */
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
static side g_sv;
static l4_quic_conn *g_svc;

static void cb_hs(l4_quic_conn *c, void *u)
{
    (void)c;
    ((side *)u)->hs = 1;
}

static void cb_closed(l4_quic_conn *c, int bp, int app, uint64_t e, const char *r, size_t rl,
                      void *u)
{
    (void)c, (void)bp, (void)app, (void)e, (void)r, (void)rl;
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
            if (buf[i] != (uint8_t)((s->got + (uint64_t)i) % 253))
                s->bad++;
        s->got += (uint64_t)n;
    }
}

static l4_quic_conn *accept_cb(void *user, const uint8_t *d, size_t len, const l4_io_udp_addr *from,
                               l4_time now, void **app)
{
    (void)user, (void)from;
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
    cb.stream_readable = cb_readable;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.max_datagram = 1452;
    set.seed = 5;
    set.tp.initial_max_data = 16u << 20;
    set.tp.initial_max_stream_data_bidi_remote = 8u << 20;
    l4_quic_conn *c;
    if (l4_quic_conn_new_server(&c, &set, &cb, &g_sv, tls, d, len, now) < 0)
        return NULL;
    g_svc = c;
    *app = &g_sv;
    return c;
}

static void setup(void)
{
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

/* `blackhole` 0: the client moves to the server's preferred address.
 * 1: it moves to a socket that swallows everything (as an unreachable
 * preferred address would): the path does not validate (paths_failed
 * after max(3 PTO, 2 s)), the client goes back to the original address
 * (l4_io_quic_ep_move) and the transfer completes there. */
static void run_move(int blackhole)
{
    setup();
    memset(&g_sv, 0, sizeof g_sv);
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    ec.is_server = 1;
    ec.offload = L4_IO_UDP_GSO | L4_IO_UDP_GRO;
    ec.ops.accept = accept_cb;
    ec.preferred_addr = "127.0.0.1";
    l4_io_quic_ep *sv;
    CHECK_EQ(l4_io_quic_ep_open(&sv, &ec), 0);
    uint16_t sp = l4_io_quic_ep_port(sv), pp = l4_io_quic_ep_preferred_port(sv);
    CHECK(pp != 0 && pp != sp);
    /* the client */
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    ec.offload = L4_IO_UDP_GSO | L4_IO_UDP_GRO;
    l4_io_quic_ep *cl;
    CHECK_EQ(l4_io_quic_ep_open(&cl, &ec), 0);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.insecure = 1;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &tc), 0);
    side cs;
    memset(&cs, 0, sizeof cs);
    l4_quic_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.handshake_done = cb_hs;
    cb.closed = cb_closed;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.max_datagram = 1452;
    set.seed = 6;
    l4_quic_conn *c;
    CHECK_EQ(l4_quic_conn_new_client(&c, &set, &cb, &cs, tls, l4_io_now()), 0);
    l4_io_udp_addr peer;
    l4_io_udp_addr_parse(&peer, "127.0.0.1", sp);
    CHECK_EQ(l4_io_quic_ep_add(cl, c, &cs, &peer), 0);
    enum { TOTAL = 3000000 };
    static uint8_t data[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (uint8_t)(i % 253);
    uint64_t sid = 0, sent = 0;
    int opened = 0, moved = 0, back = 0;
    l4_io_udp_sock hole;
    CHECK_EQ(l4_io_udp_open(&hole, "127.0.0.1", 0), 0); /* never read */
    l4_time t0 = l4_io_now();
    while (l4_io_now() - t0 < 10 * L4_S && !(g_sv.got == TOTAL)) {
        if (blackhole && moved && !back) {
            l4_quic_conn_stats st;
            l4_quic_conn_get_stats(c, &st);
            if (st.paths_failed) { /* §9.6.1: back to the original address */
                CHECK_EQ(l4_io_quic_ep_move(cl, NULL, 0, &peer), 0);
                back = 1;
            }
        }
        if (cs.hs && !opened) {
            CHECK_EQ(l4_quic_stream_open(c, 0, &sid), 0);
            opened = 1;
        }
        if (opened && sent < TOTAL) {
            l4_ssize w = l4_quic_stream_write(c, sid, data + sent, TOTAL - sent, 1);
            CHECK(w >= 0);
            sent += (uint64_t)w;
        }
        if (!moved && g_sv.got >= 1000000) {
            int rc = l4_quic_conn_migrate_preferred(c, l4_io_now());
            if (rc == L4_ERR_STATE)
                goto step; /* not confirmed yet */
            CHECK_EQ(rc, 0);
            l4_quic_preferred_addr pa;
            CHECK_EQ(l4_quic_conn_preferred_address(c, &pa), 0);
            CHECK(pa.ipv4[0] == 127 && pa.ipv4[3] == 1);
            CHECK_EQ((pa.port4[0] << 8) | pa.port4[1], pp);
            l4_io_udp_addr to;
            l4_io_udp_addr_parse(&to, "127.0.0.1", blackhole ? l4_io_udp_local_port(&hole) : pp);
            l4_io_udp_addr v6;
            l4_io_udp_addr_parse(&v6, "::1", pp);
            CHECK_EQ(l4_io_quic_ep_move(cl, NULL, 0, &v6), L4_ERR_INVALID_ARGUMENT);
            CHECK_EQ(l4_io_quic_ep_move(cl, NULL, 0, &to), 0);
            moved = 1;
        }
    step:
        CHECK_EQ(l4_io_quic_ep_step(cl, 0), 0);
        CHECK_EQ(l4_io_quic_ep_step(sv, L4_MS / 10), 0);
    }
    CHECK(moved);
    CHECK_EQ(g_sv.got, TOTAL);
    CHECK_EQ(g_sv.bad, 0);
    for (int i = 0; i < 50; i++) { /* the last validation answers */
        l4_io_quic_ep_step(cl, 0);
        l4_io_quic_ep_step(sv, L4_MS / 10);
    }
    l4_quic_conn_stats ss, sc;
    l4_quic_conn_get_stats(g_svc, &ss);
    l4_quic_conn_get_stats(c, &sc);
    CHECK_EQU(sc.local_migrations, 1);
    CHECK_EQU(l4_quic_conn_dcid_seq(c), 1);
    CHECK(!cs.closed && !g_sv.closed);
    if (blackhole) {
        CHECK(back);
        CHECK_EQU(sc.paths_failed, 1);
        /* it came back from a new local port: a new path the server validated */
        CHECK_EQU(ss.migrations, 1);
        CHECK_EQU(ss.paths_validated, 1);
    } else {
        CHECK_EQU(ss.migrations, 1);
        CHECK_EQU(ss.paths_validated, 1);
        CHECK_EQU(sc.paths_validated, 1);
        CHECK_EQU(ss.paths_failed + sc.paths_failed, 0);
    }
    l4_io_udp_close(&hole);
    l4_io_quic_ep_free(cl);
    l4_io_quic_ep_free(sv);
    l4_quic_tls_creds_free(g_creds);
    g_creds = NULL;
}

static void test_move_to_preferred(void)
{
    run_move(0);
}

static void test_preferred_unreachable_back(void)
{
    run_move(1);
}

static void test_bad_config(void)
{
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    ec.preferred_addr = "127.0.0.1"; /* a client */
    l4_io_quic_ep *ep = NULL;
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), L4_ERR_INVALID_ARGUMENT);
    ec.is_server = 1;
    ec.preferred_addr = "0.0.0.0"; /* a wildcard */
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), L4_ERR_INVALID_ARGUMENT);
    ec.preferred_addr = "localhost"; /* not numeric */
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), L4_ERR_INVALID_ARGUMENT);
    ec.preferred_addr = NULL;
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), 0);
    CHECK_EQ(l4_io_quic_ep_preferred_port(ep), 0);
    CHECK_EQ(l4_io_quic_ep_move(ep, NULL, 0, NULL), L4_ERR_STATE); /* a server */
    l4_io_quic_ep_free(ep);
}

static const l4_test TESTS[] = {
    TEST(test_move_to_preferred),
    TEST(test_preferred_unreachable_back),
    TEST(test_bad_config),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
