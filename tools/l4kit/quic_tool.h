/*
 * tools/l4kit/quic_tool.h — what quic-server and quic-get share: their
 * transport options, the connection settings they build from them, the
 * SSLKEYLOGFILE writer and reading PEM files.
 */
#ifndef L4_TOOLS_QUIC_TOOL_H
#define L4_TOOLS_QUIC_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include "quic/conn.h"

/** Transport options on both commands. */
typedef struct qt_opts {
    const char *cc;         /* congestion control (default cubic) */
    size_t max_udp_payload; /* largest datagram sent (default 1452) */
    int no_offload;         /* do not use UDP GSO/GRO */
    l4_time idle_timeout;   /* QUIC idle timeout (default 30 s) */
} qt_opts;

/** The help lines for these options. */
extern const char qt_opts_help[];

/**
 * Takes argv[*i] (and its value, advancing *i) when it is one of these
 * options. Returns 1 taken, 0 not one of them, 2 bad value (reason printed
 * as "l4kit CMD: ...").
 */
int qt_opt(const char *cmd, qt_opts *o, int argc, char **argv, int *i);

/** Connection settings for these options: flow-control windows sized for fast transfers. */
void qt_settings(const qt_opts *o, l4_quic_settings *s);

/** The keylog callback for l4_quic_tls_config when SSLKEYLOGFILE is set, else NULL. */
void (*qt_keylog(void))(void *user, const char *line);

/** Closes the key log file, if open. */
void qt_keylog_close(void);

/**
 * Reads a whole file (at most 1 MiB) into a malloc'd buffer. Returns 0, or
 * -1 with errno set (EFBIG when too large).
 */
int qt_read_file(const char *path, uint8_t **buf, size_t *len);

/** Prints `bytes` with a binary unit ("1.5 MiB") into buf. */
const char *qt_size(char *buf, size_t cap, double bytes);

#endif
