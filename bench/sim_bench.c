/*
 * bench/sim_bench.c — how many packets per second the emulator moves on one
 * core, next to the rate at which the same packets can merely be copied once
 * (memcpy), measured in the same run, and the ratio.
 *
 *   sim_bench [--packets N] [--size BYTES] [--link SPEC] [--json]
 *
 * The emulated run: a source node sends N packets of SIZE bytes, in bursts of
 * 64 on a timer paced at the link rate, over one link (default
 * "rate 10gbit delay 1ms") to a sink that touches each packet. CPU time is
 * process CPU time (CLOCK_PROCESS_CPUTIME_ID) so other load on the machine
 * matters less.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"

#define BENCH_BURST 64

typedef struct bench_src {
    uint8_t tmpl[L4_SIM_MAX_PKT];
    size_t size;
    uint64_t total;
    uint64_t sent;
    uint32_t due;
    l4_time next;
    l4_time gap;
} bench_src;

typedef struct bench_sink {
    uint64_t pkts;
    uint64_t sum;
} bench_sink;

static void src_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    (void)user, (void)ifindex, (void)pkt, (void)len, (void)now;
}

static l4_ssize src_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    bench_src *s = user;
    (void)now;
    if (!s->due || cap < s->size)
        return 0;
    s->due--;
    *ifindex = 0;
    memcpy(buf, s->tmpl, s->size);
    buf[0] = (uint8_t)s->sent; /* each packet differs */
    s->sent++;
    return (l4_ssize)s->size;
}

static l4_time src_next_timeout(void *user)
{
    bench_src *s = user;
    return s->sent + s->due < s->total ? s->next : L4_TIME_NONE;
}

static void src_handle_timeout(void *user, l4_time now)
{
    bench_src *s = user;
    (void)now;
    uint64_t left = s->total - s->sent - s->due;
    s->due += (uint32_t)(left < BENCH_BURST ? left : BENCH_BURST);
    s->next += s->gap;
}

static void sink_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    bench_sink *k = user;
    (void)ifindex, (void)now;
    k->pkts++;
    k->sum += pkt[0] + pkt[len - 1];
}

static l4_ssize sink_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    (void)user, (void)ifindex, (void)buf, (void)cap, (void)now;
    return 0;
}

static l4_time sink_next_timeout(void *user)
{
    (void)user;
    return L4_TIME_NONE;
}

static void sink_handle_timeout(void *user, l4_time now)
{
    (void)user, (void)now;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(const char *msg)
{
    fprintf(stderr,
            "sim_bench: %s\nusage: sim_bench [--packets N] [--size BYTES] [--link SPEC] "
            "[--json]\n",
            msg);
    return 2;
}

int main(int argc, char **argv)
{
    uint64_t packets = 2000000;
    size_t size = 1500;
    const char *link = "rate 10gbit delay 1ms";
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--packets") == 0 && i + 1 < argc) {
            packets = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            size = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--link") == 0 && i + 1 < argc) {
            link = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage("emulator packets per second vs memcpy of the same packets");
            return 0;
        } else {
            return usage("unknown or incomplete argument");
        }
    }
    if (packets == 0 || size < 1 || size > L4_SIM_MAX_PKT)
        return usage("--packets must be > 0 and --size 1..65535");
    l4_link_spec spec;
    char err[160];
    if (l4_link_spec_parse(&spec, link, err, sizeof err) != 0)
        return usage(err);

    /* ---- the emulator ---- */
    bench_src *src = calloc(1, sizeof *src);
    bench_sink sink = {0};
    if (!src)
        return 1;
    for (size_t i = 0; i < size; i++)
        src->tmpl[i] = (uint8_t)(i * 31u + 7u);
    src->size = size;
    src->total = packets;
    /* Pace bursts at the link rate so the queue neither overflows nor idles long. */
    src->gap = spec.rate_bps
                   ? (l4_time)((double)size * 8.0 * BENCH_BURST * 1e9 / (double)spec.rate_bps)
                   : 10 * L4_US;
    static const l4_sim_node_ops src_ops = {src_input, src_output, src_next_timeout,
                                            src_handle_timeout};
    static const l4_sim_node_ops sink_ops = {sink_input, sink_output, sink_next_timeout,
                                             sink_handle_timeout};
    double t0 = cpu_seconds();
    l4_sim *sim = l4_sim_new(1);
    if (!sim)
        return 1;
    int a = l4_sim_add_node(sim, &src_ops, src);
    int b = l4_sim_add_node(sim, &sink_ops, &sink);
    if (l4_sim_connect(sim, a, 0, b, 0, &spec, NULL) < 0)
        return 1;
    uint64_t events = 0;
    while (l4_sim_step(sim))
        events++;
    double t_sim = cpu_seconds() - t0;
    l4_time vt = l4_sim_now(sim);
    const l4_link_stats *st = l4_sim_link_stats(sim, 0, L4_LINK_DIR_AB);
    uint64_t delivered = st->delivered_pkts, dropped = st->dropped_loss + st->dropped_queue;
    uint64_t dup = st->duplicated;

    /* ---- memcpy of the same packets, once each, into a ring of buffers ---- */
    enum { RING = 1024 };
    uint8_t *ring = malloc((size_t)RING * size);
    if (!ring)
        return 1;
    uint64_t sum = 0;
    t0 = cpu_seconds();
    for (uint64_t i = 0; i < packets; i++) {
        uint8_t *dst = ring + (i % RING) * size;
        src->tmpl[0] = (uint8_t)i;
        memcpy(dst, src->tmpl, size);
        sum += dst[0] + dst[size - 1];
    }
    double t_cpy = cpu_seconds() - t0;
    if (t_cpy <= 0)
        t_cpy = 1e-9;
    if (t_sim <= 0)
        t_sim = 1e-9;

    double sim_pps = (double)packets / t_sim, cpy_pps = (double)packets / t_cpy;
    double ratio = sim_pps / cpy_pps;
    if (json) {
        char esc[512];
        size_t e = 0;
        for (const char *c = link; *c && e + 3 < sizeof esc; c++) {
            if (*c == '"' || *c == '\\')
                esc[e++] = '\\';
            esc[e++] = (*c >= 0 && *c < 0x20) ? ' ' : *c;
        }
        esc[e] = '\0';
        printf("{\"packets\": %" PRIu64 ", \"size\": %zu, \"link\": \"%s\", \"delivered\": %" PRIu64
               ", \"dropped\": %" PRIu64 ", \"events\": %" PRIu64 ", \"virtual_seconds\": %.6f, "
               "\"sim_cpu_seconds\": %.6f, \"sim_pps\": %.0f, \"memcpy_cpu_seconds\": %.6f, "
               "\"memcpy_pps\": %.0f, \"ratio\": %.4f, \"checksum\": %" PRIu64 "}\n",
               packets, size, esc, delivered, dropped, events, (double)vt / 1e9, t_sim, sim_pps,
               t_cpy, cpy_pps, ratio, (sink.sum + sum) & 0xffff);
    } else {
        printf("sim: %.2f Mpps  memcpy: %.2f Mpps  ratio %.3f  (%" PRIu64 " x %zu B over \"%s\": "
               "%" PRIu64 " delivered, %" PRIu64 " dropped, %" PRIu64
               " events, %.3f s virtual in %.3f s CPU)\n",
               sim_pps / 1e6, cpy_pps / 1e6, ratio, packets, size, link, delivered, dropped, events,
               (double)vt / 1e9, t_sim);
    }
    l4_sim_del(sim);
    free(ring);
    free(src);
    /* Every packet accounted for: delivered or dropped (copies included). */
    return delivered + dropped == packets + dup ? 0 : 1;
}
