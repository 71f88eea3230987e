/*
 * tcp/rack.c — RACK-TLP loss detection (RFC 8985) for SACK connections.
 *
 * RACK (§6): every ACK finds, among the segments it newly delivers, the most
 * recently sent one that is not ambiguous (a retransmission is ambiguous
 * when it was acknowledged sooner than min_RTT after it left, or when the
 * ACK's TSecr predates it), and remembers its send time (RACK.xmit_ts) and
 * the RTT of its delivery (RACK.rtt). A segment sent before it and still
 * not delivered RACK.rtt + RACK.reo_wnd after it left is lost; one not yet
 * that old arms the reordering timer for the moment it will be. Segments
 * here are byte stretches: first transmissions by their send time in
 * tcp/txlog.h (in sequence order, so "sent before" is a prefix of the
 * sequence space, judged once: rack.mark), copies by their tcp/rexmit.h
 * record. A lost copy is found the same way (no DupThresh needed).
 *
 * The reordering window (§6.2 step 4) is min_RTT / 4 times a multiplier
 * that grows by one for each round trip in which D-SACKs arrive and falls
 * back to 1 after 16 recoveries without them, capped at SRTT; it is 0 until
 * reordering is seen (a never-retransmitted segment delivered below
 * RACK.fack) when in recovery or once 3 segments' worth is SACKed, which
 * makes RACK as quick as DupThresh on a path that does not reorder.
 *
 * TLP (§7): outside recovery, with nothing SACKed, a probe timeout of
 * 2 SRTT (+ TLP.max_ack_delay with one segment in flight; never past the
 * RTO) after the last new data or cumulative ACK sends one new segment, or
 * the last one again, so that a tail loss draws a SACK and RACK repairs it
 * instead of the RTO. The probe's outcome (§7.4) is judged on the ACKs that
 * cover it.
 */
#include <string.h>

#include "tcp/conn_internal.h"

/* Where detection resumes: rack.mark, kept within [SND.UNA, SND.MAX]. */
static uint32_t rack_mark(l4_tcp_conn *c)
{
    uint32_t m = c->rack.mark;
    if ((uint32_t)(m - c->snd_una) > (uint32_t)(c->snd_max - c->snd_una))
        c->rack.mark = m = c->snd_una;
    return m;
}

/* RACK_sent_after (§6.2): segment 1 (time t1, end s1) was sent after 2. */
static int sent_after(l4_time t1, uint32_t s1, l4_time t2, uint32_t s2)
{
    return t1 > t2 || (t1 == t2 && l4_seq_gt(s1, s2));
}

void l4_tcp_rack_ack_begin(const l4_tcp_conn *c, const l4_tcp_hdr *seg, l4_tcp_rack_ack *a)
{
    memset(a, 0, sizeof *a);
    if (c->ts_ok && (seg->opts.present & L4_TCP_HAS_TS)) {
        a->has_ts = 1;
        a->ts_ecr = seg->opts.ts_ecr;
    }
}

static void candidate(l4_tcp_rack_ack *a, l4_time sent, uint32_t end)
{
    if (!a->best_valid || sent_after(sent, end, a->best_sent, a->best_end)) {
        a->best_sent = sent;
        a->best_end = end;
        a->best_valid = 1;
    }
}

typedef struct deliv {
    l4_tcp_conn *c;
    l4_tcp_rack_ack *a;
} deliv;

/* A stretch never retransmitted was delivered: its first transmission. */
static int deliv_orig(void *u, uint32_t x, uint32_t y)
{
    deliv *d = u;
    l4_tcp_conn *c = d->c;
    l4_time t = l4_tcp_txlog_time(&c->tx, y - 1);
    if (t != L4_TIME_NONE)
        candidate(d->a, t, y);
    /* Step 3: delivered below RACK.fack without having been resent: the
       network reordered it. */
    if (c->rack.fack_valid && l4_seq_lt(x, c->rack.fack) && !c->rack.reordering_seen) {
        c->rack.reordering_seen = 1;
        c->st.reordering_seen = 1;
    }
    return 0;
}

/* A stretch no copy covers: first transmissions, unless it was resent once
   (its copy was found lost or abandoned: which one arrived is unknown). */
static int deliv_uncopied(void *u, uint32_t x, uint32_t y)
{
    deliv *d = u;
    return l4_tcp_ranges_each_gap(&d->c->rtxd, x, y, deliv_orig, d);
}

void l4_tcp_rack_delivered(l4_tcp_conn *c, l4_tcp_rack_ack *a, uint32_t left, uint32_t right,
                           l4_time now)
{
    if (!c->sack_ok || !l4_seq_lt(left, right))
        return;
    if (!a->high_valid || l4_seq_gt(right, a->high)) {
        a->high = right;
        a->high_valid = 1;
    }
    deliv d = {c, a};
    const l4_tcp_rexmits *x = &c->rexmits;
    uint32_t pos = left;
    for (int k = 0; k < x->n && l4_seq_lt(pos, right); k++) {
        const l4_tcp_rexmit *r = &x->r[k];
        if (l4_seq_le(r->right, pos))
            continue;
        if (!l4_seq_lt(r->left, right))
            break;
        if (l4_seq_lt(pos, r->left))
            deliv_uncopied(&d, pos, r->left);
        /* A copy delivered (§6.2 step 2): valid unless ambiguous. */
        int ambiguous = (c->rack.min_rtt != L4_TIME_NONE && now - r->sent < c->rack.min_rtt) ||
                        (a->has_ts && l4_seq_lt(a->ts_ecr, l4_tcp_ts_now(c, r->sent)));
        if (!ambiguous)
            candidate(a, r->sent, l4_seq_min(r->right, right));
        pos = r->right;
    }
    if (l4_seq_lt(pos, right))
        deliv_uncopied(&d, pos, right);
}

void l4_tcp_rack_ack_end(l4_tcp_conn *c, const l4_tcp_rack_ack *a, int dsack, l4_time now)
{
    l4_tcp_rack *k = &c->rack;
    if (a->best_valid) {
        k->rtt = now - a->best_sent;
        if (!k->valid || sent_after(a->best_sent, a->best_end, k->xmit_ts, k->end_seq)) {
            k->xmit_ts = a->best_sent;
            k->end_seq = a->best_end;
        }
        k->valid = 1;
    }
    if (a->high_valid && (!k->fack_valid || l4_seq_gt(a->high, k->fack))) {
        k->fack = a->high;
        k->fack_valid = 1;
    }
    /* Step 4: one growth of the window per round trip that sees D-SACKs. */
    if (k->dsack_round_valid && l4_seq_ge(c->snd_una, k->dsack_round))
        k->dsack_round_valid = 0;
    if (dsack && !k->dsack_round_valid) {
        k->dsack_round = c->snd_max;
        k->dsack_round_valid = 1;
        k->reo_wnd_mult++;
        k->reo_wnd_persist = L4_TCP_RACK_PERSIST;
    }
}

void l4_tcp_rack_recovery_ended(l4_tcp_conn *c)
{
    if (c->rack.reo_wnd_persist > 0 && --c->rack.reo_wnd_persist == 0)
        c->rack.reo_wnd_mult = 1;
}

l4_time l4_tcp_rack_reo_wnd(const l4_tcp_conn *c)
{
    if (!c->rack.reordering_seen) {
        if (c->in_recovery || c->rto_recovery)
            return 0;
        /* RACK.segs_sacked >= DupThresh (RFC 6675 IsLost's count of SACKed
           segments: DupThresh ranges, or more than DupThresh - 1 SMSS). */
        if (c->sacked.n >= L4_TCP_DUPTHRESH || l4_tcp_ranges_bytes_above(&c->sacked, c->snd_una) >
                                                   (uint64_t)(L4_TCP_DUPTHRESH - 1) * c->smss)
            return 0;
    }
    if (c->rack.min_rtt == L4_TIME_NONE)
        return 0;
    uint32_t mult = c->rack.reo_wnd_mult ? c->rack.reo_wnd_mult : 1;
    l4_time w = c->rack.min_rtt / 4 * mult;
    if (c->rtt.has_sample && w > c->rtt.srtt)
        w = c->rtt.srtt;
    return w;
}

static int any_gap(void *u, uint32_t a, uint32_t b)
{
    (void)u;
    (void)a;
    (void)b;
    return 1;
}

/* When the last segment sent before RACK.segment that is still not
   delivered (from txlog record i on, all sent by RACK.xmit_ts) will be
   lost: its send time + wait; L4_TIME_NONE when there is none. */
static l4_time last_due(const l4_tcp_conn *c, uint32_t i, l4_time wait)
{
    const l4_tcp_txlog *g = &c->tx;
    const l4_tcp_rack *k = &c->rack;
    uint32_t lo = i, hi = g->n; /* first record sent after RACK.xmit_ts */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l4_tcp_txlog_at(g, mid)->sent <= k->xmit_ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo-- > i) {
        const l4_tcp_txrec *t = l4_tcp_txlog_at(g, lo);
        uint32_t start = lo ? l4_tcp_txlog_at(g, lo - 1)->end : c->snd_una;
        uint32_t end = t->end;
        if (t->sent == k->xmit_ts && l4_seq_gt(end, k->end_seq))
            end = k->end_seq;
        start = l4_seq_max(start, k->mark);
        if (l4_seq_lt(start, end) && l4_tcp_ranges_each_gap(&c->sacked, start, end, any_gap, NULL))
            return t->sent + wait;
    }
    return L4_TIME_NONE;
}

uint64_t l4_tcp_rack_detect(l4_tcp_conn *c, l4_time now)
{
    l4_tcp_rack *k = &c->rack;
    c->rack_at = L4_TIME_NONE;
    if (!c->sack_ok || !k->valid || c->snd_una == c->snd_max)
        return 0;
    l4_time reo = l4_tcp_rack_reo_wnd(c);
    l4_time wait = k->rtt + reo; /* a segment sent before RACK.segment is lost this long after */
    l4_time timeout = 0;
    uint64_t added = 0;
    /* Copies in flight. */
    l4_tcp_rexmits *x = &c->rexmits;
    for (int i = 0; i < x->n;) {
        const l4_tcp_rexmit *r = &x->r[i];
        if (sent_after(k->xmit_ts, k->end_seq, r->sent, r->right)) {
            l4_time due = r->sent + wait;
            if (due <= now) {
                uint32_t l = r->left, rr = r->right;
                l4_tcp_rexmits_remove(x, i);
                added += l4_tcp_sack_mark_lost(c, l, rr);
                c->st.lost_retransmits++;
                continue;
            }
            if (due - now > timeout)
                timeout = due - now;
        }
        i++;
    }
    /* First transmissions not judged yet, oldest first. */
    const l4_tcp_txlog *g = &c->tx;
    for (uint32_t i = l4_tcp_txlog_find(g, rack_mark(c)); i < g->n; i++) {
        const l4_tcp_txrec *t = l4_tcp_txlog_at(g, i);
        if (t->sent > k->xmit_ts)
            break;
        /* Sent at RACK.xmit_ts: only what ends before RACK.end_seq was sent
           before it (the tie is broken by sequence). */
        uint32_t end = t->end;
        if (t->sent == k->xmit_ts && l4_seq_gt(end, k->end_seq))
            end = k->end_seq;
        if (!l4_seq_gt(end, k->mark))
            break;
        l4_time due = t->sent + wait;
        if (due > now) {
            l4_time last = last_due(c, i, wait);
            if (last != L4_TIME_NONE && last > now && last - now > timeout)
                timeout = last - now;
            break;
        }
        added += l4_tcp_sack_mark_lost(c, k->mark, end);
        k->mark = end;
        if (end != t->end)
            break;
    }
    if (timeout)
        c->rack_at = now + timeout;
    return added;
}

void l4_tcp_rack_on_rto(l4_tcp_conn *c, l4_time now)
{
    c->rack_at = L4_TIME_NONE;
    if (!c->sack_ok || c->snd_una == c->snd_max)
        return;
    /* The first outstanding segment: its copies are given up. */
    uint32_t head = c->snd_una + c->smss;
    int k = l4_tcp_ranges_first_after(&c->sacked, c->snd_una);
    if (k < c->sacked.n && l4_seq_lt(c->sacked.r[k].left, head))
        head = c->sacked.r[k].left;
    if (l4_seq_gt(head, c->snd_max))
        head = c->snd_max;
    l4_time rtt = c->rack.valid ? c->rack.rtt : c->rtt.has_sample ? c->rtt.srtt : 0;
    l4_time wait = rtt + l4_tcp_rack_reo_wnd(c);
    l4_tcp_rexmits *x = &c->rexmits;
    for (int i = 0; i < x->n;) {
        const l4_tcp_rexmit *r = &x->r[i];
        if (l4_seq_lt(r->left, head) || r->sent + wait <= now) {
            uint32_t l = r->left, rr = r->right;
            l4_tcp_rexmits_remove(x, i);
            l4_tcp_sack_mark_lost(c, l, rr);
            continue;
        }
        i++;
    }
    l4_tcp_sack_mark_lost(c, c->snd_una, head);
    /* The others, when sent at least RACK.rtt + reo_wnd ago. */
    const l4_tcp_txlog *g = &c->tx;
    for (uint32_t i = l4_tcp_txlog_find(g, rack_mark(c)); i < g->n; i++) {
        const l4_tcp_txrec *t = l4_tcp_txlog_at(g, i);
        if (t->sent + wait > now)
            break;
        l4_tcp_sack_mark_lost(c, c->rack.mark, t->end);
        c->rack.mark = t->end;
    }
}

void l4_tcp_rack_maybe_recover(l4_tcp_conn *c, l4_time now)
{
    if (!c->sack_ok || c->in_recovery || c->rto_recovery || c->lost.n == 0)
        return;
    if (!l4_seq_ge(c->snd_una, c->recover))
        return;
    l4_tcp_enter_recovery(c, now);
}

static int sends_data(l4_tcp_state s)
{
    return s == L4_TCP_ESTABLISHED || s == L4_TCP_CLOSE_WAIT || s == L4_TCP_FIN_WAIT_1 ||
           s == L4_TCP_CLOSING || s == L4_TCP_LAST_ACK;
}

l4_time l4_tcp_tlp_deadline(const l4_tcp_conn *c)
{
    /* §7.2: not in fast or RTO recovery, nothing SACKed, one probe at a
       time; not while the timer backs off or the peer's window is shut. */
    if (!c->set.tlp || !c->sack_ok || !sends_data(c->state) || c->snd_una == c->snd_max ||
        c->in_recovery || c->rto_recovery || c->sacked.n || c->tlp_active || c->tlp_pending ||
        c->retries || c->frto || c->snd_wnd == 0 || c->rto_at == L4_TIME_NONE)
        return L4_TIME_NONE;
    l4_time pto;
    if (c->rtt.has_sample) {
        pto = 2 * c->rtt.srtt;
        if ((uint32_t)(c->snd_max - c->snd_una) <= c->smss)
            pto += c->set.tlp_max_ack_delay;
    } else {
        pto = L4_S;
    }
    l4_time t = c->tlp_base + pto;
    return t < c->rto_at ? t : c->rto_at;
}

void l4_tcp_tlp_sent(l4_tcp_conn *c, uint32_t end, int retrans, l4_time now)
{
    c->tlp_active = 1;
    c->tlp_is_retrans = (uint8_t)retrans;
    c->tlp_end = end;
    c->st.tlp_probes++;
    /* §7.3: after a probe the RTO timer, not the PTO, is armed. */
    c->rto_at = now + l4_rtt_rto(&c->rtt);
}

void l4_tcp_tlp_on_ack(l4_tcp_conn *c, const l4_tcp_hdr *seg, uint32_t prior_una, int dsack,
                       uint32_t dsack_l, uint32_t dsack_r, l4_time now)
{
    (void)dsack_l;
    if (!c->tlp_active || !l4_seq_ge(seg->ack, c->tlp_end))
        return;
    if (!c->tlp_is_retrans) {
        c->tlp_active = 0; /* a probe of new data was delivered */
    } else if (dsack && dsack_r == c->tlp_end) {
        c->tlp_active = 0; /* the probe was a duplicate: nothing was lost */
    } else if (l4_seq_gt(seg->ack, c->tlp_end)) {
        /* The probe repaired a loss: one congestion response. */
        c->tlp_active = 0;
        if (!c->in_recovery && !c->rto_recovery) {
            l4_cc_on_congestion_event(c->cc, (uint32_t)(c->snd_max - prior_una), now);
            l4_cc_on_recovery_end(c->cc, now);
            c->st.tlp_recoveries++;
        }
    } else if (seg->ack == prior_una && !seg->payload_len &&
               !(seg->opts.present & L4_TCP_HAS_SACK)) {
        c->tlp_active = 0; /* a duplicate ACK without SACK: the original arrived */
    }
}
