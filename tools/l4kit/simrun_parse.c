/* tools/l4kit/simrun_parse.c — sizes ("10M", 1024-based) and times ("100ms") for `l4kit sim`. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "simrun.h"

int simrun_parse_size(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {
        {"", 0},     {"b", 0},  {"k", 10},  {"kb", 10},  {"kib", 10}, {"m", 20},  {"mb", 20},
        {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40},   {"tb", 40}, {"tib", 40},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) != 0)
            continue;
        if (units[i].shift && v > (UINT64_MAX >> units[i].shift))
            return -1;
        *out = (uint64_t)v << units[i].shift;
        return 0;
    }
    return -1;
}

int simrun_parse_time(const char *s, l4_time *out)
{
    if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v >= 0))
        return -1;
    double mult;
    if (!strcmp(end, "ns"))
        mult = 1;
    else if (!strcmp(end, "us"))
        mult = 1e3;
    else if (!strcmp(end, "ms"))
        mult = 1e6;
    else if (!strcmp(end, "s"))
        mult = 1e9;
    else if (!*end && v == 0)
        mult = 0;
    else
        return -1;
    double ns = v * mult;
    if (ns > 1e18) /* ~31 years of virtual time */
        return -1;
    *out = (l4_time)llround(ns);
    return 0;
}
