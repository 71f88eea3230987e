/*
 * sim/link_spec.h — the netem-like description of one direction of an
 * emulated link, and its text form.
 *
 * Text form: space-separated "key value" pairs, any order, each key at most
 * once, e.g.
 *   "rate 100mbit delay 50ms jitter 5ms loss 1% loss-burst 3 reorder 1%
 *    duplicate 0.1% corrupt 0.1% queue 100 ecn-threshold 20"
 * Keys and units:
 *   rate           N{bit,kbit,mbit,gbit} (1000-based, case-insensitive);
 *                  0 or absent = unlimited. Fractions allowed: "1.5mbit".
 *   delay, jitter  N{ns,us,ms,s}; a bare 0 is accepted. Fractions allowed.
 *   loss, reorder, duplicate, corrupt
 *                  percent, "1%" or "1" both mean 1 %, range 0..100;
 *                  kept to a resolution of 1e-12 (as a probability).
 *   loss-burst     mean loss burst length in packets, >= 1 (turns random loss
 *                  into Gilbert-Elliott with the same average loss rate).
 *   queue          packets as a plain integer (>= 1), or bytes with a suffix
 *                  b, kb, mb (1000-based): "queue 64kb". Default 1000 packets.
 *   ecn-threshold  packets (>= 0); absent = no ECN marking.
 *   drop-at        T[,T...]: drop the first packet offered at or after each
 *                  virtual time T (N{ns,us,ms,s}, a bare 0 allowed), e.g.
 *                  "drop-at 2s,5.5s"; up to L4_LINK_MAX_TIMED times, any
 *                  order (kept sorted). A time listed twice drops two packets.
 *   blackout       T+D[,T+D...]: drop every packet offered in [T, T+D), e.g.
 *                  "blackout 3s+1.5s"; D > 0; up to L4_LINK_MAX_TIMED.
 *   delay-at       T=D[,T=D...]: from virtual time T on, the propagation
 *                  delay is D instead of `delay` (a route change, a delay
 *                  spike: "delay-at 2s=300ms,3s=10ms"), any order (kept
 *                  sorted); up to L4_LINK_MAX_TIMED.
 * The semantics of each impairment are in sim/link.h.
 */
#ifndef L4_SIM_LINK_SPEC_H
#define L4_SIM_LINK_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/time.h"

/** Default queue limit in packets when the spec names none. */
#define L4_LINK_QUEUE_DEFAULT 1000u
/** ecn_threshold value meaning "no ECN marking". */
#define L4_LINK_ECN_OFF UINT32_MAX

/** A buffer of this many bytes always holds the canonical text of a spec. */
#define L4_LINK_SPEC_TEXT_MAX 2560u

/** Most drop-at times, and most blackouts, one spec holds. */
#define L4_LINK_MAX_TIMED 16u

/** A period in which the link drops everything: [start, start + len). */
typedef struct l4_link_blackout {
    l4_time start;
    l4_time len; /* > 0 */
} l4_link_blackout;

/** From `at` on, the propagation delay is `delay`. */
typedef struct l4_link_delay_step {
    l4_time at;
    l4_time delay;
} l4_link_delay_step;

/** One direction of a link. Probabilities are fractions in [0, 1]. */
typedef struct l4_link_spec {
    uint64_t rate_bps;      /* bits per second; 0 = unlimited */
    l4_time delay;          /* one-way propagation delay, ns */
    l4_time jitter;         /* standard deviation of the delay, ns */
    double loss;            /* average loss probability */
    double loss_burst;      /* mean burst length in packets; 0 = independent losses */
    double reorder;         /* probability a packet skips the delay */
    double duplicate;       /* probability of an extra copy */
    double corrupt;         /* probability of one flipped bit */
    uint32_t queue_pkts;    /* drop-tail limit in packets; 0 when limited by bytes */
    uint64_t queue_bytes;   /* drop-tail limit in bytes; 0 when limited by packets */
    uint32_t ecn_threshold; /* CE-mark above this many queued packets; L4_LINK_ECN_OFF */
    uint32_t n_drop_at;     /* entries of drop_at used */
    uint32_t n_blackout;    /* entries of blackout used */
    l4_time drop_at[L4_LINK_MAX_TIMED];             /* ascending virtual times */
    l4_link_blackout blackout[L4_LINK_MAX_TIMED];   /* ascending by start */
    uint32_t n_delay_at;                            /* entries of delay_at used */
    l4_link_delay_step delay_at[L4_LINK_MAX_TIMED]; /* ascending by time */
} l4_link_spec;

/** The propagation delay of `s` for a packet offered at `now` (delay-at). */
l4_time l4_link_spec_delay_at(const l4_link_spec *s, l4_time now);

/**
 * Fills `*s` with the ideal link: unlimited rate, no delay, no impairment,
 * a queue of L4_LINK_QUEUE_DEFAULT packets, no ECN marking.
 */
void l4_link_spec_default(l4_link_spec *s);

/**
 * Parses `text` (see the grammar above) into `*s`; keys not named keep the
 * defaults of l4_link_spec_default. An empty or all-blank text is the ideal
 * link. On failure writes a one-line, NUL-terminated message naming the bad
 * token and why into `err` (`errcap` bytes; err may be NULL when errcap is
 * 0), e.g. "unknown key 'los'", "bad rate '10mbps' (use bit, kbit, mbit,
 * gbit)", "missing value for 'delay'", "loss '120%' out of range 0-100%",
 * "duplicate key 'loss'", "too many drop-at times (at most 16)"; `*s` is
 * then unspecified.
 * Returns 0, or L4_ERR_MALFORMED; L4_ERR_INVALID_ARGUMENT when s or text is NULL.
 */
int l4_link_spec_parse(l4_link_spec *s, const char *text, char *err, size_t errcap);

/**
 * Writes the canonical text of `*s` into `buf` (`cap` bytes, NUL-terminated
 * when cap > 0): the keys in the order of the grammar above, only those that
 * differ from the default, each value in the largest unit that represents it
 * exactly ("rate 100mbit delay 50ms loss 1%"). The ideal link formats as "".
 * Parsing the result gives back the same spec (percentages to 1e-9).
 * Returns the text length, or L4_ERR_NOBUF when it did not fit.
 */
int l4_link_spec_format(const l4_link_spec *s, char *buf, size_t cap);

#endif
