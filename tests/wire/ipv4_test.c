/* tests/wire/ipv4_test.c — the IPv4 header codec. */
#include "check.h"
#include "packets.h"
#include "util/bytes.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"

static void test_deconstruct(void)
{
    l4_ipv4_hdr h;
    CHECK_EQ(l4_ipv4_parse(&h, pkt_syn4, sizeof pkt_syn4), 0);
    CHECK_EQ(h.hdr_len, 20);
    CHECK_EQ(h.dscp, 0);
    CHECK_EQ(h.ecn, L4_ECN_NOT_ECT);
    CHECK_EQ(h.total_len, 60);
    CHECK_EQU(h.id, 0x1c46);
    CHECK_EQ(h.df, 1);
    CHECK_EQ(h.mf, 0);
    CHECK_EQ(h.frag_off, 0);
    CHECK_EQ(h.ttl, 64);
    CHECK_EQ(h.proto, L4_IPPROTO_TCP);
    CHECK_EQU(h.cksum, 0x0a74);
    const uint8_t s[4] = {10, 0, 0, 1}, d[4] = {10, 0, 0, 2};
    CHECK_MEM(h.src, s, 4);
    CHECK_MEM(h.dst, d, 4);
    CHECK_EQ(h.options_len, 0);
    CHECK(h.payload == pkt_syn4 + 20);
    CHECK_EQ(h.payload_len, 40);

    CHECK_EQ(l4_ipv4_parse(&h, pkt_unreach4, sizeof pkt_unreach4), 0);
    CHECK_EQ(h.df, 0);
    CHECK_EQ(h.proto, L4_IPPROTO_ICMP);
    CHECK_EQU(h.id, 0x4444);
}

static void test_construct(void)
{
    l4_ipv4_hdr h;
    memset(&h, 0, sizeof h);
    h.id = 0x1c46;
    h.df = 1;
    h.ttl = 64;
    h.proto = L4_IPPROTO_TCP;
    const uint8_t s[4] = {10, 0, 0, 1}, d[4] = {10, 0, 0, 2};
    memcpy(h.src, s, 4);
    memcpy(h.dst, d, 4);
    h.payload_len = 40;
    h.total_len = 999; /* ignored */
    h.cksum = 0xbeef;  /* ignored */
    uint8_t out[20];
    CHECK_EQ(l4_ipv4_write(out, sizeof out, &h), 20);
    CHECK_MEM(out, pkt_syn4, 20);
}

static void test_roundtrip_options_and_fragment(void)
{
    /* Router Alert (RFC 2113, 4 bytes) + one NOP: padded to 8 bytes with EOL. */
    static const uint8_t opts[5] = {0x94, 0x04, 0x00, 0x00, 0x01};
    l4_ipv4_hdr h;
    memset(&h, 0, sizeof h);
    h.dscp = 46; /* EF */
    h.ecn = L4_ECN_ECT0;
    h.id = 0xabcd;
    h.mf = 1;
    h.frag_off = 1480;
    h.ttl = 1;
    h.proto = L4_IPPROTO_UDP;
    h.src[0] = 192;
    h.dst[0] = 224;
    h.options = opts;
    h.options_len = sizeof opts;
    h.payload_len = 100;
    uint8_t buf[128];
    memset(buf, 0xee, sizeof buf);
    CHECK_EQ(l4_ipv4_write(buf, sizeof buf, &h), 28);
    CHECK_EQU(buf[0], 0x47);
    CHECK_EQU(buf[1], 46 << 2 | 2);
    CHECK_EQU(l4_get_u16(buf + 6), 0x2000 | 185);
    CHECK_MEM(buf + 20, opts, 5);
    CHECK_EQU(buf[25], 0);
    CHECK_EQU(buf[27], 0);
    CHECK_EQU(l4_cksum(buf, 28), 0);

    l4_ipv4_hdr p;
    CHECK_EQ(l4_ipv4_parse(&p, buf, sizeof buf), 0);
    CHECK_EQ(p.hdr_len, 28);
    CHECK_EQ(p.total_len, 128);
    CHECK_EQ(p.dscp, 46);
    CHECK_EQ(p.ecn, L4_ECN_ECT0);
    CHECK_EQ(p.mf, 1);
    CHECK_EQ(p.df, 0);
    CHECK_EQ(p.frag_off, 1480);
    CHECK_EQ(p.options_len, 8);
    CHECK(p.options == buf + 20);
    CHECK_EQ(p.payload_len, 100);
    CHECK(p.payload == buf + 28);

    /* parse -> write -> identical header. */
    uint8_t again[60];
    CHECK_EQ(l4_ipv4_write(again, sizeof again, &p), 28);
    CHECK_MEM(again, buf, 28);
}

static void test_trailing_bytes_ignored(void)
{
    uint8_t buf[80];
    memcpy(buf, pkt_syn4, 60);
    memset(buf + 60, 0xaa, 20); /* Ethernet padding */
    l4_ipv4_hdr h;
    CHECK_EQ(l4_ipv4_parse(&h, buf, sizeof buf), 0);
    CHECK_EQ(h.payload_len, 40);
}

static void test_truncated(void)
{
    l4_ipv4_hdr h;
    for (size_t n = 0; n < sizeof pkt_syn4; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact-size heap copy: ASan sees overreads */
        memcpy(copy, pkt_syn4, n);
        int rc = l4_ipv4_parse(&h, copy, n);
        free(copy);
        CHECK_MSG(rc == L4_ERR_TRUNCATED, "len %zu: rc %d", n, rc);
    }
}

static void test_impossible_lengths(void)
{
    uint8_t b[60];
    l4_ipv4_hdr h;
    memcpy(b, pkt_syn4, 60);
    b[0] = 0x44; /* IHL 4 */
    CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_MALFORMED);
    b[0] = 0x40;
    CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_MALFORMED);
    b[0] = 0x65; /* version 6 */
    CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_MALFORMED);
    b[0] = 0x46; /* IHL 24 > total_len 20 */
    l4_put_u16(b + 2, 20);
    CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_MALFORMED);
    b[0] = 0x45;
    l4_put_u16(b + 2, 19); /* total_len < IHL */
    CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_MALFORMED);
    l4_put_u16(b + 2, 61); /* total_len > buffer */
    CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_TRUNCATED);
    b[0] = 0x4f; /* IHL 60 > buffer of 40 */
    l4_put_u16(b + 2, 60);
    CHECK_EQ(l4_ipv4_parse(&h, b, 40), L4_ERR_TRUNCATED);
    /* Reserved flag. */
    memcpy(b, pkt_syn4, 60);
    b[6] |= 0x80;
    CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_MALFORMED);
}

static void test_bad_checksum(void)
{
    for (int bit = 0; bit < 16; bit++) {
        uint8_t b[60];
        memcpy(b, pkt_syn4, 60);
        b[10 + bit / 8] ^= (uint8_t)(1 << (bit % 8));
        l4_ipv4_hdr h;
        memset(&h, 0, sizeof h);
        CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_CHECKSUM);
        CHECK_EQU(h.cksum, l4_get_u16(b + 10));
        CHECK_EQ(h.total_len, 60);
        CHECK_EQ(h.proto, L4_IPPROTO_TCP);
        CHECK_EQ(h.payload_len, 40);
        CHECK(h.payload == b + 20);
    }
    /* A flipped TTL bit is caught too. */
    uint8_t b[60];
    memcpy(b, pkt_syn4, 60);
    b[8] ^= 1;
    l4_ipv4_hdr h;
    CHECK_EQ(l4_ipv4_parse(&h, b, 60), L4_ERR_CHECKSUM);
    CHECK_EQ(h.ttl, 65);
}

static void test_write_errors(void)
{
    l4_ipv4_hdr h;
    memset(&h, 0, sizeof h);
    uint8_t opts[41] = {0};
    uint8_t out[64];
    h.options = opts;
    h.options_len = 4;
    for (size_t cap = 0; cap < 24; cap++)
        CHECK_EQ(l4_ipv4_write(out, cap, &h), L4_ERR_NOBUF);
    CHECK_EQ(l4_ipv4_write(out, 24, &h), 24);
    h.options_len = 40;
    CHECK_EQ(l4_ipv4_write(out, sizeof out, &h), 60);
    h.options_len = 41;
    CHECK_EQ(l4_ipv4_write(out, sizeof out, &h), L4_ERR_INVALID_ARGUMENT);
    h.options_len = 0;
    h.payload_len = 65535 - 20;
    CHECK_EQ(l4_ipv4_write(out, sizeof out, &h), 20);
    CHECK_EQU(l4_get_u16(out + 2), 65535);
    h.payload_len = 65535 - 19;
    CHECK_EQ(l4_ipv4_write(out, sizeof out, &h), L4_ERR_INVALID_ARGUMENT);
    h.payload_len = 0;
    h.frag_off = 12; /* not a multiple of 8 */
    CHECK_EQ(l4_ipv4_write(out, sizeof out, &h), L4_ERR_INVALID_ARGUMENT);
}

static const l4_test TESTS[] = {TEST(test_deconstruct),
                                TEST(test_construct),
                                TEST(test_roundtrip_options_and_fragment),
                                TEST(test_trailing_bytes_ignored),
                                TEST(test_truncated),
                                TEST(test_impossible_lengths),
                                TEST(test_bad_checksum),
                                TEST(test_write_errors),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
