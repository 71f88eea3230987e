/*
 * fuzz/fuzz_link_spec.c — the emulator's link-spec parser on arbitrary text.
 *
 * Invariants: the parser never crashes and always NUL-terminates its error
 * message; a spec it accepts formats to canonical text that parses back to
 * the same spec, and formatting that again gives the same text, which
 * always fits L4_LINK_SPEC_TEXT_MAX bytes (drop-at / blackout / delay-at lists included).
 */
#include <stdlib.h>

#include "fuzz.h"
#include "sim/link_spec.h"

static int spec_eq(const l4_link_spec *a, const l4_link_spec *b)
{
    return a->rate_bps == b->rate_bps && a->delay == b->delay && a->jitter == b->jitter &&
           a->loss == b->loss && a->loss_burst == b->loss_burst && a->reorder == b->reorder &&
           a->duplicate == b->duplicate && a->corrupt == b->corrupt &&
           a->queue_pkts == b->queue_pkts && a->queue_bytes == b->queue_bytes &&
           a->ecn_threshold == b->ecn_threshold && a->n_drop_at == b->n_drop_at &&
           a->n_blackout == b->n_blackout &&
           memcmp(a->drop_at, b->drop_at, a->n_drop_at * sizeof a->drop_at[0]) == 0 &&
           memcmp(a->blackout, b->blackout, a->n_blackout * sizeof a->blackout[0]) == 0 &&
           a->n_delay_at == b->n_delay_at &&
           memcmp(a->delay_at, b->delay_at, a->n_delay_at * sizeof a->delay_at[0]) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;

    l4_link_spec s;
    char err[128];
    memset(err, 'x', sizeof err);
    int rc = l4_link_spec_parse(&s, text, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == L4_ERR_MALFORMED);
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(err[0] != '\0');
        free(text);
        return 0;
    }

    char canon[L4_LINK_SPEC_TEXT_MAX], again[L4_LINK_SPEC_TEXT_MAX];
    int n = l4_link_spec_format(&s, canon, sizeof canon);
    FUZZ_CHECK(n >= 0 && (size_t)n < sizeof canon);
    l4_link_spec t;
    /* Formatting rounds values to the units it prints; the canonical text
     * must be a fixed point: parse(format(s)) formats to the same text. */
    FUZZ_CHECK(l4_link_spec_parse(&t, canon, err, sizeof err) == 0);
    int m = l4_link_spec_format(&t, again, sizeof again);
    FUZZ_CHECK(m == n && memcmp(canon, again, (size_t)n) == 0);
    l4_link_spec u;
    FUZZ_CHECK(l4_link_spec_parse(&u, again, err, sizeof err) == 0);
    FUZZ_CHECK(spec_eq(&t, &u));
    free(text);
    return 0;
}
