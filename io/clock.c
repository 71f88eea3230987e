/* io/clock.c — monotonic and CPU clocks (see clock.h). */
#include "io/clock.h"

#include <time.h>

static l4_time clock_read(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (l4_time)ts.tv_sec * L4_S + (l4_time)ts.tv_nsec;
}

l4_time l4_io_now(void)
{
    return clock_read(CLOCK_MONOTONIC);
}

l4_time l4_io_cpu_time(void)
{
    return clock_read(CLOCK_PROCESS_CPUTIME_ID);
}
