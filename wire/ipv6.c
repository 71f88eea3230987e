/*
 * wire/ipv6.c — the IPv6 fixed header (RFC 8200 §3) and the extension header
 * walk (RFC 8200 §4).
 */
#include "wire/ipv6.h"

#include <string.h>

#include "util/bytes.h"

/* RFC 8200 §4.1 names at most one of each header type plus a second
 * destination-options header; more than this many is treated as hostile. */
#define IPV6_MAX_EXT 8

int l4_ipv6_parse(l4_ipv6_hdr *h, const uint8_t *buf, size_t len)
{
    if (len < L4_IPV6_HDR)
        return L4_ERR_TRUNCATED;
    if (buf[0] >> 4 != 6)
        return L4_ERR_MALFORMED;
    uint16_t plen = l4_get_u16(buf + 4);
    uint8_t nh = buf[6];
    /* RFC 2675: a zero payload length with a hop-by-hop header is a jumbogram. */
    if (plen == 0 && nh == L4_IPV6_EXT_HOPOPTS)
        return L4_ERR_UNSUPPORTED;
    if (len < (size_t)L4_IPV6_HDR + plen)
        return L4_ERR_TRUNCATED;

    memset(h, 0, sizeof *h);
    uint8_t tc = (uint8_t)((buf[0] & 0x0f) << 4 | buf[1] >> 4);
    h->dscp = tc >> 2;
    h->ecn = tc & 0x03;
    h->flow_label = l4_get_u32(buf) & 0xfffff;
    h->plen = plen;
    h->next_header = nh;
    h->hop_limit = buf[7];
    memcpy(h->src, buf + 8, 16);
    memcpy(h->dst, buf + 24, 16);

    const uint8_t *p = buf + L4_IPV6_HDR;
    size_t left = plen;
    int count = 0;
    for (;;) {
        size_t ext;
        uint8_t next;
        if (nh == L4_IPV6_EXT_HOPOPTS || nh == L4_IPV6_EXT_ROUTING || nh == L4_IPV6_EXT_DSTOPTS) {
            /* RFC 8200 §4.3: hop-by-hop options only right after the fixed header. */
            if (nh == L4_IPV6_EXT_HOPOPTS && count > 0)
                return L4_ERR_MALFORMED;
            if (left < 2)
                return L4_ERR_TRUNCATED;
            next = p[0];
            ext = ((size_t)p[1] + 1) * 8; /* length in 8-octet units, excluding the first 8 */
            if (left < ext)
                return L4_ERR_TRUNCATED;
        } else if (nh == L4_IPV6_EXT_FRAGMENT) {
            /* RFC 8200 §4.5: next header, reserved, offset(13) res(2) M(1), identification. */
            if (left < 8)
                return L4_ERR_TRUNCATED;
            next = p[0];
            ext = 8;
            uint16_t fo = l4_get_u16(p + 2);
            h->is_fragment = 1;
            h->frag_off = (uint16_t)(fo & 0xfff8);
            h->frag_more = fo & 1;
            h->frag_id = l4_get_u32(p + 4);
        } else {
            break;
        }
        if (++count > IPV6_MAX_EXT)
            return L4_ERR_MALFORMED;
        p += ext;
        left -= ext;
        nh = next;
        /* In a non-first fragment what follows is fragment data, not headers. */
        if (h->is_fragment && h->frag_off != 0)
            break;
    }
    h->proto = nh;
    h->ext_len = (size_t)(p - (buf + L4_IPV6_HDR));
    h->payload = p;
    h->payload_len = left;
    return 0;
}

l4_ssize l4_ipv6_write(uint8_t *dst, size_t cap, const l4_ipv6_hdr *h)
{
    if (h->payload_len > 65535)
        return L4_ERR_INVALID_ARGUMENT;
    if (cap < L4_IPV6_HDR)
        return L4_ERR_NOBUF;
    uint8_t tc = (uint8_t)((h->dscp & 0x3f) << 2 | (h->ecn & 0x03));
    l4_put_u32(dst, (uint32_t)6 << 28 | (uint32_t)tc << 20 | (h->flow_label & 0xfffff));
    l4_put_u16(dst + 4, (uint16_t)h->payload_len);
    dst[6] = h->next_header;
    dst[7] = h->hop_limit;
    memcpy(dst + 8, h->src, 16);
    memcpy(dst + 24, h->dst, 16);
    return L4_IPV6_HDR;
}
