/*
 * sim/link.h — one direction of an emulated link: what it does to a packet,
 * exactly, and the counters it keeps.
 *
 * A link joins interface if_a of node A to interface if_b of node B (see
 * l4_sim_connect). Each direction (L4_LINK_DIR_AB, L4_LINK_DIR_BA) has its own
 * l4_link_spec, its own counters and its own random stream (PCG32 stream
 * 2*link+dir+1 of the simulation seed), so adding a link never changes the
 * draws of another.
 *
 * The pipeline, in this order, for each packet a node hands to the link at
 * virtual time `now` (all of it is decided at that moment):
 *
 *  0. timed loss  Losses placed at chosen times, no randomness: the first
 *                packet offered at or after each `drop_at` time is dropped
 *                (one packet per listed time), and every packet offered
 *                inside a blackout [start, start + len) is dropped. A packet
 *                dropped here draws nothing from the random stream. Counted
 *                in dropped_loss and in dropped_timed.
 *  1. loss       Independent losses: the packet is dropped with probability
 *                `loss`. With `loss_burst` = b >= 1 the losses follow a
 *                Gilbert-Elliott chain instead: states GOOD (never lose) and
 *                BAD (always lose); before each packet the chain moves
 *                GOOD->BAD with p = loss*r/(1-loss) and BAD->GOOD with
 *                r = 1/b, then the packet is lost when the state is BAD. The
 *                stationary loss rate is p/(p+r) = loss and the mean run of
 *                consecutive losses is b. When p would exceed 1 (loss > 1/(1+b))
 *                it is clipped to 1 and the average loss comes out lower.
 *                The chain starts in GOOD. Counted in dropped_loss.
 *  2. duplicate  With probability `duplicate` an extra copy is made; the two
 *                copies go through steps 3-7 independently, the copy right
 *                after the original. Counted in duplicated.
 *  3. corrupt    With probability `corrupt` one uniformly chosen bit of the
 *                packet (any byte, headers included) is flipped; checksums must
 *                catch it. The packet is still carried. Counted in corrupted.
 *  4. queue/ECN  The queue holds the packets waiting for the transmitter (the
 *                packet being serialized is not in the queue). Drop-tail: when
 *                adding the packet would exceed `queue_pkts` packets, or
 *                `queue_bytes` bytes (IP packet length), it is dropped
 *                (dropped_queue). A packet that arrives at an idle transmitter
 *                never waits and always passes. With an unlimited rate nothing
 *                ever waits. ECN (RFC 3168 §5): when the queue already holds
 *                more than `ecn_threshold` packets and the packet is ECT(0) or
 *                ECT(1), its ECN field is set to CE (l4_ip_set_ecn, IPv4
 *                checksum updated); Not-ECT and CE packets are left alone.
 *                Counted in ce_marked. The high-water marks are the most the
 *                queue ever held, counting the new packet.
 *  5. serialization  The transmitter sends one packet at a time at `rate_bps`:
 *                it starts at max(now, end of the previous packet) and lasts
 *                len*8/rate seconds (exact over time: fractions of a
 *                nanosecond carry to the next packet of a busy period).
 *  6. delay      The packet arrives `delay` (or the delay-at step in force
 *                when it was offered) + jitter after its last bit left,
 *                where jitter is normal with standard deviation `jitter`,
 *                drawn per packet, and the total delay is clipped at 0.
 *                Jitter never reorders: a packet arrives no earlier than the
 *                packet before it (the arrival is raised to that one's).
 *  7. reorder    With probability `reorder` the packet skips step 6: it
 *                arrives the moment its serialization ends, overtaking the
 *                packets still in flight (like netem, it needs delay > 0 to
 *                have an effect). It does not hold back later packets.
 *                Counted in reordered (the draws, whether or not anything was
 *                overtaken).
 * Random draws happen only for impairments that are configured, in the order
 * above. Packets that arrive at the same instant are delivered in the order
 * they were sent.
 */
#ifndef L4_SIM_LINK_H
#define L4_SIM_LINK_H

#include <stdint.h>

#include "sim/link_spec.h"

#define L4_LINK_DIR_AB 0 /* from node A (first in l4_sim_connect) to node B */
#define L4_LINK_DIR_BA 1

/** Tap events (see l4_sim_set_tap). */
#define L4_SIM_TAP_SEND                                                                            \
    0 /* accepted onto the link (after steps 1-4; each copy), at the send time */
#define L4_SIM_TAP_DELIVER    1 /* handed to the receiving node, at the arrival time */
#define L4_SIM_TAP_DROP_LOSS  2 /* dropped by step 0 or 1, at the send time */
#define L4_SIM_TAP_DROP_QUEUE 3 /* dropped by the full queue (step 4), at the send time */

/**
 * Counters of one link direction. Invariant once nothing is in flight:
 * offered_pkts + duplicated = delivered_pkts + dropped_loss + dropped_queue.
 */
typedef struct l4_link_stats {
    uint64_t offered_pkts; /* packets the sending node handed to the link */
    uint64_t offered_bytes;
    uint64_t sent_pkts; /* accepted onto the link (L4_SIM_TAP_SEND), copies included */
    uint64_t sent_bytes;
    uint64_t delivered_pkts; /* handed to the receiving node */
    uint64_t delivered_bytes;
    uint64_t dropped_loss;    /* steps 0 and 1 */
    uint64_t dropped_timed;   /* step 0 alone (drop-at, blackout) */
    uint64_t dropped_queue;   /* step 4, queue overflow */
    uint64_t corrupted;       /* step 3, packets with one bit flipped (still delivered) */
    uint64_t duplicated;      /* step 2, extra copies made */
    uint64_t reordered;       /* step 7 */
    uint64_t ce_marked;       /* step 4, ECT packets set to CE */
    uint64_t queue_hwm_pkts;  /* most packets the queue held */
    uint64_t queue_hwm_bytes; /* most bytes the queue held */
    /* Queueing delay of the accepted packets (sent_pkts of them): from the
       offer to the start of serialization, step 4-5; 0 for a packet that
       found the transmitter idle. Mean = queue_delay_sum / sent_pkts. */
    uint64_t queue_delay_sum; /* ns */
    l4_time queue_delay_max;
} l4_link_stats;

/** What is queued on one link direction at a moment (see l4_sim_link_queue). */
typedef struct l4_link_queue {
    uint64_t pkts;     /* packets waiting for the transmitter (not the one on the wire) */
    uint64_t bytes;    /* their IP bytes */
    l4_time wait;      /* the backlog in time: how long a packet offered now would wait
                          before its serialization starts (0 when the transmitter is idle) */
    l4_time last_wait; /* the queueing delay of the last packet accepted onto the link
                          (in the tap's L4_SIM_TAP_SEND call: that packet's) */
} l4_link_queue;

#endif
