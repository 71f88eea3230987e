/*
 * cc/pacer.h — a token-bucket pacer shared by the transports.
 *
 * Tokens (bytes) accrue at the pacing rate up to `burst` bytes; a packet may
 * leave while the bucket is positive and then takes its size out (the bucket
 * may go negative by one packet). So a paced sender emits at most
 * burst + one packet back to back, then one packet per size/rate. A rate of
 * 0 means "not paced": everything may leave at once. No clock is read: the
 * caller passes `now`.
 */
#ifndef L4_CC_PACER_H
#define L4_CC_PACER_H

#include <stdint.h>

#include "util/time.h"

typedef struct l4_pacer {
    double tokens;  /* bytes (fractions kept: frequent polls must not lose credit) */
    uint64_t burst; /* most tokens the bucket holds */
    l4_time last;   /* time of the last refill */
} l4_pacer;

/**
 * The send quantum for `rate` bytes/s and `mss`-byte packets: the bytes a
 * paced sender may emit back to back (draft-cardwell-iccrg-bbr-congestion-
 * control, BBR.send_quantum; Linux's TSO autosizing): what the rate sends in
 * 1 ms, at most 64 KiB (one GSO/TSO batch), at least 2 packets (1 below
 * 1.2 Mbit/s). So a fast paced sender wakes once per batch rather than once
 * per packet (a system call and a timer per 3 packets cap a 1 Gbit/s path).
 */
uint64_t l4_pacer_quantum(uint64_t rate, uint32_t mss);

/** Starts a full bucket of `burst` bytes at `now`. */
void l4_pacer_init(l4_pacer *p, uint64_t burst, l4_time now);

/** The earliest time >= now at which a packet may leave at `rate` bytes/s. */
l4_time l4_pacer_next(l4_pacer *p, uint64_t rate, l4_time now);

/** Takes `bytes` out of the bucket for a packet sent at `now`. */
void l4_pacer_sent(l4_pacer *p, uint64_t bytes, uint64_t rate, l4_time now);

#endif
