/*
 * quic/tls.h — the TLS 1.3 handshake as the QUIC engine sees it (RFC 9001
 * §4): an object that takes CRYPTO-frame bytes per encryption level and
 * answers with handshake bytes to send, traffic secrets, the peer's
 * transport parameters, completion and alerts.
 *
 * The engine never calls a TLS library directly: a TLS stack reads the wall
 * clock and the system's randomness, which the core must not. A provider
 * (io/quic_tls_gnutls.h, or a test double) implements l4_quic_tls_ops.
 */
#ifndef L4_QUIC_TLS_H
#define L4_QUIC_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "quic/crypto.h"
#include "util/err.h"

/** Encryption levels (RFC 9001 §4.1.4); also index the packet-number spaces. */
typedef enum l4_quic_level {
    L4_QUIC_LEVEL_INITIAL = 0,
    L4_QUIC_LEVEL_HANDSHAKE = 1,
    L4_QUIC_LEVEL_APP = 2,   /* 1-RTT */
    L4_QUIC_LEVEL_EARLY = 3, /* 0-RTT: secrets only, no space of its own */
} l4_quic_level;

/**
 * What the provider calls back into the engine (`conn` is the pointer given
 * to bind). Each returns 0, or a negative L4_ERR_* that the provider passes
 * up as the result of the call that triggered it.
 */
typedef struct l4_quic_tls_events {
    /* Handshake bytes to carry in CRYPTO frames at `level` (copied). */
    int (*send_crypto)(void *conn, l4_quic_level level, const uint8_t *data, size_t len);
    /* A traffic secret for `level`: `is_tx` 1 for sending, 0 for receiving. */
    int (*secret)(void *conn, l4_quic_level level, int is_tx, l4_quic_aead aead,
                  const uint8_t *secret, size_t len);
    /* The peer's quic_transport_parameters extension body (RFC 9001 §8.2). */
    int (*remote_tp)(void *conn, const uint8_t *tp, size_t len);
    /* Writes the local transport parameters into buf; returns the length or an error. */
    l4_ssize (*local_tp)(void *conn, uint8_t *buf, size_t cap);
} l4_quic_tls_events;

typedef struct l4_quic_tls l4_quic_tls;

/** A provider's operations. */
typedef struct l4_quic_tls_ops {
    /* Attaches the engine; called once before anything else. */
    int (*bind)(l4_quic_tls *tls, const l4_quic_tls_events *ev, void *conn);
    /* Client: produce the ClientHello (through send_crypto). Server: no-op. */
    int (*start)(l4_quic_tls *tls);
    /* Feeds CRYPTO bytes received in order at `level` and advances the
     * handshake. Returns 1 when the handshake has completed (now or before),
     * 0 when it needs more, L4_ERR_STATE on a TLS failure with the alert in
     * *alert (RFC 9001 §4.8: CRYPTO_ERROR 0x100 + alert). */
    int (*provide)(l4_quic_tls *tls, l4_quic_level level, const uint8_t *data, size_t len,
                   uint8_t *alert);
    /* The negotiated ALPN protocol (NULL before or when none); *len set. */
    const uint8_t *(*alpn)(l4_quic_tls *tls, size_t *len);
    /* Releases the provider. */
    void (*free)(l4_quic_tls *tls);
    /* Optional (NULL: 0): once the handshake completed, L4_QUIC_TLS_RESUMED
     * when it resumed an earlier session (RFC 8446 §2.2: no certificate)
     * and L4_QUIC_TLS_EARLY_ACCEPTED when the server accepted 0-RTT
     * (RFC 9001 §4.6.2: early_data in EncryptedExtensions). */
    unsigned (*session_flags)(l4_quic_tls *tls);
} l4_quic_tls_ops;

#define L4_QUIC_TLS_RESUMED        1u
#define L4_QUIC_TLS_EARLY_ACCEPTED 2u

/** A provider instance: its ops and private state. */
struct l4_quic_tls {
    const l4_quic_tls_ops *ops;
    void *impl;
};

#endif
