/* tests/cc/cubic_test.c — CUBIC (RFC 9438) and HyStart++ (RFC 9406) against their equations. */
#include <math.h>

#include "cc/cubic.h"
#include "check.h"

#define MSS 1000

static l4_cc *mk(void)
{
    l4_cc *cc = NULL;
    if (l4_cc_new(&cc, "cubic", MSS, 0) != 0)
        return NULL;
    return cc;
}

/* One ACK of `n` bytes at `now` with an RTT sample `rtt` (0: none), window full. */
static void ack_at(l4_cc *cc, uint64_t n, l4_time now, l4_time rtt)
{
    l4_cc_ack a = {.bytes_acked = n, .rtt = rtt, .in_flight = l4_cc_cwnd(cc), .now = now};
    l4_cc_on_ack(cc, &a);
}

/* Slow start without RTT samples up to `segs` segments (1 segment per ACK). */
static void grow_to(l4_cc *cc, uint64_t segs)
{
    while (l4_cc_cwnd(cc) < segs * MSS)
        ack_at(cc, MSS, 0, 0);
}

static int near(double a, double b, double eps)
{
    return fabs(a - b) <= eps;
}

static void test_k_and_w(void)
{
    /* K = cbrt(W_max (1 - beta) / C) when cwnd_epoch = beta W_max. */
    double k = l4_cubic_k(100, 70);
    CHECK(near(k, cbrt(100 * (1 - 0.7) / 0.4), 1e-12));
    CHECK(near(k, 4.21716332, 1e-6));
    CHECK(near(l4_cubic_w(0, k, 100), 70, 1e-9));   /* starts at cwnd_epoch */
    CHECK(near(l4_cubic_w(k, k, 100), 100, 1e-12)); /* plateau at W_max */
    CHECK(near(l4_cubic_w(k + 1, k, 100), 100.4, 1e-9));
    CHECK(near(l4_cubic_w(k + 2, k, 100), 103.2, 1e-9)); /* convex: C * 2^3 */
    CHECK(near(l4_cubic_w(k - 2, k, 100), 96.8, 1e-9));  /* concave */
    CHECK(l4_cubic_k(50, 50) == 0);
    CHECK(l4_cubic_k(50, 60) == 0);
}

static void test_registry_and_initial(void)
{
    CHECK(l4_cc_find("cubic") == &l4_cc_cubic);
    l4_cc *cc = mk();
    CHECK(cc);
    CHECK_EQU(l4_cc_cwnd(cc), 4000);
    CHECK_EQU(l4_cc_ssthresh(cc), UINT64_MAX);
    CHECK_EQ(l4_cc_cubic_phase(cc), L4_CUBIC_SLOW_START);
    CHECK_EQU(l4_cc_pacing_rate(cc), 0);
    l4_cc_del(cc);
    l4_cc *r = NULL;
    CHECK_EQ(l4_cc_new(&r, "reno", MSS, 0), 0);
    CHECK_EQ(l4_cc_cubic_phase(r), -1);
    l4_cc_del(r);
}

static void test_loss_response_and_w_of_t(void)
{
    l4_cc *cc = mk();
    grow_to(cc, 100);
    CHECK_EQU(l4_cc_cwnd(cc), 100000);
    l4_cc_on_congestion_event(cc, 100000, 1 * L4_S);
    /* ssthresh = cwnd = beta * flight; W_max = the window before the cut. */
    CHECK_EQU(l4_cc_cwnd(cc), 70000);
    CHECK_EQU(l4_cc_ssthresh(cc), 70000);
    CHECK_EQ(l4_cc_cubic_phase(cc), L4_CUBIC_AVOIDANCE);
    CHECK(near(l4_cc_cubic_w_max(cc), 100, 1e-9));
    /* The first ACK starts the epoch at t = 0: K = cbrt(30 / 0.4). W_cubic(0)
       = 70 and W_est = 70 + 0.5294/70, so the Reno-friendly estimate wins. */
    l4_time t0 = 2 * L4_S;
    ack_at(cc, MSS, t0, 0);
    CHECK(near(l4_cc_cubic_epoch_k(cc), 4.21716332, 1e-6));
    CHECK_EQU(l4_cc_cwnd(cc), (uint64_t)((70 + (0.9 / 1.7) / 70) * MSS));
    /* At t = K, the target W_cubic(K) = 100: cwnd += (100 - cwnd) / cwnd. */
    double w = (70 + (0.9 / 1.7) / 70);
    double k = l4_cc_cubic_epoch_k(cc);
    ack_at(cc, MSS, t0 + (l4_time)(k * 1e9), 0);
    w += (100 - w) / w;
    CHECK_EQU(l4_cc_cwnd(cc), (uint64_t)(w * MSS));
    /* At t = K + 2, W_cubic = 103.2 but the target is clamped to 1.5 cwnd. */
    ack_at(cc, MSS, t0 + (l4_time)((k + 2) * 1e9), 0);
    w += (103.2 - w) / w;
    CHECK(near((double)l4_cc_cwnd(cc), w * MSS, 1.0));
    l4_cc_del(cc);
}

static void test_target_clamped_to_one_and_a_half(void)
{
    l4_cc *cc = mk();
    grow_to(cc, 10);
    l4_cc_on_congestion_event(cc, 10000, 0); /* cwnd 7, W_max 10, K = 1.957 s */
    ack_at(cc, MSS, 1 * L4_S, 0);
    double w = l4_cc_cwnd(cc) / (double)MSS;
    /* 60 s later W_cubic is enormous: the target is 1.5 cwnd. */
    uint64_t before = l4_cc_cwnd(cc);
    ack_at(cc, MSS, 61 * L4_S, 0);
    w = before / (double)MSS;
    CHECK(near((double)l4_cc_cwnd(cc), (w + 0.5 * w / w) * MSS, 2.0));
    l4_cc_del(cc);
}

static void test_fast_convergence(void)
{
    l4_cc *cc = mk();
    grow_to(cc, 100);
    l4_cc_on_congestion_event(cc, 100000, 0);
    CHECK(near(l4_cc_cubic_w_max(cc), 100, 1e-9));
    /* A second loss below W_max releases bandwidth: W_max = cwnd (1 + beta) / 2. */
    l4_cc_on_congestion_event(cc, 70000, 0);
    CHECK(near(l4_cc_cubic_w_max(cc), 70 * 0.85, 1e-9));
    CHECK_EQU(l4_cc_cwnd(cc), 49000);
    /* A loss above W_max sets W_max to cwnd. */
    grow_to(cc, 80);
    l4_cc_on_congestion_event(cc, 80000, 0);
    CHECK(near(l4_cc_cubic_w_max(cc), 80, 0.1));
    CHECK(near((double)l4_cc_cwnd(cc), 56000, 70));
    l4_cc_del(cc);
}

static void test_ece_and_rto(void)
{
    l4_cc *cc = mk();
    grow_to(cc, 20);
    l4_cc_on_ecn_ce(cc, 1000, 0); /* flight 1 segment: floor 1 on ECE */
    CHECK_EQU(l4_cc_cwnd(cc), 1000);
    l4_cc_del(cc);
    cc = mk();
    grow_to(cc, 20);
    l4_cc_on_congestion_event(cc, 1000, 0); /* floor 2 on loss */
    CHECK_EQU(l4_cc_cwnd(cc), 2000);
    l4_cc_del(cc);
    cc = mk();
    grow_to(cc, 40);
    l4_cc_on_rto(cc, 40000, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 1000);
    CHECK_EQU(l4_cc_ssthresh(cc), 28000);
    CHECK_EQ(l4_cc_cubic_phase(cc), L4_CUBIC_SLOW_START);
    /* Plain slow start (no HyStart++ after a timeout), then an epoch with K = 0. */
    l4_time now = 1 * L4_S;
    while (l4_cc_cwnd(cc) < 28000)
        ack_at(cc, MSS, now, 20 * L4_MS);
    uint64_t w = l4_cc_cwnd(cc);
    ack_at(cc, MSS, now, 0);
    CHECK_EQ(l4_cc_cubic_phase(cc), L4_CUBIC_AVOIDANCE);
    CHECK(l4_cc_cubic_epoch_k(cc) == 0);
    CHECK(near(l4_cc_cubic_w_max(cc), w / (double)MSS, 1e-9));
    l4_cc_del(cc);
}

/* Rounds of one RTT: each acknowledges the whole window, one ACK per segment. */
static l4_time run_rounds(l4_cc *cc, l4_time now, l4_time rtt, int rounds)
{
    for (int r = 0; r < rounds; r++) {
        uint64_t n = l4_cc_cwnd(cc) / MSS;
        for (uint64_t i = 0; i < n; i++)
            ack_at(cc, MSS, now + rtt * i / n, 0);
        now += rtt;
    }
    return now;
}

static void test_reno_friendly_at_small_bdp(void)
{
    /* RTT 1 ms, W_max 10: W_cubic hardly moves in 100 ms while the Reno
       estimate gains ~1 segment per round trip, and cwnd follows W_est. */
    l4_cc *cc = mk();
    grow_to(cc, 10);
    l4_cc_on_congestion_event(cc, 10000, 0);
    l4_time end = run_rounds(cc, 0, 1 * L4_MS, 100);
    double k = cbrt(3 / 0.4);
    double wc = l4_cubic_w((double)end / 1e9, k, 10);
    CHECK_MSG(wc < 8, "W_cubic(0.1 s) = %.2f", wc);
    CHECK_MSG(l4_cc_cwnd(cc) >= 90 * MSS, "cwnd %llu", (unsigned long long)l4_cc_cwnd(cc));
    /* At a 100 ms RTT the same number of rounds follows the cubic curve. */
    l4_cc *big = mk();
    grow_to(big, 1000);
    l4_cc_on_congestion_event(big, 1000000, 0);
    end = run_rounds(big, 0, 100 * L4_MS, 30);
    double k2 = l4_cc_cubic_epoch_k(big);
    double w_expect = l4_cubic_w((double)end / 1e9, k2, 1000);
    CHECK_MSG(fabs((double)l4_cc_cwnd(big) / MSS - w_expect) < 0.03 * w_expect, "cwnd %llu vs %.1f",
              (unsigned long long)l4_cc_cwnd(big), w_expect);
    l4_cc_del(cc);
    l4_cc_del(big);
}

static void test_returns_to_w_max_after_k(void)
{
    /* Per-ACK simulation at a 50 ms RTT: after a loss at 400 segments, cwnd
       gets back to W_max about K seconds later (K = 6.69 s; the target looks
       one RTT ahead). */
    l4_cc *cc = mk();
    grow_to(cc, 400);
    l4_cc_on_congestion_event(cc, 400000, 0);
    double k = cbrt(400 * 0.3 / 0.4);
    l4_time now = 0;
    l4_time rtt = 50 * L4_MS;
    while (l4_cc_cwnd(cc) < 400 * MSS && now < 20 * L4_S)
        now = run_rounds(cc, now, rtt, 1);
    double t = (double)now / 1e9;
    CHECK_MSG(t > k - 0.25 && t < k + 0.25, "back at W_max after %.2f s, K = %.2f s", t, k);
    l4_cc_del(cc);
}

static void test_app_limited_freezes(void)
{
    l4_cc *cc = mk();
    grow_to(cc, 100);
    l4_cc_on_congestion_event(cc, 100000, 0);
    ack_at(cc, MSS, 1 * L4_S, 0);
    uint64_t w = l4_cc_cwnd(cc);
    l4_cc_ack a = {.bytes_acked = MSS, .now = 5 * L4_S, .app_limited = 1};
    l4_cc_on_ack(cc, &a);
    CHECK_EQU(l4_cc_cwnd(cc), w);
    /* 4 s of app-limited time do not count: t is ~0 again, not 4 s. */
    ack_at(cc, MSS, 5 * L4_S, 0);
    double wgot = l4_cc_cwnd(cc) / (double)MSS;
    CHECK_MSG(wgot < 70.2, "cwnd %.3f", wgot);
    l4_cc_del(cc);
}

/* HyStart++: ACKs one segment each with RTT `rtt` until `phase` or `max` ACKs; returns the count.
 */
static int acks_until(l4_cc *cc, l4_time rtt, int phase, int max)
{
    for (int i = 1; i <= max; i++) {
        ack_at(cc, MSS, 0, rtt);
        if (l4_cc_cubic_phase(cc) == phase)
            return i;
    }
    return -1;
}

/* A fresh instance after `pre` ACKs at `base`; then ACKs at `rtt`: does CSS begin within `max`? */
static int css_after(l4_time base, l4_time rtt, int max)
{
    l4_cc *cc = mk();
    int r =
        acks_until(cc, base, L4_CUBIC_CSS, 40) == -1 ? acks_until(cc, rtt, L4_CUBIC_CSS, max) : -2;
    l4_cc_del(cc);
    return r;
}

static void test_hystart_css_and_back(void)
{
    /* +6 ms is under the threshold clamp(50/8, 4, 16) = 6.25 ms. */
    CHECK_EQ(css_after(50 * L4_MS, 56 * L4_MS, 400), -1);
    l4_cc *cc = mk();
    /* A few rounds at 50 ms: no exit while the RTT is flat. */
    CHECK_EQ(acks_until(cc, 50 * L4_MS, L4_CUBIC_CSS, 60), -1);
    CHECK_EQ(l4_cc_cubic_phase(cc), L4_CUBIC_SLOW_START);
    /* +6.5 ms: CSS after N_RTT_SAMPLE samples of a round (within two rounds). */
    uint64_t w = l4_cc_cwnd(cc) / MSS;
    int n = acks_until(cc, 56500 * L4_US, L4_CUBIC_CSS, 1000);
    CHECK_MSG(n >= 8 && (uint64_t)n <= 3 * w, "CSS after %d acks (cwnd %llu)", n,
              (unsigned long long)w);
    /* CSS grows by 1/CSS_GROWTH_DIVISOR. */
    uint64_t before = l4_cc_cwnd(cc);
    ack_at(cc, MSS, 0, 56500 * L4_US);
    CHECK_EQU(l4_cc_cwnd(cc) - before, MSS / 4);
    /* The RTT falls back below the baseline: slow start resumes. */
    n = acks_until(cc, 50 * L4_MS, L4_CUBIC_SLOW_START, 3000);
    CHECK(n >= 1);
    before = l4_cc_cwnd(cc);
    ack_at(cc, MSS, 0, 50 * L4_MS);
    CHECK_EQU(l4_cc_cwnd(cc) - before, MSS);
    l4_cc_del(cc);
}

static void test_hystart_css_to_avoidance(void)
{
    l4_cc *cc = mk();
    CHECK_EQ(acks_until(cc, 20 * L4_MS, L4_CUBIC_CSS, 40), -1);
    /* Base 20 ms: threshold clamps to MIN_RTT_THRESH = 4 ms. */
    CHECK(acks_until(cc, 24500 * L4_US, L4_CUBIC_CSS, 2000) > 0);
    uint64_t at_css = l4_cc_cwnd(cc);
    /* CSS_ROUNDS rounds later: ssthresh = cwnd, congestion avoidance. In CSS
       each round grows by a quarter, so after 5 rounds cwnd is at most
       (1.25)^5 of its value at entry and at least (1.25)^3 of it. */
    int n = acks_until(cc, 24500 * L4_US, L4_CUBIC_AVOIDANCE, 100000);
    CHECK(n > 0);
    uint64_t w = l4_cc_cwnd(cc);
    CHECK_EQU(l4_cc_ssthresh(cc), w);
    CHECK_MSG(w >= at_css * 1.25 * 1.25 * 1.25 && w <= at_css * 3.06, "cwnd %llu at CSS %llu",
              (unsigned long long)w, (unsigned long long)at_css);
    l4_cc_del(cc);
}

static void test_hystart_clamps(void)
{
    /* Base 200 ms: 200/8 = 25 ms clamps to MAX_RTT_THRESH = 16 ms. */
    CHECK_EQ(css_after(200 * L4_MS, 215 * L4_MS, 400), -1);
    CHECK(css_after(200 * L4_MS, 216 * L4_MS, 400) > 0);
    /* Base 10 ms: 3.9 ms more stays under MIN_RTT_THRESH, 4 ms is enough. */
    CHECK_EQ(css_after(10 * L4_MS, 13900 * L4_US, 400), -1);
    CHECK(css_after(10 * L4_MS, 14 * L4_MS, 400) > 0);
    /* Loss in slow start ends HyStart++: avoidance with ssthresh = beta * flight. */
    l4_cc *cc = mk();
    CHECK_EQ(acks_until(cc, 10 * L4_MS, L4_CUBIC_CSS, 40), -1);
    l4_cc_on_congestion_event(cc, 40000, 0);
    CHECK_EQ(l4_cc_cubic_phase(cc), L4_CUBIC_AVOIDANCE);
    CHECK_EQU(l4_cc_ssthresh(cc), 28000);
    l4_cc_del(cc);
}

static void test_flight_capped_at_cwnd(void)
{
    /* After a go-back-N the transport may report far more than cwnd in
       flight: the reduction uses at most cwnd. */
    l4_cc *cc = mk();
    grow_to(cc, 50);
    l4_cc_on_congestion_event(cc, 5000000, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 35000);
    l4_cc_on_rto(cc, 5000000, 0);
    CHECK_EQU(l4_cc_ssthresh(cc), 24500);
    l4_cc_del(cc);
}

static void test_slow_start_l8(void)
{
    l4_cc *cc = mk();
    ack_at(cc, 20 * MSS, 0, 0); /* a stretch ACK grows by at most L = 8 segments */
    CHECK_EQU(l4_cc_cwnd(cc), 12000);
    l4_cc_on_congestion_event(cc, 12000, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 8400);
    l4_cc_del(cc);
}

static const l4_test TESTS[] = {
    TEST(test_k_and_w),
    TEST(test_registry_and_initial),
    TEST(test_loss_response_and_w_of_t),
    TEST(test_target_clamped_to_one_and_a_half),
    TEST(test_fast_convergence),
    TEST(test_ece_and_rto),
    TEST(test_reno_friendly_at_small_bdp),
    TEST(test_returns_to_w_max_after_k),
    TEST(test_app_limited_freezes),
    TEST(test_hystart_css_and_back),
    TEST(test_hystart_css_to_avoidance),
    TEST(test_hystart_clamps),
    TEST(test_slow_start_l8),
    TEST(test_flight_capped_at_cwnd),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
