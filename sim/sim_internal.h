/*
 * sim/sim_internal.h — the simulator's internal structures, shared by
 * sim.c (scheduler, nodes), link.c (one link direction), router.c,
 * event_heap.c and pkt_pool.c. Not installed; not for other layers.
 */
#ifndef L4_SIM_SIM_INTERNAL_H
#define L4_SIM_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"
#include "util/rng.h"

/* ---- packet buffers (pkt_pool.c) ---------------------------------------- */

/** A packet in flight on a link; the bytes follow the header. */
typedef struct sim_pkt {
    struct sim_pkt *next; /* free list while pooled; the link's FIFO while in flight */
    uint64_t seq;         /* event order, taken when it was sent */
    l4_time arrival;
    uint32_t cap; /* bytes of data[] */
    uint32_t len;
    int link;
    int dir;
    uint8_t data[];
} sim_pkt;

/* Size classes: most packets are either small (ACKs) or about one MTU. */
#define SIM_POOL_CLASSES 3

typedef struct sim_pool {
    sim_pkt *free[SIM_POOL_CLASSES];
    uint64_t allocated; /* buffers obtained from malloc, for tests */
} sim_pool;

/** A buffer for at least `len` bytes (len <= L4_SIM_MAX_PKT), or NULL when out of memory. */
sim_pkt *sim_pool_get(sim_pool *pool, size_t len);
/** Returns `p` to its free list. */
void sim_pool_put(sim_pool *pool, sim_pkt *p);
/** Frees every pooled buffer. */
void sim_pool_free(sim_pool *pool);

/* ---- events (event_heap.c) ---------------------------------------------- */

/*
 * A link direction delivers in order, except for packets that skip the delay
 * (reorder). So its in-order packets wait in a FIFO on the link with one heap
 * event for the head only (SIM_EV_LINK), and only reordered packets get an
 * event of their own (SIM_EV_DELIVER): the heap stays as small as the number
 * of links, not the number of packets in flight. Packet events carry the
 * packet's send-time seq, so ties still run in sending order.
 */
#define SIM_EV_DELIVER 0 /* a reordered packet arrives (u.pkt) */
#define SIM_EV_TIMER   1 /* a node's next_timeout is due */
#define SIM_EV_LINK    2 /* the head of a link direction's FIFO arrives (u.pkt) */

typedef struct sim_event {
    l4_time t;
    uint64_t seq; /* order of scheduling: ties run first-scheduled first */
    union {
        sim_pkt *pkt;
        uint64_t gen; /* timer generation, to drop superseded timers */
    } u;
    int kind;
    int node;
} sim_event;

/** Binary min-heap of events ordered by (t, seq). */
typedef struct sim_heap {
    sim_event *ev;
    size_t n;
    size_t cap;
    uint64_t next_seq;
} sim_heap;

/** Adds an event (its seq is assigned here). Returns 0 or L4_ERR_NOMEM. */
int sim_heap_push(sim_heap *h, sim_event e);
/** Adds an event whose seq the caller took earlier from next_seq. Returns 0 or L4_ERR_NOMEM. */
int sim_heap_push_seq(sim_heap *h, sim_event e);
/** Removes the earliest event into *out; returns 0 when the heap is empty, else 1. */
int sim_heap_pop(sim_heap *h, sim_event *out);
/** The earliest event without removing it, or NULL. */
const sim_event *sim_heap_peek(const sim_heap *h);
void sim_heap_free(sim_heap *h);

/* ---- one link direction (link.c) ---------------------------------------- */

typedef struct sim_wait {
    l4_time start; /* when its serialization starts */
    uint32_t len;
} sim_wait;

typedef struct sim_linkdir {
    l4_link_spec spec;
    l4_link_stats stats;
    l4_rng rng;
    int link;
    int dir;
    int dst_node;
    int dst_if;
    /* timed loss: the next drop_at entry not yet used */
    uint32_t next_drop;
    /* Gilbert-Elliott chain (used when spec.loss_burst > 0) */
    int ge_bad;
    double ge_p;
    double ge_r;
    /* transmitter */
    l4_time busy_until; /* when the last accepted packet's last bit leaves */
    uint64_t ser_rem;   /* carried remainder of len*8e9 / rate */
    l4_time last_wait;  /* queueing delay of the last accepted packet */
    l4_time last_arrival;
    /* in-order packets in flight, by arrival time (see SIM_EV_LINK) */
    sim_pkt *fifo_head;
    sim_pkt *fifo_tail;
    /* packets waiting for the transmitter, FIFO ring */
    sim_wait *wq;
    size_t wq_cap; /* power of two or 0 */
    size_t wq_head;
    size_t wq_n;
    uint64_t wq_bytes;
} sim_linkdir;

/** Sets up direction `dir` of link `link` towards (dst_node, dst_if) with `spec`. */
void sim_linkdir_init(sim_linkdir *ld, const l4_link_spec *spec, uint64_t seed, int link, int dir,
                      int dst_node, int dst_if);
/** Fills `q` with what waits on `ld` at `now` (forgets packets already on the wire). */
void sim_linkdir_queue(sim_linkdir *ld, l4_time now, l4_link_queue *q);

/** Frees the direction's memory and the packets in its FIFO. */
void sim_linkdir_free(sim_linkdir *ld);

/**
 * Hands the packet (len bytes, copied) to link direction `ld` at the
 * simulation's current time: runs the impairment pipeline of sim/link.h and
 * schedules the arrivals. Returns 0 or L4_ERR_NOMEM (the packet is then lost
 * and not counted beyond offered).
 */
int sim_link_offer(l4_sim *sim, sim_linkdir *ld, const uint8_t *pkt, size_t len);

/* ---- nodes and the simulation (sim.c, router.c) ------------------------- */

typedef struct sim_router sim_router;

typedef struct sim_if {
    int link; /* -1 when the interface has no link */
    int dir;  /* the direction that leaves through this interface */
} sim_if;

typedef struct sim_node {
    l4_sim_node_ops ops;
    void *user;
    sim_if ifs[L4_SIM_MAX_IFS];
    /* Timers: at most one live timer event per node, at ev_at <= timer_at. A
       deadline that moves later costs no heap push: the early event, when it
       comes, re-queues itself at the new deadline. A deadline that moves
       earlier pushes a new event and retires the old one by generation. */
    l4_time timer_at;   /* the node's deadline as last read, L4_TIME_NONE if none */
    l4_time ev_at;      /* time of the live timer event, L4_TIME_NONE if none */
    uint64_t timer_gen; /* generation of the live timer event */
    l4_sim_node_stats stats;
    sim_router *router; /* owned, for built-in routers */
} sim_node;

typedef struct sim_link {
    sim_linkdir d[2];
} sim_link;

struct l4_sim {
    uint64_t seed;
    l4_time now;
    sim_heap heap;
    sim_pool pool;
    sim_node *nodes;
    int n_nodes;
    int cap_nodes;
    sim_link *links;
    int n_links;
    int cap_links;
    l4_sim_tap_fn tap;
    void *tap_user;
    uint8_t *obuf;   /* output buffer of the outermost drain */
    int drain_depth; /* nested drains (wake from a callback) use their own buffer */
};

/** Calls the tap, if any. */
static inline void sim_tap(l4_sim *sim, const sim_linkdir *ld, int event, l4_time t,
                           const uint8_t *pkt, size_t len)
{
    if (sim->tap)
        sim->tap(sim->tap_user, ld->link, ld->dir, event, t, pkt, len);
}

/**
 * Sends `len` bytes out of interface `ifindex` of node `node` now (what a
 * node's output does, used directly by the router). Counts no_link when the
 * interface has no link. Returns 0, L4_ERR_NOT_FOUND (no link), L4_ERR_NOMEM.
 */
int sim_node_send(l4_sim *sim, int node, int ifindex, const uint8_t *pkt, size_t len);

/** Router ops and teardown (router.c). */
extern const l4_sim_node_ops sim_router_ops;
void sim_router_free(sim_router *r);

#endif
