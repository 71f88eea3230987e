/*
 * tools/l4kit/demo_quic.h — the QUIC act of `l4kit demo`: one QUIC
 * connection from host A to host B over a lossy emulated link (the
 * `l4kit sim --proto quic` scenario of simrun.h, several streams), watched
 * through the engine's events (quic/conn.h) and turned into
 *  - the 1-RTT handshake as a timeline in milliseconds and round trips:
 *    Initial[CRYPTO ClientHello] -> Initial[ServerHello] + Handshake
 *    [EncryptedExtensions ... Finished] -> Handshake[Finished] + 1-RTT data,
 *    HANDSHAKE_DONE, and at the end CONNECTION_CLOSE, closing and draining;
 *  - head-of-line blocking, measured (hol.h): every stream's bytes as they
 *    first arrived at B give each stream's completion time as QUIC delivers
 *    it (each stream in order on its own) and as one ordered byte stream
 *    would deliver the same arrivals (TCP: a byte waits for every byte sent
 *    before it, whatever its stream), so the time streams spent waiting
 *    behind another stream's loss is counted rather than claimed.
 */
#ifndef L4_TOOLS_DEMO_QUIC_H
#define L4_TOOLS_DEMO_QUIC_H

#include <stdint.h>
#include <stdio.h>

#include "hol.h"
#include "simrun.h"

#define DQ_MAX_STREAMS 16

/* One line of the handshake / teardown timeline. */
typedef struct dq_item {
    l4_time t;
    int server;    /* who: 0 A (client), 1 B (server) */
    int is_packet; /* a packet sent; else a state change */
    int new_dgram; /* the packet starts a datagram (later ones were coalesced with it) */
    int pkt_type;  /* L4_QUIC_PKT_* */
    uint64_t pn;
    size_t len;     /* packet bytes */
    int lost;       /* the sender later declared it lost */
    char what[200]; /* frames ("ACK, CRYPTO ServerHello") or the state */
    /* consecutive 1-RTT packets of one side that carried only stream data are one item */
    int data_only, count;
    uint64_t pn_last;
    uint32_t smask; /* stream indexes */
} dq_item;

/* What one stream did. */
typedef struct dq_stream {
    uint64_t id, bytes;
    uint64_t lost_pkts;      /* packets declared lost that carried its data */
    l4_time done;            /* B read its FIN (measured) */
    l4_time done_quic;       /* its last byte's in-order delivery, from the arrivals */
    l4_time done_one_stream; /* the same arrivals as one ordered byte stream */
    /* bytes that arrived but waited for an earlier byte before they could be
       delivered in order, the longest wait and the mean wait per byte: as
       QUIC delivers (q_) and as one ordered byte stream would (one_) */
    uint64_t q_waited, one_waited;
    uint64_t spared; /* bytes that would have waited in one ordered stream, not in QUIC */
    l4_time q_max_wait, one_max_wait;
    double q_mean_wait, one_mean_wait; /* ns per byte of the stream */
} dq_stream;

typedef struct demo_quic {
    /* inputs */
    uint64_t seed;
    const char *link_text; /* A -> B; B -> A gets the same rate and delay, no loss */
    int streams;
    uint64_t stream_bytes;
    const char *pcap_path, *keylog_path;
    /* outputs */
    simrun_opts o;
    simrun_result r;
    dq_item *it;
    size_t nit, itcap;
    dq_stream st[DQ_MAX_STREAMS];
    hol_set hol;           /* each stream byte's first arrival at B, A's order of sending (hol.h) */
    uint16_t *pkt_streams; /* A's 1-RTT packet number -> bitmask of stream indexes */
    size_t pkt_cap;        /* packets the table covers */
    uint64_t lost_pkts, lost_data_pkts;
    l4_time rtt; /* A's min RTT */
    l4_time hs_complete_a, hs_confirmed_a, hs_complete_b;
    int phase;        /* 0 handshake, 1 data (not itemised), 2 teardown */
    int last_type[2]; /* previous packet type each side sent at last_t */
    l4_time last_t[2];
    int post_confirm; /* A's 1-RTT datagrams shown after confirmation */
    /* the TLS handshake messages: each side's CRYPTO stream per level */
    uint8_t crypto[2][3][8192];
    size_t crypto_have[2][3];
    int oom;
} demo_quic;

/**
 * Runs the QUIC act. Returns 0 when it ran (the verdict: demo_quic_ok), 2
 * when the link text does not parse, 1 when it could not run or write its
 * files (reason in err). Free with demo_quic_free.
 */
int demo_quic_run(demo_quic *d, char *err, size_t errcap);
void demo_quic_free(demo_quic *d);

/** The transfer verified, both ends closed, and the numbers agree. */
int demo_quic_ok(const demo_quic *d);

/** The guided text / one JSON object. */
void demo_quic_text(FILE *f, const demo_quic *d);
void demo_quic_json(FILE *f, const demo_quic *d);

#endif
