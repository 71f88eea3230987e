/* tests/host/helpers.h — shared setup for the host tests. */
#ifndef L4_TESTS_HOST_HELPERS_H
#define L4_TESTS_HOST_HELPERS_H

#include <stdio.h>
#include <string.h>

#include "host/host.h"
#include "host/socket.h"
#include "wire/addr.h"
#include "wire/cksum.h"

static inline l4_addr th_addr(const char *s)
{
    l4_addr a;
    memset(&a, 0, sizeof a);
    l4_addr_parse(&a, s);
    return a;
}

/* A host with 10.0.0.<n>/24 and fd00::<n>/64 on interface 0. */
static inline l4_host *th_host(uint64_t seed, int n, l4_host_config *cfg_in)
{
    l4_host_config cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        l4_host_config_default(&cfg);
    cfg.seed = seed;
    l4_host *h = NULL;
    if (l4_host_new(&h, &cfg) < 0)
        return NULL;
    char b[64];
    snprintf(b, sizeof b, "10.0.0.%d", n);
    l4_addr a4 = th_addr(b);
    snprintf(b, sizeof b, "fd00::%d", n);
    l4_addr a6 = th_addr(b);
    l4_host_add_addr(h, 0, &a4, 24);
    l4_host_add_addr(h, 0, &a6, 64);
    return h;
}

#endif
