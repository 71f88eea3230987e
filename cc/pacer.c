/* cc/pacer.c — token-bucket pacing; see pacer.h. */
#include "cc/pacer.h"

void l4_pacer_init(l4_pacer *p, uint64_t burst, l4_time now)
{
    p->burst = burst;
    p->tokens = (int64_t)burst;
    p->last = now;
}

static void pacer_refill(l4_pacer *p, uint64_t rate, l4_time now)
{
    if (now <= p->last)
        return;
    if (rate == 0) {
        p->tokens = (int64_t)p->burst;
    } else {
        /* rate * dt may overflow 64 bits only for dt of hours at Tbit/s:
           compute in double. */
        double add = (double)rate * (double)(now - p->last) / 1e9;
        double t = (double)p->tokens + add;
        p->tokens = t > (double)p->burst ? (int64_t)p->burst : (int64_t)t;
    }
    p->last = now;
}

l4_time l4_pacer_next(l4_pacer *p, uint64_t rate, l4_time now)
{
    pacer_refill(p, rate, now);
    if (rate == 0 || p->tokens > 0)
        return now;
    /* Time until the bucket holds one byte again. */
    double wait = ((double)-p->tokens + 1.0) * 1e9 / (double)rate;
    return now + (l4_time)wait + 1;
}

void l4_pacer_sent(l4_pacer *p, uint64_t bytes, uint64_t rate, l4_time now)
{
    pacer_refill(p, rate, now);
    if (rate == 0)
        return;
    p->tokens -= (int64_t)bytes;
}
