/* tests/wire/cksum_test.c — RFC 1071 checksum and the v4/v6 pseudo-headers. */
#include "check.h"
#include "packets.h"
#include "util/bytes.h"
#include "wire/cksum.h"

/* RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's complement 220d). */
static void test_rfc1071_example(void)
{
    static const uint8_t b[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK_EQU(l4_cksum_add(0, b, 8), 0xddf2);
    CHECK_EQU(l4_cksum(b, 8), 0x220d);
    /* Split at an even boundary gives the same sum. */
    CHECK_EQU(l4_cksum_finish(l4_cksum_add(l4_cksum_add(0, b, 2), b + 2, 6)), 0x220d);
}

static void test_odd_length(void)
{
    /* The odd tail byte is the high byte of a zero-padded word (RFC 1071 §4.1). */
    static const uint8_t b[3] = {0x12, 0x34, 0x56};
    CHECK_EQU(l4_cksum_add(0, b, 3), 0x1234 + 0x5600);
    CHECK_EQU(l4_cksum(b, 3), (uint16_t) ~(0x1234 + 0x5600));
    CHECK_EQU(l4_cksum(b, 1), (uint16_t)~0x1200);
    CHECK_EQU(l4_cksum(b, 0), 0xffff);
    /* Carries wrap around: ffff + 0001 = 1 0000 -> 0001. */
    static const uint8_t c[4] = {0xff, 0xff, 0x00, 0x01};
    CHECK_EQU(l4_cksum_add(0, c, 4), 0x0001);
    CHECK_EQU(l4_cksum(c, 4), 0xfffe);
}

static void test_large_buffer(void)
{
    /* 64 KiB of 0xff bytes: each word is ffff, the folded sum stays ffff. */
    static uint8_t big[65536];
    memset(big, 0xff, sizeof big);
    CHECK_EQU(l4_cksum_add(0, big, sizeof big), 0xffff);
    CHECK_EQU(l4_cksum(big, sizeof big), 0);
    /* And a running sum passed back in is folded correctly. */
    CHECK_EQU(l4_cksum_add(0xfffff, big, 2), 0x000f); /* fffff+ffff = 10fffe -> 1000e -> f */
}

static void test_ipv4_header(void)
{
    /* A received IPv4 header sums to ffff, i.e. a field value of 0. */
    CHECK_EQU(l4_cksum(pkt_syn4, 20), 0);
    uint8_t h[20];
    memcpy(h, pkt_syn4, 20);
    h[10] = h[11] = 0;
    CHECK_EQU(l4_cksum(h, 20), l4_get_u16(pkt_syn4 + 10));
    CHECK_EQU(l4_get_u16(pkt_syn4 + 10), 0x0a74); /* as tshark computed */
}

static void test_pseudo_v4(void)
{
    const uint8_t s[4] = {10, 0, 0, 1}, d[4] = {10, 0, 0, 2};
    l4_addr src = l4_addr_v4(s), dst = l4_addr_v4(d);
    /* 0a00 + 0001 + 0a00 + 0002 + 0006 + 0028 */
    CHECK_EQU(l4_cksum_pseudo(&src, &dst, 6, 40), 0x0a00 + 1 + 0x0a00 + 2 + 6 + 40);
    /* The TCP SYN of pkt_syn4 (checksum 0x078a per tshark) verifies to 0. */
    const uint8_t *tcp = pkt_syn4 + 20;
    CHECK_EQU(l4_get_u16(tcp + 16), 0x078a);
    CHECK_EQU(l4_cksum_finish(l4_cksum_add(l4_cksum_pseudo(&src, &dst, 6, 40), tcp, 40)), 0);
    uint8_t seg[40];
    memcpy(seg, tcp, 40);
    seg[16] = seg[17] = 0;
    CHECK_EQU(l4_cksum_finish(l4_cksum_add(l4_cksum_pseudo(&src, &dst, 6, 40), seg, 40)), 0x078a);
}

static void test_pseudo_v6(void)
{
    l4_addr src = l4_addr_v6(pkt_syn6 + 8), dst = l4_addr_v6(pkt_syn6 + 24);
    /* fd00::1 fd00::2: fd00 + 1 + fd00 + 2 + len(40) + nh(6) */
    CHECK_EQU(l4_cksum_pseudo(&src, &dst, 6, 40), (0xfd00 + 1 + 0xfd00 + 2 + 40 + 6) % 0xffff);
    const uint8_t *tcp = pkt_syn6 + 40;
    CHECK_EQU(l4_cksum_finish(l4_cksum_add(l4_cksum_pseudo(&src, &dst, 6, 40), tcp, 40)), 0);
    /* A 32-bit length: 0x10000 contributes 0001 + 0000. */
    CHECK_EQU(l4_cksum_pseudo(&src, &dst, 17, 0x10000),
              (0xfd00 + 1 + 0xfd00 + 2 + 1 + 17) % 0xffff);
    /* The UDP checksum of the fragmented v6 datagram verifies too. */
    const uint8_t *udp = pkt_hbhfrag6 + 56;
    uint16_t ulen = l4_get_u16(udp + 4);
    CHECK_EQU(l4_cksum_finish(l4_cksum_add(l4_cksum_pseudo(&src, &dst, 17, ulen), udp, ulen)), 0);
}

static const l4_test TESTS[] = {TEST(test_rfc1071_example),
                                TEST(test_odd_length),
                                TEST(test_large_buffer),
                                TEST(test_ipv4_header),
                                TEST(test_pseudo_v4),
                                TEST(test_pseudo_v6),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
