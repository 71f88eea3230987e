/*
 * tools/l4kit/simrun.h — one `l4kit sim` scenario: the topology, the flows,
 * the run in virtual time and what it measured.
 *
 * Topology: a sender host A (10.0.0.1) and a receiver host B (10.0.0.2)
 * joined by one emulated link; A->B follows `fwd`, B->A (the ACK path)
 * follows `back`. `--flows N` opens N connections (TCP) or N sockets (UDP)
 * between that one pair, so all flows share the link's queue: the link is
 * the bottleneck they compete for.
 *
 * TCP: each flow connects from an ephemeral port of A to B:5001, sends its
 * bytes (a pattern keyed by the flow number and the byte offset), then shuts
 * down its side; B reads and checks every byte, and at end of stream shuts
 * down too. Neither side calls close before its connection reached CLOSED,
 * so the final state and counters stay readable: the active closer (A)
 * passes through TIME_WAIT (2 x MSL, 60 s of virtual time by default).
 *
 * Congestion control: `cc` names one algorithm for every flow; with several
 * names (`ccs`, from "--cc bbr,cubic") flow k uses ccs[k % nccs], set per
 * socket (l4_socket_set_cc). `stagger` starts flow k at k * stagger.
 *
 * Measurements besides the per-flow totals: every packet the forward link
 * accepts is weighed for its queueing delay and the queue it found
 * (l4_sim_link_queue, from the tap), for the whole run and per interval;
 * every `interval` of virtual time each flow's goodput and Jain's fairness
 * index over the active flows are recorded (JSON "intervals",
 * --interval-csv).
 *
 * UDP: each flow sends numbered datagrams (flow, sequence number, then a
 * pattern) at `rate_bps` to B:5001, for the bytes or the duration; B checks
 * each one it receives.
 *
 * QUIC: each flow is one QUIC connection from a UDP socket of A to B:443
 * (TLS 1.3 with a certificate made for the run; the client verifies it). The
 * client opens `streams` bidirectional streams and sends the flow's bytes
 * split over them (each stream its own pattern), a FIN on each; B reads and
 * checks every stream and, once all have ended, closes the connection
 * (CONNECTION_CLOSE, application code 0): B then waits out its closing period
 * and A its draining period (RFC 9000 §10.2), both end "closed".
 */
#ifndef L4_TOOLS_SIMRUN_H
#define L4_TOOLS_SIMRUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/host.h"
#include "quic/conn.h"
#include "sim/sim.h"
#include "tcp/conn.h"
#include "util/time.h"

#define SIMRUN_TCP  1
#define SIMRUN_UDP  2
#define SIMRUN_QUIC 3

#define SIMRUN_MAX_FLOWS   1000
#define SIMRUN_MAX_STREAMS 1000
#define SIMRUN_PORT        5001
#define SIMRUN_QUIC_PORT   443
#define SIMRUN_MAX_CC      8 /* names in --cc a,b,... */

/** What the command line asked for (cmd_sim.c fills it). */
typedef struct simrun_opts {
    int proto;         /* SIMRUN_TCP / SIMRUN_UDP / SIMRUN_QUIC */
    const char *cc;    /* congestion control name (TCP, QUIC) */
    l4_link_spec fwd;  /* A -> B */
    l4_link_spec back; /* B -> A */
    uint64_t bytes;    /* per flow; 0 = send for `duration` */
    int flows;         /* 1..SIMRUN_MAX_FLOWS */
    uint64_t seed;
    l4_time duration;    /* bytes > 0: a time limit (0 = 600 s); bytes == 0: how long to send */
    uint64_t rate_bps;   /* UDP: per flow */
    uint32_t payload;    /* UDP: datagram payload bytes */
    uint32_t bufsize;    /* TCP send and receive buffers per connection */
    l4_time close_delay; /* TCP: B shuts down this long after reading the end of stream */
    int ecn;             /* TCP: negotiate ECN (RFC 3168); QUIC: mark ECT(0) (RFC 9000 §13.4) */
    int nccs;            /* TCP: > 1 when the flows mix algorithms (ccs[k % nccs]) */
    const char *ccs[SIMRUN_MAX_CC];
    l4_time stagger;  /* TCP: flow k connects at k * stagger */
    l4_time interval; /* per-interval series (0: none) */
    const char *pcap, *csv, *plot;
    const char *interval_csv; /* the per-interval series as CSV */
    int streams;              /* QUIC: streams per connection (1..SIMRUN_MAX_STREAMS) */
    const char *keylog;       /* QUIC: the client's TLS secrets, SSLKEYLOGFILE format */
    const char *qlog;         /* QUIC: a directory for one qlog file per endpoint */
    l4_time cid_switch_at;    /* QUIC: clients move to another server connection ID (0: never) */
    l4_time rebind_at;        /* QUIC: clients send from a new port, as after a NAT rebinding */
    l4_time migrate_at;       /* QUIC: clients migrate actively (new port, new server ID) */
} simrun_opts;

/** The congestion control of flow `k`. */
static inline const char *simrun_flow_cc(const simrun_opts *o, int k)
{
    return o->nccs > 1 ? o->ccs[k % o->nccs] : o->cc;
}

/* ---- distributions (simrun_hist.c) --------------------------------------- */

/**
 * A histogram of non-negative integers (ns) with a relative resolution of
 * 1/64 (log-linear buckets; values below 128 exact), for percentiles of
 * queueing delays without keeping every sample.
 */
typedef struct simrun_hist {
    uint64_t n, sum, max;
    uint64_t *b; /* allocated on the first add */
} simrun_hist;

/** Adds `v`. Returns 0, or -1 when out of memory (the sample is lost). */
int simrun_hist_add(simrun_hist *h, uint64_t v);

/** The `p` quantile (0 < p <= 1): the middle of the bucket holding it, at most max; 0 when empty.
 */
double simrun_hist_quantile(const simrun_hist *h, double p);

/** Mean, 0 when empty. */
double simrun_hist_mean(const simrun_hist *h);

void simrun_hist_free(simrun_hist *h);

/** Jain's fairness index (sum x)^2 / (n sum x^2) of n values; 1 when all are 0 or n is 0. */
double simrun_jain(const double *x, int n);

/** One interval of the per-interval series. */
typedef struct simrun_interval {
    l4_time t0, t1;                       /* [t0, t1) of virtual time */
    double total_mbps;                    /* goodput of all flows */
    double jain;                          /* over the active flows */
    int active;                           /* flows started and not finished at t0 */
    double qdelay_mean_ms, qdelay_max_ms; /* of the packets the forward link accepted */
    double qpkts_mean;                    /* queue found by those packets, packets */
    uint64_t qpkts_max;
    uint64_t drops, marks; /* forward link: dropped (any cause), CE-marked */
    double *flow_mbps;     /* per flow (nflows values) */
} simrun_interval;

/** One sample: the sender's connection right after an event changed it. */
typedef struct simrun_sample {
    l4_time t;
    int flow;
    const l4_tcp_info *info;        /* TCP (NULL for QUIC) */
    const l4_link_queue *fwdq;      /* the forward link's queue at t (NULL: not known) */
    const l4_quic_conn_stats *quic; /* QUIC (NULL for TCP) */
    const char *quic_state;         /* QUIC: l4_quic_conn_state_name */
    uint32_t quic_mss;              /* QUIC: the largest datagram */
} simrun_sample;

/** QUIC: one stream of a flow. */
typedef struct simrun_stream {
    uint64_t id;
    uint64_t requested, delivered;
    int bad, fin; /* a byte differed from the pattern; B read the FIN */
    l4_time done; /* when B read the FIN */
} simrun_stream;

/**
 * Optional observers (the demo's timeline, `l4kit compare`): `tap` sees
 * every link event (as l4_sim_set_tap; it runs before the pcap writer),
 * `sample` every recorded sender sample (TCP, QUIC), `quic_event` every
 * event of every QUIC connection (quic/conn.h; `server` 0 for A's end, 1
 * for B's; it takes the connection's observer, so --qlog writes nothing
 * while it is set), `delivered` each read of B's application: `bytes` more
 * bytes of flow `flow` (TCP, QUIC: in order, every stream counted; UDP: the
 * pattern bytes of a datagram received for the first time, whatever its
 * order). Any may be NULL; `user` is passed to each.
 */
typedef struct simrun_hooks {
    l4_sim_tap_fn tap;
    void (*sample)(void *user, const simrun_sample *s);
    void *user;
    void (*quic_event)(void *user, int flow, int server, const l4_quic_event *ev);
    void (*delivered)(void *user, int flow, uint64_t bytes, l4_time now);
} simrun_hooks;

/** What one flow did. */
typedef struct simrun_flow {
    uint16_t sport;         /* A's port */
    uint64_t requested;     /* bytes the sender's application wrote (= --bytes in bytes mode) */
    uint64_t delivered;     /* bytes B's application read, in order */
    int bad;                /* a byte differed from the pattern (TCP), or a datagram (UDP) */
    int eof;                /* TCP: B saw the end of stream */
    int snd_err, rcv_err;   /* socket errors (L4_E*), 0 when none */
    l4_tcp_state snd_state; /* TCP final states */
    l4_tcp_state rcv_state;
    l4_time start, last_byte;       /* connect time; when the last byte reached B's application */
    l4_tcp_info snd_info, rcv_info; /* TCP: final counters of each side */
    /* UDP */
    uint64_t dgrams_sent, dgrams_rcvd, dgrams_unique, dgrams_dup, dgrams_late;
    uint64_t next_seq; /* the next in-order sequence number B expects */
    int out_of_order;
    /* QUIC: the streams, each side's final state, counters and close path
       ("closing": this side sent CONNECTION_CLOSE, "draining": the peer's
       arrived, "idle": the idle timeout) */
    int nstreams;
    simrun_stream *streams;
    const char *snd_qstate, *rcv_qstate;
    const char *snd_ecn; /* QUIC: the client's ECN validation state (RFC 9000 §13.4.2) */
    const char *snd_qclose, *rcv_qclose;
    l4_quic_conn_stats snd_quic, rcv_quic;
    l4_quic_cid odcid;      /* the client's first Destination CID (names the qlog files) */
    uint64_t dcid_seq;      /* the server connection ID the client ended with */
    int cid_switched;       /* --cid-switch: the client moved to another server ID */
    uint16_t sport_rebound; /* --rebind / --migrate: the client's new port (0: none) */
    int migrated;           /* --migrate: l4_quic_conn_migrate took (RFC 9000 §9.2) */
    int quic_close_by;      /* who closed: 0 A, 1 B, 2 the idle timeout, -1 nobody */
    uint64_t close_err;     /* the code in that CONNECTION_CLOSE (0: no error) */
    int close_app;          /* 1: an application code (0x1d), 0: a transport error (0x1c) */
    l4_time connect_at;     /* TCP: when the flow connected (stagger) */
    /* the set-up: TCP, A's connection reached ESTABLISHED (the SYN-ACK came
       back); QUIC, A's handshake completed (1-RTT keys: it may send stream
       data, RFC 9001 §4.1.1); UDP has none */
    int setup_done;
    l4_time setup_at;
    int got_first_byte;
    l4_time first_byte; /* when B's application read the flow's first byte */
} simrun_flow;

/** The result of a run. */
typedef struct simrun_result {
    int nflows;
    simrun_flow *flows;
    l4_link_stats fwd, back;
    l4_time end;          /* virtual time when the run ended */
    l4_time transfer_end; /* when the last byte of any flow reached B's application */
    uint64_t events;
    uint64_t pcap_records;
    uint64_t samples; /* CSV rows */
    int timed_out;    /* the time limit stopped the run */
    /* QUIC: B's connection-ID demultiplexer and its Stateless Resets */
    uint64_t demux_routed, demux_unknown, resets_sent;
    /* forward (A -> B) and back links: queueing delay (ns) of each accepted
       packet and the queue (packets) it found, over the whole run */
    simrun_hist qdelay[2], qpkts[2];
    simrun_interval *iv; /* the per-interval series (o->interval) */
    int niv;
    l4_host_stats rcv_host; /* host B's counters at the end (checksum drops ...) */
    char error[1024];       /* set when the run could not be set up (exit 1) */
} simrun_result;

/**
 * Runs the scenario `o` and fills `*r` (free with simrun_result_free).
 * Writes o->pcap / o->csv / o->plot when set. `hooks` (NULL: none) are
 * called during the run (UDP calls `tap` and `delivered` only). Returns 0
 * when the run took place (whatever its outcome), -1 when it could not be
 * set up or an output file could not be written (reason in r->error).
 */
int simrun_tcp(const simrun_opts *o, const simrun_hooks *hooks, simrun_result *r);
int simrun_udp(const simrun_opts *o, const simrun_hooks *hooks, simrun_result *r);
int simrun_quic(const simrun_opts *o, const simrun_hooks *hooks, simrun_result *r);

/** QUIC: the bytes stream `i` of each flow carries, its share of o->bytes (the first
 * o->bytes mod o->streams streams carry one more); UINT64_MAX in duration mode. */
uint64_t simrun_stream_quota(const simrun_opts *o, int i);

/** The one of the three that o->proto names (`hooks` may be NULL). */
int simrun_run(const simrun_opts *o, const simrun_hooks *hooks, simrun_result *r);

void simrun_result_free(simrun_result *r);

/*
 * The data pattern: byte `offset` of flow `flow`'s stream is base(x) with
 * x = (offset + flow * 4099) mod 128 KiB and base(x) = x*131 + (x>>9)*7 + 0x5a
 * (mod 256). Any lost, duplicated, reordered or altered byte shows up unless
 * the error shifts data by an exact multiple of 128 KiB (and the byte counts
 * must match as well). Periodic, so a table of 128 KiB + a chunk serves every
 * flow without copying.
 */
#define SIMRUN_PATTERN_PERIOD (128u * 1024u)

static inline uint32_t simrun_pattern_index(int flow, uint64_t offset)
{
    return (uint32_t)((offset + (uint64_t)flow * 4099u) % SIMRUN_PATTERN_PERIOD);
}

static inline uint8_t simrun_pattern_base(uint32_t x)
{
    return (uint8_t)((x * 131u + (x >> 9) * 7u + 0x5au) & 0xffu);
}

/** The pattern byte at `offset` of flow `flow`'s stream. */
static inline uint8_t simrun_byte(int flow, uint64_t offset)
{
    return simrun_pattern_base(simrun_pattern_index(flow, offset));
}

/** Nonzero when flow `f` completed and its data verified (see simrun_report.c). */
int simrun_flow_ok(const simrun_opts *o, const simrun_flow *f);

/** Every byte exactly once, in order, unaltered. */
int simrun_flow_verified(const simrun_opts *o, const simrun_flow *f);

/** Aggregates. */
uint64_t simrun_bytes_requested(const simrun_result *r);
uint64_t simrun_bytes_delivered(const simrun_result *r);
double simrun_goodput_mbps(const simrun_result *r);

/** Jain's index over the flows' goodputs (each over its own transfer time). */
double simrun_flows_jain(const simrun_result *r);

/**
 * Writes the per-interval series as CSV to `path`: one row per interval,
 * columns t_s (the interval's end), t0_s, total_mbps, jain, active_flows,
 * queue_delay_ms_mean, queue_delay_ms_max, queue_pkts_mean, queue_pkts_max,
 * drops, marks, then flow0_mbps .. flow<N-1>_mbps. Returns 0 or -1 with a
 * reason in `err`.
 */
int simrun_intervals_csv(const char *path, const simrun_result *r, char *err, size_t errcap);

/** Prints the run as one JSON object (and a newline) / a readable summary. */
void simrun_report_json(FILE *f, const simrun_opts *o, const simrun_result *r);
void simrun_report_text(FILE *f, const simrun_opts *o, const simrun_result *r);

/* ---- the trace (--csv, --plot) ------------------------------------------ */

typedef struct simrun_trace simrun_trace;

/**
 * Opens the trace of `proto` (SIMRUN_TCP / SIMRUN_QUIC: the CSV columns): a
 * CSV file at `csv` (NULL: none) and, when `keep_points`, points kept in
 * memory for the plot. Returns NULL with a reason in `err`.
 */
simrun_trace *simrun_trace_open(int proto, const char *csv, int keep_points, char *err,
                                size_t errcap);

/** Records one sample (a CSV row; a plot point). */
void simrun_trace_add(simrun_trace *t, const simrun_sample *s);

/** Rows written. */
uint64_t simrun_trace_rows(const simrun_trace *t);

/**
 * Writes the cwnd/ssthresh plot to `svg` (`title` on top). With `phases`
 * and a single flow, the plot names the phases of the window (RFC 5681):
 * slow start (cwnd < ssthresh), congestion avoidance, fast recovery, and
 * each retransmission timeout as a vertical line ("RTO"). Returns 0 or -1
 * with a reason in `err`.
 */
int simrun_trace_plot(const simrun_trace *t, const char *svg, const char *title, int phases,
                      char *err, size_t errcap);

/** Closes the CSV and frees the trace (NULL ok). Returns 0, or -1 when a write failed. */
int simrun_trace_close(simrun_trace *t);

/* ---- options (simrun_opts.c): what `l4kit sim` and `l4kit compare` share - */

/** The defaults both commands start from: reno, 1 flow, 1 stream, seed 1, 1200-byte datagrams,
 * the ideal link both ways, interval 0 (no per-interval series). */
void simrun_opts_init(simrun_opts *o);

/**
 * Parses `link` into o->fwd and `link_back` (NULL: the same text) into
 * o->back. Returns 0, or -1 with "--link: REASON" / "--link-back: REASON"
 * in `err`.
 */
int simrun_opts_links(simrun_opts *o, const char *link, const char *link_back, char *err,
                      size_t errcap);

/**
 * Checks that `name` is a registered congestion control. Returns 0, or -1
 * with "unknown congestion control 'X' (registered: reno, ...)" in `err`.
 */
int simrun_cc_check(const char *name, char *err, size_t errcap);

/**
 * "bbr,cubic": one name per flow, round robin (o->ccs, o->nccs). The names
 * are cut out of `buf` (`cap` bytes, a copy of `list` the caller keeps
 * while o is used). Returns 0, or -1 with a one-line reason in `err` (an
 * unknown name, an empty entry, more than SIMRUN_MAX_CC names, too long).
 */
int simrun_cc_list(simrun_opts *o, const char *list, char *buf, size_t cap, char *err,
                   size_t errcap);

/** A rate as the link spec writes it ("8mbit", "1gbit"): 0, or -1 (also for 0). */
int simrun_parse_rate(const char *text, uint64_t *bps);

/** TCP/QUIC buffers when not given: twice the link's bandwidth-delay product (both delays), a
 * power of two from 256K to 64M. */
uint32_t simrun_auto_bufsize(const simrun_opts *o);

#endif
