/* cc/reno.c — Reno congestion control; see reno.h for the equations. */
#include "cc/reno.h"

typedef struct reno_state {
    uint64_t cwnd;
    uint64_t ssthresh;
    uint64_t bytes_acked; /* RFC 3465 counter for congestion avoidance */
    uint32_t mss;
    uint8_t at_iw;                       /* no ACK or congestion event yet: cwnd is the IW */
    uint64_t prior_cwnd, prior_ssthresh; /* before the last reduction (on_undo) */
} reno_state;

static void reno_reset(void *p, uint32_t mss, uint64_t iw, l4_time now)
{
    (void)now;
    reno_state *s = p;
    s->mss = mss;
    s->cwnd = iw; /* the transport's rule: RFC 5681 §3.1, RFC 9002 §7.2 */
    s->at_iw = 1;
    s->ssthresh = UINT64_MAX; /* "arbitrarily high" (RFC 5681 §3.1) */
    s->bytes_acked = 0;
    s->prior_cwnd = s->cwnd;
    s->prior_ssthresh = s->ssthresh;
}

static void reno_set_mss(void *p, uint32_t mss, uint64_t iw)
{
    reno_state *s = p;
    if (mss && s->at_iw) {
        s->cwnd = iw;
    } else if (s->mss && mss) {
        /* Keep the window in segments. */
        s->cwnd = s->cwnd / s->mss * mss;
        if (s->cwnd < mss)
            s->cwnd = mss;
    }
    s->mss = mss;
}

static void reno_on_ack(void *p, const l4_cc_ack *a)
{
    reno_state *s = p;
    if (a->bytes_acked == 0)
        return;
    s->at_iw = 0;
    if (s->cwnd < s->ssthresh) {
        /* Slow start with L = 2 (RFC 3465 §2.2). */
        uint64_t inc = a->bytes_acked < 2ull * s->mss ? a->bytes_acked : 2ull * s->mss;
        s->cwnd += inc;
        return;
    }
    /* Congestion avoidance with byte counting (RFC 3465 §2.1). */
    s->bytes_acked += a->bytes_acked;
    if (s->bytes_acked >= s->cwnd) {
        s->bytes_acked -= s->cwnd;
        s->cwnd += s->mss;
    }
}

static uint64_t reno_half_flight(const reno_state *s, uint64_t in_flight)
{
    /* RFC 5681 eq. (4). */
    uint64_t h = in_flight / 2;
    return h > 2ull * s->mss ? h : 2ull * s->mss;
}

static void reno_save(reno_state *s)
{
    s->prior_cwnd = s->cwnd;
    s->prior_ssthresh = s->ssthresh;
}

static void reno_on_congestion_event(void *p, uint64_t in_flight, l4_time now)
{
    (void)now;
    reno_state *s = p;
    reno_save(s);
    s->ssthresh = reno_half_flight(s, in_flight);
    s->cwnd = s->ssthresh;
    s->bytes_acked = 0;
    s->at_iw = 0;
}

static void reno_on_rto(void *p, uint64_t in_flight, l4_time now)
{
    (void)now;
    reno_state *s = p;
    reno_save(s);
    s->ssthresh = reno_half_flight(s, in_flight);
    s->cwnd = s->mss; /* loss window, RFC 5681 §3.1 */
    s->bytes_acked = 0;
    s->at_iw = 0;
}

static void reno_on_ecn_ce(void *p, uint64_t in_flight, l4_time now)
{
    reno_on_congestion_event(p, in_flight, now);
}

static void reno_set_initial_window(void *p, uint64_t bytes)
{
    reno_state *s = p;
    s->cwnd = bytes;
    s->at_iw = 0;
}

static void reno_on_undo(void *p, l4_time now)
{
    (void)now;
    reno_state *s = p;
    if (s->cwnd < s->prior_cwnd)
        s->cwnd = s->prior_cwnd;
    if (s->ssthresh < s->prior_ssthresh)
        s->ssthresh = s->prior_ssthresh;
    s->bytes_acked = 0;
}

static void reno_on_app_limited(void *p, l4_time now)
{
    (void)p;
    (void)now;
}

static uint64_t reno_cwnd(const void *p)
{
    return ((const reno_state *)p)->cwnd;
}

static uint64_t reno_ssthresh(const void *p)
{
    return ((const reno_state *)p)->ssthresh;
}

static uint64_t reno_pacing_rate(const void *p)
{
    (void)p;
    return 0;
}

const l4_cc_ops l4_cc_reno = {
    .name = "reno",
    .state_size = sizeof(reno_state),
    .reset = reno_reset,
    .set_mss = reno_set_mss,
    .on_ack = reno_on_ack,
    .on_congestion_event = reno_on_congestion_event,
    .on_rto = reno_on_rto,
    .on_ecn_ce = reno_on_ecn_ce,
    .on_app_limited = reno_on_app_limited,
    .cwnd = reno_cwnd,
    .ssthresh = reno_ssthresh,
    .pacing_rate = reno_pacing_rate,
    .set_initial_window = reno_set_initial_window,
    .on_undo = reno_on_undo,
};
