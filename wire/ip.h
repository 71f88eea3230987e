/*
 * wire/ip.h — one call to take an IP packet apart whatever its version, and
 * the in-place edits an emulator or router makes (ECN marking, TTL).
 */
#ifndef L4_WIRE_IP_H
#define L4_WIRE_IP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/addr.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

/** An IP packet of either version, parsed down to its upper-layer payload. */
typedef struct l4_ip_pkt {
    uint8_t version; /* 4 or 6 */
    l4_addr src;
    l4_addr dst;
    uint8_t proto; /* upper-layer protocol */
    uint8_t ecn;
    uint8_t ttl;         /* TTL or hop limit */
    uint8_t is_fragment; /* a fragment; for a non-first fragment the payload is not a header */
    uint16_t frag_off;
    union {
        l4_ipv4_hdr v4;
        l4_ipv6_hdr v6;
    } hdr;
    const uint8_t *payload; /* the upper-layer bytes */
    size_t payload_len;
} l4_ip_pkt;

/**
 * Parses the IP packet at `buf` by its version nibble. Returns 0, or the
 * error of l4_ipv4_parse / l4_ipv6_parse (L4_ERR_CHECKSUM still fills `*p`),
 * or L4_ERR_TRUNCATED (empty) / L4_ERR_MALFORMED (version neither 4 nor 6).
 */
int l4_ip_parse(l4_ip_pkt *p, const uint8_t *buf, size_t len);

/**
 * Rewrites the ECN field of the IP packet at `buf` in place to `ecn`
 * (L4_ECN_*); for IPv4 the header checksum is updated (RFC 1624).
 * Returns 0. Errors: L4_ERR_TRUNCATED, L4_ERR_MALFORMED (not IPv4/IPv6, or
 * IHL < 5), L4_ERR_INVALID_ARGUMENT (ecn > 3). Nothing is changed on error.
 */
int l4_ip_set_ecn(uint8_t *buf, size_t len, uint8_t ecn);

/**
 * Decrements the TTL (IPv4) or hop limit (IPv6) of the packet at `buf` in
 * place, as a router forwarding it does (RFC 791 §3.2, RFC 8200 §3); for IPv4
 * the header checksum is updated (RFC 1624). A packet whose TTL is already 0
 * is left unchanged. Returns the new TTL, so 0 means "do not forward; send
 * Time Exceeded". Errors: L4_ERR_TRUNCATED (shorter than the fixed header),
 * L4_ERR_MALFORMED (not IPv4/IPv6, or IHL < 5).
 */
int l4_ip_dec_ttl(uint8_t *buf, size_t len);

#endif
