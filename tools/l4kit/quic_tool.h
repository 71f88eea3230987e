/*
 * tools/l4kit/quic_tool.h — what quic-server and quic-get share: their
 * transport options, the connection and endpoint settings they build from
 * them, stopping on SIGINT/SIGTERM, the SSLKEYLOGFILE writer and reading
 * PEM files.
 */
#ifndef L4_TOOLS_QUIC_TOOL_H
#define L4_TOOLS_QUIC_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include "io/quic_ep.h"
#include "quic/conn.h"

/** Transport options on both commands. */
typedef struct qt_opts {
    const char *cc;         /* congestion control (default reno: NewReno) */
    size_t max_udp_payload; /* largest datagram sent (default 1452) */
    int no_offload;         /* do not use UDP GSO/GRO */
    int no_ecn;             /* do not use ECN (RFC 9000 §13.4) */
    l4_time idle_timeout;   /* QUIC idle timeout (default 30 s) */
    const char *qlog_dir;   /* --qlog DIR: one qlog file per connection there */
    unsigned ciphers;       /* --ciphers: TLS 1.3 suites (quic/suites.h bits; 0: all) */
} qt_opts;

/**
 * Takes argv[*i] when it is one of these options or --help / -h (args.h):
 * returns ARGS_TAKEN (*i advanced past its value), ARGS_OTHER when it is
 * neither, 0 after printing `usage` with these options' help for --help, or
 * 2 after printing a one-line reason "l4kit CMD: ..." (bad value).
 */
int qt_opt(const char *cmd, const char *usage, qt_opts *o, int argc, char **argv, int *i);

/** Connection settings for these options: flow-control windows sized for fast transfers. */
void qt_settings(const qt_opts *o, l4_quic_settings *s);

/**
 * Zeroes `ec` and fills in what these options decide: the UDP offloads (GSO
 * and GRO, none with --no-offload) and the largest datagram (--max-udp-payload,
 * default 1452). The caller adds the address, port, ops and user.
 */
void qt_ep_config(const qt_opts *o, l4_io_quic_ep_config *ec);

/**
 * With --qlog DIR: attaches a qlog writer to `c` (DIR/<ODCID>_<role>.sqlog,
 * io/quic_qlog.h; times from `now`). Returns 0 (also without --qlog), or -1
 * after printing "l4kit CMD: --qlog DIR: <reason>" once per failure cause.
 */
int qt_qlog(const char *cmd, const qt_opts *o, l4_quic_conn *c, l4_time now);

/**
 * From now on SIGINT and SIGTERM only set the flag qt_interrupted() reads,
 * so the command's loop can close its connections and report before it ends.
 */
void qt_catch_signals(void);

/** 1 once SIGINT or SIGTERM arrived after qt_catch_signals(), else 0. */
int qt_interrupted(void);

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
