/* tests/quic/violation_test.c — every protocol violation closes the
 * connection with the RFC 9000 §20.1 error code its section names, and the
 * peer sees that code in CONNECTION_CLOSE. The client's 1-RTT keys forge
 * packets with the offending frames. */
#include "check.h"
#include "quic/conn_internal.h"
#include "quic/protect.h"
#include "quic_inject.h"
#include "quic_pair.h"
#include "wire/quic_frame.h"
#include "wire/quic_varint.h"

static void start(quic_pair *p, uint64_t seed)
{
    qp_init(p, seed);
    CHECK_EQ(qp_start(p), 0);
    CHECK(qp_run(p, qp_handshaken, 10 * L4_S));
    while (qp_step(p, p->now + 300 * L4_MS))
        ;
}

/* Expects the server to have closed with `err` and the client to learn it. */
static void expect_close(quic_pair *p, uint64_t err, uint64_t frame_type, const char *what)
{
    CHECK_MSG(p->closed_sv.called == 1 && p->closed_sv.by_peer == 0 && p->closed_sv.err == err,
              "%s: server closed %d err 0x%llx, want 0x%llx", what, p->closed_sv.called,
              (unsigned long long)p->closed_sv.err, (unsigned long long)err);
    CHECK_EQ(p->closed_sv.app, 0);
    CHECK_EQU(p->sv->close_frame, frame_type);
    while (qp_step(p, p->now + 1 * L4_S))
        ;
    CHECK_MSG(p->closed_cl.called == 1 && p->closed_cl.by_peer == 1 && p->closed_cl.err == err,
              "%s: client saw %d err 0x%llx", what, p->closed_cl.called,
              (unsigned long long)p->closed_cl.err);
}

static size_t frame(uint8_t *buf, const l4_quic_frame *f)
{
    l4_ssize n = l4_quic_frame_encode(buf, 1500, f);
    CHECK(n > 0);
    return (size_t)n;
}

static size_t stream_frame(uint8_t *buf, uint64_t sid, uint64_t off, size_t len, int fin)
{
    static const uint8_t data[64];
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_STREAM | L4_QUIC_STREAM_LEN | (off ? L4_QUIC_STREAM_OFF : 0) |
             (fin ? L4_QUIC_STREAM_FIN : 0);
    f.u.stream.stream_id = sid;
    f.u.stream.offset = off;
    f.u.stream.data = data;
    f.u.stream.len = len;
    return frame(buf, &f);
}

static void test_stream_state_error(void)
{
    quic_pair p;
    uint8_t b[64];
    start(&p, 1);
    /* stream 3: server-initiated unidirectional; the client cannot send on it (§19.8) */
    size_t n = stream_frame(b, 3, 0, 4, 0);
    inject(&p, b, n);
    expect_close(&p, L4_QUIC_ERR_STREAM_STATE_ERROR, L4_QUIC_FRAME_STREAM | 2, "uni stream");
    qp_free(&p);
    /* stream 1: server-initiated bidi the server never opened (§19.8) */
    start(&p, 2);
    n = stream_frame(b, 1, 0, 4, 0);
    inject(&p, b, n);
    expect_close(&p, L4_QUIC_ERR_STREAM_STATE_ERROR, L4_QUIC_FRAME_STREAM | 2, "unopened");
    qp_free(&p);
    /* MAX_STREAM_DATA for the server's receive-only stream 2 (§19.10) */
    start(&p, 3);
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_MAX_STREAM_DATA;
    f.u.stream_value.stream_id = 2;
    f.u.stream_value.value = 100;
    inject(&p, b, frame(b, &f));
    expect_close(&p, L4_QUIC_ERR_STREAM_STATE_ERROR, L4_QUIC_FRAME_MAX_STREAM_DATA, "msd");
    qp_free(&p);
}

static void test_stream_limit_error(void)
{
    quic_pair p;
    uint8_t b[64];
    start(&p, 4);
    size_t n = stream_frame(b, 4 * 100, 0, 1, 0); /* index 100, limit 100 (§4.6) */
    inject(&p, b, n);
    expect_close(&p, L4_QUIC_ERR_STREAM_LIMIT_ERROR, L4_QUIC_FRAME_STREAM | 2, "limit");
    qp_free(&p);
}

static void test_flow_control_errors(void)
{
    quic_pair p;
    uint8_t b[64];
    start(&p, 5);
    size_t n = stream_frame(b, 0, 256 * 1024, 1, 0); /* one past the stream window (§4.1) */
    inject(&p, b, n);
    expect_close(&p, L4_QUIC_ERR_FLOW_CONTROL_ERROR, L4_QUIC_FRAME_STREAM | 6, "stream fc");
    qp_free(&p);
    /* Five streams each at their window end: 1.25 MiB > the 1 MiB connection window. */
    start(&p, 6);
    for (uint64_t i = 0; i < 4; i++) {
        n = stream_frame(b, 4 * i, 256 * 1024 - 1, 1, 0);
        inject(&p, b, n);
        CHECK_EQ(p.closed_sv.called, 0);
    }
    n = stream_frame(b, 16, 256 * 1024 - 1, 1, 0);
    inject(&p, b, n);
    expect_close(&p, L4_QUIC_ERR_FLOW_CONTROL_ERROR, L4_QUIC_FRAME_STREAM | 6, "conn fc");
    qp_free(&p);
}

static void test_final_size_errors(void)
{
    quic_pair p;
    uint8_t b[64];
    start(&p, 7);
    inject(&p, b, stream_frame(b, 0, 0, 10, 1));
    CHECK_EQ(p.closed_sv.called, 0);
    inject(&p, b, stream_frame(b, 0, 0, 20, 1)); /* §4.5: the final size changed */
    expect_close(&p, L4_QUIC_ERR_FINAL_SIZE_ERROR, L4_QUIC_FRAME_STREAM | 3, "fin change");
    qp_free(&p);
    start(&p, 8);
    inject(&p, b, stream_frame(b, 0, 0, 30, 0));
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_RESET_STREAM;
    f.u.reset_stream.stream_id = 0;
    f.u.reset_stream.final_size = 20; /* below the 30 bytes received */
    inject(&p, b, frame(b, &f));
    expect_close(&p, L4_QUIC_ERR_FINAL_SIZE_ERROR, L4_QUIC_FRAME_RESET_STREAM, "reset size");
    qp_free(&p);
}

static void test_frame_encoding_errors(void)
{
    quic_pair p;
    start(&p, 9);
    static const uint8_t cut[] = {0x0a, 0x00, 0x05, 0x01}; /* STREAM: 5 bytes announced, 1 sent */
    inject(&p, cut, sizeof cut);
    expect_close(&p, L4_QUIC_ERR_FRAME_ENCODING_ERROR, 0x0a, "truncated");
    qp_free(&p);
    start(&p, 10);
    static const uint8_t unknown[] = {0x21, 0x00, 0x00, 0x00};
    inject(&p, unknown, sizeof unknown);
    expect_close(&p, L4_QUIC_ERR_FRAME_ENCODING_ERROR, 0x21, "unknown type");
    qp_free(&p);
}

static void test_protocol_violations(void)
{
    static const struct {
        uint8_t b[24];
        size_t n;
        uint64_t err, ftype;
        const char *what;
    } cases[] = {
        {{0x1e}, 1, L4_QUIC_ERR_PROTOCOL_VIOLATION, 0x1e, "HANDSHAKE_DONE from client"},
        {{0x07, 0x01, 0xaa}, 3, L4_QUIC_ERR_PROTOCOL_VIOLATION, 0x07, "NEW_TOKEN from client"},
        {{0x02, 0x43, 0xe8, 0x00, 0x00, 0x00},
         6,
         L4_QUIC_ERR_PROTOCOL_VIOLATION,
         0x02,
         "ACK of an unsent packet"},
        {{0x19, 0x3f}, 2, L4_QUIC_ERR_PROTOCOL_VIOLATION, 0x19, "RETIRE of an unissued CID"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        quic_pair p;
        start(&p, 20 + i);
        inject(&p, cases[i].b, cases[i].n);
        expect_close(&p, cases[i].err, cases[i].ftype, cases[i].what);
        qp_free(&p);
    }
    /* NEW_CONNECTION_ID / RETIRE_CONNECTION_ID: tests/quic/cid_test.c */
}

static void test_closing_and_draining(void)
{
    quic_pair p;
    start(&p, 40);
    static const uint8_t hd[] = {0x1e};
    inject(&p, hd, sizeof hd);
    CHECK(l4_quic_conn_is_closing(p.sv));
    /* The closing server answers further packets with CONNECTION_CLOSE again
     * (§10.2.1), and ends after three PTOs. */
    uint8_t buf[1500];
    CHECK(l4_quic_conn_output(p.sv, buf, sizeof buf, p.now) > 0);
    CHECK_EQ(l4_quic_conn_output(p.sv, buf, sizeof buf, p.now), 0);
    static const uint8_t ping[] = {0x01};
    inject(&p, ping, sizeof ping);
    CHECK(l4_quic_conn_output(p.sv, buf, sizeof buf, p.now) > 0);
    l4_time dl = l4_quic_conn_next_timeout(p.sv);
    CHECK(dl != L4_TIME_NONE && dl > p.now);
    l4_quic_conn_handle_timeout(p.sv, dl);
    CHECK(l4_quic_conn_is_closed(p.sv));
    CHECK_EQ(l4_quic_conn_input(p.sv, buf, 10, dl), L4_ERR_STATE);
    qp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(test_stream_state_error),    TEST(test_stream_limit_error),
    TEST(test_flow_control_errors),   TEST(test_final_size_errors),
    TEST(test_frame_encoding_errors), TEST(test_protocol_violations),
    TEST(test_closing_and_draining),  TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
