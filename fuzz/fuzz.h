/*
 * fuzz/fuzz.h — shared bits of the libFuzzer targets: the entry point's
 * prototype and the invariant check (a trap, so libFuzzer reports a crash
 * with the input that broke it).
 */
#ifndef L4_FUZZ_FUZZ_H
#define L4_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "wire/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* True when [p, p+n) lies inside [base, base+size). */
static inline int fuzz_within(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
    return p >= base && p <= base + size && n <= (size_t)(base + size - p);
}

/* The input as a C string: a malloc'd copy of data[0..size) followed by a NUL
 * (the caller frees it); NULL when out of memory. For the text parsers. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* A fixed pair of addresses of the family picked by `selector` (even: v4). */
static inline void fuzz_addrs(uint8_t selector, l4_addr *src, l4_addr *dst)
{
    static const uint8_t s6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t d6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    static const uint8_t s4[4] = {10, 0, 0, 1}, d4[4] = {10, 0, 0, 2};
    if (selector & 1) {
        *src = l4_addr_v6(s6);
        *dst = l4_addr_v6(d6);
    } else {
        *src = l4_addr_v4(s4);
        *dst = l4_addr_v4(d4);
    }
}

#endif
