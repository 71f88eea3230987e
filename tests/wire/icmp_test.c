/* tests/wire/icmp_test.c — ICMPv4 and ICMPv6 echo and destination unreachable. */
#include "check.h"
#include "packets.h"
#include "util/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define ECHO4     (pkt_echo4 + 20)
#define ECHO4_LEN (sizeof pkt_echo4 - 20)
#define ECHO6     (pkt_echo6 + 40)
#define ECHO6_LEN (sizeof pkt_echo6 - 40)

static void test_deconstruct_echo4(void)
{
    l4_icmp_msg m;
    CHECK_EQ(l4_icmp4_parse(&m, ECHO4, ECHO4_LEN), 0);
    CHECK_EQ(m.type, L4_ICMP4_ECHO_REQUEST);
    CHECK_EQ(m.code, 0);
    CHECK_EQU(m.cksum, l4_get_u16(ECHO4 + 2));
    CHECK_EQU(m.id, 0x1234);
    CHECK_EQ(m.seq, 1);
    CHECK_EQU(m.rest, 0x12340001);
    CHECK_EQ(m.body_len, 32);
    CHECK(m.body == ECHO4 + 8);
    CHECK_EQU(m.body[0], 0x10);
    CHECK_EQU(m.body[31], 0x2f);
}

static void test_construct_echo4(void)
{
    l4_icmp_msg m;
    memset(&m, 0, sizeof m);
    m.type = L4_ICMP4_ECHO_REQUEST;
    m.id = 0x1234;
    m.seq = 1;
    m.rest = 0xdeadbeef; /* ignored for echo */
    m.cksum = 0x5555;    /* ignored */
    m.body = ECHO4 + 8;
    m.body_len = 32;
    uint8_t out[64];
    CHECK_EQ(l4_icmp4_write(out, sizeof out, &m), 40);
    CHECK_MEM(out, ECHO4, 40);
    /* The reply: type 0, same id/seq/body; parse -> write round trip. */
    l4_icmp_msg p;
    CHECK_EQ(l4_icmp4_parse(&p, out, 40), 0);
    p.type = L4_ICMP4_ECHO_REPLY;
    uint8_t reply[64];
    CHECK_EQ(l4_icmp4_write(reply, sizeof reply, &p), 40);
    l4_icmp_msg r;
    CHECK_EQ(l4_icmp4_parse(&r, reply, 40), 0);
    CHECK_EQ(r.type, L4_ICMP4_ECHO_REPLY);
    CHECK_EQU(r.id, 0x1234);
    CHECK_EQ(r.seq, 1);
    CHECK_MEM(reply + 4, ECHO4 + 4, 36);
    /* RFC 792 checksum: the type change 8 -> 0 moves the checksum by 0x0800. */
    CHECK_EQU((uint16_t)(l4_get_u16(reply + 2) - l4_get_u16(ECHO4 + 2)), 0x0800);
}

static void test_port_unreachable4(void)
{
    const uint8_t *icmp = pkt_unreach4 + 20;
    size_t n = sizeof pkt_unreach4 - 20;
    l4_icmp_msg m;
    CHECK_EQ(l4_icmp4_parse(&m, icmp, n), 0);
    CHECK_EQ(m.type, L4_ICMP4_DEST_UNREACH);
    CHECK_EQ(m.code, L4_ICMP4_UNREACH_PORT);
    CHECK_EQU(m.rest, 0);
    CHECK_EQ(m.body_len, sizeof pkt_dns4);
    CHECK_MEM(m.body, pkt_dns4, sizeof pkt_dns4);
    /* The quoted packet: IPv4 header then the UDP header that triggered it. */
    l4_ipv4_hdr ip;
    CHECK_EQ(l4_ipv4_parse(&ip, m.body, m.body_len), 0);
    CHECK_EQ(ip.proto, L4_IPPROTO_UDP);
    l4_udp_hdr u;
    CHECK_EQ(l4_udp_parse(&u, ip.payload, ip.payload_len, NULL, NULL), 0);
    CHECK_EQ(u.sport, 53000);
    CHECK_EQ(u.dport, 53);
    /* Constructed from its parts it is the same bytes (rest, not id/seq). */
    l4_icmp_msg w;
    memset(&w, 0, sizeof w);
    w.type = L4_ICMP4_DEST_UNREACH;
    w.code = L4_ICMP4_UNREACH_PORT;
    w.id = 0x7777; /* ignored for non-echo */
    w.body = pkt_dns4;
    w.body_len = sizeof pkt_dns4;
    uint8_t out[128];
    CHECK_EQ(l4_icmp4_write(out, sizeof out, &w), (l4_ssize)n);
    CHECK_MEM(out, icmp, n);
    /* Frag needed carries the next-hop MTU in the low 16 bits of rest. */
    w.code = L4_ICMP4_UNREACH_FRAG_NEEDED;
    w.rest = 1400;
    CHECK_EQ(l4_icmp4_write(out, sizeof out, &w), (l4_ssize)n);
    CHECK_EQ(l4_icmp4_parse(&m, out, n), 0);
    CHECK_EQU(m.rest, 1400);
    CHECK_EQU(l4_get_u16(out + 6), 1400);
}

static void test_echo6(void)
{
    l4_addr s = l4_addr_v6(pkt_echo6 + 8), d = l4_addr_v6(pkt_echo6 + 24);
    l4_icmp_msg m;
    CHECK_EQ(l4_icmp6_parse(&m, ECHO6, ECHO6_LEN, &s, &d), 0);
    CHECK_EQ(m.type, L4_ICMP6_ECHO_REQUEST);
    CHECK_EQU(m.id, 0x4321);
    CHECK_EQ(m.seq, 7);
    CHECK_EQ(m.body_len, 13);
    CHECK_MEM(m.body, "ping6-payload", 13);
    uint8_t out[64];
    CHECK_EQ(l4_icmp6_write(out, sizeof out, &m, &s, &d), (l4_ssize)ECHO6_LEN);
    CHECK_MEM(out, ECHO6, ECHO6_LEN);
    /* The pseudo-header covers the addresses (its sum is symmetric in src and
     * dst, so swapping them would not show): another destination breaks it. */
    l4_addr other = d;
    other.bytes[15] = 9;
    CHECK_EQ(l4_icmp6_parse(&m, ECHO6, ECHO6_LEN, &s, &other), L4_ERR_CHECKSUM);
    CHECK_EQ(m.seq, 7);
    /* ICMPv4 rules (no pseudo-header) do not verify an ICMPv6 message. */
    CHECK_EQ(l4_icmp4_parse(&m, ECHO6, ECHO6_LEN), L4_ERR_CHECKSUM);
}

static void test_unreach6(void)
{
    l4_addr s = l4_addr_v6(pkt_syn6 + 24), d = l4_addr_v6(pkt_syn6 + 8);
    l4_icmp_msg w;
    memset(&w, 0, sizeof w);
    w.type = L4_ICMP6_DEST_UNREACH;
    w.code = L4_ICMP6_UNREACH_PORT;
    w.body = pkt_syn6;
    w.body_len = sizeof pkt_syn6;
    uint8_t out[128];
    CHECK_EQ(l4_icmp6_write(out, sizeof out, &w, &s, &d), 88);
    CHECK_EQU(out[0], 1);
    CHECK_EQU(out[1], 4);
    CHECK_EQU(l4_get_u32(out + 4), 0);
    l4_icmp_msg m;
    CHECK_EQ(l4_icmp6_parse(&m, out, 88, &s, &d), 0);
    CHECK_EQ(m.body_len, sizeof pkt_syn6);
    CHECK_MEM(m.body, pkt_syn6, sizeof pkt_syn6);
    /* Packet too big: MTU in rest. */
    w.type = L4_ICMP6_PACKET_TOO_BIG;
    w.code = 0;
    w.rest = 1280;
    CHECK_EQ(l4_icmp6_write(out, sizeof out, &w, &s, &d), 88);
    CHECK_EQ(l4_icmp6_parse(&m, out, 88, &s, &d), 0);
    CHECK_EQU(m.rest, 1280);
}

static void test_truncated(void)
{
    l4_addr s = l4_addr_v6(pkt_echo6 + 8), d = l4_addr_v6(pkt_echo6 + 24);
    for (size_t n = 0; n < 8; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, ECHO4, n);
        l4_icmp_msg m;
        CHECK_EQ(l4_icmp4_parse(&m, copy, n), L4_ERR_TRUNCATED);
        CHECK_EQ(l4_icmp6_parse(&m, copy, n, &s, &d), L4_ERR_TRUNCATED);
        free(copy);
    }
    /* A shortened message is still a message; its checksum fails. */
    for (size_t n = 8; n < ECHO4_LEN; n++) {
        l4_icmp_msg m;
        int rc = l4_icmp4_parse(&m, ECHO4, n);
        CHECK_MSG(rc == L4_ERR_CHECKSUM, "len %zu rc %d", n, rc);
        CHECK_EQ(m.body_len, n - 8);
    }
}

static void test_bad_checksum(void)
{
    for (size_t byte = 0; byte < ECHO4_LEN; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t b[64];
            memcpy(b, ECHO4, ECHO4_LEN);
            b[byte] ^= (uint8_t)(1 << bit);
            l4_icmp_msg m;
            memset(&m, 0, sizeof m);
            CHECK_EQ(l4_icmp4_parse(&m, b, ECHO4_LEN), L4_ERR_CHECKSUM);
            CHECK_EQ(m.type, b[0]);
            CHECK_EQ(m.body_len, 32);
        }
    }
}

static void test_errors(void)
{
    l4_addr s6 = l4_addr_v6(pkt_echo6 + 8), d6 = l4_addr_v6(pkt_echo6 + 24);
    const uint8_t v4[4] = {10, 0, 0, 1};
    l4_addr s4 = l4_addr_v4(v4);
    l4_icmp_msg m;
    CHECK_EQ(l4_icmp6_parse(&m, ECHO6, ECHO6_LEN, &s4, &d6), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_icmp6_parse(&m, ECHO6, ECHO6_LEN, &s6, &s4), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_icmp6_parse(&m, ECHO6, ECHO6_LEN, &s6, &d6), 0);
    uint8_t out[64];
    for (size_t cap = 0; cap < ECHO6_LEN; cap++)
        CHECK_EQ(l4_icmp6_write(out, cap, &m, &s6, &d6), L4_ERR_NOBUF);
    CHECK_EQ(l4_icmp6_write(out, sizeof out, &m, &s6, &s4), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_icmp4_parse(&m, ECHO4, ECHO4_LEN), 0);
    for (size_t cap = 0; cap < ECHO4_LEN; cap++)
        CHECK_EQ(l4_icmp4_write(out, cap, &m), L4_ERR_NOBUF);
    m.body = NULL;
    CHECK_EQ(l4_icmp4_write(out, sizeof out, &m), L4_ERR_INVALID_ARGUMENT);
    static uint8_t big[65536];
    m.body = big + 8;
    m.body_len = 65535 - 8;
    CHECK_EQ(l4_icmp4_write(big, sizeof big, &m), 65535);
    m.body_len = 65535 - 7;
    CHECK_EQ(l4_icmp4_write(big, sizeof big, &m), L4_ERR_INVALID_ARGUMENT);
}

static const l4_test TESTS[] = {TEST(test_deconstruct_echo4),
                                TEST(test_construct_echo4),
                                TEST(test_port_unreachable4),
                                TEST(test_echo6),
                                TEST(test_unreach6),
                                TEST(test_truncated),
                                TEST(test_bad_checksum),
                                TEST(test_errors),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
