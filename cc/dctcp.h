/*
 * cc/dctcp.h — Data Center TCP (RFC 8257).
 *
 * The sender keeps DCTCP.Alpha, the estimated fraction of marked bytes:
 * per observation window (about one RTT: it ends when the data outstanding
 * at its start has been acknowledged, RFC 8257 §3.3 steps 4-8)
 *
 *   M     = bytes acked with ECE / bytes acked in the window
 *   alpha = alpha (1 - g) + g M,   g = 1/16, alpha starts at 1
 *
 * and on a window with marks cuts once (RFC 8257 §3.3 step 10)
 *
 *   cwnd = ssthresh = max(cwnd (1 - alpha / 2), 2 SMSS)
 *
 * using the alpha of the last completed window. Growth, loss and timeout are
 * Reno's (RFC 5681, RFC 3465 L = 2). The transport reports marked bytes in
 * l4_cc_ack.ce_bytes (flag L4_CC_F_ECN_BYTES) from the receiver's
 * per-packet echo (RFC 8257 §3.2). A transport without per-packet echo that
 * calls on_ecn_ce gets one cut with the current alpha (alpha unchanged).
 */
#ifndef L4_CC_DCTCP_H
#define L4_CC_DCTCP_H

#include "cc/cc.h"

extern const l4_cc_ops l4_cc_dctcp;

#define L4_DCTCP_G_SHIFT 4 /* g = 1/16 */

/** DCTCP.Alpha of an instance in [0, 1]; -1 when `cc` is not DCTCP. */
double l4_cc_dctcp_alpha(const l4_cc *cc);

#endif
