/*
 * tools/l4kit/cmd_ss.c — `l4kit ss`: the sockets of every running l4kit
 * stack process, read from their control sockets (io/ctl.h), printed in the
 * spirit of `ss -tan` with cwnd, srtt, rto and timers, and counted by state.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "io/ctl.h"
#include "json.h"

static const char ss_help[] =
    "usage: l4kit ss [-t] [-u] [--pid N] [--json]\n"
    "\n"
    "Lists the sockets of every running l4kit stack process (the echo servers\n"
    "and clients, whichever network namespace they run in), like 'ss -tan':\n"
    "state, receive and send queues, local and peer address:port, then the\n"
    "congestion window, smoothed RTT, RTO and the pending timer of TCP sockets as\n"
    "'ss -o' shows it (timer:(on,200ms,0): retransmission, persist, keepalive,\n"
    "timewait, also delack, fin_wait_2, pacing; time left; its count), and\n"
    "the process. Ends with the count of sockets in each state.\n"
    "The processes are found through their control sockets in the run directory\n"
    "($L4KIT_RUN_DIR, else /run/l4kit for root, else $XDG_RUNTIME_DIR/l4kit);\n"
    "files left by processes that died are removed.\n"
    "\n"
    "  -t, --tcp     TCP sockets only\n"
    "  -u, --udp     UDP sockets only\n"
    "  --pid N       only the stack process N\n"
    "  --json        one JSON object: processes, sockets, counts by state\n"
    "\n"
    "Exit status: 0 (also when no stack runs), 1 when the run directory cannot be\n"
    "read, 2 on bad input.\n";

typedef struct ss_row {
    long pid;
    char prog[32];
    l4_ctl_sock s;
} ss_row;

typedef struct ss_list {
    ss_row *rows;
    size_t n, cap;
} ss_list;

static const char *const ss_states[] = {"ESTAB",      "SYN-SENT",  "SYN-RECV", "FIN-WAIT-1",
                                        "FIN-WAIT-2", "TIME-WAIT", "CLOSE",    "CLOSE-WAIT",
                                        "LAST-ACK",   "LISTEN",    "CLOSING",  "UNCONN"};
#define SS_NSTATES (sizeof ss_states / sizeof ss_states[0])

static int ss_add(ss_list *l, long pid, const char *prog, const l4_ctl_sock *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        ss_row *nr = realloc(l->rows, nc * sizeof *nr);
        if (!nr)
            return -1;
        l->rows = nr;
        l->cap = nc;
    }
    ss_row *r = &l->rows[l->n++];
    r->pid = pid;
    snprintf(r->prog, sizeof r->prog, "%s", prog);
    r->s = *s;
    return 0;
}

/* Parses one snapshot; returns the number of sockets added or -1. */
static int ss_parse(ss_list *l, char *text, int want_tcp, int want_udp)
{
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    long pid = 0;
    char prog[32] = "?";
    int ver = 0;
    if (!line || sscanf(line, "# l4kit-ss %d pid=%ld prog=%31s", &ver, &pid, prog) != 3 ||
        ver != L4_CTL_VERSION)
        return -1;
    int n = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        l4_ctl_sock s;
        if (l4_ctl_parse_line(line, &s) != 0)
            continue;
        if ((!strcmp(s.proto, "tcp") && !want_tcp) || (!strcmp(s.proto, "udp") && !want_udp))
            continue;
        if (ss_add(l, pid, prog, &s) < 0)
            return -1;
        n++;
    }
    return n;
}

static void ss_endpoint(char *buf, size_t cap, const char *addr, unsigned port)
{
    if (!strcmp(addr, "*"))
        snprintf(buf, cap, "*:*");
    else if (strchr(addr, ':'))
        snprintf(buf, cap, "[%s]:%u", addr, port);
    else
        snprintf(buf, cap, "%s:%u", addr, port);
}

/* The time left as `ss -o` writes it: "66min", "59sec", "200ms". */
static void ss_timer_text(char *buf, size_t cap, int64_t us)
{
    int64_t ms = us / 1000, sec = ms / 1000;
    if (sec >= 60)
        snprintf(buf, cap, "%" PRId64 "min", sec / 60);
    else if (sec > 0)
        snprintf(buf, cap, "%" PRId64 "sec", sec);
    else
        snprintf(buf, cap, "%" PRId64 "ms", ms);
}

static void ss_print_text(const ss_list *l, size_t nproc)
{
    printf("%-5s %-11s %7s %7s %-24s %-24s %s\n", "Netid", "State", "Recv-Q", "Send-Q",
           "Local Address:Port", "Peer Address:Port", "Info");
    size_t counts[SS_NSTATES] = {0};
    for (size_t i = 0; i < l->n; i++) {
        const ss_row *r = &l->rows[i];
        const l4_ctl_sock *s = &r->s;
        char loc[64], peer[64];
        ss_endpoint(loc, sizeof loc, s->local, s->lport);
        if (!strcmp(s->peer, "*"))
            snprintf(peer, sizeof peer, "*:*");
        else
            ss_endpoint(peer, sizeof peer, s->peer, s->pport);
        printf("%-5s %-11s %7" PRIu64 " %7" PRIu64 " %-24s %-24s", s->proto, s->state, s->recvq,
               s->sendq, loc, peer);
        if (s->has_tcp)
            printf(" cwnd:%" PRIu64 " mss:%u srtt:%.3fms rto:%.0fms retrans:%" PRIu64, s->cwnd,
                   s->mss, (double)s->srtt_us / 1000.0, (double)s->rto_us / 1000.0, s->retrans);
        if (s->timer_us >= 0) {
            char left[32];
            ss_timer_text(left, sizeof left, s->timer_us);
            printf(" timer:(%s,%s,%u)", s->timer, left, s->timer_count);
        }
        printf(" users:((\"%s\",pid=%ld))\n", r->prog, r->pid);
        for (size_t k = 0; k < SS_NSTATES; k++)
            if (!strcmp(ss_states[k], s->state))
                counts[k]++;
    }
    printf("Total: %zu sockets in %zu l4kit stack process%s", l->n, nproc, nproc == 1 ? "" : "es");
    const char *sep = ": ";
    for (size_t k = 0; k < SS_NSTATES; k++)
        if (counts[k]) {
            printf("%s%s %zu", sep, ss_states[k], counts[k]);
            sep = ", ";
        }
    printf("\n");
}

static void ss_print_json(const ss_list *l, const long *pids, size_t nproc)
{
    printf("{\"processes\":[");
    for (size_t i = 0; i < nproc; i++)
        printf("%s%ld", i ? "," : "", pids[i]);
    printf("],\"sockets\":[");
    size_t counts[SS_NSTATES] = {0};
    for (size_t i = 0; i < l->n; i++) {
        const ss_row *r = &l->rows[i];
        const l4_ctl_sock *s = &r->s;
        printf("%s{\"pid\":%ld,\"prog\":", i ? "," : "", r->pid);
        json_str(stdout, r->prog);
        printf(",\"proto\":\"%s\",\"state\":\"%s\",\"local\":", s->proto, s->state);
        json_str(stdout, s->local);
        printf(",\"lport\":%u,\"peer\":", s->lport);
        json_str(stdout, strcmp(s->peer, "*") ? s->peer : NULL);
        printf(",\"pport\":%u,\"recvq\":%" PRIu64 ",\"sendq\":%" PRIu64, s->pport, s->recvq,
               s->sendq);
        if (s->has_tcp)
            printf(",\"cwnd\":%" PRIu64 ",\"mss\":%u,\"srtt_us\":%" PRIu64 ",\"rttvar_us\":%" PRIu64
                   ",\"rto_us\":%" PRIu64 ",\"retrans\":%" PRIu64,
                   s->cwnd, s->mss, s->srtt_us, s->rttvar_us, s->rto_us, s->retrans);
        if (s->timer_us >= 0)
            printf(",\"timer\":\"%s\",\"timer_us\":%" PRId64 ",\"timer_count\":%u", s->timer,
                   s->timer_us, s->timer_count);
        else
            printf(",\"timer\":null");
        printf("}");
        for (size_t k = 0; k < SS_NSTATES; k++)
            if (!strcmp(ss_states[k], s->state))
                counts[k]++;
    }
    printf("],\"counts\":{");
    int first = 1;
    for (size_t k = 0; k < SS_NSTATES; k++)
        if (counts[k]) {
            printf("%s\"%s\":%zu", first ? "" : ",", ss_states[k], counts[k]);
            first = 0;
        }
    printf("}}\n");
}

int cmd_ss(int argc, char **argv)
{
    int json = 0, want_tcp = 1, want_udp = 1, only_t = 0, only_u = 0;
    long only_pid = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(ss_help, stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "-t") || !strcmp(a, "--tcp")) {
            only_t = 1;
        } else if (!strcmp(a, "-u") || !strcmp(a, "--udp")) {
            only_u = 1;
        } else if (!strcmp(a, "--pid")) {
            char *end = NULL;
            if (i + 1 >= argc || (only_pid = strtol(argv[i + 1], &end, 10)) <= 0 || *end) {
                fprintf(stderr, "l4kit ss: --pid needs a process id\n");
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "l4kit ss: unknown option '%s' (see --help)\n", a);
            return 2;
        }
    }
    if (only_t || only_u) {
        want_tcp = only_t;
        want_udp = only_u;
    }
    char dir[256];
    if (l4_ctl_dir(dir, sizeof dir) < 0) {
        fprintf(stderr, "l4kit ss: run directory path too long\n");
        return 1;
    }
    ss_list l = {NULL, 0, 0};
    long pids[256];
    size_t nproc = 0;
    DIR *d = opendir(dir);
    if (!d && errno != ENOENT) {
        fprintf(stderr, "l4kit ss: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char *end = NULL;
        long pid = strtol(e->d_name, &end, 10);
        if (end == e->d_name || strcmp(end, ".sock") || pid <= 0)
            continue;
        if (only_pid > 0 && pid != only_pid)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = NULL;
        l4_ssize n = l4_ctl_query(path, &text, 2000000000ull);
        if (n == L4_ERR_NOT_FOUND) {
            if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
                unlink(path); /* left by a process that died */
            continue;
        }
        if (n < 0) {
            fprintf(stderr, "l4kit ss: %s: no answer\n", path);
            continue;
        }
        if (ss_parse(&l, text, want_tcp, want_udp) >= 0 && nproc < 256)
            pids[nproc++] = pid;
        free(text);
    }
    if (d)
        closedir(d);
    if (json)
        ss_print_json(&l, pids, nproc);
    else
        ss_print_text(&l, nproc);
    free(l.rows);
    return 0;
}
