/*
 * wire/cksum.h — the Internet checksum (RFC 1071) and the IPv4/IPv6
 * pseudo-headers that TCP, UDP and ICMPv6 checksums cover (RFC 9293 §3.1,
 * RFC 768, RFC 8200 §8.1).
 *
 * Sums are accumulated in a uint32_t and folded at the end. Pieces passed to
 * l4_cksum_add must have even length, except the last one.
 */
#ifndef L4_WIRE_CKSUM_H
#define L4_WIRE_CKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "wire/addr.h"

/**
 * Adds `len` bytes (big-endian 16-bit words, odd tail zero-padded) to `sum`.
 * The returned running sum is folded to 16 bits (end-around carry), so calls
 * chain without overflow for any length; `sum` may be any uint32_t.
 */
uint32_t l4_cksum_add(uint32_t sum, const uint8_t *data, size_t len);

/** Folds a running sum to 16 bits and returns its one's complement (the field value). */
uint16_t l4_cksum_finish(uint32_t sum);

/** The checksum field value for `len` bytes of `data` (no pseudo-header). */
uint16_t l4_cksum(const uint8_t *data, size_t len);

/**
 * The running sum of the pseudo-header for an upper-layer packet of `len`
 * bytes with protocol `proto` between `src` and `dst` (both the same family).
 * For IPv4: src, dst, zero, protocol, length. For IPv6: src, dst, 32-bit
 * length, three zero bytes, next header.
 */
uint32_t l4_cksum_pseudo(const l4_addr *src, const l4_addr *dst, uint8_t proto, uint32_t len);

#endif
