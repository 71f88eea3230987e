/*
 * host/socket.h — the socket-style API applications use on an l4_host.
 *
 * Sockets are small non-negative integers ("descriptors"), valid on the host
 * that made them until l4_socket_close. Every call is non-blocking: where a
 * POSIX socket would block, the call returns L4_EAGAIN and a callback tells
 * when to try again.
 *
 * Errors are negative L4_E* codes whose absolute value is the Linux errno
 * of the same name (L4_EAGAIN == -EAGAIN on Linux), so tools can print them
 * with strerror(-err) or l4_host_strerror(err). Codes that no errno matches
 * come from util/err.h (L4_ERR_NOMEM is reported as L4_ENOMEM).
 *
 * Events: callbacks run after the host has finished processing the packet,
 * timer or call that caused them (never inside a TCP engine call), so a
 * callback may call any function of this API, including l4_socket_close on
 * its own socket; l4_host_now(h) is the time to pass. They are level hints: after `readable`, read
 * until L4_EAGAIN.
 *
 * Address-in-use rules (like Linux): bind fails with L4_EADDRINUSE when a
 * socket of the same type is bound to the same port on an overlapping
 * address (equal, or either the wildcard of that family), unless both set
 * reuseaddr and the existing one is not listening; a TCP socket in TIME_WAIT
 * never blocks a reuseaddr bind; live connections on the port (accepted or
 * connect()ed) block a bind without reuseaddr. listen fails with
 * L4_EADDRINUSE when another socket already listens on an overlapping
 * address and port.
 *
 * Ephemeral ports (connect or sendto without bind, bind to port 0): RFC 6056
 * Algorithm 4 (double-hash port selection, a keyed SipHash of the local
 * address, remote address and remote port plus a per-bucket counter) with
 * Algorithm 5's random increments, in [ephemeral_min, ephemeral_max]; the
 * keys and counters come from the host's seed. A connect() whose 4-tuple is
 * held by a connection in TIME_WAIT may take it over when tcp_tw_reuse is set,
 * that connection negotiated timestamps (so PAWS on the peer protects the new
 * one, RFC 7323 §5) and it has been in TIME_WAIT for at least one second
 * (Linux's tcp_tw_reuse rule).
 */
#ifndef L4_HOST_SOCKET_H
#define L4_HOST_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "tcp/conn.h"
#include "util/err.h"
#include "util/time.h"
#include "wire/addr.h"

/* errno-like codes: -(Linux errno). */
#define L4_EPERM         (-1)
#define L4_EBADF         (-9)
#define L4_EAGAIN        (-11)
#define L4_ENOMEM        (-12)
#define L4_EINVAL        (-22)
#define L4_EMFILE        (-24)
#define L4_EPIPE         (-32)
#define L4_EDESTADDRREQ  (-89)
#define L4_EMSGSIZE      (-90)
#define L4_EPROTOTYPE    (-91)
#define L4_EOPNOTSUPP    (-95)
#define L4_EAFNOSUPPORT  (-97)
#define L4_EADDRINUSE    (-98)
#define L4_EADDRNOTAVAIL (-99)
#define L4_ECONNABORTED  (-103)
#define L4_ECONNRESET    (-104)
#define L4_ENOBUFS       (-105)
#define L4_EISCONN       (-106)
#define L4_ENOTCONN      (-107)
#define L4_ETIMEDOUT     (-110)
#define L4_ECONNREFUSED  (-111)
#define L4_EALREADY      (-114)
#define L4_EINPROGRESS   (-115)

/* Socket types. */
#define L4_SOCK_STREAM 1 /* TCP */
#define L4_SOCK_DGRAM  2 /* UDP */

/* l4_socket_recvfrom flags (out). */
#define L4_MSG_TRUNC 0x1 /* the datagram was longer than the buffer; the rest is lost */

/**
 * Event callbacks; any may be NULL. `user` is the pointer given to
 * l4_socket_set_callbacks. Accepted sockets inherit the listener's.
 */
typedef struct l4_socket_callbacks {
    /* data or end of stream to recv, a datagram to recvfrom, a connection to accept */
    void (*readable)(l4_host *h, int sd, void *user);
    void (*writable)(l4_host *h, int sd, void *user);       /* send buffer space */
    void (*connected)(l4_host *h, int sd, void *user);      /* connect() completed */
    void (*closed)(l4_host *h, int sd, void *user);         /* the connection reached CLOSED */
    void (*error)(l4_host *h, int sd, int err, void *user); /* err as l4_socket_error gives */
} l4_socket_callbacks;

/** What l4_host_sockets reports about one socket. */
typedef struct l4_socket_info {
    int sd;
    int type;            /* L4_SOCK_STREAM / L4_SOCK_DGRAM */
    int family;          /* L4_AF_INET4 / L4_AF_INET6 */
    l4_addr local, peer; /* peer all-zero when none */
    uint16_t lport, pport;
    int listening;
    int orphan;          /* closed by the application, still finishing (e.g. TIME_WAIT) */
    l4_tcp_state state;  /* TCP: the connection's state; LISTEN for listeners; CLOSED otherwise */
    size_t sendq, recvq; /* bytes queued to send (TCP) / readable (UDP: bytes of datagrams) */
    size_t backlog, syn_queue, accept_queue; /* listeners */
    int has_tcp_info;
    l4_tcp_info tcp;    /* cwnd, srtt, rto, counters (when has_tcp_info) */
    l4_time next_timer; /* the connection's next deadline, L4_TIME_NONE when none */
} l4_socket_info;

/**
 * Creates a socket of `family` (L4_AF_INET4 / L4_AF_INET6) and `type`.
 * Returns its descriptor (>= 0). Errors: L4_EAFNOSUPPORT, L4_EPROTOTYPE (bad
 * type), L4_EMFILE (max_sockets), L4_ENOMEM, L4_EINVAL (NULL host).
 */
int l4_socket_open(l4_host *h, int family, int type);

/** Sets the event callbacks and user pointer (cb NULL: none). Errors: L4_EBADF. */
int l4_socket_set_callbacks(l4_host *h, int sd, const l4_socket_callbacks *cb, void *user);

/** SO_REUSEADDR (see the rules above). Must precede bind. Errors: L4_EBADF. */
int l4_socket_set_reuseaddr(l4_host *h, int sd, int on);

/** TCP_NODELAY. Errors: L4_EBADF, L4_EOPNOTSUPP (not TCP). */
int l4_socket_set_nodelay(l4_host *h, int sd, int on);

/**
 * TCP_CONGESTION: the congestion control of this socket's connection (a name
 * registered in cc/, e.g. "cubic"; `name` is not kept), instead of the host's
 * l4_host_config tcp.cc. Set it before connect, or on a listener before
 * connections arrive (accepted connections inherit it). Errors: L4_EBADF,
 * L4_EOPNOTSUPP (not TCP), L4_EINVAL (NULL or unknown name), L4_EISCONN (the
 * socket already has its connection: connecting or connected).
 */
int l4_socket_set_cc(l4_host *h, int sd, const char *name);

/**
 * Binds to `addr` (NULL or all-zero: the wildcard of the socket's family)
 * and `port` (0: an ephemeral port). Errors: L4_EBADF, L4_EINVAL (already
 * bound or connected), L4_EAFNOSUPPORT (family differs), L4_EADDRNOTAVAIL
 * (not one of the host's addresses; no free ephemeral port), L4_EADDRINUSE.
 */
int l4_socket_bind(l4_host *h, int sd, const l4_addr *addr, uint16_t port);

/**
 * TCP: starts listening with at most `backlog` (>= 1; clamped to 1..65535)
 * half-open connections (the SYN queue) and at most `backlog` established
 * ones waiting for accept; a SYN arriving when the accept queue is full is
 * dropped (counted) so the client retries, and one arriving when the SYN
 * queue is full is answered with a SYN cookie (host config tcp_syncookies,
 * on by default) or dropped. Unbound sockets get an ephemeral port.
 * Calling it again on a listener updates the backlog.
 * Errors: L4_EBADF, L4_EOPNOTSUPP (UDP), L4_EINVAL (connected), L4_EADDRINUSE.
 */
int l4_socket_listen(l4_host *h, int sd, int backlog);

/**
 * Takes the oldest established connection off a listener's accept queue and
 * returns its descriptor; `peer` / `pport` (may be NULL) receive its remote
 * end. Errors: L4_EBADF, L4_EINVAL (not listening), L4_EAGAIN (none yet).
 */
int l4_socket_accept(l4_host *h, int sd, l4_addr *peer, uint16_t *pport);

/**
 * TCP: starts an active open (the SYN goes out at the next l4_host_output);
 * returns L4_EINPROGRESS, then `connected` (or `error` + `closed`) follows.
 * UDP: sets the default destination and filters received datagrams to that
 * peer; returns 0. Unbound sockets get an ephemeral port and a source
 * address of the host of the same family.
 * Errors: L4_EBADF, L4_EAFNOSUPPORT, L4_EINVAL (port 0, unspecified address,
 * listening), L4_EISCONN / L4_EALREADY (TCP already connected / connecting),
 * L4_EADDRNOTAVAIL (no source address, no free port or 4-tuple), L4_ENOMEM.
 */
int l4_socket_connect(l4_host *h, int sd, const l4_addr *addr, uint16_t port, l4_time now);

/**
 * TCP: queues up to `len` bytes; returns the count accepted (> 0).
 * UDP (connected): sends one datagram of exactly `len` bytes; returns len.
 * Errors: L4_EBADF, L4_ENOTCONN, L4_EDESTADDRREQ (unconnected UDP), L4_EAGAIN
 * (send buffer / host queue full, or len 0 on TCP), L4_EPIPE (TCP after
 * shutdown), the pending connection error (L4_ECONNRESET, ...), L4_EMSGSIZE
 * and L4_ENOBUFS (UDP, as l4_socket_sendto).
 */
l4_ssize l4_socket_send(l4_host *h, int sd, const void *buf, size_t len, l4_time now);

/**
 * TCP: copies up to `cap` received bytes; 0 means end of stream.
 * UDP: l4_socket_recvfrom without the source.
 * Errors: L4_EBADF, L4_ENOTCONN, L4_EAGAIN, the connection's error
 * (L4_ECONNRESET, L4_ETIMEDOUT, L4_ECONNREFUSED) once, then 0.
 */
l4_ssize l4_socket_recv(l4_host *h, int sd, void *buf, size_t cap, l4_time now);

/**
 * UDP: sends one datagram of `len` bytes to `addr`:`port` (NULL addr: the
 * connected peer). Unbound sockets are bound to an ephemeral port first.
 * Returns len. Errors: L4_EBADF, L4_EOPNOTSUPP (TCP), L4_EDESTADDRREQ,
 * L4_EAFNOSUPPORT, L4_EINVAL (port 0), L4_EMSGSIZE (over
 * l4_udp_max_payload: the host does not fragment), L4_ENOBUFS (host queue
 * full), L4_EADDRNOTAVAIL (no source address), L4_ENOMEM, and a pending
 * error (L4_ECONNREFUSED) once on connected sockets.
 */
l4_ssize l4_socket_sendto(l4_host *h, int sd, const void *buf, size_t len, const l4_addr *addr,
                          uint16_t port, l4_time now);

/**
 * UDP: the ECN codepoint (RFC 3168, 0-3: the IP header's two ECN bits) of
 * the datagrams this socket sends from now on, as IP_TOS sets it on a
 * kernel socket (QUIC marks per datagram: set it before each send).
 * Errors: L4_EBADF, L4_EOPNOTSUPP (TCP), L4_EINVAL (over 3).
 */
int l4_socket_set_ecn(l4_host *h, int sd, unsigned ecn);

/**
 * UDP: the ECN codepoint (0-3) of the datagram the last l4_socket_recvfrom
 * (or l4_socket_quic_recv) took, as the network delivered it (a link may
 * have marked it CE). Errors: L4_EBADF, L4_EOPNOTSUPP (TCP).
 */
int l4_socket_last_ecn(l4_host *h, int sd);

/**
 * UDP: takes one datagram (message boundaries kept); a longer one than `cap`
 * is cut and L4_MSG_TRUNC set in `*flags`. `src`, `sport`, `flags` may be
 * NULL. Returns the bytes copied. Errors: L4_EBADF, L4_EOPNOTSUPP (TCP),
 * L4_EAGAIN, a pending error (L4_ECONNREFUSED) once.
 */
l4_ssize l4_socket_recvfrom(l4_host *h, int sd, void *buf, size_t cap, l4_addr *src,
                            uint16_t *sport, int *flags, l4_time now);

/**
 * TCP: shuts down the sending direction (a FIN follows the queued data);
 * receiving continues. Errors: L4_EBADF, L4_ENOTCONN, L4_EOPNOTSUPP (UDP).
 */
int l4_socket_shutdown(l4_host *h, int sd, l4_time now);

/**
 * Releases the descriptor. A TCP connection finishes in the background (FIN,
 * TIME_WAIT; unread data makes it a RST, RFC 1122 §4.2.2.13) and is freed
 * when CLOSED. Closing a listener resets the connections not yet accepted.
 * Errors: L4_EBADF.
 */
int l4_socket_close(l4_host *h, int sd, l4_time now);

/** Reads and clears the pending error (like SO_ERROR): 0 or an L4_E* code. Errors: L4_EBADF. */
int l4_socket_error(l4_host *h, int sd);

/** The local address and port. Errors: L4_EBADF. */
int l4_socket_local(l4_host *h, int sd, l4_addr *addr, uint16_t *port);

/** The peer address and port. Errors: L4_EBADF, L4_ENOTCONN. */
int l4_socket_peer(l4_host *h, int sd, l4_addr *addr, uint16_t *port);

/** TCP state of the socket's connection (LISTEN for listeners, CLOSED when none). */
l4_tcp_state l4_socket_state(l4_host *h, int sd);

/** The socket's TCP connection (NULL for UDP, listeners, unconnected), e.g. for get_info. */
l4_tcp_conn *l4_socket_tcp_conn(l4_host *h, int sd);

/** Fills `*info` about descriptor `sd`. Errors: L4_EBADF (no such socket, including orphans: use
 * l4_host_sockets to see those). */
int l4_socket_info_get(l4_host *h, int sd, l4_socket_info *info);

/**
 * Calls `fn` for every socket of the host, orphans included, in descriptor
 * order. `fn` must not open or close sockets. Returns the number visited.
 */
size_t l4_host_sockets(l4_host *h, void (*fn)(const l4_socket_info *info, void *user), void *user);

#endif
