/* tests/cc/pacer_test.c — the token-bucket pacer: burst, then one packet per size/rate. */
#include "cc/pacer.h"
#include "check.h"

static void test_burst_then_spacing(void)
{
    l4_pacer p;
    l4_pacer_init(&p, 3000, 0);
    uint64_t rate = 1000000; /* 1 MB/s: 1000 bytes per ms */
    /* The full bucket lets 3 packets of 1000 go at once (it ends at 0 tokens). */
    for (int i = 0; i < 3; i++) {
        CHECK_EQU(l4_pacer_next(&p, rate, 0), 0);
        l4_pacer_sent(&p, 1000, rate, 0);
    }
    /* Then the next packet waits until one byte has accrued: ~1 us. */
    l4_time t = l4_pacer_next(&p, rate, 0);
    CHECK(t > 0 && t <= 2 * L4_US);
    l4_pacer_sent(&p, 1000, rate, t);
    /* Now 999 bytes in debt: about 1 ms until the next. */
    t = l4_pacer_next(&p, rate, t);
    CHECK_MSG(t > 999 * L4_US && t < 1002 * L4_US, "next at %llu", (unsigned long long)t);
    /* Steady state: 100 packets at the rate take 100 ms. */
    l4_time now = t;
    for (int i = 0; i < 100; i++) {
        now = l4_pacer_next(&p, rate, now);
        l4_pacer_sent(&p, 1000, rate, now);
    }
    CHECK_MSG(now > 99 * L4_MS && now < 102 * L4_MS, "100 packets by %llu",
              (unsigned long long)now);
    /* Idle time refills at most `burst`. */
    CHECK_EQU(l4_pacer_next(&p, rate, 10 * L4_S), 10 * L4_S);
    CHECK(p.tokens == 3000.0);
}

static void test_rate_zero_never_waits(void)
{
    l4_pacer p;
    l4_pacer_init(&p, 100, 5);
    for (int i = 0; i < 10; i++) {
        CHECK_EQU(l4_pacer_next(&p, 0, 5), 5);
        l4_pacer_sent(&p, 1500, 0, 5);
    }
}

static const l4_test TESTS[] = {
    TEST(test_burst_then_spacing),
    TEST(test_rate_zero_never_waits),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
