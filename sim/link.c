/*
 * sim/link.c — one direction of an emulated link: the impairment pipeline
 * of sim/link.h (loss, duplicate, corrupt, queue/ECN, serialization, delay
 * with jitter, reorder). Everything about a packet is decided when it is
 * offered; the only event it costs is its arrival.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "util/err.h"
#include "wire/ip.h"

void sim_linkdir_init(sim_linkdir *ld, const l4_link_spec *spec, uint64_t seed, int link, int dir,
                      int dst_node, int dst_if)
{
    memset(ld, 0, sizeof *ld);
    ld->spec = *spec;
    /* One PCG stream per link direction: links added later do not shift these draws. */
    l4_rng_init(&ld->rng, seed, 2u * (uint64_t)link + (uint64_t)dir + 1u);
    ld->link = link;
    ld->dir = dir;
    ld->dst_node = dst_node;
    ld->dst_if = dst_if;
    if (spec->loss_burst > 0.0 && spec->loss > 0.0 && spec->loss < 1.0) {
        /* Gilbert-Elliott with h = 1 (bad state always loses): stationary
           P(bad) = p / (p + r) = loss, mean bad run = 1 / r = burst. */
        ld->ge_r = 1.0 / (spec->loss_burst < 1.0 ? 1.0 : spec->loss_burst);
        ld->ge_p = spec->loss * ld->ge_r / (1.0 - spec->loss);
        if (ld->ge_p > 1.0)
            ld->ge_p = 1.0;
    }
}

void sim_linkdir_free(sim_linkdir *ld)
{
    while (ld->fifo_head) {
        sim_pkt *p = ld->fifo_head;
        ld->fifo_head = p->next;
        free(p);
    }
    ld->fifo_tail = NULL;
    free(ld->wq);
    ld->wq = NULL;
    ld->wq_cap = ld->wq_n = 0;
}

/* Step 0: drop-at times (one packet each) and blackouts. */
static int link_timed_loss(sim_linkdir *ld, l4_time now)
{
    const l4_link_spec *s = &ld->spec;
    if (ld->next_drop < s->n_drop_at && now >= s->drop_at[ld->next_drop]) {
        ld->next_drop++;
        return 1;
    }
    for (uint32_t i = 0; i < s->n_blackout && s->blackout[i].start <= now; i++)
        if (now - s->blackout[i].start < s->blackout[i].len)
            return 1;
    return 0;
}

/* Step 1. */
static int link_lose(sim_linkdir *ld)
{
    const l4_link_spec *s = &ld->spec;
    if (s->loss <= 0.0)
        return 0;
    if (s->loss >= 1.0)
        return 1;
    if (ld->ge_r > 0.0) {
        if (ld->ge_bad)
            ld->ge_bad = !l4_rng_chance(&ld->rng, ld->ge_r);
        else
            ld->ge_bad = l4_rng_chance(&ld->rng, ld->ge_p);
        return ld->ge_bad;
    }
    return l4_rng_chance(&ld->rng, s->loss);
}

/* Forgets the waiting packets whose serialization has started by `now`. */
static void link_wq_advance(sim_linkdir *ld, l4_time now)
{
    size_t mask = ld->wq_cap - 1;
    while (ld->wq_n && ld->wq[ld->wq_head].start <= now) {
        ld->wq_bytes -= ld->wq[ld->wq_head].len;
        ld->wq_head = (ld->wq_head + 1) & mask;
        ld->wq_n--;
    }
}

void sim_linkdir_queue(sim_linkdir *ld, l4_time now, l4_link_queue *q)
{
    link_wq_advance(ld, now);
    q->pkts = ld->wq_n;
    q->bytes = ld->wq_bytes;
    q->wait = ld->busy_until > now ? ld->busy_until - now : 0;
    q->last_wait = ld->last_wait;
}

static int link_wq_push(sim_linkdir *ld, l4_time start, uint32_t len)
{
    if (ld->wq_n == ld->wq_cap) {
        size_t cap = ld->wq_cap ? ld->wq_cap * 2 : 64;
        sim_wait *wq = malloc(cap * sizeof *wq);
        if (!wq)
            return L4_ERR_NOMEM;
        for (size_t i = 0; i < ld->wq_n; i++)
            wq[i] = ld->wq[(ld->wq_head + i) & (ld->wq_cap - 1)];
        free(ld->wq);
        ld->wq = wq;
        ld->wq_cap = cap;
        ld->wq_head = 0;
    }
    ld->wq[(ld->wq_head + ld->wq_n) & (ld->wq_cap - 1)] = (sim_wait){start, len};
    ld->wq_n++;
    ld->wq_bytes += len;
    if (ld->wq_n > ld->stats.queue_hwm_pkts)
        ld->stats.queue_hwm_pkts = ld->wq_n;
    if (ld->wq_bytes > ld->stats.queue_hwm_bytes)
        ld->stats.queue_hwm_bytes = ld->wq_bytes;
    return 0;
}

/* RFC 3168 §5-6.1: a congested queue marks ECN-capable packets CE instead of dropping them. */
static void link_ecn_mark(sim_linkdir *ld, uint8_t *pkt, size_t len)
{
    l4_ip_pkt ip;
    int rc = l4_ip_parse(&ip, pkt, len);
    if (rc != 0 && rc != L4_ERR_CHECKSUM)
        return;
    if (ip.ecn != L4_ECN_ECT0 && ip.ecn != L4_ECN_ECT1)
        return;
    if (l4_ip_set_ecn(pkt, len, L4_ECN_CE) == 0)
        ld->stats.ce_marked++;
}

/* Steps 3-7 for one copy of the packet. */
static int link_carry(l4_sim *sim, sim_linkdir *ld, const uint8_t *src, size_t len)
{
    const l4_link_spec *s = &ld->spec;
    l4_time now = sim->now;
    sim_pkt *p = sim_pool_get(&sim->pool, len);
    if (!p)
        return L4_ERR_NOMEM;
    memcpy(p->data, src, len);
    p->link = ld->link;
    p->dir = ld->dir;

    /* 3. corrupt: one uniformly chosen bit. */
    if (s->corrupt > 0.0 && len > 0 && l4_rng_chance(&ld->rng, s->corrupt)) {
        uint32_t bit = l4_rng_below(&ld->rng, (uint32_t)len * 8u);
        p->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ld->stats.corrupted++;
    }

    /* 4. queue and ECN. */
    link_wq_advance(ld, now);
    l4_time start = ld->busy_until > now ? ld->busy_until : now;
    if (start > now) {
        if ((s->queue_pkts && ld->wq_n + 1 > s->queue_pkts) ||
            (s->queue_bytes && ld->wq_bytes + len > s->queue_bytes)) {
            ld->stats.dropped_queue++;
            sim_tap(sim, ld, L4_SIM_TAP_DROP_QUEUE, now, p->data, len);
            sim_pool_put(&sim->pool, p);
            return 0;
        }
    }
    if (s->ecn_threshold != L4_LINK_ECN_OFF && ld->wq_n > s->ecn_threshold)
        link_ecn_mark(ld, p->data, len);
    if (start > now && link_wq_push(ld, start, (uint32_t)len) < 0) {
        sim_pool_put(&sim->pool, p);
        return L4_ERR_NOMEM;
    }

    /* 5. serialization, exact over a busy period (the remainder carries). */
    l4_time end = start;
    if (s->rate_bps) {
        if (now > ld->busy_until)
            ld->ser_rem = 0;
        uint64_t num = (uint64_t)len * 8u * 1000000000u + ld->ser_rem;
        end = start + num / s->rate_bps;
        ld->ser_rem = num % s->rate_bps;
    }
    ld->busy_until = end;
    ld->last_wait = start - now;
    ld->stats.queue_delay_sum += start - now;
    if (start - now > ld->stats.queue_delay_max)
        ld->stats.queue_delay_max = start - now;

    /* 6. delay + jitter (FIFO), 7. reorder (skips the delay). */
    l4_time delay = s->n_delay_at ? l4_link_spec_delay_at(s, now) : s->delay;
    if (s->jitter) {
        double d = (double)delay + (double)s->jitter * l4_rng_normal(&ld->rng);
        delay = d <= 0.0 ? 0 : (l4_time)llround(d);
    }
    l4_time arrival;
    int skipped = 0;
    if (s->reorder > 0.0 && l4_rng_chance(&ld->rng, s->reorder)) {
        skipped = 1;
        ld->stats.reordered++;
        arrival = end;
    } else {
        arrival = end + delay;
        if (arrival < ld->last_arrival)
            arrival = ld->last_arrival;
        ld->last_arrival = arrival;
    }

    ld->stats.sent_pkts++;
    ld->stats.sent_bytes += len;
    sim_tap(sim, ld, L4_SIM_TAP_SEND, now, p->data, len);
    p->seq = sim->heap.next_seq++;
    p->arrival = arrival;
    p->next = NULL;
    if (!skipped && ld->fifo_head) {
        /* Behind the head: the head's event will schedule it (SIM_EV_LINK). */
        ld->fifo_tail->next = p;
        ld->fifo_tail = p;
        return 0;
    }
    sim_event e = {.t = arrival, .seq = p->seq, .node = ld->dst_node};
    e.kind = skipped ? SIM_EV_DELIVER : SIM_EV_LINK;
    e.u.pkt = p;
    if (sim_heap_push_seq(&sim->heap, e) < 0) {
        sim_pool_put(&sim->pool, p);
        return L4_ERR_NOMEM;
    }
    if (!skipped)
        ld->fifo_head = ld->fifo_tail = p;
    return 0;
}

int sim_link_offer(l4_sim *sim, sim_linkdir *ld, const uint8_t *pkt, size_t len)
{
    ld->stats.offered_pkts++;
    ld->stats.offered_bytes += len;
    /* 0. timed loss, 1. loss */
    if (link_timed_loss(ld, sim->now)) {
        ld->stats.dropped_loss++;
        ld->stats.dropped_timed++;
        sim_tap(sim, ld, L4_SIM_TAP_DROP_LOSS, sim->now, pkt, len);
        return 0;
    }
    if (link_lose(ld)) {
        ld->stats.dropped_loss++;
        sim_tap(sim, ld, L4_SIM_TAP_DROP_LOSS, sim->now, pkt, len);
        return 0;
    }
    /* 2. duplicate: the copy goes through the rest on its own, right after. */
    int dup = ld->spec.duplicate > 0.0 && l4_rng_chance(&ld->rng, ld->spec.duplicate);
    int rc = link_carry(sim, ld, pkt, len);
    if (rc == 0 && dup) {
        ld->stats.duplicated++;
        rc = link_carry(sim, ld, pkt, len);
    }
    return rc;
}
