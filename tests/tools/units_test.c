/* tests/tools/units_test.c — the command line's one size and time parser. */
#include "check.h"
#include "tools/l4kit/units.h"

static void test_sizes(void)
{
    uint64_t v;
    CHECK_EQ(units_parse_size("1500", &v), 0);
    CHECK_EQU(v, 1500);
    CHECK_EQ(units_parse_size("10M", &v), 0);
    CHECK_EQU(v, 10485760);
    CHECK_EQ(units_parse_size("1.5m", &v), 0);
    CHECK_EQU(v, 1572864);
    CHECK_EQ(units_parse_size("64KiB", &v), 0);
    CHECK_EQU(v, 65536);
    CHECK_EQ(units_parse_size("2G", &v), 0);
    CHECK_EQU(v, 2147483648u);
    CHECK_EQ(units_parse_size("1T", &v), 0);
    CHECK_EQU(v, 1099511627776u);
    CHECK_EQ(units_parse_size("0", &v), 0);
    CHECK_EQU(v, 0);
    const char *bad[] = {"", "-1", "10Q", "1e3", "0x10", "M", "1 M", "5000000T", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK_MSG(units_parse_size(bad[i], &v) == -1, "'%s' accepted", bad[i]);
}

static void test_times(void)
{
    l4_time t;
    CHECK_EQ(units_parse_time("100ms", &t), 0);
    CHECK_EQU(t, 100 * L4_MS);
    CHECK_EQ(units_parse_time("1.5s", &t), 0);
    CHECK_EQU(t, 1500 * L4_MS);
    CHECK_EQ(units_parse_time("2m", &t), 0);
    CHECK_EQU(t, 120 * L4_S);
    CHECK_EQ(units_parse_time("250us", &t), 0);
    CHECK_EQU(t, 250 * L4_US);
    CHECK_EQ(units_parse_time("7ns", &t), 0);
    CHECK_EQU(t, 7);
    CHECK_EQ(units_parse_time("0", &t), 0);
    CHECK_EQU(t, 0);
    const char *bad[] = {"", "5", "-1s", "1h", "1e3ms", "ms", "1 s", "40000000000s", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK_MSG(units_parse_time(bad[i], &t) == -1, "'%s' accepted", bad[i]);
}

static const l4_test TESTS[] = {
    TEST(test_sizes),
    TEST(test_times),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
