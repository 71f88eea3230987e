/* tests/quic/tp_test.c — transport parameters codec (RFC 9000 §18). */
#include "check.h"
#include "wire/quic_tp.h"

static void test_defaults_encode_empty(void)
{
    l4_quic_tp tp;
    l4_quic_tp_default(&tp);
    CHECK_EQU(tp.max_udp_payload_size, 65527);
    CHECK_EQU(tp.ack_delay_exponent, 3);
    CHECK_EQU(tp.max_ack_delay, 25);
    CHECK_EQU(tp.active_connection_id_limit, 2);
    uint8_t buf[64];
    CHECK_EQ(l4_quic_tp_encode(buf, sizeof buf, &tp, 1), 0);
    l4_quic_tp d;
    CHECK_EQ(l4_quic_tp_decode(&d, buf, 0, 1), 0);
    CHECK_EQU(d.max_udp_payload_size, 65527);
    CHECK_EQU(d.present, 0);
}

static void test_exact_bytes(void)
{
    l4_quic_tp tp;
    l4_quic_tp_default(&tp);
    tp.max_idle_timeout = 30000;       /* 01 04 80 00 75 30 */
    tp.initial_max_data = 1 << 20;     /* 04 04 80 10 00 00 */
    tp.initial_max_streams_bidi = 100; /* 08 02 40 64 */
    tp.disable_active_migration = 1;   /* 0c 00 */
    tp.initial_scid.len = 2;
    tp.initial_scid.data[0] = 0xab;
    tp.initial_scid.data[1] = 0xcd;
    tp.present = L4_QUIC_TP_HAS_INITIAL_SCID; /* 0f 02 ab cd */
    static const uint8_t want[] = {0x01, 0x04, 0x80, 0x00, 0x75, 0x30, 0x04, 0x04,
                                   0x80, 0x10, 0x00, 0x00, 0x08, 0x02, 0x40, 0x64,
                                   0x0c, 0x00, 0x0f, 0x02, 0xab, 0xcd};
    uint8_t buf[64];
    CHECK_EQ(l4_quic_tp_encode(buf, sizeof buf, &tp, 0), (l4_ssize)sizeof want);
    CHECK_MEM(buf, want, sizeof want);
    for (size_t i = 0; i < sizeof want; i++)
        CHECK_EQ(l4_quic_tp_encode(buf, i, &tp, 0), L4_ERR_NOBUF);
    l4_quic_tp d;
    CHECK_EQ(l4_quic_tp_decode(&d, want, sizeof want, 0), 0);
    CHECK_EQU(d.max_idle_timeout, 30000);
    CHECK_EQU(d.initial_max_data, 1 << 20);
    CHECK_EQU(d.initial_max_streams_bidi, 100);
    CHECK_EQ(d.disable_active_migration, 1);
    CHECK_EQU(d.present, L4_QUIC_TP_HAS_INITIAL_SCID);
    CHECK_EQ(d.initial_scid.len, 2);
    CHECK_EQU(d.initial_scid.data[1], 0xcd);
    /* Truncated anywhere inside an entry. */
    for (size_t i = 1; i < sizeof want; i++) {
        int rc = l4_quic_tp_decode(&d, want, i, 0);
        int at_boundary = i == 6 || i == 12 || i == 16 || i == 18;
        CHECK_MSG(at_boundary ? rc == 0 : rc == L4_ERR_TRUNCATED, "len %zu rc %d", i, rc);
    }
}

static void test_server_round_trip(void)
{
    l4_quic_tp tp;
    l4_quic_tp_default(&tp);
    tp.present = L4_QUIC_TP_HAS_ORIGINAL_DCID | L4_QUIC_TP_HAS_RESET_TOKEN |
                 L4_QUIC_TP_HAS_INITIAL_SCID | L4_QUIC_TP_HAS_RETRY_SCID;
    tp.original_dcid.len = 8;
    for (int i = 0; i < 8; i++)
        tp.original_dcid.data[i] = (uint8_t)(0x83 + i);
    for (int i = 0; i < 16; i++)
        tp.reset_token[i] = (uint8_t)i;
    tp.retry_scid.len = 20;
    tp.max_udp_payload_size = 1472;
    tp.initial_max_stream_data_bidi_local = 1;
    tp.initial_max_stream_data_bidi_remote = 2;
    tp.initial_max_stream_data_uni = 3;
    tp.initial_max_streams_uni = UINT64_C(1) << 60;
    tp.ack_delay_exponent = 20;
    tp.max_ack_delay = 16383;
    tp.active_connection_id_limit = 8;
    uint8_t buf[256];
    l4_ssize n = l4_quic_tp_encode(buf, sizeof buf, &tp, 1);
    CHECK(n > 0);
    l4_quic_tp d;
    CHECK_EQ(l4_quic_tp_decode(&d, buf, (size_t)n, 1), 0);
    CHECK_EQU(d.present, tp.present);
    CHECK_MEM(d.original_dcid.data, tp.original_dcid.data, 8);
    CHECK_MEM(d.reset_token, tp.reset_token, 16);
    CHECK_EQ(d.retry_scid.len, 20);
    CHECK_EQU(d.max_udp_payload_size, 1472);
    CHECK_EQU(d.initial_max_stream_data_bidi_local, 1);
    CHECK_EQU(d.initial_max_stream_data_bidi_remote, 2);
    CHECK_EQU(d.initial_max_stream_data_uni, 3);
    CHECK_EQU(d.initial_max_streams_uni, UINT64_C(1) << 60);
    CHECK_EQU(d.ack_delay_exponent, 20);
    CHECK_EQU(d.max_ack_delay, 16383);
    CHECK_EQU(d.active_connection_id_limit, 8);
    /* The same bytes from a client carry server-only parameters: error. */
    CHECK_EQ(l4_quic_tp_decode(&d, buf, (size_t)n, 0), L4_ERR_MALFORMED);
    /* A client never writes them. */
    uint8_t cbuf[256];
    l4_ssize cn = l4_quic_tp_encode(cbuf, sizeof cbuf, &tp, 0);
    CHECK(cn > 0 && cn < n);
    CHECK_EQ(l4_quic_tp_decode(&d, cbuf, (size_t)cn, 0), 0);
    CHECK_EQU(d.present, L4_QUIC_TP_HAS_INITIAL_SCID);
}

static void test_errors(void)
{
    l4_quic_tp d;
    /* duplicate */
    static const uint8_t dup[] = {0x01, 0x01, 0x05, 0x01, 0x01, 0x06};
    CHECK_EQ(l4_quic_tp_decode(&d, dup, sizeof dup, 1), L4_ERR_MALFORMED);
    /* value length disagrees with its varint */
    static const uint8_t badlen[] = {0x01, 0x02, 0x05, 0x00};
    CHECK_EQ(l4_quic_tp_decode(&d, badlen, sizeof badlen, 1), L4_ERR_MALFORMED);
    /* max_udp_payload_size < 1200 */
    static const uint8_t small_udp[] = {0x03, 0x02, 0x44, 0xaf}; /* 1199 */
    CHECK_EQ(l4_quic_tp_decode(&d, small_udp, sizeof small_udp, 1), L4_ERR_MALFORMED);
    static const uint8_t ok_udp[] = {0x03, 0x02, 0x44, 0xb0}; /* 1200 */
    CHECK_EQ(l4_quic_tp_decode(&d, ok_udp, sizeof ok_udp, 1), 0);
    CHECK_EQU(d.max_udp_payload_size, 1200);
    /* ack_delay_exponent 21, max_ack_delay 2^14, active_connection_id_limit 1 */
    static const uint8_t exp21[] = {0x0a, 0x01, 0x15};
    CHECK_EQ(l4_quic_tp_decode(&d, exp21, sizeof exp21, 1), L4_ERR_MALFORMED);
    static const uint8_t mad[] = {0x0b, 0x04, 0x80, 0x00, 0x40, 0x00};
    CHECK_EQ(l4_quic_tp_decode(&d, mad, sizeof mad, 1), L4_ERR_MALFORMED);
    static const uint8_t cidlim[] = {0x0e, 0x01, 0x01};
    CHECK_EQ(l4_quic_tp_decode(&d, cidlim, sizeof cidlim, 1), L4_ERR_MALFORMED);
    /* streams above 2^60 */
    static const uint8_t streams[] = {0x08, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 1};
    CHECK_EQ(l4_quic_tp_decode(&d, streams, sizeof streams, 1), L4_ERR_MALFORMED);
    /* a CID of 21 bytes; a reset token of 15; migration flag with a value */
    uint8_t cid21[23] = {0x0f, 21};
    CHECK_EQ(l4_quic_tp_decode(&d, cid21, sizeof cid21, 1), L4_ERR_MALFORMED);
    uint8_t tok15[17] = {0x02, 15};
    CHECK_EQ(l4_quic_tp_decode(&d, tok15, sizeof tok15, 1), L4_ERR_MALFORMED);
    static const uint8_t mig[] = {0x0c, 0x01, 0x00};
    CHECK_EQ(l4_quic_tp_decode(&d, mig, sizeof mig, 1), L4_ERR_MALFORMED);
    /* an entry longer than the buffer */
    static const uint8_t trunc[] = {0x04, 0x04, 0x80};
    CHECK_EQ(l4_quic_tp_decode(&d, trunc, sizeof trunc, 1), L4_ERR_TRUNCATED);
    /* unknown and reserved (31*N+27) ids are skipped */
    static const uint8_t unk[] = {0x1b, 0x02, 0xff, 0xff, 0x40, 0x3a, 0x00, 0x04, 0x01, 0x07};
    CHECK_EQ(l4_quic_tp_decode(&d, unk, sizeof unk, 1), 0);
    CHECK_EQU(d.initial_max_data, 7);
    /* encoder refuses out-of-range values */
    l4_quic_tp tp;
    uint8_t buf[64];
    l4_quic_tp_default(&tp);
    tp.ack_delay_exponent = 21;
    CHECK_EQ(l4_quic_tp_encode(buf, sizeof buf, &tp, 0), L4_ERR_INVALID_ARGUMENT);
    l4_quic_tp_default(&tp);
    tp.initial_max_data = UINT64_C(1) << 62;
    CHECK_EQ(l4_quic_tp_encode(buf, sizeof buf, &tp, 0), L4_ERR_INVALID_ARGUMENT);
}

static const l4_test TESTS[] = {
    TEST(test_defaults_encode_empty),
    TEST(test_exact_bytes),
    TEST(test_server_round_trip),
    TEST(test_errors),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
