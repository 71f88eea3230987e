/* cc/rtt.c — RFC 6298 estimator; see rtt.h. */
#include "cc/rtt.h"

void l4_rtt_init(l4_rtt *r, l4_time initial_rto, l4_time min_rto, l4_time max_rto,
                 l4_time granularity)
{
    r->srtt = r->rttvar = r->latest = 0;
    r->min_rtt = L4_TIME_NONE;
    r->initial = initial_rto;
    r->min_rto = min_rto;
    r->max_rto = max_rto < min_rto ? min_rto : max_rto;
    r->granularity = granularity;
    r->backoff = 0;
    r->has_sample = 0;
}

void l4_rtt_sample(l4_rtt *r, l4_time s)
{
    r->latest = s;
    if (s < r->min_rtt)
        r->min_rtt = s;
    if (!r->has_sample) {
        r->srtt = s;
        r->rttvar = s / 2;
        r->has_sample = 1;
    } else {
        /* RTTVAR first: it uses the SRTT before this sample (§2.3). */
        l4_time err = r->srtt > s ? r->srtt - s : s - r->srtt;
        r->rttvar = r->rttvar - r->rttvar / 4 + err / 4;
        r->srtt = r->srtt - r->srtt / 8 + s / 8;
    }
    r->backoff = 0;
}

static l4_time rtt_clamp(const l4_rtt *r, l4_time v)
{
    if (v < r->min_rto)
        v = r->min_rto;
    if (v > r->max_rto)
        v = r->max_rto;
    return v;
}

l4_time l4_rtt_base_rto(const l4_rtt *r)
{
    if (!r->has_sample)
        return rtt_clamp(r, r->initial);
    l4_time var = 4 * r->rttvar;
    if (var < r->granularity)
        var = r->granularity;
    if (var < r->min_rto)
        var = r->min_rto; /* Linux: the variance term is at least rto_min */
    return rtt_clamp(r, r->srtt + var);
}

l4_time l4_rtt_rto(const l4_rtt *r)
{
    l4_time v = l4_rtt_base_rto(r);
    for (unsigned i = 0; i < r->backoff && v < r->max_rto; i++)
        v *= 2;
    return rtt_clamp(r, v);
}

void l4_rtt_backoff(l4_rtt *r)
{
    if (r->backoff < 32)
        r->backoff++;
}

void l4_rtt_forget(l4_rtt *r)
{
    r->has_sample = 0;
    r->srtt = r->rttvar = 0;
}
