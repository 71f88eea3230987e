/*
 * sim/router.c — the built-in router node: forwards each packet out of the
 * interface of the longest prefix matching its destination (IPv4 and IPv6).
 * It has no queue of its own; the outgoing link queues.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "wire/ip.h"

typedef struct router_route {
    l4_addr prefix; /* bits past plen cleared */
    int plen;
    int ifindex;
} router_route;

struct sim_router {
    l4_sim *sim;
    int node;
    router_route *routes;
    size_t n;
    size_t cap;
};

/* Nonzero when the first plen bits of a and b are equal. */
static int router_prefix_match(const uint8_t *a, const uint8_t *b, int plen)
{
    int full = plen / 8, rest = plen % 8;
    if (memcmp(a, b, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

static void router_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    sim_router *r = user;
    sim_node *n = &r->sim->nodes[r->node];
    (void)ifindex;
    (void)now;
    l4_ip_pkt ip;
    if (l4_ip_parse(&ip, pkt, len) != 0) {
        n->stats.bad_packet++;
        return;
    }
    const router_route *best = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const router_route *rt = &r->routes[i];
        if (rt->prefix.family != ip.dst.family || (best && rt->plen <= best->plen))
            continue;
        if (router_prefix_match(rt->prefix.bytes, ip.dst.bytes, rt->plen))
            best = rt;
    }
    if (!best) {
        n->stats.no_route++;
        return;
    }
    n->stats.outputs++;
    (void)sim_node_send(r->sim, r->node, best->ifindex, pkt, len);
}

static l4_ssize router_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    (void)user;
    (void)ifindex;
    (void)buf;
    (void)cap;
    (void)now;
    return 0;
}

static l4_time router_next_timeout(void *user)
{
    (void)user;
    return L4_TIME_NONE;
}

static void router_handle_timeout(void *user, l4_time now)
{
    (void)user;
    (void)now;
}

const l4_sim_node_ops sim_router_ops = {router_input, router_output, router_next_timeout,
                                        router_handle_timeout};

void sim_router_free(sim_router *r)
{
    if (!r)
        return;
    free(r->routes);
    free(r);
}

int l4_sim_add_router(l4_sim *sim)
{
    sim_router *r = calloc(1, sizeof *r);
    if (!r)
        return L4_ERR_NOMEM;
    int id = l4_sim_add_node(sim, &sim_router_ops, r);
    if (id < 0) {
        free(r);
        return id;
    }
    r->sim = sim;
    r->node = id;
    sim->nodes[id].router = r;
    return id;
}

int l4_sim_router_route(l4_sim *sim, int router, const l4_addr *prefix, int plen, int ifindex)
{
    if (router < 0 || router >= sim->n_nodes || !sim->nodes[router].router || !prefix)
        return L4_ERR_INVALID_ARGUMENT;
    int maxlen;
    if (prefix->family == L4_AF_INET4)
        maxlen = 32;
    else if (prefix->family == L4_AF_INET6)
        maxlen = 128;
    else
        return L4_ERR_INVALID_ARGUMENT;
    if (plen < 0 || plen > maxlen || ifindex < 0 || ifindex >= L4_SIM_MAX_IFS)
        return L4_ERR_INVALID_ARGUMENT;
    sim_router *r = sim->nodes[router].router;
    router_route rt = {.plen = plen, .ifindex = ifindex};
    rt.prefix.family = prefix->family;
    for (int i = 0; i < plen / 8; i++)
        rt.prefix.bytes[i] = prefix->bytes[i];
    if (plen % 8)
        rt.prefix.bytes[plen / 8] = (uint8_t)(prefix->bytes[plen / 8] & (0xFFu << (8 - plen % 8)));
    for (size_t i = 0; i < r->n; i++) {
        if (r->routes[i].plen == plen && r->routes[i].prefix.family == rt.prefix.family &&
            memcmp(r->routes[i].prefix.bytes, rt.prefix.bytes, sizeof rt.prefix.bytes) == 0) {
            r->routes[i].ifindex = ifindex;
            return 0;
        }
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        router_route *routes = realloc(r->routes, cap * sizeof *routes);
        if (!routes)
            return L4_ERR_NOMEM;
        r->routes = routes;
        r->cap = cap;
    }
    r->routes[r->n++] = rt;
    return 0;
}
