/*
 * tools/l4kit/simrun_udp.c — `l4kit sim --proto udp`: N UDP flows from host
 * A to host B:5001, each a paced source of numbered datagrams.
 *
 * Datagram payload: flow (u32, big-endian), sequence number (u64), then
 * pattern bytes: the flow's data stream cut into pieces of payload - 12
 * bytes, so piece `seq` holds stream offsets seq * (payload - 12) onwards.
 * Bytes requested/delivered count the pattern bytes. B checks the header and
 * every pattern byte of each datagram it receives; a datagram that fails is
 * counted bad (the checksum should have caught any corruption first).
 *
 * Pacing: flow i sends one datagram every (payload + 28) * 8 / rate seconds
 * (the IPv4 and UDP headers count against the rate), flows staggered evenly
 * over the first interval. The capture point is host A, as for TCP.
 */
#include <stdlib.h>
#include <string.h>

#include "host/sim_node.h"
#include "host/socket.h"
#include "io/sim_pcap.h"
#include "simrun.h"
#include "util/bytes.h"

#define UDP_HDR 12

typedef struct udp_flow {
    int sd;
    uint64_t seq, total; /* next to send; datagrams to send (UINT64_MAX: until stopped) */
    l4_time next_at;
    uint8_t *seen;
    size_t seen_cap;
} udp_flow;

typedef struct udp_run {
    const simrun_opts *o;
    const simrun_hooks *hooks;
    simrun_result *r;
    l4_sim *sim;
    l4_host *ha, *hb;
    int na, nb, rx;
    udp_flow *uf;
    int *port_flow;
    l4_sim_pcap *cap;
    uint8_t buf[65536];
} udp_run;

static l4_host *udp_host(uint64_t seed, int last_octet)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.seed = seed;
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

static int udp_mark_seen(udp_flow *u, uint64_t seq)
{
    if (seq >= (uint64_t)u->seen_cap * 8) {
        size_t nc = u->seen_cap ? u->seen_cap : 1024;
        while ((uint64_t)nc * 8 <= seq)
            nc *= 2;
        uint8_t *ns = realloc(u->seen, nc);
        if (!ns)
            return -1;
        memset(ns + u->seen_cap, 0, nc - u->seen_cap);
        u->seen = ns;
        u->seen_cap = nc;
    }
    int was = (u->seen[seq / 8] >> (seq % 8)) & 1;
    u->seen[seq / 8] = (uint8_t)(u->seen[seq / 8] | (1u << (seq % 8)));
    return was;
}

static void udp_rx(l4_host *h, int sd, void *user)
{
    udp_run *t = user;
    size_t piece = t->o->payload - UDP_HDR;
    for (;;) {
        l4_addr src;
        uint16_t sport = 0;
        int flags = 0;
        l4_ssize k =
            l4_socket_recvfrom(h, sd, t->buf, sizeof t->buf, &src, &sport, &flags, l4_host_now(h));
        if (k < 0)
            break;
        int flow = t->port_flow[sport];
        if (flow < 0 || k < UDP_HDR)
            continue;
        simrun_flow *f = &t->r->flows[flow];
        f->dgrams_rcvd++;
        uint32_t fl = l4_get_u32(t->buf);
        uint64_t seq = l4_get_u64(t->buf + 4);
        int ok = fl == (uint32_t)flow && seq < t->uf[flow].seq;
        for (l4_ssize i = UDP_HDR; ok && i < k; i++)
            if (t->buf[i] != simrun_byte(flow, seq * piece + (uint64_t)(i - UDP_HDR)))
                ok = 0;
        if (!ok) {
            f->bad = 1;
            continue;
        }
        int was = udp_mark_seen(&t->uf[flow], seq);
        if (was < 0) {
            f->bad = 1;
            continue;
        }
        if (was) {
            f->dgrams_dup++;
            continue;
        }
        l4_time now = l4_host_now(h);
        if (!f->got_first_byte) {
            f->got_first_byte = 1;
            f->first_byte = now;
        }
        f->dgrams_unique++;
        f->delivered += (uint64_t)(k - UDP_HDR);
        if (t->hooks && t->hooks->delivered)
            t->hooks->delivered(t->hooks->user, flow, (uint64_t)(k - UDP_HDR), now);
        if (seq != f->next_seq)
            f->out_of_order = 1;
        if (seq < f->next_seq)
            f->dgrams_late++;
        else
            f->next_seq = seq + 1;
        f->last_byte = now;
        if (f->last_byte > t->r->transfer_end)
            t->r->transfer_end = f->last_byte;
    }
}

static const l4_socket_callbacks udp_rx_cbs = {.readable = udp_rx};

static void udp_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                    size_t len)
{
    udp_run *t = user;
    if (t->hooks && t->hooks->tap)
        t->hooks->tap(t->hooks->user, link, dir, event, now, pkt, len);
    int at_a = dir == L4_LINK_DIR_AB ? event != L4_SIM_TAP_DELIVER : event == L4_SIM_TAP_DELIVER;
    if (t->cap && at_a) {
        l4_sim_pcap_tap(t->cap, link, dir, L4_SIM_TAP_DELIVER, now, pkt, len);
        t->r->pcap_records++;
    }
}

/* Sends flow i's next datagram at the current virtual time. */
static void udp_send(udp_run *t, int i)
{
    udp_flow *u = &t->uf[i];
    simrun_flow *f = &t->r->flows[i];
    size_t piece = t->o->payload - UDP_HDR;
    uint64_t off = u->seq * piece;
    size_t len = piece;
    if (t->o->bytes && t->o->bytes - off < piece)
        len = (size_t)(t->o->bytes - off);
    l4_put_u32(t->buf, (uint32_t)i);
    l4_put_u64(t->buf + 4, u->seq);
    for (size_t k = 0; k < len; k++)
        t->buf[UDP_HDR + k] = simrun_byte(i, off + k);
    l4_ssize rc = l4_socket_send(t->ha, u->sd, t->buf, UDP_HDR + len, l4_sim_now(t->sim));
    if (rc < 0 && !f->snd_err)
        f->snd_err = (int)rc;
    f->dgrams_sent++;
    f->requested += len;
    u->seq++;
}

int simrun_udp(const simrun_opts *o, const simrun_hooks *hooks, simrun_result *r)
{
    memset(r, 0, sizeof *r);
    int n = o->flows;
    udp_run *t = calloc(1, sizeof *t);
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
    t->uf = calloc((size_t)n, sizeof *t->uf);
    t->port_flow = malloc(65536 * sizeof *t->port_flow);
    if (!t->uf || !t->port_flow) {
        snprintf(r->error, sizeof r->error, "out of memory");
        goto out;
    }
    for (int i = 0; i < 65536; i++)
        t->port_flow[i] = -1;
    if (o->pcap) {
        char err[256];
        if (l4_sim_pcap_open(&t->cap, o->pcap, L4_SIM_PCAP_DELIVER, -1, err, sizeof err)) {
            snprintf(r->error, sizeof r->error, "cannot write %s: %s", o->pcap, err);
            goto out;
        }
    }
    t->sim = l4_sim_new(o->seed);
    t->ha = udp_host(o->seed * 2 + 1, 1);
    t->hb = udp_host(o->seed * 2 + 2, 2);
    if (!t->sim || !t->ha || !t->hb) {
        snprintf(r->error, sizeof r->error, "cannot create the hosts (out of memory?)");
        goto out;
    }
    t->na = l4_host_sim_add(t->sim, t->ha);
    t->nb = l4_host_sim_add(t->sim, t->hb);
    if (t->na < 0 || t->nb < 0 ||
        l4_sim_connect(t->sim, t->na, 0, t->nb, 0, &o->fwd, &o->back) < 0) {
        snprintf(r->error, sizeof r->error, "cannot build the topology");
        goto out;
    }
    l4_sim_set_tap(t->sim, udp_tap, t);
    static const uint8_t ipb[4] = {10, 0, 0, 2};
    l4_addr addr_b = l4_addr_v4(ipb);
    t->rx = l4_socket_open(t->hb, L4_AF_INET4, L4_SOCK_DGRAM);
    if (t->rx < 0 || l4_socket_set_callbacks(t->hb, t->rx, &udp_rx_cbs, t) ||
        l4_socket_bind(t->hb, t->rx, &addr_b, SIMRUN_PORT)) {
        snprintf(r->error, sizeof r->error, "cannot bind B:%d", SIMRUN_PORT);
        goto out;
    }
    size_t piece = o->payload - UDP_HDR;
    /* ns per datagram, rounded up so the rate is never exceeded */
    l4_time interval =
        (l4_time)(((uint64_t)(o->payload + 28) * 8 * L4_S + o->rate_bps - 1) / o->rate_bps);
    for (int i = 0; i < n; i++) {
        udp_flow *u = &t->uf[i];
        u->sd = l4_socket_open(t->ha, L4_AF_INET4, L4_SOCK_DGRAM);
        uint16_t port = 0;
        if (u->sd < 0 || l4_socket_connect(t->ha, u->sd, &addr_b, SIMRUN_PORT, 0) ||
            l4_socket_local(t->ha, u->sd, NULL, &port)) {
            snprintf(r->error, sizeof r->error, "cannot open UDP socket %d on A", i);
            goto out;
        }
        r->flows[i].sport = port;
        t->port_flow[port] = i;
        u->total = o->bytes ? (o->bytes + piece - 1) / piece : UINT64_MAX;
        u->next_at = interval * (l4_time)i / (l4_time)n;
    }
    l4_time stop_at = o->bytes ? (o->duration ? o->duration : L4_TIME_NONE) : o->duration;
    for (;;) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            udp_flow *u = &t->uf[i];
            if (u->seq < u->total && u->next_at < stop_at &&
                (best < 0 || u->next_at < t->uf[best].next_at))
                best = i;
        }
        l4_time nx = l4_sim_next_event(t->sim);
        if (best >= 0 && (nx == L4_TIME_NONE || t->uf[best].next_at <= nx)) {
            l4_sim_run_until(t->sim, t->uf[best].next_at);
            udp_send(t, best);
            l4_sim_wake(t->sim, t->na);
            t->uf[best].next_at += interval;
            continue;
        }
        if (nx == L4_TIME_NONE)
            break;
        l4_sim_step(t->sim);
        r->events++;
    }
    for (int i = 0; i < n; i++)
        if (t->uf[i].seq < t->uf[i].total && o->bytes)
            r->timed_out = 1;
    r->end = l4_sim_now(t->sim);
    r->fwd = *l4_sim_link_stats(t->sim, 0, L4_LINK_DIR_AB);
    r->back = *l4_sim_link_stats(t->sim, 0, L4_LINK_DIR_BA);
    r->rcv_host = *l4_host_stats_get(t->hb);
    rc = 0;
out:
    if (t) {
        if (t->cap && l4_sim_pcap_close(t->cap) && rc == 0) {
            snprintf(r->error, sizeof r->error, "cannot write %s", o->pcap);
            rc = -1;
        }
        l4_sim_del(t->sim);
        l4_host_del(t->ha);
        l4_host_del(t->hb);
        if (t->uf)
            for (int i = 0; i < n; i++)
                free(t->uf[i].seen);
        free(t->uf);
        free(t->port_flow);
        free(t);
    }
    return rc;
}
