/* cc/dctcp.c — DCTCP (RFC 8257); see dctcp.h. */
#include "cc/dctcp.h"

typedef struct dctcp_state {
    uint64_t cwnd, ssthresh, ca_acked;
    uint32_t mss;
    double alpha;
    uint64_t acked_total;                /* bytes acknowledged so far */
    uint64_t window_end;                 /* acked_total that ends the observation window */
    uint64_t win_acked;                  /* DCTCP.BytesAcked */
    uint64_t win_marked;                 /* DCTCP.BytesMarked */
    uint64_t cut_end;                    /* no second cut before acked_total reaches this */
    uint8_t cut_armed;                   /* 0 until the first cut (cut_end not yet set) */
    uint8_t at_iw;                       /* no ACK or congestion event yet: cwnd is the IW */
    uint64_t prior_cwnd, prior_ssthresh; /* before the last loss response (on_undo) */
} dctcp_state;

static void dctcp_reset(void *p, uint32_t mss, uint64_t iw, l4_time now)
{
    (void)now;
    dctcp_state *s = p;
    s->mss = mss;
    s->cwnd = iw; /* the transport's rule: RFC 5681 §3.1, RFC 9002 §7.2 */
    s->at_iw = 1;
    s->ssthresh = UINT64_MAX;
    s->ca_acked = 0;
    s->alpha = 1.0; /* RFC 8257 §3.3: DCTCP.Alpha starts at 1 */
    s->acked_total = s->window_end = s->win_acked = s->win_marked = 0;
    s->cut_end = 0;
    s->cut_armed = 0;
    s->prior_cwnd = s->cwnd;
    s->prior_ssthresh = s->ssthresh;
}

static void dctcp_set_mss(void *p, uint32_t mss, uint64_t iw)
{
    dctcp_state *s = p;
    if (mss && s->at_iw) {
        s->cwnd = iw;
    } else if (s->mss && mss) {
        s->cwnd = s->cwnd / s->mss * mss;
        if (s->cwnd < mss)
            s->cwnd = mss;
    }
    s->mss = mss;
}

static void dctcp_cut(dctcp_state *s, uint64_t outstanding)
{
    uint64_t w = (uint64_t)((double)s->cwnd * (1.0 - s->alpha / 2.0));
    if (w < 2ull * s->mss)
        w = 2ull * s->mss;
    s->cwnd = s->ssthresh = w;
    s->ca_acked = 0;
    s->cut_end = s->acked_total + outstanding;
    s->cut_armed = 1;
}

static void dctcp_on_ack(void *p, const l4_cc_ack *a)
{
    dctcp_state *s = p;
    if (a->bytes_acked == 0)
        return;
    s->at_iw = 0;
    uint64_t marked = a->ce_bytes < a->bytes_acked ? a->ce_bytes : a->bytes_acked;
    uint64_t outstanding = a->in_flight > a->bytes_acked ? a->in_flight - a->bytes_acked : 0;
    s->acked_total += a->bytes_acked;
    s->win_acked += a->bytes_acked;
    s->win_marked += marked;
    /* RFC 8257 §3.3 steps 5-8: an ACK beyond WindowEnd ends the window
       (WindowEnd starts at 0, so the first ACK ends the first one). */
    if (s->acked_total > s->window_end) {
        double m = (double)s->win_marked / (double)s->win_acked;
        s->alpha = s->alpha * (1.0 - 1.0 / (1u << L4_DCTCP_G_SHIFT)) +
                   m / (double)(1u << L4_DCTCP_G_SHIFT);
        s->window_end = s->acked_total + outstanding;
        s->win_acked = s->win_marked = 0;
    }
    /* Step 10: at most one cut per window of data, on marked ACKs. */
    if (marked && (!s->cut_armed || s->acked_total > s->cut_end)) {
        dctcp_cut(s, outstanding);
        return;
    }
    if (s->cwnd < s->ssthresh) {
        uint64_t inc = a->bytes_acked < 2ull * s->mss ? a->bytes_acked : 2ull * s->mss;
        s->cwnd += inc; /* RFC 3465 §2.2, L = 2 */
        return;
    }
    s->ca_acked += a->bytes_acked;
    if (s->ca_acked >= s->cwnd) {
        s->ca_acked -= s->cwnd;
        s->cwnd += s->mss;
    }
}

static uint64_t dctcp_half(const dctcp_state *s, uint64_t in_flight)
{
    uint64_t h = in_flight / 2;
    return h > 2ull * s->mss ? h : 2ull * s->mss; /* RFC 5681 eq. (4) */
}

static void dctcp_on_congestion_event(void *p, uint64_t in_flight, l4_time now)
{
    (void)now;
    dctcp_state *s = p;
    s->prior_cwnd = s->cwnd;
    s->prior_ssthresh = s->ssthresh;
    s->cwnd = s->ssthresh = dctcp_half(s, in_flight);
    s->ca_acked = 0;
    s->at_iw = 0;
}

static void dctcp_on_rto(void *p, uint64_t in_flight, l4_time now)
{
    (void)now;
    dctcp_state *s = p;
    s->prior_cwnd = s->cwnd;
    s->prior_ssthresh = s->ssthresh;
    s->ssthresh = dctcp_half(s, in_flight);
    s->cwnd = s->mss;
    s->ca_acked = 0;
    s->at_iw = 0;
}

static void dctcp_on_ecn_ce(void *p, uint64_t in_flight, l4_time now)
{
    (void)now;
    dctcp_state *s = p;
    s->at_iw = 0;
    dctcp_cut(s, in_flight);
}

static void dctcp_set_initial_window(void *p, uint64_t bytes)
{
    dctcp_state *s = p;
    s->cwnd = bytes;
    s->at_iw = 0;
}

static void dctcp_on_undo(void *p, l4_time now)
{
    (void)now;
    dctcp_state *s = p;
    if (s->cwnd < s->prior_cwnd)
        s->cwnd = s->prior_cwnd;
    if (s->ssthresh < s->prior_ssthresh)
        s->ssthresh = s->prior_ssthresh;
    s->ca_acked = 0;
}

static void dctcp_on_app_limited(void *p, l4_time now)
{
    (void)p;
    (void)now;
}

static uint64_t dctcp_cwnd(const void *p)
{
    return ((const dctcp_state *)p)->cwnd;
}

static uint64_t dctcp_ssthresh(const void *p)
{
    return ((const dctcp_state *)p)->ssthresh;
}

static uint64_t dctcp_pacing_rate(const void *p)
{
    (void)p;
    return 0;
}

const l4_cc_ops l4_cc_dctcp = {
    .name = "dctcp",
    .state_size = sizeof(dctcp_state),
    .reset = dctcp_reset,
    .set_mss = dctcp_set_mss,
    .on_ack = dctcp_on_ack,
    .on_congestion_event = dctcp_on_congestion_event,
    .on_rto = dctcp_on_rto,
    .on_ecn_ce = dctcp_on_ecn_ce,
    .on_app_limited = dctcp_on_app_limited,
    .cwnd = dctcp_cwnd,
    .ssthresh = dctcp_ssthresh,
    .pacing_rate = dctcp_pacing_rate,
    .flags = L4_CC_F_ECN | L4_CC_F_ECN_BYTES,
    .set_initial_window = dctcp_set_initial_window,
    .on_undo = dctcp_on_undo,
};

double l4_cc_dctcp_alpha(const l4_cc *cc)
{
    if (!cc || cc->ops != &l4_cc_dctcp)
        return -1;
    return ((const dctcp_state *)cc->state)->alpha;
}
