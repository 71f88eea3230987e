/*
 * wire/ipv4.h — the IPv4 header (RFC 791), parsed and written.
 */
#ifndef L4_WIRE_IPV4_H
#define L4_WIRE_IPV4_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define L4_IPV4_MIN_HDR 20
#define L4_IPV4_MAX_HDR 60

/* Protocol numbers (IANA) used across l4kit. */
#define L4_IPPROTO_ICMP   1
#define L4_IPPROTO_TCP    6
#define L4_IPPROTO_UDP    17
#define L4_IPPROTO_ICMPV6 58

/* ECN codepoints in the low two bits of the traffic class (RFC 3168 §5). */
#define L4_ECN_NOT_ECT 0
#define L4_ECN_ECT1    1
#define L4_ECN_ECT0    2
#define L4_ECN_CE      3

/** A parsed IPv4 header. Pointers borrow the parsed buffer. */
typedef struct l4_ipv4_hdr {
    uint8_t hdr_len; /* IHL in bytes, 20..60 */
    uint8_t dscp;    /* 6 bits */
    uint8_t ecn;     /* 2 bits, L4_ECN_* */
    uint16_t total_len;
    uint16_t id;
    uint8_t df;        /* don't fragment flag */
    uint8_t mf;        /* more fragments flag */
    uint16_t frag_off; /* fragment offset in bytes (multiple of 8) */
    uint8_t ttl;
    uint8_t proto;
    uint16_t cksum; /* as received / as written */
    uint8_t src[4];
    uint8_t dst[4];
    const uint8_t *options; /* hdr_len - 20 bytes, unparsed */
    size_t options_len;
    const uint8_t *payload; /* total_len - hdr_len bytes */
    size_t payload_len;
} l4_ipv4_hdr;

/**
 * Parses the IPv4 header at `buf` (`len` bytes; bytes past total_len, such as
 * link-layer padding, are ignored).
 *
 * Returns 0 on success. Errors: L4_ERR_TRUNCATED (len < 20, < IHL or <
 * total_len), L4_ERR_MALFORMED (version != 4, IHL < 5, total_len < IHL, the
 * reserved flag set), L4_ERR_CHECKSUM (header checksum wrong: `*h` is still
 * completely filled, so a dissector can show the packet). Never reads outside
 * buf[0..len).
 */
int l4_ipv4_parse(l4_ipv4_hdr *h, const uint8_t *buf, size_t len);

/**
 * Writes the header described by `h` (hdr_len = 20 + options_len rounded up to
 * 4, options copied from h->options, payload not written) into `dst`, with
 * total_len = hdr_len + h->payload_len and a freshly computed checksum;
 * h->hdr_len, h->total_len and h->cksum are ignored.
 *
 * Returns the header length written. Errors: L4_ERR_NOBUF (cap too small),
 * L4_ERR_INVALID_ARGUMENT (options longer than 40 bytes or NULL with a
 * nonzero length, total length over 65535, frag_off not a multiple of 8).
 * dscp and ecn are masked to 6 and 2 bits; options are padded with EOL (0).
 */
l4_ssize l4_ipv4_write(uint8_t *dst, size_t cap, const l4_ipv4_hdr *h);

#endif
