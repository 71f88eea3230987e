/*
 * io/ctl.h — the control socket of a running l4kit stack process, which
 * `l4kit ss` queries for a snapshot of the process's sockets.
 *
 * Every stack process (the echo servers and clients) serves a unix stream
 * socket named `<pid>.sock` in the run directory (l4_ctl_dir). A client
 * connects and reads to EOF; the server writes one snapshot and closes. The
 * socket file is removed at l4_ctl_close; a file left by a killed process is
 * recognised (connection refused, no such pid) and removed by l4_ctl_query's
 * caller. Path-bound unix sockets work across network namespaces, so `ss`
 * finds stacks running inside `ip netns exec`.
 *
 * Snapshot text (version 2), lines ending in '\n':
 *   "# l4kit-ss 2 pid=<pid> prog=<name>"
 *   then one line per socket, fields separated by one TAB:
 *   proto state local lport peer pport recvq sendq cwnd srtt_us rttvar_us
 *   rto_us timer timer_us timer_count retrans mss
 * proto "tcp" | "udp"; state as Linux `ss` names it (ESTAB, SYN-SENT,
 * SYN-RECV, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSE, CLOSE-WAIT, LAST-ACK,
 * LISTEN, CLOSING; UDP: UNCONN or ESTAB when connected); peer "*" and pport 0
 * when none; for listeners recvq is the accept queue and sendq the backlog
 * (as Linux reports them); cwnd (bytes), srtt/rttvar/rto (microseconds),
 * retrans (segments) and mss are "-" without TCP state; timer is the timer
 * of the connection's next deadline as the TCP engine reports it
 * (l4_tcp_timer_name: "on" = retransmission, "persist", "delack",
 * "keepalive", "timewait", "fin_wait_2", "pacing"; "-" = none), timer_us the
 * time left until it (0 when due) and timer_count its count as `ss -o` shows
 * it (RTO expiries in a row, window or keepalive probes); both "-" when none.
 */
#ifndef L4_IO_CTL_H
#define L4_IO_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/host.h"
#include "io/loop.h"
#include "util/err.h"
#include "util/time.h"

/** Snapshot format version written and understood. */
#define L4_CTL_VERSION 2

/** One socket line, decoded. */
typedef struct l4_ctl_sock {
    char proto[4];  /* "tcp" / "udp" */
    char state[12]; /* Linux ss name */
    char local[48], peer[48];
    unsigned lport, pport;
    uint64_t recvq, sendq;
    int has_tcp; /* cwnd .. mss valid */
    uint64_t cwnd, srtt_us, rttvar_us, rto_us, retrans;
    unsigned mss;
    char timer[12];       /* l4_tcp_timer_name(), "-" when none */
    int64_t timer_us;     /* -1 when none */
    unsigned timer_count; /* 0 when none */
} l4_ctl_sock;

/**
 * Writes the run directory into `buf` (`cap` bytes): $L4KIT_RUN_DIR when
 * set, else /run/l4kit for root, else $XDG_RUNTIME_DIR/l4kit, else
 * /tmp/l4kit-<uid>. Returns 0, or L4_ERR_NOBUF.
 */
int l4_ctl_dir(char *buf, size_t cap);

/** The Linux `ss` name of a TCP state ("ESTAB", "TIME-WAIT", ...). Never NULL. */
const char *l4_ctl_state_name(l4_tcp_state s);

/**
 * Writes the socket lines of `h` (no header) to `f`, every socket including
 * orphans; `now` is the time the timers are measured from. Returns the number
 * of lines written.
 */
size_t l4_ctl_write_host(FILE *f, l4_host *h, l4_time now);

/**
 * Decodes one socket line (with or without its trailing newline).
 * Returns 0, or L4_ERR_MALFORMED (wrong field count or a bad number).
 */
int l4_ctl_parse_line(const char *line, l4_ctl_sock *s);

/** Writes the snapshot body to `f`; returns 0 or a negative code. */
typedef int (*l4_ctl_snapshot_fn)(void *user, FILE *f);

typedef struct l4_ctl l4_ctl;

/**
 * Creates the run directory when missing (mode 0755 / 0700 outside /run)
 * and serves `<dir>/<pid>.sock` on `loop` (borrowed): for every connection,
 * the header line naming `prog` followed by what `fn(user, f)` writes.
 * On failure writes a reason to `errmsg`. Returns 0. Errors:
 * L4_ERR_INVALID_ARGUMENT, L4_ERR_NOBUF (path too long), L4_ERR_IO (mkdir,
 * socket, bind, listen), L4_ERR_LIMIT (loop full), L4_ERR_NOMEM.
 */
int l4_ctl_open(l4_ctl **out, l4_loop *loop, const char *prog, l4_ctl_snapshot_fn fn, void *user,
                char *errmsg, size_t errcap);

/** The socket path served. */
const char *l4_ctl_path(const l4_ctl *c);

/** Stops serving, closes and removes the socket file. NULL allowed. */
void l4_ctl_close(l4_ctl *c);

/**
 * Connects to the control socket at `path` and reads the whole snapshot
 * (waiting at most `timeout` ns) into a malloc'd NUL-terminated string
 * `*text` (caller frees). Returns its length. Errors: L4_ERR_NOT_FOUND (no
 * such socket, or nobody listening: a stale file), L4_ERR_IO (other
 * failures, timeout), L4_ERR_NOMEM, L4_ERR_NOBUF (path too long).
 */
l4_ssize l4_ctl_query(const char *path, char **text, l4_time timeout);

#endif
