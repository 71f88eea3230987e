/* tests/wire/udp_test.c — the UDP header codec and its checksum rules. */
#include "check.h"
#include "packets.h"
#include "util/bytes.h"
#include "wire/cksum.h"
#include "wire/udp.h"

static l4_addr udp_a4(int last)
{
    const uint8_t b[4] = {10, 0, 0, (uint8_t)last};
    return l4_addr_v4(b);
}

#define DNS_UDP     (pkt_dns4 + 20)
#define DNS_UDP_LEN (sizeof pkt_dns4 - 20)

static void test_deconstruct(void)
{
    l4_addr s = udp_a4(1), d = udp_a4(2);
    l4_udp_hdr h;
    CHECK_EQ(DNS_UDP_LEN, 8 + 29);
    CHECK_EQ(l4_udp_parse(&h, DNS_UDP, DNS_UDP_LEN, &s, &d), 0);
    CHECK_EQ(h.sport, 53000);
    CHECK_EQ(h.dport, 53);
    CHECK_EQ(h.len, 37);
    CHECK_EQU(h.cksum, l4_get_u16(DNS_UDP + 6));
    CHECK(h.cksum != 0);
    CHECK(h.payload == DNS_UDP + 8);
    CHECK_EQ(h.payload_len, 29);
    CHECK_EQU(h.payload[0], 0xab); /* DNS id */
    CHECK_MEM(h.payload + 13, "example", 7);
}

static void test_deconstruct_v6(void)
{
    l4_addr s = l4_addr_v6(pkt_hbhfrag6 + 8), d = l4_addr_v6(pkt_hbhfrag6 + 24);
    l4_udp_hdr h;
    CHECK_EQ(l4_udp_parse(&h, pkt_hbhfrag6 + 56, 22, &s, &d), 0);
    CHECK_EQ(h.sport, 5000);
    CHECK_EQ(h.dport, 6000);
    CHECK_EQ(h.payload_len, 14);
    CHECK_MEM(h.payload, "fragment-data!", 14);
}

static void test_construct(void)
{
    l4_addr s = udp_a4(1), d = udp_a4(2);
    l4_udp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = 53000;
    h.dport = 53;
    h.payload = DNS_UDP + 8;
    h.payload_len = 29;
    h.len = 1;    /* ignored */
    h.cksum = 77; /* ignored */
    uint8_t out[64];
    CHECK_EQ(l4_udp_write(out, sizeof out, &h, &s, &d), 37);
    CHECK_MEM(out, DNS_UDP, 37);
    /* In place. */
    memset(out, 0, sizeof out);
    memcpy(out + 8, DNS_UDP + 8, 29);
    h.payload = out + 8;
    CHECK_EQ(l4_udp_write(out, sizeof out, &h, &s, &d), 37);
    CHECK_MEM(out, DNS_UDP, 37);
    /* Over IPv4 without addresses: checksum 0 = none. */
    CHECK_EQ(l4_udp_write(out, sizeof out, &h, NULL, NULL), 37);
    CHECK_EQU(l4_get_u16(out + 6), 0);
    l4_udp_hdr p;
    CHECK_EQ(l4_udp_parse(&p, out, 37, &s, &d), 0);
    CHECK_EQU(p.cksum, 0);
}

static void test_roundtrip_v6(void)
{
    l4_addr s = l4_addr_v6(pkt_hbhfrag6 + 8), d = l4_addr_v6(pkt_hbhfrag6 + 24);
    l4_udp_hdr a, b;
    CHECK_EQ(l4_udp_parse(&a, pkt_hbhfrag6 + 56, 22, &s, &d), 0);
    uint8_t out[32];
    CHECK_EQ(l4_udp_write(out, sizeof out, &a, &s, &d), 22);
    CHECK_MEM(out, pkt_hbhfrag6 + 56, 22);
    CHECK_EQ(l4_udp_parse(&b, out, 22, &s, &d), 0);
    CHECK_EQ(b.sport, a.sport);
    CHECK_EQ(b.dport, a.dport);
    CHECK_EQ(b.len, a.len);
    CHECK_EQU(b.cksum, a.cksum);
}

static void test_zero_checksum_rules(void)
{
    l4_addr s6 = l4_addr_v6(pkt_hbhfrag6 + 8), d6 = l4_addr_v6(pkt_hbhfrag6 + 24);
    uint8_t b[22];
    memcpy(b, pkt_hbhfrag6 + 56, 22);
    b[6] = b[7] = 0;
    l4_udp_hdr h;
    /* RFC 8200 §8.1: a zero checksum over IPv6 is an error. */
    CHECK_EQ(l4_udp_parse(&h, b, 22, &s6, &d6), L4_ERR_CHECKSUM);
    CHECK_EQ(h.dport, 6000);
    /* Without addresses nothing is verified. */
    CHECK_EQ(l4_udp_parse(&h, b, 22, NULL, NULL), 0);
    /* Writing over IPv6 needs both addresses. */
    CHECK_EQ(l4_udp_write(b, sizeof b, &h, NULL, &d6), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_udp_write(b, sizeof b, &h, &s6, NULL), L4_ERR_INVALID_ARGUMENT);
}

static void test_computed_zero_sent_as_ffff(void)
{
    l4_addr s = udp_a4(1), d = udp_a4(2);
    uint8_t out[16];
    uint8_t payload[2] = {0, 0};
    l4_udp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = 1;
    h.dport = 2;
    h.payload = payload;
    h.payload_len = 2;
    CHECK_EQ(l4_udp_write(out, sizeof out, &h, &s, &d), 10);
    /* A payload word equal to that checksum makes the sum all ones: field 0. */
    uint16_t c = l4_get_u16(out + 6);
    l4_put_u16(payload, c);
    CHECK_EQ(l4_udp_write(out, sizeof out, &h, &s, &d), 10);
    CHECK_EQU(l4_get_u16(out + 6), 0xffff);
    l4_udp_hdr p;
    CHECK_EQ(l4_udp_parse(&p, out, 10, &s, &d), 0);
    CHECK_EQU(p.cksum, 0xffff);
}

static void test_truncated_and_lengths(void)
{
    l4_udp_hdr h;
    for (size_t n = 0; n < DNS_UDP_LEN; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, DNS_UDP, n);
        int rc = l4_udp_parse(&h, copy, n, NULL, NULL);
        free(copy);
        CHECK_MSG(rc == L4_ERR_TRUNCATED, "len %zu: rc %d", n, rc);
    }
    uint8_t b[48];
    memcpy(b, DNS_UDP, DNS_UDP_LEN);
    for (uint16_t ul = 0; ul < 8; ul++) {
        l4_put_u16(b + 4, ul);
        CHECK_EQ(l4_udp_parse(&h, b, DNS_UDP_LEN, NULL, NULL), L4_ERR_MALFORMED);
    }
    l4_put_u16(b + 4, (uint16_t)(DNS_UDP_LEN + 1));
    CHECK_EQ(l4_udp_parse(&h, b, DNS_UDP_LEN, NULL, NULL), L4_ERR_TRUNCATED);
    /* Bytes past the length field are ignored (and not checksummed). */
    memcpy(b, DNS_UDP, DNS_UDP_LEN);
    memset(b + DNS_UDP_LEN, 0x5a, sizeof b - DNS_UDP_LEN);
    l4_addr s = udp_a4(1), d = udp_a4(2);
    CHECK_EQ(l4_udp_parse(&h, b, sizeof b, &s, &d), 0);
    CHECK_EQ(h.payload_len, 29);
    /* An 8-byte datagram with an empty payload. */
    l4_put_u16(b + 4, 8);
    CHECK_EQ(l4_udp_parse(&h, b, 8, NULL, NULL), 0);
    CHECK_EQ(h.payload_len, 0);
}

static void test_bad_checksum(void)
{
    l4_addr s = udp_a4(1), d = udp_a4(2);
    for (size_t byte = 0; byte < DNS_UDP_LEN; byte++) {
        if (byte == 4 || byte == 5)
            continue; /* the length field changes the structure */
        for (int bit = 0; bit < 8; bit++) {
            uint8_t b[48];
            memcpy(b, DNS_UDP, DNS_UDP_LEN);
            b[byte] ^= (uint8_t)(1 << bit);
            if (l4_get_u16(b + 6) == 0)
                continue; /* became "no checksum" */
            l4_udp_hdr h;
            memset(&h, 0, sizeof h);
            CHECK_EQ(l4_udp_parse(&h, b, DNS_UDP_LEN, &s, &d), L4_ERR_CHECKSUM);
            CHECK_EQ(h.len, 37);
            CHECK_EQ(h.payload_len, 29);
            CHECK_EQU(h.cksum, l4_get_u16(b + 6));
        }
    }
    /* Wrong pseudo-header. */
    l4_udp_hdr h;
    l4_addr other = udp_a4(3);
    CHECK_EQ(l4_udp_parse(&h, DNS_UDP, DNS_UDP_LEN, &s, &other), L4_ERR_CHECKSUM);
}

static void test_write_errors(void)
{
    l4_addr s = udp_a4(1), d = udp_a4(2);
    l4_udp_hdr h;
    CHECK_EQ(l4_udp_parse(&h, DNS_UDP, DNS_UDP_LEN, &s, &d), 0);
    uint8_t out[64];
    for (size_t cap = 0; cap < DNS_UDP_LEN; cap++)
        CHECK_EQ(l4_udp_write(out, cap, &h, &s, &d), L4_ERR_NOBUF);
    static uint8_t big[65536];
    h.payload = big + 8;
    h.payload_len = 65535 - 8;
    CHECK_EQ(l4_udp_write(big, sizeof big, &h, &s, &d), 65535);
    h.payload_len = 65535 - 7;
    CHECK_EQ(l4_udp_write(big, sizeof big, &h, &s, &d), L4_ERR_INVALID_ARGUMENT);
    h.payload = NULL;
    h.payload_len = 3;
    CHECK_EQ(l4_udp_write(out, sizeof out, &h, &s, &d), L4_ERR_INVALID_ARGUMENT);
}

static const l4_test TESTS[] = {TEST(test_deconstruct),
                                TEST(test_deconstruct_v6),
                                TEST(test_construct),
                                TEST(test_roundtrip_v6),
                                TEST(test_zero_checksum_rules),
                                TEST(test_computed_zero_sent_as_ffff),
                                TEST(test_truncated_and_lengths),
                                TEST(test_bad_checksum),
                                TEST(test_write_errors),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
