/*
 * tests/udp/host_udp_test.c — UDP sockets on two hosts in the emulator:
 * echo both ways with message boundaries (v4 and v6), connected sockets
 * filtering their peer, ECONNREFUSED after an ICMP port unreachable,
 * EMSGSIZE, truncation, receive-queue drops, optional IPv4 checksums.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../host/helpers.h"
#include "check.h"
#include "host/sim_node.h"
#include "sim/sim.h"
#include "udp/udp.h"

typedef struct net {
    l4_sim *sim;
    l4_host *ha, *hb;
    int na, nb;
} net;

static void net_init(net *n, uint64_t seed, l4_host_config *cfg, const char *spec)
{
    n->sim = l4_sim_new(seed);
    n->ha = th_host(seed + 100, 1, cfg);
    n->hb = th_host(seed + 200, 2, cfg);
    n->na = l4_host_sim_add(n->sim, n->ha);
    n->nb = l4_host_sim_add(n->sim, n->hb);
    l4_link_spec ls;
    l4_link_spec_default(&ls);
    if (spec)
        l4_link_spec_parse(&ls, spec, NULL, 0);
    l4_sim_connect(n->sim, n->na, 0, n->nb, 0, &ls, &ls);
}

static void net_free(net *n)
{
    l4_sim_del(n->sim);
    l4_host_del(n->ha);
    l4_host_del(n->hb);
}

/* The echo server: every datagram goes back to its sender unchanged. */
static void echo_readable(l4_host *h, int sd, void *user)
{
    (void)user;
    uint8_t buf[2048];
    l4_addr src;
    uint16_t sp;
    for (;;) {
        l4_ssize n = l4_socket_recvfrom(h, sd, buf, sizeof buf, &src, &sp, NULL, l4_host_now(h));
        if (n < 0)
            break;
        l4_socket_sendto(h, sd, buf, (size_t)n, &src, sp, l4_host_now(h));
    }
}

static void run_echo(int v6)
{
    net n;
    net_init(&n, v6 ? 2 : 1, NULL, "delay 2ms");
    int fam = v6 ? L4_AF_INET6 : L4_AF_INET4;
    l4_addr sa = th_addr(v6 ? "fd00::1" : "10.0.0.1");
    int s = l4_socket_open(n.ha, fam, L4_SOCK_DGRAM);
    l4_socket_callbacks cb = {.readable = echo_readable};
    l4_socket_set_callbacks(n.ha, s, &cb, NULL);
    CHECK_EQ(l4_socket_bind(n.ha, s, NULL, 7), 0);
    int c = l4_socket_open(n.hb, fam, L4_SOCK_DGRAM);
    /* datagrams of sizes 0..max, each a distinct pattern */
    size_t max = l4_udp_max_payload((uint8_t)fam, 1500);
    size_t sizes[] = {0, 1, 2, 100, 512, 1000, max - 1, max};
    uint8_t buf[2048];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (size_t k = 0; k < sizes[i]; k++)
            buf[k] = (uint8_t)(k * 7 + i);
        CHECK_EQ(l4_socket_sendto(n.hb, c, buf, sizes[i], &sa, 7, 0), (l4_ssize)sizes[i]);
    }
    CHECK_EQ(l4_socket_sendto(n.hb, c, buf, max + 1, &sa, 7, 0), L4_EMSGSIZE);
    l4_sim_wake(n.sim, n.nb);
    l4_sim_run_until(n.sim, L4_S);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        l4_addr src;
        uint16_t sp;
        int fl;
        l4_ssize r = l4_socket_recvfrom(n.hb, c, buf, sizeof buf, &src, &sp, &fl, L4_S);
        CHECK_EQ(r, (l4_ssize)sizes[i]);
        CHECK_EQ(sp, 7);
        CHECK(l4_addr_eq(&src, &sa));
        CHECK_EQ(fl, 0);
        int ok = 1;
        for (size_t k = 0; k < sizes[i]; k++)
            ok &= buf[k] == (uint8_t)(k * 7 + i);
        CHECK(ok);
    }
    CHECK_EQ(l4_socket_recvfrom(n.hb, c, buf, sizeof buf, NULL, NULL, NULL, L4_S), L4_EAGAIN);
    net_free(&n);
}

static void test_echo_v4(void)
{
    run_echo(0);
}

static void test_echo_v6(void)
{
    run_echo(1);
}

static int g_err;
static void on_err(l4_host *h, int sd, int err, void *user)
{
    (void)h;
    (void)sd;
    (void)user;
    g_err = err;
}

static void run_refused(int v6)
{
    net n;
    net_init(&n, 3, NULL, NULL);
    int fam = v6 ? L4_AF_INET6 : L4_AF_INET4;
    l4_addr sa = th_addr(v6 ? "fd00::1" : "10.0.0.1");
    int c = l4_socket_open(n.hb, fam, L4_SOCK_DGRAM);
    l4_socket_callbacks cb = {.error = on_err};
    l4_socket_set_callbacks(n.hb, c, &cb, NULL);
    CHECK_EQ(l4_socket_send(n.hb, c, "x", 1, 0), L4_EDESTADDRREQ);
    CHECK_EQ(l4_socket_connect(n.hb, c, &sa, 9999, 0), 0);
    g_err = 0;
    CHECK_EQ(l4_socket_send(n.hb, c, "hello", 5, 0), 5);
    l4_sim_wake(n.sim, n.nb);
    l4_sim_run_until(n.sim, L4_S);
    CHECK_EQU(l4_host_stats_get(n.ha)->icmp_unreach_sent, 1);
    CHECK_EQU(l4_host_stats_get(n.hb)->icmp_errors_in, 1);
    CHECK_EQ(g_err, L4_ECONNREFUSED);
    uint8_t b[8];
    CHECK_EQ(l4_socket_recv(n.hb, c, b, sizeof b, L4_S), L4_ECONNREFUSED);
    CHECK_EQ(l4_socket_recv(n.hb, c, b, sizeof b, L4_S), L4_EAGAIN); /* reported once */
    /* an unconnected socket gets no error */
    int u = l4_socket_open(n.hb, fam, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_sendto(n.hb, u, "x", 1, &sa, 9998, L4_S), 1);
    l4_sim_wake(n.sim, n.nb);
    l4_sim_run_until(n.sim, 2 * L4_S);
    CHECK_EQ(l4_socket_error(n.hb, u), 0);
    CHECK_EQU(l4_host_stats_get(n.hb)->icmp_errors_in, 2);
    net_free(&n);
}

static void test_refused_v4(void)
{
    run_refused(0);
}

static void test_refused_v6(void)
{
    run_refused(1);
}

static void test_connected_filter_and_queue(void)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.udp_rcvq_bytes = 1000;
    cfg.udp_checksum_v4 = 0;
    net n;
    net_init(&n, 4, &cfg, NULL);
    l4_addr sa = th_addr("10.0.0.1"), sb = th_addr("10.0.0.2");
    int r = l4_socket_open(n.ha, L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_bind(n.ha, r, &sa, 5000), 0);
    CHECK_EQ(l4_socket_connect(n.ha, r, &sb, 6000, 0), 0);
    int good = l4_socket_open(n.hb, L4_AF_INET4, L4_SOCK_DGRAM);
    int bad = l4_socket_open(n.hb, L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_bind(n.hb, good, NULL, 6000), 0);
    CHECK_EQ(l4_socket_bind(n.hb, bad, NULL, 6001), 0);
    uint8_t d[400];
    memset(d, 0xab, sizeof d);
    for (int i = 0; i < 4; i++) /* 1600 bytes: the fourth is over 1000 */
        CHECK_EQ(l4_socket_sendto(n.hb, good, d, 400, &sa, 5000, 0), 400);
    CHECK_EQ(l4_socket_sendto(n.hb, bad, d, 10, &sa, 5000, 0), 10);
    l4_sim_wake(n.sim, n.nb);
    l4_sim_run_until(n.sim, L4_S);
    const l4_host_stats *st = l4_host_stats_get(n.ha);
    CHECK_EQU(st->udp_rcvq_drops, 2); /* 3rd (1200 > 1000) and 4th */
    CHECK_EQU(st->udp_no_port, 1);    /* the wrong peer: no socket takes it */
    uint8_t b[100];
    int fl;
    CHECK_EQ(l4_socket_recvfrom(n.ha, r, b, sizeof b, NULL, NULL, &fl, L4_S), 100);
    CHECK_EQ(fl, L4_MSG_TRUNC);
    CHECK_EQ(l4_socket_recvfrom(n.ha, r, b, sizeof b, NULL, NULL, &fl, L4_S), 100);
    CHECK_EQ(l4_socket_recvfrom(n.ha, r, b, sizeof b, NULL, NULL, &fl, L4_S), L4_EAGAIN);
    l4_socket_info in;
    CHECK_EQ(l4_socket_info_get(n.ha, r, &in), 0);
    CHECK_EQU(in.recvq, 0);
    net_free(&n);
}

/* With udp_checksum_v4 off the checksum field is 0 on the wire. */
static uint8_t g_last[2048];
static size_t g_last_len;
static void tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                size_t len)
{
    (void)user;
    (void)link;
    (void)dir;
    (void)event;
    (void)now;
    if (len <= sizeof g_last) {
        memcpy(g_last, pkt, len);
        g_last_len = len;
    }
}

static void test_checksum_option(void)
{
    for (int on = 0; on < 2; on++) {
        l4_host_config cfg;
        l4_host_config_default(&cfg);
        cfg.udp_checksum_v4 = (uint8_t)on;
        net n;
        net_init(&n, 5, &cfg, NULL);
        l4_sim_set_tap(n.sim, tap, NULL);
        l4_addr sa = th_addr("10.0.0.1");
        int r = l4_socket_open(n.ha, L4_AF_INET4, L4_SOCK_DGRAM);
        l4_socket_bind(n.ha, r, NULL, 53);
        int c = l4_socket_open(n.hb, L4_AF_INET4, L4_SOCK_DGRAM);
        CHECK_EQ(l4_socket_sendto(n.hb, c, "q", 1, &sa, 53, 0), 1);
        l4_sim_wake(n.sim, n.nb);
        l4_sim_run_until(n.sim, L4_S);
        CHECK_EQU(g_last_len, 29);
        uint16_t ck = (uint16_t)(g_last[26] << 8 | g_last[27]);
        CHECK_MSG(on ? ck != 0 : ck == 0, "checksum %04x with option %d", ck, on);
        uint8_t b[4];
        CHECK_EQ(l4_socket_recv(n.ha, r, b, sizeof b, L4_S), 1);
        net_free(&n);
    }
}

static const l4_test TESTS[] = {TEST(test_echo_v4),
                                TEST(test_echo_v6),
                                TEST(test_refused_v4),
                                TEST(test_refused_v6),
                                TEST(test_connected_filter_and_queue),
                                TEST(test_checksum_option),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
