/* h3/path.c — request paths to file names (no traversal) and generated objects. */
#include "h3/path.h"

#include <string.h>

#include "util/hex.h"

/* 1 when the segment [s, s + n) is "." or "..". */
static int path_dot_segment(const char *s, size_t n)
{
    return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

l4_ssize l4_h3_path_file(const char *req, char *out, size_t cap)
{
    if (!req || !out || cap == 0 || req[0] != '/')
        return L4_ERR_MALFORMED;
    size_t rl = strcspn(req, "?");
    size_t o = 0;     /* bytes written to out */
    size_t seg0 = 0;  /* where the current output segment starts */
    size_t rseg0 = 1; /* where the current raw segment starts */
    for (size_t i = 1; i <= rl; i++) {
        if (i == rl || req[i] == '/') {
            size_t n = o - seg0;
            /* both the raw ("%2e%2e") and the decoded form are checked */
            if (path_dot_segment(req + rseg0, i - rseg0) || path_dot_segment(out + seg0, n))
                return L4_ERR_MALFORMED;
            if (n > 0 && i < rl) { /* a separator after a non-empty segment */
                if (o + 1 >= cap)
                    return L4_ERR_NOBUF;
                out[o++] = '/';
                seg0 = o;
            }
            rseg0 = i + 1;
            continue;
        }
        int c = (unsigned char)req[i];
        if (c == '%') {
            int hi = i + 2 < rl ? l4_hex_digit((unsigned char)req[i + 1]) : -1;
            int lo = hi >= 0 ? l4_hex_digit((unsigned char)req[i + 2]) : -1;
            if (lo < 0)
                return L4_ERR_MALFORMED;
            c = hi * 16 + lo;
            if (c == 0)
                return L4_ERR_MALFORMED;
            i += 2;
            if (c == '/') /* an encoded slash would let a segment hide "..": refuse it */
                return L4_ERR_MALFORMED;
        }
        if (o + 1 >= cap)
            return L4_ERR_NOBUF;
        out[o++] = (char)c;
    }
    if (o == 0 || out[o - 1] == '/') {
        static const char idx[] = "index.html";
        if (o + sizeof idx > cap)
            return L4_ERR_NOBUF;
        memcpy(out + o, idx, sizeof idx);
        return (l4_ssize)(o + sizeof idx - 1);
    }
    out[o] = 0;
    return (l4_ssize)o;
}

int l4_h3_path_size(const char *req, uint64_t *n)
{
    if (!req || !n || req[0] != '/')
        return L4_ERR_MALFORMED;
    const char *p = req + 1;
    uint64_t v = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (v > L4_H3_GEN_MAX) /* keeps v * 10 far from overflow */
            return L4_ERR_MALFORMED;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (digits == 0)
        return L4_ERR_MALFORMED;
    unsigned shift = 0;
    switch (*p) {
    case 'k':
    case 'K':
        shift = 10, p++;
        break;
    case 'm':
    case 'M':
        shift = 20, p++;
        break;
    case 'g':
    case 'G':
        shift = 30, p++;
        break;
    default:
        break;
    }
    if (*p != 0 && *p != '?')
        return L4_ERR_MALFORMED;
    if (v > (L4_H3_GEN_MAX >> shift))
        return L4_ERR_MALFORMED;
    *n = v << shift;
    return 0;
}

void l4_h3_gen_fill(uint8_t *dst, uint64_t off, size_t n)
{
    uint32_t j = (uint32_t)(off % L4_H3_GEN_PERIOD);
    for (size_t i = 0; i < n; i++) {
        dst[i] = (uint8_t)((j * 0x9E3779B1u) >> 24);
        if (++j == L4_H3_GEN_PERIOD)
            j = 0;
    }
}
