/*
 * tools/l4kit/quic_session.h — what `l4kit quic-get --session FILE` keeps
 * between runs to resume a server (RFC 9001 §4.6): the TLS session (the
 * ticket, as the GnuTLS provider hands it out), the address-validation
 * token of the server's last NEW_TOKEN frame (RFC 9000 §8.1.3), and the
 * server's transport parameters that 0-RTT needs (§7.4.1).
 *
 * The file is text, one "key value" line each, values in lowercase hex:
 *
 *   l4kit-quic-session 1
 *   server localhost:4433
 *   ticket 0a1b...
 *   token a2f0...          (optional)
 *   tp 0404...             (optional; the server's transport parameters)
 *
 * Lines starting with '#' and empty lines are ignored.
 */
#ifndef L4_TOOLS_QUIC_SESSION_H
#define L4_TOOLS_QUIC_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "wire/quic_tp.h"

#define QS_SESSION_MAX_FILE (64u << 10) /* a longer file is refused */

/** The contents of a session file; buffers are malloc'd and owned. */
typedef struct qt_session {
    char server[300]; /* HOST:PORT the session belongs to */
    uint8_t *ticket;
    size_t ticket_len;
    uint8_t *token;
    size_t token_len;
    uint8_t *tp; /* the transport parameters as the server encoded them */
    size_t tp_len;
} qt_session;

/**
 * Parses `len` bytes of session-file text into `s` (zeroed first). Returns
 * 0, or -1 with a one-line reason in `why` ("line 3: ticket is not hex"):
 * no header line, an unknown key, a repeated key, a value that is not an
 * even number of hex digits, a server name over 299 characters, no server
 * or no ticket, or transport parameters that do not decode (wire/quic_tp.h).
 * On error `s` holds nothing.
 */
int qt_session_parse(const char *text, size_t len, qt_session *s, char *why, size_t wcap);

/**
 * Reads FILE: 0 with `s` filled, 1 when there is no such file (s empty),
 * -1 with a reason in `why` (unreadable, over QS_SESSION_MAX_FILE, or a
 * parse error).
 */
int qt_session_load(const char *path, qt_session *s, char *why, size_t wcap);

/**
 * Writes `s` to FILE (through FILE.tmp and a rename, mode 0600: a ticket is
 * a secret). Returns 0, or -1 with errno set.
 */
int qt_session_save(const char *path, const qt_session *s);

/** Decodes the stored transport parameters into `tp`: 0, or -1 when absent or invalid. */
int qt_session_tp(const qt_session *s, l4_quic_tp *tp);

/** Replaces one field with a copy of `d` (`len` bytes): 0, or -1 (out of memory). */
int qt_session_set(uint8_t **field, size_t *field_len, const uint8_t *d, size_t len);

/** Frees the buffers and zeroes `s`. */
void qt_session_free(qt_session *s);

#endif
