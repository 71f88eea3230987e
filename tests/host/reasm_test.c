/*
 * tests/host/reasm_test.c — bounded IP reassembly: a UDP datagram in three
 * fragments out of order arrives whole (IPv4 and IPv6); overlapping or
 * inconsistent fragments discard the datagram; an incomplete datagram expires;
 * the memory bound evicts the oldest; reassembly can be turned off.
 */
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "util/bytes.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/udp.h"

static uint8_t dgram[4000]; /* the UDP datagram (header + payload) */
static size_t dgram_len;

static void make_dgram(int v6, size_t payload)
{
    l4_addr s = th_addr(v6 ? "fd00::2" : "10.0.0.2"), d = th_addr(v6 ? "fd00::1" : "10.0.0.1");
    for (size_t i = 0; i < payload; i++)
        dgram[8 + i] = (uint8_t)(i * 13 + 5);
    l4_udp_hdr u;
    memset(&u, 0, sizeof u);
    u.sport = 7777;
    u.dport = 9;
    u.payload = dgram + 8;
    u.payload_len = payload;
    dgram_len = (size_t)l4_udp_write(dgram, sizeof dgram, &u, &s, &d);
}

/* Fragment [off, off+len) of `dgram` as an IP packet into `out`. */
static size_t frag(uint8_t *out, int v6, size_t off, size_t len, int more, uint32_t id)
{
    if (!v6) {
        l4_ipv4_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.id = (uint16_t)id;
        ih.mf = (uint8_t)more;
        ih.frag_off = (uint16_t)off;
        ih.ttl = 64;
        ih.proto = L4_IPPROTO_UDP;
        memcpy(ih.src, (uint8_t[]){10, 0, 0, 2}, 4);
        memcpy(ih.dst, (uint8_t[]){10, 0, 0, 1}, 4);
        ih.payload_len = len;
        l4_ipv4_write(out, 20, &ih);
        memcpy(out + 20, dgram + off, len);
        return 20 + len;
    }
    l4_ipv6_hdr ih;
    memset(&ih, 0, sizeof ih);
    ih.next_header = L4_IPV6_EXT_FRAGMENT;
    ih.hop_limit = 64;
    l4_addr s = th_addr("fd00::2"), d = th_addr("fd00::1");
    memcpy(ih.src, s.bytes, 16);
    memcpy(ih.dst, d.bytes, 16);
    ih.payload_len = 8 + len;
    l4_ipv6_write(out, 40, &ih);
    out[40] = L4_IPPROTO_UDP;
    out[41] = 0;
    l4_put_u16(out + 42, (uint16_t)(off | (more ? 1 : 0)));
    l4_put_u32(out + 44, id);
    memcpy(out + 48, dgram + off, len);
    return 48 + len;
}

static uint8_t pkt[5000], buf[5000];

static void run_whole(int v6)
{
    l4_host *h = th_host(1, 1, NULL);
    int sd = l4_socket_open(h, v6 ? L4_AF_INET6 : L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_bind(h, sd, NULL, 9), 0);
    make_dgram(v6, 3000); /* 3008 bytes: 1480 + 1480 + 48 */
    size_t n = frag(pkt, v6, 2960, 48, 0, 42);
    l4_host_input(h, pkt, n, 0);
    n = frag(pkt, v6, 0, 1480, 1, 42);
    l4_host_input(h, pkt, n, 0);
    CHECK_EQ(l4_socket_recv(h, sd, buf, sizeof buf, 0), L4_EAGAIN);
    CHECK(l4_host_next_timeout(h) == 30 * L4_S);
    n = frag(pkt, v6, 1480, 1480, 1, 42);
    l4_host_input(h, pkt, n, L4_MS);
    CHECK_EQ(l4_socket_recv(h, sd, buf, sizeof buf, 0), 3000);
    CHECK_MEM(buf, dgram + 8, 3000);
    const l4_host_stats *st = l4_host_stats_get(h);
    CHECK_EQU(st->ip_frags_in, 3);
    CHECK_EQU(st->ip_frag_reassembled, 1);
    CHECK_EQU(st->udp_in, 1);
    CHECK_EQ(l4_host_next_timeout(h), L4_TIME_NONE);
    l4_host_del(h);
}

static void test_whole_v4(void)
{
    run_whole(0);
}

static void test_whole_v6(void)
{
    run_whole(1);
}

static void test_overlap_and_inconsistent(void)
{
    l4_host *h = th_host(1, 1, NULL);
    int sd = l4_socket_open(h, L4_AF_INET4, L4_SOCK_DGRAM);
    l4_socket_bind(h, sd, NULL, 9);
    make_dgram(0, 3000);
    const l4_host_stats *st = l4_host_stats_get(h);
    /* overlap: [0,1480) then [1472, 2952) */
    l4_host_input(h, pkt, frag(pkt, 0, 0, 1480, 1, 1), 0);
    l4_host_input(h, pkt, frag(pkt, 0, 1472, 1480, 1, 1), 0);
    CHECK_EQU(st->ip_frag_overlap, 1);
    /* the rest of that datagram starts a new one, which never completes */
    l4_host_input(h, pkt, frag(pkt, 0, 2960, 48, 0, 1), 0);
    CHECK_EQ(l4_socket_recv(h, sd, buf, sizeof buf, 0), L4_EAGAIN);
    /* two different "last" fragments */
    l4_host_input(h, pkt, frag(pkt, 0, 2960, 48, 0, 2), 0);
    l4_host_input(h, pkt, frag(pkt, 0, 1480, 40, 0, 2), 0);
    CHECK_EQU(st->ip_frag_overlap, 2);
    /* malformed: a non-last fragment not a multiple of 8 */
    l4_host_input(h, pkt, frag(pkt, 0, 0, 1001, 1, 3), 0);
    CHECK_EQU(st->ip_frag_dropped, 1);
    /* expiry of what is left (datagram 1's tail) */
    l4_host_handle_timeout(h, 30 * L4_S);
    CHECK_EQU(st->ip_frag_timeout, 1);
    CHECK_EQ(l4_host_next_timeout(h), L4_TIME_NONE);
    CHECK_EQ(l4_socket_recv(h, sd, buf, sizeof buf, 0), L4_EAGAIN);
    l4_host_del(h);
}

static void test_bounds(void)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.reasm_max_bytes = 4000;
    l4_host *h = th_host(1, 1, &cfg);
    int sd = l4_socket_open(h, L4_AF_INET4, L4_SOCK_DGRAM);
    l4_socket_bind(h, sd, NULL, 9);
    make_dgram(0, 3000);
    const l4_host_stats *st = l4_host_stats_get(h);
    /* datagram 1 holds 2960 bytes; datagram 2's first 1480 would exceed
       4000: datagram 1 is evicted */
    l4_host_input(h, pkt, frag(pkt, 0, 0, 1480, 1, 1), 0);
    l4_host_input(h, pkt, frag(pkt, 0, 1480, 1480, 1, 1), 0);
    l4_host_input(h, pkt, frag(pkt, 0, 0, 1480, 1, 2), L4_MS);
    CHECK_EQU(st->ip_frag_evicted, 1);
    l4_host_input(h, pkt, frag(pkt, 0, 1480, 1480, 1, 2), L4_MS);
    l4_host_input(h, pkt, frag(pkt, 0, 2960, 48, 0, 2), L4_MS);
    CHECK_EQ(l4_socket_recv(h, sd, buf, sizeof buf, 0), 3000);
    /* more than 32 datagrams at once: the oldest make room */
    for (uint32_t id = 100; id < 140; id++)
        l4_host_input(h, pkt, frag(pkt, 0, 0, 8, 1, id), id * L4_MS);
    CHECK_EQU(st->ip_frag_evicted, 1 + 8);
    l4_host_del(h);
    /* reassembly off: fragments dropped */
    cfg.reasm_max_bytes = 0;
    h = th_host(1, 1, &cfg);
    l4_host_input(h, pkt, frag(pkt, 0, 0, 1480, 1, 1), 0);
    CHECK_EQU(l4_host_stats_get(h)->ip_frag_dropped, 1);
    l4_host_del(h);
}

static const l4_test TESTS[] = {TEST(test_whole_v4), TEST(test_whole_v6),
                                TEST(test_overlap_and_inconsistent), TEST(test_bounds), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
