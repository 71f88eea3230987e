/* tests/wire/ipv6_test.c — the IPv6 fixed header and the extension header walk. */
#include "check.h"
#include "packets.h"
#include "util/bytes.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

static void test_deconstruct_syn(void)
{
    l4_ipv6_hdr h;
    CHECK_EQ(l4_ipv6_parse(&h, pkt_syn6, sizeof pkt_syn6), 0);
    CHECK_EQ(h.dscp, 0);
    CHECK_EQ(h.ecn, 0);
    CHECK_EQU(h.flow_label, 0x12345);
    CHECK_EQ(h.plen, 40);
    CHECK_EQ(h.next_header, L4_IPPROTO_TCP);
    CHECK_EQ(h.hop_limit, 64);
    CHECK_EQU(h.src[0], 0xfd);
    CHECK_EQU(h.src[15], 1);
    CHECK_EQU(h.dst[15], 2);
    CHECK_EQ(h.proto, L4_IPPROTO_TCP);
    CHECK_EQ(h.is_fragment, 0);
    CHECK_EQ(h.ext_len, 0);
    CHECK(h.payload == pkt_syn6 + 40);
    CHECK_EQ(h.payload_len, 40);
}

static void test_deconstruct_hbh_frag(void)
{
    l4_ipv6_hdr h;
    CHECK_EQ(l4_ipv6_parse(&h, pkt_hbhfrag6, sizeof pkt_hbhfrag6), 0);
    CHECK_EQ(h.next_header, L4_IPV6_EXT_HOPOPTS);
    CHECK_EQ(h.plen, 38);
    CHECK_EQ(h.proto, L4_IPPROTO_UDP);
    CHECK_EQ(h.is_fragment, 1);
    CHECK_EQ(h.frag_more, 1);
    CHECK_EQ(h.frag_off, 0);
    CHECK_EQU(h.frag_id, 0xdeadbeef);
    CHECK_EQ(h.ext_len, 16);
    CHECK(h.payload == pkt_hbhfrag6 + 56);
    CHECK_EQ(h.payload_len, 22);
}

static void test_nonfirst_fragment_stops_walk(void)
{
    uint8_t b[78];
    memcpy(b, pkt_hbhfrag6, sizeof b);
    /* Offset 1480 bytes (185 units), M = 0; the data starts with what looks
     * like a destination options header, but it is fragment data. */
    l4_put_u16(b + 50, 185 << 3);
    b[48] = L4_IPV6_EXT_DSTOPTS;
    b[56] = 0xff;
    b[57] = 0xff;
    l4_ipv6_hdr h;
    CHECK_EQ(l4_ipv6_parse(&h, b, sizeof b), 0);
    CHECK_EQ(h.is_fragment, 1);
    CHECK_EQ(h.frag_more, 0);
    CHECK_EQ(h.frag_off, 1480);
    CHECK_EQ(h.proto, L4_IPV6_EXT_DSTOPTS);
    CHECK_EQ(h.ext_len, 16);
    CHECK_EQ(h.payload_len, 22);
}

static void test_routing_dstopts(void)
{
    /* fixed | dstopts (16 bytes) | routing (8) | no next header */
    uint8_t b[40 + 24];
    memset(b, 0, sizeof b);
    b[0] = 0x60;
    l4_put_u16(b + 4, 24);
    b[6] = L4_IPV6_EXT_DSTOPTS;
    b[40] = L4_IPV6_EXT_ROUTING;
    b[41] = 1; /* (1 + 1) * 8 = 16 bytes */
    b[42] = 1; /* PadN */
    b[43] = 12;
    b[56] = L4_IPV6_NO_NEXT;
    b[57] = 0;
    l4_ipv6_hdr h;
    CHECK_EQ(l4_ipv6_parse(&h, b, sizeof b), 0);
    CHECK_EQ(h.proto, L4_IPV6_NO_NEXT);
    CHECK_EQ(h.ext_len, 24);
    CHECK_EQ(h.payload_len, 0);
    CHECK(h.payload == b + 64);
    /* An extension header running past the payload length. */
    b[41] = 2;
    CHECK_EQ(l4_ipv6_parse(&h, b, sizeof b), L4_ERR_TRUNCATED);
    /* Hop-by-hop anywhere but first (RFC 8200 §4.3). */
    b[41] = 1;
    b[40] = L4_IPV6_EXT_HOPOPTS;
    CHECK_EQ(l4_ipv6_parse(&h, b, sizeof b), L4_ERR_MALFORMED);
}

static void test_too_many_ext(void)
{
    /* Nine 8-byte destination options headers in a row. */
    uint8_t b[40 + 9 * 8];
    memset(b, 0, sizeof b);
    b[0] = 0x60;
    l4_put_u16(b + 4, 9 * 8);
    b[6] = L4_IPV6_EXT_DSTOPTS;
    for (int i = 0; i < 9; i++)
        b[40 + 8 * i] = i == 8 ? L4_IPV6_NO_NEXT : L4_IPV6_EXT_DSTOPTS;
    l4_ipv6_hdr h;
    CHECK_EQ(l4_ipv6_parse(&h, b, sizeof b), L4_ERR_MALFORMED);
    /* Eight are fine. */
    l4_put_u16(b + 4, 8 * 8);
    b[40 + 8 * 7] = L4_IPV6_NO_NEXT;
    CHECK_EQ(l4_ipv6_parse(&h, b, 40 + 8 * 8), 0);
    CHECK_EQ(h.ext_len, 64);
    CHECK_EQ(h.proto, L4_IPV6_NO_NEXT);
}

static void test_construct(void)
{
    l4_ipv6_hdr h;
    memset(&h, 0, sizeof h);
    h.flow_label = 0x12345;
    h.payload_len = 40;
    h.next_header = L4_IPPROTO_TCP;
    h.hop_limit = 64;
    memcpy(h.src, pkt_syn6 + 8, 16);
    memcpy(h.dst, pkt_syn6 + 24, 16);
    h.plen = 7; /* ignored */
    uint8_t out[40];
    CHECK_EQ(l4_ipv6_write(out, sizeof out, &h), 40);
    CHECK_MEM(out, pkt_syn6, 40);
    for (size_t cap = 0; cap < 40; cap++)
        CHECK_EQ(l4_ipv6_write(out, cap, &h), L4_ERR_NOBUF);
    h.payload_len = 65536;
    CHECK_EQ(l4_ipv6_write(out, sizeof out, &h), L4_ERR_INVALID_ARGUMENT);
}

static void test_roundtrip(void)
{
    l4_ipv6_hdr h;
    memset(&h, 0, sizeof h);
    h.dscp = 10;
    h.ecn = L4_ECN_CE;
    h.flow_label = 0xfffff;
    h.payload_len = 3;
    h.next_header = L4_IPPROTO_UDP;
    h.hop_limit = 255;
    h.src[0] = 0x20;
    h.dst[15] = 0x99;
    uint8_t buf[43] = {0};
    CHECK_EQ(l4_ipv6_write(buf, sizeof buf, &h), 40);
    CHECK_EQU(buf[0], 0x60 | (10 << 2 | 3) >> 4);
    CHECK_EQU(buf[1], ((10 << 2 | 3) & 0xf) << 4 | 0xf);
    l4_ipv6_hdr p;
    CHECK_EQ(l4_ipv6_parse(&p, buf, sizeof buf), 0);
    CHECK_EQ(p.dscp, 10);
    CHECK_EQ(p.ecn, L4_ECN_CE);
    CHECK_EQU(p.flow_label, 0xfffff);
    CHECK_EQ(p.plen, 3);
    CHECK_EQ(p.payload_len, 3);
    CHECK_EQ(p.hop_limit, 255);
    CHECK_MEM(p.src, h.src, 16);
    CHECK_MEM(p.dst, h.dst, 16);
    uint8_t again[40];
    CHECK_EQ(l4_ipv6_write(again, sizeof again, &p), 40);
    CHECK_MEM(again, buf, 40);
}

static void test_truncated(void)
{
    const uint8_t *pkts[2] = {pkt_syn6, pkt_hbhfrag6};
    size_t lens[2] = {sizeof pkt_syn6, sizeof pkt_hbhfrag6};
    for (int k = 0; k < 2; k++) {
        for (size_t n = 0; n < lens[k]; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            memcpy(copy, pkts[k], n);
            l4_ipv6_hdr h;
            int rc = l4_ipv6_parse(&h, copy, n);
            free(copy);
            CHECK_MSG(rc == L4_ERR_TRUNCATED, "pkt %d len %zu: rc %d", k, n, rc);
        }
    }
    /* A payload length that cuts an extension header short. */
    uint8_t b[78];
    memcpy(b, pkt_hbhfrag6, sizeof b);
    for (uint16_t plen = 1; plen < 16; plen++) {
        l4_put_u16(b + 4, plen);
        l4_ipv6_hdr h;
        CHECK_EQ(l4_ipv6_parse(&h, b, sizeof b), L4_ERR_TRUNCATED);
    }
}

static void test_malformed(void)
{
    uint8_t b[80];
    memcpy(b, pkt_syn6, sizeof b);
    b[0] = 0x45;
    l4_ipv6_hdr h;
    CHECK_EQ(l4_ipv6_parse(&h, b, sizeof b), L4_ERR_MALFORMED);
    /* Jumbogram (RFC 2675) is not handled. */
    memcpy(b, pkt_hbhfrag6, 78);
    l4_put_u16(b + 4, 0);
    CHECK_EQ(l4_ipv6_parse(&h, b, 78), L4_ERR_UNSUPPORTED);
}

static const l4_test TESTS[] = {TEST(test_deconstruct_syn),
                                TEST(test_deconstruct_hbh_frag),
                                TEST(test_nonfirst_fragment_stops_walk),
                                TEST(test_routing_dstopts),
                                TEST(test_too_many_ext),
                                TEST(test_construct),
                                TEST(test_roundtrip),
                                TEST(test_truncated),
                                TEST(test_malformed),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
