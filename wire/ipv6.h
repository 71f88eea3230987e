/*
 * wire/ipv6.h — the IPv6 header (RFC 8200) and the extension headers l4kit
 * walks past to find the upper-layer protocol.
 */
#ifndef L4_WIRE_IPV6_H
#define L4_WIRE_IPV6_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define L4_IPV6_HDR 40

/* Extension header numbers (RFC 8200 §4). */
#define L4_IPV6_EXT_HOPOPTS  0
#define L4_IPV6_EXT_ROUTING  43
#define L4_IPV6_EXT_FRAGMENT 44
#define L4_IPV6_EXT_DSTOPTS  60
#define L4_IPV6_NO_NEXT      59

/** A parsed IPv6 header. Pointers borrow the parsed buffer. */
typedef struct l4_ipv6_hdr {
    uint8_t dscp;        /* 6 bits of the traffic class */
    uint8_t ecn;         /* 2 bits, L4_ECN_* */
    uint32_t flow_label; /* 20 bits */
    uint16_t plen;       /* the Payload Length field as received (parse only) */
    uint8_t next_header; /* the first next-header value, as in the fixed header */
    uint8_t hop_limit;
    uint8_t src[16];
    uint8_t dst[16];
    /* After walking hop-by-hop, routing, destination-options and fragment headers: */
    uint8_t proto;       /* upper-layer protocol (or L4_IPV6_NO_NEXT) */
    uint8_t is_fragment; /* a fragment header was present */
    uint8_t frag_more;   /* its M flag */
    uint16_t frag_off;   /* its offset in bytes */
    uint32_t frag_id;
    size_t ext_len;         /* bytes of extension headers walked */
    const uint8_t *payload; /* the upper-layer bytes after the extension headers */
    size_t payload_len;     /* plen - ext_len on parse; the Payload Length field on write */
} l4_ipv6_hdr;

/**
 * Parses the fixed header at `buf` and walks the extension headers named
 * above. Bytes past 40 + plen are ignored.
 *
 * Returns 0. Errors: L4_ERR_TRUNCATED (shorter than 40 + plen, or an
 * extension header running past the payload), L4_ERR_MALFORMED (version != 6,
 * more than 8 extension headers, a hop-by-hop header anywhere but first,
 * RFC 8200 §4.3). A jumbo payload (plen 0 with a hop-by-hop header) is
 * L4_ERR_UNSUPPORTED. A non-first fragment stops the walk: proto is the
 * fragment header's next header and payload is the fragment data. Never reads outside buf[0..len).
 */
int l4_ipv6_parse(l4_ipv6_hdr *h, const uint8_t *buf, size_t len);

/**
 * Writes the 40-byte fixed header from `h` (next_header, the other fixed
 * fields, and h->payload_len as the Payload Length field; h->plen, proto and
 * the fragment fields are ignored; no extension headers) into `dst`.
 * Returns 40. Errors: L4_ERR_NOBUF, L4_ERR_INVALID_ARGUMENT (payload_len
 * over 65535).
 */
l4_ssize l4_ipv6_write(uint8_t *dst, size_t cap, const l4_ipv6_hdr *h);

#endif
