/*
 * tcp/sack.c — the RFC 6675 scoreboard queries over the SACKed ranges in
 * c->sacked: IsLost, the pipe estimate, and NextSeg rule (1). Holes are the
 * un-SACKed stretches between SND.UNA and SND.MAX; all bytes of one hole
 * have the same SACKed data above them, so a hole is lost or not as a whole.
 */
#include "tcp/conn_internal.h"

/* RFC 6675 §4 IsLost: DupThresh discontiguous SACKed ranges above, or more
   than (DupThresh - 1) * SMSS SACKed bytes above. */
int l4_tcp_sack_is_lost(const l4_tcp_conn *c, uint32_t seq)
{
    const l4_tcp_ranges *s = &c->sacked;
    int above = 0;
    for (int i = 0; i < s->n; i++)
        if (l4_seq_gt(s->r[i].left, seq))
            above++;
    if (above >= L4_TCP_DUPTHRESH)
        return 1;
    return l4_tcp_ranges_bytes_above(s, seq + 1) > (uint64_t)(L4_TCP_DUPTHRESH - 1) * c->smss;
}

static uint64_t hole_pipe(const l4_tcp_conn *c, uint32_t a, uint32_t b)
{
    uint64_t p = 0;
    if (!l4_tcp_sack_is_lost(c, a))
        p += b - a; /* RFC 6675 §4 SetPipe (a) */
    if (l4_seq_gt(c->high_rxt, a))
        p += l4_seq_min(b, c->high_rxt) - a; /* (b): retransmitted */
    return p;
}

uint64_t l4_tcp_sack_pipe(const l4_tcp_conn *c)
{
    uint64_t pipe = 0;
    uint32_t pos = c->snd_una;
    for (int i = 0; i < c->sacked.n; i++) {
        const l4_tcp_range *r = &c->sacked.r[i];
        if (l4_seq_lt(pos, r->left))
            pipe += hole_pipe(c, pos, r->left);
        pos = l4_seq_max(pos, r->right);
    }
    if (l4_seq_lt(pos, c->snd_max))
        pipe += hole_pipe(c, pos, c->snd_max);
    return pipe;
}

int l4_tcp_sack_next_lost(const l4_tcp_conn *c, uint32_t *seq, uint32_t *len)
{
    uint32_t pos = c->snd_una;
    for (int i = 0; i < c->sacked.n; i++) {
        const l4_tcp_range *r = &c->sacked.r[i];
        if (l4_seq_lt(pos, r->left)) {
            uint32_t start = l4_seq_max(pos, c->high_rxt);
            if (l4_seq_lt(start, r->left) && l4_tcp_sack_is_lost(c, start)) {
                *seq = start;
                *len = r->left - start;
                return 1;
            }
        }
        pos = l4_seq_max(pos, r->right);
    }
    return 0;
}
