/*
 * tools/l4kit/dissect_keylog.h — the TLS 1.3 secrets of an NSS key log
 * (the SSLKEYLOGFILE format l4kit, GnuTLS, OpenSSL, browsers and ngtcp2
 * write: "LABEL <client random, 64 hex> <secret, hex>" per line, '#'
 * comments), grouped by client random, for `l4kit dissect --keylog` to
 * decrypt QUIC Handshake, 0-RTT and 1-RTT packets (RFC 9001 §5.1).
 */
#ifndef L4_TOOLS_DISSECT_KEYLOG_H
#define L4_TOOLS_DISSECT_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#include "quic/crypto.h"

/* The secrets QUIC uses (RFC 8446 §7.1 names; the key log labels). */
#define DIS_KL_CLIENT_EARLY 0 /* CLIENT_EARLY_TRAFFIC_SECRET: 0-RTT */
#define DIS_KL_CLIENT_HS    1 /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
#define DIS_KL_SERVER_HS    2 /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
#define DIS_KL_CLIENT_APP   3 /* CLIENT_TRAFFIC_SECRET_0: 1-RTT, client to server */
#define DIS_KL_SERVER_APP   4 /* SERVER_TRAFFIC_SECRET_0 */
#define DIS_KL_N            5

#define DIS_KL_RANDOM_LEN 32

/** The secrets logged for one TLS connection (one client random). */
typedef struct dis_kl_entry {
    uint8_t random[DIS_KL_RANDOM_LEN];
    uint8_t secret[DIS_KL_N][L4_QUIC_MAX_SECRET_LEN];
    uint8_t len[DIS_KL_N]; /* 0: not logged; else 32 or 48 */
} dis_kl_entry;

/** A parsed key log. Zero-initialise, fill with dis_keylog_parse(), free with dis_keylog_free(). */
typedef struct dis_keylog {
    dis_kl_entry *e;
    size_t n, cap;
    size_t lines_ignored; /* lines that are neither comments, blank, nor well-formed */
    size_t first_bad;     /* the 1-based number of the first of them (0: none) */
    size_t secrets;       /* QUIC secrets kept */
} dis_keylog;

/**
 * Adds the secrets in `text` (`len` bytes, not NUL-terminated, any line
 * endings) to `kl`. Lines with other labels of the format (CLIENT_RANDOM,
 * EXPORTER_SECRET, ...) are skipped silently; malformed lines (a bad label
 * field count, hex that does not decode, a random not 32 bytes, a secret
 * not 32 or 48 bytes) are counted in lines_ignored. A secret logged twice
 * for one client random keeps the last. `line_base` is added to line
 * numbers (0 for a whole file).
 *
 * Returns 0. Errors: L4_ERR_NOMEM (kl keeps the entries added so far).
 */
int dis_keylog_parse(dis_keylog *kl, const char *text, size_t len, size_t line_base);

/**
 * Reads the key log file `path` into `kl`. Returns 0. Errors:
 * L4_ERR_IO (the file cannot be opened or read; errno says why),
 * L4_ERR_NOMEM.
 */
int dis_keylog_load(dis_keylog *kl, const char *path);

/** The entry for a client random, or NULL. */
const dis_kl_entry *dis_keylog_find(const dis_keylog *kl, const uint8_t *random);

/** The key log label of a DIS_KL_* index ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", ...). */
const char *dis_keylog_label(int which);

/** Releases the entries and wipes the secrets. NULL-safe. */
void dis_keylog_free(dis_keylog *kl);

#endif
