/*
 * quic/conn.h — one QUIC version 1 connection (RFC 9000, 9001, 9002), sans
 * I/O: datagrams in with l4_quic_conn_input, datagrams out with
 * l4_quic_conn_output, timers through next_timeout / handle_timeout, the
 * application through the stream calls and the callbacks below. The TLS
 * handshake runs behind quic/tls.h.
 *
 * Time is `now` in nanoseconds; randomness (connection IDs) comes from an
 * l4_rng seeded with settings.seed.
 */
#ifndef L4_QUIC_CONN_H
#define L4_QUIC_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "cc/cc.h"
#include "quic/tls.h"
#include "util/err.h"
#include "util/time.h"
#include "wire/quic_frame.h"
#include "wire/quic_pkt.h"
#include "wire/quic_tp.h"

typedef struct l4_quic_conn l4_quic_conn;
struct l4_rng;

/** Connection settings; start from l4_quic_settings_default(). */
typedef struct l4_quic_settings {
    l4_quic_tp tp;       /* local transport parameters (limits, idle timeout ...) */
    const char *cc;      /* congestion control name (cc/cc.h), default "reno" */
    l4_time initial_rtt; /* RFC 9002 §6.2.2: 333 ms */
    size_t max_datagram; /* largest datagram sent, ≥ 1200 (default 1200) */
    size_t cid_len;      /* length of the connection IDs this end issues (default 8) */
    uint64_t seed;       /* seeds the connection's l4_rng */
    /* The key stateless reset tokens derive from (l4_quic_reset_token): with
       it, an endpoint that lost a connection's state can still end it with a
       Stateless Reset (RFC 9000 §10.3). Without it (reset_key_set 0) tokens
       are random and only this connection knows them. */
    uint8_t reset_key[16];
    uint8_t reset_key_set;
    /* ECN (RFC 9000 §13.4): 1 to mark sent packets ECT(0) while the path is
       tested and once it is validated. The application then sets on each
       datagram the codepoint l4_quic_conn_output_dgram gives and reports the
       codepoint of each received one (l4_quic_conn_input_dgram); received
       codepoints are counted (ACK_ECN) whatever this says. Default 0. */
    int ecn;
} l4_quic_settings;

/** Fills `s` with defaults: 1 MiB connection / 256 KiB stream windows, 100 streams each way, 30 s
 * idle. */
void l4_quic_settings_default(l4_quic_settings *s);

/** Events for the application; any member may be NULL. */
typedef struct l4_quic_callbacks {
    void (*handshake_done)(l4_quic_conn *c, void *user);
    /* the peer opened stream `sid` (the first frame for it arrived) */
    void (*stream_opened)(l4_quic_conn *c, uint64_t sid, void *user);
    /* new bytes (or the FIN) can be read from `sid` */
    void (*stream_readable)(l4_quic_conn *c, uint64_t sid, void *user);
    /* flow control opened for `sid`: more can be written */
    void (*stream_writable)(l4_quic_conn *c, uint64_t sid, void *user);
    /* the peer reset its sending side of `sid` (RESET_STREAM) */
    void (*stream_reset)(l4_quic_conn *c, uint64_t sid, uint64_t err, void *user);
    /* the peer asked us to stop sending on `sid` (STOP_SENDING); we reset it */
    void (*stream_stop)(l4_quic_conn *c, uint64_t sid, uint64_t err, void *user);
    /* the connection ended: `app` 1 for an application error code, `err`
     * the code, `reason` (not NUL-terminated); `by_peer` 1 when the peer
     * closed, 0 when this end did (error or l4_quic_conn_close), 2 idle,
     * 3 a Stateless Reset from the peer (RFC 9000 §10.3.1). */
    void (*closed)(l4_quic_conn *c, int by_peer, int app, uint64_t err, const char *reason,
                   size_t reason_len, void *user);
    /* this end issued connection ID `cid` (NEW_CONNECTION_ID, RFC 9000
     * §5.1.1): datagrams whose Destination Connection ID is `cid` belong to
     * `c` from now on (a host's demultiplexer learns it here) */
    void (*cid_new)(l4_quic_conn *c, const l4_quic_cid *cid, void *user);
    /* `cid` no longer names `c`: the peer retired it (RETIRE_CONNECTION_ID),
     * (a server's original Destination CID from the client names the
     * connection until it is freed: l4_quic_conn_local_cids lists it) */
    void (*cid_retired)(l4_quic_conn *c, const l4_quic_cid *cid, void *user);
    /* application data may be sent before the handshake completes
     * (quic/early.h): a client's 0-RTT is ready (called from
     * l4_quic_conn_set_early_tp), or a server accepted the client's 0-RTT
     * and may answer at once (0.5-RTT). handshake_done still follows. */
    void (*early_data)(l4_quic_conn *c, void *user);
} l4_quic_callbacks;

/**
 * Creates a client connection: picks its connection IDs, binds `tls` (owned
 * by the connection from now on, even on error) and queues the ClientHello:
 * the caller drains l4_quic_conn_output next (in the emulator, l4_sim_wake);
 * the same holds after every application call that queues data.
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL argument, bad settings),
 * L4_ERR_NOMEM, L4_ERR_NOT_FOUND (unknown cc), the TLS provider's errors.
 */
int l4_quic_conn_new_client(l4_quic_conn **out, const l4_quic_settings *s,
                            const l4_quic_callbacks *cb, void *user, l4_quic_tls *tls, l4_time now);

/**
 * Creates a server connection for the client Initial in `dgram` (which the
 * caller then feeds with l4_quic_conn_input). `tls` as for the client.
 * Errors as l4_quic_conn_new_client, plus L4_ERR_MALFORMED (not a client
 * Initial of version 1 in a datagram of at least 1200 bytes, RFC 9000 §14.1).
 */
int l4_quic_conn_new_server(l4_quic_conn **out, const l4_quic_settings *s,
                            const l4_quic_callbacks *cb, void *user, l4_quic_tls *tls,
                            const uint8_t *dgram, size_t len, l4_time now);

/** Frees the connection, its streams and its TLS provider. NULL is ignored. */
void l4_quic_conn_free(l4_quic_conn *c);

/**
 * Feeds one received UDP datagram. Packets that cannot be decrypted are
 * dropped silently (RFC 9000 §12.2); protocol violations close the
 * connection (the closed callback reports the error). Returns 0, or
 * L4_ERR_STATE when the connection is already closed, L4_ERR_NOMEM.
 */
int l4_quic_conn_input(l4_quic_conn *c, const uint8_t *dgram, size_t len, l4_time now);

/**
 * Writes the next datagram to send into `buf` (`cap` ≥ 1200 bytes):
 * Initial, Handshake and 1-RTT packets coalesced as needed. Returns its
 * length, 0 when nothing is to be sent now (congestion window, amplification
 * limit, nothing pending). Errors: L4_ERR_NOBUF (cap < 1200), L4_ERR_NOMEM.
 */
l4_ssize l4_quic_conn_output(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_time now);

/** The earliest deadline (loss, PTO, ACK delay, idle, closing), or L4_TIME_NONE. */
l4_time l4_quic_conn_next_timeout(const l4_quic_conn *c);

/** Runs the timers that are due at `now`. */
void l4_quic_conn_handle_timeout(l4_quic_conn *c, l4_time now);

/* ---- paths and migration (RFC 9000 §8.2, §9) ---------------------------- */

/**
 * A network path as the application sees it: the peer's address and port in
 * any encoding (compared byte for byte), the first `addr_len` bytes being
 * the address (a change there, not only in the port, resets the congestion
 * controller, §9.4).
 */
typedef struct l4_quic_path {
    uint8_t len, addr_len;
    uint8_t id[38];
} l4_quic_path;

/**
 * l4_quic_conn_input for a datagram that came from `from`. A server that
 * sees its peer's newest non-probing packet arrive from another path (NAT
 * rebinding, a client's migration) moves to that path and validates it
 * (PATH_CHALLENGE / PATH_RESPONSE, §8.2, §9.3): until then it sends at most
 * three times what it received there; if validation fails it returns to the
 * previous path. A PATH_CHALLENGE is answered on the path it arrived on.
 * `from` NULL is l4_quic_conn_input (no path tracking). Errors as
 * l4_quic_conn_input.
 */
int l4_quic_conn_input_path(l4_quic_conn *c, const uint8_t *dgram, size_t len,
                            const l4_quic_path *from, l4_time now);

/**
 * l4_quic_conn_output that also says where the datagram goes: `*to` is the
 * connection's current path (the last one given to input_path), or the path
 * a PATH_RESPONSE answers. Returns as l4_quic_conn_output.
 */
l4_ssize l4_quic_conn_output_path(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_quic_path *to,
                                  l4_time now);

/**
 * A client's active migration (RFC 9000 §9.2): the caller is about to send
 * from a new local address or port (it rebinds its socket right after this
 * call, before the next l4_quic_conn_output). The connection moves to a
 * connection ID of the server's it has not used (§9.5) and retires the old
 * one, and validates the new path with PATH_CHALLENGE (the server follows
 * on the first packet, §9.3); `new_addr` 1 when the local address changed,
 * not only the port: the congestion controller and RTT estimate start over
 * (§9.4). Errors: L4_ERR_STATE (a server, handshake not confirmed, or
 * closing), L4_ERR_UNSUPPORTED (the server sent disable_active_migration,
 * §18.2), L4_ERR_NOT_FOUND (the server gave no spare connection ID).
 */
int l4_quic_conn_migrate(l4_quic_conn *c, int new_addr, l4_time now);

/**
 * A server's preferred address (RFC 9000 §9.6, §18.2): an IPv4 and/or an
 * IPv6 address with its port, in network byte order as on the wire; a
 * family left all zero (address and port) is absent. `cid` and `token` are
 * the connection ID (sequence 1) and its stateless reset token that come
 * with it; the engine fills them.
 */
typedef struct l4_quic_preferred_addr {
    uint8_t ipv4[4];
    uint8_t port4[2];
    uint8_t ipv6[16];
    uint8_t port6[2];
    l4_quic_cid cid;
    uint8_t token[16];
} l4_quic_preferred_addr;

/**
 * Server: offers `pa` (its addresses; cid and token are ignored) as the
 * preferred address in the transport parameters, with a new connection ID
 * of sequence 1 for it (issued now: the application routes it, see
 * l4_quic_conn_local_cids). Call it right after l4_quic_conn_new_server,
 * before the first datagram is input. The server keeps sending from the
 * address the client used until the client's non-probing packets arrive
 * at the preferred one and that path is validated (§9.6.2; that is the
 * path logic of l4_quic_conn_input_path: the application tells the paths
 * apart, e.g. by the local socket). Errors: L4_ERR_INVALID_ARGUMENT (NULL,
 * no address, a zero port beside a non-zero address), L4_ERR_STATE (a
 * client, or the transport parameters were already sent).
 */
int l4_quic_conn_set_preferred_address(l4_quic_conn *c, const l4_quic_preferred_addr *pa);

/**
 * Client: the preferred address the server offered (with its connection ID
 * and token) into *pa. Errors: L4_ERR_NOT_FOUND (none; or a server).
 */
int l4_quic_conn_preferred_address(const l4_quic_conn *c, l4_quic_preferred_addr *pa);

/**
 * Client: moves to the server's preferred address (RFC 9000 §9.6.1), once
 * the handshake is confirmed; the caller then sends to that address (e.g.
 * l4_io_quic_ep_move). As l4_quic_conn_migrate with a new address: the
 * connection ID of the preferred address (sequence 1, or another unused one
 * when the server retired it), PATH_CHALLENGE on the new path, cc and RTT
 * reset; allowed even when the server sent disable_active_migration
 * (§18.2). When validation fails (l4_quic_conn_stats.paths_failed) the
 * client may go back to the original address. Errors: L4_ERR_STATE (a
 * server, not confirmed, closing, or moved already), L4_ERR_NOT_FOUND (no
 * preferred address, or no unused connection ID).
 */
int l4_quic_conn_migrate_preferred(l4_quic_conn *c, l4_time now);

/** The ECN codepoints (RFC 3168), the low two bits of the IP TOS / traffic class. */
#define L4_QUIC_ECN_NOT_ECT 0u
#define L4_QUIC_ECN_ECT1    1u
#define L4_QUIC_ECN_ECT0    2u
#define L4_QUIC_ECN_CE      3u

/**
 * l4_quic_conn_input_path for a datagram that arrived with ECN codepoint
 * `ecn` (L4_QUIC_ECN_*; the IP header's two ECN bits): its packets are
 * counted per packet number space and reported in ACK_ECN frames (RFC 9000
 * §13.4.1); a CE mark is acknowledged at once (§13.2.1). `from` may be
 * NULL. Errors as l4_quic_conn_input.
 */
int l4_quic_conn_input_dgram(l4_quic_conn *c, const uint8_t *dgram, size_t len,
                             const l4_quic_path *from, unsigned ecn, l4_time now);

/**
 * l4_quic_conn_output_path that also gives the ECN codepoint to send the
 * datagram with in *ecn (ECT(0) while ECN is being tested or validated,
 * settings.ecn; else L4_QUIC_ECN_NOT_ECT). `to` and `ecn` may be NULL.
 * Returns as l4_quic_conn_output.
 */
l4_ssize l4_quic_conn_output_dgram(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_quic_path *to,
                                   unsigned *ecn, l4_time now);

/**
 * Where ECN validation stands (RFC 9000 §13.4.2, Appendix A.4): "off"
 * (settings.ecn 0), "testing" (the first packets on the path are marked),
 * "unknown" (waiting for their acknowledgments), "capable" (validated:
 * every packet is marked), "failed" (the peer's counts did not add up, or
 * the marked packets were lost: no more marking).
 */
const char *l4_quic_conn_ecn_state(const l4_quic_conn *c);

/* ---- application API -------------------------------------------------- */

/**
 * Opens a locally-initiated stream (`uni` 1 for unidirectional); its id in
 * *sid. Errors: L4_ERR_STATE (handshake not complete and no 0-RTT / 0.5-RTT
 * under way (quic/early.h), or closing),
 * L4_ERR_LIMIT (the peer's MAX_STREAMS allows no more now; STREAMS_BLOCKED
 * is sent, RFC 9000 §4.6), L4_ERR_NOMEM.
 */
int l4_quic_stream_open(l4_quic_conn *c, int uni, uint64_t *sid);

/**
 * Copies up to `len` bytes into stream `sid`'s send buffer, `fin` 1 to end
 * the stream after them (only if all `len` bytes were taken). Returns the
 * bytes taken (may be fewer than len: buffer space is bounded by flow
 * control + settings). Errors: L4_ERR_NOT_FOUND (no such stream),
 * L4_ERR_STATE (not a sending stream, FIN already written, reset, or the
 * connection is closing).
 */
l4_ssize l4_quic_stream_write(l4_quic_conn *c, uint64_t sid, const uint8_t *data, size_t len,
                              int fin);

/**
 * Reads up to `cap` in-order bytes from stream `sid` into `buf`; *fin is set
 * to 1 when the FIN has been read (all data consumed). Returns the bytes read
 * (0 when none available). Reading returns credit to the peer (MAX_DATA,
 * MAX_STREAM_DATA when half a window was consumed). Errors:
 * L4_ERR_NOT_FOUND (no such stream, or already finished and freed),
 * L4_ERR_STATE (not a receiving stream).
 */
l4_ssize l4_quic_stream_read(l4_quic_conn *c, uint64_t sid, uint8_t *buf, size_t cap, int *fin);

/** Abruptly ends our sending side with RESET_STREAM(err). Errors: L4_ERR_NOT_FOUND, L4_ERR_STATE.
 */
int l4_quic_stream_reset(l4_quic_conn *c, uint64_t sid, uint64_t err);

/** Asks the peer to stop sending with STOP_SENDING(err). Errors: L4_ERR_NOT_FOUND, L4_ERR_STATE. */
int l4_quic_stream_stop(l4_quic_conn *c, uint64_t sid, uint64_t err);

/**
 * Closes the connection with an application error (CONNECTION_CLOSE 0x1d,
 * or 0x1c APPLICATION_ERROR before the handshake completes, RFC 9000 §10.2.3)
 * and enters the closing period. Errors: L4_ERR_STATE (already closing).
 */
int l4_quic_conn_close(l4_quic_conn *c, uint64_t app_err, const char *reason, l4_time now);

/**
 * Starts a key update (RFC 9001 §6): the next 1-RTT packets use the next
 * key phase; the peer follows. Errors: L4_ERR_STATE (handshake not
 * confirmed, closing, or no packet of the current phase acknowledged yet,
 * §6.5), L4_ERR_UNSUPPORTED / L4_ERR_NOMEM from key derivation.
 */
int l4_quic_conn_key_update(l4_quic_conn *c);

/* ---- connection IDs (RFC 9000 §5.1) ----------------------------------- */

/*
 * Once the handshake completes each end issues connection IDs up to the
 * peer's active_connection_id_limit (NEW_CONNECTION_ID, each with a
 * stateless reset token), accepts the peer's within its own limit
 * (CONNECTION_ID_LIMIT_ERROR beyond), and retires both ways
 * (RETIRE_CONNECTION_ID, Retire Prior To). Our limit is
 * settings.tp.active_connection_id_limit, at most 8.
 */

/**
 * Lists the connection IDs that currently name this connection on
 * arrival (ours, not retired; at a server also the client's original
 * Destination CID, for late copies of its first Initial) into `out` (`cap`
 * entries). Returns how many there are (may exceed cap). Later changes come
 * through the cid_new / cid_retired callbacks.
 */
size_t l4_quic_conn_local_cids(const l4_quic_conn *c, l4_quic_cid *out, size_t cap);

/**
 * Switches to another of the peer's connection IDs for the packets we send
 * (RFC 9000 §5.1.2, e.g. before a change of address, §9.5) and retires the
 * one used so far (RETIRE_CONNECTION_ID). Errors: L4_ERR_STATE (handshake
 * not confirmed, or closing), L4_ERR_NOT_FOUND (the peer gave no spare ID).
 */
int l4_quic_conn_switch_dcid(l4_quic_conn *c);

/**
 * Issues a fresh set of connection IDs and asks the peer to retire every
 * older one (Retire Prior To = the first new sequence number, §5.1.2); the
 * old IDs keep routing here until the peer's RETIRE_CONNECTION_ID arrives.
 * Errors: L4_ERR_STATE (handshake not complete, closing, or a renewal still
 * waiting for the peer's retirements).
 */
int l4_quic_conn_renew_cids(l4_quic_conn *c);

/**
 * A number that changes whenever the set l4_quic_conn_local_cids lists
 * changes (an ID issued or retired): a demultiplexer that polls instead of
 * using the cid_new / cid_retired callbacks compares it.
 */
uint64_t l4_quic_conn_cids_version(const l4_quic_conn *c);

/** The sequence number of the peer's connection ID we send to. */
uint64_t l4_quic_conn_dcid_seq(const l4_quic_conn *c);

/**
 * The stateless reset token of connection ID `cid` under `key` (RFC 9000
 * §10.3.2: a keyed function of the ID, here SipHash-2-4 twice with two
 * domain bytes). Endpoints sharing the key give the same token.
 */
void l4_quic_reset_token(const uint8_t key[16], const l4_quic_cid *cid,
                         uint8_t token[L4_QUIC_RESET_TOKEN_LEN]);

/**
 * Writes a Stateless Reset (RFC 9000 §10.3) answering the datagram `dgram`
 * (`len` bytes), whose short header names connection ID `cid` (`cid_len`
 * bytes after the first byte) this endpoint no longer knows: a short-header
 * first byte, unpredictable bytes from `rng`, then the token of `cid` under
 * `key`. It is one byte shorter than `dgram` (at most 64 bytes), so two
 * endpoints that both lost state cannot loop (§10.3.3). Returns its length,
 * 0 when no reset is due (`dgram` under 22 bytes or a long header). Errors:
 * L4_ERR_NOBUF (cap too small), L4_ERR_INVALID_ARGUMENT.
 */
l4_ssize l4_quic_stateless_reset(uint8_t *buf, size_t cap, const uint8_t key[16],
                                 const uint8_t *dgram, size_t len, size_t cid_len,
                                 struct l4_rng *rng);

/* ---- state ------------------------------------------------------------ */

/** 1 once the TLS handshake completed at this end. */
int l4_quic_conn_handshake_complete(const l4_quic_conn *c);
/** 1 once the connection is over (closing / draining periods ended, or idle). */
int l4_quic_conn_is_closed(const l4_quic_conn *c);
/** 1 while closing or draining (or closed). */
int l4_quic_conn_is_closing(const l4_quic_conn *c);

/** Counters and estimates, for tests and tools. */
typedef struct l4_quic_conn_stats {
    uint64_t pkts_sent, pkts_recv, pkts_lost, pkts_dropped;
    uint64_t pkts_retx;        /* lost ack-eliciting packets: their frames were queued again */
    uint64_t stateless_resets; /* Stateless Resets recognised (RFC 9000 §10.3.1) */
    uint64_t migrations;       /* the peer moved to another path (§9.3) */
    uint64_t local_migrations; /* this end moved (l4_quic_conn_migrate, §9.2) */
    /* ECN (§13.4): datagrams sent ECT(0); packets received ECT(0) / CE; CE
       marks the peer reported (increases of its ACK_ECN CE counts) */
    uint64_t ecn_marked, ecn_ect0_recv, ecn_ce_recv, ecn_ce_reported;
    uint64_t paths_validated, paths_failed; /* path validations that succeeded / timed out */
    uint64_t path_challenges_sent;
    uint64_t bytes_sent, bytes_recv; /* UDP payload bytes */
    uint64_t stream_bytes_retx;      /* STREAM bytes sent again after loss */
    uint64_t pto_count_total;        /* PTO expiries */
    uint64_t key_updates;            /* key phase changes (either side started them) */
    uint64_t blocked_recv; /* DATA_BLOCKED, STREAM_DATA_BLOCKED, STREAMS_BLOCKED received */
    l4_time srtt, min_rtt, latest_rtt, rttvar;
    uint64_t cwnd, bytes_in_flight;
    uint64_t ssthresh;      /* the algorithm's slow-start threshold (UINT64_MAX-like while unset) */
    uint64_t pacing_rate;   /* bytes/s the sender paces at; 0: not paced */
    uint64_t delivered;     /* bytes of in-flight packets acknowledged (the rate sampler's count) */
    uint64_t delivery_rate; /* the last delivery-rate sample, bytes/s (0: none yet) */
    uint64_t app_limited_periods; /* times the sender ran out of data with room in cwnd */
    uint64_t pkts_paced;          /* times the pacer held data back */
    uint64_t local_err;           /* the transport/app error this end closed with */
    uint64_t peer_err;            /* the error in the peer's CONNECTION_CLOSE */
} l4_quic_conn_stats;

/** Fills `st`. */
void l4_quic_conn_get_stats(const l4_quic_conn *c, l4_quic_conn_stats *st);

/**
 * The connection's state by name: "handshaking", "established", "closing"
 * (we sent CONNECTION_CLOSE, RFC 9000 §10.2.1), "draining" (the peer's
 * arrived, §10.2.2) or "closed" (that period ended, or the idle timeout).
 */
const char *l4_quic_conn_state_name(const l4_quic_conn *c);

/**
 * The congestion controller (cc/cc.h) the connection runs, for inspection
 * (e.g. l4_cc_bbr_mode); owned by the connection, valid until it is freed.
 */
const l4_cc *l4_quic_conn_cc(const l4_quic_conn *c);

/**
 * The AEAD of the cipher suite TLS negotiated (quic/crypto.h; the name:
 * l4_quic_suite_name in quic/suites.h), known once the Handshake keys are
 * installed. Errors: L4_ERR_STATE (not negotiated yet).
 */
int l4_quic_conn_aead(const l4_quic_conn *c);

/** The peer's transport parameters (valid once the handshake has progressed), or NULL. */
const l4_quic_tp *l4_quic_conn_peer_tp(const l4_quic_conn *c);

/* ---- events (qlog, timelines) ---------------------------------------- */

/*
 * An optional observer sees what the connection does, as the structs below,
 * at the moment it happens (the core formats nothing and writes nothing; a
 * qlog writer such as io/quic_qlog.h turns the events into a file). The
 * names follow the qlog QUIC event definitions
 * (draft-ietf-quic-qlog-quic-events, "transport:packet_sent" ...).
 */
typedef enum l4_quic_event_type {
    L4_QUIC_EV_PACKET_SENT = 1,  /* a packet was built (before protection: frames readable) */
    L4_QUIC_EV_PACKET_RECEIVED,  /* a packet was decrypted (before its frames are processed) */
    L4_QUIC_EV_PACKET_DROPPED,   /* a packet was discarded (`trigger` says why) */
    L4_QUIC_EV_PACKET_LOST,      /* RFC 9002 §6.1 declared a sent packet lost */
    L4_QUIC_EV_METRICS_UPDATED,  /* cwnd, RTT, bytes in flight ... changed (after ACK / loss / PTO)
                                  */
    L4_QUIC_EV_CONGESTION_STATE, /* slow_start, congestion_avoidance, recovery, application_limited
                                  */
    L4_QUIC_EV_PARAMETERS_SET,   /* transport parameters: ours (at attach) or the peer's */
    L4_QUIC_EV_CONNECTION_STATE, /* handshake_complete, handshake_confirmed, closing, draining,
                                    closed */
} l4_quic_event_type;

/** The most frames one packet event lists (frames_total counts them all). */
#define L4_QUIC_EV_MAX_FRAMES 32

/** One event; pointers are lent for the duration of the callback. */
typedef struct l4_quic_event {
    l4_quic_event_type type;
    l4_time now;
    /* PACKET_*: the packet */
    int pkt_type;   /* L4_QUIC_PKT_INITIAL, _HANDSHAKE, _1RTT ... */
    uint64_t pn;    /* packet number (PACKET_DROPPED: L4_QUIC_PN_NONE when unknown) */
    size_t pkt_len; /* the packet's bytes on the wire (one of a datagram's coalesced packets) */
    const l4_quic_cid *dcid, *scid; /* scid NULL for a short header */
    /* SENT / RECEIVED: the frames, decoded (STREAM / CRYPTO data readable) */
    const l4_quic_frame *frames;
    size_t nframes, frames_total;
    /* DROPPED: "decryption_failure", "duplicate", "unknown_connection_id", "key_unavailable";
       LOST: "reordering_threshold" (§6.1.1), "time_threshold" (§6.1.2);
       CONGESTION_STATE: "loss", "persistent_congestion", or NULL */
    const char *trigger;
    /* METRICS_UPDATED: the connection's numbers after the change */
    const l4_quic_conn_stats *stats;
    /* CONGESTION_STATE / CONNECTION_STATE: names (old NULL for the first) */
    const char *old_state, *new_state;
    /* PARAMETERS_SET */
    const l4_quic_tp *tp;
    int local; /* 1: ours, 0: the peer's */
} l4_quic_event;

typedef void (*l4_quic_event_fn)(l4_quic_conn *c, const l4_quic_event *ev, void *user);

/**
 * Attaches an event observer (`fn` NULL detaches). The connection calls
 * `fn(c, ev, user)` for each event and `release(user)` (may be NULL) when the
 * observer is replaced or the connection is freed, so an observer can own
 * its state (a qlog file). Attaching reports our transport parameters at
 * once (PARAMETERS_SET, local). Observers must not call back into the
 * connection except for getters (l4_quic_conn_get_stats ...).
 */
void l4_quic_conn_set_observer(l4_quic_conn *c, l4_quic_event_fn fn, void (*release)(void *),
                               void *user);

/** 1 when this end is the server. */
int l4_quic_conn_is_server(const l4_quic_conn *c);

/** The Destination Connection ID of the client's first Initial (names the connection, e.g. in
 * qlog file names). */
const l4_quic_cid *l4_quic_conn_odcid(const l4_quic_conn *c);

/**
 * Writes a Version Negotiation packet (RFC 9000 §6, §17.2.1) answering the
 * long-header datagram `dgram` of an unsupported version: CIDs swapped,
 * listing version 1 and a greasing version (0x?a?a?a?a from `grease`).
 * Returns its length, 0 when no answer is due (a VN packet, a short header,
 * version 1, or a datagram under 1200 bytes: §6.1 only answers packets that
 * could be a client's first). Errors: L4_ERR_NOBUF.
 */
l4_ssize l4_quic_version_negotiation(uint8_t *buf, size_t cap, const uint8_t *dgram, size_t len,
                                     uint32_t grease);

#endif
