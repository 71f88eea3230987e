/* tests/quic/sim_test.c — a QUIC client and server as emulator nodes joined
 * by one link (datagrams carried as link packets): the handshake and many
 * streams byte-exact at 0 %, 2 % and 10 % loss, reordering, duplication and
 * corruption, reproducible from the seed. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cc/bbr.h"
#include "check.h"
#include "io/quic_tls_gnutls.h"
#include "io/sim_pcap.h"
#include "io/quic_qlog.h"
#include "wire/ipv4.h"
#include "wire/udp.h"
#include "quic/conn.h"
#include "sim/sim.h"

#define SN_STREAMS 32

typedef struct sn_world sn_world;

typedef struct sn_node {
    sn_world *w;
    l4_quic_conn *c;
    int is_server;
} sn_node;

struct sn_world {
    sn_node cl, sv;
    l4_quic_settings cs, ss;
    l4_quic_callbacks cb;
    uint8_t *cert, *key;
    size_t cert_len, key_len;
    int n;
    size_t size;
    uint64_t sid[SN_STREAMS];
    size_t written[SN_STREAMS], got[SN_STREAMS];
    int fin[SN_STREAMS];
    int done, bad, hs;
    l4_time done_at;
    int wrap_ip;      /* carry datagrams in IPv4/UDP (for captures) */
    FILE *keylog;     /* the client's SSLKEYLOGFILE lines */
    const char *pcap; /* write link 0 here */
};

static const uint8_t SN_IP[2][4] = {{10, 0, 0, 1}, {10, 0, 0, 2}};

/* Wraps the QUIC datagram at buf + 28 (len bytes) in UDP and IPv4. */
static l4_ssize sn_wrap(uint8_t *buf, size_t cap, size_t len, int from_server)
{
    l4_addr a = l4_addr_v4(SN_IP[from_server]), b = l4_addr_v4(SN_IP[!from_server]);
    l4_udp_hdr u;
    memset(&u, 0, sizeof u);
    u.sport = from_server ? 443 : 50000;
    u.dport = from_server ? 50000 : 443;
    u.payload = buf + 28;
    u.payload_len = len;
    l4_ssize n = l4_udp_write(buf + 20, cap - 20, &u, &a, &b);
    if (n < 0)
        return n;
    l4_ipv4_hdr ip;
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = 17;
    ip.df = 1;
    memcpy(ip.src, SN_IP[from_server], 4);
    memcpy(ip.dst, SN_IP[!from_server], 4);
    ip.payload_len = (size_t)n;
    if (l4_ipv4_write(buf, 20, &ip) < 0)
        return L4_ERR_NOBUF;
    return 20 + n;
}

static void sn_keylog(void *user, const char *line)
{
    sn_world *w = user;
    if (w->keylog)
        fprintf(w->keylog, "%s\n", line);
}

static uint8_t sn_pat(uint64_t sid, size_t off)
{
    return (uint8_t)(off * 13 + sid * 5 + (off >> 9));
}

static void sn_push(sn_world *w)
{
    uint8_t buf[4096];
    for (int i = 0; i < w->n; i++) {
        while (w->written[i] < w->size) {
            size_t n = w->size - w->written[i];
            if (n > sizeof buf)
                n = sizeof buf;
            for (size_t k = 0; k < n; k++)
                buf[k] = sn_pat(w->sid[i], w->written[i] + k);
            l4_ssize r =
                l4_quic_stream_write(w->cl.c, w->sid[i], buf, n, w->written[i] + n == w->size);
            if (r <= 0)
                break;
            w->written[i] += (size_t)r;
            if ((size_t)r < n)
                break;
        }
    }
}

static void sn_hs_done(l4_quic_conn *c, void *user)
{
    sn_world *w = user;
    if (c != w->cl.c)
        return;
    w->hs = 1;
    for (int i = 0; i < w->n; i++)
        if (l4_quic_stream_open(c, i & 1, &w->sid[i]) < 0)
            w->bad++;
    sn_push(w);
}

static void sn_writable(l4_quic_conn *c, uint64_t sid, void *user)
{
    sn_world *w = user;
    (void)sid;
    if (c == w->cl.c)
        sn_push(w);
}

static void sn_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    sn_world *w = user;
    int i = 0;
    while (i < w->n && w->sid[i] != sid)
        i++;
    if (i == w->n || c == w->cl.c) {
        w->bad++;
        return;
    }
    uint8_t buf[4096];
    for (;;) {
        int fin = 0;
        l4_ssize r = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin);
        if (r < 0) {
            w->bad++;
            return;
        }
        for (l4_ssize k = 0; k < r; k++)
            if (buf[k] != sn_pat(sid, w->got[i] + (size_t)k))
                w->bad++;
        w->got[i] += (size_t)r;
        if (fin) {
            w->fin[i] = 1;
            if (++w->done == w->n)
                l4_quic_conn_close(w->sv.c, 0, "done", 0);
            return;
        }
        if (r == 0)
            return;
    }
}

static void sn_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    sn_node *n = user;
    (void)ifindex;
    if (n->w->wrap_ip) {
        l4_ipv4_hdr ip;
        l4_udp_hdr u;
        if (l4_ipv4_parse(&ip, pkt, len) < 0 ||
            l4_udp_parse(&u, ip.payload, ip.payload_len, NULL, NULL) < 0)
            return;
        pkt = u.payload;
        len = u.payload_len;
    }
    if (!n->c) {
        if (!n->is_server)
            return;
        l4_quic_tls_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.is_server = 1;
        cfg.cert_pem = n->w->cert;
        cfg.cert_pem_len = n->w->cert_len;
        cfg.key_pem = n->w->key;
        cfg.key_pem_len = n->w->key_len;
        l4_quic_tls *tls;
        if (l4_quic_tls_gnutls_new(&tls, &cfg) < 0)
            return;
        if (l4_quic_conn_new_server(&n->c, &n->w->ss, &n->w->cb, n->w, tls, pkt, len, now) < 0)
            return; /* e.g. a corrupted first Initial */
    }
    l4_quic_conn_input(n->c, pkt, len, now);
}

static l4_ssize sn_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    sn_node *n = user;
    *ifindex = 0;
    if (!n->c)
        return 0;
    if (n->w->wrap_ip) {
        l4_ssize r = l4_quic_conn_output(n->c, buf + 28, 1472, now);
        return r <= 0 ? r : sn_wrap(buf, cap, (size_t)r, n->is_server);
    }
    return l4_quic_conn_output(n->c, buf, cap < 1500 ? cap : 1500, now);
}

static l4_time sn_next(void *user)
{
    sn_node *n = user;
    return n->c ? l4_quic_conn_next_timeout(n->c) : L4_TIME_NONE;
}

static void sn_timeout(void *user, l4_time now)
{
    sn_node *n = user;
    if (n->c)
        l4_quic_conn_handle_timeout(n->c, now);
}

static const l4_sim_node_ops SN_OPS = {sn_input, sn_output, sn_next, sn_timeout};

#ifdef SN_TAP
static unsigned sn_bucket[1000][2];
static void sn_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                   size_t len)
{
    (void)user, (void)link, (void)pkt, (void)len;
    if (event == 0 && now / (10 * L4_MS) < 1000)
        sn_bucket[now / (10 * L4_MS)][dir]++;
}
#endif

/* Runs one transfer; returns the virtual time at which the last stream completed. */
typedef struct sn_opts {
    FILE *keylog;
    const char *pcap;
    const char *cc;  /* NULL: reno */
    uint64_t window; /* flow-control windows (stream and connection); 0: defaults */
    size_t datagram; /* max_datagram; 0: 1200 */
    /* out: the client's congestion controller at the end of the transfer */
    int bbr_mode;
    uint64_t bbr_bw;
    l4_time done_at;
} sn_opts;

static l4_time sn_run_opts(uint64_t seed, const char *spec, int nstreams, size_t size,
                           l4_time limit, l4_quic_conn_stats *cst, sn_opts *o)
{
    sn_world *w = calloc(1, sizeof *w);
    if (o) {
        w->wrap_ip = 1;
        w->keylog = o->keylog;
        w->pcap = o->pcap;
    }
    CHECK(w != NULL);
    CHECK_EQ(l4_quic_tls_selfsigned("localhost", (long)time(NULL) - 3600, 30, &w->cert,
                                    &w->cert_len, &w->key, &w->key_len),
             0);
    w->n = nstreams;
    w->size = size;
    w->cl.w = w->sv.w = w;
    w->sv.is_server = 1;
    l4_quic_settings_default(&w->cs);
    l4_quic_settings_default(&w->ss);
    w->cs.seed = seed;
    w->ss.seed = seed ^ 0x5555;
    if (getenv("SN_BIGWIN")) {
        w->ss.tp.initial_max_data = 64u << 20;
        w->ss.tp.initial_max_stream_data_bidi_remote = 16u << 20;
        w->ss.tp.initial_max_stream_data_uni = 16u << 20;
    }
    if (o && o->cc)
        w->cs.cc = w->ss.cc = o->cc;
    if (o && o->window) {
        w->ss.tp.initial_max_data = o->window;
        w->ss.tp.initial_max_stream_data_bidi_remote = o->window;
    }
    if (o && o->datagram)
        w->cs.max_datagram = w->ss.max_datagram = o->datagram;
    w->cb.handshake_done = sn_hs_done;
    w->cb.stream_readable = sn_readable;
    w->cb.stream_writable = sn_writable;
    l4_sim *sim = l4_sim_new(seed);
    l4_link_spec ls;
    char err[128];
    CHECK_EQ(l4_link_spec_parse(&ls, spec, err, sizeof err), 0);
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server_name = "localhost";
    cfg.ca_pem = w->cert;
    cfg.ca_pem_len = w->cert_len;
    cfg.keylog = sn_keylog;
    cfg.keylog_user = w;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
    CHECK_EQ(l4_quic_conn_new_client(&w->cl.c, &w->cs, &w->cb, w, tls, 0), 0);
    if (getenv("SN_QLOG")) /* debugging: the client's qlog in that directory */
        l4_quic_qlog_attach(w->cl.c, getenv("SN_QLOG"), NULL, 0, NULL, 0);
    int a = l4_sim_add_node(sim, &SN_OPS, &w->cl);
    int b = l4_sim_add_node(sim, &SN_OPS, &w->sv);
    CHECK(l4_sim_connect(sim, a, 0, b, 0, &ls, &ls) >= 0);
    l4_sim_pcap *cap = NULL;
    if (w->pcap) {
        char perr[128];
        CHECK_EQ(l4_sim_pcap_open(&cap, w->pcap, L4_SIM_PCAP_SEND, 0, perr, sizeof perr), 0);
        l4_sim_set_tap(sim, l4_sim_pcap_tap, cap);
    }
    l4_sim_wake(sim, a); /* the client's first Initial is ready now */
#ifdef SN_TAP
    l4_sim_set_tap(sim, sn_tap, NULL);
#endif
    while (w->done < w->n && !w->bad && l4_sim_now(sim) < limit)
        if (!l4_sim_step(sim))
            break;
    l4_time t = l4_sim_now(sim);
    if (o) {
        o->bbr_mode = l4_cc_bbr_mode(l4_quic_conn_cc(w->cl.c));
        o->bbr_bw = l4_cc_bbr_bw(l4_quic_conn_cc(w->cl.c));
        o->done_at = t;
    }
    CHECK_MSG(w->done == w->n && w->bad == 0, "seed %llu '%s': %d/%d streams, bad %d, t %llu ms",
              (unsigned long long)seed, spec, w->done, w->n, w->bad,
              (unsigned long long)(t / L4_MS));
    for (int i = 0; i < w->n; i++)
        CHECK_EQU(w->got[i], size);
    /* Let the close reach the client. If the server's one CONNECTION_CLOSE
     * is lost and the client's probes come after the server's closing
     * period (its PTO backs off), the client ends by its idle timeout
     * (RFC 9000 §10.2, §10.1): both count as closed. */
    l4_sim_run_until(sim, t + 40 * L4_S);
    CHECK(w->cl.c && l4_quic_conn_is_closing(w->cl.c));
    if (cst)
        l4_quic_conn_get_stats(w->cl.c, cst);
    if (cap)
        CHECK_EQ(l4_sim_pcap_close(cap), 0);
    l4_sim_del(sim);
    l4_quic_conn_free(w->cl.c);
    l4_quic_conn_free(w->sv.c);
    free(w->cert);
    free(w->key);
    free(w);
    return t;
}

static l4_time sn_run(uint64_t seed, const char *spec, int nstreams, size_t size, l4_time limit,
                      l4_quic_conn_stats *cst)
{
    return sn_run_opts(seed, spec, nstreams, size, limit, cst, NULL);
}

/* tshark decrypts a capture of the run with the client's key log: the
 * handshake and the 1-RTT STREAM frames show, nothing is malformed. */
static void test_tshark_decrypts(void)
{
    CHECK_MSG(system("command -v tshark >/dev/null") == 0, "tshark is not installed");
    char dir[] = "/tmp/l4quic-cap-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char cap[96], kl[96], cmd[512];
    snprintf(cap, sizeof cap, "%s/quic.pcap", dir);
    snprintf(kl, sizeof kl, "%s/keylog.txt", dir);
    sn_opts o = {fopen(kl, "w"), cap, NULL, 0, 0, 0, 0, 0};
    CHECK(o.keylog != NULL);
    sn_run_opts(5, "rate 20mbit delay 5ms loss 2%", 3, 20000, 60 * L4_S, NULL, &o);
    fclose(o.keylog);
    snprintf(cmd, sizeof cmd,
             "tshark -n -r %s -o tls.keylog_file:%s -T fields -e quic.frame_type "
             "-e _ws.malformed -e _ws.expert.message 2>&1",
             cap, kl);
    FILE *f = popen(cmd, "r");
    CHECK(f != NULL);
    char line[4096];
    int lines = 0, crypto = 0, stream = 0, malformed = 0, failed = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        if (strstr(line, "Malformed") || strstr(line, "alformed"))
            malformed++;
        if (strstr(line, "ecryption failed") || strstr(line, "failed to decrypt"))
            failed++;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = 0;
        for (char *t = strtok(line, ","); t; t = strtok(NULL, ","))
            if (strcmp(t, "6") == 0)
                crypto++;
            else if (atoi(t) >= 8 && atoi(t) <= 15)
                stream++;
    }
    pclose(f);
    fprintf(stderr, "tshark: %d packets, %d CRYPTO and %d STREAM frames decrypted\n", lines, crypto,
            stream);
    CHECK(lines > 20);
    CHECK_MSG(crypto >= 4 && stream > 20, "crypto %d stream %d of %d packets", crypto, stream,
              lines);
    CHECK_EQ(malformed, 0);
    CHECK_EQ(failed, 0);
    unlink(cap);
    unlink(kl);
    rmdir(dir);
}

static void test_clean_link(void)
{
    l4_quic_conn_stats st;
    l4_time t = sn_run(1, "rate 50mbit delay 10ms", 16, 100000, 60 * L4_S, &st);
    CHECK_EQU(st.pkts_lost, 0);
    /* min RTT = 2 × 10 ms + serialisation; srtt grows with the queue slow start fills */
    CHECK_MSG(st.min_rtt >= 20 * L4_MS && st.min_rtt < 21 * L4_MS && st.srtt >= st.min_rtt,
              "srtt %llu us min %llu us", (unsigned long long)(st.srtt / 1000),
              (unsigned long long)(st.min_rtt / 1000));
    CHECK_MSG(t < 500 * L4_MS, "1.6 MB took %llu ms", (unsigned long long)(t / L4_MS));
}

static void test_loss_2(void)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        l4_quic_conn_stats st;
        sn_run(seed, "rate 20mbit delay 10ms loss 2%", 16, 50000, 120 * L4_S, &st);
        CHECK(st.pkts_lost > 0);
    }
}

static void test_loss_10(void)
{
    for (uint64_t seed = 1; seed <= 3; seed++)
        sn_run(seed, "rate 20mbit delay 10ms loss 10%", 12, 30000, 300 * L4_S, NULL);
}

static void test_reorder_dup_corrupt(void)
{
    for (uint64_t seed = 1; seed <= 3; seed++)
        sn_run(seed, "rate 20mbit delay 20ms jitter 2ms reorder 5% duplicate 2% corrupt 2% loss 1%",
               16, 40000, 300 * L4_S, NULL);
}

static void test_reproducible(void)
{
    l4_quic_conn_stats a, b;
    l4_time ta = sn_run(42, "rate 10mbit delay 5ms loss 3%", 4, 30000, 60 * L4_S, &a);
    l4_time tb = sn_run(42, "rate 10mbit delay 5ms loss 3%", 4, 30000, 60 * L4_S, &b);
    CHECK_EQU(ta, tb);
    CHECK_EQU(a.pkts_sent, b.pkts_sent);
    CHECK_EQU(a.pkts_lost, b.pkts_lost);
}

/* BBR over QUIC (delivery-rate samples from quic/recovery.c): on a clean
 * 20 Mbit/s link its bottleneck-bandwidth estimate is the link's rate as
 * UDP payload (1200 of every 1228 bytes), it reaches PROBE_BW, and the
 * sender was application-limited once, at the end of its data. */
static void test_bbr_delivery_rate(void)
{
    sn_opts o = {NULL, NULL, "bbr", 8u << 20, 0, 0, 0, 0};
    l4_quic_conn_stats st;
    sn_run_opts(3, "rate 20mbit delay 10ms queue 100", 1, 4u << 20, 60 * L4_S, &st, &o);
    double payload_rate = 20e6 / 8 * 1200.0 / 1228.0;
    CHECK_MSG(o.bbr_bw > 0.95 * payload_rate && o.bbr_bw < 1.02 * payload_rate,
              "BtlBw %llu B/s, link %.0f B/s", (unsigned long long)o.bbr_bw, payload_rate);
    CHECK_EQ(o.bbr_mode, L4_BBR_PROBE_BW);
    CHECK(st.delivered > 4u << 20); /* stream bytes plus headers and the handshake */
    CHECK(st.app_limited_periods >= 1);
    CHECK(st.pacing_rate > 0.7 * payload_rate && st.pacing_rate < 1.3 * payload_rate);
    /* BBR keeps the queue short: srtt stays near the 20 ms path RTT */
    CHECK_MSG(st.srtt < 30 * L4_MS, "srtt %llu us", (unsigned long long)(st.srtt / 1000));
}

/* At 1 % random loss BBR keeps most of a 50 Mbit/s link where Reno's
 * loss-driven window collapses (Mathis: about 1.22 * MSS / (RTT * sqrt p)
 * = 5.9 Mbit/s here). */
static void test_bbr_vs_reno_loss(void)
{
    const char *spec = "rate 50mbit delay 10ms loss 1%";
    size_t size = 6u << 20;
    sn_opts ob = {NULL, NULL, "bbr", 8u << 20, 0, 0, 0, 0};
    sn_opts orn = {NULL, NULL, "reno", 8u << 20, 0, 0, 0, 0};
    l4_quic_conn_stats sb, sr;
    sn_run_opts(7, spec, 1, size, 120 * L4_S, &sb, &ob);
    sn_run_opts(7, spec, 1, size, 120 * L4_S, &sr, &orn);
    double gb = (double)size * 8 / ((double)ob.done_at / 1e9) / 1e6;
    double gr = (double)size * 8 / ((double)orn.done_at / 1e9) / 1e6;
    fprintf(stderr, "1%% loss, 50 Mbit/s, 20 ms: BBR %.1f Mbit/s (%llu lost), Reno %.1f Mbit/s\n",
            gb, (unsigned long long)sb.pkts_lost, gr);
    CHECK(sb.pkts_lost > 0 && sr.pkts_lost > 0);
    CHECK_MSG(gb > 30.0, "BBR %.1f Mbit/s", gb);
    CHECK_MSG(gr < 15.0, "Reno %.1f Mbit/s", gr);
    CHECK(gb > 3 * gr);
}

static const l4_test TESTS[] = {
    TEST(test_clean_link),        TEST(test_tshark_decrypts),     TEST(test_loss_2),
    TEST(test_loss_10),           TEST(test_reorder_dup_corrupt), TEST(test_reproducible),
    TEST(test_bbr_delivery_rate), TEST(test_bbr_vs_reno_loss),    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
