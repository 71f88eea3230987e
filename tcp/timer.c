/*
 * tcp/timer.c — the connection's deadlines: retransmission (RFC 6298),
 * persist (zero-window probes, RFC 9293 §3.8.6.1), delayed ACK, keepalive
 * (RFC 9293 §3.8.4), TIME_WAIT (2 MSL) and FIN_WAIT_2. Each is an explicit
 * time or L4_TIME_NONE; there is no tick.
 */
#include "tcp/conn_internal.h"

#define L4_TCP_PERSIST_MIN (200 * L4_MS)
#define L4_TCP_PERSIST_MAX (60 * L4_S)

static int has_unsent(const l4_tcp_conn *c)
{
    uint32_t data_end = c->buf_seq + (uint32_t)c->snd.len;
    return l4_seq_lt(c->snd_nxt, data_end);
}

void l4_tcp_timers_update(l4_tcp_conn *c, l4_time now)
{
    l4_tcp_state s = c->state;
    if (s == L4_TCP_CLOSED || s == L4_TCP_LISTEN) {
        c->rto_at = c->persist_at = c->delack_at = c->keep_at = c->fw2_at = L4_TIME_NONE;
        c->rack_at = c->tlp_at = L4_TIME_NONE;
        if (s == L4_TCP_LISTEN)
            c->tw_at = L4_TIME_NONE;
        return;
    }
    if (s == L4_TCP_TIME_WAIT) {
        c->rto_at = c->persist_at = c->keep_at = c->fw2_at = L4_TIME_NONE;
        c->rack_at = c->tlp_at = L4_TIME_NONE;
        return;
    }
    int outstanding = c->snd_una != c->snd_max;
    int synced = s != L4_TCP_SYN_SENT && s != L4_TCP_SYN_RECEIVED;
    if (synced && c->snd_nxt == c->snd_una && has_unsent(c) && (c->snd_wnd == 0 || !outstanding)) {
        /* Data waiting and nothing will come back to clock it out: a zero
           window (probe on the persist timer, backing off like the RTO), or
           a window too small for sender SWS avoidance (the override timeout
           of RFC 9293 §3.8.6.2.1). */
        if (c->persist_at == L4_TIME_NONE) {
            l4_time t = l4_rtt_base_rto(&c->rtt);
            for (uint32_t i = 0; i < c->persist_backoff && t < L4_TCP_PERSIST_MAX; i++)
                t *= 2;
            if (t < L4_TCP_PERSIST_MIN)
                t = L4_TCP_PERSIST_MIN;
            if (t > L4_TCP_PERSIST_MAX)
                t = L4_TCP_PERSIST_MAX;
            c->persist_at = now + t;
        }
        if (!outstanding)
            c->rto_at = L4_TIME_NONE;
    } else {
        c->persist_at = L4_TIME_NONE;
        if (c->snd_wnd > 0)
            c->persist_backoff = 0;
    }
    if (outstanding || (!synced && c->snd_nxt != c->iss)) {
        if (c->rto_at == L4_TIME_NONE)
            c->rto_at = now + l4_rtt_rto(&c->rtt);
    } else if (c->persist_at == L4_TIME_NONE || !outstanding) {
        c->rto_at = L4_TIME_NONE;
    }
    /* RACK's reordering timer and the loss probe need data outstanding. */
    if (!outstanding)
        c->rack_at = L4_TIME_NONE;
    c->tlp_at = l4_tcp_tlp_deadline(c);
    /* Keepalive only on an idle, established connection. */
    if (c->set.keepalive && (s == L4_TCP_ESTABLISHED || s == L4_TCP_CLOSE_WAIT) && !outstanding &&
        !has_unsent(c))
        c->keep_at =
            c->keep_probes ? c->keep_last + c->set.keep_intvl : c->last_rcv + c->set.keep_idle;
    else
        c->keep_at = L4_TIME_NONE;
    /* FIN_WAIT_2 is bounded only once the application has closed (it can no
       longer read, so waiting for the peer's FIN forever helps nobody). */
    if (s == L4_TCP_FIN_WAIT_2 && c->app_closed) {
        if (c->fw2_at == L4_TIME_NONE)
            c->fw2_at = now + c->set.fin_wait2_timeout;
    } else {
        c->fw2_at = L4_TIME_NONE;
    }
}

l4_time l4_tcp_timers_next(const l4_tcp_conn *c)
{
    l4_time t = c->rto_at;
    t = l4_time_min(t, c->persist_at);
    t = l4_time_min(t, c->delack_at);
    t = l4_time_min(t, c->keep_at);
    t = l4_time_min(t, c->tw_at);
    t = l4_time_min(t, c->fw2_at);
    t = l4_time_min(t, c->pace_at);
    t = l4_time_min(t, c->rack_at);
    t = l4_time_min(t, c->tlp_at);
    return t;
}

/* FlightSize for the timeout's ssthresh = max(FlightSize / 2, 2 * SMSS)
   (RFC 5681 §3.1 eq. (4)): the data in the network when the timer fires.
   With SACK that is RFC 6675's pipe: un-SACKed data not deemed lost plus the
   copies in flight. Without, what was sent up to SND.NXT (after an earlier
   timeout, what was sent again since; the first copies beyond SND.NXT went
   out before that timeout and were given up then). SND.MAX - SND.UNA would
   count SACKed bytes and lost segments: after a recovery with many SACKed
   bytes it could set ssthresh above the cwnd that recovery had just cut.
   RFC 5681 asks for "no more than" eq. (4); these counts are never above
   SND.MAX - SND.UNA. */
static uint64_t rto_flight_size(const l4_tcp_conn *c)
{
    if (c->sack_ok)
        return l4_tcp_sack_pipe(c);
    return (uint32_t)(c->snd_nxt - c->snd_una);
}

static void on_rto(l4_tcp_conn *c, l4_time now)
{
    int syn = c->state == L4_TCP_SYN_SENT || c->state == L4_TCP_SYN_RECEIVED;
    uint32_t limit = syn ? c->set.syn_retries : c->set.max_retries;
    c->rto_at = L4_TIME_NONE;
    if (c->retries >= limit) {
        l4_tcp_close_now(c, L4_TCP_CLOSE_TIMEOUT);
        return;
    }
    c->retries++;
    c->st.rto_expiries++;
    l4_rtt_backoff(&c->rtt); /* RFC 6298 §5.5 */
    c->rtt_timing = 0;       /* Karn */
    if (syn) {
        c->snd_nxt = c->iss;
        return;
    }
    int was_recovering = c->in_recovery || c->rto_recovery;
    if (c->retries == 1) { /* the first expiry for this data (RFC 5681 §3.1) */
        l4_cc_on_rto(c->cc, rto_flight_size(c), now);
        l4_tcp_undo_start(c);
    }
    /* F-RTO (RFC 5682 §3 step 1) for a first timeout outside a recovery. */
    c->frto = 0;
    if (c->retries == 1 && !was_recovering)
        l4_tcp_frto_on_rto(c);
    c->tlp_active = c->tlp_pending = 0; /* RFC 8985 §7.1 */
    /* Go back N from SND.UNA and end any fast recovery. recover = the
       highest sent (RFC 6582 §4; RFC 6675 §5.1 RecoveryPoint = HighData):
       duplicate ACKs for data sent before the timeout start no recovery
       until the cumulative ACK covers it (input.c). */
    if (!c->sack_ok)
        c->snd_nxt = c->snd_una;
    c->in_recovery = 0;
    c->inflate = 0;
    c->dupacks = 0;
    c->rtx_one = 0;
    c->recover = c->snd_max;
    c->rto_recovery = 1;
    /* SACK (RFC 8985 §6.3): the first outstanding segment is lost, the
       others once sent at least RACK.rtt + reo_wnd ago (copies in flight
       too); output resends them by NextSeg under cwnd - pipe (sack.c). */
    l4_tcp_rack_on_rto(c, now);
    c->rexmit_nomem = 0;
    /* The first lost segment goes now whatever the pipe (data sent within
       the last RACK.rtt still counts in it). */
    c->rtx_one = c->sack_ok;
}

void l4_tcp_timers_run(l4_tcp_conn *c, l4_time now)
{
    if (c->state == L4_TCP_CLOSED)
        return;
    if (c->tw_at <= now) {
        c->tw_at = L4_TIME_NONE;
        l4_tcp_close_now(c, L4_TCP_CLOSE_NORMAL);
        return;
    }
    if (c->fw2_at <= now) {
        c->fw2_at = L4_TIME_NONE;
        l4_tcp_queue_rst(c, c->snd_max, 0, 0);
        c->st.rst_sent++;
        l4_tcp_close_now(c, L4_TCP_CLOSE_TIMEOUT);
        return;
    }
    if (c->tlp_at <= now) {
        /* RFC 8985 §7.3: the probe goes (output), and the RTO is re-armed
           when it leaves; a PTO at the RTO's time stands in for it. */
        c->tlp_at = L4_TIME_NONE;
        c->tlp_pending = 1;
        if (c->rto_at <= now)
            c->rto_at = now + l4_rtt_rto(&c->rtt);
    }
    if (c->rto_at <= now) {
        on_rto(c, now);
        if (c->state == L4_TCP_CLOSED)
            return;
    }
    if (c->rack_at <= now) {
        /* RFC 8985 §6.2 step 5: the reordering timer. */
        c->rack_at = L4_TIME_NONE;
        c->st.rack_timeouts++;
        l4_tcp_rack_detect(c, now);
        l4_tcp_rack_maybe_recover(c, now);
    }
    if (c->persist_at <= now) {
        c->persist_at = L4_TIME_NONE;
        c->force_probe = 1;
        c->persist_backoff++;
    }
    if (c->pace_at <= now)
        c->pace_at = L4_TIME_NONE; /* the pacer allows a packet: output decides */
    if (c->delack_at <= now) {
        c->delack_at = L4_TIME_NONE;
        c->ack_now = 1;
    }
    if (c->keep_at <= now) {
        c->keep_at = L4_TIME_NONE;
        if (c->keep_probes >= c->set.keep_cnt) {
            l4_tcp_close_now(c, L4_TCP_CLOSE_TIMEOUT);
            return;
        }
        c->keep_probes++;
        c->keep_last = now;
        c->keep_probe_pending = 1;
    }
}
