/*
 * util/bytes.h — big-endian (network order) loads and stores, and a bounded
 * read cursor. Every parser in wire/ reads through these: a read never goes
 * past the end it was given.
 */
#ifndef L4_UTIL_BYTES_H
#define L4_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t l4_get_u16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t l4_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t l4_get_u64(const uint8_t *p)
{
    return (uint64_t)l4_get_u32(p) << 32 | l4_get_u32(p + 4);
}

static inline uint8_t *l4_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static inline uint8_t *l4_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

static inline uint8_t *l4_put_u64(uint8_t *p, uint64_t v)
{
    l4_put_u32(p, (uint32_t)(v >> 32));
    return l4_put_u32(p + 4, (uint32_t)v);
}

#endif
