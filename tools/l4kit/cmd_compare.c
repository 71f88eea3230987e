/*
 * tools/l4kit/cmd_compare.c — `l4kit compare`: the same transfer over TCP,
 * UDP and QUIC in the emulator, one table side by side (compare.h). Parses
 * the command line, runs the three transfers (compare_run.c, through the
 * `l4kit sim` scenarios) and prints them (compare_report.c). Exit status: 0
 * when TCP and QUIC delivered every byte exactly once, in order, unaltered
 * (UDP is not expected to), 1 otherwise or when a file cannot be written,
 * 2 on bad usage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "compare.h"
#include "units.h"

#define COMPARE_LINK "rate 10mbit delay 20ms loss 1%"

static const char compare_usage[] =
    "usage: l4kit compare [options]\n"
    "\n"
    "The same transfer over TCP, UDP and QUIC, side by side. Each runs in the emulator,\n"
    "in virtual time, on the same link with the same seed (the `l4kit sim` scenarios):\n"
    "host A sends --bytes of a checked pattern to host B. TCP: one connection, closed\n"
    "cleanly; UDP: numbered datagrams paced at --rate, never resent; QUIC: one\n"
    "connection (TLS 1.3) with the bytes split over --streams streams. One table shows\n"
    "setup, first and last byte, goodput, what arrived and verified, retransmissions,\n"
    "bytes on the wire per payload byte, packets, srtt and head-of-line waits (how long\n"
    "bytes that had arrived waited for an earlier one), with a legend of each row.\n"
    "With no options: 1 MiB over \"" COMPARE_LINK "\" both ways, 4 QUIC streams.\n"
    "\n"
    "  --link SPEC       the A -> B direction, netem-like (default \"" COMPARE_LINK "\";\n"
    "                    see `l4kit sim --help`: rate, delay, jitter, loss, loss-burst,\n"
    "                    reorder, duplicate, corrupt, queue, ecn-threshold, drop-at, blackout)\n"
    "  --link-back SPEC  the B -> A direction (default: the same as --link)\n"
    "  --bytes SIZE      the transfer (default 1M); K, M, G are 1024-based\n"
    "  --seed N          the emulator's and the hosts' seed (default 1): same seed, same run\n"
    "  --cc NAME         TCP's and QUIC's congestion control (default reno)\n"
    "  --rate RATE       UDP's pace, e.g. 8mbit (default: the link's rate, 100mbit on a link\n"
    "                    without one): what an unreliable datagram flow delivers\n"
    "  --streams N       QUIC streams, 1..1000 (default 4); the bytes are split over them\n"
    "  --csv FILE        the three delivery curves (bytes B's application had read over\n"
    "                    time): time_s, tcp_bytes, udp_bytes, quic_bytes\n"
    "  --plot FILE.svg   the same curves drawn in one SVG\n"
    "  --json            one JSON object: the inputs, then \"tcp\", \"udp\", \"quic\" objects\n"
    "                    (setup_ms/_rtts, ttfb_ms/_rtts, completion_ms, goodput_mbps,\n"
    "                    bytes_delivered, verified, retransmitted_bytes, wire, srtt_ms, hol,\n"
    "                    ...), and \"verified\" (TCP and QUIC)\n"
    "\n"
    "Exit status: 0 when TCP and QUIC delivered every byte exactly once, in order,\n"
    "unaltered; 1 otherwise (or when a file cannot be written); 2 on bad usage.\n";

__attribute__((format(printf, 1, 2))) static int compare_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("l4kit compare: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int compare_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    compare c;
    memset(&c, 0, sizeof c);
    c.bytes = 1u << 20;
    c.seed = 1;
    c.cc = "reno";
    c.streams = 4;
    c.udp_payload = 1200;
    const char *link = COMPARE_LINK, *link_back = NULL, *rate = NULL, *csv = NULL, *plot = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(compare_usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        static const char *const with_value[] = {
            "--link", "--link-back", "--bytes", "--seed", "--cc",
            "--rate", "--streams",   "--csv",   "--plot",
        };
        int known = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= !strcmp(a, with_value[k]);
        if (!known) {
            if (a[0] == '-' && a[1])
                return args_unknown("compare", a);
            return compare_bad("unexpected argument '%s' (every input is an option; try --help)",
                               a);
        }
        const char *v = args_value("compare", argc, argv, &i);
        if (!v)
            return 2;
        long n = 0;
        if (!strcmp(a, "--link")) {
            link = v;
        } else if (!strcmp(a, "--link-back")) {
            link_back = v;
        } else if (!strcmp(a, "--bytes")) {
            if (units_parse_size(v, &c.bytes) || c.bytes == 0)
                return compare_bad("--bytes '%s' is not a size (e.g. 100K, 10M; 1024-based)", v);
        } else if (!strcmp(a, "--seed")) {
            if (compare_parse_u64(v, &c.seed))
                return compare_bad("--seed '%s' is not a number", v);
        } else if (!strcmp(a, "--cc")) {
            c.cc = v;
        } else if (!strcmp(a, "--rate")) {
            rate = v;
        } else if (!strcmp(a, "--streams")) {
            if (args_long(v, 1, SIMRUN_MAX_STREAMS, &n))
                return compare_bad("--streams '%s' must be 1..%d", v, SIMRUN_MAX_STREAMS);
            c.streams = (int)n;
        } else if (!strcmp(a, "--csv")) {
            csv = v;
        } else if (!strcmp(a, "--plot")) {
            plot = v;
        }
    }
    char err[1280];
    simrun_opts lo;
    simrun_opts_init(&lo);
    if (simrun_opts_links(&lo, link, link_back, err, sizeof err))
        return compare_bad("%s", err);
    c.fwd = lo.fwd;
    c.back = lo.back;
    if (simrun_cc_check(c.cc, err, sizeof err))
        return compare_bad("%s", err);
    if (rate) {
        if (simrun_parse_rate(rate, &c.udp_rate_bps))
            return compare_bad("--rate '%s' is not a rate (e.g. 8mbit)", rate);
    } else {
        c.udp_rate_bps = c.fwd.rate_bps ? c.fwd.rate_bps : 100000000u;
    }

    int rc = 1;
    if (compare_run(&c, err, sizeof err) != 0) {
        fprintf(stderr, "l4kit compare: %s\n", err);
        goto out;
    }
    if (csv && compare_csv(&c, csv, err, sizeof err)) {
        fprintf(stderr, "l4kit compare: %s\n", err);
        goto out;
    }
    if (plot && compare_plot(&c, plot, err, sizeof err)) {
        fprintf(stderr, "l4kit compare: %s\n", err);
        goto out;
    }
    if (json)
        compare_json(stdout, &c, csv, plot);
    else
        compare_text(stdout, &c, csv, plot);
    rc = compare_verified(&c) ? 0 : 1;
out:
    compare_free(&c);
    return rc;
}
