/*
 * wire/icmp.h — ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) messages: echo
 * request/reply and destination unreachable (plus the others, carried raw).
 */
#ifndef L4_WIRE_ICMP_H
#define L4_WIRE_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/addr.h"

#define L4_ICMP_HDR 8

/* ICMPv4 types and codes. */
#define L4_ICMP4_ECHO_REPLY          0
#define L4_ICMP4_DEST_UNREACH        3
#define L4_ICMP4_ECHO_REQUEST        8
#define L4_ICMP4_TIME_EXCEEDED       11
#define L4_ICMP4_UNREACH_NET         0
#define L4_ICMP4_UNREACH_HOST        1
#define L4_ICMP4_UNREACH_PROTO       2
#define L4_ICMP4_UNREACH_PORT        3
#define L4_ICMP4_UNREACH_FRAG_NEEDED 4

/* ICMPv6 types and codes. */
#define L4_ICMP6_DEST_UNREACH    1
#define L4_ICMP6_PACKET_TOO_BIG  2
#define L4_ICMP6_TIME_EXCEEDED   3
#define L4_ICMP6_ECHO_REQUEST    128
#define L4_ICMP6_ECHO_REPLY      129
#define L4_ICMP6_UNREACH_NOROUTE 0
#define L4_ICMP6_UNREACH_ADMIN   1
#define L4_ICMP6_UNREACH_ADDR    3
#define L4_ICMP6_UNREACH_PORT    4

/**
 * A parsed ICMP message (either version). For echo, `id` and `seq` are the
 * identifier and sequence number (the parser always fills id/seq and rest
 * from bytes 4..7, whatever the type); for destination unreachable `rest` holds
 * the 4 bytes after the checksum (unused / next-hop MTU) and `body` the
 * invoking packet as much as was quoted. Pointers borrow the parsed buffer.
 */
typedef struct l4_icmp_msg {
    uint8_t type;
    uint8_t code;
    uint16_t cksum;
    uint16_t id;
    uint16_t seq;
    uint32_t rest; /* bytes 4..7 as one big-endian word */
    const uint8_t *body;
    size_t body_len;
} l4_icmp_msg;

/**
 * Parses an ICMPv4 message (the IPv4 payload) and verifies its checksum.
 * Returns 0. Errors: L4_ERR_TRUNCATED (len < 8), L4_ERR_CHECKSUM (the message
 * is still filled in).
 */
int l4_icmp4_parse(l4_icmp_msg *m, const uint8_t *buf, size_t len);

/**
 * Parses an ICMPv6 message and verifies its checksum, which covers the IPv6
 * pseudo-header of `src` and `dst`. Returns 0. Errors: L4_ERR_TRUNCATED,
 * L4_ERR_CHECKSUM (the message is still filled in), L4_ERR_INVALID_ARGUMENT
 * (an address that is not IPv6).
 */
int l4_icmp6_parse(l4_icmp_msg *m, const uint8_t *buf, size_t len, const l4_addr *src,
                   const l4_addr *dst);

/**
 * Writes `m` (type, code, id/seq for echo types, `rest` otherwise, then
 * m->body_len bytes of m->body; body may already sit at dst+8) into `dst`
 * with a computed checksum; m->cksum is ignored.
 * Returns the message length. Errors: L4_ERR_NOBUF, L4_ERR_INVALID_ARGUMENT
 * (body over 65527 bytes, or body NULL with a nonzero body_len).
 */
l4_ssize l4_icmp4_write(uint8_t *dst, size_t cap, const l4_icmp_msg *m);

/**
 * As l4_icmp4_write, for ICMPv6 with the pseudo-header of `src`/`daddr`
 * (echo types are 128/129). L4_ERR_INVALID_ARGUMENT also when an address is
 * not IPv6.
 */
l4_ssize l4_icmp6_write(uint8_t *dst, size_t cap, const l4_icmp_msg *m, const l4_addr *src,
                        const l4_addr *daddr);

#endif
