/*
 * tests/tcp/state_table_test.c — every state × every kind of arriving
 * segment (RFC 9293 §3.10.7, RFC 5961): the exact reply and the next state.
 *
 * For each state the table knows SN (the next sequence number we would
 * send) and RN (the next one we expect). The peer's segment kinds are:
 *   SYN      <SEQ=RN><CTL=SYN>
 *   SYNACK   <SEQ=RN><ACK=SN><CTL=SYN,ACK>
 *   ACK      <SEQ=RN><ACK=SN><CTL=ACK>
 *   FIN      <SEQ=RN><ACK=SN><CTL=FIN,ACK> (a retransmission, SEQ=RN-1, once
 *            the peer's FIN was already received)
 *   RST      <SEQ=RN><CTL=RST>
 *   DATA     <SEQ=RN><ACK=SN><CTL=ACK> + 3 bytes
 *   OOW      <SEQ=RN+100000><ACK=SN><CTL=ACK> + 3 bytes (outside the window)
 *   BADACK   <SEQ=RN><ACK=SN+1000><CTL=ACK> (acknowledges unsent data)
 */
#include "check.h"
#include "harness.h"

static uint8_t B[4096];
static th_events EV;

enum { A = L4_TCP_ACK, S = L4_TCP_SYN, F = L4_TCP_FIN, R = L4_TCP_RST };
enum { K_SYN, K_SYNACK, K_ACK, K_FIN, K_RST, K_DATA, K_OOW, K_BADACK, K_COUNT };
static const char *const kind_name[] = {"SYN", "SYNACK", "ACK", "FIN",
                                        "RST", "DATA",   "OOW", "BADACK"};

#define I  LOCAL_ISS
#define RR REMOTE_ISS

typedef struct row {
    l4_tcp_state st;
    int kind;
    uint8_t reply; /* 0: nothing is sent */
    uint32_t seq, ack;
    l4_tcp_state next;
} row;

/* SN and RN per state (see the top comment); fin_in: the peer's FIN was received. */
static void sn_rn(l4_tcp_state st, uint32_t *sn, uint32_t *rn, int *fin_in)
{
    *fin_in = 0;
    switch (st) {
    case L4_TCP_LISTEN:
    case L4_TCP_SYN_SENT:
        *sn = I + 1;
        *rn = RR;
        break;
    case L4_TCP_SYN_RECEIVED:
    case L4_TCP_ESTABLISHED:
    case L4_TCP_CLOSED:
        *sn = I + 1;
        *rn = RR + 1;
        break;
    case L4_TCP_FIN_WAIT_1:
    case L4_TCP_FIN_WAIT_2:
        *sn = I + 2;
        *rn = RR + 1;
        break;
    case L4_TCP_CLOSE_WAIT:
        *sn = I + 1;
        *rn = RR + 2;
        *fin_in = 1;
        break;
    default: /* CLOSING, LAST_ACK, TIME_WAIT */
        *sn = I + 2;
        *rn = RR + 2;
        *fin_in = 1;
        break;
    }
}

#define LS L4_TCP_LISTEN
#define SS L4_TCP_SYN_SENT
#define SR L4_TCP_SYN_RECEIVED
#define ES L4_TCP_ESTABLISHED
#define F1 L4_TCP_FIN_WAIT_1
#define F2 L4_TCP_FIN_WAIT_2
#define CW L4_TCP_CLOSE_WAIT
#define CG L4_TCP_CLOSING
#define LA L4_TCP_LAST_ACK
#define TW L4_TCP_TIME_WAIT
#define CL L4_TCP_CLOSED

static const row TABLE[] = {
    /* LISTEN: SYN opens; anything with ACK gets <SEQ=SEG.ACK><RST>; RST ignored. */
    {LS, K_SYN, S | A, I, RR + 1, SR},
    {LS, K_SYNACK, R, I + 1, 0, LS},
    {LS, K_ACK, R, I + 1, 0, LS},
    {LS, K_FIN, R, I + 1, 0, LS},
    {LS, K_RST, 0, 0, 0, LS},
    {LS, K_DATA, R, I + 1, 0, LS},
    {LS, K_OOW, R, I + 1, 0, LS},
    {LS, K_BADACK, R, I + 1001, 0, LS},
    /* SYN_SENT. */
    {SS, K_SYN, S | A, I, RR + 1, SR}, /* simultaneous open */
    {SS, K_SYNACK, A, I + 1, RR + 1, ES},
    {SS, K_ACK, 0, 0, 0, SS},
    {SS, K_FIN, 0, 0, 0, SS},
    {SS, K_RST, 0, 0, 0, SS}, /* no ACK: not acceptable */
    {SS, K_DATA, 0, 0, 0, SS},
    {SS, K_OOW, 0, 0, 0, SS},
    {SS, K_BADACK, R, I + 1001, 0, SS},
    /* SYN_RECEIVED (passive). */
    {SR, K_SYN, 0, 0, 0, LS},
    {SR, K_SYNACK, 0, 0, 0, LS},
    {SR, K_ACK, 0, 0, 0, ES},
    {SR, K_FIN, A, I + 1, RR + 2, CW},
    {SR, K_RST, 0, 0, 0, LS},
    {SR, K_DATA, 0, 0, 0, ES}, /* ACK delayed */
    {SR, K_OOW, A, I + 1, RR + 1, SR},
    {SR, K_BADACK, R, I + 1001, 0, SR},
    /* ESTABLISHED. */
    {ES, K_SYN, A, I + 1, RR + 1, ES}, /* RFC 5961 §4 challenge */
    {ES, K_SYNACK, A, I + 1, RR + 1, ES},
    {ES, K_ACK, 0, 0, 0, ES},
    {ES, K_FIN, A, I + 1, RR + 2, CW},
    {ES, K_RST, 0, 0, 0, CL},
    {ES, K_DATA, 0, 0, 0, ES},
    {ES, K_OOW, A, I + 1, RR + 1, ES},
    {ES, K_BADACK, A, I + 1, RR + 1, ES}, /* RFC 5961 §5.2 */
    /* FIN_WAIT_1 (our FIN sent, not acked). */
    {F1, K_SYN, A, I + 2, RR + 1, F1},
    {F1, K_SYNACK, A, I + 2, RR + 1, F1},
    {F1, K_ACK, 0, 0, 0, F2},
    {F1, K_FIN, A, I + 2, RR + 2, TW},
    {F1, K_RST, 0, 0, 0, CL},
    {F1, K_DATA, 0, 0, 0, F2},
    {F1, K_OOW, A, I + 2, RR + 1, F1},
    {F1, K_BADACK, A, I + 2, RR + 1, F1},
    /* FIN_WAIT_2. */
    {F2, K_SYN, A, I + 2, RR + 1, F2},
    {F2, K_SYNACK, A, I + 2, RR + 1, F2},
    {F2, K_ACK, 0, 0, 0, F2},
    {F2, K_FIN, A, I + 2, RR + 2, TW},
    {F2, K_RST, 0, 0, 0, CL},
    {F2, K_DATA, 0, 0, 0, F2},
    {F2, K_OOW, A, I + 2, RR + 1, F2},
    {F2, K_BADACK, A, I + 2, RR + 1, F2},
    /* CLOSE_WAIT (peer's FIN received). */
    {CW, K_SYN, A, I + 1, RR + 2, CW},
    {CW, K_SYNACK, A, I + 1, RR + 2, CW},
    {CW, K_ACK, 0, 0, 0, CW},
    {CW, K_FIN, A, I + 1, RR + 2, CW},
    {CW, K_RST, 0, 0, 0, CL},
    {CW, K_DATA, 0, 0, 0, CW}, /* text after FIN is ignored */
    {CW, K_OOW, A, I + 1, RR + 2, CW},
    {CW, K_BADACK, A, I + 1, RR + 2, CW},
    /* CLOSING (FINs crossed; ours not acked). */
    {CG, K_SYN, A, I + 2, RR + 2, CG},
    {CG, K_SYNACK, A, I + 2, RR + 2, CG},
    {CG, K_ACK, 0, 0, 0, TW},
    {CG, K_FIN, A, I + 2, RR + 2, CG},
    {CG, K_RST, 0, 0, 0, CL},
    {CG, K_DATA, 0, 0, 0, TW}, /* its ACK field acks our FIN */
    {CG, K_OOW, A, I + 2, RR + 2, CG},
    {CG, K_BADACK, A, I + 2, RR + 2, CG},
    /* LAST_ACK. */
    {LA, K_SYN, A, I + 2, RR + 2, LA},
    {LA, K_SYNACK, A, I + 2, RR + 2, LA},
    {LA, K_ACK, 0, 0, 0, CL},
    {LA, K_FIN, A, I + 2, RR + 2, LA},
    {LA, K_RST, 0, 0, 0, CL},
    {LA, K_DATA, 0, 0, 0, CL},
    {LA, K_OOW, A, I + 2, RR + 2, LA},
    {LA, K_BADACK, A, I + 2, RR + 2, LA},
    /* TIME_WAIT. */
    {TW, K_SYN, A, I + 2, RR + 2, TW},
    {TW, K_SYNACK, A, I + 2, RR + 2, TW},
    {TW, K_ACK, 0, 0, 0, TW},
    {TW, K_FIN, A, I + 2, RR + 2, TW},
    {TW, K_RST, 0, 0, 0, TW}, /* RFC 1337 TW1 (settings.rfc1337, default on) */
    {TW, K_DATA, 0, 0, 0, TW},
    {TW, K_OOW, A, I + 2, RR + 2, TW},
    {TW, K_BADACK, A, I + 2, RR + 2, TW},
    /* CLOSED (after a reset): RFC 9293 §3.10.7.1. */
    {CL, K_SYN, R | A, 0, RR + 2, CL},
    {CL, K_SYNACK, R, I + 1, 0, CL},
    {CL, K_ACK, R, I + 1, 0, CL},
    {CL, K_FIN, R, I + 1, 0, CL},
    {CL, K_RST, 0, 0, 0, CL},
    {CL, K_DATA, R, I + 1, 0, CL},
    {CL, K_OOW, R, I + 1, 0, CL},
    {CL, K_BADACK, R, I + 1001, 0, CL},
};

/* Takes one segment; 1 if there was one. */
static int take(l4_tcp_conn *c, l4_tcp_hdr *h, l4_time now)
{
    return th_recv(c, B, sizeof B, h, now);
}

static void feed(l4_tcp_conn *c, uint8_t fl, uint32_t seq, uint32_t ack, const char *d, size_t n,
                 l4_time now)
{
    l4_tcp_hdr s = th_seg(fl, seq, ack, 8192, d, n);
    th_send(c, &s, now);
}

/* Builds a connection in state `st` with nothing left to send. */
static l4_tcp_conn *drive_to(l4_tcp_state st)
{
    memset(&EV, 0, sizeof EV);
    l4_tcp_settings s = th_settings();
    l4_tcp_conn *c = NULL;
    if (l4_tcp_conn_new(&c, &s, &th_callbacks, &EV) != 0)
        return NULL;
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_hdr h;
    l4_time t = L4_MS;
    if (st == L4_TCP_LISTEN || st == L4_TCP_SYN_RECEIVED) {
        l4_tcp_conn_listen(c, &la, LOCAL_PORT, 0);
        if (st == L4_TCP_SYN_RECEIVED) {
            feed(c, S, RR, 0, NULL, 0, t);
            take(c, &h, t);
        }
        return c;
    }
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    take(c, &h, 0);
    if (st == L4_TCP_SYN_SENT)
        return c;
    feed(c, S | A, RR, I + 1, NULL, 0, t);
    take(c, &h, t);
    switch (st) {
    case L4_TCP_ESTABLISHED:
        break;
    case L4_TCP_CLOSED:
        feed(c, R, RR + 1, 0, NULL, 0, t);
        break;
    case L4_TCP_FIN_WAIT_1:
    case L4_TCP_FIN_WAIT_2:
    case L4_TCP_CLOSING:
    case L4_TCP_TIME_WAIT:
        l4_tcp_conn_shutdown(c, t);
        take(c, &h, t);
        if (st == L4_TCP_FIN_WAIT_2 || st == L4_TCP_TIME_WAIT)
            feed(c, A, RR + 1, I + 2, NULL, 0, t);
        if (st == L4_TCP_CLOSING || st == L4_TCP_TIME_WAIT) {
            feed(c, F | A, RR + 1, st == L4_TCP_CLOSING ? I + 1 : I + 2, NULL, 0, t);
            take(c, &h, t);
        }
        break;
    case L4_TCP_CLOSE_WAIT:
    case L4_TCP_LAST_ACK:
        feed(c, F | A, RR + 1, I + 1, NULL, 0, t);
        take(c, &h, t);
        if (st == L4_TCP_LAST_ACK) {
            l4_tcp_conn_shutdown(c, t);
            take(c, &h, t);
        }
        break;
    default:
        break;
    }
    return c;
}

static void test_drive_to_every_state(void)
{
    for (int st = L4_TCP_CLOSED; st <= L4_TCP_TIME_WAIT; st++) {
        l4_tcp_conn *c = drive_to((l4_tcp_state)st);
        CHECK(c);
        CHECK_STR(l4_tcp_state_name(l4_tcp_conn_state(c)), l4_tcp_state_name((l4_tcp_state)st));
        l4_tcp_hdr h;
        CHECK_EQ(take(c, &h, 2 * L4_MS), 0); /* nothing queued */
        l4_tcp_conn_del(c);
    }
}

static void test_state_by_segment_table(void)
{
    int rows = (int)(sizeof TABLE / sizeof TABLE[0]);
    CHECK_EQ(rows, 11 * K_COUNT);
    for (int k = 0; k < rows; k++) {
        const row *r = &TABLE[k];
        l4_tcp_conn *c = drive_to(r->st);
        CHECK(c);
        uint32_t sn, rn;
        int fin_in;
        sn_rn(r->st, &sn, &rn, &fin_in);
        l4_time t = 2 * L4_MS;
        switch (r->kind) {
        case K_SYN:
            feed(c, S, rn, 0, NULL, 0, t);
            break;
        case K_SYNACK:
            feed(c, S | A, rn, sn, NULL, 0, t);
            break;
        case K_ACK:
            feed(c, A, rn, sn, NULL, 0, t);
            break;
        case K_FIN:
            feed(c, F | A, fin_in ? rn - 1 : rn, sn, NULL, 0, t);
            break;
        case K_RST:
            feed(c, R, rn, 0, NULL, 0, t);
            break;
        case K_DATA:
            feed(c, A, rn, sn, "abc", 3, t);
            break;
        case K_OOW:
            feed(c, A, rn + 100000, sn, "abc", 3, t);
            break;
        default:
            feed(c, A, rn, sn + 1000, NULL, 0, t);
            break;
        }
        l4_tcp_hdr h;
        int got = take(c, &h, t);
        CHECK_MSG(got == (r->reply ? 1 : 0), "%s + %s: %s a reply", l4_tcp_state_name(r->st),
                  kind_name[r->kind], r->reply ? "expected" : "did not expect");
        if (r->reply) {
            CHECK_MSG(h.flags == r->reply && h.seq == r->seq && h.ack == r->ack,
                      "%s + %s: got flags %02x seq %u ack %u, want %02x %u %u",
                      l4_tcp_state_name(r->st), kind_name[r->kind], h.flags, h.seq, h.ack, r->reply,
                      r->seq, r->ack);
            CHECK_MSG(take(c, &h, t) == 0, "%s + %s: a second segment", l4_tcp_state_name(r->st),
                      kind_name[r->kind]);
        }
        CHECK_MSG(l4_tcp_conn_state(c) == r->next, "%s + %s: state %s, want %s",
                  l4_tcp_state_name(r->st), kind_name[r->kind],
                  l4_tcp_state_name(l4_tcp_conn_state(c)), l4_tcp_state_name(r->next));
        l4_tcp_conn_del(c);
    }
}

/* RFC 1337: a RST in TIME_WAIT, exact or merely in the window, is ignored
   and the 2 MSL wait keeps its deadline; with rfc1337 = 0 the exact RST
   closes at once (RFC 9293 §3.10.7.4) and an inexact one draws a challenge
   ACK (RFC 5961 §3.2). */
static void test_time_wait_rst_rfc1337(void)
{
    uint32_t sn, rn;
    int fin_in;
    sn_rn(L4_TCP_TIME_WAIT, &sn, &rn, &fin_in);
    l4_tcp_conn *c = drive_to(L4_TCP_TIME_WAIT);
    CHECK(c);
    l4_time tw_end = l4_tcp_conn_next_timeout(c);
    CHECK_EQU(tw_end, L4_MS + 2 * 30 * L4_S); /* entered at 1 ms, 2 MSL = 60 s */
    l4_tcp_hdr h;
    feed(c, R, rn, 0, NULL, 0, 10 * L4_S);
    feed(c, R, rn + 5, 0, NULL, 0, 11 * L4_S);
    CHECK_EQ(take(c, &h, 11 * L4_S), 0); /* not even a challenge ACK */
    CHECK_EQ(l4_tcp_conn_state(c), L4_TCP_TIME_WAIT);
    CHECK_EQU(l4_tcp_conn_next_timeout(c), tw_end);
    CHECK_EQ(EV.closed, 0);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.rst_received, 2);
    l4_tcp_conn_handle_timeout(c, tw_end);
    CHECK_EQ(l4_tcp_conn_state(c), L4_TCP_CLOSED);
    CHECK_EQ(EV.reason, L4_TCP_CLOSE_NORMAL);
    l4_tcp_conn_del(c);

    /* Off: RFC 9293 / RFC 5961. */
    memset(&EV, 0, sizeof EV);
    l4_tcp_settings s = th_settings();
    s.rfc1337 = 0;
    c = NULL;
    CHECK_EQ(l4_tcp_conn_new(&c, &s, &th_callbacks, &EV), 0);
    l4_addr la = th_local(), ra = th_remote();
    l4_tcp_conn_connect(c, &la, LOCAL_PORT, &ra, REMOTE_PORT, 0);
    take(c, &h, 0);
    feed(c, S | A, RR, I + 1, NULL, 0, L4_MS);
    take(c, &h, L4_MS);
    l4_tcp_conn_shutdown(c, L4_MS);
    take(c, &h, L4_MS);
    feed(c, A, RR + 1, I + 2, NULL, 0, L4_MS);
    feed(c, F | A, RR + 1, I + 2, NULL, 0, L4_MS);
    take(c, &h, L4_MS);
    CHECK_EQ(l4_tcp_conn_state(c), L4_TCP_TIME_WAIT);
    feed(c, R, rn + 5, 0, NULL, 0, 10 * L4_S);
    CHECK_EQ(take(c, &h, 10 * L4_S), 1);
    CHECK_EQU(h.flags, A); /* challenge ACK */
    CHECK_EQ(l4_tcp_conn_state(c), L4_TCP_TIME_WAIT);
    feed(c, R, rn, 0, NULL, 0, 11 * L4_S);
    CHECK_EQ(take(c, &h, 11 * L4_S), 0);
    CHECK_EQ(l4_tcp_conn_state(c), L4_TCP_CLOSED);
    CHECK_EQ(EV.closed, 1);
    l4_tcp_conn_del(c);
}

static const l4_test TESTS[] = {TEST(test_drive_to_every_state), TEST(test_state_by_segment_table),
                                TEST(test_time_wait_rst_rfc1337), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
