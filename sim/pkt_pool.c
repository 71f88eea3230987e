/*
 * sim/pkt_pool.c — packet buffers for packets in flight, recycled through
 * per-size-class free lists so the steady state does no malloc per packet.
 */
#include <stdlib.h>

#include "sim/sim_internal.h"

static const uint32_t POOL_CLASS_CAP[SIM_POOL_CLASSES] = {256, 2048, L4_SIM_MAX_PKT};

static int pool_class(size_t len)
{
    int c = 0;
    while (c < SIM_POOL_CLASSES - 1 && len > POOL_CLASS_CAP[c])
        c++;
    return c;
}

sim_pkt *sim_pool_get(sim_pool *pool, size_t len)
{
    if (len > L4_SIM_MAX_PKT)
        return NULL;
    int c = pool_class(len);
    sim_pkt *p = pool->free[c];
    if (p) {
        pool->free[c] = p->next;
    } else {
        p = malloc(sizeof *p + POOL_CLASS_CAP[c]);
        if (!p)
            return NULL;
        p->cap = POOL_CLASS_CAP[c];
        pool->allocated++;
    }
    p->next = NULL;
    p->len = (uint32_t)len;
    return p;
}

void sim_pool_put(sim_pool *pool, sim_pkt *p)
{
    int c = pool_class(p->cap);
    p->next = pool->free[c];
    pool->free[c] = p;
}

void sim_pool_free(sim_pool *pool)
{
    for (int c = 0; c < SIM_POOL_CLASSES; c++) {
        while (pool->free[c]) {
            sim_pkt *p = pool->free[c];
            pool->free[c] = p->next;
            free(p);
        }
    }
}
