/* util/siphash.c — SipHash-2-4 (2 compression rounds, 4 finalization rounds). */
#include "util/siphash.h"

static uint64_t siphash_rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64u - b));
}

/* Little-endian load: SipHash reads its key and message words little-endian. */
static uint64_t siphash_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

typedef struct siphash_state {
    uint64_t v0, v1, v2, v3;
} siphash_state;

static void siphash_round(siphash_state *s)
{
    s->v0 += s->v1;
    s->v1 = siphash_rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = siphash_rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = siphash_rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = siphash_rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = siphash_rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = siphash_rotl(s->v2, 32);
}

static void siphash_absorb(siphash_state *s, uint64_t m)
{
    s->v3 ^= m;
    siphash_round(s);
    siphash_round(s);
    s->v0 ^= m;
}

uint64_t l4_siphash24(const uint8_t key[16], const void *data, size_t len)
{
    const uint8_t *in = data;
    uint64_t k0 = siphash_le64(key), k1 = siphash_le64(key + 8);
    /* Initialization constants: "somepseudorandomlygeneratedbytes". */
    siphash_state s = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                       k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8)
        siphash_absorb(&s, siphash_le64(in + i));
    /* Last block: the remaining bytes, zero padded, with len mod 256 on top. */
    uint64_t b = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < len % 8; i++)
        b |= (uint64_t)in[full + i] << (8 * i);
    siphash_absorb(&s, b);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        siphash_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
