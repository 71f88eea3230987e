/*
 * tests/host/input_test.c — one host fed hand-built packets (tests/host/
 * vectors.h, built without wire/): exact ICMP echo replies, exact ICMP port
 * unreachable (v4 and v6, quote limits), exact RSTs for closed ports, and
 * every kind of bad packet dropped into its own counter.
 */
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "vectors.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

static uint8_t out[65536];

/* The next output packet; IPv4 ID and header checksum are normalised (ID
   set to 0 after checking that the header checksum verifies). */
static l4_ssize next_pkt(l4_host *h)
{
    l4_ssize n = l4_host_output(h, out, sizeof out, 0);
    if (n >= 20 && (out[0] >> 4) == 4) {
        CHECK_EQ(l4_cksum(out, 20), 0);
        CHECK_EQ(out[6] & 0x40, 0x40); /* DF */
        CHECK_EQ(out[8], 64);          /* TTL */
        out[4] = out[5] = 0;
        uint16_t c = l4_cksum((out[10] = out[11] = 0, out), 20);
        out[10] = (uint8_t)(c >> 8);
        out[11] = (uint8_t)c;
    }
    return n;
}

static void test_echo_v4(void)
{
    l4_host *h = th_host(1, 1, NULL);
    CHECK(!l4_host_has_output(h));
    CHECK_EQ(l4_host_input(h, ECHO4_REQ, sizeof ECHO4_REQ, 0), 0);
    CHECK(l4_host_has_output(h));
    CHECK_EQ(next_pkt(h), (l4_ssize)sizeof ECHO4_REP);
    CHECK_MEM(out, ECHO4_REP, sizeof ECHO4_REP);
    CHECK_EQ(next_pkt(h), 0);
    CHECK(!l4_host_has_output(h));
    CHECK_EQU(l4_host_stats_get(h)->icmp_echo_replies, 1);
    l4_host_del(h);
}

static void test_echo_v6(void)
{
    l4_host *h = th_host(1, 1, NULL);
    l4_host_input(h, ECHO6_REQ, sizeof ECHO6_REQ, 0);
    CHECK_EQ(next_pkt(h), (l4_ssize)sizeof ECHO6_REP);
    CHECK_MEM(out, ECHO6_REP, sizeof ECHO6_REP);
    CHECK_EQ(next_pkt(h), 0);
    l4_host_del(h);
}

static void test_port_unreachable(void)
{
    l4_host *h = th_host(1, 1, NULL);
    l4_host_input(h, UDP4_CLOSED, sizeof UDP4_CLOSED, 0);
    CHECK_EQ(next_pkt(h), (l4_ssize)sizeof UDP4_UNREACH);
    CHECK_MEM(out, UDP4_UNREACH, sizeof UDP4_UNREACH);
    l4_host_input(h, UDP6_CLOSED, sizeof UDP6_CLOSED, 0);
    CHECK_EQ(next_pkt(h), (l4_ssize)sizeof UDP6_UNREACH);
    CHECK_MEM(out, UDP6_UNREACH, sizeof UDP6_UNREACH);
    /* A 1028-byte datagram: the quote stops at 548 bytes (576 in all). */
    l4_host_input(h, UDP4_BIG, sizeof UDP4_BIG, 0);
    CHECK_EQ(next_pkt(h), 576);
    CHECK_EQ((l4_ssize)sizeof UDP4_BIG_UNREACH, 576);
    CHECK_MEM(out, UDP4_BIG_UNREACH, 576);
    /* IPv6: a 1448-byte packet is quoted up to 1232 bytes (1280 in all). */
    l4_host_input(h, UDP6_BIG, sizeof UDP6_BIG, 0);
    CHECK_EQ(next_pkt(h), 1280);
    CHECK_EQ((l4_ssize)sizeof UDP6_BIG_UNREACH, 1280);
    CHECK_MEM(out, UDP6_BIG_UNREACH, 1280);
    CHECK_EQU(l4_host_stats_get(h)->udp_no_port, 4);
    CHECK_EQU(l4_host_stats_get(h)->icmp_unreach_sent, 4);
    /* A bound socket takes the datagram instead: no ICMP. */
    int sd = l4_socket_open(h, L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_bind(h, sd, NULL, 9), 0);
    l4_host_input(h, UDP4_CLOSED, sizeof UDP4_CLOSED, 0);
    CHECK_EQ(next_pkt(h), 0);
    uint8_t buf[16];
    l4_addr src;
    uint16_t sport;
    CHECK_EQ(l4_socket_recvfrom(h, sd, buf, sizeof buf, &src, &sport, NULL, 0), 5);
    CHECK_MEM(buf, "ping?", 5);
    CHECK_EQ(sport, 40000);
    CHECK(l4_addr_eq(&src, &(l4_addr){.family = 4, .bytes = {10, 0, 0, 2}}));
    l4_host_del(h);
}

static void test_icmp_rate_limit(void)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.icmp_rate = 10;
    cfg.icmp_burst = 3;
    l4_host *h = th_host(1, 1, &cfg);
    for (int i = 0; i < 5; i++)
        l4_host_input(h, UDP4_CLOSED, sizeof UDP4_CLOSED, 0);
    CHECK_EQU(l4_host_stats_get(h)->icmp_unreach_sent, 3);
    CHECK_EQU(l4_host_stats_get(h)->icmp_rate_limited, 2);
    /* 100 ms later one token (10/s) is back. */
    l4_host_input(h, UDP4_CLOSED, sizeof UDP4_CLOSED, 100 * L4_MS);
    l4_host_input(h, UDP4_CLOSED, sizeof UDP4_CLOSED, 100 * L4_MS);
    CHECK_EQU(l4_host_stats_get(h)->icmp_unreach_sent, 4);
    l4_host_del(h);
}

static void test_rst_closed_port(void)
{
    l4_host *h = th_host(1, 1, NULL);
    l4_host_input(h, SYN4_CLOSED, sizeof SYN4_CLOSED, 0);
    CHECK_EQ(next_pkt(h), (l4_ssize)sizeof SYN4_RST);
    CHECK_MEM(out, SYN4_RST, sizeof SYN4_RST);
    l4_host_input(h, ACK6_CLOSED, sizeof ACK6_CLOSED, 0);
    CHECK_EQ(next_pkt(h), (l4_ssize)sizeof ACK6_RST);
    CHECK_MEM(out, ACK6_RST, sizeof ACK6_RST);
    /* Our RST fed back: no RST answers a RST. */
    uint8_t rst[sizeof SYN4_RST];
    memcpy(rst, SYN4_RST, sizeof rst);
    memcpy(rst + 12, SYN4_CLOSED + 12, 8); /* swap addresses back: 10.0.0.2 -> 10.0.0.1 */
    l4_host_input(h, rst, sizeof rst, 0);
    CHECK_EQ(next_pkt(h), 0);
    CHECK_EQU(l4_host_stats_get(h)->tcp_rst_sent, 2);
    l4_host_del(h);
}

static void test_drops_counted(void)
{
    l4_host *h = th_host(1, 1, NULL);
    const l4_host_stats *st = l4_host_stats_get(h);
    uint8_t p[sizeof ECHO4_REQ];
    /* bad IPv4 header checksum */
    memcpy(p, ECHO4_REQ, sizeof p);
    p[10] ^= 1;
    l4_host_input(h, p, sizeof p, 0);
    CHECK_EQU(st->ip_bad_checksum, 1);
    /* truncated */
    l4_host_input(h, ECHO4_REQ, 30, 0);
    l4_host_input(h, ECHO4_REQ, 0, 0);
    CHECK_EQU(st->ip_bad_header, 2);
    /* not for us: 10.0.0.9 (checksum fixed up by RFC 1624 style recompute) */
    memcpy(p, ECHO4_REQ, sizeof p);
    p[19] = 9;
    p[10] = p[11] = 0;
    uint16_t c = l4_cksum(p, 20);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    l4_host_input(h, p, sizeof p, 0);
    CHECK_EQU(st->ip_not_for_us, 1);
    /* a fragment (MF set) */
    memcpy(p, ECHO4_REQ, sizeof p);
    p[6] = 0x20;
    p[10] = p[11] = 0;
    c = l4_cksum(p, 20);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    l4_host_input(h, p, sizeof p, 0);
    CHECK_EQU(st->ip_frag_dropped, 1);
    /* a multicast source */
    memcpy(p, ECHO4_REQ, sizeof p);
    p[12] = 224;
    p[10] = p[11] = 0;
    c = l4_cksum(p, 20);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    l4_host_input(h, p, sizeof p, 0);
    CHECK_EQU(st->ip_bad_src, 1);
    /* bad ICMP checksum */
    memcpy(p, ECHO4_REQ, sizeof p);
    p[30] ^= 0xff;
    l4_host_input(h, p, sizeof p, 0);
    CHECK_EQU(st->icmp_bad, 1);
    /* bad UDP checksum */
    uint8_t u[sizeof UDP4_CLOSED];
    memcpy(u, UDP4_CLOSED, sizeof u);
    u[sizeof u - 1] ^= 1;
    l4_host_input(h, u, sizeof u, 0);
    CHECK_EQU(st->udp_bad, 1);
    /* bad TCP checksum */
    uint8_t t[sizeof SYN4_CLOSED];
    memcpy(t, SYN4_CLOSED, sizeof t);
    t[24] ^= 1;
    l4_host_input(h, t, sizeof t, 0);
    CHECK_EQU(st->tcp_bad, 1);
    CHECK_EQ(l4_host_output(h, out, sizeof out, 0), 0);
    CHECK_EQU(st->ip_in, 9);
    /* unknown protocol 99: protocol unreachable (type 3 code 2) */
    memcpy(p, ECHO4_REQ, sizeof p);
    p[9] = 99;
    p[10] = p[11] = 0;
    c = l4_cksum(p, 20);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    l4_host_input(h, p, sizeof p, 0);
    CHECK_EQU(st->ip_unknown_proto, 1);
    CHECK_EQ(next_pkt(h), 20 + 8 + (l4_ssize)sizeof p);
    CHECK_EQ(out[20], 3);
    CHECK_EQ(out[21], 2);
    CHECK_MEM(out + 28, p, sizeof p);
    l4_host_del(h);
}

/* ICMP port unreachable quoting our SYN aborts the connect (ECONNREFUSED);
   one quoting a sequence number we never sent is ignored (RFC 5927 §4.1). */
static void test_icmp_to_syn_sent(void)
{
    for (int good = 0; good < 2; good++) {
        l4_host *h = th_host(3, 2, NULL);
        l4_addr srv = th_addr("10.0.0.1");
        int sd = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
        CHECK_EQ(l4_socket_connect(h, sd, &srv, 80, 0), L4_EINPROGRESS);
        l4_ssize n = l4_host_output(h, out, sizeof out, 0);
        CHECK(n >= 40);
        uint8_t pkt[20 + 8 + 28];
        if (!good)
            out[24] ^= 0x80; /* quoted sequence number: not ours */
        l4_icmp_msg m;
        memset(&m, 0, sizeof m);
        m.type = L4_ICMP4_DEST_UNREACH;
        m.code = L4_ICMP4_UNREACH_PORT;
        m.body = out;
        m.body_len = 28;
        CHECK_EQ(l4_icmp4_write(pkt + 20, sizeof pkt - 20, &m), 36);
        l4_ipv4_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.ttl = 64;
        ih.proto = L4_IPPROTO_ICMP;
        memcpy(ih.src, srv.bytes, 4);
        memcpy(ih.dst, (uint8_t[]){10, 0, 0, 2}, 4);
        ih.payload_len = 36;
        CHECK_EQ(l4_ipv4_write(pkt, 20, &ih), 20);
        l4_host_input(h, pkt, sizeof pkt, L4_MS);
        CHECK_EQ(l4_socket_state(h, sd), good ? L4_TCP_CLOSED : L4_TCP_SYN_SENT);
        CHECK_EQ(l4_socket_error(h, sd), good ? L4_ECONNREFUSED : 0);
        CHECK_EQU(l4_host_stats_get(h)->icmp_errors_in, 1);
        l4_host_del(h);
    }
}

static void test_config_errors(void)
{
    l4_host *h;
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.mtu = 1000;
    CHECK_EQ(l4_host_new(&h, &cfg), L4_ERR_INVALID_ARGUMENT);
    l4_host_config_default(&cfg);
    cfg.ephemeral_min = 60000;
    cfg.ephemeral_max = 50000;
    CHECK_EQ(l4_host_new(&h, &cfg), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_host_new(&h, NULL), 0);
    l4_addr a = th_addr("10.1.1.1"), m = th_addr("224.0.0.1"), z = th_addr("0.0.0.0");
    CHECK_EQ(l4_host_add_addr(h, 0, &a, 33), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_host_add_addr(h, 0, &m, 24), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_host_add_addr(h, 0, &z, 24), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_host_add_addr(h, 0, &a, 24), 0);
    CHECK_EQ(l4_host_add_addr(h, 1, &a, 24), L4_ERR_STATE);
    CHECK(l4_host_has_addr(h, &a));
    CHECK_STR(l4_host_strerror(L4_EADDRINUSE), "address already in use (EADDRINUSE)");
    CHECK_STR(l4_host_strerror(L4_ERR_CHECKSUM), "bad checksum");
    l4_host_del(h);
}

static const l4_test TESTS[] = {
    TEST(test_echo_v4),          TEST(test_echo_v6),         TEST(test_port_unreachable),
    TEST(test_icmp_rate_limit),  TEST(test_rst_closed_port), TEST(test_drops_counted),
    TEST(test_icmp_to_syn_sent), TEST(test_config_errors),   TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
