/*
 * host/ports.c — address-in-use rules and ephemeral port selection.
 *
 * Ephemeral ports follow RFC 6056 §3.3.4 (Algorithm 4, "Double-Hash Port
 * Selection"): offset = F(local addr, remote addr, remote port, key1) and a
 * per-bucket counter table[G(local addr, remote addr, remote port, key2)];
 * the candidate is min + (offset + table[i] + attempt) mod range. After a
 * pick the counter advances by a random step in 1..ephemeral_incr (the
 * random increments of Algorithm 5, §3.3.5), so even consecutive connections
 * to one peer do not get consecutive ports. Keys, counters and steps come
 * from the host's seeded generator.
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "util/siphash.h"

static int ports_overlap(const l4_addr *a, const l4_addr *b)
{
    return a->family == b->family &&
           (host_addr_is_any(a) || host_addr_is_any(b) || l4_addr_eq(a, b));
}

uint32_t ports_refs(const l4_host *h, uint16_t port)
{
    const uint32_t *b = h->tcp_refs[port >> 8];
    return b ? b[port & 0xff] : 0;
}

/* Adds `delta` (+1 / -1) to the count of live connections on `port`.
   Returns 0 or L4_ERR_NOMEM. */
int ports_ref(l4_host *h, uint16_t port, int delta)
{
    uint32_t **b = &h->tcp_refs[port >> 8];
    if (!*b) {
        if (delta < 0)
            return 0;
        *b = calloc(256, sizeof **b);
        if (!*b)
            return L4_ERR_NOMEM;
    }
    (*b)[port & 0xff] = (uint32_t)((int64_t)(*b)[port & 0xff] + delta);
    return 0;
}

int ports_tw_reusable(const l4_host *h, const l4_hsock *s, l4_time now)
{
    if (!h->cfg.tcp_tw_reuse || !s->orphan || !s->tcp ||
        l4_tcp_conn_state(s->tcp) != L4_TCP_TIME_WAIT)
        return 0;
    l4_tcp_info info;
    l4_tcp_conn_get_info(s->tcp, &info);
    return info.ts_ok && s->tw_since != L4_TIME_NONE && now >= s->tw_since + L4_S;
}

/* May socket `s` bind `a`:`port`? 0 or L4_EADDRINUSE (see socket.h). */
int ports_bind_check(l4_host *h, const l4_hsock *s, const l4_addr *a, uint16_t port)
{
    for (l4_hsock *e = h->ports[port % HOST_PORT_BUCKETS]; e; e = e->pnext) {
        if (e == s || e->type != s->type || e->lport != port || !ports_overlap(&e->laddr, a))
            continue;
        if (e->tcp && l4_tcp_conn_state(e->tcp) == L4_TCP_TIME_WAIT && s->reuseaddr)
            continue;
        if (s->reuseaddr && e->reuseaddr && !e->listening)
            continue;
        return L4_EADDRINUSE;
    }
    if (s->type == L4_SOCK_STREAM && ports_refs(h, port) > 0 && !s->reuseaddr)
        return L4_EADDRINUSE;
    return 0;
}

static void ports_keys(const l4_host *h, const l4_addr *la, const l4_addr *ra, uint16_t rp,
                       uint32_t *f, uint32_t *g)
{
    uint8_t k[35];
    k[0] = la->family;
    memcpy(k + 1, la->bytes, 16);
    memcpy(k + 17, ra->bytes, 16);
    k[33] = (uint8_t)(rp >> 8);
    k[34] = (uint8_t)rp;
    *f = (uint32_t)l4_siphash24(h->eph_key1, k, sizeof k);
    *g = (uint32_t)l4_siphash24(h->eph_key2, k, sizeof k);
}

static void ports_advance(l4_host *h, uint32_t g, uint32_t attempts)
{
    uint32_t step = 1 + l4_rng_below(&h->rng, h->cfg.ephemeral_incr);
    h->eph_table[g % HOST_EPH_TABLE] =
        (uint16_t)(h->eph_table[g % HOST_EPH_TABLE] + attempts + step);
}

/* An exclusive port for bind(port 0) and UDP auto-bind: no bound socket of
   the type and no live TCP connection uses it. */
int ports_ephemeral_bind(l4_host *h, l4_hsock *s, const l4_addr *la, uint16_t *port)
{
    uint32_t num = (uint32_t)h->cfg.ephemeral_max - h->cfg.ephemeral_min + 1;
    l4_addr none;
    memset(&none, 0, sizeof none);
    none.family = la->family;
    uint32_t f, g;
    ports_keys(h, la, &none, 0, &f, &g);
    uint32_t base = f + h->eph_table[g % HOST_EPH_TABLE];
    for (uint32_t i = 0; i < num; i++) {
        uint16_t p = (uint16_t)(h->cfg.ephemeral_min + (base + i) % num);
        if (ports_port_bound(h, s->type, p))
            continue;
        if (s->type == L4_SOCK_STREAM && ports_refs(h, p) > 0)
            continue;
        ports_advance(h, g, i);
        *port = p;
        return 0;
    }
    return L4_EADDRNOTAVAIL;
}

/* A local port for connect() to ra:rp from la: the 4-tuple must be free (or
   held by a reusable TIME_WAIT connection, returned in *tw_victim) and the port
   not bound by any socket. */
int ports_ephemeral_connect(l4_host *h, uint8_t type, const l4_addr *la, const l4_addr *ra,
                            uint16_t rp, uint16_t *port, l4_hsock **tw_victim, l4_time now)
{
    uint32_t num = (uint32_t)h->cfg.ephemeral_max - h->cfg.ephemeral_min + 1;
    uint32_t f, g;
    ports_keys(h, la, ra, rp, &f, &g);
    uint32_t base = f + h->eph_table[g % HOST_EPH_TABLE];
    l4_hsock *victim = NULL;
    uint16_t victim_port = 0;
    uint32_t victim_i = 0;
    *tw_victim = NULL;
    for (uint32_t i = 0; i < num; i++) {
        uint16_t p = (uint16_t)(h->cfg.ephemeral_min + (base + i) % num);
        if (ports_port_bound(h, type, p))
            continue;
        l4_hsock *e = demux_lookup(h, type, la, p, ra, rp);
        if (!e) {
            ports_advance(h, g, i);
            *port = p;
            return 0;
        }
        if (!victim && ports_tw_reusable(h, e, now)) {
            victim = e;
            victim_port = p;
            victim_i = i;
        }
    }
    if (victim) {
        ports_advance(h, g, victim_i);
        *port = victim_port;
        *tw_victim = victim;
        return 0;
    }
    return L4_EADDRNOTAVAIL;
}
