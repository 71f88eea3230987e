/*
 * tools/l4kit/cmd_udp_echo_server.c — `l4kit udp-echo-server`: sends every
 * datagram back to where it came from, boundaries kept, on the l4kit stack
 * through TUN.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "json.h"
#include "stack_run.h"

static const char ues_help[] =
    "usage: l4kit udp-echo-server --tun NAME --tun-addr ADDR/PREFIX --addr ADDR --port N\n"
    "                             [--exit-after N] [--verbose] [--json] [stack options]\n"
    "\n"
    "Runs an l4kit host on a TUN device and sends every UDP datagram arriving on\n"
    "port N back to its source, unchanged (one datagram for one), until\n"
    "SIGINT/SIGTERM. Datagrams to other ports get ICMP port unreachable from the\n"
    "host. Prints 'listening on ADDR:PORT' on stderr once up and the counters at exit.\n"
    "\n"
    "  --port N          UDP port (required)\n"
    "  --exit-after N    exit after echoing N datagrams\n"
    "  --verbose         log every datagram (source, length)\n"
    "  --json            print logs and counters as JSON objects, one per line\n"
    "%s"
    "\n"
    "Exit status: 0 after a clean stop, 1 on a run-time failure, 2 on bad input.\n";

typedef struct ues {
    stack st;
    int sd;
    int json, verbose;
    long exit_after;
    uint64_t datagrams, bytes, send_errors, truncated;
    uint8_t buf[65536];
} ues;

static void ues_on_readable(l4_host *h, int sd, void *user)
{
    ues *u = user;
    for (;;) {
        l4_time now = stack_now(&u->st);
        l4_addr src;
        uint16_t sport;
        int flags = 0;
        l4_ssize n = l4_socket_recvfrom(h, sd, u->buf, sizeof u->buf, &src, &sport, &flags, now);
        if (n == L4_EAGAIN)
            return;
        if (n < 0)
            continue; /* a pending ICMP error: reported once, keep serving */
        if (flags & L4_MSG_TRUNC)
            u->truncated++;
        l4_ssize w = l4_socket_sendto(h, sd, u->buf, (size_t)n, &src, sport, now);
        if (w < 0)
            u->send_errors++;
        u->datagrams++;
        u->bytes += (uint64_t)n;
        if (u->verbose) {
            char from[64];
            stack_addr_port(from, sizeof from, &src, sport);
            if (u->json)
                printf("{\"event\":\"datagram\",\"from\":\"%s\",\"bytes\":%zd,\"echoed\":%s}\n",
                       from, n, w < 0 ? "false" : "true");
            else
                printf("%s: %zd bytes%s\n", from, n, w < 0 ? " (echo failed)" : "");
            fflush(stdout);
        }
        if (u->exit_after > 0 && u->datagrams >= (uint64_t)u->exit_after) {
            l4_loop_stop(u->st.loop);
            return;
        }
    }
}

int cmd_udp_echo_server(int argc, char **argv)
{
    const char *cmd = "udp-echo-server";
    ues *u = calloc(1, sizeof *u);
    if (!u)
        return 1;
    stack_opts o;
    memset(&o, 0, sizeof o);
    long port = -1;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = stack_opt(cmd, ues_help, &o, argc, argv, &i);
        if (r == ARGS_TAKEN)
            continue;
        if (r != ARGS_OTHER) {
            rc = r;
            goto out;
        }
        if (!strcmp(a, "--json")) {
            u->json = 1;
        } else if (!strcmp(a, "--verbose")) {
            u->verbose = 1;
        } else if (!strcmp(a, "--port") || !strcmp(a, "--exit-after")) {
            const char *v = args_value(cmd, argc, argv, &i);
            if (!v)
                goto out;
            long n;
            if (args_long(v, 1, !strcmp(a, "--port") ? 65535 : LONG_MAX, &n) != 0) {
                fprintf(stderr, "l4kit %s: bad value '%s' for %s\n", cmd, v, a);
                goto out;
            }
            if (!strcmp(a, "--port"))
                port = n;
            else
                u->exit_after = n;
        } else {
            args_unknown(cmd, a);
            goto out;
        }
    }
    if ((rc = stack_opts_check(cmd, &o)) != 0)
        goto out;
    if (port < 0) {
        fprintf(stderr, "l4kit %s: --port N is required\n", cmd);
        rc = 2;
        goto out;
    }
    if (stack_open(&u->st, cmd, &o) != 0) {
        rc = 1;
        goto out;
    }
    l4_host *h = u->st.h;
    static const l4_socket_callbacks cbs = {.readable = ues_on_readable};
    u->sd = l4_socket_open(h, o.addr.family, L4_SOCK_DGRAM);
    int e = u->sd < 0 ? u->sd : l4_socket_bind(h, u->sd, &o.addr, (uint16_t)port);
    if (e == 0)
        e = l4_socket_set_callbacks(h, u->sd, &cbs, u);
    if (e < 0) {
        fprintf(stderr, "l4kit %s: bind port %ld: %s\n", cmd, port, l4_host_strerror(e));
        stack_close(&u->st);
        rc = 1;
        goto out;
    }
    stack_say_listening(cmd, &o, (unsigned)port, NULL);
    rc = l4_loop_run(u->st.loop) == 0 ? 0 : 1;
    l4_tun_host_flush(u->st.th);
    if (u->json)
        printf("{\"event\":\"exit\",\"datagrams\":%" PRIu64 ",\"bytes\":%" PRIu64
               ",\"send_errors\":%" PRIu64 ",\"truncated\":%" PRIu64 "}\n",
               u->datagrams, u->bytes, u->send_errors, u->truncated);
    else
        printf("exit: %" PRIu64 " datagrams (%" PRIu64 " bytes) echoed, %" PRIu64
               " send errors, %" PRIu64 " truncated\n",
               u->datagrams, u->bytes, u->send_errors, u->truncated);
    stack_close(&u->st);
out:
    free(u);
    return rc;
}
