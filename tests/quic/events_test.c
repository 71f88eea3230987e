/* tests/quic/events_test.c — the connection's event observer (conn.h,
 * l4_quic_conn_set_observer) and the qlog writer built on it
 * (io/quic_qlog.h): the handshake as packets and frames (ClientHello in the
 * client's first Initial, ServerHello and EncryptedExtensions in the
 * server's Initial and Handshake packets, HANDSHAKE_DONE in 1-RTT), event
 * counts equal to the connection's counters, losses with their trigger and
 * the congestion state they cause, connection states in order, the
 * observer's release, and the qlog file as JSON-SEQ records. */
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "io/quic_qlog.h"
#include "quic_pair.h"
#include "wire/quic_frame.h"

#define EV_MAX 20000

typedef struct ev_rec {
    l4_quic_event_type type;
    int pkt_type;
    uint64_t pn;
    size_t pkt_len;
    int nframes;
    uint64_t ftype[8];
    uint8_t first_byte[8]; /* CRYPTO frames: the first byte of their data */
    uint64_t crypto_off[8];
    char state[32], trigger[32];
    uint64_t cwnd;
    int local;
} ev_rec;

typedef struct ev_log {
    ev_rec ev[EV_MAX];
    int n;
    int released;
} ev_log;

static void ev_record(l4_quic_conn *c, const l4_quic_event *e, void *user)
{
    ev_log *l = user;
    (void)c;
    if (l->n >= EV_MAX)
        return;
    ev_rec *r = &l->ev[l->n++];
    memset(r, 0, sizeof *r);
    r->type = e->type;
    r->pkt_type = e->pkt_type;
    r->pn = e->pn;
    r->pkt_len = e->pkt_len;
    r->local = e->local;
    for (size_t i = 0; i < e->nframes && i < 8; i++) {
        r->ftype[i] = e->frames[i].type;
        if (e->frames[i].type == L4_QUIC_FRAME_CRYPTO && e->frames[i].u.crypto.len) {
            r->first_byte[i] = e->frames[i].u.crypto.data[0];
            r->crypto_off[i] = e->frames[i].u.crypto.offset;
        }
        r->nframes++;
    }
    if (e->new_state)
        snprintf(r->state, sizeof r->state, "%s", e->new_state);
    if (e->trigger)
        snprintf(r->trigger, sizeof r->trigger, "%s", e->trigger);
    if (e->stats)
        r->cwnd = e->stats->cwnd;
}

static void ev_release(void *user)
{
    ((ev_log *)user)->released++;
}

static ev_log *g_sv_log;

static void ev_attach_server(quic_pair *p)
{
    l4_quic_conn_set_observer(p->sv, ev_record, ev_release, g_sv_log);
}

static int ev_count(const ev_log *l, l4_quic_event_type t)
{
    int n = 0;
    for (int i = 0; i < l->n; i++)
        n += l->ev[i].type == t;
    return n;
}

/* The first event of `type` for packet type `pkt` that carries frame `ft` (index in *fi). */
static const ev_rec *ev_find(const ev_log *l, l4_quic_event_type type, int pkt, uint64_t ft,
                             int *fi)
{
    for (int i = 0; i < l->n; i++) {
        const ev_rec *r = &l->ev[i];
        if (r->type != type || r->pkt_type != pkt)
            continue;
        for (int k = 0; k < r->nframes; k++)
            if (r->ftype[k] == ft) {
                if (fi)
                    *fi = k;
                return r;
            }
    }
    return NULL;
}

/* The sequence of connection states reported, as "a b c". */
static void ev_states(const ev_log *l, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = 0;
    for (int i = 0; i < l->n && off < cap; i++)
        if (l->ev[i].type == L4_QUIC_EV_CONNECTION_STATE)
            off += (size_t)snprintf(out + off, cap - off, "%s%s", off ? " " : "", l->ev[i].state);
}

/* A bulk transfer client -> server on one stream, then the server closes. */
typedef struct ev_xfer {
    uint64_t sid;
    size_t size, written, got;
    int fin;
} ev_xfer;

static void ev_push(quic_pair *p)
{
    ev_xfer *x = p->app;
    uint8_t buf[4096];
    memset(buf, 0x5a, sizeof buf);
    while (x->written < x->size) {
        size_t n = x->size - x->written < sizeof buf ? x->size - x->written : sizeof buf;
        l4_ssize k = l4_quic_stream_write(p->cl, x->sid, buf, n, x->written + n == x->size);
        if (k <= 0)
            return;
        x->written += (size_t)k;
    }
}

static void ev_hs(l4_quic_conn *c, void *user)
{
    quic_pair *p = user;
    if (c != p->cl) {
        p->hs_sv = 1;
        return;
    }
    p->hs_cl = 1;
    ev_xfer *x = p->app;
    CHECK_EQ(l4_quic_stream_open(c, 0, &x->sid), 0);
    ev_push(p);
}

static void ev_writable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    (void)sid;
    if (c == p->cl)
        ev_push(p);
}

static void ev_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    ev_xfer *x = p->app;
    uint8_t buf[8192];
    for (;;) {
        int fin = 0;
        l4_ssize k = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin);
        if (k < 0)
            return;
        x->got += (size_t)k;
        if (fin) {
            x->fin = 1;
            l4_quic_conn_close(c, 0, "done", p->now);
            return;
        }
        if (k == 0)
            return;
    }
}

static int ev_both_closed(quic_pair *p)
{
    return p->cl && p->sv && l4_quic_conn_is_closed(p->cl) && l4_quic_conn_is_closed(p->sv);
}

static void ev_run(quic_pair *p, ev_log *cl, ev_log *sv, double loss, size_t size, uint64_t seed)
{
    static ev_xfer x;
    memset(&x, 0, sizeof x);
    x.size = size;
    qp_init(p, seed);
    p->loss = loss;
    p->app = &x;
    p->cb.handshake_done = ev_hs;
    p->cb.stream_writable = ev_writable;
    p->cb.stream_readable = ev_readable;
    p->ss.tp.initial_max_data = 8u << 20;
    p->ss.tp.initial_max_stream_data_bidi_remote = 8u << 20;
    g_sv_log = sv;
    p->on_server = ev_attach_server;
    CHECK_EQ(qp_start(p), 0);
    l4_quic_conn_set_observer(p->cl, ev_record, ev_release, cl);
    CHECK(qp_run(p, ev_both_closed, 120 * L4_S));
    CHECK(x.fin && x.got == size);
    CHECK(qp_handshaken(p));
}

static void test_events_handshake(void)
{
    static ev_log cl, sv;
    memset(&cl, 0, sizeof cl);
    memset(&sv, 0, sizeof sv);
    quic_pair p;
    ev_run(&p, &cl, &sv, 0, 100000, 3);
    /* Attaching reports our parameters first. */
    CHECK_EQ(cl.ev[0].type, L4_QUIC_EV_PARAMETERS_SET);
    CHECK_EQ(cl.ev[0].local, 1);
    CHECK_EQ(sv.ev[0].type, L4_QUIC_EV_PARAMETERS_SET);
    CHECK_EQ(ev_count(&cl, L4_QUIC_EV_PARAMETERS_SET), 2); /* ours, then the server's */
    CHECK_EQ(ev_count(&sv, L4_QUIC_EV_PARAMETERS_SET), 2);
    /* The client's first packet: Initial 0, CRYPTO at offset 0 starting a
     * ClientHello (TLS handshake type 1), padded to 1200 bytes. */
    int fi = 0;
    const ev_rec *r =
        ev_find(&cl, L4_QUIC_EV_PACKET_SENT, L4_QUIC_PKT_INITIAL, L4_QUIC_FRAME_CRYPTO, &fi);
    CHECK(r != NULL);
    CHECK_EQU(r->pn, 0);
    CHECK_EQU(r->crypto_off[fi], 0);
    CHECK_EQ(r->first_byte[fi], 1);
    CHECK_EQU(r->pkt_len, 1200);
    CHECK_EQU(r->ftype[r->nframes - 1], L4_QUIC_FRAME_PADDING);
    /* The server received it, and answered with ServerHello (2) in an
     * Initial and EncryptedExtensions (8) first in its Handshake packets. */
    r = ev_find(&sv, L4_QUIC_EV_PACKET_RECEIVED, L4_QUIC_PKT_INITIAL, L4_QUIC_FRAME_CRYPTO, &fi);
    CHECK(r != NULL && r->first_byte[fi] == 1);
    r = ev_find(&sv, L4_QUIC_EV_PACKET_SENT, L4_QUIC_PKT_INITIAL, L4_QUIC_FRAME_CRYPTO, &fi);
    CHECK(r != NULL && r->first_byte[fi] == 2);
    r = ev_find(&sv, L4_QUIC_EV_PACKET_SENT, L4_QUIC_PKT_HANDSHAKE, L4_QUIC_FRAME_CRYPTO, &fi);
    CHECK(r != NULL && r->first_byte[fi] == 8 && r->crypto_off[fi] == 0);
    /* The client's Finished (20) in a Handshake packet; HANDSHAKE_DONE in 1-RTT. */
    r = ev_find(&cl, L4_QUIC_EV_PACKET_SENT, L4_QUIC_PKT_HANDSHAKE, L4_QUIC_FRAME_CRYPTO, &fi);
    CHECK(r != NULL && r->first_byte[fi] == 20);
    CHECK(ev_find(&sv, L4_QUIC_EV_PACKET_SENT, L4_QUIC_PKT_1RTT, L4_QUIC_FRAME_HANDSHAKE_DONE,
                  NULL) != NULL);
    CHECK(ev_find(&cl, L4_QUIC_EV_PACKET_RECEIVED, L4_QUIC_PKT_1RTT, L4_QUIC_FRAME_HANDSHAKE_DONE,
                  NULL) != NULL);
    CHECK(ev_find(&sv, L4_QUIC_EV_PACKET_SENT, L4_QUIC_PKT_1RTT, L4_QUIC_FRAME_CONNECTION_CLOSE_APP,
                  NULL) != NULL);
    /* One event per packet, as the counters count them. */
    l4_quic_conn_stats cs, ss;
    l4_quic_conn_get_stats(p.cl, &cs);
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK_EQU((uint64_t)ev_count(&cl, L4_QUIC_EV_PACKET_SENT), cs.pkts_sent);
    CHECK_EQU((uint64_t)ev_count(&sv, L4_QUIC_EV_PACKET_SENT), ss.pkts_sent);
    CHECK_EQU((uint64_t)ev_count(&cl, L4_QUIC_EV_PACKET_RECEIVED), cs.pkts_recv);
    CHECK_EQU((uint64_t)ev_count(&sv, L4_QUIC_EV_PACKET_RECEIVED), ss.pkts_recv);
    CHECK_EQ(ev_count(&cl, L4_QUIC_EV_PACKET_LOST), 0);
    /* The connection states, in order. */
    char states[256];
    ev_states(&cl, states, sizeof states);
    CHECK_MSG(!strcmp(states, "handshake_started handshake_complete handshake_confirmed draining "
                              "closed"),
              "client states: %s", states);
    ev_states(&sv, states, sizeof states);
    CHECK_MSG(!strcmp(states, "handshake_started handshake_confirmed closing closed"),
              "server states: %s", states);
    CHECK(ev_count(&cl, L4_QUIC_EV_METRICS_UPDATED) > 10);
    /* The observer is released once, when the connection is freed. */
    CHECK_EQ(cl.released, 0);
    qp_free(&p);
    CHECK_EQ(cl.released, 1);
    CHECK_EQ(sv.released, 1);
}

static void test_events_loss(void)
{
    static ev_log cl, sv;
    memset(&cl, 0, sizeof cl);
    memset(&sv, 0, sizeof sv);
    quic_pair p;
    ev_run(&p, &cl, &sv, 0.03, 400000, 5);
    l4_quic_conn_stats cs;
    l4_quic_conn_get_stats(p.cl, &cs);
    CHECK(cs.pkts_lost > 0);
    CHECK_EQU((uint64_t)ev_count(&cl, L4_QUIC_EV_PACKET_LOST), cs.pkts_lost);
    int recovery = 0, cut = 0;
    uint64_t cwnd_before = 0;
    for (int i = 0; i < cl.n; i++) {
        const ev_rec *r = &cl.ev[i];
        if (r->type == L4_QUIC_EV_PACKET_LOST)
            CHECK(!strcmp(r->trigger, "reordering_threshold") ||
                  !strcmp(r->trigger, "time_threshold"));
        if (r->type == L4_QUIC_EV_CONGESTION_STATE && !strcmp(r->state, "recovery")) {
            CHECK_MSG(!strcmp(r->trigger, "loss") || !strcmp(r->trigger, "persistent_congestion"),
                      "trigger %s", r->trigger);
            recovery++;
        }
        if (r->type == L4_QUIC_EV_METRICS_UPDATED) {
            if (cwnd_before && r->cwnd < cwnd_before)
                cut++;
            cwnd_before = r->cwnd;
        }
    }
    CHECK(recovery > 0);
    CHECK(cut > 0); /* Reno halved its window on the losses */
    /* Replacing the observer releases the old one; detaching releases too. */
    static ev_log other;
    memset(&other, 0, sizeof other);
    l4_quic_conn_set_observer(p.cl, ev_record, ev_release, &other);
    CHECK_EQ(cl.released, 1);
    /* a new observer hears our parameters and the current state, nothing else */
    CHECK_EQ(other.n, 2);
    CHECK_EQ(other.ev[0].type, L4_QUIC_EV_PARAMETERS_SET);
    CHECK_EQ(other.ev[1].type, L4_QUIC_EV_CONNECTION_STATE);
    CHECK(!strcmp(other.ev[1].state, "closed"));
    l4_quic_conn_set_observer(p.cl, NULL, NULL, NULL);
    CHECK_EQ(other.released, 1);
    qp_free(&p);
    CHECK_EQ(other.released, 1);
}

/* The qlog writer: a JSON-SEQ file whose records python's json parses, with
 * the header and one packet_sent record per packet. */
static l4_quic_conn *g_qlog_sv_dir_conn;
static char g_qlog_dir[64];

static void ev_qlog_server(quic_pair *p)
{
    g_qlog_sv_dir_conn = p->sv;
    CHECK_EQ(l4_quic_qlog_attach(p->sv, g_qlog_dir, "test server", 0, NULL, 0), 0);
}

static void test_qlog_file(void)
{
    snprintf(g_qlog_dir, sizeof g_qlog_dir, "/tmp/l4qlog-XXXXXX");
    CHECK(mkdtemp(g_qlog_dir) != NULL);
    static ev_xfer x;
    memset(&x, 0, sizeof x);
    x.size = 50000;
    quic_pair p;
    qp_init(&p, 9);
    p.loss = 0.02;
    p.app = &x;
    p.cb.handshake_done = ev_hs;
    p.cb.stream_writable = ev_writable;
    p.cb.stream_readable = ev_readable;
    p.on_server = ev_qlog_server;
    CHECK_EQ(qp_start(&p), 0);
    char path[256];
    CHECK_EQ(l4_quic_qlog_attach(p.cl, g_qlog_dir, "test \"client\"", 0, path, sizeof path), 0);
    CHECK(strstr(path, "_client.sqlog") != NULL);
    CHECK(qp_run(&p, ev_both_closed, 60 * L4_S));
    l4_quic_conn_stats cs;
    l4_quic_conn_get_stats(p.cl, &cs);
    qp_free(&p); /* closes the files */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys\n"
             "d=open(sys.argv[1],\"rb\").read()\n"
             "assert d[:1]==b\"\\x1e\" and d.endswith(b\"\\n\")\n"
             "r=[json.loads(x) for x in d.split(b\"\\x1e\")[1:]]\n"
             "h=r[0]\n"
             "assert h[\"qlog_version\"]==\"0.3\" and h[\"qlog_format\"]==\"JSON-SEQ\"\n"
             "assert h[\"title\"]==\"test \\\"client\\\"\"\n"
             "assert h[\"trace\"][\"vantage_point\"][\"type\"]==\"client\"\n"
             "n=sum(1 for e in r[1:] if e[\"name\"]==\"transport:packet_sent\")\n"
             "assert n==int(sys.argv[2]), (n, sys.argv[2])\n"
             "t=[e[\"time\"] for e in r[1:]]\n"
             "assert t==sorted(t)\n' %s %llu",
             path, (unsigned long long)cs.pkts_sent);
    CHECK_EQ(system(cmd), 0);
    unlink(path);
    char *sv = strstr(path, "_client.sqlog");
    memcpy(sv, "_server", 7);
    struct stat stt;
    CHECK_EQ(stat(path, &stt), 0);
    CHECK(stt.st_size > 1000);
    unlink(path);
    rmdir(g_qlog_dir);
    /* a directory that does not exist */
    qp_init(&p, 10);
    CHECK_EQ(qp_start(&p), 0);
    CHECK_EQ(l4_quic_qlog_attach(p.cl, "/nonexistent/l4kit", NULL, 0, NULL, 0), L4_ERR_IO);
    CHECK_EQ(l4_quic_qlog_attach(NULL, "/tmp", NULL, 0, NULL, 0), L4_ERR_INVALID_ARGUMENT);
    qp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(test_events_handshake),
    TEST(test_events_loss),
    TEST(test_qlog_file),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
