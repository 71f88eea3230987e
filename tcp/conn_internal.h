/*
 * tcp/conn_internal.h — the connection structure and the functions the
 * engine's files share (not installed; white-box tests may include it).
 *
 * Sequence variables follow RFC 9293 §3.3.1, plus snd_max (the highest
 * sequence number sent: snd_nxt is pulled back to snd_una by a timeout, for
 * go-back-N retransmission, while snd_max remembers how far we went).
 */
#ifndef L4_TCP_CONN_INTERNAL_H
#define L4_TCP_CONN_INTERNAL_H

#include "cc/cc.h"
#include "cc/pacer.h"
#include "cc/rtt.h"
#include "tcp/buf.h"
#include "tcp/conn.h"
#include "tcp/rack.h"
#include "tcp/ranges.h"
#include "tcp/rate.h"
#include "tcp/rexmit.h"
#include "tcp/seq.h"
#include "tcp/txlog.h"

/* Option bytes a timestamp takes in every segment (NOP NOP TS). */
#define L4_TCP_TS_LEN 12
/* RFC 9293 §3.7.1: the send MSS when the peer sends no MSS option (IPv4). */
#define L4_TCP_DEFAULT_MSS  536
#define L4_TCP_DEFAULT_MSS6 1220
#define L4_TCP_DUPTHRESH    3
/* RFC 7323 §5.5: TS.Recent older than 24 days is no longer trusted. */
#define L4_TCP_PAWS_IDLE (24ull * 24 * 3600 * L4_S)

struct l4_tcp_conn {
    l4_tcp_settings set;
    l4_tcp_callbacks cb;
    void *user;
    l4_tcp_state state;
    uint8_t used;    /* connect/listen was called once */
    uint8_t passive; /* came from LISTEN (RST in SYN_RECEIVED returns there) */
    l4_addr laddr, raddr;
    uint16_t lport, rport;

    /* Send sequence space. */
    uint32_t iss, snd_una, snd_nxt, snd_max;
    uint32_t snd_wl1, snd_wl2;
    uint64_t snd_wnd;     /* scaled */
    uint64_t max_snd_wnd; /* largest window the peer offered (sender SWS) */
    uint32_t buf_seq;     /* sequence number of the first byte in sndbuf */
    l4_tcp_sndbuf snd;
    uint32_t fin_seq;   /* valid when fin_queued */
    uint8_t fin_queued; /* the application shut down its sending side */
    uint8_t fin_sent;   /* a FIN has gone out (fin_seq consumed) */
    uint8_t app_closed; /* close(): the application reads no more */
    uint8_t nodelay;

    /* Receive sequence space. */
    uint32_t irs, rcv_nxt;
    uint32_t rcv_adv; /* right edge of the window last advertised */
    uint32_t last_ack_sent;
    l4_tcp_rcvbuf rcv;
    uint8_t fin_rcvd; /* the peer's FIN was processed (rcv_nxt counts it) */
    uint8_t ooo_fin;  /* a FIN arrived beyond a hole at ooo_fin_seq */
    uint32_t ooo_fin_seq;
    uint32_t rcv_up; /* urgent pointer (sequence just past urgent data) */
    uint8_t up_valid;

    /* Options negotiated. */
    uint16_t peer_mss;
    uint32_t smss; /* payload per full segment we send (peer MSS - TS option) */
    uint8_t snd_wscale, rcv_wscale, ws_ok, ts_ok, sack_ok;
    uint8_t ecn_ok;       /* RFC 3168 negotiated */
    uint8_t ece_pending;  /* receiver: echo ECE until the peer's CWR */
    uint8_t cwr_pending;  /* sender: set CWR on the next new data segment */
    uint32_t ecn_recover; /* sender: no second cwnd cut before this is acked */
    /* RFC 8257 §3.2 per-packet CE echo (the algorithm has L4_CC_F_ECN_BYTES):
       ece_pending follows the CE state of the last data segment; a state
       change first acknowledges the earlier data with the old state. */
    uint8_t ecn_bytes;
    uint8_t pre_ack_pending, pre_ack_ece;
    uint32_t pre_ack_seq;
    uint32_t ts_recent;
    l4_time ts_recent_age;
    uint32_t ts_offset;

    /* ACK generation. */
    uint8_t ack_now;
    uint32_t unacked_segs;                  /* full-sized segments received since our last ACK */
    uint32_t last_seg_left, last_seg_right; /* most recent out-of-order block (RFC 2018) */
    /* RFC 2883 D-SACK: duplicate data received, reported once as the first
       SACK block of the next segment. */
    uint8_t dsack_pending;
    uint32_t dsack_left, dsack_right;

    /* Control segments waiting for output. */
    uint8_t rst_pending;
    uint32_t rst_seq, rst_ack;
    uint8_t rst_flags;
    l4_addr rst_addr; /* where the RST goes (a listener answers any source) */
    uint16_t rst_port;
    uint8_t keep_probe_pending;
    uint8_t force_probe; /* persist timer: send one byte beyond the window */
    uint8_t rtx_one;     /* fast retransmit: send the segment at snd_una now */

    /* Retransmission and RTT. */
    l4_rtt rtt;
    uint8_t rtt_timing;
    uint32_t rtt_seq;
    l4_time rtt_start;
    uint32_t retries; /* consecutive RTO expiries */
    l4_cc *cc;
    l4_tcp_rate rate; /* delivery-rate samples (only for L4_CC_F_RATE) */
    l4_pacer pacer;   /* when the algorithm gives a pacing rate */
    l4_time pace_at;  /* output waits for the pacer until then */

    /* Loss recovery. */
    uint32_t dupacks;
    uint8_t in_recovery;
    uint8_t rto_recovery; /* go-back-N after a timeout until SND.UNA reaches recover */
    uint32_t recover;     /* RFC 6582 "recover" / RFC 6675 RecoveryPoint */
    uint64_t inflate;     /* NewReno window inflation (RFC 6582 §3.2) */
    l4_tcp_ranges sacked; /* scoreboard: SACKed ranges above snd_una */
    /* SACK only (sack.c, rack.c): the retransmissions in flight (RFC 6675's
       retransmitted bytes, one record per copy; tcp/rexmit.h), the bytes
       deemed lost (by RACK or a timeout; never SACKed ones), the bytes ever
       retransmitted (above SND.UNA, or the undo episode's start while one is
       open), when each first transmission left, and RACK's state. */
    l4_tcp_rexmits rexmits;
    uint8_t rexmit_nomem; /* a copy could not be recorded: NextSeg waits for the timer */
    l4_tcp_ranges lost;
    l4_tcp_ranges rtxd;
    l4_tcp_txlog tx;
    l4_tcp_rack rack;
    /* Tail loss probe (RFC 8985 §7): the PTO deadline is computed from
       tlp_base (the last new data sent or cumulative ACK); a probe is due
       (tlp_pending) or outstanding (tlp_active: TLP.end_seq, TLP.is_retrans). */
    l4_time tlp_base;
    uint8_t tlp_pending, tlp_active, tlp_is_retrans;
    uint32_t tlp_end;
    /* Spurious-retransmission undo (spurious.c, RFC 3708 with D-SACK, RFC
       5682 F-RTO): the episode's SND.UNA at its start, the segments it
       retransmitted and those not yet reported as duplicates. */
    uint8_t undo_valid;
    uint32_t undo_marker, undo_sent, undo_retrans;
    /* F-RTO (RFC 5682 §3): 1 = step 2 (wait for the first ACK after the
       timeout), 2 = step 3 (new data sent, wait for the next ACK). */
    uint8_t frto;
    uint8_t frto_new; /* new segments step 2 b may still send */
    /* Karn's rule for cumulative ACKs: an ACK that covers retransmitted
       data gives no RTT sample (rtx_high: end of the highest retransmission
       while SND.UNA is below it). */
    uint8_t rtx_high_valid;
    uint32_t rtx_high;

    /* Timers (L4_TIME_NONE when off); rack_at: RACK's reordering timer,
       tlp_at: the probe timeout (RFC 8985 §6.2, §7.2). */
    l4_time rto_at, persist_at, delack_at, keep_at, tw_at, fw2_at, rack_at, tlp_at;
    uint32_t persist_backoff;
    uint32_t keep_probes;
    l4_time last_rcv, keep_last;

    /* RFC 5961 §7 challenge-ACK rate limit. */
    l4_time chal_window_start;
    uint32_t chal_count;

    l4_tcp_info st; /* counters (the estimate fields are filled on demand) */
    uint8_t closed_cb_done;
    uint8_t reset_rcvd; /* closed by reset or abort: recv reports L4_ERR_STATE */
};

/* conn.c */
void l4_tcp_enter(l4_tcp_conn *c, l4_tcp_state s, l4_time now);
void l4_tcp_close_now(l4_tcp_conn *c, l4_tcp_close_reason why);
uint32_t l4_tcp_rcv_wnd(const l4_tcp_conn *c);
void l4_tcp_queue_rst(l4_tcp_conn *c, uint32_t seq, uint32_t ack, uint8_t flags);
int l4_tcp_challenge_ack(l4_tcp_conn *c, l4_time now);
uint32_t l4_tcp_isn(const l4_tcp_conn *c, l4_time now);
uint32_t l4_tcp_ts_now(const l4_tcp_conn *c, l4_time now);
/* The per-connection timestamp offset (a keyed hash of the ports). */
uint32_t l4_tcp_ts_offset(const uint8_t secret[16], uint16_t lport, uint16_t rport);
/* The window shift we offer with settings `s` (RFC 7323 §2.2). */
uint8_t l4_tcp_pick_wscale(const l4_tcp_settings *s);
void l4_tcp_set_smss(l4_tcp_conn *c);

/* input.c */
int l4_tcp_input_seg(l4_tcp_conn *c, const l4_addr *remote, const l4_tcp_hdr *seg, uint8_t ecn,
                     l4_time now);

/* output.c */
l4_ssize l4_tcp_output_seg(l4_tcp_conn *c, uint8_t *buf, size_t cap, uint8_t *ecn, l4_time now);

/* timer.c */
void l4_tcp_timers_update(l4_tcp_conn *c, l4_time now);
void l4_tcp_timers_run(l4_tcp_conn *c, l4_time now);
l4_time l4_tcp_timers_next(const l4_tcp_conn *c);

/* sack.c — the scoreboard: RFC 6675 pipe and NextSeg over the SACKed, lost
   and retransmitted ranges. */
uint64_t l4_tcp_sack_pipe(const l4_tcp_conn *c);
/* Next sequence to retransmit under RFC 6675 NextSeg rule 1 (lost, no copy in
   flight), with *len; 0 if none. */
int l4_tcp_sack_next_lost(const l4_tcp_conn *c, uint32_t *seq, uint32_t *len);
/* A retransmission of [seq, seq + len) left at `now` (SACK only): recorded
   (when even that allocation fails, NextSeg resends nothing until the next
   timeout, rather than the same bytes again and again). */
void l4_tcp_sack_sent_rexmit(l4_tcp_conn *c, uint32_t seq, uint32_t len, l4_time now);
/* New data [seq, end) left at `now` (SACK only: its send time for RACK). */
void l4_tcp_sack_sent_new(l4_tcp_conn *c, uint32_t end, l4_time now);
/* [a, b) was SACKed: it is no longer lost. */
void l4_tcp_sack_sacked(l4_tcp_conn *c, uint32_t a, uint32_t b);
/* Marks [a, b) lost, except SACKed bytes and bytes with a copy in flight;
   returns the bytes newly marked. */
uint64_t l4_tcp_sack_mark_lost(l4_tcp_conn *c, uint32_t a, uint32_t b);
/* After an ACK moved SND.UNA: forgets what lies below it. */
void l4_tcp_sack_trim(l4_tcp_conn *c);
/* After an ACK: drops the records of retransmissions now delivered. */
void l4_tcp_sack_drop_delivered(l4_tcp_conn *c);
/* Forgets everything above SND.UNA (back to LISTEN, reneging). */
void l4_tcp_sack_clear(l4_tcp_conn *c);

/* rack.c — RACK-TLP loss detection (RFC 8985), SACK connections. */
/* One ACK's deliveries: rack_ack_begin, then rack_delivered for every
   stretch newly SACKed or cumulatively acknowledged (before the scoreboard
   changes), then rack_ack_end. */
typedef struct l4_tcp_rack_ack {
    l4_time best_sent; /* the most recently sent valid delivery (RFC 8985 §6.2 step 2) */
    uint32_t best_end;
    uint8_t best_valid;
    uint8_t has_ts; /* the ACK carried TSecr (RFC 8985 §6.2: ambiguity check) */
    uint32_t ts_ecr;
    uint32_t high; /* highest sequence delivered by this ACK */
    uint8_t high_valid;
} l4_tcp_rack_ack;
void l4_tcp_rack_ack_begin(const l4_tcp_conn *c, const l4_tcp_hdr *seg, l4_tcp_rack_ack *a);
void l4_tcp_rack_delivered(l4_tcp_conn *c, l4_tcp_rack_ack *a, uint32_t left, uint32_t right,
                           l4_time now);
void l4_tcp_rack_ack_end(l4_tcp_conn *c, const l4_tcp_rack_ack *a, int dsack, l4_time now);
/* RACK_detect_loss (§6.2 step 5): marks what is lost, arms or stops the
   reordering timer; returns the bytes newly marked lost. */
uint64_t l4_tcp_rack_detect(l4_tcp_conn *c, l4_time now);
/* The current reordering window (§6.2 step 4). */
l4_time l4_tcp_rack_reo_wnd(const l4_tcp_conn *c);
/* A loss recovery ended (step 4: reo_wnd_persist). */
void l4_tcp_rack_recovery_ended(l4_tcp_conn *c);
/* At a retransmission timeout (§6.3): the first outstanding segment is lost,
   the others when they were sent at least RACK.rtt + reo_wnd ago. */
void l4_tcp_rack_on_rto(l4_tcp_conn *c, l4_time now);
/* Loss found (by RACK, its timer, or a probe): enter fast recovery when
   allowed (not in a recovery, SND.UNA at or past `recover`). */
void l4_tcp_rack_maybe_recover(l4_tcp_conn *c, l4_time now);
/* TLP: the probe timeout to arm now, or L4_TIME_NONE (§7.2). */
l4_time l4_tcp_tlp_deadline(const l4_tcp_conn *c);
/* TLP_process_ack (§7.4.2); `dsack_l/r` the ACK's D-SACK block (dsack 0: none). */
void l4_tcp_tlp_on_ack(l4_tcp_conn *c, const l4_tcp_hdr *seg, uint32_t prior_una, int dsack,
                       uint32_t dsack_l, uint32_t dsack_r, l4_time now);
/* A probe left [seq, end) (§7.3). */
void l4_tcp_tlp_sent(l4_tcp_conn *c, uint32_t end, int retrans, l4_time now);

/* Entering fast recovery (input.c): one congestion event. */
void l4_tcp_enter_recovery(l4_tcp_conn *c, l4_time now);

/* spurious.c — D-SACK at the sender (RFC 2883 §4, RFC 3708) and F-RTO
   (RFC 5682 §3). */
/* A loss episode (fast recovery or timeout) began: undo bookkeeping. */
void l4_tcp_undo_start(l4_tcp_conn *c);
/* A retransmission of `len` bytes left while an episode is open. */
void l4_tcp_undo_sent(l4_tcp_conn *c, uint32_t len);
/* The ACK's first SACK block [l, r) is a D-SACK: counts it, matches it to
   the episode's retransmissions. */
void l4_tcp_dsack_received(l4_tcp_conn *c, uint32_t l, uint32_t r);
/* After an ACK: undo when every retransmission of a finished episode was
   reported as a duplicate (RFC 3708 §3). */
void l4_tcp_undo_check(l4_tcp_conn *c, l4_time now);
/* F-RTO: the timeout of this episode starts step 1 when allowed. */
void l4_tcp_frto_on_rto(l4_tcp_conn *c);
/* F-RTO steps 2 and 3 for an ACK that advanced SND.UNA by `acked` or
   brought new SACK information (`sack_new`; `sack_above` when some lies at
   or above `recover`). */
void l4_tcp_frto_on_ack(l4_tcp_conn *c, uint32_t prior_una, int sack_new, int sack_above,
                        l4_time now);

/* ECN wanted: by the settings or by the congestion-control algorithm. */
static inline int l4_tcp_ecn_wanted(const l4_tcp_conn *c)
{
    return c->set.ecn || (l4_cc_flags(c->cc) & L4_CC_F_ECN);
}

/* Bytes of data + FIN in flight for window accounting. */
uint64_t l4_tcp_in_flight(const l4_tcp_conn *c);

#endif
