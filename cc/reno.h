/*
 * cc/reno.h — Reno / NewReno congestion control (RFC 5681, with RFC 3465
 * appropriate byte counting, L = 2).
 *
 *   initial window  the transport's (cc.h): TCP min(4*SMSS, max(2*SMSS, 4380)),
 *                   RFC 5681 §3.1; QUIC min(10*MDS, max(14720, 2*MDS)), RFC 9002 §7.2
 *   slow start      cwnd += min(bytes_acked, 2*SMSS)          RFC 3465 §2.2
 *   avoidance       cwnd += SMSS once per cwnd bytes acked    RFC 3465 §2.1
 *   loss event      ssthresh = max(flight/2, 2*SMSS), cwnd = ssthresh
 *   timeout         ssthresh = max(flight/2, 2*SMSS), cwnd = 1*SMSS (LW)
 *
 * The NewReno part (partial ACKs, RFC 6582) and window inflation during fast
 * recovery belong to the transport's loss recovery, not to this module.
 */
#ifndef L4_CC_RENO_H
#define L4_CC_RENO_H

#include "cc/cc.h"

extern const l4_cc_ops l4_cc_reno;

#endif
