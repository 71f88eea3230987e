/* tests/quic/frame_test.c — QUIC frames (RFC 9000 §19) and the §12.4 table. */
#include "check.h"
#include "hex.h"
#include "rfc9001_vectors.h"
#include "wire/quic_frame.h"
#include "wire/quic_varint.h"

/* One sample of every frame type (all 8 STREAM variants, both ACKs, both
 * CONNECTION_CLOSEs), as bytes. `hdr` is where truncation stops being an
 * error: the STREAM types without a Length take "the rest" as data. */
static const struct {
    uint64_t type;
    const char *hex;
    size_t hdr; /* 0: every shorter length is TRUNCATED */
} SAMPLES[] = {
    {0x00, "000000", 1},
    {0x01, "01", 0},
    {0x02, "02 4064 19 02 0a 0305 0800", 0},
    {0x03, "03 4064 19 02 0a 0305 0800 01 02 412c", 0},
    {0x04, "04 04 5234 43e8", 0},
    {0x05, "05 08 00", 0},
    {0x06, "06 00 03 616263", 0},
    {0x07, "07 03 746f6b", 0},
    {0x08, "08 04 6869", 2},
    {0x09, "09 04 6869", 2},
    {0x0a, "0a 04 02 6869", 0},
    {0x0b, "0b 04 02 6869", 0},
    {0x0c, "0c 04 4046 6869", 4},
    {0x0d, "0d 04 4046 6869", 4},
    {0x0e, "0e 04 4046 02 6869", 0},
    {0x0f, "0f 04 4046 02 6869", 0},
    {0x10, "10 80100000", 0},
    {0x11, "11 00 80010000", 0},
    {0x12, "12 4064", 0},
    {0x13, "13 03", 0},
    {0x14, "14 5388", 0},
    {0x15, "15 02 0a", 0},
    {0x16, "16 d000000000000000", 0},
    {0x17, "17 00", 0},
    {0x18, "18 02 01 04 01020304 000102030405060708090a0b0c0d0e0f", 0},
    {0x19, "19 07", 0},
    {0x1a, "1a 0102030405060708", 0},
    {0x1b, "1b 0807060504030201", 0},
    {0x1c, "1c 0a 08 03 626164", 0},
    {0x1d, "1d 4100 00", 0},
    {0x1e, "1e", 0},
};
#define N_SAMPLES (sizeof SAMPLES / sizeof SAMPLES[0])

static uint8_t in[2048], out[2048];

static void test_round_trip_every_type(void)
{
    CHECK_EQ(N_SAMPLES, 31);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        size_t n = hex_decode(in, sizeof in, SAMPLES[i].hex);
        l4_quic_frame f;
        CHECK_MSG(l4_quic_frame_decode(&f, in, n) == (l4_ssize)n, "sample %zu", i);
        CHECK_EQU(f.type, SAMPLES[i].type);
        l4_ssize w = l4_quic_frame_encode(out, sizeof out, &f);
        CHECK_MSG(w == (l4_ssize)n, "sample %zu: encoded %td of %zu", i, w, n);
        CHECK_MSG(memcmp(out, in, n) == 0, "sample 0x%02x re-encodes differently", (int)f.type);
        /* Every output buffer that is too small fails cleanly. */
        for (size_t cap = 0; cap < n; cap++)
            CHECK_MSG(l4_quic_frame_encode(out, cap, &f) == L4_ERR_NOBUF, "0x%02x cap %zu",
                      (int)f.type, cap);
    }
}

static void test_truncation_every_length(void)
{
    for (size_t i = 0; i < N_SAMPLES; i++) {
        size_t n = hex_decode(in, sizeof in, SAMPLES[i].hex);
        size_t stop = SAMPLES[i].hdr ? SAMPLES[i].hdr : n;
        for (size_t len = 0; len < stop; len++) {
            l4_quic_frame f;
            l4_ssize rc = l4_quic_frame_decode(&f, in, len);
            CHECK_MSG(rc == L4_ERR_TRUNCATED, "0x%02x cut at %zu: %td", (int)SAMPLES[i].type, len,
                      rc);
            CHECK_EQU(f.type, len == 0 ? L4_QUIC_FRAME_TYPE_NONE : SAMPLES[i].type);
            CHECK_EQU(l4_quic_frame_error_code((int)rc), L4_QUIC_ERR_FRAME_ENCODING_ERROR);
        }
        /* Past `hdr`, a frame without a Length just carries less data. */
        for (size_t len = stop; len < n; len++) {
            l4_quic_frame f;
            CHECK_EQ(l4_quic_frame_decode(&f, in, len), (l4_ssize)len);
        }
    }
}

static l4_quic_frame decode_hex(const char *hex, size_t *n)
{
    l4_quic_frame f;
    *n = hex_decode(in, sizeof in, hex);
    l4_ssize rc = l4_quic_frame_decode(&f, in, *n);
    if (rc != (l4_ssize)*n)
        f.type = L4_QUIC_FRAME_TYPE_NONE;
    return f;
}

static void test_fields(void)
{
    size_t n;
    l4_quic_frame f = decode_hex("000000 01", &n);
    CHECK_EQU(f.type, L4_QUIC_FRAME_TYPE_NONE); /* the PING is not part of it */
    CHECK_EQ(l4_quic_frame_decode(&f, in, n), 3);
    CHECK_EQ(f.u.padding_len, 3);

    f = decode_hex(SAMPLES[3].hex, &n);
    CHECK_EQU(f.type, L4_QUIC_FRAME_ACK_ECN);
    CHECK_EQU(f.u.ack.largest, 100);
    CHECK_EQU(f.u.ack.ack_delay, 25);
    CHECK_EQU(f.u.ack.range_count, 2);
    CHECK_EQU(f.u.ack.first_range, 10);
    CHECK_EQ(f.u.ack.ranges_len, 4);
    CHECK(f.u.ack.ranges == in + 6);
    CHECK_EQU(f.u.ack.ect0, 1);
    CHECK_EQU(f.u.ack.ect1, 2);
    CHECK_EQU(f.u.ack.ce, 300);

    f = decode_hex(SAMPLES[4].hex, &n);
    CHECK_EQU(f.u.reset_stream.stream_id, 4);
    CHECK_EQU(f.u.reset_stream.error_code, 0x1234);
    CHECK_EQU(f.u.reset_stream.final_size, 1000);
    f = decode_hex(SAMPLES[5].hex, &n);
    CHECK_EQU(f.u.stop_sending.stream_id, 8);
    CHECK_EQU(f.u.stop_sending.error_code, 0);
    f = decode_hex(SAMPLES[6].hex, &n);
    CHECK_EQU(f.u.crypto.offset, 0);
    CHECK_EQ(f.u.crypto.len, 3);
    CHECK(f.u.crypto.data == in + 3);
    f = decode_hex(SAMPLES[7].hex, &n);
    CHECK_EQ(f.u.new_token.len, 3);
    CHECK_MEM(f.u.new_token.token, "tok", 3);

    /* The STREAM flag bits. */
    for (uint64_t t = 0x08; t <= 0x0f; t++) {
        f = decode_hex(SAMPLES[t].hex, &n);
        CHECK_EQU(f.type, t);
        CHECK_EQU(f.u.stream.stream_id, 4);
        CHECK_EQU(f.u.stream.offset, (t & L4_QUIC_STREAM_OFF) ? 70 : 0);
        CHECK_EQ(f.u.stream.len, 2);
        CHECK_MEM(f.u.stream.data, "hi", 2);
        CHECK(f.u.stream.data == in + n - 2);
    }
    /* Without LEN the data runs to the end of the payload. */
    n = hex_decode(in, sizeof in, "08 04 6869 0101");
    CHECK_EQ(l4_quic_frame_decode(&f, in, n), 6);
    CHECK_EQ(f.u.stream.len, 4);
    /* With LEN the next frame follows. */
    n = hex_decode(in, sizeof in, "0a 04 02 6869 01");
    CHECK_EQ(l4_quic_frame_decode(&f, in, n), 5);

    f = decode_hex(SAMPLES[16].hex, &n);
    CHECK_EQU(f.u.value, 1048576);
    f = decode_hex(SAMPLES[17].hex, &n);
    CHECK_EQU(f.u.stream_value.stream_id, 0);
    CHECK_EQU(f.u.stream_value.value, 65536);
    f = decode_hex(SAMPLES[18].hex, &n);
    CHECK_EQU(f.u.value, 100);
    f = decode_hex(SAMPLES[20].hex, &n);
    CHECK_EQU(f.u.value, 5000);
    f = decode_hex(SAMPLES[21].hex, &n);
    CHECK_EQU(f.u.stream_value.stream_id, 2);
    CHECK_EQU(f.u.stream_value.value, 10);
    f = decode_hex(SAMPLES[22].hex, &n);
    CHECK_EQU(f.u.value, L4_QUIC_MAX_STREAMS_LIMIT);

    f = decode_hex(SAMPLES[24].hex, &n);
    CHECK_EQU(f.u.new_cid.seq, 2);
    CHECK_EQU(f.u.new_cid.retire_prior_to, 1);
    CHECK_EQ(f.u.new_cid.cid.len, 4);
    CHECK_MEM(f.u.new_cid.cid.data, "\x01\x02\x03\x04", 4);
    CHECK_EQU(f.u.new_cid.reset_token[0], 0x00);
    CHECK_EQU(f.u.new_cid.reset_token[15], 0x0f);
    f = decode_hex(SAMPLES[25].hex, &n);
    CHECK_EQU(f.u.value, 7);
    f = decode_hex(SAMPLES[26].hex, &n);
    CHECK_MEM(f.u.path_data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    f = decode_hex(SAMPLES[27].hex, &n);
    CHECK_MEM(f.u.path_data, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);

    f = decode_hex(SAMPLES[28].hex, &n);
    CHECK_EQU(f.u.close.error_code, L4_QUIC_ERR_PROTOCOL_VIOLATION);
    CHECK_EQU(f.u.close.frame_type, 0x08);
    CHECK_EQ(f.u.close.reason_len, 3);
    CHECK_MEM(f.u.close.reason, "bad", 3);
    f = decode_hex(SAMPLES[29].hex, &n);
    CHECK_EQU(f.u.close.error_code, 0x100);
    CHECK_EQU(f.u.close.frame_type, 0);
    CHECK_EQ(f.u.close.reason_len, 0);

    /* A frame type in a longer encoding than needed is accepted (§12.4 MAY). */
    n = hex_decode(in, sizeof in, "4001");
    CHECK_EQ(l4_quic_frame_decode(&f, in, n), 2);
    CHECK_EQU(f.type, L4_QUIC_FRAME_PING);
}

static void test_construct(void)
{
    /* STREAM from fields: type 0x0f = OFF | LEN | FIN. */
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_STREAM | L4_QUIC_STREAM_OFF | L4_QUIC_STREAM_LEN | L4_QUIC_STREAM_FIN;
    f.u.stream.stream_id = 4;
    f.u.stream.offset = 70;
    f.u.stream.data = (const uint8_t *)"hi";
    f.u.stream.len = 2;
    uint8_t want[64];
    size_t n = hex_decode(want, sizeof want, SAMPLES[15].hex);
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), (l4_ssize)n);
    CHECK_MEM(out, want, n);

    /* ACK from absolute ranges. */
    static const l4_quic_ack_range ranges[3] = {{90, 100}, {80, 85}, {70, 70}};
    uint8_t rbuf[32];
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_ACK;
    f.u.ack.ack_delay = 25;
    CHECK_EQ(l4_quic_ack_write_ranges(&f.u.ack, rbuf, sizeof rbuf, ranges, 3), 4);
    n = hex_decode(want, sizeof want, SAMPLES[2].hex);
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), (l4_ssize)n);
    CHECK_MEM(out, want, n);

    /* ... and walked back from the decoded frame. */
    l4_quic_frame d;
    CHECK_EQ(l4_quic_frame_decode(&d, out, n), (l4_ssize)n);
    l4_quic_ack_iter it;
    l4_quic_ack_iter_init(&it, &d.u.ack);
    l4_quic_ack_range r;
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(l4_quic_ack_iter_next(&it, &r), 1);
        CHECK_EQU(r.smallest, ranges[i].smallest);
        CHECK_EQU(r.largest, ranges[i].largest);
    }
    CHECK_EQ(l4_quic_ack_iter_next(&it, &r), 0);
    CHECK_EQ(l4_quic_ack_iter_next(&it, &r), 0);

    /* One range alone; down to packet 0. */
    static const l4_quic_ack_range one[2] = {{5, 9}, {0, 3}};
    CHECK_EQ(l4_quic_ack_write_ranges(&f.u.ack, rbuf, sizeof rbuf, one, 1), 0);
    CHECK_EQU(f.u.ack.range_count, 0);
    CHECK_EQU(f.u.ack.first_range, 4);
    CHECK_EQ(l4_quic_ack_write_ranges(&f.u.ack, rbuf, sizeof rbuf, one, 2), 2);
    CHECK_EQU(rbuf[0], 0); /* gap: 5 - 3 - 2 = 0, i.e. packet 4 missing */
    CHECK_EQU(rbuf[1], 3);
    l4_ssize w = l4_quic_frame_encode(out, sizeof out, &f);
    CHECK(w > 0);
    CHECK_EQ(l4_quic_frame_decode(&d, out, (size_t)w), w);

    /* Range-writer errors. */
    static const l4_quic_ack_range adjacent[2] = {{5, 9}, {0, 4}};
    static const l4_quic_ack_range unordered[2] = {{0, 3}, {5, 9}};
    static const l4_quic_ack_range inverted[1] = {{9, 5}};
    CHECK_EQ(l4_quic_ack_write_ranges(&f.u.ack, rbuf, sizeof rbuf, adjacent, 2),
             L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_ack_write_ranges(&f.u.ack, rbuf, sizeof rbuf, unordered, 2),
             L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_ack_write_ranges(&f.u.ack, rbuf, sizeof rbuf, inverted, 1),
             L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_ack_write_ranges(&f.u.ack, rbuf, sizeof rbuf, one, 0),
             L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_ack_write_ranges(&f.u.ack, rbuf, 3, ranges, 3), L4_ERR_NOBUF);

    /* NEW_CONNECTION_ID from fields. */
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_NEW_CONNECTION_ID;
    f.u.new_cid.seq = 2;
    f.u.new_cid.retire_prior_to = 1;
    f.u.new_cid.cid.len = 4;
    memcpy(f.u.new_cid.cid.data, "\x01\x02\x03\x04", 4);
    for (int i = 0; i < 16; i++)
        f.u.new_cid.reset_token[i] = (uint8_t)i;
    n = hex_decode(want, sizeof want, SAMPLES[24].hex);
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), (l4_ssize)n);
    CHECK_MEM(out, want, n);

    /* PADDING of 1200 bytes. */
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_PADDING;
    f.u.padding_len = 1200;
    memset(out, 0xff, sizeof out);
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), 1200);
    CHECK_EQU(out[0], 0);
    CHECK_EQU(out[1199], 0);
    CHECK_EQU(out[1200], 0xff);
}

static void expect_malformed(const char *hex, uint64_t type)
{
    size_t n = hex_decode(in, sizeof in, hex);
    l4_quic_frame f;
    l4_ssize rc = l4_quic_frame_decode(&f, in, n);
    CHECK_MSG(rc == L4_ERR_MALFORMED, "%s: got %td", hex, rc);
    CHECK_EQU(f.type, type);
    CHECK_EQU(l4_quic_frame_error_code((int)rc), L4_QUIC_ERR_FRAME_ENCODING_ERROR);
}

static void expect_ok(const char *hex)
{
    size_t n = hex_decode(in, sizeof in, hex);
    l4_quic_frame f;
    CHECK_MSG(l4_quic_frame_decode(&f, in, n) == (l4_ssize)n, "%s", hex);
}

static void test_malformed(void)
{
    /* ACK: First ACK Range larger than Largest Acknowledged. */
    expect_malformed("02 05 00 00 06", 0x02);
    expect_ok("02 05 00 00 05");
    /* ACK: a Gap that goes below zero (smallest 5, gap 4 -> largest -1). */
    expect_malformed("02 0a 00 01 05 04 00", 0x02);
    expect_ok("02 0a 00 01 05 03 00");
    /* ACK: a range Length below zero (largest 0, length 1). */
    expect_malformed("02 0a 00 01 05 03 01", 0x02);
    /* ... in an ACK_ECN too, even before the counts. */
    expect_malformed("03 0a 00 01 05 03 01", 0x03);
    /* STREAM / CRYPTO: offset + length beyond 2^62 - 1. */
    expect_malformed("0e 04 ffffffffffffffff 01 78", 0x0e);
    expect_ok("0e 04 fffffffffffffffe 01 78");
    expect_ok("0e 04 ffffffffffffffff 00");
    expect_malformed("06 ffffffffffffffff 01 78", 0x06);
    expect_ok("06 fffffffffffffffe 01 78");
    /* MAX_STREAMS / STREAMS_BLOCKED above 2^60. */
    expect_malformed("12 d000000000000001", 0x12);
    expect_malformed("13 d000000000000001", 0x13);
    expect_malformed("16 d000000000000001", 0x16);
    expect_malformed("17 ffffffffffffffff", 0x17);
    expect_ok("13 d000000000000000");
    /* NEW_CONNECTION_ID: length 0, length 21, Retire Prior To > sequence. */
    expect_malformed("18 01 00 00 000102030405060708090a0b0c0d0e0f", 0x18);
    expect_malformed("18 01 00 15 000102030405060708090a0b0c0d0e0f1011121314"
                     " 000102030405060708090a0b0c0d0e0f",
                     0x18);
    expect_malformed("18 01 02 04 01020304 000102030405060708090a0b0c0d0e0f", 0x18);
    expect_ok("18 02 02 14 000102030405060708090a0b0c0d0e0f10111213"
              " 000102030405060708090a0b0c0d0e0f");
    /* NEW_TOKEN: empty. */
    expect_malformed("07 00", 0x07);
}

static void test_unknown_types(void)
{
    static const char *hex[] = {"1f", "20", "30 00", "4021", "80001000", "bfffffff"};
    static const uint64_t types[] = {0x1f, 0x20, 0x30, 0x21, 0x1000, 0x3fffffff};
    for (size_t i = 0; i < 6; i++) {
        size_t n = hex_decode(in, sizeof in, hex[i]);
        l4_quic_frame f;
        l4_ssize rc = l4_quic_frame_decode(&f, in, n);
        CHECK_EQ(rc, L4_ERR_UNSUPPORTED);
        CHECK_EQU(f.type, types[i]);
        CHECK_EQU(l4_quic_frame_error_code((int)rc), L4_QUIC_ERR_FRAME_ENCODING_ERROR);
        CHECK_EQ(l4_quic_frame_allowed(f.type, L4_QUIC_PKT_1RTT), 0);
        CHECK_STR(l4_quic_frame_name(f.type), "?");
    }
    CHECK_EQU(l4_quic_frame_error_code(L4_ERR_NOMEM), L4_QUIC_ERR_INTERNAL_ERROR);
}

static void test_encode_errors(void)
{
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = 0x1f;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.type = L4_QUIC_FRAME_TYPE_NONE;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.type = L4_QUIC_FRAME_PADDING; /* padding_len 0 */
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.type = L4_QUIC_FRAME_STREAM | L4_QUIC_STREAM_LEN; /* offset without OFF */
    f.u.stream.offset = 1;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.type |= L4_QUIC_STREAM_OFF;
    f.u.stream.offset = L4_QUIC_VARINT_MAX;
    f.u.stream.len = 1;
    f.u.stream.data = (const uint8_t *)"x";
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.u.stream.offset = 0;
    f.u.stream.data = NULL;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_NEW_TOKEN;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.type = L4_QUIC_FRAME_NEW_CONNECTION_ID;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.u.new_cid.cid.len = 21;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.u.new_cid.cid.len = 4;
    f.u.new_cid.retire_prior_to = 1;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_MAX_STREAMS_UNI;
    f.u.value = L4_QUIC_MAX_STREAMS_LIMIT + 1;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.type = L4_QUIC_FRAME_MAX_DATA;
    f.u.value = L4_QUIC_VARINT_MAX + 1;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_ACK;
    f.u.ack.largest = 3;
    f.u.ack.first_range = 4;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    f.u.ack.first_range = 0;
    f.u.ack.range_count = 1; /* but no range bytes */
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_CONNECTION_CLOSE;
    f.u.close.reason_len = 2;
    CHECK_EQ(l4_quic_frame_encode(out, sizeof out, &f), L4_ERR_INVALID_ARGUMENT);
}

/* The payloads of RFC 9001 A.2 and A.3 decode into the frames they hold. */
static void test_rfc9001_payloads(void)
{
    size_t n = hex_decode(in, sizeof in, V_CLIENT_CRYPTO);
    memset(in + n, 0, 1162 - n);
    l4_quic_frame f;
    CHECK_EQ(l4_quic_frame_decode(&f, in, 1162), 245);
    CHECK_EQU(f.type, L4_QUIC_FRAME_CRYPTO);
    CHECK_EQU(f.u.crypto.offset, 0);
    CHECK_EQ(f.u.crypto.len, 241);
    CHECK_EQU(f.u.crypto.data[0], 0x01); /* ClientHello */
    CHECK(l4_quic_frame_allowed(f.type, L4_QUIC_PKT_INITIAL));
    CHECK_EQ(l4_quic_frame_decode(&f, in + 245, 1162 - 245), 1162 - 245);
    CHECK_EQU(f.type, L4_QUIC_FRAME_PADDING);
    CHECK_EQ(f.u.padding_len, 917);

    n = hex_decode(in, sizeof in, V_SERVER_PAYLOAD);
    l4_ssize k = l4_quic_frame_decode(&f, in, n);
    CHECK_EQ(k, 5);
    CHECK_EQU(f.type, L4_QUIC_FRAME_ACK);
    CHECK_EQU(f.u.ack.largest, 0);
    CHECK_EQU(f.u.ack.first_range, 0);
    CHECK_EQ(l4_quic_frame_decode(&f, in + 5, n - 5), (l4_ssize)(n - 5));
    CHECK_EQU(f.type, L4_QUIC_FRAME_CRYPTO);
    CHECK_EQ(f.u.crypto.len, 90);
    CHECK_EQU(f.u.crypto.data[0], 0x02); /* ServerHello */
}

/* RFC 9000 §12.4 Table 3, row by row ("IH01" = Initial, Handshake, 0-RTT, 1-RTT). */
static void test_allowed_table(void)
{
    static const struct {
        uint64_t lo, hi;
        const char *pkts;
    } rows[] = {
        {0x00, 0x00, "IH01"}, {0x01, 0x01, "IH01"}, {0x02, 0x03, "IH_1"}, {0x04, 0x04, "__01"},
        {0x05, 0x05, "__01"}, {0x06, 0x06, "IH_1"}, {0x07, 0x07, "___1"}, {0x08, 0x0f, "__01"},
        {0x10, 0x10, "__01"}, {0x11, 0x11, "__01"}, {0x12, 0x13, "__01"}, {0x14, 0x14, "__01"},
        {0x15, 0x15, "__01"}, {0x16, 0x17, "__01"}, {0x18, 0x18, "__01"}, {0x19, 0x19, "__01"},
        {0x1a, 0x1a, "__01"}, {0x1b, 0x1b, "___1"}, {0x1c, 0x1c, "IH01"}, {0x1d, 0x1d, "__01"},
        {0x1e, 0x1e, "___1"},
    };
    static const int pkt_of[4] = {L4_QUIC_PKT_INITIAL, L4_QUIC_PKT_HANDSHAKE, L4_QUIC_PKT_0RTT,
                                  L4_QUIC_PKT_1RTT};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        for (uint64_t t = rows[i].lo; t <= rows[i].hi; t++) {
            for (int c = 0; c < 4; c++) {
                int want = rows[i].pkts[c] != '_';
                CHECK_MSG(l4_quic_frame_allowed(t, pkt_of[c]) == want, "frame 0x%02x in %s", (int)t,
                          l4_quic_pkt_type_name(pkt_of[c]));
            }
            CHECK_EQ(l4_quic_frame_allowed(t, L4_QUIC_PKT_RETRY), 0);
            CHECK_EQ(l4_quic_frame_allowed(t, L4_QUIC_PKT_VN), 0);
            CHECK_EQ(l4_quic_frame_allowed(t, -1), 0);
            CHECK_EQ(l4_quic_frame_allowed(t, 6), 0);
        }
    }
    /* Ack-eliciting: everything but ACK, PADDING, CONNECTION_CLOSE (§13.2). */
    for (uint64_t t = 0; t <= 0x1e; t++) {
        int want = !(t == 0x00 || t == 0x02 || t == 0x03 || t == 0x1c || t == 0x1d);
        CHECK_MSG(l4_quic_frame_ack_eliciting(t) == want, "0x%02x", (int)t);
    }
    CHECK_EQ(l4_quic_frame_ack_eliciting(0x1f), 0);
    CHECK_STR(l4_quic_frame_name(0x0b), "STREAM");
    CHECK_STR(l4_quic_frame_name(0x1e), "HANDSHAKE_DONE");
}

static const l4_test TESTS[] = {
    TEST(test_round_trip_every_type),
    TEST(test_truncation_every_length),
    TEST(test_fields),
    TEST(test_construct),
    TEST(test_malformed),
    TEST(test_unknown_types),
    TEST(test_encode_errors),
    TEST(test_rfc9001_payloads),
    TEST(test_allowed_table),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
