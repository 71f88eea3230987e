/*
 * io/udp.h — kernel UDP sockets for running the QUIC engine against real
 * peers: non-blocking, batched with recvmmsg/sendmmsg. Restricted to the
 * loopback addresses (127.0.0.1, ::1) for now.
 */
#ifndef L4_IO_UDP_H
#define L4_IO_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

/** One socket. `fd` is -1 when closed. */
typedef struct l4_io_udp_sock {
    int fd;
    int family; /* AF_INET or AF_INET6 */
} l4_io_udp_sock;

/** One datagram of a batch: `len` bytes at `buf` (`cap` for receiving). */
typedef struct l4_io_udp_msg {
    uint8_t *buf;
    size_t len, cap;
} l4_io_udp_msg;

/**
 * Opens a non-blocking socket bound to `addr` ("127.0.0.1" or "::1") and
 * `port` (0 picks a free one). Errors: L4_ERR_INVALID_ARGUMENT (not a
 * loopback address), L4_ERR_IO (socket/bind failed; errno says why).
 */
int l4_io_udp_open(l4_io_udp_sock *s, const char *addr, uint16_t port);

/**
 * Sets the default peer (connect(2)): datagrams go there and only its
 * datagrams are received. Errors: L4_ERR_INVALID_ARGUMENT (not loopback or
 * another family), L4_ERR_IO.
 */
int l4_io_udp_connect(l4_io_udp_sock *s, const char *addr, uint16_t port);

/** The bound local port, or 0 on error. */
uint16_t l4_io_udp_local_port(const l4_io_udp_sock *s);

/**
 * Sends up to `n` datagrams to the connected peer with one sendmmsg(2).
 * Returns the number sent (may be fewer than n when the socket buffer is
 * full, 0 included). Errors: L4_ERR_IO.
 */
int l4_io_udp_send_batch(l4_io_udp_sock *s, const l4_io_udp_msg *m, size_t n);

/**
 * Receives up to `n` datagrams with one recvmmsg(2); each m[i].len is set.
 * Returns the number received, 0 when none is waiting. Errors: L4_ERR_IO.
 */
int l4_io_udp_recv_batch(l4_io_udp_sock *s, l4_io_udp_msg *m, size_t n);

/**
 * Receives one datagram from any peer into buf (`cap` bytes) and writes
 * the sender's address (numeric, NUL-terminated) into `addr` (`addrcap`
 * bytes, 46 is enough) and its port into *port. Returns the datagram
 * length, L4_ERR_AGAIN when none is waiting. Errors: L4_ERR_IO.
 */
l4_ssize l4_io_udp_recv_from(l4_io_udp_sock *s, uint8_t *buf, size_t cap, char *addr,
                             size_t addrcap, uint16_t *port);

/**
 * Waits until a datagram can be read or `timeout` ns pass (L4_TIME_NONE:
 * forever). Returns 1 readable, 0 timed out. Errors: L4_ERR_IO.
 */
int l4_io_udp_wait(l4_io_udp_sock *s, l4_time timeout);

/** Closes the socket (fd becomes -1). Safe on a closed socket. */
void l4_io_udp_close(l4_io_udp_sock *s);

#endif
