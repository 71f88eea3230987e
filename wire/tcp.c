/*
 * wire/tcp.c — the TCP header (RFC 9293 §3.1) and its options: MSS (RFC 9293
 * §3.2), window scale and timestamps (RFC 7323 §2.2, §3.2), SACK-permitted
 * and SACK (RFC 2018 §2, §3).
 */
#include "wire/tcp.h"

#include <string.h>

#include "util/bytes.h"
#include "wire/cksum.h"

#define TCPOLEN_MSS       4
#define TCPOLEN_WSCALE    3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TS        10
#define TCPOLEN_SACK_BASE 2
#define TCPOLEN_SACK_PER  8

#define TCP_IPPROTO 6 /* IANA protocol number, as L4_IPPROTO_TCP in wire/ipv4.h */

/* Decodes the option list `o[0..n)` into `opts` (RFC 9293 §3.2). */
static int tcp_parse_opts(l4_tcp_opts *opts, const uint8_t *o, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t kind = o[i];
        if (kind == L4_TCPOPT_EOL)
            break;
        if (kind == L4_TCPOPT_NOP) {
            i++;
            continue;
        }
        /* Every other option carries a length byte covering kind and length. */
        if (i + 1 >= n)
            return L4_ERR_MALFORMED;
        size_t olen = o[i + 1];
        if (olen < 2 || olen > n - i)
            return L4_ERR_MALFORMED;
        const uint8_t *v = o + i + 2;
        switch (kind) {
        case L4_TCPOPT_MSS:
            if (olen != TCPOLEN_MSS)
                return L4_ERR_MALFORMED;
            opts->mss = l4_get_u16(v);
            opts->present |= L4_TCP_HAS_MSS;
            break;
        case L4_TCPOPT_WSCALE:
            if (olen != TCPOLEN_WSCALE)
                return L4_ERR_MALFORMED;
            opts->wscale = v[0];
            opts->present |= L4_TCP_HAS_WSCALE;
            break;
        case L4_TCPOPT_SACK_PERM:
            if (olen != TCPOLEN_SACK_PERM)
                return L4_ERR_MALFORMED;
            opts->present |= L4_TCP_HAS_SACK_PERM;
            break;
        case L4_TCPOPT_SACK: {
            size_t body = olen - TCPOLEN_SACK_BASE;
            size_t nb = body / TCPOLEN_SACK_PER;
            /* RFC 2018 §3: 1..4 blocks of two 32-bit edges. */
            if (body % TCPOLEN_SACK_PER != 0 || nb == 0 || nb > L4_TCP_MAX_SACK)
                return L4_ERR_MALFORMED;
            for (size_t b = 0; b < nb; b++) {
                opts->sack[b].left = l4_get_u32(v + 8 * b);
                opts->sack[b].right = l4_get_u32(v + 8 * b + 4);
            }
            opts->sack_count = (uint8_t)nb;
            opts->present |= L4_TCP_HAS_SACK;
            break;
        }
        case L4_TCPOPT_TS:
            if (olen != TCPOLEN_TS)
                return L4_ERR_MALFORMED;
            opts->ts_val = l4_get_u32(v);
            opts->ts_ecr = l4_get_u32(v + 4);
            opts->present |= L4_TCP_HAS_TS;
            break;
        default:
            if (opts->unknown < UINT8_MAX)
                opts->unknown++;
            break;
        }
        i += olen;
    }
    return 0;
}

int l4_tcp_parse(l4_tcp_hdr *h, const uint8_t *buf, size_t len, const l4_addr *src,
                 const l4_addr *dst)
{
    if (len < L4_TCP_MIN_HDR)
        return L4_ERR_TRUNCATED;
    size_t doff = (size_t)(buf[12] >> 4) * 4;
    if (doff < L4_TCP_MIN_HDR)
        return L4_ERR_MALFORMED;
    if (len < doff)
        return L4_ERR_TRUNCATED;

    memset(h, 0, sizeof *h);
    h->sport = l4_get_u16(buf);
    h->dport = l4_get_u16(buf + 2);
    h->seq = l4_get_u32(buf + 4);
    h->ack = l4_get_u32(buf + 8);
    h->hdr_len = (uint8_t)doff;
    h->flags = buf[13];
    h->window = l4_get_u16(buf + 14);
    h->cksum = l4_get_u16(buf + 16);
    h->urg = l4_get_u16(buf + 18);
    h->payload = buf + doff;
    h->payload_len = len - doff;

    int rc = tcp_parse_opts(&h->opts, buf + L4_TCP_MIN_HDR, doff - L4_TCP_MIN_HDR);
    if (rc != 0)
        return rc;
    if (src && dst) {
        uint32_t s = l4_cksum_pseudo(src, dst, TCP_IPPROTO, (uint32_t)len);
        if (l4_cksum_finish(l4_cksum_add(s, buf, len)) != 0)
            return L4_ERR_CHECKSUM;
    }
    return 0;
}

/* Sizes of the pieces l4_tcp_write lays out, in order. */
static size_t tcp_opts_raw_len(const l4_tcp_opts *o)
{
    size_t n = 0;
    if (o->present & L4_TCP_HAS_MSS)
        n += 4;
    if (o->present & (L4_TCP_HAS_TS | L4_TCP_HAS_SACK_PERM))
        n += (o->present & L4_TCP_HAS_TS) ? 12 : 4;
    if (o->present & L4_TCP_HAS_WSCALE)
        n += 4;
    if ((o->present & L4_TCP_HAS_SACK) && o->sack_count > 0)
        n += 4 + 8 * (size_t)o->sack_count;
    return n;
}

l4_ssize l4_tcp_opts_len(const l4_tcp_opts *o)
{
    if (o->sack_count > L4_TCP_MAX_SACK)
        return L4_ERR_INVALID_ARGUMENT;
    size_t n = tcp_opts_raw_len(o);
    if (n > L4_TCP_MAX_OPTS)
        return L4_ERR_INVALID_ARGUMENT;
    return (l4_ssize)n; /* every piece is a multiple of 4 already */
}

/*
 * The layout common stacks (Linux tcp_options_write) use, so every option
 * field sits 4-byte aligned:
 *   MSS:                 02 04 mm mm
 *   SACK_PERM and TS:    04 02 08 0a <val> <ecr>
 *   TS alone:            01 01 08 0a <val> <ecr>
 *   SACK_PERM alone:     01 01 04 02
 *   WSCALE:              01 03 03 ws
 *   SACK blocks:         01 01 05 ll <left right>...
 */
static uint8_t *tcp_write_opts(uint8_t *p, const l4_tcp_opts *o)
{
    if (o->present & L4_TCP_HAS_MSS) {
        *p++ = L4_TCPOPT_MSS;
        *p++ = TCPOLEN_MSS;
        p = l4_put_u16(p, o->mss);
    }
    if (o->present & L4_TCP_HAS_TS) {
        if (o->present & L4_TCP_HAS_SACK_PERM) {
            *p++ = L4_TCPOPT_SACK_PERM;
            *p++ = TCPOLEN_SACK_PERM;
        } else {
            *p++ = L4_TCPOPT_NOP;
            *p++ = L4_TCPOPT_NOP;
        }
        *p++ = L4_TCPOPT_TS;
        *p++ = TCPOLEN_TS;
        p = l4_put_u32(p, o->ts_val);
        p = l4_put_u32(p, o->ts_ecr);
    } else if (o->present & L4_TCP_HAS_SACK_PERM) {
        *p++ = L4_TCPOPT_NOP;
        *p++ = L4_TCPOPT_NOP;
        *p++ = L4_TCPOPT_SACK_PERM;
        *p++ = TCPOLEN_SACK_PERM;
    }
    if (o->present & L4_TCP_HAS_WSCALE) {
        *p++ = L4_TCPOPT_NOP;
        *p++ = L4_TCPOPT_WSCALE;
        *p++ = TCPOLEN_WSCALE;
        *p++ = o->wscale;
    }
    if ((o->present & L4_TCP_HAS_SACK) && o->sack_count > 0) {
        *p++ = L4_TCPOPT_NOP;
        *p++ = L4_TCPOPT_NOP;
        *p++ = L4_TCPOPT_SACK;
        *p++ = (uint8_t)(TCPOLEN_SACK_BASE + TCPOLEN_SACK_PER * o->sack_count);
        for (unsigned b = 0; b < o->sack_count; b++) {
            p = l4_put_u32(p, o->sack[b].left);
            p = l4_put_u32(p, o->sack[b].right);
        }
    }
    return p;
}

l4_ssize l4_tcp_write(uint8_t *dst, size_t cap, const l4_tcp_hdr *h, const l4_addr *src,
                      const l4_addr *daddr)
{
    l4_ssize ol = l4_tcp_opts_len(&h->opts);
    if (ol < 0)
        return ol;
    size_t hl = L4_TCP_MIN_HDR + (size_t)ol;
    if (h->payload_len > 65535 || hl + h->payload_len > 65535)
        return L4_ERR_INVALID_ARGUMENT;
    if (h->payload_len && !h->payload)
        return L4_ERR_INVALID_ARGUMENT;
    size_t total = hl + h->payload_len;
    if (cap < total)
        return L4_ERR_NOBUF;

    /* The payload first: it may already sit at dst + hl (then this is a no-op). */
    if (h->payload_len && h->payload != dst + hl)
        memmove(dst + hl, h->payload, h->payload_len);
    l4_put_u16(dst, h->sport);
    l4_put_u16(dst + 2, h->dport);
    l4_put_u32(dst + 4, h->seq);
    l4_put_u32(dst + 8, h->ack);
    dst[12] = (uint8_t)(hl / 4 << 4);
    dst[13] = h->flags;
    l4_put_u16(dst + 14, h->window);
    l4_put_u16(dst + 16, 0);
    l4_put_u16(dst + 18, h->urg);
    tcp_write_opts(dst + L4_TCP_MIN_HDR, &h->opts);
    if (src && daddr) {
        uint32_t s = l4_cksum_pseudo(src, daddr, TCP_IPPROTO, (uint32_t)total);
        l4_put_u16(dst + 16, l4_cksum_finish(l4_cksum_add(s, dst, total)));
    }
    return (l4_ssize)total;
}

int l4_tcp_flags_str(uint8_t flags, char *buf, size_t cap)
{
    static const char *const names[8] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    char tmp[32];
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (!(flags & (1u << i)))
            continue;
        if (n)
            tmp[n++] = ' ';
        memcpy(tmp + n, names[i], 3);
        n += 3;
    }
    if (n + 1 > cap) {
        if (cap > 0) {
            memcpy(buf, tmp, cap - 1);
            buf[cap - 1] = '\0';
        }
        return L4_ERR_NOBUF;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return (int)n;
}
