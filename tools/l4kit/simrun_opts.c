/*
 * tools/l4kit/simrun_opts.c — the option handling `l4kit sim` and `l4kit
 * compare` share (simrun.h): defaults, link specs, congestion-control
 * names, rates and the automatic buffer size, so both commands accept the
 * same spellings and answer bad input with the same one-line reasons.
 */
#include <string.h>

#include "cc/cc.h"
#include "simrun.h"

void simrun_opts_init(simrun_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cc = "reno";
    o->flows = 1;
    o->streams = 1;
    o->seed = 1;
    o->payload = 1200;
    l4_link_spec_default(&o->fwd);
    l4_link_spec_default(&o->back);
}

int simrun_opts_links(simrun_opts *o, const char *link, const char *link_back, char *err,
                      size_t errcap)
{
    char e[256];
    if (l4_link_spec_parse(&o->fwd, link, e, sizeof e)) {
        snprintf(err, errcap, "--link: %s", e);
        return -1;
    }
    if (l4_link_spec_parse(&o->back, link_back ? link_back : link, e, sizeof e)) {
        snprintf(err, errcap, "--link-back: %s", e);
        return -1;
    }
    return 0;
}

static void cc_names(char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; l4_cc_name_at(i) && off < cap; i++) {
        int w = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "", l4_cc_name_at(i));
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

int simrun_cc_check(const char *name, char *err, size_t errcap)
{
    if (l4_cc_find(name))
        return 0;
    char names[256];
    cc_names(names, sizeof names);
    snprintf(err, errcap, "unknown congestion control '%s' (registered: %s)", name, names);
    return -1;
}

int simrun_cc_list(simrun_opts *o, const char *list, char *buf, size_t cap, char *err,
                   size_t errcap)
{
    size_t len = strlen(list);
    if (len >= cap) {
        snprintf(err, errcap, "--cc '%.40s...' is too long", list);
        return -1;
    }
    memcpy(buf, list, len + 1);
    char *save = NULL;
    o->nccs = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (simrun_cc_check(tok, err, errcap))
            return -1;
        if (o->nccs == SIMRUN_MAX_CC) {
            snprintf(err, errcap, "--cc names at most %d algorithms", SIMRUN_MAX_CC);
            return -1;
        }
        o->ccs[o->nccs++] = tok;
    }
    if (o->nccs == 0 || list[0] == ',' || list[len - 1] == ',' || strstr(list, ",,")) {
        snprintf(err, errcap, "--cc '%s' is not a name or a comma-separated list of names", list);
        return -1;
    }
    return 0;
}

int simrun_parse_rate(const char *text, uint64_t *bps)
{
    char spec[128];
    char e[128];
    l4_link_spec rs;
    if (!text || strlen(text) > 64 || strchr(text, ' '))
        return -1;
    snprintf(spec, sizeof spec, "rate %s", text);
    if (l4_link_spec_parse(&rs, spec, e, sizeof e) || rs.rate_bps == 0)
        return -1;
    *bps = rs.rate_bps;
    return 0;
}

uint32_t simrun_auto_bufsize(const simrun_opts *o)
{
    /* twice the bandwidth-delay product (both delays + the queue's serialization) */
    double rtt = (double)(o->fwd.delay + o->back.delay) / 1e9;
    double bdp = o->fwd.rate_bps ? (double)o->fwd.rate_bps / 8 * rtt : 0;
    double want = 2 * bdp;
    uint64_t bufsize = 256 * 1024;
    while ((double)bufsize < want && bufsize < (64u << 20))
        bufsize *= 2;
    return (uint32_t)bufsize;
}
