/*
 * tools/l4kit/simrun_tcp.c — `l4kit sim --proto tcp`: N TCP connections from
 * host A to host B across one emulated link, each sending a verifiable
 * pattern and closing cleanly (see simrun.h for the scenario).
 *
 * Host A is added to the emulator through a thin wrapper around the host's
 * node operations, so that after each of A's inputs, timeouts and wake-ups
 * (when the emulator re-reads A's next deadline, right after draining its
 * output) every sender connection can be sampled for the trace.
 *
 * The capture (--pcap) is what a tap at host A sees: every packet A puts on
 * the link (including the ones the link then loses or drops from its queue)
 * and every packet that reaches A, with virtual timestamps.
 *
 * The same tap weighs every packet the link accepts for its queueing delay
 * (l4_sim_link_queue); the run loop stops at each interval boundary to
 * record the per-interval series, and at each staggered flow's start time
 * to connect it.
 */
#include <stdlib.h>
#include <string.h>

#include "host/sim_node.h"
#include "host/socket.h"
#include "io/sim_pcap.h"
#include "simrun.h"

#define TCP_CHUNK (64 * 1024)

typedef struct tcp_flow {
    int sd_a, sd_b;
    l4_time b_close_at; /* B's delayed shutdown (close_delay), L4_TIME_NONE when none */
    int shut_a, shut_b;
    int closed_a, closed_b;
    int connected; /* connect() called (staggered flows wait for their time) */
} tcp_flow;

typedef struct tcp_run {
    const simrun_opts *o;
    const simrun_hooks *hooks;
    simrun_result *r;
    l4_sim *sim;
    l4_host *ha, *hb;
    int na, nb, listener;
    const l4_sim_node_ops *hops;
    tcp_flow *tf;
    int *a_flow, *b_flow; /* descriptor -> flow (-1 none) on A / B */
    size_t a_cap, b_cap;
    int *port_flow;    /* A's port -> flow */
    int stop;          /* duration mode: the sending time is over */
    int all_eof;       /* every receiver has read its end of stream */
    int closed;        /* sides that reached CLOSED */
    l4_tcp_info *last; /* last sample per flow */
    int sampling;
    simrun_trace *trace;
    l4_sim_pcap *cap;
    /* the per-interval series */
    l4_time tick_at;      /* next interval boundary, L4_TIME_NONE when done */
    uint64_t *iv_prev;    /* per flow: bytes delivered at the last boundary */
    l4_link_stats iv_fwd; /* forward link counters at the last boundary */
    uint64_t iq_n, iq_wait_sum, iq_wait_max, iq_pkts_sum, iq_pkts_max;
    int oom;
    uint8_t buf[TCP_CHUNK];
    uint8_t pat[SIMRUN_PATTERN_PERIOD + TCP_CHUNK]; /* the pattern, one period and a chunk */
} tcp_run;

static int tcp_map_set(int **map, size_t *cap, int sd, int flow)
{
    if (sd < 0)
        return -1;
    if ((size_t)sd >= *cap) {
        size_t nc = *cap ? *cap : 64;
        while (nc <= (size_t)sd)
            nc *= 2;
        int *nm = realloc(*map, nc * sizeof *nm);
        if (!nm)
            return -1;
        for (size_t i = *cap; i < nc; i++)
            nm[i] = -1;
        *map = nm;
        *cap = nc;
    }
    (*map)[sd] = flow;
    return 0;
}

static int tcp_map_get(const int *map, size_t cap, int sd)
{
    return sd >= 0 && (size_t)sd < cap ? map[sd] : -1;
}

static void tcp_final(tcp_run *t, int flow, int side_a)
{
    simrun_flow *f = &t->r->flows[flow];
    l4_host *h = side_a ? t->ha : t->hb;
    int sd = side_a ? t->tf[flow].sd_a : t->tf[flow].sd_b;
    if (sd < 0)
        return;
    l4_tcp_conn *c = l4_socket_tcp_conn(h, sd);
    l4_tcp_state st = l4_socket_state(h, sd);
    if (side_a) {
        f->snd_state = st;
        if (c)
            l4_tcp_conn_get_info(c, &f->snd_info);
    } else {
        f->rcv_state = st;
        if (c)
            l4_tcp_conn_get_info(c, &f->rcv_info);
    }
}

/* ---- host A: the senders ------------------------------------------------- */

static void tcp_pump_a(tcp_run *t, int flow)
{
    tcp_flow *tf = &t->tf[flow];
    simrun_flow *f = &t->r->flows[flow];
    l4_time now = l4_host_now(t->ha);
    if (!tf->connected)
        return;
    if (!tf->shut_a && !tf->closed_a) {
        uint64_t limit = t->o->bytes ? t->o->bytes : t->stop ? f->requested : UINT64_MAX;
        while (f->requested < limit) {
            uint64_t left = limit - f->requested;
            size_t n = left < TCP_CHUNK ? (size_t)left : TCP_CHUNK;
            const uint8_t *p = t->pat + simrun_pattern_index(flow, f->requested);
            l4_ssize k = l4_socket_send(t->ha, tf->sd_a, p, n, now);
            if (k <= 0) {
                if (k < 0 && k != L4_EAGAIN && !f->snd_err)
                    f->snd_err = (int)k;
                break;
            }
            f->requested += (uint64_t)k;
        }
        if (f->requested == limit && l4_socket_state(t->ha, tf->sd_a) != L4_TCP_SYN_SENT) {
            int rc = l4_socket_shutdown(t->ha, tf->sd_a, now);
            if (rc == 0)
                tf->shut_a = 1;
        }
    }
    /* B sends nothing but its FIN: read the end of stream */
    for (;;) {
        l4_ssize k = l4_socket_recv(t->ha, tf->sd_a, t->buf, sizeof t->buf, now);
        if (k <= 0)
            break;
    }
}

static void tcp_a_event(l4_host *h, int sd, void *user)
{
    (void)h;
    tcp_run *t = user;
    int flow = tcp_map_get(t->a_flow, t->a_cap, sd);
    if (flow >= 0)
        tcp_pump_a(t, flow);
}

static void tcp_a_error(l4_host *h, int sd, int err, void *user)
{
    (void)h;
    tcp_run *t = user;
    int flow = tcp_map_get(t->a_flow, t->a_cap, sd);
    if (flow >= 0 && !t->r->flows[flow].snd_err)
        t->r->flows[flow].snd_err = err;
}

static void tcp_a_closed(l4_host *h, int sd, void *user)
{
    (void)h;
    tcp_run *t = user;
    int flow = tcp_map_get(t->a_flow, t->a_cap, sd);
    if (flow < 0 || t->tf[flow].closed_a)
        return;
    t->tf[flow].closed_a = 1;
    t->closed++;
    tcp_final(t, flow, 1);
}

static void tcp_a_connected(l4_host *h, int sd, void *user)
{
    tcp_run *t = user;
    int flow = tcp_map_get(t->a_flow, t->a_cap, sd);
    if (flow >= 0 && !t->r->flows[flow].setup_done) {
        t->r->flows[flow].setup_done = 1;
        t->r->flows[flow].setup_at = l4_host_now(h);
    }
    tcp_a_event(h, sd, user);
}

static const l4_socket_callbacks tcp_a_cbs = {
    .readable = tcp_a_event,
    .writable = tcp_a_event,
    .connected = tcp_a_connected,
    .closed = tcp_a_closed,
    .error = tcp_a_error,
};

/* ---- host B: the receivers ----------------------------------------------- */

static void tcp_pump_b(tcp_run *t, int flow)
{
    tcp_flow *tf = &t->tf[flow];
    simrun_flow *f = &t->r->flows[flow];
    l4_time now = l4_host_now(t->hb);
    for (;;) {
        l4_ssize k = l4_socket_recv(t->hb, tf->sd_b, t->buf, sizeof t->buf, now);
        if (k == L4_EAGAIN)
            break;
        if (k < 0) {
            if (!f->rcv_err)
                f->rcv_err = (int)k;
            break;
        }
        if (k == 0) {
            if (!f->eof) {
                f->eof = 1;
                if (t->o->close_delay)
                    tf->b_close_at = now + t->o->close_delay;
                else if (!tf->shut_b && l4_socket_shutdown(t->hb, tf->sd_b, now) == 0)
                    tf->shut_b = 1;
            }
            break;
        }
        if (!f->bad &&
            memcmp(t->buf, t->pat + simrun_pattern_index(flow, f->delivered), (size_t)k) != 0)
            f->bad = 1;
        if (!f->got_first_byte) {
            f->got_first_byte = 1;
            f->first_byte = now;
        }
        f->delivered += (uint64_t)k;
        f->last_byte = now;
        if (now > t->r->transfer_end)
            t->r->transfer_end = now;
        if (t->hooks && t->hooks->delivered)
            t->hooks->delivered(t->hooks->user, flow, (uint64_t)k, now);
    }
}

static void tcp_b_event(l4_host *h, int sd, void *user)
{
    (void)h;
    tcp_run *t = user;
    if (sd == t->listener) {
        for (;;) {
            l4_addr peer;
            uint16_t pport = 0;
            int c = l4_socket_accept(t->hb, t->listener, &peer, &pport);
            if (c < 0)
                break;
            int flow = t->port_flow[pport];
            if (flow < 0 || t->tf[flow].sd_b >= 0 || tcp_map_set(&t->b_flow, &t->b_cap, c, flow)) {
                l4_socket_close(t->hb, c, l4_host_now(t->hb));
                continue;
            }
            t->tf[flow].sd_b = c;
            tcp_pump_b(t, flow);
        }
        return;
    }
    int flow = tcp_map_get(t->b_flow, t->b_cap, sd);
    if (flow >= 0)
        tcp_pump_b(t, flow);
}

static void tcp_b_error(l4_host *h, int sd, int err, void *user)
{
    (void)h;
    tcp_run *t = user;
    int flow = tcp_map_get(t->b_flow, t->b_cap, sd);
    if (flow >= 0 && !t->r->flows[flow].rcv_err)
        t->r->flows[flow].rcv_err = err;
}

static void tcp_b_closed(l4_host *h, int sd, void *user)
{
    (void)h;
    tcp_run *t = user;
    int flow = tcp_map_get(t->b_flow, t->b_cap, sd);
    if (flow < 0 || t->tf[flow].closed_b)
        return;
    t->tf[flow].closed_b = 1;
    t->closed++;
    tcp_final(t, flow, 0);
}

static const l4_socket_callbacks tcp_b_cbs = {
    .readable = tcp_b_event,
    .writable = tcp_b_event,
    .connected = tcp_b_event,
    .closed = tcp_b_closed,
    .error = tcp_b_error,
};

/* ---- sampling: host A wrapped --------------------------------------------- */

static int tcp_info_differs(const l4_tcp_info *a, const l4_tcp_info *b)
{
    return a->state != b->state || a->cwnd != b->cwnd || a->ssthresh != b->ssthresh ||
           a->srtt != b->srtt || a->rto != b->rto || a->in_flight != b->in_flight ||
           a->snd_wnd != b->snd_wnd || a->retransmits != b->retransmits ||
           a->bytes_acked != b->bytes_acked || a->in_recovery != b->in_recovery ||
           a->rto_expiries != b->rto_expiries || a->fast_retransmits != b->fast_retransmits ||
           a->ecn_reductions != b->ecn_reductions;
}

static void tcp_sample(tcp_run *t)
{
    l4_time now = l4_sim_now(t->sim);
    l4_link_queue q;
    const l4_link_queue *fq = l4_sim_link_queue(t->sim, 0, L4_LINK_DIR_AB, &q) == 0 ? &q : NULL;
    for (int i = 0; i < t->r->nflows; i++) {
        if (t->tf[i].closed_a)
            continue;
        l4_tcp_conn *c = l4_socket_tcp_conn(t->ha, t->tf[i].sd_a);
        if (!c)
            continue;
        l4_tcp_info in;
        l4_tcp_conn_get_info(c, &in);
        if (!tcp_info_differs(&in, &t->last[i]))
            continue;
        t->last[i] = in;
        simrun_sample s = {now, i, &in, fq, NULL, NULL, 0};
        if (t->trace)
            simrun_trace_add(t->trace, &s);
        if (t->hooks && t->hooks->sample)
            t->hooks->sample(t->hooks->user, &s);
    }
}

static void tcp_node_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    tcp_run *t = user;
    t->hops->input(t->ha, ifindex, pkt, len, now);
}

static l4_ssize tcp_node_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    tcp_run *t = user;
    return t->hops->output(t->ha, ifindex, buf, cap, now);
}

static l4_time tcp_node_next_timeout(void *user)
{
    tcp_run *t = user;
    if (t->sampling)
        tcp_sample(t);
    return t->hops->next_timeout(t->ha);
}

static void tcp_node_timeout(void *user, l4_time now)
{
    tcp_run *t = user;
    t->hops->handle_timeout(t->ha, now);
}

static const l4_sim_node_ops tcp_wrapped_ops = {
    tcp_node_input,
    tcp_node_output,
    tcp_node_next_timeout,
    tcp_node_timeout,
};

/* The capture point is host A (see the top of the file). */
static void tcp_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                    size_t len)
{
    tcp_run *t = user;
    if (t->hooks && t->hooks->tap)
        t->hooks->tap(t->hooks->user, link, dir, event, now, pkt, len);
    l4_link_queue q;
    if (event == L4_SIM_TAP_SEND && l4_sim_link_queue(t->sim, link, dir, &q) == 0) {
        /* the packet itself waits in the queue when it was delayed */
        uint64_t found = q.last_wait > 0 && q.pkts ? q.pkts - 1 : q.pkts;
        if (simrun_hist_add(&t->r->qdelay[dir], q.last_wait) ||
            simrun_hist_add(&t->r->qpkts[dir], found))
            t->oom = 1;
        if (dir == L4_LINK_DIR_AB) {
            t->iq_n++;
            t->iq_wait_sum += q.last_wait;
            t->iq_pkts_sum += found;
            t->iq_wait_max = q.last_wait > t->iq_wait_max ? q.last_wait : t->iq_wait_max;
            t->iq_pkts_max = found > t->iq_pkts_max ? found : t->iq_pkts_max;
        }
    }
    int at_a = dir == L4_LINK_DIR_AB ? event != L4_SIM_TAP_DELIVER : event == L4_SIM_TAP_DELIVER;
    if (t->cap && at_a) {
        l4_sim_pcap_tap(t->cap, link, dir, L4_SIM_TAP_DELIVER, now, pkt, len);
        t->r->pcap_records++;
    }
}

/* ---- the run ---------------------------------------------------------------- */

static l4_host *tcp_host(const simrun_opts *o, uint64_t seed, int last_octet)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.seed = seed;
    cfg.tcp.cc = simrun_flow_cc(o, 0);
    cfg.tcp.ecn = (uint8_t)(o->ecn != 0);
    if (o->bufsize) {
        cfg.tcp.sndbuf = o->bufsize;
        cfg.tcp.rcvbuf = o->bufsize;
    }
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

/* Opens flow i's socket on A (its own congestion control when the flows mix). */
static int tcp_open_flow(tcp_run *t, int i)
{
    const simrun_opts *o = t->o;
    tcp_flow *tf = &t->tf[i];
    tf->sd_b = -1;
    tf->b_close_at = L4_TIME_NONE;
    tf->sd_a = l4_socket_open(t->ha, L4_AF_INET4, L4_SOCK_STREAM);
    if (tf->sd_a < 0 || tcp_map_set(&t->a_flow, &t->a_cap, tf->sd_a, i) ||
        l4_socket_set_callbacks(t->ha, tf->sd_a, &tcp_a_cbs, t) ||
        (o->nccs > 1 && l4_socket_set_cc(t->ha, tf->sd_a, simrun_flow_cc(o, i)))) {
        snprintf(t->r->error, sizeof t->r->error, "cannot open socket %d on A", i);
        return -1;
    }
    t->r->flows[i].connect_at = (l4_time)i * o->stagger;
    return 0;
}

/* Connects flow i now. */
static int tcp_connect_flow(tcp_run *t, int i)
{
    static const uint8_t ipb[4] = {10, 0, 0, 2};
    l4_addr addr_b = l4_addr_v4(ipb);
    tcp_flow *tf = &t->tf[i];
    l4_time now = l4_sim_now(t->sim);
    int c = l4_socket_connect(t->ha, tf->sd_a, &addr_b, SIMRUN_PORT, now);
    uint16_t port = 0;
    if (c != L4_EINPROGRESS || l4_socket_local(t->ha, tf->sd_a, NULL, &port) != 0) {
        snprintf(t->r->error, sizeof t->r->error, "connect %d: %s", i, l4_host_strerror(c));
        return -1;
    }
    t->r->flows[i].sport = port;
    t->r->flows[i].start = now;
    t->port_flow[port] = i;
    tf->connected = 1;
    return 0;
}

/* Records the interval that ends now (t->tick_at). */
static void tcp_tick(tcp_run *t)
{
    simrun_result *r = t->r;
    int n = r->nflows;
    l4_time t1 = t->tick_at, t0 = t1 - t->o->interval;
    double secs = (double)t->o->interval / 1e9;
    simrun_interval *niv = realloc(r->iv, (size_t)(r->niv + 1) * sizeof *niv);
    double *mbps = malloc((size_t)n * sizeof *mbps), *act = malloc((size_t)n * sizeof *act);
    if (!niv || !mbps || !act) {
        if (niv)
            r->iv = niv;
        free(mbps);
        free(act);
        t->oom = 1;
        return;
    }
    r->iv = niv;
    simrun_interval *iv = &r->iv[r->niv++];
    memset(iv, 0, sizeof *iv);
    iv->t0 = t0;
    iv->t1 = t1;
    iv->flow_mbps = mbps;
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        const simrun_flow *f = &r->flows[i];
        uint64_t d = f->delivered - t->iv_prev[i];
        t->iv_prev[i] = f->delivered;
        total += d;
        mbps[i] = (double)d * 8 / secs / 1e6;
        /* active: started by t0 and not done before it */
        if (f->connect_at <= t0 && !(f->eof && f->last_byte <= t0))
            act[iv->active++] = mbps[i];
    }
    iv->total_mbps = (double)total * 8 / secs / 1e6;
    iv->jain = simrun_jain(act, iv->active);
    free(act);
    if (t->iq_n) {
        iv->qdelay_mean_ms = (double)t->iq_wait_sum / (double)t->iq_n / 1e6;
        iv->qpkts_mean = (double)t->iq_pkts_sum / (double)t->iq_n;
    }
    iv->qdelay_max_ms = (double)t->iq_wait_max / 1e6;
    iv->qpkts_max = t->iq_pkts_max;
    t->iq_n = t->iq_wait_sum = t->iq_wait_max = t->iq_pkts_sum = t->iq_pkts_max = 0;
    const l4_link_stats *s = l4_sim_link_stats(t->sim, 0, L4_LINK_DIR_AB);
    iv->drops =
        s->dropped_loss + s->dropped_queue - t->iv_fwd.dropped_loss - t->iv_fwd.dropped_queue;
    iv->marks = s->ce_marked - t->iv_fwd.ce_marked;
    t->iv_fwd = *s;
}

int simrun_tcp(const simrun_opts *o, const simrun_hooks *hooks, simrun_result *r)
{
    memset(r, 0, sizeof *r);
    int n = o->flows;
    tcp_run *t = calloc(1, sizeof *t);
    r->flows = calloc((size_t)n, sizeof *r->flows);
    int rc = -1;
    if (!t || !r->flows) {
        snprintf(r->error, sizeof r->error, "out of memory");
        goto out;
    }
    r->nflows = n;
    t->o = o;
    t->hooks = hooks;
    t->r = r;
    t->hops = l4_host_sim_ops();
    t->listener = -1;
    t->tf = calloc((size_t)n, sizeof *t->tf);
    t->last = calloc((size_t)n, sizeof *t->last);
    t->iv_prev = calloc((size_t)n, sizeof *t->iv_prev);
    t->port_flow = malloc(65536 * sizeof *t->port_flow);
    if (!t->tf || !t->last || !t->iv_prev || !t->port_flow) {
        snprintf(r->error, sizeof r->error, "out of memory");
        goto out;
    }
    for (int i = 0; i < 65536; i++)
        t->port_flow[i] = -1;
    for (uint32_t i = 0; i < sizeof t->pat; i++)
        t->pat[i] = simrun_pattern_base(i % SIMRUN_PATTERN_PERIOD);
    if (o->csv || o->plot) {
        t->trace =
            simrun_trace_open(SIMRUN_TCP, o->csv, o->plot != NULL, r->error, sizeof r->error);
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
    t->sim = l4_sim_new(o->seed);
    t->ha = tcp_host(o, o->seed * 2 + 1, 1);
    t->hb = tcp_host(o, o->seed * 2 + 2, 2);
    if (!t->sim || !t->ha || !t->hb) {
        snprintf(r->error, sizeof r->error, "cannot create the hosts (out of memory?)");
        goto out;
    }
    t->na = l4_sim_add_node(t->sim, &tcp_wrapped_ops, t);
    t->nb = l4_host_sim_add(t->sim, t->hb);
    if (t->na < 0 || t->nb < 0 ||
        l4_sim_connect(t->sim, t->na, 0, t->nb, 0, &o->fwd, &o->back) < 0) {
        snprintf(r->error, sizeof r->error, "cannot build the topology");
        goto out;
    }
    l4_sim_set_tap(t->sim, tcp_tap, t);

    static const uint8_t ipb[4] = {10, 0, 0, 2};
    l4_addr addr_b = l4_addr_v4(ipb);
    t->listener = l4_socket_open(t->hb, L4_AF_INET4, L4_SOCK_STREAM);
    if (t->listener < 0 || l4_socket_set_callbacks(t->hb, t->listener, &tcp_b_cbs, t) ||
        l4_socket_bind(t->hb, t->listener, &addr_b, SIMRUN_PORT) ||
        l4_socket_listen(t->hb, t->listener, n + 16)) {
        snprintf(r->error, sizeof r->error, "cannot listen on B");
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (tcp_open_flow(t, i) || (r->flows[i].connect_at == 0 && tcp_connect_flow(t, i)))
            goto out;
    l4_sim_wake(t->sim, t->na);

    /* bytes mode: --duration (default 600 s) bounds the transfer, then the close
       gets 2 MSL + 2 min (FIN retransmissions); duration mode: send for
       `duration`, then close. Staggered flows add their start to both. */
    const l4_time close_grace = 2 * l4_host_config_get(t->ha)->tcp.msl + 120 * L4_S;
    const l4_time last_start = (l4_time)(n - 1) * o->stagger;
    l4_time stop_at = o->bytes ? L4_TIME_NONE : o->duration;
    l4_time limit = (o->bytes ? (o->duration ? o->duration : 600 * L4_S) : o->duration) +
                    close_grace + last_start;
    t->tick_at = o->interval ? o->interval : L4_TIME_NONE;
    int next_conn = 1; /* flows connect in order */
    while (next_conn < n && r->flows[next_conn].connect_at == 0)
        next_conn++;
    while (t->closed < 2 * n) {
        l4_time nx = l4_sim_next_event(t->sim);
        /* The control times (each runs the events up to it first): the end of
           the sending time, B's delayed closes, staggered connects, interval
           boundaries. Events at the same time run before a stop or a tick and
           after a close or a connect. */
        l4_time c_stop = !t->stop && stop_at != L4_TIME_NONE ? stop_at : L4_TIME_NONE;
        l4_time c_close = L4_TIME_NONE;
        for (int i = 0; o->close_delay && i < n; i++)
            if (t->tf[i].b_close_at < c_close)
                c_close = t->tf[i].b_close_at;
        l4_time c_conn = next_conn < n ? r->flows[next_conn].connect_at : L4_TIME_NONE;
        l4_time c_tick = t->tick_at;
        if (c_tick != L4_TIME_NONE && c_tick > limit)
            c_tick = t->tick_at = L4_TIME_NONE;
        l4_time before = c_close < c_conn ? c_close : c_conn;
        l4_time after = c_stop < c_tick ? c_stop : c_tick;
        if (before != L4_TIME_NONE && (nx == L4_TIME_NONE || before <= nx) &&
            (after == L4_TIME_NONE || before <= after)) {
            l4_sim_run_until(t->sim, before);
            if (before == c_conn) {
                while (next_conn < n && r->flows[next_conn].connect_at <= before)
                    if (tcp_connect_flow(t, next_conn++))
                        goto out;
                l4_sim_wake(t->sim, t->na);
            }
            for (int i = 0; before == c_close && i < n; i++) {
                tcp_flow *tf = &t->tf[i];
                if (tf->b_close_at > before)
                    continue;
                tf->b_close_at = L4_TIME_NONE;
                if (!tf->shut_b && l4_socket_shutdown(t->hb, tf->sd_b, before) == 0)
                    tf->shut_b = 1;
            }
            if (before == c_close)
                l4_sim_wake(t->sim, t->nb);
            continue;
        }
        if (after != L4_TIME_NONE && (nx == L4_TIME_NONE || nx > after)) {
            l4_sim_run_until(t->sim, after);
            if (after == c_tick) {
                tcp_tick(t);
                int done = next_conn >= n;
                for (int i = 0; i < n && done; i++)
                    done = r->flows[i].eof || t->tf[i].closed_a;
                t->tick_at = done ? L4_TIME_NONE : t->tick_at + o->interval;
            }
            if (after == c_stop) {
                t->stop = 1;
                for (int i = 0; i < n; i++)
                    tcp_pump_a(t, i);
                l4_sim_wake(t->sim, t->na);
            }
            continue;
        }
        if (nx == L4_TIME_NONE)
            break;
        if (o->bytes && o->duration && nx > o->duration + last_start && !t->all_eof) {
            int all = 1;
            for (int i = 0; i < n && all; i++)
                all = r->flows[i].eof;
            t->all_eof = all;
            if (!all) {
                r->timed_out = 1; /* the transfer did not finish within --duration */
                break;
            }
        }
        if (nx > limit) {
            r->timed_out = 1;
            break;
        }
        l4_sim_step(t->sim);
        r->events++;
    }
    r->end = l4_sim_now(t->sim);
    for (int i = 0; i < n; i++) {
        if (!t->tf[i].closed_a)
            tcp_final(t, i, 1);
        if (!t->tf[i].closed_b)
            tcp_final(t, i, 0);
    }
    r->fwd = *l4_sim_link_stats(t->sim, 0, L4_LINK_DIR_AB);
    r->back = *l4_sim_link_stats(t->sim, 0, L4_LINK_DIR_BA);
    r->rcv_host = *l4_host_stats_get(t->hb);
    r->samples = simrun_trace_rows(t->trace);
    rc = 0;
    if (t->oom) {
        snprintf(r->error, sizeof r->error, "out of memory keeping the statistics");
        rc = -1;
    }
    if (rc == 0 && t->trace && o->plot) {
        char title[L4_LINK_SPEC_TEXT_MAX + 128], spec[L4_LINK_SPEC_TEXT_MAX];
        if (l4_link_spec_format(&o->fwd, spec, sizeof spec) < 0)
            spec[0] = 0;
        snprintf(title, sizeof title, "TCP %s, seed %llu: %s", o->cc, (unsigned long long)o->seed,
                 spec[0] ? spec : "ideal link");
        /* the phases of RFC 5681 mean something for the window-based algorithms */
        int phases = strcmp(simrun_flow_cc(o, 0), "bbr") != 0;
        if (simrun_trace_plot(t->trace, o->plot, title, phases, r->error, sizeof r->error))
            rc = -1;
    }
    if (rc == 0 && o->interval_csv &&
        simrun_intervals_csv(o->interval_csv, r, r->error, sizeof r->error))
        rc = -1;
out:
    if (t) {
        if (simrun_trace_close(t->trace) && rc == 0) {
            snprintf(r->error, sizeof r->error, "cannot write %s", o->csv);
            rc = -1;
        }
        if (t->cap && l4_sim_pcap_close(t->cap) && rc == 0) {
            snprintf(r->error, sizeof r->error, "cannot write %s", o->pcap);
            rc = -1;
        }
        l4_sim_del(t->sim);
        l4_host_del(t->ha);
        l4_host_del(t->hb);
        free(t->tf);
        free(t->last);
        free(t->iv_prev);
        free(t->port_flow);
        free(t->a_flow);
        free(t->b_flow);
        free(t);
    }
    return rc;
}

int simrun_run(const simrun_opts *o, const simrun_hooks *hooks, simrun_result *r)
{
    return o->proto == SIMRUN_TCP    ? simrun_tcp(o, hooks, r)
           : o->proto == SIMRUN_QUIC ? simrun_quic(o, hooks, r)
                                     : simrun_udp(o, hooks, r);
}

void simrun_result_free(simrun_result *r)
{
    for (int i = 0; r->flows && i < r->nflows; i++)
        free(r->flows[i].streams);
    free(r->flows);
    r->flows = NULL;
    for (int d = 0; d < 2; d++) {
        simrun_hist_free(&r->qdelay[d]);
        simrun_hist_free(&r->qpkts[d]);
    }
    for (int i = 0; i < r->niv; i++)
        free(r->iv[i].flow_mbps);
    free(r->iv);
    r->iv = NULL;
    r->niv = 0;
}
