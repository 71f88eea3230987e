/*
 * wire/quic_varint.h — QUIC variable-length integers (RFC 9000 §16).
 *
 * The two most significant bits of the first byte give the encoded length
 * (00 = 1, 01 = 2, 10 = 4, 11 = 8 bytes); the remaining bits hold the value in
 * network byte order, so the largest value is 2^62 - 1.
 */
#ifndef L4_WIRE_QUIC_VARINT_H
#define L4_WIRE_QUIC_VARINT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/** The largest value a varint can carry: 2^62 - 1. */
#define L4_QUIC_VARINT_MAX ((UINT64_C(1) << 62) - 1)

/**
 * Returns the minimal encoded length of `v` (1, 2, 4 or 8), or 0 when `v` is
 * larger than L4_QUIC_VARINT_MAX.
 */
size_t l4_quic_varint_len(uint64_t v);

/**
 * Returns the encoded length announced by the first byte `b` of a varint
 * (1, 2, 4 or 8).
 */
static inline size_t l4_quic_varint_len_of(uint8_t b)
{
    return (size_t)1 << (b >> 6);
}

/**
 * Writes `v` into `dst` (`cap` bytes) with the shortest encoding.
 *
 * Returns the number of bytes written (1, 2, 4 or 8). Errors:
 * L4_ERR_INVALID_ARGUMENT (v > L4_QUIC_VARINT_MAX), L4_ERR_NOBUF (cap smaller
 * than the encoding; nothing is written).
 */
l4_ssize l4_quic_varint_encode(uint8_t *dst, size_t cap, uint64_t v);

/**
 * Writes `v` into `dst` using exactly `n` bytes (1, 2, 4 or 8), which may be
 * longer than necessary (RFC 9000 §16 allows it; e.g. a packet's Length field
 * reserved before the payload size is known).
 *
 * Returns n. Errors: L4_ERR_INVALID_ARGUMENT (n not 1/2/4/8, or v does not fit
 * in n bytes), L4_ERR_NOBUF (cap < n; nothing is written).
 */
l4_ssize l4_quic_varint_encode_n(uint8_t *dst, size_t cap, uint64_t v, size_t n);

/**
 * Reads one varint from `buf` (`len` bytes) into `*v`. Non-minimal encodings
 * are accepted (0x4025 decodes to 37).
 *
 * Returns the number of bytes consumed (1, 2, 4 or 8). Errors:
 * L4_ERR_TRUNCATED (len is 0 or shorter than the length the first byte
 * announces; `*v` is not written). Never reads outside buf[0..len).
 */
l4_ssize l4_quic_varint_decode(uint64_t *v, const uint8_t *buf, size_t len);

#endif
