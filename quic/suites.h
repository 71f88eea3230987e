/*
 * quic/suites.h — the TLS 1.3 cipher suites QUIC v1 uses here (RFC 9001
 * §5.3: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305) by name: their IANA
 * names, and a user's comma-separated list of them as a set, for the TLS
 * provider's configuration (io/quic_tls_gnutls.h `ciphers`).
 */
#ifndef L4_QUIC_SUITES_H
#define L4_QUIC_SUITES_H

#include "quic/crypto.h"

/** The bit of `aead` in a set of suites. */
#define L4_QUIC_SUITE(aead) (1u << (unsigned)(aead))

/** Every suite: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305. */
#define L4_QUIC_SUITES_ALL                                                                         \
    (L4_QUIC_SUITE(L4_QUIC_AEAD_AES_128_GCM) | L4_QUIC_SUITE(L4_QUIC_AEAD_AES_256_GCM) |           \
     L4_QUIC_SUITE(L4_QUIC_AEAD_CHACHA20_POLY1305))

/** The IANA name of `aead`'s suite ("TLS_AES_128_GCM_SHA256" ...), or "unknown". */
const char *l4_quic_suite_name(l4_quic_aead aead);

/**
 * Parses a comma-separated list of suites into a set of L4_QUIC_SUITE bits.
 * Each item, case-insensitive, is a short name (aes128, aes256, chacha20),
 * the AEAD's name (aes-128-gcm, aes-256-gcm, chacha20-poly1305) or the IANA
 * name (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256); repeats are allowed. Returns 0 with
 * `*set` non-zero. Errors: L4_ERR_INVALID_ARGUMENT (NULL), L4_ERR_MALFORMED
 * (empty list or item, or an unknown name: `*bad` then points at the first
 * bad item in `list`, when `bad` is not NULL).
 */
int l4_quic_suites_parse(const char *list, unsigned *set, const char **bad);

#endif
