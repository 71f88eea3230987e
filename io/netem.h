/*
 * io/netem.h — the emulator in real time: two TUN devices joined by one
 * emulated link of sim/, so that traffic the kernel routes into device A
 * comes out of device B (and back) after the link's rate, delay, jitter,
 * loss, reordering, duplication, corruption, queue and ECN marking. With
 * each device in its own network namespace, the kernel's own TCP (reno,
 * cubic, bbr) runs over an l4kit link; this replaces the netem qdisc.
 *
 * How real time drives the discrete-event emulator:
 *   - the simulation's virtual time is CLOCK_MONOTONIC minus the moment
 *     l4_netem_run started (so 0 at the start, like any simulation);
 *   - each device is a sim node with one interface; when its descriptor is
 *     readable, netem first runs the simulation up to the present
 *     (l4_sim_run_until), then reads up to L4_NETEM_BATCH packets, handing
 *     each to the node and waking it (l4_sim_wake) at the current time, so
 *     the link sees the packet the moment the kernel sent it;
 *   - a node's input (the link delivering a packet) writes it into that
 *     node's device at once;
 *   - the loop's one timer is armed at the simulation's next event
 *     (l4_sim_next_event), converted back to real time; when it fires the
 *     simulation runs up to the present.
 * A delivery therefore happens at its virtual time plus the wake-up latency
 * of the process (typically tens of microseconds; the `late_*` counters
 * measure it). Packets still in the link when the run ends are discarded.
 *
 * The link is the sim's: direction A->B follows `a_to_b`, B->A `b_to_a`,
 * with the semantics and counters of sim/link.h, and randomness from the
 * seed (the same seed gives the same decisions for the same packet
 * sequence; the real-time packet sequence itself is not reproducible).
 */
#ifndef L4_IO_NETEM_H
#define L4_IO_NETEM_H

#include <stddef.h>
#include <stdint.h>

#include "io/loop.h"
#include "io/tun.h"
#include "sim/link.h"
#include "sim/link_spec.h"
#include "util/err.h"
#include "util/time.h"

/** Packets read from one device per readiness turn (then the other gets its turn). */
#define L4_NETEM_BATCH 64

/** Directions, as in sim/link.h. */
#define L4_NETEM_A_TO_B L4_LINK_DIR_AB
#define L4_NETEM_B_TO_A L4_LINK_DIR_BA

typedef struct l4_netem l4_netem;

/**
 * Tap on every packet event of the link (the L4_SIM_TAP_* events of
 * sim/link.h), for captures: `dir` is L4_NETEM_A_TO_B or _B_TO_A, `wall`
 * the event's time in ns since the Unix epoch (CLOCK_REALTIME at the start
 * plus the virtual time), the bytes lent for the call.
 */
typedef void (*l4_netem_tap_fn)(void *user, int dir, int event, l4_time wall, const uint8_t *pkt,
                                size_t len);

/** What l4_netem_new sets up. */
typedef struct l4_netem_config {
    l4_tun_config a, b;  /* the two devices (namespace, name, address, MTU, up) */
    l4_link_spec a_to_b; /* packets read from A, written into B */
    l4_link_spec b_to_a; /* packets read from B, written into A */
    uint64_t seed;       /* the simulation seed */
    l4_time duration;    /* run this long, 0 = until l4_netem_stop or a signal */
    int catch_signals;   /* nonzero: SIGINT / SIGTERM end l4_netem_run cleanly */
    l4_netem_tap_fn tap; /* NULL = none */
    void *tap_user;
} l4_netem_config;

/** Counters of one direction: the link's and the bridge's own. */
typedef struct l4_netem_dir_stats {
    l4_link_stats link; /* the sim link direction (offered, sent, delivered, drops ...) */
    uint64_t read_pkts; /* packets read from the source device */
    uint64_t read_bytes;
    uint64_t written_pkts; /* packets written into the destination device */
    uint64_t written_bytes;
    uint64_t write_errors; /* writes the destination device refused (the packet is lost) */
    uint64_t late_max_ns;  /* the latest a delivery happened after its virtual time */
    uint64_t late_sum_ns;  /* sum over deliveries, for the mean */
} l4_netem_dir_stats;

/**
 * Creates both devices (each in its namespace, configured as asked) and the
 * simulation with its link. On success `*out` owns the devices (they
 * disappear at l4_netem_del unless persistent). On failure nothing is left
 * open and, when `err` is not NULL, a one-line reason naming the device
 * ("device A (ns 'x', tun 'l4a'): network namespace 'x' ...") is written
 * into it (`errcap` bytes, NUL-terminated).
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (cfg NULL, a bad device
 * setting), L4_ERR_NOT_FOUND (a namespace does not exist), L4_ERR_IO (a
 * device or the loop could not be set up: permissions, /dev/net/tun
 * missing, a name in use by another kind of device ...), L4_ERR_NOMEM.
 */
int l4_netem_new(l4_netem **out, const l4_netem_config *cfg, char *err, size_t errcap);

/** Closes the devices and frees everything. NULL is allowed. */
void l4_netem_del(l4_netem *ne);

/**
 * Carries packets both ways until the duration is over, l4_netem_stop is
 * called (from a loop callback) or, with catch_signals, SIGINT/SIGTERM
 * arrive. May be called once. Returns 0 when stopped. Errors: L4_ERR_STATE
 * (called twice), L4_ERR_IO (a device read or the wait failed; the reason
 * is in l4_netem_error).
 */
int l4_netem_run(l4_netem *ne);

/** Makes l4_netem_run return after the current turn. */
void l4_netem_stop(l4_netem *ne);

/**
 * The loop l4_netem_run uses, for adding timers or descriptors of the
 * caller's own (periodic statistics, a control socket). Times are
 * CLOCK_MONOTONIC (io/clock.h). Never NULL for a created netem.
 */
l4_loop *l4_netem_loop(l4_netem *ne);

/** Copies the counters of direction `dir` (L4_NETEM_A_TO_B / _B_TO_A) into *out. */
void l4_netem_stats(const l4_netem *ne, int dir, l4_netem_dir_stats *out);

/** The signal that ended the run (SIGINT / SIGTERM), 0 otherwise. */
int l4_netem_stop_signal(const l4_netem *ne);

/** Seconds l4_netem_run has run (so far, or in total once it returned). */
double l4_netem_elapsed(const l4_netem *ne);

/** The device of side 0 (A) or 1 (B), for its name and MTU; NULL for another side. */
const l4_tun *l4_netem_tun(const l4_netem *ne, int side);

/** The reason of the last run-time error, "" when none. Never NULL. */
const char *l4_netem_error(const l4_netem *ne);

#endif
