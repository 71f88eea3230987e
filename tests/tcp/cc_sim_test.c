/*
 * tests/tcp/cc_sim_test.c — congestion-control scenarios over the emulator,
 * with bounds a broken algorithm fails.
 */
#include "cc_harness.h"
#include "check.h"
#include "pipe.h" /* PIPE_SIZE_DIV: smaller runs under sanitizers */

static int verbose(void)
{
    return getenv("L4_VERBOSE") != NULL;
}

/* RFC 8257 / [DCTCP10] §4.1 in small: one long flow into a 100 Mbit/s,
   1 ms RTT link marking above K = 20 packets, 300-packet buffer. DCTCP holds
   the queue near K with small swings; loss-based CUBIC without ECN fills the
   buffer; all keep the link busy. (Classic-ECN CUBIC, one 30 % cut per
   marked window, is run and printed for comparison: at this small BDP it
   sits below K on average.) */
static void queue_run(const char *cc, int ecn, double *mean_pkts, double *max_pkts, double *mbps)
{
    cch_run r;
    CHECK_EQ(cch_setup(&r, 1, cc, ecn, "rate 100mbit delay 500us queue 300 ecn-threshold 20",
                       "rate 100mbit delay 500us", 7),
             0);
    l4_time end = 1500 * L4_MS / PIPE_SIZE_DIV + 500 * L4_MS;
    r.warm = 500 * L4_MS;
    cch_run_until(&r, r.warm);
    uint64_t b0 = cch_total(&r);
    cch_run_until(&r, end);
    double pkt_s = (double)r.rate_bps / 8.0 / 1500.0;
    *mean_pkts = r.qdelay_sum / (double)r.qsamples * pkt_s;
    *max_pkts = r.qdelay_max * pkt_s;
    *mbps = (double)(cch_total(&r) - b0) * 8 / ((double)(end - r.warm) / 1e9) / 1e6;
    if (verbose())
        fprintf(stderr, "  %s ecn=%d: queue mean %.1f max %.1f pkts, %.1f Mbit/s\n", cc, ecn,
                *mean_pkts, *max_pkts, *mbps);
    cch_free(&r);
}

static void test_dctcp_holds_queue_near_threshold(void)
{
    double dm, dx, dr, cm, cx, cr, em, ex, er;
    queue_run("dctcp", 0, &dm, &dx, &dr);
    queue_run("cubic", 0, &cm, &cx, &cr);
    queue_run("cubic", 1, &em, &ex, &er);
    CHECK_MSG(dr > 90 && cr > 90 && er > 85, "goodput dctcp %.1f cubic %.1f cubic+ecn %.1f Mbit/s",
              dr, cr, er);
    CHECK_MSG(dm > 15 && dm < 25, "dctcp mean queue %.1f packets", dm);
    CHECK_MSG(dx < 30, "dctcp max queue %.1f packets", dx);
    CHECK_MSG(cm > 5 * dm && cx > 250, "cubic queue mean %.1f max %.1f vs dctcp %.1f", cm, cx, dm);
    CHECK_MSG(ex < 30, "classic-ECN cubic max queue %.1f", ex);
}

/* Goodput (Mbit/s) of one flow between `warm` and `end`. */
static double goodput(const char *cc, const char *fwd, const char *rev, l4_time warm, l4_time end,
                      uint64_t seed)
{
    cch_run r;
    CHECK_EQ(cch_setup(&r, 1, cc, 0, fwd, rev, seed), 0);
    cch_run_until(&r, warm);
    uint64_t b0 = cch_total(&r);
    cch_run_until(&r, end);
    double mbps = (double)(cch_total(&r) - b0) * 8 / ((double)(end - warm) / 1e9) / 1e6;
    if (verbose()) {
        l4_tcp_info i;
        l4_tcp_conn_get_info(r.cl.c[0], &i);
        fprintf(stderr, "  %s [%s]: %.1f Mbit/s (cwnd %ju, rtx %ju, rto %ju)\n", cc, fwd, mbps,
                (uintmax_t)i.cwnd, (uintmax_t)i.retransmits, (uintmax_t)i.rto_expiries);
    }
    cch_free(&r);
    return mbps;
}

/* [Q16] Fig 8 in small: at 1 % random loss on 100 Mbit/s with a 20 ms RTT,
   BBR keeps most of the link; Reno (Mathis: MSS/RTT * 1.22/sqrt(p) = 7 Mbit/s)
   and CUBIC cannot. */
static void test_bbr_keeps_link_at_one_percent_loss(void)
{
    const char *fwd = "rate 100mbit delay 10ms loss 1% queue 200";
    const char *rev = "rate 100mbit delay 10ms";
    l4_time warm = 1 * L4_S, end = warm + 2 * L4_S / PIPE_SIZE_DIV;
    double bbr = goodput("bbr", fwd, rev, warm, end, 11);
    double reno = goodput("reno", fwd, rev, warm, end, 11);
    double cubic = goodput("cubic", fwd, rev, warm, end, 11);
    CHECK_MSG(bbr > 50, "bbr %.1f Mbit/s", bbr);
    CHECK_MSG(reno < 25, "reno %.1f Mbit/s", reno);
    CHECK_MSG(cubic < 25, "cubic %.1f Mbit/s", cubic);
}

static const l4_test TESTS[] = {
    TEST(test_bbr_keeps_link_at_one_percent_loss),
    TEST(test_dctcp_holds_queue_near_threshold),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
