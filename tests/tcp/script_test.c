/*
 * tests/tcp/script_test.c — segment-in / segment-out scripts at virtual time:
 * each test feeds exact segments and asserts the exact segments and states
 * that come out (RFC 9293 §3.10 event processing).
 */
#include "check.h"
#include "harness.h"

static uint8_t B[4096];
static th_events EV;

#define MS(x) ((l4_time)(x)*L4_MS)

#define RECV(c, now, h) CHECK_EQ(th_recv((c), B, sizeof B, &(h), (now)), 1)
#define RECV_NONE(c, now)                                                                          \
    do {                                                                                           \
        l4_tcp_hdr h_;                                                                             \
        CHECK_EQ(th_recv((c), B, sizeof B, &h_, (now)), 0);                                        \
    } while (0)
#define EXPECT(h, fl, sq, ak)                                                                      \
    do {                                                                                           \
        CHECK_EQU((h).flags, (fl));                                                                \
        CHECK_EQU((h).seq, (sq));                                                                  \
        CHECK_EQU((h).ack, (ak));                                                                  \
    } while (0)
#define SEND(c, fl, sq, ak, win, data, len, now)                                                   \
    do {                                                                                           \
        l4_tcp_hdr s_ = th_seg((fl), (sq), (ak), (win), (data), (len));                            \
        CHECK_EQ(th_send((c), &s_, (now)), 0);                                                     \
    } while (0)
#define STATE(c, s) CHECK_STR(l4_tcp_state_name(l4_tcp_conn_state(c)), l4_tcp_state_name(s))

enum { A = L4_TCP_ACK, S = L4_TCP_SYN, F = L4_TCP_FIN, R = L4_TCP_RST, P = L4_TCP_PSH };

static l4_tcp_conn *mk(const l4_tcp_settings *s)
{
    memset(&EV, 0, sizeof EV);
    l4_tcp_conn *c = NULL;
    l4_tcp_settings d = th_settings();
    if (l4_tcp_conn_new(&c, s ? s : &d, &th_callbacks, &EV) != 0)
        return NULL;
    return c;
}

static l4_tcp_conn *mk_listen(const l4_tcp_settings *s)
{
    l4_tcp_conn *c = mk(s);
    l4_addr la = th_local();
    if (c && l4_tcp_conn_listen(c, &la, LOCAL_PORT, 0) != 0) {
        l4_tcp_conn_del(c);
        return NULL;
    }
    return c;
}

/* Active open completed at t = 100 ms (RTT sample 100 ms: RTO = 300 ms). */
static l4_tcp_conn *mk_est(const l4_tcp_settings *s)
{
    l4_tcp_conn *c = mk(s);
    l4_addr la = th_local(), ra = th_remote();
    if (!c || l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0) != 0)
        return NULL;
    l4_tcp_hdr h;
    if (th_recv(c, B, sizeof B, &h, 0) != 1)
        return NULL;
    l4_tcp_hdr sa = th_seg(S | A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_MSS;
    sa.opts.mss = 1000;
    th_send(c, &sa, MS(100));
    if (th_recv(c, B, sizeof B, &h, MS(100)) != 1 || h.flags != A)
        return NULL;
    return c;
}

/* ---- opening ---- */

static void test_active_open_options_and_handshake(void)
{
    l4_tcp_settings s = th_settings();
    s.timestamps = s.sack = s.window_scale = 1;
    s.rcvbuf = 256 * 1024;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    CHECK_EQ(l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, MS(5)), 0);
    STATE(c, L4_TCP_SYN_SENT);
    l4_tcp_hdr h;
    RECV(c, MS(5), h);
    EXPECT(h, S, LOCAL_ISS, 0);
    CHECK_EQU(h.window, 65535);
    CHECK_EQU(h.opts.present,
              L4_TCP_HAS_MSS | L4_TCP_HAS_WSCALE | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS);
    CHECK_EQU(h.opts.mss, 1000);
    CHECK_EQU(h.opts.wscale, 3); /* 256 KiB >> 3 = 32768 fits in 16 bits; >> 2 does not */
    CHECK_EQU(h.opts.ts_ecr, 0);
    uint32_t tsval = h.opts.ts_val;
    RECV_NONE(c, MS(5));
    /* SYN-ACK with options: MSS 1460, WS 7, SACK-permitted, TS. */
    l4_tcp_hdr sa = th_seg(S | A, REMOTE_ISS, LOCAL_ISS + 1, 1000, NULL, 0);
    sa.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_WSCALE | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS;
    sa.opts.mss = 1460;
    sa.opts.wscale = 7;
    sa.opts.ts_val = 777;
    sa.opts.ts_ecr = tsval;
    CHECK_EQ(th_send(c, &sa, MS(25)), 0);
    STATE(c, L4_TCP_ESTABLISHED);
    CHECK_EQ(EV.established, 1);
    RECV(c, MS(25), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    CHECK_EQU(h.opts.present, L4_TCP_HAS_TS);
    CHECK_EQU(h.opts.ts_ecr, 777);
    CHECK_EQU(h.window, 256 * 1024 >> 3);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.snd_wnd, 1000);  /* a SYN's window is never scaled (RFC 7323 §2.2) */
    CHECK_EQU(i.mss, 1000 - 12); /* min(MSS) minus the timestamp option */
    CHECK_EQU(i.srtt, MS(20));   /* the SYN was timed */
    CHECK_EQ(i.sack_ok, 1);
    CHECK_EQ(i.snd_wscale, 7);
    CHECK_EQ(i.rcv_wscale, 3);
    l4_tcp_conn_del(c);
}

static void test_passive_open_mirrors_options(void)
{
    l4_tcp_settings s = th_settings();
    s.timestamps = s.sack = s.window_scale = 1;
    l4_tcp_conn *c = mk_listen(&s);
    STATE(c, L4_TCP_LISTEN);
    l4_tcp_hdr syn = th_seg(S, REMOTE_ISS, 0, 5000, NULL, 0);
    syn.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_TS; /* no WS, no SACK-permitted */
    syn.opts.mss = 536;
    syn.opts.ts_val = 42;
    CHECK_EQ(th_send(c, &syn, 0), 0);
    STATE(c, L4_TCP_SYN_RECEIVED);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    EXPECT(h, S | A, LOCAL_ISS, REMOTE_ISS + 1);
    CHECK_EQU(h.opts.present, L4_TCP_HAS_MSS | L4_TCP_HAS_TS);
    CHECK_EQU(h.opts.ts_ecr, 42);
    CHECK_EQU(h.window, 65535); /* unscaled in a SYN */
    RECV_NONE(c, 0);
    /* A retransmitted SYN gets the SYN-ACK again. */
    CHECK_EQ(th_send(c, &syn, MS(10)), 0);
    RECV(c, MS(10), h);
    EXPECT(h, S | A, LOCAL_ISS, REMOTE_ISS + 1);
    l4_tcp_hdr ack = th_seg(A, REMOTE_ISS + 1, LOCAL_ISS + 1, 5000, NULL, 0);
    ack.opts.present = L4_TCP_HAS_TS;
    ack.opts.ts_val = 43;
    CHECK_EQ(th_send(c, &ack, MS(50)), 0);
    STATE(c, L4_TCP_ESTABLISHED);
    CHECK_EQ(EV.established, 1);
    RECV_NONE(c, MS(50));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.mss, 536 - 12);
    CHECK_EQU(i.snd_wnd, 5000);
    CHECK_EQ(i.rcv_wscale, 0); /* the peer did not offer WS: none either way */
    CHECK_EQ(i.sack_ok, 0);
    l4_tcp_conn_del(c);
}

static void test_listen_rejects_ack_ignores_rst(void)
{
    l4_tcp_conn *c = mk_listen(NULL);
    SEND(c, R, 5, 0, 100, NULL, 0, 0);
    RECV_NONE(c, 0);
    SEND(c, A, 5, 777, 100, NULL, 0, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    EXPECT(h, R, 777, 0);
    CHECK_EQU(h.dport, REMOTE_PORT);
    SEND(c, F, 5, 0, 100, NULL, 0, 0); /* no SYN, no ACK: dropped */
    RECV_NONE(c, 0);
    STATE(c, L4_TCP_LISTEN);
    /* Without the source address a listener cannot accept. */
    l4_tcp_hdr syn = th_seg(S, REMOTE_ISS, 0, 100, NULL, 0);
    CHECK_EQ(l4_tcp_conn_input(c, &syn, 0, 0), L4_ERR_STATE);
    syn.dport = 81;
    l4_addr ra = th_remote();
    CHECK_EQ(l4_tcp_conn_input_from(c, &ra, &syn, 0, 0), L4_ERR_INVALID_ARGUMENT);
    l4_tcp_conn_del(c);
}

static void test_syn_sent_segments(void)
{
    l4_tcp_conn *c = mk(NULL);
    l4_addr la = th_local(), ra = th_remote();
    CHECK_EQ(l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0), 0);
    CHECK_EQ(l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0), L4_ERR_STATE);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    EXPECT(h, S, LOCAL_ISS, 0);
    /* Unacceptable ACK: RST <SEQ=SEG.ACK>. */
    SEND(c, A, REMOTE_ISS, LOCAL_ISS + 5, 100, NULL, 0, MS(1));
    RECV(c, MS(1), h);
    EXPECT(h, R, LOCAL_ISS + 5, 0);
    SEND(c, S | A, REMOTE_ISS, LOCAL_ISS, 100, NULL, 0, MS(1)); /* ack = ISS: also bad */
    RECV(c, MS(1), h);
    EXPECT(h, R, LOCAL_ISS, 0);
    STATE(c, L4_TCP_SYN_SENT);
    /* RST without ACK, or with a bad ACK: ignored. */
    SEND(c, R, REMOTE_ISS, 0, 0, NULL, 0, MS(2));
    SEND(c, R | A, REMOTE_ISS, LOCAL_ISS + 9, 0, NULL, 0, MS(2));
    RECV_NONE(c, MS(2));
    STATE(c, L4_TCP_SYN_SENT);
    /* Plain ACK-less, SYN-less segment: dropped. */
    SEND(c, 0, REMOTE_ISS, 0, 0, "x", 1, MS(2));
    RECV_NONE(c, MS(2));
    /* RST with an acceptable ACK: connection refused. */
    SEND(c, R | A, 0, LOCAL_ISS + 1, 0, NULL, 0, MS(3));
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.closed, 1);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_RESET);
    RECV_NONE(c, MS(3));
    CHECK_EQ(l4_tcp_conn_recv(c, B, 10, MS(3)), L4_ERR_STATE);
    l4_tcp_conn_del(c);
}

static void test_simultaneous_open(void)
{
    l4_tcp_conn *c = mk(NULL);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    EXPECT(h, S, LOCAL_ISS, 0);
    /* The peer's SYN crosses ours (RFC 9293 figure 7). */
    SEND(c, S, REMOTE_ISS, 0, 4000, NULL, 0, MS(10));
    STATE(c, L4_TCP_SYN_RECEIVED);
    RECV(c, MS(10), h);
    EXPECT(h, S | A, LOCAL_ISS, REMOTE_ISS + 1);
    /* Its SYN-ACK for our SYN. */
    SEND(c, S | A, REMOTE_ISS, LOCAL_ISS + 1, 4000, NULL, 0, MS(20));
    /* A SYN in SYN_RECEIVED of an active open: challenge ACK... */
    STATE(c, L4_TCP_SYN_RECEIVED);
    RECV(c, MS(20), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    /* ...and the ACK completes it. */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 4000, NULL, 0, MS(21));
    STATE(c, L4_TCP_ESTABLISHED);
    CHECK_EQ(EV.established, 1);
    l4_tcp_conn_del(c);
}

static void test_syn_received_rst_returns_to_listen(void)
{
    l4_tcp_conn *c = mk_listen(NULL);
    SEND(c, S, REMOTE_ISS, 0, 1000, NULL, 0, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    SEND(c, R, REMOTE_ISS + 1, 0, 0, NULL, 0, MS(1));
    STATE(c, L4_TCP_LISTEN);
    CHECK_EQ(EV.closed, 0);
    RECV_NONE(c, MS(1));
    CHECK_EQU(l4_tcp_conn_next_timeout(c), L4_TIME_NONE);
    /* A bad ACK in SYN_RECEIVED: RST <SEQ=SEG.ACK>. */
    SEND(c, S, REMOTE_ISS + 100, 0, 1000, NULL, 0, MS(2));
    RECV(c, MS(2), h);
    EXPECT(h, S | A, LOCAL_ISS, REMOTE_ISS + 101);
    SEND(c, A, REMOTE_ISS + 101, LOCAL_ISS + 50, 1000, NULL, 0, MS(3));
    RECV(c, MS(3), h);
    EXPECT(h, R, LOCAL_ISS + 50, 0);
    STATE(c, L4_TCP_SYN_RECEIVED);
    l4_tcp_conn_del(c);
}

static void test_syn_retransmission_and_timeout(void)
{
    l4_tcp_settings s = th_settings();
    s.syn_retries = 2;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), L4_S); /* initial RTO 1 s */
    l4_tcp_conn_handle_timeout(c, L4_S);
    RECV(c, L4_S, h);
    EXPECT(h, S, LOCAL_ISS, 0);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), 3 * L4_S); /* backed off to 2 s */
    l4_tcp_conn_handle_timeout(c, 3 * L4_S);
    RECV(c, 3 * L4_S, h);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), 7 * L4_S);
    l4_tcp_conn_handle_timeout(c, 7 * L4_S);
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_TIMEOUT);
    RECV_NONE(c, 7 * L4_S);
    /* An ACK arriving at a CLOSED connection is answered with RST. */
    SEND(c, A, REMOTE_ISS, LOCAL_ISS + 1, 0, NULL, 0, 8 * L4_S);
    RECV(c, 8 * L4_S, h);
    EXPECT(h, R, LOCAL_ISS + 1, 0);
    SEND(c, 0, REMOTE_ISS, 0, 0, "abc", 3, 8 * L4_S);
    RECV(c, 8 * L4_S, h);
    EXPECT(h, R | A, 0, REMOTE_ISS + 3);
    l4_tcp_conn_del(c);
}

/* ---- ESTABLISHED ---- */

static void test_data_delayed_ack_and_every_second_segment(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    uint8_t d[1000];
    memset(d, 'a', sizeof d);
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, d, 500, MS(200));
    CHECK_EQ(EV.readable, 1);
    RECV_NONE(c, MS(200));
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(240)); /* 40 ms delayed ACK */
    l4_tcp_conn_handle_timeout(c, MS(240));
    l4_tcp_hdr h;
    RECV(c, MS(240), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 501);
    /* Two full-sized segments: ACK right away. */
    SEND(c, A, REMOTE_ISS + 501, LOCAL_ISS + 1, 65535, d, 1000, MS(300));
    RECV_NONE(c, MS(300));
    SEND(c, A, REMOTE_ISS + 1501, LOCAL_ISS + 1, 65535, d, 1000, MS(301));
    RECV(c, MS(301), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 2501);
    /* 65535 was offered; 2500 arrived. Reopening by 1 byte is below the
       receiver-SWS threshold, so the right edge stays where it was. */
    CHECK_EQU(h.window, 65535 - 2500);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), L4_TIME_NONE);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(302)), 2500);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(302)), L4_ERR_AGAIN);
    l4_tcp_conn_del(c);
}

static void test_out_of_order_reassembly(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    const char *msg = "0123456789ABCDEFGHIJ";
    l4_tcp_hdr h;
    /* Bytes 10..19 first: immediate duplicate ACK. */
    SEND(c, A, REMOTE_ISS + 11, LOCAL_ISS + 1, 65535, msg + 10, 10, MS(200));
    RECV(c, MS(200), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    CHECK_EQ(EV.readable, 0);
    /* Overlapping 5..14 and a duplicate of 10..19. */
    SEND(c, A, REMOTE_ISS + 6, LOCAL_ISS + 1, 65535, msg + 5, 10, MS(201));
    RECV(c, MS(201), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    SEND(c, A, REMOTE_ISS + 11, LOCAL_ISS + 1, 65535, msg + 10, 10, MS(201));
    RECV(c, MS(201), h);
    /* The hole 0..4 fills: everything is delivered, ACKed at once. */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, msg, 5, MS(202));
    RECV(c, MS(202), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 21);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(202)), 20);
    CHECK_MEM(B, msg, 20);
    /* An old duplicate overlapping rcv_nxt: only its new part counts. */
    SEND(c, A, REMOTE_ISS + 16, LOCAL_ISS + 1, 65535, "FGHIJxyz", 8, MS(203));
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(203)), 3);
    CHECK_MEM(B, "xyz", 3);
    l4_tcp_conn_del(c);
}

static void test_sack_blocks_most_recent_first(void)
{
    l4_tcp_settings s = th_settings();
    s.sack = 1;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    l4_tcp_hdr sa = th_seg(S | A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_SACK_PERM;
    th_send(c, &sa, MS(10));
    RECV(c, MS(10), h);
    uint8_t d[100] = {0};
    uint32_t base = REMOTE_ISS + 1;
    SEND(c, A, base + 100, LOCAL_ISS + 1, 65535, d, 100, MS(11));
    RECV(c, MS(11), h);
    CHECK_EQ(h.opts.sack_count, 1);
    CHECK_EQU(h.opts.sack[0].left, base + 100);
    CHECK_EQU(h.opts.sack[0].right, base + 200);
    SEND(c, A, base + 300, LOCAL_ISS + 1, 65535, d, 100, MS(12));
    RECV(c, MS(12), h);
    CHECK_EQ(h.opts.sack_count, 2);
    CHECK_EQU(h.opts.sack[0].left, base + 300);
    CHECK_EQU(h.opts.sack[1].left, base + 100);
    SEND(c, A, base + 200, LOCAL_ISS + 1, 65535, d, 50, MS(13)); /* extends the first */
    RECV(c, MS(13), h);
    CHECK_EQ(h.opts.sack_count, 2);
    CHECK_EQU(h.opts.sack[0].left, base + 100);
    CHECK_EQU(h.opts.sack[0].right, base + 250);
    CHECK_EQU(h.opts.sack[1].left, base + 300);
    SEND(c, A, base, LOCAL_ISS + 1, 65535, d, 100, MS(14));
    RECV(c, MS(14), h);
    EXPECT(h, A, LOCAL_ISS + 1, base + 250);
    CHECK_EQ(h.opts.sack_count, 1);
    CHECK_EQU(h.opts.sack[0].left, base + 300);
    l4_tcp_conn_del(c);
}

static void test_rst_rules_rfc5961(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr h;
    /* Out of window: silently dropped. */
    SEND(c, R, REMOTE_ISS + 1 + 70000, 0, 0, NULL, 0, MS(200));
    RECV_NONE(c, MS(200));
    /* In window but not RCV.NXT: challenge ACK, still ESTABLISHED. */
    SEND(c, R, REMOTE_ISS + 10, 0, 0, NULL, 0, MS(201));
    STATE(c, L4_TCP_ESTABLISHED);
    RECV(c, MS(201), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    /* SYN in ESTABLISHED: challenge ACK. */
    SEND(c, S, REMOTE_ISS + 5, 0, 0, NULL, 0, MS(202));
    RECV(c, MS(202), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    STATE(c, L4_TCP_ESTABLISHED);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.challenge_acks, 2);
    /* Exactly RCV.NXT: reset. */
    SEND(c, R, REMOTE_ISS + 1, 0, 0, NULL, 0, MS(203));
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_RESET);
    RECV_NONE(c, MS(203));
    CHECK_EQ(l4_tcp_conn_send(c, "x", 1, MS(203)), L4_ERR_STATE);
    l4_tcp_conn_del(c);
}

static void test_challenge_ack_rate_limit(void)
{
    l4_tcp_settings s = th_settings();
    s.challenge_ack_limit = 3;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    int sent = 0;
    for (int k = 0; k < 10; k++) {
        SEND(c, R, REMOTE_ISS + 10 + (uint32_t)k, 0, 0, NULL, 0, MS(200));
        while (th_recv(c, B, sizeof B, &h, MS(200)) == 1)
            sent++;
    }
    CHECK_EQ(sent, 3);
    SEND(c, R, REMOTE_ISS + 10, 0, 0, NULL, 0, MS(1200)); /* a new second */
    RECV(c, MS(1200), h);
    l4_tcp_conn_del(c);
}

static void test_unacceptable_segments_get_ack(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr h;
    /* Sequence out of window (old). */
    SEND(c, A, REMOTE_ISS - 100, LOCAL_ISS + 1, 65535, "abc", 3, MS(200));
    RECV(c, MS(200), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    /* Beyond the window. */
    SEND(c, A, REMOTE_ISS + 1 + 65536 + 10, LOCAL_ISS + 1, 65535, "abc", 3, MS(201));
    RECV(c, MS(201), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    /* ACK of something never sent (RFC 5961 §5.2): ACK, drop the data. */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 500, 65535, "abc", 3, MS(202));
    RECV(c, MS(202), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(202)), L4_ERR_AGAIN);
    /* No ACK bit: dropped without reply. */
    SEND(c, 0, REMOTE_ISS + 1, 0, 65535, "abc", 3, MS(203));
    RECV_NONE(c, MS(203));
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(203)), L4_ERR_AGAIN);
    STATE(c, L4_TCP_ESTABLISHED);
    l4_tcp_conn_del(c);
}

/* ---- closing ---- */

static void test_active_close_through_time_wait(void)
{
    l4_tcp_settings s = th_settings();
    s.msl = L4_S;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_conn_send(c, "hello", 5, MS(200)), 5);
    CHECK_EQ(l4_tcp_conn_shutdown(c, MS(200)), 0);
    STATE(c, L4_TCP_FIN_WAIT_1);
    CHECK_EQ(l4_tcp_conn_shutdown(c, MS(200)), L4_ERR_STATE);
    CHECK_EQ(l4_tcp_conn_send(c, "x", 1, MS(200)), L4_ERR_STATE);
    RECV(c, MS(200), h);
    EXPECT(h, A | P | F, LOCAL_ISS + 1, REMOTE_ISS + 1);
    CHECK_EQ(h.payload_len, 5);
    CHECK_MEM(h.payload, "hello", 5);
    RECV_NONE(c, MS(200));
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 7, 65535, NULL, 0, MS(250));
    STATE(c, L4_TCP_FIN_WAIT_2);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), L4_TIME_NONE); /* half-closed, not closed */
    /* Half-close: we still receive. */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 7, 65535, "data", 4, MS(260));
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(260)), 4);
    SEND(c, A | F, REMOTE_ISS + 5, LOCAL_ISS + 7, 65535, NULL, 0, MS(300));
    STATE(c, L4_TCP_TIME_WAIT);
    CHECK_EQ(EV.peer_fin, 1);
    RECV(c, MS(300), h);
    EXPECT(h, A, LOCAL_ISS + 7, REMOTE_ISS + 6);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(300)), 0);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(2300)); /* 2 MSL */
    /* A retransmitted FIN is ACKed again and restarts the timer. */
    SEND(c, A | F, REMOTE_ISS + 5, LOCAL_ISS + 7, 65535, NULL, 0, MS(1000));
    RECV(c, MS(1000), h);
    EXPECT(h, A, LOCAL_ISS + 7, REMOTE_ISS + 6);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(3000));
    l4_tcp_conn_handle_timeout(c, MS(2999));
    STATE(c, L4_TCP_TIME_WAIT);
    l4_tcp_conn_handle_timeout(c, MS(3000));
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.closed, 1);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_NORMAL);
    l4_tcp_conn_del(c);
}

static void test_passive_close_last_ack(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr h;
    SEND(c, A | F, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, "bye", 3, MS(200));
    STATE(c, L4_TCP_CLOSE_WAIT);
    CHECK_EQ(EV.peer_fin, 1);
    RECV(c, MS(200), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 5);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(201)), 3);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(201)), 0);
    /* The side that received FIN keeps sending (half-close). */
    CHECK_EQ(l4_tcp_conn_send(c, "more", 4, MS(201)), 4);
    RECV(c, MS(201), h);
    EXPECT(h, A | P, LOCAL_ISS + 1, REMOTE_ISS + 5);
    SEND(c, A, REMOTE_ISS + 5, LOCAL_ISS + 5, 65535, NULL, 0, MS(250));
    CHECK_EQ(l4_tcp_conn_close(c, MS(250)), 0);
    STATE(c, L4_TCP_LAST_ACK);
    RECV(c, MS(250), h);
    EXPECT(h, A | F, LOCAL_ISS + 5, REMOTE_ISS + 5);
    /* The FIN's ACK closes. */
    SEND(c, A, REMOTE_ISS + 5, LOCAL_ISS + 6, 65535, NULL, 0, MS(300));
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_NORMAL);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), L4_TIME_NONE);
    l4_tcp_conn_del(c);
}

static void test_simultaneous_close(void)
{
    l4_tcp_settings s = th_settings();
    s.msl = L4_S;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    l4_tcp_conn_close(c, MS(200));
    RECV(c, MS(200), h);
    EXPECT(h, A | F, LOCAL_ISS + 1, REMOTE_ISS + 1);
    /* The peer's FIN crosses ours: it does not ack our FIN. */
    SEND(c, A | F, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, NULL, 0, MS(210));
    STATE(c, L4_TCP_CLOSING);
    RECV(c, MS(210), h);
    EXPECT(h, A, LOCAL_ISS + 2, REMOTE_ISS + 2);
    SEND(c, A, REMOTE_ISS + 2, LOCAL_ISS + 2, 65535, NULL, 0, MS(220));
    STATE(c, L4_TCP_TIME_WAIT);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(2220));
    l4_tcp_conn_del(c);
}

static void test_fin_wait_1_fin_ack_to_time_wait(void)
{
    l4_tcp_settings s = th_settings();
    s.rfc1337 = 0; /* RFC 9293 behaviour; the default (RFC 1337) is in state_table_test */
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    l4_tcp_conn_shutdown(c, MS(200));
    RECV(c, MS(200), h);
    SEND(c, A | F, REMOTE_ISS + 1, LOCAL_ISS + 2, 65535, NULL, 0, MS(210));
    STATE(c, L4_TCP_TIME_WAIT);
    RECV(c, MS(210), h);
    EXPECT(h, A, LOCAL_ISS + 2, REMOTE_ISS + 2);
    /* RST in TIME_WAIT at RCV.NXT closes (RFC 9293 §3.10.7.4). */
    SEND(c, R, REMOTE_ISS + 2, 0, 0, NULL, 0, MS(220));
    STATE(c, L4_TCP_CLOSED);
    l4_tcp_conn_del(c);
}

static void test_fin_wait_2_timeout_after_close(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr h;
    l4_tcp_conn_close(c, MS(200));
    RECV(c, MS(200), h);
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 2, 65535, NULL, 0, MS(300));
    STATE(c, L4_TCP_FIN_WAIT_2);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(300) + 60 * L4_S);
    l4_tcp_conn_handle_timeout(c, MS(300) + 60 * L4_S);
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_TIMEOUT);
    RECV(c, MS(300) + 60 * L4_S, h);
    EXPECT(h, R, LOCAL_ISS + 2, 0);
    l4_tcp_conn_del(c);
}

static void test_close_with_unread_data_and_data_after_close(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr h;
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, "unread", 6, MS(200));
    CHECK_EQ(l4_tcp_conn_close(c, MS(201)), 0);
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_ABORTED);
    RECV(c, MS(201), h);
    EXPECT(h, R, LOCAL_ISS + 1, 0);
    l4_tcp_conn_del(c);

    c = mk_est(NULL);
    l4_tcp_conn_close(c, MS(200));
    RECV(c, MS(200), h);
    EXPECT(h, A | F, LOCAL_ISS + 1, REMOTE_ISS + 1);
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 2, 65535, "late", 4, MS(210));
    STATE(c, L4_TCP_CLOSED);
    RECV(c, MS(210), h);
    EXPECT(h, R, LOCAL_ISS + 2, 0);
    l4_tcp_conn_del(c);
}

static void test_abort_sends_rst(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_conn_abort(c, MS(200)), 0);
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_ABORTED);
    RECV(c, MS(200), h);
    EXPECT(h, R, LOCAL_ISS + 1, 0);
    RECV_NONE(c, MS(200));
    CHECK_EQ(l4_tcp_conn_abort(c, MS(200)), L4_ERR_STATE);
    CHECK_EQ(l4_tcp_conn_close(c, MS(200)), L4_ERR_STATE);
    l4_tcp_conn_del(c);
}

/* ---- retransmission ---- */

static void test_rto_backoff_exact_times(void)
{
    l4_tcp_settings s = th_settings();
    s.max_retries = 3;
    l4_tcp_conn *c = mk_est(&s); /* SRTT 100 ms, RTTVAR 50 ms: RTO 300 ms */
    l4_tcp_hdr h;
    l4_tcp_conn_send(c, "abc", 3, MS(1000));
    RECV(c, MS(1000), h);
    EXPECT(h, A | P, LOCAL_ISS + 1, REMOTE_ISS + 1);
    l4_time t = MS(1000), rto = MS(300);
    for (int k = 0; k < 3; k++) {
        CHECK_EQU(l4_tcp_conn_next_timeout(c), t + rto);
        t += rto;
        l4_tcp_conn_handle_timeout(c, t);
        RECV(c, t, h);
        EXPECT(h, A | P, LOCAL_ISS + 1, REMOTE_ISS + 1);
        CHECK_EQ(h.payload_len, 3);
        rto *= 2;
    }
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.rto_expiries, 3);
    CHECK_EQ(i.retransmits, 3);
    CHECK_EQU(i.cwnd, 1000); /* one segment after the timeout */
    CHECK_EQU(i.ssthresh, 2000);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), t + rto);
    l4_tcp_conn_handle_timeout(c, t + rto);
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_TIMEOUT);
    l4_tcp_conn_del(c);
}

static void test_karn_no_sample_from_retransmission(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr h;
    l4_tcp_conn_send(c, "abc", 3, MS(1000));
    RECV(c, MS(1000), h);
    l4_tcp_conn_handle_timeout(c, MS(1300));
    RECV(c, MS(1300), h);
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 4, 65535, NULL, 0, MS(1350));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.srtt, MS(100)); /* unchanged: the ACK is ambiguous */
    CHECK_EQU(i.rto, MS(600));  /* and the backoff stays until a valid sample */
    l4_tcp_conn_send(c, "def", 3, MS(2000));
    RECV(c, MS(2000), h);
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 7, 65535, NULL, 0, MS(2100));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.srtt, MS(100));
    CHECK_EQU(i.rttvar, MS(37) + 500 * L4_US); /* 3/4 * 50 + 1/4 * 0 */
    CHECK_EQU(i.rto, MS(300));                 /* 100 + max(4 * 37.5, min_rto 200) */
    l4_tcp_conn_del(c);
}

static void test_fast_retransmit_newreno(void)
{
    l4_tcp_settings s = th_settings();
    s.nodelay = 1;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    uint8_t d[8000];
    for (size_t k = 0; k < sizeof d; k++)
        d[k] = (uint8_t)k;
    CHECK_EQ(l4_tcp_conn_send(c, d, sizeof d, MS(200)), 8000);
    /* IW for MSS 1000 is 4 segments. */
    for (int k = 0; k < 4; k++) {
        RECV(c, MS(200), h);
        EXPECT(h, A | (k == 3 ? 0 : 0), LOCAL_ISS + 1 + 1000u * (uint32_t)k, REMOTE_ISS + 1);
        CHECK_EQ(h.payload_len, 1000);
    }
    RECV_NONE(c, MS(200));
    uint32_t una = LOCAL_ISS + 1001; /* first segment acked, second lost */
    SEND(c, A, REMOTE_ISS + 1, una, 65535, NULL, 0, MS(300));
    /* cwnd 5000 now: two more segments. */
    RECV(c, MS(300), h);
    CHECK_EQU(h.seq, LOCAL_ISS + 4001);
    RECV(c, MS(300), h);
    CHECK_EQU(h.seq, LOCAL_ISS + 5001);
    RECV_NONE(c, MS(300));
    SEND(c, A, REMOTE_ISS + 1, una, 65535, NULL, 0, MS(301));
    SEND(c, A, REMOTE_ISS + 1, una, 65535, NULL, 0, MS(302));
    RECV_NONE(c, MS(302));
    SEND(c, A, REMOTE_ISS + 1, una, 65535, NULL, 0, MS(303)); /* third duplicate */
    RECV(c, MS(303), h);
    EXPECT(h, A, una, REMOTE_ISS + 1);
    CHECK_EQ(h.payload_len, 1000);
    CHECK_MEM(h.payload, d + 1000, 1000);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.fast_retransmits, 1);
    CHECK_EQ(i.in_recovery, 1);
    CHECK_EQU(i.ssthresh, 2500); /* flight 5000 / 2 */
    /* Partial ACK (RFC 6582): the next hole goes out at once. */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 3001, 65535, NULL, 0, MS(400));
    RECV(c, MS(400), h);
    EXPECT(h, A, LOCAL_ISS + 3001, REMOTE_ISS + 1);
    /* Full ACK ends recovery with cwnd = ssthresh. */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 6001, 65535, NULL, 0, MS(500));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.in_recovery, 0);
    CHECK_EQU(i.cwnd, 2500);
    l4_tcp_conn_del(c);
}

static void test_zero_window_probe_backoff(void)
{
    l4_tcp_settings s = th_settings();
    s.nodelay = 1;
    s.max_retries = 3;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    l4_tcp_conn_send(c, "abcdef", 6, MS(200));
    RECV(c, MS(200), h);
    /* The peer takes it all and closes its window (RTT 100 ms: RTO 300 ms). */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 7, 0, NULL, 0, MS(300));
    l4_tcp_conn_send(c, "ghij", 4, MS(300));
    RECV_NONE(c, MS(300));
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(600)); /* persist timer = RTO */
    /* Probe after probe, each one byte ('g'), at growing intervals; the
       peer keeps answering with a zero window, so the connection lives on
       well past max_retries. */
    l4_time last = MS(300), gap = 0;
    for (int k = 0; k < 8; k++) {
        l4_time t = l4_tcp_conn_next_timeout(c);
        CHECK(t != L4_TIME_NONE);
        l4_tcp_conn_handle_timeout(c, t);
        int got = 0;
        while (th_recv(c, B, sizeof B, &h, t) == 1) {
            EXPECT(h, A, LOCAL_ISS + 7, REMOTE_ISS + 1);
            CHECK_EQ(h.payload_len, 1);
            CHECK_EQU(h.payload[0], 'g');
            got++;
        }
        if (!got)
            continue;
        CHECK_MSG(t - last >= gap, "probe %d after %ju ns, previous gap %ju", k,
                  (uintmax_t)(t - last), (uintmax_t)gap);
        gap = t - last;
        last = t;
        SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 7, 0, NULL, 0, t + MS(1));
    }
    CHECK(gap >= 8 * MS(300));
    STATE(c, L4_TCP_ESTABLISHED);
    /* The window opens: the probe byte goes again, then the rest (a
       retransmission never carries new data). */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 7, 1000, NULL, 0, last + MS(5));
    RECV(c, last + MS(5), h);
    CHECK_EQU(h.seq, LOCAL_ISS + 7);
    CHECK_EQ(h.payload_len, 1);
    CHECK_EQU(h.payload[0], 'g');
    RECV(c, last + MS(5), h);
    CHECK_EQU(h.seq, LOCAL_ISS + 8);
    CHECK_EQ(h.payload_len, 3);
    CHECK_MEM(h.payload, "hij", 3);
    RECV_NONE(c, last + MS(5));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK(i.window_probes >= 1);
    l4_tcp_conn_del(c);
}

static void test_keepalive_probes_and_timeout(void)
{
    l4_tcp_settings s = th_settings();
    s.keepalive = 1;
    s.keep_idle = 10 * L4_S;
    s.keep_intvl = L4_S;
    s.keep_cnt = 2;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    /* Idle since the SYN-ACK at 100 ms. */
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(100) + 10 * L4_S);
    l4_time t = MS(100) + 10 * L4_S;
    l4_tcp_conn_handle_timeout(c, t);
    RECV(c, t, h);
    EXPECT(h, A, LOCAL_ISS, REMOTE_ISS + 1); /* SEG.SEQ = SND.NXT - 1 */
    CHECK_EQ(h.payload_len, 0);
    /* The answer restarts the idle period. */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, NULL, 0, t + MS(50));
    CHECK_EQU(l4_tcp_conn_next_timeout(c), t + MS(50) + 10 * L4_S);
    t += MS(50) + 10 * L4_S;
    l4_tcp_conn_handle_timeout(c, t);
    RECV(c, t, h);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), t + L4_S);
    l4_tcp_conn_handle_timeout(c, t + L4_S);
    RECV(c, t + L4_S, h);
    EXPECT(h, A, LOCAL_ISS, REMOTE_ISS + 1);
    l4_tcp_conn_handle_timeout(c, t + 2 * L4_S);
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_TIMEOUT);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.keepalive_probes, 3);
    l4_tcp_conn_del(c);
}

static void test_nagle_holds_small_segments(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr h;
    l4_tcp_conn_send(c, "a", 1, MS(200));
    RECV(c, MS(200), h); /* nothing in flight: goes */
    CHECK_EQ(h.payload_len, 1);
    l4_tcp_conn_send(c, "b", 1, MS(201));
    l4_tcp_conn_send(c, "c", 1, MS(202));
    RECV_NONE(c, MS(202)); /* held while "a" is unacknowledged */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 2, 65535, NULL, 0, MS(300));
    RECV(c, MS(300), h);
    EXPECT(h, A | P, LOCAL_ISS + 2, REMOTE_ISS + 1);
    CHECK_EQ(h.payload_len, 2);
    CHECK_MEM(h.payload, "bc", 2);
    /* With nodelay, small writes go at once. */
    l4_tcp_conn_set_nodelay(c, 1);
    l4_tcp_conn_send(c, "d", 1, MS(301));
    RECV(c, MS(301), h);
    CHECK_EQ(h.payload_len, 1);
    l4_tcp_conn_del(c);
}

static void test_window_update_after_read(void)
{
    l4_tcp_settings s = th_settings();
    s.rcvbuf = 4000;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    uint8_t d[1000] = {0};
    for (uint32_t k = 0; k < 2; k++)
        SEND(c, A, REMOTE_ISS + 1 + 1000 * k, LOCAL_ISS + 1, 65535, d, 1000, MS(200));
    RECV(c, MS(200), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 2001);
    CHECK_EQU(h.window, 2000);
    for (uint32_t k = 2; k < 4; k++)
        SEND(c, A, REMOTE_ISS + 1 + 1000 * k, LOCAL_ISS + 1, 65535, d, 1000, MS(200));
    RECV(c, MS(200), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 4001);
    CHECK_EQU(h.window, 0);
    /* Beyond a zero window: ACK, no data taken. */
    SEND(c, A, REMOTE_ISS + 4001, LOCAL_ISS + 1, 65535, d, 1000, MS(201));
    RECV(c, MS(201), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 4001);
    /* Reading a little does not open the window (receiver SWS avoidance). */
    CHECK_EQ(l4_tcp_conn_recv(c, B, 500, MS(202)), 500);
    RECV_NONE(c, MS(202));
    /* Reading to the threshold sends a window update right away. */
    CHECK_EQ(l4_tcp_conn_recv(c, B, 1500, MS(203)), 1500);
    RECV(c, MS(203), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 4001);
    CHECK_EQU(h.window, 2000);
    l4_tcp_conn_del(c);
}

static void test_paws_drops_old_timestamp(void)
{
    l4_tcp_settings s = th_settings();
    s.timestamps = 1;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    l4_tcp_hdr sa = th_seg(S | A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_TS;
    sa.opts.ts_val = 1000;
    th_send(c, &sa, MS(10));
    RECV(c, MS(10), h);
    l4_tcp_hdr d = th_seg(A, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, "new", 3);
    d.opts.present = L4_TCP_HAS_TS;
    d.opts.ts_val = 1005;
    th_send(c, &d, MS(20));
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(20)), 3);
    /* An old duplicate with an older TSval is dropped and ACKed. */
    d = th_seg(A, REMOTE_ISS + 4, LOCAL_ISS + 1, 65535, "old", 3);
    d.opts.present = L4_TCP_HAS_TS;
    d.opts.ts_val = 999;
    th_send(c, &d, MS(30));
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(30)), L4_ERR_AGAIN);
    RECV(c, MS(30), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 4);
    CHECK_EQU(h.opts.ts_ecr, 1005);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.paws_drops, 1);
    l4_tcp_conn_del(c);
}

static void test_urgent_pointer_reported(void)
{
    l4_tcp_conn *c = mk_est(NULL);
    l4_tcp_hdr u = th_seg(A | L4_TCP_URG, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, "abcde", 5);
    u.urg = 3;
    th_send(c, &u, MS(200));
    CHECK_EQ(EV.urgent, 1);
    CHECK_EQU(EV.urgent_offset, 3);
    th_send(c, &u, MS(201)); /* the same pointer again: not reported twice */
    CHECK_EQ(EV.urgent, 1);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(202)), 5); /* data stays in line */
    l4_tcp_conn_del(c);
}

static void test_sequence_wraparound(void)
{
    l4_tcp_settings s = th_settings();
    s.isn = 0xFFFFFF00u;
    s.nodelay = 1;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    EXPECT(h, S, 0xFFFFFF00u, 0);
    uint32_t rs = 0xFFFFFFF0u;
    l4_tcp_hdr sa = th_seg(S | A, rs, 0xFFFFFF01u, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_MSS;
    sa.opts.mss = 1460;
    th_send(c, &sa, MS(10));
    RECV(c, MS(10), h);
    EXPECT(h, A, 0xFFFFFF01u, rs + 1);
    /* Receive 100 bytes across 2^32. */
    uint8_t d[100];
    for (int k = 0; k < 100; k++)
        d[k] = (uint8_t)k;
    SEND(c, A, rs + 1, 0xFFFFFF01u, 65535, d, 100, MS(20));
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(20)), 100);
    CHECK_MEM(B, d, 100);
    /* Send 1000 bytes across 2^32 and have them acked past zero. */
    uint8_t big[1000];
    memset(big, 7, sizeof big);
    l4_tcp_conn_send(c, big, sizeof big, MS(30));
    RECV(c, MS(30), h);
    EXPECT(h, A | P, 0xFFFFFF01u, rs + 101);
    CHECK_EQ(h.payload_len, 1000);
    SEND(c, A, rs + 101, 0xFFFFFF01u + 1000, 65535, NULL, 0, MS(40));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.snd_una, 0xFFFFFF01u + 1000);
    CHECK_EQU(i.snd_una, 0x2E9u);
    CHECK_EQU(i.rcv_nxt, rs + 101);
    CHECK_EQU(i.in_flight, 0);
    l4_tcp_conn_del(c);
}

static void test_api_errors_and_names(void)
{
    l4_tcp_conn *c = NULL;
    l4_tcp_settings s = th_settings();
    s.mss = 10;
    CHECK_EQ(l4_tcp_conn_new(&c, &s, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
    s = th_settings();
    s.cc = "nope";
    CHECK_EQ(l4_tcp_conn_new(&c, &s, NULL, NULL), L4_ERR_NOT_FOUND);
    CHECK_EQ(l4_tcp_conn_new(NULL, NULL, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_tcp_conn_new(&c, NULL, NULL, NULL), 0);
    CHECK_EQ(l4_tcp_conn_send(c, "x", 1, 0), L4_ERR_STATE);
    CHECK_EQ(l4_tcp_conn_recv(c, B, 1, 0), L4_ERR_STATE);
    CHECK_EQ(l4_tcp_conn_shutdown(c, 0), L4_ERR_STATE);
    size_t idle = l4_tcp_conn_footprint(c);
    CHECK(idle < 4096); /* buffers come at first use */
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, 1, &ra, 2, 0);
    CHECK_EQU(l4_tcp_conn_footprint(c), idle);
    CHECK_EQ(l4_tcp_conn_send(c, "x", 1, 0), 1);
    CHECK_EQU(l4_tcp_conn_footprint(c), idle + 256 * 1024);
    l4_tcp_conn_del(c);
    CHECK_STR(l4_tcp_state_name(L4_TCP_TIME_WAIT), "TIME_WAIT");
    CHECK_STR(l4_tcp_state_name(L4_TCP_SYN_RECEIVED), "SYN_RECEIVED");
    CHECK_STR(l4_tcp_state_name((l4_tcp_state)99), "?");
    l4_tcp_conn_del(NULL);
}

static void test_isn_rfc6528(void)
{
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    for (int k = 0; k < 16; k++)
        s.isn_secret[k] = (uint8_t)(k * 7 + 1);
    l4_addr la = th_local(), ra = th_remote();
    uint32_t isn[3];
    l4_tcp_hdr h;
    for (int k = 0; k < 3; k++) {
        l4_tcp_conn *c = NULL;
        CHECK_EQ(l4_tcp_conn_new(&c, &s, NULL, NULL), 0);
        /* k = 0 and 1: same tuple, 400 us apart; k = 2: another port. */
        l4_tcp_conn_connect(c, &la, k == 2 ? 1001 : 1000, &ra, 80, k == 1 ? 400 * L4_US : 0);
        CHECK_EQ(th_recv(c, B, sizeof B, &h, 0) >= 0, 1);
        isn[k] = h.seq;
        l4_tcp_conn_del(c);
    }
    CHECK_EQU(isn[1] - isn[0], 100); /* M: one tick every 4 us */
    CHECK(isn[2] != isn[0]);         /* F differs per 4-tuple */
    s.isn_secret[0] ^= 1;
    l4_tcp_conn *c = NULL;
    l4_tcp_conn_new(&c, &s, NULL, NULL);
    l4_tcp_conn_connect(c, &la, 1000, &ra, 80, 0);
    th_recv(c, B, sizeof B, &h, 0);
    CHECK(h.seq != isn[0]); /* and per secret */
    l4_tcp_conn_del(c);
}

static l4_tcp_conn *mk_est_sack(void)
{
    l4_tcp_settings s = th_settings();
    s.sack = 1;
    s.nodelay = 1;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    if (th_recv(c, B, sizeof B, &h, 0) != 1)
        return NULL;
    l4_tcp_hdr sa = th_seg(S | A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_SACK_PERM;
    sa.opts.mss = 1000;
    th_send(c, &sa, MS(100));
    if (th_recv(c, B, sizeof B, &h, MS(100)) != 1)
        return NULL;
    return c;
}

static void sack_ack(l4_tcp_conn *c, uint32_t ack, uint32_t l, uint32_t r, l4_time now)
{
    l4_tcp_hdr a = th_seg(A, REMOTE_ISS + 1, ack, 65535, NULL, 0);
    if (l != r) {
        a.opts.present = L4_TCP_HAS_SACK;
        a.opts.sack_count = 1;
        a.opts.sack[0].left = l;
        a.opts.sack[0].right = r;
    }
    th_send(c, &a, now);
}

static void test_sack_recovery_retransmits_only_the_hole(void)
{
    l4_tcp_conn *c = mk_est_sack();
    CHECK(c);
    l4_tcp_hdr h;
    uint8_t d[10000];
    for (size_t k = 0; k < sizeof d; k++)
        d[k] = (uint8_t)(k * 3);
    CHECK_EQ(l4_tcp_conn_send(c, d, sizeof d, MS(200)), 10000);
    const uint32_t base = LOCAL_ISS + 1;
    for (int k = 0; k < 4; k++)
        RECV(c, MS(200), h);
    RECV_NONE(c, MS(200));
    sack_ack(c, base + 1000, 0, 0, MS(300)); /* segment 1 acked; cwnd 5000 */
    RECV(c, MS(300), h);
    CHECK_EQU(h.seq, base + 4000);
    RECV(c, MS(300), h);
    CHECK_EQU(h.seq, base + 5000);
    RECV_NONE(c, MS(300));
    /* Segment 2 (base+1000) is lost; the peer SACKs what follows. SACKed
       bytes have left the network, so each duplicate ACK lets one new
       segment out (like limited transmit, RFC 3042). */
    sack_ack(c, base + 1000, base + 2000, base + 3000, MS(301));
    RECV(c, MS(301), h);
    EXPECT(h, A, base + 6000, REMOTE_ISS + 1);
    RECV_NONE(c, MS(301));
    sack_ack(c, base + 1000, base + 2000, base + 4000, MS(302));
    RECV(c, MS(302), h);
    EXPECT(h, A, base + 7000, REMOTE_ISS + 1);
    RECV_NONE(c, MS(302));
    sack_ack(c, base + 1000, base + 2000, base + 5000, MS(303));
    RECV(c, MS(303), h); /* RFC 6675: the hole, and only the hole */
    EXPECT(h, A, base + 1000, REMOTE_ISS + 1);
    CHECK_EQ(h.payload_len, 1000);
    CHECK_MEM(h.payload, d + 1000, 1000);
    /* cwnd = ssthresh = 7000 / 2; pipe = 1000 retransmitted + 3000 un-SACKed tail. */
    RECV_NONE(c, MS(303));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.in_recovery, 1);
    CHECK_EQU(i.ssthresh, 3500);
    CHECK_EQU(i.cwnd, 3500);
    CHECK_EQU(i.in_flight, 4000);
    /* More SACK: pipe falls to 2000, room for one new segment. */
    sack_ack(c, base + 1000, base + 2000, base + 7000, MS(304));
    RECV(c, MS(304), h);
    EXPECT(h, A, base + 8000, REMOTE_ISS + 1);
    RECV_NONE(c, MS(304));
    /* The cumulative ACK covers the recovery point: recovery ends. */
    sack_ack(c, base + 8000, 0, 0, MS(400));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.in_recovery, 0);
    CHECK_EQU(i.cwnd, 3500);
    CHECK_EQ(i.retransmits, 1);
    CHECK_EQ(i.fast_retransmits, 1);
    l4_tcp_conn_del(c);
}

/* RACK (RFC 8985 §6.2): segments 2 and 3 SACKed at 250 ms give RACK.rtt
   50 ms; segment 1, sent before them, is lost when 50 ms + reo_wnd
   (min_RTT / 4 = 25 ms: only 2 segments SACKed, no reordering seen) have
   passed: the reordering timer sends it at 275 ms. That copy is lost too;
   at the timeout (500 ms, RTO 300 ms from the first send) the head and
   segment 4 (sent more than RACK.rtt ago) are lost (§6.3); the head goes
   at once, then NextSeg skips the SACKed 1000..3000. */
static void test_rto_go_back_skips_sacked(void)
{
    l4_tcp_conn *c = mk_est_sack();
    CHECK(c);
    l4_tcp_hdr h;
    uint8_t d[4000] = {0};
    l4_tcp_conn_send(c, d, sizeof d, MS(200));
    for (int k = 0; k < 4; k++)
        RECV(c, MS(200), h);
    const uint32_t base = LOCAL_ISS + 1;
    /* Segments 2 and 3 SACKed (one duplicate ACK only), 1 and 4 lost. */
    sack_ack(c, base, base + 1000, base + 3000, MS(250));
    RECV_NONE(c, MS(250));
    l4_time t = l4_tcp_conn_next_timeout(c);
    CHECK_EQU(t, MS(275));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.timer, L4_TCP_TIMER_REORDER);
    CHECK_STR(l4_tcp_timer_name(i.timer), "on");
    l4_tcp_conn_handle_timeout(c, t);
    RECV(c, t, h);
    EXPECT(h, A, base, REMOTE_ISS + 1);
    RECV_NONE(c, t);
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.fast_retransmits, 1);
    CHECK_EQ(i.rack_timeouts, 1);
    t = l4_tcp_conn_next_timeout(c);
    CHECK_EQU(t, MS(500));
    l4_tcp_conn_handle_timeout(c, t);
    RECV(c, t, h);
    EXPECT(h, A, base, REMOTE_ISS + 1); /* cwnd is one segment now */
    CHECK_EQ(h.payload_len, 1000);
    RECV_NONE(c, t);
    sack_ack(c, base + 1000, base + 1000, base + 3000, t + MS(100));
    RECV(c, t + MS(100), h); /* the SACKed 1000..3000 are skipped */
    EXPECT(h, A | P, base + 3000, REMOTE_ISS + 1);
    CHECK_EQ(h.payload_len, 1000);
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.retransmits, 3);
    CHECK_EQ(i.rto_expiries, 1);
    l4_tcp_conn_del(c);
}

/* Takes every segment the engine has to send at `now`; returns how many
   carried data, and the highest data end in *top (unchanged when none). */
static int drain_data(l4_tcp_conn *c, l4_time now, uint32_t *top)
{
    l4_tcp_hdr h;
    int n = 0;
    while (th_recv(c, B, sizeof B, &h, now) == 1) {
        if (h.payload_len) {
            n++;
            if (top && (uint32_t)(h.seq + h.payload_len - *top) < 0x80000000u)
                *top = h.seq + (uint32_t)h.payload_len;
        }
    }
    return n;
}

/* A SACK connection in fast recovery with much of the window SACKed above
   one hole at base + 10000 (slow start to cwnd 8000, then three duplicate
   ACKs); returns the connection, *snd_max the highest sequence sent. */
static l4_tcp_conn *mk_sack_recovery(uint32_t *snd_max)
{
    l4_tcp_conn *c = mk_est_sack();
    if (!c)
        return NULL;
    static uint8_t d[40000];
    const uint32_t base = LOCAL_ISS + 1;
    l4_tcp_conn_send(c, d, sizeof d, MS(200));
    uint32_t top = base;
    CHECK_EQ(drain_data(c, MS(200), &top), 4); /* IW: 4 segments of 1000 */
    sack_ack(c, base + 4000, 0, 0, MS(300));   /* cwnd 6000 */
    CHECK_EQ(drain_data(c, MS(300), &top), 6);
    sack_ack(c, base + 10000, 0, 0, MS(400)); /* cwnd 8000 */
    CHECK_EQ(drain_data(c, MS(400), &top), 8);
    CHECK_EQU(top, base + 18000);
    /* base + 10000 is lost; SACKs for what follows (the third ACK covers
       four more segments). Each SACKed segment leaves the network and lets
       one new one out; the third starts recovery with ssthresh = cwnd =
       (21000 - 10000) / 2 = 5500 and pipe = 1000 + (21000 - 17000). */
    const uint32_t sacked_to[3] = {12000, 13000, 17000};
    for (int k = 0; k < 3; k++) {
        sack_ack(c, base + 10000, base + 11000, base + sacked_to[k], MS(411) + (l4_time)k);
        drain_data(c, MS(411) + (l4_time)k, &top);
    }
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.in_recovery, 1);
    CHECK_EQ(i.fast_retransmits, 1);
    *snd_max = top;
    return c;
}

/* RFC 5681 §3.1 eq. (4) with the data in the network (the RFC 6675 pipe
   during SACK recovery), not SND.MAX - SND.UNA, which counts SACKed bytes;
   then RFC 6675 §5.1 / RFC 6582 §4: duplicate ACKs below `recover` (the
   SND.MAX of the timeout) start no new recovery. Before, the SACKs that
   followed the timeout started one with ssthresh = cwnd = (SND.MAX -
   SND.UNA) / 2: cwnd went from 1 to many segments at once. */
static void test_rto_in_sack_recovery_ssthresh_and_no_new_recovery(void)
{
    uint32_t snd_max = 0;
    l4_tcp_conn *c = mk_sack_recovery(&snd_max);
    CHECK(c);
    const uint32_t base = LOCAL_ISS + 1;
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    /* pipe: the retransmitted hole (1000) + the un-SACKed tail above
       base + 17000 (not deemed lost: nothing SACKed above it). */
    CHECK_EQU(snd_max, base + 21000);
    CHECK_EQU(i.in_flight, 1000 + (snd_max - (base + 17000)));
    uint64_t pipe = i.in_flight;
    uint64_t una_to_max = snd_max - (base + 10000);
    CHECK_EQU(una_to_max / 2, 5500); /* what SND.MAX - SND.UNA would give */
    CHECK_EQU(pipe / 2, 2500);
    /* The fast retransmission is lost too: the timer expires. */
    l4_time t = l4_tcp_conn_next_timeout(c);
    l4_tcp_conn_handle_timeout(c, t);
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.rto_expiries, 1);
    CHECK_EQ(i.in_recovery, 0);
    CHECK_EQU(i.cwnd, 1000);
    CHECK_EQU(i.ssthresh, pipe / 2 > 2000 ? pipe / 2 : 2000);
    l4_tcp_hdr h;
    RECV(c, t, h); /* go back N: the hole, one segment */
    EXPECT(h, A, base + 10000, REMOTE_ISS + 1);
    RECV_NONE(c, t);
    /* SACKs for more data sent before the timeout: three duplicate ACKs
       below recover (base + 21000) with new SACK information. No fast
       retransmit, no new recovery, and the window stays at one segment (the
       SACKed 11000..20000 will be skipped; the hole's copy is in flight). */
    for (uint32_t k = 1; k <= 3; k++) {
        sack_ack(c, base + 10000, base + 11000, base + 17000 + 1000 * k, t + MS(10) + k);
        RECV_NONE(c, t + MS(10) + k);
    }
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.fast_retransmits, 1);
    CHECK_EQ(i.in_recovery, 0);
    CHECK_EQU(i.cwnd, 1000);
    CHECK_EQU(i.ssthresh, pipe / 2 > 2000 ? pipe / 2 : 2000);
    /* The hole arrives: slow start resumes from one segment (+ 2 SMSS,
       RFC 3465 L = 2), and the go-back goes on after what was SACKed. */
    sack_ack(c, base + 20000, 0, 0, t + MS(100));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.cwnd, 3000);
    RECV(c, t + MS(100), h);
    EXPECT(h, A, base + 20000, REMOTE_ISS + 1);
    l4_tcp_conn_del(c);
}

/* The same rule without SACK (RFC 6582 §4): the go-back-N resends data the
   peer already holds, its duplicate ACKs stay below recover and start no
   fast retransmit; ssthresh came from the 6000 bytes in flight. */
static void test_rto_newreno_dupacks_below_recover(void)
{
    l4_tcp_settings s = th_settings();
    s.nodelay = 1;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    static uint8_t d[20000];
    const uint32_t base = LOCAL_ISS + 1;
    l4_tcp_conn_send(c, d, sizeof d, MS(200));
    CHECK_EQ(drain_data(c, MS(200), NULL), 4);
    SEND(c, A, REMOTE_ISS + 1, base + 4000, 65535, NULL, 0, MS(300)); /* cwnd 6000 */
    CHECK_EQ(drain_data(c, MS(300), NULL), 6);
    l4_time t = l4_tcp_conn_next_timeout(c);
    l4_tcp_conn_handle_timeout(c, t);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.ssthresh, 3000); /* FlightSize 6000 / 2 */
    CHECK_EQU(i.cwnd, 1000);
    RECV(c, t, h);
    EXPECT(h, A, base + 4000, REMOTE_ISS + 1);
    RECV_NONE(c, t);
    /* Its ACK covers base + 6000 (the peer had base + 5000); slow start
       (+ 2 SMSS) resends three old segments, 6000..9000. */
    SEND(c, A, REMOTE_ISS + 1, base + 6000, 65535, NULL, 0, t + MS(100));
    CHECK_EQ(drain_data(c, t + MS(100), NULL), 3);
    /* The copy of base + 6000 is lost again; the peer holds the rest from
       before the timeout and answers each old segment it gets again (one
       of them duplicated by the network): three duplicate ACKs below recover
       (base + 10000). */
    for (int k = 0; k < 3; k++)
        SEND(c, A, REMOTE_ISS + 1, base + 6000, 65535, NULL, 0, t + MS(101) + k);
    RECV_NONE(c, t + MS(104));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.fast_retransmits, 0);
    CHECK_EQ(i.in_recovery, 0);
    CHECK_EQU(i.ssthresh, 3000);
    l4_tcp_conn_del(c);
}

/* A retransmission that is lost again is found as soon as a segment sent
   after it is delivered and RACK.rtt (+ reo_wnd, 0 in recovery with no
   reordering seen) has passed since it left (RFC 8985 §6.2): no DupThresh
   of later SACKs is needed, and there is no second cwnd cut. Before RACK,
   three segments' worth had to be SACKed beyond its SND.MAX mark. */
static void test_lost_retransmission_resent_on_later_sacks(void)
{
    uint32_t snd_max = 0;
    l4_tcp_conn *c = mk_sack_recovery(&snd_max);
    CHECK(c);
    const uint32_t base = LOCAL_ISS + 1;
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    uint64_t ssthresh = i.ssthresh;
    /* The fast retransmission left at 413 ms, the new segment 20000..21000
       after it. Its SACK at 500 ms: RACK.rtt 87 ms, the copy was sent
       before it 87 ms ago: lost, and resent at once, once. */
    l4_time t = MS(500);
    sack_ack(c, base + 10000, base + 11000, snd_max, t);
    l4_tcp_hdr h;
    int resent = 0;
    while (th_recv(c, B, sizeof B, &h, t) == 1)
        if (h.seq == base + 10000) {
            resent++;
            CHECK_EQ(h.payload_len, 1000);
        }
    CHECK_EQ(resent, 1);
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.lost_retransmits, 1);
    CHECK_EQ(i.fast_retransmits, 1);
    CHECK_EQ(i.rto_expiries, 0);
    CHECK_EQU(i.ssthresh, ssthresh); /* no second congestion response */
    CHECK_EQ(i.in_recovery, 1);
    /* The same news again finds nothing new: no third copy. */
    sack_ack(c, base + 10000, base + 11000, snd_max, t);
    while (th_recv(c, B, sizeof B, &h, t) == 1)
        CHECK(h.seq != base + 10000);
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.lost_retransmits, 1);
    l4_tcp_conn_del(c);
}

/* RFC 8985 §7: the last three segments of a transfer are lost. SRTT is
   100 ms (RTO 300 ms); after the ACK of the first segment at 300 ms three
   segments are out, so the probe timeout is 2 SRTT: at 500 ms the last
   segment goes again (nothing new to send). Its SACK at 600 ms lets RACK
   mark the two before it lost (sent at 200 ms, RACK.rtt 100 ms + reo_wnd
   25 ms ago): fast recovery resends both at once, and the ACK at 700 ms
   ends it. No timeout: the RTO would have fired at 600 ms with cwnd 1 and
   finished at 800 ms. */
static void test_tlp_repairs_tail_loss(void)
{
    l4_tcp_conn *c = mk_est_sack();
    CHECK(c);
    l4_tcp_hdr h;
    uint8_t d[4000] = {0};
    const uint32_t base = LOCAL_ISS + 1;
    CHECK_EQ(l4_tcp_conn_send(c, d, sizeof d, MS(200)), 4000);
    CHECK_EQ(drain_data(c, MS(200), NULL), 4);
    sack_ack(c, base + 1000, 0, 0, MS(300)); /* 2, 3, 4 are lost */
    RECV_NONE(c, MS(300));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.timer, L4_TCP_TIMER_PROBE);
    CHECK_EQU(i.timer_at, MS(500));
    CHECK_EQU(i.rto, MS(300));
    l4_tcp_conn_handle_timeout(c, MS(499));
    RECV_NONE(c, MS(499));
    l4_tcp_conn_handle_timeout(c, MS(500));
    RECV(c, MS(500), h);
    EXPECT(h, A | P, base + 3000, REMOTE_ISS + 1); /* the last segment, again */
    CHECK_EQ(h.payload_len, 1000);
    RECV_NONE(c, MS(500));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.tlp_probes, 1);
    CHECK_EQ(i.timer, L4_TCP_TIMER_RTO); /* re-armed from the probe (§7.3) */
    CHECK_EQU(i.timer_at, MS(800));
    sack_ack(c, base + 1000, base + 3000, base + 4000, MS(600));
    RECV(c, MS(600), h);
    EXPECT(h, A, base + 1000, REMOTE_ISS + 1);
    RECV(c, MS(600), h);
    EXPECT(h, A, base + 2000, REMOTE_ISS + 1);
    RECV_NONE(c, MS(600));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.in_recovery, 1);
    CHECK_EQ(i.fast_retransmits, 1);
    CHECK_EQU(i.cwnd, 2000); /* FlightSize 3000 / 2, at least 2 SMSS: not 1 SMSS */
    sack_ack(c, base + 4000, 0, 0, MS(700));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.in_recovery, 0);
    CHECK_EQU(i.snd_una, base + 4000);
    CHECK_EQ(i.rto_expiries, 0);
    CHECK_EQ(i.retransmits, 3);
    CHECK_EQ(i.timer, L4_TCP_TIMER_NONE);
    l4_tcp_conn_del(c);
}

/* One segment out (a request's answer) and lost: the probe timeout is
   2 SRTT + TLP.max_ack_delay = 400 ms, past the RTO (300 ms), so the probe
   goes at the RTO's time in its place: the segment is resent without a
   timeout (no cwnd collapse, no backoff). The probe repaired a loss, which
   the ACK of later data shows (§7.4.2: ACK beyond TLP.end_seq without a
   D-SACK): one cwnd reduction then. */
static void test_tlp_single_segment(void)
{
    l4_tcp_conn *c = mk_est_sack();
    CHECK(c);
    l4_tcp_hdr h;
    const uint32_t base = LOCAL_ISS + 1;
    CHECK_EQ(l4_tcp_conn_send(c, "0123456789", 10, MS(200)), 10);
    RECV(c, MS(200), h);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.timer, L4_TCP_TIMER_RTO); /* both at 500 ms; the RTO is named first */
    CHECK_EQU(i.timer_at, MS(500));
    l4_tcp_conn_handle_timeout(c, MS(500));
    RECV(c, MS(500), h);
    EXPECT(h, A | P, base, REMOTE_ISS + 1);
    CHECK_EQ(h.payload_len, 10);
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.rto_expiries, 0);
    CHECK_EQ(i.tlp_probes, 1);
    CHECK_EQU(i.cwnd, 4000);
    CHECK_EQU(i.timer_at, MS(800)); /* the RTO, not backed off */
    sack_ack(c, base + 10, 0, 0, MS(600));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.tlp_recoveries, 0); /* ACK = TLP.end_seq: not yet known */
    CHECK_EQ(l4_tcp_conn_send(c, "abc", 3, MS(700)), 3);
    RECV(c, MS(700), h);
    sack_ack(c, base + 13, 0, 0, MS(800));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.tlp_recoveries, 1);
    CHECK_EQU(i.ssthresh, 2000);
    CHECK_EQ(i.rto_expiries, 0);
    l4_tcp_conn_del(c);
}

/* RFC 2883 §4 at the receiver: data received again is reported in the
   first SACK block of the next ACK, once; when it lies in out-of-order
   data we hold, the block that holds it comes second. */
static void test_dsack_blocks(void)
{
    l4_tcp_conn *c = mk_est_sack();
    CHECK(c);
    l4_tcp_hdr h;
    static uint8_t d[400];
    const uint32_t r = REMOTE_ISS + 1;
    SEND(c, A, r, LOCAL_ISS + 1, 65535, d, 100, MS(200));
    SEND(c, A, r, LOCAL_ISS + 1, 65535, d, 100, MS(201)); /* again: all old */
    RECV(c, MS(201), h);
    EXPECT(h, A, LOCAL_ISS + 1, r + 100);
    CHECK_EQ(h.opts.sack_count, 1);
    CHECK_EQU(h.opts.sack[0].left, r);
    CHECK_EQU(h.opts.sack[0].right, r + 100);
    RECV_NONE(c, MS(201));
    /* Out of order [200, 400), then [300, 400) again. */
    SEND(c, A, r + 200, LOCAL_ISS + 1, 65535, d, 100, MS(210));
    RECV(c, MS(210), h);
    CHECK_EQ(h.opts.sack_count, 1); /* the D-SACK went once */
    CHECK_EQU(h.opts.sack[0].left, r + 200);
    SEND(c, A, r + 300, LOCAL_ISS + 1, 65535, d, 100, MS(211));
    RECV(c, MS(211), h);
    SEND(c, A, r + 300, LOCAL_ISS + 1, 65535, d, 100, MS(212));
    RECV(c, MS(212), h);
    EXPECT(h, A, LOCAL_ISS + 1, r + 100);
    CHECK_EQ(h.opts.sack_count, 2);
    CHECK_EQU(h.opts.sack[0].left, r + 300);
    CHECK_EQU(h.opts.sack[0].right, r + 400);
    CHECK_EQU(h.opts.sack[1].left, r + 200);
    CHECK_EQU(h.opts.sack[1].right, r + 400);
    /* A segment half old, half new: the old half is the D-SACK. */
    SEND(c, A, r + 50, LOCAL_ISS + 1, 65535, d, 100, MS(220));
    RECV(c, MS(220), h);
    EXPECT(h, A, LOCAL_ISS + 1, r + 150);
    CHECK_EQU(h.opts.sack[0].left, r + 50);
    CHECK_EQU(h.opts.sack[0].right, r + 100);
    CHECK_EQU(h.opts.sack[1].left, r + 200);
    l4_tcp_conn_del(c);
    /* settings.dsack = 0: plain SACK. */
    l4_tcp_settings st = th_settings();
    st.sack = 1;
    st.dsack = 0;
    c = mk(&st);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    RECV(c, 0, h);
    l4_tcp_hdr sa = th_seg(S | A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_SACK_PERM;
    th_send(c, &sa, MS(100));
    RECV(c, MS(100), h);
    SEND(c, A, r, LOCAL_ISS + 1, 65535, d, 100, MS(200));
    SEND(c, A, r, LOCAL_ISS + 1, 65535, d, 100, MS(201));
    RECV(c, MS(201), h);
    CHECK_EQ(h.opts.sack_count, 0);
    l4_tcp_conn_del(c);
}

/* D-SACK at the sender (RFC 2883 §4, RFC 3708): segment 1 is delayed
   behind 2, 3 and 4; with three SACKed and no reordering seen, RACK
   (reo_wnd 0) resends it and fast recovery halves cwnd. The original
   arrives, then the peer reports the copy as a duplicate: the only
   retransmission of the episode was spurious, the cut is undone (cwnd and
   ssthresh back), reordering is seen, and the window grows (reo_wnd_mult
   2: 2 x min_RTT / 4 = 50 ms). The same reordering again costs nothing:
   the SACKs wait (RACK.rtt + 50 ms), and the late segment arrives before. */
static void test_dsack_undoes_spurious_recovery(void)
{
    l4_tcp_conn *c = mk_est_sack();
    CHECK(c);
    l4_tcp_hdr h;
    static uint8_t d[8000];
    const uint32_t base = LOCAL_ISS + 1;
    CHECK_EQ(l4_tcp_conn_send(c, d, 4000, MS(200)), 4000);
    CHECK_EQ(drain_data(c, MS(200), NULL), 4);
    sack_ack(c, base, base + 1000, base + 2000, MS(300));
    sack_ack(c, base, base + 1000, base + 3000, MS(301));
    RECV_NONE(c, MS(301));
    sack_ack(c, base, base + 1000, base + 4000, MS(302));
    RECV(c, MS(302), h);
    EXPECT(h, A, base, REMOTE_ISS + 1);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.fast_retransmits, 1);
    CHECK_EQU(i.cwnd, 2000);
    CHECK_EQU(i.ssthresh, 2000);
    sack_ack(c, base + 4000, 0, 0, MS(303)); /* the original */
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.in_recovery, 0);
    CHECK_EQU(i.cwnd, 2000);
    /* The copy arrives as a duplicate: D-SACK below the cumulative ACK. */
    sack_ack(c, base + 4000, base, base + 1000, MS(402));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.dsacks_received, 1);
    CHECK_EQ(i.spurious_retransmits, 1);
    CHECK_EQ(i.undos, 1);
    CHECK_EQU(i.cwnd, 4000);
    CHECK_EQU(i.ssthresh, UINT64_MAX);
    CHECK_EQ(i.reordering_seen, 1);
    CHECK_EQU(i.reo_wnd, MS(50));
    /* Again: 5 delayed behind 6, 7, 8. */
    CHECK_EQ(l4_tcp_conn_send(c, d, 4000, MS(402)), 4000);
    CHECK_EQ(drain_data(c, MS(402), NULL), 4);
    sack_ack(c, base + 4000, base + 5000, base + 6000, MS(502));
    sack_ack(c, base + 4000, base + 5000, base + 7000, MS(503));
    sack_ack(c, base + 4000, base + 5000, base + 8000, MS(504));
    RECV_NONE(c, MS(504));
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(554)); /* 402 + RACK.rtt 102 + 50 */
    sack_ack(c, base + 8000, 0, 0, MS(510));
    RECV_NONE(c, MS(510));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.fast_retransmits, 1);
    CHECK_EQ(i.retransmits, 1);
    CHECK_EQU(i.snd_una, base + 8000);
    l4_tcp_conn_del(c);
}

/* F-RTO (RFC 5682 §3, SACK-enhanced). The RTT jumps from 100 ms to 600 ms
   (a delay spike, nothing lost): segments 1-4 leave at 200 ms, the probe
   (new segment 5) at 400 ms, the timeout at 700 ms resends segment 1 with
   cwnd 1. The ACK of the original 1 arrives at 800 ms (step 2 b: two new
   segments instead of retransmissions), the ACK of the original 2 at
   801 ms acknowledges data never resent (step 3 b): the timeout was
   spurious, and the window and ssthresh it took are given back. When the
   loss is real (the segments and the probe lost), the ACK after the new
   segments reports only them (step 3 a): the recovery goes on. */
static void test_frto_spurious_and_real_timeout(void)
{
    for (int spurious = 1; spurious >= 0; spurious--) {
        l4_tcp_conn *c = mk_est_sack();
        CHECK(c);
        l4_tcp_hdr h;
        static uint8_t d[8000];
        const uint32_t base = LOCAL_ISS + 1;
        CHECK_EQ(l4_tcp_conn_send(c, d, sizeof d, MS(200)), 8000);
        CHECK_EQ(drain_data(c, MS(200), NULL), 4);
        l4_tcp_conn_handle_timeout(c, MS(400)); /* the probe: new data */
        RECV(c, MS(400), h);
        EXPECT(h, A, base + 4000, REMOTE_ISS + 1);
        RECV_NONE(c, MS(400));
        CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(700));
        l4_tcp_conn_handle_timeout(c, MS(700));
        RECV(c, MS(700), h);
        EXPECT(h, A, base, REMOTE_ISS + 1);
        RECV_NONE(c, MS(700));
        l4_tcp_info i;
        l4_tcp_conn_get_info(c, &i);
        CHECK_EQ(i.rto_expiries, 1);
        CHECK_EQU(i.cwnd, 1000);
        uint64_t ssthresh_rto = i.ssthresh;
        CHECK(ssthresh_rto < 4000);
        /* Step 2: SND.UNA moves, not to `recover`: two new segments. */
        sack_ack(c, base + 1000, 0, 0, MS(800));
        RECV(c, MS(800), h);
        EXPECT(h, A, base + 5000, REMOTE_ISS + 1);
        RECV(c, MS(800), h);
        EXPECT(h, A, base + 6000, REMOTE_ISS + 1);
        RECV_NONE(c, MS(800));
        if (spurious) {
            sack_ack(c, base + 2000, 0, 0, MS(801)); /* original 2: never resent */
            l4_tcp_conn_get_info(c, &i);
            CHECK_EQ(i.spurious_rtos, 1);
            CHECK_EQ(i.undos, 1);
            CHECK_EQU(i.cwnd, 4000);
            CHECK_EQU(i.ssthresh, UINT64_MAX);
            CHECK_EQ(i.retransmits, 1);
            /* Nothing is resent: 3..7 are on their way (5000 bytes, more
               than cwnd). Their ACK lets the last segment go. */
            RECV_NONE(c, MS(801));
            sack_ack(c, base + 7000, 0, 0, MS(900));
            RECV(c, MS(900), h);
            EXPECT(h, A | P, base + 7000, REMOTE_ISS + 1);
            l4_tcp_conn_get_info(c, &i);
            CHECK_EQ(i.retransmits, 1);
            CHECK_EQ(i.rto_expiries, 1);
        } else {
            /* 2..5 were lost: the peer SACKs the new 6 (above `recover`). */
            sack_ack(c, base + 1000, base + 5000, base + 6000, MS(900));
            l4_tcp_conn_get_info(c, &i);
            CHECK_EQ(i.spurious_rtos, 0);
            CHECK_EQ(i.undos, 0);
            CHECK_EQU(i.ssthresh, ssthresh_rto);
            RECV(c, MS(900), h); /* conventional recovery: the lost 2 */
            EXPECT(h, A, base + 1000, REMOTE_ISS + 1);
        }
        l4_tcp_conn_del(c);
    }
}

static void test_send_buffer_full_and_writable(void)
{
    l4_tcp_settings s = th_settings();
    s.sndbuf = 3000;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    uint8_t d[5000] = {0};
    CHECK_EQ(l4_tcp_conn_send(c, d, sizeof d, MS(200)), 3000);
    CHECK_EQ(l4_tcp_conn_send(c, d, 1, MS(200)), L4_ERR_AGAIN);
    CHECK_EQ(l4_tcp_conn_send(c, d, 0, MS(200)), L4_ERR_AGAIN);
    CHECK_EQU(l4_tcp_conn_send_queued(c), 3000);
    while (th_recv(c, B, sizeof B, &h, MS(200)) == 1)
        ;
    CHECK_EQ(EV.writable, 0);
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1001, 65535, NULL, 0, MS(300));
    CHECK_EQ(EV.writable, 1);
    CHECK_EQU(l4_tcp_conn_send_queued(c), 2000);
    CHECK_EQ(l4_tcp_conn_send(c, d, sizeof d, MS(300)), 1000);
    l4_tcp_conn_del(c);
}

static void test_window_scale_up_to_1gib(void)
{
    l4_tcp_settings s = th_settings();
    s.window_scale = 1;
    s.rcvbuf = 4 * 1024 * 1024;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    CHECK_EQU(h.opts.wscale, 7); /* 4 MiB >> 7 = 32768 */
    l4_tcp_hdr sa = th_seg(S | A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_WSCALE;
    sa.opts.wscale = 15; /* clamped to 14 (RFC 7323 §2.3) */
    th_send(c, &sa, MS(10));
    RECV(c, MS(10), h);
    CHECK_EQU(h.window, 32768);
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, NULL, 0, MS(20));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.snd_wscale, 14);
    CHECK_EQU(i.snd_wnd, 65535ull << 14); /* just under 1 GiB */
    CHECK_EQU(i.rcv_wnd, 32768u << 7);
    l4_tcp_conn_del(c);
    s.rcvbuf = (1u << 30) + 1;
    CHECK_EQ(l4_tcp_conn_new(&c, &s, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
}

static void test_ipv6_checksums(void)
{
    l4_tcp_settings s = th_settings();
    l4_tcp_conn *c = mk(&s);
    uint8_t a6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    uint8_t b6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    l4_addr la = l4_addr_v6(a6), ra = l4_addr_v6(b6), r4 = th_remote();
    CHECK_EQ(l4_tcp_conn_connect(c, &la, LOCAL_PORT, &r4, REMOTE_PORT, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0), 0);
    uint8_t ecn;
    l4_ssize n = l4_tcp_conn_output(c, B, sizeof B, &ecn, 0);
    CHECK(n > 0);
    l4_tcp_hdr h;
    CHECK_EQ(l4_tcp_parse(&h, B, (size_t)n, &la, &ra), 0);
    l4_addr l4 = th_local();
    CHECK_EQ(l4_tcp_parse(&h, B, (size_t)n, &l4, &r4), L4_ERR_CHECKSUM); /* v6 pseudo-header */
    CHECK_EQ(l4_tcp_parse(&h, B, (size_t)n, &la, &ra), 0);
    EXPECT(h, S, LOCAL_ISS, 0);
    l4_tcp_conn_del(c);
}

static void test_close_in_syn_received_and_syn_sent(void)
{
    l4_tcp_conn *c = mk_listen(NULL);
    l4_tcp_hdr h;
    SEND(c, S, REMOTE_ISS, 0, 5000, NULL, 0, 0);
    RECV(c, 0, h);
    /* CLOSE in SYN_RECEIVED: the FIN waits for the handshake (RFC 9293 §3.10.4). */
    CHECK_EQ(l4_tcp_conn_shutdown(c, MS(1)), 0);
    STATE(c, L4_TCP_SYN_RECEIVED);
    RECV_NONE(c, MS(1));
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 5000, NULL, 0, MS(2));
    STATE(c, L4_TCP_FIN_WAIT_1);
    CHECK_EQ(EV.established, 1);
    RECV(c, MS(2), h);
    EXPECT(h, A | F, LOCAL_ISS + 1, REMOTE_ISS + 1);
    l4_tcp_conn_del(c);
    /* CLOSE in SYN_SENT and in LISTEN: straight to CLOSED, nothing sent. */
    c = mk(NULL);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    RECV(c, 0, h);
    CHECK_EQ(l4_tcp_conn_close(c, MS(1)), 0);
    STATE(c, L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_NORMAL);
    RECV_NONE(c, MS(1));
    CHECK_EQU(l4_tcp_conn_next_timeout(c), L4_TIME_NONE);
    l4_tcp_conn_del(c);
    c = mk_listen(NULL);
    CHECK_EQ(l4_tcp_conn_close(c, 0), 0);
    STATE(c, L4_TCP_CLOSED);
    l4_tcp_conn_del(c);
}

static void test_sender_sws_override_timer(void)
{
    l4_tcp_conn *c = mk_est(NULL); /* the peer offered 65535 in its SYN-ACK */
    l4_tcp_hdr h;
    uint8_t d[3000] = {0};
    l4_tcp_conn_send(c, d, 1000, MS(200));
    RECV(c, MS(200), h);
    /* ACKed, but the window shrinks to 300 bytes: below half the largest
       window seen, so the 2000 queued bytes wait (sender SWS avoidance)... */
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1001, 300, NULL, 0, MS(300));
    l4_tcp_conn_send(c, d, 2000, MS(300));
    RECV_NONE(c, MS(300));
    /* ...until the override timeout (the persist timer, one RTO = 300 ms). */
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(600));
    l4_tcp_conn_handle_timeout(c, MS(600));
    RECV(c, MS(600), h);
    EXPECT(h, A, LOCAL_ISS + 1001, REMOTE_ISS + 1);
    CHECK_EQ(h.payload_len, 300);
    RECV_NONE(c, MS(600));
    l4_tcp_conn_del(c);
}

static void test_answers_peer_keepalive_and_window_probe(void)
{
    l4_tcp_settings s = th_settings();
    s.rcvbuf = 2000;
    l4_tcp_conn *c = mk_est(&s);
    l4_tcp_hdr h;
    /* A keepalive probe (SEG.SEQ = RCV.NXT - 1, no data) gets an ACK. */
    SEND(c, A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0, MS(200));
    RECV(c, MS(200), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    /* Fill our window, then the peer probes it with one byte. */
    uint8_t d[2000] = {0};
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, d, 2000, MS(300));
    RECV(c, MS(300), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 2001);
    CHECK_EQU(h.window, 0);
    SEND(c, A, REMOTE_ISS + 2001, LOCAL_ISS + 1, 65535, "p", 1, MS(400));
    RECV(c, MS(400), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 2001); /* not taken, window still 0 */
    CHECK_EQU(h.window, 0);
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(500)), 2000);
    RECV(c, MS(500), h); /* the window update */
    CHECK_EQU(h.window, 2000);
    SEND(c, A, REMOTE_ISS + 2001, LOCAL_ISS + 1, 65535, "p", 1, MS(600));
    CHECK_EQ(l4_tcp_conn_recv(c, B, sizeof B, MS(600)), 1);
    l4_tcp_conn_del(c);
}

static void test_rto_3s_after_lost_syn(void)
{
    l4_tcp_conn *c = mk(NULL);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    l4_tcp_conn_handle_timeout(c, L4_S);
    RECV(c, L4_S, h); /* the SYN again: no RTT sample possible (Karn) */
    SEND(c, S | A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0, MS(1100));
    RECV(c, MS(1100), h);
    STATE(c, L4_TCP_ESTABLISHED);
    l4_tcp_conn_send(c, "x", 1, MS(1200));
    RECV(c, MS(1200), h);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), MS(1200) + 3 * L4_S); /* RFC 6298 §5.7 */
    l4_tcp_conn_del(c);
}

/* RFC 5681 §3.1: "if the SYN or SYN/ACK is lost, the initial window used by
   a sender after a correctly transmitted SYN MUST be one segment". Without
   a loss the window is 4 segments of 1000 bytes (RFC 5681 §3.1 eq. 1). */
static void test_iw_one_segment_after_lost_syn(void)
{
    static uint8_t d[8000];
    l4_tcp_hdr h;
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_settings s = th_settings();
    s.nodelay = 1;
    for (int lost = 0; lost < 2; lost++) {
        /* Active open: the first SYN is lost, the second is answered. */
        l4_tcp_conn *c = mk(&s);
        l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
        RECV(c, 0, h);
        l4_time t = MS(100);
        if (lost) {
            l4_tcp_conn_handle_timeout(c, L4_S);
            RECV(c, L4_S, h);
            EXPECT(h, S, LOCAL_ISS, 0);
            t = MS(1100);
        }
        l4_tcp_hdr sa = th_seg(S | A, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
        sa.opts.present = L4_TCP_HAS_MSS;
        sa.opts.mss = 1000;
        CHECK_EQ(th_send(c, &sa, t), 0);
        RECV(c, t, h);
        l4_tcp_info i;
        l4_tcp_conn_get_info(c, &i);
        CHECK_EQU(i.cwnd, lost ? 1000 : 4000);
        CHECK_EQU(i.ssthresh, UINT64_MAX); /* only the window: ssthresh stays high */
        l4_tcp_conn_send(c, d, sizeof d, t);
        CHECK_EQ(drain_data(c, t, NULL), lost ? 1 : 4);
        /* Slow start from there: the ACK of one segment adds one to cwnd
           (2000 with nothing left in flight, or 5000 with 3000 out). */
        SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1001, 65535, NULL, 0, t + MS(100));
        CHECK_EQ(drain_data(c, t + MS(100), NULL), 2);
        l4_tcp_conn_del(c);

        /* Passive open: the SYN-ACK is lost, the peer's SYN comes again. */
        c = mk_listen(&s);
        l4_tcp_hdr syn = th_seg(S, REMOTE_ISS, 0, 65535, NULL, 0);
        syn.opts.present = L4_TCP_HAS_MSS;
        syn.opts.mss = 1000;
        CHECK_EQ(th_send(c, &syn, 0), 0);
        RECV(c, 0, h);
        EXPECT(h, S | A, LOCAL_ISS, REMOTE_ISS + 1);
        if (lost) {
            CHECK_EQ(th_send(c, &syn, L4_S), 0);
            RECV(c, L4_S, h);
            EXPECT(h, S | A, LOCAL_ISS, REMOTE_ISS + 1);
        }
        SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 65535, NULL, 0, MS(1100));
        STATE(c, L4_TCP_ESTABLISHED);
        l4_tcp_conn_send(c, d, sizeof d, MS(1100));
        CHECK_EQ(drain_data(c, MS(1100), NULL), lost ? 1 : 4);
        l4_tcp_conn_del(c);
    }
}

enum { ECE = L4_TCP_ECE, CWR = L4_TCP_CWR };

static void test_ecn_negotiation_and_echo(void)
{
    l4_tcp_settings s = th_settings();
    s.ecn = 1;
    s.nodelay = 1;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    EXPECT(h, S | ECE | CWR, LOCAL_ISS, 0); /* ECN-setup SYN */
    CHECK_EQ(th_last_ecn, 0);
    l4_tcp_hdr sa = th_seg(S | A | ECE, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_MSS;
    sa.opts.mss = 1000;
    th_send(c, &sa, MS(100));
    RECV(c, MS(100), h);
    EXPECT(h, A, LOCAL_ISS + 1, REMOTE_ISS + 1);
    CHECK_EQ(th_last_ecn, 0); /* pure ACKs are Not-ECT */
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.ecn_ok, 1);
    /* New data is ECT(0). */
    l4_tcp_conn_send(c, "abc", 3, MS(200));
    RECV(c, MS(200), h);
    CHECK_EQ(th_last_ecn, 2);
    /* A CE-marked segment from the peer: ECE on our ACKs until its CWR. */
    l4_tcp_hdr d = th_seg(A, REMOTE_ISS + 1, LOCAL_ISS + 4, 65535, "xy", 2);
    CHECK_EQ(l4_tcp_conn_input_from(c, &ra, &d, 3, MS(210)), 0);
    RECV(c, MS(210), h);
    EXPECT(h, A | ECE, LOCAL_ISS + 4, REMOTE_ISS + 3);
    SEND(c, A, REMOTE_ISS + 3, LOCAL_ISS + 4, 65535, "z", 1, MS(220));
    l4_tcp_conn_handle_timeout(c, MS(260));
    RECV(c, MS(260), h);
    EXPECT(h, A | ECE, LOCAL_ISS + 4, REMOTE_ISS + 4);
    SEND(c, A | CWR, REMOTE_ISS + 4, LOCAL_ISS + 4, 65535, "w", 1, MS(270));
    l4_tcp_conn_handle_timeout(c, MS(310));
    RECV(c, MS(310), h);
    EXPECT(h, A, LOCAL_ISS + 4, REMOTE_ISS + 5);
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.ce_received, 1);
    l4_tcp_conn_del(c);
}

static void test_ecn_sender_reaction_once_per_window(void)
{
    l4_tcp_settings s = th_settings();
    s.ecn = 1;
    s.nodelay = 1;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    l4_tcp_hdr sa = th_seg(S | A | ECE, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_MSS;
    sa.opts.mss = 1000;
    th_send(c, &sa, MS(100));
    RECV(c, MS(100), h);
    uint8_t d[8000] = {0};
    l4_tcp_conn_send(c, d, sizeof d, MS(200));
    for (int k = 0; k < 4; k++)
        RECV(c, MS(200), h); /* IW: 4 segments */
    /* The peer echoes a CE mark: cwnd and ssthresh halve (flight 4000). */
    SEND(c, A | ECE, REMOTE_ISS + 1, LOCAL_ISS + 3001, 65535, NULL, 0, MS(300));
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.ssthresh, 2000);
    CHECK_EQU(i.cwnd, 2000);
    CHECK_EQ(i.ecn_reductions, 1);
    /* One segment fits (flight 1000); it carries CWR. */
    RECV(c, MS(300), h);
    EXPECT(h, A | CWR, LOCAL_ISS + 4001, REMOTE_ISS + 1);
    CHECK_EQ(th_last_ecn, 2);
    RECV_NONE(c, MS(300));
    /* More ECE before that window is acked: no second cut. */
    SEND(c, A | ECE, REMOTE_ISS + 1, LOCAL_ISS + 3001, 65535, NULL, 0, MS(310));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.ecn_reductions, 1);
    CHECK_EQU(i.cwnd, 2000);
    /* The next window's ECE cuts again. */
    SEND(c, A | ECE, REMOTE_ISS + 1, LOCAL_ISS + 4001, 65535, NULL, 0, MS(320));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.ecn_reductions, 2);
    l4_tcp_conn_del(c);
}

/* RFC 8257 §3.2: with DCTCP, ECN is negotiated without the `ecn` setting,
   ECE marks exactly the ACKs of CE-marked data, and a CE state change with a
   delayed ACK pending first acknowledges the earlier data with the old state. */
static void test_dctcp_per_packet_echo(void)
{
    l4_tcp_settings s = th_settings();
    s.cc = "dctcp";
    s.nodelay = 1;
    l4_tcp_conn *c = mk(&s);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    l4_tcp_hdr h;
    RECV(c, 0, h);
    EXPECT(h, S | ECE | CWR, LOCAL_ISS, 0);
    l4_tcp_hdr sa = th_seg(S | A | ECE, REMOTE_ISS, LOCAL_ISS + 1, 65535, NULL, 0);
    sa.opts.present = L4_TCP_HAS_MSS;
    sa.opts.mss = 1000;
    th_send(c, &sa, MS(100));
    RECV(c, MS(100), h);
    uint8_t d[500] = {0};
    uint32_t r = REMOTE_ISS + 1;
    /* Not marked: delayed. */
    l4_tcp_hdr g = th_seg(A, r, LOCAL_ISS + 1, 65535, d, 500);
    CHECK_EQ(l4_tcp_conn_input_from(c, &ra, &g, 0, MS(200)), 0);
    RECV_NONE(c, MS(200));
    /* CE: the earlier 500 bytes are acknowledged without ECE, then this
       segment at once with ECE. */
    g = th_seg(A, r + 500, LOCAL_ISS + 1, 65535, d, 500);
    CHECK_EQ(l4_tcp_conn_input_from(c, &ra, &g, 3, MS(201)), 0);
    RECV(c, MS(201), h);
    EXPECT(h, A, LOCAL_ISS + 1, r + 500);
    RECV(c, MS(201), h);
    EXPECT(h, A | ECE, LOCAL_ISS + 1, r + 1000);
    RECV_NONE(c, MS(201));
    /* CE again: no change, delayed ACK; the ACK that goes out carries ECE. */
    g = th_seg(A, r + 1000, LOCAL_ISS + 1, 65535, d, 500);
    CHECK_EQ(l4_tcp_conn_input_from(c, &ra, &g, 3, MS(202)), 0);
    RECV_NONE(c, MS(202));
    /* A CWR from the peer does not end the echo (only the CE state does). */
    /* Not marked: the pending ACK goes out with ECE, then this one without. */
    g = th_seg(A | CWR, r + 1500, LOCAL_ISS + 1, 65535, d, 500);
    CHECK_EQ(l4_tcp_conn_input_from(c, &ra, &g, 2, MS(203)), 0);
    RECV(c, MS(203), h);
    EXPECT(h, A | ECE, LOCAL_ISS + 1, r + 1500);
    RECV(c, MS(203), h);
    EXPECT(h, A, LOCAL_ISS + 1, r + 2000);
    RECV_NONE(c, MS(203));
    /* Unchanged and unmarked: the delayed ACK has no ECE. */
    g = th_seg(A, r + 2000, LOCAL_ISS + 1, 65535, d, 500);
    CHECK_EQ(l4_tcp_conn_input_from(c, &ra, &g, 2, MS(204)), 0);
    RECV_NONE(c, MS(204));
    l4_tcp_conn_handle_timeout(c, MS(244));
    RECV(c, MS(244), h);
    EXPECT(h, A, LOCAL_ISS + 1, r + 2500);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.ce_received, 2);

    /* Sender side: data is ECT(0); an ECE ACK reports its bytes as marked
       (alpha = 1 after the first window: cwnd 4000 -> 2000). */
    uint8_t big[4000] = {0};
    l4_tcp_conn_send(c, big, sizeof big, MS(300));
    for (int k = 0; k < 4; k++) {
        RECV(c, MS(300), h);
        CHECK_EQ(th_last_ecn, 2);
    }
    SEND(c, A | ECE, r + 2500, LOCAL_ISS + 1001, 65535, NULL, 0, MS(400));
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.cwnd, 2000);
    CHECK_EQU(i.ssthresh, 2000);
    l4_tcp_conn_del(c);
}

/* Pacing: with an algorithm that gives a pacing rate (BBR), data leaves in a
   burst of the pacer's bucket and then one segment per size/rate; the
   deadline is in next_timeout, and output returns nothing before it. */
static void test_pacing_deadline(void)
{
    l4_tcp_settings s = th_settings();
    s.cc = "bbr";
    s.nodelay = 1;
    l4_tcp_conn *c = mk_est(&s);
    CHECK(c);
    uint8_t d[8000] = {0};
    CHECK_EQ(l4_tcp_conn_send(c, d, sizeof d, MS(200)), (l4_ssize)sizeof d);
    l4_tcp_hdr h;
    int burst = 0;
    while (th_recv(c, B, sizeof B, &h, MS(200)) == 1 && h.payload_len)
        burst++;
    /* A full bucket of 2 segments (2 x 1000 bytes) lets 2 go, leaving it at 0. */
    CHECK_EQ(burst, 2);
    /* The next may leave once a byte has accrued (~0.1 us), then the bucket
       is a segment in debt. */
    l4_time t = l4_tcp_conn_next_timeout(c);
    CHECK_MSG(t > MS(200) && t < MS(200) + L4_US, "first deadline %llu", (unsigned long long)t);
    RECV_NONE(c, t - 1);
    l4_tcp_conn_handle_timeout(c, t);
    RECV(c, t, h);
    CHECK_EQU(h.payload_len, 1000);
    RECV_NONE(c, t);
    /* BBR before its first bandwidth sample paces at 2.885 * IW per ms, the
       IW of the MSS learned from the SYN-ACK (4 x 1000 B: 11.54 MB/s; the
       536-byte IW of the reset at connect gave 6.19 MB/s): about 87 us per
       1000-byte segment. */
    l4_time t2 = l4_tcp_conn_next_timeout(c);
    CHECK_MSG(t2 > t + 80 * L4_US && t2 < t + 95 * L4_US, "pacer deadline +%llu ns",
              (unsigned long long)(t2 - t));
    RECV_NONE(c, t2 - 1);
    l4_tcp_conn_handle_timeout(c, t2);
    RECV(c, t2, h);
    CHECK_EQU(h.payload_len, 1000);
    l4_tcp_conn_del(c);
}

static void test_ecn_passive_and_not_negotiated(void)
{
    l4_tcp_settings s = th_settings();
    s.ecn = 1;
    l4_tcp_conn *c = mk_listen(&s);
    l4_tcp_hdr h;
    SEND(c, S | ECE | CWR, REMOTE_ISS, 0, 5000, NULL, 0, 0);
    RECV(c, 0, h);
    EXPECT(h, S | A | ECE, LOCAL_ISS, REMOTE_ISS + 1);
    l4_tcp_conn_del(c);
    c = mk_listen(&s); /* a SYN that does not ask */
    SEND(c, S, REMOTE_ISS, 0, 5000, NULL, 0, 0);
    RECV(c, 0, h);
    EXPECT(h, S | A, LOCAL_ISS, REMOTE_ISS + 1);
    l4_tcp_conn_del(c);
    c = mk_listen(NULL); /* ECN off here: no ECE back */
    SEND(c, S | ECE | CWR, REMOTE_ISS, 0, 5000, NULL, 0, 0);
    RECV(c, 0, h);
    EXPECT(h, S | A, LOCAL_ISS, REMOTE_ISS + 1);
    SEND(c, A, REMOTE_ISS + 1, LOCAL_ISS + 1, 5000, NULL, 0, MS(1));
    l4_tcp_conn_send(c, "abc", 3, MS(2));
    RECV(c, MS(2), h);
    CHECK_EQ(th_last_ecn, 0);
    l4_tcp_conn_del(c);
}

static const l4_test TESTS[] = {
    TEST(test_active_open_options_and_handshake),
    TEST(test_passive_open_mirrors_options),
    TEST(test_listen_rejects_ack_ignores_rst),
    TEST(test_syn_sent_segments),
    TEST(test_simultaneous_open),
    TEST(test_syn_received_rst_returns_to_listen),
    TEST(test_syn_retransmission_and_timeout),
    TEST(test_data_delayed_ack_and_every_second_segment),
    TEST(test_out_of_order_reassembly),
    TEST(test_sack_blocks_most_recent_first),
    TEST(test_rst_rules_rfc5961),
    TEST(test_challenge_ack_rate_limit),
    TEST(test_unacceptable_segments_get_ack),
    TEST(test_active_close_through_time_wait),
    TEST(test_passive_close_last_ack),
    TEST(test_simultaneous_close),
    TEST(test_fin_wait_1_fin_ack_to_time_wait),
    TEST(test_fin_wait_2_timeout_after_close),
    TEST(test_close_with_unread_data_and_data_after_close),
    TEST(test_abort_sends_rst),
    TEST(test_rto_backoff_exact_times),
    TEST(test_karn_no_sample_from_retransmission),
    TEST(test_fast_retransmit_newreno),
    TEST(test_zero_window_probe_backoff),
    TEST(test_keepalive_probes_and_timeout),
    TEST(test_nagle_holds_small_segments),
    TEST(test_window_update_after_read),
    TEST(test_paws_drops_old_timestamp),
    TEST(test_urgent_pointer_reported),
    TEST(test_sequence_wraparound),
    TEST(test_api_errors_and_names),
    TEST(test_isn_rfc6528),
    TEST(test_sack_recovery_retransmits_only_the_hole),
    TEST(test_rto_go_back_skips_sacked),
    TEST(test_rto_in_sack_recovery_ssthresh_and_no_new_recovery),
    TEST(test_rto_newreno_dupacks_below_recover),
    TEST(test_lost_retransmission_resent_on_later_sacks),
    TEST(test_tlp_repairs_tail_loss),
    TEST(test_tlp_single_segment),
    TEST(test_dsack_blocks),
    TEST(test_dsack_undoes_spurious_recovery),
    TEST(test_frto_spurious_and_real_timeout),
    TEST(test_send_buffer_full_and_writable),
    TEST(test_window_scale_up_to_1gib),
    TEST(test_ipv6_checksums),
    TEST(test_close_in_syn_received_and_syn_sent),
    TEST(test_sender_sws_override_timer),
    TEST(test_answers_peer_keepalive_and_window_probe),
    TEST(test_rto_3s_after_lost_syn),
    TEST(test_iw_one_segment_after_lost_syn),
    TEST(test_ecn_negotiation_and_echo),
    TEST(test_ecn_sender_reaction_once_per_window),
    TEST(test_ecn_passive_and_not_negotiated),
    TEST(test_dctcp_per_packet_echo),
    TEST(test_pacing_deadline),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
