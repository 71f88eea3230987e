/* tools/l4kit/iperf3_proto.c — iperf3 control-protocol pieces (see iperf3_proto.h). */
#include "iperf3_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct js {
    const char *p, *end;
} js;

static void js_ws(js *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

/* A string: on success (*s, *n) is its raw content (escapes left as they are). */
static int js_string(js *j, const char **s, size_t *n)
{
    if (j->p >= j->end || *j->p != '"')
        return -1;
    const char *start = ++j->p;
    while (j->p < j->end && *j->p != '"') {
        if ((unsigned char)*j->p < 0x20)
            return -1;
        if (*j->p == '\\') {
            if (++j->p >= j->end)
                return -1;
        }
        j->p++;
    }
    if (j->p >= j->end)
        return -1;
    *s = start;
    *n = (size_t)(j->p - start);
    j->p++;
    return 0;
}

static int js_lit(js *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return -1;
    j->p += n;
    return 0;
}

/* A number (RFC 8259 §6 grammar), into *v. */
static int js_number(js *j, double *v)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9')
        return -1;
    while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e' ||
                             *j->p == 'E' || *j->p == '+' || *j->p == '-'))
        j->p++;
    char buf[64];
    size_t n = (size_t)(j->p - s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *e = NULL;
    *v = strtod(buf, &e);
    return e && *e == '\0' ? 0 : -1;
}

static int js_value(js *j, int depth);

static int js_container(js *j, int depth, char close)
{
    if (depth > 32)
        return -1;
    j->p++; /* the opening bracket */
    js_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }
    for (;;) {
        js_ws(j);
        if (close == '}') {
            const char *k;
            size_t kn;
            if (js_string(j, &k, &kn))
                return -1;
            js_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return -1;
            j->p++;
            js_ws(j);
        }
        if (js_value(j, depth + 1))
            return -1;
        js_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 0;
        }
        return -1;
    }
}

static int js_value(js *j, int depth)
{
    if (j->p >= j->end)
        return -1;
    const char *s;
    size_t n;
    double d;
    switch (*j->p) {
    case '"':
        return js_string(j, &s, &n);
    case '{':
        return js_container(j, depth, '}');
    case '[':
        return js_container(j, depth, ']');
    case 't':
        return js_lit(j, "true");
    case 'f':
        return js_lit(j, "false");
    case 'n':
        return js_lit(j, "null");
    default:
        return js_number(j, &d);
    }
}

/* A flag: true / false, or a number (nonzero = set). */
static int js_flag(js *j, int *out)
{
    if (!js_lit(j, "true")) {
        *out = 1;
        return 0;
    }
    if (!js_lit(j, "false")) {
        *out = 0;
        return 0;
    }
    double d;
    if (js_number(j, &d))
        return -1;
    *out = d != 0;
    return 0;
}

/* A count: a number from 0 to 2^53. */
static int js_count(js *j, uint64_t *out)
{
    double d;
    if (js_number(j, &d) || !(d >= 0 && d <= 9007199254740992.0))
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static int key_is(const char *k, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(k, name, n) == 0;
}

int iperf3_params_parse(const char *json, size_t len, iperf3_params *p)
{
    memset(p, 0, sizeof *p);
    p->parallel = 1;
    js j = {json, json + len};
    js_ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return -1;
    j.p++;
    js_ws(&j);
    int empty = j.p < j.end && *j.p == '}';
    if (empty)
        j.p++;
    while (!empty) {
        js_ws(&j);
        const char *k;
        size_t kn;
        if (js_string(&j, &k, &kn))
            return -1;
        js_ws(&j);
        if (j.p >= j.end || *j.p != ':')
            return -1;
        j.p++;
        js_ws(&j);
        uint64_t v = 0;
        int r;
        if (key_is(k, kn, "tcp"))
            r = js_flag(&j, &p->tcp);
        else if (key_is(k, kn, "udp"))
            r = js_flag(&j, &p->udp);
        else if (key_is(k, kn, "sctp"))
            r = js_flag(&j, &p->sctp);
        else if (key_is(k, kn, "reverse"))
            r = js_flag(&j, &p->reverse);
        else if (key_is(k, kn, "bidirectional"))
            r = js_flag(&j, &p->bidir);
        else if (key_is(k, kn, "num"))
            r = js_count(&j, &p->num);
        else if (key_is(k, kn, "blockcount"))
            r = js_count(&j, &p->blockcount);
        else if (key_is(k, kn, "len"))
            r = js_count(&j, &p->len);
        else if (key_is(k, kn, "parallel") || key_is(k, kn, "time")) {
            r = js_count(&j, &v);
            if (!r && v > 1000000)
                v = 1000000;
            if (key_is(k, kn, "time"))
                p->time = (long)v;
            else
                p->parallel = (long)v;
        } else {
            r = js_value(&j, 1);
        }
        if (r)
            return -1;
        js_ws(&j);
        if (j.p < j.end && *j.p == ',') {
            j.p++;
            continue;
        }
        if (j.p < j.end && *j.p == '}') {
            j.p++;
            break;
        }
        return -1;
    }
    js_ws(&j);
    if (j.p != j.end)
        return -1;
    if (!p->tcp || p->udp || p->sctp || p->bidir || p->parallel < 1 ||
        p->parallel > IPERF3_MAX_STREAMS || (p->reverse && (p->num || p->blockcount)))
        return -2;
    return 0;
}

int iperf3_stream_id(int i)
{
    return i == 0 ? 1 : i + 2;
}

int iperf3_results_json(char *buf, size_t cap, double cpu_total, double cpu_user, double cpu_system,
                        int sender, const iperf3_stream_result *s, int n)
{
    size_t off = 0;
    int w = snprintf(buf, cap,
                     "{\"cpu_util_total\":%.6f,\"cpu_util_user\":%.6f,\"cpu_util_system\":%.6f,"
                     "\"sender_has_retransmits\":%d,\"streams\":[",
                     cpu_total, cpu_user, cpu_system, sender ? 1 : 0);
    if (w < 0 || (size_t)w >= cap)
        return -1;
    off = (size_t)w;
    for (int i = 0; i < n; i++) {
        w = snprintf(buf + off, cap - off,
                     "%s{\"id\":%d,\"bytes\":%llu,\"retransmits\":%lld,\"jitter\":0,\"errors\":0,"
                     "\"packets\":0,\"start_time\":%.6f,\"end_time\":%.6f}",
                     i ? "," : "", s[i].id, (unsigned long long)s[i].bytes,
                     (long long)s[i].retransmits, s[i].start, s[i].end);
        if (w < 0 || (size_t)w >= cap - off)
            return -1;
        off += (size_t)w;
    }
    if (cap - off < 3)
        return -1;
    memcpy(buf + off, "]}", 3);
    return (int)(off + 2);
}
