/* tests/tcp/rate_test.c — delivery-rate samples (draft-cheng-iccrg-delivery-rate-estimation §3). */
#include "check.h"
#include "tcp/rate.h"

#define MS(x) ((l4_time)(x)*L4_MS)

static void test_rate_from_ack_and_send_intervals(void)
{
    l4_tcp_rate r = {0};
    /* 10 segments of 1000 bytes sent 1 ms apart from t = 0, starting idle. */
    for (uint32_t i = 0; i < 10; i++)
        CHECK_EQ(l4_tcp_rate_on_send(&r, 1000 * (i + 1), i == 0, MS(i)), 0);
    l4_tcp_rate_sample s;
    /* The first ACK at 50 ms: interval max(0, 50 ms) = 50 ms, 1000 bytes. */
    l4_tcp_rate_on_ack(&r, 1000, 1000, 1000, 0, MS(50), &s);
    CHECK(s.valid);
    CHECK_EQU(s.rate, 20000);
    CHECK_EQU(s.prior_delivered, 0);
    CHECK_EQU(s.rtt, MS(50));
    /* ACKs every 1 ms after: the sample spans from P's delivered time. */
    l4_tcp_rate_on_ack(&r, 2000, 2000, 2000, 0, MS(51), &s);
    CHECK(s.valid);
    CHECK_EQU(s.interval, MS(51)); /* P (sent at 1 ms) saw delivered_time 0 */
    CHECK_EQU(s.rtt, MS(50));
    /* A stretch ACK of 8 segments at 60 ms: P = segment 10 (sent at 9 ms,
       first_sent_time then 1 ms: send interval 8 ms; delivered_time 0). */
    l4_tcp_rate_on_ack(&r, 10000, 10000, 10000, 0, MS(60), &s);
    CHECK(s.valid);
    CHECK_EQU(s.interval, MS(60));
    CHECK_EQU(s.rate, (uint64_t)(10000.0 * 1e9 / (double)MS(60)));
    CHECK_EQU(r.n, 0);
    /* Under min_rtt: no sample. */
    CHECK_EQ(l4_tcp_rate_on_send(&r, 11000, 1, MS(100)), 0);
    l4_tcp_rate_on_ack(&r, 11000, 11000, 11000, MS(20), MS(110), &s);
    CHECK(!s.valid);
    CHECK_EQU(s.rtt, MS(10));
    /* Nothing new delivered: no sample. */
    l4_tcp_rate_on_ack(&r, 11000, 11000, 11000, 0, MS(120), &s);
    CHECK(!s.valid);
    CHECK_EQU(s.rtt, 0);
    l4_tcp_rate_free(&r);
}

static void test_app_limited_marks_until_delivered(void)
{
    l4_tcp_rate r = {0};
    l4_tcp_rate_app_limited(&r, 3000); /* ends when delivered > 3000 */
    for (uint32_t i = 0; i < 5; i++)
        CHECK_EQ(l4_tcp_rate_on_send(&r, 1000 * (i + 1), i == 0, MS(i)), 0);
    l4_tcp_rate_sample s;
    l4_tcp_rate_on_ack(&r, 1000, 1000, 1000, 0, MS(40), &s);
    CHECK(s.valid && s.app_limited);
    l4_tcp_rate_on_ack(&r, 4000, 4000, 4000, 0, MS(43), &s);
    CHECK_EQU(r.app_limited, 0); /* delivered passed the mark */
    CHECK(s.app_limited);        /* P was still sent app-limited */
    CHECK_EQ(l4_tcp_rate_on_send(&r, 6000, 0, MS(44)), 0);
    l4_tcp_rate_on_ack(&r, 6000, 6000, 6000, 0, MS(84), &s);
    CHECK(s.valid && !s.app_limited);
    l4_tcp_rate_free(&r);
}

/* Every segment of a large flight has its record (the ring grows): the ACK
   of segment 3000 of 3000 samples segment 3000 itself, not an older one. */
static void test_ring_grows_with_the_flight(void)
{
    l4_tcp_rate r = {0};
    for (uint32_t i = 0; i < 3000; i++)
        CHECK_EQ(l4_tcp_rate_on_send(&r, 1000 * (i + 1), i == 0, i * 10 * L4_US), 0);
    CHECK_EQU(r.n, 3000);
    CHECK(r.cap >= 3000 && r.cap <= L4_TCP_RATE_RECS);
    l4_tcp_rate_sample s;
    /* SACK of the last segment (SND.UNA still 0). */
    l4_tcp_rate_on_ack(&r, 1000, 3000000, 0, 0, MS(100), &s);
    CHECK_EQU(s.rtt, MS(100) - 2999 * 10 * L4_US);
    CHECK_EQU(s.prior_delivered, 0);
    /* All acknowledged: every record is freed. */
    l4_tcp_rate_on_ack(&r, 3000000, 3000000, 3000000, 0, MS(101), &s);
    CHECK_EQU(r.n, 0);
    l4_tcp_rate_free(&r);
}

static const l4_test TESTS[] = {
    TEST(test_ring_grows_with_the_flight),
    TEST(test_rate_from_ack_and_send_intervals),
    TEST(test_app_limited_marks_until_delivered),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
