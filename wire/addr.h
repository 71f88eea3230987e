/*
 * wire/addr.h — an IPv4 or IPv6 address, as the wire carries it.
 */
#ifndef L4_WIRE_ADDR_H
#define L4_WIRE_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define L4_AF_INET4 4
#define L4_AF_INET6 6

/** An address: `family` is L4_AF_INET4 (bytes[0..3] used) or L4_AF_INET6. */
typedef struct l4_addr {
    uint8_t family;
    uint8_t bytes[16];
} l4_addr;

/** Makes an IPv4 address from its four bytes in network order. */
l4_addr l4_addr_v4(const uint8_t b[4]);

/** Makes an IPv6 address from its sixteen bytes in network order. */
l4_addr l4_addr_v6(const uint8_t b[16]);

/** Bytes the address occupies on the wire: 4, 16, or 0 for an unknown family. */
size_t l4_addr_len(const l4_addr *a);

/** Nonzero when both are the same family and the same bytes. */
int l4_addr_eq(const l4_addr *a, const l4_addr *b);

/**
 * Parses "10.0.0.1" or "fd00::1" into `*out`. Pure string work (no resolver).
 * Returns 0, or L4_ERR_MALFORMED when the text is neither form.
 */
int l4_addr_parse(l4_addr *out, const char *text);

/**
 * Writes the address as text ("10.0.0.1", "fd00::1" with RFC 5952 zero
 * compression) into `buf` of `cap` bytes, always NUL-terminated when cap > 0.
 * Returns the string length, or L4_ERR_NOBUF when it did not fit (47 bytes
 * always suffice), L4_ERR_INVALID_ARGUMENT for an unknown family.
 */
int l4_addr_format(const l4_addr *a, char *buf, size_t cap);

#endif
