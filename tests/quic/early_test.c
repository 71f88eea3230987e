/* tests/quic/early_test.c — session resumption and 0-RTT (RFC 9001 §4.6,
 * RFC 9000 §7.4.1) between two engines in memory with the GnuTLS provider:
 * - the first connection sends a session ticket in 1-RTT CRYPTO frames and
 *   its handshake carries a Certificate; the second resumes without one;
 * - the second client's first datagram holds an Initial and a 0-RTT packet
 *   with its request, the server delivers it (marked early), answers in
 *   0.5-RTT, and the answer arrives one round trip after the start;
 * - a server that refuses 0-RTT drops those packets; the client resends
 *   the data in 1-RTT and it arrives exactly once;
 * - 0-RTT packets lost among accepted ones are recovered in 1-RTT;
 * - a replayed first flight gets its early data refused (anti-replay);
 * - a server that accepts 0-RTT with lower limits than remembered is a
 *   PROTOCOL_VIOLATION at the client; bad arguments are refused. */
#include "check.h"
#include "quic/early.h"
#include "quic_pair.h"
#include "wire/quic_frame.h"
#include "wire/quic_pkt.h"

/* One end's view: received stream bytes, the ticket, handshake messages. */
typedef struct er_side {
    uint8_t rx[16384];
    size_t rx_len;
    int fin, hs, early_cb, closed;
    uint64_t close_err;
    uint64_t sid;
    /* the TLS handshake messages this end sent at the Handshake level, by type */
    uint8_t hs_crypto[8192];
    size_t hs_crypto_len;
    int echo; /* server: write back what arrives, with FIN */
    int echoed;
    int early_stream; /* l4_quic_stream_early when the data arrived */
    l4_time rx_done_at;
} er_side;

typedef struct er {
    quic_pair p;
    l4_quic_tls_creds *creds;
    er_side cl, sv;
    uint8_t *ticket;
    size_t ticket_len;
    int tickets;
    l4_quic_tp tp;
    int sv_no_early;
    l4_quic_settings sv_set;
} er;

static er *er_of(quic_pair *p)
{
    return (er *)p;
}

static er_side *er_side_of(er *e, l4_quic_conn *c)
{
    return c == e->p.cl ? &e->cl : &e->sv;
}

static void er_ticket(void *user, const uint8_t *d, size_t n)
{
    er *e = user;
    free(e->ticket);
    e->ticket = malloc(n);
    memcpy(e->ticket, d, n);
    e->ticket_len = n;
    e->tickets++;
}

static void er_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    er *e = user;
    er_side *s = er_side_of(e, c);
    int fin = 0;
    l4_ssize n;
    while (!fin &&
           (n = l4_quic_stream_read(c, sid, s->rx + s->rx_len, sizeof s->rx - s->rx_len, &fin)) > 0)
        s->rx_len += (size_t)n;
    if (s->rx_len && !s->fin)
        s->early_stream = l4_quic_stream_early(c, sid);
    if (fin && !s->fin) {
        s->fin = 1;
        s->rx_done_at = e->p.now;
        if (s->echo && !s->echoed) {
            s->echoed = 1;
            CHECK_EQ(l4_quic_stream_write(c, sid, s->rx, s->rx_len, 1), (l4_ssize)s->rx_len);
        }
    }
}

static void er_hs(l4_quic_conn *c, void *user)
{
    er_side_of(user, c)->hs = 1;
}

static void er_early(l4_quic_conn *c, void *user)
{
    er_side_of(user, c)->early_cb++;
}

static void er_closed(l4_quic_conn *c, int by_peer, int app, uint64_t err, const char *r, size_t rl,
                      void *user)
{
    (void)by_peer;
    (void)app;
    (void)r;
    (void)rl;
    er_side *s = er_side_of(user, c);
    s->closed = 1;
    s->close_err = err;
}

/* Keeps the CRYPTO bytes a side sends in Handshake packets. */
static void er_observe(l4_quic_conn *c, const l4_quic_event *ev, void *user)
{
    (void)c;
    er_side *s = user;
    if (ev->type != L4_QUIC_EV_PACKET_SENT || ev->pkt_type != L4_QUIC_PKT_HANDSHAKE)
        return;
    for (size_t i = 0; i < ev->nframes; i++) {
        const l4_quic_frame *f = &ev->frames[i];
        if (f->type != L4_QUIC_FRAME_CRYPTO || f->u.crypto.offset + f->u.crypto.len > 8192)
            continue;
        memcpy(s->hs_crypto + f->u.crypto.offset, f->u.crypto.data, f->u.crypto.len);
        if (f->u.crypto.offset + f->u.crypto.len > s->hs_crypto_len)
            s->hs_crypto_len = (size_t)(f->u.crypto.offset + f->u.crypto.len);
    }
}

/* 1 when the server's Handshake-level flight holds a TLS message of `type`
 * (11 Certificate, 8 EncryptedExtensions, 20 Finished). */
static int er_has_msg(const er_side *s, uint8_t type)
{
    size_t off = 0;
    while (off + 4 <= s->hs_crypto_len) {
        size_t len = ((size_t)s->hs_crypto[off + 1] << 16) | ((size_t)s->hs_crypto[off + 2] << 8) |
                     s->hs_crypto[off + 3];
        if (s->hs_crypto[off] == type)
            return 1;
        off += 4 + len;
    }
    return 0;
}

static const l4_quic_callbacks ER_CB = {
    .handshake_done = er_hs,
    .stream_readable = er_readable,
    .closed = er_closed,
    .early_data = er_early,
};

static void er_init(er *e, uint64_t seed)
{
    memset(e, 0, sizeof *e);
    qp_init(&e->p, seed);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.is_server = 1;
    tc.cert_pem = e->p.cert;
    tc.cert_pem_len = e->p.cert_len;
    tc.key_pem = e->p.key;
    tc.key_pem_len = e->p.key_len;
    CHECK_EQ(l4_quic_tls_creds_new(&e->creds, &tc), 0);
    e->sv_set = e->p.ss;
}

/* A new connection pair: client (resuming when a ticket is kept), server
 * made for the client's first datagram. The pair's queue is reset. */
static void er_connect(er *e, int resume, int set_tp)
{
    quic_pair *p = &e->p;
    l4_quic_conn_free(p->cl);
    l4_quic_conn_free(p->sv);
    p->cl = p->sv = NULL;
    for (size_t i = 0; i < p->nq; i++)
        free(p->q[i].data);
    p->nq = 0;
    memset(&e->cl, 0, sizeof e->cl);
    memset(&e->sv, 0, sizeof e->sv);
    e->sv.echo = 1;
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server_name = "localhost";
    cfg.ca_pem = p->cert;
    cfg.ca_pem_len = p->cert_len;
    cfg.ticket = er_ticket;
    cfg.ticket_user = e;
    if (resume) {
        cfg.session = e->ticket;
        cfg.session_len = e->ticket_len;
    }
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
    p->cs.seed++;
    CHECK_EQ(l4_quic_conn_new_client(&p->cl, &p->cs, &ER_CB, e, tls, p->now), 0);
    if (set_tp)
        CHECK_EQ(l4_quic_conn_set_early_tp(p->cl, &e->tp), 0);
}

/* Makes the server for the first queued datagram to it. */
static void er_server(er *e)
{
    quic_pair *p = &e->p;
    qp_flush(p);
    CHECK(p->nq > 0 && p->q[0].to_server);
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.is_server = 1;
    cfg.creds = e->creds;
    cfg.no_early_data = e->sv_no_early;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
    e->sv_set.seed++;
    CHECK_EQ(l4_quic_conn_new_server(&p->sv, &e->sv_set, &ER_CB, e, tls, p->q[0].data, p->q[0].len,
                                     p->now),
             0);
    l4_quic_conn_set_observer(p->sv, er_observe, NULL, &e->sv);
}

static int er_got_reply(quic_pair *p)
{
    return er_of(p)->cl.fin;
}

static int er_sv_hs(quic_pair *p)
{
    return er_of(p)->sv.hs;
}

static int er_got_ticket(quic_pair *p)
{
    return er_of(p)->tickets > 0 && er_of(p)->cl.hs;
}

/* The first connection: a full handshake, a ticket, the server's parameters. */
static void er_first(er *e)
{
    er_connect(e, 0, 0);
    er_server(e);
    CHECK(qp_run(&e->p, er_got_ticket, e->p.now + 5 * L4_S));
    CHECK(er_has_msg(&e->sv, 11)); /* Certificate */
    CHECK(er_has_msg(&e->sv, 8) && er_has_msg(&e->sv, 20));
    l4_quic_early_info in;
    l4_quic_conn_early_info(e->p.cl, &in);
    CHECK_EQ(in.state, L4_QUIC_EARLY_NONE);
    CHECK(!in.resumed);
    e->tp = *l4_quic_conn_peer_tp(e->p.cl);
    e->p.now += 100 * L4_MS;
}

static const char REQ[] = "GET /index.html, early";

static void er_free(er *e)
{
    qp_free(&e->p);
    free(e->ticket);
    l4_quic_tls_creds_free(e->creds);
}

static void test_resume_0rtt(void)
{
    er e;
    er_init(&e, 100);
    er_first(&e);
    CHECK(e.ticket_len > 0);
    /* resume, with the remembered parameters: 0-RTT ready at once */
    er_connect(&e, 1, 1);
    CHECK_EQ(e.cl.early_cb, 1);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(e.p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(e.p.cl, sid, (const uint8_t *)REQ, sizeof REQ - 1, 1),
             (l4_ssize)(sizeof REQ - 1));
    /* the first datagram: an Initial and a 0-RTT packet, 1200 bytes */
    l4_time t0 = e.p.now;
    er_server(&e);
    qp_dgram *d = &e.p.q[0];
    CHECK_EQU(d->len, 1200);
    size_t off = 0;
    l4_quic_hdr h;
    CHECK_EQ(l4_quic_pkt_next(&h, d->data, d->len, &off, 8), 1);
    CHECK_EQ(h.type, L4_QUIC_PKT_INITIAL);
    CHECK_EQ(l4_quic_pkt_next(&h, d->data, d->len, &off, 8), 1);
    CHECK_EQ(h.type, L4_QUIC_PKT_0RTT);
    CHECK(qp_run(&e.p, er_got_reply, t0 + 2 * L4_S));
    /* the request arrived in 0-RTT, whole, before the server's handshake completed */
    CHECK_EQU(e.sv.rx_len, sizeof REQ - 1);
    CHECK_MEM(e.sv.rx, REQ, sizeof REQ - 1);
    CHECK(e.sv.early_stream);
    CHECK_EQ(e.sv.early_cb, 1);
    CHECK_MSG(e.sv.rx_done_at - t0 <= 10 * L4_MS, "request at %.1f ms",
              (double)(e.sv.rx_done_at - t0) / 1e6);
    /* the answer (0.5-RTT) one round trip (20 ms) after the start */
    CHECK_EQU(e.cl.rx_len, sizeof REQ - 1);
    CHECK_MSG(e.cl.rx_done_at - t0 <= 20 * L4_MS, "answer at %.1f ms",
              (double)(e.cl.rx_done_at - t0) / 1e6);
    CHECK(!e.sv.hs); /* the server had not seen the client's Finished yet */
    CHECK(qp_run(&e.p, er_sv_hs, t0 + L4_S));
    l4_quic_early_info ci, si;
    l4_quic_conn_early_info(e.p.cl, &ci);
    l4_quic_conn_early_info(e.p.sv, &si);
    CHECK_EQ(ci.state, L4_QUIC_EARLY_ACCEPTED);
    CHECK_EQ(si.state, L4_QUIC_EARLY_ACCEPTED);
    CHECK(ci.resumed && si.resumed);
    CHECK(ci.pkts_sent >= 1);
    CHECK_EQU(ci.bytes, sizeof REQ - 1);
    CHECK_EQU(si.bytes, sizeof REQ - 1);
    CHECK_EQU(ci.resent, 0);
    CHECK(si.pkts_recv >= 1);
    /* no Certificate in a resumed handshake (RFC 8446 §2.2) */
    CHECK(er_has_msg(&e.sv, 8) && er_has_msg(&e.sv, 20));
    CHECK(!er_has_msg(&e.sv, 11));
    CHECK(!e.cl.closed && !e.sv.closed);
    er_free(&e);
}

/* The first flight of a resumed connection is the initial window (RFC 9002
 * §7.2: ten 1200-byte datagrams, 12,000 bytes): an Initial and 0-RTT
 * packets carrying about 11 KB of a 14 KB request before anything comes
 * back; the rest follows as the ACKs return, and it all arrives once. */
static void test_0rtt_first_flight(void)
{
    er e;
    er_init(&e, 105);
    er_first(&e);
    er_connect(&e, 1, 1);
    static uint8_t big[14000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 11 + i / 512);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(e.p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(e.p.cl, sid, big, sizeof big, 1), (l4_ssize)sizeof big);
    er_server(&e); /* drains the client's first flight into the queue */
    size_t n = e.p.nq, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(e.p.q[i].to_server);
        CHECK_EQU(e.p.q[i].len, 1200);
        bytes += e.p.q[i].len;
    }
    CHECK_MSG(n == 10, "first flight %zu datagrams", n);
    l4_quic_early_info ci;
    l4_quic_conn_early_info(e.p.cl, &ci);
    CHECK_MSG(ci.bytes >= 10500 && ci.bytes < sizeof big, "0-RTT stream bytes %llu",
              (unsigned long long)ci.bytes);
    CHECK_EQU(ci.pkts_sent, 10); /* one coalesced with the Initial */
    CHECK(qp_run(&e.p, er_got_reply, e.p.now + 5 * L4_S));
    CHECK_EQU(e.sv.rx_len, sizeof big);
    CHECK_MEM(e.sv.rx, big, sizeof big);
    CHECK_EQU(e.cl.rx_len, sizeof big);
    CHECK_MEM(e.cl.rx, big, sizeof big);
    l4_quic_early_info si;
    l4_quic_conn_early_info(e.p.sv, &si);
    CHECK_EQ(si.state, L4_QUIC_EARLY_ACCEPTED);
    CHECK(si.bytes >= 10500);
    er_free(&e);
}

/* The server refuses 0-RTT: the client learns it at the handshake's end
 * and sends the request again in 1-RTT; it arrives once. */
static void test_0rtt_rejected(void)
{
    er e;
    er_init(&e, 110);
    er_first(&e);
    e.sv_no_early = 1;
    er_connect(&e, 1, 1);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(e.p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(e.p.cl, sid, (const uint8_t *)REQ, sizeof REQ - 1, 1),
             (l4_ssize)(sizeof REQ - 1));
    l4_time t0 = e.p.now;
    er_server(&e);
    CHECK(qp_run(&e.p, er_got_reply, t0 + 2 * L4_S));
    CHECK_EQU(e.sv.rx_len, sizeof REQ - 1);
    CHECK_MEM(e.sv.rx, REQ, sizeof REQ - 1);
    CHECK(!e.sv.early_stream);
    CHECK_EQ(e.sv.early_cb, 0);
    l4_quic_early_info ci, si;
    l4_quic_conn_early_info(e.p.cl, &ci);
    l4_quic_conn_early_info(e.p.sv, &si);
    CHECK_EQ(ci.state, L4_QUIC_EARLY_REJECTED);
    CHECK_EQ(si.state, L4_QUIC_EARLY_NONE);
    CHECK(ci.resumed && si.resumed); /* resumption still works */
    CHECK(ci.pkts_sent >= 1);
    CHECK(ci.resent >= 1);
    CHECK_EQU(si.pkts_recv, 0);
    l4_quic_conn_stats ss;
    l4_quic_conn_get_stats(e.p.sv, &ss);
    CHECK(ss.pkts_dropped >= 1); /* the 0-RTT packet, undecryptable */
    /* resent with the client's Finished: the request arrives at 1.5 RTT
     * (not after a loss timer), the answer at 2 RTT */
    CHECK_MSG(e.sv.rx_done_at - t0 <= 30 * L4_MS, "request at %.1f ms",
              (double)(e.sv.rx_done_at - t0) / 1e6);
    CHECK_MSG(e.cl.rx_done_at - t0 >= 40 * L4_MS, "answer at %.1f ms",
              (double)(e.cl.rx_done_at - t0) / 1e6);
    CHECK_EQU(e.cl.rx_len, sizeof REQ - 1);
    CHECK(!e.cl.closed && !e.sv.closed);
    er_free(&e);
}

/* Rejected by a server whose new limits are below what went in 0-RTT:
 * the data goes again as new data within them (no FLOW_CONTROL_ERROR) and
 * arrives whole as the server's reading opens the window. */
static void test_0rtt_rejected_lower_limits(void)
{
    er e;
    er_init(&e, 115);
    er_first(&e);
    e.sv_no_early = 1;
    e.sv_set.tp.initial_max_data = 2000;
    e.sv_set.tp.initial_max_stream_data_bidi_remote = 2500;
    er_connect(&e, 1, 1);
    static uint8_t big[6000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13 + 1);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(e.p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(e.p.cl, sid, big, sizeof big, 1), (l4_ssize)sizeof big);
    er_server(&e);
    CHECK(qp_run(&e.p, er_got_reply, e.p.now + 5 * L4_S));
    CHECK(!e.cl.closed && !e.sv.closed);
    CHECK_EQU(e.sv.rx_len, sizeof big);
    CHECK_MEM(e.sv.rx, big, sizeof big);
    l4_quic_early_info ci;
    l4_quic_conn_early_info(e.p.cl, &ci);
    CHECK_EQ(ci.state, L4_QUIC_EARLY_REJECTED);
    CHECK(ci.bytes > 2000); /* more than the new window went early */
    er_free(&e);
}

/* Several 0-RTT datagrams, the second lost: accepted, the lost bytes come
 * again in 1-RTT, and the stream arrives whole and in order. */
static int er_drop_second(quic_pair *p, int to_server, const uint8_t *d, size_t len)
{
    (void)d;
    (void)len;
    int *n = p->app;
    return to_server && ++*n == 2;
}

static void test_0rtt_loss(void)
{
    er e;
    er_init(&e, 120);
    er_first(&e);
    er_connect(&e, 1, 1);
    static uint8_t big[6000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + i / 256);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(e.p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(e.p.cl, sid, big, sizeof big, 1), (l4_ssize)sizeof big);
    int count = 0;
    e.p.app = &count;
    e.p.filter = er_drop_second;
    er_server(&e);
    CHECK(qp_run(&e.p, er_got_reply, e.p.now + 5 * L4_S));
    CHECK_EQU(e.sv.rx_len, sizeof big);
    CHECK_MEM(e.sv.rx, big, sizeof big);
    CHECK_EQU(e.cl.rx_len, sizeof big);
    l4_quic_early_info ci, si;
    l4_quic_conn_early_info(e.p.cl, &ci);
    l4_quic_conn_early_info(e.p.sv, &si);
    CHECK_EQ(ci.state, L4_QUIC_EARLY_ACCEPTED);
    CHECK(ci.pkts_sent >= 2); /* the rest waited for the pacer, then went in 1-RTT */
    CHECK(si.pkts_recv >= 1 && si.pkts_recv < ci.pkts_sent);
    CHECK(si.bytes < sizeof big); /* the rest came in 1-RTT */
    l4_quic_conn_stats cs;
    l4_quic_conn_get_stats(e.p.cl, &cs);
    CHECK(cs.stream_bytes_retx > 0);
    er_free(&e);
}

/* The client's first flight replayed to a second server connection: the
 * anti-replay cache in the credentials refuses its early data. */
static void test_0rtt_replay(void)
{
    er e;
    er_init(&e, 130);
    er_first(&e);
    er_connect(&e, 1, 1);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(e.p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(e.p.cl, sid, (const uint8_t *)REQ, sizeof REQ - 1, 1),
             (l4_ssize)(sizeof REQ - 1));
    er_server(&e);
    uint8_t copy[1500];
    size_t copy_len = e.p.q[0].len;
    memcpy(copy, e.p.q[0].data, copy_len);
    CHECK(qp_run(&e.p, er_got_reply, e.p.now + 2 * L4_S));
    l4_quic_early_info si;
    l4_quic_conn_early_info(e.p.sv, &si);
    CHECK_EQ(si.state, L4_QUIC_EARLY_ACCEPTED);
    /* an attacker sends the same datagram again */
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.is_server = 1;
    cfg.creds = e.creds;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
    l4_quic_conn *sv2;
    CHECK_EQ(l4_quic_conn_new_server(&sv2, &e.sv_set, NULL, NULL, tls, copy, copy_len, e.p.now), 0);
    CHECK_EQ(l4_quic_conn_input(sv2, copy, copy_len, e.p.now), 0);
    l4_quic_conn_early_info(sv2, &si);
    CHECK_EQ(si.state, L4_QUIC_EARLY_NONE);
    CHECK_EQU(si.pkts_recv, 0);
    CHECK(l4_quic_stream_early(sv2, sid) == 0);
    l4_quic_conn_free(sv2);
    er_free(&e);
}

/* Accepting 0-RTT with a lower initial_max_data than remembered (§7.4.1). */
static void test_0rtt_lower_limits(void)
{
    er e;
    er_init(&e, 140);
    er_first(&e);
    e.sv_set.tp.initial_max_data = e.tp.initial_max_data / 2;
    er_connect(&e, 1, 1);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(e.p.cl, 0, &sid), 0);
    CHECK_EQ(l4_quic_stream_write(e.p.cl, sid, (const uint8_t *)REQ, sizeof REQ - 1, 1),
             (l4_ssize)(sizeof REQ - 1));
    er_server(&e);
    while (qp_step(&e.p, e.p.now + L4_S) && !e.cl.closed)
        ;
    CHECK(e.cl.closed);
    CHECK_EQU(e.cl.close_err, L4_QUIC_ERR_PROTOCOL_VIOLATION);
    er_free(&e);
}

/* Resumption without remembered parameters: no 0-RTT, a resumed handshake;
 * no tickets from a server without credentials; bad arguments. */
static void test_resume_only_and_args(void)
{
    er e;
    er_init(&e, 150);
    er_first(&e);
    er_connect(&e, 1, 0);
    CHECK_EQ(e.cl.early_cb, 0);
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(e.p.cl, 0, &sid), L4_ERR_STATE); /* nothing to say early */
    er_server(&e);
    CHECK(qp_run(&e.p, er_got_ticket, e.p.now + 2 * L4_S));
    l4_quic_early_info ci;
    l4_quic_conn_early_info(e.p.cl, &ci);
    CHECK_EQ(ci.state, L4_QUIC_EARLY_NONE);
    CHECK(ci.resumed);
    CHECK(!er_has_msg(&e.sv, 11));
    CHECK_EQU(ci.pkts_sent, 0);
    CHECK_EQ(l4_quic_conn_set_early_tp(e.p.cl, &e.tp), L4_ERR_STATE); /* too late */
    CHECK_EQ(l4_quic_conn_set_early_tp(e.p.sv, &e.tp), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_conn_set_early_tp(e.p.cl, NULL), L4_ERR_INVALID_ARGUMENT);
    er_free(&e);
    /* the pair's own server has no credentials: no ticket ever */
    quic_pair p;
    qp_init(&p, 151);
    int tickets = 0;
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server_name = "localhost";
    cfg.ca_pem = p.cert;
    cfg.ca_pem_len = p.cert_len;
    cfg.ticket = er_ticket;
    er holder;
    memset(&holder, 0, sizeof holder);
    cfg.ticket_user = &holder;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
    CHECK_EQ(l4_quic_conn_new_client(&p.cl, &p.cs, &p.cb, &p, tls, 0), 0);
    CHECK(qp_run(&p, qp_handshaken, 2 * L4_S));
    qp_run(&p, qp_handshaken, p.now + 500 * L4_MS);
    while (qp_step(&p, p.now + 200 * L4_MS))
        ;
    tickets = holder.tickets;
    CHECK_EQ(tickets, 0);
    free(holder.ticket);
    qp_free(&p);
    /* garbage session data is refused by the provider */
    static const uint8_t junk[10] = {1, 2, 3};
    memset(&cfg, 0, sizeof cfg);
    cfg.insecure = 1;
    cfg.session = junk;
    cfg.session_len = sizeof junk;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), L4_ERR_INVALID_ARGUMENT);
}

static const l4_test TESTS[] = {
    TEST(test_resume_0rtt),
    TEST(test_0rtt_first_flight),
    TEST(test_0rtt_rejected),
    TEST(test_0rtt_rejected_lower_limits),
    TEST(test_0rtt_loss),
    TEST(test_0rtt_replay),
    TEST(test_0rtt_lower_limits),
    TEST(test_resume_only_and_args),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
