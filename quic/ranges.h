/*
 * quic/ranges.h — a set of disjoint half-open ranges [lo, hi) of uint64
 * (packet numbers received, stream bytes received / acknowledged / lost),
 * kept sorted ascending and merged.
 */
#ifndef L4_QUIC_RANGES_H
#define L4_QUIC_RANGES_H

#include <stddef.h>
#include <stdint.h>

typedef struct l4_quic_range {
    uint64_t lo, hi; /* [lo, hi) */
} l4_quic_range;

typedef struct l4_quic_ranges {
    l4_quic_range *r;
    size_t n, cap;
} l4_quic_ranges;

/** Adds [lo, hi) (merging). Returns 0, or L4_ERR_NOMEM (set unchanged). */
int l4_quic_ranges_add(l4_quic_ranges *s, uint64_t lo, uint64_t hi);

/** Removes [lo, hi) from the set. Returns 0, or L4_ERR_NOMEM (a split needed memory). */
int l4_quic_ranges_del(l4_quic_ranges *s, uint64_t lo, uint64_t hi);

/** Whether every value of [lo, hi) is in the set (an empty range is). */
int l4_quic_ranges_contains(const l4_quic_ranges *s, uint64_t lo, uint64_t hi);

/** Drops the lowest ranges until at most `max` remain. */
void l4_quic_ranges_trim(l4_quic_ranges *s, size_t max);

/** Frees the set's memory and empties it. */
void l4_quic_ranges_free(l4_quic_ranges *s);

#endif
