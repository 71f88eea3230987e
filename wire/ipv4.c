/*
 * wire/ipv4.c — the IPv4 header (RFC 791 §3.1).
 */
#include "wire/ipv4.h"

#include <string.h>

#include "util/bytes.h"
#include "wire/cksum.h"

#define IPV4_FLAG_RESERVED 0x8000
#define IPV4_FLAG_DF       0x4000
#define IPV4_FLAG_MF       0x2000
#define IPV4_FRAG_MASK     0x1fff

int l4_ipv4_parse(l4_ipv4_hdr *h, const uint8_t *buf, size_t len)
{
    if (len < L4_IPV4_MIN_HDR)
        return L4_ERR_TRUNCATED;
    if (buf[0] >> 4 != 4)
        return L4_ERR_MALFORMED;
    size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
    if (ihl < L4_IPV4_MIN_HDR)
        return L4_ERR_MALFORMED;
    uint16_t total = l4_get_u16(buf + 2);
    uint16_t frag = l4_get_u16(buf + 6);
    if (total < ihl || (frag & IPV4_FLAG_RESERVED))
        return L4_ERR_MALFORMED;
    if (len < ihl || len < total)
        return L4_ERR_TRUNCATED;

    memset(h, 0, sizeof *h);
    h->hdr_len = (uint8_t)ihl;
    h->dscp = buf[1] >> 2;
    h->ecn = buf[1] & 0x03;
    h->total_len = total;
    h->id = l4_get_u16(buf + 4);
    h->df = (frag & IPV4_FLAG_DF) != 0;
    h->mf = (frag & IPV4_FLAG_MF) != 0;
    h->frag_off = (uint16_t)((frag & IPV4_FRAG_MASK) * 8u);
    h->ttl = buf[8];
    h->proto = buf[9];
    h->cksum = l4_get_u16(buf + 10);
    memcpy(h->src, buf + 12, 4);
    memcpy(h->dst, buf + 16, 4);
    h->options = buf + L4_IPV4_MIN_HDR;
    h->options_len = ihl - L4_IPV4_MIN_HDR;
    h->payload = buf + ihl;
    h->payload_len = total - ihl;

    /* RFC 791 §3.1: the header sums to all ones (field value 0) when intact. */
    if (l4_cksum(buf, ihl) != 0)
        return L4_ERR_CHECKSUM;
    return 0;
}

l4_ssize l4_ipv4_write(uint8_t *dst, size_t cap, const l4_ipv4_hdr *h)
{
    if (h->options_len > L4_IPV4_MAX_HDR - L4_IPV4_MIN_HDR || (h->options_len && !h->options))
        return L4_ERR_INVALID_ARGUMENT;
    size_t hl = L4_IPV4_MIN_HDR + ((h->options_len + 3) & ~(size_t)3);
    if (h->payload_len > 65535 || hl + h->payload_len > 65535)
        return L4_ERR_INVALID_ARGUMENT;
    if (h->frag_off % 8 != 0)
        return L4_ERR_INVALID_ARGUMENT;
    if (cap < hl)
        return L4_ERR_NOBUF;

    dst[0] = (uint8_t)(0x40 | hl / 4);
    dst[1] = (uint8_t)((h->dscp & 0x3f) << 2 | (h->ecn & 0x03));
    l4_put_u16(dst + 2, (uint16_t)(hl + h->payload_len));
    l4_put_u16(dst + 4, h->id);
    uint16_t frag = (uint16_t)(h->frag_off / 8);
    if (h->df)
        frag |= IPV4_FLAG_DF;
    if (h->mf)
        frag |= IPV4_FLAG_MF;
    l4_put_u16(dst + 6, frag);
    dst[8] = h->ttl;
    dst[9] = h->proto;
    l4_put_u16(dst + 10, 0);
    memcpy(dst + 12, h->src, 4);
    memcpy(dst + 16, h->dst, 4);
    if (h->options_len)
        memmove(dst + L4_IPV4_MIN_HDR, h->options, h->options_len);
    /* Pad with zero bytes: End of Option List (RFC 791 §3.1). */
    memset(dst + L4_IPV4_MIN_HDR + h->options_len, 0, hl - L4_IPV4_MIN_HDR - h->options_len);
    l4_put_u16(dst + 10, l4_cksum(dst, hl));
    return (l4_ssize)hl;
}
