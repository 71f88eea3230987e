/*
 * tools/l4kit/cmd_sim.c — `l4kit sim`: one scenario in the emulator (the
 * DESIGN.md contract). Parses the command line into a simrun_opts, runs the
 * scenario (simrun_tcp.c / simrun_udp.c) and prints the result
 * (simrun_report.c). Exit status: 0 when every flow completed and verified,
 * 1 otherwise (or when an output file cannot be written), 2 on bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cc/cc.h"
#include "cmd.h"
#include "units.h"
#include "simrun.h"

static const char sim_usage[] =
    "usage: l4kit sim --proto tcp|udp|quic [options]\n"
    "\n"
    "One scenario in the emulator, in virtual time: host A (10.0.0.1) sends to host B\n"
    "(10.0.0.2) over one emulated link; --flows N runs N connections (or UDP sockets)\n"
    "between that pair, all sharing the link. TCP flows send a checked byte pattern and\n"
    "close (A ends through TIME_WAIT, 2 x 30 s of virtual time); UDP flows send paced,\n"
    "numbered datagrams.\n"
    "\n"
    "  --proto tcp|udp|quic  the transport; QUIC flows are connections from A to B:443\n"
    "                      (TLS 1.3, a certificate made for the run) closed by B at the end\n"
    "  --cc NAME[,NAME..]  TCP/QUIC congestion control (default reno; an unknown name lists\n"
    "                      them); TCP: several names mix them: flow k uses the (k mod\n"
    "                      count)-th, and --flows defaults to the count (--cc bbr,cubic:\n"
    "                      BBR against CUBIC)\n"
    "  --link SPEC         the A -> B direction, netem-like, e.g.\n"
    "                      \"rate 100mbit delay 20ms jitter 1ms loss 1% loss-burst 3 reorder 1%\n"
    "                       duplicate 0.1% corrupt 0.1% queue 100 ecn-threshold 20\"\n"
    "                      losses at chosen times: \"drop-at 2s,5s\" (the first packet at or\n"
    "                      after each time), \"blackout 3s+1500ms\" (everything in [3 s, 4.5 s))\n"
    "                      (default \"rate 100mbit delay 20ms\")\n"
    "  --link-back SPEC    the B -> A direction (default: the same as --link)\n"
    "  --bytes SIZE        per flow (default 10M); suffixes K, M, G, T are 1024-based\n"
    "                      (10M = 10485760 bytes), B or none = bytes\n"
    "  --duration TIME     with --bytes: a time limit for the transfer (default 600s);\n"
    "                      without --bytes: send for TIME, then close. Units ns, us, ms, s\n"
    "  --flows N           1..1000 (default 1)\n"
    "  --streams N         QUIC: streams per connection, 1..1000 (default 1); --bytes is\n"
    "                      split over them\n"
    "  --stagger TIME      TCP: flow k connects at k x TIME (default 0: all at once); with\n"
    "                      --duration every flow stops sending at that time\n"
    "  --seed N            the emulator's and the hosts' seed (default 1): same seed, same run\n"
    "  --rate RATE         UDP, per flow, e.g. 8mbit (default 80% of the link rate shared\n"
    "                      by the flows; 100mbit total on an unlimited link)\n"
    "  --payload N         UDP datagram payload bytes, 13..1472 (default 1200)\n"
    "  --ecn               TCP: negotiate ECN (RFC 3168); QUIC: mark ECT(0) and validate it\n"
    "                      (RFC 9000 §13.4); with the link's ecn-threshold, queues mark CE\n"
    "                      instead of dropping\n"
    "  --buf SIZE          TCP send and receive buffer per connection (default: twice the\n"
    "                      bandwidth-delay product of the link, at least 256K)\n"
    "  --pcap FILE         capture at host A: what A sends (also what the link then loses;\n"
    "                      a copy the link corrupts is recorded corrupted) and what reaches A;\n"
    "                      virtual timestamps\n"
    "  --csv FILE          TCP/QUIC: the senders' per-event series (time_s, flow, state, cwnd,\n"
    "                      ssthresh, srtt_ms, in_flight, ...; see simrun_trace.c)\n"
    "  --plot FILE.svg     TCP/QUIC: cwnd and ssthresh over time per flow, as SVG; one TCP\n"
    "                      flow of a window-based algorithm gets its phases named (slow start,\n"
    "                      congestion avoidance, fast recovery, RTO)\n"
    "  --interval TIME     TCP: the per-interval series in --json (\"intervals\": each flow's\n"
    "                      goodput, Jain's fairness index of the active flows, the forward\n"
    "                      queue's delay and length); default 1s\n"
    "  --interval-csv FILE TCP: that series as CSV, one row per interval\n"
    "  --keylog FILE       QUIC: the client's TLS secrets (SSLKEYLOGFILE format), so tshark\n"
    "                      decrypts the --pcap: tshark -o tls.keylog_file:FILE -r PCAP\n"
    "  --cid-switch TIME   QUIC: at TIME each client moves to another of the server's\n"
    "                      connection IDs (RFC 9000 §5.1.2); B routes by connection ID\n"
    "  --rebind TIME       QUIC: at TIME each client's datagrams leave from a new port (a NAT\n"
    "                      rebinding); B follows and validates the new path (RFC 9000 §9)\n"
    "  --migrate TIME      QUIC: at TIME each client migrates actively: a new port and a server\n"
    "                      connection ID it never used; both ends validate the path (§9.2)\n"
    "  --qlog DIR          QUIC: one qlog file per endpoint (JSON-SEQ, qlog 0.3, for qvis),\n"
    "                      DIR/<ODCID>_client.sqlog and _server.sqlog (DIR is created)\n"
    "  --json              one JSON object instead of the text summary; TCP adds \"jain\",\n"
    "                      and per link direction \"queue_delay_ms\" and \"queue_pkts\" (mean,\n"
    "                      p50, p99, max over every packet the link accepted)\n"
    "\n"
    "Exit status: 0 when every flow completed (TCP: both sides CLOSED) and every byte\n"
    "arrived exactly once, in order, unaltered; 1 otherwise; 2 on bad usage.\n";

__attribute__((format(printf, 1, 2))) static int sim_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("l4kit sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int sim_parse_uint(const char *s, uint64_t *out)
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

int cmd_sim(int argc, char **argv)
{
    simrun_opts o;
    simrun_opts_init(&o);
    o.interval = L4_S;
    const char *link = "rate 100mbit delay 20ms", *link_back = NULL, *proto = NULL;
    const char *rate = NULL;
    int json = 0, bytes_set = 0, flows_set = 0, streams_set = 0;
    char ccbuf[256];
    uint64_t bufsize = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(sim_usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        if (!strcmp(a, "--ecn")) {
            o.ecn = 1;
            continue;
        }
        static const char *const with_value[] = {
            "--proto",  "--cc",   "--link",       "--link-back", "--bytes",        "--duration",
            "--flows",  "--seed", "--rate",       "--payload",   "--buf",          "--pcap",
            "--csv",    "--plot", "--stagger",    "--interval",  "--interval-csv", "--streams",
            "--keylog", "--qlog", "--cid-switch", "--rebind",    "--migrate",
        };
        int known = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= !strcmp(a, with_value[k]);
        if (!known)
            return sim_bad("unknown argument '%s' (try --help)", a);
        if (i + 1 >= argc)
            return sim_bad("%s needs a value", a);
        const char *v = argv[++i];
        uint64_t u = 0;
        if (!strcmp(a, "--proto")) {
            proto = v;
        } else if (!strcmp(a, "--cc")) {
            o.cc = v;
        } else if (!strcmp(a, "--link")) {
            link = v;
        } else if (!strcmp(a, "--link-back")) {
            link_back = v;
        } else if (!strcmp(a, "--bytes")) {
            if (units_parse_size(v, &o.bytes) || o.bytes == 0)
                return sim_bad("--bytes '%s' is not a size (e.g. 100K, 10M, 1G; 1024-based)", v);
            bytes_set = 1;
        } else if (!strcmp(a, "--duration")) {
            if (units_parse_time(v, &o.duration) || o.duration == 0)
                return sim_bad("--duration '%s' is not a time (e.g. 500ms, 60s)", v);
        } else if (!strcmp(a, "--flows")) {
            if (sim_parse_uint(v, &u) || u < 1 || u > SIMRUN_MAX_FLOWS)
                return sim_bad("--flows '%s' must be 1..1000", v);
            o.flows = (int)u;
            flows_set = 1;
        } else if (!strcmp(a, "--stagger")) {
            if (units_parse_time(v, &o.stagger))
                return sim_bad("--stagger '%s' is not a time (e.g. 2s)", v);
        } else if (!strcmp(a, "--interval")) {
            if (units_parse_time(v, &o.interval) || o.interval < L4_MS)
                return sim_bad("--interval '%s' is not a time of 1ms or more (e.g. 100ms)", v);
        } else if (!strcmp(a, "--interval-csv")) {
            o.interval_csv = v;
        } else if (!strcmp(a, "--seed")) {
            if (sim_parse_uint(v, &o.seed))
                return sim_bad("--seed '%s' is not a number", v);
        } else if (!strcmp(a, "--rate")) {
            rate = v;
        } else if (!strcmp(a, "--payload")) {
            if (sim_parse_uint(v, &u) || u < 13 || u > 1472)
                return sim_bad("--payload '%s' must be 13..1472 bytes", v);
            o.payload = (uint32_t)u;
        } else if (!strcmp(a, "--buf")) {
            if (units_parse_size(v, &bufsize) || bufsize < 4096 || bufsize > (1u << 30))
                return sim_bad("--buf '%s' must be a size from 4K to 1G", v);
        } else if (!strcmp(a, "--pcap")) {
            o.pcap = v;
        } else if (!strcmp(a, "--csv")) {
            o.csv = v;
        } else if (!strcmp(a, "--plot")) {
            o.plot = v;
        } else if (!strcmp(a, "--streams")) {
            if (sim_parse_uint(v, &u) || u < 1 || u > SIMRUN_MAX_STREAMS)
                return sim_bad("--streams '%s' must be 1..1000", v);
            o.streams = (int)u;
            streams_set = 1;
        } else if (!strcmp(a, "--keylog")) {
            o.keylog = v;
        } else if (!strcmp(a, "--qlog")) {
            o.qlog = v;
        } else if (!strcmp(a, "--cid-switch") || !strcmp(a, "--rebind") ||
                   !strcmp(a, "--migrate")) {
            l4_time *at = !strcmp(a, "--rebind")    ? &o.rebind_at
                          : !strcmp(a, "--migrate") ? &o.migrate_at
                                                    : &o.cid_switch_at;
            if (units_parse_time(v, at) || *at == 0)
                return sim_bad("%s '%s' is not a time (e.g. 200ms)", a, v);
        }
    }
    if (!proto)
        return sim_bad("--proto tcp|udp|quic is required (try --help)");
    if (!strcmp(proto, "tcp"))
        o.proto = SIMRUN_TCP;
    else if (!strcmp(proto, "udp"))
        o.proto = SIMRUN_UDP;
    else if (!strcmp(proto, "quic"))
        o.proto = SIMRUN_QUIC;
    else
        return sim_bad("--proto '%s' is not tcp, udp or quic", proto);
    if (o.proto != SIMRUN_QUIC &&
        (streams_set || o.keylog || o.qlog || o.cid_switch_at || o.rebind_at || o.migrate_at))
        return sim_bad("%s is for QUIC", streams_set       ? "--streams"
                                         : o.keylog        ? "--keylog"
                                         : o.qlog          ? "--qlog"
                                         : o.cid_switch_at ? "--cid-switch"
                                         : o.rebind_at     ? "--rebind"
                                                           : "--migrate");
    if (o.qlog && mkdir(o.qlog, 0777) != 0 && errno != EEXIST)
        return sim_bad("--qlog: cannot create directory '%s': %s", o.qlog, strerror(errno));
    char err[256];
    if (o.proto == SIMRUN_QUIC && simrun_cc_check(o.cc, err, sizeof err))
        return sim_bad("%s", err);
    if (o.proto == SIMRUN_TCP) {
        /* "bbr,cubic": one name per flow, round robin */
        if (simrun_cc_list(&o, o.cc, ccbuf, sizeof ccbuf, err, sizeof err))
            return sim_bad("%s", err);
        if (o.nccs > 1 && !flows_set)
            o.flows = o.nccs;
    }
    if (o.proto != SIMRUN_TCP && (o.stagger || o.interval_csv))
        return sim_bad("%s is for TCP", o.stagger ? "--stagger" : "--interval-csv");
    if (o.proto == SIMRUN_UDP && o.ecn)
        return sim_bad("--ecn is for TCP and QUIC");
    if (o.proto == SIMRUN_UDP && (o.csv || o.plot))
        return sim_bad("%s is for TCP and QUIC (the congestion window series)",
                       o.csv ? "--csv" : "--plot");
    if (simrun_opts_links(&o, link, link_back, err, sizeof err))
        return sim_bad("%s", err);
    if (!bytes_set && !o.duration)
        o.bytes = 10u << 20;
    if (rate) {
        if (simrun_parse_rate(rate, &o.rate_bps))
            return sim_bad("--rate '%s' is not a rate (e.g. 8mbit)", rate);
    } else {
        uint64_t total = o.fwd.rate_bps ? o.fwd.rate_bps / 10 * 8 : 100000000u;
        o.rate_bps = total / (uint64_t)o.flows;
        if (o.rate_bps == 0)
            o.rate_bps = 1;
    }
    o.bufsize = bufsize ? (uint32_t)bufsize : simrun_auto_bufsize(&o);

    simrun_result r;
    int rc = simrun_run(&o, NULL, &r);
    if (rc != 0) {
        fprintf(stderr, "l4kit sim: %s\n", r.error);
        simrun_result_free(&r);
        return 1;
    }
    if (json)
        simrun_report_json(stdout, &o, &r);
    else
        simrun_report_text(stdout, &o, &r);
    int ok = r.nflows > 0;
    for (int i = 0; i < r.nflows; i++)
        ok &= simrun_flow_ok(&o, &r.flows[i]);
    simrun_result_free(&r);
    return ok ? 0 : 1;
}
