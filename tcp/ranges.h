/*
 * tcp/ranges.h — a bounded, growable set of sequence-number ranges (internal).
 *
 * Used for the out-of-order data a receiver holds (and the SACK blocks it
 * reports, RFC 2018) and for the SACKed ranges a sender's scoreboard holds
 * (RFC 6675). Ranges are [left, right) in sequence space, kept sorted and
 * disjoint (touching ranges merge). All members lie within 2^31 of each
 * other. Each range carries a stamp: the value of a counter when a byte was
 * last added to it, so "most recently changed first" can be reported.
 *
 * The array is allocated at the first add and doubles as needed up to
 * L4_TCP_MAX_RANGES: with 5 % loss a window of 2000 segments has ~100
 * holes, and a scoreboard that forgets SACKed ranges makes the sender resend
 * data the peer holds (and a receiver that cannot record a range drops the
 * data). The owner frees it with l4_tcp_ranges_free.
 */
#ifndef L4_TCP_RANGES_H
#define L4_TCP_RANGES_H

#include <stdint.h>

#define L4_TCP_MAX_RANGES 4096

typedef struct l4_tcp_range {
    uint32_t left, right;
    uint32_t stamp;
} l4_tcp_range;

typedef struct l4_tcp_ranges {
    l4_tcp_range *r; /* NULL until the first add */
    int n, cap;
    uint32_t clock;
} l4_tcp_ranges;

/**
 * Adds [left, right), merging with overlapping or touching ranges; the
 * merged range gets a fresh stamp. Returns 1 when the set changed (new
 * bytes covered), 0 when the range was already covered or empty,
 * L4_ERR_LIMIT (-209) when it would need a new slot and the set holds
 * L4_TCP_MAX_RANGES, and L4_ERR_NOMEM when growing the array failed (the
 * set is unchanged on both errors).
 */
int l4_tcp_ranges_add(l4_tcp_ranges *s, uint32_t left, uint32_t right);

/** Removes every byte below `seq`. */
void l4_tcp_ranges_trim_below(l4_tcp_ranges *s, uint32_t seq);

/** Bytes covered at or above `seq`. */
uint64_t l4_tcp_ranges_bytes_above(const l4_tcp_ranges *s, uint32_t seq);

/** Index of the range containing `seq`, or -1. */
int l4_tcp_ranges_find(const l4_tcp_ranges *s, uint32_t seq);

/** Index of the first range that ends after `seq` (n when none). */
int l4_tcp_ranges_first_after(const l4_tcp_ranges *s, uint32_t seq);

/**
 * Removes [left, right). Returns 0, or L4_ERR_LIMIT / L4_ERR_NOMEM when a
 * range had to be split and no slot was left: then the part of that range
 * above `right` is removed too (the set only ever shrinks here).
 */
int l4_tcp_ranges_remove(l4_tcp_ranges *s, uint32_t left, uint32_t right);

/** Called for one stretch [a, b); a non-zero return stops the walk. */
typedef int (*l4_tcp_gap_fn)(void *u, uint32_t a, uint32_t b);

/**
 * Calls fn for each stretch of [left, right) the set does not cover, in
 * order; returns the first non-zero value fn returned, else 0.
 */
int l4_tcp_ranges_each_gap(const l4_tcp_ranges *s, uint32_t left, uint32_t right, l4_tcp_gap_fn fn,
                           void *u);

/** Empties the set (keeps the array). */
void l4_tcp_ranges_clear(l4_tcp_ranges *s);

/** Frees the array; the set is empty afterwards. */
void l4_tcp_ranges_free(l4_tcp_ranges *s);

/** Bytes of memory the set holds. */
static inline unsigned long l4_tcp_ranges_footprint(const l4_tcp_ranges *s)
{
    return (unsigned long)s->cap * sizeof(l4_tcp_range);
}

#endif
