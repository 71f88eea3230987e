/* tests/util/rng_test.c — the seeded generator is reproducible and uniform enough. */
#include "check.h"
#include "util/err.h"
#include "util/rng.h"

static void test_same_seed_same_sequence(void)
{
    l4_rng a, b, c;
    l4_rng_init(&a, 42, 7);
    l4_rng_init(&b, 42, 7);
    l4_rng_init(&c, 43, 7);
    int differs = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = l4_rng_u32(&a);
        CHECK_EQU(x, l4_rng_u32(&b));
        differs |= x != l4_rng_u32(&c);
    }
    CHECK(differs);
}

static void test_below_is_in_range_and_covers(void)
{
    l4_rng r;
    l4_rng_init(&r, 1, 1);
    int seen[10] = {0};
    for (int i = 0; i < 10000; i++) {
        uint32_t v = l4_rng_below(&r, 10);
        CHECK(v < 10);
        seen[v]++;
    }
    /* Each bucket expects 1000; 6 sigma is about 170. */
    for (int i = 0; i < 10; i++)
        CHECK_MSG(seen[i] > 820 && seen[i] < 1180, "bucket %d has %d", i, seen[i]);
    CHECK_EQ(l4_rng_below(&r, 0), 0);
}

static void test_chance_extremes_and_rate(void)
{
    l4_rng r;
    l4_rng_init(&r, 9, 3);
    int hits = 0;
    for (int i = 0; i < 100000; i++) {
        CHECK(!l4_rng_chance(&r, 0.0));
        CHECK(l4_rng_chance(&r, 1.0));
        hits += l4_rng_chance(&r, 0.25);
    }
    /* Binomial(100000, 0.25): sd ~137; allow 6 sd. */
    CHECK_MSG(hits > 25000 - 822 && hits < 25000 + 822, "hits=%d", hits);
}

static void test_strerror_names(void)
{
    CHECK_STR(l4_strerror(L4_ERR_TRUNCATED), "truncated input");
    CHECK_STR(l4_strerror(12345), "unknown error");
    CHECK(l4_err_is_fatal(L4_ERR_NOMEM));
    CHECK(!l4_err_is_fatal(L4_ERR_MALFORMED));
}

static const l4_test TESTS[] = {
    TEST(test_same_seed_same_sequence),
    TEST(test_below_is_in_range_and_covers),
    TEST(test_chance_extremes_and_rate),
    TEST(test_strerror_names),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
