/*
 * io/tun_host.h — an l4_host (host/host.h) driven in real time over a TUN
 * device (io/tun.h) by the event loop (io/loop.h).
 *
 * The kernel sees the TUN device as a point-to-point interface with its own
 * address (tun_addr/prefix); the l4kit host owns another address on the same
 * subnet (addr). Every packet the kernel routes into the device is read and
 * fed to l4_host_input (in batches of up to L4_TUN_HOST_BATCH per readiness);
 * after every batch, every due timer and every l4_tun_host_flush, the host's
 * output is drained into the device and a loop timer is armed at
 * l4_host_next_timeout. Time is CLOCK_MONOTONIC (io/clock.h).
 *
 * Applications use the host through host/socket.h. Socket callbacks run
 * inside the input / timeout processing, and what they send goes out in the
 * drain that follows. A socket call made outside a callback (e.g. the first
 * connect of a client) must be followed by l4_tun_host_flush.
 *
 * When the device refuses a write (EAGAIN) the packet is kept and the drain
 * resumes when the descriptor is writable; packets the device rejects
 * otherwise are dropped and counted (TCP retransmits).
 *
 * Offloads (cfg->offload): the device is opened with IFF_VNET_HDR and
 * TUNSETOFFLOAD CSUM | TSO4 | TSO6, so the kernel hands over TCP segments of
 * up to 64 KB with their checksums left partial (fed to the host with
 * L4_HOST_RX_CSUM_OK; a virtio-net header that fails l4_vnet_check drops the
 * packet, counted in vnet_bad), and the host's TCP sends new data in
 * segments of up to 64 KB (settings.tcp.tso_max) that the kernel takes as
 * one packet — one system call per 64 KB instead of per 1.5 KB. When the
 * kernel refuses (an old kernel, a device attached without the header), the
 * device is opened again without them and the reason is kept
 * (l4_tun_host_offload_note).
 */
#ifndef L4_IO_TUN_HOST_H
#define L4_IO_TUN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "io/loop.h"
#include "io/tun.h"
#include "util/err.h"
#include "util/time.h"
#include "wire/addr.h"

/** Packets read from the device per readiness before the output is drained. */
#define L4_TUN_HOST_BATCH 64

/** What l4_tun_host_open sets up. Zero-initialise, then fill. */
typedef struct l4_tun_host_config {
    const char *tun_name;       /* device to create or attach (required) */
    const char *netns;          /* namespace to create it in; NULL = the current one */
    l4_addr tun_addr;           /* the kernel's address on the device */
    int tun_prefix;             /* its prefix length */
    l4_addr addr;               /* the l4kit host's address (same family as tun_addr) */
    int mtu;                    /* device and host MTU; 0 = 1500 */
    const l4_host_config *host; /* NULL: l4_host_config_default; mtu is overridden, and
                                   tcp.tso_max when TSO is on */
    int offload;                /* nonzero: checksum and TCP segmentation offloads (above) */
} l4_tun_host_config;

/** Counters of the device side. */
typedef struct l4_tun_host_stats {
    uint64_t pkts_in, bytes_in;   /* read from the device */
    uint64_t pkts_out, bytes_out; /* written to the device */
    uint64_t write_again;         /* writes deferred by EAGAIN */
    uint64_t write_dropped;       /* packets the device rejected */
    uint64_t read_errors;         /* reads failing other than EAGAIN */
    uint64_t gso_in, gso_out;     /* TCP super-packets read / written (offloads) */
    uint64_t vnet_bad;            /* packets dropped: virtio-net header refused */
} l4_tun_host_stats;

typedef struct l4_tun_host l4_tun_host;

/**
 * Creates the device (up, with tun_addr/prefix), the host with `addr` (the
 * prefix of tun_addr) on interface 0, and registers the device descriptor
 * and a timer with `loop` (borrowed; must outlive the tun_host).
 * On failure writes a one-line reason into `errmsg` (`errcap` bytes).
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (NULL, no name, families
 * differ, addr equal to tun_addr), L4_ERR_IO / L4_ERR_NOT_FOUND (device,
 * as l4_tun_create), L4_ERR_NOMEM, L4_ERR_LIMIT (loop full), or the host's
 * error from l4_host_new / l4_host_add_addr.
 */
int l4_tun_host_open(l4_tun_host **out, l4_loop *loop, const l4_tun_host_config *cfg, char *errmsg,
                     size_t errcap);

/** The host (owned by the tun_host). */
l4_host *l4_tun_host_host(l4_tun_host *th);

/** The device (owned by the tun_host). */
const l4_tun *l4_tun_host_tun(const l4_tun_host *th);

/** The loop it runs on. */
l4_loop *l4_tun_host_loop(l4_tun_host *th);

/** The current time on the clock the host runs on (CLOCK_MONOTONIC ns). */
l4_time l4_tun_host_now(const l4_tun_host *th);

/**
 * Drains the host's output into the device and re-arms the timer. Call it
 * after socket calls made outside a socket callback.
 */
void l4_tun_host_flush(l4_tun_host *th);

/** The L4_TUN_OFFLOAD_* bits in use (0: plain packets). */
unsigned l4_tun_host_offloads(const l4_tun_host *th);

/** Why offloads asked for are off (the kernel's refusal), or "" . Never NULL. */
const char *l4_tun_host_offload_note(const l4_tun_host *th);

/** The device-side counters. */
const l4_tun_host_stats *l4_tun_host_stats_get(const l4_tun_host *th);

/**
 * Unregisters from the loop, frees the host (nothing more is sent) and
 * closes the device. NULL is allowed.
 */
void l4_tun_host_close(l4_tun_host *th);

#endif
