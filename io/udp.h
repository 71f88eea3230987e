/*
 * io/udp.h — kernel UDP sockets for running the QUIC engine against real
 * peers: non-blocking, batched with recvmmsg/sendmmsg, and where the kernel
 * offers them, UDP generic segmentation (UDP_SEGMENT, "GSO": one send of
 * many equal-sized datagrams) and receive coalescing (UDP_GRO: one receive
 * of many datagrams from one sender). Without them the same calls fall back
 * to one datagram per message.
 */
#ifndef L4_IO_UDP_H
#define L4_IO_UDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

/** One socket. `fd` is -1 when closed. */
typedef struct l4_io_udp_sock {
    int fd;
    int family;    /* AF_INET or AF_INET6 */
    int gso, gro;  /* offloads in use (l4_io_udp_offload) */
    int connected; /* l4_io_udp_connect* succeeded */
    int ecn;       /* received datagrams report their ECN bits (l4_io_udp_enable_ecn) */
} l4_io_udp_sock;

/** One datagram of a batch: `len` bytes at `buf` (`cap` for receiving). */
typedef struct l4_io_udp_msg {
    uint8_t *buf;
    size_t len, cap;
} l4_io_udp_msg;

/** A socket address (IPv4 or IPv6); `len` 0 means "none". */
typedef struct l4_io_udp_addr {
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } u;
    uint32_t len;
} l4_io_udp_addr;

/**
 * A message of a batch that may hold several datagrams. Sending: `len`
 * bytes at `buf` are datagrams of `seg` bytes each, the last one possibly
 * shorter (`seg` 0 or ≥ len: one datagram), to `peer` (`peer.len` 0: the
 * connected peer), with the ECN codepoint `ecn` (the low two bits of the
 * IP TOS / traffic class, RFC 3168; 0 Not-ECT leaves the socket's default).
 * Receiving: `cap` bytes at `buf`; sets `len`, `seg` (the size of every
 * datagram but the last; `len` when not coalesced: GRO only coalesces
 * datagrams with the same TOS), `peer` (the sender) and `ecn` (its ECN
 * bits, when s->ecn; else 0).
 */
typedef struct l4_io_udp_dgram {
    uint8_t *buf;
    size_t len, cap, seg;
    l4_io_udp_addr peer;
    uint8_t ecn;
} l4_io_udp_dgram;

/** Most datagrams one GSO send may carry (Linux UDP_MAX_SEGMENTS). */
#define L4_IO_UDP_GSO_MAX_SEGS 64
/** Most bytes one GSO send or GRO receive may carry (one IP packet). */
#define L4_IO_UDP_GSO_MAX_BYTES 65000
/** Most messages one l4_io_udp_sendv / recvv call handles. */
#define L4_IO_UDP_BATCH_MAX 64

/**
 * Parses a numeric IPv4 or IPv6 address and a port into `a`. Returns 0.
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL, not a numeric address).
 */
int l4_io_udp_addr_parse(l4_io_udp_addr *a, const char *addr, uint16_t port);

/**
 * Writes `a` as "1.2.3.4:443" or "[::1]:443" into `buf` (`cap` bytes,
 * 64 is enough, always NUL-terminated when cap > 0). Returns the length.
 * Errors: L4_ERR_INVALID_ARGUMENT (no address), L4_ERR_NOBUF.
 */
int l4_io_udp_addr_format(const l4_io_udp_addr *a, char *buf, size_t cap);

/** 1 when both addresses have the same family, address and port. */
int l4_io_udp_addr_eq(const l4_io_udp_addr *a, const l4_io_udp_addr *b);

/** 1 when `a` is a loopback address (127/8, ::1). */
int l4_io_udp_addr_is_loopback(const l4_io_udp_addr *a);

/**
 * Opens a non-blocking socket bound to the numeric address `addr` (any,
 * "0.0.0.0" and "::" included) and `port` (0 picks a free one).
 * Errors: L4_ERR_INVALID_ARGUMENT (not a numeric address), L4_ERR_IO
 * (socket/bind failed; errno says why).
 */
int l4_io_udp_open(l4_io_udp_sock *s, const char *addr, uint16_t port);

/**
 * Sets the default peer (connect(2)): datagrams go there and only its
 * datagrams are received; ICMP errors from it become ECONNREFUSED.
 * Errors: L4_ERR_INVALID_ARGUMENT (not numeric or another family), L4_ERR_IO.
 */
int l4_io_udp_connect(l4_io_udp_sock *s, const char *addr, uint16_t port);

/** As l4_io_udp_connect with a parsed address. */
int l4_io_udp_connect_addr(l4_io_udp_sock *s, const l4_io_udp_addr *a);

/** The bound local port, or 0 on error. */
uint16_t l4_io_udp_local_port(const l4_io_udp_sock *s);

/** Offloads l4_io_udp_offload may turn on. */
#define L4_IO_UDP_GSO 1u
#define L4_IO_UDP_GRO 2u

/**
 * Turns on the offloads in `want` that the kernel supports (UDP_SEGMENT
 * probed with getsockopt, UDP_GRO set with setsockopt) and raises the
 * socket buffers to `bufsize` bytes each (SO_*BUFFORCE when privileged,
 * else up to the sysctl limits; 0 leaves them). Returns the offloads now in
 * use (s->gso, s->gro say the same); never fails: what the kernel refuses
 * stays off.
 */
unsigned l4_io_udp_offload(l4_io_udp_sock *s, unsigned want, int bufsize);

/**
 * Asks the kernel for each received datagram's TOS / traffic class
 * (IP_RECVTOS, and IPV6_RECVTCLASS on an IPv6 socket) so l4_io_udp_recvv
 * reports its ECN bits. Returns 1 (s->ecn set), 0 when the kernel refused.
 */
int l4_io_udp_enable_ecn(l4_io_udp_sock *s);

/**
 * Sends up to `n` messages (at most L4_IO_UDP_BATCH_MAX) with one
 * sendmmsg(2); a message with several datagrams goes as one GSO send when
 * s->gso, else as separate datagrams. Returns the number of whole messages
 * sent (fewer than n when the socket buffer is full; 0 included). A GSO
 * send the device cannot segment (EIO) turns GSO off and is retried
 * without it. Errors: L4_ERR_IO (errno: ECONNREFUSED when the connected
 * peer sent an ICMP port unreachable, others).
 */
int l4_io_udp_sendv(l4_io_udp_sock *s, const l4_io_udp_dgram *m, size_t n);

/**
 * Receives up to `n` messages (at most L4_IO_UDP_BATCH_MAX) with one
 * recvmmsg(2), coalesced by GRO when s->gro (give each at least 64 KiB).
 * Returns the number received, 0 when none is waiting. Errors: L4_ERR_IO
 * (errno ECONNREFUSED on a connected socket whose peer is unreachable).
 */
int l4_io_udp_recvv(l4_io_udp_sock *s, l4_io_udp_dgram *m, size_t n);

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

/**
 * As l4_io_udp_wait, also waking when the socket can be written if
 * `for_write`. Returns 1 ready, 0 timed out (or interrupted by a signal).
 * Errors: L4_ERR_IO.
 */
int l4_io_udp_wait_rw(l4_io_udp_sock *s, int for_write, l4_time timeout);

/**
 * As l4_io_udp_wait_rw, also waking when `also` (NULL or closed: ignored)
 * can be read. Returns 1 ready, 0 timed out. Errors: L4_ERR_IO.
 */
int l4_io_udp_wait_rw2(l4_io_udp_sock *s, l4_io_udp_sock *also, int for_write, l4_time timeout);

/** Closes the socket (fd becomes -1). Safe on a closed socket. */
void l4_io_udp_close(l4_io_udp_sock *s);

#endif
