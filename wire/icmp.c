/*
 * wire/icmp.c — ICMPv4 (RFC 792) and ICMPv6 (RFC 4443 §2.1, §2.3) messages.
 */
#include "wire/icmp.h"

#include <string.h>

#include "util/bytes.h"
#include "wire/cksum.h"

#define ICMP6_IPPROTO 58 /* IANA protocol number, as L4_IPPROTO_ICMPV6 in wire/ipv4.h */

/* Fills `m` from the common 8-byte header and the body after it. */
static void icmp_fill(l4_icmp_msg *m, const uint8_t *buf, size_t len)
{
    memset(m, 0, sizeof *m);
    m->type = buf[0];
    m->code = buf[1];
    m->cksum = l4_get_u16(buf + 2);
    m->rest = l4_get_u32(buf + 4);
    m->id = l4_get_u16(buf + 4);
    m->seq = l4_get_u16(buf + 6);
    m->body = buf + L4_ICMP_HDR;
    m->body_len = len - L4_ICMP_HDR;
}

int l4_icmp4_parse(l4_icmp_msg *m, const uint8_t *buf, size_t len)
{
    if (len < L4_ICMP_HDR)
        return L4_ERR_TRUNCATED;
    icmp_fill(m, buf, len);
    /* RFC 792: the checksum covers the whole ICMP message, no pseudo-header. */
    if (l4_cksum(buf, len) != 0)
        return L4_ERR_CHECKSUM;
    return 0;
}

int l4_icmp6_parse(l4_icmp_msg *m, const uint8_t *buf, size_t len, const l4_addr *src,
                   const l4_addr *dst)
{
    if (src->family != L4_AF_INET6 || dst->family != L4_AF_INET6)
        return L4_ERR_INVALID_ARGUMENT;
    if (len < L4_ICMP_HDR)
        return L4_ERR_TRUNCATED;
    if (len > UINT32_MAX)
        return L4_ERR_INVALID_ARGUMENT;
    icmp_fill(m, buf, len);
    /* RFC 4443 §2.3: the checksum covers the IPv6 pseudo-header too. */
    uint32_t s = l4_cksum_pseudo(src, dst, ICMP6_IPPROTO, (uint32_t)len);
    if (l4_cksum_finish(l4_cksum_add(s, buf, len)) != 0)
        return L4_ERR_CHECKSUM;
    return 0;
}

/* Writes the header and body without the checksum; returns the length or an error. */
static l4_ssize icmp_write_raw(uint8_t *dst, size_t cap, const l4_icmp_msg *m, int echo)
{
    if (m->body_len > 65535 - L4_ICMP_HDR || (m->body_len && !m->body))
        return L4_ERR_INVALID_ARGUMENT;
    size_t total = L4_ICMP_HDR + m->body_len;
    if (cap < total)
        return L4_ERR_NOBUF;
    if (m->body_len && m->body != dst + L4_ICMP_HDR)
        memmove(dst + L4_ICMP_HDR, m->body, m->body_len);
    dst[0] = m->type;
    dst[1] = m->code;
    l4_put_u16(dst + 2, 0);
    if (echo) {
        l4_put_u16(dst + 4, m->id);
        l4_put_u16(dst + 6, m->seq);
    } else {
        l4_put_u32(dst + 4, m->rest);
    }
    return (l4_ssize)total;
}

l4_ssize l4_icmp4_write(uint8_t *dst, size_t cap, const l4_icmp_msg *m)
{
    int echo = m->type == L4_ICMP4_ECHO_REQUEST || m->type == L4_ICMP4_ECHO_REPLY;
    l4_ssize n = icmp_write_raw(dst, cap, m, echo);
    if (n < 0)
        return n;
    l4_put_u16(dst + 2, l4_cksum(dst, (size_t)n));
    return n;
}

l4_ssize l4_icmp6_write(uint8_t *dst, size_t cap, const l4_icmp_msg *m, const l4_addr *src,
                        const l4_addr *daddr)
{
    if (src->family != L4_AF_INET6 || daddr->family != L4_AF_INET6)
        return L4_ERR_INVALID_ARGUMENT;
    int echo = m->type == L4_ICMP6_ECHO_REQUEST || m->type == L4_ICMP6_ECHO_REPLY;
    l4_ssize n = icmp_write_raw(dst, cap, m, echo);
    if (n < 0)
        return n;
    uint32_t s = l4_cksum_pseudo(src, daddr, ICMP6_IPPROTO, (uint32_t)n);
    l4_put_u16(dst + 2, l4_cksum_finish(l4_cksum_add(s, dst, (size_t)n)));
    return n;
}
