/*
 * tools/l4kit/compare_run.c — `l4kit compare`: the three runs (simrun_run
 * with observers) and what the observers record (see compare.h).
 */
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

const char *compare_proto_name(int k)
{
    return k == COMPARE_TCP ? "tcp" : k == COMPARE_UDP ? "udp" : "quic";
}

l4_time compare_rtt(const compare *c)
{
    return c->fwd.delay + c->back.delay;
}

/* ---- observers ------------------------------------------------------------ */

static void cmp_delivered(void *user, int flow, uint64_t bytes, l4_time now)
{
    compare_proto *p = user;
    (void)flow;
    p->delivered += bytes;
    if (p->ncurve && p->curve[p->ncurve - 1].t == now) {
        p->curve[p->ncurve - 1].bytes = p->delivered;
        return;
    }
    if (p->ncurve == p->curvecap) {
        size_t nc = p->curvecap ? p->curvecap * 2 : 1024;
        compare_point *n = realloc(p->curve, nc * sizeof *n);
        if (!n) {
            p->oom = 1;
            return;
        }
        p->curve = n;
        p->curvecap = nc;
    }
    p->curve[p->ncurve++] = (compare_point){now, p->delivered};
}

/* TCP: the segments the link hands to B, as B will check them. */
static void cmp_tcp_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                        size_t len)
{
    compare_proto *p = user;
    (void)link;
    if (dir != L4_LINK_DIR_AB || event != L4_SIM_TAP_DELIVER)
        return;
    l4_ipv4_hdr ip;
    if (l4_ipv4_parse(&ip, pkt, len) != 0 || ip.proto != L4_IPPROTO_TCP || ip.mf || ip.frag_off)
        return;
    l4_addr src = l4_addr_v4(ip.src), dst = l4_addr_v4(ip.dst);
    l4_tcp_hdr th;
    if (l4_tcp_parse(&th, ip.payload, ip.payload_len, &src, &dst) != 0)
        return; /* a corrupted copy: B drops it too */
    if (th.flags & L4_TCP_SYN) {
        p->isn = th.seq;
        p->have_isn = 1;
        return;
    }
    if (!p->have_isn || !th.payload_len)
        return;
    /* the byte offset: sequence space relative to the ISN, unwrapped next
       to the highest offset seen (a window is far below 2^31) */
    uint32_t rel = th.seq - p->isn - 1;
    uint64_t off = (p->top & ~(uint64_t)0xffffffffu) | rel;
    if (off + (1ull << 31) < p->top)
        off += 1ull << 32;
    else if (off > p->top + (1ull << 31) && off >= (1ull << 32))
        off -= 1ull << 32;
    if (off > p->top)
        p->top = off;
    hol_arrived(&p->hol, 0, off, th.payload_len, now);
}

static void cmp_quic_event(void *user, int flow, int server, const l4_quic_event *ev)
{
    compare_proto *p = user;
    (void)flow;
    hol_quic_event(&p->hol, server, ev);
}

/* ---- the runs --------------------------------------------------------------- */

static void cmp_opts(const compare *c, int k, simrun_opts *o)
{
    simrun_opts_init(o);
    o->proto = k == COMPARE_TCP ? SIMRUN_TCP : k == COMPARE_UDP ? SIMRUN_UDP : SIMRUN_QUIC;
    o->cc = c->cc;
    o->fwd = c->fwd;
    o->back = c->back;
    o->bytes = c->bytes;
    o->seed = c->seed;
    o->streams = k == COMPARE_QUIC ? c->streams : 1;
    o->rate_bps = c->udp_rate_bps;
    o->payload = c->udp_payload;
    o->bufsize = c->bufsize ? c->bufsize : simrun_auto_bufsize(o);
}

static int cmp_one(compare *c, int k, char *err, size_t errcap)
{
    compare_proto *p = &c->p[k];
    simrun_opts *o = &p->o;
    cmp_opts(c, k, o);
    simrun_hooks hooks = {.user = p, .delivered = cmp_delivered};
    if (k == COMPARE_TCP) {
        hooks.tap = cmp_tcp_tap;
        if (hol_init(&p->hol, 1, &o->bytes))
            goto oom;
    } else if (k == COMPARE_QUIC) {
        hooks.quic_event = cmp_quic_event;
        uint64_t *lens = malloc((size_t)o->streams * sizeof *lens);
        if (!lens)
            goto oom;
        for (int i = 0; i < o->streams; i++)
            lens[i] = simrun_stream_quota(o, i);
        int rc = hol_init(&p->hol, o->streams, lens);
        free(lens);
        if (rc)
            goto oom;
    }
    int rc = simrun_run(o, &hooks, &p->r);
    p->ran = 1;
    if (rc != 0) {
        snprintf(err, errcap, "%s: %s", compare_proto_name(k), p->r.error);
        return -1;
    }
    if (p->oom || p->hol.oom)
        goto oom;
    if (k != COMPARE_UDP) {
        p->hres = calloc((size_t)p->hol.nstreams, sizeof *p->hres);
        if (!p->hres)
            goto oom;
        hol_analyze(&p->hol, p->hres);
    }
    return 0;
oom:
    snprintf(err, errcap, "%s: out of memory", compare_proto_name(k));
    return -1;
}

int compare_run(compare *c, char *err, size_t errcap)
{
    for (int k = 0; k < COMPARE_N; k++)
        if (cmp_one(c, k, err, errcap))
            return -1;
    return 0;
}

void compare_free(compare *c)
{
    for (int k = 0; k < COMPARE_N; k++) {
        compare_proto *p = &c->p[k];
        if (p->ran)
            simrun_result_free(&p->r);
        free(p->curve);
        free(p->hres);
        hol_free(&p->hol);
        memset(p, 0, sizeof *p);
    }
}

int compare_verified(const compare *c)
{
    for (int k = 0; k < COMPARE_N; k++) {
        const compare_proto *p = &c->p[k];
        if (k == COMPARE_UDP)
            continue;
        if (!p->ran || p->r.nflows != 1 || !simrun_flow_verified(&p->o, &p->r.flows[0]))
            return 0;
    }
    return 1;
}
