/*
 * tests/tcp/scoreboard_test.c — the SACK scoreboard: growable ranges, the
 * retransmissions-in-flight records, RFC 6675 pipe / NextSeg over the
 * SACKed and lost sets, and RACK's time-based marking (RFC 8985) of
 * segments and copies (white box: tcp/conn_internal.h).
 */
#include "check.h"
#include "tcp/conn_internal.h"
#include "util/err.h"

#define MS(x) ((l4_time)(x)*L4_MS)

/* Hundreds of disjoint ranges are kept (a window of 2000 segments with 5 %
   loss has ~100 holes), in order; the bound is L4_TCP_MAX_RANGES. */
static void test_ranges_grow_and_stay_sorted(void)
{
    l4_tcp_ranges s = {0};
    const uint32_t base = 0xfffff000u; /* wraps through 0 */
    for (uint32_t k = 0; k < 300; k++) /* every other 100-byte block, backwards */
        CHECK_EQ(l4_tcp_ranges_add(&s, base + (299 - k) * 200, base + (299 - k) * 200 + 100), 1);
    CHECK_EQ(s.n, 300);
    for (int i = 1; i < s.n; i++)
        CHECK(l4_seq_lt(s.r[i - 1].right, s.r[i].left));
    CHECK_EQU(l4_tcp_ranges_bytes_above(&s, base), 30000);
    CHECK_EQ(l4_tcp_ranges_find(&s, base + 200 * 150 + 50), 150);
    CHECK_EQ(l4_tcp_ranges_find(&s, base + 200 * 150 + 150), -1);
    CHECK_EQ(l4_tcp_ranges_first_after(&s, base + 200 * 150 + 150), 151);
    /* Filling a gap merges its neighbours. */
    CHECK_EQ(l4_tcp_ranges_add(&s, base + 100, base + 200), 1);
    CHECK_EQ(s.n, 299);
    CHECK_EQU(s.r[0].right, base + 300);
    CHECK_EQ(l4_tcp_ranges_add(&s, base + 10, base + 20), 0); /* covered */
    l4_tcp_ranges_trim_below(&s, base + 200 * 100 + 50);
    CHECK_EQ(s.n, 200);
    CHECK_EQU(s.r[0].left, base + 200 * 100 + 50);
    l4_tcp_ranges_free(&s);
    CHECK_EQ(s.n, 0);
    /* The bound: a new slot past L4_TCP_MAX_RANGES is refused, merges are not. */
    for (uint32_t k = 0; k < L4_TCP_MAX_RANGES; k++)
        CHECK_EQ(l4_tcp_ranges_add(&s, k * 10, k * 10 + 5), 1);
    CHECK_EQ(l4_tcp_ranges_add(&s, L4_TCP_MAX_RANGES * 10, L4_TCP_MAX_RANGES * 10 + 5),
             L4_ERR_LIMIT);
    CHECK_EQ(l4_tcp_ranges_add(&s, 5, 10), 1);
    CHECK_EQ(s.n, L4_TCP_MAX_RANGES - 1);
    l4_tcp_ranges_free(&s);
}

/* Consecutive copies sent at the same SND.MAX share a record; a new copy
   of some bytes replaces the old record's part (split when inside it); at
   the bound a neighbour widens over a copy, so no copy goes uncounted. */
static void test_rexmit_records(void)
{
    l4_tcp_rexmits x = {0};
    CHECK_EQ(l4_tcp_rexmits_add(&x, 1000, 2000, 9000, MS(1)), 0);
    CHECK_EQ(l4_tcp_rexmits_add(&x, 2000, 3000, 9000, MS(2)), 0);
    CHECK_EQ(x.n, 1); /* same mark, adjacent: one record, the later time */
    CHECK_EQU(x.r[0].right, 3000);
    CHECK_EQU(x.r[0].sent, MS(2));
    CHECK_EQ(l4_tcp_rexmits_add(&x, 3000, 4000, 9100, MS(3)), 0);
    CHECK_EQ(x.n, 2); /* another mark: its own record */
    CHECK_EQ(l4_tcp_rexmits_add(&x, 1200, 1300, 9500, MS(4)), 0);
    CHECK_EQ(x.n, 4);
    CHECK_EQU(x.r[0].right, 1200);
    CHECK_EQU(x.r[1].left, 1200);
    CHECK_EQU(x.r[1].mark, 9500);
    CHECK_EQU(x.r[2].left, 1300);
    CHECK_EQU(x.r[2].sent, MS(2));
    CHECK_EQ(l4_tcp_rexmits_add(&x, 1100, 3500, 9900, MS(5)), 0);
    CHECK_EQ(x.n, 3);
    CHECK_EQU(x.r[0].right, 1100);
    CHECK_EQU(x.r[1].left, 1100);
    CHECK_EQU(x.r[1].right, 3500);
    CHECK_EQU(x.r[2].left, 3500);
    CHECK_EQU(l4_tcp_rexmits_bytes(&x), 3000);
    l4_tcp_rexmits_trim_below(&x, 2000);
    CHECK_EQ(x.n, 2);
    CHECK_EQU(x.r[0].left, 2000);
    l4_tcp_rexmits_free(&x);
    /* The bound: L4_TCP_MAX_RANGES separate copies, then one more. */
    for (uint32_t k = 0; k < L4_TCP_MAX_RANGES; k++)
        CHECK_EQ(l4_tcp_rexmits_add(&x, k * 10, k * 10 + 5, k, MS(1)), 0);
    CHECK_EQ(x.n, L4_TCP_MAX_RANGES);
    CHECK_EQ(l4_tcp_rexmits_add(&x, 17, 19, 99999, MS(9)), 0);
    CHECK_EQ(x.n, L4_TCP_MAX_RANGES);
    CHECK_EQU(x.r[1].right, 19); /* [10, 15) widened over [17, 19) */
    CHECK_EQU(x.r[1].mark, 99999);
    CHECK_EQU(x.r[1].sent, MS(9));
    l4_tcp_rexmits_free(&x);
}

/* A sender with SMSS 1000, SND.UNA 0, SND.MAX 20000, each 1000-byte
   segment k first sent at k ms (conn created, fields set as the engine
   would), RACK.min_RTT 100 ms. */
static l4_tcp_conn *mk_sender(void)
{
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    l4_tcp_conn *c = NULL;
    if (l4_tcp_conn_new(&c, &s, NULL, NULL) != 0)
        return NULL;
    c->sack_ok = 1;
    c->smss = 1000;
    c->snd_una = 0;
    c->snd_max = c->snd_nxt = 20000;
    for (uint32_t k = 0; k < 20; k++)
        l4_tcp_sack_sent_new(c, (k + 1) * 1000, MS(k));
    c->rtt.min_rtt = c->rack.min_rtt = MS(100);
    return c;
}

/* The scoreboard's sets: pipe counts what is neither SACKed nor lost, and
   each copy in flight; NextSeg skips a lost stretch whose copy is out;
   marking never covers SACKed bytes or copies; SACKs unmark. */
static void test_pipe_and_next_seg_with_copies_in_flight(void)
{
    l4_tcp_conn *c = mk_sender();
    CHECK(c);
    l4_tcp_ranges_add(&c->sacked, 2000, 5000);
    l4_tcp_ranges_add(&c->sacked, 6000, 9000);
    l4_tcp_ranges_add(&c->sacked, 10000, 12000);
    CHECK_EQU(l4_tcp_sack_pipe(c), 20000 - 8000);
    CHECK_EQU(l4_tcp_sack_mark_lost(c, 0, 6000), 3000); /* [0,2000) and [5000,6000) */
    CHECK_EQU(l4_tcp_sack_mark_lost(c, 0, 6000), 0);
    CHECK_EQU(l4_tcp_sack_pipe(c), 20000 - 8000 - 3000);
    uint32_t seq, len;
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 0);
    CHECK_EQU(len, 2000);
    l4_tcp_sack_sent_rexmit(c, 0, 1000, MS(110));
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 1000);
    CHECK_EQU(len, 1000);
    l4_tcp_sack_sent_rexmit(c, 1000, 1000, MS(110));
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 5000);
    l4_tcp_sack_sent_rexmit(c, 5000, 1000, MS(111));
    CHECK(!l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(l4_tcp_sack_pipe(c), 9000 + 3000);
    /* A copy's bytes are not marked again while it is out. */
    CHECK_EQU(l4_tcp_sack_mark_lost(c, 9000, 10000), 1000);
    CHECK_EQU(l4_tcp_ranges_bytes_above(&c->lost, 0), 4000);
    /* A SACK of lost bytes unmarks them (a split in the middle). */
    l4_tcp_ranges_add(&c->sacked, 9200, 9400);
    l4_tcp_sack_sacked(c, 9200, 9400);
    CHECK_EQU(l4_tcp_ranges_bytes_above(&c->lost, 0), 3800);
    CHECK_EQ(c->lost.n, 4);
    l4_tcp_conn_del(c);
}

/* Feeds one ACK's deliveries to RACK as input.c does. */
static void deliver(l4_tcp_conn *c, uint32_t l, uint32_t r, l4_time now)
{
    l4_tcp_hdr seg;
    memset(&seg, 0, sizeof seg);
    l4_tcp_rack_ack a;
    l4_tcp_rack_ack_begin(c, &seg, &a);
    l4_tcp_rack_delivered(c, &a, l, r, now);
    l4_tcp_ranges_add(&c->sacked, l, r);
    l4_tcp_sack_sacked(c, l, r);
    l4_tcp_sack_drop_delivered(c);
    l4_tcp_rack_ack_end(c, &a, 0, now);
}

/* RFC 8985 §6.2: segment 10 (sent at 10 ms) SACKed at 110 ms gives
   RACK.rtt 100 ms; with reordering not seen and fewer than DupThresh
   segments SACKed the window is min_RTT / 4 = 25 ms: segments sent by
   10 ms are lost once 125 ms after they left. Segment 0 is due at 125 ms,
   segment 9 at 134 ms: the reordering timer is set for the last of them;
   at 134 ms all ten are marked, 11.. (sent after RACK.segment) are not. */
static void test_rack_marks_by_time_and_arms_the_timer(void)
{
    l4_tcp_conn *c = mk_sender();
    CHECK(c);
    deliver(c, 10000, 11000, MS(110));
    CHECK(c->rack.valid);
    CHECK_EQU(c->rack.rtt, MS(100));
    CHECK_EQU(c->rack.xmit_ts, MS(10));
    CHECK_EQU(l4_tcp_rack_reo_wnd(c), MS(25));
    CHECK_EQU(l4_tcp_rack_detect(c, MS(110)), 0);
    CHECK_EQU(c->rack_at, MS(134));
    CHECK_EQU(l4_tcp_rack_detect(c, MS(127)), 3000); /* 0, 1, 2: sent by 2 ms */
    CHECK_EQU(c->rack.mark, 3000);
    CHECK_EQU(c->rack_at, MS(134));
    CHECK_EQU(l4_tcp_rack_detect(c, MS(134)), 7000);
    CHECK_EQU(l4_tcp_ranges_bytes_above(&c->lost, 0), 10000);
    CHECK_EQU(c->rack_at, L4_TIME_NONE);
    /* Three segments SACKed with no reordering seen: the window is 0, and
       segment 11 (sent at 11 ms) is lost as soon as 13 (13 ms) comes back
       after 100 ms. */
    deliver(c, 12000, 14000, MS(113));
    CHECK_EQU(l4_tcp_rack_reo_wnd(c), 0);
    CHECK_EQU(l4_tcp_rack_detect(c, MS(113)), 1000);
    l4_tcp_conn_del(c);
}

/* A copy is lost when a segment sent after it is delivered and RACK.rtt +
   reo_wnd have passed since it left: no DupThresh of later SACKs needed. A
   copy acknowledged sooner than min_RTT after it left is ambiguous (the
   original got through) and moves nothing. */
static void test_rack_finds_lost_copies(void)
{
    l4_tcp_conn *c = mk_sender();
    CHECK(c);
    l4_tcp_ranges_add(&c->sacked, 1000, 4000); /* hole [0, 1000) */
    l4_tcp_sack_mark_lost(c, 0, 1000);
    l4_tcp_sack_sent_rexmit(c, 0, 1000, MS(150));
    c->snd_max = 21000;
    l4_tcp_sack_sent_new(c, 21000, MS(160));
    /* The new segment comes back at 260 ms: the copy (150 ms) was sent
       before it and RACK.rtt (100) + reo_wnd (0: 3 segments SACKed) have
       passed at 250 ms: lost, and NextSeg has it again. */
    deliver(c, 20000, 21000, MS(260));
    CHECK_EQU(c->rack.xmit_ts, MS(160));
    CHECK_EQ(c->rexmits.n, 1);
    l4_tcp_rack_detect(c, MS(260));
    CHECK_EQ(c->rexmits.n, 0);
    CHECK_EQU(c->st.lost_retransmits, 1);
    uint32_t seq, len;
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 0);
    /* Resent at 270 ms, acknowledged at 300 ms (< min_RTT): ambiguous. */
    l4_tcp_sack_sent_rexmit(c, 0, 1000, MS(270));
    deliver(c, 0, 1000, MS(300));
    CHECK_EQU(c->rack.xmit_ts, MS(160));
    CHECK_EQ(c->rexmits.n, 0);
    l4_tcp_conn_del(c);
}

/* RFC 8985 §6.3: at a timeout the first outstanding segment is lost; the
   others only once sent at least RACK.rtt + reo_wnd ago (here 100 ms: the
   segments sent after 10 ms are still on their way at 110 ms). */
static void test_timeout_marks_old_segments(void)
{
    l4_tcp_conn *c = mk_sender();
    CHECK(c);
    deliver(c, 15000, 16000, MS(115)); /* RACK.rtt 100 ms */
    l4_tcp_rack_detect(c, MS(115));    /* 0..4 due at 125..129 ms: timer */
    c->rto_recovery = 1;
    c->recover = c->snd_max;
    l4_tcp_rack_on_rto(c, MS(110));
    /* Head [0,1000) and segments sent by 10 ms ([0, 11000)); SACKed 15. */
    CHECK_EQU(l4_tcp_ranges_bytes_above(&c->lost, 0), 11000);
    CHECK_EQU(l4_tcp_sack_pipe(c), 20000 - 11000 - 1000);
    l4_tcp_conn_del(c);
}

static const l4_test TESTS[] = {
    TEST(test_ranges_grow_and_stay_sorted),
    TEST(test_rexmit_records),
    TEST(test_pipe_and_next_seg_with_copies_in_flight),
    TEST(test_rack_marks_by_time_and_arms_the_timer),
    TEST(test_rack_finds_lost_copies),
    TEST(test_timeout_marks_old_segments),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
