/*
 * tcp/seq.h — sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
 *
 * a < b means b lies in the 2^31 numbers after a. Valid while the two are
 * less than 2^31 apart, which windows up to 1 GiB (RFC 7323 §2.3) keep true.
 */
#ifndef L4_TCP_SEQ_H
#define L4_TCP_SEQ_H

#include <stdint.h>

static inline int l4_seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}
static inline int l4_seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}
static inline int l4_seq_gt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}
static inline int l4_seq_ge(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}
static inline uint32_t l4_seq_max(uint32_t a, uint32_t b)
{
    return l4_seq_gt(a, b) ? a : b;
}
static inline uint32_t l4_seq_min(uint32_t a, uint32_t b)
{
    return l4_seq_lt(a, b) ? a : b;
}
/* lo <= x < hi */
static inline int l4_seq_in(uint32_t x, uint32_t lo, uint32_t hi)
{
    return l4_seq_le(lo, x) && l4_seq_lt(x, hi);
}

#endif
