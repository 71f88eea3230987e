/*
 * tests/host/app.h — a small application on the socket API for the
 * emulator tests: each connection sends `to_send` bytes of a pattern keyed by
 * its direction, reads and checks everything the peer sends, shuts down its
 * side when done sending, and closes once it has seen the peer's end of
 * stream. The server side accepts everything its listener offers.
 */
#ifndef L4_TESTS_HOST_APP_H
#define L4_TESTS_HOST_APP_H

#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define APP_MAX_SD 4096

typedef struct app_conn {
    int used;
    uint64_t sent, to_send, rcvd;
    uint8_t tx_key, rx_key;
    int connected, shut, eof, closed_cb, closed, err, bad;
} app_conn;

typedef struct app {
    l4_host *h;
    int listener;
    uint64_t per_conn; /* bytes each side sends */
    uint8_t tx_key, rx_key;
    int send_after_eof; /* half-close test: answer only after the peer's FIN */
    app_conn c[APP_MAX_SD];
    int accepted, done, errors, bad;
    uint8_t buf[16384];
} app;

static inline uint8_t app_byte(uint64_t i, uint8_t key)
{
    return (uint8_t)((i * 131 + (i >> 9) * 7 + key) & 0xff);
}

static void app_pump(app *a, int sd);

static void app_on_readable(l4_host *h, int sd, void *user)
{
    (void)h;
    app_pump(user, sd);
}

static void app_on_error(l4_host *h, int sd, int err, void *user)
{
    (void)h;
    app *a = user;
    a->c[sd].err = err;
}

static void app_on_closed(l4_host *h, int sd, void *user)
{
    (void)h;
    app *a = user;
    a->c[sd].closed_cb = 1;
    app_pump(a, sd);
}

static const l4_socket_callbacks app_cbs = {
    .readable = app_on_readable,
    .writable = app_on_readable,
    .connected = app_on_readable,
    .closed = app_on_closed,
    .error = app_on_error,
};

static void app_new_conn(app *a, int sd)
{
    if (sd < 0 || sd >= APP_MAX_SD)
        return;
    app_conn *c = &a->c[sd];
    memset(c, 0, sizeof *c);
    c->used = 1;
    c->to_send = a->per_conn;
    c->tx_key = a->tx_key;
    c->rx_key = a->rx_key;
}

static void app_pump(app *a, int sd)
{
    l4_host *h = a->h;
    l4_time now = l4_host_now(h);
    if (sd == a->listener) {
        for (;;) {
            int n = l4_socket_accept(h, sd, NULL, NULL);
            if (n < 0)
                break;
            a->accepted++;
            app_new_conn(a, n);
            app_pump(a, n);
        }
        return;
    }
    if (sd < 0 || sd >= APP_MAX_SD || !a->c[sd].used || a->c[sd].closed)
        return;
    app_conn *c = &a->c[sd];
    /* read everything */
    for (;;) {
        l4_ssize n = l4_socket_recv(h, sd, a->buf, sizeof a->buf, now);
        if (n > 0) {
            for (l4_ssize i = 0; i < n; i++)
                if (a->buf[i] != app_byte(c->rcvd + (uint64_t)i, c->rx_key)) {
                    c->bad = 1;
                    a->bad++;
                    break;
                }
            c->rcvd += (uint64_t)n;
            continue;
        }
        if (n == 0)
            c->eof = 1;
        else if (n != L4_EAGAIN && n != L4_ENOTCONN)
            c->err = (int)n;
        break;
    }
    /* send what fits */
    l4_tcp_state st = l4_socket_state(h, sd);
    if (st == L4_TCP_ESTABLISHED || st == L4_TCP_CLOSE_WAIT)
        c->connected = 1;
    int may_send = !a->send_after_eof || c->eof;
    while (may_send && c->connected && !c->shut && c->sent < c->to_send) {
        size_t k = sizeof a->buf;
        if (k > c->to_send - c->sent)
            k = (size_t)(c->to_send - c->sent);
        for (size_t i = 0; i < k; i++)
            a->buf[i] = app_byte(c->sent + i, c->tx_key);
        l4_ssize n = l4_socket_send(h, sd, a->buf, k, now);
        if (n <= 0)
            break;
        c->sent += (uint64_t)n;
    }
    if (may_send && c->connected && !c->shut && c->sent == c->to_send) {
        l4_socket_shutdown(h, sd, now);
        c->shut = 1;
    }
    if ((c->shut && c->eof) || c->err || c->closed_cb) {
        if (c->err)
            a->errors++;
        else if (c->shut && c->eof)
            a->done++;
        c->closed = 1;
        l4_socket_close(h, sd, now);
    }
}

static inline void app_init(app *a, l4_host *h, uint64_t per_conn, uint8_t tx, uint8_t rx)
{
    memset(a, 0, sizeof *a);
    a->h = h;
    a->listener = -1;
    a->per_conn = per_conn;
    a->tx_key = tx;
    a->rx_key = rx;
}

static inline int app_listen(app *a, const l4_addr *addr, uint16_t port, int backlog)
{
    int sd = l4_socket_open(a->h, addr->family, L4_SOCK_STREAM);
    if (sd < 0)
        return sd;
    l4_socket_set_callbacks(a->h, sd, &app_cbs, a);
    int rc = l4_socket_bind(a->h, sd, addr, port);
    if (rc == 0)
        rc = l4_socket_listen(a->h, sd, backlog);
    a->listener = sd;
    return rc < 0 ? rc : sd;
}

static inline int app_connect(app *a, const l4_addr *dst, uint16_t port, l4_time now)
{
    int sd = l4_socket_open(a->h, dst->family, L4_SOCK_STREAM);
    if (sd < 0)
        return sd;
    l4_socket_set_callbacks(a->h, sd, &app_cbs, a);
    app_new_conn(a, sd);
    int rc = l4_socket_connect(a->h, sd, dst, port, now);
    return rc == L4_EINPROGRESS ? sd : rc;
}

#endif
