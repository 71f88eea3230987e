/*
 * cc/bbr.h — BBR v1 congestion control, as Linux net/ipv4/tcp_bbr.c
 * (Cardwell et al., ACM Queue 2016).
 *
 * A model of the path: BtlBw = windowed max of delivery-rate samples over
 * 10 round trips (samples from app-limited periods only when they raise it);
 * RTprop = windowed min RTT over 10 s. Sending is paced at
 * pacing_gain * BtlBw * 0.99 and bounded by cwnd = cwnd_gain * BtlBw * RTprop
 * + 3 segments (at least 4 segments).
 *
 *   STARTUP    pacing and cwnd gain 2/ln 2 = 2.885; ends when BtlBw grew less
 *              than 25 % in 3 non-app-limited rounds (the pipe is full)
 *   DRAIN      pacing gain 1/2.885 until in flight <= 1 BDP
 *   PROBE_BW   cwnd gain 2, pacing gains cycle {1.25, 0.75, 1, 1, 1, 1, 1, 1},
 *              each phase ~RTprop (1.25 until in flight reaches 1.25 BDP,
 *              0.75 ends early at 1 BDP); the start phase is derived from
 *              the time of entry, never 0.75
 *   PROBE_RTT  when RTprop was not refreshed for 10 s: cwnd 4 segments for
 *              200 ms and one round, then PROBE_BW (or STARTUP if the pipe
 *              was never filled)
 *
 * Loss does not cut the window (BBR v1 is loss-agnostic; Linux's packet
 * conservation during recovery is not modelled); a timeout drops cwnd to one
 * segment, regrown by acked bytes. As Linux does, the cwnd from before a
 * loss episode (fast recovery or timeout) is restored when it ends
 * (on_recovery_end), if it is still larger. Needs the delivery-rate fields of
 * l4_cc_ack (flag L4_CC_F_RATE) and ACKs during recovery.
 */
#ifndef L4_CC_BBR_H
#define L4_CC_BBR_H

#include "cc/cc.h"

extern const l4_cc_ops l4_cc_bbr;

typedef enum l4_bbr_mode {
    L4_BBR_STARTUP = 0,
    L4_BBR_DRAIN = 1,
    L4_BBR_PROBE_BW = 2,
    L4_BBR_PROBE_RTT = 3,
} l4_bbr_mode;

#define L4_BBR_HIGH_GAIN      2.885
#define L4_BBR_BW_ROUNDS      10
#define L4_BBR_MIN_RTT_WIN    (10 * L4_S)
#define L4_BBR_PROBE_RTT_TIME (200 * L4_MS)
#define L4_BBR_CYCLE_LEN      8

/** Introspection for tests and tools; -1 / 0 when `cc` is not BBR. */
int l4_cc_bbr_mode(const l4_cc *cc);
uint64_t l4_cc_bbr_bw(const l4_cc *cc);     /* BtlBw, bytes/s */
l4_time l4_cc_bbr_min_rtt(const l4_cc *cc); /* RTprop; L4_TIME_NONE before a sample */
double l4_cc_bbr_pacing_gain(const l4_cc *cc);
int l4_cc_bbr_filled_pipe(const l4_cc *cc);

#endif
