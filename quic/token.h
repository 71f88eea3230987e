/*
 * quic/token.h — a server's address validation without state (RFC 9000
 * §8.1): tokens it gives out in Retry packets (§8.1.2) and NEW_TOKEN frames
 * (§8.1.3), and the check of a client's first Initial that decides between
 * accepting it, answering with a Retry, and closing with INVALID_TOKEN.
 *
 * A token is sealed with AES-128-GCM under the server's 16-byte key:
 *
 *   kind (1) | nonce (12) | AEAD( issued time (8) [| ODCID | Retry SCID] ) | tag (16)
 *
 * with the kind byte and the client's address as associated data, so a
 * token that was altered, made under another key or presented from another
 * address fails to open; kind 0xa1 marks Retry tokens (bound to the address
 * and port, valid seconds), 0xa2 NEW_TOKEN tokens (bound to the address
 * only, since a returning client has a new port; valid hours), which
 * §8.1.1 asks a server to tell apart. The server keeps nothing per token.
 *
 * Sans-IO like the rest of quic/: the time is `now`, nonces and connection
 * IDs come from the caller's l4_rng (seed it from the system's randomness
 * in a real server: nonces must not repeat under one key).
 */
#ifndef L4_QUIC_TOKEN_H
#define L4_QUIC_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "quic/conn.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/time.h"

#define L4_QUIC_TOKEN_KEY_LEN 16
#define L4_QUIC_TOKEN_MAX     96   /* the longest token made here (a Retry token) */
#define L4_QUIC_TOKEN_RETRY   0xa1 /* first byte of a Retry token */
#define L4_QUIC_TOKEN_NEW     0xa2 /* first byte of a NEW_TOKEN token */

/** What an opened token says. */
typedef struct l4_quic_token {
    int kind;          /* L4_QUIC_TOKEN_RETRY or L4_QUIC_TOKEN_NEW */
    l4_time issued;    /* the `now` it was made at */
    l4_quic_cid odcid; /* Retry: the client's original Destination Connection ID */
    l4_quic_cid rscid; /* Retry: the Source Connection ID of the Retry packet */
} l4_quic_token;

/**
 * Makes a token of `kind` for the client at `peer` (l4_quic_path: the
 * address is peer->id[0, addr_len), the port the rest) into `buf`. Retry
 * tokens bind the whole path and carry `odcid` and `rscid`; NEW_TOKEN tokens
 * bind the address only and carry neither (both may be NULL). Returns the
 * token's length (≤ L4_QUIC_TOKEN_MAX). Errors: L4_ERR_INVALID_ARGUMENT
 * (NULL key / peer / rng, unknown kind, a Retry token without CIDs),
 * L4_ERR_NOBUF, L4_ERR_UNSUPPORTED / L4_ERR_NOMEM (the cipher failed).
 */
l4_ssize l4_quic_token_seal(uint8_t *buf, size_t cap, const uint8_t key[L4_QUIC_TOKEN_KEY_LEN],
                            int kind, const l4_quic_path *peer, const l4_quic_cid *odcid,
                            const l4_quic_cid *rscid, l4_time now, l4_rng *rng);

/**
 * Opens `tok` presented by the client at `peer` and checks its age against
 * `lifetime`. Returns 0 with *out filled. Errors: L4_ERR_MALFORMED (not a
 * token made here: wrong length or kind byte), L4_ERR_CHECKSUM (altered,
 * another key, or presented from another address — or, for a Retry token,
 * another port), L4_ERR_LIMIT (expired: older than `lifetime`, or issued
 * after `now`), L4_ERR_INVALID_ARGUMENT (NULL argument),
 * L4_ERR_UNSUPPORTED / L4_ERR_NOMEM (the cipher failed).
 */
int l4_quic_token_open(const uint8_t key[L4_QUIC_TOKEN_KEY_LEN], const uint8_t *tok, size_t len,
                       const l4_quic_path *peer, l4_time now, l4_time lifetime, l4_quic_token *out);

/** A server's address-validation policy and key. */
typedef struct l4_quic_validator {
    uint8_t key[L4_QUIC_TOKEN_KEY_LEN];
    int retry; /* 1: validate every new client with a Retry unless its token is valid */
    l4_time retry_lifetime; /* Retry tokens; 0: 10 s */
    l4_time token_lifetime; /* NEW_TOKEN tokens; 0: 24 h */
    size_t cid_len;         /* the Retry packet's Source Connection ID length; 0: 8 */
} l4_quic_validator;

/** l4_quic_screen_initial's verdicts. */
enum {
    L4_QUIC_SCREEN_ACCEPT = 0, /* create the connection; then l4_quic_conn_set_validation */
    L4_QUIC_SCREEN_REPLY = 1,  /* send the reply (Retry or INVALID_TOKEN close); no connection */
    L4_QUIC_SCREEN_DROP = 2,   /* not a client Initial worth an answer */
};

/** What the check of a client's first Initial found. */
typedef struct l4_quic_screen {
    int verdict;       /* L4_QUIC_SCREEN_* */
    int validated;     /* a valid token proved the address (§8.1.2, §8.1.3) */
    int token_kind;    /* the Initial's token: 0 none, L4_QUIC_TOKEN_RETRY / _NEW, -1 unknown */
    int token_err;     /* why the token was refused (an L4_ERR_* of l4_quic_token_open), or 0 */
    int retry_sent;    /* REPLY: the reply is a Retry (else a CONNECTION_CLOSE) */
    size_t reply_len;  /* REPLY: the reply's length */
    l4_quic_cid odcid; /* ACCEPT after a Retry: the client's original DCID */
    l4_quic_cid rscid; /* ACCEPT after a Retry: the Retry's SCID (the Initial's DCID) */
} l4_quic_screen;

/**
 * Decides what a server does with the datagram `dgram` from `from` that no
 * connection owns (RFC 9000 §8.1):
 * - a client Initial (version 1, ≥ 1200 bytes) with a valid Retry token:
 *   ACCEPT, validated, with the CIDs for the transport parameters (§7.3);
 * - with a Retry token that does not open or has expired: REPLY with an
 *   Initial carrying CONNECTION_CLOSE(INVALID_TOKEN) under the Initial keys
 *   of the packet's DCID (§8.1.2: the client would not accept a second
 *   Retry), no state kept;
 * - with a valid NEW_TOKEN token: ACCEPT, validated;
 * - otherwise (no token, an unknown one, an invalid or expired NEW_TOKEN
 *   token, §8.1.3: as if none): REPLY with a Retry (new SCID from `rng`,
 *   token for `from`, integrity tag, RFC 9001 §5.8) when v->retry, else
 *   ACCEPT, not validated;
 * - anything else (short header, other packet types or versions, a short
 *   datagram): DROP.
 * `reply` takes up to `cap` bytes (≥ 256 is always enough). Returns the
 * verdict. Errors: L4_ERR_INVALID_ARGUMENT (NULL argument), L4_ERR_NOBUF,
 * L4_ERR_UNSUPPORTED / L4_ERR_NOMEM (a cipher failed).
 */
int l4_quic_screen_initial(const l4_quic_validator *v, const uint8_t *dgram, size_t len,
                           const l4_quic_path *from, l4_time now, l4_rng *rng, uint8_t *reply,
                           size_t cap, l4_quic_screen *out);

/**
 * Server: applies the screen's findings to a connection just made for the
 * screened datagram (before it is fed): a validated address lifts the 3x
 * amplification limit (§8.1), and after a Retry the transport parameters
 * carry the original DCID and retry_source_connection_id (§7.3) and the
 * Retry's SCID keeps routing the client's Initial and 0-RTT packets here.
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL, a client), L4_ERR_STATE (the
 * connection has already received or sent a packet).
 */
int l4_quic_conn_set_validation(l4_quic_conn *c, const l4_quic_screen *s);

/**
 * Server: sends `tok` to the client in a NEW_TOKEN frame once the handshake
 * is complete (§8.1.3; resent if lost). The token is copied. Errors:
 * L4_ERR_INVALID_ARGUMENT (a client, NULL, len 0 or over 512), L4_ERR_NOMEM.
 */
int l4_quic_conn_send_token(l4_quic_conn *c, const uint8_t *tok, size_t len);

/**
 * Client: the token to carry in this connection's Initial packets (from a
 * NEW_TOKEN frame of an earlier connection to the same server, §8.1.3);
 * call it before the first l4_quic_conn_output. A Retry replaces it.
 * Errors: L4_ERR_INVALID_ARGUMENT (a server, NULL, len 0 or over 512),
 * L4_ERR_STATE (a packet was already sent), L4_ERR_NOMEM.
 */
int l4_quic_conn_set_token(l4_quic_conn *c, const uint8_t *tok, size_t len);

/**
 * Client: the token of the last NEW_TOKEN frame the server sent on this
 * connection (*len set), for the next connection; NULL when none came.
 * Valid until the connection is freed or the next NEW_TOKEN arrives.
 */
const uint8_t *l4_quic_conn_new_token(const l4_quic_conn *c, size_t *len);

#endif
