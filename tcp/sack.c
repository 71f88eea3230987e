/*
 * tcp/sack.c — the sender's SACK scoreboard (RFC 6675): IsLost, the pipe
 * estimate, NextSeg, and the retransmissions in flight (tcp/rexmit.h) with
 * the detection of lost retransmissions.
 *
 * Holes are the un-SACKed stretches between SND.UNA and SND.MAX; all bytes
 * of one hole have the same SACKed data above them, so a hole is lost or
 * not as a whole. After a timeout (SACK connections) every hole below
 * `recover` is lost: everything outstanding then is presumed lost and is
 * resent by NextSeg (RFC 6675 §5.1 keeps the SACK information; Linux
 * tcp_enter_loss marks the un-SACKed data lost the same way). Each walk is
 * linear in the number of SACKed ranges and records.
 */
#include "tcp/conn_internal.h"

/* RFC 6675 §4 IsLost with the counts above the hole precomputed. */
static int lost_by_count(const l4_tcp_conn *c, int ranges_above, uint64_t bytes_above)
{
    return ranges_above >= L4_TCP_DUPTHRESH ||
           bytes_above > (uint64_t)(L4_TCP_DUPTHRESH - 1) * c->smss;
}

/* After a timeout everything that was outstanding is lost. */
static int lost_by_rto(const l4_tcp_conn *c, uint32_t seq)
{
    return c->rto_recovery && l4_seq_lt(seq, c->recover);
}

/* SACKed ranges wholly at or above `seq` and the SACKed bytes there;
   O(log n) plus the few ranges at the top when the count is small. */
static int lost_above(const l4_tcp_conn *c, uint32_t seq)
{
    const l4_tcp_ranges *s = &c->sacked;
    int k = l4_tcp_ranges_first_after(s, seq);
    int whole = s->n - k - (k < s->n && l4_seq_lt(s->r[k].left, seq) ? 1 : 0);
    if (whole >= L4_TCP_DUPTHRESH)
        return 1;
    uint64_t bytes = 0;
    for (int i = k; i < s->n; i++)
        bytes += s->r[i].right - l4_seq_max(s->r[i].left, seq);
    return lost_by_count(c, whole, bytes);
}

int l4_tcp_sack_is_lost(const l4_tcp_conn *c, uint32_t seq)
{
    return lost_by_rto(c, seq) || lost_above(c, seq + 1);
}

/* Calls fn for each hole [a, b) from SND.UNA to SND.MAX with whether it is
   lost; stops when fn returns non-zero and returns that. */
typedef int (*hole_fn)(const l4_tcp_conn *c, uint32_t a, uint32_t b, int lost, void *u);

/* One hole, split at `recover` after a timeout (lost below, RFC 6675 IsLost
   above, where new data went out after the timeout). */
static int emit_hole(const l4_tcp_conn *c, uint32_t a, uint32_t b, int lost_count, hole_fn fn,
                     void *u)
{
    if (!lost_by_rto(c, a))
        return fn(c, a, b, lost_count, u);
    if (!l4_seq_gt(b, c->recover))
        return fn(c, a, b, 1, u);
    int v = fn(c, a, c->recover, 1, u);
    return v ? v : fn(c, c->recover, b, lost_count, u);
}

static int walk_holes(const l4_tcp_conn *c, hole_fn fn, void *u)
{
    const l4_tcp_ranges *s = &c->sacked;
    uint64_t above = l4_tcp_ranges_bytes_above(s, c->snd_una);
    uint32_t pos = c->snd_una;
    for (int i = l4_tcp_ranges_first_after(s, c->snd_una); i < s->n; i++) {
        const l4_tcp_range *r = &s->r[i];
        if (l4_seq_lt(pos, r->left)) {
            int v = emit_hole(c, pos, r->left, lost_by_count(c, s->n - i, above), fn, u);
            if (v)
                return v;
        }
        above -= r->right - l4_seq_max(r->left, c->snd_una);
        pos = l4_seq_max(pos, r->right);
    }
    if (l4_seq_lt(pos, c->snd_max))
        return emit_hole(c, pos, c->snd_max, 0, fn, u);
    return 0;
}

static int pipe_hole(const l4_tcp_conn *c, uint32_t a, uint32_t b, int lost, void *u)
{
    (void)c;
    if (!lost)
        *(uint64_t *)u += b - a; /* RFC 6675 §4 SetPipe (a) */
    return 0;
}

uint64_t l4_tcp_sack_pipe(const l4_tcp_conn *c)
{
    uint64_t pipe = 0;
    walk_holes(c, pipe_hole, &pipe);
    /* SetPipe (b): retransmitted and not yet delivered or found lost. */
    return pipe + l4_tcp_rexmits_bytes(&c->rexmits);
}

typedef struct next_seg {
    int j; /* first record that may overlap the current hole */
    uint32_t seq, len;
} next_seg;

static int next_hole(const l4_tcp_conn *c, uint32_t a, uint32_t b, int lost, void *u)
{
    next_seg *ns = u;
    const l4_tcp_rexmits *x = &c->rexmits;
    while (ns->j < x->n && l4_seq_le(x->r[ns->j].right, a))
        ns->j++;
    if (!lost)
        return 0;
    /* The first stretch of the hole with no retransmission in flight. */
    uint32_t pos = a;
    for (int j = ns->j; j < x->n && l4_seq_lt(x->r[j].left, b); j++) {
        if (l4_seq_lt(pos, x->r[j].left))
            break;
        pos = l4_seq_max(pos, x->r[j].right);
    }
    if (!l4_seq_lt(pos, b))
        return 0;
    uint32_t end = b;
    for (int j = ns->j; j < x->n; j++)
        if (l4_seq_gt(x->r[j].left, pos)) {
            end = l4_seq_min(end, x->r[j].left);
            break;
        }
    ns->seq = pos;
    ns->len = end - pos;
    return 1;
}

int l4_tcp_sack_next_lost(const l4_tcp_conn *c, uint32_t *seq, uint32_t *len)
{
    next_seg ns = {0, 0, 0};
    if (c->rexmit_nomem)
        return 0;
    if (!walk_holes(c, next_hole, &ns))
        return 0;
    *seq = ns.seq;
    *len = ns.len;
    return 1;
}

void l4_tcp_sack_sent_rexmit(l4_tcp_conn *c, uint32_t seq, uint32_t len, l4_time now)
{
    if (c->sack_ok && len && l4_tcp_rexmits_add(&c->rexmits, seq, seq + len, c->snd_max, now))
        c->rexmit_nomem = 1;
}

/* A retransmission was delivered: its send time moves RACK.xmit_ts
   (RFC 8985 §6.2 step 2), unless the ACK came sooner than the path's
   minimum RTT after it left, which means the original got through. */
static void rexmit_delivered(l4_tcp_conn *c, const l4_tcp_rexmit *r, l4_time now)
{
    if (c->rtt.min_rtt != L4_TIME_NONE && now - r->sent < c->rtt.min_rtt)
        return;
    if (!c->rack_valid || r->sent > c->rack_xmit)
        c->rack_xmit = r->sent;
    c->rack_valid = 1;
}

int l4_tcp_sack_update_rexmits(l4_tcp_conn *c, l4_time now)
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
        if (done) {
            rexmit_delivered(c, r, now);
            l4_tcp_rexmits_remove(x, i);
        } else {
            i++;
        }
    }
    l4_tcp_rexmits_trim_below(x, c->snd_una);
    /* Lost again: DupThresh segments' worth of data sent after the copy was
       SACKed (RFC 6675 IsLost applied beyond its mark), or a retransmission
       sent more than a reordering window after it arrived first (RFC 8985
       §6.2, RACK.reo_wnd = min_RTT / 4). The bytes go back to "lost, not
       retransmitted" and NextSeg sends them again. */
    l4_time reo = c->rtt.min_rtt == L4_TIME_NONE ? 0 : c->rtt.min_rtt / 4;
    int lost = 0;
    for (int i = 0; i < x->n;) {
        const l4_tcp_rexmit *r = &x->r[i];
        int gone = (l4_seq_gt(c->snd_max, r->mark) && lost_above(c, r->mark)) ||
                   (c->rack_valid && c->rack_xmit > r->sent + reo);
        if (gone) {
            l4_tcp_rexmits_remove(x, i);
            lost++;
        } else {
            i++;
        }
    }
    c->st.lost_retransmits += (uint64_t)lost;
    return lost;
}
