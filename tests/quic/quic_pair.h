/*
 * tests/quic/quic_pair.h — a client and a server QUIC connection wired
 * back to back in memory, with the real GnuTLS provider and a self-signed
 * certificate generated at test time. Datagrams travel through a small
 * queue with a fixed one-way delay and seeded loss; virtual time advances
 * to the next arrival or timer. A layer above QUIC (tests/h3) can take
 * over the connections' callbacks and run before each side's output is
 * drained.
 */
#ifndef L4_TESTS_QUIC_PAIR_H
#define L4_TESTS_QUIC_PAIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/quic_tls_gnutls.h"
#include "quic/conn.h"
#include "util/rng.h"

#ifndef QP_MAXQ
#define QP_MAXQ 4096 /* datagrams in flight at most; define it larger before the include */
#endif

typedef struct qp_dgram {
    l4_time at;
    int to_server;
    size_t len;
    uint8_t *data;
    l4_quic_path from; /* to the server: the client's address when it was sent */
    unsigned ecn;      /* the ECN codepoint it travels with (ecn_on) */
} qp_dgram;

typedef struct qp_closed {
    int called, by_peer, app;
    uint64_t err;
} qp_closed;

typedef struct quic_pair {
    l4_quic_conn *cl, *sv;
    l4_quic_settings cs, ss;
    l4_quic_callbacks cb;
    l4_time now, delay;
    l4_rng rng;
    double loss;      /* each direction */
    int drop_first_n; /* drop this many datagrams in total (first ones) */
    qp_dgram q[QP_MAXQ];
    size_t nq;
    uint64_t dropped, delivered;
    uint64_t overflow; /* of the dropped: the queue was full */
    int sv_new_err;    /* the error creating the server connection failed with, or 0 */
    int hs_cl, hs_sv;
    qp_closed closed_cl, closed_sv;
    uint8_t *cert, *key;
    size_t cert_len, key_len;
    const char *server_name; /* what the client verifies; default "localhost" */
    int insecure;
    const char *client_alpn, *server_alpn;
    unsigned cl_ciphers, sv_ciphers; /* l4_quic_tls_config.ciphers of each side (0: all) */
    int keylog_lines;
    void *app; /* the test's own state */
    /* returns 1 to drop a datagram (before random loss); may be NULL */
    int (*filter)(struct quic_pair *p, int to_server, const uint8_t *d, size_t len);
    /* called once the server connection exists, before its first input; may be NULL */
    void (*on_server)(struct quic_pair *p);
    /* paths (RFC 9000 §9): with `paths` set the server gets every datagram
       with l4_quic_conn_input_path from `cl_path` (the client's address as
       the server sees it when the client sent it; change it for a NAT
       rebinding: datagrams already on their way keep the old one) and sends with
       l4_quic_conn_output_path; a datagram it sends to any other path is
       counted in `to_other` and does not arrive */
    int paths;
    l4_quic_path cl_path, last_to;
    uint64_t to_other, to_other_bytes, to_cl_bytes;
    /* ECN (RFC 9000 §13.4): with `ecn_on` each datagram carries the codepoint
       l4_quic_conn_output_dgram gives, `ecn_rewrite` (may be NULL) changes it
       on the way (a network that clears or CE-marks), and the receiver gets
       it through l4_quic_conn_input_dgram */
    int ecn_on;
    unsigned (*ecn_rewrite)(struct quic_pair *p, int to_server, unsigned ecn);
    /* A layer above: the client's / server's connection callbacks and their
     * user pointer (NULL: `cb` and the pair), and a hook before a side's
     * output (0 client, 1 server) is drained. Each may be NULL. */
    const l4_quic_callbacks *cl_cb, *sv_cb;
    void *cl_user, *sv_user;
    void (*before_output)(struct quic_pair *p, int side);
} quic_pair;

static inline void qp_keylog(void *user, const char *line)
{
    quic_pair *p = user;
    (void)line;
    p->keylog_lines++;
}

static inline void qp_hs_done(l4_quic_conn *c, void *user)
{
    quic_pair *p = user;
    if (c == p->cl)
        p->hs_cl = 1;
    else
        p->hs_sv = 1;
}

static inline void qp_on_closed(l4_quic_conn *c, int by_peer, int app, uint64_t err, const char *r,
                                size_t rl, void *user)
{
    quic_pair *p = user;
    (void)r;
    (void)rl;
    qp_closed *x = c == p->cl ? &p->closed_cl : &p->closed_sv;
    if (p->sv == NULL && c != p->cl)
        x = &p->closed_sv;
    x->called++;
    x->by_peer = by_peer;
    x->app = app;
    x->err = err;
}

static inline void qp_init(quic_pair *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    l4_quic_settings_default(&p->cs);
    l4_quic_settings_default(&p->ss);
    p->cs.seed = seed;
    p->ss.seed = seed + 1;
    p->delay = 10 * L4_MS;
    l4_rng_init(&p->rng, seed, 99);
    p->cb.handshake_done = qp_hs_done;
    p->cb.closed = qp_on_closed;
    p->server_name = "localhost";
    int rc = l4_quic_tls_selfsigned("localhost", (long)time(NULL) - 3600, 30, &p->cert,
                                    &p->cert_len, &p->key, &p->key_len);
    if (rc != 0) {
        fprintf(stderr, "selfsigned: %d\n", rc);
        abort();
    }
}

static inline int qp_start(quic_pair *p)
{
    l4_quic_tls *tls;
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server_name = p->server_name;
    cfg.ca_pem = p->cert;
    cfg.ca_pem_len = p->cert_len;
    cfg.insecure = p->insecure;
    cfg.alpn = p->client_alpn;
    cfg.ciphers = p->cl_ciphers;
    cfg.keylog = qp_keylog;
    cfg.keylog_user = p;
    int rc = l4_quic_tls_gnutls_new(&tls, &cfg);
    if (rc < 0)
        return rc;
    return l4_quic_conn_new_client(&p->cl, &p->cs, p->cl_cb ? p->cl_cb : &p->cb,
                                   p->cl_user ? p->cl_user : p, tls, p->now);
}

static inline int qp_new_server(quic_pair *p, const uint8_t *d, size_t len)
{
    l4_quic_tls *tls;
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.is_server = 1;
    cfg.cert_pem = p->cert;
    cfg.cert_pem_len = p->cert_len;
    cfg.key_pem = p->key;
    cfg.key_pem_len = p->key_len;
    cfg.alpn = p->server_alpn;
    cfg.ciphers = p->sv_ciphers;
    int rc = l4_quic_tls_gnutls_new(&tls, &cfg);
    if (rc < 0)
        return rc;
    return l4_quic_conn_new_server(&p->sv, &p->ss, p->sv_cb ? p->sv_cb : &p->cb,
                                   p->sv_user ? p->sv_user : p, tls, d, len, p->now);
}

static inline void qp_free(quic_pair *p)
{
    l4_quic_conn_free(p->cl);
    l4_quic_conn_free(p->sv);
    for (size_t i = 0; i < p->nq; i++)
        free(p->q[i].data);
    free(p->cert);
    free(p->key);
}

/* Drains both endpoints' output into the queue. */
static inline void qp_flush(quic_pair *p)
{
    uint8_t buf[1500];
    for (int side = 0; side < 2; side++) {
        l4_quic_conn *c = side ? p->sv : p->cl;
        if (!c)
            continue;
        if (p->before_output)
            p->before_output(p, side);
        for (;;) {
            l4_ssize n;
            unsigned ecn = 0;
            if (side && p->paths) {
                n = l4_quic_conn_output_dgram(c, buf, sizeof buf, &p->last_to, &ecn, p->now);
                if (n > 0 && (p->last_to.len != p->cl_path.len ||
                              memcmp(p->last_to.id, p->cl_path.id, p->cl_path.len))) {
                    p->to_other++;
                    p->to_other_bytes += (uint64_t)n;
                    continue;
                }
                if (n > 0)
                    p->to_cl_bytes += (uint64_t)n;
            } else {
                n = l4_quic_conn_output_dgram(c, buf, sizeof buf, NULL, &ecn, p->now);
            }
            if (n <= 0)
                break;
            if (!p->ecn_on)
                ecn = 0;
            else if (p->ecn_rewrite)
                ecn = p->ecn_rewrite(p, !side, ecn);
            if (p->filter && p->filter(p, !side, buf, (size_t)n)) {
                p->dropped++;
                continue;
            }
            if (p->drop_first_n > 0) {
                p->drop_first_n--;
                p->dropped++;
                continue;
            }
            if (l4_rng_chance(&p->rng, p->loss) || p->nq == QP_MAXQ) {
                p->overflow += p->nq == QP_MAXQ;
                p->dropped++;
                continue;
            }
            qp_dgram *d = &p->q[p->nq++];
            d->at = p->now + p->delay;
            d->to_server = !side;
            d->from = p->cl_path;
            d->ecn = ecn;
            d->len = (size_t)n;
            d->data = malloc((size_t)n);
            memcpy(d->data, buf, (size_t)n);
        }
    }
}

/* Runs one event (arrival or timer); returns 0 when nothing is left or
 * time passed `until`. */
static inline int qp_step(quic_pair *p, l4_time until)
{
    qp_flush(p);
    l4_time t = L4_TIME_NONE;
    size_t qi = SIZE_MAX;
    for (size_t i = 0; i < p->nq; i++)
        if (p->q[i].at < t) {
            t = p->q[i].at;
            qi = i;
        }
    l4_time tc = p->cl ? l4_quic_conn_next_timeout(p->cl) : L4_TIME_NONE;
    l4_time ts = p->sv ? l4_quic_conn_next_timeout(p->sv) : L4_TIME_NONE;
    l4_time tt = l4_time_min(tc, ts);
    if (tt < t) {
        if (tt > until)
            return 0;
        p->now = tt > p->now ? tt : p->now;
        if (tc == tt)
            l4_quic_conn_handle_timeout(p->cl, p->now);
        if (ts == tt)
            l4_quic_conn_handle_timeout(p->sv, p->now);
        return 1;
    }
    if (qi == SIZE_MAX || t > until)
        return 0;
    p->now = t > p->now ? t : p->now;
    qp_dgram d = p->q[qi];
    memmove(&p->q[qi], &p->q[qi + 1], (p->nq - qi - 1) * sizeof p->q[0]); /* FIFO */
    p->nq--;
    p->delivered++;
    if (d.to_server) {
        if (!p->sv) {
            int rc = qp_new_server(p, d.data, d.len);
            if (rc < 0) {
                p->sv_new_err = rc;
                free(d.data);
                return 1;
            }
            if (p->on_server)
                p->on_server(p);
        }
        l4_quic_conn_input_dgram(p->sv, d.data, d.len, p->paths ? &d.from : NULL, d.ecn, p->now);
    } else {
        l4_quic_conn_input_dgram(p->cl, d.data, d.len, NULL, d.ecn, p->now);
    }
    free(d.data);
    return 1;
}

/* Runs until `done(p)` is true or `until`; returns whether done. */
static inline int qp_run(quic_pair *p, int (*done)(quic_pair *), l4_time until)
{
    while (!done(p)) {
        if (!qp_step(p, until))
            return done(p);
    }
    return 1;
}

static inline int qp_handshaken(quic_pair *p)
{
    return p->hs_cl && p->hs_sv && p->cl && p->sv &&
           /* the client confirmed: HANDSHAKE_DONE arrived */
           l4_quic_conn_handshake_complete(p->cl);
}

#endif
