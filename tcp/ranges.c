/* tcp/ranges.c — sorted, disjoint sequence ranges; see ranges.h. */
#include "tcp/ranges.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/seq.h"
#include "util/err.h"

void l4_tcp_ranges_clear(l4_tcp_ranges *s)
{
    s->n = 0;
}

void l4_tcp_ranges_free(l4_tcp_ranges *s)
{
    free(s->r);
    s->r = NULL;
    s->n = s->cap = 0;
}

static int grow(l4_tcp_ranges *s)
{
    if (s->cap >= L4_TCP_MAX_RANGES)
        return L4_ERR_LIMIT;
    int cap = s->cap ? s->cap * 2 : 8;
    if (cap > L4_TCP_MAX_RANGES)
        cap = L4_TCP_MAX_RANGES;
    l4_tcp_range *r = realloc(s->r, (size_t)cap * sizeof *r);
    if (!r)
        return L4_ERR_NOMEM;
    s->r = r;
    s->cap = cap;
    return 0;
}

int l4_tcp_ranges_first_after(const l4_tcp_ranges *s, uint32_t seq)
{
    /* Binary search: ranges are sorted and disjoint, so their right edges
       increase. */
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (l4_seq_gt(s->r[mid].right, seq))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int l4_tcp_ranges_add(l4_tcp_ranges *s, uint32_t left, uint32_t right)
{
    if (!l4_seq_lt(left, right))
        return 0;
    /* First range that ends at or after `left` (could merge or follow). */
    int i = l4_tcp_ranges_first_after(s, left - 1);
    /* Ranges i..j-1 overlap or touch [left, right). */
    int j = i;
    while (j < s->n && l4_seq_le(s->r[j].left, right))
        j++;
    if (j == i) {
        if (s->n == s->cap) {
            int e = grow(s);
            if (e)
                return e;
        }
        memmove(&s->r[i + 1], &s->r[i], (size_t)(s->n - i) * sizeof s->r[0]);
        s->r[i].left = left;
        s->r[i].right = right;
        s->r[i].stamp = ++s->clock;
        s->n++;
        return 1;
    }
    if (j == i + 1 && l4_seq_le(s->r[i].left, left) && l4_seq_ge(s->r[i].right, right))
        return 0; /* already covered */
    uint32_t nl = l4_seq_min(left, s->r[i].left);
    uint32_t nr = l4_seq_max(right, s->r[j - 1].right);
    s->r[i].left = nl;
    s->r[i].right = nr;
    s->r[i].stamp = ++s->clock;
    memmove(&s->r[i + 1], &s->r[j], (size_t)(s->n - j) * sizeof s->r[0]);
    s->n -= j - i - 1;
    return 1;
}

void l4_tcp_ranges_trim_below(l4_tcp_ranges *s, uint32_t seq)
{
    int k = l4_tcp_ranges_first_after(s, seq);
    if (k) {
        memmove(&s->r[0], &s->r[k], (size_t)(s->n - k) * sizeof s->r[0]);
        s->n -= k;
    }
    if (s->n && l4_seq_lt(s->r[0].left, seq))
        s->r[0].left = seq;
}

uint64_t l4_tcp_ranges_bytes_above(const l4_tcp_ranges *s, uint32_t seq)
{
    uint64_t total = 0;
    for (int i = s->n - 1; i >= 0; i--) {
        if (l4_seq_le(s->r[i].right, seq))
            break;
        uint32_t l = l4_seq_max(s->r[i].left, seq);
        total += s->r[i].right - l;
    }
    return total;
}

int l4_tcp_ranges_find(const l4_tcp_ranges *s, uint32_t seq)
{
    int i = l4_tcp_ranges_first_after(s, seq);
    if (i < s->n && l4_seq_le(s->r[i].left, seq))
        return i;
    return -1;
}

int l4_tcp_ranges_remove(l4_tcp_ranges *s, uint32_t left, uint32_t right)
{
    if (!l4_seq_lt(left, right))
        return 0;
    int i = l4_tcp_ranges_first_after(s, left);
    if (i < s->n && l4_seq_lt(s->r[i].left, left) && l4_seq_gt(s->r[i].right, right)) {
        /* Inside one range: split it. */
        int e = s->n == s->cap ? grow(s) : 0;
        if (e) {
            s->r[i].right = left; /* no slot: the part above goes too */
            return e;
        }
        memmove(&s->r[i + 1], &s->r[i], (size_t)(s->n - i) * sizeof s->r[0]);
        s->n++;
        s->r[i].right = left;
        s->r[i + 1].left = right;
        return 0;
    }
    if (i < s->n && l4_seq_lt(s->r[i].left, left)) {
        s->r[i].right = left;
        i++;
    }
    int j = i;
    while (j < s->n && l4_seq_le(s->r[j].right, right))
        j++;
    if (j < s->n && l4_seq_lt(s->r[j].left, right))
        s->r[j].left = right;
    if (j > i) {
        memmove(&s->r[i], &s->r[j], (size_t)(s->n - j) * sizeof s->r[0]);
        s->n -= j - i;
    }
    return 0;
}

int l4_tcp_ranges_each_gap(const l4_tcp_ranges *s, uint32_t left, uint32_t right, l4_tcp_gap_fn fn,
                           void *u)
{
    uint32_t pos = left;
    for (int i = l4_tcp_ranges_first_after(s, left); i < s->n && l4_seq_lt(pos, right); i++) {
        if (!l4_seq_lt(s->r[i].left, right))
            break;
        if (l4_seq_lt(pos, s->r[i].left)) {
            int v = fn(u, pos, s->r[i].left);
            if (v)
                return v;
        }
        pos = l4_seq_max(pos, s->r[i].right);
    }
    if (l4_seq_lt(pos, right))
        return fn(u, pos, right);
    return 0;
}
