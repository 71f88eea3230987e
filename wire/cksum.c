/*
 * wire/cksum.c — the Internet checksum (RFC 1071) and pseudo-header sums.
 */
#include "wire/cksum.h"

#include "util/bytes.h"

/* Folds carries back in (end-around carry, RFC 1071 §2(B)) until 16 bits remain. */
static uint32_t cksum_fold(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint32_t)s;
}

uint32_t l4_cksum_add(uint32_t sum, const uint8_t *data, size_t len)
{
    /* A 64-bit accumulator cannot overflow for any buffer that fits in memory
     * before the final fold. */
    uint64_t s = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        s += l4_get_u16(data + i);
    if (i < len)
        s += (uint32_t)data[i] << 8; /* odd tail, zero-padded (RFC 1071 §4.1) */
    return cksum_fold(s);
}

uint16_t l4_cksum_finish(uint32_t sum)
{
    return (uint16_t)~cksum_fold(sum);
}

uint16_t l4_cksum(const uint8_t *data, size_t len)
{
    return l4_cksum_finish(l4_cksum_add(0, data, len));
}

uint32_t l4_cksum_pseudo(const l4_addr *src, const l4_addr *dst, uint8_t proto, uint32_t len)
{
    uint8_t tail[8];
    uint32_t s;
    if (src->family == L4_AF_INET6) {
        /* RFC 8200 §8.1: src, dst, upper-layer length (32 bits), zero, next header. */
        s = l4_cksum_add(0, src->bytes, 16);
        s = l4_cksum_add(s, dst->bytes, 16);
        l4_put_u32(tail, len);
        tail[4] = tail[5] = tail[6] = 0;
        tail[7] = proto;
        return l4_cksum_add(s, tail, 8);
    }
    /* RFC 9293 §3.1 / RFC 768: src, dst, zero, protocol, 16-bit length. */
    s = l4_cksum_add(0, src->bytes, 4);
    s = l4_cksum_add(s, dst->bytes, 4);
    tail[0] = 0;
    tail[1] = proto;
    l4_put_u16(tail + 2, (uint16_t)len);
    return l4_cksum_add(s, tail, 4);
}
