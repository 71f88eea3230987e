/*
 * quic/early.h — 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1, §17.2.3): a client
 * that resumes a TLS session (the provider's session data) and remembers
 * the server's transport parameters sends application data before the
 * handshake completes, in 0-RTT packets of the application packet-number
 * space; the server decrypts and delivers them once TLS accepts the
 * early data, and answers before the client's Finished (0.5-RTT). When
 * the server rejects 0-RTT, everything the client sent in it is resent in
 * 1-RTT packets.
 *
 * Replay (RFC 9001 §9.2, RFC 8446 §8): 0-RTT data can be replayed by an
 * attacker. GnuTLS refuses early data of a ClientHello seen before within
 * its window (io/quic_tls_gnutls.h), but a server should still only act on
 * requests that are safe to repeat; l4_quic_stream_early tells it which
 * streams began in 0-RTT (h3/ answers any other method than GET/HEAD on
 * them with 425 Too Early, RFC 8470).
 */
#ifndef L4_QUIC_EARLY_H
#define L4_QUIC_EARLY_H

#include <stdint.h>

#include "quic/conn.h"

/** Where a connection stands with 0-RTT. */
enum {
    L4_QUIC_EARLY_NONE = 0,     /* not offered (client), not received (server) */
    L4_QUIC_EARLY_OFFERED = 1,  /* client: 0-RTT keys in hand, handshake under way */
    L4_QUIC_EARLY_ACCEPTED = 2, /* the server accepted the early data */
    L4_QUIC_EARLY_REJECTED = 3, /* client: the server refused it (resent in 1-RTT) */
};

/** 0-RTT and resumption facts, for reports and tests. */
typedef struct l4_quic_early_info {
    int state;          /* L4_QUIC_EARLY_* */
    int resumed;        /* the handshake resumed an earlier TLS session (no certificate) */
    uint64_t pkts_sent; /* client: 0-RTT packets sent */
    uint64_t pkts_recv; /* server: 0-RTT packets received and decrypted */
    uint64_t bytes;     /* STREAM payload bytes sent (client) / received (server) in 0-RTT */
    uint64_t resent;    /* client: 0-RTT packets whose frames went again after a rejection */
} l4_quic_early_info;

/**
 * Client: the transport parameters the server sent on the connection whose
 * session is being resumed (RFC 9000 §7.4.1). Only the limits 0-RTT data
 * needs are taken: initial_max_data, the three initial_max_stream_data_*,
 * initial_max_streams_bidi/uni and active_connection_id_limit (also
 * max_udp_payload_size); the server's new values replace them when they
 * arrive. When the TLS provider produced 0-RTT keys (it resumes a session
 * that allows early data), streams may be opened and written from now on
 * and the `early_data` callback is called before this returns. Call it
 * before the first l4_quic_conn_output. Errors: L4_ERR_INVALID_ARGUMENT (a
 * server, NULL), L4_ERR_STATE (a packet was already sent).
 */
int l4_quic_conn_set_early_tp(l4_quic_conn *c, const l4_quic_tp *remembered);

/** Fills `out`. */
void l4_quic_conn_early_info(const l4_quic_conn *c, l4_quic_early_info *out);

/**
 * 1 when stream `sid` was opened by data that arrived in a 0-RTT packet
 * (server: its first request bytes may be a replay), 0 otherwise (also for
 * an unknown stream).
 */
int l4_quic_stream_early(const l4_quic_conn *c, uint64_t sid);

#endif
