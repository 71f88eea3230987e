/* quic/ranges.c — sorted, merged sets of half-open uint64 ranges. */
#include "quic/ranges.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static int ranges_reserve(l4_quic_ranges *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 8;
    while (cap < n)
        cap *= 2;
    l4_quic_range *r = realloc(s->r, cap * sizeof *r);
    if (!r)
        return L4_ERR_NOMEM;
    s->r = r;
    s->cap = cap;
    return 0;
}

int l4_quic_ranges_add(l4_quic_ranges *s, uint64_t lo, uint64_t hi)
{
    if (lo >= hi)
        return 0;
    /* First range whose end reaches lo (may merge). */
    size_t i = 0;
    while (i < s->n && s->r[i].hi < lo)
        i++;
    size_t j = i;
    while (j < s->n && s->r[j].lo <= hi)
        j++;
    if (i == j) { /* no overlap: insert at i */
        if (ranges_reserve(s, s->n + 1) < 0)
            return L4_ERR_NOMEM;
        memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof s->r[0]);
        s->r[i].lo = lo;
        s->r[i].hi = hi;
        s->n++;
        return 0;
    }
    uint64_t nlo = s->r[i].lo < lo ? s->r[i].lo : lo;
    uint64_t nhi = s->r[j - 1].hi > hi ? s->r[j - 1].hi : hi;
    s->r[i].lo = nlo;
    s->r[i].hi = nhi;
    memmove(&s->r[i + 1], &s->r[j], (s->n - j) * sizeof s->r[0]);
    s->n -= j - i - 1;
    return 0;
}

int l4_quic_ranges_del(l4_quic_ranges *s, uint64_t lo, uint64_t hi)
{
    if (lo >= hi)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        l4_quic_range *r = &s->r[i];
        if (r->hi <= lo)
            continue;
        if (r->lo >= hi)
            break;
        if (r->lo < lo && r->hi > hi) { /* split */
            if (ranges_reserve(s, s->n + 1) < 0)
                return L4_ERR_NOMEM;
            r = &s->r[i];
            memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof s->r[0]);
            s->n++;
            s->r[i].hi = lo;
            s->r[i + 1].lo = hi;
            return 0;
        }
        if (r->lo < lo) {
            r->hi = lo;
        } else if (r->hi > hi) {
            r->lo = hi;
        } else {
            memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof s->r[0]);
            s->n--;
            i--;
        }
    }
    return 0;
}

int l4_quic_ranges_contains(const l4_quic_ranges *s, uint64_t lo, uint64_t hi)
{
    if (lo >= hi)
        return 1;
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].lo <= lo && s->r[i].hi >= hi)
            return 1;
    return 0;
}

void l4_quic_ranges_trim(l4_quic_ranges *s, size_t max)
{
    if (s->n <= max)
        return;
    size_t drop = s->n - max;
    memmove(&s->r[0], &s->r[drop], max * sizeof s->r[0]);
    s->n = max;
}

void l4_quic_ranges_free(l4_quic_ranges *s)
{
    free(s->r);
    s->r = NULL;
    s->n = s->cap = 0;
}
