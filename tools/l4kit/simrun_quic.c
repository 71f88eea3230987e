/*
 * tools/l4kit/simrun_quic.c — `l4kit sim --proto quic`: N QUIC connections
 * from host A to host B:443 across one emulated link, each sending the
 * flow's bytes split over M streams and closed by B once every stream has
 * ended (see simrun.h for the scenario).
 *
 * The QUIC engines run on the hosts' UDP sockets, so the link (and the
 * capture) carries real IPv4/UDP datagrams with checksums. Each host is one
 * emulator node: a thin wrapper around the host's node operations adds the
 * connections' timers to the host's (next_timeout is the earlier of the
 * two; handle_timeout runs both) and drains every connection's output into
 * its socket after each event. B's one socket (port 443) demultiplexes by
 * connection ID (host/quic_cid.h): every server connection registers the
 * IDs it issues, so a datagram reaches its connection whatever its source
 * address; B's engine sees the source as the datagram's path and follows a
 * client whose address changed (NAT rebinding, --rebind), validating the new
 * path (RFC 9000 §9.3). A short-header datagram for an ID nobody has gets a
 * Stateless Reset (§10.3; the server's tokens derive from one key).
 *
 * TLS: GnuTLS with a certificate made for the run (io/quic_tls_gnutls.h;
 * the provider reads the clock and /dev/urandom, so handshake bytes differ
 * from run to run while the packet sizes, and so the run, stay the same);
 * the client verifies the certificate and, with --keylog, writes its
 * secrets in SSLKEYLOGFILE format so tshark can decrypt the capture.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/quic_cid.h"
#include "host/sim_node.h"
#include "host/socket.h"
#include "io/quic_qlog.h"
#include "io/quic_tls_gnutls.h"
#include "io/sim_pcap.h"
#include "simrun.h"
#include "util/rng.h"

#define QS_CHUNK     (64 * 1024)
#define QS_DGRAM     1472 /* MTU 1500 - IPv4 - UDP */
#define QS_NAME      "sim.l4kit.test"
#define QS_CLOSE_MAX (60 * L4_S) /* after the transfer, time for both sides to close */

typedef struct qs_run qs_run;

/* What a connection's callbacks get as user data. */
typedef struct qs_ref {
    qs_run *t;
    int flow;
    int server;
} qs_ref;

typedef struct qs_flow {
    l4_quic_conn *cl, *sv;
    qs_ref ref_cl, ref_sv;
    int sd_a;        /* A's socket */
    uint64_t *quota; /* per stream: bytes to send (UINT64_MAX: until the duration ends) */
    int *fin_written;
    int streams_done;
    int closed_cl, closed_sv;
    int close_by; /* -1 nobody yet, 0 A, 1 B, 2 idle */
} qs_flow;

/* One host and its connections, as one emulator node. */
typedef struct qs_side {
    qs_run *t;
    l4_host *h;
    int server;
    int node;
} qs_side;

struct qs_run {
    const simrun_opts *o;
    const simrun_hooks *hooks;
    simrun_result *r;
    l4_sim *sim;
    const l4_sim_node_ops *hops;
    qs_side a, b;
    qs_flow *qf;
    int sd_b;
    int *port_flow; /* B: the client's port -> flow */
    int stop;       /* duration mode: the sending time is over */
    int closed;     /* connections (either side) that reached "closed" */
    l4_quic_conn_stats *last;
    const char **last_state;
    int sampling;
    simrun_trace *trace;
    l4_sim_pcap *cap;
    FILE *keylog;
    uint8_t *cert, *key;
    size_t cert_len, key_len;
    l4_quic_settings cs, ss;
    l4_quic_callbacks cb;
    uint64_t send_errors;
    uint64_t resets_sent;            /* Stateless Resets B answered unknown IDs with */
    int switched, rebound, migrated; /* --cid-switch / --rebind / --migrate done */
    l4_rng rng;                      /* the Stateless Resets' unpredictable bytes */
    int qlog_err;                    /* a qlog file could not be created */
    uint8_t buf[65536];
    uint8_t pat[SIMRUN_PATTERN_PERIOD + QS_CHUNK];
};

/* The pattern key of stream i of flow f: every stream its own bytes. */
static int qs_key(const qs_run *t, int flow, int i)
{
    return flow * t->o->streams + i;
}

/* ---- paths: the peer's address and port as the engine compares them ------ */

static l4_quic_path qs_path(const l4_addr *a, uint16_t port)
{
    l4_quic_path p;
    memset(&p, 0, sizeof p);
    p.id[0] = a->family;
    memcpy(p.id + 1, a->bytes, 16);
    p.id[17] = (uint8_t)(port >> 8);
    p.id[18] = (uint8_t)port;
    p.addr_len = 17;
    p.len = 19;
    return p;
}

static void qs_path_addr(const l4_quic_path *p, l4_addr *a, uint16_t *port)
{
    memset(a, 0, sizeof *a);
    a->family = p->id[0];
    memcpy(a->bytes, p->id + 1, 16);
    *port = (uint16_t)((p->id[17] << 8) | p->id[18]);
}

/* ---- output: every connection's datagrams into its socket --------------- */

static void qs_drain(qs_run *t, int flow, int server)
{
    qs_flow *f = &t->qf[flow];
    l4_quic_conn *c = server ? f->sv : f->cl;
    if (!c)
        return;
    l4_host *h = server ? t->b.h : t->a.h;
    l4_time now = l4_host_now(h);
    for (;;) {
        l4_quic_path to;
        unsigned ecn = 0;
        l4_ssize n = l4_quic_conn_output_dgram(c, t->buf, QS_DGRAM, &to, &ecn, now);
        if (n <= 0)
            break;
        l4_ssize k;
        l4_socket_set_ecn(h, server ? t->sd_b : f->sd_a, ecn); /* this datagram's IP ECN bits */
        if (server) {
            l4_addr a;
            uint16_t port;
            qs_path_addr(&to, &a, &port);
            k = l4_socket_sendto(h, t->sd_b, t->buf, (size_t)n, &a, port, now);
        } else {
            k = l4_socket_send(h, f->sd_a, t->buf, (size_t)n, now);
        }
        if (k < 0)
            t->send_errors++; /* the datagram is lost; QUIC recovers */
    }
}

/* ---- the client (A): open the streams, write the pattern ---------------- */

static void qs_push(qs_run *t, int flow)
{
    qs_flow *f = &t->qf[flow];
    simrun_flow *rf = &t->r->flows[flow];
    if (!f->cl || !l4_quic_conn_handshake_complete(f->cl) || l4_quic_conn_is_closing(f->cl))
        return;
    for (int i = 0; i < rf->nstreams; i++) {
        simrun_stream *st = &rf->streams[i];
        if (f->fin_written[i])
            continue;
        uint64_t quota = f->quota[i];
        while (st->requested < quota) {
            uint64_t left = quota - st->requested;
            size_t n = left < QS_CHUNK ? (size_t)left : QS_CHUNK;
            int fin = quota != UINT64_MAX && st->requested + n == quota;
            const uint8_t *p = t->pat + simrun_pattern_index(qs_key(t, flow, i), st->requested);
            l4_ssize k = l4_quic_stream_write(f->cl, st->id, p, n, fin);
            if (k < 0 && !rf->snd_err)
                rf->snd_err = (int)k;
            if (k <= 0)
                break;
            st->requested += (uint64_t)k;
            rf->requested += (uint64_t)k;
            if ((size_t)k < n)
                break;
            if (fin)
                f->fin_written[i] = 1;
        }
        if (!f->fin_written[i] && st->requested == quota) {
            /* nothing (left) to write: the FIN alone */
            if (l4_quic_stream_write(f->cl, st->id, t->pat, 0, 1) == 0)
                f->fin_written[i] = 1;
        }
    }
}

static void qs_handshake_done(l4_quic_conn *c, void *user)
{
    qs_ref *ref = user;
    qs_run *t = ref->t;
    if (ref->server)
        return;
    simrun_flow *rf = &t->r->flows[ref->flow];
    rf->setup_done = 1;
    rf->setup_at = l4_host_now(t->a.h);
    for (int i = 0; i < rf->nstreams; i++) {
        int rc = l4_quic_stream_open(c, 0, &rf->streams[i].id);
        if (rc < 0) {
            if (!rf->snd_err)
                rf->snd_err = rc;
            return;
        }
    }
    qs_push(t, ref->flow);
}

static void qs_writable(l4_quic_conn *c, uint64_t sid, void *user)
{
    qs_ref *ref = user;
    (void)c;
    (void)sid;
    if (!ref->server)
        qs_push(ref->t, ref->flow);
}

/* ---- the server (B): read and check every stream ------------------------ */

static void qs_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    qs_ref *ref = user;
    qs_run *t = ref->t;
    qs_flow *f = &t->qf[ref->flow];
    simrun_flow *rf = &t->r->flows[ref->flow];
    if (!ref->server)
        return; /* B sends nothing on the streams */
    /* The client opens its bidirectional streams in order: ids 0, 4, 8 ... */
    uint64_t idx = sid / 4;
    if (sid % 4 != 0 || idx >= (uint64_t)rf->nstreams) {
        rf->bad = 1;
        return;
    }
    simrun_stream *st = &rf->streams[idx];
    l4_time now = l4_host_now(t->b.h);
    int key = qs_key(t, ref->flow, (int)idx);
    while (!st->fin) {
        int fin = 0;
        l4_ssize k = l4_quic_stream_read(c, sid, t->buf, sizeof t->buf, &fin);
        if (k < 0) {
            if (!rf->rcv_err)
                rf->rcv_err = (int)k;
            return;
        }
        if (k > 0) {
            if (!st->bad &&
                memcmp(t->buf, t->pat + simrun_pattern_index(key, st->delivered), (size_t)k))
                st->bad = rf->bad = 1;
            if (!rf->got_first_byte) {
                rf->got_first_byte = 1;
                rf->first_byte = now;
            }
            st->delivered += (uint64_t)k;
            rf->delivered += (uint64_t)k;
            rf->last_byte = now;
            if (now > t->r->transfer_end)
                t->r->transfer_end = now;
            if (t->hooks && t->hooks->delivered)
                t->hooks->delivered(t->hooks->user, ref->flow, (uint64_t)k, now);
        }
        if (fin) {
            st->fin = 1;
            st->done = now;
            if (++f->streams_done == rf->nstreams) {
                rf->eof = 1;
                l4_quic_conn_close(c, 0, "done", now);
            }
        }
        if (k == 0)
            break;
    }
}

static void qs_closed(l4_quic_conn *c, int by_peer, int app, uint64_t err, const char *reason,
                      size_t reason_len, void *user)
{
    qs_ref *ref = user;
    qs_flow *f = &ref->t->qf[ref->flow];
    simrun_flow *rf = &ref->t->r->flows[ref->flow];
    (void)c;
    (void)reason;
    (void)reason_len;
    const char *path = by_peer == 1 ? "draining" : by_peer == 2 ? "idle" : "closing";
    if (ref->server)
        rf->rcv_qclose = path;
    else
        rf->snd_qclose = path;
    if (f->close_by < 0) {
        f->close_by = by_peer == 2 ? 2 : by_peer ? !ref->server : ref->server;
        rf->close_err = err;
        rf->close_app = app;
    }
}

/* ---- the hosts as emulator nodes ------------------------------------------- */

static l4_quic_conn *qs_conn(qs_run *t, int flow, int server)
{
    return server ? t->qf[flow].sv : t->qf[flow].cl;
}

static int qs_flow_of_client_sd(qs_run *t, int sd)
{
    for (int i = 0; i < t->r->nflows; i++)
        if (t->qf[i].sd_a == sd)
            return i;
    return -1;
}

/* A: datagrams for one client connection (its own connected socket). */
static void qs_a_readable(l4_host *h, int sd, void *user)
{
    qs_run *t = user;
    int flow = qs_flow_of_client_sd(t, sd);
    for (;;) {
        l4_ssize n = l4_socket_recv(h, sd, t->buf, sizeof t->buf, l4_host_now(h));
        if (n < 0)
            break;
        if (flow >= 0 && t->qf[flow].cl)
            l4_quic_conn_input_dgram(t->qf[flow].cl, t->buf, (size_t)n, NULL,
                                     (unsigned)l4_socket_last_ecn(h, sd), l4_host_now(h));
    }
    if (flow >= 0)
        qs_drain(t, flow, 0);
}

static void qs_keylog_line(void *user, const char *line)
{
    qs_run *t = user;
    if (t->keylog)
        fprintf(t->keylog, "%s\n", line);
}

static void qs_observe(l4_quic_conn *c, const l4_quic_event *ev, void *user)
{
    qs_ref *ref = user;
    (void)c;
    ref->t->hooks->quic_event(ref->t->hooks->user, ref->flow, ref->server, ev);
}

/* --qlog: one file per endpoint, times from the start of the run (or the
   caller's observer, simrun_hooks.quic_event). */
static void qs_qlog(qs_run *t, l4_quic_conn *c, int flow)
{
    if (t->hooks && t->hooks->quic_event) {
        qs_flow *f = &t->qf[flow];
        l4_quic_conn_set_observer(c, qs_observe, NULL,
                                  l4_quic_conn_is_server(c) ? &f->ref_sv : &f->ref_cl);
        return;
    }
    if (!t->o->qlog)
        return;
    char title[64];
    snprintf(title, sizeof title, "l4kit sim, flow %d, %s", flow,
             l4_quic_conn_is_server(c) ? "receiver (B)" : "sender (A)");
    if (l4_quic_qlog_attach(c, t->o->qlog, title, 0, NULL, 0) < 0)
        t->qlog_err = 1;
}

static int qs_new_server(qs_run *t, int flow, const uint8_t *d, size_t len)
{
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.is_server = 1;
    cfg.cert_pem = t->cert;
    cfg.cert_pem_len = t->cert_len;
    cfg.key_pem = t->key;
    cfg.key_pem_len = t->key_len;
    l4_quic_tls *tls;
    if (l4_quic_tls_gnutls_new(&tls, &cfg) < 0)
        return -1;
    l4_quic_settings s = t->ss;
    s.seed = t->o->seed * 1000003u + 2u * (uint64_t)flow + 2;
    qs_flow *f = &t->qf[flow];
    int rc =
        l4_quic_conn_new_server(&f->sv, &s, &t->cb, &f->ref_sv, tls, d, len, l4_host_now(t->b.h));
    if (rc == 0)
        qs_qlog(t, f->sv, flow);
    return rc;
}

/* B's demultiplexer learns and forgets the IDs a server connection issues. */
static void qs_cid_new(l4_quic_conn *c, const l4_quic_cid *cid, void *user)
{
    qs_ref *ref = user;
    (void)c;
    if (ref->server)
        l4_socket_quic_cid_add(ref->t->b.h, ref->t->sd_b, cid, ref);
}

static void qs_cid_retired(l4_quic_conn *c, const l4_quic_cid *cid, void *user)
{
    qs_ref *ref = user;
    (void)c;
    if (ref->server)
        l4_socket_quic_cid_del(ref->t->b.h, ref->t->sd_b, cid);
}

/* A datagram no connection's ID names: a client's first Initial starts a
 * server connection (the client's port names the flow, for the report); a
 * short header gets a Stateless Reset. */
static void qs_b_unknown(qs_run *t, const l4_addr *src, uint16_t sport, size_t n)
{
    l4_time now = l4_host_now(t->b.h);
    if (!(t->buf[0] & 0x80)) {
        uint8_t rst[64];
        l4_ssize k = l4_quic_stateless_reset(rst, sizeof rst, t->ss.reset_key, t->buf, n,
                                             t->ss.cid_len, &t->rng);
        if (k > 0 && l4_socket_sendto(t->b.h, t->sd_b, rst, (size_t)k, src, sport, now) >= 0)
            t->resets_sent++;
        return;
    }
    int flow = t->port_flow[sport];
    if (flow < 0 || t->qf[flow].sv)
        return;
    qs_flow *f = &t->qf[flow];
    /* anything but a valid first Initial is dropped (RFC 9000 §14.1) */
    if (qs_new_server(t, flow, t->buf, n) < 0)
        return;
    l4_quic_cid ids[16];
    size_t k = l4_quic_conn_local_cids(f->sv, ids, 16);
    for (size_t i = 0; i < k && i < 16; i++)
        l4_socket_quic_cid_add(t->b.h, t->sd_b, &ids[i], &f->ref_sv);
    l4_quic_path from = qs_path(src, sport);
    l4_quic_conn_input_dgram(f->sv, t->buf, n, &from, (unsigned)l4_socket_last_ecn(t->b.h, t->sd_b),
                             now);
    qs_drain(t, flow, 1);
}

/* B: every datagram to port 443, routed by its Destination Connection ID. */
static void qs_b_readable(l4_host *h, int sd, void *user)
{
    qs_run *t = user;
    for (;;) {
        l4_addr src;
        uint16_t sport = 0;
        void *conn = NULL;
        l4_ssize n =
            l4_socket_quic_recv(h, sd, t->buf, sizeof t->buf, &src, &sport, &conn, l4_host_now(h));
        if (n < 0)
            break;
        if (!conn) {
            qs_b_unknown(t, &src, sport, (size_t)n);
            continue;
        }
        qs_ref *ref = conn;
        qs_flow *f = &t->qf[ref->flow];
        l4_quic_path from = qs_path(&src, sport);
        l4_quic_conn_input_dgram(f->sv, t->buf, (size_t)n, &from,
                                 (unsigned)l4_socket_last_ecn(h, sd), l4_host_now(h));
        qs_drain(t, ref->flow, 1);
    }
}

static const l4_socket_callbacks qs_a_cbs = {.readable = qs_a_readable};
static const l4_socket_callbacks qs_b_cbs = {.readable = qs_b_readable};

static int qs_stats_differ(const l4_quic_conn_stats *a, const l4_quic_conn_stats *b)
{
    return a->cwnd != b->cwnd || a->ssthresh != b->ssthresh || a->srtt != b->srtt ||
           a->bytes_in_flight != b->bytes_in_flight || a->pkts_lost != b->pkts_lost ||
           a->pto_count_total != b->pto_count_total || a->delivered != b->delivered ||
           a->pacing_rate != b->pacing_rate;
}

static void qs_sample(qs_run *t)
{
    l4_time now = l4_sim_now(t->sim);
    l4_link_queue q;
    const l4_link_queue *fq = l4_sim_link_queue(t->sim, 0, L4_LINK_DIR_AB, &q) == 0 ? &q : NULL;
    for (int i = 0; i < t->r->nflows; i++) {
        l4_quic_conn *c = t->qf[i].cl;
        if (!c)
            continue;
        l4_quic_conn_stats st;
        l4_quic_conn_get_stats(c, &st);
        const char *state = l4_quic_conn_state_name(c);
        if (!qs_stats_differ(&st, &t->last[i]) && state == t->last_state[i])
            continue;
        t->last[i] = st;
        t->last_state[i] = state;
        simrun_sample s = {now, i, NULL, fq, &st, state, QS_DGRAM};
        if (t->trace)
            simrun_trace_add(t->trace, &s);
        if (t->hooks && t->hooks->sample)
            t->hooks->sample(t->hooks->user, &s);
    }
}

static void qs_node_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    qs_side *s = user;
    s->t->hops->input(s->h, ifindex, pkt, len, now);
}

static l4_ssize qs_node_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    qs_side *s = user;
    return s->t->hops->output(s->h, ifindex, buf, cap, now);
}

static l4_time qs_node_next_timeout(void *user)
{
    qs_side *s = user;
    qs_run *t = s->t;
    if (!s->server && t->sampling)
        qs_sample(t);
    l4_time nx = t->hops->next_timeout(s->h);
    for (int i = 0; i < t->r->nflows; i++) {
        l4_quic_conn *c = qs_conn(t, i, s->server);
        if (c)
            nx = l4_time_min(nx, l4_quic_conn_next_timeout(c));
    }
    return nx;
}

static void qs_node_timeout(void *user, l4_time now)
{
    qs_side *s = user;
    qs_run *t = s->t;
    t->hops->handle_timeout(s->h, now);
    for (int i = 0; i < t->r->nflows; i++) {
        l4_quic_conn *c = qs_conn(t, i, s->server);
        if (!c || l4_quic_conn_next_timeout(c) > now)
            continue;
        l4_quic_conn_handle_timeout(c, now);
        qs_drain(t, i, s->server);
    }
}

static const l4_sim_node_ops qs_node_ops = {
    qs_node_input,
    qs_node_output,
    qs_node_next_timeout,
    qs_node_timeout,
};

/* The capture point is host A, as for TCP (simrun_tcp.c). */
static void qs_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                   size_t len)
{
    qs_run *t = user;
    if (t->hooks && t->hooks->tap)
        t->hooks->tap(t->hooks->user, link, dir, event, now, pkt, len);
    int at_a = dir == L4_LINK_DIR_AB ? event != L4_SIM_TAP_DELIVER : event == L4_SIM_TAP_DELIVER;
    if (t->cap && at_a) {
        l4_sim_pcap_tap(t->cap, link, dir, L4_SIM_TAP_DELIVER, now, pkt, len);
        t->r->pcap_records++;
    }
}

/* ---- the run ---------------------------------------------------------------- */

static l4_host *qs_host(uint64_t seed, int last_octet)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.seed = seed;
    cfg.txq_limit = 1u << 16; /* a congestion window's worth of datagrams at once */
    cfg.udp_rcvq_bytes = 64u << 20;
    l4_host *h = NULL;
    if (l4_host_new(&h, &cfg) != 0)
        return NULL;
    uint8_t ip[4] = {10, 0, 0, (uint8_t)last_octet};
    l4_addr a = l4_addr_v4(ip);
    if (l4_host_add_addr(h, 0, &a, 24) != 0) {
        l4_host_del(h);
        return NULL;
    }
    return h;
}

static void qs_settings(const simrun_opts *o, l4_quic_settings *s)
{
    l4_quic_settings_default(s);
    s->cc = o->cc;
    s->max_datagram = QS_DGRAM;
    uint64_t win = o->bufsize ? o->bufsize : 1u << 20;
    s->tp.initial_max_data = win * (uint64_t)(o->streams < 4 ? o->streams : 4);
    s->tp.initial_max_stream_data_bidi_local = win;
    s->tp.initial_max_stream_data_bidi_remote = win;
    s->tp.initial_max_stream_data_uni = win;
    s->tp.initial_max_streams_bidi = (uint64_t)o->streams;
    s->ecn = o->ecn; /* RFC 9000 §13.4: mark ECT(0), validate, react to CE */
}

uint64_t simrun_stream_quota(const simrun_opts *o, int i)
{
    if (!o->bytes)
        return UINT64_MAX;
    uint64_t n = (uint64_t)o->streams;
    return o->bytes / n + ((uint64_t)i < o->bytes % n ? 1 : 0);
}

static int qs_start_client(qs_run *t, int flow, const l4_addr *addr_b)
{
    qs_flow *f = &t->qf[flow];
    simrun_flow *rf = &t->r->flows[flow];
    f->sd_a = l4_socket_open(t->a.h, L4_AF_INET4, L4_SOCK_DGRAM);
    uint16_t port = 0;
    if (f->sd_a < 0 || l4_socket_set_callbacks(t->a.h, f->sd_a, &qs_a_cbs, t) ||
        l4_socket_connect(t->a.h, f->sd_a, addr_b, SIMRUN_QUIC_PORT, 0) ||
        l4_socket_local(t->a.h, f->sd_a, NULL, &port))
        return -1;
    rf->sport = port;
    t->port_flow[port] = flow;
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server_name = QS_NAME;
    cfg.ca_pem = t->cert;
    cfg.ca_pem_len = t->cert_len;
    cfg.keylog = qs_keylog_line;
    cfg.keylog_user = t;
    l4_quic_tls *tls;
    if (l4_quic_tls_gnutls_new(&tls, &cfg) < 0)
        return -1;
    l4_quic_settings s = t->cs;
    s.seed = t->o->seed * 1000003u + 2u * (uint64_t)flow + 1;
    if (l4_quic_conn_new_client(&f->cl, &s, &t->cb, &f->ref_cl, tls, 0) < 0)
        return -1;
    qs_qlog(t, f->cl, flow);
    return 0;
}

/* --cid-switch: every client moves to another of its server's connection IDs
 * (RFC 9000 §5.1.2) and retires the one it used; B's demultiplexer must
 * route the packets to the new ID. */
static void qs_switch(qs_run *t)
{
    t->switched = 1;
    for (int i = 0; i < t->r->nflows; i++) {
        if (!t->qf[i].cl)
            continue;
        t->r->flows[i].cid_switched = l4_quic_conn_switch_dcid(t->qf[i].cl) == 0;
        qs_drain(t, i, 0);
    }
}

/* --rebind: every client's datagrams leave from a new port from now on, as
 * when a NAT maps the flow anew; the connection does not know. */
static void qs_rebind(qs_run *t, const l4_addr *addr_b)
{
    for (int i = 0; i < t->r->nflows; i++) {
        qs_flow *f = &t->qf[i];
        int sd = l4_socket_open(t->a.h, L4_AF_INET4, L4_SOCK_DGRAM);
        uint16_t port = 0;
        if (sd < 0 || l4_socket_set_callbacks(t->a.h, sd, &qs_a_cbs, t) ||
            l4_socket_connect(t->a.h, sd, addr_b, SIMRUN_QUIC_PORT, 0) ||
            l4_socket_local(t->a.h, sd, NULL, &port)) {
            if (sd >= 0)
                l4_socket_close(t->a.h, sd, l4_host_now(t->a.h));
            continue;
        }
        l4_socket_close(t->a.h, f->sd_a, l4_host_now(t->a.h));
        f->sd_a = sd;
        t->port_flow[port] = i;
        t->r->flows[i].sport_rebound = port;
        qs_drain(t, i, 0);
    }
}

/* --migrate: every client moves to a server ID it never used and validates
 * the path (l4_quic_conn_migrate), then its datagrams leave from a new port. */
static void qs_migrate(qs_run *t, const l4_addr *addr_b)
{
    t->migrated = 1;
    for (int i = 0; i < t->r->nflows; i++)
        if (t->qf[i].cl)
            t->r->flows[i].migrated =
                l4_quic_conn_migrate(t->qf[i].cl, 0, l4_host_now(t->a.h)) == 0;
    qs_rebind(t, addr_b);
}

/* Duration mode: the sending time is over; every stream ends where it is. */
static void qs_stop(qs_run *t)
{
    t->stop = 1;
    for (int i = 0; i < t->r->nflows; i++) {
        simrun_flow *rf = &t->r->flows[i];
        for (int k = 0; k < rf->nstreams; k++)
            t->qf[i].quota[k] = rf->streams[k].requested;
        qs_push(t, i);
        qs_drain(t, i, 0);
    }
}

static int qs_all_closed(const qs_run *t)
{
    for (int i = 0; i < t->r->nflows; i++) {
        const qs_flow *f = &t->qf[i];
        if (!f->cl || !f->sv || !l4_quic_conn_is_closed(f->cl) || !l4_quic_conn_is_closed(f->sv))
            return 0;
    }
    return 1;
}

static int qs_all_delivered(const qs_run *t)
{
    for (int i = 0; i < t->r->nflows; i++)
        if (!t->r->flows[i].eof)
            return 0;
    return 1;
}

static void qs_final(qs_run *t)
{
    for (int i = 0; i < t->r->nflows; i++) {
        qs_flow *f = &t->qf[i];
        simrun_flow *rf = &t->r->flows[i];
        rf->snd_qstate = f->cl ? l4_quic_conn_state_name(f->cl) : "none";
        rf->snd_ecn = f->cl ? l4_quic_conn_ecn_state(f->cl) : "off";
        rf->rcv_qstate = f->sv ? l4_quic_conn_state_name(f->sv) : "none";
        if (f->cl) {
            l4_quic_conn_get_stats(f->cl, &rf->snd_quic);
            rf->odcid = *l4_quic_conn_odcid(f->cl);
            rf->dcid_seq = l4_quic_conn_dcid_seq(f->cl);
        }
        if (f->sv)
            l4_quic_conn_get_stats(f->sv, &rf->rcv_quic);
        rf->quic_close_by = f->close_by;
    }
}

int simrun_quic(const simrun_opts *o, const simrun_hooks *hooks, simrun_result *r)
{
    memset(r, 0, sizeof *r);
    int n = o->flows;
    qs_run *t = calloc(1, sizeof *t);
    r->flows = calloc((size_t)n, sizeof *r->flows);
    int rc = -1;
    if (!t || !r->flows) {
        snprintf(r->error, sizeof r->error, "out of memory");
        free(t);
        return -1;
    }
    r->nflows = n;
    t->o = o;
    t->hooks = hooks;
    t->r = r;
    t->hops = l4_host_sim_ops();
    t->sd_b = -1;
    t->qf = calloc((size_t)n, sizeof *t->qf);
    t->last = calloc((size_t)n, sizeof *t->last);
    t->last_state = calloc((size_t)n, sizeof *t->last_state);
    t->port_flow = malloc(65536 * sizeof *t->port_flow);
    if (!t->qf || !t->last || !t->last_state || !t->port_flow) {
        snprintf(r->error, sizeof r->error, "out of memory");
        goto out;
    }
    for (int i = 0; i < 65536; i++)
        t->port_flow[i] = -1;
    for (int i = 0; i < n; i++) {
        qs_flow *f = &t->qf[i];
        simrun_flow *rf = &r->flows[i];
        f->sd_a = -1;
        f->close_by = -1;
        f->ref_cl = (qs_ref){t, i, 0};
        f->ref_sv = (qs_ref){t, i, 1};
        rf->nstreams = o->streams;
        rf->streams = calloc((size_t)o->streams, sizeof *rf->streams);
        f->quota = calloc((size_t)o->streams, sizeof *f->quota);
        f->fin_written = calloc((size_t)o->streams, sizeof *f->fin_written);
        if (!rf->streams || !f->quota || !f->fin_written) {
            snprintf(r->error, sizeof r->error, "out of memory");
            goto out;
        }
        for (int k = 0; k < o->streams; k++)
            f->quota[k] = simrun_stream_quota(o, k);
    }
    for (uint32_t i = 0; i < sizeof t->pat; i++)
        t->pat[i] = simrun_pattern_base(i % SIMRUN_PATTERN_PERIOD);
    if (l4_quic_tls_selfsigned(QS_NAME, (long)time(NULL) - 3600, 30, &t->cert, &t->cert_len,
                               &t->key, &t->key_len) < 0) {
        snprintf(r->error, sizeof r->error, "cannot make a certificate (GnuTLS)");
        goto out;
    }
    if (o->keylog) {
        t->keylog = fopen(o->keylog, "w");
        if (!t->keylog) {
            snprintf(r->error, sizeof r->error, "cannot write %s: %s", o->keylog, strerror(errno));
            goto out;
        }
    }
    if (o->csv || o->plot) {
        t->trace =
            simrun_trace_open(SIMRUN_QUIC, o->csv, o->plot != NULL, r->error, sizeof r->error);
        if (!t->trace)
            goto out;
    }
    t->sampling = t->trace || (hooks && hooks->sample);
    if (o->pcap) {
        char err[256];
        if (l4_sim_pcap_open(&t->cap, o->pcap, L4_SIM_PCAP_DELIVER, -1, err, sizeof err)) {
            snprintf(r->error, sizeof r->error, "cannot write %s: %s", o->pcap, err);
            goto out;
        }
    }
    qs_settings(o, &t->cs);
    qs_settings(o, &t->ss);
    /* B's stateless reset key, from the seed (the sim is reproducible) */
    l4_rng_init(&t->rng, o->seed, 0x5e5e7);
    for (int i = 0; i < 16; i++)
        t->ss.reset_key[i] = (uint8_t)l4_rng_u32(&t->rng);
    t->ss.reset_key_set = 1;
    t->cb.handshake_done = qs_handshake_done;
    t->cb.stream_readable = qs_readable;
    t->cb.stream_writable = qs_writable;
    t->cb.closed = qs_closed;
    t->cb.cid_new = qs_cid_new;
    t->cb.cid_retired = qs_cid_retired;

    t->sim = l4_sim_new(o->seed);
    t->a = (qs_side){t, qs_host(o->seed * 2 + 1, 1), 0, -1};
    t->b = (qs_side){t, qs_host(o->seed * 2 + 2, 2), 1, -1};
    if (!t->sim || !t->a.h || !t->b.h) {
        snprintf(r->error, sizeof r->error, "cannot create the hosts (out of memory?)");
        goto out;
    }
    t->a.node = l4_sim_add_node(t->sim, &qs_node_ops, &t->a);
    t->b.node = l4_sim_add_node(t->sim, &qs_node_ops, &t->b);
    if (t->a.node < 0 || t->b.node < 0 ||
        l4_sim_connect(t->sim, t->a.node, 0, t->b.node, 0, &o->fwd, &o->back) < 0) {
        snprintf(r->error, sizeof r->error, "cannot build the topology");
        goto out;
    }
    l4_sim_set_tap(t->sim, qs_tap, t);

    static const uint8_t ipb[4] = {10, 0, 0, 2};
    l4_addr addr_b = l4_addr_v4(ipb);
    t->sd_b = l4_socket_open(t->b.h, L4_AF_INET4, L4_SOCK_DGRAM);
    if (t->sd_b < 0 || l4_socket_set_callbacks(t->b.h, t->sd_b, &qs_b_cbs, t) ||
        l4_socket_bind(t->b.h, t->sd_b, &addr_b, SIMRUN_QUIC_PORT) ||
        l4_socket_quic_enable(t->b.h, t->sd_b, t->ss.cid_len)) {
        snprintf(r->error, sizeof r->error, "cannot bind B:%d", SIMRUN_QUIC_PORT);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (qs_start_client(t, i, &addr_b) < 0) {
            snprintf(r->error, sizeof r->error, "cannot start QUIC client %d on A", i);
            goto out;
        }
        qs_drain(t, i, 0);
    }
    l4_sim_wake(t->sim, t->a.node);

    /* bytes mode: --duration (default 600 s) bounds the transfer, then the
       closing / draining periods get QS_CLOSE_MAX; duration mode: send for
       `duration`, then end every stream */
    l4_time transfer_limit = o->bytes ? (o->duration ? o->duration : 600 * L4_S) : L4_TIME_NONE;
    for (;;) {
        if (qs_all_closed(t))
            break;
        l4_time nx = l4_sim_next_event(t->sim);
        l4_time at = L4_TIME_NONE;
        if (o->cid_switch_at && !t->switched)
            at = o->cid_switch_at;
        if (o->rebind_at && !t->rebound)
            at = l4_time_min(at, o->rebind_at);
        if (o->migrate_at && !t->migrated)
            at = l4_time_min(at, o->migrate_at);
        if (at != L4_TIME_NONE && nx != L4_TIME_NONE && nx >= at) {
            l4_sim_run_until(t->sim, at);
            if (o->cid_switch_at == at && !t->switched)
                qs_switch(t);
            if (o->rebind_at == at && !t->rebound) {
                t->rebound = 1;
                qs_rebind(t, &addr_b);
            }
            if (o->migrate_at == at && !t->migrated)
                qs_migrate(t, &addr_b);
            l4_sim_wake(t->sim, t->a.node);
            continue;
        }
        if (!o->bytes && !t->stop && (nx == L4_TIME_NONE || nx >= o->duration)) {
            l4_sim_run_until(t->sim, o->duration);
            qs_stop(t);
            l4_sim_wake(t->sim, t->a.node);
            transfer_limit = o->duration + 600 * L4_S;
            continue;
        }
        if (nx == L4_TIME_NONE)
            break;
        l4_time limit = transfer_limit;
        if (qs_all_delivered(t))
            limit = r->transfer_end + QS_CLOSE_MAX;
        if (nx > limit) {
            r->timed_out = 1;
            break;
        }
        l4_sim_step(t->sim);
        r->events++;
    }
    r->end = l4_sim_now(t->sim);
    qs_final(t);
    l4_quic_demux_stats ds;
    if (l4_socket_quic_stats(t->b.h, t->sd_b, &ds) == 0) {
        r->demux_routed = ds.routed;
        r->demux_unknown = ds.unknown;
    }
    r->resets_sent = t->resets_sent;
    r->fwd = *l4_sim_link_stats(t->sim, 0, L4_LINK_DIR_AB);
    r->back = *l4_sim_link_stats(t->sim, 0, L4_LINK_DIR_BA);
    r->rcv_host = *l4_host_stats_get(t->b.h);
    r->samples = simrun_trace_rows(t->trace);
    rc = 0;
    if (t->qlog_err) {
        snprintf(r->error, sizeof r->error, "cannot write qlog files in %s", o->qlog);
        rc = -1;
    }
    if (t->trace && o->plot) {
        char title[512], spec[256];
        if (l4_link_spec_format(&o->fwd, spec, sizeof spec) < 0)
            spec[0] = 0;
        snprintf(title, sizeof title, "QUIC %s, %d stream%s, seed %llu: %s", o->cc, o->streams,
                 o->streams == 1 ? "" : "s", (unsigned long long)o->seed,
                 spec[0] ? spec : "ideal link");
        if (simrun_trace_plot(t->trace, o->plot, title, 0, r->error, sizeof r->error))
            rc = -1;
    }
out:
    if (simrun_trace_close(t->trace) && rc == 0) {
        snprintf(r->error, sizeof r->error, "cannot write %s", o->csv);
        rc = -1;
    }
    if (t->cap && l4_sim_pcap_close(t->cap) && rc == 0) {
        snprintf(r->error, sizeof r->error, "cannot write %s", o->pcap);
        rc = -1;
    }
    if (t->keylog && fclose(t->keylog) != 0 && rc == 0) {
        snprintf(r->error, sizeof r->error, "cannot write %s", o->keylog);
        rc = -1;
    }
    l4_sim_del(t->sim);
    if (t->qf) {
        for (int i = 0; i < n; i++) {
            l4_quic_conn_free(t->qf[i].cl);
            l4_quic_conn_free(t->qf[i].sv);
            free(t->qf[i].quota);
            free(t->qf[i].fin_written);
        }
    }
    l4_host_del(t->a.h);
    l4_host_del(t->b.h);
    free(t->qf);
    free(t->last);
    free(t->last_state);
    free(t->port_flow);
    free(t->cert);
    free(t->key);
    free(t);
    return rc;
}
