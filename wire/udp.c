/*
 * wire/udp.c — the UDP header (RFC 768) and its checksum rules over IPv4
 * (zero = none) and IPv6 (mandatory, RFC 8200 §8.1).
 */
#include "wire/udp.h"

#include <string.h>

#include "util/bytes.h"
#include "wire/cksum.h"

#define UDP_IPPROTO 17 /* IANA protocol number, as L4_IPPROTO_UDP in wire/ipv4.h */

int l4_udp_parse(l4_udp_hdr *h, const uint8_t *buf, size_t len, const l4_addr *src,
                 const l4_addr *dst)
{
    if (len < L4_UDP_HDR)
        return L4_ERR_TRUNCATED;
    uint16_t ulen = l4_get_u16(buf + 4);
    if (ulen < L4_UDP_HDR)
        return L4_ERR_MALFORMED;
    if (len < ulen)
        return L4_ERR_TRUNCATED;

    memset(h, 0, sizeof *h);
    h->sport = l4_get_u16(buf);
    h->dport = l4_get_u16(buf + 2);
    h->len = ulen;
    h->cksum = l4_get_u16(buf + 6);
    h->payload = buf + L4_UDP_HDR;
    h->payload_len = (size_t)ulen - L4_UDP_HDR;

    if (src && dst) {
        if (h->cksum == 0)
            return src->family == L4_AF_INET6 ? L4_ERR_CHECKSUM : 0;
        uint32_t s = l4_cksum_pseudo(src, dst, UDP_IPPROTO, ulen);
        if (l4_cksum_finish(l4_cksum_add(s, buf, ulen)) != 0)
            return L4_ERR_CHECKSUM;
    }
    return 0;
}

l4_ssize l4_udp_write(uint8_t *dst, size_t cap, const l4_udp_hdr *h, const l4_addr *src,
                      const l4_addr *daddr)
{
    if (h->payload_len > 65535 - L4_UDP_HDR)
        return L4_ERR_INVALID_ARGUMENT;
    if (h->payload_len && !h->payload)
        return L4_ERR_INVALID_ARGUMENT;
    int have_addrs = src && daddr;
    /* RFC 8200 §8.1: over IPv6 the checksum is mandatory. */
    if (!have_addrs &&
        ((src && src->family == L4_AF_INET6) || (daddr && daddr->family == L4_AF_INET6)))
        return L4_ERR_INVALID_ARGUMENT;
    size_t total = L4_UDP_HDR + h->payload_len;
    if (cap < total)
        return L4_ERR_NOBUF;

    if (h->payload_len && h->payload != dst + L4_UDP_HDR)
        memmove(dst + L4_UDP_HDR, h->payload, h->payload_len);
    l4_put_u16(dst, h->sport);
    l4_put_u16(dst + 2, h->dport);
    l4_put_u16(dst + 4, (uint16_t)total);
    l4_put_u16(dst + 6, 0);
    if (have_addrs) {
        uint32_t s = l4_cksum_pseudo(src, daddr, UDP_IPPROTO, (uint32_t)total);
        uint16_t c = l4_cksum_finish(l4_cksum_add(s, dst, total));
        /* RFC 768: a computed zero is sent as all ones; zero means "none". */
        l4_put_u16(dst + 6, c ? c : 0xffff);
    }
    return (l4_ssize)total;
}
