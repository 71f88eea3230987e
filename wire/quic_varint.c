/*
 * wire/quic_varint.c — QUIC variable-length integers (RFC 9000 §16).
 */
#include "wire/quic_varint.h"

#include "util/bytes.h"

size_t l4_quic_varint_len(uint64_t v)
{
    if (v < (UINT64_C(1) << 6))
        return 1;
    if (v < (UINT64_C(1) << 14))
        return 2;
    if (v < (UINT64_C(1) << 30))
        return 4;
    if (v <= L4_QUIC_VARINT_MAX)
        return 8;
    return 0;
}

l4_ssize l4_quic_varint_encode_n(uint8_t *dst, size_t cap, uint64_t v, size_t n)
{
    size_t need = l4_quic_varint_len(v);
    if (need == 0 || (n != 1 && n != 2 && n != 4 && n != 8) || n < need)
        return L4_ERR_INVALID_ARGUMENT;
    if (cap < n)
        return L4_ERR_NOBUF;
    switch (n) {
    case 1:
        dst[0] = (uint8_t)v;
        break;
    case 2:
        l4_put_u16(dst, (uint16_t)(v | 0x4000u));
        break;
    case 4:
        l4_put_u32(dst, (uint32_t)v | UINT32_C(0x80000000));
        break;
    default:
        l4_put_u64(dst, v | UINT64_C(0xc000000000000000));
        break;
    }
    return (l4_ssize)n;
}

l4_ssize l4_quic_varint_encode(uint8_t *dst, size_t cap, uint64_t v)
{
    size_t n = l4_quic_varint_len(v);
    if (n == 0)
        return L4_ERR_INVALID_ARGUMENT;
    return l4_quic_varint_encode_n(dst, cap, v, n);
}

l4_ssize l4_quic_varint_decode(uint64_t *v, const uint8_t *buf, size_t len)
{
    if (len == 0)
        return L4_ERR_TRUNCATED;
    size_t n = l4_quic_varint_len_of(buf[0]);
    if (len < n)
        return L4_ERR_TRUNCATED;
    switch (n) {
    case 1:
        *v = buf[0];
        break;
    case 2:
        *v = l4_get_u16(buf) & 0x3fffu;
        break;
    case 4:
        *v = l4_get_u32(buf) & UINT32_C(0x3fffffff);
        break;
    default:
        *v = l4_get_u64(buf) & L4_QUIC_VARINT_MAX;
        break;
    }
    return (l4_ssize)n;
}
