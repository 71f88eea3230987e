/*
 * tcp/input.c — segment arrival (RFC 9293 §3.10.7), with the RFC 5961
 * checks, RFC 7323 PAWS, SACK scoreboard updates and loss detection
 * (RFC 5681 §3.2, RFC 6582, RFC 6675).
 */
#include "tcp/conn_internal.h"

static uint32_t seg_len(const l4_tcp_hdr *s)
{
    return (uint32_t)s->payload_len + !!(s->flags & L4_TCP_SYN) + !!(s->flags & L4_TCP_FIN);
}

/* RFC 9293 §3.10.7.1: the reset that answers a segment nobody expects. */
static void reply_rst(l4_tcp_conn *c, const l4_addr *to, const l4_tcp_hdr *seg)
{
    if (seg->flags & L4_TCP_RST)
        return;
    if (seg->flags & L4_TCP_ACK)
        l4_tcp_queue_rst(c, seg->ack, 0, 0);
    else
        l4_tcp_queue_rst(c, 0, seg->seq + seg_len(seg), L4_TCP_ACK);
    if (to) {
        c->rst_addr = *to;
        c->rst_port = seg->sport;
    }
    c->st.rst_sent++;
}

/* Options of the peer's SYN (RFC 9293 §3.7.1, RFC 7323 §2.2/§3.2, RFC 2018 §2). */
static void take_syn_opts(l4_tcp_conn *c, const l4_tcp_hdr *seg, l4_time now, int active)
{
    const l4_tcp_opts *o = &seg->opts;
    /* Without the option: 536 over IPv4, 1220 over IPv6 (RFC 9293 §3.7.1). */
    uint16_t dflt = c->raddr.family == L4_AF_INET6 ? L4_TCP_DEFAULT_MSS6 : L4_TCP_DEFAULT_MSS;
    c->peer_mss = (o->present & L4_TCP_HAS_MSS) ? o->mss : dflt;
    if (c->peer_mss < 64)
        c->peer_mss = 64;
    int ws = c->set.window_scale && (o->present & L4_TCP_HAS_WSCALE);
    c->ws_ok = (uint8_t)ws;
    c->snd_wscale = ws ? (o->wscale > 14 ? 14 : o->wscale) : 0;
    if (!ws)
        c->rcv_wscale = 0;
    c->ts_ok = c->set.timestamps && (o->present & L4_TCP_HAS_TS);
    if (c->ts_ok) {
        c->ts_recent = o->ts_val;
        c->ts_recent_age = now;
    }
    c->sack_ok = c->set.sack && (o->present & L4_TCP_HAS_SACK_PERM);
    (void)active;
    l4_tcp_set_smss(c);
}

static void become_established(l4_tcp_conn *c, l4_time now)
{
    /* RFC 6298 §5.7: a SYN or SYN-ACK was lost and no RTT sample exists:
       data starts with an RTO of 3 s. */
    if (!c->rtt.has_sample && c->retries > 0 && c->rtt.initial < 3 * L4_S)
        c->rtt.initial = 3 * L4_S;
    /* RFC 5681 §3.1: after a lost SYN or SYN-ACK (we sent ours more than
       once: a timeout, or the peer's SYN came again because our SYN-ACK was
       lost) the initial window is one segment. */
    if (c->st.retransmits > 0 && c->snd_max == c->iss + 1)
        l4_cc_set_initial_window(c->cc, c->smss);
    l4_tcp_enter(c, L4_TCP_ESTABLISHED, now);
    c->retries = 0;
    c->rto_at = L4_TIME_NONE;
    c->rtt.backoff = 0;
    if (c->cb.established)
        c->cb.established(c, c->user);
    if (c->fin_queued && c->state == L4_TCP_ESTABLISHED)
        l4_tcp_enter(c, L4_TCP_FIN_WAIT_1, now); /* shutdown while in SYN_RECEIVED */
}

static int in_listen(l4_tcp_conn *c, const l4_addr *remote, const l4_tcp_hdr *seg, l4_time now)
{
    if (seg->flags & L4_TCP_RST)
        return 0;
    if (seg->flags & L4_TCP_ACK) {
        reply_rst(c, remote, seg);
        return 0;
    }
    if (!(seg->flags & L4_TCP_SYN))
        return 0;
    c->raddr = *remote;
    c->rport = seg->sport;
    c->iss = l4_tcp_isn(c, now);
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->buf_seq = c->iss + 1;
    c->rcv_wscale = 0;
    if (c->set.window_scale) {
        uint8_t sh = 0;
        if (c->set.wscale >= 0)
            sh = (uint8_t)c->set.wscale;
        else
            while (sh < 14 && ((uint64_t)c->set.rcvbuf >> sh) > 65535)
                sh++;
        c->rcv_wscale = sh;
    }
    c->irs = seg->seq;
    c->rcv_nxt = c->rcv_adv = seg->seq + 1;
    take_syn_opts(c, seg, now, 0);
    /* RFC 3168 §6.1.1: an ECN-setup SYN carries ECE and CWR. */
    c->ecn_ok = l4_tcp_ecn_wanted(c) &&
                (seg->flags & (L4_TCP_ECE | L4_TCP_CWR)) == (L4_TCP_ECE | L4_TCP_CWR);
    c->ecn_bytes = c->ecn_ok && (l4_cc_flags(c->cc) & L4_CC_F_ECN_BYTES);
    l4_cc_reset(c->cc, c->smss, now);
    l4_cc_set_mss(c->cc, c->smss);
    /* The window of a SYN is never scaled (RFC 7323 §2.2). */
    c->snd_wnd = c->max_snd_wnd = seg->window;
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = c->iss;
    c->recover = c->ecn_recover = c->iss;
    c->last_rcv = now;
    l4_tcp_enter(c, L4_TCP_SYN_RECEIVED, now);
    /* Data carried by the SYN is not queued; the peer sends it again. */
    return 0;
}

/*
 * RTT samples for the RFC 6298 estimator: one timed segment at a time, new
 * data only. Karn's rule (RFC 6298 §3, RFC 6298 §5 note on backing off):
 * the timing stops when that segment is retransmitted (output.c) or at a
 * timeout, and a cumulative ACK that also covers retransmitted data gives
 * no sample (its delay may be the retransmission's). A SACK that covers the
 * timed segment gives an exact one (Linux takes RTT from SACKs the same
 * way): during long recoveries, where every cumulative ACK covers a
 * retransmission, the samples keep coming, and a sample ends the backoff.
 * Returns the sample, or 0.
 */
static l4_time rtt_sample_on_ack(l4_tcp_conn *c, uint32_t ack, int acked_rtx, l4_time now)
{
    if (c->rtt_timing && l4_seq_gt(ack, c->rtt_seq)) {
        c->rtt_timing = 0;
        if (acked_rtx)
            return 0;
        l4_rtt_sample(&c->rtt, now - c->rtt_start);
        /* RFC 8985 §6.2: RACK.min_RTT from the RFC 6298 samples. Not from
           SACKed ones: a segment SACKed was delivered out of order, and on a
           path that reorders by letting some packets overtake (netem's and
           the emulator's reorder) its RTT is not the path's: with it the
           reordering window, a multiple of min_RTT / 4, stayed far below
           the reordering it had to absorb. */
        if (c->rtt.latest < c->rack.min_rtt)
            c->rack.min_rtt = c->rtt.latest;
        return c->rtt.latest;
    }
    return 0;
}

static l4_time rtt_sample_on_sack(l4_tcp_conn *c, l4_time now)
{
    if (c->rtt_timing && l4_tcp_ranges_find(&c->sacked, c->rtt_seq) >= 0) {
        c->rtt_timing = 0;
        l4_rtt_sample(&c->rtt, now - c->rtt_start);
        return c->rtt.latest;
    }
    return 0;
}

/* RFC 2883 §4: a segment brought `len` bytes at `seq` that we already hold;
   the next ACK reports them in its first SACK block (SACK connections). A
   later duplicate replaces an unsent report (§4: only the most recent one
   goes out). */
static void note_dsack(l4_tcp_conn *c, uint32_t seq, uint32_t len)
{
    if (!c->sack_ok || !c->set.dsack || len == 0)
        return;
    c->dsack_pending = 1;
    c->dsack_left = seq;
    c->dsack_right = seq + len;
    c->ack_now = 1;
}

static void process_text(l4_tcp_conn *c, uint32_t seq, const uint8_t *data, size_t n, l4_time now);
static void process_fin(l4_tcp_conn *c, l4_time now);

static int in_syn_sent(l4_tcp_conn *c, const l4_tcp_hdr *seg, l4_time now)
{
    int ack_ok = 0;
    if (seg->flags & L4_TCP_ACK) {
        if (l4_seq_le(seg->ack, c->iss) || l4_seq_gt(seg->ack, c->snd_max)) {
            reply_rst(c, NULL, seg);
            return 0;
        }
        ack_ok = 1;
    }
    if (seg->flags & L4_TCP_RST) {
        if (ack_ok) {
            c->st.rst_received++;
            l4_tcp_close_now(c, L4_TCP_CLOSE_RESET); /* "connection refused" */
        }
        return 0;
    }
    if (!(seg->flags & L4_TCP_SYN))
        return 0;
    c->irs = seg->seq;
    c->rcv_nxt = c->rcv_adv = seg->seq + 1;
    take_syn_opts(c, seg, now, 1);
    /* RFC 3168 §6.1.1: an ECN-setup SYN-ACK has ECE without CWR. */
    c->ecn_ok = l4_tcp_ecn_wanted(c) && (seg->flags & L4_TCP_ACK) &&
                (seg->flags & (L4_TCP_ECE | L4_TCP_CWR)) == L4_TCP_ECE;
    c->ecn_bytes = c->ecn_ok && (l4_cc_flags(c->cc) & L4_CC_F_ECN_BYTES);
    c->snd_wnd = c->max_snd_wnd = seg->window;
    c->snd_wl1 = seg->seq;
    c->last_rcv = now;
    c->recover = c->iss;
    if (c->ts_ok)
        c->last_ack_sent = c->rcv_nxt;
    if (ack_ok) {
        c->snd_wl2 = seg->ack;
        rtt_sample_on_ack(c, seg->ack, 0, now);
        c->snd_una = seg->ack;
        if (l4_seq_lt(c->snd_nxt, c->snd_una))
            c->snd_nxt = c->snd_una;
        c->ack_now = 1;
        become_established(c, now);
        if (seg->payload_len)
            process_text(c, seg->seq + 1, seg->payload, seg->payload_len, now);
        if ((seg->flags & L4_TCP_FIN) && c->rcv_nxt == seg->seq + 1 + (uint32_t)seg->payload_len)
            process_fin(c, now);
        return 0;
    }
    /* Simultaneous open (RFC 9293 §3.5, figure 7): answer with SYN,ACK. */
    c->snd_wl2 = c->iss;
    c->snd_nxt = c->iss;
    c->rtt_timing = 0;
    l4_tcp_enter(c, L4_TCP_SYN_RECEIVED, now);
    return 0;
}

/* Back to LISTEN after a reset of a passively opened SYN_RECEIVED (§3.10.7.4). */
static void back_to_listen(l4_tcp_conn *c)
{
    c->state = L4_TCP_LISTEN;
    c->rto_at = c->persist_at = c->delack_at = c->keep_at = L4_TIME_NONE;
    c->ack_now = 0;
    c->snd.len = c->snd.head = 0;
    c->rcv.len = c->rcv.head = 0;
    l4_tcp_ranges_clear(&c->rcv.ooo);
    l4_tcp_sack_clear(c);
    c->fin_queued = c->fin_sent = 0;
    c->retries = 0;
    c->rtt_timing = 0;
    c->rtt.backoff = 0;
}

static void fin_acked_transitions(l4_tcp_conn *c, l4_time now)
{
    int fin_acked = c->fin_sent && l4_seq_gt(c->snd_una, c->fin_seq);
    if (!fin_acked)
        return;
    switch (c->state) {
    case L4_TCP_FIN_WAIT_1:
        l4_tcp_enter(c, L4_TCP_FIN_WAIT_2, now);
        break;
    case L4_TCP_CLOSING:
        l4_tcp_enter(c, L4_TCP_TIME_WAIT, now);
        break;
    case L4_TCP_LAST_ACK:
        l4_tcp_close_now(c, L4_TCP_CLOSE_NORMAL);
        break;
    default:
        break;
    }
}

void l4_tcp_enter_recovery(l4_tcp_conn *c, l4_time now)
{
    uint64_t flight = (uint32_t)(c->snd_max - c->snd_una);
    c->in_recovery = 1;
    c->recover = c->snd_max;
    l4_cc_on_congestion_event(c->cc, flight, now);
    c->inflate = c->sack_ok ? 0 : (uint64_t)L4_TCP_DUPTHRESH * c->smss; /* RFC 6582 §3.2 step 2 */
    c->rtx_one = 1;
    c->rtt_timing = 0;
    c->st.fast_retransmits++;
    /* RFC 8985 §7.1: a recovery ends any probe episode. */
    c->tlp_active = c->tlp_pending = 0;
    l4_tcp_undo_start(c);
}

/* The delivery-rate sample of this ACK into `a` (L4_CC_F_RATE only). */
static void rate_sample(l4_tcp_conn *c, l4_cc_ack *a, l4_time now)
{
    if (!(l4_cc_flags(c->cc) & L4_CC_F_RATE) || c->snd_una == c->iss)
        return;
    uint64_t delivered = (uint32_t)(c->snd_una - c->iss - 1);
    uint32_t high = c->snd_una;
    if (c->sacked.n) {
        delivered += l4_tcp_ranges_bytes_above(&c->sacked, c->snd_una);
        uint32_t top = c->sacked.r[c->sacked.n - 1].right;
        if (l4_seq_gt(top, high))
            high = top;
    }
    l4_tcp_rate_sample s;
    l4_tcp_rate_on_ack(&c->rate, delivered, high, c->snd_una, c->rtt.min_rtt, now, &s);
    /* Model-based algorithms compare in-flight with a BDP: with SACK, count
       what the network holds (RFC 6675 pipe), not SACKed or lost bytes. */
    if (c->sack_ok)
        a->in_flight = l4_tcp_sack_pipe(c) + a->bytes_acked;
    a->delivered = s.delivered;
    if (s.rtt)
        a->rtt = s.rtt; /* per-ACK samples (the RTO estimator times one segment per RTT) */
    if (s.valid) {
        a->prior_delivered = s.prior_delivered;
        a->delivery_rate = s.rate;
        a->rate_interval = s.interval;
        a->app_limited = s.app_limited;
    }
}

typedef struct sack_walk {
    l4_tcp_conn *c;
    l4_tcp_rack_ack *ra;
    l4_time now;
} sack_walk;

static int rack_gap(void *u, uint32_t a, uint32_t b)
{
    sack_walk *w = u;
    l4_tcp_rack_delivered(w->c, w->ra, a, b, w->now);
    return 0;
}

/* RFC 2883 §4: the first block reports a duplicate when it lies below the
   cumulative ACK or inside the second block. */
static int is_dsack(const l4_tcp_hdr *seg, int n)
{
    uint32_t l = seg->opts.sack[0].left, r = seg->opts.sack[0].right;
    if (n < 1 || !l4_seq_lt(l, r))
        return 0;
    if (l4_seq_le(r, seg->ack))
        return 1;
    return n >= 2 && l4_seq_ge(l, seg->opts.sack[1].left) && l4_seq_le(r, seg->opts.sack[1].right);
}

/* Returns 1 when the segment must be dropped after the ACK step. */
static int process_ack(l4_tcp_conn *c, const l4_tcp_hdr *seg, l4_time now)
{
    uint32_t ack = seg->ack;
    /* RFC 5961 §5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT, else ACK and drop. */
    if (l4_seq_gt(ack, c->snd_max) ||
        l4_seq_lt(ack, c->snd_una -
                           (uint32_t)(c->max_snd_wnd > 0x7fffffff ? 0x7fffffff : c->max_snd_wnd))) {
        c->ack_now = 1;
        return 1;
    }
    uint64_t seg_wnd = (uint64_t)seg->window << c->snd_wscale;
    int same_wnd = seg_wnd == c->snd_wnd;
    uint32_t prior_una = c->snd_una;

    /* SACK (RFC 2018, RFC 2883, RFC 8985): the scoreboard, RACK's view of
       what this ACK delivered (taken before the scoreboard changes). */
    int sack_new = 0, sack_above = 0, dsack = 0;
    uint32_t dsack_l = 0, dsack_r = 0;
    l4_time sack_rtt = 0;
    l4_tcp_rack_ack ra;
    sack_walk w = {c, &ra, now};
    if (c->sack_ok)
        l4_tcp_rack_ack_begin(c, seg, &ra);
    if (c->sack_ok && (seg->opts.present & L4_TCP_HAS_SACK)) {
        int n = seg->opts.sack_count < L4_TCP_MAX_SACK ? seg->opts.sack_count : L4_TCP_MAX_SACK;
        dsack = is_dsack(seg, n);
        if (dsack) {
            dsack_l = seg->opts.sack[0].left;
            dsack_r = seg->opts.sack[0].right;
        }
        for (int i = dsack; i < n; i++) {
            uint32_t l = seg->opts.sack[i].left, r = seg->opts.sack[i].right;
            /* Only blocks inside (SND.UNA, SND.MAX] carry news. */
            if (!l4_seq_lt(l, r) || l4_seq_le(l, c->snd_una) || l4_seq_gt(r, c->snd_max))
                continue;
            l4_tcp_ranges_each_gap(&c->sacked, l, r, rack_gap, &w);
            if (l4_tcp_ranges_add(&c->sacked, l, r) == 1) {
                sack_new = 1;
                if (l4_seq_gt(r, c->recover))
                    sack_above = 1;
            }
            l4_tcp_sack_sacked(c, l, r);
        }
        if (sack_new)
            sack_rtt = rtt_sample_on_sack(c, now);
    }
    if (dsack)
        l4_tcp_dsack_received(c, dsack_l, dsack_r);

    /* Window update (RFC 9293 §3.10.7.4, fifth step): only from an ACK in
       [SND.UNA, SND.MAX] that is not older than the last update. */
    if (l4_seq_ge(ack, c->snd_una) && (l4_seq_lt(c->snd_wl1, seg->seq) ||
                                       (c->snd_wl1 == seg->seq && l4_seq_le(c->snd_wl2, ack)))) {
        c->snd_wnd = seg_wnd;
        c->snd_wl1 = seg->seq;
        c->snd_wl2 = ack;
        if (seg_wnd > c->max_snd_wnd)
            c->max_snd_wnd = seg_wnd;
    }
    if (c->snd_wnd == 0)
        c->retries = 0; /* the peer answers: a zero window is not a dead peer (§3.8.6.1) */

    int dup = 0;
    if (l4_seq_gt(ack, c->snd_una)) {
        uint64_t flight = (uint32_t)(c->snd_max - c->snd_una);
        /* The SYN's sequence number is not data for congestion control. */
        uint32_t acked = ack - c->snd_una - (c->snd_una == c->iss ? 1u : 0u);
        uint32_t data_acked = 0;
        /* RACK needs what a cumulative ACK delivers only when something
           above it can be judged (SACKed data, lost data or copies out);
           otherwise everything sent before it is acknowledged now. */
        if (c->sack_ok && (c->sacked.n || c->rexmits.n || c->lost.n))
            l4_tcp_ranges_each_gap(&c->sacked, c->snd_una, ack, rack_gap, &w);
        if (l4_seq_gt(ack, c->buf_seq)) {
            data_acked = ack - c->buf_seq;
            if (data_acked > c->snd.len)
                data_acked = (uint32_t)c->snd.len;
            l4_tcp_sndbuf_drop(&c->snd, data_acked);
            c->buf_seq += data_acked;
        }
        /* cc sees an RTT only on the ACK that produced it (not a stale one). */
        int acked_rtx = c->rtx_high_valid && l4_seq_lt(c->snd_una, c->rtx_high);
        l4_time sample = rtt_sample_on_ack(c, ack, acked_rtx, now);
        if (!sample)
            sample = sack_rtt;
        if (c->rtx_high_valid && l4_seq_ge(ack, c->rtx_high))
            c->rtx_high_valid = 0;
        c->snd_una = ack;
        if (l4_seq_lt(c->snd_nxt, ack))
            c->snd_nxt = ack;
        l4_tcp_sack_trim(c);
        c->retries = 0;
        c->rto_at = L4_TIME_NONE; /* restarted by the timer update (RFC 6298 §5.3) */
        c->tlp_base = now;        /* RFC 8985 §7.2: the probe timeout restarts too */
        c->st.bytes_acked += data_acked;
        if (c->in_recovery && (l4_cc_flags(c->cc) & L4_CC_F_ACK_IN_RECOVERY)) {
            l4_cc_ack a = {.bytes_acked = acked, .rtt = sample, .in_flight = flight, .now = now};
            rate_sample(c, &a, now);
            l4_cc_on_ack(c->cc, &a);
        }
        /* The go-back-N after a timeout is over: the loss episode ends. */
        if (c->rto_recovery && l4_seq_ge(ack, c->recover)) {
            c->rto_recovery = 0;
            c->frto = 0;
            l4_cc_on_recovery_end(c->cc, now);
            l4_tcp_rack_recovery_ended(c);
        }
        if (c->in_recovery) {
            if (l4_seq_ge(ack, c->recover)) {
                /* Full acknowledgment: recovery ends, cwnd = ssthresh (RFC 6582 §3.2 step 5). */
                c->in_recovery = 0;
                c->inflate = 0;
                c->dupacks = 0;
                l4_cc_on_recovery_end(c->cc, now);
                l4_tcp_rack_recovery_ended(c);
            } else if (!c->sack_ok) {
                /* Partial ACK (RFC 6582 §3.2 step 4): retransmit the next hole,
                   deflate by the amount acked, add back one SMSS. */
                c->rtx_one = 1;
                c->inflate = c->inflate > acked ? c->inflate - acked : 0;
                if (acked >= c->smss)
                    c->inflate += c->smss;
            }
        } else {
            c->dupacks = 0;
            l4_cc_ack a = {.bytes_acked = acked, .rtt = sample, .in_flight = flight, .now = now};
            if (c->ecn_ok && c->ecn_bytes && (seg->flags & L4_TCP_ECE))
                a.ce_bytes = acked; /* RFC 8257 §3.3 step 4 */
            rate_sample(c, &a, now);
            l4_cc_on_ack(c->cc, &a);
        }
        if (data_acked && c->cb.writable && !c->fin_queued)
            c->cb.writable(c, c->user);
    } else if (ack == c->snd_una && c->snd_una != c->snd_max && seg->payload_len == 0 &&
               !(seg->flags & (L4_TCP_SYN | L4_TCP_FIN)) && (same_wnd || sack_new)) {
        /* Duplicate ACK (RFC 5681 §2; RFC 6675 §2 counts new SACK information). */
        dup = 1;
        c->dupacks++;
        c->st.dup_acks++;
        if (sack_new && (l4_cc_flags(c->cc) & L4_CC_F_ACK_IN_RECOVERY)) {
            /* SACKed data was delivered: a rate sample for model-based cc. */
            l4_cc_ack a = {
                .rtt = sack_rtt, .in_flight = (uint32_t)(c->snd_max - c->snd_una), .now = now};
            rate_sample(c, &a, now);
            l4_cc_on_ack(c->cc, &a);
        }
        /* Without SACK: DupThresh duplicate ACKs (RFC 5681 §3.2). A new
           recovery only once the cumulative ACK covers `recover` (SND.MAX
           when the last recovery or timeout began, one past the highest
           sequence number then sent): RFC 6582 §3.2 step 2 and §4
           (duplicate ACKs for data sent before a timeout are not a new
           loss). With SACK, RACK decides (below). */
        if (!c->sack_ok && !c->in_recovery && c->dupacks >= L4_TCP_DUPTHRESH &&
            l4_seq_ge(ack, c->recover))
            l4_tcp_enter_recovery(c, now);
        else if (!c->sack_ok && c->in_recovery)
            c->inflate += c->smss; /* RFC 6582 §3.2 step 3 */
    }
    if (c->sack_ok) {
        l4_tcp_sack_drop_delivered(c);
        l4_tcp_rack_ack_end(c, &ra, dsack, now);
        l4_tcp_tlp_on_ack(c, seg, prior_una, dsack, dsack_l, dsack_r, now);
        if (c->frto && (dup || l4_seq_gt(c->snd_una, prior_una)))
            l4_tcp_frto_on_ack(c, prior_una, sack_new, sack_above, now);
        if (c->sacked.n || c->rexmits.n || c->rack_at != L4_TIME_NONE)
            l4_tcp_rack_detect(c, now);
        l4_tcp_rack_maybe_recover(c, now);
        if (c->undo_valid)
            l4_tcp_undo_check(c, now);
    }
    return 0;
}

static void process_fin(l4_tcp_conn *c, l4_time now)
{
    c->rcv_nxt++;
    c->fin_rcvd = 1;
    c->ooo_fin = 0;
    c->ack_now = 1;
    if (c->cb.peer_fin)
        c->cb.peer_fin(c, c->user);
    switch (c->state) {
    case L4_TCP_SYN_RECEIVED:
    case L4_TCP_ESTABLISHED:
        l4_tcp_enter(c, L4_TCP_CLOSE_WAIT, now);
        break;
    case L4_TCP_FIN_WAIT_1:
        /* Our FIN is not acked yet (else we would be in FIN_WAIT_2): simultaneous close. */
        l4_tcp_enter(c, L4_TCP_CLOSING, now);
        break;
    case L4_TCP_FIN_WAIT_2:
        l4_tcp_enter(c, L4_TCP_TIME_WAIT, now);
        break;
    default:
        break;
    }
}

static void process_text(l4_tcp_conn *c, uint32_t seq, const uint8_t *data, size_t n, l4_time now)
{
    if (n == 0)
        return;
    int had_ooo = c->rcv.ooo.n > 0;
    int stored = 0;
    /* Out-of-order data we already hold, all of it: a D-SACK (RFC 2883 §4,
       reported with the block that holds it as the second). */
    int k = seq != c->rcv_nxt ? l4_tcp_ranges_find(&c->rcv.ooo, seq) : -1;
    if (k >= 0 && l4_seq_ge(c->rcv.ooo.r[k].right, seq + (uint32_t)n))
        note_dsack(c, seq, (uint32_t)n);
    uint32_t adv = l4_tcp_rcvbuf_store(&c->rcv, c->rcv_nxt, seq, data, n, &stored);
    if (stored) {
        c->last_seg_left = seq;
        c->last_seg_right = seq + (uint32_t)n;
    }
    if (adv) {
        c->rcv_nxt += adv;
        c->st.bytes_received += adv;
        if (c->cb.readable)
            c->cb.readable(c, c->user);
    }
    if (!adv || had_ooo) {
        /* Out of order, or filling a hole: ACK at once (RFC 5681 §4.2, RFC 9293 §3.8.6.3). */
        if (!adv)
            c->st.ooo_segs++;
        c->ack_now = 1;
    } else {
        /* Delayed ACK: at least every second full-sized segment (RFC 5681 §4.2). */
        c->unacked_segs += n >= c->smss ? 2 : 1;
        if (c->unacked_segs >= 4 || (uint32_t)(c->rcv_nxt - c->last_ack_sent) >= 2u * c->set.mss)
            c->ack_now = 1;
        else if (c->delack_at == L4_TIME_NONE)
            c->delack_at = now + c->set.delack;
    }
    if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq)
        process_fin(c, now);
}

static int in_sync(l4_tcp_conn *c, const l4_tcp_hdr *seg, uint8_t ecn, l4_time now)
{
    uint8_t fl = seg->flags;
    uint32_t seq = seg->seq;
    uint32_t slen = seg_len(seg);

    /* A retransmitted SYN while we wait for the handshake's ACK: resend SYN,ACK. */
    if (c->state == L4_TCP_SYN_RECEIVED && (fl & L4_TCP_SYN) && !(fl & (L4_TCP_ACK | L4_TCP_RST)) &&
        seq == c->irs) {
        c->snd_nxt = c->iss;
        return 0;
    }

    /* PAWS (RFC 7323 §5.3 R1): an old timestamp marks an old duplicate. */
    int has_ts = c->ts_ok && (seg->opts.present & L4_TCP_HAS_TS);
    if (has_ts && !(fl & L4_TCP_RST) && now - c->ts_recent_age < L4_TCP_PAWS_IDLE &&
        l4_seq_lt(seg->opts.ts_val, c->ts_recent)) {
        c->st.paws_drops++;
        c->ack_now = 1;
        return 0;
    }

    /* Acceptability (RFC 9293 §3.10.7.4, first step). */
    uint32_t wnd = l4_tcp_rcv_wnd(c);
    int ok;
    if (slen == 0)
        ok = wnd == 0 ? seq == c->rcv_nxt : l4_seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd);
    else if (wnd == 0)
        ok = seq == c->rcv_nxt; /* only ACK, URG and RST are taken from it (below) */
    else
        ok = l4_seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
             l4_seq_in(seq + slen - 1, c->rcv_nxt, c->rcv_nxt + wnd);
    if (!ok) {
        c->st.dropped_segs++;
        if (!(fl & L4_TCP_RST)) {
            /* Data always gets its ACK; a bare segment only within the
               challenge-ACK budget, so two confused ends cannot ACK-storm. */
            if (seg->payload_len || (fl & L4_TCP_FIN))
                c->ack_now = 1;
            else
                l4_tcp_challenge_ack(c, now);
            /* Old data sent again (all of it below RCV.NXT): a D-SACK. */
            if (seg->payload_len && l4_seq_le(seq + (uint32_t)seg->payload_len, c->rcv_nxt) &&
                c->rcv_nxt - seq <= 0x40000000u)
                note_dsack(c, seq, (uint32_t)seg->payload_len);
            /* A retransmitted FIN in TIME_WAIT restarts the 2 MSL timer. */
            if (c->state == L4_TCP_TIME_WAIT && (fl & L4_TCP_FIN))
                l4_tcp_enter(c, L4_TCP_TIME_WAIT, now);
        }
        return 0;
    }
    c->last_rcv = now;
    c->keep_probes = 0;

    /* RFC 7323 §4.3: TS.Recent from segments that cover Last.ACK.sent. */
    if (has_ts && l4_seq_ge(seg->opts.ts_val, c->ts_recent) && l4_seq_le(seq, c->last_ack_sent)) {
        c->ts_recent = seg->opts.ts_val;
        c->ts_recent_age = now;
    }

    /* Second: RST (RFC 5961 §3.2: only an exact match resets; in-window gets a challenge). */
    if ((fl & L4_TCP_RST) && c->state == L4_TCP_TIME_WAIT && c->set.rfc1337) {
        c->st.rst_received++; /* RFC 1337 TW1: ignored; the 2 MSL timer is not restarted */
        return 0;
    }
    if (fl & L4_TCP_RST) {
        if (seq != c->rcv_nxt) {
            l4_tcp_challenge_ack(c, now);
            return 0;
        }
        c->st.rst_received++;
        if (c->state == L4_TCP_SYN_RECEIVED && c->passive) {
            back_to_listen(c);
            return 0;
        }
        l4_tcp_close_now(c,
                         c->state == L4_TCP_TIME_WAIT ? L4_TCP_CLOSE_NORMAL : L4_TCP_CLOSE_RESET);
        return 0;
    }

    /* Fourth: SYN in a synchronized state (RFC 5961 §4.2: challenge ACK). */
    if (fl & L4_TCP_SYN) {
        if (c->state == L4_TCP_SYN_RECEIVED && c->passive) {
            back_to_listen(c);
            return 0;
        }
        l4_tcp_challenge_ack(c, now);
        return 0;
    }

    /* ECN receiver (RFC 3168 §6.1.3): a CE mark is echoed with ECE on every
       ACK until the sender says CWR. */
    if (c->ecn_ok && c->ecn_bytes) {
        /* RFC 8257 §3.2: ECE exactly on ACKs of CE-marked data. When the CE
           state changes with a delayed ACK pending, that earlier data is
           acknowledged at once with the old state; the segment that changed
           the state is acknowledged at once with the new one. */
        if (seg->payload_len) {
            uint8_t ce = ecn == 3;
            if (ce != c->ece_pending) {
                if (c->unacked_segs || c->delack_at != L4_TIME_NONE) {
                    c->pre_ack_pending = 1;
                    c->pre_ack_seq = c->rcv_nxt;
                    c->pre_ack_ece = c->ece_pending;
                }
                c->ack_now = 1;
            }
            c->ece_pending = ce;
            if (ce)
                c->st.ce_received++;
        }
    } else if (c->ecn_ok) {
        if (fl & L4_TCP_CWR)
            c->ece_pending = 0;
        if (ecn == 3 /* CE */ && seg->payload_len) {
            c->ece_pending = 1;
            c->ack_now = 1;
            c->st.ce_received++;
        }
    }
    uint32_t una_before = c->snd_una;

    /* Fifth: ACK. */
    if (!(fl & L4_TCP_ACK))
        return 0;
    if (c->state == L4_TCP_SYN_RECEIVED) {
        if (!(l4_seq_lt(c->snd_una, seg->ack) && l4_seq_le(seg->ack, c->snd_max))) {
            reply_rst(c, NULL, seg);
            return 0;
        }
        c->snd_wnd = (uint64_t)seg->window << c->snd_wscale;
        if (c->snd_wnd > c->max_snd_wnd)
            c->max_snd_wnd = c->snd_wnd;
        c->snd_wl1 = seq;
        c->snd_wl2 = seg->ack;
        become_established(c, now);
    }
    if (process_ack(c, seg, now))
        return 0;
    /* ECN sender (RFC 3168 §6.1.2): ECE cuts cwnd like a loss, at most once
       per window of data, after this ACK's own accounting. */
    if (c->ecn_ok && (fl & L4_TCP_ECE) && l4_seq_ge(seg->ack, c->ecn_recover) && !c->in_recovery &&
        una_before != c->snd_max) {
        /* With per-packet echo the algorithm saw the marked bytes in its
           on_ack; CWR still goes out once per window (RFC 8257 §3.3). */
        if (!c->ecn_bytes)
            l4_cc_on_ecn_ce(c->cc, (uint32_t)(c->snd_max - una_before), now);
        c->ecn_recover = c->snd_max;
        c->cwr_pending = 1;
        c->st.ecn_reductions++;
    }
    fin_acked_transitions(c, now);
    if (c->state == L4_TCP_CLOSED)
        return 0;

    /* Trim to the receive window: drop what is already received, then what does
       not fit in the buffer (a FIN beyond it goes too). */
    const uint8_t *data = seg->payload;
    size_t n = seg->payload_len;
    int fin = !!(fl & L4_TCP_FIN);
    if (l4_seq_lt(seq, c->rcv_nxt)) {
        uint32_t d = c->rcv_nxt - seq;
        if (n)
            note_dsack(c, seq, d < n ? d : (uint32_t)n); /* the part we had */
        if (d > n) {
            n = 0;
            if (d > seg->payload_len)
                fin = 0; /* the FIN too was already received */
        } else {
            data += d;
            n -= d;
        }
        seq = c->rcv_nxt;
    }
    size_t space = l4_tcp_rcvbuf_space(&c->rcv);
    uint32_t off = seq - c->rcv_nxt;
    if (off >= space) {
        n = 0;
        fin = 0;
    } else if (off + n > space) {
        n = space - off;
        fin = 0;
    }
    if (n < seg->payload_len && seg->payload_len > 0 && (l4_seq_gt(seq + (uint32_t)n, c->rcv_nxt)))
        c->ack_now = 1;

    /* Sixth: URG (RFC 9293 §3.8.5: the pointer marks the end of urgent data). */
    if ((fl & L4_TCP_URG) && (c->state == L4_TCP_ESTABLISHED || c->state == L4_TCP_FIN_WAIT_1 ||
                              c->state == L4_TCP_FIN_WAIT_2)) {
        uint32_t up = seg->seq + seg->urg;
        if (!c->up_valid || l4_seq_gt(up, c->rcv_up)) {
            c->rcv_up = up;
            c->up_valid = 1;
            if (c->cb.urgent)
                c->cb.urgent(c, c->user, (uint64_t)(uint32_t)(up - c->irs - 1));
        }
    }

    /* Seventh: segment text. */
    if (seg->payload_len > 0) {
        if (c->state == L4_TCP_ESTABLISHED || c->state == L4_TCP_FIN_WAIT_1 ||
            c->state == L4_TCP_FIN_WAIT_2) {
            if (c->app_closed) {
                /* Nobody will read it: RFC 1122 §4.2.2.13 says reset. */
                l4_tcp_queue_rst(c, c->snd_max, 0, 0);
                c->st.rst_sent++;
                l4_tcp_close_now(c, L4_TCP_CLOSE_ABORTED);
                return 0;
            }
            if (n == 0)
                c->ack_now = 1; /* a duplicate: tell the sender where we are */
            process_text(c, seq, data, n, now);
        }
    }

    /* Eighth: FIN. */
    if (fin && !c->fin_rcvd) {
        uint32_t fin_at = seq + (uint32_t)n;
        if (fin_at == c->rcv_nxt) {
            process_fin(c, now);
        } else if (l4_seq_gt(fin_at, c->rcv_nxt)) {
            c->ooo_fin = 1;
            c->ooo_fin_seq = fin_at;
            c->ack_now = 1;
        }
    } else if (fin && c->state == L4_TCP_TIME_WAIT) {
        c->ack_now = 1;
        l4_tcp_enter(c, L4_TCP_TIME_WAIT, now);
    }
    return 0;
}

int l4_tcp_input_seg(l4_tcp_conn *c, const l4_addr *remote, const l4_tcp_hdr *seg, uint8_t ecn,
                     l4_time now)
{
    switch (c->state) {
    case L4_TCP_CLOSED:
        /* RFC 9293 §3.10.7.1: everything but a RST gets a RST (only when we
           know where to send it). */
        if (c->used)
            reply_rst(c, NULL, seg);
        return 0;
    case L4_TCP_LISTEN:
        return in_listen(c, remote, seg, now);
    case L4_TCP_SYN_SENT:
        return in_syn_sent(c, seg, now);
    default:
        return in_sync(c, seg, ecn, now);
    }
}
