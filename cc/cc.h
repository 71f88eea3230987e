/*
 * cc/cc.h — the congestion-control interface shared by TCP and QUIC.
 *
 * An algorithm is an ops table plus a block of private state whose size the
 * table declares. It sees only the events and samples below (bytes acked,
 * an RTT sample, bytes in flight, congestion events, ECN-CE, app-limited
 * periods), never the connection. All byte counts are octets; times are
 * l4_time nanoseconds.
 *
 * The caller (the transport) decides what counts as a congestion event: one
 * per loss episode (fast retransmit / SACK recovery entry, RFC 5681 §3.2,
 * RFC 6675 §5), a retransmission timeout, or an ECN-CE echo. During loss
 * recovery the transport does not report on_ack (RFC 5681 §3.2 step 6 sets
 * cwnd to ssthresh on exit), so algorithms need not track recovery.
 *
 * Adding an algorithm: one file defining a `const l4_cc_ops` and one line in
 * cc/registry.c.
 */
#ifndef L4_CC_CC_H
#define L4_CC_CC_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

/** One acknowledgement as the algorithm sees it. */
typedef struct l4_cc_ack {
    uint64_t bytes_acked; /* newly acknowledged (cumulatively or by SACK) */
    l4_time rtt;          /* an RTT sample taken on this ACK, or 0 for none */
    uint64_t in_flight;   /* bytes in flight before this ACK was applied */
    l4_time now;
    /*
     * Optional fields (a transport that does not fill them leaves them 0,
     * which means "no information"):
     *
     * A delivery-rate sample (draft-cheng-iccrg-delivery-rate-estimation
     * §3.3): `delivered` counts every byte delivered on the connection so far
     * including this ACK; `prior_delivered` is what `delivered` was when the
     * most recently sent of the newly acknowledged packets was sent (a round
     * trip ends when it reaches the `delivered` of the round's start);
     * `delivery_rate` is bytes per second over `rate_interval`, 0 for no
     * sample; `app_limited` says the sample was taken while the sender was
     * application-limited (it may under-estimate the path).
     */
    uint64_t delivered;
    uint64_t prior_delivered;
    uint64_t delivery_rate;
    l4_time rate_interval;
    uint8_t app_limited;
    /* Of bytes_acked, how many the receiver reported as CE-marked (per-packet
       echo, RFC 8257 §3.2; QUIC ECN counts); only for L4_CC_F_ECN_BYTES. */
    uint64_t ce_bytes;
} l4_cc_ack;

/* l4_cc_ops.flags: what the algorithm asks of the transport. */
/* Negotiate ECN and mark data ECT; the algorithm wants CE feedback. */
#define L4_CC_F_ECN 0x1u
/* Per-packet CE echo (RFC 8257 §3.2): report marked bytes in
   l4_cc_ack.ce_bytes instead of calling on_ecn_ce once per window. */
#define L4_CC_F_ECN_BYTES 0x2u
/* Keep calling on_ack during loss recovery (model-based algorithms). */
#define L4_CC_F_ACK_IN_RECOVERY 0x4u
/* Fill the delivery-rate fields of l4_cc_ack (costs the transport a ring of
   per-segment records). */
#define L4_CC_F_RATE 0x8u

typedef struct l4_cc_ops {
    const char *name;
    size_t state_size;
    /* (Re)starts the algorithm for `mss`-byte segments with a window of
       `iw` bytes (the transport's initial-window rule, see l4_cc_params). */
    void (*reset)(void *st, uint32_t mss, uint64_t iw, l4_time now);
    /* The sender's maximum segment size changed (e.g. after the handshake):
       before any ACK or congestion event the window becomes `iw`, the
       initial window for the new size, else it keeps its number of segments. */
    void (*set_mss)(void *st, uint32_t mss, uint64_t iw);
    void (*on_ack)(void *st, const l4_cc_ack *ack);
    /* A loss episode began (fast retransmit or recovery entry). */
    void (*on_congestion_event)(void *st, uint64_t in_flight, l4_time now);
    /* The retransmission timer expired for the first time on this data. */
    void (*on_rto)(void *st, uint64_t in_flight, l4_time now);
    /* The peer echoed Congestion Experienced (treated as a loss by Reno, RFC 3168 §6.1.2). */
    void (*on_ecn_ce)(void *st, uint64_t in_flight, l4_time now);
    /* The sender ran out of data before filling cwnd. */
    void (*on_app_limited)(void *st, l4_time now);
    uint64_t (*cwnd)(const void *st);
    uint64_t (*ssthresh)(const void *st);
    /* Pacing rate in bytes per second; 0 means "do not pace". */
    uint64_t (*pacing_rate)(const void *st);
    /* L4_CC_F_* bits; 0 for a classic loss-based algorithm. */
    uint32_t flags;
    /* Optional (may be NULL): a loss episode ended: the ACK that ends a fast
       recovery, or the one that covers what was outstanding at a timeout. */
    void (*on_recovery_end)(void *st, l4_time now);
    /* Optional: before any data is sent, the window becomes `bytes` (TCP:
       one segment after a lost SYN or SYN-ACK, RFC 5681 §3.1); ssthresh
       and everything else stay as reset left them. */
    void (*set_initial_window)(void *st, uint64_t bytes);
    /* Optional: the last congestion response (on_congestion_event or
       on_rto) answered a loss that did not happen (a spurious timeout found
       by F-RTO, RFC 5682; retransmissions all reported as duplicates by
       D-SACK, RFC 3708): the window and threshold go back to at least what
       they were just before it (cwnd = max(cwnd, prior), ssthresh likewise;
       RFC 4015 §3 restores the pre-timeout state the same way, Linux's
       tcp_undo_cwnd_reduction too). Called at most once per response. */
    void (*on_undo)(void *st, l4_time now);
} l4_cc_ops;

/** A transport's initial-window rule: the window in bytes for `mss`-byte segments. */
typedef uint64_t (*l4_cc_iw_fn)(uint32_t mss);

/**
 * TCP's initial window in bytes for `mss`-byte segments (RFC 5681 §3.1, from
 * RFC 3390): 2 segments above 2190 bytes, 3 above 1095, else 4. An
 * algorithm still at its initial window when set_mss learns the segment
 * size (TCP's SYN-ACK) recomputes it; later it keeps the window in segments.
 */
static inline uint64_t l4_cc_initial_window(uint32_t mss)
{
    uint64_t m = mss;
    return m > 2190 ? 2 * m : m > 1095 ? 3 * m : 4 * m;
}

/**
 * QUIC's initial window in bytes for `max_datagram`-byte datagrams (RFC 9002
 * §7.2): min(10 * max_datagram, max(14720, 2 * max_datagram)), i.e. 10
 * datagrams up to 1472 bytes (12,000 B for 1200, 14,520 B for 1452).
 */
static inline uint64_t l4_cc_initial_window_quic(uint32_t max_datagram)
{
    uint64_t m = max_datagram;
    uint64_t hi = 2 * m > 14720 ? 2 * m : 14720;
    return 10 * m < hi ? 10 * m : hi;
}

/** How a transport creates an instance (l4_cc_new_params); start from zero. */
typedef struct l4_cc_params {
    uint32_t mss; /* segment (QUIC: datagram) size in bytes; not 0 */
    /* The initial-window rule, used at every reset and by set_mss while the
       window is still the initial one; NULL: TCP's, l4_cc_initial_window. */
    l4_cc_iw_fn initial_window;
} l4_cc_params;

/** An instance: its ops, its state (allocated together by l4_cc_new) and its IW rule. */
typedef struct l4_cc {
    const l4_cc_ops *ops;
    void *state;
    l4_cc_iw_fn iw;
} l4_cc;

/** The algorithm registered under `name` ("reno"), or NULL. */
const l4_cc_ops *l4_cc_find(const char *name);

/** The name of the i-th registered algorithm, or NULL past the end. */
const char *l4_cc_name_at(size_t i);

/**
 * Allocates an instance of algorithm `name` for `p->mss`-byte segments with
 * the initial-window rule `p->initial_window` and resets it at `now`. The
 * caller owns `*pcc` and frees it with l4_cc_del. Errors: L4_ERR_NOT_FOUND
 * (no such algorithm), L4_ERR_INVALID_ARGUMENT (NULL pcc/name/p or mss 0),
 * L4_ERR_NOMEM.
 */
int l4_cc_new_params(l4_cc **pcc, const char *name, const l4_cc_params *p, l4_time now);

/**
 * l4_cc_new_params with TCP's initial window (RFC 5681 §3.1) for
 * `mss`-byte segments. Errors as l4_cc_new_params.
 */
int l4_cc_new(l4_cc **pcc, const char *name, uint32_t mss, l4_time now);

/** Frees an instance from l4_cc_new (NULL is ignored). */
void l4_cc_del(l4_cc *cc);

/* Thin dispatchers, so callers read as sentences. */
static inline void l4_cc_on_ack(l4_cc *cc, const l4_cc_ack *a)
{
    cc->ops->on_ack(cc->state, a);
}
static inline void l4_cc_on_congestion_event(l4_cc *cc, uint64_t in_flight, l4_time now)
{
    cc->ops->on_congestion_event(cc->state, in_flight, now);
}
static inline void l4_cc_on_rto(l4_cc *cc, uint64_t in_flight, l4_time now)
{
    cc->ops->on_rto(cc->state, in_flight, now);
}
static inline void l4_cc_on_ecn_ce(l4_cc *cc, uint64_t in_flight, l4_time now)
{
    cc->ops->on_ecn_ce(cc->state, in_flight, now);
}
static inline void l4_cc_on_app_limited(l4_cc *cc, l4_time now)
{
    cc->ops->on_app_limited(cc->state, now);
}
/* The instance's initial window for `mss`-byte segments. */
static inline uint64_t l4_cc_iw(const l4_cc *cc, uint32_t mss)
{
    return cc->iw ? cc->iw(mss) : l4_cc_initial_window(mss);
}
static inline void l4_cc_set_mss(l4_cc *cc, uint32_t mss)
{
    cc->ops->set_mss(cc->state, mss, l4_cc_iw(cc, mss));
}
static inline void l4_cc_reset(l4_cc *cc, uint32_t mss, l4_time now)
{
    cc->ops->reset(cc->state, mss, l4_cc_iw(cc, mss), now);
}
static inline uint64_t l4_cc_cwnd(const l4_cc *cc)
{
    return cc->ops->cwnd(cc->state);
}
static inline uint64_t l4_cc_ssthresh(const l4_cc *cc)
{
    return cc->ops->ssthresh(cc->state);
}
static inline uint64_t l4_cc_pacing_rate(const l4_cc *cc)
{
    return cc->ops->pacing_rate ? cc->ops->pacing_rate(cc->state) : 0;
}
static inline uint32_t l4_cc_flags(const l4_cc *cc)
{
    return cc->ops->flags;
}
static inline void l4_cc_on_recovery_end(l4_cc *cc, l4_time now)
{
    if (cc->ops->on_recovery_end)
        cc->ops->on_recovery_end(cc->state, now);
}
static inline void l4_cc_set_initial_window(l4_cc *cc, uint64_t bytes)
{
    if (cc->ops->set_initial_window)
        cc->ops->set_initial_window(cc->state, bytes);
}
/* Returns 1 when the algorithm can undo (has on_undo), after undoing. */
static inline int l4_cc_on_undo(l4_cc *cc, l4_time now)
{
    if (!cc->ops->on_undo)
        return 0;
    cc->ops->on_undo(cc->state, now);
    return 1;
}

#endif
