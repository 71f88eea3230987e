/*
 * host/quic_cid.h — QUIC connection-ID demultiplexing on a UDP socket
 * (RFC 9000 §5.2): the host routes each datagram to a connection by its
 * Destination Connection ID instead of its 4-tuple, so a connection keeps
 * receiving when the peer moves to another of its connection IDs (§5.1.2)
 * or another address (NAT rebinding, migration, §9), and many connections
 * share one server socket.
 *
 * Typical use at a server (connections created by the application):
 *   l4_socket_quic_enable(h, sd, 8);              // our CIDs are 8 bytes
 *   ... for every CID a connection lists (l4_quic_conn_local_cids) and the
 *   ... cid_new callback reports: l4_socket_quic_cid_add(h, sd, &cid, conn);
 *   ... cid_retired: l4_socket_quic_cid_del(h, sd, &cid);
 *   n = l4_socket_quic_recv(h, sd, buf, cap, &src, &sport, &conn, now);
 *   // conn NULL: no connection has that CID (a new client's Initial, or a
 *   // packet for a connection this host forgot: answer with a Stateless Reset)
 *
 * The table (quic/cid_table.h, shared with io/quic_ep.h) is per socket,
 * hashed with SipHash-2-4 under the host's key (a sender cannot aim CIDs at
 * one chain), and freed with the socket. `conn`
 * is the caller's pointer, never dereferenced here.
 */
#ifndef L4_HOST_QUIC_CID_H
#define L4_HOST_QUIC_CID_H

#include <stddef.h>
#include <stdint.h>

#include "host/socket.h"
#include "wire/quic_pkt.h"

/** Counters of one socket's demultiplexer. */
typedef struct l4_quic_demux_stats {
    uint64_t routed;     /* datagrams whose DCID named a connection */
    uint64_t unknown;    /* datagrams whose DCID named none */
    uint64_t unparsable; /* datagrams that are not QUIC (no DCID could be read) */
    size_t cids;         /* connection IDs in the table */
} l4_quic_demux_stats;

/**
 * Turns connection-ID demultiplexing on for UDP socket `sd`; short-header
 * packets carry `short_cid_len`-byte DCIDs (the length this host's
 * connections issue, RFC 9000 §17.3). Calling it again changes the length.
 * Errors: L4_EBADF, L4_EOPNOTSUPP (not UDP), L4_EINVAL (length over 20),
 * L4_ENOMEM.
 */
int l4_socket_quic_enable(l4_host *h, int sd, size_t short_cid_len);

/**
 * Routes datagrams whose DCID is `cid` to `conn`. Errors: L4_EBADF,
 * L4_EINVAL (not enabled, NULL, empty or over-long CID), L4_EADDRINUSE (the
 * CID already routes to another connection), L4_ENOMEM.
 */
int l4_socket_quic_cid_add(l4_host *h, int sd, const l4_quic_cid *cid, void *conn);

/** Stops routing `cid`. Errors: L4_EBADF, L4_EINVAL (not enabled), L4_EADDRNOTAVAIL (unknown). */
int l4_socket_quic_cid_del(l4_host *h, int sd, const l4_quic_cid *cid);

/** Removes every CID of `conn` (when the connection is freed); returns how many. */
size_t l4_socket_quic_cid_del_conn(l4_host *h, int sd, const void *conn);

/**
 * l4_socket_recvfrom, plus the connection the datagram's Destination
 * Connection ID names in *conn (NULL when none or not parsable; long
 * headers of any version carry their DCID length, short headers the
 * socket's). Errors as l4_socket_recvfrom, and L4_EINVAL (not enabled).
 */
l4_ssize l4_socket_quic_recv(l4_host *h, int sd, void *buf, size_t cap, l4_addr *src,
                             uint16_t *sport, void **conn, l4_time now);

/** Fills `st`. Errors: L4_EBADF, L4_EINVAL (not enabled). */
int l4_socket_quic_stats(l4_host *h, int sd, l4_quic_demux_stats *st);

#endif
