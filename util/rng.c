/* util/rng.c — PCG32 (XSH-RR) seeded generator; see rng.h. */
#include "util/rng.h"

#include <math.h>

#define PCG_MULT 6364136223846793005ULL

void l4_rng_init(l4_rng *r, uint64_t seed, uint64_t stream)
{
    r->state = 0;
    r->inc = (stream << 1) | 1u;
    (void)l4_rng_u32(r);
    r->state += seed;
    (void)l4_rng_u32(r);
}

uint32_t l4_rng_u32(l4_rng *r)
{
    uint64_t old = r->state;
    r->state = old * PCG_MULT + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

uint64_t l4_rng_u64(l4_rng *r)
{
    uint64_t hi = l4_rng_u32(r);
    return hi << 32 | l4_rng_u32(r);
}

uint32_t l4_rng_below(l4_rng *r, uint32_t bound)
{
    if (bound == 0)
        return 0;
    /* Reject the low (2^32 mod bound) values so every residue is equally likely. */
    uint32_t threshold = (uint32_t)(-bound) % bound;
    for (;;) {
        uint32_t v = l4_rng_u32(r);
        if (v >= threshold)
            return v % bound;
    }
}

double l4_rng_unit(l4_rng *r)
{
    return (double)(l4_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

int l4_rng_chance(l4_rng *r, double p)
{
    if (p <= 0.0)
        return 0;
    if (p >= 1.0)
        return 1;
    return l4_rng_unit(r) < p;
}

double l4_rng_normal(l4_rng *r)
{
    double u1 = l4_rng_unit(r);
    double u2 = l4_rng_unit(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
