/*
 * tools/l4kit/iperf3_proto.h — the parts of iperf3's control protocol a
 * server needs (facts from iperf3 3.x, which the real `iperf3 -c` speaks):
 *
 *  - every connection of a test (the control connection first, then one per
 *    stream) starts with the client's 37-byte cookie (36 characters + NUL);
 *  - the server drives the test with one signed byte per state on the
 *    control connection: PARAM_EXCHANGE, CREATE_STREAMS, TEST_START,
 *    TEST_RUNNING, EXCHANGE_RESULTS, DISPLAY_RESULTS; the client answers
 *    TEST_END when its time is up and IPERF_DONE at the very end;
 *  - parameters and results travel as a 4-byte big-endian length followed
 *    by a JSON object;
 *  - SERVER_ERROR is followed by two 4-byte big-endian integers, iperf3's
 *    error number and errno; ACCESS_DENIED turns a client away (busy).
 *
 * Pure functions: no I/O. The parameter parser takes untrusted bytes
 * (fuzz/fuzz_iperf3.c).
 */
#ifndef L4_TOOLS_IPERF3_PROTO_H
#define L4_TOOLS_IPERF3_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define IPERF3_COOKIE_LEN  37
#define IPERF3_MAX_JSON    65536 /* the largest JSON message accepted */
#define IPERF3_MAX_STREAMS 128

/* State bytes. */
#define IPERF3_TEST_START       1
#define IPERF3_TEST_RUNNING     2
#define IPERF3_TEST_END         4
#define IPERF3_PARAM_EXCHANGE   9
#define IPERF3_CREATE_STREAMS   10
#define IPERF3_CLIENT_TERMINATE 12
#define IPERF3_EXCHANGE_RESULTS 13
#define IPERF3_DISPLAY_RESULTS  14
#define IPERF3_IPERF_DONE       16
#define IPERF3_ACCESS_DENIED    (-1)
#define IPERF3_SERVER_ERROR     (-2)

/* iperf3's error number for "an option you are trying to set is not implemented yet". */
#define IPERF3_IEUNIMP 13

/** What a client asks for (the keys the server acts on). */
typedef struct iperf3_params {
    int tcp, udp, sctp;  /* the protocol ("tcp": true, ...) */
    int reverse;         /* -R: the server sends */
    int bidir;           /* --bidir */
    long parallel;       /* -P: streams (default 1) */
    long time;           /* -t seconds (0 with -n / -k) */
    uint64_t num;        /* -n bytes */
    uint64_t blockcount; /* -k blocks */
    uint64_t len;        /* -l block size */
} iperf3_params;

/**
 * Parses the client's parameter object (`len` bytes, not NUL-terminated):
 * a JSON object whose values are numbers, strings, true/false/null or
 * nested objects and arrays (skipped); unknown keys are ignored. Fills `p`.
 * Returns 0. Errors: -1 not JSON / not an object / a known key with a
 * value of the wrong kind; -2 valid but not served here: UDP, SCTP,
 * --bidir, -R with -n / -k, parallel outside 1..IPERF3_MAX_STREAMS, or no
 * protocol at all.
 */
int iperf3_params_parse(const char *json, size_t len, iperf3_params *p);

/** One stream's figures for the results object. */
typedef struct iperf3_stream_result {
    int id;              /* iperf3's numbering: 1, 3, 4, 5, ... */
    uint64_t bytes;      /* sent (when the server sends) or received */
    int64_t retransmits; /* segments retransmitted; -1 when receiving */
    double start, end;   /* seconds since the test started */
} iperf3_stream_result;

/** iperf3's id of the i-th stream (0-based): 1, then i + 2. */
int iperf3_stream_id(int i);

/**
 * Writes the server's results object into `buf` (`cap` bytes, NUL
 * terminated): CPU use in percent, whether the sender reports retransmits,
 * and each stream. Returns its length, or -1 when it does not fit.
 */
int iperf3_results_json(char *buf, size_t cap, double cpu_total, double cpu_user, double cpu_system,
                        int sender, const iperf3_stream_result *s, int n);

#endif
