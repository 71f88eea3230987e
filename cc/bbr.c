/* cc/bbr.c — BBR v1 (Linux tcp_bbr.c); see bbr.h. */
#include "cc/bbr.h"

#include "cc/pacer.h"

static const double bbr_cycle[L4_BBR_CYCLE_LEN] = {1.25, 0.75, 1, 1, 1, 1, 1, 1};

typedef struct bbr_state {
    uint64_t cwnd, prior_cwnd, pacing_rate;
    uint32_t mss;
    uint8_t mode, filled_pipe, round_start, cycle_idx, probe_rtt_round_done;
    uint8_t at_iw; /* no ACK or congestion event yet: cwnd is the IW */
    double pacing_gain, cwnd_gain;
    /* rounds */
    uint64_t delivered, next_rtt_delivered, round_count;
    /* BtlBw: per-round maxima of the last L4_BBR_BW_ROUNDS rounds */
    uint64_t bw_slot[L4_BBR_BW_ROUNDS];
    uint64_t bw_round[L4_BBR_BW_ROUNDS];
    /* RTprop */
    l4_time min_rtt, min_rtt_stamp;
    /* full pipe */
    uint64_t full_bw;
    uint32_t full_bw_cnt;
    l4_time cycle_stamp, probe_rtt_done;
} bbr_state;

static uint64_t bbr_bw(const bbr_state *s)
{
    uint64_t m = 0;
    for (int i = 0; i < L4_BBR_BW_ROUNDS; i++)
        if (s->bw_round[i] + L4_BBR_BW_ROUNDS > s->round_count && s->bw_slot[i] > m)
            m = s->bw_slot[i];
    return m;
}

/* gain * BtlBw * RTprop in bytes; the initial window without a model. */
static uint64_t bbr_bdp(const bbr_state *s, double gain)
{
    uint64_t bw = bbr_bw(s);
    if (!bw || s->min_rtt == L4_TIME_NONE)
        return s->cwnd > 4ull * s->mss ? s->cwnd : 4ull * s->mss;
    return (uint64_t)((double)bw * (double)s->min_rtt / 1e9 * gain);
}

static void bbr_set_gains(bbr_state *s)
{
    switch (s->mode) {
    case L4_BBR_STARTUP:
        s->pacing_gain = s->cwnd_gain = L4_BBR_HIGH_GAIN;
        break;
    case L4_BBR_DRAIN:
        s->pacing_gain = 1.0 / L4_BBR_HIGH_GAIN;
        s->cwnd_gain = L4_BBR_HIGH_GAIN;
        break;
    case L4_BBR_PROBE_BW:
        s->pacing_gain = bbr_cycle[s->cycle_idx];
        s->cwnd_gain = 2.0;
        break;
    default:
        s->pacing_gain = s->cwnd_gain = 1.0;
        break;
    }
}

static void bbr_reset(void *p, uint32_t mss, uint64_t iw, l4_time now)
{
    bbr_state *s = p;
    *s = (bbr_state){0};
    s->mss = mss;
    s->cwnd = iw; /* the transport's rule: RFC 5681 §3.1, RFC 9002 §7.2 */
    s->at_iw = 1;
    s->mode = L4_BBR_STARTUP;
    s->min_rtt = L4_TIME_NONE;
    s->min_rtt_stamp = now;
    bbr_set_gains(s);
    /* No RTT yet: pace the initial window over 1 ms at the high gain (Linux
       assumes a 1 ms RTT before the first sample). */
    s->pacing_rate = (uint64_t)(L4_BBR_HIGH_GAIN * (double)s->cwnd * 1000.0);
}

static void bbr_set_mss(void *p, uint32_t mss, uint64_t iw)
{
    bbr_state *s = p;
    if (mss && s->at_iw) {
        s->cwnd = iw;
        s->pacing_rate = (uint64_t)(L4_BBR_HIGH_GAIN * (double)s->cwnd * 1000.0); /* as reset */
    } else if (s->mss && mss) {
        s->cwnd = s->cwnd / s->mss * mss;
        s->prior_cwnd = s->prior_cwnd / s->mss * mss;
    }
    s->mss = mss;
}

static void bbr_enter_probe_bw(bbr_state *s, l4_time now)
{
    s->mode = L4_BBR_PROBE_BW;
    /* Linux picks a random phase other than 0.75; the core has no randomness
       here, so the time of entry chooses among {0, 2..7}. */
    unsigned r = (unsigned)((now / 1000) % (L4_BBR_CYCLE_LEN - 1));
    s->cycle_idx = (uint8_t)(r ? r + 1 : 0);
    s->cycle_stamp = now;
}

static void bbr_update_cycle(bbr_state *s, const l4_cc_ack *a, uint64_t inflight)
{
    if (s->mode != L4_BBR_PROBE_BW || s->min_rtt == L4_TIME_NONE)
        return;
    int full = a->now - s->cycle_stamp > s->min_rtt;
    int next;
    if (s->pacing_gain > 1.0)
        next = full && inflight >= bbr_bdp(s, s->pacing_gain);
    else if (s->pacing_gain < 1.0)
        next = full || inflight <= bbr_bdp(s, 1.0);
    else
        next = full;
    if (next) {
        s->cycle_idx = (uint8_t)((s->cycle_idx + 1) % L4_BBR_CYCLE_LEN);
        s->cycle_stamp = a->now;
    }
}

static void bbr_check_full_pipe(bbr_state *s, const l4_cc_ack *a)
{
    if (s->filled_pipe || !s->round_start || a->app_limited)
        return;
    uint64_t bw = bbr_bw(s);
    if (bw * 4 >= s->full_bw * 5) { /* grew by 25 % or more */
        s->full_bw = bw;
        s->full_bw_cnt = 0;
        return;
    }
    if (++s->full_bw_cnt >= 3)
        s->filled_pipe = 1;
}

static void bbr_on_ack(void *p, const l4_cc_ack *a)
{
    bbr_state *s = p;
    s->at_iw = 0;
    uint64_t inflight = a->in_flight > a->bytes_acked ? a->in_flight - a->bytes_acked : 0;
    /* RTprop (expired after 10 s: the next sample replaces it). */
    int expired = a->now > s->min_rtt_stamp + L4_BBR_MIN_RTT_WIN;
    if (a->rtt && (a->rtt <= s->min_rtt || expired)) {
        s->min_rtt = a->rtt;
        s->min_rtt_stamp = a->now;
    }
    /* Rounds: a round ends when a packet sent after its start is delivered. */
    if (a->delivered > s->delivered)
        s->delivered = a->delivered;
    else if (!a->delivered)
        s->delivered += a->bytes_acked; /* a transport without rate samples */
    s->round_start = 0;
    if (a->delivery_rate && a->prior_delivered >= s->next_rtt_delivered) {
        s->next_rtt_delivered = s->delivered;
        s->round_count++;
        s->round_start = 1;
        s->probe_rtt_round_done = s->probe_rtt_round_done || s->mode == L4_BBR_PROBE_RTT;
    }
    /* BtlBw. */
    if (a->delivery_rate && (!a->app_limited || a->delivery_rate >= bbr_bw(s))) {
        int i = (int)(s->round_count % L4_BBR_BW_ROUNDS);
        if (s->bw_round[i] != s->round_count || a->delivery_rate > s->bw_slot[i]) {
            s->bw_slot[i] = s->bw_round[i] == s->round_count && s->bw_slot[i] > a->delivery_rate
                                ? s->bw_slot[i]
                                : a->delivery_rate;
            s->bw_round[i] = s->round_count;
        }
    }
    bbr_update_cycle(s, a, inflight);
    bbr_check_full_pipe(s, a);
    /* STARTUP -> DRAIN -> PROBE_BW. */
    if (s->mode == L4_BBR_STARTUP && s->filled_pipe)
        s->mode = L4_BBR_DRAIN;
    if (s->mode == L4_BBR_DRAIN && inflight <= bbr_bdp(s, 1.0))
        bbr_enter_probe_bw(s, a->now);
    /* PROBE_RTT. */
    if (s->mode != L4_BBR_PROBE_RTT && expired) {
        s->mode = L4_BBR_PROBE_RTT;
        s->prior_cwnd = s->cwnd;
        s->probe_rtt_done = L4_TIME_NONE;
    }
    if (s->mode == L4_BBR_PROBE_RTT) {
        if (s->probe_rtt_done == L4_TIME_NONE && inflight <= 4ull * s->mss) {
            s->probe_rtt_done = a->now + L4_BBR_PROBE_RTT_TIME;
            s->probe_rtt_round_done = 0;
            s->next_rtt_delivered = s->delivered;
        } else if (s->probe_rtt_done != L4_TIME_NONE && s->probe_rtt_round_done &&
                   a->now >= s->probe_rtt_done) {
            s->min_rtt_stamp = a->now;
            if (s->cwnd < s->prior_cwnd)
                s->cwnd = s->prior_cwnd;
            if (s->filled_pipe)
                bbr_enter_probe_bw(s, a->now);
            else
                s->mode = L4_BBR_STARTUP;
        }
    }
    bbr_set_gains(s);
    /* Pacing rate: gain * BtlBw, 1 % below; only up until the pipe is full. */
    uint64_t bw = bbr_bw(s);
    if (bw) {
        uint64_t r = (uint64_t)(s->pacing_gain * (double)bw * 0.99);
        if (s->filled_pipe || r > s->pacing_rate)
            s->pacing_rate = r;
    }
    /* cwnd. */
    /* plus the offload budget, 3 send quanta (draft-cardwell-iccrg-bbr-
       congestion-control BBRQuantizationBudget; Linux bbr_quantization_budget:
       3 TSO bursts), so batched sends and stretched ACKs do not cap a fast
       path below its rate */
    uint64_t target = bbr_bdp(s, s->cwnd_gain) + 3 * l4_pacer_quantum(s->pacing_rate, s->mss);
    if (s->filled_pipe) {
        s->cwnd += a->bytes_acked;
        if (s->cwnd > target)
            s->cwnd = target;
    } else if (s->cwnd < target || !bw) {
        s->cwnd += a->bytes_acked;
    }
    if (s->cwnd < 4ull * s->mss)
        s->cwnd = 4ull * s->mss;
    if (s->mode == L4_BBR_PROBE_RTT && s->cwnd > 4ull * s->mss)
        s->cwnd = 4ull * s->mss;
}

static void bbr_on_congestion_event(void *p, uint64_t in_flight, l4_time now)
{
    (void)in_flight;
    (void)now;
    bbr_state *s = p;
    s->prior_cwnd = s->cwnd;
    s->at_iw = 0;
}

static void bbr_on_rto(void *p, uint64_t in_flight, l4_time now)
{
    (void)in_flight;
    (void)now;
    bbr_state *s = p;
    s->prior_cwnd = s->cwnd;
    s->cwnd = s->mss;
    s->at_iw = 0;
}

/* Linux bbr_set_cwnd_to_recover_or_restore: leaving loss recovery, the
   window comes back to what it was when the episode began. */
static void bbr_on_recovery_end(void *p, l4_time now)
{
    (void)now;
    bbr_state *s = p;
    if (s->cwnd < s->prior_cwnd)
        s->cwnd = s->prior_cwnd;
}

static void bbr_set_initial_window(void *p, uint64_t bytes)
{
    bbr_state *s = p;
    s->cwnd = bytes;
    s->at_iw = 0;
}

/* Linux bbr_undo_cwnd: the window the episode began with, and the search
   for a full pipe starts over. */
static void bbr_on_undo(void *p, l4_time now)
{
    (void)now;
    bbr_state *s = p;
    if (s->cwnd < s->prior_cwnd)
        s->cwnd = s->prior_cwnd;
    s->full_bw = 0;
    s->full_bw_cnt = 0;
}

static void bbr_on_ecn_ce(void *p, uint64_t in_flight, l4_time now)
{
    (void)p;
    (void)in_flight;
    (void)now; /* BBR v1 ignores ECN */
}

static void bbr_on_app_limited(void *p, l4_time now)
{
    (void)p;
    (void)now; /* carried by the samples' app_limited flag */
}

static uint64_t bbr_cwnd(const void *p)
{
    return ((const bbr_state *)p)->cwnd;
}

static uint64_t bbr_ssthresh(const void *p)
{
    const bbr_state *s = p;
    return s->filled_pipe ? s->cwnd : UINT64_MAX;
}

static uint64_t bbr_pacing_rate(const void *p)
{
    return ((const bbr_state *)p)->pacing_rate;
}

const l4_cc_ops l4_cc_bbr = {
    .name = "bbr",
    .state_size = sizeof(bbr_state),
    .reset = bbr_reset,
    .set_mss = bbr_set_mss,
    .on_ack = bbr_on_ack,
    .on_congestion_event = bbr_on_congestion_event,
    .on_rto = bbr_on_rto,
    .on_ecn_ce = bbr_on_ecn_ce,
    .on_app_limited = bbr_on_app_limited,
    .cwnd = bbr_cwnd,
    .ssthresh = bbr_ssthresh,
    .pacing_rate = bbr_pacing_rate,
    .flags = L4_CC_F_RATE | L4_CC_F_ACK_IN_RECOVERY,
    .on_recovery_end = bbr_on_recovery_end,
    .set_initial_window = bbr_set_initial_window,
    .on_undo = bbr_on_undo,
};

static const bbr_state *bbr_of(const l4_cc *cc)
{
    return cc && cc->ops == &l4_cc_bbr ? cc->state : NULL;
}

int l4_cc_bbr_mode(const l4_cc *cc)
{
    const bbr_state *s = bbr_of(cc);
    return s ? s->mode : -1;
}

uint64_t l4_cc_bbr_bw(const l4_cc *cc)
{
    const bbr_state *s = bbr_of(cc);
    return s ? bbr_bw(s) : 0;
}

l4_time l4_cc_bbr_min_rtt(const l4_cc *cc)
{
    const bbr_state *s = bbr_of(cc);
    return s ? s->min_rtt : 0;
}

double l4_cc_bbr_pacing_gain(const l4_cc *cc)
{
    const bbr_state *s = bbr_of(cc);
    return s ? s->pacing_gain : 0;
}

int l4_cc_bbr_filled_pipe(const l4_cc *cc)
{
    const bbr_state *s = bbr_of(cc);
    return s ? s->filled_pipe : 0;
}
