/*
 * util/time.h — time in l4kit.
 *
 * Time is a uint64_t count of nanoseconds on a monotonic clock whose origin
 * the caller chooses (virtual time starts at 0 in the emulator; io/ uses
 * CLOCK_MONOTONIC). The core never reads a clock: every engine call takes
 * `now`. L4_TIME_NONE means "no deadline".
 */
#ifndef L4_UTIL_TIME_H
#define L4_UTIL_TIME_H

#include <stdint.h>

typedef uint64_t l4_time;

#define L4_TIME_NONE UINT64_MAX
#define L4_NS        ((l4_time)1)
#define L4_US        ((l4_time)1000)
#define L4_MS        ((l4_time)1000000)
#define L4_S         ((l4_time)1000000000)

/** The earlier of two deadlines (L4_TIME_NONE is later than any time). */
static inline l4_time l4_time_min(l4_time a, l4_time b)
{
    return a < b ? a : b;
}

#endif
