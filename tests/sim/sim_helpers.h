/*
 * tests/sim/sim_helpers.h — test nodes for the emulator tests: a source that
 * sends numbered IPv4/IPv6 packets on a timer, and a sink that records what
 * arrives. Header-only (static inline) so each test takes what it needs.
 */
#ifndef L4_TESTS_SIM_HELPERS_H
#define L4_TESTS_SIM_HELPERS_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "util/bytes.h"
#include "wire/cksum.h"

/* ---- packets ---- */

#define TH_V4_HDR 20
#define TH_V6_HDR 40

/* Writes an IPv4 packet of `len` bytes (>= 24) to dst, numbered `seq`, with the ECN field `ecn`. */
static inline void th_build_v4(uint8_t *p, size_t len, uint32_t seq, uint8_t ecn,
                               const uint8_t src[4], const uint8_t dst[4])
{
    memset(p, 0, TH_V4_HDR);
    p[0] = 0x45;
    p[1] = ecn & 3;
    l4_put_u16(p + 2, (uint16_t)len);
    l4_put_u16(p + 4, (uint16_t)seq);
    p[8] = 64;
    p[9] = 253; /* RFC 3692 experimental */
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    l4_put_u16(p + 10, l4_cksum(p, TH_V4_HDR));
    l4_put_u32(p + TH_V4_HDR, seq);
    for (size_t i = TH_V4_HDR + 4; i < len; i++)
        p[i] = (uint8_t)(i * 7u + 3u);
}

/* Writes an IPv6 packet of `len` bytes (>= 44) numbered `seq`. */
static inline void th_build_v6(uint8_t *p, size_t len, uint32_t seq, uint8_t ecn,
                               const uint8_t src[16], const uint8_t dst[16])
{
    memset(p, 0, TH_V6_HDR);
    p[0] = 0x60;
    p[1] = (uint8_t)((ecn & 3) << 4);
    l4_put_u16(p + 4, (uint16_t)(len - TH_V6_HDR));
    p[6] = 253;
    p[7] = 64;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
    l4_put_u32(p + TH_V6_HDR, seq);
    for (size_t i = TH_V6_HDR + 4; i < len; i++)
        p[i] = (uint8_t)(i * 7u + 3u);
}

/* ---- source: `burst` packets every `gap` ns from `start`, `count` in all ---- */

typedef struct th_src {
    uint64_t count;
    uint64_t sent;
    l4_time start;
    l4_time gap;
    uint32_t burst;
    uint32_t pending; /* packets due now, not yet output */
    size_t len;
    int ifindex;
    int v6;
    uint8_t ecn;
    uint8_t src[16];
    uint8_t dst[16];
    l4_time next;
} th_src;

static inline void th_src_init(th_src *s, uint64_t count, l4_time gap, size_t len)
{
    memset(s, 0, sizeof *s);
    s->count = count;
    s->gap = gap;
    s->burst = 1;
    s->len = len;
    s->ecn = 0;
    const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 1, 1};
    memcpy(s->src, a, 4);
    memcpy(s->dst, b, 4);
    s->next = 0;
}

static inline void th_src_input(void *user, int ifindex, const uint8_t *pkt, size_t len,
                                l4_time now)
{
    (void)user, (void)ifindex, (void)pkt, (void)len, (void)now;
}

static inline l4_ssize th_src_output(void *user, int *ifindex, uint8_t *buf, size_t cap,
                                     l4_time now)
{
    th_src *s = user;
    (void)now;
    if (!s->pending || s->sent >= s->count || cap < s->len)
        return 0;
    s->pending--;
    *ifindex = s->ifindex;
    if (s->v6)
        th_build_v6(buf, s->len, (uint32_t)s->sent, s->ecn, s->src, s->dst);
    else
        th_build_v4(buf, s->len, (uint32_t)s->sent, s->ecn, s->src, s->dst);
    s->sent++;
    return (l4_ssize)s->len;
}

static inline l4_time th_src_next_timeout(void *user)
{
    th_src *s = user;
    if (s->sent + s->pending >= s->count)
        return L4_TIME_NONE;
    return s->next;
}

static inline void th_src_handle_timeout(void *user, l4_time now)
{
    th_src *s = user;
    (void)now;
    uint64_t left = s->count - s->sent - s->pending;
    s->pending += (uint32_t)(left < s->burst ? left : s->burst);
    s->next += s->gap;
}

static const l4_sim_node_ops TH_SRC_OPS = {th_src_input, th_src_output, th_src_next_timeout,
                                           th_src_handle_timeout};

/* ---- sink: records every arrival ---- */

typedef struct th_arrival {
    l4_time t;
    uint32_t seq; /* read from the payload (after the IP header) */
    uint32_t len;
    uint8_t ecn;
    int ifindex;
} th_arrival;

typedef struct th_sink {
    th_arrival *a;
    size_t n;
    size_t cap;
    int keep_bytes; /* also keep a copy of every packet */
    uint8_t **bytes;
} th_sink;

static inline void th_sink_input(void *user, int ifindex, const uint8_t *pkt, size_t len,
                                 l4_time now)
{
    th_sink *k = user;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 1024;
        k->a = realloc(k->a, k->cap * sizeof *k->a);
        if (k->keep_bytes)
            k->bytes = realloc(k->bytes, k->cap * sizeof *k->bytes);
        if (!k->a || (k->keep_bytes && !k->bytes))
            abort();
    }
    th_arrival *a = &k->a[k->n];
    a->t = now;
    a->len = (uint32_t)len;
    a->ifindex = ifindex;
    int v6 = len > 0 && (pkt[0] >> 4) == 6;
    size_t off = v6 ? TH_V6_HDR : TH_V4_HDR;
    a->seq = len >= off + 4 ? l4_get_u32(pkt + off) : UINT32_MAX;
    a->ecn = len >= 2 ? (uint8_t)(v6 ? (pkt[1] >> 4) & 3 : pkt[1] & 3) : 0;
    if (k->keep_bytes) {
        k->bytes[k->n] = malloc(len ? len : 1);
        if (!k->bytes[k->n])
            abort();
        memcpy(k->bytes[k->n], pkt, len);
    }
    k->n++;
}

static inline l4_ssize th_sink_output(void *user, int *ifindex, uint8_t *buf, size_t cap,
                                      l4_time now)
{
    (void)user, (void)ifindex, (void)buf, (void)cap, (void)now;
    return 0;
}

static inline l4_time th_sink_next_timeout(void *user)
{
    (void)user;
    return L4_TIME_NONE;
}

static inline void th_sink_handle_timeout(void *user, l4_time now)
{
    (void)user, (void)now;
}

static const l4_sim_node_ops TH_SINK_OPS = {th_sink_input, th_sink_output, th_sink_next_timeout,
                                            th_sink_handle_timeout};

static inline void th_sink_free(th_sink *k)
{
    if (k->bytes)
        for (size_t i = 0; i < k->n; i++)
            free(k->bytes[i]);
    free(k->bytes);
    free(k->a);
    memset(k, 0, sizeof *k);
}

/* ---- a two-node line: src (if 0) --link--> sink (if 0) ---- */

typedef struct th_line {
    l4_sim *sim;
    th_src src;
    th_sink sink;
    int src_id;
    int sink_id;
    int link;
} th_line;

/* Builds the line with `spec` source->sink ("" = ideal); aborts on a bad spec. */
static inline void th_line_init(th_line *l, uint64_t seed, const char *spec, uint64_t count,
                                l4_time gap, size_t len)
{
    memset(l, 0, sizeof *l);
    l4_link_spec s;
    char err[128];
    if (l4_link_spec_parse(&s, spec, err, sizeof err) != 0) {
        fprintf(stderr, "bad spec: %s\n", err);
        abort();
    }
    l->sim = l4_sim_new(seed);
    th_src_init(&l->src, count, gap, len);
    l->src_id = l4_sim_add_node(l->sim, &TH_SRC_OPS, &l->src);
    l->sink_id = l4_sim_add_node(l->sim, &TH_SINK_OPS, &l->sink);
    l->link = l4_sim_connect(l->sim, l->src_id, 0, l->sink_id, 0, &s, NULL);
    if (!l->sim || l->src_id < 0 || l->sink_id < 0 || l->link < 0)
        abort();
}

/* Re-arms the source after its fields were changed (its timer is read again). */
static inline void th_line_rearm(th_line *l)
{
    l4_sim_wake(l->sim, l->src_id);
}

static inline void th_line_run(th_line *l)
{
    while (l4_sim_step(l->sim))
        ;
}

static inline const l4_link_stats *th_line_stats(const th_line *l)
{
    return l4_sim_link_stats(l->sim, l->link, L4_LINK_DIR_AB);
}

static inline void th_line_free(th_line *l)
{
    l4_sim_del(l->sim);
    th_sink_free(&l->sink);
}

/* |x - n p| <= k sd of a binomial(n, p). */
static inline int th_binomial_ok(double x, double n, double p, double k)
{
    double sd = sqrt(n * p * (1.0 - p));
    return fabs(x - n * p) <= k * sd + 1e-9;
}

#endif
