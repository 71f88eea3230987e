/*
 * bench/host_conns_bench.c — memory and setup time for many concurrent TCP
 * connections between two l4kit hosts in the emulator.
 *
 *   host_conns_bench [--conns N] [--buf BYTES] [--json]
 *
 * Host B opens N connections (default 100000) to 7 listeners of host A
 * (ports 80..86, so the default ephemeral range of 16384 ports per
 * destination suffices); A accepts all of them. Measured: heap bytes in use
 * (glibc mallinfo2) per connection endpoint once all are established and
 * idle (the TCP engine allocates its buffers only when data first moves, so
 * this is the structure cost: socket + TCP engine + host tables), then again
 * after every client sent one byte and the server echoed it (now each
 * endpoint holds its send and receive buffers of BYTES, default 2048); wall
 * and CPU time to establish all of them (virtual time is also shown).
 * Printed beside the per-connection structure of Linux (struct tcp_sock,
 * about 2.6 KB, excluding buffers) and lwIP (struct tcp_pcb, about 0.2-0.3
 * KB, no buffers of its own): figures quoted, not measured here.
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host.h"
#include "host/sim_node.h"
#include "host/socket.h"
#include "sim/sim.h"

#define NPORTS 7

typedef struct bench_srv {
    l4_host *h;
    uint64_t accepted, echoed;
} bench_srv;

static void srv_readable(l4_host *h, int sd, void *user)
{
    bench_srv *s = user;
    int rc;
    while ((rc = l4_socket_accept(h, sd, NULL, NULL)) >= 0)
        s->accepted++;
    if (rc == L4_EINVAL) { /* an accepted connection: echo what it sent */
        uint8_t b[16];
        l4_ssize n = l4_socket_recv(h, sd, b, sizeof b, l4_host_now(h));
        if (n > 0 && l4_socket_send(h, sd, b, (size_t)n, l4_host_now(h)) == n)
            s->echoed++;
    }
}

static double bench_secs(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t bench_heap(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

typedef struct est_count {
    uint64_t est;
} est_count;

static void count_est(const l4_socket_info *in, void *user)
{
    est_count *c = user;
    if (in->state == L4_TCP_ESTABLISHED)
        c->est++;
}

int main(int argc, char **argv)
{
    uint64_t n = 100000;
    uint32_t buf = 2048;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--conns") && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--buf") && i + 1 < argc)
            buf = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--json"))
            json = 1;
        else {
            fprintf(stderr, "usage: host_conns_bench [--conns N] [--buf BYTES] [--json]\n");
            return 2;
        }
    }
    if (n == 0 || n > (uint64_t)NPORTS * 16000) {
        fprintf(stderr, "host_conns_bench: --conns must be 1..%d\n", NPORTS * 16000);
        return 2;
    }
    size_t heap0 = bench_heap();
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.mtu = 1280;
    cfg.tcp.sndbuf = cfg.tcp.rcvbuf = buf;
    l4_host *ha, *hb;
    cfg.seed = 1;
    if (l4_host_new(&ha, &cfg) < 0)
        return 1;
    cfg.seed = 2;
    if (l4_host_new(&hb, &cfg) < 0)
        return 1;
    l4_addr a, b;
    l4_addr_parse(&a, "10.0.0.1");
    l4_addr_parse(&b, "10.0.0.2");
    l4_host_add_addr(ha, 0, &a, 24);
    l4_host_add_addr(hb, 0, &b, 24);
    l4_sim *sim = l4_sim_new(1);
    int na = l4_host_sim_add(sim, ha), nb = l4_host_sim_add(sim, hb);
    l4_link_spec ls;
    l4_link_spec_default(&ls);
    l4_link_spec_parse(&ls, "delay 1ms queue 1000000", NULL, 0);
    l4_sim_connect(sim, na, 0, nb, 0, &ls, &ls);
    bench_srv srv = {ha, 0, 0};
    l4_socket_callbacks cb = {.readable = srv_readable};
    for (int p = 0; p < NPORTS; p++) {
        int l = l4_socket_open(ha, L4_AF_INET4, L4_SOCK_STREAM);
        l4_socket_set_callbacks(ha, l, &cb, &srv);
        if (l4_socket_bind(ha, l, &a, (uint16_t)(80 + p)) < 0 || l4_socket_listen(ha, l, 65535) < 0)
            return 1;
    }
    size_t heap1 = bench_heap();
    double w0 = bench_secs(CLOCK_MONOTONIC), c0 = bench_secs(CLOCK_PROCESS_CPUTIME_ID);
    for (uint64_t i = 0; i < n; i++) {
        int sd = l4_socket_open(hb, L4_AF_INET4, L4_SOCK_STREAM);
        int rc = l4_socket_connect(hb, sd, &a, (uint16_t)(80 + i % NPORTS), l4_sim_now(sim));
        if (rc != L4_EINPROGRESS) {
            fprintf(stderr, "connect %" PRIu64 ": %s\n", i, l4_host_strerror(rc));
            return 1;
        }
        if (i % 1000 == 999) { /* let the SYNs out in batches */
            l4_sim_wake(sim, nb);
            l4_sim_run_until(sim, l4_sim_now(sim) + 100 * L4_US);
        }
    }
    l4_sim_wake(sim, nb);
    while (srv.accepted < n && l4_sim_step(sim)) {
    }
    l4_sim_run_until(sim, l4_sim_now(sim) + 10 * L4_MS);
    double w1 = bench_secs(CLOCK_MONOTONIC), c1 = bench_secs(CLOCK_PROCESS_CPUTIME_ID);
    size_t heap2 = bench_heap();
    est_count ea = {0}, eb = {0};
    l4_host_sockets(ha, count_est, &ea);
    l4_host_sockets(hb, count_est, &eb);
    double per = (double)(heap2 - heap1) / (double)(2 * n);
    /* phase 2: one byte each way on every connection */
    l4_time t2 = l4_sim_now(sim);
    for (size_t sd = 0; sd < l4_host_socket_count(hb); sd++)
        l4_socket_send(hb, (int)sd, "x", 1, t2);
    l4_sim_wake(sim, nb);
    l4_sim_run_until(sim, t2 + 500 * L4_MS);
    uint64_t back = 0;
    for (size_t sd = 0; sd < l4_host_socket_count(hb); sd++) {
        uint8_t rb[4];
        if (l4_socket_recv(hb, (int)sd, rb, sizeof rb, l4_sim_now(sim)) == 1)
            back++;
    }
    size_t heap3 = bench_heap();
    double per_active = (double)(heap3 - heap1) / (double)(2 * n);
    double linux_b = 2600, lwip_lo = 200, lwip_hi = 300;
    if (json) {
        printf("{\"conns\": %" PRIu64 ", \"established_a\": %" PRIu64
               ", \"established_b\": %" PRIu64 ", \"echoed\": %" PRIu64 ", \"buf\": %u",
               n, ea.est, eb.est, back, buf);
        printf(", \"bytes_per_endpoint_idle\": %.0f, \"bytes_per_endpoint_active\": %.0f", per,
               per_active);
        printf(", \"linux_tcp_sock\": %.0f, \"lwip_tcp_pcb\": [%.0f, %.0f]", linux_b, lwip_lo,
               lwip_hi);
        printf(", \"setup_wall_s\": %.3f, \"setup_cpu_s\": %.3f, \"virtual_s\": %.3f", w1 - w0,
               c1 - c0, (double)(t2) / 1e9);
        printf(", \"hosts_heap_bytes\": %zu}\n", heap3 - heap0);
    } else {
        printf("host_conns_bench: %" PRIu64 " TCP connections between two hosts in the emulator\n",
               n);
        printf("  established: %" PRIu64 " on the server, %" PRIu64 " on the client\n", ea.est,
               eb.est);
        printf("  setup: %.3f s wall, %.3f s CPU (%.0f connections/s), %.3f s virtual\n", w1 - w0,
               c1 - c0, (double)n / (w1 - w0), (double)t2 / 1e9);
        printf("  bytes per connection endpoint (socket + TCP engine + host tables):\n");
        printf("    l4kit, established and idle (no buffers)  %8.0f\n", per);
        printf("    l4kit, after 1 byte each way (%u-byte send + receive buffers) %8.0f"
               "   (%" PRIu64 " of %" PRIu64 " echoed)\n",
               buf, per_active, back, n);
        printf(
            "    Linux struct tcp_sock (quoted)             %8.0f   ratio l4kit idle/Linux %.2f\n",
            linux_b, per / linux_b);
        printf("    lwIP struct tcp_pcb (quoted)            %4.0f-%3.0f   ratio l4kit idle/lwIP "
               "%.1f-%.1f\n",
               lwip_lo, lwip_hi, per / lwip_hi, per / lwip_lo);
        printf("  heap for both hosts at the end: %.1f MiB\n", (double)(heap3 - heap0) / 1048576.0);
    }
    l4_sim_del(sim);
    l4_host_del(ha);
    l4_host_del(hb);
    return ea.est == n && eb.est == n && back == n ? 0 : 1;
}
