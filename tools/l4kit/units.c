/* tools/l4kit/units.c — sizes and times on the command line (see units.h). */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A non-negative decimal number at the start of `text`; *end after it. */
static int units_number(const char *text, double *v, const char **end)
{
    if (!text || !(isdigit((unsigned char)text[0]) || text[0] == '.'))
        return -1;
    char *e = NULL;
    errno = 0;
    double x = strtod(text, &e);
    if (errno || e == text || !(x >= 0) || isinf(x))
        return -1;
    /* strtod also reads exponents and hex; keep to plain decimals. */
    for (const char *p = text; p < e; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
    *v = x;
    *end = e;
    return 0;
}

int units_parse_size(const char *text, uint64_t *out)
{
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"k", 1024.0},
        {"kb", 1024.0},
        {"kib", 1024.0},
        {"m", 1048576.0},
        {"mb", 1048576.0},
        {"mib", 1048576.0},
        {"g", 1073741824.0},
        {"gb", 1073741824.0},
        {"gib", 1073741824.0},
        {"t", 1099511627776.0},
        {"tb", 1099511627776.0},
        {"tib", 1099511627776.0},
    };
    double v;
    const char *end;
    if (units_number(text, &v, &end) != 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) != 0)
            continue;
        double b = v * units[i].mult;
        if (b > 4611686018427387904.0) /* 2^62 */
            return -1;
        *out = (uint64_t)llround(b);
        return 0;
    }
    return -1;
}

int units_parse_time(const char *text, l4_time *out)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}};
    double v;
    const char *end;
    if (units_number(text, &v, &end) != 0)
        return -1;
    if (!*end) {
        if (v != 0)
            return -1;
        *out = 0;
        return 0;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) != 0)
            continue;
        double ns = v * units[i].ns;
        if (ns > 1e18) /* about 31 years */
            return -1;
        *out = (l4_time)llround(ns);
        return 0;
    }
    return -1;
}
