/*
 * cc/rtt.h — the RFC 6298 retransmission-timeout estimator.
 *
 *   first sample R:  SRTT = R, RTTVAR = R/2                      (§2.2)
 *   later samples:   RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|       (§2.3)
 *                    SRTT   = 7/8 SRTT + 1/8 R
 *   RTO = SRTT + max(G, 4*RTTVAR, min_rto), at most max_rto (§2.5);
 *   before any sample RTO = initial (1 s, §2.1).
 *
 * min_rto bounds the variance term, as Linux does (tcp_rtt_estimator keeps
 * its rttvar at least tcp_rto_min, 200 ms: RTO >= SRTT + 200 ms), rather than
 * the whole RTO (RFC 6298 §2.4 rounds RTO up to 1 s). With a 200 ms floor on
 * the whole RTO, a 100 ms path whose RTT nearly doubles when its 1-BDP buffer
 * fills timed out while the first retransmission of a burst loss was still
 * queued: a spurious timeout, cwnd 1, and slow start into a second loss
 * (CUBIC at 0.01 % loss, 50 Mbit/s: 38 Mbit/s instead of 46).
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

/** The current RTO including backoff, at most max_rto. */
l4_time l4_rtt_rto(const l4_rtt *r);

/** The RTO without backoff (SRTT + max(G, 4 RTTVAR, min_rto), at most max_rto). */
l4_time l4_rtt_base_rto(const l4_rtt *r);

/** Doubles the RTO after a timer expiry (RFC 6298 §5.5). */
void l4_rtt_backoff(l4_rtt *r);

/** Forgets the samples (e.g. after repeated expiries); the backoff is kept. */
void l4_rtt_forget(l4_rtt *r);

#endif
