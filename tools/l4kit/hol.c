/* tools/l4kit/hol.c — head-of-line blocking measured from arrivals (see hol.h). */
#include "hol.h"

#include <stdlib.h>
#include <string.h>

#include "wire/quic_frame.h"

int hol_init(hol_set *h, int nstreams, const uint64_t *bytes)
{
    memset(h, 0, sizeof *h);
    if (nstreams < 1)
        return -1;
    h->st = calloc((size_t)nstreams, sizeof *h->st);
    if (!h->st)
        return -1;
    h->nstreams = nstreams;
    for (int i = 0; i < nstreams; i++)
        h->st[i].bytes = bytes ? bytes[i] : UINT64_MAX;
    return 0;
}

void hol_free(hol_set *h)
{
    for (int i = 0; h->st && i < h->nstreams; i++)
        free(h->st[i].sp);
    free(h->st);
    free(h->rg);
    memset(h, 0, sizeof *h);
}

void hol_sent(hol_set *h, int stream, uint64_t off, uint64_t len)
{
    if (stream < 0 || stream >= h->nstreams)
        return;
    hol_stream *st = &h->st[stream];
    uint64_t end = off + len < st->bytes ? off + len : st->bytes;
    if (end <= st->next_new)
        return; /* a retransmission */
    uint64_t from = off > st->next_new ? off : st->next_new;
    if (h->nrg == h->rgcap) {
        size_t nc = h->rgcap ? h->rgcap * 2 : 256;
        hol_range *n = realloc(h->rg, nc * sizeof *n);
        if (!n) {
            h->oom = 1;
            return;
        }
        h->rg = n;
        h->rgcap = nc;
    }
    h->rg[h->nrg++] = (hol_range){stream, from, end - from};
    st->next_new = end;
}

/* Inserts span [off, end) at `at` (the spans stay sorted: the caller picks `at`). */
static int span_insert(hol_set *h, hol_stream *st, size_t at, uint64_t off, uint64_t end, l4_time t)
{
    if (at == st->nsp && at > 0 && st->sp[at - 1].end == off && st->sp[at - 1].t == t) {
        st->sp[at - 1].end = end; /* the same packet's arrival continued */
        return 0;
    }
    if (st->nsp == st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 256;
        hol_span *n = realloc(st->sp, nc * sizeof *n);
        if (!n) {
            h->oom = 1;
            return -1;
        }
        st->sp = n;
        st->cap = nc;
    }
    memmove(st->sp + at + 1, st->sp + at, (st->nsp - at) * sizeof *st->sp);
    st->sp[at] = (hol_span){off, end, t};
    st->nsp++;
    return 0;
}

/* The first span whose end is past `off` (nsp when none). */
static size_t span_find(const hol_stream *st, uint64_t off)
{
    size_t lo = 0, hi = st->nsp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->sp[mid].end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void hol_arrived(hol_set *h, int stream, uint64_t off, uint64_t len, l4_time t)
{
    if (stream < 0 || stream >= h->nstreams)
        return;
    hol_stream *st = &h->st[stream];
    if (off >= st->bytes)
        return;
    uint64_t end = len < st->bytes - off ? off + len : st->bytes;
    if (end <= off)
        return;
    /* in order: the common case, appended */
    if (st->nsp == 0 || off >= st->sp[st->nsp - 1].end) {
        span_insert(h, st, st->nsp, off, end, t);
        return;
    }
    /* fill the gaps of [off, end) that no earlier arrival covers */
    size_t i = span_find(st, off);
    uint64_t cur = off;
    while (cur < end) {
        if (i == st->nsp || st->sp[i].off >= end) {
            span_insert(h, st, i, cur, end, t);
            return;
        }
        if (st->sp[i].off > cur) {
            if (span_insert(h, st, i, cur, st->sp[i].off, t))
                return;
            i++;
        }
        if (st->sp[i].end > cur)
            cur = st->sp[i].end;
        i++;
    }
}

static int hol_stream_index(const hol_set *h, uint64_t sid)
{
    /* the client's bidirectional streams: IDs 0, 4, 8, ... (RFC 9000 §2.1) */
    return sid % 4 == 0 && sid / 4 < (uint64_t)h->nstreams ? (int)(sid / 4) : -1;
}

void hol_quic_event(hol_set *h, int server, const l4_quic_event *ev)
{
    int sent = ev->type == L4_QUIC_EV_PACKET_SENT && !server;
    int rcvd = ev->type == L4_QUIC_EV_PACKET_RECEIVED && server;
    if (!sent && !rcvd)
        return;
    for (size_t i = 0; i < ev->nframes; i++) {
        const l4_quic_frame *f = &ev->frames[i];
        if ((f->type & ~(uint64_t)7) != L4_QUIC_FRAME_STREAM)
            continue;
        int s = hol_stream_index(h, f->u.stream.stream_id);
        if (s < 0)
            continue;
        if (sent)
            hol_sent(h, s, f->u.stream.offset, f->u.stream.len);
        else
            hol_arrived(h, s, f->u.stream.offset, f->u.stream.len, ev->now);
    }
}

int hol_complete(const hol_set *h, int stream)
{
    if (stream < 0 || stream >= h->nstreams)
        return 0;
    const hol_stream *st = &h->st[stream];
    if (st->bytes == UINT64_MAX)
        return 0;
    uint64_t have = 0;
    for (size_t i = 0; i < st->nsp; i++) {
        if (st->sp[i].off != have)
            return 0;
        have = st->sp[i].end;
    }
    return have == st->bytes;
}

/* One piece of `len` bytes that arrived at `a` and could be delivered at `ready`. */
static void hol_wait(uint64_t len, l4_time a, l4_time ready, uint64_t *waited, double *sum,
                     l4_time *max)
{
    l4_time w = ready - a;
    if (!w)
        return;
    *waited += len;
    *sum += (double)w * (double)len;
    if (w > *max)
        *max = w;
}

void hol_analyze(const hol_set *h, hol_result *res)
{
    /* each stream in order on its own: walk its spans by offset */
    for (int s = 0; s < h->nstreams; s++) {
        const hol_stream *st = &h->st[s];
        hol_result *r = &res[s];
        memset(r, 0, sizeof *r);
        r->bytes = st->bytes == UINT64_MAX ? 0 : st->bytes;
        l4_time ready = 0;
        for (size_t i = 0; i < st->nsp; i++) {
            const hol_span *p = &st->sp[i];
            if (p->t > ready)
                ready = p->t;
            r->arrived += p->end - p->off;
            hol_wait(p->end - p->off, p->t, ready, &r->waited, &r->wait_sum, &r->max_wait);
        }
        r->done = ready;
    }
    if (!h->nrg)
        return;
    /* one ordered byte stream: walk the bytes in the order they were first
       sent; a stream's own order is its offsets (new data goes out in
       order), so its own readiness is tracked alongside */
    l4_time *own = calloc((size_t)h->nstreams, sizeof *own);
    if (!own)
        return;
    l4_time one = 0;
    for (size_t k = 0; k < h->nrg; k++) {
        const hol_range *g = &h->rg[k];
        const hol_stream *st = &h->st[g->stream];
        hol_result *r = &res[g->stream];
        uint64_t end = g->off + g->len;
        for (size_t i = span_find(st, g->off); i < st->nsp && st->sp[i].off < end; i++) {
            const hol_span *p = &st->sp[i];
            uint64_t a = p->off > g->off ? p->off : g->off;
            uint64_t b = p->end < end ? p->end : end;
            uint64_t len = b - a;
            if (p->t > own[g->stream])
                own[g->stream] = p->t;
            if (p->t > one)
                one = p->t;
            if (one > p->t && own[g->stream] == p->t)
                r->spared += len;
            hol_wait(len, p->t, one, &r->one_waited, &r->one_wait_sum, &r->one_max_wait);
        }
        if (one > r->one_done)
            r->one_done = one;
    }
    free(own);
}
