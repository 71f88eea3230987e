/* sim/event_heap.c — binary min-heap of simulator events ordered by (time, seq). */
#include <stdlib.h>

#include "sim/sim_internal.h"
#include "util/err.h"

static int heap_less(const sim_event *a, const sim_event *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

int sim_heap_push(sim_heap *h, sim_event e)
{
    e.seq = h->next_seq++;
    return sim_heap_push_seq(h, e);
}

int sim_heap_push_seq(sim_heap *h, sim_event e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        sim_event *ev = realloc(h->ev, cap * sizeof *ev);
        if (!ev)
            return L4_ERR_NOMEM;
        h->ev = ev;
        h->cap = cap;
    }
    /* Sift up: move parents down until e's place is found. */
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_less(&e, &h->ev[parent]))
            break;
        h->ev[i] = h->ev[parent];
        i = parent;
    }
    h->ev[i] = e;
    return 0;
}

int sim_heap_pop(sim_heap *h, sim_event *out)
{
    if (h->n == 0)
        return 0;
    *out = h->ev[0];
    sim_event last = h->ev[--h->n];
    size_t n = h->n, i = 0;
    /* Sift the former last element down from the root. */
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && heap_less(&h->ev[c + 1], &h->ev[c]))
            c++;
        if (!heap_less(&h->ev[c], &last))
            break;
        h->ev[i] = h->ev[c];
        i = c;
    }
    if (n > 0)
        h->ev[i] = last;
    return 1;
}

const sim_event *sim_heap_peek(const sim_heap *h)
{
    return h->n ? &h->ev[0] : NULL;
}

void sim_heap_free(sim_heap *h)
{
    free(h->ev);
    h->ev = NULL;
    h->n = h->cap = 0;
}
