/* tests/sim/link_spec_test.c — the netem-like spec: every key, units, errors, formatting. */
#include <math.h>

#include "../check.h"
#include "sim/link_spec.h"
#include "util/err.h"

static void test_full_example(void)
{
    l4_link_spec s;
    char err[128];
    CHECK_EQ(
        l4_link_spec_parse(&s,
                           "rate 100mbit delay 50ms jitter 5ms loss 1% loss-burst 3 reorder 1% "
                           "duplicate 0.1% corrupt 0.1% queue 100 ecn-threshold 20",
                           err, sizeof err),
        0);
    CHECK_STR(err, "");
    CHECK_EQU(s.rate_bps, 100000000);
    CHECK_EQU(s.delay, 50 * L4_MS);
    CHECK_EQU(s.jitter, 5 * L4_MS);
    CHECK(fabs(s.loss - 0.01) < 1e-12);
    CHECK(fabs(s.loss_burst - 3.0) < 1e-12);
    CHECK(fabs(s.reorder - 0.01) < 1e-12);
    CHECK(fabs(s.duplicate - 0.001) < 1e-12);
    CHECK(fabs(s.corrupt - 0.001) < 1e-12);
    CHECK_EQU(s.queue_pkts, 100);
    CHECK_EQU(s.queue_bytes, 0);
    CHECK_EQU(s.ecn_threshold, 20);
}

static void test_defaults(void)
{
    l4_link_spec s;
    CHECK_EQ(l4_link_spec_parse(&s, "   ", NULL, 0), 0);
    CHECK_EQU(s.rate_bps, 0);
    CHECK_EQU(s.delay, 0);
    CHECK_EQU(s.jitter, 0);
    CHECK(s.loss == 0.0 && s.loss_burst == 0.0 && s.reorder == 0.0);
    CHECK(s.duplicate == 0.0 && s.corrupt == 0.0);
    CHECK_EQU(s.queue_pkts, 1000);
    CHECK_EQU(s.queue_bytes, 0);
    CHECK_EQU(s.ecn_threshold, L4_LINK_ECN_OFF);
    l4_link_spec d;
    l4_link_spec_default(&d);
    CHECK_MEM(&s, &d, sizeof s);
}

static void test_units(void)
{
    static const struct {
        const char *text;
        uint64_t rate;
        l4_time delay;
    } cases[] = {
        {"rate 1bit", 1, 0},
        {"rate 64kbit", 64000, 0},
        {"rate 1.5Mbit", 1500000, 0},
        {"rate 10GBIT", 10000000000ull, 0},
        {"rate 0", 0, 0},
        {"delay 250ns", 0, 250},
        {"delay 20us", 0, 20000},
        {"delay 1.5ms", 0, 1500000},
        {"delay 2s", 0, 2000000000ull},
        {"delay 0", 0, 0},
        {"DELAY 3MS rate 2kbit", 2000, 3000000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        l4_link_spec s;
        char err[128];
        CHECK_MSG(l4_link_spec_parse(&s, cases[i].text, err, sizeof err) == 0, "%s: %s",
                  cases[i].text, err);
        CHECK_EQU(s.rate_bps, cases[i].rate);
        CHECK_EQU(s.delay, cases[i].delay);
    }
    l4_link_spec s;
    CHECK_EQ(l4_link_spec_parse(&s, "jitter 7us", NULL, 0), 0);
    CHECK_EQU(s.jitter, 7000);
    CHECK_EQ(l4_link_spec_parse(&s, "loss 2.5 reorder 100% duplicate 0 corrupt 0%", NULL, 0), 0);
    CHECK(fabs(s.loss - 0.025) < 1e-12);
    CHECK(s.reorder == 1.0 && s.duplicate == 0.0 && s.corrupt == 0.0);
    CHECK_EQ(l4_link_spec_parse(&s, "queue 64kb", NULL, 0), 0);
    CHECK_EQU(s.queue_bytes, 64000);
    CHECK_EQU(s.queue_pkts, 0);
    CHECK_EQ(l4_link_spec_parse(&s, "queue 1500b", NULL, 0), 0);
    CHECK_EQU(s.queue_bytes, 1500);
    CHECK_EQ(l4_link_spec_parse(&s, "queue 2MB", NULL, 0), 0);
    CHECK_EQU(s.queue_bytes, 2000000);
    CHECK_EQ(l4_link_spec_parse(&s, "queue 1 ecn-threshold 0 loss-burst 1", NULL, 0), 0);
    CHECK_EQU(s.queue_pkts, 1);
    CHECK_EQU(s.ecn_threshold, 0);
    CHECK(s.loss_burst == 1.0);
    CHECK_EQ(l4_link_spec_parse(&s, "\tloss\n1%  rate  5mbit ", NULL, 0), 0);
    CHECK_EQU(s.rate_bps, 5000000);
}

static void test_errors_name_the_token(void)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"los 1%", "unknown key 'los'"},
        {"rate 10mbps", "bad rate '10mbps' (use bit, kbit, mbit, gbit)"},
        {"rate fast", "bad rate 'fast' (use bit, kbit, mbit, gbit)"},
        {"rate 10", "bad rate '10' (use bit, kbit, mbit, gbit)"},
        {"rate 0.5bit", "rate '0.5bit' out of range 1bit-1000000gbit"},
        {"delay", "missing value for 'delay'"},
        {"rate 1mbit delay   ", "missing value for 'delay'"},
        {"delay 50", "bad delay '50' (use ns, us, ms, s)"},
        {"delay 50min", "bad delay '50min' (use ns, us, ms, s)"},
        {"jitter -5ms", "bad jitter '-5ms' (use ns, us, ms, s)"},
        {"delay 2000000s", "delay '2000000s' out of range (at most 1000000s)"},
        {"loss 120%", "loss '120%' out of range 0-100%"},
        {"reorder 101", "reorder '101' out of range 0-100%"},
        {"duplicate 1%%", "bad duplicate '1%%' (use a percentage such as 1%)"},
        {"corrupt x", "bad corrupt 'x' (use a percentage such as 1%)"},
        {"loss -1%", "bad loss '-1%' (use a percentage such as 1%)"},
        {"loss-burst 0.5", "bad loss-burst '0.5' (mean burst length in packets, >= 1)"},
        {"loss-burst 3pk", "bad loss-burst '3pk' (mean burst length in packets, >= 1)"},
        {"queue 0", "bad queue '0' (whole packets, 1 or more)"},
        {"queue 2.5", "bad queue '2.5' (whole packets, 1 or more)"},
        {"queue 64kib", "bad queue '64kib' (packets, or bytes with b, kb, mb, e.g. 64kb)"},
        {"queue 0b", "bad queue '0b' (packets, or bytes with b, kb, mb, e.g. 64kb)"},
        {"ecn-threshold 2.5", "bad ecn-threshold '2.5' (whole packets)"},
        {"ecn-threshold many", "bad ecn-threshold 'many' (whole packets)"},
        {"loss 1% loss 2%", "duplicate key 'loss'"},
        {"seed 5", "unknown key 'seed'"},
        {"1mbit", "unknown key '1mbit'"},
        {"drop-at 2",
         "bad drop-at '2' (times with ns, us, ms, s, comma-separated, e.g. 2s,5500ms)"},
        {"drop-at 2s,,3s",
         "bad drop-at '2s,,3s' (times with ns, us, ms, s, comma-separated, e.g. 2s,5500ms)"},
        {"drop-at ,2s",
         "bad drop-at ',2s' (times with ns, us, ms, s, comma-separated, e.g. 2s,5500ms)"},
        {"drop-at 2s,", "bad drop-at '2s,' (trailing comma)"},
        {"drop-at 2000000s",
         "bad drop-at '2000000s' (times with ns, us, ms, s, comma-separated, e.g. 2s,5500ms)"},
        {"drop-at 1s drop-at 2s", "duplicate key 'drop-at'"},
        {"drop-at 1s,2s,3s,4s,5s,6s,7s,8s,9s,10s,11s,12s,13s,14s,15s,16s,17s",
         "too many drop-at times (at most 16)"},
        {"blackout 3s",
         "bad blackout '3s' (START+LENGTH, LENGTH > 0, comma-separated, e.g. 3s+1500ms)"},
        {"blackout 3s+0",
         "bad blackout '3s+0' (START+LENGTH, LENGTH > 0, comma-separated, e.g. 3s+1500ms)"},
        {"blackout 3s+",
         "bad blackout '3s+' (START+LENGTH, LENGTH > 0, comma-separated, e.g. 3s+1500ms)"},
        {"blackout +1s",
         "bad blackout '+1s' (START+LENGTH, LENGTH > 0, comma-separated, e.g. 3s+1500ms)"},
        {"blackout 3s+1s+1s",
         "bad blackout '3s+1s+1s' (START+LENGTH, LENGTH > 0, comma-separated, e.g. 3s+1500ms)"},
        {"blackout 3s+1s,", "bad blackout '3s+1s,' (trailing comma)"},
        {"blackout", "missing value for 'blackout'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        l4_link_spec s;
        char err[128] = "untouched";
        CHECK_MSG(l4_link_spec_parse(&s, cases[i].text, err, sizeof err) == L4_ERR_MALFORMED,
                  "'%s' accepted", cases[i].text);
        CHECK_STR(err, cases[i].msg);
    }
    /* A short message buffer truncates, still NUL-terminated; NULL err is fine. */
    l4_link_spec s;
    char small[8];
    CHECK_EQ(l4_link_spec_parse(&s, "los 1", small, sizeof small), L4_ERR_MALFORMED);
    CHECK_STR(small, "unknown");
    CHECK_EQ(l4_link_spec_parse(&s, "los 1", NULL, 0), L4_ERR_MALFORMED);
    CHECK_EQ(l4_link_spec_parse(NULL, "loss 1", NULL, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_link_spec_parse(&s, NULL, NULL, 0), L4_ERR_INVALID_ARGUMENT);
}

static void test_format_canonical(void)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},
        {"ecn-threshold 20 queue 100 corrupt 0.1% duplicate 0.1 reorder 1% loss-burst 3 loss 1 "
         "jitter 5000us delay 0.05s rate 100000kbit",
         "rate 100mbit delay 50ms jitter 5ms loss 1% loss-burst 3 reorder 1% duplicate 0.1% "
         "corrupt 0.1% queue 100 ecn-threshold 20"},
        {"rate 1500kbit delay 1500us", "rate 1500kbit delay 1500us"},
        {"rate 1234bit delay 7ns", "rate 1234bit delay 7ns"},
        {"rate 2gbit delay 3s", "rate 2gbit delay 3s"},
        {"queue 64000b", "queue 64kb"},
        {"queue 1500b", "queue 1500b"},
        {"queue 3mb", "queue 3mb"},
        {"queue 1000", ""},
        {"loss 0.0001%", "loss 0.0001%"},
        {"loss-burst 2.5 ecn-threshold 0", "loss-burst 2.5 ecn-threshold 0"},
        {"blackout 10s+200ms,3s+1.5s drop-at 5.5s,2s,0,2s rate 10mbit",
         "rate 10mbit drop-at 0s,2s,2s,5500ms blackout 3s+1500ms,10s+200ms"},
        {"drop-at 1500us", "drop-at 1500us"},
        {"blackout 0+7ns", "blackout 0s+7ns"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        l4_link_spec s, back;
        char buf[256];
        CHECK_EQ(l4_link_spec_parse(&s, cases[i].in, NULL, 0), 0);
        int n = l4_link_spec_format(&s, buf, sizeof buf);
        CHECK_EQ(n, (int)strlen(cases[i].out));
        CHECK_STR(buf, cases[i].out);
        /* The canonical text parses back to the same spec. */
        CHECK_EQ(l4_link_spec_parse(&back, buf, NULL, 0), 0);
        CHECK_EQU(back.rate_bps, s.rate_bps);
        CHECK_EQU(back.delay, s.delay);
        CHECK_EQU(back.jitter, s.jitter);
        CHECK(fabs(back.loss - s.loss) < 1e-9 && fabs(back.reorder - s.reorder) < 1e-9);
        CHECK(fabs(back.duplicate - s.duplicate) < 1e-9 && fabs(back.corrupt - s.corrupt) < 1e-9);
        CHECK(fabs(back.loss_burst - s.loss_burst) < 1e-9);
        CHECK_EQU(back.queue_pkts, s.queue_pkts);
        CHECK_EQU(back.queue_bytes, s.queue_bytes);
        CHECK_EQU(back.ecn_threshold, s.ecn_threshold);
        CHECK_EQU(back.n_drop_at, s.n_drop_at);
        CHECK_EQU(back.n_blackout, s.n_blackout);
        CHECK_MEM(back.drop_at, s.drop_at, sizeof s.drop_at[0] * s.n_drop_at);
        CHECK_MEM(back.blackout, s.blackout, sizeof s.blackout[0] * s.n_blackout);
    }
}

/* drop-at and blackout: values, sorted order, limits. */
static void test_timed_loss_keys(void)
{
    l4_link_spec s;
    char err[160];
    CHECK_EQ(l4_link_spec_parse(&s, "drop-at 5s,2s,2.5s blackout 3s+1.5s,1s+20ms", err, sizeof err),
             0);
    CHECK_EQU(s.n_drop_at, 3);
    CHECK_EQU(s.drop_at[0], 2 * L4_S);
    CHECK_EQU(s.drop_at[1], 2500 * L4_MS);
    CHECK_EQU(s.drop_at[2], 5 * L4_S);
    CHECK_EQU(s.n_blackout, 2);
    CHECK_EQU(s.blackout[0].start, 1 * L4_S);
    CHECK_EQU(s.blackout[0].len, 20 * L4_MS);
    CHECK_EQU(s.blackout[1].start, 3 * L4_S);
    CHECK_EQU(s.blackout[1].len, 1500 * L4_MS);
    /* delay-at: steps sorted by time; the delay in force at a time. */
    CHECK_EQ(l4_link_spec_parse(&s, "delay 10ms delay-at 3s=10ms,2s=300ms", err, sizeof err), 0);
    CHECK_EQU(s.n_delay_at, 2);
    CHECK_EQU(s.delay_at[0].at, 2 * L4_S);
    CHECK_EQU(s.delay_at[0].delay, 300 * L4_MS);
    CHECK_EQU(l4_link_spec_delay_at(&s, 1999 * L4_MS), 10 * L4_MS);
    CHECK_EQU(l4_link_spec_delay_at(&s, 2 * L4_S), 300 * L4_MS);
    CHECK_EQU(l4_link_spec_delay_at(&s, 3 * L4_S), 10 * L4_MS);
    char fmt[128];
    CHECK(l4_link_spec_format(&s, fmt, sizeof fmt) > 0);
    CHECK_STR(fmt, "delay 10ms delay-at 2s=300ms,3s=10ms");
    CHECK_EQ(l4_link_spec_parse(&s, "delay-at 2s", err, sizeof err), L4_ERR_MALFORMED);
    CHECK_STR(err, "bad delay-at '2s' (TIME=DELAY, comma-separated, e.g. 2s=300ms,3s=10ms)");
    CHECK_EQ(l4_link_spec_parse(&s, "delay-at 2s=1ms,", err, sizeof err), L4_ERR_MALFORMED);
    /* 16 of each fit; the longest canonical text fits L4_LINK_SPEC_TEXT_MAX */
    char text[3072];
    int off = snprintf(text, sizeof text,
                       "rate 999999999999bit delay 999999999999999ns jitter 999999999999999ns "
                       "loss 99.999999999%% loss-burst 999999.999999 reorder 99.999999999%% "
                       "duplicate 99.999999999%% corrupt 99.999999999%% queue 999999999999999b "
                       "ecn-threshold 3999999999 drop-at ");
    for (int i = 0; i < 16; i++)
        off +=
            snprintf(text + off, sizeof text - (size_t)off, "%s%dns", i ? "," : "", 999999999 - i);
    off += snprintf(text + off, sizeof text - (size_t)off, " blackout ");
    for (int i = 0; i < 16; i++)
        off += snprintf(text + off, sizeof text - (size_t)off,
                        "%s99999999999999%dns+999999999999999ns", i ? "," : "", i % 10);
    off += snprintf(text + off, sizeof text - (size_t)off, " delay-at ");
    for (int i = 0; i < 16; i++)
        off += snprintf(text + off, sizeof text - (size_t)off,
                        "%s99999999999999%dns=999999999999999ns", i ? "," : "", i % 10);
    CHECK_MSG(l4_link_spec_parse(&s, text, err, sizeof err) == 0, "%s", err);
    CHECK_EQU(s.n_drop_at, 16);
    CHECK_EQU(s.n_blackout, 16);
    CHECK_EQU(s.n_delay_at, 16);
    char canon[L4_LINK_SPEC_TEXT_MAX];
    int n = l4_link_spec_format(&s, canon, sizeof canon);
    CHECK_MSG(n > 0 && (size_t)n < sizeof canon, "canonical text %d bytes", n);
}

static void test_format_nobuf(void)
{
    l4_link_spec s;
    CHECK_EQ(l4_link_spec_parse(&s, "rate 100mbit delay 50ms", NULL, 0), 0);
    char buf[64];
    CHECK_EQ(l4_link_spec_format(&s, buf, 24), 23); /* exactly fits with its NUL */
    CHECK_STR(buf, "rate 100mbit delay 50ms");
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(l4_link_spec_format(&s, buf, 23), L4_ERR_NOBUF);
    CHECK_EQ(buf[0], '\0');
    CHECK_EQ(l4_link_spec_format(&s, NULL, 0), L4_ERR_NOBUF);
}

static const l4_test TESTS[] = {TEST(test_full_example),
                                TEST(test_defaults),
                                TEST(test_units),
                                TEST(test_errors_name_the_token),
                                TEST(test_format_canonical),
                                TEST(test_format_nobuf),
                                TEST(test_timed_loss_keys),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
