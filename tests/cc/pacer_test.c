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

/* The send quantum: 1 ms at the rate, between 2 packets (1 below 1.2
   Mbit/s) and 64 KiB. */
static void test_send_quantum(void)
{
    CHECK_EQU(l4_pacer_quantum(100000, 1200), 1200);     /* 0.8 Mbit/s: 1 packet */
    CHECK_EQU(l4_pacer_quantum(1250000, 1200), 2400);    /* 10 Mbit/s: 2 packets */
    CHECK_EQU(l4_pacer_quantum(12500000, 1452), 12500);  /* 100 Mbit/s: 1 ms */
    CHECK_EQU(l4_pacer_quantum(125000000, 1452), 65536); /* 1 Gbit/s: one GSO batch */
    CHECK_EQU(l4_pacer_quantum(6000000000ull, 1452), 65536);
    CHECK_EQU(l4_pacer_quantum(0, 1452), 1452);
    /* a fast sender that wakes 50 us late every quantum still keeps most of
       its rate: 64 KiB per wake-up, not 2 packets */
    l4_pacer p;
    uint64_t rate = 625000000; /* 5 Gbit/s */
    l4_pacer_init(&p, l4_pacer_quantum(rate, 1452), 0);
    l4_time now = 0;
    uint64_t sent = 0;
    while (now < 100 * L4_MS) {
        while (l4_pacer_next(&p, rate, now) == now) {
            l4_pacer_sent(&p, 1452, rate, now);
            sent += 1452;
        }
        now = l4_pacer_next(&p, rate, now) + 50 * L4_US;
    }
    CHECK_MSG(sent * 10 > rate / 10 * 6, "%llu bytes in 100 ms", (unsigned long long)sent);
}

static const l4_test TESTS[] = {
    TEST(test_send_quantum),
    TEST(test_burst_then_spacing),
    TEST(test_rate_zero_never_waits),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
