/*
 * host/timers.c — a binary min-heap of sockets by their connection's next
 * deadline, so l4_host_next_timeout is O(1) and updating one connection is
 * O(log n) however many connections the host holds. Each socket remembers
 * its index in the heap.
 */
#include <stdint.h>
#include <stdlib.h>

#include "host/host_internal.h"

static void timers_swap(l4_host *h, size_t a, size_t b)
{
    l4_hsock *t = h->heap[a];
    h->heap[a] = h->heap[b];
    h->heap[b] = t;
    h->heap[a]->heap_idx = a;
    h->heap[b]->heap_idx = b;
}

static void timers_up(l4_host *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->heap[p]->deadline <= h->heap[i]->deadline)
            break;
        timers_swap(h, p, i);
        i = p;
    }
}

static void timers_down(l4_host *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->heap_len && h->heap[l]->deadline < h->heap[m]->deadline)
            m = l;
        if (r < h->heap_len && h->heap[r]->deadline < h->heap[m]->deadline)
            m = r;
        if (m == i)
            return;
        timers_swap(h, i, m);
        i = m;
    }
}

/* Sets socket `s`'s deadline (L4_TIME_NONE removes it from the heap). */
void timers_update(l4_host *h, l4_hsock *s, l4_time deadline)
{
    if (s->heap_idx == SIZE_MAX) {
        if (deadline == L4_TIME_NONE)
            return;
        if (h->heap_len == h->heap_cap) {
            size_t n = h->heap_cap ? h->heap_cap * 2 : 64;
            l4_hsock **nh = realloc(h->heap, n * sizeof *nh);
            if (!nh) {
                h->st.nomem++;
                return; /* the timer is lost until the next activity on the socket */
            }
            h->heap = nh;
            h->heap_cap = n;
        }
        s->deadline = deadline;
        s->heap_idx = h->heap_len;
        h->heap[h->heap_len++] = s;
        timers_up(h, s->heap_idx);
        return;
    }
    size_t i = s->heap_idx;
    if (deadline == L4_TIME_NONE) {
        size_t last = h->heap_len - 1;
        if (i != last)
            timers_swap(h, i, last);
        h->heap_len--;
        s->heap_idx = SIZE_MAX;
        s->deadline = L4_TIME_NONE;
        if (i < h->heap_len) {
            timers_up(h, i);
            timers_down(h, i);
        }
        return;
    }
    l4_time old = s->deadline;
    s->deadline = deadline;
    if (deadline < old)
        timers_up(h, i);
    else if (deadline > old)
        timers_down(h, i);
}
