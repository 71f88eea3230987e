/* tcp/buf.c — send and receive rings; see buf.h. */
#include "tcp/buf.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/seq.h"

static void ring_write(uint8_t *ring, size_t cap, size_t pos, const uint8_t *src, size_t n)
{
    pos %= cap;
    size_t first = cap - pos < n ? cap - pos : n;
    memcpy(ring + pos, src, first);
    if (n > first)
        memcpy(ring, src + first, n - first);
}

static void ring_read(const uint8_t *ring, size_t cap, size_t pos, uint8_t *dst, size_t n)
{
    pos %= cap;
    size_t first = cap - pos < n ? cap - pos : n;
    memcpy(dst, ring + pos, first);
    if (n > first)
        memcpy(dst + first, ring, n - first);
}

size_t l4_tcp_sndbuf_append(l4_tcp_sndbuf *b, const uint8_t *data, size_t n)
{
    if (!b->buf && n) {
        b->buf = malloc(b->cap);
        if (!b->buf)
            return 0;
    }
    size_t room = b->cap - b->len;
    if (n > room)
        n = room;
    if (n) {
        ring_write(b->buf, b->cap, b->head + b->len, data, n);
        b->len += n;
    }
    return n;
}

void l4_tcp_sndbuf_copy(const l4_tcp_sndbuf *b, size_t off, uint8_t *dst, size_t n)
{
    if (n)
        ring_read(b->buf, b->cap, b->head + off, dst, n);
}

void l4_tcp_sndbuf_drop(l4_tcp_sndbuf *b, size_t n)
{
    b->head = (b->head + n) % b->cap;
    b->len -= n;
}

uint32_t l4_tcp_rcvbuf_store(l4_tcp_rcvbuf *b, uint32_t rcv_nxt, uint32_t seq, const uint8_t *data,
                             size_t n, int *stored)
{
    *stored = 0;
    if (n == 0)
        return 0;
    if (!b->buf) {
        b->buf = malloc(b->cap);
        if (!b->buf)
            return 0; /* dropped; the sender will retransmit */
    }
    size_t off = (size_t)(uint32_t)(seq - rcv_nxt);
    if (off != 0) {
        /* Out of order: record the range first; keep the bytes only if it fits. */
        if (l4_tcp_ranges_add(&b->ooo, seq, seq + (uint32_t)n) < 0)
            return 0;
        ring_write(b->buf, b->cap, b->head + b->len + off, data, n);
        *stored = 1;
        return 0;
    }
    ring_write(b->buf, b->cap, b->head + b->len, data, n);
    *stored = 1;
    uint32_t end = seq + (uint32_t)n;
    /* Pull in out-of-order ranges the new bytes reach (RFC 9293 §3.10.7.4, 7th step). */
    while (b->ooo.n && l4_seq_le(b->ooo.r[0].left, end)) {
        end = l4_seq_max(end, b->ooo.r[0].right);
        l4_tcp_ranges_trim_below(&b->ooo, end);
    }
    l4_tcp_ranges_trim_below(&b->ooo, end);
    uint32_t adv = end - rcv_nxt;
    b->len += adv;
    return adv;
}

size_t l4_tcp_rcvbuf_read(l4_tcp_rcvbuf *b, uint8_t *dst, size_t cap)
{
    size_t n = b->len < cap ? b->len : cap;
    if (n) {
        ring_read(b->buf, b->cap, b->head, dst, n);
        b->head = (b->head + n) % b->cap;
        b->len -= n;
    }
    return n;
}
