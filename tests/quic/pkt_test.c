/* tests/quic/pkt_test.c — QUIC packet headers, packet numbers, coalescing. */
#include "check.h"
#include "hex.h"
#include "util/bytes.h"
#include "wire/quic_pkt.h"

/* RFC 9001 A.2: the client Initial's unprotected header (pn 2 on 4 bytes). */
static const char A2_HDR[] = "c300000001088394c8f03e5157080000449e00000002";
/* RFC 9001 A.3: the server Initial's unprotected header (pn 1 on 2 bytes). */
static const char A3_HDR[] = "c1000000010008f067a5502a4262b50040750001";
/* RFC 9001 A.4: the Retry packet. */
static const char A4_RETRY[] = "ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f"
                               "0f2496ba";
static const uint8_t CID_A[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t CID_B[8] = {0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5};

static uint8_t buf[2048];

static void test_initial_client(void)
{
    size_t n = hex_decode(buf, sizeof buf, A2_HDR);
    CHECK_EQ(n, 22);
    memset(buf + n, 0, 1200 - n); /* the payload, as far as the parser cares */
    l4_quic_hdr h;
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, 1200, 0), 0);
    CHECK_EQ(h.type, L4_QUIC_PKT_INITIAL);
    CHECK_EQU(h.first, 0xc3);
    CHECK_EQU(h.version, L4_QUIC_VERSION_1);
    CHECK_EQ(h.dcid_len, 8);
    CHECK_MEM(h.dcid, CID_A, 8);
    CHECK(h.dcid == buf + 6);
    CHECK_EQ(h.scid_len, 0);
    CHECK_EQ(h.token_len, 0);
    CHECK_EQU(h.length, 1182);
    CHECK_EQ(h.pn_offset, 18);
    CHECK_EQ(h.pkt_len, 1200);
    CHECK_EQ(l4_quic_pn_len(h.first), 4);
    CHECK_EQU(l4_quic_pn_read(buf + h.pn_offset, 4), 2);

    /* Writing the same header gives the same bytes. */
    uint8_t out[64];
    h.pn = 2;
    h.pn_len = 4;
    CHECK_EQ(l4_quic_hdr_write(out, sizeof out, &h), 22);
    CHECK_MEM(out, buf, 22);
    /* Every buffer shorter than the header fails with NOBUF. */
    for (size_t cap = 0; cap < 22; cap++)
        CHECK_EQ(l4_quic_hdr_write(out, cap, &h), L4_ERR_NOBUF);
    /* Truncated anywhere: the header or the Length it announces. */
    for (size_t len = 0; len < 1200; len++)
        CHECK_EQ(l4_quic_hdr_parse(&h, buf, len, 0), L4_ERR_TRUNCATED);
}

static void test_initial_server_and_token(void)
{
    size_t n = hex_decode(buf, sizeof buf, A3_HDR);
    memset(buf + n, 0xee, 200);
    l4_quic_hdr h;
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, n + 200, 0), 0);
    CHECK_EQ(h.type, L4_QUIC_PKT_INITIAL);
    CHECK_EQ(h.dcid_len, 0);
    CHECK_EQ(h.scid_len, 8);
    CHECK_MEM(h.scid, CID_B, 8);
    CHECK_EQU(h.length, 117);
    CHECK_EQ(h.pn_offset, 18);
    CHECK_EQ(h.pkt_len, 18 + 117); /* the 0xee bytes after it are another packet */
    CHECK_EQ(l4_quic_pn_len(h.first), 2);
    h.pn = 1;
    h.pn_len = 2;
    uint8_t out[64];
    CHECK_EQ(l4_quic_hdr_write(out, sizeof out, &h), 20);
    CHECK_MEM(out, buf, 20);

    /* An Initial with a token; a fixed 4-byte Length. */
    static const uint8_t tok[5] = {'t', 'o', 'k', 'e', 'n'};
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_INITIAL;
    h.version = L4_QUIC_VERSION_1;
    h.dcid = CID_A;
    h.dcid_len = 8;
    h.scid = CID_B;
    h.scid_len = 8;
    h.token = tok;
    h.token_len = 5;
    h.length = 100;
    h.length_n = 4;
    h.pn = 0x1234;
    h.pn_len = 2;
    l4_ssize w = l4_quic_hdr_write(buf, sizeof buf, &h);
    static const char want[] = "c100000001088394c8f03e51570808f067a5502a4262b505746f6b656e80000064"
                               "1234";
    uint8_t wb[64];
    CHECK_EQ(w, (l4_ssize)hex_decode(wb, sizeof wb, want));
    CHECK_MEM(buf, wb, (size_t)w);
    l4_quic_hdr p;
    CHECK_EQ(l4_quic_hdr_parse(&p, buf, (size_t)w - 2 + 100, 0), 0);
    CHECK_EQ(p.token_len, 5);
    CHECK_MEM(p.token, tok, 5);
    CHECK_EQU(p.length, 100);
    CHECK_EQ(p.pn_offset, (size_t)w - 2);
}

static void test_handshake_0rtt(void)
{
    for (int type = L4_QUIC_PKT_0RTT; type <= L4_QUIC_PKT_HANDSHAKE; type++) {
        l4_quic_hdr h;
        memset(&h, 0, sizeof h);
        h.type = (uint8_t)type;
        h.version = L4_QUIC_VERSION_1;
        h.dcid = CID_B;
        h.dcid_len = 8;
        h.scid = CID_A;
        h.scid_len = 4;
        h.length = 40;
        h.pn = 7;
        h.pn_len = 1;
        l4_ssize w = l4_quic_hdr_write(buf, sizeof buf, &h);
        CHECK_EQ(w, 1 + 4 + 1 + 8 + 1 + 4 + 1 + 1);
        CHECK_EQU(buf[0], 0xc0 | (unsigned)type << 4);
        l4_quic_hdr p;
        CHECK_EQ(l4_quic_hdr_parse(&p, buf, (size_t)w - 1 + 40, 0), 0);
        CHECK_EQ(p.type, type);
        CHECK_EQ(p.token_len, 0);
        CHECK_EQ(p.scid_len, 4);
        CHECK_EQ(p.pkt_len, (size_t)w - 1 + 40);
        /* Only Initial packets carry a token. */
        h.token = CID_A;
        h.token_len = 1;
        CHECK_EQ(l4_quic_hdr_write(buf, sizeof buf, &h), L4_ERR_INVALID_ARGUMENT);
    }
}

static void test_retry(void)
{
    size_t n = hex_decode(buf, sizeof buf, A4_RETRY);
    l4_quic_hdr h;
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, n, 0), 0);
    CHECK_EQ(h.type, L4_QUIC_PKT_RETRY);
    CHECK_EQ(h.dcid_len, 0);
    CHECK_EQ(h.scid_len, 8);
    CHECK_MEM(h.scid, CID_B, 8);
    CHECK_EQ(h.token_len, 5);
    CHECK_MEM(h.token, "token", 5);
    CHECK(h.retry_tag == buf + n - 16);
    CHECK_EQ(h.pkt_len, n);
    CHECK_EQ(h.pn_offset, 0);
    uint8_t out[64];
    CHECK_EQ(l4_quic_hdr_write(out, sizeof out, &h), (l4_ssize)n);
    CHECK_MEM(out, buf, n);
    for (size_t cap = 0; cap < n; cap++)
        CHECK_EQ(l4_quic_hdr_write(out, cap, &h), L4_ERR_NOBUF);
    h.retry_tag = NULL;
    CHECK_EQ(l4_quic_hdr_write(out, sizeof out, &h), L4_ERR_INVALID_ARGUMENT);
    /* Shorter than the tag after the SCID. */
    for (size_t len = 0; len < 15 + 16; len++)
        CHECK_EQ(l4_quic_hdr_parse(&h, buf, len, 0), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, 15 + 16, 0), 0);
    CHECK_EQ(h.token_len, 0);
}

static void test_version_negotiation(void)
{
    static const uint8_t versions[8] = {0x00, 0x00, 0x00, 0x01, 0x6b, 0x33, 0x43, 0xcf};
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_VN;
    h.first = 0x2a;
    h.dcid = CID_A;
    h.dcid_len = 8;
    h.scid = CID_B;
    h.scid_len = 8;
    h.versions = versions;
    h.n_versions = 2;
    l4_ssize w = l4_quic_hdr_write(buf, sizeof buf, &h);
    CHECK_EQ(w, 5 + 9 + 9 + 8);
    CHECK_EQU(buf[0], 0xaa);
    CHECK_EQU(l4_get_u32(buf + 1), 0);
    l4_quic_hdr p;
    CHECK_EQ(l4_quic_hdr_parse(&p, buf, (size_t)w, 0), 0);
    CHECK_EQ(p.type, L4_QUIC_PKT_VN);
    CHECK_EQU(p.version, 0);
    CHECK_EQ(p.n_versions, 2);
    CHECK_MEM(p.versions, versions, 8);
    CHECK_MEM(p.dcid, CID_A, 8);
    CHECK_MEM(p.scid, CID_B, 8);
    CHECK_EQ(l4_quic_hdr_parse(&p, buf, (size_t)w - 1, 0), L4_ERR_MALFORMED);
    for (size_t cap = 0; cap < (size_t)w; cap++)
        CHECK_EQ(l4_quic_hdr_write(buf, cap, &h), L4_ERR_NOBUF);

    /* VN echoes the CIDs of an unknown version, even longer than 20 bytes. */
    static uint8_t long_cid[255];
    h.dcid = long_cid;
    h.dcid_len = 255;
    w = l4_quic_hdr_write(buf, sizeof buf, &h);
    CHECK_EQ(w, 5 + 256 + 9 + 8);
    CHECK_EQ(l4_quic_hdr_parse(&p, buf, (size_t)w, 0), 0);
    CHECK_EQ(p.dcid_len, 255);
    CHECK_EQ(p.n_versions, 2);
    /* ... while a version 1 header refuses them. */
    h.type = L4_QUIC_PKT_HANDSHAKE;
    h.version = L4_QUIC_VERSION_1;
    h.dcid_len = 21;
    h.pn_len = 1;
    h.length = 1;
    CHECK_EQ(l4_quic_hdr_write(buf, sizeof buf, &h), L4_ERR_INVALID_ARGUMENT);
}

static void test_short(void)
{
    /* RFC 9001 A.5's unprotected header: empty DCID, pn 49140 on 3 bytes. */
    uint8_t pkt[21];
    size_t n = hex_decode(pkt, sizeof pkt, "4200bff4");
    memset(pkt + n, 0, sizeof pkt - n);
    l4_quic_hdr h;
    CHECK_EQ(l4_quic_hdr_parse(&h, pkt, sizeof pkt, 0), 0);
    CHECK_EQ(h.type, L4_QUIC_PKT_1RTT);
    CHECK_EQ(h.dcid_len, 0);
    CHECK_EQ(h.pn_offset, 1);
    CHECK_EQ(h.pkt_len, 21);
    CHECK_EQ(l4_quic_pn_len(h.first), 3);
    CHECK_EQU(l4_quic_pn_read(pkt + 1, 3), 49140);
    h.pn = 654360564;
    h.pn_len = 3;
    uint8_t out[8];
    CHECK_EQ(l4_quic_hdr_write(out, sizeof out, &h), 4);
    CHECK_MEM(out, pkt, 4);

    /* Spin and key phase bits, an 8-byte DCID. */
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_1RTT;
    h.dcid = CID_A;
    h.dcid_len = 8;
    h.spin = 1;
    h.key_phase = 1;
    h.pn = 0xabcd;
    h.pn_len = 2;
    uint8_t o2[16];
    CHECK_EQ(l4_quic_hdr_write(o2, sizeof o2, &h), 11);
    CHECK_EQU(o2[0], 0x40 | 0x20 | 0x04 | 0x01);
    CHECK_MEM(o2 + 1, CID_A, 8);
    CHECK_EQU(o2[9], 0xab);
    CHECK_EQU(o2[10], 0xcd);
    l4_quic_hdr p;
    CHECK_EQ(l4_quic_hdr_parse(&p, o2, 11, 8), 0);
    CHECK_MEM(p.dcid, CID_A, 8);
    CHECK_EQ(p.pn_offset, 9);
    for (size_t len = 0; len <= 9; len++)
        CHECK_EQ(l4_quic_hdr_parse(&p, o2, len, 8), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_quic_hdr_parse(&p, o2, 11, 21), L4_ERR_INVALID_ARGUMENT);
    o2[0] &= (uint8_t)~0x40; /* fixed bit cleared */
    CHECK_EQ(l4_quic_hdr_parse(&p, o2, 11, 8), L4_ERR_MALFORMED);
}

static void test_malformed_long(void)
{
    size_t n = hex_decode(buf, sizeof buf, A2_HDR);
    memset(buf + n, 0, 1200 - n);
    l4_quic_hdr h;
    buf[0] &= (uint8_t)~0x40; /* fixed bit */
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, 1200, 0), L4_ERR_MALFORMED);
    buf[0] |= 0x40;
    buf[5] = 21; /* DCID longer than 20 bytes in version 1 */
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, 1200, 0), L4_ERR_MALFORMED);
    /* An unknown version: only the invariant fields, even a 21-byte CID. */
    buf[4] = 0x02;
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, 1200, 0), L4_ERR_UNSUPPORTED);
    CHECK_EQU(h.version, 2);
    CHECK_EQ(h.dcid_len, 21);
    CHECK(h.dcid == buf + 6);
    CHECK_EQ(h.pkt_len, 1200);
    buf[4] = 0x01;
    buf[5] = 8;
    /* Length 0: not even a packet-number byte. */
    buf[16] = 0x40;
    buf[17] = 0x00;
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, 1200, 0), L4_ERR_MALFORMED);

    /* Writer argument checks. */
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_HANDSHAKE;
    h.version = 1;
    h.length = 10;
    h.pn_len = 0;
    CHECK_EQ(l4_quic_hdr_write(buf, sizeof buf, &h), L4_ERR_INVALID_ARGUMENT);
    h.pn_len = 5;
    CHECK_EQ(l4_quic_hdr_write(buf, sizeof buf, &h), L4_ERR_INVALID_ARGUMENT);
    h.pn_len = 1;
    h.dcid = buf;
    h.dcid_len = 21;
    CHECK_EQ(l4_quic_hdr_write(buf + 100, 100, &h), L4_ERR_INVALID_ARGUMENT);
    h.dcid_len = 0;
    h.length = 1000;
    h.length_n = 1;
    CHECK_EQ(l4_quic_hdr_write(buf, sizeof buf, &h), L4_ERR_INVALID_ARGUMENT);
    h.type = 9;
    CHECK_EQ(l4_quic_hdr_write(buf, sizeof buf, &h), L4_ERR_INVALID_ARGUMENT);
}

static void test_coalesced(void)
{
    /* Initial + Handshake + 1-RTT in one datagram (RFC 9000 §12.2). */
    size_t off = 0;
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.version = L4_QUIC_VERSION_1;
    h.dcid = CID_A;
    h.dcid_len = 8;
    h.scid = CID_B;
    h.scid_len = 8;
    h.pn_len = 1;
    const size_t lens[3] = {60, 35, 0};
    const uint8_t types[3] = {L4_QUIC_PKT_INITIAL, L4_QUIC_PKT_HANDSHAKE, L4_QUIC_PKT_1RTT};
    size_t starts[3];
    for (int i = 0; i < 3; i++) {
        h.type = types[i];
        h.length = lens[i] + 1;
        starts[i] = off;
        l4_ssize w = l4_quic_hdr_write(buf + off, sizeof buf - off, &h);
        CHECK(w > 0);
        off += (size_t)w;
        size_t body = i < 2 ? lens[i] : 30;
        memset(buf + off, 0x11 * (i + 1), body);
        off += body;
    }
    size_t total = off;
    off = 0;
    for (int i = 0; i < 3; i++) {
        l4_quic_hdr p;
        CHECK_EQ(off, starts[i]);
        CHECK_EQ(l4_quic_pkt_next(&p, buf, total, &off, 8), 1);
        CHECK_EQ(p.type, types[i]);
        CHECK_MEM(p.dcid, CID_A, 8);
    }
    CHECK_EQ(off, total);
    l4_quic_hdr p;
    CHECK_EQ(l4_quic_pkt_next(&p, buf, total, &off, 8), 0);

    /* A Length running past the datagram stops the split without moving. */
    off = 0;
    CHECK_EQ(l4_quic_pkt_next(&p, buf, 50, &off, 8), L4_ERR_TRUNCATED);
    CHECK_EQ(off, 0);
}

static void test_pn_encoding(void)
{
    /* RFC 9000 Appendix A.2. */
    CHECK_EQ(l4_quic_pn_encode_len(0xac5c02, 0xabe8b3), 2);
    CHECK_EQ(l4_quic_pn_encode_len(0xace8fe, 0xabe8b3), 3);
    CHECK_EQ(l4_quic_pn_encode_len(0, L4_QUIC_PN_NONE), 1);
    CHECK_EQ(l4_quic_pn_encode_len(127, L4_QUIC_PN_NONE), 2);
    CHECK_EQ(l4_quic_pn_encode_len(126, L4_QUIC_PN_NONE), 1);
    CHECK_EQ(l4_quic_pn_encode_len(100 + (1u << 23), 100), 4);
    CHECK_EQ(l4_quic_pn_encode_len(99 + (1u << 23), 100), 3);
    /* RFC 9000 Appendix A.3 / §17.1. */
    CHECK_EQU(l4_quic_pn_decode(0xa82f30ea, 0x9b32, 16), 0xa82f9b32);
    /* Wrap forward and backward around the window. */
    CHECK_EQU(l4_quic_pn_decode(0xff, 0x01, 8), 0x101);
    CHECK_EQU(l4_quic_pn_decode(0x101, 0xff, 8), 0xff);
    CHECK_EQU(l4_quic_pn_decode(L4_QUIC_PN_NONE, 0, 8), 0);
    CHECK_EQU(l4_quic_pn_decode(L4_QUIC_PN_NONE, 5, 32), 5);
    CHECK_EQU(l4_quic_pn_decode(10, 0xfe, 8), 0xfe); /* not below zero */
    /* Near 2^62: the candidate is never pushed past the largest number. */
    uint64_t top = (UINT64_C(1) << 62) - 1;
    CHECK_EQU(l4_quic_pn_decode(top - 1, top & 0xff, 8), top);
    /* Encode then decode round-trips while in-flight stays within range. */
    for (uint64_t largest = 0; largest < 300000; largest += 997) {
        for (uint64_t d = 1; d < 70000; d += 4099) {
            uint64_t pn = largest + d;
            size_t n = l4_quic_pn_encode_len(pn, largest);
            uint8_t b[4];
            l4_quic_pn_write(b, pn, n);
            CHECK_EQU(l4_quic_pn_decode(largest, l4_quic_pn_read(b, n), n * 8), pn);
        }
    }
    CHECK_STR(l4_quic_pkt_type_name(L4_QUIC_PKT_HANDSHAKE), "Handshake");
    CHECK_STR(l4_quic_pkt_type_name(77), "?");
}

static const l4_test TESTS[] = {
    TEST(test_initial_client),      TEST(test_initial_server_and_token),
    TEST(test_handshake_0rtt),      TEST(test_retry),
    TEST(test_version_negotiation), TEST(test_short),
    TEST(test_malformed_long),      TEST(test_coalesced),
    TEST(test_pn_encoding),         TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
