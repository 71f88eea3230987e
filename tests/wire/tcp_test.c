/* tests/wire/tcp_test.c — the TCP header and option codec. */
#include "check.h"
#include "packets.h"
#include "util/bytes.h"
#include "wire/cksum.h"
#include "wire/tcp.h"

static l4_addr tcp_a4(int last)
{
    const uint8_t b[4] = {10, 0, 0, (uint8_t)last};
    return l4_addr_v4(b);
}

static void test_deconstruct_syn(void)
{
    l4_addr s = tcp_a4(1), d = tcp_a4(2);
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_parse(&h, pkt_syn4 + 20, 40, &s, &d), 0);
    CHECK_EQ(h.sport, 45678);
    CHECK_EQ(h.dport, 80);
    CHECK_EQU(h.seq, 0x12345678);
    CHECK_EQU(h.ack, 0);
    CHECK_EQ(h.hdr_len, 40);
    CHECK_EQU(h.flags, L4_TCP_SYN);
    CHECK_EQ(h.window, 64240);
    CHECK_EQU(h.cksum, 0x078a);
    CHECK_EQ(h.urg, 0);
    CHECK_EQU(h.opts.present,
              L4_TCP_HAS_MSS | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS | L4_TCP_HAS_WSCALE);
    CHECK_EQ(h.opts.mss, 1460);
    CHECK_EQ(h.opts.wscale, 7);
    CHECK_EQU(h.opts.ts_val, 0x0a0b0c0d);
    CHECK_EQU(h.opts.ts_ecr, 0);
    CHECK_EQ(h.opts.sack_count, 0);
    CHECK_EQ(h.opts.unknown, 0);
    CHECK_EQ(h.payload_len, 0);
    CHECK(h.payload == pkt_syn4 + 60);
}

static void test_deconstruct_synack(void)
{
    l4_addr s = tcp_a4(2), d = tcp_a4(1);
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_parse(&h, pkt_synack4 + 20, 40, &s, &d), 0);
    CHECK_EQU(h.flags, L4_TCP_SYN | L4_TCP_ACK);
    CHECK_EQU(h.seq, 0xcafef00d);
    CHECK_EQU(h.ack, 0x12345679);
    CHECK_EQ(h.window, 65160);
    CHECK_EQU(h.opts.ts_val, 0x11223344);
    CHECK_EQU(h.opts.ts_ecr, 0x0a0b0c0d);
    /* Wrong direction: the pseudo-header does not match. */
    CHECK_EQ(l4_tcp_parse(&h, pkt_synack4 + 20, 40, &d, &d), L4_ERR_CHECKSUM);
}

static void test_deconstruct_data_sack(void)
{
    l4_addr s = tcp_a4(1), d = tcp_a4(2);
    l4_tcp_hdr h;
    const uint8_t *seg = pkt_data4 + 20;
    size_t n = sizeof pkt_data4 - 20;
    CHECK_EQ(l4_tcp_parse(&h, seg, n, &s, &d), 0);
    CHECK_EQU(h.flags, L4_TCP_PSH | L4_TCP_ACK);
    CHECK_EQ(h.hdr_len, 20 + 12 + 20);
    CHECK_EQ(h.window, 502);
    CHECK_EQU(h.opts.present, L4_TCP_HAS_TS | L4_TCP_HAS_SACK);
    CHECK_EQU(h.opts.ts_val, 0x0a0b0c20);
    CHECK_EQU(h.opts.ts_ecr, 0x11223350);
    CHECK_EQ(h.opts.sack_count, 2);
    CHECK_EQU(h.opts.sack[0].left, 0x12345679u + 3000);
    CHECK_EQU(h.opts.sack[0].right, 0x12345679u + 4000);
    CHECK_EQU(h.opts.sack[1].left, 0x12345679u + 5000);
    CHECK_EQU(h.opts.sack[1].right, 0x12345679u + 6000);
    CHECK_EQ(h.payload_len, 5);
    CHECK_MEM(h.payload, "hello", 5);
    CHECK(h.payload == seg + 52);
}

static void test_deconstruct_v6(void)
{
    l4_addr s = l4_addr_v6(pkt_syn6 + 8), d = l4_addr_v6(pkt_syn6 + 24);
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_parse(&h, pkt_syn6 + 40, 40, &s, &d), 0);
    CHECK_EQ(h.dport, 443);
    CHECK_EQ(h.opts.mss, 1440);
    /* The same bytes under an IPv4 pseudo-header do not verify. */
    l4_addr s4 = tcp_a4(1), d4 = tcp_a4(2);
    CHECK_EQ(l4_tcp_parse(&h, pkt_syn6 + 40, 40, &s4, &d4), L4_ERR_CHECKSUM);
}

static void test_construct_syn(void)
{
    l4_addr s = tcp_a4(1), d = tcp_a4(2);
    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = 45678;
    h.dport = 80;
    h.seq = 0x12345678;
    h.flags = L4_TCP_SYN;
    h.window = 64240;
    h.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS | L4_TCP_HAS_WSCALE;
    h.opts.mss = 1460;
    h.opts.wscale = 7;
    h.opts.ts_val = 0x0a0b0c0d;
    h.hdr_len = 99;   /* ignored */
    h.cksum = 0x1234; /* ignored */
    CHECK_EQ(l4_tcp_opts_len(&h.opts), 20);
    uint8_t out[64];
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, &s, &d), 40);
    CHECK_MEM(out, pkt_syn4 + 20, 40);
    /* No addresses: the checksum is left 0. */
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, NULL, NULL), 40);
    CHECK_EQU(l4_get_u16(out + 16), 0);
    CHECK_MEM(out + 18, pkt_syn4 + 38, 22);
}

static void test_construct_data_in_place(void)
{
    l4_addr s = tcp_a4(1), d = tcp_a4(2);
    const uint8_t *seg = pkt_data4 + 20;
    size_t n = sizeof pkt_data4 - 20;
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_parse(&h, seg, n, &s, &d), 0);
    /* The payload already sits at its place in the output buffer. */
    uint8_t out[128];
    memset(out, 0, sizeof out);
    memcpy(out + 52, "hello", 5);
    h.payload = out + 52;
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, &s, &d), (l4_ssize)n);
    CHECK_MEM(out, seg, n);
    /* And from a separate buffer. */
    memset(out, 0, sizeof out);
    h.payload = (const uint8_t *)"hello";
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, &s, &d), (l4_ssize)n);
    CHECK_MEM(out, seg, n);
}

static void test_roundtrip_all_packets(void)
{
    struct {
        const uint8_t *seg;
        size_t len;
        l4_addr s, d;
    } cases[4] = {
        {pkt_syn4 + 20, 40, tcp_a4(1), tcp_a4(2)},
        {pkt_synack4 + 20, 40, tcp_a4(2), tcp_a4(1)},
        {pkt_data4 + 20, sizeof pkt_data4 - 20, tcp_a4(1), tcp_a4(2)},
        {pkt_syn6 + 40, 40, l4_addr_v6(pkt_syn6 + 8), l4_addr_v6(pkt_syn6 + 24)},
    };
    for (int i = 0; i < 4; i++) {
        l4_tcp_hdr a, b;
        CHECK_EQ(l4_tcp_parse(&a, cases[i].seg, cases[i].len, &cases[i].s, &cases[i].d), 0);
        uint8_t out[128];
        l4_ssize n = l4_tcp_write(out, sizeof out, &a, &cases[i].s, &cases[i].d);
        CHECK_EQ(n, (l4_ssize)cases[i].len);
        CHECK_MEM(out, cases[i].seg, cases[i].len);
        CHECK_EQ(l4_tcp_parse(&b, out, (size_t)n, &cases[i].s, &cases[i].d), 0);
        CHECK_EQ(b.seq, a.seq);
        CHECK_EQ(b.ack, a.ack);
        CHECK_EQ(b.flags, a.flags);
        CHECK_EQ(b.hdr_len, a.hdr_len);
        CHECK_EQ(b.payload_len, a.payload_len);
        CHECK_MEM(&b.opts, &a.opts, sizeof a.opts);
    }
}

static void test_option_layouts(void)
{
    /* Each combination gives the documented bytes. */
    l4_tcp_hdr h;
    uint8_t out[64];
    memset(&h, 0, sizeof h);
    h.opts.present = L4_TCP_HAS_TS;
    h.opts.ts_val = 1;
    h.opts.ts_ecr = 2;
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, NULL, NULL), 32);
    static const uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
    CHECK_MEM(out + 20, ts, 12);
    CHECK_EQU(out[12], 8 << 4);

    h.opts.present = L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_MSS;
    h.opts.mss = 536;
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, NULL, NULL), 28);
    static const uint8_t sp[8] = {2, 4, 2, 24, 1, 1, 4, 2};
    CHECK_MEM(out + 20, sp, 8);

    h.opts.present = L4_TCP_HAS_WSCALE;
    h.opts.wscale = 14;
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, NULL, NULL), 24);
    static const uint8_t ws[4] = {1, 3, 3, 14};
    CHECK_MEM(out + 20, ws, 4);

    /* Four SACK blocks without timestamps: 36 bytes. */
    h.opts.present = L4_TCP_HAS_SACK;
    h.opts.sack_count = 4;
    for (int i = 0; i < 4; i++) {
        h.opts.sack[i].left = (uint32_t)(100 * i);
        h.opts.sack[i].right = (uint32_t)(100 * i + 50);
    }
    CHECK_EQ(l4_tcp_opts_len(&h.opts), 36);
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, NULL, NULL), 56);
    CHECK_EQU(out[22], L4_TCPOPT_SACK);
    CHECK_EQU(out[23], 34);
    CHECK_EQU(l4_get_u32(out + 24 + 3 * 8 + 4), 350);
    l4_tcp_hdr p;
    CHECK_EQ(l4_tcp_parse(&p, out, 56, NULL, NULL), 0);
    CHECK_EQ(p.opts.sack_count, 4);
    CHECK_EQU(p.opts.sack[3].left, 300);
    /* HAS_SACK with no blocks writes nothing. */
    h.opts.sack_count = 0;
    CHECK_EQ(l4_tcp_opts_len(&h.opts), 0);
    /* TS + 3 blocks = 40 fits exactly. */
    h.opts.present = L4_TCP_HAS_TS | L4_TCP_HAS_SACK;
    h.opts.sack_count = 3;
    CHECK_EQ(l4_tcp_opts_len(&h.opts), 40);
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, NULL, NULL), 60);
    CHECK_EQU(out[12], 15 << 4);
}

/* Parses a header whose options are `o` (n bytes, n a multiple of 4). */
static int tcp_parse_opts_bytes(l4_tcp_hdr *h, const uint8_t *o, size_t n)
{
    uint8_t seg[60];
    memset(seg, 0, sizeof seg);
    seg[12] = (uint8_t)((20 + n) / 4 << 4);
    memcpy(seg + 20, o, n);
    uint8_t *copy = malloc(20 + n); /* exact size: ASan catches reads past the header */
    memcpy(copy, seg, 20 + n);
    int rc = l4_tcp_parse(h, copy, 20 + n, NULL, NULL);
    free(copy);
    return rc;
}

static void test_malformed_options(void)
{
    static const struct {
        uint8_t o[40];
        size_t n;
        const char *what;
    } bad[] = {
        {{2, 0, 0, 0}, 4, "length 0"},
        {{2, 1, 0, 0}, 4, "length 1"},
        {{30, 1, 1, 1}, 4, "unknown kind, length 1"},
        {{1, 1, 2, 4}, 4, "MSS runs past the header"},
        {{1, 1, 1, 2}, 4, "length byte missing"},
        {{1, 1, 1, 30}, 4, "length byte missing (unknown kind)"},
        {{1, 1, 30, 8}, 4, "unknown option past the header"},
        {{2, 3, 0, 0}, 4, "MSS length 3"},
        {{2, 5, 0, 0, 0, 0, 0, 0}, 8, "MSS length 5"},
        {{3, 2, 0, 0}, 4, "WSCALE length 2"},
        {{3, 4, 0, 0}, 4, "WSCALE length 4"},
        {{4, 3, 0, 0}, 4, "SACK_PERM length 3"},
        {{8, 8, 0, 0, 0, 0, 0, 0}, 8, "TS length 8"},
        {{8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, "TS length 12"},
        {{5, 2, 0, 0}, 4, "SACK with no block"},
        {{5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, "SACK length 9"},
        {{5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, "SACK length 11"},
        {{5, 42}, 40, "SACK with 5 blocks (42 bytes) cannot fit"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        l4_tcp_hdr h;
        int rc = tcp_parse_opts_bytes(&h, bad[i].o, bad[i].n);
        CHECK_MSG(rc == L4_ERR_MALFORMED, "%s: rc %d", bad[i].what, rc);
    }
    /* A 5-block SACK cannot even be expressed: the writer refuses it too. */
    l4_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.present = L4_TCP_HAS_SACK;
    o.sack_count = 5;
    CHECK_EQ(l4_tcp_opts_len(&o), L4_ERR_INVALID_ARGUMENT);
}

static void test_unknown_and_eol(void)
{
    l4_tcp_hdr h;
    /* MPTCP-like kind 30 (len 4), kind 254 (len 2), MSS, then EOL and garbage. */
    static const uint8_t o[16] = {30, 4, 0xaa, 0xbb, 254, 2, 2, 4, 0x05, 0xb4, 0, 2, 0, 0, 9, 9};
    CHECK_EQ(tcp_parse_opts_bytes(&h, o, sizeof o), 0);
    CHECK_EQ(h.opts.unknown, 2);
    CHECK_EQU(h.opts.present, L4_TCP_HAS_MSS);
    CHECK_EQ(h.opts.mss, 1460);
    /* All-NOP and all-EOL option areas are fine. */
    static const uint8_t nops[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_EQ(tcp_parse_opts_bytes(&h, nops, 8), 0);
    CHECK_EQU(h.opts.present, 0);
    static const uint8_t eols[4] = {0, 0xff, 0xff, 0xff};
    CHECK_EQ(tcp_parse_opts_bytes(&h, eols, 4), 0);
    CHECK_EQU(h.opts.present, 0);
    /* A SACK_PERM exactly at the end of the header is fine. */
    static const uint8_t end[4] = {1, 1, 4, 2};
    CHECK_EQ(tcp_parse_opts_bytes(&h, end, 4), 0);
    CHECK_EQU(h.opts.present, L4_TCP_HAS_SACK_PERM);
}

static void test_truncated(void)
{
    for (size_t n = 0; n < 40; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, pkt_syn4 + 20, n);
        l4_tcp_hdr h;
        int rc = l4_tcp_parse(&h, copy, n, NULL, NULL);
        free(copy);
        CHECK_MSG(rc == L4_ERR_TRUNCATED, "len %zu: rc %d", n, rc);
    }
}

static void test_impossible_data_offset(void)
{
    uint8_t seg[40];
    memcpy(seg, pkt_syn4 + 20, 40);
    for (int off = 0; off < 5; off++) {
        seg[12] = (uint8_t)(off << 4);
        l4_tcp_hdr h;
        CHECK_EQ(l4_tcp_parse(&h, seg, 40, NULL, NULL), L4_ERR_MALFORMED);
    }
    seg[12] = 0xf0; /* 60 > 40 */
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_parse(&h, seg, 40, NULL, NULL), L4_ERR_TRUNCATED);
}

static void test_bad_checksum(void)
{
    l4_addr s = tcp_a4(1), d = tcp_a4(2);
    const uint8_t *seg = pkt_data4 + 20;
    size_t n = sizeof pkt_data4 - 20;
    for (size_t byte = 0; byte < n; byte++) {
        if (byte == 12 || (byte >= 20 && byte < 52))
            continue; /* structure bytes: flips there may be MALFORMED instead */
        for (int bit = 0; bit < 8; bit++) {
            uint8_t b[64];
            memcpy(b, seg, n);
            b[byte] ^= (uint8_t)(1 << bit);
            l4_tcp_hdr h;
            memset(&h, 0, sizeof h);
            CHECK_EQ(l4_tcp_parse(&h, b, n, &s, &d), L4_ERR_CHECKSUM);
            /* Still completely filled. */
            CHECK_EQ(h.hdr_len, 52);
            CHECK_EQ(h.opts.sack_count, 2);
            CHECK_EQ(h.payload_len, 5);
            CHECK_EQU(h.cksum, l4_get_u16(b + 16));
            CHECK_EQU(h.seq, l4_get_u32(b + 4));
        }
    }
}

static void test_write_errors(void)
{
    l4_addr s = tcp_a4(1), d = tcp_a4(2);
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_parse(&h, pkt_data4 + 20, sizeof pkt_data4 - 20, &s, &d), 0);
    uint8_t out[64];
    for (size_t cap = 0; cap < sizeof pkt_data4 - 20; cap++)
        CHECK_EQ(l4_tcp_write(out, cap, &h, &s, &d), L4_ERR_NOBUF);
    /* Too many options: TS + 4 SACK blocks = 48 bytes. */
    h.opts.sack_count = 4;
    CHECK_EQ(l4_tcp_opts_len(&h.opts), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, &s, &d), L4_ERR_INVALID_ARGUMENT);
    /* Everything at once: MSS 4 + SACK_PERM/TS 12 + WS 4 + SACK (4 + 8n). */
    h.opts.present |= L4_TCP_HAS_MSS | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_WSCALE;
    h.opts.sack_count = 1;
    CHECK_EQ(l4_tcp_opts_len(&h.opts), 32);
    h.opts.sack_count = 2;
    CHECK_EQ(l4_tcp_opts_len(&h.opts), 40);
    h.opts.sack_count = 3;
    CHECK_EQ(l4_tcp_opts_len(&h.opts), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, &s, &d), L4_ERR_INVALID_ARGUMENT);
    /* Segment over 65535 bytes. */
    memset(&h, 0, sizeof h);
    static uint8_t big[65536];
    h.payload = big;
    h.payload_len = 65535 - 20;
    CHECK_EQ(l4_tcp_write(big, sizeof big, &h, &s, &d), 65535);
    h.payload_len = 65535 - 19;
    CHECK_EQ(l4_tcp_write(big, sizeof big, &h, &s, &d), L4_ERR_INVALID_ARGUMENT);
    h.payload = NULL;
    h.payload_len = 1;
    CHECK_EQ(l4_tcp_write(out, sizeof out, &h, &s, &d), L4_ERR_INVALID_ARGUMENT);
}

static void test_flags_str(void)
{
    char buf[40];
    CHECK_EQ(l4_tcp_flags_str(L4_TCP_SYN | L4_TCP_ACK, buf, sizeof buf), 7);
    CHECK_STR(buf, "SYN ACK");
    CHECK_EQ(l4_tcp_flags_str(0, buf, sizeof buf), 0);
    CHECK_STR(buf, "");
    CHECK_EQ(l4_tcp_flags_str(0xff, buf, 32), 31);
    CHECK_STR(buf, "FIN SYN RST PSH ACK URG ECE CWR");
    CHECK_EQ(l4_tcp_flags_str(0xff, buf, 31), L4_ERR_NOBUF);
    CHECK_EQ(strlen(buf), 30);
    CHECK_EQ(l4_tcp_flags_str(L4_TCP_FIN | L4_TCP_PSH | L4_TCP_CWR, buf, sizeof buf), 11);
    CHECK_STR(buf, "FIN PSH CWR");
    CHECK_EQ(l4_tcp_flags_str(L4_TCP_RST, buf, 4), 3);
    CHECK_EQ(l4_tcp_flags_str(L4_TCP_RST, buf, 3), L4_ERR_NOBUF);
    CHECK_EQ(l4_tcp_flags_str(L4_TCP_RST, buf, 0), L4_ERR_NOBUF);
}

static const l4_test TESTS[] = {TEST(test_deconstruct_syn),
                                TEST(test_deconstruct_synack),
                                TEST(test_deconstruct_data_sack),
                                TEST(test_deconstruct_v6),
                                TEST(test_construct_syn),
                                TEST(test_construct_data_in_place),
                                TEST(test_roundtrip_all_packets),
                                TEST(test_option_layouts),
                                TEST(test_malformed_options),
                                TEST(test_unknown_and_eol),
                                TEST(test_truncated),
                                TEST(test_impossible_data_offset),
                                TEST(test_bad_checksum),
                                TEST(test_write_errors),
                                TEST(test_flags_str),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
