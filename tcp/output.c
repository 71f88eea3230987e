/*
 * tcp/output.c — choosing and writing the next segment: RST replies,
 * SYN / SYN,ACK, retransmissions (fast retransmit, NewReno partial ACKs,
 * RFC 6675 NextSeg, go-back-N after a timeout), new data under the send
 * and congestion windows with Nagle and sender SWS avoidance (RFC 9293
 * §3.8.6.2.1), window probes, keepalive probes, and pure ACKs.
 */
#include <string.h>

#include "tcp/conn_internal.h"

/* The window field to advertise, applying receiver SWS avoidance
   (RFC 9293 §3.8.6.2.2) and never moving the right edge left. */
static uint16_t adv_window(l4_tcp_conn *c, int syn)
{
    size_t space = l4_tcp_rcvbuf_space(&c->rcv);
    if (syn) {
        uint32_t w = space > 65535 ? 65535 : (uint32_t)space;
        c->rcv_adv = c->rcv_nxt + w;
        return (uint16_t)w;
    }
    uint32_t cur = l4_tcp_rcv_wnd(c);
    size_t thresh = c->rcv.cap / 2 < c->set.mss ? c->rcv.cap / 2 : c->set.mss;
    uint64_t wnd = cur;
    if (space > cur && space - cur >= thresh)
        wnd = space;
    uint8_t sh = c->rcv_wscale;
    uint64_t field = (wnd + ((1u << sh) - 1)) >> sh; /* round up ... */
    if ((field << sh) > space)
        field = space >> sh; /* ... unless that promises more than the buffer holds */
    if (field > 65535)
        field = 65535;
    uint32_t edge = c->rcv_nxt + (uint32_t)(field << sh);
    if (l4_seq_gt(edge, c->rcv_adv))
        c->rcv_adv = edge;
    return (uint16_t)field;
}

/* SACK blocks for the receiver's out-of-order data, most recently changed
   first (RFC 2018 §4); a pending D-SACK first, then the out-of-order block
   that holds it, if any (RFC 2883 §4). */
static void add_sack_blocks(const l4_tcp_conn *c, l4_tcp_opts *o, int max)
{
    const l4_tcp_ranges *s = &c->rcv.ooo;
    int k = 0, skip = -1;
    if (c->dsack_pending) {
        o->sack[k].left = c->dsack_left;
        o->sack[k].right = c->dsack_right;
        k++;
        skip = l4_tcp_ranges_find(s, c->dsack_left);
        if (skip >= 0 && k < max) {
            o->sack[k].left = s->r[skip].left;
            o->sack[k].right = s->r[skip].right;
            k++;
        }
    }
    uint32_t below = UINT32_MAX; /* stamps are unique: take them in decreasing order */
    while (k < max) {
        int best = -1;
        for (int i = 0; i < s->n; i++)
            if (s->r[i].stamp < below && (best < 0 || s->r[i].stamp > s->r[best].stamp))
                best = i;
        if (best < 0)
            break;
        below = s->r[best].stamp;
        if (best == skip)
            continue;
        o->sack[k].left = s->r[best].left;
        o->sack[k].right = s->r[best].right;
        k++;
    }
    if (k) {
        o->sack_count = (uint8_t)k;
        o->present |= L4_TCP_HAS_SACK;
    }
}

static void ack_sent(l4_tcp_conn *c)
{
    c->ack_now = 0;
    c->dsack_pending = 0;
    c->delack_at = L4_TIME_NONE;
    c->unacked_segs = 0;
    c->last_ack_sent = c->rcv_nxt;
}

static l4_ssize write_seg(l4_tcp_conn *c, uint8_t *buf, size_t cap, l4_tcp_hdr *h,
                          const l4_addr *to)
{
    l4_ssize n = l4_tcp_write(buf, cap, h, &c->laddr, to);
    if (n > 0)
        c->st.segs_out++;
    return n;
}

static l4_ssize out_rst(l4_tcp_conn *c, uint8_t *buf, size_t cap)
{
    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = c->lport;
    h.dport = c->rst_port;
    h.seq = c->rst_seq;
    h.ack = (c->rst_flags & L4_TCP_ACK) ? c->rst_ack : 0;
    h.flags = c->rst_flags;
    l4_ssize n = write_seg(c, buf, cap, &h, &c->rst_addr);
    if (n > 0)
        c->rst_pending = 0;
    return n;
}

static l4_ssize out_syn(l4_tcp_conn *c, uint8_t *buf, size_t cap, l4_time now)
{
    int synack = c->state == L4_TCP_SYN_RECEIVED;
    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = c->lport;
    h.dport = c->rport;
    h.seq = c->iss;
    h.flags = L4_TCP_SYN;
    if (synack) {
        h.flags |= L4_TCP_ACK;
        h.ack = c->rcv_nxt;
        if (c->ecn_ok)
            h.flags |= L4_TCP_ECE; /* RFC 3168 §6.1.1: ECN-setup SYN-ACK */
    } else if (l4_tcp_ecn_wanted(c)) {
        h.flags |= L4_TCP_ECE | L4_TCP_CWR; /* ECN-setup SYN */
    }
    h.window = adv_window(c, 1);
    l4_tcp_opts *o = &h.opts;
    o->present = L4_TCP_HAS_MSS;
    o->mss = c->set.mss;
    if (synack ? c->ws_ok : c->set.window_scale) {
        o->present |= L4_TCP_HAS_WSCALE;
        o->wscale = c->rcv_wscale;
    }
    if (synack ? c->sack_ok : c->set.sack)
        o->present |= L4_TCP_HAS_SACK_PERM;
    if (synack ? c->ts_ok : c->set.timestamps) {
        o->present |= L4_TCP_HAS_TS;
        o->ts_val = l4_tcp_ts_now(c, now);
        o->ts_ecr = synack ? c->ts_recent : 0;
    }
    l4_ssize n = write_seg(c, buf, cap, &h, &c->raddr);
    if (n <= 0)
        return n;
    int first = c->snd_max == c->iss;
    if (first) {
        c->rtt_timing = 1; /* Karn: only a SYN sent once is timed */
        c->rtt_seq = c->iss;
        c->rtt_start = now;
    } else {
        c->rtt_timing = 0;
        c->st.retransmits++;
    }
    c->snd_nxt = c->iss + 1;
    if (l4_seq_gt(c->snd_nxt, c->snd_max))
        c->snd_max = c->snd_nxt;
    if (synack)
        ack_sent(c);
    return n;
}

static int state_sends_data(l4_tcp_state s)
{
    return s == L4_TCP_ESTABLISHED || s == L4_TCP_CLOSE_WAIT || s == L4_TCP_FIN_WAIT_1 ||
           s == L4_TCP_CLOSING || s == L4_TCP_LAST_ACK;
}

static uint32_t min_u32(uint64_t a, uint64_t b)
{
    uint64_t m = a < b ? a : b;
    return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

/* RFC 8257 §3.2: the ACK for data received before a CE state change, with
   the old state, ahead of anything else. */
static l4_ssize out_pre_ack(l4_tcp_conn *c, uint8_t *buf, size_t cap, l4_time now)
{
    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = c->lport;
    h.dport = c->rport;
    h.flags = L4_TCP_ACK | (c->pre_ack_ece ? L4_TCP_ECE : 0);
    h.ack = c->pre_ack_seq;
    h.seq = c->snd_max;
    if (c->ts_ok) {
        h.opts.present |= L4_TCP_HAS_TS;
        h.opts.ts_val = l4_tcp_ts_now(c, now);
        h.opts.ts_ecr = c->ts_recent;
    }
    h.window = adv_window(c, 0);
    l4_ssize n = write_seg(c, buf, cap, &h, &c->raddr);
    if (n > 0)
        c->pre_ack_pending = 0;
    return n;
}

/* draft-cheng-iccrg-delivery-rate-estimation §3.4: all data sent, room in
   cwnd, not recovering: the sender is application-limited. */
static void out_app_limited(l4_tcp_conn *c, uint32_t data_end, l4_time now)
{
    if (!state_sends_data(c->state) || data_end != c->snd_max || c->in_recovery || c->fin_queued ||
        c->rate.app_limited)
        return;
    uint64_t fl = l4_tcp_in_flight(c);
    if (fl + c->smss > l4_cc_cwnd(c->cc))
        return;
    l4_tcp_rate_app_limited(&c->rate, fl);
    l4_cc_on_app_limited(c->cc, now);
}

/* TCP segmentation offload (settings.tso_max > 1): new data at SND.MAX may
   leave as one segment of up to tso_max full segments, which the device cuts
   into maxpay-byte pieces. It carries exactly what separate segments would
   have: whole segments, plus a short last one only when it ends the data
   and Nagle would let it go (nothing in flight, Nagle off, or the FIN
   follows). With pacing, about 1 ms of the pacing rate at most. Returns the
   payload length (0..). */
static uint32_t out_tso_len(const l4_tcp_conn *c, uint32_t avail, uint32_t usable, uint32_t maxpay,
                            size_t room, uint64_t prate)
{
    uint64_t lim = (uint64_t)maxpay * c->set.tso_max;
    /* The IP packet (header of up to 60 bytes) stays within 65535 bytes. */
    uint64_t ip_room = 65535u - 60u - (L4_TCP_MIN_HDR + 40u);
    if (lim > ip_room)
        lim = ip_room;
    if (lim > room)
        lim = room;
    if (prate && lim > prate / 1000 && prate / 1000 >= 2ull * maxpay)
        lim = prate / 1000;
    uint32_t len = min_u32(min_u32(avail, usable), lim);
    if (len <= maxpay)
        return len;
    int nagle_ok = c->nodelay || c->snd_una == c->snd_max || c->fin_queued;
    if (len % maxpay && !(len == avail && nagle_ok))
        len -= len % maxpay;
    return len;
}

static l4_ssize out_data(l4_tcp_conn *c, uint8_t *buf, size_t cap, uint8_t *ecn, l4_time now)
{
    if (c->pre_ack_pending)
        return out_pre_ack(c, buf, cap, now);
    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = c->lport;
    h.dport = c->rport;
    h.flags = L4_TCP_ACK;
    h.ack = c->rcv_nxt;
    if (c->ts_ok) {
        h.opts.present |= L4_TCP_HAS_TS;
        h.opts.ts_val = l4_tcp_ts_now(c, now);
        h.opts.ts_ecr = c->ts_recent;
    }
    if (c->sack_ok && (c->rcv.ooo.n || c->dsack_pending))
        add_sack_blocks(c, &h.opts, c->ts_ok ? 3 : 4);
    l4_ssize optlen = l4_tcp_opts_len(&h.opts);
    if (optlen < 0)
        return optlen;
    size_t hdr = L4_TCP_MIN_HDR + (size_t)optlen;
    if (cap < hdr)
        return L4_ERR_NOBUF;

    uint32_t mss_total = c->peer_mss < c->set.mss ? c->peer_mss : c->set.mss;
    uint32_t maxpay = mss_total > (uint32_t)optlen ? mss_total - (uint32_t)optlen : 1;
    if (maxpay > cap - hdr)
        maxpay = (uint32_t)(cap - hdr);

    uint32_t data_end = c->buf_seq + (uint32_t)c->snd.len;
    uint32_t seq = c->snd_nxt, len = 0;
    int fin = 0, rtx = 0, advance_nxt = 1, probe = 0, keep = 0;
    int can = state_sends_data(c->state);
    /* Pacing: data waits for the pacer (ACKs do not). */
    uint64_t prate = l4_cc_pacing_rate(c->cc);
    if (can && prate) {
        if (!c->pacer.burst)
            l4_pacer_init(&c->pacer, 2ull * c->smss, now);
        l4_time t = l4_pacer_next(&c->pacer, prate, now);
        if (t > now) {
            can = 0;
            c->pace_at = t;
        }
    }

    int tlp = 0;
    if (c->tlp_pending && state_sends_data(c->state)) {
        /* RFC 8985 §7.3: the loss probe, whatever cwnd and the pacer say:
           one new segment if the peer's window takes it, else the last
           segment sent again. */
        c->tlp_pending = 0;
        tlp = 1;
        can = 1;
        uint32_t wnd_edge = c->snd_una + (uint32_t)c->snd_wnd;
        uint32_t avail = l4_seq_lt(c->snd_max, data_end) ? data_end - c->snd_max : 0;
        uint32_t usable = l4_seq_lt(c->snd_max, wnd_edge) ? wnd_edge - c->snd_max : 0;
        if (avail && usable && !c->fin_sent) {
            seq = c->snd_max;
            len = min_u32(min_u32(avail, usable), maxpay);
        } else {
            uint32_t top = c->fin_sent ? c->fin_seq : c->snd_max; /* data only */
            len = min_u32(maxpay, (uint32_t)(top - c->snd_una));
            seq = top - len;
            rtx = 1;
            advance_nxt = 0;
        }
    } else if (can && c->rtx_one) {
        /* Fast retransmit / partial ACK: the segment at SND.UNA, now; with
           SACK the first lost stretch with no copy in flight (RFC 6675 §5
           step 4.3). */
        seq = c->snd_una;
        uint32_t l = maxpay;
        if (c->sack_ok && !l4_tcp_sack_next_lost(c, &seq, &l))
            l = 0;
        len = l4_seq_lt(seq, data_end) ? min_u32(min_u32(maxpay, l), data_end - seq) : 0;
        len = min_u32(len, c->snd_max - seq); /* a retransmission carries no new data */
        rtx = 1;
        advance_nxt = 0;
        c->rtx_one = 0;
    } else if (can && c->sack_ok && c->frto == 2) {
        /* F-RTO step 2 b (RFC 5682 §3): up to two new segments instead of
           retransmissions, within cwnd - pipe. */
        uint64_t pipe = l4_tcp_sack_pipe(c), cwnd = l4_cc_cwnd(c->cc);
        if (c->frto_new && cwnd >= pipe + c->smss) {
            seq = c->snd_max;
            uint32_t wnd_edge = c->snd_una + (uint32_t)c->snd_wnd;
            uint32_t avail = l4_seq_lt(seq, data_end) ? data_end - seq : 0;
            uint32_t usable = l4_seq_lt(seq, wnd_edge) ? wnd_edge - seq : 0;
            len = min_u32(min_u32(avail, usable), maxpay);
        }
    } else if (can && c->sack_ok && (c->in_recovery || c->rto_recovery)) {
        /* RFC 6675 §5 step (C): send while cwnd - pipe >= 1 SMSS: the first
           lost hole with no copy in flight (NextSeg rule 1), else new data
           (rule 2). After a timeout every hole below `recover` is lost
           (sack.c), so this is also the resend after a timeout: the holes
           once each, SACKed data skipped, lost copies found and resent. */
        uint64_t pipe = l4_tcp_sack_pipe(c), cwnd = l4_cc_cwnd(c->cc);
        if (cwnd >= pipe + c->smss) {
            uint32_t s, l;
            if (l4_tcp_sack_next_lost(c, &s, &l)) {
                seq = s;
                /* The hole may end with our FIN: only data bytes are copied. */
                len = min_u32(l, maxpay);
                len = min_u32(len, l4_seq_lt(seq, data_end) ? data_end - seq : 0);
                rtx = 1;
                advance_nxt = 0;
            } else {
                seq = c->snd_max;
                uint32_t wnd_edge = c->snd_una + (uint32_t)c->snd_wnd;
                uint32_t avail = l4_seq_lt(seq, data_end) ? data_end - seq : 0;
                uint32_t usable = l4_seq_lt(seq, wnd_edge) ? wnd_edge - seq : 0;
                len = min_u32(min_u32(avail, usable), maxpay);
            }
        }
    } else if (can) {
        /* After a timeout SND.NXT went back to SND.UNA: skip what the peer SACKed. */
        if (c->sack_ok) {
            int i;
            while (l4_seq_lt(seq, c->snd_max) && (i = l4_tcp_ranges_find(&c->sacked, seq)) >= 0)
                seq = c->sacked.r[i].right;
            c->snd_nxt = seq;
        }
        uint32_t avail = l4_seq_lt(seq, data_end) ? data_end - seq : 0;
        uint64_t cwnd = l4_cc_cwnd(c->cc) + c->inflate;
        /* Going back after a timeout, SACKed bytes below SND.NXT have left
           the network: they do not use the congestion window. */
        if (c->sack_ok && c->sacked.n)
            cwnd += l4_tcp_ranges_bytes_above(&c->sacked, c->snd_una) -
                    l4_tcp_ranges_bytes_above(&c->sacked, seq);
        uint32_t wnd_edge = c->snd_una + (uint32_t)c->snd_wnd;
        uint32_t cwnd_edge = c->snd_una + (uint32_t)(cwnd > 0x3fffffff ? 0x3fffffff : cwnd);
        uint32_t edge = l4_seq_lt(wnd_edge, cwnd_edge) ? wnd_edge : cwnd_edge;
        uint32_t usable = l4_seq_lt(seq, edge) ? edge - seq : 0;
        if (c->set.tso_max > 1 && seq == c->snd_max)
            len = out_tso_len(c, avail, usable, maxpay, cap - hdr, prate);
        else
            len = min_u32(min_u32(avail, usable), maxpay);
        rtx = l4_seq_lt(seq, c->snd_max);
        if (rtx) /* keep old and new data apart (as packet analyzers expect) */
            len = min_u32(len, c->snd_max - seq);
        if (rtx && c->sack_ok) {
            /* Do not resend into a SACKed range. */
            for (int i = 0; i < c->sacked.n; i++)
                if (l4_seq_gt(c->sacked.r[i].left, seq)) {
                    uint32_t gap = c->sacked.r[i].left - seq;
                    if (len > gap)
                        len = gap;
                    break;
                }
        }
        if (len == 0 && avail > 0 && c->force_probe && c->snd_wnd == 0) {
            len = 1; /* zero-window probe (RFC 9293 §3.8.6.1) */
            probe = 1;
        }
        if (!rtx && !probe && len > 0 && len < maxpay && !c->force_probe) {
            /* Nagle (RFC 9293 §3.7.4) and sender SWS avoidance (§3.8.6.2.1):
               a short segment only when it empties the buffer and nothing is
               in flight (or Nagle is off), or it is half the largest window.
               The persist timer (force_probe) is the override timeout. */
            int all = len == avail;
            int ok = (all && (c->nodelay || c->snd_una == c->snd_max)) ||
                     (c->max_snd_wnd && len >= c->max_snd_wnd / 2) || (all && c->fin_queued);
            if (!ok)
                len = 0;
        }
    }
    /* The FIN follows the last data byte, in a new segment or a retransmission. */
    if (can && c->fin_queued && seq + len == c->fin_seq && l4_seq_le(c->snd_una, c->fin_seq))
        fin = 1;
    if (len == 0 && !fin) {
        if (c->keep_probe_pending && c->snd_una == c->snd_max) {
            keep = 1;
        } else if (!c->ack_now) {
            c->force_probe = 0;
            out_app_limited(c, data_end, now);
            return 0;
        }
    }
    if (keep) {
        seq = c->snd_una - 1; /* RFC 9293 §3.8.4: a probe the peer must answer */
    } else if (len == 0 && !fin) {
        /* A pure ACK carries the highest sequence number sent: after a
           timeout SND.NXT went back, and the peer already holds data up to
           SND.MAX (an older number would fail its acceptability test). */
        seq = c->snd_max;
    }
    h.seq = seq;
    if (fin)
        h.flags |= L4_TCP_FIN;
    if (len > 0 && seq + len == data_end)
        h.flags |= L4_TCP_PSH;
    if (c->ece_pending)
        h.flags |= L4_TCP_ECE;
    /* RFC 3168 §6.1.2/§6.1.5: new data is ECT(0) and carries the CWR that
       answers an ECE; retransmissions, probes and pure ACKs are Not-ECT. */
    int new_data = len > 0 && !rtx && !probe && !l4_seq_lt(seq, c->snd_max);
    if (c->ecn_ok && (new_data || (c->ecn_bytes && len > 0 && !probe))) {
        /* DCTCP marks every data segment ECT, retransmissions included. */
        *ecn = 2; /* ECT(0) */
        if (c->cwr_pending)
            h.flags |= L4_TCP_CWR;
    }
    h.window = adv_window(c, 0);
    if (len) {
        l4_tcp_sndbuf_copy(&c->snd, seq - c->buf_seq, buf + hdr, len);
        h.payload = buf + hdr;
        h.payload_len = len;
    }
    l4_ssize n = write_seg(c, buf, cap, &h, &c->raddr);
    if (n <= 0)
        return n;
    ack_sent(c);
    if (h.flags & L4_TCP_CWR)
        c->cwr_pending = 0;
    if (keep) {
        c->keep_probe_pending = 0;
        c->st.keepalive_probes++;
        return n;
    }
    if (probe)
        c->st.window_probes++;
    if (len)
        c->force_probe = 0;
    uint32_t end = seq + len + (uint32_t)fin;
    if (len && prate)
        l4_pacer_sent(&c->pacer, len, prate, now);
    if (len && new_data && (l4_cc_flags(c->cc) & L4_CC_F_RATE))
        l4_tcp_rate_on_send(&c->rate, seq + len, c->snd_una == c->snd_max, now);
    if (new_data && c->frto == 2 && c->frto_new)
        c->frto_new--;
    if (len || fin) {
        if (rtx || l4_seq_lt(seq, c->snd_max)) {
            c->st.retransmits++;
            c->st.bytes_retrans += len;
            /* Karn's rule (RFC 6298 §3): the timed segment sent again gives
               no sample; an ACK covering any retransmission neither (input.c). */
            if (c->rtt_timing && l4_seq_in(c->rtt_seq, seq, end))
                c->rtt_timing = 0;
            if (!c->rtx_high_valid || l4_seq_gt(end, c->rtx_high))
                c->rtx_high = end;
            c->rtx_high_valid = 1;
            /* SACK: the copy is in flight until delivered or found lost (sack.c). */
            l4_tcp_sack_sent_rexmit(c, seq, end - seq, now);
            l4_tcp_undo_sent(c, end - seq);
        } else if (!c->rtt_timing) {
            c->rtt_timing = 1;
            c->rtt_seq = seq;
            c->rtt_start = now;
        }
        if (l4_seq_gt(end, c->snd_max)) {
            uint32_t fresh = end - l4_seq_max(seq, c->snd_max);
            c->st.bytes_sent += fin ? fresh - 1 : fresh;
            c->snd_max = end;
            l4_tcp_sack_sent_new(c, end, now);
            if (!tlp)
                c->tlp_base = now; /* RFC 8985 §7.2: new data (not a probe) restarts the PTO */
        }
        if (tlp)
            l4_tcp_tlp_sent(c, c->snd_max, rtx, now);
        if (advance_nxt && l4_seq_gt(end, c->snd_nxt))
            c->snd_nxt = end;
        if (fin)
            c->fin_sent = 1;
    }
    return n;
}

l4_ssize l4_tcp_output_seg(l4_tcp_conn *c, uint8_t *buf, size_t cap, uint8_t *ecn, l4_time now)
{
    if (c->rst_pending)
        return out_rst(c, buf, cap);
    switch (c->state) {
    case L4_TCP_CLOSED:
    case L4_TCP_LISTEN:
        return 0;
    case L4_TCP_SYN_SENT:
        return c->snd_nxt == c->iss ? out_syn(c, buf, cap, now) : 0;
    case L4_TCP_SYN_RECEIVED:
        if (c->snd_nxt == c->iss)
            return out_syn(c, buf, cap, now);
        return c->ack_now ? out_data(c, buf, cap, ecn, now) : 0;
    default:
        return out_data(c, buf, cap, ecn, now);
    }
}
