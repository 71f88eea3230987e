/*
 * tools/l4kit/cmd_tcp_echo_client.c — `l4kit tcp-echo-client`: connects from
 * the l4kit stack through TUN to HOST PORT, sends a message or N bytes of a
 * seeded pattern, reads the echo and checks it byte for byte; --source only
 * sends, --sink only receives (goodput measurement against kernel programs).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "units.h"
#include "json.h"
#include "stack_run.h"

static const char tec_help[] =
    "usage: l4kit tcp-echo-client --tun NAME --tun-addr ADDR/PREFIX --addr ADDR\n"
    "                             [--bytes N | --message TEXT] [--source | --sink]\n"
    "                             [--port-local N] [--timeout TIME] [--json] HOST PORT\n"
    "\n"
    "Runs an l4kit host on a TUN device, connects to HOST PORT (an echo server,\n"
    "e.g. a kernel program reached through the device), sends the data, closes\n"
    "its sending side, reads the echo to the end and checks it is byte-exact.\n"
    "Reports the time from connect to the last byte and the goodput.\n"
    "\n"
    "  --bytes N        send N bytes (10M, 1G) of a seeded pattern (default: the message)\n"
    "  --message TEXT   send TEXT (default \"hello from l4kit\\n\"); the echo is printed\n"
    "  --source         only send (--bytes, default 10M), then wait for the peer to close\n"
    "  --sink           only receive until the peer closes; report bytes and SHA-256\n"
    "  --pattern-seed N seed of the pattern (default 1)\n"
    "  --timeout TIME   give up after TIME (default 60s)\n"
    "  --json           print the result as one JSON object\n"
    "%s"
    "\n"
    "Exit status: 0 when the transfer completed (and the echo verified), 1 when not,\n"
    "2 on bad input.\n";

#define TEC_BUF 65536

typedef struct tec {
    stack st;
    int sd;
    int mode; /* 0 echo, 1 source, 2 sink */
    const char *message;
    uint64_t total; /* bytes to send */
    uint64_t pattern_seed;
    uint64_t sent, received, mismatch_at;
    int mismatch, connected, fin_queued, eof, failed;
    int err;
    l4_time t_start, t_connected, t_end;
    stack_sha sha_out, sha_in;
    uint8_t buf[TEC_BUF];
    uint8_t want[TEC_BUF];
    char *echo_text; /* message mode: the echo received */
    int timer;
} tec;

static void tec_expected(tec *c, uint64_t off, uint8_t *buf, size_t len)
{
    if (c->message)
        memcpy(buf, c->message + off, len);
    else
        stack_pattern(c->pattern_seed, off, buf, len);
}

static void tec_done(tec *c, int failed, int err)
{
    if (c->t_end)
        return;
    c->failed = failed;
    c->err = err;
    c->t_end = stack_now(&c->st);
    l4_loop_stop(c->st.loop);
}

static void tec_pump(tec *c)
{
    l4_host *h = c->st.h;
    if (!c->connected || c->t_end)
        return;
    l4_time now = stack_now(&c->st);
    /* send */
    while (c->mode != 2 && c->sent < c->total) {
        size_t chunk = c->total - c->sent < TEC_BUF ? (size_t)(c->total - c->sent) : TEC_BUF;
        tec_expected(c, c->sent, c->buf, chunk);
        l4_ssize n = l4_socket_send(h, c->sd, c->buf, chunk, now);
        if (n == L4_EAGAIN)
            break;
        if (n < 0) {
            tec_done(c, 1, (int)n);
            return;
        }
        stack_sha_update(&c->sha_out, c->buf, (size_t)n);
        c->sent += (uint64_t)n;
    }
    if (c->mode != 2 && c->sent == c->total && !c->fin_queued) {
        l4_socket_shutdown(h, c->sd, now);
        c->fin_queued = 1;
    }
    /* receive */
    while (!c->eof) {
        l4_ssize n = l4_socket_recv(h, c->sd, c->buf, TEC_BUF, now);
        if (n == L4_EAGAIN)
            break;
        if (n < 0) {
            tec_done(c, 1, (int)n);
            return;
        }
        if (n == 0) {
            c->eof = 1; /* the peer may half-close first: keep sending */
            break;
        }
        stack_sha_update(&c->sha_in, c->buf, (size_t)n);
        if (c->mode == 0) {
            if (c->received + (uint64_t)n > c->sent) {
                if (!c->mismatch) {
                    c->mismatch = 1;
                    c->mismatch_at = c->sent;
                }
            } else if (!c->mismatch) {
                tec_expected(c, c->received, c->want, (size_t)n);
                if (memcmp(c->want, c->buf, (size_t)n)) {
                    size_t k = 0;
                    while (c->want[k] == c->buf[k])
                        k++;
                    c->mismatch = 1;
                    c->mismatch_at = c->received + k;
                }
            }
            if (c->echo_text && c->received + (uint64_t)n <= c->total)
                memcpy(c->echo_text + c->received, c->buf, (size_t)n);
        }
        c->received += (uint64_t)n;
    }
    if (c->eof && (c->mode == 2 || c->fin_queued)) {
        int bad = c->mode == 0 && (c->mismatch || c->received != c->sent);
        tec_done(c, bad || (c->mode != 2 && c->sent != c->total), 0);
    }
}

static void tec_on_event(l4_host *h, int sd, void *user)
{
    (void)h;
    (void)sd;
    tec_pump(user);
}

static void tec_on_connected(l4_host *h, int sd, void *user)
{
    (void)h;
    (void)sd;
    tec *c = user;
    c->connected = 1;
    c->t_connected = stack_now(&c->st);
    tec_pump(c);
}

static void tec_on_error(l4_host *h, int sd, int err, void *user)
{
    (void)h;
    (void)sd;
    tec_done(user, 1, err);
}

static void tec_on_closed(l4_host *h, int sd, void *user)
{
    (void)h;
    (void)sd;
    tec *c = user;
    if (!c->eof)
        tec_done(c, 1, L4_ECONNRESET);
}

static void tec_on_timeout(void *user, l4_time now)
{
    (void)now;
    tec_done(user, 1, L4_ETIMEDOUT);
}

static const l4_socket_callbacks tec_cbs = {
    .readable = tec_on_event,
    .writable = tec_on_event,
    .connected = tec_on_connected,
    .closed = tec_on_closed,
    .error = tec_on_error,
};

int cmd_tcp_echo_client(int argc, char **argv)
{
    const char *cmd = "tcp-echo-client";
    tec *c = calloc(1, sizeof *c);
    if (!c)
        return 1;
    stack_opts o;
    memset(&o, 0, sizeof o);
    const char *pos[2] = {NULL, NULL};
    int npos = 0, json = 0, has_bytes = 0, rc = 2;
    l4_time timeout = 60000000000ull;
    c->pattern_seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = stack_opt(cmd, tec_help, &o, argc, argv, &i);
        if (r == ARGS_TAKEN)
            continue;
        if (r != ARGS_OTHER) {
            rc = r;
            goto out;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--source")) {
            c->mode = 1;
        } else if (!strcmp(a, "--sink")) {
            c->mode = 2;
        } else if (!strcmp(a, "--bytes") || !strcmp(a, "--message") || !strcmp(a, "--timeout") ||
                   !strcmp(a, "--pattern-seed")) {
            const char *v = args_value(cmd, argc, argv, &i);
            if (!v)
                goto out;
            int bad = 0;
            if (!strcmp(a, "--bytes")) {
                bad = units_parse_size(v, &c->total) != 0;
                has_bytes = 1;
            } else if (!strcmp(a, "--message")) {
                c->message = v;
                bad = !v[0];
            } else if (!strcmp(a, "--timeout")) {
                bad = units_parse_time(v, &timeout) != 0 || timeout == 0;
            } else {
                char *end = NULL;
                c->pattern_seed = strtoull(v, &end, 0);
                bad = end == v || *end;
            }
            if (bad) {
                fprintf(stderr, "l4kit %s: bad value '%s' for %s\n", cmd, v, a);
                goto out;
            }
        } else if (args_positional(cmd, a, pos, &npos, 2, NULL) != 0) {
            goto out;
        }
    }
    if ((rc = stack_opts_check(cmd, &o)) != 0)
        goto out;
    l4_addr dst;
    uint16_t port;
    if ((rc = stack_peer(cmd, &o, pos, npos, &dst, &port)) != 0)
        goto out;
    rc = 2;
    if (c->message && has_bytes) {
        fprintf(stderr, "l4kit %s: --message and --bytes exclude each other\n", cmd);
        goto out;
    }
    if (c->mode == 2 && (c->message || has_bytes)) {
        fprintf(stderr, "l4kit %s: --sink sends nothing (no --bytes / --message)\n", cmd);
        goto out;
    }
    if (!has_bytes && !c->message)
        c->message = c->mode == 1 ? NULL : "hello from l4kit\n";
    if (c->message)
        c->total = strlen(c->message);
    else if (!has_bytes)
        c->total = 10u << 20;
    if (c->mode == 2)
        c->total = 0;
    if (c->mode == 0 && c->message) {
        c->echo_text = calloc(1, c->total + 1);
        if (!c->echo_text) {
            rc = 1;
            goto out;
        }
    }
    if (stack_open(&c->st, cmd, &o) != 0) {
        rc = 1;
        goto out;
    }
    stack_sha_init(&c->sha_out);
    stack_sha_init(&c->sha_in);
    l4_host *h = c->st.h;
    c->t_start = stack_now(&c->st);
    c->sd = l4_socket_open(h, o.addr.family, L4_SOCK_STREAM);
    int e = c->sd < 0 ? c->sd : l4_socket_set_callbacks(h, c->sd, &tec_cbs, c);
    if (e == 0)
        e = l4_socket_connect(h, c->sd, &dst, (uint16_t)port, c->t_start);
    if (e < 0 && e != L4_EINPROGRESS) {
        fprintf(stderr, "l4kit %s: connect: %s\n", cmd, l4_host_strerror(e));
        rc = 1;
    } else {
        l4_tun_host_flush(c->st.th);
        c->timer = l4_loop_timer_add(c->st.loop, tec_on_timeout, c);
        l4_loop_timer_set(c->st.loop, c->timer, c->t_start + timeout);
        l4_loop_run(c->st.loop);
        if (!c->t_end) {
            c->t_end = stack_now(&c->st);
            c->failed = 1;
            c->err = 0;
        }
        /* Finish the close before the device goes away: wait until our FIN
           (after the last byte) is acknowledged, i.e. TIME_WAIT or CLOSED,
           within the timeout. Only then did every byte sent arrive. */
        if (c->connected && !c->failed) {
            if (!c->fin_queued)
                l4_socket_shutdown(h, c->sd, stack_now(&c->st));
            l4_tun_host_flush(c->st.th);
            l4_time until = c->t_start + timeout;
            for (;;) {
                l4_tcp_state s = l4_socket_state(h, c->sd);
                if (s == L4_TCP_TIME_WAIT || s == L4_TCP_CLOSED)
                    break;
                if (stack_now(&c->st) >= until || l4_loop_stop_signal(c->st.loop)) {
                    c->failed = 1;
                    c->err = L4_ETIMEDOUT;
                    break;
                }
                l4_loop_run_once(c->st.loop, until);
            }
            if (c->mode != 2)
                c->t_end = stack_now(&c->st);
        }
        l4_time t0 = c->t_connected ? c->t_connected : c->t_start;
        double secs = (double)(c->t_end - t0) / 1e9;
        uint64_t moved = c->mode == 2 ? c->received : c->sent;
        double mbps = secs > 0 ? (double)moved * 8 / secs / 1e6 : 0;
        char hout[65], hin[65];
        stack_sha_final(&c->sha_out, hout);
        stack_sha_final(&c->sha_in, hin);
        const char *mode = c->mode == 0 ? "echo" : c->mode == 1 ? "source" : "sink";
        int verified = !c->failed && (c->mode != 0 || (!c->mismatch && c->received == c->sent));
        char peer[64];
        stack_addr_port(peer, sizeof peer, &dst, (unsigned)port);
        if (json) {
            printf("{\"mode\":\"%s\",\"peer\":\"%s\",\"bytes_sent\":%" PRIu64
                   ",\"bytes_received\":%" PRIu64 ",\"verified\":%s,\"error\":",
                   mode, peer, c->sent, c->received, verified ? "true" : "false");
            json_str(stdout, c->err ? l4_host_strerror(c->err) : NULL);
            printf(",\"connect_ms\":%.3f,\"seconds\":%.6f,\"goodput_mbps\":%.3f,\"sha256_sent\":\"%"
                   "s\","
                   "\"sha256_received\":\"%s\"",
                   c->t_connected ? (double)(c->t_connected - c->t_start) / 1e6 : -1.0, secs, mbps,
                   hout, hin);
            stack_json_device(&c->st, stdout);
            printf("}\n");
        } else {
            if (c->echo_text && c->received) {
                size_t el = strlen(c->echo_text);
                printf("%s%s", c->echo_text, el && c->echo_text[el - 1] == '\n' ? "" : "\n");
            }
            if (c->err)
                printf("%s: %s\n", peer, l4_host_strerror(c->err));
            else if (c->mode == 0 && c->mismatch)
                printf("%s: echo differs from byte %" PRIu64 "\n", peer, c->mismatch_at);
            printf("%s %s: sent %" PRIu64 " bytes, received %" PRIu64 " bytes%s in %.3f s "
                   "(%.1f Mbit/s)\n",
                   mode, peer, c->sent, c->received,
                   c->mode == 0 ? (verified ? ", echo byte-exact" : ", echo NOT verified") : "",
                   secs, mbps);
        }
        rc = verified ? 0 : 1;
        l4_socket_close(h, c->sd, stack_now(&c->st));
        l4_tun_host_flush(c->st.th);
    }
    stack_close(&c->st);
out:
    free(c->echo_text);
    free(c);
    return rc;
}
