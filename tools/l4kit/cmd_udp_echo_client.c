/*
 * tools/l4kit/cmd_udp_echo_client.c — `l4kit udp-echo-client`: sends
 * datagrams from the l4kit stack through TUN to an echo server, checks each
 * echo (length and bytes) and reports the round-trip time of each.
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
#include "util/bytes.h"

static const char uec_help[] =
    "usage: l4kit udp-echo-client --tun NAME --tun-addr ADDR/PREFIX --addr ADDR\n"
    "                             [--count N] [--size N | --message TEXT]\n"
    "                             [--interval TIME] [--timeout TIME] [--json] HOST PORT\n"
    "\n"
    "Runs an l4kit host on a TUN device and sends COUNT datagrams from a\n"
    "connected UDP socket to HOST PORT, one every INTERVAL; checks each echo\n"
    "arrives whole and unchanged and prints its round-trip time. An ICMP port\n"
    "unreachable reported by the host ends the run with 'Connection refused'.\n"
    "\n"
    "  --count N        datagrams to send (default 4)\n"
    "  --size N         payload bytes of each (default 64, at least 4: a sequence\n"
    "                   number followed by a seeded pattern)\n"
    "  --message TEXT   send TEXT as each payload instead (matched in order)\n"
    "  --interval TIME  between datagrams (default 100ms)\n"
    "  --timeout TIME   wait for the last echo (default 1s)\n"
    "  --json           print the result as one JSON object\n"
    "%s"
    "\n"
    "Exit status: 0 when every echo came back verified, 1 when not, 2 on bad input.\n";

#define UEC_MAX 65507

typedef struct uec {
    stack st;
    int sd, json, timer;
    long count, size;
    const char *message;
    l4_time interval, timeout;
    long sent, received, bad;
    int err;
    l4_time *t_sent;
    double *rtt_ms; /* -1 until answered */
    uint8_t buf[UEC_MAX + 1], want[UEC_MAX + 1];
} uec;

static size_t uec_payload(uec *u, long seq, uint8_t *out)
{
    if (u->message) {
        size_t n = strlen(u->message);
        memcpy(out, u->message, n);
        return n;
    }
    l4_put_u32(out, (uint32_t)seq);
    stack_pattern((uint64_t)seq + 1, 0, out + 4, (size_t)u->size - 4);
    return (size_t)u->size;
}

static void uec_finish(uec *u)
{
    l4_loop_stop(u->st.loop);
}

static void uec_on_readable(l4_host *h, int sd, void *user)
{
    uec *u = user;
    for (;;) {
        l4_time now = stack_now(&u->st);
        int flags = 0;
        l4_ssize n = l4_socket_recvfrom(h, sd, u->buf, sizeof u->buf, NULL, NULL, &flags, now);
        if (n == L4_EAGAIN)
            return;
        if (n < 0) {
            u->err = (int)n;
            if (!u->json)
                printf("seq=%ld: %s\n", u->sent - 1, l4_host_strerror((int)n));
            uec_finish(u);
            return;
        }
        long seq = -1;
        if (u->message) {
            for (long i = 0; i < u->sent; i++)
                if (u->rtt_ms[i] < 0) {
                    seq = i;
                    break;
                }
        } else if (n >= 4) {
            seq = (long)l4_get_u32(u->buf);
        }
        if (seq < 0 || seq >= u->sent || u->rtt_ms[seq] >= 0) {
            u->bad++;
            continue;
        }
        size_t wl = uec_payload(u, seq, u->want);
        int ok = !(flags & L4_MSG_TRUNC) && (size_t)n == wl && !memcmp(u->want, u->buf, wl);
        u->rtt_ms[seq] = (double)(now - u->t_sent[seq]) / 1e6;
        if (!ok)
            u->bad++;
        else
            u->received++;
        if (!u->json) {
            printf("seq=%ld bytes=%zd rtt=%.3f ms%s\n", seq, n, u->rtt_ms[seq],
                   ok ? "" : " (echo differs)");
            fflush(stdout);
        }
        if (u->received + u->bad >= u->count)
            uec_finish(u);
    }
}

static void uec_on_timer(void *user, l4_time now)
{
    uec *u = user;
    if (u->sent < u->count) {
        size_t len = uec_payload(u, u->sent, u->buf);
        u->t_sent[u->sent] = now;
        l4_ssize w = l4_socket_send(u->st.h, u->sd, u->buf, len, now);
        if (w < 0 && w != L4_EAGAIN && w != L4_ENOBUFS) {
            u->err = (int)w;
            if (!u->json)
                printf("seq=%ld: %s\n", u->sent, l4_host_strerror((int)w));
            uec_finish(u);
            return;
        }
        u->sent++;
        l4_tun_host_flush(u->st.th);
        l4_loop_timer_set(u->st.loop, u->timer,
                          u->sent < u->count ? now + u->interval : now + u->timeout);
        return;
    }
    uec_finish(u); /* the last wait is over */
}

int cmd_udp_echo_client(int argc, char **argv)
{
    const char *cmd = "udp-echo-client";
    uec *u = calloc(1, sizeof *u);
    if (!u)
        return 1;
    stack_opts o;
    memset(&o, 0, sizeof o);
    const char *pos[2] = {NULL, NULL};
    int npos = 0, rc = 2, has_size = 0;
    u->count = 4;
    u->size = 64;
    u->interval = 100000000ull;
    u->timeout = 1000000000ull;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = stack_opt(cmd, uec_help, &o, argc, argv, &i);
        if (r == ARGS_TAKEN)
            continue;
        if (r != ARGS_OTHER) {
            rc = r;
            goto out;
        }
        if (!strcmp(a, "--json")) {
            u->json = 1;
        } else if (!strcmp(a, "--count") || !strcmp(a, "--size") || !strcmp(a, "--message") ||
                   !strcmp(a, "--interval") || !strcmp(a, "--timeout")) {
            const char *v = args_value(cmd, argc, argv, &i);
            if (!v)
                goto out;
            int bad;
            if (!strcmp(a, "--count"))
                bad = args_long(v, 1, 1000000, &u->count);
            else if (!strcmp(a, "--size")) {
                bad = args_long(v, 4, UEC_MAX, &u->size);
                has_size = 1;
            } else if (!strcmp(a, "--message")) {
                u->message = v;
                bad = !v[0] || strlen(v) > UEC_MAX;
            } else if (!strcmp(a, "--interval"))
                bad = units_parse_time(v, &u->interval) != 0 || u->interval == 0;
            else
                bad = units_parse_time(v, &u->timeout) != 0 || u->timeout == 0;
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
    if (u->message && has_size) {
        fprintf(stderr, "l4kit %s: --message and --size exclude each other\n", cmd);
        goto out;
    }
    u->t_sent = calloc((size_t)u->count, sizeof *u->t_sent);
    u->rtt_ms = malloc((size_t)u->count * sizeof *u->rtt_ms);
    if (!u->t_sent || !u->rtt_ms) {
        rc = 1;
        goto out;
    }
    for (long i = 0; i < u->count; i++)
        u->rtt_ms[i] = -1;
    if (stack_open(&u->st, cmd, &o) != 0) {
        rc = 1;
        goto out;
    }
    l4_host *h = u->st.h;
    static const l4_socket_callbacks cbs = {.readable = uec_on_readable};
    u->sd = l4_socket_open(h, o.addr.family, L4_SOCK_DGRAM);
    int e = u->sd < 0 ? u->sd : l4_socket_set_callbacks(h, u->sd, &cbs, u);
    if (e == 0)
        e = l4_socket_connect(h, u->sd, &dst, (uint16_t)port, stack_now(&u->st));
    if (e < 0) {
        fprintf(stderr, "l4kit %s: connect: %s\n", cmd, l4_host_strerror(e));
        stack_close(&u->st);
        rc = 1;
        goto out;
    }
    u->timer = l4_loop_timer_add(u->st.loop, uec_on_timer, u);
    l4_loop_timer_set(u->st.loop, u->timer, stack_now(&u->st));
    l4_loop_run(u->st.loop);
    double mn = 0, mx = 0, sum = 0;
    long k = 0;
    for (long i = 0; i < u->sent; i++) {
        double r = u->rtt_ms[i];
        if (r < 0)
            continue;
        if (!k || r < mn)
            mn = r;
        if (!k || r > mx)
            mx = r;
        sum += r;
        k++;
    }
    int ok = !u->err && u->bad == 0 && u->received == u->count;
    char peer[64];
    stack_addr_port(peer, sizeof peer, &dst, (unsigned)port);
    if (u->json) {
        printf(
            "{\"peer\":\"%s\",\"sent\":%ld,\"received\":%ld,\"bad\":%ld,\"verified\":%s,\"error\":",
            peer, u->sent, u->received, u->bad, ok ? "true" : "false");
        json_str(stdout, u->err ? l4_host_strerror(u->err) : NULL);
        printf(",\"rtt_ms\":[");
        for (long i = 0; i < u->sent; i++) {
            if (u->rtt_ms[i] < 0)
                printf("%snull", i ? "," : "");
            else
                printf("%s%.3f", i ? "," : "", u->rtt_ms[i]);
        }
        printf("],\"rtt_min_ms\":%.3f,\"rtt_avg_ms\":%.3f,\"rtt_max_ms\":%.3f}\n", mn,
               k ? sum / (double)k : 0.0, mx);
    } else {
        printf("%s: %ld sent, %ld echoed intact, %ld bad", peer, u->sent, u->received, u->bad);
        if (k)
            printf(", rtt min/avg/max %.3f/%.3f/%.3f ms", mn, sum / (double)k, mx);
        printf("\n");
    }
    rc = ok ? 0 : 1;
    stack_close(&u->st);
out:
    free(u->t_sent);
    free(u->rtt_ms);
    free(u);
    return rc;
}
