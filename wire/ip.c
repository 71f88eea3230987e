/*
 * wire/ip.c — version dispatch for IP packets, and in-place ECN rewriting.
 */
#include "wire/ip.h"

#include <string.h>

#include "util/bytes.h"

int l4_ip_parse(l4_ip_pkt *p, const uint8_t *buf, size_t len)
{
    if (len == 0)
        return L4_ERR_TRUNCATED;
    memset(p, 0, sizeof *p);
    int rc;
    switch (buf[0] >> 4) {
    case 4: {
        l4_ipv4_hdr *h = &p->hdr.v4;
        rc = l4_ipv4_parse(h, buf, len);
        if (rc != 0 && rc != L4_ERR_CHECKSUM)
            return rc;
        p->version = 4;
        p->src = l4_addr_v4(h->src);
        p->dst = l4_addr_v4(h->dst);
        p->proto = h->proto;
        p->ecn = h->ecn;
        p->ttl = h->ttl;
        p->is_fragment = h->mf || h->frag_off != 0;
        p->frag_off = h->frag_off;
        p->payload = h->payload;
        p->payload_len = h->payload_len;
        return rc;
    }
    case 6: {
        l4_ipv6_hdr *h = &p->hdr.v6;
        rc = l4_ipv6_parse(h, buf, len);
        if (rc != 0)
            return rc;
        p->version = 6;
        p->src = l4_addr_v6(h->src);
        p->dst = l4_addr_v6(h->dst);
        p->proto = h->proto;
        p->ecn = h->ecn;
        p->ttl = h->hop_limit;
        p->is_fragment = h->is_fragment;
        p->frag_off = h->frag_off;
        p->payload = h->payload;
        p->payload_len = h->payload_len;
        return 0;
    }
    default:
        return L4_ERR_MALFORMED;
    }
}

/*
 * RFC 1624 §3, eqn. 3: when one 16-bit word of an IPv4 header changes from m
 * to m', the checksum becomes HC' = ~(~HC + ~m + m'), with end-around carries.
 */
static void ip_cksum_update(uint8_t *hdr, uint16_t old_word, uint16_t new_word)
{
    uint32_t s = (uint16_t)~l4_get_u16(hdr + 10);
    s += (uint16_t)~old_word;
    s += new_word;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    l4_put_u16(hdr + 10, (uint16_t)~s);
}

int l4_ip_set_ecn(uint8_t *buf, size_t len, uint8_t ecn)
{
    if (ecn > L4_ECN_CE)
        return L4_ERR_INVALID_ARGUMENT;
    if (len == 0)
        return L4_ERR_TRUNCATED;
    switch (buf[0] >> 4) {
    case 4: {
        if (len < L4_IPV4_MIN_HDR)
            return L4_ERR_TRUNCATED;
        if ((buf[0] & 0x0f) < 5)
            return L4_ERR_MALFORMED;
        uint16_t old_word = l4_get_u16(buf);
        buf[1] = (uint8_t)((buf[1] & 0xfc) | ecn);
        ip_cksum_update(buf, old_word, l4_get_u16(buf));
        return 0;
    }
    case 6:
        if (len < L4_IPV6_HDR)
            return L4_ERR_TRUNCATED;
        /* The traffic class spans bytes 0..1; its ECN bits are 0x30 of byte 1. */
        buf[1] = (uint8_t)((buf[1] & 0xcf) | ecn << 4);
        return 0;
    default:
        return L4_ERR_MALFORMED;
    }
}

int l4_ip_dec_ttl(uint8_t *buf, size_t len)
{
    if (len == 0)
        return L4_ERR_TRUNCATED;
    switch (buf[0] >> 4) {
    case 4: {
        if (len < L4_IPV4_MIN_HDR)
            return L4_ERR_TRUNCATED;
        if ((buf[0] & 0x0f) < 5)
            return L4_ERR_MALFORMED;
        if (buf[8] == 0)
            return 0;
        uint16_t old_word = l4_get_u16(buf + 8); /* TTL and protocol share a word */
        buf[8]--;
        ip_cksum_update(buf, old_word, l4_get_u16(buf + 8));
        return buf[8];
    }
    case 6:
        if (len < L4_IPV6_HDR)
            return L4_ERR_TRUNCATED;
        if (buf[7] > 0)
            buf[7]--;
        return buf[7];
    default:
        return L4_ERR_MALFORMED;
    }
}
