/*
 * tcp/sack.c — the sender's SACK scoreboard (RFC 6675 §3): the SACKed
 * ranges, the bytes deemed lost (marked by RACK, tcp/rack.c, or at a
 * timeout), the retransmissions in flight (tcp/rexmit.h) and the bytes ever
 * retransmitted; RFC 6675's pipe (SetPipe) and NextSeg over them.
 *
 * Invariants: every set lies at or above SND.UNA (rtxd may reach down to
 * the undo episode's start); lost and SACKed bytes are disjoint. A byte is
 * "in the network" when it is neither SACKed nor lost, plus once per copy in
 * flight (a lost byte with a copy out counts once, for the copy).
 */
#include "tcp/conn_internal.h"

uint64_t l4_tcp_sack_pipe(const l4_tcp_conn *c)
{
    uint64_t out = (uint32_t)(c->snd_max - c->snd_una);
    uint64_t sacked = l4_tcp_ranges_bytes_above(&c->sacked, c->snd_una);
    uint64_t lost = l4_tcp_ranges_bytes_above(&c->lost, c->snd_una);
    uint64_t gone = sacked + lost;
    /* SetPipe (a) and (b): not SACKed, not lost; plus the copies in flight. */
    return (out > gone ? out - gone : 0) + l4_tcp_rexmits_bytes(&c->rexmits);
}

int l4_tcp_sack_next_lost(const l4_tcp_conn *c, uint32_t *seq, uint32_t *len)
{
    if (c->rexmit_nomem)
        return 0;
    const l4_tcp_rexmits *x = &c->rexmits;
    int j = 0;
    for (int i = l4_tcp_ranges_first_after(&c->lost, c->snd_una); i < c->lost.n; i++) {
        uint32_t a = l4_seq_max(c->lost.r[i].left, c->snd_una), b = c->lost.r[i].right;
        /* The first stretch of this lost range with no copy in flight. */
        while (j < x->n && l4_seq_le(x->r[j].right, a))
            j++;
        uint32_t pos = a;
        int k = j;
        for (; k < x->n && l4_seq_lt(x->r[k].left, b); k++) {
            if (l4_seq_lt(pos, x->r[k].left))
                break;
            pos = l4_seq_max(pos, x->r[k].right);
        }
        if (!l4_seq_lt(pos, b))
            continue;
        uint32_t end = b;
        if (k < x->n && l4_seq_lt(x->r[k].left, end))
            end = x->r[k].left;
        *seq = pos;
        *len = end - pos;
        return 1;
    }
    return 0;
}

void l4_tcp_sack_sent_rexmit(l4_tcp_conn *c, uint32_t seq, uint32_t len, l4_time now)
{
    if (!c->sack_ok || !len)
        return;
    if (l4_tcp_rexmits_add(&c->rexmits, seq, seq + len, c->snd_max, now))
        c->rexmit_nomem = 1;
    (void)l4_tcp_ranges_add(&c->rtxd, seq, seq + len);
}

void l4_tcp_sack_sent_new(l4_tcp_conn *c, uint32_t end, l4_time now)
{
    if (c->sack_ok)
        l4_tcp_txlog_sent(&c->tx, end, now);
}

void l4_tcp_sack_sacked(l4_tcp_conn *c, uint32_t a, uint32_t b)
{
    if (c->lost.n)
        (void)l4_tcp_ranges_remove(&c->lost, a, b);
}

typedef struct mark_ctx {
    l4_tcp_conn *c;
    uint64_t added;
} mark_ctx;

static int mark_one(void *u, uint32_t a, uint32_t b)
{
    mark_ctx *m = u;
    /* Count what is new: the gaps of the lost set within [a, b). */
    const l4_tcp_ranges *l = &m->c->lost;
    uint64_t had = 0;
    for (int i = l4_tcp_ranges_first_after(l, a); i < l->n && l4_seq_lt(l->r[i].left, b); i++)
        had += l4_seq_min(l->r[i].right, b) - l4_seq_max(l->r[i].left, a);
    if (l4_tcp_ranges_add(&m->c->lost, a, b) >= 0)
        m->added += (b - a) - had;
    return 0;
}

/* The stretches of an un-SACKed gap that have no copy in flight. */
static int mark_gap(void *u, uint32_t a, uint32_t b)
{
    mark_ctx *m = u;
    const l4_tcp_rexmits *x = &m->c->rexmits;
    uint32_t pos = a;
    for (int k = 0; k < x->n && l4_seq_lt(pos, b); k++) {
        if (l4_seq_le(x->r[k].right, pos))
            continue;
        if (!l4_seq_lt(x->r[k].left, b))
            break;
        if (l4_seq_lt(pos, x->r[k].left))
            mark_one(m, pos, x->r[k].left);
        pos = x->r[k].right;
    }
    if (l4_seq_lt(pos, b))
        mark_one(m, pos, b);
    return 0;
}

uint64_t l4_tcp_sack_mark_lost(l4_tcp_conn *c, uint32_t a, uint32_t b)
{
    if (l4_seq_lt(a, c->snd_una))
        a = c->snd_una;
    if (l4_seq_gt(b, c->snd_max))
        b = c->snd_max;
    if (!l4_seq_lt(a, b))
        return 0;
    mark_ctx m = {c, 0};
    l4_tcp_ranges_each_gap(&c->sacked, a, b, mark_gap, &m);
    return m.added;
}

void l4_tcp_sack_trim(l4_tcp_conn *c)
{
    l4_tcp_ranges_trim_below(&c->sacked, c->snd_una);
    l4_tcp_ranges_trim_below(&c->lost, c->snd_una);
    l4_tcp_rexmits_trim_below(&c->rexmits, c->snd_una);
    l4_tcp_txlog_trim(&c->tx, c->snd_una);
    uint32_t keep = c->snd_una;
    if (c->undo_valid && l4_seq_lt(c->undo_marker, keep))
        keep = c->undo_marker;
    l4_tcp_ranges_trim_below(&c->rtxd, keep);
    if ((uint32_t)(c->rack.mark - c->snd_una) > (uint32_t)(c->snd_max - c->snd_una))
        c->rack.mark = c->snd_una;
}

void l4_tcp_sack_drop_delivered(l4_tcp_conn *c)
{
    l4_tcp_rexmits *x = &c->rexmits;
    /* Delivered: cumulatively acknowledged, or SACKed as a whole. A record
       of several segments loses its SACKed ends (pipe counts what is still
       out). */
    for (int i = 0; i < x->n;) {
        l4_tcp_rexmit *r = &x->r[i];
        int k, done = l4_seq_le(r->right, c->snd_una);
        if (!done && (k = l4_tcp_ranges_find(&c->sacked, r->left)) >= 0) {
            done = l4_seq_ge(c->sacked.r[k].right, r->right);
            if (!done)
                r->left = c->sacked.r[k].right;
        }
        if (!done && (k = l4_tcp_ranges_find(&c->sacked, r->right - 1)) >= 0)
            r->right = c->sacked.r[k].left; /* above r->left: that byte is not SACKed */
        if (done)
            l4_tcp_rexmits_remove(x, i);
        else
            i++;
    }
}

void l4_tcp_sack_clear(l4_tcp_conn *c)
{
    l4_tcp_ranges_clear(&c->sacked);
    l4_tcp_ranges_clear(&c->lost);
    l4_tcp_ranges_clear(&c->rtxd);
    l4_tcp_rexmits_clear(&c->rexmits);
    l4_tcp_txlog_clear(&c->tx);
    c->rexmit_nomem = 0;
}
