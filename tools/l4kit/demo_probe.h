/*
 * tools/l4kit/demo_probe.h — the two emulator nodes of `l4kit demo` stage 1:
 * a prober that sends numbered UDP datagrams at a fixed interval, and an echo
 * host that checks each arriving datagram (IPv4 header checksum, UDP checksum
 * over the pseudo-header, then the probe's own format), records what it saw
 * (sequence numbers, one-way delay) and sends every good one back.
 *
 * Both speak IPv4 + UDP through the wire/ writers and parsers and have the
 * emulator's node shape (sim/sim.h). Probe payload: "L4KITDMO", seq (u32),
 * send time (u64 ns), then filler bytes.
 */
#ifndef L4_TOOLS_DEMO_PROBE_H
#define L4_TOOLS_DEMO_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"
#include "util/time.h"
#include "wire/addr.h"

#define DEMO_MAX_PKT 1500

/** What one side saw of the datagrams arriving at it. */
typedef struct demo_rx {
    uint64_t arrived;   /* packets handed to the node */
    uint64_t bad_ip;    /* rejected: IPv4 header checksum */
    uint64_t bad_udp;   /* rejected: UDP checksum */
    uint64_t malformed; /* rejected: did not parse (a flipped length or version bit) */
    uint64_t good;      /* passed every check */
    uint64_t dup;       /* good, but a sequence number already seen */
    uint64_t late;      /* good, first copy, after a higher number (RFC 4737 §3.3 "reordered") */
    uint64_t unique;    /* distinct sequence numbers received */
    uint32_t max_seq;
    int any;
    uint8_t *seen;   /* count bytes: 1 when seq was received */
    l4_time *delays; /* one per unique datagram: one-way delay (or round trip at the prober) */
    size_t n_delays;
    uint32_t *order; /* the unique sequence numbers in arrival order (n_delays of them) */
} demo_rx;

/** The prober (host A). */
typedef struct demo_prober {
    l4_addr self, peer;
    uint16_t sport, dport;
    uint32_t count;   /* datagrams to send */
    size_t payload;   /* UDP payload bytes, >= 20 */
    l4_time interval; /* between datagrams */
    uint32_t next_seq;
    l4_time next_at;
    uint8_t last[DEMO_MAX_PKT]; /* the packet most recently output, as built */
    size_t last_len;
    demo_rx rx; /* the echoes */
} demo_prober;

/** The echo host (host B). */
typedef struct demo_echo {
    l4_addr self;
    uint32_t count;             /* highest sequence number + 1 the prober will send */
    uint8_t q[8][DEMO_MAX_PKT]; /* echoes waiting to be output */
    size_t q_len[8];
    unsigned q_head, q_n;
    uint64_t q_full; /* echoes not sent because the queue was full */
    uint8_t last[DEMO_MAX_PKT];
    size_t last_len;
    demo_rx rx;
} demo_echo;

/** Sets up the prober; returns 0 or -1 when out of memory. Free with demo_prober_free. */
int demo_prober_init(demo_prober *p, const l4_addr *self, const l4_addr *peer, uint32_t count,
                     size_t payload, l4_time interval);
void demo_prober_free(demo_prober *p);

/** Sets up the echo host for `count` probes; returns 0 or -1. Free with demo_echo_free. */
int demo_echo_init(demo_echo *e, const l4_addr *self, uint32_t count);
void demo_echo_free(demo_echo *e);

/** The node operations of each (user = the demo_prober / demo_echo). */
extern const l4_sim_node_ops demo_prober_ops;
extern const l4_sim_node_ops demo_echo_ops;

/** rx->arrived - rx->good: everything a check rejected. */
uint64_t demo_rx_rejected(const demo_rx *rx);

/**
 * Datagrams that arrived ahead of a lower sequence number which arrived
 * later: the ones that overtook others on the way (each reordering event
 * makes one early packet and usually several late ones).
 */
uint64_t demo_rx_early(const demo_rx *rx);

#endif
