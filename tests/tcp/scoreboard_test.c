/*
 * tests/tcp/scoreboard_test.c — the SACK scoreboard: growable ranges, the
 * retransmissions-in-flight records, and RFC 6675 pipe / NextSeg / lost
 * retransmission detection over them (white box: tcp/conn_internal.h).
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

/* A sender with SMSS 1000, SND.UNA 0, SND.MAX 20000 (conn created, fields
   set as the engine would). */
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
    c->rtt.min_rtt = MS(100);
    return c;
}

/* RFC 6675 with one record per copy: holes [1000,2000) and [5000,6000) are
   lost (3+ segments SACKed above), [9000,10000) not yet; pipe counts the
   un-lost hole and the copies in flight; NextSeg skips a hole whose copy is
   in flight. */
static void test_pipe_and_next_seg_with_copies_in_flight(void)
{
    l4_tcp_conn *c = mk_sender();
    CHECK(c);
    l4_tcp_ranges_add(&c->sacked, 2000, 5000);
    l4_tcp_ranges_add(&c->sacked, 6000, 9000);
    l4_tcp_ranges_add(&c->sacked, 10000, 12000);
    /* pipe: [0,2000) lost, [5000,6000) lost, [9000,10000) has 2000 above (not
       lost), [12000,20000) not lost. */
    CHECK_EQU(l4_tcp_sack_pipe(c), 1000 + 8000);
    uint32_t seq, len;
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 0);
    CHECK_EQU(len, 2000);
    l4_tcp_sack_sent_rexmit(c, 0, 1000, MS(10));
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 1000);
    CHECK_EQU(len, 1000);
    l4_tcp_sack_sent_rexmit(c, 1000, 1000, MS(10));
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 5000);
    l4_tcp_sack_sent_rexmit(c, 5000, 1000, MS(11));
    CHECK(!l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(l4_tcp_sack_pipe(c), 9000 + 3000);
    l4_tcp_conn_del(c);
}

/* A lost copy anywhere in the window is found and becomes NextSeg's again:
   by SACKs of more than 2 SMSS sent after it (its mark), or by a copy sent
   later (by more than min_RTT / 4) arriving first (RACK). The copy at
   SND.UNA, sent last, stays. */
static void test_lost_copy_found_beyond_snd_una(void)
{
    l4_tcp_conn *c = mk_sender();
    CHECK(c);
    l4_tcp_ranges_add(&c->sacked, 1000, 4000);
    l4_tcp_ranges_add(&c->sacked, 5000, 8000);
    l4_tcp_ranges_add(&c->sacked, 9000, 20000);
    /* Holes [0,1000), [4000,5000), [8000,9000), all lost. Copies: the one of
       [4000,5000) went out when SND.MAX was 20000; [0,1000) was resent later
       (mark 26000), [8000,9000) later still. */
    l4_tcp_sack_sent_rexmit(c, 4000, 1000, MS(100));
    c->snd_max = 26000;
    l4_tcp_sack_sent_rexmit(c, 0, 1000, MS(150));
    l4_tcp_sack_sent_rexmit(c, 8000, 1000, MS(150));
    c->snd_max = 30000;
    CHECK_EQ(l4_tcp_sack_update_rexmits(c, MS(160)), 0);
    /* New data 20000..23000 SACKed: more than 2 SMSS beyond 20000, not beyond
       26000. */
    l4_tcp_ranges_add(&c->sacked, 20000, 23000);
    CHECK_EQ(l4_tcp_sack_update_rexmits(c, MS(170)), 1);
    CHECK_EQ(c->rexmits.n, 2);
    CHECK_EQU(c->st.lost_retransmits, 1);
    uint32_t seq, len;
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 4000);
    CHECK_EQU(len, 1000);
    l4_tcp_sack_sent_rexmit(c, 4000, 1000, MS(170));
    /* RACK: the copy of [8000,9000) (sent at 150 ms) is SACKed at 260 ms;
       the copy of [4000,5000) sent at 170 ms is younger: kept; the one of
       [0,1000), also sent at 150 ms, is not older by more than min_RTT / 4. */
    l4_tcp_ranges_add(&c->sacked, 8000, 9000);
    CHECK_EQ(l4_tcp_sack_update_rexmits(c, MS(260)), 0);
    CHECK_EQ(c->rexmits.n, 2);
    /* The copy of [4000,5000) arrives at 300 ms: [0,1000), sent 20 ms before
       it (> 100 / 4 ms? no: 20 < 25): kept. */
    l4_tcp_ranges_add(&c->sacked, 4000, 5000);
    CHECK_EQ(l4_tcp_sack_update_rexmits(c, MS(300)), 0);
    CHECK_EQ(c->rexmits.n, 1);
    /* A copy sent at 200 ms (> 150 + 25) delivered: [0,1000)'s copy is lost. */
    c->snd_max = 40000;
    l4_tcp_sack_sent_rexmit(c, 30000, 1000, MS(200));
    l4_tcp_ranges_add(&c->sacked, 30000, 31000);
    CHECK_EQ(l4_tcp_sack_update_rexmits(c, MS(310)), 1);
    CHECK_EQ(c->rexmits.n, 0);
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 0);
    /* A copy acknowledged sooner than min_RTT after it left: the original
       got through (reordering); RACK.xmit_ts does not move. */
    l4_tcp_sack_sent_rexmit(c, 0, 1000, MS(310));
    c->snd_una = 1000;
    CHECK_EQ(l4_tcp_sack_update_rexmits(c, MS(320)), 0);
    CHECK_EQ(c->rexmits.n, 0);
    CHECK_EQU(c->rack_xmit, MS(200));
    l4_tcp_conn_del(c);
}

/* After a timeout every hole below `recover` is lost, whatever the SACKs
   above it; the pipe is then only the copies sent since. */
static void test_timeout_makes_every_hole_lost(void)
{
    l4_tcp_conn *c = mk_sender();
    CHECK(c);
    l4_tcp_ranges_add(&c->sacked, 15000, 16000);
    CHECK_EQU(l4_tcp_sack_pipe(c), 19000);
    c->rto_recovery = 1;
    c->recover = c->snd_max;
    CHECK_EQU(l4_tcp_sack_pipe(c), 0);
    uint32_t seq, len;
    CHECK(l4_tcp_sack_next_lost(c, &seq, &len));
    CHECK_EQU(seq, 0);
    CHECK_EQU(len, 15000);
    l4_tcp_sack_sent_rexmit(c, 0, 1000, MS(1));
    CHECK_EQU(l4_tcp_sack_pipe(c), 1000);
    /* New data above recover is judged by RFC 6675 IsLost again. */
    c->snd_max = 24000;
    CHECK_EQU(l4_tcp_sack_pipe(c), 1000 + 4000);
    l4_tcp_conn_del(c);
}

static const l4_test TESTS[] = {
    TEST(test_ranges_grow_and_stay_sorted),
    TEST(test_rexmit_records),
    TEST(test_pipe_and_next_seg_with_copies_in_flight),
    TEST(test_lost_copy_found_beyond_snd_una),
    TEST(test_timeout_makes_every_hole_lost),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
