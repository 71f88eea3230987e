/* cc/registry.c — algorithms by name, and instance allocation. */
#include <stdlib.h>
#include <string.h>

#include "cc/cc.h"
#include "cc/bbr.h"
#include "cc/cubic.h"
#include "cc/dctcp.h"
#include "cc/reno.h"

static const l4_cc_ops *const cc_registry[] = {
    &l4_cc_reno,
    &l4_cc_cubic,
    &l4_cc_dctcp,
    &l4_cc_bbr,
};

#define CC_COUNT (sizeof cc_registry / sizeof cc_registry[0])

const l4_cc_ops *l4_cc_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < CC_COUNT; i++)
        if (strcmp(cc_registry[i]->name, name) == 0)
            return cc_registry[i];
    /* "newreno" is the same algorithm: recovery lives in the transport. */
    if (strcmp(name, "newreno") == 0)
        return &l4_cc_reno;
    return NULL;
}

const char *l4_cc_name_at(size_t i)
{
    return i < CC_COUNT ? cc_registry[i]->name : NULL;
}

int l4_cc_new_params(l4_cc **pcc, const char *name, const l4_cc_params *p, l4_time now)
{
    if (!pcc || !name || !p || p->mss == 0)
        return L4_ERR_INVALID_ARGUMENT;
    const l4_cc_ops *ops = l4_cc_find(name);
    if (!ops)
        return L4_ERR_NOT_FOUND;
    /* One allocation: the handle, then the state, aligned for any scalar. */
    size_t head = (sizeof(l4_cc) + 15) & ~(size_t)15;
    uint8_t *mem = calloc(1, head + ops->state_size);
    if (!mem)
        return L4_ERR_NOMEM;
    l4_cc *cc = (l4_cc *)(void *)mem;
    cc->ops = ops;
    cc->state = mem + head;
    cc->iw = p->initial_window;
    l4_cc_reset(cc, p->mss, now);
    *pcc = cc;
    return 0;
}

int l4_cc_new(l4_cc **pcc, const char *name, uint32_t mss, l4_time now)
{
    l4_cc_params p = {.mss = mss, .initial_window = l4_cc_initial_window};
    return l4_cc_new_params(pcc, name, &p, now);
}

void l4_cc_del(l4_cc *cc)
{
    free(cc);
}
