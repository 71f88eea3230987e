/*
 * tools/l4kit/cmd_demo.c — `l4kit demo`: a guided run on embedded defaults,
 * no setup and no root. Stage 2, part 1 (demo_tcp.c): one TCP connection
 * over a lossy link as a timeline — handshake with the real ISNs, losses and
 * their retransmissions, the congestion window, the teardown — with its own
 * pcap and a cwnd plot. Part 2 (stage 1): two hosts joined by an impaired emulated
 * link (sim/), numbered UDP datagrams one way and their echoes back, then
 * what happened: the emulator's per-direction counters, what the receiving
 * host's checksum checks rejected, duplicates and reordering as the receiver
 * saw them through sequence numbers, the delay distribution, and a pcap of
 * every delivered packet for `l4kit dissect` or tshark. Part 3 (demo_quic.c):
 * one QUIC connection with several streams over a lossy link, the 1-RTT
 * handshake as a timeline and head-of-line blocking measured against one
 * ordered byte stream, with a pcap and the TLS key log that decrypts it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "units.h"
#include "demo_probe.h"
#include "demo_quic.h"
#include "demo_tcp.h"
#include "io/sim_pcap.h"
#include "json.h"
#include "sim/sim.h"

#define DEMO_LINK                                                                                  \
    "rate 10mbit delay 20ms jitter 2ms loss 2% reorder 1% duplicate 0.5% corrupt 0.5% queue 50"
#define DEMO_COUNT        2000
#define DEMO_PAYLOAD      1000
#define DEMO_PCAP         "l4kit-demo.pcap"
#define DEMO_TCP_LINK     "rate 10mbit delay 20ms loss 3%"
#define DEMO_TCP_BYTES    (256 * 1024)
#define DEMO_TCP_PCAP     "l4kit-demo-tcp.pcap"
#define DEMO_TCP_PLOT     "l4kit-demo-cwnd.svg"
#define DEMO_QUIC_LINK    "rate 10mbit delay 20ms loss 3%"
#define DEMO_QUIC_PCAP    "l4kit-demo-quic.pcap"
#define DEMO_QUIC_KEYS    "l4kit-demo-quic.keys"
#define DEMO_QUIC_STREAMS 4
#define DEMO_QUIC_BYTES   (64 * 1024)

static const char demo_usage[] =
    "usage: l4kit demo [--seed N] [--tcp-link SPEC] [--tcp-bytes SIZE] [--count N]\n"
    "                  [--link SPEC] [--quic-link SPEC] [--out DIR] [--json]\n"
    "\n"
    "A guided run in the emulator (virtual time, no root, no network).\n"
    "Part 1, TCP: host A opens a connection to host B (three-way handshake, real ISNs),\n"
    "sends data over a lossy link (each loss and its retransmission: fast retransmit or\n"
    "timeout; the congestion window as it turns) and closes (FIN, ACK, FIN, ACK,\n"
    "TIME_WAIT, CLOSED), printed as a timeline, with a pcap and a cwnd plot.\n"
    "Part 2, UDP: A sends numbered UDP datagrams to B over an impaired link, B checks\n"
    "and echoes each one back, and the demo prints what the link did and what the\n"
    "hosts saw.\n"
    "Part 3, QUIC: A opens a QUIC connection to B (the 1-RTT handshake as a timeline:\n"
    "Initial, Handshake and 1-RTT packets with their frames and TLS messages), sends\n"
    "on "
    "4 streams over a lossy link, and the demo measures head-of-line blocking: each\n"
    "stream's completion as QUIC delivers it and as one ordered byte stream (TCP)\n"
    "would deliver the same packets.\n"
    "\n"
    "  --seed N          the emulator's random seed (default 1); same seed, same run\n"
    "  --tcp-link SPEC   part 1's link, A -> B (default \"" DEMO_TCP_LINK "\");\n"
    "                    B -> A gets the same rate and delay without loss\n"
    "  --tcp-bytes SIZE  part 1's transfer (default 256K; K, M are 1024-based)\n"
    "  --count N         part 2: datagrams to send (default 2000)\n"
    "  --link SPEC       part 2's link, both directions (default \"" DEMO_LINK "\")\n"
    "  --quic-link SPEC  part 3's link, A -> B (default \"" DEMO_QUIC_LINK "\");\n"
    "                    B -> A gets the same rate and delay without loss\n"
    "  --out DIR         where to write " DEMO_TCP_PCAP ", " DEMO_TCP_PLOT ",\n"
    "                    " DEMO_PCAP ", " DEMO_QUIC_PCAP " and " DEMO_QUIC_KEYS "\n"
    "                    (default: the current directory)\n"
    "  --json            one JSON object instead of the guided text\n";

/* Ground truth for the checksum claim: which copies the link corrupted. */
typedef struct demo_run {
    demo_prober *a;
    demo_echo *b;
    l4_sim_pcap *cap;
    uint64_t corrupt_sent[2]; /* copies put on the link that differ from what the node built */
} demo_run;

/* The tap: compares each copy put on the link with the packet its node just
 * built (the link hands the copy over synchronously, sim/link.h), then passes
 * the event on to the pcap writer. */
static void demo_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                     size_t len)
{
    demo_run *r = user;
    if (event == L4_SIM_TAP_SEND) {
        const uint8_t *built = dir == L4_LINK_DIR_AB ? r->a->last : r->b->last;
        size_t blen = dir == L4_LINK_DIR_AB ? r->a->last_len : r->b->last_len;
        if (blen != len || memcmp(built, pkt, len) != 0)
            r->corrupt_sent[dir]++;
    }
    l4_sim_pcap_tap(r->cap, link, dir, event, now, pkt, len);
}

static int demo_cmp_time(const void *x, const void *y)
{
    l4_time a = *(const l4_time *)x, b = *(const l4_time *)y;
    return a < b ? -1 : a > b;
}

/* The q-quantile (nearest rank) of n sorted values, in ms. */
static double demo_q(const l4_time *v, size_t n, double q)
{
    if (!n)
        return 0;
    size_t k = (size_t)(q * (double)n + 0.999999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return (double)v[k - 1] / 1e6;
}

typedef struct demo_check {
    const char *what;
    int ok;
} demo_check;

static void demo_text_dir(const char *name, const l4_link_stats *ab, const l4_link_stats *ba,
                          size_t off)
{
    uint64_t x = *(const uint64_t *)((const char *)ab + off);
    uint64_t y = *(const uint64_t *)((const char *)ba + off);
    printf("    %-34s %8" PRIu64 " %8" PRIu64 "\n", name, x, y);
}

static void demo_json_link(const l4_link_stats *s)
{
    printf("{\"offered\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"delivered\":%" PRIu64
           ",\"dropped\":%" PRIu64 ",\"dropped_loss\":%" PRIu64 ",\"dropped_queue\":%" PRIu64
           ",\"corrupted\":%" PRIu64 ",\"duplicated\":%" PRIu64 ",\"reordered\":%" PRIu64
           ",\"marked\":%" PRIu64 ",\"queue_hwm_pkts\":%" PRIu64 "}",
           s->offered_pkts, s->sent_pkts, s->delivered_pkts, s->dropped_loss + s->dropped_queue,
           s->dropped_loss, s->dropped_queue, s->corrupted, s->duplicated, s->reordered,
           s->ce_marked, s->queue_hwm_pkts);
}

static void demo_json_rx(const demo_rx *rx, uint64_t corrupt_delivered, const l4_time *d,
                         uint32_t count)
{
    printf("{\"arrived\":%" PRIu64 ",\"rejected\":%" PRIu64 ",\"bad_ip_checksum\":%" PRIu64
           ",\"bad_udp_checksum\":%" PRIu64 ",\"malformed\":%" PRIu64
           ",\"corrupted_delivered\":%" PRIu64 ",\"good\":%" PRIu64 ",\"duplicates\":%" PRIu64
           ",\"reordered\":%" PRIu64 ",\"late\":%" PRIu64 ",\"unique\":%" PRIu64
           ",\"missing\":%" PRIu64,
           rx->arrived, demo_rx_rejected(rx), rx->bad_ip, rx->bad_udp, rx->malformed,
           corrupt_delivered, rx->good, rx->dup, demo_rx_early(rx), rx->late, rx->unique,
           count - rx->unique);
    printf(",\"delay_ms\":{\"min\":%.3f,\"median\":%.3f,\"p99\":%.3f,\"max\":%.3f}}",
           demo_q(d, rx->n_delays, 0), demo_q(d, rx->n_delays, 0.5), demo_q(d, rx->n_delays, 0.99),
           demo_q(d, rx->n_delays, 1));
}

static int demo_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    uint64_t seed = 1, count = DEMO_COUNT;
    const char *link_text = DEMO_LINK, *out_dir = ".", *tcp_link = DEMO_TCP_LINK;
    const char *quic_link = DEMO_QUIC_LINK;
    uint64_t tcp_bytes = DEMO_TCP_BYTES;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(demo_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--seed") || !strcmp(a, "--count") || !strcmp(a, "--link") ||
                   !strcmp(a, "--out") || !strcmp(a, "--tcp-link") || !strcmp(a, "--tcp-bytes") ||
                   !strcmp(a, "--quic-link")) {
            if (!val) {
                fprintf(stderr, "l4kit demo: %s needs a value\n", a);
                return 2;
            }
            i++;
            if (!strcmp(a, "--seed") && demo_parse_u64(val, &seed)) {
                fprintf(stderr, "l4kit demo: --seed '%s' is not a number\n", val);
                return 2;
            }
            if (!strcmp(a, "--count") &&
                (demo_parse_u64(val, &count) || count < 1 || count > 1000000)) {
                fprintf(stderr, "l4kit demo: --count '%s' must be 1..1000000\n", val);
                return 2;
            }
            if (!strcmp(a, "--link"))
                link_text = val;
            if (!strcmp(a, "--tcp-link"))
                tcp_link = val;
            if (!strcmp(a, "--quic-link"))
                quic_link = val;
            if (!strcmp(a, "--tcp-bytes") &&
                (units_parse_size(val, &tcp_bytes) || tcp_bytes < 1 || tcp_bytes > (64u << 20))) {
                fprintf(stderr, "l4kit demo: --tcp-bytes '%s' must be a size from 1 to 64M\n", val);
                return 2;
            }
            if (!strcmp(a, "--out"))
                out_dir = val;
        } else {
            fprintf(stderr, "l4kit demo: unknown argument '%s' (try --help)\n", a);
            return 2;
        }
    }
    l4_link_spec spec;
    char err[512];
    if (l4_link_spec_parse(&spec, link_text, err, sizeof err) != 0) {
        fprintf(stderr, "l4kit demo: --link: %s\n", err);
        return 2;
    }
    char spec_text[512];
    if (l4_link_spec_format(&spec, spec_text, sizeof spec_text) < 0)
        snprintf(spec_text, sizeof spec_text, "%s", link_text);
    char pcap_path[4096], tcp_pcap[4096], tcp_plot[4096], quic_pcap[4096], quic_keys[4096];
    snprintf(pcap_path, sizeof pcap_path, "%s/%s", out_dir, DEMO_PCAP);
    snprintf(tcp_pcap, sizeof tcp_pcap, "%s/%s", out_dir, DEMO_TCP_PCAP);
    snprintf(tcp_plot, sizeof tcp_plot, "%s/%s", out_dir, DEMO_TCP_PLOT);
    snprintf(quic_pcap, sizeof quic_pcap, "%s/%s", out_dir, DEMO_QUIC_PCAP);
    snprintf(quic_keys, sizeof quic_keys, "%s/%s", out_dir, DEMO_QUIC_KEYS);

    /* Part 1: TCP (demo_tcp.c). */
    demo_tcp tcp;
    memset(&tcp, 0, sizeof tcp);
    tcp.seed = seed;
    tcp.link_text = tcp_link;
    tcp.bytes = tcp_bytes;
    tcp.pcap_path = tcp_pcap;
    tcp.plot_path = tcp_plot;
    int trc = demo_tcp_run(&tcp, err, sizeof err);
    if (trc != 0) {
        fprintf(stderr, "l4kit demo: %s\n", err);
        demo_tcp_free(&tcp);
        return trc;
    }
    if (!json)
        demo_tcp_text(stdout, &tcp);

    /* Part 3: QUIC (demo_quic.c); its text follows part 2's. */
    demo_quic quic;
    memset(&quic, 0, sizeof quic);
    quic.seed = seed;
    quic.link_text = quic_link;
    quic.streams = DEMO_QUIC_STREAMS;
    quic.stream_bytes = DEMO_QUIC_BYTES;
    quic.pcap_path = quic_pcap;
    quic.keylog_path = quic_keys;
    int qrc = demo_quic_run(&quic, err, sizeof err);
    if (qrc != 0) {
        fprintf(stderr, "l4kit demo: %s\n", err);
        demo_quic_free(&quic);
        demo_tcp_free(&tcp);
        return qrc;
    }

    /* Host A 10.0.0.1 --link-- host B 10.0.0.2; A sends one datagram per
     * millisecond (1028-byte packets, ~8.2 Mbit/s: under the default 10 Mbit/s
     * so the queue stays short and loss comes from the spec). */
    static const uint8_t ipa[4] = {10, 0, 0, 1}, ipb[4] = {10, 0, 0, 2};
    l4_addr aa = l4_addr_v4(ipa), ab = l4_addr_v4(ipb);
    demo_prober a;
    demo_echo b;
    int rc = 1;
    l4_sim *sim = NULL;
    demo_run run;
    memset(&run, 0, sizeof run);
    if (demo_prober_init(&a, &aa, &ab, (uint32_t)count, DEMO_PAYLOAD, 1 * L4_MS) ||
        demo_echo_init(&b, &ab, (uint32_t)count)) {
        fprintf(stderr, "l4kit demo: out of memory\n");
        goto out;
    }
    run.a = &a;
    run.b = &b;
    if (l4_sim_pcap_open(&run.cap, pcap_path, L4_SIM_PCAP_DELIVER, -1, err, sizeof err)) {
        fprintf(stderr, "l4kit demo: cannot write %s: %s\n", pcap_path, err);
        goto out;
    }
    sim = l4_sim_new(seed);
    if (!sim) {
        fprintf(stderr, "l4kit demo: out of memory\n");
        goto out;
    }
    int na = l4_sim_add_node(sim, &demo_prober_ops, &a);
    int nb = l4_sim_add_node(sim, &demo_echo_ops, &b);
    int link = na < 0 || nb < 0 ? -1 : l4_sim_connect(sim, na, 0, nb, 0, &spec, &spec);
    if (link < 0) {
        fprintf(stderr, "l4kit demo: cannot build the topology\n");
        goto out;
    }
    l4_sim_set_tap(sim, demo_tap, &run);
    uint64_t events = 0;
    while (l4_sim_step(sim))
        events++;
    l4_time end = l4_sim_now(sim);
    l4_sim_set_tap(sim, NULL, NULL);
    uint64_t records = l4_sim_pcap_count(run.cap);
    int pcap_rc = l4_sim_pcap_close(run.cap);
    run.cap = NULL;

    const l4_link_stats *s_ab = l4_sim_link_stats(sim, link, L4_LINK_DIR_AB);
    const l4_link_stats *s_ba = l4_sim_link_stats(sim, link, L4_LINK_DIR_BA);
    qsort(b.rx.delays, b.rx.n_delays, sizeof *b.rx.delays, demo_cmp_time);
    qsort(a.rx.delays, a.rx.n_delays, sizeof *a.rx.delays, demo_cmp_time);

    /* What must hold, whatever the seed. */
    demo_check checks[] = {
        {"A->B: offered + duplicated = delivered + lost + queue drops",
         s_ab->offered_pkts + s_ab->duplicated ==
             s_ab->delivered_pkts + s_ab->dropped_loss + s_ab->dropped_queue},
        {"B->A: offered + duplicated = delivered + lost + queue drops",
         s_ba->offered_pkts + s_ba->duplicated ==
             s_ba->delivered_pkts + s_ba->dropped_loss + s_ba->dropped_queue},
        {"A offered every datagram", s_ab->offered_pkts == count},
        {"B received exactly what the link delivered", b.rx.arrived == s_ab->delivered_pkts},
        {"A received exactly what the link delivered", a.rx.arrived == s_ba->delivered_pkts},
        {"B's checksums rejected exactly the corrupted copies",
         demo_rx_rejected(&b.rx) == run.corrupt_sent[L4_LINK_DIR_AB]},
        {"A's checksums rejected exactly the corrupted copies",
         demo_rx_rejected(&a.rx) == run.corrupt_sent[L4_LINK_DIR_BA]},
        {"B echoed every good datagram", s_ba->offered_pkts == b.rx.good && b.q_full == 0},
        {"B: good = unique + duplicates", b.rx.good == b.rx.unique + b.rx.dup},
        {"the pcap holds every delivered packet",
         pcap_rc == 0 && records == s_ab->delivered_pkts + s_ba->delivered_pkts},
    };
    size_t n_checks = sizeof checks / sizeof checks[0];
    int all_ok = 1;
    for (size_t i = 0; i < n_checks; i++)
        all_ok &= checks[i].ok;

    if (json) {
        printf("{\"stage\":2,\"seed\":%" PRIu64 ",\"tcp\":", seed);
        demo_tcp_json(stdout, &tcp);
        printf(",\"quic\":");
        demo_quic_json(stdout, &quic);
        printf(",\"link\":");
        json_str(stdout, spec_text);
        printf(",\"count\":%" PRIu64 ",\"payload\":%d,\"sim_seconds\":%.6f,\"events\":%" PRIu64,
               count, DEMO_PAYLOAD, (double)end / 1e9, events);
        printf(",\"link_ab\":");
        demo_json_link(s_ab);
        printf(",\"link_ba\":");
        demo_json_link(s_ba);
        printf(",\"receiver\":");
        demo_json_rx(&b.rx, run.corrupt_sent[L4_LINK_DIR_AB], b.rx.delays, (uint32_t)count);
        printf(",\"echoes\":");
        demo_json_rx(&a.rx, run.corrupt_sent[L4_LINK_DIR_BA], a.rx.delays, (uint32_t)count);
        printf(",\"pcap\":");
        json_str(stdout, pcap_path);
        printf(",\"pcap_packets\":%" PRIu64 ",\"checks\":[", records);
        for (size_t i = 0; i < n_checks; i++) {
            printf("%s{\"what\":", i ? "," : "");
            json_str(stdout, checks[i].what);
            printf(",\"ok\":%s}", checks[i].ok ? "true" : "false");
        }
        printf("],\"ok\":%s}\n",
               all_ok && demo_tcp_ok(&tcp) && demo_quic_ok(&quic) ? "true" : "false");
    } else {
        printf("part 2 — UDP across an emulated, impaired link  (seed %" PRIu64 ")\n\n", seed);
        printf("  host A 10.0.0.1  <==== link ====>  host B 10.0.0.2\n");
        printf("  link, each direction:  %s\n", spec_text[0] ? spec_text : "(ideal)");
        printf("  traffic: A sends %" PRIu64 " numbered UDP datagrams (%d bytes of payload, one "
               "every 1 ms) to B's echo port;\n"
               "           B checks each one (IPv4 header checksum, UDP checksum) and sends the "
               "good ones back.\n",
               count, DEMO_PAYLOAD);
        printf("  %.3f s of virtual time, %" PRIu64 " emulator events\n\n", (double)end / 1e9,
               events);
        printf("  what the link did (emulator counters)        A -> B   B -> A\n");
        demo_text_dir("offered by the sender", s_ab, s_ba, offsetof(l4_link_stats, offered_pkts));
        demo_text_dir("duplicated (extra copies)", s_ab, s_ba, offsetof(l4_link_stats, duplicated));
        demo_text_dir("lost (random loss)", s_ab, s_ba, offsetof(l4_link_stats, dropped_loss));
        demo_text_dir("dropped (queue full)", s_ab, s_ba, offsetof(l4_link_stats, dropped_queue));
        demo_text_dir("corrupted (one bit flipped)", s_ab, s_ba,
                      offsetof(l4_link_stats, corrupted));
        demo_text_dir("sent to skip the delay (reorder)", s_ab, s_ba,
                      offsetof(l4_link_stats, reordered));
        demo_text_dir("delivered", s_ab, s_ba, offsetof(l4_link_stats, delivered_pkts));
        demo_text_dir("most packets queued", s_ab, s_ba, offsetof(l4_link_stats, queue_hwm_pkts));
        printf("\n  what host B saw (A -> B)\n");
        printf("    arrived                  %6" PRIu64 "\n", b.rx.arrived);
        printf("    rejected by checksum     %6" PRIu64 "   (IP header %" PRIu64 ", UDP %" PRIu64
               ", unparseable %" PRIu64 "; the link delivered %" PRIu64 " corrupted copies)\n",
               demo_rx_rejected(&b.rx), b.rx.bad_ip, b.rx.bad_udp, b.rx.malformed,
               run.corrupt_sent[L4_LINK_DIR_AB]);
        printf("    duplicates               %6" PRIu64 "   (a sequence number seen before)\n",
               b.rx.dup);
        printf("    reordered                %6" PRIu64 "   (overtook lower numbers on the way; "
               "%" PRIu64 " arrived after a higher number)\n",
               demo_rx_early(&b.rx), b.rx.late);
        printf("    distinct datagrams       %6" PRIu64 " of %" PRIu64 "   (%" PRIu64
               " never arrived intact)\n",
               b.rx.unique, count, count - b.rx.unique);
        const l4_time *d = b.rx.delays;
        size_t n = b.rx.n_delays;
        printf("    one-way delay (ms)       min %.3f  median %.3f  p99 %.3f  max %.3f\n",
               demo_q(d, n, 0), demo_q(d, n, 0.5), demo_q(d, n, 0.99), demo_q(d, n, 1));
        printf("      (%.3f ms to serialize at the link rate, + queueing, delay and jitter%s)\n",
               spec.rate_bps ? (double)(DEMO_PAYLOAD + 28) * 8e3 / (double)spec.rate_bps : 0.0,
               spec.reorder > 0
                   ? ";\n       a reordered packet skips the delay: hence the low minimum"
                   : "");
        printf("\n  what host A saw (the echoes, B -> A)\n");
        printf("    arrived %" PRIu64 ", rejected by checksum %" PRIu64 ", distinct %" PRIu64
               ", round trip (ms) min %.3f  median %.3f  p99 %.3f\n",
               a.rx.arrived, demo_rx_rejected(&a.rx), a.rx.unique,
               demo_q(a.rx.delays, a.rx.n_delays, 0), demo_q(a.rx.delays, a.rx.n_delays, 0.5),
               demo_q(a.rx.delays, a.rx.n_delays, 0.99));
        printf("\n  checks\n");
        for (size_t i = 0; i < n_checks; i++)
            printf("    [%s] %s\n", checks[i].ok ? "ok" : "FAILED", checks[i].what);
        printf("\n  capture: %s  (%" PRIu64 " packets as delivered, both directions, "
               "virtual time)\n",
               pcap_path, records);
        printf("  look at it:  l4kit dissect %s | less     (or: tshark -r %s)\n", pcap_path,
               pcap_path);
        printf("  corrupted packets show up there as [bad IP checksum] / [bad UDP checksum].\n\n");
        demo_quic_text(stdout, &quic);
    }
    rc = all_ok && demo_tcp_ok(&tcp) && demo_quic_ok(&quic) ? 0 : 1;
    if (!all_ok)
        fprintf(stderr, "l4kit demo: a consistency check failed (see above)\n");
    else if (!demo_tcp_ok(&tcp))
        fprintf(stderr, "l4kit demo: the TCP transfer did not complete and verify\n");
    else if (!demo_quic_ok(&quic))
        fprintf(stderr, "l4kit demo: the QUIC transfer did not complete and verify\n");
out:
    l4_sim_pcap_close(run.cap);
    l4_sim_del(sim);
    demo_prober_free(&a);
    demo_echo_free(&b);
    demo_tcp_free(&tcp);
    demo_quic_free(&quic);
    return rc;
}
