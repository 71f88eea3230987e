/*
 * h3/h3.h — HTTP/3 (RFC 9114) over one l4kit QUIC connection, with
 * nghttp3 doing the framing and QPACK (RFC 9204, static table only).
 *
 * Sans-IO like the engine below it: the layer makes no syscalls and reads
 * no clock. It owns the connection's callbacks (l4_h3_quic_callbacks) and
 * turns stream events into HTTP events for the application; the
 * application calls l4_h3_flush before draining the connection's
 * datagrams, which moves queued HTTP/3 bytes into the QUIC streams.
 *
 * Lifecycle: l4_h3_new, then create the l4_quic_conn with the callbacks
 * from l4_h3_quic_callbacks and the l4_h3 as their user pointer, then
 * l4_h3_attach. When the handshake completes the layer opens its control
 * and QPACK streams and calls `ready`. Free the l4_h3 before (or right
 * after) the connection; it never frees the connection.
 */
#ifndef L4_H3_H3_H
#define L4_H3_H3_H

#include <stddef.h>
#include <stdint.h>

#include "quic/conn.h"
#include "util/err.h"
#include "util/time.h"

typedef struct l4_h3 l4_h3;

/** HTTP/3 error codes used here (RFC 9114 §8.1). */
#define L4_H3_NO_ERROR          0x100
#define L4_H3_INTERNAL_ERROR    0x102
#define L4_H3_REQUEST_CANCELLED 0x10c

/** A request as a server receives it; strings are NUL-terminated and valid during the call. */
typedef struct l4_h3_request {
    const char *method, *scheme, *authority, *path;
} l4_h3_request;

/**
 * Where a response body comes from. Set exactly one of `read` (copies up
 * to `cap` bytes at offset `off` into `buf`) or `map` (points *data at up
 * to `max` bytes at `off` of memory that stays valid until `done`). Both
 * return the byte count, 0 at the end of the body, or a negative value for
 * an error (the stream is then reset with H3_INTERNAL_ERROR). `done`
 * (optional) is called once when the stream no longer needs `ctx`.
 */
typedef struct l4_h3_body {
    l4_ssize (*read)(void *ctx, uint64_t off, uint8_t *buf, size_t cap);
    l4_ssize (*map)(void *ctx, uint64_t off, const uint8_t **data, size_t max);
    void (*done)(void *ctx);
    void *ctx;
} l4_h3_body;

/** Events for the application; any member may be NULL. `user` is l4_h3_new's. */
typedef struct l4_h3_callbacks {
    /* The handshake completed and HTTP/3 is set up: requests may be sent. */
    void (*ready)(l4_h3 *h, void *user);
    /* Server: a complete request on stream `sid`; answer with l4_h3_respond
     * (now or later). */
    void (*request)(l4_h3 *h, int64_t sid, const l4_h3_request *req, void *user);
    /* Client: the response header section: the status and the
     * content-length (-1 when absent or unparsable). */
    void (*response)(l4_h3 *h, int64_t sid, int status, int64_t content_length, void *stream_user,
                     void *user);
    /* Client: response body bytes, in order. */
    void (*data)(l4_h3 *h, int64_t sid, const uint8_t *d, size_t n, void *stream_user, void *user);
    /* A request stream is over: `err` 0 when the exchange completed, else
     * the HTTP/3 error code it was reset with (or the connection's close
     * code when the connection ended first). The last call for `sid`. */
    void (*done)(l4_h3 *h, int64_t sid, uint64_t err, void *stream_user, void *user);
    /* The QUIC connection ended (see l4_quic_callbacks.closed). */
    void (*closed)(l4_h3 *h, int by_peer, int app, uint64_t err, const char *reason,
                   size_t reason_len, void *user);
} l4_h3_callbacks;

/**
 * Creates the HTTP/3 state of one connection. Errors:
 * L4_ERR_INVALID_ARGUMENT (NULL out), L4_ERR_NOMEM.
 */
int l4_h3_new(l4_h3 **out, int is_server, const l4_h3_callbacks *cb, void *user);

/** Fills `cb` with the connection callbacks the layer needs; their user pointer must be the l4_h3.
 */
void l4_h3_quic_callbacks(l4_quic_callbacks *cb);

/**
 * Binds the connection created with those callbacks (not owned). A server
 * tells nghttp3 the client may open 100 bidirectional streams (the
 * l4_quic_settings_default limit), one more as each request completes; the
 * number only bounds the stream ids PRIORITY_UPDATE frames may name.
 */
void l4_h3_attach(l4_h3 *h, l4_quic_conn *c);

/** The connection attached, or NULL. */
l4_quic_conn *l4_h3_conn(const l4_h3 *h);

/** 1 once `ready` has been called (and the connection is not closing). */
int l4_h3_is_ready(const l4_h3 *h);

/**
 * Client: sends `GET https://authority/path` on a new bidirectional
 * stream (its id in *sid, `stream_user` comes back with its events).
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL, a server, empty path), L4_ERR_STATE
 * (not ready, or closing), L4_ERR_LIMIT (the peer's stream limit: retry
 * after a request completes), L4_ERR_NOMEM.
 */
int l4_h3_get(l4_h3 *h, const char *authority, const char *path, void *stream_user, int64_t *sid);

/**
 * Server: answers the request on `sid` with `status`, an optional
 * content-type, a content-length (`length`, or UINT64_MAX to leave it out)
 * and a body (NULL: none). The body's ctx is the layer's until its `done`.
 * Errors: L4_ERR_INVALID_ARGUMENT (a client, status outside 100-999, a body
 * with neither or both of read/map), L4_ERR_NOT_FOUND (no such request
 * stream, or already answered), L4_ERR_NOMEM. On error `body->done` has
 * been called.
 */
int l4_h3_respond(l4_h3 *h, int64_t sid, int status, const char *content_type, uint64_t length,
                  const l4_h3_body *body);

/**
 * Moves pending HTTP/3 bytes (headers, bodies, control and QPACK streams)
 * into the QUIC streams as far as their buffers allow, applies deferred
 * stream closes, and closes the connection (with the HTTP/3 error) after a
 * fatal HTTP/3 error. Call it each time before draining the connection's
 * output. Returns 0, or the nghttp3 error that closed the connection.
 */
int l4_h3_flush(l4_h3 *h, l4_time now);

/** Request streams open now. */
size_t l4_h3_streams(const l4_h3 *h);

/** Frees the layer's state (not the connection). Open request streams get no more callbacks. */
void l4_h3_free(l4_h3 *h);

#endif
