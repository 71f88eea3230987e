/*
 * tools/l4kit/hol.h — head-of-line blocking, measured rather than claimed:
 * from when each byte of each stream first reached the receiver, how long
 * bytes waited for an earlier byte before they could be delivered in order.
 *
 * A receiver that delivers a stream in order hands byte k to its
 * application once bytes 0..k have all arrived: at the latest arrival
 * among them. The wait of byte k is that moment minus its own arrival (0
 * when nothing before it was missing). Measured per stream, this is what
 * the transport did: TCP's one byte stream, each QUIC stream on its own.
 *
 * The sender's order of first transmission (hol_sent) adds the
 * counterfactual `l4kit demo` shows: the same arrivals delivered as one
 * ordered byte stream, where a byte waits for every byte first sent before
 * it whatever its stream — what TCP would have made the same packets wait.
 *
 * Arrivals are kept as ranges (not per byte): a set of disjoint spans
 * [off, end) per stream with their first arrival time, so a transfer of any
 * size costs memory per packet, not per byte. Bytes that never arrived are
 * left out of the figures (hol_complete says whether every byte did).
 *
 * Used by `l4kit demo` (demo_quic.c) and `l4kit compare` (compare_run.c).
 */
#ifndef L4_TOOLS_HOL_H
#define L4_TOOLS_HOL_H

#include <stddef.h>
#include <stdint.h>

#include "quic/conn.h"
#include "util/time.h"

/** Bytes [off, end) of a stream first arrived at `t`. */
typedef struct hol_span {
    uint64_t off, end;
    l4_time t;
} hol_span;

/** One stream: its length and its first arrivals (ascending, disjoint). */
typedef struct hol_stream {
    uint64_t bytes; /* bytes past this are ignored */
    hol_span *sp;
    size_t nsp, cap;
    uint64_t next_new; /* the sender: the next offset never sent */
} hol_stream;

/** A range of stream bytes in the order the sender first sent them. */
typedef struct hol_range {
    int stream;
    uint64_t off, len;
} hol_range;

/** The streams of one connection. */
typedef struct hol_set {
    int nstreams;
    hol_stream *st;
    hol_range *rg;
    size_t nrg, rgcap;
    int oom; /* an allocation failed: the figures are incomplete */
} hol_set;

/** What one stream's bytes waited. Times in ns. */
typedef struct hol_result {
    uint64_t bytes;   /* the stream's length */
    uint64_t arrived; /* of those, bytes that arrived */
    /* delivered in order within the stream (what the transport did): */
    uint64_t waited;  /* bytes that waited for an earlier byte */
    double wait_sum;  /* the waits summed over the bytes (ns x bytes) */
    l4_time max_wait; /* the longest */
    l4_time done;     /* the in-order delivery of the stream's last byte (its latest arrival) */
    /* as one ordered byte stream in the sender's order (needs hol_sent; else 0): */
    uint64_t one_waited;
    double one_wait_sum;
    l4_time one_max_wait;
    l4_time one_done; /* in-order delivery of the stream's last byte sent */
    uint64_t spared;  /* bytes that would have waited there but did not here */
} hol_result;

/**
 * Prepares `h` for `nstreams` streams (>= 1) of bytes[i] bytes each
 * (`bytes` NULL: unbounded). Returns 0, or -1 when out of memory (`h` is
 * then empty; hol_free is still fine).
 */
int hol_init(hol_set *h, int nstreams, const uint64_t *bytes);

/** Frees what `h` holds (an all-zero or freed set is fine). */
void hol_free(hol_set *h);

/**
 * The sender sent bytes [off, off + len) of `stream`: the part never sent
 * before is appended to the order of first transmission (retransmissions
 * change nothing). A stream out of range is ignored.
 */
void hol_sent(hol_set *h, int stream, uint64_t off, uint64_t len);

/**
 * Bytes [off, off + len) of `stream` reached the receiver at `t`: the
 * bytes not seen before get `t` as their first arrival (duplicates and
 * retransmissions of bytes that arrived keep the earlier time). Calls must
 * come in non-decreasing `t`. A stream out of range is ignored.
 */
void hol_arrived(hol_set *h, int stream, uint64_t off, uint64_t len, l4_time t);

/**
 * A QUIC connection's event (quic/conn.h): the STREAM frames of the
 * client's 1-RTT (and 0-RTT) packets sent (`server` 0, PACKET_SENT) go to
 * hol_sent, those of packets the server decrypted (`server` 1,
 * PACKET_RECEIVED) to hol_arrived. Stream i is the client's i-th
 * bidirectional stream (ID 4 i, RFC 9000 §2.1). Other events are ignored.
 */
void hol_quic_event(hol_set *h, int server, const l4_quic_event *ev);

/** 1 when every byte of `stream` (its `bytes`; bounded streams only) arrived. */
int hol_complete(const hol_set *h, int stream);

/** Fills res[0 .. nstreams-1], one per stream. */
void hol_analyze(const hol_set *h, hol_result *res);

#endif
