/*
 * sim/sim.h — the discrete-event network emulator, in virtual time.
 *
 * A simulation holds nodes (anything with the engine shape of DESIGN.md:
 * input / output / next_timeout / handle_timeout) joined by links (sim/link.h)
 * and a virtual clock in nanoseconds that starts at 0 and only moves when an
 * event runs. Events are packet arrivals and node timeouts, kept in a binary
 * heap ordered by (time, order of scheduling), so the run is a pure function
 * of the seed and the nodes: the same seed gives the same packet trace byte
 * for byte. The simulator makes no syscalls, reads no clock and draws its
 * randomness only from util/rng.h seeded with the simulation seed.
 *
 * The simulator drives each node like this: after every input, every
 * timeout and every l4_sim_wake of a node it drains the node's output (calls
 * output until it returns 0 or an error) and re-reads its next_timeout; a
 * timeout is delivered by calling handle_timeout once the clock reaches it.
 * Node callbacks must not call l4_sim_step / l4_sim_run_until / l4_sim_del /
 * l4_sim_add_node / l4_sim_connect; they may call l4_sim_wake (for another
 * node), l4_sim_now and the stats getters. The tap may only read (l4_sim_now,
 * stats getters, l4_sim_link_queue).
 *
 * Reproducibility: a run depends only on the seed, the topology and what the
 * nodes do. Integer arithmetic is exact everywhere; the one floating-point
 * path is the jitter draw (util/rng.h's Box-Muller, using libm log/cos), so
 * traces with jitter are byte-identical on the same platform and libm.
 */
#ifndef L4_SIM_SIM_H
#define L4_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "sim/link.h"
#include "sim/link_spec.h"
#include "util/err.h"
#include "util/time.h"
#include "wire/addr.h"

/** Largest packet a node may output (the output buffer's capacity). */
#define L4_SIM_MAX_PKT 65535u

typedef struct l4_sim l4_sim;

/** What the simulator calls on a node; `user` is the pointer given to l4_sim_add_node. */
typedef struct l4_sim_node_ops {
    /* a packet arrived on interface `ifindex` of this node; the buffer is only lent for the call */
    void (*input)(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now);
    /* the next packet to send: write it into buf (cap bytes), set *ifindex (0 if the node has one
       link), return its length, 0 when nothing is to be sent now, negative L4_ERR_* on failure */
    l4_ssize (*output)(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now);
    l4_time (*next_timeout)(void *user); /* L4_TIME_NONE when none */
    void (*handle_timeout)(void *user, l4_time now);
} l4_sim_node_ops;

/**
 * The tap: called for every packet event of every link direction (`event` is
 * one of L4_SIM_TAP_*, `dir` L4_LINK_DIR_*), with the packet bytes as the link
 * carries them (after corruption / CE marking). The bytes are lent for the
 * call. `now` is the virtual time of the event.
 */
typedef void (*l4_sim_tap_fn)(void *user, int link, int dir, int event, l4_time now,
                              const uint8_t *pkt, size_t len);

/** Per-node counters the simulator keeps. */
typedef struct l4_sim_node_stats {
    uint64_t inputs;        /* packets delivered to the node */
    uint64_t outputs;       /* packets the node produced */
    uint64_t no_link;       /* packets output on an interface with no link (discarded) */
    uint64_t output_errors; /* output calls that returned an error */
    uint64_t timeouts;      /* handle_timeout calls */
    uint64_t no_route;      /* router only: no route for the destination (discarded) */
    uint64_t bad_packet;    /* router only: not a parseable IP packet (discarded) */
} l4_sim_node_stats;

/**
 * Creates an empty simulation at virtual time 0 whose randomness derives from
 * `seed`. Returns NULL when out of memory. Free with l4_sim_del.
 */
l4_sim *l4_sim_new(uint64_t seed);

/** Frees the simulation, its links and packets in flight (not the nodes' user data). NULL ok. */
void l4_sim_del(l4_sim *sim);

/** The seed given to l4_sim_new. */
uint64_t l4_sim_seed(const l4_sim *sim);

/**
 * Adds a node driven through `ops` (copied; every member must be non-NULL)
 * with `user` passed back to each call (not owned). Reads its next_timeout at
 * once. Returns the node id (0, 1, ... in order of addition), or
 * L4_ERR_INVALID_ARGUMENT (a NULL op), L4_ERR_NOMEM.
 */
int l4_sim_add_node(l4_sim *sim, const l4_sim_node_ops *ops, void *user);

/**
 * Joins interface `if_a` of node `node_a` to interface `if_b` of node `node_b`
 * with a link whose direction A->B follows `a_to_b` and B->A follows `b_to_a`
 * (both copied; NULL means the ideal link of l4_link_spec_default). Interface
 * numbers are small integers chosen by the caller (0..L4_SIM_MAX_IFS-1); each
 * interface holds at most one link. A node may be linked to itself on two
 * different interfaces. Returns the link id (0, 1, ... in order), or
 * L4_ERR_INVALID_ARGUMENT (no such node, interface out of range, or the same
 * interface twice), L4_ERR_STATE (an interface already has a link),
 * L4_ERR_NOMEM.
 */
int l4_sim_connect(l4_sim *sim, int node_a, int if_a, int node_b, int if_b,
                   const l4_link_spec *a_to_b, const l4_link_spec *b_to_a);

/** Interfaces per node. */
#define L4_SIM_MAX_IFS 64

/**
 * Tells the simulator node `node` may have something new to send (the
 * application wrote data, ...): drains its output now, at the current virtual
 * time, and re-reads its next_timeout. Returns 0, or L4_ERR_INVALID_ARGUMENT.
 */
int l4_sim_wake(l4_sim *sim, int node);

/**
 * Runs the next event (a packet arrival or a node timeout), moving the clock
 * to its time. Returns 1 when an event ran, 0 when there is none left.
 */
int l4_sim_step(l4_sim *sim);

/**
 * Runs every event due at or before `t`, then sets the clock to `t` (when
 * `t` is later than now). Returns the number of events run.
 */
uint64_t l4_sim_run_until(l4_sim *sim, l4_time t);

/** The virtual time, ns since the start of the simulation. */
l4_time l4_sim_now(const l4_sim *sim);

/** Time of the next pending event, L4_TIME_NONE when there is none. */
l4_time l4_sim_next_event(l4_sim *sim);

/** Installs the tap (NULL to remove it); `user` is passed back, not owned. */
void l4_sim_set_tap(l4_sim *sim, l4_sim_tap_fn tap, void *user);

/**
 * Counters of direction `dir` (L4_LINK_DIR_AB / _BA) of link `link`, or NULL
 * when there is no such link direction. The pointer stays valid until the next
 * l4_sim_connect or l4_sim_del.
 */
const l4_link_stats *l4_sim_link_stats(const l4_sim *sim, int link, int dir);

/**
 * What is queued on direction `dir` of link `link` at the current virtual
 * time (sim/link.h, step 4): packets and bytes waiting for the transmitter,
 * the backlog in time, and the queueing delay of the last accepted packet.
 * May be called from node callbacks and from the tap. Returns 0, or
 * L4_ERR_INVALID_ARGUMENT (no such link direction, or q NULL).
 */
int l4_sim_link_queue(l4_sim *sim, int link, int dir, l4_link_queue *q);

/** The spec of one link direction (NULL when none); same lifetime as l4_sim_link_stats. */
const l4_link_spec *l4_sim_link_spec(const l4_sim *sim, int link, int dir);

/** Counters of node `node`, or NULL when there is no such node; valid until the next add. */
const l4_sim_node_stats *l4_sim_node_stats_get(const l4_sim *sim, int node);

/** Number of links; number of nodes. */
int l4_sim_link_count(const l4_sim *sim);
int l4_sim_node_count(const l4_sim *sim);

/* ---- the built-in router ------------------------------------------------ */

/**
 * Adds a router node: each packet it receives is parsed (l4_ip_parse) and
 * sent out of the interface of the longest matching prefix for its
 * destination (IPv4 and IPv6 tables are separate), in the same instant, with
 * no queueing of its own (the links queue). It does not decrement the TTL and
 * never sends ICMP. Packets that do not parse (including IPv4 headers whose
 * checksum fails) count in bad_packet, packets without a route in no_route;
 * both are discarded. Returns the node id, or L4_ERR_NOMEM.
 */
int l4_sim_add_router(l4_sim *sim);

/**
 * Adds the route `prefix`/`plen` -> interface `ifindex` to router `router`
 * (a later route for the same prefix replaces the earlier). plen is 0..32
 * for IPv4, 0..128 for IPv6; a 0-length prefix is the default route. Bits of
 * `prefix` past plen are ignored. Returns 0, or L4_ERR_INVALID_ARGUMENT (not
 * a router, bad family or plen, ifindex out of range), L4_ERR_NOMEM.
 */
int l4_sim_router_route(l4_sim *sim, int router, const l4_addr *prefix, int plen, int ifindex);

#endif
