/* tests/wire/ip_test.c — version dispatch and in-place ECN rewriting. */
#include "check.h"
#include "packets.h"
#include "util/bytes.h"
#include "wire/cksum.h"
#include "wire/ip.h"

static void test_parse_v4(void)
{
    l4_ip_pkt p;
    CHECK_EQ(l4_ip_parse(&p, pkt_dns4, sizeof pkt_dns4), 0);
    CHECK_EQ(p.version, 4);
    l4_addr a;
    CHECK_EQ(l4_addr_parse(&a, "10.0.0.1"), 0);
    CHECK(l4_addr_eq(&p.src, &a));
    CHECK_EQ(l4_addr_parse(&a, "10.0.0.2"), 0);
    CHECK(l4_addr_eq(&p.dst, &a));
    CHECK_EQ(p.proto, L4_IPPROTO_UDP);
    CHECK_EQ(p.ttl, 64);
    CHECK_EQ(p.ecn, 0);
    CHECK_EQ(p.is_fragment, 0);
    CHECK(p.payload == pkt_dns4 + 20);
    CHECK_EQ(p.payload_len, sizeof pkt_dns4 - 20);
    CHECK_EQU(p.hdr.v4.id, 0x2222);
}

static void test_parse_v6(void)
{
    l4_ip_pkt p;
    CHECK_EQ(l4_ip_parse(&p, pkt_hbhfrag6, sizeof pkt_hbhfrag6), 0);
    CHECK_EQ(p.version, 6);
    l4_addr a;
    CHECK_EQ(l4_addr_parse(&a, "fd00::1"), 0);
    CHECK(l4_addr_eq(&p.src, &a));
    CHECK_EQ(l4_addr_parse(&a, "fd00::2"), 0);
    CHECK(l4_addr_eq(&p.dst, &a));
    CHECK_EQ(p.proto, L4_IPPROTO_UDP);
    CHECK_EQ(p.ttl, 64);
    CHECK_EQ(p.is_fragment, 1);
    CHECK_EQ(p.frag_off, 0);
    CHECK(p.payload == pkt_hbhfrag6 + 56);
    CHECK_EQ(p.payload_len, 22);
    CHECK_EQU(p.hdr.v6.frag_id, 0xdeadbeef);
}

static void test_parse_errors(void)
{
    l4_ip_pkt p;
    uint8_t b[60];
    memcpy(b, pkt_syn4, 60);
    CHECK_EQ(l4_ip_parse(&p, b, 0), L4_ERR_TRUNCATED);
    b[0] = 0x55;
    CHECK_EQ(l4_ip_parse(&p, b, 60), L4_ERR_MALFORMED);
    b[0] = 0x05;
    CHECK_EQ(l4_ip_parse(&p, b, 60), L4_ERR_MALFORMED);
    /* A bad checksum still fills the packet. */
    memcpy(b, pkt_syn4, 60);
    b[11] ^= 0x40;
    CHECK_EQ(l4_ip_parse(&p, b, 60), L4_ERR_CHECKSUM);
    CHECK_EQ(p.version, 4);
    CHECK_EQ(p.proto, L4_IPPROTO_TCP);
    CHECK_EQ(p.payload_len, 40);
    /* Truncation is passed through from both versions. */
    CHECK_EQ(l4_ip_parse(&p, pkt_syn4, 59), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_ip_parse(&p, pkt_syn6, 79), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_ip_parse(&p, pkt_syn6, 1), L4_ERR_TRUNCATED);
}

static void test_v4_fragment(void)
{
    l4_ipv4_hdr h;
    memset(&h, 0, sizeof h);
    h.frag_off = 2960;
    h.proto = L4_IPPROTO_UDP;
    h.payload_len = 8;
    uint8_t b[28] = {0};
    CHECK_EQ(l4_ipv4_write(b, sizeof b, &h), 20);
    l4_ip_pkt p;
    CHECK_EQ(l4_ip_parse(&p, b, sizeof b), 0);
    CHECK_EQ(p.is_fragment, 1);
    CHECK_EQ(p.frag_off, 2960);
}

static void test_set_ecn_v4(void)
{
    /* Every transition, checked against a full recomputation (RFC 1624). */
    for (uint8_t from = 0; from < 4; from++) {
        for (uint8_t to = 0; to < 4; to++) {
            uint8_t b[60];
            memcpy(b, pkt_syn4, 60);
            b[1] = (uint8_t)(0xb8 | from); /* DSCP EF */
            b[10] = b[11] = 0;
            l4_put_u16(b + 10, l4_cksum(b, 20));
            CHECK_EQ(l4_ip_set_ecn(b, sizeof b, to), 0);
            CHECK_EQU(b[1], 0xb8 | to);
            CHECK_EQU(l4_cksum(b, 20), 0);
            uint8_t ref[20];
            memcpy(ref, b, 20);
            ref[10] = ref[11] = 0;
            CHECK_EQU(l4_get_u16(b + 10), l4_cksum(ref, 20));
            CHECK_MEM(b + 20, pkt_syn4 + 20, 40);
        }
    }
    /* Parses cleanly afterwards. */
    uint8_t b[60];
    memcpy(b, pkt_syn4, 60);
    CHECK_EQ(l4_ip_set_ecn(b, sizeof b, L4_ECN_CE), 0);
    l4_ip_pkt p;
    CHECK_EQ(l4_ip_parse(&p, b, sizeof b), 0);
    CHECK_EQ(p.ecn, L4_ECN_CE);
}

static void test_set_ecn_v6(void)
{
    uint8_t b[80];
    memcpy(b, pkt_syn6, 80);
    b[0] = 0x6b; /* traffic class 0xb? */
    b[1] = (uint8_t)(0x80 | (b[1] & 0x0f));
    CHECK_EQ(l4_ip_set_ecn(b, sizeof b, L4_ECN_CE), 0);
    l4_ip_pkt p;
    CHECK_EQ(l4_ip_parse(&p, b, sizeof b), 0);
    CHECK_EQ(p.ecn, L4_ECN_CE);
    CHECK_EQ(p.hdr.v6.dscp, 0xb8 >> 2);
    CHECK_EQU(p.hdr.v6.flow_label, 0x12345);
    CHECK_EQ(l4_ip_set_ecn(b, sizeof b, L4_ECN_ECT1), 0);
    CHECK_EQ(l4_ip_parse(&p, b, sizeof b), 0);
    CHECK_EQ(p.ecn, L4_ECN_ECT1);
    CHECK_EQ(p.hdr.v6.dscp, 0xb8 >> 2);
    CHECK_MEM(b + 2, pkt_syn6 + 2, 78);
}

static void test_set_ecn_errors(void)
{
    uint8_t b[80];
    memcpy(b, pkt_syn4, 60);
    CHECK_EQ(l4_ip_set_ecn(b, 0, 1), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_ip_set_ecn(b, 19, 1), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_ip_set_ecn(b, 60, 4), L4_ERR_INVALID_ARGUMENT);
    b[0] = 0x44;
    CHECK_EQ(l4_ip_set_ecn(b, 60, 1), L4_ERR_MALFORMED);
    b[0] = 0x75;
    CHECK_EQ(l4_ip_set_ecn(b, 60, 1), L4_ERR_MALFORMED);
    memcpy(b, pkt_syn6, 80);
    CHECK_EQ(l4_ip_set_ecn(b, 39, 1), L4_ERR_TRUNCATED);
    CHECK_MEM(b, pkt_syn6, 80); /* untouched on error */
}

static void test_dec_ttl(void)
{
    uint8_t b[80];
    memcpy(b, pkt_syn4, 60);
    for (int ttl = 63; ttl >= 0; ttl--) {
        CHECK_EQ(l4_ip_dec_ttl(b, 60), ttl);
        CHECK_EQU(b[8], ttl);
        CHECK_EQU(l4_cksum(b, 20), 0); /* still valid after each step */
    }
    /* At 0 nothing changes. */
    CHECK_EQ(l4_ip_dec_ttl(b, 60), 0);
    CHECK_EQU(b[8], 0);
    CHECK_EQU(l4_cksum(b, 20), 0);
    CHECK_MEM(b + 20, pkt_syn4 + 20, 40);
    l4_ip_pkt p;
    CHECK_EQ(l4_ip_parse(&p, b, 60), 0);
    CHECK_EQ(p.ttl, 0);

    memcpy(b, pkt_syn6, 80);
    CHECK_EQ(l4_ip_dec_ttl(b, 80), 63);
    CHECK_EQU(b[7], 63);
    CHECK_MEM(b, pkt_syn6, 7);
    CHECK_MEM(b + 8, pkt_syn6 + 8, 72);
    b[7] = 0;
    CHECK_EQ(l4_ip_dec_ttl(b, 80), 0);
    CHECK_EQU(b[7], 0);

    CHECK_EQ(l4_ip_dec_ttl(b, 0), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_ip_dec_ttl(b, 39), L4_ERR_TRUNCATED);
    memcpy(b, pkt_syn4, 60);
    CHECK_EQ(l4_ip_dec_ttl(b, 19), L4_ERR_TRUNCATED);
    b[0] = 0x43;
    CHECK_EQ(l4_ip_dec_ttl(b, 60), L4_ERR_MALFORMED);
    b[0] = 0x15;
    CHECK_EQ(l4_ip_dec_ttl(b, 60), L4_ERR_MALFORMED);
    CHECK_EQU(b[8], 64);
}

static const l4_test TESTS[] = {
    TEST(test_dec_ttl),      TEST(test_parse_v4),       TEST(test_parse_v6),
    TEST(test_parse_errors), TEST(test_v4_fragment),    TEST(test_set_ecn_v4),
    TEST(test_set_ecn_v6),   TEST(test_set_ecn_errors), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
