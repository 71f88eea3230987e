/*
 * udp/udp.h — RFC 768 datagram sockets, sans-IO: the per-socket receive
 * queue (message boundaries kept, bounded in bytes, drops counted) and the
 * size rules of a datagram. Demultiplexing and IP live in host/; this module
 * holds only what belongs to one UDP socket.
 *
 * Sizes: a UDP datagram is at most 65535 bytes including its 8-byte header
 * (RFC 768's 16-bit length), so a payload is at most 65527 bytes; over IPv4
 * the IP total length (also 16 bits) lowers that to 65507. The host never
 * fragments, so it also caps payloads at MTU - IP header - 8 (see
 * l4_udp_max_payload).
 */
#ifndef L4_UDP_UDP_H
#define L4_UDP_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/addr.h"

/** Largest payload RFC 768 allows over IPv6 (65535 - 8) and over IPv4 (65535 - 20 - 8). */
#define L4_UDP_MAX_PAYLOAD6 65527u
#define L4_UDP_MAX_PAYLOAD4 65507u

/** recvfrom flag: the datagram was longer than the buffer; the rest was discarded. */
#define L4_UDP_TRUNC 0x1

/** One queued datagram (internal layout; allocated with its payload). */
typedef struct l4_udp_dgram {
    struct l4_udp_dgram *next;
    l4_addr src;
    uint16_t sport;
    uint8_t ecn;
    size_t len;
    uint8_t data[];
} l4_udp_dgram;

/** A receive queue. Zero-initialise, then set `limit` (bytes of payload). */
typedef struct l4_udp_queue {
    l4_udp_dgram *head, *tail;
    size_t count;   /* datagrams queued */
    size_t bytes;   /* payload bytes queued */
    size_t limit;   /* push fails when bytes + len would exceed it (an empty queue takes one) */
    uint64_t drops; /* datagrams refused by push (limit or memory) */
} l4_udp_queue;

/**
 * Appends a copy of `len` bytes of `data` from `src`:`sport`. A datagram that
 * does not fit under `limit` is refused, except that an empty queue always
 * takes one datagram (so a limit below the datagram size cannot starve a
 * socket). Returns 0. Errors: L4_ERR_LIMIT (queue full; drops counted),
 * L4_ERR_NOMEM (drops counted), L4_ERR_INVALID_ARGUMENT (NULL).
 */
int l4_udp_queue_push(l4_udp_queue *q, const l4_addr *src, uint16_t sport, uint8_t ecn,
                      const uint8_t *data, size_t len);

/**
 * Removes the oldest datagram, copying up to `cap` bytes into `buf` (owned
 * by the caller) and its source into `*src` / `*sport` (either may be NULL).
 * A longer datagram is cut: the rest is discarded and L4_UDP_TRUNC is set in
 * `*flags` (when not NULL; otherwise cleared). Returns the bytes copied (0 is
 * a valid empty datagram). Errors: L4_ERR_AGAIN (queue empty).
 */
l4_ssize l4_udp_queue_pop(l4_udp_queue *q, void *buf, size_t cap, l4_addr *src, uint16_t *sport,
                          int *flags);

/** Size of the oldest datagram's payload, or L4_ERR_AGAIN when empty. */
l4_ssize l4_udp_queue_peek_len(const l4_udp_queue *q);

/** Frees every queued datagram (counters kept). */
void l4_udp_queue_clear(l4_udp_queue *q);

/**
 * The largest payload one datagram may carry from a host with link MTU
 * `mtu` over `family` (no fragmentation): min(mtu - IP header - 8, the RFC
 * limit above). Returns 0 for an unknown family or an MTU too small.
 */
size_t l4_udp_max_payload(uint8_t family, size_t mtu);

#endif
