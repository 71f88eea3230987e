/*
 * tcp/rack.h — RACK-TLP state (RFC 8985) of a SACK connection (internal;
 * the algorithm is tcp/rack.c).
 */
#ifndef L4_TCP_RACK_H
#define L4_TCP_RACK_H

#include <stdint.h>

#include "util/time.h"

/* RFC 8985 §6.2 step 4: the reordering window stays widened for this many
   loss recoveries after the last D-SACK round. */
#define L4_TCP_RACK_PERSIST 16
/* RFC 8985 §7.2: TLP.max_ack_delay, the worst-case delayed ACK a probe
   allows for when one segment is in flight (WCDelAckT of the draft, Linux's
   TCP_RTO_MIN). */
#define L4_TCP_TLP_MAX_ACK_DELAY (200 * L4_MS)

typedef struct l4_tcp_rack {
    /* RACK.segment (§5.2): the most recently sent segment known delivered. */
    l4_time xmit_ts;  /* RACK.xmit_ts */
    uint32_t end_seq; /* RACK.end_seq */
    l4_time rtt;      /* RACK.rtt: the RTT of that segment's delivery */
    uint8_t valid;    /* the three above are set */
    uint8_t fack_valid;
    uint8_t reordering_seen; /* RACK.reordering_seen */
    uint8_t dsack_round_valid;
    uint32_t fack;        /* RACK.fack: highest sequence delivered (ACK or SACK) */
    uint32_t dsack_round; /* RACK.dsack_round: SND.NXT at the last D-SACK-driven growth */
    uint32_t reo_wnd_mult;
    int32_t reo_wnd_persist;
    /* Original transmissions below `mark` were judged: SACKed, lost, or
       covered by a copy in flight; detection resumes from here. */
    uint32_t mark;
    /* RACK.min_RTT: the smallest RFC 6298 sample (a timed segment
       acknowledged cumulatively); L4_TIME_NONE before one. */
    l4_time min_rtt;
} l4_tcp_rack;

#endif
