/*
 * wire/addr.c — IPv4/IPv6 addresses: construction, comparison, and text
 * conversion (dotted quad, RFC 4291 §2.2 text forms, RFC 5952 output).
 */
#include "wire/addr.h"

#include <string.h>

#include "util/err.h"
#include "util/hex.h"

l4_addr l4_addr_v4(const uint8_t b[4])
{
    l4_addr a;
    memset(&a, 0, sizeof a);
    a.family = L4_AF_INET4;
    memcpy(a.bytes, b, 4);
    return a;
}

l4_addr l4_addr_v6(const uint8_t b[16])
{
    l4_addr a;
    a.family = L4_AF_INET6;
    memcpy(a.bytes, b, 16);
    return a;
}

size_t l4_addr_len(const l4_addr *a)
{
    switch (a->family) {
    case L4_AF_INET4:
        return 4;
    case L4_AF_INET6:
        return 16;
    default:
        return 0;
    }
}

int l4_addr_eq(const l4_addr *a, const l4_addr *b)
{
    size_t n = l4_addr_len(a);
    return a->family == b->family && n > 0 && memcmp(a->bytes, b->bytes, n) == 0;
}

/*
 * Strict dotted quad: exactly four decimal parts 0..255, no leading zeros
 * (they would be read as octal by inet_aton), nothing else. Parses up to
 * `end` (exclusive).
 */
static int addr_parse_v4(uint8_t out[4], const char *s, const char *end)
{
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (s >= end || *s != '.')
                return L4_ERR_MALFORMED;
            s++;
        }
        unsigned v = 0;
        int digits = 0;
        while (s < end && *s >= '0' && *s <= '9') {
            if (digits > 0 && v == 0)
                return L4_ERR_MALFORMED; /* leading zero */
            v = v * 10 + (unsigned)(*s - '0');
            if (v > 255)
                return L4_ERR_MALFORMED;
            digits++;
            s++;
        }
        if (digits == 0)
            return L4_ERR_MALFORMED;
        out[part] = (uint8_t)v;
    }
    return s == end ? 0 : L4_ERR_MALFORMED;
}

/*
 * RFC 4291 §2.2: eight groups of 1..4 hex digits; one "::" stands for one or
 * more zero groups; the last 32 bits may be written as a dotted quad.
 */
static int addr_parse_v6(uint8_t out[16], const char *s)
{
    uint8_t b[16];
    int n = 0;    /* bytes filled */
    int gap = -1; /* byte index where "::" sits */
    const char *end = s + strlen(s);

    if (s[0] == ':') {
        if (s[1] != ':')
            return L4_ERR_MALFORMED;
        gap = 0;
        s += 2;
        if (s == end) {
            memset(out, 0, 16);
            return 0;
        }
    }
    for (;;) {
        /* One group: hex digits, or a dotted quad when a '.' follows. */
        const char *g = s;
        unsigned v = 0;
        int digits = 0;
        while (s < end && l4_hex_digit(*s) >= 0) {
            if (digits == 4)
                return L4_ERR_MALFORMED;
            v = v << 4 | (unsigned)l4_hex_digit(*s);
            digits++;
            s++;
        }
        if (s < end && *s == '.') {
            if (n > 12)
                return L4_ERR_MALFORMED;
            if (addr_parse_v4(b + n, g, end) != 0)
                return L4_ERR_MALFORMED;
            n += 4;
            s = end;
            break;
        }
        if (digits == 0 || n > 14)
            return L4_ERR_MALFORMED;
        b[n++] = (uint8_t)(v >> 8);
        b[n++] = (uint8_t)v;
        if (s == end)
            break;
        if (*s != ':')
            return L4_ERR_MALFORMED;
        s++;
        if (s < end && *s == ':') {
            if (gap >= 0)
                return L4_ERR_MALFORMED; /* a second "::" */
            gap = n;
            s++;
            if (s == end)
                break;
        } else if (s == end) {
            return L4_ERR_MALFORMED; /* trailing single ':' */
        }
    }
    if (gap < 0) {
        if (n != 16)
            return L4_ERR_MALFORMED;
        memcpy(out, b, 16);
        return 0;
    }
    if (n > 14) /* "::" must stand for at least one group */
        return L4_ERR_MALFORMED;
    memset(out, 0, 16);
    memcpy(out, b, (size_t)gap);
    memcpy(out + 16 - (n - gap), b + gap, (size_t)(n - gap));
    return 0;
}

int l4_addr_parse(l4_addr *out, const char *text)
{
    uint8_t b[16];
    if (!text || !*text)
        return L4_ERR_MALFORMED;
    if (strchr(text, ':')) {
        if (addr_parse_v6(b, text) != 0)
            return L4_ERR_MALFORMED;
        *out = l4_addr_v6(b);
        return 0;
    }
    if (addr_parse_v4(b, text, text + strlen(text)) != 0)
        return L4_ERR_MALFORMED;
    *out = l4_addr_v4(b);
    return 0;
}

static char *addr_put_dec(char *p, unsigned v)
{
    if (v >= 100)
        *p++ = (char)('0' + v / 100);
    if (v >= 10)
        *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

static char *addr_fmt_v4(char *p, const uint8_t *b)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = '.';
        p = addr_put_dec(p, b[i]);
    }
    return p;
}

static char *addr_fmt_v6(char *p, const uint8_t *b)
{
    static const char hex[] = "0123456789abcdef";
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);

    /* RFC 5952 §4.2: compress the longest run of two or more zero groups,
     * the first one when runs tie (§4.2.3); never a single group (§4.2.2). */
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    /* RFC 5952 §5: IPv4-mapped addresses end in a dotted quad. */
    int mapped = best == 0 && best_len == 5 && g[5] == 0xffff;
    int last = mapped ? 6 : 8;

    for (int i = 0; i < last; i++) {
        if (i == best) {
            *p++ = ':';
            *p++ = ':';
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            *p++ = ':';
        int started = 0;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned d = (unsigned)(g[i] >> sh) & 0xf;
            if (d || started || sh == 0) {
                *p++ = hex[d];
                started = 1;
            }
        }
    }
    if (mapped) {
        *p++ = ':';
        p = addr_fmt_v4(p, b + 12);
    }
    return p;
}

int l4_addr_format(const l4_addr *a, char *buf, size_t cap)
{
    char tmp[48];
    char *end;
    if (a->family == L4_AF_INET4)
        end = addr_fmt_v4(tmp, a->bytes);
    else if (a->family == L4_AF_INET6)
        end = addr_fmt_v6(tmp, a->bytes);
    else {
        if (cap > 0)
            buf[0] = '\0';
        return L4_ERR_INVALID_ARGUMENT;
    }
    size_t n = (size_t)(end - tmp);
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
