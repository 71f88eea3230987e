/* tests/cc/reno_test.c — Reno against the RFC 5681 / RFC 3465 equations. */
#include "cc/cc.h"
#include "check.h"

static l4_cc *mk(uint32_t mss)
{
    l4_cc *cc = NULL;
    if (l4_cc_new(&cc, "reno", mss, 0) != 0)
        return NULL;
    return cc;
}

static void ack(l4_cc *cc, uint64_t n)
{
    l4_cc_ack a = {.bytes_acked = n, .rtt = 0, .in_flight = 0, .now = 0};
    l4_cc_on_ack(cc, &a);
}

static void test_registry(void)
{
    CHECK(l4_cc_find("reno") != NULL);
    CHECK(l4_cc_find("newreno") == l4_cc_find("reno"));
    CHECK(l4_cc_find("nope") == NULL);
    CHECK(l4_cc_find(NULL) == NULL);
    CHECK_STR(l4_cc_name_at(0), "reno");
    CHECK_STR(l4_cc_name_at(1), "cubic");
    CHECK_STR(l4_cc_name_at(2), "dctcp");
    CHECK_STR(l4_cc_name_at(3), "bbr");
    CHECK(l4_cc_name_at(4) == NULL);
    l4_cc *cc = NULL;
    CHECK_EQ(l4_cc_new(&cc, "nope", 1460, 0), L4_ERR_NOT_FOUND);
    CHECK_EQ(l4_cc_new(&cc, "reno", 0, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_cc_new(NULL, "reno", 1460, 0), L4_ERR_INVALID_ARGUMENT);
}

static void test_initial_window(void)
{
    /* IW = min(4*SMSS, max(2*SMSS, 4380)): 4 segs up to 1095, 3 up to 2190, then 2. */
    uint32_t mss[] = {536, 1095, 1096, 1460, 2190, 2191, 9000};
    uint64_t iw[] = {2144, 4380, 3288, 4380, 6570, 4382, 18000};
    for (size_t i = 0; i < sizeof mss / sizeof mss[0]; i++) {
        l4_cc *cc = mk(mss[i]);
        CHECK(cc);
        CHECK_EQU(l4_cc_cwnd(cc), iw[i]);
        CHECK_EQU(l4_cc_ssthresh(cc), UINT64_MAX);
        CHECK_EQU(l4_cc_pacing_rate(cc), 0);
        l4_cc_del(cc);
    }
}

/* Every algorithm: a window still at its IW when the segment size is learned
   (TCP starts with 536 and learns 1448 from the SYN-ACK) becomes the IW of
   the new size, RFC 5681 §3.1: 3 x 1448 = 4344, not 4 x 1448 = 5792 (it
   was kept in segments). After an ACK or a loss, set_mss keeps segments. */
static void test_initial_window_follows_mss_for_every_algorithm(void)
{
    for (size_t k = 0; l4_cc_name_at(k); k++) {
        const char *name = l4_cc_name_at(k);
        l4_cc *cc = NULL;
        CHECK_EQ(l4_cc_new(&cc, name, 536, 0), 0);
        CHECK_MSG(l4_cc_cwnd(cc) == 2144, "%s: IW(536) %ju", name, (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_set_mss(cc, 1448);
        CHECK_MSG(l4_cc_cwnd(cc) == 4344, "%s: IW(1448) %ju", name, (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_set_mss(cc, 2500); /* still nothing acked: 2 segments */
        CHECK_MSG(l4_cc_cwnd(cc) == 5000, "%s: IW(2500) %ju", name, (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_set_mss(cc, 1448);
        l4_cc_ack a = {.bytes_acked = 1448, .rtt = 20 * L4_MS, .in_flight = 4344, .now = L4_MS};
        a.delivered = 1448;
        a.delivery_rate = 1448 * 50;
        a.rate_interval = 20 * L4_MS;
        l4_cc_on_ack(cc, &a);
        uint64_t w = l4_cc_cwnd(cc);
        CHECK_MSG(w > 4344, "%s: cwnd %ju after an ACK", name, (uintmax_t)w);
        l4_cc_set_mss(cc, 724); /* no longer the IW: the same number of segments */
        CHECK_MSG(l4_cc_cwnd(cc) == w / 1448 * 724, "%s: %ju -> %ju", name, (uintmax_t)w,
                  (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_del(cc);
    }
}

/* A transport's own rule (l4_cc_params): QUIC's RFC 9002 §7.2 initial
   window, min(10 * MDS, max(14720, 2 * MDS)), for every algorithm, at
   creation, after set_mss while still at the IW, and after a reset (a new
   path, RFC 9000 §9.4); TCP's rule stays the default of l4_cc_new. */
static void test_quic_initial_window_for_every_algorithm(void)
{
    CHECK_EQU(l4_cc_initial_window_quic(1200), 12000);
    CHECK_EQU(l4_cc_initial_window_quic(1452), 14520);
    CHECK_EQU(l4_cc_initial_window_quic(1472), 14720);
    CHECK_EQU(l4_cc_initial_window_quic(1500), 14720); /* the 14720-byte cap */
    CHECK_EQU(l4_cc_initial_window_quic(9000), 18000); /* at least 2 datagrams */
    l4_cc_params p = {.mss = 1200, .initial_window = l4_cc_initial_window_quic};
    for (size_t k = 0; l4_cc_name_at(k); k++) {
        const char *name = l4_cc_name_at(k);
        l4_cc *cc = NULL;
        CHECK_EQ(l4_cc_new_params(&cc, name, &p, 0), 0);
        CHECK_MSG(l4_cc_cwnd(cc) == 12000, "%s: IW %ju", name, (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_set_mss(cc, 1452);
        CHECK_MSG(l4_cc_cwnd(cc) == 14520, "%s: IW(1452) %ju", name, (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_on_congestion_event(cc, 14520, L4_MS);
        /* (BBR's model ignores a loss here) */
        CHECK_MSG(l4_cc_cwnd(cc) < 14520 || (l4_cc_flags(cc) & L4_CC_F_ACK_IN_RECOVERY),
                  "%s: %ju after a loss", name, (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_reset(cc, 1350, 2 * L4_MS);
        CHECK_MSG(l4_cc_cwnd(cc) == 13500, "%s: IW after reset %ju", name,
                  (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_del(cc);
        CHECK_EQ(l4_cc_new(&cc, name, 1200, 0), 0); /* TCP's: 3 segments */
        CHECK_MSG(l4_cc_cwnd(cc) == 3600, "%s: TCP IW %ju", name, (uintmax_t)l4_cc_cwnd(cc));
        l4_cc_del(cc);
    }
    l4_cc *cc = NULL;
    p.initial_window = NULL; /* NULL: TCP's */
    CHECK_EQ(l4_cc_new_params(&cc, "reno", &p, 0), 0);
    CHECK_EQU(l4_cc_cwnd(cc), 3600);
    l4_cc_del(cc);
    CHECK_EQ(l4_cc_new_params(&cc, "reno", NULL, 0), L4_ERR_INVALID_ARGUMENT);
    p.mss = 0;
    CHECK_EQ(l4_cc_new_params(&cc, "reno", &p, 0), L4_ERR_INVALID_ARGUMENT);
}

static void test_slow_start_byte_counting_l2(void)
{
    l4_cc *cc = mk(1000);
    CHECK_EQU(l4_cc_cwnd(cc), 4000);
    ack(cc, 500); /* partial segment counts its bytes */
    CHECK_EQU(l4_cc_cwnd(cc), 4500);
    ack(cc, 5000); /* a stretch ACK grows by at most L*SMSS = 2000 */
    CHECK_EQU(l4_cc_cwnd(cc), 6500);
    ack(cc, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 6500);
    l4_cc_del(cc);
}

static void test_congestion_event_and_avoidance(void)
{
    l4_cc *cc = mk(1000);
    l4_cc_on_congestion_event(cc, 20000, 0);
    CHECK_EQU(l4_cc_ssthresh(cc), 10000);
    CHECK_EQU(l4_cc_cwnd(cc), 10000);
    /* CA: +1 SMSS per cwnd bytes acknowledged. */
    for (int i = 0; i < 9; i++)
        ack(cc, 1000);
    CHECK_EQU(l4_cc_cwnd(cc), 10000);
    ack(cc, 1000);
    CHECK_EQU(l4_cc_cwnd(cc), 11000);
    /* The leftover carries: 11 more segments for the next increase. */
    for (int i = 0; i < 10; i++)
        ack(cc, 1000);
    CHECK_EQU(l4_cc_cwnd(cc), 11000);
    ack(cc, 1000);
    CHECK_EQU(l4_cc_cwnd(cc), 12000);
    /* Floor of 2*SMSS. */
    l4_cc_on_congestion_event(cc, 1500, 0);
    CHECK_EQU(l4_cc_ssthresh(cc), 2000);
    CHECK_EQU(l4_cc_cwnd(cc), 2000);
    l4_cc_del(cc);
}

static void test_rto_collapses_to_one_segment(void)
{
    l4_cc *cc = mk(1460);
    l4_cc_on_rto(cc, 64000, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 1460);
    CHECK_EQU(l4_cc_ssthresh(cc), 32000);
    ack(cc, 1460); /* slow start again below ssthresh */
    CHECK_EQU(l4_cc_cwnd(cc), 2920);
    l4_cc_on_ecn_ce(cc, 8000, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 4000);
    l4_cc_reset(cc, 1000, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 4000);
    CHECK_EQU(l4_cc_ssthresh(cc), UINT64_MAX);
    l4_cc_set_mss(cc, 500); /* window kept in segments */
    CHECK_EQU(l4_cc_cwnd(cc), 2000);
    l4_cc_on_app_limited(cc, 0);
    CHECK_EQU(l4_cc_cwnd(cc), 2000);
    l4_cc_del(cc);
}

static const l4_test TESTS[] = {TEST(test_registry),
                                TEST(test_initial_window),
                                TEST(test_initial_window_follows_mss_for_every_algorithm),
                                TEST(test_quic_initial_window_for_every_algorithm),
                                TEST(test_slow_start_byte_counting_l2),
                                TEST(test_congestion_event_and_avoidance),
                                TEST(test_rto_collapses_to_one_segment),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
