/*
 * io/clock.h — the real-time clock, for programs that run the engines against
 * the real world. The core never calls this; it receives `now` instead.
 */
#ifndef L4_IO_CLOCK_H
#define L4_IO_CLOCK_H

#include "util/time.h"

/** Nanoseconds on CLOCK_MONOTONIC. */
l4_time l4_io_now(void);

/** Nanoseconds of CPU time this process has used (CLOCK_PROCESS_CPUTIME_ID). */
l4_time l4_io_cpu_time(void);

#endif
