/*
 * io/quic_ep.h — a QUIC endpoint on one kernel UDP socket: it runs any
 * number of l4_quic_conn (a server accepts new ones; a client adds its
 * one), feeding them received datagrams and sending what they produce,
 * with their timers, on the real clock.
 *
 * The hot path is batched: datagrams arrive with recvmmsg (coalesced by
 * UDP GRO when the kernel offers it) and leave with sendmmsg, equal-sized
 * runs of one connection's datagrams as one UDP GSO send. The datagrams
 * are written by the engine straight into the send arena; nothing is
 * allocated or copied per packet here.
 *
 * Datagrams are routed by their Destination Connection ID
 * (quic/cid_table.h; RFC 9000 §5.2), whatever address they come from: a
 * client whose address or port changes (NAT rebinding, migration, §9)
 * keeps its connection, and the engine validates the new path (it says
 * where each datagram goes: l4_quic_conn_output_path). A client endpoint
 * can move to a new local socket (l4_io_quic_ep_rebind). Single-threaded;
 * not reentrant.
 */
#ifndef L4_IO_QUIC_EP_H
#define L4_IO_QUIC_EP_H

#include <stddef.h>
#include <stdint.h>

#include "io/udp.h"
#include "quic/conn.h"
#include "quic/token.h"

typedef struct l4_io_quic_ep l4_io_quic_ep;

/** What the endpoint asks of the application; any member may be NULL. */
typedef struct l4_io_quic_ep_ops {
    /* Server: a datagram (`len` bytes) from `from` whose Destination
     * Connection ID names no connection (a client's first Initial).
     * Return a server connection created for it (l4_quic_conn_new_server)
     * and set *app to the pointer later calls get, or return NULL to drop
     * the datagram. The endpoint owns the connection from then on. */
    l4_quic_conn *(*accept)(void *user, const uint8_t *dgram, size_t len,
                            const l4_io_udp_addr *from, l4_time now, void **app);
    /* Called for every connection before its datagrams are drained, each
     * round: the place to move application data into the streams. */
    void (*pump)(void *user, l4_quic_conn *c, void *app, l4_time now);
    /* The connection reached the closed state (or the endpoint is being
     * freed): the last call for it; the endpoint frees it right after. */
    void (*closed)(void *user, l4_quic_conn *c, void *app);
} l4_io_quic_ep_ops;

/** How to open an endpoint; start from zero. */
typedef struct l4_io_quic_ep_config {
    const char *addr;    /* numeric local address to bind ("0.0.0.0", "::1" ...) */
    uint16_t port;       /* 0 picks one */
    int is_server;       /* accept connections from unknown addresses */
    unsigned offload;    /* L4_IO_UDP_GSO | L4_IO_UDP_GRO to use where available */
    int sockbuf;         /* socket buffer bytes each way; 0: 4 MiB; < 0: leave */
    size_t max_datagram; /* largest datagram any connection sends (≥ 1200; 0: 1452) */
    size_t max_conns;    /* server: most connections at once (0: 4096) */
    int ecn;             /* ECN (RFC 9000 §13.4): read each datagram's ECN bits and send
                            with the codepoint each connection asks for (its
                            settings.ecn says whether it marks) */
    size_t cid_len;      /* length of the connection IDs every connection here issues
                            (l4_quic_settings.cid_len; 0: 8): short headers carry no length */
    l4_io_quic_ep_ops ops;
    void *user;
    /* Server, optional: address validation (RFC 9000 §8.1, quic/token.h).
     * Every Initial that would start a connection is screened first: a
     * Retry (validator->retry) or a CONNECTION_CLOSE(INVALID_TOKEN) is
     * answered here and no connection is made; an accepted one gets
     * l4_quic_conn_set_validation before its first datagram, and once its
     * handshake completes a NEW_TOKEN token bound to the client's address.
     * The struct is copied; a zero key is replaced by a random one. */
    const l4_quic_validator *validator;
    /* Server, optional: Stateless Reset (RFC 9000 §10.3). With a key (16
     * bytes, copied), a short-header datagram whose connection ID names no
     * connection here (the server restarted, or freed the connection) is
     * answered with a Stateless Reset carrying the token of that ID under
     * the key (l4_quic_reset_token), one byte shorter than the datagram and
     * at most 64 bytes; a datagram of 21 bytes or less, which could itself
     * be a Stateless Reset, gets none (§10.3.3), nor does a long header.
     * At most `reset_rate` per second (0: 100) after a burst of a quarter
     * of that. The connections must issue their IDs under the same key
     * (settings.reset_key, reset_key_set), so that the tokens their peers
     * hold match and a peer ends at once instead of at its idle timeout. */
    const uint8_t *reset_key;
    unsigned reset_rate;
    /* Server, optional: a preferred address (RFC 9000 §9.6), numeric, not
     * a wildcard, and its port (0 picks one): a second socket is bound there, every
     * connection accepted offers it (l4_quic_conn_set_preferred_address)
     * with a connection ID routed on both sockets, and each connection's
     * datagrams leave from the socket its peer's current path reached (the
     * engine's paths carry which one, so a client moving there is a
     * migration the server validates, §9.6.2). */
    const char *preferred_addr;
    uint16_t preferred_port;
} l4_io_quic_ep_config;

/** Counters, for reports and benchmarks. */
typedef struct l4_io_quic_ep_stats {
    uint64_t dgrams_in, dgrams_out;  /* datagrams */
    uint64_t bytes_in, bytes_out;    /* UDP payload bytes */
    uint64_t recv_calls, send_calls; /* recvmmsg / sendmmsg calls that moved data */
    uint64_t gso_sends;              /* messages sent with more than one datagram */
    uint64_t gro_msgs;               /* messages received holding more than one datagram */
    uint64_t accepted, refused;      /* server: connections created / datagrams dropped */
    uint64_t send_blocked;           /* times the socket buffer was full */
    uint64_t rebinds;                /* client: l4_io_quic_ep_rebind calls that moved it */
    uint64_t ecn_out;                /* datagrams sent with an ECN codepoint (cfg.ecn) */
    uint64_t ecn_in[4];              /* datagrams received per ECN codepoint ([1] ECT(1),
                                        [2] ECT(0), [3] CE; [0] unused) */
    /* server with a validator: Retry packets sent, Initials whose token
     * validated the address, INVALID_TOKEN closes sent, NEW_TOKEN tokens given */
    uint64_t retries, tokens_valid, invalid_tokens, tokens_sent;
    /* server with a reset key: Stateless Resets sent; short-header datagrams
       of unknown IDs left unanswered by the rate limit */
    uint64_t resets_sent, resets_limited;
} l4_io_quic_ep_stats;

/**
 * Opens the socket (and a server's preferred-address socket), binds it and
 * turns on the offloads the kernel has. Errors: L4_ERR_INVALID_ARGUMENT
 * (NULL, bad address, max_datagram < 1200 or > 65000, a preferred address
 * that is not numeric, is a wildcard, or is given to a client), L4_ERR_NOMEM, L4_ERR_IO
 * (socket/bind; errno says why).
 */
int l4_io_quic_ep_open(l4_io_quic_ep **out, const l4_io_quic_ep_config *cfg);

/**
 * Adds a connection (a client's, or one the caller made itself) that
 * talks to `peer`; the endpoint owns `c` from now on (it is freed after the
 * closed op, or by l4_io_quic_ep_free). A client endpoint connect(2)s its
 * socket to the peer, so that an ICMP port unreachable is reported as
 * ECONNREFUSED by l4_io_quic_ep_step.
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL, family differs from the socket's,
 * connection IDs of another length than cfg.cid_len; `c` is not taken),
 * L4_ERR_STATE (`c`, or a connection with its ID, is here already; not
 * taken), L4_ERR_NOMEM (not taken), L4_ERR_IO (connect failed; not taken).
 */
int l4_io_quic_ep_add(l4_io_quic_ep *ep, l4_quic_conn *c, void *app, const l4_io_udp_addr *peer);

/**
 * Client: moves to a new socket bound to the numeric address `addr` (NULL:
 * any address of the family) and `port` (0: a free one), connected to the
 * peer, with the same offloads; datagrams queued for the old socket leave
 * from it first, and it stays open for receiving (what is already on its
 * way there) until the next rebind or l4_io_quic_ep_free. Alone this is a
 * NAT rebinding as the server sees it; after l4_quic_conn_migrate it is an
 * active migration (RFC 9000 §9.2). Errors: L4_ERR_STATE (a server
 * endpoint, or no connection), L4_ERR_INVALID_ARGUMENT (not a numeric
 * address of the socket's family), L4_ERR_IO (socket/bind/connect; errno).
 */
int l4_io_quic_ep_rebind(l4_io_quic_ep *ep, const char *addr, uint16_t port);

/**
 * Client: l4_io_quic_ep_rebind that also changes the peer the new socket
 * is connected to (NULL: the same one): a move to a server's preferred
 * address (RFC 9000 §9.6.1, after l4_quic_conn_migrate_preferred), or back
 * to its original address when validating that failed. Errors as
 * l4_io_quic_ep_rebind, and L4_ERR_INVALID_ARGUMENT for a peer of
 * another family.
 */
int l4_io_quic_ep_move(l4_io_quic_ep *ep, const char *addr, uint16_t port,
                       const l4_io_udp_addr *peer);

/**
 * One round: receives what is waiting, runs due timers, pumps and drains
 * every connection, sends, frees closed connections; when nothing moved,
 * sleeps until the earliest timer, a datagram, or `max_wait` ns.
 * Returns 0. Errors: L4_ERR_IO (errno; ECONNREFUSED: a client's peer is
 * unreachable — the connections are left as they are).
 */
int l4_io_quic_ep_step(l4_io_quic_ep *ep, l4_time max_wait);

/** The number of live connections. */
size_t l4_io_quic_ep_count(const l4_io_quic_ep *ep);

/** The bound local port. */
uint16_t l4_io_quic_ep_port(const l4_io_quic_ep *ep);

/** The bound port of a server's preferred-address socket, or 0 without one. */
uint16_t l4_io_quic_ep_preferred_port(const l4_io_quic_ep *ep);

/** The offloads in use (L4_IO_UDP_GSO | L4_IO_UDP_GRO). */
unsigned l4_io_quic_ep_offload(const l4_io_quic_ep *ep);

/** Fills `st`. */
void l4_io_quic_ep_get_stats(const l4_io_quic_ep *ep, l4_io_quic_ep_stats *st);

/** Calls the closed op for every connection left, frees them, closes the socket. NULL ignored. */
void l4_io_quic_ep_free(l4_io_quic_ep *ep);

#endif
