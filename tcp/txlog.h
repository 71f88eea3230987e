/*
 * tcp/txlog.h — when each original transmission left (internal; SACK
 * connections, for RACK, RFC 8985 §5.2 "Segment.xmit_ts").
 *
 * New data is sent in sequence order, so its send times never decrease
 * along the sequence space: the log is a ring of (end, time) records in
 * that order, one per burst of segments sent at the same instant, dropped
 * from the front as SND.UNA passes them. The time of any byte is the time of
 * the first record ending after it (binary search). Retransmissions are not
 * logged here: their copies are tcp/rexmit.h records. The ring starts at 64
 * records and doubles up to L4_TCP_TXLOG_MAX; beyond that (or when growing
 * fails) a new segment widens the last record and takes its time, which
 * makes the earlier bytes of that record look younger: RACK then waits
 * longer for them, never less.
 */
#ifndef L4_TCP_TXLOG_H
#define L4_TCP_TXLOG_H

#include <stdint.h>

#include "util/time.h"

#define L4_TCP_TXLOG_MIN 64u
#define L4_TCP_TXLOG_MAX 65536u

typedef struct l4_tcp_txrec {
    uint32_t end; /* sequence just past the last byte sent at `sent` */
    l4_time sent;
} l4_tcp_txrec;

typedef struct l4_tcp_txlog {
    l4_tcp_txrec *r; /* ring; NULL until the first send */
    uint32_t head, n, cap;
} l4_tcp_txlog;

/** Record i (0 = oldest) of the ring; i < n. */
static inline l4_tcp_txrec *l4_tcp_txlog_at(const l4_tcp_txlog *g, uint32_t i)
{
    return &g->r[(g->head + i) & (g->cap - 1)];
}

/** New data up to `end` (just past its last byte) left at `now`. */
void l4_tcp_txlog_sent(l4_tcp_txlog *g, uint32_t end, l4_time now);

/** Drops the records wholly below `una`. */
void l4_tcp_txlog_trim(l4_tcp_txlog *g, uint32_t una);

/** Index of the first record ending after `seq` (n when none). */
uint32_t l4_tcp_txlog_find(const l4_tcp_txlog *g, uint32_t seq);

/** When the byte at `seq` was first sent; L4_TIME_NONE when not logged. */
l4_time l4_tcp_txlog_time(const l4_tcp_txlog *g, uint32_t seq);

/** Empties the log (keeps the ring). */
static inline void l4_tcp_txlog_clear(l4_tcp_txlog *g)
{
    g->n = 0;
}

/** Frees the ring. */
void l4_tcp_txlog_free(l4_tcp_txlog *g);

#endif
