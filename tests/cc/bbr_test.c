/* tests/cc/bbr_test.c — BBR v1 state machine on a synthetic delivery-rate stream. */
#include "cc/bbr.h"
#include "cc/pacer.h"
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

#define MSS 1000

/* A fluid path: bottleneck `bw` bytes/s, base RTT `rtt`. Each round the
   sender puts min(cwnd, pacing_rate * RTT) in flight; the path delivers at
   most bw * RTT of it, in one-segment ACKs spread over the round, with a
   sample of the delivered amount over the RTT (queueing adds to the RTT). */
typedef struct path {
    uint64_t bw;
    l4_time rtt, extra;
    uint64_t delivered;
    l4_time now;
    uint64_t last_sent;
    l4_time last_rtt; /* pacing fills the RTT the previous round saw */
    /* Pacing-gain changes seen ACK by ACK (when log is set). */
    double *log_gain;
    l4_time *log_time;
    int nlog, maxlog;
} path;

static void round_trip(l4_cc *cc, path *p)
{
    uint64_t cwnd = l4_cc_cwnd(cc);
    l4_time prtt = p->last_rtt ? p->last_rtt : p->rtt;
    uint64_t paced = (uint64_t)((double)l4_cc_pacing_rate(cc) * (double)prtt / 1e9);
    uint64_t sent = cwnd < paced ? cwnd : paced;
    if (sent < MSS)
        sent = MSS;
    uint64_t cap = (uint64_t)((double)p->bw * (double)p->rtt / 1e9);
    uint64_t d = sent < cap ? sent : cap;
    l4_time q = sent > cap ? (l4_time)((double)(sent - cap) * 1e9 / (double)p->bw) : 0;
    l4_time rtt = p->rtt + q + p->extra;
    p->last_rtt = rtt;
    uint64_t rate = (uint64_t)((double)d * 1e9 / (double)rtt);
    uint64_t n = d / MSS ? d / MSS : 1;
    uint64_t prior = p->delivered;
    p->last_sent = sent;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t b = d / n;
        p->delivered += b;
        p->now += rtt / n;
        l4_cc_ack a = {.bytes_acked = b,
                       .rtt = rtt,
                       .in_flight = sent - i * b,
                       .now = p->now,
                       .delivered = p->delivered,
                       .prior_delivered = prior,
                       .delivery_rate = rate,
                       .rate_interval = rtt};
        l4_cc_on_ack(cc, &a);
        double g = l4_cc_bbr_pacing_gain(cc);
        if (p->log_gain && p->nlog < p->maxlog && (p->nlog == 0 || p->log_gain[p->nlog - 1] != g)) {
            p->log_gain[p->nlog] = g;
            p->log_time[p->nlog++] = p->now;
        }
    }
}

static l4_cc *mk(void)
{
    l4_cc *cc = NULL;
    if (l4_cc_new(&cc, "bbr", MSS, 0) != 0)
        return NULL;
    return cc;
}

static void test_registry_and_initial(void)
{
    l4_cc *cc = mk();
    CHECK(l4_cc_find("bbr") == &l4_cc_bbr);
    CHECK_EQU(l4_cc_flags(cc), L4_CC_F_RATE | L4_CC_F_ACK_IN_RECOVERY);
    CHECK_EQ(l4_cc_bbr_mode(cc), L4_BBR_STARTUP);
    CHECK(l4_cc_bbr_pacing_gain(cc) == L4_BBR_HIGH_GAIN);
    CHECK_EQU(l4_cc_cwnd(cc), 4000);
    CHECK(l4_cc_pacing_rate(cc) > 0);
    CHECK_EQU(l4_cc_bbr_min_rtt(cc), L4_TIME_NONE);
    l4_cc_del(cc);
}

static void test_startup_drain_probe_bw(void)
{
    l4_cc *cc = mk();
    path p = {.bw = 12500000, .rtt = 20 * L4_MS}; /* 100 Mbit/s, BDP 250 000 B */
    uint64_t prev_bw = 0;
    int rounds = 0, flat = 0;
    /* STARTUP: the estimate grows by ~2.885x per round until the bottleneck. */
    while (l4_cc_bbr_mode(cc) == L4_BBR_STARTUP && rounds < 40) {
        round_trip(cc, &p);
        rounds++;
        uint64_t bw = l4_cc_bbr_bw(cc);
        if (bw * 4 < prev_bw * 5)
            flat++;
        else
            flat = 0;
        if (bw > prev_bw)
            prev_bw = bw;
    }
    CHECK_MSG(rounds < 20, "startup took %d rounds", rounds);
    /* The pipe is full after 3 rounds without 25 % growth. */
    CHECK_EQ(flat, 3);
    CHECK(l4_cc_bbr_filled_pipe(cc));
    CHECK_EQ(l4_cc_bbr_mode(cc), L4_BBR_DRAIN);
    CHECK(l4_cc_bbr_pacing_gain(cc) == 1.0 / L4_BBR_HIGH_GAIN);
    /* (Samples taken with a queue read a little under the bottleneck.) */
    CHECK_MSG(l4_cc_bbr_bw(cc) > 11800000 && l4_cc_bbr_bw(cc) <= 12500000, "bw %llu",
              (unsigned long long)l4_cc_bbr_bw(cc));
    /* DRAIN ends once in flight <= 1 BDP. */
    round_trip(cc, &p);
    CHECK_EQ(l4_cc_bbr_mode(cc), L4_BBR_PROBE_BW);
    CHECK_EQU(l4_cc_bbr_min_rtt(cc), 20 * L4_MS);
    /* PROBE_BW: cwnd = 2 BDP + 3 send quanta (the offload budget: 3 ms at
       the pacing rate here, 1 ms each); pacing = gain * bw * 0.99. */
    round_trip(cc, &p);
    round_trip(cc, &p);
    uint64_t bw = l4_cc_bbr_bw(cc);
    uint64_t bdp = (uint64_t)((double)bw * 0.020);
    uint64_t budget = 3 * l4_pacer_quantum(l4_cc_pacing_rate(cc), MSS);
    CHECK(budget >= 3 * l4_cc_pacing_rate(cc) / 1000 - 3 && budget > 3 * MSS);
    CHECK_MSG(l4_cc_cwnd(cc) + 2 >= 2 * bdp + budget && l4_cc_cwnd(cc) <= 2 * bdp + budget + 2,
              "cwnd %llu bdp %llu", (unsigned long long)l4_cc_cwnd(cc), (unsigned long long)bdp);
    CHECK_EQU(l4_cc_pacing_rate(cc), (uint64_t)(l4_cc_bbr_pacing_gain(cc) * (double)bw * 0.99));
    /* The gain cycle, ACK by ACK over 40 rounds: 1.25 is followed by 0.75,
       then by 1 (six phases of ~RTprop); 1.25 comes back every 8 phases. */
    double g[256];
    l4_time t[256];
    p.log_gain = g;
    p.log_time = t;
    p.maxlog = 256;
    for (int r = 0; r < 40; r++)
        round_trip(cc, &p);
    int seen = 0;
    l4_time last_up = 0;
    for (int i = 0; i + 2 < p.nlog; i++)
        if (g[i] == 1.25) {
            seen++;
            CHECK(g[i + 1] == 0.75);
            CHECK(g[i + 2] == 1.0);
            if (getenv("L4_VERBOSE"))
                fprintf(stderr, "1.25 at %.3f\n", (double)t[i] / 1e9);
            if (last_up) {
                double cyc = (double)(t[i] - last_up) / 1e9;
                CHECK_MSG(cyc > 0.14 && cyc < 0.25,
                          "cycle %.3f s (8 phases of ~20 ms; 0.75 may end early)", cyc);
            }
            last_up = t[i];
        }
    CHECK_MSG(seen >= 2, "1.25 phases seen %d", seen);
    l4_cc_del(cc);
}

static void test_probe_rtt(void)
{
    l4_cc *cc = mk();
    path p = {.bw = 1250000, .rtt = 40 * L4_MS}; /* 10 Mbit/s */
    for (int r = 0; r < 30; r++)
        round_trip(cc, &p);
    CHECK_EQ(l4_cc_bbr_mode(cc), L4_BBR_PROBE_BW);
    uint64_t cwnd = l4_cc_cwnd(cc);
    /* The path's RTT rises by 1 ms: RTprop is not refreshed for 10 s. */
    p.extra = 1 * L4_MS;
    l4_time start = p.now;
    while (l4_cc_bbr_mode(cc) != L4_BBR_PROBE_RTT && p.now < start + 12 * L4_S)
        round_trip(cc, &p);
    CHECK_EQ(l4_cc_bbr_mode(cc), L4_BBR_PROBE_RTT);
    double waited = (double)(p.now - start) / 1e9;
    CHECK_MSG(waited > 9.5 && waited < 10.2, "PROBE_RTT after %.2f s", waited);
    CHECK_EQU(l4_cc_cwnd(cc), 4 * MSS);
    CHECK(l4_cc_bbr_pacing_gain(cc) == 1.0);
    /* Cwnd 4 segments for at least 200 ms and a round, then PROBE_BW with
       the window restored. */
    l4_time entered = p.now;
    while (l4_cc_bbr_mode(cc) == L4_BBR_PROBE_RTT && p.now < entered + L4_S)
        round_trip(cc, &p);
    CHECK_EQ(l4_cc_bbr_mode(cc), L4_BBR_PROBE_BW);
    double stay = (double)(p.now - entered) / 1e9;
    CHECK_MSG(stay >= 0.2 && stay < 0.35, "PROBE_RTT lasted %.3f s", stay);
    /* (The window is restored, then bounded by the new model: 40/41 of the
       bandwidth reads at the longer RTT.) */
    CHECK_MSG(l4_cc_cwnd(cc) >= cwnd * 9 / 10, "cwnd %llu was %llu",
              (unsigned long long)l4_cc_cwnd(cc), (unsigned long long)cwnd);
    CHECK_EQU(l4_cc_bbr_min_rtt(cc), 41 * L4_MS);
    l4_cc_del(cc);
}

static void test_loss_and_rto(void)
{
    l4_cc *cc = mk();
    path p = {.bw = 1250000, .rtt = 40 * L4_MS};
    for (int r = 0; r < 30; r++)
        round_trip(cc, &p);
    uint64_t w = l4_cc_cwnd(cc);
    l4_cc_on_congestion_event(cc, w, p.now);
    CHECK_EQU(l4_cc_cwnd(cc), w); /* loss-agnostic */
    l4_cc_on_ecn_ce(cc, w, p.now);
    CHECK_EQU(l4_cc_cwnd(cc), w);
    l4_cc_on_rto(cc, w, p.now);
    CHECK_EQU(l4_cc_cwnd(cc), MSS);
    /* Regrows by the bytes acked (doubling per round), up to the model's
       target (2 BDP + 3 send quanta at the pacing rate of the moment),
       within the 10 rounds the bandwidth filter remembers. */
    for (int r = 0; r < 8; r++)
        round_trip(cc, &p);
    uint64_t target = (uint64_t)(2.0 * (double)l4_cc_bbr_bw(cc) * 0.040) +
                      3 * l4_pacer_quantum(l4_cc_pacing_rate(cc), MSS);
    CHECK_MSG(l4_cc_cwnd(cc) + 2 >= target && l4_cc_cwnd(cc) <= target + 2,
              "cwnd %llu target %llu (before the timeout %llu)", (unsigned long long)l4_cc_cwnd(cc),
              (unsigned long long)target, (unsigned long long)w);
    l4_cc_del(cc);
}

static const l4_test TESTS[] = {
    TEST(test_registry_and_initial),
    TEST(test_startup_drain_probe_bw),
    TEST(test_probe_rtt),
    TEST(test_loss_and_rto),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
