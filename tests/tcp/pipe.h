/*
 * tests/tcp/pipe.h — two TCP engines back to back through an in-memory
 * lossy "pipe" (header only, for tests and the benchmark): seeded loss,
 * duplication, reordering (jitter) and a fixed delay per direction. Each
 * side sends a verifiable byte pattern, shuts down when done, and checks
 * every byte it receives. The client closes first (it goes through
 * TIME_WAIT); the server closes after the client's FIN.
 */
#ifndef L4_TESTS_TCP_PIPE_H
#define L4_TESTS_TCP_PIPE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/conn.h"
#include "util/rng.h"
#include "wire/tcp.h"

/* Under the sanitizers (about 10x slower) the transfer sizes are divided by
   this, so the sanitizer CI stays in seconds; the plain build runs them whole. */
#if defined(__SANITIZE_ADDRESS__)
#define PIPE_SIZE_DIV 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PIPE_SIZE_DIV 4
#endif
#endif
#ifndef PIPE_SIZE_DIV
#define PIPE_SIZE_DIV 1
#endif

typedef struct pipe_cfg {
    uint64_t seed;
    size_t bytes_ab, bytes_ba; /* client → server, server → client */
    double loss, dup, reorder; /* probabilities per packet */
    l4_time delay, jitter;     /* one-way delay; reordered packets get up to +jitter */
    size_t read_chunk;         /* 0: the receiver drains everything at each step */
    l4_time read_every;        /* with read_chunk: the app reads that much this often */
    int sack, timestamps, window_scale, nodelay;
    uint32_t sndbuf, rcvbuf;
    uint16_t mss;
    l4_time time_limit;
} pipe_cfg;

typedef struct pipe_pkt {
    l4_time at;
    int to; /* 0: client, 1: server */
    size_t len;
    uint8_t data[1600];
} pipe_pkt;

typedef struct pipe_end {
    l4_tcp_conn *c;
    size_t sent, rcvd, to_send, to_recv;
    int shut, eof, closed_cb, bad, saw_time_wait;
    int peer_fin; /* the engine reported the peer's FIN: a read would see the end */
    l4_tcp_close_reason reason;
    l4_time next_read;
    uint8_t salt;
} pipe_end;

typedef struct pipe_result {
    int ok;
    const char *why;
    l4_time end_time;
    uint64_t packets, dropped;
    l4_tcp_info info[2];
    l4_tcp_state final[2];
    int saw_time_wait[2];
} pipe_result;

static inline uint8_t pipe_pattern(size_t i, uint8_t salt)
{
    return (uint8_t)(i * 131u + (i >> 9) * 7u + salt);
}

static inline void pipe_cb_closed(l4_tcp_conn *c, void *u, l4_tcp_close_reason why)
{
    (void)c;
    pipe_end *e = u;
    e->closed_cb++;
    e->reason = why;
}

static inline void pipe_cb_peer_fin(l4_tcp_conn *c, void *u)
{
    (void)c;
    ((pipe_end *)u)->peer_fin = 1;
}

typedef struct pipe_q {
    pipe_pkt *v;
    size_t n, cap;
} pipe_q;

static inline int pipe_q_push(pipe_q *q, const pipe_pkt *p)
{
    if (q->n == q->cap) {
        size_t nc = q->cap ? q->cap * 2 : 256;
        pipe_pkt *nv = realloc(q->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        q->v = nv;
        q->cap = nc;
    }
    /* Keep sorted by time; equal times stay in send order. */
    size_t i = q->n;
    while (i > 0 && q->v[i - 1].at > p->at)
        i--;
    memmove(&q->v[i + 1], &q->v[i], (q->n - i) * sizeof *p);
    q->v[i] = *p;
    q->n++;
    return 0;
}

static inline void pipe_app(pipe_end *e, l4_time now, const pipe_cfg *cfg, uint8_t peer_salt)
{
    uint8_t buf[16384];
    while (e->sent < e->to_send) {
        size_t n = e->to_send - e->sent;
        if (n > sizeof buf)
            n = sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pipe_pattern(e->sent + i, e->salt);
        l4_ssize r = l4_tcp_conn_send(e->c, buf, n, now);
        if (r <= 0)
            break;
        e->sent += (size_t)r;
    }
    if (!cfg->read_chunk || now >= e->next_read) {
        size_t budget = cfg->read_chunk ? cfg->read_chunk : SIZE_MAX;
        if (cfg->read_chunk)
            e->next_read = now + cfg->read_every;
        while (budget > 0) {
            size_t want = budget < sizeof buf ? budget : sizeof buf;
            l4_ssize r = l4_tcp_conn_recv(e->c, buf, want, now);
            if (r == 0) {
                e->eof = 1;
                break;
            }
            if (r < 0)
                break;
            for (l4_ssize i = 0; i < r; i++)
                if (buf[i] != pipe_pattern(e->rcvd + (size_t)i, peer_salt))
                    e->bad = 1;
            e->rcvd += (size_t)r;
            budget -= (size_t)r;
        }
    }
}

/* When a slow reader (read_chunk) next wants to read: while there are bytes
   to read, or the end of the stream to see (like a socket that polls readable
   at EOF; reading exactly the last byte does not yet return the end). */
static inline l4_time pipe_next_app_time(const pipe_end *e, const pipe_cfg *cfg)
{
    if (cfg->read_chunk && !e->eof && e->c && (l4_tcp_conn_recv_ready(e->c) || e->peer_fin))
        return e->next_read;
    return L4_TIME_NONE;
}

/* The liveness invariant of one engine after its output is drained: a
   connection that waits for an answer (SYN or FIN unacknowledged, data
   unacknowledged or not yet sent, TIME_WAIT) must have a deadline armed, or
   nothing will ever move it. Returns what is wrong, or NULL. */
static inline const char *pipe_timer_invariant(const l4_tcp_conn *c)
{
    if (l4_tcp_conn_next_timeout(c) != L4_TIME_NONE)
        return NULL;
    switch (l4_tcp_conn_state(c)) {
    case L4_TCP_SYN_SENT:
    case L4_TCP_SYN_RECEIVED:
    case L4_TCP_FIN_WAIT_1:
    case L4_TCP_CLOSING:
    case L4_TCP_LAST_ACK:
        return "SYN or FIN outstanding with no timer armed";
    case L4_TCP_TIME_WAIT:
        return "TIME_WAIT with no timer armed";
    case L4_TCP_ESTABLISHED:
    case L4_TCP_CLOSE_WAIT:
        return l4_tcp_conn_send_queued(c) ? "data queued or unacked with no timer armed" : NULL;
    default:
        return NULL;
    }
}

static inline pipe_result pipe_run(const pipe_cfg *cfg)
{
    pipe_result res;
    memset(&res, 0, sizeof res);
    l4_rng rng;
    l4_rng_init(&rng, cfg->seed, 99);
    const uint8_t a4[4] = {192, 168, 0, 1}, b4[4] = {192, 168, 0, 2};
    l4_addr addr[2] = {l4_addr_v4(a4), l4_addr_v4(b4)};
    uint16_t port[2] = {40000, 80};
    pipe_end e[2];
    memset(e, 0, sizeof e);
    e[0].to_send = cfg->bytes_ab;
    e[1].to_send = cfg->bytes_ba;
    e[0].salt = 17;
    e[1].salt = 99;
    l4_tcp_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.closed = pipe_cb_closed;
    cb.peer_fin = pipe_cb_peer_fin;
    for (int k = 0; k < 2; k++) {
        l4_tcp_settings s;
        l4_tcp_settings_default(&s);
        for (int j = 0; j < 16; j++)
            s.isn_secret[j] = (uint8_t)l4_rng_u32(&rng);
        s.sack = (uint8_t)cfg->sack;
        s.timestamps = (uint8_t)cfg->timestamps;
        s.window_scale = (uint8_t)cfg->window_scale;
        s.nodelay = (uint8_t)cfg->nodelay;
        if (cfg->sndbuf)
            s.sndbuf = cfg->sndbuf;
        if (cfg->rcvbuf)
            s.rcvbuf = cfg->rcvbuf;
        if (cfg->mss)
            s.mss = cfg->mss;
        s.msl = 30 * L4_S;
        s.max_retries = 30;
        s.max_rto = 10 * L4_S;
        if (l4_tcp_conn_new(&e[k].c, &s, &cb, &e[k]) != 0) {
            res.why = "conn_new";
            return res;
        }
    }
    pipe_q q = {NULL, 0, 0};
    l4_time now = 0;
    l4_tcp_conn_listen(e[1].c, &addr[1], port[1], now);
    l4_tcp_conn_connect(e[0].c, &addr[0], port[0], &addr[1], port[1], now);
    l4_time limit = cfg->time_limit ? cfg->time_limit : 3600 * L4_S;
    uint8_t out[2048];
    const char *tr = getenv("L4_PIPE_TRACE");
    uint64_t trace_from = tr ? strtoull(tr, NULL, 10) : 0;
    int trace = 0;
    for (;;) {
        trace = tr && res.packets >= trace_from;
        /* Applications, then everything the engines want to send. */
        for (int k = 0; k < 2; k++) {
            l4_tcp_state st = l4_tcp_conn_state(e[k].c);
            if (st == L4_TCP_TIME_WAIT)
                e[k].saw_time_wait = 1;
            if (st != L4_TCP_LISTEN && st != L4_TCP_SYN_SENT && st != L4_TCP_SYN_RECEIVED)
                pipe_app(&e[k], now, cfg, e[1 - k].salt);
            /* Client shuts down when all is queued; server after the client's FIN. */
            if (!e[k].shut && e[k].sent == e[k].to_send &&
                (st == L4_TCP_ESTABLISHED || st == L4_TCP_CLOSE_WAIT) && (k == 0 || e[k].eof)) {
                l4_tcp_conn_shutdown(e[k].c, now);
                e[k].shut = 1;
            }
            for (;;) {
                uint8_t ecn;
                l4_ssize n = l4_tcp_conn_output(e[k].c, out, sizeof out, &ecn, now);
                if (n < 0) {
                    res.why = "output error";
                    goto done;
                }
                if (n == 0)
                    break;
                res.packets++;
                if (l4_rng_chance(&rng, cfg->loss)) {
                    res.dropped++;
                    continue;
                }
                pipe_pkt p;
                p.to = 1 - k;
                p.len = (size_t)n;
                memcpy(p.data, out, (size_t)n);
                p.at = now + cfg->delay;
                if (cfg->jitter && l4_rng_chance(&rng, cfg->reorder))
                    p.at += (l4_time)(l4_rng_unit(&rng) * (double)cfg->jitter);
                pipe_q_push(&q, &p);
                if (l4_rng_chance(&rng, cfg->dup)) {
                    p.at += cfg->jitter / 2 + 1;
                    pipe_q_push(&q, &p);
                }
            }
        }
        if (l4_tcp_conn_state(e[0].c) == L4_TCP_CLOSED &&
            l4_tcp_conn_state(e[1].c) == L4_TCP_CLOSED && q.n == 0)
            break;
        for (int k = 0; k < 2; k++) {
            const char *bad = pipe_timer_invariant(e[k].c);
            if (bad) {
                res.why = bad;
                goto done;
            }
        }
        /* Advance virtual time to the next event. */
        l4_time t = L4_TIME_NONE;
        if (q.n)
            t = q.v[0].at;
        for (int k = 0; k < 2; k++) {
            t = l4_time_min(t, l4_tcp_conn_next_timeout(e[k].c));
            t = l4_time_min(t, pipe_next_app_time(&e[k], cfg));
        }
        if (t == L4_TIME_NONE) {
            res.why = "stalled: no event pending";
            goto done;
        }
        if (t > limit) {
            res.why = "time limit";
            goto done;
        }
        if (t > now)
            now = t;
        size_t di = 0;
        while (di < q.n && q.v[di].at <= now) {
            pipe_pkt *p = &q.v[di++];
            l4_tcp_hdr h;
            if (l4_tcp_parse(&h, p->data, p->len, &addr[1 - p->to], &addr[p->to]) != 0) {
                res.why = "bad segment on the wire";
                goto done;
            }
            if (trace) {
                char fl[40];
                l4_tcp_flags_str(h.flags, fl, sizeof fl);
                fprintf(stderr, "%.6f %s %-12s seq %u ack %u len %zu win %u sack %d [%s]\n",
                        (double)now / 1e9, p->to ? "c->s" : "s->c", fl, h.seq, h.ack, h.payload_len,
                        h.window, h.opts.sack_count,
                        l4_tcp_state_name(l4_tcp_conn_state(e[p->to].c)));
            }
            l4_tcp_conn_input_from(e[p->to].c, &addr[1 - p->to], &h, 0, now);
        }
        if (di) {
            memmove(&q.v[0], &q.v[di], (q.n - di) * sizeof q.v[0]);
            q.n -= di;
        }
        for (int k = 0; k < 2; k++)
            if (l4_tcp_conn_next_timeout(e[k].c) <= now)
                l4_tcp_conn_handle_timeout(e[k].c, now);
    }
    res.ok = 1;
    for (int k = 0; k < 2; k++) {
        if (e[k].bad) {
            res.ok = 0;
            res.why = "corrupted byte stream";
        }
        if (e[k].rcvd != e[1 - k].to_send || e[k].sent != e[k].to_send) {
            res.ok = 0;
            res.why = "byte count mismatch";
        }
        if (!e[k].eof) {
            res.ok = 0;
            res.why = "no end of stream";
        }
        if (e[k].closed_cb != 1 || e[k].reason != L4_TCP_CLOSE_NORMAL) {
            res.ok = 0;
            res.why = "not closed normally";
        }
    }
done:
    res.end_time = now;
    for (int k = 0; k < 2; k++) {
        l4_tcp_conn_get_info(e[k].c, &res.info[k]);
        res.final[k] = l4_tcp_conn_state(e[k].c);
        res.saw_time_wait[k] = e[k].saw_time_wait;
        l4_tcp_conn_del(e[k].c);
    }
    free(q.v);
    return res;
}

static inline pipe_cfg pipe_cfg_default(void)
{
    pipe_cfg c;
    memset(&c, 0, sizeof c);
    c.seed = 1;
    c.delay = 10 * L4_MS;
    c.jitter = 5 * L4_MS;
    c.sack = c.timestamps = c.window_scale = 1;
    return c;
}

#endif
