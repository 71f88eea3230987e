/* tests/quic/hex.h — hex strings to bytes for the RFC test vectors. */
#ifndef L4_TESTS_QUIC_HEX_H
#define L4_TESTS_QUIC_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Decodes the hex digits of `s` (spaces ignored) into `out`; returns the byte
 * count, or aborts on a bad digit or an overflow of `cap` (a broken vector). */
static inline size_t hex_decode(uint8_t *out, size_t cap, const char *s)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else if (*s == ' ' || *s == '\n')
            continue;
        else
            abort();
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap)
            abort();
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    if (hi >= 0)
        abort();
    return n;
}

#endif
