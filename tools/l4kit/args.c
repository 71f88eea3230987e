/* tools/l4kit/args.c — the shared pieces of the argument loops (see args.h). */
#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int args_help(const char *a, const char *usage, const char *opts_help)
{
    if (strcmp(a, "--help") && strcmp(a, "-h"))
        return ARGS_OTHER;
    const char *mark = strstr(usage, "%s");
    if (mark) {
        fwrite(usage, 1, (size_t)(mark - usage), stdout);
        fputs(opts_help, stdout);
        usage = mark + 2;
    }
    fputs(usage, stdout);
    return 0;
}

const char *args_value(const char *cmd, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "l4kit %s: %s needs a value\n", cmd, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int args_long(const char *text, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno || end == text || *end || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

int args_unknown(const char *cmd, const char *a)
{
    fprintf(stderr, "l4kit %s: unknown option '%s' (see --help)\n", cmd, a);
    return 2;
}

int args_positional(const char *cmd, const char *a, const char **pos, int *npos, int max,
                    const char *hint)
{
    if (a[0] == '-' && a[1])
        return args_unknown(cmd, a);
    if (*npos >= max) {
        fprintf(stderr, "l4kit %s: unexpected argument '%s'%s%s%s\n", cmd, a, hint ? " (" : "",
                hint ? hint : "", hint ? ")" : "");
        return 2;
    }
    pos[(*npos)++] = a;
    return 0;
}
