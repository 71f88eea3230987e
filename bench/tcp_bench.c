/*
 * bench/tcp_bench.c — the TCP engine's cost on one core, next to what the
 * machine can do with the same bytes measured in the same run.
 *
 *   tcp_bench [--bytes N] [--link SPEC] [--json]
 *
 * 1. Two engines (IPv4-wrapped sim nodes) move N bytes (default 64 MiB)
 *    one way over an unimpaired emulated link (default "rate 10gbit delay
 *    1ms"); reported: goodput per CPU-second and segments per CPU-second
 *    (process CPU time, the emulator included), and the memory-copy limit:
 *    the same N bytes copied four times in MSS-sized pieces (app → send
 *    buffer → segment → receive buffer → app, the copies the engine makes),
 *    with the ratio.
 * 2. Bytes per idle established connection at default settings: the
 *    structure alone and with its buffers, beside Linux's tcp_sock (about
 *    2.6 KB, 6.5) and lwIP's tcp_pcb (about 0.2-0.3 KB).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"
#include "tcp/conn.h"
#include "wire/ip.h"
#include "wire/ipv4.h"

typedef struct bnode {
    l4_tcp_conn *c;
    l4_addr self;
    int client;
    uint64_t to_send, sent, rcvd;
    int shut;
    uint64_t segs;
} bnode;

static uint8_t bench_chunk[65536];

static void bnode_app(bnode *n, l4_time now)
{
    while (n->sent < n->to_send) {
        uint64_t left = n->to_send - n->sent;
        size_t k = left < sizeof bench_chunk ? (size_t)left : sizeof bench_chunk;
        l4_ssize r = l4_tcp_conn_send(n->c, bench_chunk, k, now);
        if (r <= 0)
            break;
        n->sent += (uint64_t)r;
    }
    static uint8_t buf[65536];
    for (;;) {
        l4_ssize r = l4_tcp_conn_recv(n->c, buf, sizeof buf, now);
        if (r <= 0)
            break;
        n->rcvd += (uint64_t)r;
    }
    l4_tcp_state st = l4_tcp_conn_state(n->c);
    if (!n->shut && n->sent == n->to_send &&
        (st == L4_TCP_ESTABLISHED || st == L4_TCP_CLOSE_WAIT) &&
        (n->client || l4_tcp_conn_recv(n->c, buf, 1, now) == 0)) {
        l4_tcp_conn_shutdown(n->c, now);
        n->shut = 1;
    }
}

static void bnode_input(void *u, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    (void)ifindex;
    bnode *n = u;
    l4_ip_pkt ip;
    l4_tcp_hdr h;
    if (l4_ip_parse(&ip, pkt, len) != 0 ||
        l4_tcp_parse(&h, ip.payload, ip.payload_len, &ip.src, &ip.dst) != 0)
        return;
    l4_tcp_conn_input_from(n->c, &ip.src, &h, ip.ecn, now);
    bnode_app(n, now);
}

static l4_ssize bnode_output(void *u, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    bnode *n = u;
    *ifindex = 0;
    uint8_t ecn;
    l4_ssize t = l4_tcp_conn_output(n->c, buf + 20, cap - 20, &ecn, now);
    if (t <= 0)
        return t;
    n->segs++;
    l4_ipv4_hdr ih;
    memset(&ih, 0, sizeof ih);
    ih.ecn = ecn;
    ih.ttl = 64;
    ih.proto = 6;
    memcpy(ih.src, n->self.bytes, 4);
    memcpy(ih.dst, n->self.bytes, 4);
    ih.dst[3] = n->client ? 2 : 1;
    ih.payload_len = (size_t)t;
    l4_ssize hl = l4_ipv4_write(buf, cap, &ih);
    return hl < 0 ? hl : hl + t;
}

static l4_time bnode_next(void *u)
{
    return l4_tcp_conn_next_timeout(((bnode *)u)->c);
}

static void bnode_timeout(void *u, l4_time now)
{
    bnode *n = u;
    l4_tcp_conn_handle_timeout(n->c, now);
    bnode_app(n, now);
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    uint64_t bytes = 64ull << 20;
    const char *link = "rate 10gbit delay 1ms queue 100000";
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
            bytes = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--link") && i + 1 < argc)
            link = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            json = 1;
        else {
            fprintf(stderr, "usage: tcp_bench [--bytes N] [--link SPEC] [--json]\n");
            return 2;
        }
    }
    for (size_t i = 0; i < sizeof bench_chunk; i++)
        bench_chunk[i] = (uint8_t)(i * 7);
    l4_link_spec spec;
    char err[128];
    if (l4_link_spec_parse(&spec, link, err, sizeof err) != 0) {
        fprintf(stderr, "tcp_bench: bad link: %s\n", err);
        return 2;
    }

    /* 1. Transfer. */
    l4_sim *sim = l4_sim_new(1);
    bnode n[2];
    memset(n, 0, sizeof n);
    for (int k = 0; k < 2; k++) {
        const uint8_t a[4] = {10, 1, 0, (uint8_t)(k + 1)};
        n[k].self = l4_addr_v4(a);
        n[k].client = k == 0;
        if (l4_tcp_conn_new(&n[k].c, NULL, NULL, NULL) != 0)
            return 1;
    }
    n[0].to_send = bytes;
    l4_tcp_conn_listen(n[1].c, &n[1].self, 80, 0);
    l4_tcp_conn_connect(n[0].c, &n[0].self, 40000, &n[1].self, 80, 0);
    static const l4_sim_node_ops ops = {bnode_input, bnode_output, bnode_next, bnode_timeout};
    int a = l4_sim_add_node(sim, &ops, &n[0]);
    int b = l4_sim_add_node(sim, &ops, &n[1]);
    l4_sim_connect(sim, a, 0, b, 0, &spec, &spec);
    double t0 = cpu_now();
    l4_sim_wake(sim, a);
    while (n[1].rcvd < bytes && l4_sim_step(sim))
        ;
    double cpu = cpu_now() - t0;
    l4_time vt = l4_sim_now(sim);
    int ok = n[1].rcvd == bytes;
    uint64_t segs = n[0].segs + n[1].segs;

    /* The memory-copy limit: four MSS-sized copies of every byte. */
    size_t mss = 1448;
    uint8_t *x = malloc(1 << 20), *y = malloc(1 << 20);
    if (!x || !y)
        return 1;
    memset(x, 1, 1 << 20);
    double m0 = cpu_now();
    uint64_t done = 0, sink = 0;
    while (done < bytes) {
        for (int copy = 0; copy < 4; copy++) {
            uint8_t *src = copy & 1 ? y : x, *dst = copy & 1 ? x : y;
            for (size_t off = 0; off + mss <= (1 << 20); off += mss)
                memcpy(dst + off, src + off, mss);
        }
        sink += y[done % 1000];
        done += 1 << 20;
    }
    double mcpu = cpu_now() - m0;
    free(x);
    free(y);

    double goodput = (double)bytes * 8 / cpu / 1e9;  /* Gbit per CPU-second */
    double memlimit = (double)done * 8 / mcpu / 1e9; /* Gbit per CPU-second */
    double segps = (double)segs / cpu;

    /* 2. Footprint of an idle established connection at default settings. */
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    size_t bufs = (size_t)s.sndbuf + s.rcvbuf;
    size_t structure =
        l4_tcp_conn_footprint(n[0].c) - s.sndbuf; /* the sender's rcvbuf stayed unused */
    size_t total = structure + bufs;

    if (json) {
        printf("{\"ok\":%s,\"bytes\":%" PRIu64 ",\"cpu_s\":%.4f,\"sim_s\":%.4f,"
               "\"goodput_gbit_per_cpu_s\":%.3f,\"segments_per_cpu_s\":%.0f,"
               "\"memcpy4_gbit_per_cpu_s\":%.3f,\"ratio\":%.4f,"
               "\"conn_struct_bytes\":%zu,\"conn_total_bytes\":%zu,"
               "\"linux_tcp_sock_bytes\":2664,\"lwip_tcp_pcb_bytes\":216,\"sink\":%" PRIu64 "}\n",
               ok ? "true" : "false", bytes, cpu, (double)vt / 1e9, goodput, segps, memlimit,
               goodput / memlimit, structure, total, sink & 1);
    } else {
        printf("transfer      %" PRIu64 " bytes in %.3f CPU-s (%.3f s virtual) %s\n", bytes, cpu,
               (double)vt / 1e9, ok ? "verified count" : "INCOMPLETE");
        printf("goodput       %.3f Gbit per CPU-second (%.0f segments per CPU-second)\n", goodput,
               segps);
        printf("memcpy limit  %.3f Gbit per CPU-second (4 MSS-sized copies per byte)\n", memlimit);
        printf("ratio         %.3f of the copy limit\n", goodput / memlimit);
        printf("idle conn     %zu bytes before any data, %zu once both default buffers are in use "
               "(%zu KiB)\n",
               structure, total, bufs / 1024);
        printf("peers         Linux tcp_sock ~2664 bytes (6.5); lwIP tcp_pcb 216-320 bytes\n");
    }
    for (int k = 0; k < 2; k++)
        l4_tcp_conn_del(n[k].c);
    l4_sim_del(sim);
    return ok ? 0 : 1;
}
