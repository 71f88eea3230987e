/* tcp/txlog.c — send times of original transmissions; see txlog.h. */
#include "tcp/txlog.h"

#include <stdlib.h>

#include "tcp/seq.h"

static int grow(l4_tcp_txlog *g)
{
    uint32_t cap = g->cap ? g->cap * 2 : L4_TCP_TXLOG_MIN;
    if (cap > L4_TCP_TXLOG_MAX)
        return -1;
    l4_tcp_txrec *r = malloc((size_t)cap * sizeof *r);
    if (!r)
        return -1;
    for (uint32_t i = 0; i < g->n; i++)
        r[i] = *l4_tcp_txlog_at(g, i);
    free(g->r);
    g->r = r;
    g->cap = cap;
    g->head = 0;
    return 0;
}

void l4_tcp_txlog_sent(l4_tcp_txlog *g, uint32_t end, l4_time now)
{
    if (g->n) {
        l4_tcp_txrec *last = l4_tcp_txlog_at(g, g->n - 1);
        if (!l4_seq_gt(end, last->end))
            return;
        if (last->sent == now) {
            last->end = end;
            return;
        }
    }
    if (g->n == g->cap && grow(g) != 0) {
        if (g->n) {
            l4_tcp_txrec *last = l4_tcp_txlog_at(g, g->n - 1);
            last->end = end;
            last->sent = now;
        }
        return;
    }
    *l4_tcp_txlog_at(g, g->n) = (l4_tcp_txrec){end, now};
    g->n++;
}

void l4_tcp_txlog_trim(l4_tcp_txlog *g, uint32_t una)
{
    while (g->n && l4_seq_le(l4_tcp_txlog_at(g, 0)->end, una)) {
        g->head = (g->head + 1) & (g->cap - 1);
        g->n--;
    }
}

uint32_t l4_tcp_txlog_find(const l4_tcp_txlog *g, uint32_t seq)
{
    uint32_t lo = 0, hi = g->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l4_seq_gt(l4_tcp_txlog_at(g, mid)->end, seq))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

l4_time l4_tcp_txlog_time(const l4_tcp_txlog *g, uint32_t seq)
{
    uint32_t i = l4_tcp_txlog_find(g, seq);
    return i < g->n ? l4_tcp_txlog_at(g, i)->sent : L4_TIME_NONE;
}

void l4_tcp_txlog_free(l4_tcp_txlog *g)
{
    free(g->r);
    g->r = NULL;
    g->n = g->cap = g->head = 0;
}
