/* tests/quic/interop_gtls_test.c — l4kit's QUIC client against ngtcp2's
 * gtlsserver (Debian package ngtcp2-server) over loopback UDP: the
 * handshake completes with certificate verification against the test
 * certificate, ALPN h3, and 1-RTT data flows both ways (the server's HTTP/3
 * control stream arrives; our stream is acknowledged). gtlsserver missing is a
 * failure (scripts/deps.sh installs it). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "io/clock.h"
#include "io/quic_tls_gnutls.h"
#include "io/udp.h"
#include "quic/conn.h"

#define GTLS_SERVER "/usr/sbin/gtlsserver"

typedef struct ia {
    int hs;
    int got_stream3;
    uint8_t stream3_first;
    int closed;
    uint64_t close_err;
    int keylog;
} ia;

static void ia_hs(l4_quic_conn *c, void *user)
{
    (void)c;
    ((ia *)user)->hs = 1;
}

static void ia_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    ia *a = user;
    uint8_t buf[4096];
    int fin;
    l4_ssize n;
    while ((n = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin)) > 0) {
        if (sid == 3 && !a->got_stream3) {
            a->got_stream3 = 1;
            a->stream3_first = buf[0];
        }
    }
}

/* Server side: the client's first unidirectional stream is 2. */
static void ia_readable_any(l4_quic_conn *c, uint64_t sid, void *user)
{
    ia *a = user;
    uint8_t buf[4096];
    int fin;
    l4_ssize n;
    while ((n = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin)) > 0) {
        if (sid == 2 && !a->got_stream3) {
            a->got_stream3 = 1;
            a->stream3_first = buf[0];
        }
    }
}

static void ia_closed(l4_quic_conn *c, int by_peer, int app, uint64_t err, const char *r, size_t rl,
                      void *user)
{
    ia *a = user;
    (void)c;
    (void)by_peer;
    (void)app;
    a->closed = 1;
    a->close_err = err;
    fprintf(stderr, "closed: peer %d app %d err 0x%llx %.*s\n", by_peer, app,
            (unsigned long long)err, (int)rl, r);
}

static void ia_keylog(void *user, const char *line)
{
    ia *a = user;
    if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0 ||
        strncmp(line, "SERVER_HANDSHAKE_TRAFFIC_SECRET ", 32) == 0)
        a->keylog++;
}

static int write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(d, 1, n, f);
    fclose(f);
    return w == n ? 0 : -1;
}

static void client_vs_gtlsserver(int retry)
{
    CHECK_MSG(access(GTLS_SERVER, X_OK) == 0, "%s missing: install ngtcp2-server (scripts/deps.sh)",
              GTLS_SERVER);
    if (access(GTLS_SERVER, X_OK) != 0)
        return;
    char dir[] = "/tmp/l4quic-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    uint8_t *cert, *key;
    size_t cl, kl;
    CHECK_EQ(l4_quic_tls_selfsigned("localhost", (long)time(NULL) - 3600, 2, &cert, &cl, &key, &kl),
             0);
    char cpath[64], kpath[64], www[64];
    snprintf(cpath, sizeof cpath, "%s/cert.pem", dir);
    snprintf(kpath, sizeof kpath, "%s/key.pem", dir);
    snprintf(www, sizeof www, "%s", dir);
    CHECK_EQ(write_file(cpath, cert, cl), 0);
    CHECK_EQ(write_file(kpath, key, kl), 0);
    /* A free port: bind, read it back, release it for the server. */
    l4_io_udp_sock probe;
    CHECK_EQ(l4_io_udp_open(&probe, "127.0.0.1", 0), 0);
    uint16_t port = l4_io_udp_local_port(&probe);
    l4_io_udp_close(&probe);
    char ports[8];
    snprintf(ports, sizeof ports, "%u", port);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        FILE *devnull = freopen("/dev/null", "w", stdout);
        (void)devnull;
        /* -V: the server validates addresses with Retry */
        execl(GTLS_SERVER, "gtlsserver", "-q", retry ? "-V" : "-q", "-d", www, "127.0.0.1", ports,
              kpath, cpath, (char *)NULL);
        _exit(127);
    }
    usleep(200 * 1000);
    l4_io_udp_sock s;
    CHECK_EQ(l4_io_udp_open(&s, "127.0.0.1", 0), 0);
    CHECK_EQ(l4_io_udp_connect(&s, "127.0.0.1", port), 0);
    ia a;
    memset(&a, 0, sizeof a);
    l4_quic_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.handshake_done = ia_hs;
    cb.stream_readable = ia_readable;
    cb.closed = ia_closed;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.seed = (uint64_t)time(NULL);
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server_name = "localhost";
    cfg.ca_pem = cert;
    cfg.ca_pem_len = cl;
    cfg.keylog = ia_keylog;
    cfg.keylog_user = &a;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
    l4_time t0 = l4_io_now();
    l4_quic_conn *c = NULL;
    CHECK_EQ(l4_quic_conn_new_client(&c, &set, &cb, &a, tls, t0), 0);
    uint64_t sid = UINT64_MAX;
    l4_time hs_at = 0, stop_at = L4_TIME_NONE;
    while (c && !l4_quic_conn_is_closed(c)) {
        l4_time now = l4_io_now();
        if (now - t0 > 10 * L4_S)
            break;
        uint8_t out[8][1500];
        l4_io_udp_msg m[8];
        size_t n = 0;
        for (; n < 8; n++) {
            l4_ssize r = l4_quic_conn_output(c, out[n], sizeof out[n], now);
            if (r <= 0)
                break;
            m[n].buf = out[n];
            m[n].len = (size_t)r;
        }
        if (n)
            l4_io_udp_send_batch(&s, m, n);
        if (a.hs && !hs_at) {
            hs_at = now;
            /* Our HTTP/3 control stream (RFC 9114 §6.2.1) with an empty
             * SETTINGS frame: 1-RTT data the server must accept. */
            if (l4_quic_stream_open(c, 1, &sid) == 0) {
                static const uint8_t ctl[] = {0x00, 0x04,
                                              0x00}; /* control stream, empty SETTINGS */
                l4_quic_stream_write(c, sid, ctl, sizeof ctl, 0);
            }
        }
        if (hs_at && a.got_stream3 && stop_at == L4_TIME_NONE)
            stop_at = now + 200 * L4_MS;
        if (now >= stop_at && !l4_quic_conn_is_closing(c))
            l4_quic_conn_close(c, 0x100, "", now); /* H3_NO_ERROR */
        l4_time to = l4_quic_conn_next_timeout(c);
        l4_time wait = to == L4_TIME_NONE ? 50 * L4_MS : (to > now ? to - now : 0);
        if (wait > 50 * L4_MS)
            wait = 50 * L4_MS;
        if (n == 0 && wait > 0)
            l4_io_udp_wait(&s, wait);
        uint8_t in[8][1500];
        l4_io_udp_msg im[8];
        for (int i = 0; i < 8; i++) {
            im[i].buf = in[i];
            im[i].cap = sizeof in[i];
        }
        int r = l4_io_udp_recv_batch(&s, im, 8);
        now = l4_io_now();
        for (int i = 0; i < r; i++)
            l4_quic_conn_input(c, im[i].buf, im[i].len, now);
        to = l4_quic_conn_next_timeout(c);
        if (to != L4_TIME_NONE && to <= now)
            l4_quic_conn_handle_timeout(c, now);
    }
    CHECK_MSG(a.hs, "no handshake with gtlsserver");
    CHECK(a.keylog >= 2);
    const l4_quic_tp *tp = c ? l4_quic_conn_peer_tp(c) : NULL;
    CHECK(tp != NULL);
    CHECK_MSG(a.got_stream3, "the server's HTTP/3 control stream did not arrive");
    CHECK_EQU(a.stream3_first, 0x00); /* HTTP/3 stream type: control (RFC 9114 §6.2.1) */
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(c, &st);
    fprintf(stderr, "handshake %.1f ms, srtt %.3f ms, sent %llu recv %llu pkts\n",
            (double)(hs_at - t0) / 1e6, (double)st.srtt / 1e6, (unsigned long long)st.pkts_sent,
            (unsigned long long)st.pkts_recv);
    if (retry)
        CHECK(l4_quic_conn_peer_tp(c) &&
              (l4_quic_conn_peer_tp(c)->present & L4_QUIC_TP_HAS_RETRY_SCID));
    l4_quic_conn_free(c);
    l4_io_udp_close(&s);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    unlink(cpath);
    unlink(kpath);
    rmdir(dir);
    free(cert);
    free(key);
}

static void test_client_vs_gtlsserver(void)
{
    client_vs_gtlsserver(0);
}

/* The server answers the first Initial with Retry; the client follows. */
static void test_client_vs_gtlsserver_retry(void)
{
    client_vs_gtlsserver(1);
}

#define GTLS_CLIENT "/usr/bin/gtlsclient"

/* ngtcp2's gtlsclient against an l4kit server connection: the handshake
 * completes, the client's HTTP/3 control stream (uni stream 2) arrives in
 * 1-RTT, and our CONNECTION_CLOSE (H3_NO_ERROR) ends the client cleanly. */
static void test_gtlsclient_vs_server(void)
{
    CHECK_MSG(access(GTLS_CLIENT, X_OK) == 0, "%s missing: install ngtcp2-client (scripts/deps.sh)",
              GTLS_CLIENT);
    if (access(GTLS_CLIENT, X_OK) != 0)
        return;
    uint8_t *cert, *key;
    size_t cl, kl;
    CHECK_EQ(l4_quic_tls_selfsigned("localhost", (long)time(NULL) - 3600, 2, &cert, &cl, &key, &kl),
             0);
    l4_io_udp_sock s;
    CHECK_EQ(l4_io_udp_open(&s, "127.0.0.1", 0), 0);
    uint16_t port = l4_io_udp_local_port(&s);
    char ports[8], url[64];
    snprintf(ports, sizeof ports, "%u", port);
    snprintf(url, sizeof url, "https://localhost:%u/", port);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        FILE *devnull = freopen("/dev/null", "w", stdout);
        (void)devnull;
        execl(GTLS_CLIENT, "gtlsclient", "-q", "--exit-on-all-streams-close", "--timeout=5s",
              "127.0.0.1", ports, url, (char *)NULL);
        _exit(127);
    }
    ia a;
    memset(&a, 0, sizeof a);
    l4_quic_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.handshake_done = ia_hs;
    cb.stream_readable = ia_readable_any;
    cb.closed = ia_closed;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.seed = (uint64_t)time(NULL);
    l4_quic_conn *c = NULL;
    l4_time t0 = l4_io_now(), stop_at = L4_TIME_NONE;
    int connected = 0;
    while (l4_io_now() - t0 < 10 * L4_S && !(c && l4_quic_conn_is_closed(c))) {
        l4_time now = l4_io_now();
        uint8_t in[1500];
        char from[64];
        uint16_t fport;
        l4_ssize r;
        while ((r = l4_io_udp_recv_from(&s, in, sizeof in, from, sizeof from, &fport)) > 0) {
            if (!c) {
                l4_quic_tls_config cfg;
                memset(&cfg, 0, sizeof cfg);
                cfg.is_server = 1;
                cfg.cert_pem = cert;
                cfg.cert_pem_len = cl;
                cfg.key_pem = key;
                cfg.key_pem_len = kl;
                l4_quic_tls *tls;
                CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
                if (l4_quic_conn_new_server(&c, &set, &cb, &a, tls, in, (size_t)r, now) < 0)
                    continue;
            }
            if (!connected && l4_io_udp_connect(&s, from, fport) == 0)
                connected = 1;
            l4_quic_conn_input(c, in, (size_t)r, now);
        }
        if (!c) {
            l4_io_udp_wait(&s, 20 * L4_MS);
            continue;
        }
        if (a.got_stream3 && stop_at == L4_TIME_NONE)
            stop_at = now + 100 * L4_MS;
        if (now >= stop_at && !l4_quic_conn_is_closing(c))
            l4_quic_conn_close(c, 0x100, "", now); /* H3_NO_ERROR */
        uint8_t out[8][1500];
        l4_io_udp_msg m[8];
        size_t n = 0;
        for (; n < 8; n++) {
            l4_ssize w = l4_quic_conn_output(c, out[n], sizeof out[n], now);
            if (w <= 0)
                break;
            m[n].buf = out[n];
            m[n].len = (size_t)w;
        }
        if (n && connected)
            l4_io_udp_send_batch(&s, m, n);
        l4_time to = l4_quic_conn_next_timeout(c);
        l4_time wait = to == L4_TIME_NONE ? 20 * L4_MS : (to > now ? to - now : 0);
        if (wait > 20 * L4_MS)
            wait = 20 * L4_MS;
        if (n == 0 && wait > 0)
            l4_io_udp_wait(&s, wait);
        now = l4_io_now();
        to = l4_quic_conn_next_timeout(c);
        if (to != L4_TIME_NONE && to <= now)
            l4_quic_conn_handle_timeout(c, now);
    }
    CHECK_MSG(a.hs, "gtlsclient did not complete the handshake");
    CHECK_MSG(a.got_stream3, "the client's HTTP/3 control stream did not arrive");
    CHECK_EQU(a.stream3_first, 0x00);
    /* gtlsclient exits once the connection is closed. */
    int status = -1;
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        usleep(50 * 1000);
    }
    if (status == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    CHECK_MSG(WIFEXITED(status), "gtlsclient did not exit by itself (status %d)", status);
    l4_quic_conn_free(c);
    l4_io_udp_close(&s);
    free(cert);
    free(key);
}

static const l4_test TESTS[] = {
    TEST(test_gtlsclient_vs_server),
    TEST(test_client_vs_gtlsserver),
    TEST(test_client_vs_gtlsserver_retry),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
