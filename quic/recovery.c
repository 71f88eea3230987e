/*
 * quic/recovery.c — RFC 9002 loss detection and congestion control glue:
 * sent-packet tracking, ACK processing with RTT samples (§5), packet- and
 * time-threshold loss (§6.1), the probe timeout with backoff (§6.2),
 * persistent congestion (§7.6), and requeueing what a lost packet carried.
 *
 * Delivery-rate samples (draft-cheng-iccrg-delivery-rate-estimation-02, for
 * rate-based algorithms such as BBR): every in-flight packet records, when
 * sent, the connection's delivered byte count, the time of the last
 * delivery and the send time of the newest packet acknowledged so far (§3.2).
 * An ACK that newly acknowledges in-flight packets takes the most recently
 * sent of them, P, and reports (§3.3)
 *   rate = (C.delivered - P.delivered) / max(P.sent - P.first_sent,
 *                                            now - P.delivered_time)
 * (no rate when that interval is below min_rtt). QUIC never retransmits a
 * packet, so unlike TCP no sample is ambiguous. A sender out of data with
 * room in its window is application-limited (§3.4) until what was in flight
 * then has been delivered; samples from packets sent meanwhile say so.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "quic/conn_internal.h"
#include "wire/quic_frame.h"

#define QC_PACKET_THRESHOLD                3 /* §6.1.1 kPacketThreshold */
#define QC_PERSISTENT_CONGESTION_THRESHOLD 3 /* §7.6.1 */

qc_sent *qc_sent_get(l4_quic_conn *c)
{
    qc_sent *p = c->sent_pool;
    if (p) {
        c->sent_pool = p->next;
        c->sent_pool_n--;
    } else if (!(p = malloc(sizeof *p))) {
        return NULL;
    }
    /* the frame records are written one by one as they are used (nf) */
    memset(p, 0, offsetof(qc_sent, f));
    return p;
}

void qc_sent_put(l4_quic_conn *c, qc_sent *p)
{
    if (c->sent_pool_n >= QC_SENT_POOL_MAX) {
        free(p);
        return;
    }
    p->next = c->sent_pool;
    c->sent_pool = p;
    c->sent_pool_n++;
}

void qc_on_sent(l4_quic_conn *c, int s, qc_sent *p)
{
    qc_space *sp = &c->sp[s];
    p->next = NULL;
    if (sp->sent_tail)
        sp->sent_tail->next = p;
    else
        sp->sent_head = p;
    sp->sent_tail = p;
    if (p->in_flight) {
        if (c->bytes_in_flight == 0) /* §3.2: the first packet of a flight starts the clocks */
            c->first_sent_time = c->delivered_time = p->t;
        p->delivered = c->delivered;
        p->delivered_time = c->delivered_time;
        p->first_sent_time = c->first_sent_time;
        p->app_limited = c->app_limited_until != 0;
        c->bytes_in_flight += p->size;
    }
    if (p->ack_eliciting) {
        sp->last_ack_eliciting = p->t;
        sp->ack_eliciting_in_flight++;
    }
}

static void recovery_unlink(qc_space *sp, qc_sent *prev, qc_sent *p)
{
    if (prev)
        prev->next = p->next;
    else
        sp->sent_head = p->next;
    if (sp->sent_tail == p)
        sp->sent_tail = prev;
}

static void recovery_remove_accounting(l4_quic_conn *c, qc_space *sp, const qc_sent *p)
{
    if (p->in_flight)
        c->bytes_in_flight -= p->size;
    if (p->ack_eliciting)
        sp->ack_eliciting_in_flight--;
}

void qc_drop_sent(l4_quic_conn *c, int s)
{
    qc_space *sp = &c->sp[s];
    qc_sent *p = sp->sent_head;
    while (p) {
        qc_sent *n = p->next;
        recovery_remove_accounting(c, sp, p);
        qc_sent_put(c, p);
        p = n;
    }
    sp->sent_head = sp->sent_tail = NULL;
    sp->loss_time = L4_TIME_NONE;
}

/* What an acknowledged packet carried is now delivered. */
static void recovery_acked_frames(l4_quic_conn *c, int s, const qc_sent *p)
{
    for (uint16_t i = 0; i < p->nf; i++) {
        const qc_frec *f = &p->f[i];
        qc_stream *st;
        switch (f->kind) {
        case QF_STREAM:
            st = qc_stream_find(c, f->sid);
            if (!st)
                break;
            qc_sbuf_ack(&st->sb, f->off, f->len);
            if (f->fin)
                st->fin_acked = 1;
            if (st->send_full && st->sb.len < QC_SEND_BUF_MAX / 2) {
                st->send_full = 0;
                if (c->cb.stream_writable)
                    c->cb.stream_writable(c, st->id, c->user);
                st = qc_stream_find(c, f->sid); /* the callback may reset it */
            }
            if (st)
                qc_stream_maybe_free(c, st);
            break;
        case QF_CRYPTO:
            qc_sbuf_ack(&c->sp[s].ctx, f->off, f->len);
            break;
        case QF_ACK: /* §13.2.4: the peer saw that ACK frame */
            qc_ack_acked(c, s, f->sid);
            break;
        case QF_RESET:
            st = qc_stream_find(c, f->sid);
            if (st) {
                st->reset_state = 3;
                qc_stream_maybe_free(c, st);
            }
            break;
        default:
            break;
        }
    }
}

/* Puts what `p` carried back in the send queues (loss or PTO probe). */
void qc_requeue(l4_quic_conn *c, int s, const qc_sent *p)
{
    for (uint16_t i = 0; i < p->nf; i++) {
        const qc_frec *f = &p->f[i];
        qc_stream *st;
        switch (f->kind) {
        case QF_STREAM:
            st = qc_stream_find(c, f->sid);
            if (!st || st->reset_state)
                break;
            if (f->len) {
                qc_sbuf_lost(&st->sb, f->off, f->len);
                c->st.stream_bytes_retx += f->len;
            }
            if (f->fin && !st->fin_acked)
                st->fin_sent = 0;
            break;
        case QF_CRYPTO:
            if (!c->sp[s].discarded)
                qc_sbuf_lost(&c->sp[s].ctx, f->off, f->len);
            break;
        case QF_RESET:
            st = qc_stream_find(c, f->sid);
            if (st && st->reset_state == 2)
                st->reset_state = 1;
            break;
        case QF_STOP:
            st = qc_stream_find(c, f->sid);
            if (st && st->stop_state == 2 && !st->reset_recvd && !st->fin_read)
                st->stop_state = 1;
            break;
        case QF_MAX_DATA:
            c->max_data_pending = 1;
            break;
        case QF_MAX_SD:
            st = qc_stream_find(c, f->sid);
            if (st && !st->reset_recvd && st->r_final == UINT64_MAX)
                st->max_sd_pending = 1;
            break;
        case QF_MAX_STREAMS_BIDI:
            c->max_streams_bidi_pending = 1;
            break;
        case QF_MAX_STREAMS_UNI:
            c->max_streams_uni_pending = 1;
            break;
        case QF_HANDSHAKE_DONE:
            c->hs_done_pending = 1;
            break;
        case QF_NEW_CID:
            for (int k = 0; k < QC_MAX_LCIDS; k++)
                if (c->lcid[k].used && c->lcid[k].seq == f->sid && f->sid >= c->lcid_retire_prior)
                    c->lcid[k].ncid_pending = 1;
            break;
        case QF_RETIRE_CID:
            qc_cid_queue_retire(c, f->sid);
            break;
        case QF_NEW_TOKEN:
            c->nt_pending = c->nt != NULL;
            break;
        default:
            break;
        }
    }
}

/* §3.3 of the delivery-rate draft: `newest` is the most recently sent of
 * the newly acknowledged in-flight packets, `bytes` their total size. */
static void recovery_rate_sample(l4_quic_conn *c, const qc_sent *newest, uint64_t bytes,
                                 l4_time now, l4_cc_ack *a)
{
    c->delivered += bytes;
    c->delivered_time = now;
    c->st.delivered = c->delivered;
    if (c->app_limited_until && c->delivered > c->app_limited_until)
        c->app_limited_until = 0;
    c->first_sent_time = newest->t;
    l4_time snd = newest->t - newest->first_sent_time;
    l4_time ack = now - newest->delivered_time;
    l4_time iv = snd > ack ? snd : ack;
    a->delivered = c->delivered;
    a->prior_delivered = newest->delivered;
    a->app_limited = newest->app_limited;
    a->rate_interval = iv;
    if (iv > 0 && (!c->has_rtt || iv >= c->min_rtt)) {
        a->delivery_rate =
            (uint64_t)((double)(c->delivered - newest->delivered) * 1e9 / (double)iv);
        c->st.delivery_rate = a->delivery_rate;
    }
}

void qc_app_limited(l4_quic_conn *c, l4_time now)
{
    if (c->app_limited_until)
        return;
    uint64_t m = c->delivered + c->bytes_in_flight;
    c->app_limited_until = m ? m : 1;
    c->st.app_limited_periods++;
    l4_cc_on_app_limited(c->cc, now);
}

/* §5.3: the RTT estimate, with the peer's ack delay (§5.3, capped by
 * max_ack_delay once the handshake is confirmed). */
static void recovery_rtt_sample(l4_quic_conn *c, l4_time latest, l4_time ack_delay, l4_time now)
{
    c->latest_rtt = latest;
    if (!c->has_rtt) {
        c->has_rtt = 1;
        c->min_rtt = latest;
        c->srtt = latest;
        c->rttvar = latest / 2;
        c->first_rtt_time = now;
        return;
    }
    if (latest < c->min_rtt)
        c->min_rtt = latest;
    if (c->hs_confirmed && c->has_peer_tp) {
        l4_time mad = c->peer_tp.max_ack_delay * L4_MS;
        if (ack_delay > mad)
            ack_delay = mad;
    }
    l4_time adjusted = latest;
    if (latest >= c->min_rtt + ack_delay)
        adjusted = latest - ack_delay;
    l4_time diff = c->srtt > adjusted ? c->srtt - adjusted : adjusted - c->srtt;
    c->rttvar = (3 * c->rttvar + diff) / 4;
    c->srtt = (7 * c->srtt + adjusted) / 8;
}

int qc_on_ack(l4_quic_conn *c, int s, const void *frame, l4_time now)
{
    const l4_quic_frame_ack *ack = frame;
    qc_space *sp = &c->sp[s];
    if (ack->largest >= sp->next_pn)
        return L4_QUIC_ERR_PROTOCOL_VIOLATION; /* §13.1: acks a packet never sent */
    l4_quic_ack_iter it;
    l4_quic_ack_iter_init(&it, ack);
    l4_quic_ack_range r;
    qc_sent *acked = NULL, **acked_tail = &acked;
    int newly_largest_eliciting = 0;
    l4_time largest_sent_time = 0;
    /* The sent list is in increasing pn order; ranges come highest first. */
    while (l4_quic_ack_iter_next(&it, &r) == 1) {
        qc_sent *prev = NULL, *p = sp->sent_head;
        while (p && p->pn <= r.largest) {
            qc_sent *n = p->next;
            if (p->pn >= r.smallest) {
                recovery_unlink(sp, prev, p);
                recovery_remove_accounting(c, sp, p);
                if (p->pn == ack->largest) {
                    newly_largest_eliciting = p->ack_eliciting;
                    largest_sent_time = p->t;
                }
                p->next = NULL;
                *acked_tail = p;
                acked_tail = &p->next;
            } else {
                prev = p;
            }
            p = n;
        }
    }
    if (!acked)
        return 0;
    if (s == L4_QUIC_LEVEL_HANDSHAKE)
        c->hs_acked = 1;
    int largest_new = sp->largest_acked == L4_QUIC_PN_NONE || ack->largest > sp->largest_acked;
    if (largest_new)
        sp->largest_acked = ack->largest;
    uint64_t ce_bytes =
        qc_ecn_on_ack(c, s, ack, c->rx_ack_has_ecn, acked, largest_new, largest_sent_time, now);
    if (newly_largest_eliciting) {
        l4_time delay = 0;
        if (s == L4_QUIC_LEVEL_APP) {
            uint64_t exp = c->has_peer_tp ? c->peer_tp.ack_delay_exponent : 3;
            delay = (ack->ack_delay << exp) * L4_US;
        }
        recovery_rtt_sample(c, now - largest_sent_time, delay, now);
    }
    /* Congestion control: bytes acked outside a recovery period (§7.3.2);
     * everything for algorithms that model the path during recovery. */
    uint64_t bytes = 0, all = 0;
    uint64_t in_flight_before = c->bytes_in_flight;
    const qc_sent *newest = NULL;
    for (qc_sent *p = acked; p; p = p->next) {
        if (p->in_flight) {
            in_flight_before += p->size;
            all += p->size;
            if (c->recovery_start == L4_TIME_NONE || p->t > c->recovery_start) {
                bytes += p->size;
                c->in_recovery = 0; /* §7.3.2: a packet sent after the episode began arrived */
            }
            if (!newest || p->pn > newest->pn)
                newest = p;
        }
    }
    if (l4_cc_flags(c->cc) & L4_CC_F_ACK_IN_RECOVERY)
        bytes = all;
    l4_cc_ack a;
    memset(&a, 0, sizeof a);
    if (newest)
        recovery_rate_sample(c, newest, all, now, &a);
    if (bytes) {
        a.bytes_acked = bytes;
        a.ce_bytes = ce_bytes < bytes ? ce_bytes : bytes;
        a.rtt = newly_largest_eliciting ? c->latest_rtt : 0;
        a.in_flight = in_flight_before;
        a.now = now;
        l4_cc_on_ack(c->cc, &a);
    }
    while (acked) {
        qc_sent *n = acked->next;
        recovery_acked_frames(c, s, acked);
        qc_sent_put(c, acked);
        acked = n;
    }
    qc_detect_loss(c, s, now);
    c->pto_count = 0;
    return 0;
}

static l4_time recovery_loss_delay(const l4_quic_conn *c)
{
    l4_time base =
        c->has_rtt ? (c->latest_rtt > c->srtt ? c->latest_rtt : c->srtt) : c->set.initial_rtt;
    l4_time d = base * 9 / 8; /* §6.1.2 kTimeThreshold */
    return d < QC_GRANULARITY ? QC_GRANULARITY : d;
}

/* §7.6.1: the duration whose span of lost packets means persistent congestion. */
static l4_time recovery_pc_duration(const l4_quic_conn *c)
{
    l4_time v = 4 * c->rttvar;
    if (v < QC_GRANULARITY)
        v = QC_GRANULARITY;
    l4_time mad = c->has_peer_tp ? c->peer_tp.max_ack_delay * L4_MS : 25 * L4_MS;
    return (c->srtt + v + mad) * QC_PERSISTENT_CONGESTION_THRESHOLD;
}

void qc_detect_loss(l4_quic_conn *c, int s, l4_time now)
{
    qc_space *sp = &c->sp[s];
    sp->loss_time = L4_TIME_NONE;
    if (sp->largest_acked == L4_QUIC_PN_NONE)
        return;
    l4_time delay = recovery_loss_delay(c);
    l4_time lost_before = now > delay ? now - delay : 0;
    qc_sent *prev = NULL, *p = sp->sent_head;
    l4_time newest_lost = 0, oldest_lost = L4_TIME_NONE;
    uint64_t lost_bytes = 0;
    int any_lost = 0;
    while (p && p->pn <= sp->largest_acked) {
        qc_sent *n = p->next;
        if (p->t <= lost_before || sp->largest_acked >= p->pn + QC_PACKET_THRESHOLD) {
            qc_ev_lost(c, s, p,
                       sp->largest_acked >= p->pn + QC_PACKET_THRESHOLD ? "reordering_threshold"
                                                                        : "time_threshold",
                       now);
            recovery_unlink(sp, prev, p);
            recovery_remove_accounting(c, sp, p);
            qc_ecn_on_lost(c, p);
            c->st.pkts_lost++;
            if (p->ack_eliciting)
                c->st.pkts_retx++;
            any_lost = 1;
            if (p->in_flight) {
                lost_bytes += p->size;
                if (p->t > newest_lost)
                    newest_lost = p->t;
                if (p->ack_eliciting && p->t < oldest_lost)
                    oldest_lost = p->t;
            }
            qc_requeue(c, s, p);
            qc_sent_put(c, p);
        } else {
            l4_time lt = p->t + delay;
            if (lt < sp->loss_time)
                sp->loss_time = lt;
            prev = p;
        }
        p = n;
    }
    if (!any_lost || !lost_bytes)
        return;
    /* §7.3.2: one congestion event per round trip of sends. */
    if (c->recovery_start == L4_TIME_NONE || newest_lost > c->recovery_start) {
        c->recovery_start = now;
        c->in_recovery = 1;
        c->ev_cc_trigger = "loss";
        l4_cc_on_congestion_event(c->cc, c->bytes_in_flight + lost_bytes, now);
    }
    /* §7.6.2, simplified: lost ack-eliciting packets spanning the
     * persistent-congestion duration, sent after the first RTT sample. */
    if (c->has_rtt && oldest_lost != L4_TIME_NONE && oldest_lost > c->first_rtt_time &&
        newest_lost - oldest_lost > recovery_pc_duration(c)) {
        c->ev_cc_trigger = "persistent_congestion";
        l4_cc_on_rto(c->cc, c->bytes_in_flight, now);
    }
}

/* §6.2.1: srtt + max(4 rttvar, kGranularity), plus max_ack_delay in the
 * application space. */
l4_time qc_pto_base(const l4_quic_conn *c, int s)
{
    l4_time srtt = c->has_rtt ? c->srtt : c->set.initial_rtt;
    l4_time var = c->has_rtt ? c->rttvar : c->set.initial_rtt / 2;
    l4_time v = 4 * var;
    if (v < QC_GRANULARITY)
        v = QC_GRANULARITY;
    l4_time d = srtt + v;
    if (s == L4_QUIC_LEVEL_APP)
        d += (c->has_peer_tp ? c->peer_tp.max_ack_delay : 25) * L4_MS;
    return d;
}

static l4_time recovery_backoff(const l4_quic_conn *c, l4_time d)
{
    unsigned k = c->pto_count > 16 ? 16 : c->pto_count;
    return d << k;
}

/* The PTO deadline and its space (§6.2.1, A.8 GetPtoTimeAndSpace). */
static l4_time recovery_pto(const l4_quic_conn *c, int *space)
{
    l4_time best = L4_TIME_NONE;
    int any_in_flight = 0;
    for (int s = 0; s < QC_SPACES; s++)
        if (c->sp[s].ack_eliciting_in_flight && (s != L4_QUIC_LEVEL_APP || c->hs_complete))
            any_in_flight = 1; /* 0-RTT packets have no PTO of their own before that */
    if (!any_in_flight) {
        /* §6.2.2.1: a client keeps a timer with nothing in flight until it
         * knows the server validated its address (an ACK of one of its
         * Handshake packets, or the handshake confirmed, A.8), so the
         * server's 3x amplification limit cannot deadlock the handshake;
         * its probe (A.9) is a Handshake packet once it has the keys (that
         * proves the address), else a padded Initial (more credit). */
        if (c->is_server || c->hs_confirmed || c->hs_acked || c->state >= QC_CLOSING)
            return L4_TIME_NONE;
        int s =
            c->sp[L4_QUIC_LEVEL_HANDSHAKE].has_tx ? L4_QUIC_LEVEL_HANDSHAKE : L4_QUIC_LEVEL_INITIAL;
        *space = s;
        return c->last_send + recovery_backoff(c, qc_pto_base(c, s));
    }
    for (int s = 0; s < QC_SPACES; s++) {
        const qc_space *sp = &c->sp[s];
        if (!sp->ack_eliciting_in_flight || sp->discarded)
            continue;
        if (s == L4_QUIC_LEVEL_APP && !c->hs_complete)
            continue;
        l4_time t = sp->last_ack_eliciting + recovery_backoff(c, qc_pto_base(c, s));
        if (t < best) {
            best = t;
            *space = s;
        }
    }
    return best;
}

l4_time qc_loss_timer(const l4_quic_conn *c)
{
    l4_time t = L4_TIME_NONE;
    for (int s = 0; s < QC_SPACES; s++)
        if (c->sp[s].loss_time < t)
            t = c->sp[s].loss_time;
    if (t != L4_TIME_NONE)
        return t;
    int space = 0;
    return recovery_pto(c, &space);
}

void qc_on_loss_timer(l4_quic_conn *c, l4_time now)
{
    for (int s = 0; s < QC_SPACES; s++) {
        if (c->sp[s].loss_time != L4_TIME_NONE && c->sp[s].loss_time <= now) {
            qc_detect_loss(c, s, now);
            return;
        }
    }
    int space = 0;
    l4_time t = recovery_pto(c, &space);
    if (t == L4_TIME_NONE || t > now)
        return;
    /* §6.2.4: send one or two ack-eliciting probes; resend what the oldest
     * unacknowledged packets carried (handshake spaces: all of it). */
    c->pto_count++;
    c->st.pto_count_total++;
    qc_space *sp = &c->sp[space];
    sp->probe = 2;
    int n = 0;
    for (qc_sent *p = sp->sent_head; p; p = p->next) {
        if (!p->ack_eliciting)
            continue;
        qc_requeue(c, space, p);
        if (space == L4_QUIC_LEVEL_APP && ++n >= 2)
            break;
    }
    if (c->is_server == 0 && space == L4_QUIC_LEVEL_HANDSHAKE && !c->sp[0].discarded)
        c->sp[0].probe = 1;
}
