/*
 * tools/l4kit/cmd_iperf3_server.c — `l4kit iperf3-server`: a server for the
 * real `iperf3 -c` client (its control protocol, tools/l4kit/iperf3_proto.h)
 * on the l4kit stack through TUN, so the kernel's iperf3 measures the l4kit
 * TCP: kernel → l4kit by default, l4kit → kernel with -R, -P streams, -t /
 * -n / -k. One test at a time, as iperf3 -s serves them; a client arriving
 * during a test is turned away (ACCESS_DENIED); UDP, SCTP and --bidir are
 * answered with iperf3's "not implemented" error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "args.h"
#include "cmd.h"
#include "iperf3_proto.h"
#include "json.h"
#include "stack_run.h"

static const char ip3_help[] =
    "usage: l4kit iperf3-server --tun NAME --tun-addr ADDR/PREFIX --addr ADDR\n"
    "                           [--port N] [--one-off] [--json] [stack options]\n"
    "\n"
    "Runs an l4kit host on a TUN device and serves the kernel's `iperf3 -c ADDR`\n"
    "(iperf3's own control protocol): TCP tests in both directions (-R: l4kit\n"
    "sends), parallel streams (-P), -t / -n / -k. One test at a time; UDP, SCTP\n"
    "and --bidir get iperf3's \"not implemented\" error. Logs one line per test\n"
    "(client, direction, streams, bytes, seconds, goodput) on stdout and prints\n"
    "'listening on ADDR:PORT' on stderr once up.\n"
    "\n"
    "  --port N    TCP port (default 5201, iperf3's)\n"
    "  --one-off   exit after one test (iperf3 -s -1)\n"
    "  --json      log one JSON object per line\n"
    "%s"
    "\n"
    "Exit status: 0 after a clean stop, 1 on a run-time failure, 2 on bad input.\n";

enum { R_NEW, R_CTRL, R_STREAM };
enum { P_PARAMS, P_STREAMS, P_RUNNING, P_RESULTS, P_DONE };

typedef struct ip3_conn {
    int sd, role, idx;
    uint8_t cookie[IPERF3_COOKIE_LEN];
    size_t have;
    char peer[64];
} ip3_conn;

typedef struct ip3 {
    stack st;
    int lsd, json, one_off;
    stack_table conns; /* ip3_conn by descriptor */
    /* the test in progress */
    int busy, ctrl, phase, nstreams, failed;
    uint8_t cookie[IPERF3_COOKIE_LEN];
    uint8_t lenb[4];
    size_t lenhave, jlen, jhave;
    char *jbuf;
    iperf3_params prm;
    int ssd[IPERF3_MAX_STREAMS];
    uint64_t sbytes[IPERF3_MAX_STREAMS];
    l4_time t0, t1;
    struct rusage ru0;
    char client[64];
    long tests;
} ip3;

static uint8_t ip3_scratch[128 * 1024];

static void ip3_drop(ip3 *t, int sd)
{
    ip3_conn *c = stack_table_get(&t->conns, sd);
    if (c) {
        t->conns.v[sd] = NULL;
        free(c);
    }
    l4_socket_close(t->st.h, sd, stack_now(&t->st));
}

/* Sends a state byte (and, for SERVER_ERROR, the two error numbers). */
static int ip3_state(ip3 *t, int state, int ierr)
{
    uint8_t b[9] = {(uint8_t)(int8_t)state};
    size_t n = 1;
    if (state == IPERF3_SERVER_ERROR) {
        b[1] = (uint8_t)(ierr >> 24);
        b[2] = (uint8_t)(ierr >> 16);
        b[3] = (uint8_t)(ierr >> 8);
        b[4] = (uint8_t)ierr;
        n = 9; /* errno 0 */
    }
    return l4_socket_send(t->st.h, t->ctrl, b, n, stack_now(&t->st)) == (l4_ssize)n ? 0 : -1;
}

static double ip3_secs(const struct timeval *a, const struct timeval *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

/* The test is over (how: "done", "aborted", "refused"; why: the detail or
   NULL): log it and close everything. */
static void ip3_end_why(ip3 *t, const char *how, const char *why)
{
    if (!t->busy)
        return;
    l4_time end = t->t1 ? t->t1 : stack_now(&t->st);
    double secs = t->t0 && end > t->t0 ? (double)(end - t->t0) / 1e9 : 0;
    uint64_t total = 0;
    for (int i = 0; i < t->nstreams; i++)
        total += t->sbytes[i];
    double mbps = secs > 0 ? (double)total * 8 / secs / 1e6 : 0;
    if (t->json) {
        printf("{\"event\":\"test\",\"client\":");
        json_str(stdout, t->client);
        printf(",\"how\":\"%s\",\"why\":", how);
        json_str(stdout, why);
        printf(",\"reverse\":%s,\"streams\":%d,\"bytes\":%" PRIu64
               ",\"seconds\":%.6f,\"goodput_mbps\":%.3f",
               t->prm.reverse ? "true" : "false", t->nstreams, total, secs, mbps);
        stack_json_device(&t->st, stdout);
        printf("}\n");
    } else {
        printf("test %s (%s%s%s): %s, %d stream%s, %" PRIu64 " bytes in %.3f s, %.1f Mbit/s\n",
               t->client, how, why ? ": " : "", why ? why : "",
               t->prm.reverse ? "l4kit sends" : "l4kit receives", t->nstreams,
               t->nstreams == 1 ? "" : "s", total, secs, mbps);
    }
    fflush(stdout);
    for (int i = 0; i < t->nstreams; i++)
        if (t->ssd[i] >= 0)
            ip3_drop(t, t->ssd[i]);
    ip3_drop(t, t->ctrl);
    free(t->jbuf);
    t->jbuf = NULL;
    t->busy = 0;
    t->tests++;
    if (t->one_off)
        l4_loop_stop(t->st.loop);
}

static void ip3_end(ip3 *t, const char *how)
{
    ip3_end_why(t, how, NULL);
}

/* Reads a length-prefixed JSON message; 1 when complete (t->jbuf, t->jlen). */
static int ip3_read_json(ip3 *t, l4_ssize *err)
{
    l4_host *h = t->st.h;
    l4_time now = stack_now(&t->st);
    *err = 0;
    while (t->lenhave < 4) {
        l4_ssize n = l4_socket_recv(h, t->ctrl, t->lenb + t->lenhave, 4 - t->lenhave, now);
        if (n <= 0) {
            *err = n == 0 ? -1 : n;
            return 0;
        }
        t->lenhave += (size_t)n;
        if (t->lenhave == 4) {
            t->jlen = (size_t)t->lenb[0] << 24 | (size_t)t->lenb[1] << 16 |
                      (size_t)t->lenb[2] << 8 | t->lenb[3];
            if (t->jlen == 0 || t->jlen > IPERF3_MAX_JSON) {
                *err = -1;
                return 0;
            }
            t->jbuf = malloc(t->jlen);
            t->jhave = 0;
            if (!t->jbuf) {
                *err = -1;
                return 0;
            }
        }
    }
    while (t->jhave < t->jlen) {
        l4_ssize n = l4_socket_recv(h, t->ctrl, t->jbuf + t->jhave, t->jlen - t->jhave, now);
        if (n <= 0) {
            *err = n == 0 ? -1 : n;
            return 0;
        }
        t->jhave += (size_t)n;
    }
    t->lenhave = 0;
    return 1;
}

static void ip3_send_results(ip3 *t)
{
    struct rusage ru1;
    getrusage(RUSAGE_SELF, &ru1);
    double wall = (double)(t->t1 - t->t0) / 1e9;
    double user = ip3_secs(&t->ru0.ru_utime, &ru1.ru_utime);
    double sys = ip3_secs(&t->ru0.ru_stime, &ru1.ru_stime);
    iperf3_stream_result r[IPERF3_MAX_STREAMS];
    for (int i = 0; i < t->nstreams; i++) {
        r[i].id = iperf3_stream_id(i);
        r[i].bytes = t->sbytes[i];
        r[i].retransmits = -1;
        r[i].start = 0;
        r[i].end = wall;
        l4_socket_info in;
        if (t->prm.reverse && l4_socket_info_get(t->st.h, t->ssd[i], &in) == 0 && in.has_tcp_info)
            r[i].retransmits = (int64_t)in.tcp.retransmits;
    }
    static char js[IPERF3_MAX_STREAMS * 200 + 256];
    double pct = wall > 0 ? 100.0 / wall : 0;
    int n = iperf3_results_json(js, sizeof js, (user + sys) * pct, user * pct, sys * pct,
                                t->prm.reverse, r, t->nstreams);
    uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    l4_time now = stack_now(&t->st);
    if (n < 0 || l4_socket_send(t->st.h, t->ctrl, len, 4, now) != 4 ||
        l4_socket_send(t->st.h, t->ctrl, js, (size_t)n, now) != n ||
        ip3_state(t, IPERF3_DISPLAY_RESULTS, 0) != 0)
        t->failed = 1;
}

static void ip3_pump_stream(ip3 *t, int i);

/* The control connection: what the client says, phase by phase. */
static void ip3_pump_ctrl(ip3 *t)
{
    l4_host *h = t->st.h;
    while (t->busy) {
        l4_time now = stack_now(&t->st);
        l4_ssize err = 0;
        if (t->phase == P_PARAMS || t->phase == P_RESULTS) {
            if (!ip3_read_json(t, &err)) {
                if (err != L4_EAGAIN)
                    ip3_end_why(t, "aborted",
                                err == -1 ? "the control connection closed or sent a bad length"
                                          : l4_host_strerror((int)err));
                return;
            }
            if (t->phase == P_RESULTS) { /* the client's results: not needed */
                free(t->jbuf);
                t->jbuf = NULL;
                ip3_send_results(t);
                if (t->failed) {
                    ip3_end_why(t, "aborted", "cannot send the results");
                    return;
                }
                t->phase = P_DONE;
                continue;
            }
            int r = iperf3_params_parse(t->jbuf, t->jlen, &t->prm);
            free(t->jbuf);
            t->jbuf = NULL;
            if (r != 0) {
                /* iperf3 prints "an option you are trying to set is not implemented yet" */
                ip3_state(t, IPERF3_SERVER_ERROR, r == -2 ? IPERF3_IEUNIMP : 114);
                ip3_end_why(t, "refused",
                            r == -2 ? "not served here: UDP, SCTP, --bidir, -R with -n/-k"
                                    : "parameters are not a JSON object");
                return;
            }
            t->phase = P_STREAMS;
            if (ip3_state(t, IPERF3_CREATE_STREAMS, 0) != 0)
                ip3_end_why(t, "aborted", "cannot send on the control connection");
            return;
        }
        uint8_t b;
        l4_ssize n = l4_socket_recv(h, t->ctrl, &b, 1, now);
        if (n == L4_EAGAIN)
            return;
        if (n <= 0) {
            ip3_end(t, t->phase == P_DONE ? "done" : "aborted");
            return;
        }
        int8_t s = (int8_t)b;
        if (s == IPERF3_TEST_END && (t->phase == P_RUNNING || t->phase == P_STREAMS)) {
            for (int i = 0; i < t->nstreams; i++) /* count what already arrived */
                ip3_pump_stream(t, i);
            t->t1 = now;
            t->phase = P_RESULTS;
            if (ip3_state(t, IPERF3_EXCHANGE_RESULTS, 0) != 0) {
                ip3_end_why(t, "aborted", "cannot send on the control connection");
                return;
            }
        } else if (s == IPERF3_IPERF_DONE && t->phase == P_DONE) {
            ip3_end(t, "done");
            return;
        } else {
            /* CLIENT_TERMINATE, or a state out of turn */
            ip3_end_why(t, "aborted",
                        s == IPERF3_CLIENT_TERMINATE ? "the client terminated"
                                                     : "a state out of turn");
            return;
        }
    }
}

/* A data stream: receive and count, or (-R) send while the test runs. */
static void ip3_pump_stream(ip3 *t, int i)
{
    l4_host *h = t->st.h;
    int sd = t->ssd[i];
    for (;;) {
        l4_time now = stack_now(&t->st);
        if (t->prm.reverse) {
            /* After TEST_END the client drains the streams with blocking
               reads of whole blocks until its results go out, so data keeps
               coming until then (not counted): stopping at once can leave
               it waiting for a block that never completes. */
            if (t->phase != P_RUNNING && t->phase != P_RESULTS)
                return;
            l4_ssize n = l4_socket_send(h, sd, ip3_scratch, sizeof ip3_scratch, now);
            if (n <= 0)
                return;
            if (t->phase == P_RUNNING)
                t->sbytes[i] += (uint64_t)n;
            continue;
        }
        l4_ssize n = l4_socket_recv(h, sd, ip3_scratch, sizeof ip3_scratch, now);
        if (n <= 0)
            return;
        if (t->phase == P_RUNNING || t->phase == P_STREAMS)
            t->sbytes[i] += (uint64_t)n;
    }
}

/* A new connection's cookie is complete: a new test, a stream, or turned away. */
static void ip3_classify(ip3 *t, ip3_conn *c)
{
    if (!t->busy) {
        memset(&t->prm, 0, sizeof t->prm);
        t->busy = 1;
        t->failed = 0;
        t->ctrl = c->sd;
        c->role = R_CTRL;
        memcpy(t->cookie, c->cookie, sizeof t->cookie);
        snprintf(t->client, sizeof t->client, "%s", c->peer);
        t->phase = P_PARAMS;
        t->nstreams = 0;
        t->lenhave = 0;
        t->t0 = t->t1 = 0;
        if (ip3_state(t, IPERF3_PARAM_EXCHANGE, 0) != 0)
            ip3_end_why(t, "aborted", "cannot send on the control connection");
        else
            ip3_pump_ctrl(t);
        return;
    }
    if (t->phase == P_STREAMS && !memcmp(c->cookie, t->cookie, sizeof t->cookie) &&
        t->nstreams < t->prm.parallel) {
        int i = t->nstreams++;
        c->role = R_STREAM;
        c->idx = i;
        t->ssd[i] = c->sd;
        t->sbytes[i] = 0;
        if (t->nstreams == t->prm.parallel) {
            /* Every stream is there: the test starts. */
            t->t0 = stack_now(&t->st);
            getrusage(RUSAGE_SELF, &t->ru0);
            if (ip3_state(t, IPERF3_TEST_START, 0) != 0 ||
                ip3_state(t, IPERF3_TEST_RUNNING, 0) != 0) {
                ip3_end_why(t, "aborted", "cannot send on the control connection");
                return;
            }
            t->phase = P_RUNNING;
            for (int k = 0; k < t->nstreams; k++)
                ip3_pump_stream(t, k);
        }
        return;
    }
    /* Busy (or a stray stream): iperf3's "the server is busy". */
    uint8_t d = (uint8_t)(int8_t)IPERF3_ACCESS_DENIED;
    l4_socket_send(t->st.h, c->sd, &d, 1, stack_now(&t->st));
    ip3_drop(t, c->sd);
}

static void ip3_pump(ip3 *t, int sd)
{
    ip3_conn *c = stack_table_get(&t->conns, sd);
    if (!c)
        return;
    if (c->role == R_NEW) {
        while (c->have < IPERF3_COOKIE_LEN) {
            l4_ssize n = l4_socket_recv(t->st.h, sd, c->cookie + c->have,
                                        IPERF3_COOKIE_LEN - c->have, stack_now(&t->st));
            if (n == L4_EAGAIN)
                return;
            if (n <= 0) {
                ip3_drop(t, sd);
                return;
            }
            c->have += (size_t)n;
        }
        ip3_classify(t, c);
        return;
    }
    if (c->role == R_CTRL)
        ip3_pump_ctrl(t);
    else
        ip3_pump_stream(t, c->idx);
}

static void ip3_on_event(l4_host *h, int sd, void *user);

static const l4_socket_callbacks ip3_cbs = {
    .readable = ip3_on_event,
    .writable = ip3_on_event,
    .closed = ip3_on_event,
    .error = NULL,
};

static void ip3_accept_all(ip3 *t)
{
    l4_host *h = t->st.h;
    for (;;) {
        l4_addr peer;
        uint16_t pport;
        int sd = l4_socket_accept(h, t->lsd, &peer, &pport);
        if (sd < 0)
            return;
        ip3_conn *c = stack_table_fit(&t->conns, sd) < 0 ? NULL : calloc(1, sizeof *c);
        if (!c) {
            l4_socket_close(h, sd, stack_now(&t->st));
            continue;
        }
        c->sd = sd;
        stack_addr_port(c->peer, sizeof c->peer, &peer, pport);
        t->conns.v[sd] = c;
        l4_socket_set_callbacks(h, sd, &ip3_cbs, t);
        ip3_pump(t, sd);
    }
}

static void ip3_on_event(l4_host *h, int sd, void *user)
{
    (void)h;
    ip3 *t = user;
    if (sd == t->lsd)
        ip3_accept_all(t);
    else
        ip3_pump(t, sd);
}

int cmd_iperf3_server(int argc, char **argv)
{
    const char *cmd = "iperf3-server";
    ip3 *t = calloc(1, sizeof *t);
    if (!t)
        return 1;
    stack_opts o;
    memset(&o, 0, sizeof o);
    long port = 5201;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = stack_opt(cmd, ip3_help, &o, argc, argv, &i);
        if (r == ARGS_TAKEN)
            continue;
        if (r != ARGS_OTHER) {
            rc = r;
            goto out;
        }
        if (!strcmp(a, "--json")) {
            t->json = 1;
        } else if (!strcmp(a, "--one-off")) {
            t->one_off = 1;
        } else if (!strcmp(a, "--port")) {
            if (i + 1 >= argc || args_long(argv[i + 1], 1, 65535, &port) != 0) {
                fprintf(stderr, "l4kit %s: --port needs a port number (1-65535)\n", cmd);
                goto out;
            }
            i++;
        } else {
            args_unknown(cmd, a);
            goto out;
        }
    }
    if ((rc = stack_opts_check(cmd, &o)) != 0)
        goto out;
    if (stack_open(&t->st, cmd, &o) != 0) {
        rc = 1;
        goto out;
    }
    t->lsd = stack_listen(&t->st, cmd, &o.addr, (uint16_t)port, 128, &ip3_cbs, t);
    if (t->lsd < 0) {
        stack_close(&t->st);
        rc = 1;
        goto out;
    }
    stack_say_listening(cmd, &o, (unsigned)port, NULL);
    rc = l4_loop_run(t->st.loop) == 0 ? 0 : 1;
    ip3_end_why(t, "aborted", "stopped");
    for (size_t i = 0; i < t->conns.n; i++)
        free(t->conns.v[i]);
    stack_close(&t->st);
out:
    free(t->jbuf);
    stack_table_free(&t->conns);
    free(t);
    return rc;
}
