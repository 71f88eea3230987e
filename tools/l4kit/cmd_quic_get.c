/*
 * tools/l4kit/cmd_quic_get.c — `l4kit quic-get`: an HTTP/3 client on
 * l4kit's QUIC. Every URL goes on its own stream of one connection, all at
 * once; bodies are saved or only counted; the report gives the handshake
 * time in round trips, each file's time to first byte and the throughput.
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cmd.h"
#include "h3/h3.h"
#include "h3/path.h"
#include "h3/url.h"
#include "io/clock.h"
#include "io/quic_ep.h"
#include "io/quic_tls_gnutls.h"
#include "json.h"
#include "quic/early.h"
#include "quic/suites.h"
#include "quic_session.h"
#include "quic_tool.h"
#include "units.h"

static const char qg_help[] =
    "usage: l4kit quic-get [-o DIR] [--insecure | --cacert FILE] [options] URL...\n"
    "\n"
    "Fetches every URL (https://HOST[:PORT]/PATH, all on the same HOST:PORT) over\n"
    "HTTP/3 on l4kit's QUIC: one connection, one stream per URL, all in parallel.\n"
    "The server certificate is verified against the system's CAs and HOST unless\n"
    "--insecure. Prints one line per URL (status, size, time to first byte, time,\n"
    "throughput) and a summary with the handshake time in round trips and, with\n"
    "--session, whether the server took the 0-RTT requests.\n"
    "\n"
    "  -o, --output DIR       save each body as DIR/<last path segment> (\"/\": index.html);\n"
    "                         without it bodies are counted, not kept\n"
    "  --insecure             accept any certificate (self-signed ones included)\n"
    "  --cacert FILE          trust the PEM certificate(s) in FILE instead of the system CAs\n"
    "  --connect-timeout TIME give up when the handshake is not done after TIME (default 10s)\n"
    "  --session FILE         resume the server with what FILE kept (TLS session ticket,\n"
    "                         NEW_TOKEN token, transport parameters): the requests go in\n"
    "                         0-RTT; the new ticket is written back (created when missing)\n"
    "  --no-0rtt              with --session: resume, but send nothing before the handshake\n"
    "  --migrate-after WHEN   move to a new local port (and a new server connection ID,\n"
    "                         validating the path: RFC 9000 §9.2) WHEN after the handshake:\n"
    "                         a time (300ms) or once that many body bytes arrived (1M)\n"
    "  --migrate-to ADDR      ... and to local address ADDR (numeric, e.g. 127.0.0.2)\n"
    "  --rebind-after WHEN    as --migrate-after, but without telling QUIC: what a NAT\n"
    "                         rebinding looks like to the server (same connection ID)\n"
    "  --no-preferred-addr    stay on the address in the URL when the server offers a\n"
    "                         preferred address (by default the client moves there once\n"
    "                         the handshake is confirmed, RFC 9000 §9.6, and comes back\n"
    "                         if that path does not validate)\n"
    "  --json                 print the report as one JSON object\n"
    "%s"
    "\n"
    "SSLKEYLOGFILE=FILE appends the TLS secrets (NSS key log format) for Wireshark.\n"
    "Exit status: 0 when every URL answered 2xx completely, 1 otherwise (refused,\n"
    "timed out, TLS failure, 4xx/5xx, reset), 2 on bad input.\n";

typedef struct qg_item {
    const char *text;
    l4_h3_url url;
    char *save; /* file to write, or NULL */
    FILE *f;
    int64_t sid;
    int submitted, done, status;
    int64_t clen;
    uint64_t bytes, err;
    int write_error;
    l4_time t_req, t_first, t_done;
} qg_item;

typedef struct qg {
    qg_item *it;
    size_t n, next, ndone;
    l4_h3 *h;
    l4_quic_conn *c;
    l4_io_quic_ep *ep;
    int ready, closed, close_by_peer, close_app;
    uint64_t close_err;
    char close_reason[128];
    l4_time t0, t_hs;
    int hs; /* the handshake completed (with 0-RTT `ready` comes first) */
    l4_time srtt_now;
    l4_quic_conn_stats qst;
    int have_qst;
    /* --session: what was loaded (used when it names this server), what to save */
    qt_session sess, out;
    int sess_used, got_ticket, got_token;
    l4_quic_early_info early;
    uint64_t body_bytes;   /* every body byte so far (--migrate-after BYTES) */
    int moved;             /* --migrate-after / --rebind-after done */
    char move_error[128];  /* why the move did not happen */
    uint16_t port0, port1; /* local port before and after the move */
    const char *ecn;       /* the ECN validation state at the end (RFC 9000 §13.4.2) */
    const char *suite;     /* the TLS cipher suite negotiated, or NULL */
    /* the server's preferred address (RFC 9000 §9.6): 0 not looked at yet,
       1 none or not taken, 2 moved there, 3 that path validated, 4 it failed
       and the client went back to the original address */
    int pref_state;
    char pref_where[80], pref_note[96];
    uint64_t pref_ok0, pref_failed0;
    l4_io_udp_addr orig_peer;
} qg;

static void qg_submit(qg *g)
{
    while (g->next < g->n) {
        qg_item *it = &g->it[g->next];
        int rc = l4_h3_get(g->h, it->url.authority, it->url.path, it, &it->sid);
        if (rc == L4_ERR_LIMIT) /* the server's stream limit: when one completes */
            return;
        g->next++;
        if (rc < 0) {
            it->done = 1;
            it->err = L4_H3_INTERNAL_ERROR;
            g->ndone++;
            continue;
        }
        it->submitted = 1;
        it->t_req = l4_io_now();
    }
}

static void qg_ready(l4_h3 *h, void *user)
{
    (void)h;
    qg *g = user;
    g->ready = 1; /* after the handshake, or at once for 0-RTT */
    qg_submit(g);
}

static void qg_response(l4_h3 *h, int64_t sid, int status, int64_t clen, void *su, void *user)
{
    (void)h;
    (void)sid;
    (void)user;
    qg_item *it = su;
    it->status = status;
    it->clen = clen;
    it->t_first = l4_io_now();
    if (it->save && status >= 200 && status < 300) {
        it->f = fopen(it->save, "wb");
        if (!it->f)
            it->write_error = errno;
        else
            setvbuf(it->f, NULL, _IOFBF, 1u << 20);
    }
}

static void qg_data(l4_h3 *h, int64_t sid, const uint8_t *d, size_t n, void *su, void *user)
{
    (void)h;
    (void)sid;
    (void)user;
    qg_item *it = su;
    it->bytes += n;
    ((qg *)user)->body_bytes += n;
    if (it->f && fwrite(d, 1, n, it->f) != n && !it->write_error)
        it->write_error = errno ? errno : EIO;
}

static void qg_done(l4_h3 *h, int64_t sid, uint64_t err, void *su, void *user)
{
    (void)h;
    (void)sid;
    qg *g = user;
    qg_item *it = su;
    if (it->done)
        return;
    it->done = 1;
    it->err = err;
    it->t_done = l4_io_now();
    if (!it->t_first)
        it->t_first = it->t_done;
    if (it->clen >= 0 && !err && it->bytes != (uint64_t)it->clen)
        it->err = L4_H3_INTERNAL_ERROR; /* nghttp3 checks this too; belt and braces */
    if (it->f) {
        if (fclose(it->f) != 0 && !it->write_error)
            it->write_error = errno;
        it->f = NULL;
        if (it->err || it->write_error)
            unlink(it->save);
    }
    g->ndone++; /* the next URL waiting for a stream goes out in qg_pump */
}

static void qg_closed(l4_h3 *h, int by_peer, int app, uint64_t err, const char *reason, size_t rl,
                      void *user)
{
    (void)h;
    qg *g = user;
    if (g->closed)
        return;
    g->closed = 1;
    g->close_by_peer = by_peer;
    g->close_app = app;
    g->close_err = err;
    snprintf(g->close_reason, sizeof g->close_reason, "%.*s", (int)(rl < 100 ? rl : 100),
             reason ? reason : "");
}

/* What the connection leaves for next time (--session) and the report. */
static void qg_capture(qg *g, l4_quic_conn *c)
{
    l4_quic_conn_get_stats(c, &g->qst);
    g->have_qst = 1;
    int aead = l4_quic_conn_aead(c);
    if (aead >= 0)
        g->suite = l4_quic_suite_name((l4_quic_aead)aead);
    l4_quic_conn_early_info(c, &g->early);
    size_t n;
    const uint8_t *tok = l4_quic_conn_new_token(c, &n);
    if (tok && (n != g->out.token_len || memcmp(tok, g->out.token, n)) &&
        qt_session_set(&g->out.token, &g->out.token_len, tok, n) == 0)
        g->got_token = 1;
    const l4_quic_tp *tp = l4_quic_conn_peer_tp(c);
    uint8_t buf[512];
    l4_ssize tl =
        tp && l4_quic_conn_handshake_complete(c) ? l4_quic_tp_encode(buf, sizeof buf, tp, 1) : -1;
    if (tl > 0)
        qt_session_set(&g->out.tp, &g->out.tp_len, buf, (size_t)tl);
}

/* The provider's NewSessionTicket callback: the session to keep. */
static void qg_ticket(void *user, const uint8_t *d, size_t n)
{
    qg *g = user;
    if (qt_session_set(&g->out.ticket, &g->out.ticket_len, d, n) == 0)
        g->got_ticket = 1;
}

static void qg_pump(void *user, l4_quic_conn *c, void *app, l4_time now)
{
    (void)app;
    qg *g = user;
    if (!g->hs && l4_quic_conn_handshake_complete(c)) {
        g->hs = 1;
        g->t_hs = now;
    }
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(c, &st);
    g->srtt_now = st.srtt;
    if (g->h && g->next < g->n && l4_h3_is_ready(g->h))
        qg_submit(g);
    if (g->h)
        l4_h3_flush(g->h, now);
}

static void qg_ep_closed(void *user, l4_quic_conn *c, void *app)
{
    (void)app;
    qg *g = user;
    qg_capture(g, c);
    g->ecn = l4_quic_conn_ecn_state(c);
    l4_h3_free(g->h);
    g->h = NULL;
    g->c = NULL;
}

/* The file name a URL saves to: its last path segment, decoded. */
static int qg_name(const char *dir, const l4_h3_url *u, char **out)
{
    char rel[L4_H3_URL_PATH_MAX + 16];
    if (l4_h3_path_file(u->path, rel, sizeof rel) < 0)
        return -1;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    size_t n = strlen(dir) + strlen(base) + 2;
    *out = malloc(n);
    if (!*out)
        return -1;
    snprintf(*out, n, "%s/%s", dir, base);
    return 0;
}

static double qg_ms(l4_time a, l4_time b)
{
    return b > a ? (double)(b - a) / 1e6 : 0.0;
}

static double qg_mbps(uint64_t bytes, l4_time a, l4_time b)
{
    return b > a ? (double)bytes * 8 / ((double)(b - a) / 1e9) / 1e6 : 0.0;
}

/* A one-line reason for an item that did not succeed, or NULL. */
static const char *qg_item_problem(const qg_item *it, char *buf, size_t cap)
{
    if (it->write_error) {
        snprintf(buf, cap, "cannot write %s: %s", it->save, strerror(it->write_error));
        return buf;
    }
    if (!it->done || (it->err && !it->status)) {
        snprintf(buf, cap, "no response%s", it->err ? " (stream reset or connection closed)" : "");
        return buf;
    }
    if (it->err) {
        snprintf(buf, cap, "transfer reset (HTTP/3 error 0x%" PRIx64 ") after %" PRIu64 " bytes",
                 it->err, it->bytes);
        return buf;
    }
    if (it->status < 200 || it->status >= 300) {
        snprintf(buf, cap, "HTTP status %d", it->status);
        return buf;
    }
    return NULL;
}

/* Why the connection failed before HTTP/3 was ready. */
static void qg_conn_problem(const qg *g, const char *where, char *buf, size_t cap)
{
    uint64_t e = g->close_err;
    if (!g->close_app && e >= 0x100 && e <= 0x1ff) { /* RFC 9001 §4.8: CRYPTO_ERROR */
        unsigned alert = (unsigned)(e - 0x100);
        const char *name = gnutls_alert_get_name((gnutls_alert_description_t)alert);
        int cert = alert == 42 || alert == 43 || alert == 44 || alert == 45 || alert == 46 ||
                   alert == 48 || alert == 49;
        snprintf(buf, cap, "TLS handshake with %s failed%s: alert %u (%s)%s", where,
                 g->close_by_peer ? " (sent by the server)" : "", alert, name ? name : "?",
                 cert && !g->close_by_peer
                     ? "; the certificate did not verify (--insecure or --cacert FILE)"
                     : "");
        return;
    }
    if (g->close_by_peer == 2) {
        snprintf(buf, cap, "connection to %s timed out (idle)", where);
        return;
    }
    if (g->close_by_peer == 3) {
        snprintf(buf, cap,
                 "connection to %s reset by the server: it no longer knows the connection "
                 "(Stateless Reset, RFC 9000 §10.3; restarted?)",
                 where);
        return;
    }
    snprintf(buf, cap, "connection to %s closed by %s: %s error 0x%" PRIx64 "%s%s", where,
             g->close_by_peer ? "the server" : "l4kit", g->close_app ? "application" : "transport",
             e, g->close_reason[0] ? ": " : "", g->close_reason);
}

typedef struct qg_cfg {
    const char *outdir, *cacert_file, *session_file;
    int insecure, json, no_0rtt, no_pref;
    l4_time timeout;
    /* --migrate-after / --rebind-after: when (one of the two), where, how */
    l4_time move_time;
    uint64_t move_bytes;
    int move, move_nat;
    const char *move_to;
    qt_opts o;
    uint8_t *ca;
    size_t ca_len;
} qg_cfg;

/* --migrate-after: the connection moves to a new server connection ID and
 * validates the path (RFC 9000 §9.2), then the socket moves; with
 * --rebind-after only the socket moves (the server sees a NAT rebinding). */
static void qg_move(qg *g, const qg_cfg *k, l4_time now)
{
    g->port0 = l4_io_quic_ep_port(g->ep);
    if (!k->move_nat) {
        int e = l4_quic_conn_migrate(g->c, k->move_to != NULL, now);
        if (e == L4_ERR_STATE || e == L4_ERR_NOT_FOUND) {
            /* not yet: the handshake is not confirmed, or the server's
               NEW_CONNECTION_ID frames are still on their way */
            snprintf(g->move_error, sizeof g->move_error, "%s",
                     e == L4_ERR_STATE ? "the handshake was never confirmed"
                                       : "the server gave no spare connection ID");
            return;
        }
        g->moved = 1;
        g->move_error[0] = 0;
        if (e < 0) {
            snprintf(g->move_error, sizeof g->move_error, "%s",
                     e == L4_ERR_UNSUPPORTED
                         ? "the server disabled active migration (RFC 9000 §18.2)"
                         : l4_strerror(e));
            return;
        }
    }
    g->moved = 1;
    int e = l4_io_quic_ep_rebind(g->ep, k->move_to, 0);
    if (e < 0) {
        snprintf(g->move_error, sizeof g->move_error, "cannot bind a new socket%s%s: %s",
                 k->move_to ? " on " : "", k->move_to ? k->move_to : "",
                 e == L4_ERR_IO ? strerror(errno) : l4_strerror(e));
        return;
    }
    g->port1 = l4_io_quic_ep_port(g->ep);
}

/* RFC 9000 §9.6.1: once the handshake is confirmed, to the server's
 * preferred address of the family in use: the connection moves (the
 * address's connection ID, path validation), then the socket. */
static void qg_pref(qg *g, int take, l4_time now)
{
    l4_quic_preferred_addr pa;
    if (l4_quic_conn_preferred_address(g->c, &pa) < 0) {
        g->pref_state = 1; /* none offered */
        return;
    }
    l4_io_udp_addr to;
    memset(&to, 0, sizeof to);
    static const uint8_t zero[16];
    if (g->orig_peer.u.sa.sa_family == AF_INET && memcmp(pa.ipv4, zero, 4)) {
        to.u.in.sin_family = AF_INET;
        memcpy(&to.u.in.sin_addr, pa.ipv4, 4);
        memcpy(&to.u.in.sin_port, pa.port4, 2);
        to.len = sizeof to.u.in;
    } else if (g->orig_peer.u.sa.sa_family == AF_INET6 && memcmp(pa.ipv6, zero, 16)) {
        to.u.in6.sin6_family = AF_INET6;
        memcpy(&to.u.in6.sin6_addr, pa.ipv6, 16);
        memcpy(&to.u.in6.sin6_port, pa.port6, 2);
        to.len = sizeof to.u.in6;
    }
    if (!to.len) {
        g->pref_state = 1;
        snprintf(g->pref_note, sizeof g->pref_note, "offered for the other address family only");
        return;
    }
    l4_io_udp_addr_format(&to, g->pref_where, sizeof g->pref_where);
    if (!take) {
        g->pref_state = 1;
        snprintf(g->pref_note, sizeof g->pref_note, "not taken (--no-preferred-addr)");
        return;
    }
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(g->c, &st);
    int e = l4_quic_conn_migrate_preferred(g->c, now);
    if (e == L4_ERR_STATE)
        return; /* not confirmed yet: next round */
    g->pref_state = 1;
    if (e < 0) {
        snprintf(g->pref_note, sizeof g->pref_note, "not taken: %s",
                 e == L4_ERR_NOT_FOUND ? "no unused connection ID" : l4_strerror(e));
        return;
    }
    g->pref_ok0 = st.paths_validated;
    g->pref_failed0 = st.paths_failed;
    e = l4_io_quic_ep_move(g->ep, NULL, 0, &to);
    if (e < 0) { /* the connection moved, the socket did not: the CID still routes */
        snprintf(g->pref_note, sizeof g->pref_note, "cannot open a socket to it: %s",
                 e == L4_ERR_IO ? strerror(errno) : l4_strerror(e));
        return;
    }
    g->pref_state = 2;
}

/* After the move: validated, or back to the original address (§9.6.1). */
static void qg_pref_check(qg *g)
{
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(g->c, &st);
    if (st.paths_validated > g->pref_ok0) {
        g->pref_state = 3;
    } else if (st.paths_failed > g->pref_failed0) {
        g->pref_state = 4;
        int e = l4_io_quic_ep_move(g->ep, NULL, 0, &g->orig_peer);
        snprintf(g->pref_note, sizeof g->pref_note, "%s",
                 e < 0 ? "the path did not validate; cannot go back"
                       : "the path did not validate; back to the original address");
    }
}

/* One connection attempt to `ai`. Returns 0 done (whatever the items
 * say), 1 refused (try the next address), -1 failed (reason in buf). */
static int qg_run(qg *g, const qg_cfg *k, const struct addrinfo *ai, char *why, size_t wcap)
{
    l4_io_udp_addr peer;
    memset(&peer, 0, sizeof peer);
    memcpy(&peer.u, ai->ai_addr, ai->ai_addrlen);
    peer.len = (uint32_t)ai->ai_addrlen;
    char where[80];
    l4_io_udp_addr_format(&peer, where, sizeof where);
    g->orig_peer = peer;
    l4_io_quic_ep_config ec;
    qt_ep_config(&k->o, &ec);
    ec.addr = ai->ai_family == AF_INET6 ? "::" : "0.0.0.0";
    ec.ops.pump = qg_pump;
    ec.ops.closed = qg_ep_closed;
    ec.user = g;
    int e = l4_io_quic_ep_open(&g->ep, &ec);
    if (e < 0) {
        snprintf(why, wcap, "cannot open a UDP socket: %s",
                 e == L4_ERR_IO ? strerror(errno) : l4_strerror(e));
        return -1;
    }
    l4_h3_callbacks hcb;
    memset(&hcb, 0, sizeof hcb);
    hcb.ready = qg_ready;
    hcb.response = qg_response;
    hcb.data = qg_data;
    hcb.done = qg_done;
    hcb.closed = qg_closed;
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.server_name = g->it[0].url.host;
    tc.insecure = k->insecure;
    tc.ciphers = k->o.ciphers;
    tc.ca_pem = k->ca;
    tc.ca_pem_len = k->ca_len;
    tc.keylog = qt_keylog();
    tc.ticket = k->session_file ? qg_ticket : NULL;
    tc.ticket_user = g;
    if (g->sess_used) { /* RFC 9001 §4.6: resume; 0-RTT unless --no-0rtt */
        tc.session = g->sess.ticket;
        tc.session_len = g->sess.ticket_len;
        tc.no_early_data = k->no_0rtt;
    }
    l4_quic_tls *tls = NULL;
    l4_quic_settings set;
    qt_settings(&k->o, &set);
    l4_quic_callbacks qcb;
    l4_h3_quic_callbacks(&qcb);
    g->t0 = l4_io_now();
    if (l4_h3_new(&g->h, 0, &hcb, g) < 0 || (e = l4_quic_tls_gnutls_new(&tls, &tc)) < 0) {
        snprintf(why, wcap, "TLS setup failed: %s%s", l4_strerror(e),
                 k->ca ? " (is --cacert a PEM certificate?)" : "");
        return -1;
    }
    if ((e = l4_quic_conn_new_client(&g->c, &set, &qcb, g->h, tls, g->t0)) < 0) {
        snprintf(why, wcap, "QUIC setup failed: %s", l4_strerror(e));
        return -1;
    }
    l4_h3_attach(g->h, g->c);
    qt_qlog("quic-get", &k->o, g->c, g->t0);
    if (g->sess_used && g->sess.token)
        l4_quic_conn_set_token(g->c, g->sess.token, g->sess.token_len); /* §8.1.3 */
    if ((e = l4_io_quic_ep_add(g->ep, g->c, g->h, &peer)) < 0) {
        l4_quic_conn_free(g->c);
        g->c = NULL;
        snprintf(why, wcap, "cannot reach %s: %s", where,
                 e == L4_ERR_IO ? strerror(errno) : l4_strerror(e));
        return -1;
    }
    l4_quic_tp rtp;
    if (g->sess_used && !k->no_0rtt && qt_session_tp(&g->sess, &rtp) == 0)
        l4_quic_conn_set_early_tp(g->c, &rtp); /* h3 is ready now: the GETs go in 0-RTT */
    l4_time closing_at = L4_TIME_NONE, done_at = 0;
    while (l4_io_quic_ep_count(g->ep) > 0) {
        int rc = l4_io_quic_ep_step(g->ep, 20 * L4_MS);
        l4_time now = l4_io_now();
        if (rc < 0 && errno == ECONNREFUSED && g->pref_state == 2) {
            /* the preferred address is unreachable (ICMP): back (§9.6.1) */
            g->pref_state = 4;
            int back = l4_io_quic_ep_move(g->ep, NULL, 0, &g->orig_peer);
            snprintf(g->pref_note, sizeof g->pref_note, "%s",
                     back < 0 ? "unreachable (ICMP); cannot go back"
                              : "unreachable (ICMP); back to the original address");
            continue;
        }
        if (rc < 0) {
            if (errno == ECONNREFUSED && !g->hs)
                return 1;
            snprintf(why, wcap, "%s: %s", where,
                     errno == ECONNREFUSED ? "connection refused (ICMP port unreachable)"
                                           : strerror(errno));
            return -1;
        }
        if (g->closed && !g->hs) {
            qg_conn_problem(g, where, why, wcap);
            return -1;
        }
        if (!g->hs && now - g->t0 > k->timeout) {
            snprintf(why, wcap, "no QUIC handshake with %s within %.1f s (nothing answering?)",
                     where, (double)k->timeout / 1e9);
            return -1;
        }
        if (closing_at != L4_TIME_NONE) {
            if (now > closing_at)
                break; /* CONNECTION_CLOSE went out in the step above */
            continue;
        }
        if (g->hs && g->c && !g->closed && g->pref_state == 0)
            qg_pref(g, !k->no_pref, now);
        else if (g->pref_state == 2 && g->c && !g->closed)
            qg_pref_check(g);
        if (k->move && !g->moved && g->hs && g->c && !g->closed &&
            (k->move_bytes ? g->body_bytes >= k->move_bytes : now - g->t_hs >= k->move_time))
            qg_move(g, k, now);
        /* with --session, a little longer for the ticket when none came yet
         * (the server sends it once our Finished arrives) */
        if (g->ndone == g->n && !done_at)
            done_at = now;
        int wait_ticket = k->session_file && !g->got_ticket && g->hs &&
                          now - done_at < 2 * g->srtt_now + 50 * L4_MS;
        if (g->c && !g->closed && ((g->ndone == g->n && !wait_ticket) || qt_interrupted())) {
            l4_quic_conn_close(g->c, L4_H3_NO_ERROR, qt_interrupted() ? "interrupted" : "", now);
            closing_at = now;
        }
    }
    if (g->c) {
        qg_capture(g, g->c);
        g->ecn = l4_quic_conn_ecn_state(g->c);
    }
    if (g->closed && g->ndone < g->n && !qt_interrupted()) {
        qg_conn_problem(g, where, why, wcap);
        return -1;
    }
    return 0;
}

static void qg_report(const qg *g, const qg_cfg *k, const char *host, int ok, const char *why)
{
    uint64_t total = 0;
    l4_time first = L4_TIME_NONE, last = 0;
    for (size_t i = 0; i < g->n; i++) {
        const qg_item *it = &g->it[i];
        total += it->bytes;
        if (it->submitted && it->t_req < first)
            first = it->t_req;
        if (it->t_done > last)
            last = it->t_done;
    }
    double hs_ms = g->hs ? qg_ms(g->t0, g->t_hs) : 0;
    double rtt_ms = g->have_qst ? (double)g->qst.min_rtt / 1e6 : 0;
    double rtts = rtt_ms > 0 ? hs_ms / rtt_ms : 0;
    /* the first response byte, counted from the connection's start */
    l4_time t1 = L4_TIME_NONE;
    for (size_t i = 0; i < g->n; i++)
        if (g->it[i].status && g->it[i].t_first < t1)
            t1 = g->it[i].t_first;
    double ttfb_rtts = rtt_ms > 0 && t1 != L4_TIME_NONE ? qg_ms(g->t0, t1) / rtt_ms : 0;
    static const char *const zrtt[] = {"none", "offered", "accepted", "rejected"};
    const char *zr = zrtt[g->early.state & 3];
    double secs = first != L4_TIME_NONE && last > first ? (double)(last - first) / 1e9 : 0;
    double mbps = first != L4_TIME_NONE ? qg_mbps(total, first, last) : 0;
    unsigned off = g->ep ? l4_io_quic_ep_offload(g->ep) : 0;
    if (k->json) {
        printf("{\"server\":");
        json_str(stdout, host);
        printf(",\"ok\":%s,\"error\":", ok ? "true" : "false");
        json_str(stdout, why);
        printf(",\"cc\":");
        json_str(stdout, k->o.cc ? k->o.cc : "reno");
        printf(",\"cipher\":");
        json_str(stdout, g->suite);
        printf(",\"handshake_ms\":%.3f,\"handshake_rtts\":%.2f,\"min_rtt_ms\":%.3f,"
               "\"srtt_ms\":%.3f,\"ttfb_rtts\":%.2f,\"resumed\":%s,\"zero_rtt\":\"%s\","
               "\"zero_rtt_packets\":%" PRIu64 ",\"zero_rtt_bytes\":%" PRIu64
               ",\"session_saved\":%s,\"gso\":%s,\"gro\":%s,\"files\":[",
               hs_ms, rtts, rtt_ms, g->have_qst ? (double)g->qst.srtt / 1e6 : 0.0, ttfb_rtts,
               g->early.resumed ? "true" : "false", zr, g->early.pkts_sent, g->early.bytes,
               g->got_ticket || g->got_token ? "true" : "false", off & 1 ? "true" : "false",
               off & 2 ? "true" : "false");
        for (size_t i = 0; i < g->n; i++) {
            const qg_item *it = &g->it[i];
            char buf[256];
            const char *p = qg_item_problem(it, buf, sizeof buf);
            printf("%s{\"url\":", i ? "," : "");
            json_str(stdout, it->text);
            printf(",\"status\":%d,\"bytes\":%" PRIu64 ",\"content_length\":%" PRId64
                   ",\"ttfb_ms\":%.3f,\"ms\":%.3f,\"mbps\":%.2f,\"file\":",
                   it->status, it->bytes, it->clen, qg_ms(it->t_req, it->t_first),
                   qg_ms(it->t_req, it->t_done), qg_mbps(it->bytes, it->t_req, it->t_done));
            json_str(stdout, it->save && !p ? it->save : NULL);
            printf(",\"error\":");
            json_str(stdout, p);
            printf("}");
        }
        printf("],\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"mbps\":%.2f,\"packets_sent\":%" PRIu64
               ",\"packets_recv\":%" PRIu64 ",\"packets_lost\":%" PRIu64,
               total, secs, mbps, g->qst.pkts_sent, g->qst.pkts_recv, g->qst.pkts_lost);
        printf(",\"ecn\":{\"state\":");
        json_str(stdout, g->ecn);
        printf(",\"marked\":%" PRIu64 ",\"ect0_recv\":%" PRIu64 ",\"ce_recv\":%" PRIu64
               ",\"ce_reported\":%" PRIu64 "}",
               g->qst.ecn_marked, g->qst.ecn_ect0_recv, g->qst.ecn_ce_recv, g->qst.ecn_ce_reported);
        printf(",\"preferred_address\":{\"offered\":");
        json_str(stdout, g->pref_where[0] ? g->pref_where : NULL);
        printf(",\"moved\":%s,\"validated\":%s,\"note\":", g->pref_state >= 2 ? "true" : "false",
               g->pref_state == 3 ? "true" : "false");
        json_str(stdout, g->pref_note[0] ? g->pref_note : NULL);
        printf("}");
        if (k->move) {
            printf(",\"move\":{\"kind\":\"%s\",\"done\":%s,\"from_port\":%u,\"to_port\":%u,"
                   "\"paths_validated\":%" PRIu64 ",\"paths_failed\":%" PRIu64 ",\"error\":",
                   k->move_nat ? "rebind" : "migrate",
                   g->moved && !g->move_error[0] ? "true" : "false", g->port0, g->port1,
                   g->qst.paths_validated, g->qst.paths_failed);
            json_str(stdout, g->move_error[0] ? g->move_error : NULL);
            printf("}");
        }
        printf("}\n");
        return;
    }
    for (size_t i = 0; g->ready && i < g->n; i++) { /* else stderr says why */
        const qg_item *it = &g->it[i];
        char buf[256], sz[32];
        const char *p = qg_item_problem(it, buf, sizeof buf);
        if (!it->submitted && !p)
            continue;
        printf("%3d %10s  %s  ttfb %.2f ms, %.2f ms, %.1f Mbit/s%s%s%s%s\n", it->status,
               qt_size(sz, sizeof sz, (double)it->bytes), it->text, qg_ms(it->t_req, it->t_first),
               qg_ms(it->t_req, it->t_done), qg_mbps(it->bytes, it->t_req, it->t_done),
               it->save && !p ? " -> " : "", it->save && !p ? it->save : "", p ? "  FAILED: " : "",
               p ? p : "");
    }
    if (g->ready && (g->early.resumed || g->early.state)) {
        printf("%s: %s%s%s, first byte after %.1f RTT\n", host,
               g->early.resumed ? "resumed the TLS session" : "full handshake",
               g->early.state ? ", 0-RTT " : "", g->early.state ? zr : "", ttfb_rtts);
    }
    if (g->pref_state >= 2)
        printf("moved to the server's preferred address %s (RFC 9000 §9.6)%s%s\n", g->pref_where,
               g->pref_state == 3 ? ": path validated"
               : g->pref_note[0]  ? ": "
                                  : "",
               g->pref_state == 3 ? "" : g->pref_note);
    if (k->move && g->ready) {
        if (!g->moved)
            printf("did not %s: %s\n", k->move_nat ? "rebind" : "migrate",
                   g->move_error[0] ? g->move_error : "the transfer ended first");
        else if (g->move_error[0])
            printf("did not %s: %s\n", k->move_nat ? "rebind" : "migrate", g->move_error);
        else
            printf("%s from port %u to %u%s%s; paths validated %" PRIu64 ", failed %" PRIu64 "\n",
                   k->move_nat ? "rebound (as a NAT would)" : "migrated", g->port0, g->port1,
                   k->move_to ? " on " : "", k->move_to ? k->move_to : "", g->qst.paths_validated,
                   g->qst.paths_failed);
    }
    if (g->ready) {
        char sz[32];
        printf("%s over HTTP/3 (%s): handshake %.2f ms = %.1f RTT (min RTT %.3f ms), %zu file%s, "
               "%s in %.3f s = %.1f Mbit/s%s\n",
               host, g->suite ? g->suite : "no cipher suite", hs_ms, rtts, rtt_ms, g->n,
               g->n == 1 ? "" : "s", qt_size(sz, sizeof sz, (double)total), secs, mbps,
               off == 3   ? " (GSO+GRO)"
               : off == 1 ? " (GSO)"
               : off == 2 ? " (GRO)"
                          : "");
    }
}

int cmd_quic_get(int argc, char **argv)
{
    const char *cmd = "quic-get";
    qg_cfg k;
    memset(&k, 0, sizeof k);
    k.timeout = 10 * L4_S;
    qg g;
    memset(&g, 0, sizeof g);
    int rc = 2;
    struct addrinfo *res = NULL;
    g.it = calloc((size_t)argc, sizeof *g.it);
    if (!g.it)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = qt_opt(cmd, qg_help, &k.o, argc, argv, &i);
        if (r == ARGS_TAKEN)
            continue;
        if (r != ARGS_OTHER) {
            rc = r;
            goto out;
        }
        if (!strcmp(a, "--json")) {
            k.json = 1;
        } else if (!strcmp(a, "--insecure") || !strcmp(a, "-k")) {
            k.insecure = 1;
        } else if (!strcmp(a, "--no-0rtt")) {
            k.no_0rtt = 1;
        } else if (!strcmp(a, "--no-preferred-addr")) {
            k.no_pref = 1;
        } else if (!strcmp(a, "--migrate-after") || !strcmp(a, "--rebind-after") ||
                   !strcmp(a, "--migrate-to")) {
            const char *v = args_value(cmd, argc, argv, &i);
            if (!v)
                goto out;
            if (!strcmp(a, "--migrate-to")) {
                l4_io_udp_addr probe;
                if (l4_io_udp_addr_parse(&probe, v, 0) < 0) {
                    fprintf(stderr, "l4kit %s: --migrate-to '%s' is not a numeric address\n", cmd,
                            v);
                    goto out;
                }
                k.move_to = v;
                continue;
            }
            if (k.move) {
                fprintf(stderr, "l4kit %s: one --migrate-after or --rebind-after\n", cmd);
                goto out;
            }
            k.move = 1;
            k.move_nat = !strcmp(a, "--rebind-after");
            /* a size when it reads as one ("1M", "500k"), else a time ("300ms", "2s") */
            if ((units_parse_size(v, &k.move_bytes) != 0 || k.move_bytes == 0) &&
                (k.move_bytes = 0, units_parse_time(v, &k.move_time) != 0)) {
                fprintf(stderr, "l4kit %s: bad %s '%s' (a time: 300ms, or a size: 1M)\n", cmd, a,
                        v);
                goto out;
            }
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--cacert") ||
                   !strcmp(a, "--connect-timeout") || !strcmp(a, "--session")) {
            const char *v = args_value(cmd, argc, argv, &i);
            if (!v)
                goto out;
            if (!strcmp(a, "--session")) {
                k.session_file = v;
            } else if (!strcmp(a, "--cacert")) {
                k.cacert_file = v;
            } else if (!strcmp(a, "--connect-timeout")) {
                if (units_parse_time(v, &k.timeout) != 0 || k.timeout < L4_MS ||
                    k.timeout > 600 * L4_S) {
                    fprintf(stderr,
                            "l4kit %s: bad --connect-timeout '%s' (1ms-600s, with a unit)\n", cmd,
                            v);
                    goto out;
                }
            } else {
                k.outdir = v;
            }
        } else if (a[0] == '-' && a[1]) {
            args_unknown(cmd, a);
            goto out;
        } else {
            qg_item *it = &g.it[g.n];
            const char *why = NULL;
            if (l4_h3_url_parse(&it->url, a, &why) < 0) {
                fprintf(stderr, "l4kit %s: bad URL '%s': %s\n", cmd, a, why);
                goto out;
            }
            it->text = a;
            it->clen = -1;
            if (g.n &&
                (strcmp(it->url.host, g.it[0].url.host) || it->url.port != g.it[0].url.port)) {
                fprintf(stderr, "l4kit %s: '%s' names another server than '%s' (one connection)\n",
                        cmd, a, g.it[0].text);
                goto out;
            }
            g.n++;
        }
    }
    if (g.n == 0) {
        fprintf(stderr, "l4kit %s: needs at least one URL (see --help)\n", cmd);
        goto out;
    }
    if (k.move_to && !k.move) {
        fprintf(stderr, "l4kit %s: --migrate-to goes with --migrate-after or --rebind-after\n",
                cmd);
        goto out;
    }
    if (k.insecure && k.cacert_file) {
        fprintf(stderr, "l4kit %s: --insecure and --cacert exclude each other\n", cmd);
        goto out;
    }
    if (k.outdir) {
        struct stat st;
        if (stat(k.outdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "l4kit %s: -o %s: not a directory\n", cmd, k.outdir);
            goto out;
        }
        for (size_t i = 0; i < g.n; i++) {
            if (qg_name(k.outdir, &g.it[i].url, &g.it[i].save) < 0) {
                fprintf(stderr, "l4kit %s: '%s': no file name to save it as\n", cmd, g.it[i].text);
                goto out;
            }
            for (size_t j = 0; j < i; j++)
                if (!strcmp(g.it[i].save, g.it[j].save)) {
                    fprintf(stderr, "l4kit %s: '%s' and '%s' would both be saved as %s\n", cmd,
                            g.it[j].text, g.it[i].text, g.it[i].save);
                    goto out;
                }
        }
    }
    if (k.cacert_file && qt_read_file(k.cacert_file, &k.ca, &k.ca_len) < 0) {
        fprintf(stderr, "l4kit %s: --cacert %s: %s\n", cmd, k.cacert_file, strerror(errno));
        goto out;
    }
    if (k.no_0rtt && !k.session_file) {
        fprintf(stderr, "l4kit %s: --no-0rtt goes with --session FILE\n", cmd);
        goto out;
    }
    snprintf(g.out.server, sizeof g.out.server, "%s:%u", g.it[0].url.host, g.it[0].url.port);
    if (k.session_file) {
        char swhy[160];
        int lr = qt_session_load(k.session_file, &g.sess, swhy, sizeof swhy);
        if (lr < 0) {
            fprintf(stderr, "l4kit %s: --session %s: %s\n", cmd, k.session_file, swhy);
            goto out;
        }
        /* a session for another server is not used, and is replaced at the end */
        g.sess_used = lr == 0 && !strcmp(g.sess.server, g.out.server);
        /* kept unless this connection brings newer ones */
        if (g.sess_used &&
            (qt_session_set(&g.out.ticket, &g.out.ticket_len, g.sess.ticket, g.sess.ticket_len) <
                 0 ||
             (g.sess.token &&
              qt_session_set(&g.out.token, &g.out.token_len, g.sess.token, g.sess.token_len) < 0) ||
             (g.sess.tp && qt_session_set(&g.out.tp, &g.out.tp_len, g.sess.tp, g.sess.tp_len) < 0)))
            goto out;
    }
    rc = 1;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    char port[8];
    snprintf(port, sizeof port, "%u", g.it[0].url.port);
    int gai = getaddrinfo(g.it[0].url.host, port, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "l4kit %s: cannot resolve '%s': %s\n", cmd, g.it[0].url.host,
                gai_strerror(gai));
        goto out;
    }
    qt_catch_signals();
    char why[512] = "";
    int r = 1;
    for (const struct addrinfo *ai = res; ai && r == 1; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        memset(&g.qst, 0, sizeof g.qst);
        g.ready = g.closed = g.hs = 0;
        g.ndone = g.next = 0;
        r = qg_run(&g, &k, ai, why, sizeof why);
        if (r != 0) { /* not connected: release, maybe try the next address */
            l4_io_quic_ep_free(g.ep);
            g.ep = NULL;
            l4_h3_free(g.h);
            g.h = NULL;
            g.c = NULL;
        }
    }
    if (r == 1)
        snprintf(why, sizeof why, "connection refused by %s port %s (nothing listening)",
                 g.it[0].url.host, port);
    int ok = r == 0;
    for (size_t i = 0; ok && i < g.n; i++) {
        char buf[256];
        if (qg_item_problem(&g.it[i], buf, sizeof buf))
            ok = 0;
    }
    char host[300];
    snprintf(host, sizeof host, "%s", g.it[0].url.authority);
    qg_report(&g, &k, host, ok, r == 0 ? NULL : why);
    if (r != 0) {
        fprintf(stderr, "l4kit %s: %s\n", cmd, why);
    } else {
        for (size_t i = 0; i < g.n; i++) {
            char buf[256];
            const char *p = qg_item_problem(&g.it[i], buf, sizeof buf);
            if (p)
                fprintf(stderr, "l4kit %s: %s: %s\n", cmd, g.it[i].text, p);
        }
    }
    /* written back when this connection brought a new ticket or token */
    int save = k.session_file && r == 0 && g.out.ticket && (g.got_ticket || g.got_token);
    if (save && qt_session_save(k.session_file, &g.out) < 0)
        fprintf(stderr, "l4kit %s: --session %s: cannot write: %s\n", cmd, k.session_file,
                strerror(errno));
    rc = ok ? 0 : 1;
out:
    if (res)
        freeaddrinfo(res);
    l4_io_quic_ep_free(g.ep);
    l4_h3_free(g.h);
    qt_keylog_close();
    for (size_t i = 0; i < g.n; i++) {
        if (g.it[i].f) {
            fclose(g.it[i].f);
            unlink(g.it[i].save);
        }
        free(g.it[i].save);
    }
    free(g.it);
    free(k.ca);
    qt_session_free(&g.sess);
    qt_session_free(&g.out);
    return rc;
}
