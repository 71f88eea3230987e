/*
 * cc/cubic.h — CUBIC congestion control (RFC 9438) with HyStart++ slow start
 * (RFC 9406).
 *
 * Windows are kept in segments (doubles) inside the algorithm; the ops table
 * reports bytes. With C = 0.4 and beta = 0.7 (RFC 9438 §4.6, §5):
 *
 *   K          = cbrt((W_max - cwnd_epoch) / C)                  §4.2 eq. 2
 *   W_cubic(t) = C (t - K)^3 + W_max                             §4.2 eq. 1
 *   target     = W_cubic(t + RTT) clamped to [cwnd, 1.5 cwnd]     §4.2
 *   cwnd      += (target - cwnd) / cwnd per segment acked         §4.4, §4.5
 *   W_est     += alpha_cubic * segments_acked / cwnd              §4.3 eq. 4
 *               alpha_cubic = 3 (1 - beta) / (1 + beta), 1 once W_est >= cwnd_prior
 *   W_cubic(t) < W_est  =>  cwnd = W_est (Reno-friendly region)   §4.3
 *   congestion event: W_max = cwnd, or cwnd (1 + beta) / 2 when cwnd < W_max
 *               (fast convergence, §4.7); ssthresh = cwnd = max(flight * beta, 2)
 *               where flight is capped at cwnd (see cubic.c)
 *   timeout:    ssthresh = max(flight * beta, 2), cwnd = 1 segment; the next
 *               epoch has K = 0 and W_max = cwnd at its start (§4.8)
 *
 * t is the time since the epoch began (the first ACK in congestion avoidance
 * after a congestion event); ACKs flagged app_limited freeze t and the window
 * (§5.8, RFC 7661).
 *
 * HyStart++ (RFC 9406 §4.2, §4.3): rounds end when all data outstanding at the
 * round's start has been acknowledged. After N_RTT_SAMPLE = 8 RTT samples in
 * a round, if the round's minimum RTT exceeds the previous round's minimum by
 * clamp(lastRoundMinRTT / 8, 4 ms, 16 ms), slow start becomes Conservative
 * Slow Start (growth divided by CSS_GROWTH_DIVISOR = 4). CSS returns to slow
 * start if a round's minimum drops below the baseline, and ends in congestion
 * avoidance (ssthresh = cwnd) after CSS_ROUNDS = 5 rounds (the round in which
 * CSS began counts). Slow start grows by min(bytes_acked, L * SMSS), L = 8.
 * HyStart++ runs in the first slow start only; slow start after a timeout is
 * plain.
 */
#ifndef L4_CC_CUBIC_H
#define L4_CC_CUBIC_H

#include "cc/cc.h"

extern const l4_cc_ops l4_cc_cubic;

#define L4_CUBIC_C    0.4
#define L4_CUBIC_BETA 0.7

/* HyStart++ constants (RFC 9406 §4.3). */
#define L4_HYSTART_MIN_RTT_THRESH     (4 * L4_MS)
#define L4_HYSTART_MAX_RTT_THRESH     (16 * L4_MS)
#define L4_HYSTART_MIN_RTT_DIVISOR    8
#define L4_HYSTART_N_RTT_SAMPLE       8
#define L4_HYSTART_CSS_GROWTH_DIVISOR 4
#define L4_HYSTART_CSS_ROUNDS         5
#define L4_HYSTART_L                  8

/** Phases reported by l4_cc_cubic_phase. */
typedef enum l4_cubic_phase {
    L4_CUBIC_SLOW_START = 0, /* standard slow start (HyStart++ watching) */
    L4_CUBIC_CSS = 1,        /* HyStart++ Conservative Slow Start */
    L4_CUBIC_AVOIDANCE = 2,  /* congestion avoidance (cwnd >= ssthresh) */
} l4_cubic_phase;

/** K in seconds for a window W_max and an epoch start window (segments); 0 when cwnd_epoch >=
 * w_max. */
double l4_cubic_k(double w_max, double cwnd_epoch);

/** W_cubic(t) in segments: C (t - K)^3 + W_max, t and k in seconds. */
double l4_cubic_w(double t, double k, double w_max);

/** The phase of a CUBIC instance; -1 when `cc` is not CUBIC. */
int l4_cc_cubic_phase(const l4_cc *cc);

/** W_max (segments) and K (seconds) of the current epoch (K is 0 between a reduction and the
 * next epoch's first ACK); 0 when `cc` is not CUBIC. */
double l4_cc_cubic_w_max(const l4_cc *cc);
double l4_cc_cubic_epoch_k(const l4_cc *cc);

#endif
