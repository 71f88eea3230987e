/* cc/cubic.c — CUBIC (RFC 9438) with HyStart++ (RFC 9406); see cubic.h. */
#include "cc/cubic.h"

#include <math.h>

typedef struct cubic_state {
    double cwnd;       /* segments */
    double ssthresh;   /* segments; INFINITY before the first reduction */
    double w_max;      /* segments; 0: the next epoch starts with K = 0 */
    double cwnd_prior; /* cwnd before the last reduction */
    double cwnd_epoch, w_est, k;
    l4_time epoch_start; /* L4_TIME_NONE: no epoch (not yet in avoidance) */
    l4_time last_ack;
    l4_time srtt;
    uint32_t mss;
    uint8_t fast_convergence;
    uint8_t at_iw; /* no ACK or congestion event yet: cwnd is the IW */
    /* HyStart++ */
    uint8_t phase;   /* l4_cubic_phase while cwnd < ssthresh */
    uint8_t hystart; /* 1 in the first slow start */
    uint64_t acked;  /* bytes acknowledged so far */
    uint64_t round_end;
    l4_time last_round_min, cur_round_min, css_baseline;
    uint32_t rtt_count, css_rounds;
    /* Before the last loss response (on_undo). */
    double undo_cwnd, undo_ssthresh, undo_w_max, undo_cwnd_prior;
    uint8_t undo_phase, undo_hystart;
} cubic_state;

static void cubic_save(cubic_state *s);

double l4_cubic_k(double w_max, double cwnd_epoch)
{
    if (cwnd_epoch >= w_max)
        return 0;
    return cbrt((w_max - cwnd_epoch) / L4_CUBIC_C); /* RFC 9438 §4.2 eq. 2 */
}

double l4_cubic_w(double t, double k, double w_max)
{
    double d = t - k;
    return L4_CUBIC_C * d * d * d + w_max; /* RFC 9438 §4.2 eq. 1 */
}

static void cubic_reset(void *p, uint32_t mss, uint64_t iw, l4_time now)
{
    cubic_state *s = p;
    (void)now;
    s->mss = mss;
    s->cwnd = (double)iw / mss; /* the transport's rule: RFC 5681 §3.1, RFC 9002 §7.2 */
    s->at_iw = 1;
    s->ssthresh = INFINITY;
    s->w_max = s->cwnd_prior = s->cwnd_epoch = s->w_est = s->k = 0;
    s->epoch_start = L4_TIME_NONE;
    s->last_ack = L4_TIME_NONE;
    s->srtt = 0;
    s->fast_convergence = 1;
    s->phase = L4_CUBIC_SLOW_START;
    s->hystart = 1;
    s->acked = s->round_end = 0;
    s->last_round_min = s->cur_round_min = s->css_baseline = L4_TIME_NONE;
    s->rtt_count = s->css_rounds = 0;
    cubic_save(s);
}

static void cubic_set_mss(void *p, uint32_t mss, uint64_t iw)
{
    cubic_state *s = p;
    if (!mss)
        return;
    s->mss = mss; /* windows are in segments already */
    if (s->at_iw)
        s->cwnd = (double)iw / mss;
}

static void cubic_enter_avoidance(cubic_state *s)
{
    s->phase = L4_CUBIC_AVOIDANCE;
    s->hystart = 0;
}

/* RFC 9406 §4.2: round bookkeeping and the slow-start / CSS decisions. */
static void cubic_hystart(cubic_state *s, const l4_cc_ack *a)
{
    s->acked += a->bytes_acked;
    if (s->acked >= s->round_end) {
        /* The round ended: the data outstanding at its start is acked. */
        if (s->phase == L4_CUBIC_CSS && ++s->css_rounds >= L4_HYSTART_CSS_ROUNDS) {
            s->ssthresh = s->cwnd; /* §4.2: enter congestion avoidance */
            cubic_enter_avoidance(s);
            return;
        }
        uint64_t left = a->in_flight > a->bytes_acked ? a->in_flight - a->bytes_acked : 0;
        s->round_end = s->acked + left;
        s->last_round_min = s->cur_round_min;
        s->cur_round_min = L4_TIME_NONE;
        s->rtt_count = 0;
    }
    if (!a->rtt)
        return;
    if (a->rtt < s->cur_round_min)
        s->cur_round_min = a->rtt;
    s->rtt_count++;
    if (s->rtt_count < L4_HYSTART_N_RTT_SAMPLE || s->cur_round_min == L4_TIME_NONE)
        return;
    if (s->phase == L4_CUBIC_SLOW_START) {
        if (s->last_round_min == L4_TIME_NONE)
            return;
        l4_time th = s->last_round_min / L4_HYSTART_MIN_RTT_DIVISOR;
        if (th < L4_HYSTART_MIN_RTT_THRESH)
            th = L4_HYSTART_MIN_RTT_THRESH;
        if (th > L4_HYSTART_MAX_RTT_THRESH)
            th = L4_HYSTART_MAX_RTT_THRESH;
        if (s->cur_round_min >= s->last_round_min + th) {
            s->css_baseline = s->cur_round_min;
            s->phase = L4_CUBIC_CSS;
            s->css_rounds = 0;
        }
    } else if (s->cur_round_min < s->css_baseline) {
        /* The delay increase was spurious: back to slow start (§4.2). */
        s->css_baseline = L4_TIME_NONE;
        s->phase = L4_CUBIC_SLOW_START;
    }
}

static void cubic_slow_start(cubic_state *s, const l4_cc_ack *a)
{
    if (s->hystart) {
        cubic_hystart(s, a);
        if (s->phase == L4_CUBIC_AVOIDANCE)
            return;
    }
    uint64_t lim = (uint64_t)L4_HYSTART_L * s->mss;
    double inc = (double)(a->bytes_acked < lim ? a->bytes_acked : lim) / s->mss;
    if (s->phase == L4_CUBIC_CSS)
        inc /= L4_HYSTART_CSS_GROWTH_DIVISOR;
    s->cwnd += inc;
}

static void cubic_avoidance(cubic_state *s, const l4_cc_ack *a)
{
    if (s->epoch_start == L4_TIME_NONE) {
        /* RFC 9438 §4.2: a new epoch. Without a larger W_max (first epoch,
           after a timeout), W_max is the current window and K = 0 (§4.8). */
        s->epoch_start = a->now;
        s->cwnd_epoch = s->cwnd;
        if (s->w_max <= s->cwnd) {
            s->w_max = s->cwnd;
            if (s->cwnd_prior < s->cwnd)
                s->cwnd_prior = s->cwnd;
        }
        s->k = l4_cubic_k(s->w_max, s->cwnd_epoch);
        s->w_est = s->cwnd_epoch;
    }
    double segs = (double)a->bytes_acked / s->mss;
    double t = (double)(a->now - s->epoch_start) / 1e9;
    double rtt = (double)s->srtt / 1e9;
    double target = l4_cubic_w(t + rtt, s->k, s->w_max);
    if (target < s->cwnd)
        target = s->cwnd;
    if (target > 1.5 * s->cwnd)
        target = 1.5 * s->cwnd;
    /* Reno-friendly estimate (§4.3). */
    double alpha =
        s->w_est >= s->cwnd_prior ? 1.0 : 3.0 * (1.0 - L4_CUBIC_BETA) / (1.0 + L4_CUBIC_BETA);
    s->w_est += alpha * segs / s->cwnd;
    if (l4_cubic_w(t, s->k, s->w_max) < s->w_est) {
        if (s->w_est > s->cwnd)
            s->cwnd = s->w_est;
    } else {
        s->cwnd += (target - s->cwnd) / s->cwnd * segs; /* §4.4, §4.5 */
    }
}

static void cubic_on_ack(void *p, const l4_cc_ack *a)
{
    cubic_state *s = p;
    if (a->rtt)
        s->srtt = s->srtt ? (7 * s->srtt + a->rtt) / 8 : a->rtt;
    l4_time prev = s->last_ack;
    s->last_ack = a->now;
    if (a->bytes_acked == 0)
        return;
    s->at_iw = 0;
    if (a->app_limited) {
        /* §5.8: the window does not grow and t does not run while the
           sender is application-limited. */
        if (s->epoch_start != L4_TIME_NONE && prev != L4_TIME_NONE && a->now > prev)
            s->epoch_start += a->now - prev;
        return;
    }
    if (s->cwnd < s->ssthresh)
        cubic_slow_start(s, a);
    else
        cubic_avoidance(s, a);
}

static void cubic_save(cubic_state *s)
{
    s->undo_cwnd = s->cwnd;
    s->undo_ssthresh = s->ssthresh;
    s->undo_w_max = s->w_max;
    s->undo_cwnd_prior = s->cwnd_prior;
    s->undo_phase = s->phase;
    s->undo_hystart = s->hystart;
}

static void cubic_reduce(cubic_state *s, uint64_t in_flight, double floor)
{
    /* RFC 9438 §4.6 uses the flight size; it is capped at cwnd here (as
       Linux uses cwnd) because a transport that went back N after a timeout
       reports everything up to its highest sequence as in flight. */
    double flight = in_flight ? (double)in_flight / s->mss : s->cwnd;
    if (flight > s->cwnd)
        flight = s->cwnd;
    s->at_iw = 0;
    s->epoch_start = L4_TIME_NONE;
    s->k = 0; /* known when the next epoch starts */
    s->cwnd_prior = s->cwnd;
    /* Fast convergence (RFC 9438 §4.7). */
    if (s->fast_convergence && s->cwnd < s->w_max)
        s->w_max = s->cwnd * (1.0 + L4_CUBIC_BETA) / 2.0;
    else
        s->w_max = s->cwnd;
    double ss = flight * L4_CUBIC_BETA; /* §4.6 */
    s->ssthresh = ss > floor ? ss : floor;
    cubic_enter_avoidance(s);
}

static void cubic_on_congestion_event(void *p, uint64_t in_flight, l4_time now)
{
    cubic_state *s = p;
    (void)now;
    cubic_save(s);
    cubic_reduce(s, in_flight, 2.0);
    s->cwnd = s->ssthresh;
}

static void cubic_on_ecn_ce(void *p, uint64_t in_flight, l4_time now)
{
    cubic_state *s = p;
    (void)now;
    cubic_reduce(s, in_flight, 1.0); /* §4.6: at least 1 segment on ECE */
    s->cwnd = s->ssthresh;
}

static void cubic_on_rto(void *p, uint64_t in_flight, l4_time now)
{
    cubic_state *s = p;
    (void)now;
    cubic_save(s);
    cubic_reduce(s, in_flight, 2.0);
    s->cwnd = 1.0;
    s->w_max = 0; /* §4.8: the next epoch has K = 0, W_max = cwnd at its start */
}

static void cubic_set_initial_window(void *p, uint64_t bytes)
{
    cubic_state *s = p;
    double w = (double)bytes / s->mss;
    s->cwnd = w < 1.0 ? 1.0 : w;
    s->at_iw = 0;
}

/* The state before the reduction comes back; a new epoch starts at the
   next ACK (K from the restored W_max and the window then). */
static void cubic_on_undo(void *p, l4_time now)
{
    (void)now;
    cubic_state *s = p;
    if (s->cwnd < s->undo_cwnd)
        s->cwnd = s->undo_cwnd;
    if (s->ssthresh < s->undo_ssthresh)
        s->ssthresh = s->undo_ssthresh;
    s->w_max = s->undo_w_max;
    s->cwnd_prior = s->undo_cwnd_prior;
    s->epoch_start = L4_TIME_NONE;
    if (s->cwnd < s->ssthresh) {
        s->phase = s->undo_phase;
        s->hystart = s->undo_hystart;
    }
}

static void cubic_on_app_limited(void *p, l4_time now)
{
    (void)p;
    (void)now;
}

static uint64_t cubic_cwnd(const void *p)
{
    const cubic_state *s = p;
    uint64_t b = (uint64_t)(s->cwnd * s->mss + 1e-6); /* 0.7 * 12 is 8.3999... */
    return b < s->mss ? s->mss : b;
}

static uint64_t cubic_ssthresh(const void *p)
{
    const cubic_state *s = p;
    if (isinf(s->ssthresh))
        return UINT64_MAX;
    return (uint64_t)(s->ssthresh * s->mss + 1e-6);
}

static uint64_t cubic_pacing_rate(const void *p)
{
    (void)p;
    return 0;
}

const l4_cc_ops l4_cc_cubic = {
    .name = "cubic",
    .state_size = sizeof(cubic_state),
    .reset = cubic_reset,
    .set_mss = cubic_set_mss,
    .on_ack = cubic_on_ack,
    .on_congestion_event = cubic_on_congestion_event,
    .on_rto = cubic_on_rto,
    .on_ecn_ce = cubic_on_ecn_ce,
    .on_app_limited = cubic_on_app_limited,
    .cwnd = cubic_cwnd,
    .ssthresh = cubic_ssthresh,
    .pacing_rate = cubic_pacing_rate,
    /* Rate samples bring an RTT sample on every ACK: HyStart++ needs 8 per round. */
    .flags = L4_CC_F_RATE,
    .set_initial_window = cubic_set_initial_window,
    .on_undo = cubic_on_undo,
};

static const cubic_state *cubic_of(const l4_cc *cc)
{
    return cc && cc->ops == &l4_cc_cubic ? cc->state : NULL;
}

int l4_cc_cubic_phase(const l4_cc *cc)
{
    const cubic_state *s = cubic_of(cc);
    if (!s)
        return -1;
    if (s->cwnd >= s->ssthresh)
        return L4_CUBIC_AVOIDANCE;
    return s->hystart && s->phase == L4_CUBIC_CSS ? L4_CUBIC_CSS : L4_CUBIC_SLOW_START;
}

double l4_cc_cubic_w_max(const l4_cc *cc)
{
    const cubic_state *s = cubic_of(cc);
    return s ? s->w_max : 0;
}

double l4_cc_cubic_epoch_k(const l4_cc *cc)
{
    const cubic_state *s = cubic_of(cc);
    return s ? s->k : 0;
}
