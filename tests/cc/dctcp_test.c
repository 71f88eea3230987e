/* tests/cc/dctcp_test.c — DCTCP (RFC 8257 §3.3) alpha and window cuts, exactly. */
#include "cc/dctcp.h"
#include "check.h"

#define MSS 1000

static l4_cc *mk(void)
{
    l4_cc *cc = NULL;
    if (l4_cc_new(&cc, "dctcp", MSS, 0) != 0)
        return NULL;
    return cc;
}

static void ack(l4_cc *cc, uint64_t n, uint64_t ce, uint64_t in_flight)
{
    l4_cc_ack a = {.bytes_acked = n, .in_flight = in_flight, .ce_bytes = ce};
    l4_cc_on_ack(cc, &a);
}

/* One observation window of 10 one-segment ACKs, `marked` of them with ECE;
   the last one leaves 9 segments outstanding (the next window). */
static void window(l4_cc *cc, int marked)
{
    for (int i = 0; i < 10; i++)
        ack(cc, MSS, i < marked ? MSS : 0, 10 * MSS);
}

static void test_flags_and_registry(void)
{
    CHECK(l4_cc_find("dctcp") == &l4_cc_dctcp);
    CHECK_EQU(l4_cc_dctcp.flags, L4_CC_F_ECN | L4_CC_F_ECN_BYTES);
    l4_cc *cc = mk();
    CHECK(l4_cc_dctcp_alpha(cc) == 1.0); /* RFC 8257 §3.3: starts at 1 */
    CHECK_EQU(l4_cc_cwnd(cc), 4000);
    CHECK_EQU(l4_cc_flags(cc), L4_CC_F_ECN | L4_CC_F_ECN_BYTES);
    l4_cc_del(cc);
}

static void test_alpha_sequence(void)
{
    l4_cc *cc = mk();
    /* The first ACK ends the first window (nothing marked): alpha = 15/16. */
    ack(cc, MSS, 0, 10 * MSS);
    CHECK(l4_cc_dctcp_alpha(cc) == 0.9375);
    window(cc, 10); /* M = 1 */
    CHECK(l4_cc_dctcp_alpha(cc) == 0.9375 * 15 / 16 + 1.0 / 16);
    CHECK(l4_cc_dctcp_alpha(cc) == 0.94140625);
    window(cc, 5); /* M = 1/2 */
    CHECK(l4_cc_dctcp_alpha(cc) == 0.94140625 * 15 / 16 + 0.5 / 16);
    double a = l4_cc_dctcp_alpha(cc);
    window(cc, 0);
    CHECK(l4_cc_dctcp_alpha(cc) == a * 15 / 16);
    /* Twenty unmarked windows: alpha = a (15/16)^21. */
    for (int i = 0; i < 20; i++)
        window(cc, 0);
    double e = a;
    for (int i = 0; i < 21; i++)
        e *= 15.0 / 16;
    CHECK(l4_cc_dctcp_alpha(cc) > e * (1 - 1e-12) && l4_cc_dctcp_alpha(cc) < e * (1 + 1e-12));
    /* Window accounting is by bytes: a partial mark counts its bytes. */
    a = l4_cc_dctcp_alpha(cc);
    ack(cc, MSS, 500, 10 * MSS);
    for (int i = 1; i < 10; i++)
        ack(cc, MSS, 0, 10 * MSS);
    CHECK(l4_cc_dctcp_alpha(cc) == a * 15 / 16 + 0.05 / 16);
    l4_cc_del(cc);
}

static void test_cut_once_per_window(void)
{
    l4_cc *cc = mk();
    /* Slow start to 40 segments, unmarked (each ACK is its own window). */
    for (int i = 0; i < 36; i++)
        ack(cc, MSS, 0, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 40000);
    double a = l4_cc_dctcp_alpha(cc);
    CHECK(a > 0.097 && a < 0.1); /* (15/16)^36 */
    /* A marked ACK ends the window (alpha first: M = 1), then cuts once. */
    ack(cc, MSS, MSS, 40 * MSS);
    double a2 = a * 15 / 16 + 1.0 / 16;
    CHECK(l4_cc_dctcp_alpha(cc) == a2);
    uint64_t w = (uint64_t)(40000 * (1 - a2 / 2));
    CHECK_EQU(l4_cc_cwnd(cc), w);
    CHECK_EQU(l4_cc_ssthresh(cc), w);
    /* More marks inside the same window (39 segments outstanding) do not cut
       again; the window grows in congestion avoidance. */
    for (int i = 0; i < 39; i++)
        ack(cc, MSS, MSS, 39 * MSS);
    CHECK(l4_cc_cwnd(cc) >= w);
    /* The first marked ACK after the window cuts again. */
    uint64_t before = l4_cc_cwnd(cc);
    ack(cc, MSS, MSS, 39 * MSS);
    CHECK(l4_cc_cwnd(cc) < before);
    l4_cc_del(cc);
}

static void test_loss_is_reno(void)
{
    l4_cc *cc = mk();
    for (int i = 0; i < 16; i++)
        ack(cc, MSS, 0, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 20000);
    l4_cc_on_congestion_event(cc, 20000, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 10000);
    l4_cc_on_rto(cc, 10000, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 1000);
    CHECK_EQU(l4_cc_ssthresh(cc), 5000);
    /* Classic ECE without per-packet bytes: one cut with the current alpha (1). */
    l4_cc *c2 = mk();
    l4_cc_on_ecn_ce(c2, 4000, 0);
    CHECK_EQU(l4_cc_cwnd(c2), 2000);
    CHECK(l4_cc_dctcp_alpha(c2) == 1.0);
    l4_cc_del(cc);
    l4_cc_del(c2);
}

static const l4_test TESTS[] = {
    TEST(test_flags_and_registry),
    TEST(test_alpha_sequence),
    TEST(test_cut_once_per_window),
    TEST(test_loss_is_reno),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
