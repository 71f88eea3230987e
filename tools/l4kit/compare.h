/*
 * tools/l4kit/compare.h — `l4kit compare`: the same transfer over TCP, UDP
 * and QUIC, side by side, each in its own run of the emulator on the same
 * link with the same seed (the `l4kit sim` scenarios of simrun.h, run by
 * the same functions), and what each measured.
 *
 * What is measured besides simrun's own figures:
 *  - the delivery curve: the bytes B's application had read over time
 *    (simrun_hooks.delivered);
 *  - head-of-line waits (hol.h): for TCP, the first arrival of every byte
 *    of its one byte stream, taken from the segments the link delivered to
 *    B whose IPv4 and TCP checksums hold (a copy the link corrupted is one B
 *    drops), numbered from the ISN of A's SYN; for QUIC, every stream byte
 *    of the packets B decrypted, and A's order of first sending (so the
 *    same arrivals can also be weighed as one ordered byte stream). UDP
 *    delivers each datagram as it arrives: nothing waits.
 */
#ifndef L4_TOOLS_COMPARE_H
#define L4_TOOLS_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hol.h"
#include "simrun.h"

#define COMPARE_TCP  0
#define COMPARE_UDP  1
#define COMPARE_QUIC 2
#define COMPARE_N    3

/** A point of a delivery curve: B's application had read `bytes` at `t`. */
typedef struct compare_point {
    l4_time t;
    uint64_t bytes;
} compare_point;

/** One protocol's run. */
typedef struct compare_proto {
    simrun_opts o;   /* the scenario as it ran */
    simrun_result r; /* what simrun measured */
    int ran;         /* r is filled (free it) */
    compare_point *curve;
    size_t ncurve, curvecap;
    uint64_t delivered; /* the curve's last value */
    hol_set hol;        /* TCP: one stream; QUIC: o.streams; UDP: unused */
    hol_result *hres;   /* per stream, after the run (NULL for UDP) */
    uint32_t isn;       /* TCP: the sequence number of A's SYN */
    int have_isn;
    uint64_t top; /* TCP: the highest byte offset seen (unwraps sequence numbers) */
    int oom;
} compare_proto;

/** The comparison: inputs first (the caller fills them), then the runs. */
typedef struct compare {
    l4_link_spec fwd, back; /* A -> B, B -> A */
    uint64_t bytes;         /* the transfer, > 0 */
    uint64_t seed;
    const char *cc;        /* TCP and QUIC */
    int streams;           /* QUIC, 1..SIMRUN_MAX_STREAMS */
    uint64_t udp_rate_bps; /* UDP's pace (IPv4 and UDP headers count against it) */
    uint32_t udp_payload;  /* UDP datagram payload bytes */
    uint32_t bufsize;      /* TCP buffers and QUIC flow-control windows; 0: simrun_auto_bufsize */
    compare_proto p[COMPARE_N];
} compare;

/**
 * Runs the three transfers. Returns 0 when all three ran (whatever they
 * delivered), -1 when one could not be set up, with the reason in `err`.
 * Free with compare_free either way.
 */
int compare_run(compare *c, char *err, size_t errcap);
void compare_free(compare *c);

/** 1 when TCP and QUIC delivered every byte exactly once, in order, unaltered. */
int compare_verified(const compare *c);

/** "tcp", "udp", "quic". */
const char *compare_proto_name(int k);

/** The links' round-trip propagation delay (both delays), ns; 0 when the link has none. */
l4_time compare_rtt(const compare *c);

/* ---- output (compare_report.c) ------------------------------------------- */

/** The side-by-side table, a legend of its rows and the verdict. */
void compare_text(FILE *f, const compare *c, const char *csv, const char *plot);

/** One JSON object (and a newline): the inputs and a sub-object per protocol. */
void compare_json(FILE *f, const compare *c, const char *csv, const char *plot);

/**
 * The three delivery curves as CSV at `path`: time_s, tcp_bytes, udp_bytes,
 * quic_bytes (one row per moment any of them changed, each column the bytes
 * read so far). Returns 0, or -1 with a one-line reason in `err`.
 */
int compare_csv(const compare *c, const char *path, char *err, size_t errcap);

/** The three delivery curves as one SVG plot at `path`. Returns 0, or -1 with a reason in `err`.
 */
int compare_plot(const compare *c, const char *path, char *err, size_t errcap);

#endif
