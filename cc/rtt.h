/*
 * cc/rtt.h — the RFC 6298 retransmission-timeout estimator.
 *
 *   first sample R:  SRTT = R, RTTVAR = R/2                      (§2.2)
 *   later samples:   RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|       (§2.3)
 *                    SRTT   = 7/8 SRTT + 1/8 R
 *   RTO = SRTT + max(G, 4*RTTVAR), at least min_rto (§2.4),
 *   at most max_rto (§2.5); before any sample RTO = initial (1 s, §2.1).
 *   Each expiry doubles RTO (back off, §5.5) up to max_rto; a new sample
 *   recomputes it from the estimates (ending the backoff).
 *
 * Karn's rule (no samples from retransmitted segments, §3) is the caller's
 * job. Times are nanoseconds.
 */
#ifndef L4_CC_RTT_H
#define L4_CC_RTT_H

#include "util/time.h"

typedef struct l4_rtt {
    l4_time srtt;
    l4_time rttvar;
    l4_time latest;  /* the last sample */
    l4_time min_rtt; /* the smallest sample seen */
    l4_time initial, min_rto, max_rto, granularity;
    unsigned backoff; /* expiries since the last sample */
    int has_sample;
} l4_rtt;

/** Starts an estimator with no samples. */
void l4_rtt_init(l4_rtt *r, l4_time initial_rto, l4_time min_rto, l4_time max_rto,
                 l4_time granularity);

/** Feeds one RTT measurement `sample` (ns) and clears the backoff. */
void l4_rtt_sample(l4_rtt *r, l4_time sample);

/** The current RTO including backoff, clamped to [min_rto, max_rto]. */
l4_time l4_rtt_rto(const l4_rtt *r);

/** The RTO without backoff (SRTT + max(G, 4 RTTVAR), clamped). */
l4_time l4_rtt_base_rto(const l4_rtt *r);

/** Doubles the RTO after a timer expiry (RFC 6298 §5.5). */
void l4_rtt_backoff(l4_rtt *r);

/** Forgets the samples (e.g. after repeated expiries); the backoff is kept. */
void l4_rtt_forget(l4_rtt *r);

#endif
