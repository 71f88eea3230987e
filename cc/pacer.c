/* cc/pacer.c — token-bucket pacing; see pacer.h. */
#include "cc/pacer.h"

uint64_t l4_pacer_quantum(uint64_t rate, uint32_t mss)
{
    uint64_t floor = (rate < 1200000 / 8 ? 1ull : 2ull) * mss;
    uint64_t q = rate / 1000; /* 1 ms worth */
    if (q > 65536)
        q = 65536;
    return q > floor ? q : floor;
}

void l4_pacer_init(l4_pacer *p, uint64_t burst, l4_time now)
{
    p->burst = burst;
    p->tokens = (double)burst;
    p->last = now;
}

static void pacer_refill(l4_pacer *p, uint64_t rate, l4_time now)
{
    if (now <= p->last)
        return;
    if (rate == 0) {
        p->tokens = (double)p->burst;
    } else {
        double t = p->tokens + (double)rate * (double)(now - p->last) / 1e9;
        p->tokens = t > (double)p->burst ? (double)p->burst : t;
    }
    p->last = now;
}

l4_time l4_pacer_next(l4_pacer *p, uint64_t rate, l4_time now)
{
    pacer_refill(p, rate, now);
    if (rate == 0 || p->tokens > 0)
        return now;
    /* Time until the bucket is positive again. */
    double wait = -p->tokens * 1e9 / (double)rate;
    return now + (l4_time)wait + 1;
}

void l4_pacer_sent(l4_pacer *p, uint64_t bytes, uint64_t rate, l4_time now)
{
    pacer_refill(p, rate, now);
    if (rate == 0)
        return;
    p->tokens -= (double)bytes;
}
