/*
 * tools/l4kit/stack_run.h — what the subcommands that run on the l4kit stack
 * through TUN share: the --tun / --tun-addr / --addr options (DESIGN.md),
 * setting up the loop, the TUN-driven host and the control socket `l4kit ss`
 * reads, the servers' listening socket and per-connection table, SHA-256
 * and the seeded byte pattern used by --source.
 */
#ifndef L4_TOOLS_STACK_H
#define L4_TOOLS_STACK_H

#include <gnutls/crypto.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/host.h"
#include "host/socket.h"
#include "io/ctl.h"
#include "io/loop.h"
#include "io/tun_host.h"
#include "util/time.h"
#include "wire/addr.h"

/** The options every stack subcommand takes. */
typedef struct stack_opts {
    const char *tun;
    int has_tun_addr, has_addr;
    l4_addr tun_addr, addr;
    int tun_prefix;
    int mtu;
    uint64_t seed;
    int has_seed;
    const char *cc;
    int syn_recycle;
    int no_syncookies;
    int no_offload;
} stack_opts;

/**
 * Takes argv[*i] when it is a stack option or --help / -h (args.h):
 * returns ARGS_TAKEN (*i advanced past its value), ARGS_OTHER when it is
 * neither, 0 after printing `usage` with the stack options' help for --help,
 * or 2 after printing a one-line reason "l4kit CMD: ..." (bad value).
 */
int stack_opt(const char *cmd, const char *usage, stack_opts *o, int argc, char **argv, int *i);

/** Checks the required options are there; 0, or 2 after printing the reason. */
int stack_opts_check(const char *cmd, const stack_opts *o);

/**
 * A client's HOST PORT arguments (`pos`, `npos` of them): exactly two, an
 * address of --addr's family and a port 1-65535. On a bad one prints the
 * one-line reason and returns 2 (the usage exit status); 0 on success.
 */
int stack_peer(const char *cmd, const stack_opts *o, const char *const *pos, int npos, l4_addr *dst,
               uint16_t *port);

/** A running stack: loop, host on TUN, control socket. */
typedef struct stack {
    l4_loop *loop;
    l4_tun_host *th;
    l4_host *h;
    l4_ctl *ctl;
} stack;

/** Sets everything up; 0, or 1 after printing the reason (run-time failure). */
int stack_open(stack *s, const char *cmd, const stack_opts *o);

/** Tears everything down (the socket file is removed). */
void stack_close(stack *s);

/**
 * Writes `,"offload":"csum,tso4,tso6","gso_in":N,"gso_out":N` (the offloads
 * in use, "none" without, and the TCP super-packets read and written) to
 * `f`, for the end of a JSON object.
 */
void stack_json_device(const stack *s, FILE *f);

/**
 * Opens a TCP socket listening on `addr` port `port` (SO_REUSEADDR; SYN and
 * accept queues of `backlog`) whose events go to `cbs` with `user`. Returns
 * its descriptor, or a negative L4_ERR_* after printing
 * "l4kit CMD: listen on port N: reason" (nothing is left open).
 */
int stack_listen(stack *s, const char *cmd, const l4_addr *addr, uint16_t port, int backlog,
                 const l4_socket_callbacks *cbs, void *user);

/**
 * Prints "l4kit CMD: listening on ADDR:PORT (NOTE, device TUN)" on stderr,
 * the line scripts wait for; without a `note` "(device TUN)".
 */
void stack_say_listening(const char *cmd, const stack_opts *o, unsigned port, const char *note);

/**
 * A server's per-connection state by socket descriptor (the host hands out
 * small descriptors): v[sd] is the entry of descriptor sd, NULL when none.
 * The table owns only its array; zeroed is empty.
 */
typedef struct stack_table {
    void **v;
    size_t n;
} stack_table;

/** The entry of descriptor sd, or NULL (also for sd outside the table). */
void *stack_table_get(const stack_table *t, int sd);

/** Makes room for descriptor sd (new slots NULL): 0, or -1 when out of memory. */
int stack_table_fit(stack_table *t, int sd);

/** Frees the array (not the entries) and empties the table. */
void stack_table_free(stack_table *t);

/** The time on the stack's clock. */
l4_time stack_now(const stack *s);

/** "ADDR:PORT" text of an address (IPv6 in brackets) into buf (>= 56 bytes). */
void stack_addr_port(char *buf, size_t cap, const l4_addr *a, unsigned port);

/** SHA-256 over a stream. */
typedef struct stack_sha {
    gnutls_hash_hd_t hd;
} stack_sha;
int stack_sha_init(stack_sha *s);
void stack_sha_update(stack_sha *s, const void *data, size_t len);
/** Writes 64 hex digits + NUL into hex (>= 65 bytes) and frees the state. */
void stack_sha_final(stack_sha *s, char *hex);

/**
 * The seeded byte pattern: byte i of the stream of `seed` (random access,
 * so any chunking gives the same bytes). Fills buf with bytes off..off+len-1.
 */
void stack_pattern(uint64_t seed, uint64_t off, uint8_t *buf, size_t len);

#endif
