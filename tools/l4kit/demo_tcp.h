/*
 * tools/l4kit/demo_tcp.h — the TCP act of `l4kit demo`: one connection from
 * host A to host B over a lossy emulated link (the `l4kit sim` scenario of
 * simrun.h), watched packet by packet and turned into a timeline: the
 * three-way handshake with the real ISNs and options, each loss on the link
 * and the retransmission that repaired it (fast retransmit or timeout), the
 * congestion window at the points where it changes course, and the four-way
 * teardown through TIME_WAIT to CLOSED.
 */
#ifndef L4_TOOLS_DEMO_TCP_H
#define L4_TOOLS_DEMO_TCP_H

#include <stdint.h>
#include <stdio.h>

#include "simrun.h"
#include "wire/tcp.h"

/* Timeline event kinds. */
#define DEMO_EV_PKT   1 /* a handshake or teardown segment */
#define DEMO_EV_LOSS  2 /* the link dropped a data segment */
#define DEMO_EV_RETX  3 /* a data segment sent again */
#define DEMO_EV_STATE 4 /* A's connection changed state */
#define DEMO_EV_CWND  5 /* the congestion window at a turning point */

/* Retransmission causes. */
#define DEMO_RETX_FAST     1 /* the third duplicate ACK (RFC 5681 §3.2) */
#define DEMO_RETX_RTO      2 /* the retransmission timer expired (RFC 6298 §5) */
#define DEMO_RETX_RECOVERY 3 /* more holes repaired during the same recovery (RFC 6675 / 6582) */

typedef struct demo_ev {
    l4_time t;
    int kind;
    int dir;           /* 0: A -> B, 1: B -> A */
    const char *label; /* "SYN", "SYN-ACK", "ACK", "FIN", "ACK of FIN", state name, ... */
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t win;
    l4_tcp_opts opts;
    uint32_t len; /* payload bytes */
    uint64_t rel; /* stream offset of the first payload byte (data events) */
    int lost;     /* a handshake/teardown segment the link dropped */
    int cause;    /* DEMO_RETX_* */
    uint64_t cwnd, ssthresh, cwnd_before, ssthresh_before; /* DEMO_EV_CWND, bytes */
    uint32_t mss;
} demo_ev;

typedef struct demo_tcp {
    /* inputs */
    uint64_t seed;
    const char *link_text; /* A -> B; B -> A gets the same rate and delay, no loss */
    uint64_t bytes;
    const char *pcap_path, *plot_path;
    /* outputs */
    simrun_opts o;
    simrun_result r;
    demo_ev *ev;
    size_t nev, cap;
    uint32_t isn_a, isn_b;
    int have_isn_a, have_isn_b;
    uint64_t losses, retx, retx_fast, retx_rto, retx_recovery;
    /* tracking */
    int hs;           /* handshake step seen: 1 SYN, 2 SYN-ACK, 3 ACK */
    uint64_t max_end; /* highest stream offset sent + 1 */
    int fin_a, fin_b; /* FIN seen from A / B */
    uint32_t fin_a_seq, fin_b_seq;
    int fin_a_acked, fin_b_acked;
    size_t pending_retx; /* first event index whose cause is not known yet */
    l4_tcp_info last;
    int have_last;
    int oom;
} demo_tcp;

/**
 * Runs the TCP act. Returns 0 when it ran (the verdict is in d->r), 2 when
 * the link text does not parse (reason in err), 1 when it could not run or
 * write its files (reason in err). Free with demo_tcp_free.
 */
int demo_tcp_run(demo_tcp *d, char *err, size_t errcap);
void demo_tcp_free(demo_tcp *d);

/** Every byte delivered, verified, both sides CLOSED. */
int demo_tcp_ok(const demo_tcp *d);

/** The timeline as text / the act as a JSON object (no newline). */
void demo_tcp_text(FILE *f, const demo_tcp *d);
void demo_tcp_json(FILE *f, const demo_tcp *d);

#endif
