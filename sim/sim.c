/*
 * sim/sim.c — the scheduler: virtual clock, nodes, links, the event loop.
 * See sim.h for the contract and link.h for what a link does to a packet.
 */
#include "sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

l4_sim *l4_sim_new(uint64_t seed)
{
    l4_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        return NULL;
    sim->seed = seed;
    sim->obuf = malloc(L4_SIM_MAX_PKT);
    if (!sim->obuf) {
        free(sim);
        return NULL;
    }
    return sim;
}

void l4_sim_del(l4_sim *sim)
{
    if (!sim)
        return;
    sim_event e;
    while (sim_heap_pop(&sim->heap, &e)) {
        if (e.kind == SIM_EV_DELIVER)
            free(e.u.pkt);
    }
    sim_heap_free(&sim->heap);
    sim_pool_free(&sim->pool);
    for (int i = 0; i < sim->n_links; i++) {
        sim_linkdir_free(&sim->links[i].d[0]);
        sim_linkdir_free(&sim->links[i].d[1]);
    }
    free(sim->links);
    for (int i = 0; i < sim->n_nodes; i++)
        sim_router_free(sim->nodes[i].router);
    free(sim->nodes);
    free(sim->obuf);
    free(sim);
}

uint64_t l4_sim_seed(const l4_sim *sim)
{
    return sim->seed;
}

l4_time l4_sim_now(const l4_sim *sim)
{
    return sim->now;
}

void l4_sim_set_tap(l4_sim *sim, l4_sim_tap_fn tap, void *user)
{
    sim->tap = tap;
    sim->tap_user = tap ? user : NULL;
}

int l4_sim_link_count(const l4_sim *sim)
{
    return sim->n_links;
}

int l4_sim_node_count(const l4_sim *sim)
{
    return sim->n_nodes;
}

const l4_link_stats *l4_sim_link_stats(const l4_sim *sim, int link, int dir)
{
    if (link < 0 || link >= sim->n_links || dir < 0 || dir > 1)
        return NULL;
    return &sim->links[link].d[dir].stats;
}

int l4_sim_link_queue(l4_sim *sim, int link, int dir, l4_link_queue *q)
{
    if (!sim || !q || link < 0 || link >= sim->n_links || dir < 0 || dir > 1)
        return L4_ERR_INVALID_ARGUMENT;
    sim_linkdir_queue(&sim->links[link].d[dir], sim->now, q);
    return 0;
}

const l4_link_spec *l4_sim_link_spec(const l4_sim *sim, int link, int dir)
{
    if (link < 0 || link >= sim->n_links || dir < 0 || dir > 1)
        return NULL;
    return &sim->links[link].d[dir].spec;
}

const l4_sim_node_stats *l4_sim_node_stats_get(const l4_sim *sim, int node)
{
    if (node < 0 || node >= sim->n_nodes)
        return NULL;
    return &sim->nodes[node].stats;
}

/* Queues a live timer event for node `id` at `t` (>= now), retiring any older one. */
static int sim_timer_push(l4_sim *sim, int id, l4_time t)
{
    sim_node *n = &sim->nodes[id];
    n->timer_gen++;
    n->ev_at = t;
    sim_event e = {.t = t, .kind = SIM_EV_TIMER, .node = id};
    e.u.gen = n->timer_gen;
    return sim_heap_push(&sim->heap, e);
}

/* Re-reads the node's next_timeout; queues an event only when it moved earlier. */
static int sim_timer_update(l4_sim *sim, int id)
{
    sim_node *n = &sim->nodes[id];
    l4_time t = n->ops.next_timeout(n->user);
    n->timer_at = t;
    if (t == L4_TIME_NONE || (n->ev_at != L4_TIME_NONE && n->ev_at <= t))
        return 0;
    return sim_timer_push(sim, id, t < sim->now ? sim->now : t);
}

/*
 * Looks at a popped timer event: returns 1 when the node's timeout is due
 * now, 0 when the event was retired or early (an early one is re-queued at
 * the node's current deadline).
 */
static int sim_timer_due(l4_sim *sim, const sim_event *e)
{
    sim_node *n = &sim->nodes[e->node];
    if (e->u.gen != n->timer_gen)
        return 0;
    n->ev_at = L4_TIME_NONE;
    if (n->timer_at == L4_TIME_NONE)
        return 0;
    if (n->timer_at > e->t) {
        (void)sim_timer_push(sim, e->node, n->timer_at);
        return 0;
    }
    return 1;
}

int sim_node_send(l4_sim *sim, int node, int ifindex, const uint8_t *pkt, size_t len)
{
    sim_node *n = &sim->nodes[node];
    if (ifindex < 0 || ifindex >= L4_SIM_MAX_IFS || n->ifs[ifindex].link < 0) {
        n->stats.no_link++;
        return L4_ERR_NOT_FOUND;
    }
    sim_if *i = &n->ifs[ifindex];
    return sim_link_offer(sim, &sim->links[i->link].d[i->dir], pkt, len);
}

/* Calls the node's output until it has nothing more, then re-reads its timer. */
static void sim_drain(l4_sim *sim, int id)
{
    uint8_t *buf = sim->obuf;
    /* A wake from inside another node's callback gets a buffer of its own. */
    if (sim->drain_depth > 0) {
        buf = malloc(L4_SIM_MAX_PKT);
        if (!buf) {
            sim->nodes[id].stats.output_errors++;
            return;
        }
    }
    sim->drain_depth++;
    for (;;) {
        sim_node *n = &sim->nodes[id];
        int ifindex = 0;
        l4_ssize len = n->ops.output(n->user, &ifindex, buf, L4_SIM_MAX_PKT, sim->now);
        n = &sim->nodes[id];
        if (len == 0)
            break;
        if (len < 0 || (size_t)len > L4_SIM_MAX_PKT) {
            n->stats.output_errors++;
            break;
        }
        n->stats.outputs++;
        (void)sim_node_send(sim, id, ifindex, buf, (size_t)len);
    }
    sim->drain_depth--;
    if (buf != sim->obuf)
        free(buf);
    (void)sim_timer_update(sim, id);
}

int l4_sim_add_node(l4_sim *sim, const l4_sim_node_ops *ops, void *user)
{
    if (!ops || !ops->input || !ops->output || !ops->next_timeout || !ops->handle_timeout)
        return L4_ERR_INVALID_ARGUMENT;
    if (sim->n_nodes == sim->cap_nodes) {
        int cap = sim->cap_nodes ? sim->cap_nodes * 2 : 8;
        sim_node *nodes = realloc(sim->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes)
            return L4_ERR_NOMEM;
        sim->nodes = nodes;
        sim->cap_nodes = cap;
    }
    int id = sim->n_nodes++;
    sim_node *n = &sim->nodes[id];
    memset(n, 0, sizeof *n);
    n->ops = *ops;
    n->user = user;
    for (int i = 0; i < L4_SIM_MAX_IFS; i++)
        n->ifs[i].link = -1;
    n->timer_at = L4_TIME_NONE;
    n->ev_at = L4_TIME_NONE;
    if (sim_timer_update(sim, id) < 0) {
        sim->n_nodes--;
        return L4_ERR_NOMEM;
    }
    return id;
}

int l4_sim_connect(l4_sim *sim, int node_a, int if_a, int node_b, int if_b,
                   const l4_link_spec *a_to_b, const l4_link_spec *b_to_a)
{
    if (node_a < 0 || node_a >= sim->n_nodes || node_b < 0 || node_b >= sim->n_nodes || if_a < 0 ||
        if_a >= L4_SIM_MAX_IFS || if_b < 0 || if_b >= L4_SIM_MAX_IFS ||
        (node_a == node_b && if_a == if_b))
        return L4_ERR_INVALID_ARGUMENT;
    if (sim->nodes[node_a].ifs[if_a].link >= 0 || sim->nodes[node_b].ifs[if_b].link >= 0)
        return L4_ERR_STATE;
    if (sim->n_links == sim->cap_links) {
        int cap = sim->cap_links ? sim->cap_links * 2 : 8;
        sim_link *links = realloc(sim->links, (size_t)cap * sizeof *links);
        if (!links)
            return L4_ERR_NOMEM;
        sim->links = links;
        sim->cap_links = cap;
    }
    l4_link_spec ideal;
    l4_link_spec_default(&ideal);
    int id = sim->n_links++;
    sim_link *l = &sim->links[id];
    sim_linkdir_init(&l->d[L4_LINK_DIR_AB], a_to_b ? a_to_b : &ideal, sim->seed, id, L4_LINK_DIR_AB,
                     node_b, if_b);
    sim_linkdir_init(&l->d[L4_LINK_DIR_BA], b_to_a ? b_to_a : &ideal, sim->seed, id, L4_LINK_DIR_BA,
                     node_a, if_a);
    sim->nodes[node_a].ifs[if_a] = (sim_if){id, L4_LINK_DIR_AB};
    sim->nodes[node_b].ifs[if_b] = (sim_if){id, L4_LINK_DIR_BA};
    return id;
}

int l4_sim_wake(l4_sim *sim, int node)
{
    if (node < 0 || node >= sim->n_nodes)
        return L4_ERR_INVALID_ARGUMENT;
    sim_drain(sim, node);
    return 0;
}

l4_time l4_sim_next_event(l4_sim *sim)
{
    /* Settle retired and early timers so the answer is a real event. */
    for (;;) {
        const sim_event *top = sim_heap_peek(&sim->heap);
        if (!top)
            return L4_TIME_NONE;
        if (top->kind != SIM_EV_TIMER)
            return top->t;
        const sim_node *n = &sim->nodes[top->node];
        if (top->u.gen == n->timer_gen && n->timer_at != L4_TIME_NONE && n->timer_at <= top->t)
            return top->t;
        sim_event e;
        sim_heap_pop(&sim->heap, &e);
        (void)sim_timer_due(sim, &e);
    }
}

/* Runs one popped event. Returns 1 when it ran, 0 for a retired or early timer. */
static int sim_run_event(l4_sim *sim, const sim_event *e)
{
    sim_node *n = &sim->nodes[e->node];
    if (e->kind == SIM_EV_TIMER) {
        if (!sim_timer_due(sim, e))
            return 0;
        sim->now = e->t;
        n->timer_at = L4_TIME_NONE;
        n->stats.timeouts++;
        n->ops.handle_timeout(n->user, sim->now);
    } else {
        sim_pkt *p = e->u.pkt;
        sim_linkdir *ld = &sim->links[p->link].d[p->dir];
        sim->now = e->t;
        if (e->kind == SIM_EV_LINK) {
            /* The head leaves the FIFO; the next one's arrival becomes an event. */
            ld->fifo_head = p->next;
            if (!ld->fifo_head) {
                ld->fifo_tail = NULL;
            } else {
                sim_event next = {.t = ld->fifo_head->arrival,
                                  .seq = ld->fifo_head->seq,
                                  .kind = SIM_EV_LINK,
                                  .node = e->node};
                next.u.pkt = ld->fifo_head;
                /* A failed push (out of memory) would strand the FIFO; the
                   heap has just shrunk by one, so it cannot fail here. */
                (void)sim_heap_push_seq(&sim->heap, next);
            }
        }
        ld->stats.delivered_pkts++;
        ld->stats.delivered_bytes += p->len;
        sim_tap(sim, ld, L4_SIM_TAP_DELIVER, sim->now, p->data, p->len);
        n->stats.inputs++;
        n->ops.input(n->user, ld->dst_if, p->data, p->len, sim->now);
        sim_pool_put(&sim->pool, p);
    }
    sim_drain(sim, e->node);
    return 1;
}

int l4_sim_step(l4_sim *sim)
{
    sim_event e;
    while (sim_heap_pop(&sim->heap, &e)) {
        if (sim_run_event(sim, &e))
            return 1;
    }
    return 0;
}

uint64_t l4_sim_run_until(l4_sim *sim, l4_time t)
{
    uint64_t ran = 0;
    for (;;) {
        const sim_event *top = sim_heap_peek(&sim->heap);
        if (!top || top->t > t)
            break;
        sim_event e;
        sim_heap_pop(&sim->heap, &e);
        ran += (uint64_t)sim_run_event(sim, &e);
    }
    if (t > sim->now && t != L4_TIME_NONE)
        sim->now = t;
    return ran;
}
