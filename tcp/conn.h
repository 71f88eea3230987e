/*
 * tcp/conn.h — one TCP connection as a sans-IO engine (RFC 9293).
 *
 * The engine never touches a socket or a clock. The caller
 *   - feeds each received segment, already parsed and checksum-verified with
 *     wire/tcp.h, to l4_tcp_conn_input (or _input_from for a listener);
 *   - calls l4_tcp_conn_output until it returns 0 and sends what it wrote;
 *   - calls l4_tcp_conn_handle_timeout at l4_tcp_conn_next_timeout;
 *   - moves application bytes with l4_tcp_conn_send / l4_tcp_conn_recv.
 * After any input, timeout or application call, output may have something
 * new to send. Times are l4_time nanoseconds.
 *
 * Callbacks report events. They run inside the engine call that caused them
 * and must not call back into the same connection (no re-entry); in
 * particular they must not delete it. Record the event and act afterwards.
 *
 * Implemented: the eleven states of RFC 9293 §3.3.2 with simultaneous open
 * and close, half-close, RST rules of §3.10.7, RFC 5961 challenge ACKs (rate
 * limited), RFC 6528 ISNs, MSS / window scale / timestamps + PAWS / SACK,
 * RFC 6298 retransmission with Karn's rule and backoff, NewReno (RFC 6582)
 * or SACK-based recovery (RFC 6675), delayed ACKs, Nagle, receiver and
 * sender SWS avoidance, zero-window probing, keepalive, TIME_WAIT and
 * FIN_WAIT_2 timers, urgent pointer reporting, classic ECN (RFC 3168, off by
 * default), SYN cookies (tcp/syncookie.h), segmentation offload (tso_max).
 * RACK-TLP loss detection (RFC 8985), D-SACK (RFC 2883) and F-RTO (RFC 5682)
 * with undo on SACK connections, RFC 1337 TIME_WAIT protection.
 * Not implemented: PMTUD, TFO, accurate ECN.
 */
#ifndef L4_TCP_CONN_H
#define L4_TCP_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/time.h"
#include "wire/addr.h"
#include "wire/tcp.h"

/** Connection states (RFC 9293 §3.3.2). */
typedef enum l4_tcp_state {
    L4_TCP_CLOSED = 0,
    L4_TCP_LISTEN,
    L4_TCP_SYN_SENT,
    L4_TCP_SYN_RECEIVED,
    L4_TCP_ESTABLISHED,
    L4_TCP_FIN_WAIT_1,
    L4_TCP_FIN_WAIT_2,
    L4_TCP_CLOSE_WAIT,
    L4_TCP_CLOSING,
    L4_TCP_LAST_ACK,
    L4_TCP_TIME_WAIT,
} l4_tcp_state;

/** Why a connection reached CLOSED (the `closed` callback's argument). */
typedef enum l4_tcp_close_reason {
    L4_TCP_CLOSE_NORMAL = 0, /* both FINs exchanged (or closed before connecting) */
    L4_TCP_CLOSE_RESET,      /* the peer sent an acceptable RST (incl. "refused") */
    L4_TCP_CLOSE_TIMEOUT,    /* retransmissions, keepalive or FIN_WAIT_2 timed out */
    L4_TCP_CLOSE_ABORTED,    /* l4_tcp_conn_abort, or close with unread / late data */
} l4_tcp_close_reason;

/** Tunables; start from l4_tcp_settings_default(). */
typedef struct l4_tcp_settings {
    uint16_t mss;         /* MSS we advertise (bytes of payload); default 1460 */
    uint32_t sndbuf;      /* send buffer bytes; default 256 KiB */
    uint32_t rcvbuf;      /* receive buffer bytes (max 1 GiB); default 256 KiB */
    int8_t wscale;        /* -1: smallest shift that covers rcvbuf; else 0..14 */
    uint8_t window_scale; /* offer RFC 7323 window scaling; default 1 */
    uint8_t timestamps;   /* offer RFC 7323 timestamps; default 1 */
    uint8_t sack;         /* offer SACK-permitted (RFC 2018); default 1 */
    uint8_t nodelay;      /* 1 disables Nagle's algorithm; default 0 */
    l4_time delack;       /* delayed-ACK time; default 40 ms */
    l4_time initial_rto;  /* default 1 s (RFC 6298 §2.1) */
    l4_time min_rto;      /* default 200 ms; bounds 4 RTTVAR (RTO >= SRTT + min_rto, cc/rtt.h) */
    l4_time max_rto;      /* default 120 s */
    l4_time clock_granularity;    /* G of RFC 6298; default 1 ms */
    l4_time msl;                  /* TIME_WAIT lasts 2*msl; default msl 30 s */
    l4_time fin_wait2_timeout;    /* after close(), FIN_WAIT_2 ends after this; default 60 s */
    uint8_t keepalive;            /* default 0 (off) */
    l4_time keep_idle;            /* default 2 h */
    l4_time keep_intvl;           /* default 75 s */
    uint32_t keep_cnt;            /* unanswered probes before closing; default 9 */
    uint32_t max_retries;         /* RTO expiries of the same data before closing; default 15 */
    uint32_t syn_retries;         /* SYN / SYN-ACK retransmissions; default 6 */
    uint32_t challenge_ack_limit; /* RFC 5961 §7: challenge ACKs per second; default 10 */
    uint8_t ecn;                  /* negotiate ECN (RFC 3168); default 0 (off) */
    /* RFC 1337 TIME_WAIT assassination protection ("TW1"): a RST received in
       TIME_WAIT is ignored and the 2 MSL wait runs to its end, as Linux's
       net.ipv4.tcp_rfc1337 = 1. Default 1: a RST cannot then end TIME_WAIT
       early and let an old duplicate of this connection's data be accepted
       by a new incarnation of the same 4-tuple (RFC 1337 hazards H1-H3); a
       peer never needs to reset a connection that is already closed on both
       sides. 0: RFC 9293 §3.10.7.4, an acceptable RST closes it at once. */
    uint8_t rfc1337;
    /* RFC 8985 §7 tail loss probes (SACK connections); default 1. */
    uint8_t tlp;
    /* TLP.max_ack_delay: added to the probe timeout when one segment is in
       flight (the peer may delay its ACK that long); default 200 ms. */
    l4_time tlp_max_ack_delay;
    /* RFC 5682 §3 SACK-enhanced F-RTO after a first timeout, with the cwnd
       collapse undone when the timeout was spurious; default 1. */
    uint8_t frto;
    /* Report duplicate segments in the first SACK block (RFC 2883 D-SACK,
       SACK connections); default 1. */
    uint8_t dsack;
    /* TCP segmentation offload: 0 or 1 (default) sends one MSS per segment;
       N > 1 lets new data leave as one segment of up to N full segments
       (bounded by the output buffer and a 64 KB IP packet), for a device
       that cuts it into l4_tcp_conn_gso_size pieces. Retransmissions stay
       one MSS each. */
    uint16_t tso_max;
    const char *cc;         /* congestion control name (cc/cc.h); default "reno" */
    uint8_t isn_secret[16]; /* RFC 6528 key; set it from a seeded l4_rng */
    uint8_t force_isn;      /* test hook: use `isn` as the ISN */
    uint32_t isn;
} l4_tcp_settings;

typedef struct l4_tcp_conn l4_tcp_conn;

/** Event callbacks; any may be NULL. `user` is the pointer given to l4_tcp_conn_new. */
typedef struct l4_tcp_callbacks {
    void (*established)(l4_tcp_conn *c, void *user);
    void (*readable)(l4_tcp_conn *c, void *user); /* new in-order bytes to recv */
    void (*writable)(l4_tcp_conn *c, void *user); /* send-buffer space was freed */
    void (*peer_fin)(l4_tcp_conn *c, void *user); /* the peer's FIN arrived in order */
    void (*closed)(l4_tcp_conn *c, void *user, l4_tcp_close_reason why);
    /* The urgent pointer moved: `offset` is the stream offset (bytes since the
       first data byte) just past the urgent data (RFC 9293 §3.8.5). */
    void (*urgent)(l4_tcp_conn *c, void *user, uint64_t offset);
} l4_tcp_callbacks;

/** The timer behind a connection's next deadline (l4_tcp_info.timer). */
typedef enum l4_tcp_timer {
    L4_TCP_TIMER_NONE = 0,
    L4_TCP_TIMER_RTO,        /* retransmission of SYN, data or FIN (RFC 6298) */
    L4_TCP_TIMER_PERSIST,    /* zero-window probe / sender-SWS override (RFC 9293 §3.8.6) */
    L4_TCP_TIMER_DELACK,     /* delayed ACK (RFC 5681 §4.2) */
    L4_TCP_TIMER_KEEPALIVE,  /* RFC 9293 §3.8.4 */
    L4_TCP_TIMER_TIMEWAIT,   /* 2 MSL */
    L4_TCP_TIMER_FIN_WAIT_2, /* FIN_WAIT_2 after close() */
    L4_TCP_TIMER_PACING,     /* the pacer releases the next segment */
    L4_TCP_TIMER_REORDER,    /* RACK reordering timer (RFC 8985 §6.2) */
    L4_TCP_TIMER_PROBE,      /* tail loss probe timeout (RFC 8985 §7.2) */
} l4_tcp_timer;

/**
 * The name `ss -o` gives a timer ("on" for retransmission, RACK's
 * reordering timer and the loss probe, "persist", "keepalive",
 * "timewait"), and "delack", "fin_wait_2", "pacing" for the ones it does
 * not show; "-" for none or an unknown value. Never NULL.
 */
const char *l4_tcp_timer_name(l4_tcp_timer t);

/** Counters and estimates for `ss`-style views and CSV traces. */
typedef struct l4_tcp_info {
    l4_tcp_state state;
    uint32_t iss, irs;
    uint32_t snd_una, snd_nxt, snd_max, rcv_nxt;
    uint64_t snd_wnd; /* peer's window, scaled, bytes */
    uint64_t rcv_wnd; /* window we advertise, bytes */
    uint64_t cwnd, ssthresh;
    uint64_t in_flight; /* bytes sent and not acked (pipe during SACK recovery) */
    l4_time srtt, rttvar, rto;
    uint32_t mss; /* payload bytes per full segment we send */
    uint8_t snd_wscale, rcv_wscale, ts_ok, sack_ok;
    uint8_t in_recovery;
    uint8_t ecn_ok; /* ECN negotiated */
    uint64_t segs_in, segs_out;
    uint64_t bytes_sent;    /* payload bytes sent the first time */
    uint64_t bytes_retrans; /* payload bytes sent again */
    uint64_t bytes_acked, bytes_received;
    uint64_t retransmits; /* segments retransmitted (any cause) */
    uint64_t rto_expiries, fast_retransmits, dup_acks;
    uint64_t ooo_segs, dropped_segs, challenge_acks, paws_drops;
    uint64_t rst_sent, rst_received, keepalive_probes, window_probes;
    uint64_t ce_received, ecn_reductions; /* CE-marked segments in; cwnd cuts on ECE */
    uint64_t lost_retransmits;            /* retransmissions found lost by SACK and sent again */
    /* RACK-TLP (RFC 8985), D-SACK (RFC 2883), F-RTO (RFC 5682), SACK only: */
    uint64_t tlp_probes;           /* loss probes sent */
    uint64_t tlp_recoveries;       /* probes that repaired a loss (one cwnd cut each) */
    uint64_t rack_timeouts;        /* reordering-timer expiries */
    uint64_t dsacks_received;      /* ACKs with a D-SACK block */
    uint64_t spurious_retransmits; /* retransmitted segments the peer reported as duplicates */
    uint64_t spurious_rtos;        /* timeouts F-RTO found spurious */
    uint64_t undos;                /* congestion responses undone (F-RTO or D-SACK) */
    uint8_t reordering_seen;       /* RACK saw the network reorder segments */
    l4_time reo_wnd;               /* RACK's reordering window now */
    /* The next deadline (what l4_tcp_conn_next_timeout returns), the timer it
       belongs to (the first of RTO, persist, delayed ACK, keepalive, TIME_WAIT,
       FIN_WAIT_2, pacing when several fall at once), and that timer's count
       as `ss -o` shows it: RTO expiries in a row, window probes (persist
       backoff), unanswered keepalive probes; 0 for the others. */
    l4_tcp_timer timer;
    l4_time timer_at; /* L4_TIME_NONE with L4_TCP_TIMER_NONE */
    uint32_t timer_count;
} l4_tcp_info;

/** Fills `s` with the defaults documented in l4_tcp_settings (secret all zero). */
void l4_tcp_settings_default(l4_tcp_settings *s);

/**
 * Creates a CLOSED connection with a copy of `settings` (NULL: defaults) and
 * `cb` (NULL: none). Its send and receive buffers (sndbuf / rcvbuf bytes) are
 * allocated when first needed. The caller owns
 * `*pconn` and frees it with l4_tcp_conn_del.
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL pconn; mss < 64; a buffer < mss or
 * rcvbuf > 1 GiB; wscale > 14), L4_ERR_NOT_FOUND (unknown cc), L4_ERR_NOMEM.
 */
int l4_tcp_conn_new(l4_tcp_conn **pconn, const l4_tcp_settings *settings,
                    const l4_tcp_callbacks *cb, void *user);

/** Frees the connection and its buffers (NULL is ignored). Sends nothing. */
void l4_tcp_conn_del(l4_tcp_conn *c);

/**
 * Active open: binds the 4-tuple, picks the ISN (RFC 6528) and moves to
 * SYN_SENT; output then writes the SYN. Errors: L4_ERR_STATE (not CLOSED or
 * used before), L4_ERR_INVALID_ARGUMENT (NULL or mixed address families).
 */
int l4_tcp_conn_connect(l4_tcp_conn *c, const l4_addr *local, uint16_t lport, const l4_addr *remote,
                        uint16_t rport, l4_time now);

/**
 * Passive open: LISTEN on `local`:`lport`. The first SYN fed with
 * l4_tcp_conn_input_from binds the remote end and moves to SYN_RECEIVED.
 * Errors: L4_ERR_STATE (not a fresh CLOSED connection), L4_ERR_INVALID_ARGUMENT.
 */
int l4_tcp_conn_listen(l4_tcp_conn *c, const l4_addr *local, uint16_t lport, l4_time now);

/**
 * Processes one received segment (`seg` borrowed for the call; its payload is
 * copied). `ecn` is the IP header's ECN codepoint (L4_ECN_*): with ECN
 * negotiated, a CE mark is echoed with ECE until the peer answers CWR.
 * Segments whose ports do not match the bound ones are rejected.
 * Returns 0 (including for segments the rules say to drop).
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL, wrong ports), L4_ERR_STATE (LISTEN
 * without a remote address: use _input_from).
 */
int l4_tcp_conn_input(l4_tcp_conn *c, const l4_tcp_hdr *seg, uint8_t ecn, l4_time now);

/**
 * Like l4_tcp_conn_input; `remote` is the segment's source address, used
 * when a LISTEN connection accepts a SYN (ignored in other states).
 */
int l4_tcp_conn_input_from(l4_tcp_conn *c, const l4_addr *remote, const l4_tcp_hdr *seg,
                           uint8_t ecn, l4_time now);

/**
 * Writes the next segment to send (TCP header + options + payload, checksum
 * over the IPv4/IPv6 pseudo-header of the bound addresses) into `buf`
 * (owned by the caller) and sets `*ecn` to the codepoint for the IP header
 * (ECT(0) on new data when ECN was negotiated, else Not-ECT; RFC 3168 §6.1).
 * Returns its length, or 0 when nothing is due now; call until 0.
 * Errors: L4_ERR_NOBUF (`cap` below the header with options; nothing is
 * consumed), L4_ERR_INVALID_ARGUMENT (NULL).
 */
l4_ssize l4_tcp_conn_output(l4_tcp_conn *c, uint8_t *buf, size_t cap, uint8_t *ecn, l4_time now);

/** The earliest timer deadline, or L4_TIME_NONE. */
l4_time l4_tcp_conn_next_timeout(const l4_tcp_conn *c);

/** Runs every timer due at `now` (RTO, persist, delayed ACK, keepalive, TIME_WAIT, FIN_WAIT_2).
 * Returns 0. */
int l4_tcp_conn_handle_timeout(l4_tcp_conn *c, l4_time now);

/**
 * Copies up to `len` bytes of `data` into the send buffer. Returns the number
 * accepted (> 0). Allowed in SYN_SENT, SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT.
 * Errors: L4_ERR_AGAIN (buffer full, or len 0), L4_ERR_STATE (other states,
 * or after shutdown/close), L4_ERR_NOMEM (the send buffer could not be
 * allocated on first use).
 */
l4_ssize l4_tcp_conn_send(l4_tcp_conn *c, const void *data, size_t len, l4_time now);

/**
 * Copies up to `cap` in-order received bytes into `buf`. Returns the count,
 * 0 at end of stream (the peer's FIN consumed and nothing left).
 * Errors: L4_ERR_AGAIN (nothing yet), L4_ERR_STATE (never connected, or
 * closed by reset/abort).
 */
l4_ssize l4_tcp_conn_recv(l4_tcp_conn *c, void *buf, size_t cap, l4_time now);

/**
 * Half-close: a FIN follows the queued data (ESTABLISHED → FIN_WAIT_1,
 * CLOSE_WAIT → LAST_ACK; SYN_RECEIVED sends it once established; LISTEN and
 * SYN_SENT go to CLOSED). Receiving continues. Returns 0; L4_ERR_STATE when
 * already shut down or closed.
 */
int l4_tcp_conn_shutdown(l4_tcp_conn *c, l4_time now);

/**
 * Full close: shutdown, and the application reads no more. Unread received
 * data, or data arriving later, aborts with RST (RFC 1122 §4.2.2.13).
 * FIN_WAIT_2 is then bounded by fin_wait2_timeout. Returns 0 or L4_ERR_STATE.
 */
int l4_tcp_conn_close(l4_tcp_conn *c, l4_time now);

/** Abort: a RST if synchronized, then CLOSED (reason ABORTED). Returns 0 or L4_ERR_STATE (already
 * CLOSED). */
int l4_tcp_conn_abort(l4_tcp_conn *c, l4_time now);

l4_tcp_state l4_tcp_conn_state(const l4_tcp_conn *c);

/** "ESTABLISHED", ... ("?" for an unknown value). Never NULL. */
const char *l4_tcp_state_name(l4_tcp_state s);

/** Fills `*info` from the connection. */
void l4_tcp_conn_get_info(const l4_tcp_conn *c, l4_tcp_info *info);

/** Bytes queued to send (unacknowledged + unsent) and bytes readable. */
size_t l4_tcp_conn_send_queued(const l4_tcp_conn *c);
size_t l4_tcp_conn_recv_ready(const l4_tcp_conn *c);

/**
 * The payload bytes of each wire segment for a segment written by
 * l4_tcp_conn_output with a `tcp_hdr_len`-byte TCP header: the send MSS
 * less the options each copy of that header carries. A segment with more
 * payload (settings.tso_max > 1) is to be cut into pieces of this size (the
 * gso_size of wire/vnet.h).
 */
uint32_t l4_tcp_conn_gso_size(const l4_tcp_conn *c, size_t tcp_hdr_len);

/** Turns Nagle off (1) or on (0) at any time, like TCP_NODELAY. */
void l4_tcp_conn_set_nodelay(l4_tcp_conn *c, int on);

/**
 * Bytes of memory the connection holds: the structure, its congestion
 * control state and whichever buffers are allocated (each ring is allocated
 * at its first use and kept until l4_tcp_conn_del).
 */
size_t l4_tcp_conn_footprint(const l4_tcp_conn *c);

#endif
