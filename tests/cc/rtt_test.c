/* tests/cc/rtt_test.c — the RFC 6298 estimator against its equations. */
#include "cc/rtt.h"
#include "check.h"

static void test_initial_rto(void)
{
    l4_rtt r;
    l4_rtt_init(&r, L4_S, 200 * L4_MS, 60 * L4_S, L4_MS);
    CHECK_EQU(l4_rtt_rto(&r), L4_S);
    CHECK(!r.has_sample);
}

static void test_first_and_second_sample(void)
{
    l4_rtt r;
    l4_rtt_init(&r, L4_S, 200 * L4_MS, 60 * L4_S, L4_MS);
    l4_rtt_sample(&r, 100 * L4_MS);
    CHECK_EQU(r.srtt, 100 * L4_MS);
    CHECK_EQU(r.rttvar, 50 * L4_MS);
    CHECK_EQU(l4_rtt_rto(&r), 300 * L4_MS); /* 100 + 4*50 */
    l4_rtt_sample(&r, 180 * L4_MS);
    /* RTTVAR = 3/4*50 + 1/4*|100-180| = 37.5 + 20; SRTT = 7/8*100 + 1/8*180. */
    CHECK_EQU(r.rttvar, 57500 * L4_US);
    CHECK_EQU(r.srtt, 110 * L4_MS);
    CHECK_EQU(l4_rtt_rto(&r), 340 * L4_MS);
    CHECK_EQU(r.min_rtt, 100 * L4_MS);
    CHECK_EQU(r.latest, 180 * L4_MS);
    /* Steady samples: 4 RTTVAR falls below min_rto, which then bounds the
       variance term (Linux), not the whole RTO: SRTT + 200 ms. */
    for (int i = 0; i < 30; i++)
        l4_rtt_sample(&r, 110 * L4_MS);
    CHECK(4 * r.rttvar < 10 * L4_MS);
    CHECK_EQU(l4_rtt_rto(&r), r.srtt + 200 * L4_MS);
}

static void test_min_max_granularity(void)
{
    l4_rtt r;
    l4_rtt_init(&r, L4_S, L4_S, 60 * L4_S, 10 * L4_MS);
    l4_rtt_sample(&r, 10 * L4_MS);
    CHECK_EQU(l4_rtt_rto(&r), L4_S + 10 * L4_MS); /* 10 ms + max(20 ms, min 1 s) */
    l4_rtt_init(&r, L4_S, L4_MS, 60 * L4_S, 10 * L4_MS);
    for (int i = 0; i < 40; i++)
        l4_rtt_sample(&r, 4 * L4_MS); /* RTTVAR decays to ~0: G dominates */
    CHECK(r.rttvar < L4_MS);
    CHECK_EQU(l4_rtt_rto(&r), r.srtt + 10 * L4_MS);
    l4_rtt_sample(&r, 200 * L4_S);
    CHECK_EQU(l4_rtt_rto(&r), 60 * L4_S);
}

static void test_backoff_doubles_and_sample_clears(void)
{
    l4_rtt r;
    l4_rtt_init(&r, L4_S, 200 * L4_MS, 60 * L4_S, L4_MS);
    l4_time expect[] = {2, 4, 8, 16, 32, 60, 60};
    for (int i = 0; i < 7; i++) {
        l4_rtt_backoff(&r);
        CHECK_EQU(l4_rtt_rto(&r), expect[i] * L4_S);
    }
    CHECK_EQU(l4_rtt_base_rto(&r), L4_S);
    l4_rtt_sample(&r, 100 * L4_MS);
    CHECK_EQU(r.backoff, 0);
    CHECK_EQU(l4_rtt_rto(&r), 300 * L4_MS);
    l4_rtt_backoff(&r);
    l4_rtt_forget(&r);
    CHECK_EQU(l4_rtt_rto(&r), 2 * L4_S);
}

static const l4_test TESTS[] = {TEST(test_initial_rto), TEST(test_first_and_second_sample),
                                TEST(test_min_max_granularity),
                                TEST(test_backoff_doubles_and_sample_clears), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
