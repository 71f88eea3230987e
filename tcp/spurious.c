/*
 * tcp/spurious.c — finding retransmissions that were not needed, and
 * taking back the congestion response they caused (SACK connections).
 *
 * D-SACK at the sender (RFC 2883 §4): the first SACK block of an ACK
 * reports data the receiver got twice. Each one is counted; one that covers
 * bytes we retransmitted (tcp rtxd ranges) counts as a spurious
 * retransmission, feeds RACK's reordering window (rack.c) and, when it
 * belongs to the current loss episode, takes one off the episode's count of
 * retransmissions not yet reported as duplicates. When an episode (a fast
 * recovery or a timeout's recovery) is over and every one of its
 * retransmissions came back as a duplicate, the loss never happened: the
 * congestion response is undone (RFC 3708 §3's detection; the response
 * restores cwnd and ssthresh as RFC 4015 §3 and Linux's
 * tcp_try_undo_dsack do, through the algorithm's on_undo).
 *
 * F-RTO (RFC 5682 §3, the SACK-enhanced algorithm): after a first timeout
 * that did not interrupt a recovery, the first unacknowledged segment is
 * resent as usual (step 1); when the ACK that follows advances SND.UNA but
 * not to `recover` (step 2 b), two new segments go out instead of more
 * retransmissions; if the next ACK (step 3) acknowledges data below
 * `recover` that was not retransmitted, cumulatively or by SACK, without
 * reporting the new segments, the originals were only late: the timeout
 * was spurious. The timeout's loss marks are dropped (RACK judges those
 * segments again), the RTO recovery ends and the cwnd collapse is undone.
 * Any other outcome (2 a, 3 a, no new data to send) continues the
 * conventional recovery.
 */
#include "tcp/conn_internal.h"

void l4_tcp_undo_start(l4_tcp_conn *c)
{
    c->undo_valid = c->sack_ok;
    c->undo_marker = c->snd_una;
    c->undo_sent = c->undo_retrans = 0;
}

static uint32_t segs_of(const l4_tcp_conn *c, uint32_t len)
{
    uint32_t m = c->smss ? c->smss : 1;
    uint32_t n = (len + m - 1) / m;
    return n ? n : 1;
}

void l4_tcp_undo_sent(l4_tcp_conn *c, uint32_t len)
{
    if (!c->undo_valid)
        return;
    uint32_t n = segs_of(c, len);
    c->undo_sent += n;
    c->undo_retrans += n;
}

void l4_tcp_dsack_received(l4_tcp_conn *c, uint32_t l, uint32_t r)
{
    c->st.dsacks_received++;
    int k = l4_tcp_ranges_find(&c->rtxd, l);
    if (k < 0 || !l4_seq_ge(c->rtxd.r[k].right, r))
        return; /* not (all) resent by us: the network duplicated it */
    uint32_t n = segs_of(c, r - l);
    c->st.spurious_retransmits += n;
    /* The original arrived after all: late, so the network reorders or
       delays (Linux marks reordering on such a D-SACK too); RACK stops
       treating DupThresh SACKed segments as proof of loss. */
    if (!c->rack.reordering_seen) {
        c->rack.reordering_seen = 1;
        c->st.reordering_seen = 1;
    }
    if (c->undo_valid && l4_seq_ge(l, c->undo_marker))
        c->undo_retrans -= n < c->undo_retrans ? n : c->undo_retrans;
}

static void undo(l4_tcp_conn *c, l4_time now)
{
    c->undo_valid = 0;
    if (l4_cc_on_undo(c->cc, now))
        c->st.undos++;
}

void l4_tcp_undo_check(l4_tcp_conn *c, l4_time now)
{
    if (c->undo_valid && c->undo_sent && !c->undo_retrans && !c->in_recovery && !c->rto_recovery)
        undo(c, now);
}

void l4_tcp_frto_on_rto(l4_tcp_conn *c)
{
    c->frto = c->set.frto && c->sack_ok ? 1 : 0;
    c->frto_new = 0;
}

/* Step 3 b: the timeout was spurious. */
static void frto_spurious(l4_tcp_conn *c, l4_time now)
{
    c->frto = 0;
    c->st.spurious_rtos++;
    c->rto_recovery = 0;
    c->retries = 0;
    l4_tcp_ranges_clear(&c->lost);
    c->rack.mark = c->snd_una;
    /* No new recovery is held back for this window: its response is undone. */
    c->recover = c->snd_una;
    undo(c, now);
}

void l4_tcp_frto_on_ack(l4_tcp_conn *c, uint32_t prior_una, int sack_new, int sack_above,
                        l4_time now)
{
    int advanced = l4_seq_gt(c->snd_una, prior_una);
    if (c->frto == 1) {
        if (!advanced)
            return; /* step 2: duplicate ACKs only update the scoreboard */
        if (l4_seq_ge(c->snd_una, c->recover)) {
            c->frto = 0; /* 2 a: everything outstanding is acknowledged */
            return;
        }
        /* 2 b: new data instead of retransmissions, if any can go: the
           peer's window has room and there is data beyond SND.MAX, or
           there may be (the application refills the send buffer this ACK
           just emptied after the ACK is processed; output sends it). */
        uint32_t data_end = c->buf_seq + (uint32_t)c->snd.len;
        uint32_t wnd_edge = c->snd_una + (uint32_t)c->snd_wnd;
        int more = l4_seq_lt(c->snd_max, data_end) || !c->fin_queued;
        if (!c->fin_sent && more && l4_seq_lt(c->snd_max, wnd_edge)) {
            c->frto = 2;
            c->frto_new = 2;
        } else {
            c->frto = 0;
        }
        return;
    }
    /* Step 3. */
    if (l4_seq_gt(c->snd_una, c->recover) || sack_above)
        c->frto = 0; /* 3 a: the new segments drew this ACK; the loss was real */
    else if (advanced || sack_new)
        frto_spurious(c, now); /* 3 b: data sent before the timeout, not resent, arrived */
    else
        c->frto = 0; /* 3 a: a duplicate ACK with no news */
}
