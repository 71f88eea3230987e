/*
 * tests/cc/undo_test.c — the optional ops TCP's loss recovery uses, for
 * every algorithm: set_initial_window (one segment after a lost SYN, RFC
 * 5681 §3.1) and on_undo (a congestion response to a loss that did not
 * happen is taken back: F-RTO, RFC 5682; D-SACK, RFC 3708).
 */
#include "cc/cc.h"
#include "cc/cubic.h"
#include "check.h"

#define MSS 1000u

/* Grows a fresh instance out of slow start's first window (acks `n`
   segments, one per 10 ms, with 100 ms RTT samples). */
static void grow(l4_cc *cc, int n)
{
    for (int k = 0; k < n; k++) {
        l4_cc_ack a = {.bytes_acked = MSS,
                       .rtt = 100 * L4_MS,
                       .in_flight = l4_cc_cwnd(cc),
                       .now = (l4_time)(k + 1) * 10 * L4_MS,
                       .delivered = (uint64_t)(k + 1) * MSS,
                       .prior_delivered = (uint64_t)k * MSS,
                       .delivery_rate = 10 * 1000 * 1000,
                       .rate_interval = 100 * L4_MS};
        l4_cc_on_ack(cc, &a);
    }
}

static void test_every_algorithm_undoes(void)
{
    static const char *const names[] = {"reno", "cubic", "dctcp", "bbr"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        for (int rto = 0; rto < 2; rto++) {
            l4_cc *cc = NULL;
            CHECK_EQ(l4_cc_new(&cc, names[i], MSS, 0), 0);
            grow(cc, 20);
            uint64_t cwnd = l4_cc_cwnd(cc), ssthresh = l4_cc_ssthresh(cc);
            if (rto)
                l4_cc_on_rto(cc, cwnd, L4_S);
            else
                l4_cc_on_congestion_event(cc, cwnd, L4_S);
            CHECK_MSG(l4_cc_cwnd(cc) < cwnd || !strcmp(names[i], "bbr"), "%s: no reduction (%d)",
                      names[i], rto);
            CHECK(l4_cc_on_undo(cc, L4_S + 1));
            CHECK_MSG(l4_cc_cwnd(cc) >= cwnd, "%s rto=%d: cwnd %ju, was %ju", names[i], rto,
                      (uintmax_t)l4_cc_cwnd(cc), (uintmax_t)cwnd);
            CHECK_MSG(l4_cc_ssthresh(cc) >= ssthresh || !strcmp(names[i], "bbr"),
                      "%s rto=%d: ssthresh %ju, was %ju", names[i], rto,
                      (uintmax_t)l4_cc_ssthresh(cc), (uintmax_t)ssthresh);
            l4_cc_del(cc);
        }
    }
}

/* CUBIC takes back W_max and slow start too: after an undone cut during
   slow start it is in slow start again, W_max as before the cut. */
static void test_cubic_undo_restores_state(void)
{
    l4_cc *cc = NULL;
    CHECK_EQ(l4_cc_new(&cc, "cubic", MSS, 0), 0);
    grow(cc, 10);
    CHECK_EQ(l4_cc_cubic_phase(cc), L4_CUBIC_SLOW_START);
    double w_max = l4_cc_cubic_w_max(cc);
    l4_cc_on_rto(cc, l4_cc_cwnd(cc), L4_S);
    CHECK_EQU(l4_cc_cwnd(cc), MSS);
    CHECK(l4_cc_cubic_phase(cc) != L4_CUBIC_SLOW_START || l4_cc_ssthresh(cc) != UINT64_MAX);
    l4_cc_on_undo(cc, L4_S);
    CHECK_EQU(l4_cc_ssthresh(cc), UINT64_MAX);
    CHECK_EQ(l4_cc_cubic_phase(cc), L4_CUBIC_SLOW_START);
    CHECK(l4_cc_cubic_w_max(cc) == w_max);
    l4_cc_del(cc);
}

static void test_initial_window_one_segment(void)
{
    static const char *const names[] = {"reno", "cubic", "dctcp", "bbr"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        l4_cc *cc = NULL;
        CHECK_EQ(l4_cc_new(&cc, names[i], MSS, 0), 0);
        CHECK_EQU(l4_cc_cwnd(cc), 4 * MSS);
        l4_cc_set_initial_window(cc, MSS);
        CHECK_MSG(l4_cc_cwnd(cc) == MSS, "%s: cwnd %ju", names[i], (uintmax_t)l4_cc_cwnd(cc));
        CHECK_EQU(l4_cc_ssthresh(cc), UINT64_MAX);
        l4_cc_set_mss(cc, MSS); /* learning the MSS later keeps it one segment */
        CHECK_MSG(l4_cc_cwnd(cc) == MSS || !strcmp(names[i], "bbr"), "%s: cwnd %ju", names[i],
                  (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_del(cc);
    }
}

static const l4_test TESTS[] = {TEST(test_every_algorithm_undoes),
                                TEST(test_cubic_undo_restores_state),
                                TEST(test_initial_window_one_segment), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
