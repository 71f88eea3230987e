/*
 * util/siphash.h — SipHash-2-4, the keyed 64-bit hash of Aumasson and
 * Bernstein ("SipHash: a fast short-input PRF", INDOCRYPT 2012).
 *
 * l4kit uses it as the pseudo-random function F of RFC 6528 (TCP initial
 * sequence numbers) and anywhere a keyed, unpredictable hash of a few bytes
 * is needed. Pure computation: no state, no allocation.
 */
#ifndef L4_UTIL_SIPHASH_H
#define L4_UTIL_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/**
 * SipHash-2-4 of the `len` bytes at `data` under the 16-byte `key`. The
 * 8-byte result is returned as the little-endian integer the reference
 * implementation writes (key 00..0f, message 00..0e gives
 * 0xa129ca6149be45e5). `data` may be NULL when `len` is 0.
 */
uint64_t l4_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif
