/* tcp/rexmit.c — retransmissions in flight; see rexmit.h. */
#include "tcp/rexmit.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/ranges.h"
#include "tcp/seq.h"
#include "util/err.h"

static int reserve(l4_tcp_rexmits *s, int need)
{
    if (need <= s->cap)
        return 0;
    if (need > L4_TCP_MAX_RANGES)
        return L4_ERR_LIMIT;
    int cap = s->cap ? s->cap : 8;
    while (cap < need)
        cap *= 2;
    if (cap > L4_TCP_MAX_RANGES)
        cap = L4_TCP_MAX_RANGES;
    l4_tcp_rexmit *r = realloc(s->r, (size_t)cap * sizeof *r);
    if (!r)
        return L4_ERR_NOMEM;
    s->r = r;
    s->cap = cap;
    return 0;
}

void l4_tcp_rexmits_remove(l4_tcp_rexmits *s, int i)
{
    memmove(&s->r[i], &s->r[i + 1], (size_t)(s->n - i - 1) * sizeof s->r[0]);
    s->n--;
}

static void take_later(l4_tcp_rexmit *x, uint32_t mark, l4_time sent)
{
    x->mark = l4_seq_max(x->mark, mark);
    if (sent > x->sent)
        x->sent = sent;
}

int l4_tcp_rexmits_add(l4_tcp_rexmits *s, uint32_t left, uint32_t right, uint32_t mark,
                       l4_time sent)
{
    if (!l4_seq_lt(left, right))
        return 0;
    /* Room for the new record and a split, as far as the bound allows. */
    (void)reserve(s, s->n + 2 > L4_TCP_MAX_RANGES ? L4_TCP_MAX_RANGES : s->n + 2);
    if (!s->r)
        return L4_ERR_NOMEM;
    int i = 0;
    while (i < s->n && l4_seq_le(s->r[i].right, left))
        i++;
    if (i < s->n && l4_seq_lt(s->r[i].left, left) && l4_seq_gt(s->r[i].right, right)) {
        l4_tcp_rexmit *x = &s->r[i];
        if (s->n + 2 > s->cap) {
            take_later(x, mark, sent); /* no room to split: the record takes the later copy */
            return 0;
        }
        /* Split: x keeps [x.left, left), the new copy, then [right, x.right). */
        memmove(&s->r[i + 3], &s->r[i + 1], (size_t)(s->n - i - 1) * sizeof s->r[0]);
        s->r[i + 2] = *x;
        s->r[i + 2].left = right;
        x->right = left;
        s->r[i + 1] = (l4_tcp_rexmit){left, right, mark, sent};
        s->n += 2;
        return 0;
    }
    /* Cut [left, right) out of the records it overlaps (i onwards). */
    while (i < s->n && l4_seq_lt(s->r[i].left, right)) {
        l4_tcp_rexmit *x = &s->r[i];
        if (l4_seq_lt(x->left, left)) {
            x->right = left;
            i++;
        } else if (l4_seq_gt(x->right, right)) {
            x->left = right;
            break;
        } else {
            l4_tcp_rexmits_remove(s, i);
        }
    }
    /* Consecutive segments of one hole sent at the same SND.MAX share a
       record (the mark rule sees them alike; RACK takes the later time). */
    if (i > 0 && s->r[i - 1].right == left && s->r[i - 1].mark == mark) {
        s->r[i - 1].right = right;
        take_later(&s->r[i - 1], mark, sent);
        return 0;
    }
    if (s->n == s->cap) {
        /* Full: a neighbour widens over the copy (and the gap between). */
        l4_tcp_rexmit *x = i > 0 ? &s->r[i - 1] : &s->r[i];
        if (i > 0)
            x->right = right;
        else
            x->left = left;
        take_later(x, mark, sent);
        return 0;
    }
    memmove(&s->r[i + 1], &s->r[i], (size_t)(s->n - i) * sizeof s->r[0]);
    s->r[i] = (l4_tcp_rexmit){left, right, mark, sent};
    s->n++;
    return 0;
}

void l4_tcp_rexmits_trim_below(l4_tcp_rexmits *s, uint32_t seq)
{
    int k = 0;
    while (k < s->n && l4_seq_le(s->r[k].right, seq))
        k++;
    if (k) {
        memmove(&s->r[0], &s->r[k], (size_t)(s->n - k) * sizeof s->r[0]);
        s->n -= k;
    }
    if (s->n && l4_seq_lt(s->r[0].left, seq))
        s->r[0].left = seq;
}

uint64_t l4_tcp_rexmits_bytes(const l4_tcp_rexmits *s)
{
    uint64_t b = 0;
    for (int i = 0; i < s->n; i++)
        b += s->r[i].right - s->r[i].left;
    return b;
}

void l4_tcp_rexmits_free(l4_tcp_rexmits *s)
{
    free(s->r);
    s->r = NULL;
    s->n = s->cap = 0;
}
