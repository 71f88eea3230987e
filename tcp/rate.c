/* tcp/rate.c — delivery-rate samples; see rate.h. */
#include "tcp/rate.h"

#include <stdlib.h>

#include "tcp/seq.h"
#include "util/err.h"

void l4_tcp_rate_free(l4_tcp_rate *r)
{
    free(r->rec);
    r->rec = NULL;
    r->n = r->head = r->cap = 0;
}

/* Doubles the ring (records keep their order, from index 0). */
static int rate_grow(l4_tcp_rate *r)
{
    uint32_t cap = r->cap ? 2 * r->cap : L4_TCP_RATE_RECS_MIN;
    l4_tcp_rate_rec *x = malloc((size_t)cap * sizeof *x);
    if (!x)
        return L4_ERR_NOMEM;
    for (uint32_t i = 0; i < r->n; i++)
        x[i] = r->rec[(r->head + i) % r->cap];
    free(r->rec);
    r->rec = x;
    r->head = 0;
    r->cap = cap;
    return 0;
}

int l4_tcp_rate_on_send(l4_tcp_rate *r, uint32_t end, int idle, l4_time now)
{
    if (!r->rec && rate_grow(r))
        return L4_ERR_NOMEM;
    if (idle) /* §3.2: the first packet of a flight starts the clocks */
        r->first_sent_time = r->delivered_time = now;
    if (r->n == r->cap && (r->cap >= L4_TCP_RATE_RECS || rate_grow(r)))
        return 0; /* full: this segment goes unrecorded (its ACK uses an older P) */
    l4_tcp_rate_rec *x = &r->rec[(r->head + r->n) % r->cap];
    r->n++;
    x->end = end;
    x->sent_time = now;
    x->first_sent_time = r->first_sent_time;
    x->delivered_time = r->delivered_time;
    x->delivered = r->delivered;
    x->app_limited = r->app_limited != 0;
    return 0;
}

void l4_tcp_rate_on_ack(l4_tcp_rate *r, uint64_t delivered, uint32_t high, uint32_t una,
                        l4_time min_rtt, l4_time now, l4_tcp_rate_sample *s)
{
    s->valid = s->app_limited = 0;
    s->prior_delivered = s->rate = 0;
    s->interval = s->rtt = 0;
    s->delivered = r->delivered;
    if (delivered <= r->delivered || !r->rec)
        return;
    r->delivered = delivered;
    r->delivered_time = now;
    s->delivered = delivered;
    if (r->app_limited && delivered > r->app_limited)
        r->app_limited = 0;
    /* P: the newest record at or below `high` (records are in sequence order). */
    const l4_tcp_rate_rec *p = NULL;
    for (uint32_t i = r->n; i-- > 0;) {
        const l4_tcp_rate_rec *x = &r->rec[(r->head + i) % r->cap];
        if (l4_seq_le(x->end, high)) {
            p = x;
            break;
        }
    }
    if (p) {
        /* An RTT sample per ACK: only from a segment above everything that
           gave one before (a SACK of old data or a hole filled by a
           retransmission says nothing about this round trip). */
        if (!r->high_valid || l4_seq_gt(p->end, r->high_seen)) {
            s->rtt = now - p->sent_time;
            r->high_seen = p->end;
            r->high_valid = 1;
        }
        r->first_sent_time = p->sent_time;
        l4_time snd = p->sent_time - p->first_sent_time;
        l4_time ack = now - p->delivered_time;
        l4_time iv = snd > ack ? snd : ack;
        s->prior_delivered = p->delivered;
        s->app_limited = p->app_limited;
        s->interval = iv;
        /* §3.3: an interval under min_rtt is too short to trust. */
        if (iv > 0 && (min_rtt == 0 || iv >= min_rtt)) {
            s->rate = (uint64_t)((double)(delivered - p->delivered) * 1e9 / (double)iv);
            s->valid = 1;
        }
    }
    while (r->n && l4_seq_le(r->rec[r->head].end, una)) {
        r->head = (r->head + 1) % r->cap;
        r->n--;
    }
}

void l4_tcp_rate_app_limited(l4_tcp_rate *r, uint64_t in_flight)
{
    uint64_t m = r->delivered + in_flight;
    r->app_limited = m ? m : 1;
}
