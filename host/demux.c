/*
 * host/demux.c — finding the socket a packet belongs to.
 *
 * Connections (TCP connections, connected UDP sockets) live in a hash table
 * on (type, local address, local port, remote address, remote port) with
 * chaining through the sockets themselves, so a lookup allocates nothing.
 * The hash is SipHash-2-4 under a per-host key drawn from the seed, so a
 * remote sender cannot aim many tuples at one chain. The table doubles when
 * it holds more entries than buckets.
 *
 * Bound sockets (listeners, bound UDP sockets, explicitly bound TCP sockets)
 * live in a small table chained by port. A lookup there prefers an exact
 * local address over the wildcard of the packet's family.
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "util/siphash.h"

uint32_t demux_hash(const l4_host *h, uint8_t type, const l4_addr *la, uint16_t lp,
                    const l4_addr *ra, uint16_t rp)
{
    uint8_t k[38];
    k[0] = type;
    k[1] = la->family;
    memcpy(k + 2, la->bytes, 16);
    memcpy(k + 18, ra->bytes, 16);
    k[34] = (uint8_t)(lp >> 8);
    k[35] = (uint8_t)lp;
    k[36] = (uint8_t)(rp >> 8);
    k[37] = (uint8_t)rp;
    return (uint32_t)l4_siphash24(h->hash_key, k, sizeof k);
}

static int demux_grow(l4_host *h)
{
    size_t n = (h->tbl_mask + 1) * 2;
    l4_hsock **t = calloc(n, sizeof *t);
    if (!t)
        return L4_ERR_NOMEM;
    for (size_t i = 0; i <= h->tbl_mask; i++) {
        l4_hsock *s = h->tbl[i];
        while (s) {
            l4_hsock *next = s->hnext;
            size_t b = s->hash & (n - 1);
            s->hnext = t[b];
            t[b] = s;
            s = next;
        }
    }
    free(h->tbl);
    h->tbl = t;
    h->tbl_mask = n - 1;
    return 0;
}

int demux_insert(l4_host *h, l4_hsock *s)
{
    if (s->in_hash)
        return 0;
    if (h->tbl_count >= h->tbl_mask + 1 && demux_grow(h) < 0 && h->tbl_count > 4 * h->tbl_mask)
        return L4_ERR_NOMEM; /* growing is an optimisation until chains get long */
    s->hash = demux_hash(h, s->type, &s->laddr, s->lport, &s->raddr, s->rport);
    size_t b = s->hash & h->tbl_mask;
    s->hnext = h->tbl[b];
    h->tbl[b] = s;
    s->in_hash = 1;
    h->tbl_count++;
    return 0;
}

void demux_remove(l4_host *h, l4_hsock *s)
{
    if (!s->in_hash)
        return;
    l4_hsock **pp = &h->tbl[s->hash & h->tbl_mask];
    while (*pp && *pp != s)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = s->hnext;
    s->hnext = NULL;
    s->in_hash = 0;
    h->tbl_count--;
}

l4_hsock *demux_lookup(const l4_host *h, uint8_t type, const l4_addr *la, uint16_t lp,
                       const l4_addr *ra, uint16_t rp)
{
    uint32_t hv = demux_hash(h, type, la, lp, ra, rp);
    for (l4_hsock *s = h->tbl[hv & h->tbl_mask]; s; s = s->hnext) {
        if (s->hash == hv && s->type == type && s->lport == lp && s->rport == rp &&
            l4_addr_eq(&s->laddr, la) && l4_addr_eq(&s->raddr, ra))
            return s;
    }
    return NULL;
}

void ports_insert(l4_host *h, l4_hsock *s)
{
    if (s->bound)
        return;
    size_t b = s->lport % HOST_PORT_BUCKETS;
    s->pnext = h->ports[b];
    h->ports[b] = s;
    s->bound = 1;
}

void ports_remove(l4_host *h, l4_hsock *s)
{
    if (!s->bound)
        return;
    l4_hsock **pp = &h->ports[s->lport % HOST_PORT_BUCKETS];
    while (*pp && *pp != s)
        pp = &(*pp)->pnext;
    if (*pp)
        *pp = s->pnext;
    s->pnext = NULL;
    s->bound = 0;
}

/* The socket that takes unconnected traffic to `la`:`lp`: a TCP listener or an
   unconnected UDP socket, exact address first, then the wildcard. */
l4_hsock *ports_lookup(const l4_host *h, uint8_t type, const l4_addr *la, uint16_t lp)
{
    l4_hsock *wild = NULL;
    for (l4_hsock *s = h->ports[lp % HOST_PORT_BUCKETS]; s; s = s->pnext) {
        if (s->type != type || s->lport != lp || s->family != la->family || s->orphan)
            continue;
        if (type == L4_SOCK_STREAM ? !s->listening : s->connected)
            continue;
        if (l4_addr_eq(&s->laddr, la))
            return s;
        if (!wild && host_addr_is_any(&s->laddr))
            wild = s;
    }
    return wild;
}

int ports_port_bound(const l4_host *h, uint8_t type, uint16_t port)
{
    for (l4_hsock *s = h->ports[port % HOST_PORT_BUCKETS]; s; s = s->pnext)
        if (s->type == type && s->lport == port)
            return 1;
    return 0;
}
