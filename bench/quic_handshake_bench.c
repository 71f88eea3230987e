/*
 * bench/quic_handshake_bench.c — QUIC handshakes per second a server
 * completes over loopback: `l4kit quic-server` against ngtcp2's gtlsserver
 * in the same run, with the same client (l4kit's QUIC + GnuTLS, ALPN h3,
 * a full TLS 1.3 handshake each time, then CONNECTION_CLOSE).
 *
 *   quic_handshake_bench L4KIT [CONNECTIONS] [CLIENTS]
 *
 * CLIENTS processes each open CONNECTIONS/CLIENTS connections one after
 * the other. Prints handshakes/s and the server's CPU time per handshake
 * (from /proc/PID/stat), and the ratio l4kit / gtlsserver.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/clock.h"
#include "io/quic_ep.h"
#include "io/quic_tls_gnutls.h"
#include "quic/conn.h"

#define GTLS_SERVER "/usr/sbin/gtlsserver"

typedef struct hb {
    int done, closed;
} hb;

static void hb_hs(l4_quic_conn *c, void *user)
{
    (void)c;
    ((hb *)user)->done = 1;
}

static void hb_closed(l4_quic_conn *c, int by_peer, int app, uint64_t err, const char *r, size_t rl,
                      void *user)
{
    (void)c;
    (void)by_peer;
    (void)app;
    (void)err;
    (void)r;
    (void)rl;
    ((hb *)user)->closed = 1;
}

/* One handshake to 127.0.0.1:port; 0 when it completed. */
static int hb_one(uint16_t port)
{
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    ec.sockbuf = -1;
    l4_io_quic_ep *ep;
    if (l4_io_quic_ep_open(&ep, &ec) < 0)
        return -1;
    hb st = {0, 0};
    l4_quic_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.handshake_done = hb_hs;
    cb.closed = hb_closed;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.max_datagram = 1452;
    set.seed = (uint64_t)l4_io_now() ^ ((uint64_t)getpid() << 32);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.insecure = 1;
    tc.server_name = "localhost";
    l4_quic_tls *tls;
    l4_quic_conn *c;
    l4_io_udp_addr peer;
    l4_io_udp_addr_parse(&peer, "127.0.0.1", port);
    if (l4_quic_tls_gnutls_new(&tls, &tc) < 0 ||
        l4_quic_conn_new_client(&c, &set, &cb, &st, tls, l4_io_now()) < 0 ||
        l4_io_quic_ep_add(ep, c, NULL, &peer) < 0) {
        l4_io_quic_ep_free(ep);
        return -1;
    }
    l4_time t0 = l4_io_now();
    int closing = 0;
    while (l4_io_quic_ep_count(ep) && l4_io_now() - t0 < 5 * L4_S) {
        if (l4_io_quic_ep_step(ep, 10 * L4_MS) < 0)
            break;
        if (st.closed && !closing)
            break;
        if (closing)
            break; /* the CONNECTION_CLOSE went out */
        if (st.done) {
            l4_quic_conn_close(c, 0x100, "", l4_io_now()); /* H3_NO_ERROR */
            closing = 1;
        }
    }
    int ok = st.done;
    l4_io_quic_ep_free(ep);
    return ok ? 0 : -1;
}

static double cpu_of(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, stt = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) != 2)
        return -1;
    return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

static uint16_t free_port(void)
{
    l4_io_udp_sock s;
    if (l4_io_udp_open(&s, "127.0.0.1", 0) < 0)
        return 0;
    uint16_t p = l4_io_udp_local_port(&s);
    l4_io_udp_close(&s);
    return p;
}

/* Runs n handshakes from `procs` client processes; returns handshakes/s
 * and the server's CPU seconds spent (in *cpu). */
static double run(pid_t server, uint16_t port, int n, int procs, double *cpu, int *failed)
{
    for (int i = 0; i < 5; i++) /* warm up: TLS session set-up, caches */
        hb_one(port);
    double c0 = cpu_of(server);
    l4_time t0 = l4_io_now();
    pid_t kids[64];
    for (int k = 0; k < procs; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            int bad = 0;
            for (int i = k; i < n; i += procs) {
                l4_time a = l4_io_now();
                bad += hb_one(port) != 0;
                if (getenv("HB_TRACE"))
                    fprintf(stderr, "%.3f\n", (double)(l4_io_now() - a) / 1e6);
            }
            _exit(bad > 255 ? 255 : bad);
        }
    }
    *failed = 0;
    for (int k = 0; k < procs; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        *failed += WIFEXITED(st) ? WEXITSTATUS(st) : n;
    }
    double secs = (double)(l4_io_now() - t0) / 1e9;
    *cpu = cpu_of(server) - c0;
    return (double)(n - *failed) / secs;
}

static pid_t spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    usleep(300 * 1000);
    return pid;
}

static int write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(d, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: quic_handshake_bench L4KIT [CONNECTIONS] [CLIENTS]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 400;
    int procs = argc > 3 ? atoi(argv[3]) : 1;
    if (n < 1 || procs < 1 || procs > 64) {
        fprintf(stderr, "quic_handshake_bench: bad CONNECTIONS or CLIENTS\n");
        return 2;
    }
    char dir[] = "/tmp/l4hsbench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    uint8_t *cert, *key;
    size_t cl, kl;
    char cpath[64], kpath[64], ports[8];
    snprintf(cpath, sizeof cpath, "%s/cert.pem", dir);
    snprintf(kpath, sizeof kpath, "%s/key.pem", dir);
    if (l4_quic_tls_selfsigned("localhost", (long)time(NULL) - 3600, 2, &cert, &cl, &key, &kl) <
            0 ||
        write_file(cpath, cert, cl) < 0 || write_file(kpath, key, kl) < 0)
        return 1;
    printf("QUIC handshakes over loopback: %d connections from %d client process%s, one at a time "
           "each\n",
           n, procs, procs == 1 ? "" : "es");
    fflush(stdout); /* before fork() */
    uint16_t port = free_port();
    snprintf(ports, sizeof ports, "%u", port);
    char *l4argv[] = {argv[1], "quic-server", "--cert", cpath, "--key",
                      kpath,   "127.0.0.1",   ports,    NULL};
    pid_t l4 = spawn(l4argv);
    double l4cpu;
    int l4fail;
    double l4rate = run(l4, port, n, procs, &l4cpu, &l4fail);
    kill(l4, SIGTERM);
    waitpid(l4, NULL, 0);
    port = free_port();
    snprintf(ports, sizeof ports, "%u", port);
    char *gargv[] = {GTLS_SERVER, "-q", "127.0.0.1", ports, kpath, cpath, NULL};
    pid_t gs = spawn(gargv);
    double gcpu;
    int gfail;
    double grate = run(gs, port, n, procs, &gcpu, &gfail);
    kill(gs, SIGTERM);
    waitpid(gs, NULL, 0);
    printf("  %-20s %8.0f handshakes/s   server CPU %.3f ms per handshake%s\n", "l4kit quic-server",
           l4rate, l4cpu * 1e3 / n, l4fail ? "   (some failed)" : "");
    printf("  %-20s %8.0f handshakes/s   server CPU %.3f ms per handshake%s\n", "ngtcp2 gtlsserver",
           grate, gcpu * 1e3 / n, gfail ? "   (some failed)" : "");
    printf("  ratio l4kit/ngtcp2: %.2f handshakes/s, %.2f server CPU per handshake\n",
           grate > 0 ? l4rate / grate : 0, gcpu > 0 ? l4cpu / gcpu : 0);
    unlink(cpath);
    unlink(kpath);
    rmdir(dir);
    free(cert);
    free(key);
    return l4fail || gfail ? 1 : 0;
}
