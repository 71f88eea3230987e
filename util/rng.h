/*
 * util/rng.h — the seeded pseudo-random generator every core module uses.
 *
 * PCG32 (O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically
 * Good Algorithms for Random Number Generation", 2014): 64-bit state, 32-bit
 * output, XSH-RR output permutation. The same seed and stream always give the
 * same sequence on every platform; that is what makes emulator runs
 * reproducible. Not for cryptography.
 */
#ifndef L4_UTIL_RNG_H
#define L4_UTIL_RNG_H

#include <stdint.h>

typedef struct l4_rng {
    uint64_t state;
    uint64_t inc; /* stream selector, always odd */
} l4_rng;

/** Seeds `r` with `seed` on stream `stream` (distinct streams are independent). */
void l4_rng_init(l4_rng *r, uint64_t seed, uint64_t stream);

/** Next uniformly distributed 32-bit value. */
uint32_t l4_rng_u32(l4_rng *r);

/** Next uniformly distributed 64-bit value. */
uint64_t l4_rng_u64(l4_rng *r);

/** Uniform integer in [0, bound) without modulo bias; returns 0 when bound is 0. */
uint32_t l4_rng_below(l4_rng *r, uint32_t bound);

/** Uniform double in [0, 1) with 53 random bits. */
double l4_rng_unit(l4_rng *r);

/** Returns 1 with probability p (p <= 0 never, p >= 1 always), else 0. */
int l4_rng_chance(l4_rng *r, double p);

/** A standard normal variate (Box–Muller, using two uniform draws). */
double l4_rng_normal(l4_rng *r);

#endif
