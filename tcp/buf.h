/*
 * tcp/buf.h — the send buffer and the receive (reassembly) buffer of a
 * connection (internal). Both are fixed-capacity byte rings allocated once.
 *
 * Send buffer: bytes the application queued, from the oldest unacknowledged
 * one; acknowledged bytes are dropped from the front.
 *
 * Receive buffer: `len` in-order bytes the application has not read yet,
 * followed by the receive window. Out-of-order data is written directly at
 * its place in the window and its extent recorded in `ooo` (bounded to
 * L4_TCP_MAX_RANGES ranges); when the gap before it fills, rcv_nxt jumps
 * over it. Duplicates and overlaps rewrite the same positions.
 */
#ifndef L4_TCP_BUF_H
#define L4_TCP_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/ranges.h"

typedef struct l4_tcp_sndbuf {
    uint8_t *buf;
    size_t cap, head, len;
} l4_tcp_sndbuf;

typedef struct l4_tcp_rcvbuf {
    uint8_t *buf;
    size_t cap, head, len;
    l4_tcp_ranges ooo;
} l4_tcp_rcvbuf;

/* Both rings allocate their `cap` bytes at the first write (buf may be NULL
   until then; readers only touch it when len > 0). */

/** Appends up to `n` bytes; returns how many fit (0 also when allocation failed). */
size_t l4_tcp_sndbuf_append(l4_tcp_sndbuf *b, const uint8_t *data, size_t n);
/** Copies `n` bytes starting `off` bytes after the front into `dst` (off + n <= len). */
void l4_tcp_sndbuf_copy(const l4_tcp_sndbuf *b, size_t off, uint8_t *dst, size_t n);
/** Drops `n` bytes (n <= len) from the front. */
void l4_tcp_sndbuf_drop(l4_tcp_sndbuf *b, size_t n);

/** Free space: the largest window the receiver can offer. */
static inline size_t l4_tcp_rcvbuf_space(const l4_tcp_rcvbuf *b)
{
    return b->cap - b->len;
}

/**
 * Stores `n` bytes that belong at sequence `seq`, with rcv_nxt = `rcv_nxt`;
 * the caller has trimmed them to [rcv_nxt, rcv_nxt + space). Returns how far
 * rcv_nxt advances (0 when the bytes are out of order). Out-of-order bytes
 * that would need a range slot when none is left are not recorded (the
 * sender will retransmit them); `*stored` reports whether they were kept.
 */
uint32_t l4_tcp_rcvbuf_store(l4_tcp_rcvbuf *b, uint32_t rcv_nxt, uint32_t seq, const uint8_t *data,
                             size_t n, int *stored);

/** Moves up to `cap` in-order bytes to `dst`; returns the count. */
size_t l4_tcp_rcvbuf_read(l4_tcp_rcvbuf *b, uint8_t *dst, size_t cap);

#endif
