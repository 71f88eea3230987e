/*
 * tools/l4kit/cmd_tcp_echo_server.c — `l4kit tcp-echo-server`: the classic
 * echo server (RFC 862 behaviour on any port) on the l4kit stack through
 * TUN, serving many clients at once; --sink discards (and hashes) what
 * arrives, --source BYTES sends a seeded pattern to every client.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "units.h"
#include "json.h"
#include "stack_run.h"

static const char tes_help[] =
    "usage: l4kit tcp-echo-server --tun NAME --tun-addr ADDR/PREFIX --addr ADDR --port N\n"
    "                             [--max-conns N] [--exit-after N] [--backlog N]\n"
    "                             [--sink | --source BYTES] [--json] [stack options]\n"
    "\n"
    "Runs an l4kit host on a TUN device and echoes every byte each TCP client\n"
    "sends, to any number of clients at once, until SIGINT/SIGTERM. When a client\n"
    "closes its sending side the server sends what is left and closes too.\n"
    "Logs each connection (accept, close with byte counts and the SHA-256 of\n"
    "what arrived) on stdout. Prints 'listening on ADDR:PORT' on stderr once up.\n"
    "\n"
    "  --port N          TCP port to listen on (required)\n"
    "  --max-conns N     at most N connections at once; more wait in the backlog\n"
    "  --exit-after N    exit after N connections have closed\n"
    "  --backlog N       SYN queue and accept queue length (default 128)\n"
    "  --sink            discard what arrives (goodput measurement)\n"
    "  --source BYTES    send BYTES (10M, 1G) of a seeded pattern to every client,\n"
    "                    then close the sending side; what arrives is discarded\n"
    "  --pattern-seed N  seed of the --source pattern (default 1)\n"
    "  --json            log one JSON object per line\n"
    "%s"
    "\n"
    "Exit status: 0 after a clean stop, 1 on a run-time failure, 2 on bad input.\n";

#define TES_BUF 65536

typedef struct tes_conn {
    int sd;
    char peer[64];
    uint64_t bytes_in, bytes_out;
    uint64_t source_left;
    size_t pend_off, pend_len; /* echo bytes received and not yet sent */
    int eof, done, fin_queued;
    int err;
    l4_time start;
    stack_sha sha_in, sha_out;
    uint8_t buf[TES_BUF];
} tes_conn;

typedef struct tes {
    stack st;
    int lsd;
    int json;
    int mode; /* 0 echo, 1 sink, 2 source */
    uint64_t source_bytes, pattern_seed;
    long max_conns, exit_after, backlog;
    long active, completed;
    stack_table conns; /* tes_conn by descriptor */
} tes;

static const char *const tes_mode_name[] = {"echo", "sink", "source"};

static void tes_accept_all(tes *t);

static void tes_finish(tes *t, tes_conn *c, const char *how)
{
    if (c->done)
        return;
    c->done = 1;
    l4_time now = stack_now(&t->st);
    double secs = (double)(now - c->start) / 1e9;
    char hin[65], hout[65];
    stack_sha_final(&c->sha_in, hin);
    stack_sha_final(&c->sha_out, hout);
    if (t->json) {
        printf("{\"event\":\"close\",\"peer\":");
        json_str(stdout, c->peer);
        printf(
            ",\"how\":\"%s\",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
            ",\"sha256_in\":\"%s\",\"sha256_out\":\"%s\",\"seconds\":%.6f,\"goodput_mbps\":%.3f}\n",
            how, c->bytes_in, c->bytes_out, hin, hout, secs,
            secs > 0
                ? (double)(c->bytes_in > c->bytes_out ? c->bytes_in : c->bytes_out) * 8 / secs / 1e6
                : 0.0);
    } else {
        printf("close %s (%s): %" PRIu64 " bytes in, %" PRIu64 " bytes out, %.3f s, sha256 in %s\n",
               c->peer, how, c->bytes_in, c->bytes_out, secs, hin);
    }
    fflush(stdout);
    l4_socket_close(t->st.h, c->sd, now);
    if ((size_t)c->sd < t->conns.n)
        t->conns.v[c->sd] = NULL;
    free(c);
    t->active--;
    t->completed++;
    if (t->exit_after > 0 && t->completed >= t->exit_after)
        l4_loop_stop(t->st.loop);
    else
        tes_accept_all(t);
}

static const char *tes_errname(int err)
{
    switch (err) {
    case L4_ECONNRESET:
        return "reset";
    case L4_ETIMEDOUT:
        return "timeout";
    case L4_ECONNREFUSED:
        return "refused";
    case L4_EPIPE:
        return "pipe";
    default:
        return "error";
    }
}

/* Moves data as far as it can go now. */
static void tes_pump(tes *t, tes_conn *c)
{
    l4_host *h = t->st.h;
    for (;;) {
        l4_time now = stack_now(&t->st);
        if (c->pend_len) {
            l4_ssize n = l4_socket_send(h, c->sd, c->buf + c->pend_off, c->pend_len, now);
            if (n == L4_EAGAIN)
                return;
            if (n < 0) {
                tes_finish(t, c, tes_errname((int)n));
                return;
            }
            stack_sha_update(&c->sha_out, c->buf + c->pend_off, (size_t)n);
            c->bytes_out += (uint64_t)n;
            c->pend_off += (size_t)n;
            c->pend_len -= (size_t)n;
            if (c->pend_len)
                continue;
        }
        if (t->mode == 2 && c->source_left) {
            size_t chunk = c->source_left < TES_BUF ? (size_t)c->source_left : TES_BUF;
            stack_pattern(t->pattern_seed, c->bytes_out, c->buf, chunk);
            c->pend_off = 0;
            c->pend_len = chunk;
            c->source_left -= chunk;
            continue;
        }
        if (t->mode == 2 && !c->fin_queued) {
            l4_socket_shutdown(h, c->sd, now); /* the FIN follows the queued data */
            c->fin_queued = 1;
        }
        if (c->eof) {
            tes_finish(t, c, "eof");
            return;
        }
        uint8_t *dst = c->buf; /* free here: nothing pending */
        l4_ssize n = l4_socket_recv(h, c->sd, dst, TES_BUF, now);
        if (n == L4_EAGAIN)
            return;
        if (n < 0) {
            tes_finish(t, c, tes_errname((int)n));
            return;
        }
        if (n == 0) {
            c->eof = 1;
            continue;
        }
        stack_sha_update(&c->sha_in, dst, (size_t)n);
        c->bytes_in += (uint64_t)n;
        if (t->mode == 0) {
            c->pend_off = 0;
            c->pend_len = (size_t)n;
        }
    }
}

static void tes_on_readable(l4_host *h, int sd, void *user);

static void tes_on_conn_event(l4_host *h, int sd, void *user)
{
    (void)h;
    tes *t = user;
    tes_conn *c = stack_table_get(&t->conns, sd);
    if (c)
        tes_pump(t, c);
}

static void tes_on_closed(l4_host *h, int sd, void *user)
{
    (void)h;
    tes *t = user;
    tes_conn *c = stack_table_get(&t->conns, sd);
    if (c)
        tes_finish(t, c, c->eof ? "eof" : "closed");
}

static void tes_on_error(l4_host *h, int sd, int err, void *user)
{
    (void)h;
    tes *t = user;
    tes_conn *c = stack_table_get(&t->conns, sd);
    if (c)
        tes_finish(t, c, tes_errname(err));
}

static const l4_socket_callbacks tes_cbs = {
    .readable = tes_on_readable,
    .writable = tes_on_conn_event,
    .closed = tes_on_closed,
    .error = tes_on_error,
};

static void tes_accept_all(tes *t)
{
    l4_host *h = t->st.h;
    while (t->max_conns <= 0 || t->active < t->max_conns) {
        l4_addr peer;
        uint16_t pport;
        int sd = l4_socket_accept(h, t->lsd, &peer, &pport);
        if (sd < 0)
            return;
        if (stack_table_fit(&t->conns, sd) < 0) {
            l4_socket_close(h, sd, stack_now(&t->st));
            return;
        }
        tes_conn *c = calloc(1, sizeof *c);
        if (!c || stack_sha_init(&c->sha_in) < 0) {
            free(c);
            l4_socket_close(h, sd, stack_now(&t->st));
            return;
        }
        stack_sha_init(&c->sha_out);
        c->sd = sd;
        c->start = stack_now(&t->st);
        c->source_left = t->mode == 2 ? t->source_bytes : 0;
        stack_addr_port(c->peer, sizeof c->peer, &peer, pport);
        t->conns.v[sd] = c;
        t->active++;
        l4_socket_set_callbacks(h, sd, &tes_cbs, t);
        if (t->json) {
            printf("{\"event\":\"accept\",\"peer\":");
            json_str(stdout, c->peer);
            printf(",\"mode\":\"%s\"}\n", tes_mode_name[t->mode]);
        } else {
            printf("accept %s\n", c->peer);
        }
        fflush(stdout);
        tes_pump(t, c);
    }
}

static void tes_on_readable(l4_host *h, int sd, void *user)
{
    tes *t = user;
    (void)h;
    if (sd == t->lsd)
        tes_accept_all(t);
    else
        tes_on_conn_event(h, sd, user);
}

int cmd_tcp_echo_server(int argc, char **argv)
{
    const char *cmd = "tcp-echo-server";
    tes *t = calloc(1, sizeof *t);
    if (!t)
        return 1;
    stack_opts o;
    memset(&o, 0, sizeof o);
    long port = -1;
    t->backlog = 128;
    t->pattern_seed = 1;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = stack_opt(cmd, tes_help, &o, argc, argv, &i);
        if (r == ARGS_TAKEN)
            continue;
        if (r != ARGS_OTHER) {
            rc = r;
            goto out;
        }
        if (!strcmp(a, "--json")) {
            t->json = 1;
        } else if (!strcmp(a, "--sink")) {
            t->mode = 1;
        } else if (!strcmp(a, "--port") || !strcmp(a, "--max-conns") ||
                   !strcmp(a, "--exit-after") || !strcmp(a, "--backlog") ||
                   !strcmp(a, "--source") || !strcmp(a, "--pattern-seed")) {
            const char *v = args_value(cmd, argc, argv, &i);
            if (!v)
                goto out;
            int bad = 0;
            if (!strcmp(a, "--port"))
                bad = args_long(v, 1, 65535, &port);
            else if (!strcmp(a, "--max-conns"))
                bad = args_long(v, 1, LONG_MAX, &t->max_conns);
            else if (!strcmp(a, "--exit-after"))
                bad = args_long(v, 1, LONG_MAX, &t->exit_after);
            else if (!strcmp(a, "--backlog"))
                bad = args_long(v, 1, 65535, &t->backlog);
            else if (!strcmp(a, "--pattern-seed")) {
                long s = 0;
                bad = args_long(v, 0, LONG_MAX, &s);
                t->pattern_seed = (uint64_t)s;
            } else {
                bad = units_parse_size(v, &t->source_bytes) != 0;
                t->mode = 2;
            }
            if (bad) {
                fprintf(stderr, "l4kit %s: bad value '%s' for %s\n", cmd, v, a);
                goto out;
            }
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
    if (stack_open(&t->st, cmd, &o) != 0) {
        rc = 1;
        goto out;
    }
    t->lsd = stack_listen(&t->st, cmd, &o.addr, (uint16_t)port, (int)t->backlog, &tes_cbs, t);
    if (t->lsd < 0) {
        stack_close(&t->st);
        rc = 1;
        goto out;
    }
    stack_say_listening(cmd, &o, (unsigned)port, tes_mode_name[t->mode]);
    rc = l4_loop_run(t->st.loop) == 0 ? 0 : 1;
    for (size_t i = 0; i < t->conns.n; i++) {
        tes_conn *c = t->conns.v[i];
        if (c) {
            char hx[65];
            stack_sha_final(&c->sha_in, hx);
            stack_sha_final(&c->sha_out, hx);
            free(c);
        }
    }
    const l4_host_stats *hs = l4_host_stats_get(t->st.h);
    if (t->json) {
        printf("{\"event\":\"exit\",\"completed\":%ld,\"active\":%ld,\"syn_queue_full\":%" PRIu64
               ",\"syn_recycled\":%" PRIu64 ",\"syncookies_sent\":%" PRIu64
               ",\"syncookies_ok\":%" PRIu64 ",\"syncookies_failed\":%" PRIu64,
               t->completed, t->active, hs->tcp_syn_queue_full, hs->tcp_syn_recycled,
               hs->tcp_syncookies_sent, hs->tcp_syncookies_ok, hs->tcp_syncookies_failed);
        stack_json_device(&t->st, stdout);
        printf("}\n");
    } else {
        printf("exit: %ld connections completed, %ld still open; SYN queue full %" PRIu64
               ", SYN cookies sent %" PRIu64 ", connections from cookies %" PRIu64 "\n",
               t->completed, t->active, hs->tcp_syn_queue_full, hs->tcp_syncookies_sent,
               hs->tcp_syncookies_ok);
    }
    stack_close(&t->st);
out:
    stack_table_free(&t->conns);
    free(t);
    return rc;
}
