/* sim/link_spec.c — parse and format the netem-like link spec; see link_spec.h. */
#include "sim/link_spec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

void l4_link_spec_default(l4_link_spec *s)
{
    memset(s, 0, sizeof *s);
    s->queue_pkts = L4_LINK_QUEUE_DEFAULT;
    s->ecn_threshold = L4_LINK_ECN_OFF;
}

/* A token of the text: not NUL-terminated. */
typedef struct spec_tok {
    const char *p;
    size_t n;
} spec_tok;

#if defined(__GNUC__) || defined(__clang__)
#define SPEC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SPEC_PRINTF(f, a)
#endif

SPEC_PRINTF(3, 4) static int spec_fail(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return L4_ERR_MALFORMED;
}

static int spec_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static spec_tok spec_next(const char **cur)
{
    const char *p = *cur;
    while (*p && spec_is_space(*p))
        p++;
    const char *start = p;
    while (*p && !spec_is_space(*p))
        p++;
    *cur = p;
    spec_tok t = {start, (size_t)(p - start)};
    return t;
}

static int spec_tok_is(spec_tok t, const char *word)
{
    size_t n = strlen(word);
    if (t.n != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/*
 * Reads an unsigned decimal number ("12", "1.5", ".5") at the start of `t`
 * into *v and leaves the rest (the unit) in *unit. Returns 0, or -1 when the
 * token does not start with a number. Locale-independent on purpose.
 */
static int spec_number(spec_tok t, double *v, spec_tok *unit)
{
    /* Digits go into an integer mantissa and the value is mantissa / 10^frac:
     * one correctly rounded division, so the same text always gives the same
     * double and the formatter's output reads back exactly. Digits past the
     * 18th significant one are ignored. */
    size_t i = 0;
    uint64_t mant = 0;
    int digits = 0, sig = 0, frac = 0, scale_up = 0;
    while (i < t.n && t.p[i] >= '0' && t.p[i] <= '9') {
        if (sig < 18) {
            mant = mant * 10u + (uint64_t)(t.p[i] - '0');
            sig += mant != 0;
        } else {
            scale_up++;
        }
        i++;
        digits++;
    }
    if (i < t.n && t.p[i] == '.') {
        i++;
        while (i < t.n && t.p[i] >= '0' && t.p[i] <= '9') {
            if (sig < 18) {
                mant = mant * 10u + (uint64_t)(t.p[i] - '0');
                sig += mant != 0;
                frac++;
            }
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return -1;
    double x = (double)mant;
    if (frac > 0)
        x /= pow(10.0, frac);
    if (scale_up > 0)
        x *= pow(10.0, scale_up);
    *v = x;
    unit->p = t.p + i;
    unit->n = t.n - i;
    return 0;
}

typedef struct spec_unit {
    const char *name;
    double mult;
} spec_unit;

static const spec_unit SPEC_RATE_UNITS[] = {
    {"bit", 1.0}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {NULL, 0}};
static const spec_unit SPEC_TIME_UNITS[] = {
    {"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {NULL, 0}};
static const spec_unit SPEC_SIZE_UNITS[] = {{"b", 1.0}, {"kb", 1e3}, {"mb", 1e6}, {NULL, 0}};

/* Number followed by one of `units`; a bare 0 is allowed when zero_ok. */
static int spec_with_unit(spec_tok t, const spec_unit *units, int zero_ok, double *out)
{
    double v;
    spec_tok unit;
    if (spec_number(t, &v, &unit) < 0)
        return -1;
    if (unit.n == 0) {
        if (zero_ok && v == 0.0) {
            *out = 0.0;
            return 0;
        }
        return -1;
    }
    for (const spec_unit *u = units; u->name; u++) {
        if (spec_tok_is(unit, u->name)) {
            *out = v * u->mult;
            return 0;
        }
    }
    return -1;
}

/* Keys, in canonical order; a bit per key catches repeats. */
enum {
    SPEC_RATE,
    SPEC_DELAY,
    SPEC_JITTER,
    SPEC_LOSS,
    SPEC_LOSS_BURST,
    SPEC_REORDER,
    SPEC_DUPLICATE,
    SPEC_CORRUPT,
    SPEC_QUEUE,
    SPEC_ECN,
    SPEC_DROP_AT,
    SPEC_BLACKOUT,
    SPEC_DELAY_AT,
    SPEC_NKEYS
};
static const char *const SPEC_KEYS[SPEC_NKEYS] = {
    "rate",    "delay", "jitter",        "loss",    "loss-burst", "reorder", "duplicate",
    "corrupt", "queue", "ecn-threshold", "drop-at", "blackout",   "delay-at"};

/* Times of drop-at / blackout: like delay (ns..s, bare 0), at most 1e15 ns. */
static int spec_time(spec_tok t, l4_time *out)
{
    double v;
    if (spec_with_unit(t, SPEC_TIME_UNITS, 1, &v) < 0 || v > 1e15)
        return -1;
    *out = (l4_time)llround(v);
    return 0;
}

/* The next comma-separated item of `*list` (advances it past the comma). */
static spec_tok spec_item(spec_tok *list)
{
    size_t i = 0;
    while (i < list->n && list->p[i] != ',')
        i++;
    spec_tok item = {list->p, i};
    size_t skip = i < list->n ? i + 1 : i;
    list->p += skip;
    list->n -= skip;
    return item;
}

/* "T[,T...]" into s->drop_at, sorted. */
static int spec_drop_at(l4_link_spec *s, spec_tok val, char *err, size_t errcap)
{
    spec_tok rest = val;
    s->n_drop_at = 0;
    while (rest.n > 0 || s->n_drop_at == 0) {
        spec_tok it = spec_item(&rest);
        l4_time t;
        if (it.n == 0 || spec_time(it, &t) < 0)
            return spec_fail(err, errcap,
                             "bad drop-at '%.*s' (times with ns, us, ms, s, comma-separated, "
                             "e.g. 2s,5500ms)",
                             (int)val.n, val.p);
        if (s->n_drop_at == L4_LINK_MAX_TIMED)
            return spec_fail(err, errcap, "too many drop-at times (at most %u)", L4_LINK_MAX_TIMED);
        uint32_t k = s->n_drop_at++;
        while (k > 0 && s->drop_at[k - 1] > t) {
            s->drop_at[k] = s->drop_at[k - 1];
            k--;
        }
        s->drop_at[k] = t;
        if (rest.n == 0 && it.p + it.n < val.p + val.n) /* a trailing comma */
            return spec_fail(err, errcap, "bad drop-at '%.*s' (trailing comma)", (int)val.n, val.p);
    }
    return 0;
}

/* "T=D[,T=D...]" into s->delay_at, sorted by time. */
static int spec_delay_at(l4_link_spec *s, spec_tok val, char *err, size_t errcap)
{
    spec_tok rest = val;
    s->n_delay_at = 0;
    while (rest.n > 0 || s->n_delay_at == 0) {
        spec_tok it = spec_item(&rest);
        size_t eq = 0;
        while (eq < it.n && it.p[eq] != '=')
            eq++;
        spec_tok a = {it.p, eq}, b = {it.p + eq + 1, eq < it.n ? it.n - eq - 1 : 0};
        l4_link_delay_step st;
        if (eq == it.n || spec_time(a, &st.at) < 0 || spec_time(b, &st.delay) < 0)
            return spec_fail(err, errcap,
                             "bad delay-at '%.*s' (TIME=DELAY, comma-separated, e.g. "
                             "2s=300ms,3s=10ms)",
                             (int)val.n, val.p);
        if (s->n_delay_at == L4_LINK_MAX_TIMED)
            return spec_fail(err, errcap, "too many delay-at steps (at most %u)",
                             L4_LINK_MAX_TIMED);
        uint32_t k = s->n_delay_at++;
        while (k > 0 && s->delay_at[k - 1].at > st.at) {
            s->delay_at[k] = s->delay_at[k - 1];
            k--;
        }
        s->delay_at[k] = st;
        if (rest.n == 0 && it.p + it.n < val.p + val.n)
            return spec_fail(err, errcap, "bad delay-at '%.*s' (trailing comma)", (int)val.n,
                             val.p);
    }
    return 0;
}

l4_time l4_link_spec_delay_at(const l4_link_spec *s, l4_time now)
{
    l4_time d = s->delay;
    for (uint32_t i = 0; i < s->n_delay_at && i < L4_LINK_MAX_TIMED && s->delay_at[i].at <= now;
         i++)
        d = s->delay_at[i].delay;
    return d;
}

/* "T+D[,T+D...]" into s->blackout, sorted by start. */
static int spec_blackout(l4_link_spec *s, spec_tok val, char *err, size_t errcap)
{
    spec_tok rest = val;
    s->n_blackout = 0;
    while (rest.n > 0 || s->n_blackout == 0) {
        spec_tok it = spec_item(&rest);
        size_t plus = 0;
        while (plus < it.n && it.p[plus] != '+')
            plus++;
        spec_tok a = {it.p, plus}, b = {it.p + plus + 1, plus < it.n ? it.n - plus - 1 : 0};
        l4_link_blackout bo;
        if (plus == it.n || spec_time(a, &bo.start) < 0 || spec_time(b, &bo.len) < 0 || bo.len == 0)
            return spec_fail(err, errcap,
                             "bad blackout '%.*s' (START+LENGTH, LENGTH > 0, comma-separated, "
                             "e.g. 3s+1500ms)",
                             (int)val.n, val.p);
        if (s->n_blackout == L4_LINK_MAX_TIMED)
            return spec_fail(err, errcap, "too many blackouts (at most %u)", L4_LINK_MAX_TIMED);
        uint32_t k = s->n_blackout++;
        while (k > 0 &&
               (s->blackout[k - 1].start > bo.start ||
                (s->blackout[k - 1].start == bo.start && s->blackout[k - 1].len > bo.len))) {
            s->blackout[k] = s->blackout[k - 1];
            k--;
        }
        s->blackout[k] = bo;
        if (rest.n == 0 && it.p + it.n < val.p + val.n)
            return spec_fail(err, errcap, "bad blackout '%.*s' (trailing comma)", (int)val.n,
                             val.p);
    }
    return 0;
}

static int spec_percent(spec_tok key, spec_tok val, double *out, char *err, size_t errcap)
{
    double v;
    spec_tok unit;
    if (spec_number(val, &v, &unit) < 0 || !(unit.n == 0 || (unit.n == 1 && unit.p[0] == '%')))
        return spec_fail(err, errcap, "bad %.*s '%.*s' (use a percentage such as 1%%)", (int)key.n,
                         key.p, (int)val.n, val.p);
    if (v > 100.0)
        return spec_fail(err, errcap, "%.*s '%.*s' out of range 0-100%%", (int)key.n, key.p,
                         (int)val.n, val.p);
    /* Probabilities keep a resolution of 1e-12 so the canonical text (plain
     * decimals, see spec_put_dec) always parses back to the same value. */
    *out = round(v / 100.0 * 1e12) / 1e12;
    return 0;
}

static int spec_set(l4_link_spec *s, int k, spec_tok key, spec_tok val, char *err, size_t errcap)
{
    double v;
    spec_tok unit;
    switch (k) {
    case SPEC_RATE:
        if (spec_with_unit(val, SPEC_RATE_UNITS, 1, &v) < 0)
            return spec_fail(err, errcap, "bad rate '%.*s' (use bit, kbit, mbit, gbit)", (int)val.n,
                             val.p);
        if (v >= 1e15 || (v > 0.0 && v < 1.0))
            return spec_fail(err, errcap, "rate '%.*s' out of range 1bit-1000000gbit", (int)val.n,
                             val.p);
        s->rate_bps = (uint64_t)llround(v);
        return 0;
    case SPEC_DELAY:
    case SPEC_JITTER:
        if (spec_with_unit(val, SPEC_TIME_UNITS, 1, &v) < 0)
            return spec_fail(err, errcap, "bad %s '%.*s' (use ns, us, ms, s)", SPEC_KEYS[k],
                             (int)val.n, val.p);
        if (v > 1e15) /* 11.5 days: surely a typo, and keeps sums far from overflow */
            return spec_fail(err, errcap, "%s '%.*s' out of range (at most 1000000s)", SPEC_KEYS[k],
                             (int)val.n, val.p);
        if (k == SPEC_DELAY)
            s->delay = (l4_time)llround(v);
        else
            s->jitter = (l4_time)llround(v);
        return 0;
    case SPEC_LOSS:
        return spec_percent(key, val, &s->loss, err, errcap);
    case SPEC_REORDER:
        return spec_percent(key, val, &s->reorder, err, errcap);
    case SPEC_DUPLICATE:
        return spec_percent(key, val, &s->duplicate, err, errcap);
    case SPEC_CORRUPT:
        return spec_percent(key, val, &s->corrupt, err, errcap);
    case SPEC_LOSS_BURST:
        if (spec_number(val, &v, &unit) < 0 || unit.n != 0 || v < 1.0 || v > 1e9)
            return spec_fail(err, errcap,
                             "bad loss-burst '%.*s' (mean burst length in packets, >= 1)",
                             (int)val.n, val.p);
        s->loss_burst = round(v * 1e6) / 1e6; /* resolution 1e-6, like its text form */
        return 0;
    case SPEC_QUEUE:
        if (spec_number(val, &v, &unit) == 0 && unit.n == 0) {
            if (v < 1.0 || v != floor(v) || v > 1e9)
                return spec_fail(err, errcap, "bad queue '%.*s' (whole packets, 1 or more)",
                                 (int)val.n, val.p);
            s->queue_pkts = (uint32_t)v;
            s->queue_bytes = 0;
            return 0;
        }
        if (spec_with_unit(val, SPEC_SIZE_UNITS, 0, &v) < 0 || v < 1.0 || v > 1e15)
            return spec_fail(err, errcap,
                             "bad queue '%.*s' (packets, or bytes with b, kb, mb, e.g. 64kb)",
                             (int)val.n, val.p);
        s->queue_bytes = (uint64_t)llround(v);
        s->queue_pkts = 0;
        return 0;
    case SPEC_ECN:
        if (spec_number(val, &v, &unit) < 0 || unit.n != 0 || v != floor(v) || v >= 4e9)
            return spec_fail(err, errcap, "bad ecn-threshold '%.*s' (whole packets)", (int)val.n,
                             val.p);
        s->ecn_threshold = (uint32_t)v;
        return 0;
    case SPEC_DROP_AT:
        return spec_drop_at(s, val, err, errcap);
    case SPEC_BLACKOUT:
        return spec_blackout(s, val, err, errcap);
    case SPEC_DELAY_AT:
        return spec_delay_at(s, val, err, errcap);
    default:
        return spec_fail(err, errcap, "unknown key '%.*s'", (int)key.n, key.p);
    }
}

int l4_link_spec_parse(l4_link_spec *s, const char *text, char *err, size_t errcap)
{
    if (err && errcap > 0)
        err[0] = '\0';
    if (!s || !text)
        return L4_ERR_INVALID_ARGUMENT;
    l4_link_spec_default(s);
    unsigned seen = 0;
    const char *cur = text;
    for (;;) {
        spec_tok key = spec_next(&cur);
        if (key.n == 0)
            return 0;
        int k = 0;
        while (k < SPEC_NKEYS && !spec_tok_is(key, SPEC_KEYS[k]))
            k++;
        if (k == SPEC_NKEYS)
            return spec_fail(err, errcap, "unknown key '%.*s'", (int)key.n, key.p);
        if (seen & (1u << k))
            return spec_fail(err, errcap, "duplicate key '%.*s'", (int)key.n, key.p);
        seen |= 1u << k;
        spec_tok val = spec_next(&cur);
        if (val.n == 0)
            return spec_fail(err, errcap, "missing value for '%.*s'", (int)key.n, key.p);
        int rc = spec_set(s, k, key, val, err, errcap);
        if (rc < 0)
            return rc;
    }
}

/* Appends to buf; tracks the length that would have been written. */
typedef struct spec_out {
    char *buf;
    size_t cap;
    size_t len;
} spec_out;

SPEC_PRINTF(2, 3) static void spec_put(spec_out *o, const char *fmt, ...)
{
    char tmp[L4_LINK_SPEC_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    const char *sep = o->len ? " " : "";
    size_t add = strlen(sep) + (size_t)n;
    if (o->len + add < o->cap) {
        memcpy(o->buf + o->len, sep, strlen(sep));
        memcpy(o->buf + o->len + strlen(sep), tmp, (size_t)n);
        o->buf[o->len + add] = '\0';
    }
    o->len += add;
}

/* Largest unit in `units` (ascending) that divides v exactly. */
static void spec_put_unit(spec_out *o, const char *key, uint64_t v, const spec_unit *units)
{
    const spec_unit *best = &units[0];
    for (const spec_unit *u = units; u->name; u++) {
        uint64_t m = (uint64_t)u->mult;
        if (v % m == 0)
            best = u;
    }
    spec_put(o, "%s %llu%s", key, (unsigned long long)(v / (uint64_t)best->mult), best->name);
}

/* `sep` then a time in the largest unit that divides it exactly; returns the length written. */
static size_t spec_time_text(char *buf, size_t cap, const char *sep, l4_time v)
{
    const spec_unit *best = &SPEC_TIME_UNITS[0];
    for (const spec_unit *u = SPEC_TIME_UNITS; u->name; u++)
        if (v % (uint64_t)u->mult == 0)
            best = u;
    int n = snprintf(buf, cap, "%s%llu%s", sep, (unsigned long long)(v / (uint64_t)best->mult),
                     best->name);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}

/*
 * Writes "key V<suffix>" with V in plain decimal (the parser takes no
 * exponents), with `decimals` decimals, trailing zeros dropped.
 */
static void spec_put_dec(spec_out *o, const char *key, double v, int decimals, const char *suffix)
{
    char num[64];
    int n = snprintf(num, sizeof num, "%.*f", decimals, v);
    if (n <= 0 || (size_t)n >= sizeof num)
        n = 0;
    while (n > 1 && num[n - 1] == '0')
        n--;
    if (n > 1 && num[n - 1] == '.')
        n--;
    num[n] = '\0';
    spec_put(o, "%s %s%s", key, num, suffix);
}

static void spec_put_pct(spec_out *o, const char *key, double p)
{
    if (p > 0.0)
        spec_put_dec(o, key, p * 100.0, 10, "%");
}

int l4_link_spec_format(const l4_link_spec *s, char *buf, size_t cap)
{
    spec_out o = {buf, cap, 0};
    if (buf && cap > 0)
        buf[0] = '\0';
    if (s->rate_bps)
        spec_put_unit(&o, "rate", s->rate_bps, SPEC_RATE_UNITS);
    if (s->delay)
        spec_put_unit(&o, "delay", s->delay, SPEC_TIME_UNITS);
    if (s->jitter)
        spec_put_unit(&o, "jitter", s->jitter, SPEC_TIME_UNITS);
    spec_put_pct(&o, "loss", s->loss);
    if (s->loss_burst > 0.0)
        spec_put_dec(&o, "loss-burst", s->loss_burst, 6, "");
    spec_put_pct(&o, "reorder", s->reorder);
    spec_put_pct(&o, "duplicate", s->duplicate);
    spec_put_pct(&o, "corrupt", s->corrupt);
    if (s->queue_bytes)
        spec_put_unit(&o, "queue", s->queue_bytes, SPEC_SIZE_UNITS);
    else if (s->queue_pkts != L4_LINK_QUEUE_DEFAULT)
        spec_put(&o, "queue %lu", (unsigned long)s->queue_pkts);
    if (s->ecn_threshold != L4_LINK_ECN_OFF)
        spec_put(&o, "ecn-threshold %lu", (unsigned long)s->ecn_threshold);
    if (s->n_drop_at) {
        char list[L4_LINK_MAX_TIMED * 24];
        size_t n = 0;
        for (uint32_t i = 0; i < s->n_drop_at && i < L4_LINK_MAX_TIMED; i++)
            n += spec_time_text(list + n, sizeof list - n, i ? "," : "", s->drop_at[i]);
        spec_put(&o, "drop-at %s", list);
    }
    if (s->n_blackout) {
        char list[L4_LINK_MAX_TIMED * 48];
        size_t n = 0;
        for (uint32_t i = 0; i < s->n_blackout && i < L4_LINK_MAX_TIMED; i++) {
            n += spec_time_text(list + n, sizeof list - n, i ? "," : "", s->blackout[i].start);
            n += spec_time_text(list + n, sizeof list - n, "+", s->blackout[i].len);
        }
        spec_put(&o, "blackout %s", list);
    }
    if (s->n_delay_at) {
        char list[L4_LINK_MAX_TIMED * 48];
        size_t n = 0;
        for (uint32_t i = 0; i < s->n_delay_at && i < L4_LINK_MAX_TIMED; i++) {
            n += spec_time_text(list + n, sizeof list - n, i ? "," : "", s->delay_at[i].at);
            n += spec_time_text(list + n, sizeof list - n, "=", s->delay_at[i].delay);
        }
        spec_put(&o, "delay-at %s", list);
    }
    if (o.len >= cap) {
        if (buf && cap > 0)
            buf[0] = '\0';
        return L4_ERR_NOBUF;
    }
    return (int)o.len;
}
