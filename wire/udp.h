/*
 * wire/udp.h — the UDP header (RFC 768; over IPv6, RFC 8200 §8.1).
 */
#ifndef L4_WIRE_UDP_H
#define L4_WIRE_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/addr.h"

#define L4_UDP_HDR 8

/** A parsed UDP datagram. `payload` borrows the parsed buffer. */
typedef struct l4_udp_hdr {
    uint16_t sport;
    uint16_t dport;
    uint16_t len;   /* header + payload, as in the length field */
    uint16_t cksum; /* 0 = none (IPv4 only) */
    const uint8_t *payload;
    size_t payload_len;
} l4_udp_hdr;

/**
 * Parses the datagram at `buf`; bytes past the length field are ignored. When
 * `src` and `dst` are given the checksum is verified: over IPv4 a zero
 * checksum means "none" and passes; over IPv6 a zero checksum is an error.
 *
 * Returns 0. Errors: L4_ERR_TRUNCATED (len < 8 or < the length field),
 * L4_ERR_MALFORMED (length field < 8), L4_ERR_CHECKSUM (wrong, or zero over
 * IPv6; `*h` is still filled in).
 */
int l4_udp_parse(l4_udp_hdr *h, const uint8_t *buf, size_t len, const l4_addr *src,
                 const l4_addr *dst);

/**
 * Writes the datagram: header from h->sport/h->dport, then h->payload_len
 * bytes of h->payload (which may already be in place at dst+8), length and
 * checksum computed over the pseudo-header of `src`/`daddr` (a computed 0 is
 * sent as 0xffff). With `src` NULL over IPv4 the checksum is left 0 (none).
 *
 * The family is known from whichever address is non-NULL: with one NULL and
 * the other IPv6, or payload NULL with a nonzero payload_len, the call fails.
 *
 * Returns the datagram length. Errors: L4_ERR_NOBUF, L4_ERR_INVALID_ARGUMENT
 * (datagram over 65535 bytes, or NULL addresses over IPv6).
 */
l4_ssize l4_udp_write(uint8_t *dst, size_t cap, const l4_udp_hdr *h, const l4_addr *src,
                      const l4_addr *daddr);

#endif
