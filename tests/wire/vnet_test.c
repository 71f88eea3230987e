/*
 * tests/wire/vnet_test.c — the virtio-net header (wire/vnet.h): exact bytes
 * both ways, what l4_vnet_check accepts and the error for everything else
 * (UDP offloads, unknown types and flags, GSO of the wrong IP version or
 * protocol, a checksum outside the packet), and a TCP segment prepared for
 * checksum offload and TSO whose checksum, finished the way a device does,
 * is the original one.
 */
#include <string.h>

#include "check.h"
#include "util/bytes.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"
#include "wire/vnet.h"

static void test_parse_write(void)
{
    const uint8_t bytes[] = "\x01\x81\x34\x00\xa8\x05\x14\x00\x10\x00";
    l4_vnet_hdr h;
    CHECK_EQ(l4_vnet_parse(&h, bytes, L4_VNET_LEN), (int)L4_VNET_LEN);
    CHECK_EQU(h.flags, L4_VNET_F_NEEDS_CSUM);
    CHECK_EQU(h.gso_type, L4_VNET_GSO_TCPV4 | L4_VNET_GSO_ECN);
    CHECK_EQU(h.hdr_len, 52);
    CHECK_EQU(h.gso_size, 1448);
    CHECK_EQU(h.csum_start, 20);
    CHECK_EQU(h.csum_offset, 16);
    uint8_t out[L4_VNET_LEN];
    l4_vnet_write(out, &h);
    CHECK_MEM(out, bytes, L4_VNET_LEN);
    CHECK_EQ(l4_vnet_parse(&h, bytes, 9), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_vnet_parse(NULL, bytes, 10), L4_ERR_INVALID_ARGUMENT);
}

/* An IPv4 (or IPv6) TCP segment with `payload` bytes, checksums right. */
static size_t tcp_pkt(uint8_t *buf, int v6, size_t payload)
{
    static uint8_t data[70000];
    for (size_t i = 0; i < payload; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    l4_addr s, d;
    l4_addr_parse(&s, v6 ? "fd00::1" : "10.0.0.1");
    l4_addr_parse(&d, v6 ? "fd00::2" : "10.0.0.2");
    l4_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.sport = 1000;
    t.dport = 2000;
    t.seq = 5;
    t.ack = 6;
    t.flags = L4_TCP_ACK;
    t.window = 100;
    t.opts.present = L4_TCP_HAS_TS;
    t.opts.ts_val = 1;
    t.payload = data;
    t.payload_len = payload;
    size_t hl = v6 ? 40 : 20;
    l4_ssize n = l4_tcp_write(buf + hl, 70000, &t, &s, &d);
    CHECK(n > 0);
    if (v6) {
        l4_ipv6_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.next_header = 6;
        ih.hop_limit = 64;
        memcpy(ih.src, s.bytes, 16);
        memcpy(ih.dst, d.bytes, 16);
        ih.payload_len = (size_t)n;
        CHECK(l4_ipv6_write(buf, 40, &ih) > 0);
    } else {
        l4_ipv4_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.ttl = 64;
        ih.proto = 6;
        memcpy(ih.src, s.bytes, 4);
        memcpy(ih.dst, d.bytes, 4);
        ih.payload_len = (size_t)n;
        CHECK(l4_ipv4_write(buf, 20, &ih) > 0);
    }
    return hl + (size_t)n;
}

static uint8_t P4[70000], P6[70000];

static void test_check(void)
{
    size_t n4 = tcp_pkt(P4, 0, 3000), n6 = tcp_pkt(P6, 1, 3000);
    l4_vnet_hdr h;
    memset(&h, 0, sizeof h);
    CHECK_EQ(l4_vnet_check(&h, P4, n4), 0); /* all zero: a complete packet */
    h.flags = L4_VNET_F_DATA_VALID;
    CHECK_EQ(l4_vnet_check(&h, P4, n4), 0);
    h.flags = L4_VNET_F_NEEDS_CSUM;
    h.csum_start = 20;
    h.csum_offset = 16;
    CHECK_EQ(l4_vnet_check(&h, P4, n4), 0);
    h.csum_start = (uint16_t)(n4 - 17);
    CHECK_EQ(l4_vnet_check(&h, P4, n4), L4_ERR_MALFORMED); /* field past the end */
    h.csum_start = 20;
    h.gso_type = L4_VNET_GSO_TCPV4;
    h.gso_size = 1448;
    h.hdr_len = 52;
    CHECK_EQ(l4_vnet_check(&h, P4, n4), 0);
    h.gso_type = L4_VNET_GSO_TCPV4 | L4_VNET_GSO_ECN;
    CHECK_EQ(l4_vnet_check(&h, P4, n4), 0);
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_MALFORMED); /* TCPV4 on IPv6 */
    h.csum_start = 40;
    h.gso_type = L4_VNET_GSO_TCPV6;
    CHECK_EQ(l4_vnet_check(&h, P6, n6), 0);
    CHECK_EQ(l4_vnet_check(&h, P4, n4), L4_ERR_MALFORMED);
    h.gso_size = 0;
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_MALFORMED);
    h.gso_size = 1448;
    /* offloads never asked for, and types that do not exist */
    h.gso_type = L4_VNET_GSO_UDP;
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_UNSUPPORTED);
    h.gso_type = L4_VNET_GSO_UDP_L4;
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_UNSUPPORTED);
    h.gso_type = 2;
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_MALFORMED);
    h.gso_type = 0x42;
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_MALFORMED);
    h.gso_type = L4_VNET_GSO_ECN; /* ECN alone */
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_MALFORMED);
    h.gso_type = L4_VNET_GSO_NONE;
    h.flags = L4_VNET_F_RSC_INFO;
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_UNSUPPORTED);
    h.flags = 0x08;
    CHECK_EQ(l4_vnet_check(&h, P6, n6), L4_ERR_MALFORMED);
    /* GSO of a UDP datagram, and of a truncated packet */
    h.flags = 0;
    h.gso_type = L4_VNET_GSO_TCPV4;
    uint8_t u[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17};
    CHECK_EQ(l4_vnet_check(&h, u, sizeof u), L4_ERR_MALFORMED);
    CHECK_EQ(l4_vnet_check(&h, P4, 10), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_vnet_check(&h, P4, 0), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_vnet_check(NULL, P4, n4), L4_ERR_INVALID_ARGUMENT);
}

/* Finishes a partial checksum as the device would: the complement of the
   sum from csum_start to the end, stored at csum_start + csum_offset. */
static void finish(uint8_t *pkt, size_t len, const l4_vnet_hdr *h)
{
    uint16_t c = l4_cksum(pkt + h->csum_start, len - h->csum_start);
    l4_put_u16(pkt + h->csum_start + h->csum_offset, c);
}

static void run_prepare(int v6)
{
    uint8_t *p = v6 ? P6 : P4;
    size_t hl = v6 ? 40 : 20;
    size_t n = tcp_pkt(p, v6, 4000);
    uint16_t orig = l4_get_u16(p + hl + 16);
    l4_vnet_hdr h;
    CHECK_EQ(l4_vnet_prepare_tcp(&h, p, n, 1436), 0);
    CHECK_EQU(h.flags, L4_VNET_F_NEEDS_CSUM);
    CHECK_EQU(h.gso_type, v6 ? L4_VNET_GSO_TCPV6 : L4_VNET_GSO_TCPV4);
    CHECK_EQU(h.gso_size, 1436);
    CHECK_EQU(h.csum_start, hl);
    CHECK_EQU(h.csum_offset, 16);
    CHECK_EQU(h.hdr_len, hl + 32); /* TCP header with the timestamp option */
    CHECK(l4_get_u16(p + hl + 16) != orig);
    CHECK_EQ(l4_vnet_check(&h, p, n), 0);
    finish(p, n, &h);
    CHECK_EQU(l4_get_u16(p + hl + 16), orig);
    /* A segment that fits one gso_size: checksum offload only. */
    n = tcp_pkt(p, v6, 1000);
    CHECK_EQ(l4_vnet_prepare_tcp(&h, p, n, 1436), 0);
    CHECK_EQU(h.gso_type, L4_VNET_GSO_NONE);
    CHECK_EQU(h.gso_size, 0);
    orig = 0;
    finish(p, n, &h);
    l4_addr s, d;
    l4_addr_parse(&s, v6 ? "fd00::1" : "10.0.0.1");
    l4_addr_parse(&d, v6 ? "fd00::2" : "10.0.0.2");
    l4_tcp_hdr t;
    CHECK_EQ(l4_tcp_parse(&t, p + hl, n - hl, &s, &d), 0); /* verifies */
    /* gso_size 0: never GSO */
    n = tcp_pkt(p, v6, 4000);
    CHECK_EQ(l4_vnet_prepare_tcp(&h, p, n, 0), 0);
    CHECK_EQU(h.gso_type, L4_VNET_GSO_NONE);
}

static void test_prepare_tcp(void)
{
    run_prepare(0);
    run_prepare(1);
    size_t n = tcp_pkt(P4, 0, 100);
    l4_vnet_hdr h;
    CHECK_EQ(l4_vnet_prepare_tcp(&h, P4, n - 1, 1400), L4_ERR_MALFORMED); /* length mismatch */
    P4[9] = 17;
    CHECK_EQ(l4_vnet_prepare_tcp(&h, P4, n, 1400), L4_ERR_MALFORMED); /* not TCP */
    P4[0] = 0x55;
    CHECK_EQ(l4_vnet_prepare_tcp(&h, P4, n, 1400), L4_ERR_MALFORMED);
    CHECK_EQ(l4_vnet_prepare_tcp(&h, P4, 3, 1400), L4_ERR_MALFORMED);
}

static const l4_test TESTS[] = {TEST(test_parse_write), TEST(test_check), TEST(test_prepare_tcp),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
