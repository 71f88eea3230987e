/*
 * quic/crypto.h — QUIC packet-protection keys (RFC 9001 §5.1–§5.2, §6.1):
 * HKDF-Expand-Label (RFC 8446 §7.1), Initial secrets from the client's
 * Destination Connection ID, and the key / IV / header-protection key
 * derived from a traffic secret for each supported AEAD.
 *
 * The primitives come from GnuTLS's crypto API; nothing here makes a
 * syscall, reads a clock or draws randomness.
 */
#ifndef L4_QUIC_CRYPTO_H
#define L4_QUIC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define L4_QUIC_MAX_SECRET_LEN     48 /* SHA-384 */
#define L4_QUIC_MAX_KEY_LEN        32
#define L4_QUIC_IV_LEN             12 /* every TLS 1.3 AEAD QUIC uses (RFC 9001 §5.3) */
#define L4_QUIC_TAG_LEN            16 /* the AEAD expansion of every supported suite */
#define L4_QUIC_HP_SAMPLE_LEN      16 /* RFC 9001 §5.4.2 */
#define L4_QUIC_HP_MASK_LEN        5
#define L4_QUIC_INITIAL_SECRET_LEN 32 /* SHA-256 */

/** The AEADs of the TLS 1.3 cipher suites QUIC v1 supports here. */
typedef enum l4_quic_aead {
    L4_QUIC_AEAD_AES_128_GCM = 0,       /* TLS_AES_128_GCM_SHA256; also Initial packets */
    L4_QUIC_AEAD_AES_256_GCM = 1,       /* TLS_AES_256_GCM_SHA384 */
    L4_QUIC_AEAD_CHACHA20_POLY1305 = 2, /* TLS_CHACHA20_POLY1305_SHA256 */
} l4_quic_aead;

/** The hash functions of those suites (the HKDF hash). */
typedef enum l4_quic_hash {
    L4_QUIC_HASH_SHA256 = 0,
    L4_QUIC_HASH_SHA384 = 1,
} l4_quic_hash;

/**
 * The packet-protection state for one direction at one encryption level:
 * the derived key, IV and header-protection key, plus GnuTLS cipher handles
 * (opaque here). Initialise with l4_quic_keys_init() or
 * l4_quic_keys_init_initial(), release with l4_quic_keys_free().
 */
typedef struct l4_quic_keys {
    l4_quic_aead aead;
    size_t key_len; /* 16 or 32; the hp key has the same length */
    uint8_t key[L4_QUIC_MAX_KEY_LEN];
    uint8_t iv[L4_QUIC_IV_LEN];
    uint8_t hp[L4_QUIC_MAX_KEY_LEN];
    void *aead_hd; /* gnutls_aead_cipher_hd_t */
    void *hp_hd;   /* gnutls_cipher_hd_t (AES-CBC as one ECB block, or ChaCha20) */
} l4_quic_keys;

/** The HKDF hash of `aead`'s cipher suite. */
l4_quic_hash l4_quic_aead_hash(l4_quic_aead aead);

/** Output length of `hash` in bytes (32 or 48). */
size_t l4_quic_hash_len(l4_quic_hash hash);

/** AEAD key length of `aead` in bytes (16 or 32). */
size_t l4_quic_aead_key_len(l4_quic_aead aead);

/**
 * HKDF-Extract (RFC 5869 §2.2): writes l4_quic_hash_len(hash) bytes of PRK to
 * `prk`. Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (unknown hash),
 * L4_ERR_UNSUPPORTED (GnuTLS refused the operation).
 */
int l4_quic_hkdf_extract(l4_quic_hash hash, uint8_t *prk, const uint8_t *salt, size_t salt_len,
                         const uint8_t *ikm, size_t ikm_len);

/**
 * HKDF-Expand-Label (RFC 8446 §7.1) with the "tls13 " prefix: fills
 * out[0..out_len) from `secret` (`secret_len` bytes), `label` (a C string
 * without the prefix, at most 249 characters) and `context` (ctx_len ≤ 255
 * bytes; may be NULL when 0).
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (label or context too long,
 * out_len over 255 × hash length or over 65535, unknown hash),
 * L4_ERR_UNSUPPORTED (GnuTLS refused the operation).
 */
int l4_quic_hkdf_expand_label(l4_quic_hash hash, uint8_t *out, size_t out_len,
                              const uint8_t *secret, size_t secret_len, const char *label,
                              const uint8_t *context, size_t ctx_len);

/**
 * The Initial secrets of QUIC version 1 (RFC 9001 §5.2): initial_secret =
 * HKDF-Extract(initial_salt, dcid) with SHA-256, then "client in" and
 * "server in" (32 bytes each) into `client` and `server` (either may be
 * NULL). `dcid` is the Destination Connection ID of the client's first
 * Initial packet.
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (dcid_len > 255),
 * L4_ERR_UNSUPPORTED (GnuTLS refused the operation).
 */
int l4_quic_initial_secrets(uint8_t *client, uint8_t *server, const uint8_t *dcid, size_t dcid_len);

/**
 * Derives the packet protection key ("quic key"), IV ("quic iv") and header
 * protection key ("quic hp") from a traffic `secret` (RFC 9001 §5.1) and sets
 * up the cipher handles. `secret_len` must be the suite's hash length. On
 * success the caller owns `*k` and must call l4_quic_keys_free().
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (unknown aead, wrong
 * secret_len), L4_ERR_NOMEM (GnuTLS could not allocate a handle),
 * L4_ERR_UNSUPPORTED (GnuTLS refused the cipher). On error `*k` holds no
 * resources (l4_quic_keys_free() on it is harmless).
 */
int l4_quic_keys_init(l4_quic_keys *k, l4_quic_aead aead, const uint8_t *secret, size_t secret_len);

/**
 * Both directions' Initial keys (AES-128-GCM) for the client's first
 * Destination Connection ID: `client` protects what the client sends,
 * `server` what the server sends (either may be NULL). Errors as
 * l4_quic_initial_secrets() and l4_quic_keys_init(); on error neither
 * struct holds resources.
 */
int l4_quic_keys_init_initial(l4_quic_keys *client, l4_quic_keys *server, const uint8_t *dcid,
                              size_t dcid_len);

/**
 * Keys for the next key phase (RFC 9001 §6.1): key and IV from `next_secret`
 * (see l4_quic_secret_update()), the header-protection key copied from `cur`
 * (it never changes with a key update). `cur` is not modified, unless `k`
 * is `cur`: then the keys are replaced in place and the old ones released.
 * Errors as l4_quic_keys_init().
 */
int l4_quic_keys_init_update(l4_quic_keys *k, const l4_quic_keys *cur, const uint8_t *next_secret,
                             size_t secret_len);

/** Releases the cipher handles of `k` and wipes its key material. NULL-safe. */
void l4_quic_keys_free(l4_quic_keys *k);

/**
 * The next 1-RTT secret for a key update (RFC 9001 §6.1):
 * HKDF-Expand-Label(secret, "quic ku", "", Hash.length) into `next`
 * (`secret_len` bytes; may alias `secret`). Turn it into keys with
 * l4_quic_keys_init_update(), which keeps the old header-protection key.
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (secret_len not the suite's
 * hash length), L4_ERR_UNSUPPORTED.
 */
int l4_quic_secret_update(l4_quic_aead aead, uint8_t *next, const uint8_t *secret,
                          size_t secret_len);

#endif
