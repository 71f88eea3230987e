/*
 * tests/tcp/cc_harness.h — bulk TCP flows over one emulated bottleneck, for
 * congestion-control scenario tests. A client node holds n connections
 * (ports 40000+k) that always have data to send; a server node holds the n
 * listeners (ports 80+k) and reads everything. The link from client to
 * server is the bottleneck (its spec given); ACKs return over `rev`. The tap
 * models the queue (each packet waits max(0, end of the previous packet -
 * its arrival)) to report the queueing delay the data saw.
 */
#ifndef L4_TESTS_TCP_CC_HARNESS_H
#define L4_TESTS_TCP_CC_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "tcp/conn.h"
#include "wire/ip.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define CCH_MAX 8

typedef struct cch_node {
    int is_client, n, rr;
    l4_addr self, peer;
    l4_tcp_conn *c[CCH_MAX];
    uint64_t rcvd[CCH_MAX]; /* server: bytes read per flow */
} cch_node;

typedef struct cch_run {
    l4_sim *sim;
    cch_node cl, sv;
    uint64_t rate_bps;
    l4_time warm; /* queue statistics from this time on */
    l4_time busy_until;
    double qdelay_sum, qdelay_max;
    uint64_t qsamples;
} cch_run;

static uint8_t cch_zero[65536];

/* Send and receive buffer of every connection cch_setup_n creates. */
static uint32_t cch_bufsize = 4u << 20;

/* When set, adjusts the settings of every connection cch_setup_n creates. */
static void (*cch_settings_hook)(l4_tcp_settings *s);

static void cch_fill(cch_node *n, l4_time now)
{
    for (int k = 0; k < n->n; k++) {
        l4_tcp_state st = l4_tcp_conn_state(n->c[k]);
        if (st != L4_TCP_ESTABLISHED && st != L4_TCP_CLOSE_WAIT)
            continue;
        if (n->is_client) {
            while (l4_tcp_conn_send(n->c[k], cch_zero, sizeof cch_zero, now) > 0)
                ;
        } else {
            l4_ssize r;
            while ((r = l4_tcp_conn_recv(n->c[k], cch_zero, sizeof cch_zero, now)) > 0)
                n->rcvd[k] += (uint64_t)r;
        }
    }
}

static void cch_input(void *u, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    (void)ifindex;
    cch_node *n = u;
    l4_ip_pkt ip;
    l4_tcp_hdr h;
    if (l4_ip_parse(&ip, pkt, len) != 0 || ip.proto != 6 ||
        l4_tcp_parse(&h, ip.payload, ip.payload_len, &ip.src, &ip.dst) != 0)
        return;
    int k = (int)h.dport - (n->is_client ? 40000 : 80);
    if (k >= 0 && k < n->n)
        l4_tcp_conn_input_from(n->c[k], &ip.src, &h, ip.ecn, now);
    cch_fill(n, now);
}

static l4_ssize cch_output(void *u, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    cch_node *n = u;
    *ifindex = 0;
    for (int j = 0; j < n->n; j++) {
        int k = (n->rr + j) % n->n;
        uint8_t ecn = 0;
        l4_ssize t = l4_tcp_conn_output(n->c[k], buf + 20, cap - 20, &ecn, now);
        if (t < 0)
            return t;
        if (t == 0)
            continue;
        n->rr = k + 1;
        l4_ipv4_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.ecn = ecn;
        ih.df = 1;
        ih.ttl = 64;
        ih.proto = 6;
        memcpy(ih.src, n->self.bytes, 4);
        memcpy(ih.dst, n->peer.bytes, 4);
        ih.payload_len = (size_t)t;
        l4_ssize hl = l4_ipv4_write(buf, cap, &ih);
        if (hl < 0)
            return hl;
        cch_fill(n, now);
        return hl + t;
    }
    return 0;
}

static l4_time cch_next(void *u)
{
    cch_node *n = u;
    l4_time t = L4_TIME_NONE;
    for (int k = 0; k < n->n; k++) {
        l4_time x = l4_tcp_conn_next_timeout(n->c[k]);
        if (x < t)
            t = x;
    }
    return t;
}

static void cch_timeout(void *u, l4_time now)
{
    cch_node *n = u;
    for (int k = 0; k < n->n; k++)
        l4_tcp_conn_handle_timeout(n->c[k], now);
    cch_fill(n, now);
}

static const l4_sim_node_ops cch_ops = {cch_input, cch_output, cch_next, cch_timeout};

static void cch_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                    size_t len)
{
    (void)link;
    (void)pkt;
    cch_run *r = user;
    if (dir != L4_LINK_DIR_AB || event != L4_SIM_TAP_SEND || !r->rate_bps)
        return;
    l4_time start = now > r->busy_until ? now : r->busy_until;
    r->busy_until = start + (l4_time)((double)len * 8e9 / (double)r->rate_bps);
    if (now < r->warm)
        return;
    double q = (double)(start - now) / 1e9;
    r->qdelay_sum += q;
    if (q > r->qdelay_max)
        r->qdelay_max = q;
    r->qsamples++;
}

/* Opens flow k now (for flows set up with `started` below k). */
static void cch_start(cch_run *r, int k)
{
    l4_time now = l4_sim_now(r->sim);
    l4_tcp_conn_connect(r->cl.c[k], &r->cl.self, (uint16_t)(40000 + k), &r->sv.self,
                        (uint16_t)(80 + k), now);
    l4_sim_wake(r->sim, 0);
}

/* Sets up n flows of algorithm `cc` (ECN setting `ecn`) over `fwd` / `rev`;
   the first `started` (all when 0) connect at once, the rest by cch_start. */
static int cch_setup_n(cch_run *r, int n, int started, const char *cc, int ecn, const char *fwd,
                       const char *rev, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    l4_link_spec f, b;
    char err[128];
    if (l4_link_spec_parse(&f, fwd, err, sizeof err) ||
        l4_link_spec_parse(&b, rev, err, sizeof err))
        return -1;
    r->rate_bps = f.rate_bps;
    r->sim = l4_sim_new(seed);
    const uint8_t a1[4] = {10, 1, 0, 1}, a2[4] = {10, 1, 0, 2};
    r->cl.self = r->sv.peer = l4_addr_v4(a1);
    r->sv.self = r->cl.peer = l4_addr_v4(a2);
    r->cl.is_client = 1;
    r->cl.n = r->sv.n = n;
    for (int k = 0; k < n; k++) {
        for (int side = 0; side < 2; side++) {
            l4_tcp_settings s;
            l4_tcp_settings_default(&s);
            s.isn_secret[0] = (uint8_t)(k + 1);
            s.isn_secret[1] = (uint8_t)side;
            s.cc = cc;
            s.ecn = (uint8_t)ecn;
            s.sndbuf = s.rcvbuf = cch_bufsize;
            s.nodelay = 1;
            if (cch_settings_hook)
                cch_settings_hook(&s);
            cch_node *nd = side ? &r->sv : &r->cl;
            if (l4_tcp_conn_new(&nd->c[k], &s, NULL, NULL) != 0)
                return -1;
        }
        l4_tcp_conn_listen(r->sv.c[k], &r->sv.self, (uint16_t)(80 + k), 0);
        if (!started || k < started)
            l4_tcp_conn_connect(r->cl.c[k], &r->cl.self, (uint16_t)(40000 + k), &r->sv.self,
                                (uint16_t)(80 + k), 0);
    }
    int a = l4_sim_add_node(r->sim, &cch_ops, &r->cl);
    int bnode = l4_sim_add_node(r->sim, &cch_ops, &r->sv);
    if (l4_sim_connect(r->sim, a, 0, bnode, 0, &f, &b) < 0)
        return -1;
    l4_sim_set_tap(r->sim, cch_tap, r);
    l4_sim_wake(r->sim, a);
    return 0;
}

static int cch_setup(cch_run *r, int n, const char *cc, int ecn, const char *fwd, const char *rev,
                     uint64_t seed)
{
    return cch_setup_n(r, n, 0, cc, ecn, fwd, rev, seed);
}

static void cch_run_until(cch_run *r, l4_time t)
{
    while (l4_sim_now(r->sim) < t && l4_sim_step(r->sim))
        ;
}

static uint64_t cch_total(const cch_run *r)
{
    uint64_t s = 0;
    for (int k = 0; k < r->sv.n; k++)
        s += r->sv.rcvd[k];
    return s;
}

static void cch_free(cch_run *r)
{
    for (int k = 0; k < r->cl.n; k++) {
        l4_tcp_conn_del(r->cl.c[k]);
        l4_tcp_conn_del(r->sv.c[k]);
    }
    l4_sim_del(r->sim);
}

#endif
