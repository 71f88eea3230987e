/* tests/quic/ack_ranges_test.c — the receive side of ACKs stays bounded
 * (RFC 9000 §13.2.3): a peer whose packet numbers leave 200 gaps makes the
 * receiver keep only the newest 32 ranges, its ACK frames list at most 32
 * (newest first, the largest included), and a packet below what was given
 * up is refused (never processed twice); a transfer through a burst that
 * loses every other datagram (50 gaps at once, acknowledged late) arrives
 * byte-exact, and afterwards the ranges the peer saw acknowledged are no
 * longer tracked (§13.2.4). */
#include "check.h"
#include "quic_inject.h"
#include "quic_pair.h"

/* The ACK frames the server sends: the most ranges one listed, its largest. */
typedef struct acks_seen {
    uint64_t max_ranges, largest, frames;
} acks_seen;

static void ack_observer(l4_quic_conn *c, const l4_quic_event *ev, void *user)
{
    (void)c;
    acks_seen *a = user;
    if (ev->type != L4_QUIC_EV_PACKET_SENT || ev->pkt_type != L4_QUIC_PKT_1RTT)
        return;
    for (size_t i = 0; i < ev->nframes; i++) {
        const l4_quic_frame *f = &ev->frames[i];
        if (f->type != L4_QUIC_FRAME_ACK && f->type != L4_QUIC_FRAME_ACK_ECN)
            continue;
        a->frames++;
        if (f->u.ack.range_count + 1 > a->max_ranges)
            a->max_ranges = f->u.ack.range_count + 1;
        a->largest = f->u.ack.largest;
    }
}

static void hostile_gaps(void)
{
    quic_pair p;
    qp_init(&p, 11);
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    acks_seen a;
    memset(&a, 0, sizeof a);
    l4_quic_conn_set_observer(p.sv, ack_observer, NULL, &a);
    qc_space *cs = &p.cl->sp[L4_QUIC_LEVEL_APP], *ss = &p.sv->sp[L4_QUIC_LEVEL_APP];
    static const uint8_t ping[] = {L4_QUIC_FRAME_PING};
    uint8_t pkt[1500], out[1500];
    uint64_t first = cs->next_pn, last = 0;
    for (int i = 0; i < 200; i++) {
        last = cs->next_pn;
        size_t n = qi_packet(p.cl, ping, sizeof ping, pkt);
        cs->next_pn++; /* a gap after every packet */
        CHECK_EQ(l4_quic_conn_input(p.sv, pkt, n, p.now), 0);
        CHECK(ss->recvd.n <= 32);
        while (l4_quic_conn_output(p.sv, out, sizeof out, p.now) > 0)
            ; /* the ACKs go nowhere: nothing tells the server they arrived */
    }
    CHECK_EQU(ss->recvd.n, 32);
    CHECK(ss->rx_min > first && ss->ranges_dropped > 0);
    CHECK(a.frames > 0 && a.max_ranges <= 32);
    CHECK_EQU(a.largest, last);
    CHECK(l4_quic_ranges_contains(&ss->recvd, last, last + 1)); /* the newest are kept */
    /* an old packet number, given up on: refused, not processed */
    l4_quic_conn_stats before, after;
    l4_quic_conn_get_stats(p.sv, &before);
    uint64_t keep = cs->next_pn;
    cs->next_pn = first + 1; /* a gap that was never filled */
    size_t n = qi_packet(p.cl, ping, sizeof ping, pkt);
    cs->next_pn = first; /* and a duplicate of the first */
    size_t n2 = qi_packet(p.cl, ping, sizeof ping, out);
    cs->next_pn = keep;
    l4_quic_conn_input(p.sv, pkt, n, p.now);
    l4_quic_conn_input(p.sv, out, n2, p.now);
    l4_quic_conn_get_stats(p.sv, &after);
    CHECK_EQU(after.pkts_recv, before.pkts_recv);
    CHECK_EQU(after.pkts_dropped, before.pkts_dropped + 2);
    CHECK(!l4_quic_conn_is_closing(p.sv));
    l4_quic_conn_set_observer(p.sv, NULL, NULL, NULL);
    qp_free(&p);
}

/* A bulk transfer client -> server in which a burst of 100 datagrams loses
 * every other one (more than 32 gaps at once): byte-exact. */
typedef struct bulk {
    uint64_t sid;
    size_t size, written, got, to_server;
    int fin, bad;
} bulk;

static uint8_t pat(size_t off)
{
    return (uint8_t)(off * 13 + (off >> 9));
}

static void push(quic_pair *p)
{
    bulk *b = p->app;
    uint8_t buf[4096];
    while (b->written < b->size) {
        size_t n = b->size - b->written < sizeof buf ? b->size - b->written : sizeof buf;
        for (size_t k = 0; k < n; k++)
            buf[k] = pat(b->written + k);
        l4_ssize w = l4_quic_stream_write(p->cl, b->sid, buf, n, b->written + n == b->size);
        if (w <= 0)
            return;
        b->written += (size_t)w;
    }
}

static void on_hs(l4_quic_conn *c, void *user)
{
    quic_pair *p = user;
    if (c != p->cl) {
        p->hs_sv = 1;
        return;
    }
    p->hs_cl = 1;
    bulk *b = p->app;
    CHECK_EQ(l4_quic_stream_open(c, 0, &b->sid), 0);
    push(p);
}

static void on_writable(l4_quic_conn *c, uint64_t sid, void *user)
{
    (void)sid;
    if (c == ((quic_pair *)user)->cl)
        push(user);
}

static void on_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    bulk *b = p->app;
    uint8_t buf[8192];
    for (;;) {
        int fin = 0;
        l4_ssize k = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin);
        if (k <= 0 && !fin)
            return;
        for (l4_ssize i = 0; i < k; i++)
            if (buf[i] != pat(b->got + (size_t)i))
                b->bad = 1;
        b->got += (size_t)k;
        if (fin) {
            b->fin = 1;
            return;
        }
    }
}

static int burst_filter(quic_pair *p, int to_server, const uint8_t *d, size_t len)
{
    (void)d;
    bulk *b = p->app;
    if (!to_server || len < 1000)
        return 0;
    b->to_server++;
    return b->to_server > 300 && b->to_server <= 400 && (b->to_server & 1);
}

static int all_in(quic_pair *p)
{
    return ((bulk *)p->app)->fin;
}

static void lossy_burst(void)
{
    quic_pair p;
    bulk b;
    memset(&b, 0, sizeof b);
    b.size = 2000000;
    qp_init(&p, 13);
    p.app = &b;
    p.cb.handshake_done = on_hs;
    p.cb.stream_writable = on_writable;
    p.cb.stream_readable = on_readable;
    p.ss.tp.initial_max_data = 8u << 20;
    p.ss.tp.initial_max_stream_data_bidi_remote = 8u << 20;
    p.ss.tp.max_ack_delay = 200; /* the server acknowledges late: gaps pile up */
    p.delay = 50 * L4_MS;
    p.filter = burst_filter;
    CHECK_EQ(qp_start(&p), 0);
    uint64_t most = 0;
    l4_time end = p.now + 120 * L4_S;
    while (!all_in(&p) && qp_step(&p, end))
        if (p.sv && p.sv->sp[L4_QUIC_LEVEL_APP].recvd.n > most)
            most = p.sv->sp[L4_QUIC_LEVEL_APP].recvd.n;
    CHECK(b.fin);
    CHECK_EQU(b.got, b.size);
    CHECK(!b.bad);
    CHECK(p.dropped >= 50);
    qc_space *ss = &p.sv->sp[L4_QUIC_LEVEL_APP];
    CHECK_MSG(most == 32 && ss->ranges_dropped > 0, "most ranges tracked: %llu, dropped %llu",
              (unsigned long long)most, (unsigned long long)ss->ranges_dropped);
    /* §13.2.4: once the client has seen the server's ACKs acknowledged,
       the server tracks (almost) nothing of the old gaps */
    while (qp_step(&p, p.now + 1 * L4_S))
        ;
    CHECK_MSG(ss->recvd.n <= 2 && ss->rx_min > 400, "%zu ranges, min %llu", ss->recvd.n,
              (unsigned long long)ss->rx_min);
    qp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(hostile_gaps),
    TEST(lossy_burst),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
