/*
 * io/sim_pcap.h — the emulator's tap written to a pcap file: every packet
 * event chosen (put on a link, delivered, dropped) becomes one record of raw
 * IP with its virtual timestamp (ns from the start of the simulation, which
 * pcap readers show as 1970-01-01 00:00:00 plus the virtual time).
 *
 * Typical use:
 *   l4_sim_pcap *cap;
 *   l4_sim_pcap_open(&cap, "run.pcap", L4_SIM_PCAP_DELIVER, -1, err, sizeof err);
 *   l4_sim_set_tap(sim, l4_sim_pcap_tap, cap);
 *   ... run ...
 *   l4_sim_pcap_close(cap);
 */
#ifndef L4_IO_SIM_PCAP_H
#define L4_IO_SIM_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"
#include "util/err.h"
#include "util/time.h"

/* Event masks: which tap events (sim/link.h L4_SIM_TAP_*) become records. */
#define L4_SIM_PCAP_SEND       (1u << L4_SIM_TAP_SEND)
#define L4_SIM_PCAP_DELIVER    (1u << L4_SIM_TAP_DELIVER)
#define L4_SIM_PCAP_DROP_LOSS  (1u << L4_SIM_TAP_DROP_LOSS)
#define L4_SIM_PCAP_DROP_QUEUE (1u << L4_SIM_TAP_DROP_QUEUE)

typedef struct l4_sim_pcap l4_sim_pcap;

/**
 * Creates the capture file `path` (LINKTYPE_RAW, ns timestamps) recording
 * the tap events in `events` (L4_SIM_PCAP_* bits) of link `link`, or of
 * every link when `link` is -1.
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (no events, link < -1),
 * L4_ERR_IO (the file cannot be created; reason in `err` as for
 * l4_pcap_writer_open), L4_ERR_NOMEM.
 */
int l4_sim_pcap_open(l4_sim_pcap **out, const char *path, unsigned events, int link, char *err,
                     size_t errcap);

/**
 * The tap function (l4_sim_tap_fn) to install with l4_sim_set_tap, `user`
 * being the l4_sim_pcap. Copies the packet into the file when the event and
 * link match. A failed write is remembered and reported by
 * l4_sim_pcap_close.
 */
void l4_sim_pcap_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                     size_t len);

/** Records written so far. */
uint64_t l4_sim_pcap_count(const l4_sim_pcap *c);

/**
 * Flushes and closes the file and frees `c` (NULL allowed). Returns 0, or
 * L4_ERR_IO when any record could not be written.
 */
int l4_sim_pcap_close(l4_sim_pcap *c);

#endif
