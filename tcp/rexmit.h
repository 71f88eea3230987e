/*
 * tcp/rexmit.h — the retransmissions a SACK sender has in flight (internal).
 *
 * RFC 6675's scoreboard marks each retransmitted byte (HighRxt is a single
 * pointer because NextSeg resends every hole once, in order). A copy that is
 * lost again must be found and resent, or it waits for the timer while the
 * data behind it waits too; with 5 % loss a large window has several lost
 * retransmissions per round. So each retransmission is a record: its range,
 * SND.MAX when it left (`mark`: SACKs of data sent after it are evidence of
 * its loss) and the time it left (a later retransmission delivered first is
 * evidence too, as in RACK, RFC 8985 §6.2). Records are sorted and
 * disjoint; consecutive segments of a hole sent at the same SND.MAX share
 * one (so there are about as many records as holes), and the array grows as
 * needed up to L4_TCP_MAX_RANGES.
 */
#ifndef L4_TCP_REXMIT_H
#define L4_TCP_REXMIT_H

#include <stdint.h>

#include "util/time.h"

typedef struct l4_tcp_rexmit {
    uint32_t left, right; /* [left, right) */
    uint32_t mark;        /* SND.MAX when it was sent */
    l4_time sent;
} l4_tcp_rexmit;

typedef struct l4_tcp_rexmits {
    l4_tcp_rexmit *r; /* NULL until the first add */
    int n, cap;
} l4_tcp_rexmits;

/**
 * Records a retransmission of [left, right) sent at `sent` with SND.MAX
 * `mark`; an older record of any of those bytes is replaced, and a record
 * ending at `left` with the same mark is extended instead. When
 * L4_TCP_MAX_RANGES records exist (or growing fails) a neighbouring record
 * widens over the copy, taking the later mark and time: every copy stays
 * counted. Returns 0, or L4_ERR_NOMEM when no array could be allocated at
 * all (nothing recorded).
 */
int l4_tcp_rexmits_add(l4_tcp_rexmits *s, uint32_t left, uint32_t right, uint32_t mark,
                       l4_time sent);

/** Removes record i. */
void l4_tcp_rexmits_remove(l4_tcp_rexmits *s, int i);

/** Removes every byte below `seq` (records entirely below go). */
void l4_tcp_rexmits_trim_below(l4_tcp_rexmits *s, uint32_t seq);

/** Bytes the records cover. */
uint64_t l4_tcp_rexmits_bytes(const l4_tcp_rexmits *s);

/** Empties the set (keeps the array). */
static inline void l4_tcp_rexmits_clear(l4_tcp_rexmits *s)
{
    s->n = 0;
}

/** Frees the array. */
void l4_tcp_rexmits_free(l4_tcp_rexmits *s);

#endif
