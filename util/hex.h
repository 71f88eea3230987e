/*
 * util/hex.h — the value of one hexadecimal digit, for the text parsers
 * (IPv6 groups in wire/addr.c, percent-encoded bytes in h3/path.c).
 */
#ifndef L4_UTIL_HEX_H
#define L4_UTIL_HEX_H

/** The value 0-15 of the hex digit `c` ('0'-'9', 'a'-'f', 'A'-'F'); -1 for any other character. */
static inline int l4_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
