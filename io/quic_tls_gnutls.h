/*
 * io/quic_tls_gnutls.h — the quic/tls.h provider over GnuTLS's QUIC API
 * (gnutls_handshake_write, handshake read / secret / alert functions, the
 * quic_transport_parameters extension 0x39). It lives in io/ because a
 * GnuTLS handshake reads the wall clock and the system's randomness.
 */
#ifndef L4_IO_QUIC_TLS_GNUTLS_H
#define L4_IO_QUIC_TLS_GNUTLS_H

#include <stddef.h>
#include <stdint.h>

#include "quic/suites.h"
#include "quic/tls.h"

/** Receives one SSLKEYLOGFILE line (NSS format, no newline). */
typedef void (*l4_quic_keylog_fn)(void *user, const char *line);

/** Credentials loaded once and shared by many connections (see l4_quic_tls_creds_new). */
typedef struct l4_quic_tls_creds l4_quic_tls_creds;

/** How to set up one endpoint's TLS. Strings and PEM buffers are copied. */
typedef struct l4_quic_tls_config {
    int is_server;
    const char *alpn; /* one protocol; NULL means "h3" */
    /* Server: its certificate chain and key, PEM. Client: optional client auth (unused). */
    const uint8_t *cert_pem;
    size_t cert_pem_len;
    const uint8_t *key_pem;
    size_t key_pem_len;
    /* Client: the name to verify the certificate against (and to send as SNI). */
    const char *server_name;
    /* Client: trusted CAs (PEM); NULL uses the system trust store. */
    const uint8_t *ca_pem;
    size_t ca_pem_len;
    int insecure; /* client: accept any certificate (curl's --insecure) */
    /* The TLS 1.3 cipher suites (RFC 9001 §5.3) offered (client) or
     * accepted (server), a set of L4_QUIC_SUITE bits (quic/suites.h; parse a
     * user's list with l4_quic_suites_parse); 0: all three. Initial packets
     * use AES-128-GCM whatever this says (RFC 9001 §5.2). */
    unsigned ciphers;
    l4_quic_keylog_fn keylog;
    void *keylog_user;
    /* Optional: use these credentials (made from a config of the same role)
     * instead of loading cert/key or CAs again; they must outlive the
     * providers made with them. Loading a key pair checks it with a
     * signature, a third of a server's handshake CPU when done per connection. */
    const l4_quic_tls_creds *creds;
    /* Resumption and 0-RTT (RFC 9001 §4.6). Client: `session` (from an
     * earlier connection's `ticket` callback) resumes that session, and
     * unless `no_early_data` offers 0-RTT (the engine gets the 0-RTT keys;
     * see l4_quic_conn_set_early_tp). `ticket(ticket_user, data, len)` is
     * called with the session to keep each time the server sends a
     * NewSessionTicket (data lent for the call). Server: with `creds` it
     * issues tickets under the credentials' ticket key after each
     * handshake and accepts 0-RTT (with GnuTLS's anti-replay window over a
     * cache of seen ClientHellos in the credentials) unless `no_early_data`. */
    const uint8_t *session;
    size_t session_len;
    int no_early_data;
    void (*ticket)(void *user, const uint8_t *data, size_t len);
    void *ticket_user;
} l4_quic_tls_config;

/**
 * Creates a provider for one connection. On success `*out` is owned by the
 * caller until it is handed to a QUIC connection (which frees it), or freed
 * with out->ops->free(out).
 *
 * Errors: L4_ERR_INVALID_ARGUMENT (server without certificate/key, bad PEM,
 * client verifying without server_name, `creds` made for the other role,
 * `ciphers` with bits of no suite),
 * L4_ERR_NOMEM, L4_ERR_UNSUPPORTED (GnuTLS refused the configuration).
 */
int l4_quic_tls_gnutls_new(l4_quic_tls **out, const l4_quic_tls_config *cfg);

/**
 * Loads the certificate and key (server) or the trust anchors (client, not
 * insecure) `cfg` names, once, for l4_quic_tls_config.creds. Server
 * credentials also hold a random session-ticket key and the 0-RTT
 * anti-replay state (RFC 8446 §8: tickets older than the window, or a
 * ClientHello seen before within it, get their early data refused), shared
 * by every connection made with them. Errors as
 * l4_quic_tls_gnutls_new: L4_ERR_INVALID_ARGUMENT (missing or bad PEM, a
 * verifying client without server_name), L4_ERR_NOMEM, L4_ERR_UNSUPPORTED
 * (no system trust store).
 */
int l4_quic_tls_creds_new(l4_quic_tls_creds **out, const l4_quic_tls_config *cfg);

/** Frees credentials (after every provider using them). NULL is ignored. */
void l4_quic_tls_creds_free(l4_quic_tls_creds *c);

/**
 * Generates a self-signed ECDSA P-256 certificate for `name` (CN and DNS
 * SAN), valid from `not_before` (Unix seconds) for `days` days, and its key,
 * both PEM, into malloc'd buffers the caller frees. For tests and for
 * servers started without a certificate.
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (NULL name), L4_ERR_NOMEM,
 * L4_ERR_UNSUPPORTED (GnuTLS failure).
 */
int l4_quic_tls_selfsigned(const char *name, long not_before, unsigned days, uint8_t **cert_pem,
                           size_t *cert_len, uint8_t **key_pem, size_t *key_len);

#endif
