/* tests/quic/ecn_test.c — ECN for QUIC (RFC 9000 §13.4, RFC 9002 §7.1)
 * between two engines whose datagrams carry an ECN codepoint (quic_pair's
 * ecn_on): on a path that carries ECN both ends validate it ("capable") and
 * mark every packet ECT(0), and report ACK_ECN counts that match what
 * arrived; a network that clears the marks (bleaching) or one that
 * re-marks them ECT(1) makes the sender give up ("failed", no more
 * marking); CE marks on the way are counted by the receiver, acknowledged
 * at once, reported, and cut the sender's window once per round trip
 * (Reno) or reach DCTCP as CE bytes; the transfer stays byte-exact; without
 * settings.ecn nothing is marked. */
#include "check.h"
#include "quic/conn_internal.h"
#include "quic_pair.h"

typedef struct xfer {
    uint64_t sid;
    size_t size, written, got;
    int fin, bad;
    unsigned ce_every, n; /* ecn_rewrite: CE-mark every Nth ECT datagram to the server */
    int bleach, ect1;
    uint64_t dgrams[2], ect[2]; /* datagrams each way ([1] to the server), and how many ECT(0) */
} xfer;

static uint8_t pat(size_t off)
{
    return (uint8_t)(off * 31 + (off >> 10));
}

static void push(quic_pair *p)
{
    xfer *x = p->app;
    uint8_t buf[4096];
    while (x->written < x->size) {
        size_t n = x->size - x->written < sizeof buf ? x->size - x->written : sizeof buf;
        for (size_t k = 0; k < n; k++)
            buf[k] = pat(x->written + k);
        l4_ssize w = l4_quic_stream_write(p->cl, x->sid, buf, n, x->written + n == x->size);
        if (w <= 0)
            return;
        x->written += (size_t)w;
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
    xfer *x = p->app;
    CHECK_EQ(l4_quic_stream_open(c, 0, &x->sid), 0);
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
    xfer *x = p->app;
    uint8_t buf[8192];
    for (;;) {
        int fin = 0;
        l4_ssize k = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin);
        if (k <= 0 && !fin)
            return;
        for (l4_ssize i = 0; i < k; i++)
            if (buf[i] != pat(x->got + (size_t)i))
                x->bad = 1;
        x->got += (size_t)k;
        if (fin) {
            x->fin = 1;
            return;
        }
    }
}

static unsigned rewrite(quic_pair *p, int to_server, unsigned ecn)
{
    xfer *x = p->app;
    x->dgrams[to_server]++;
    x->ect[to_server] += ecn == L4_QUIC_ECN_ECT0;
    if (!ecn)
        return 0;
    if (x->bleach)
        return L4_QUIC_ECN_NOT_ECT;
    if (x->ect1)
        return L4_QUIC_ECN_ECT1;
    if (to_server && x->ce_every && ++x->n % x->ce_every == 0)
        return L4_QUIC_ECN_CE;
    return ecn;
}

static int done(quic_pair *p)
{
    return ((xfer *)p->app)->fin;
}

/* A 1 MB transfer client -> server with ECN on both ends (unless `off`). */
static void run(quic_pair *p, xfer *x, uint64_t seed, const char *cc, int off)
{
    x->size = 1000000;
    qp_init(p, seed);
    p->app = x;
    p->cb.handshake_done = on_hs;
    p->cb.stream_writable = on_writable;
    p->cb.stream_readable = on_readable;
    p->ss.tp.initial_max_data = 8u << 20;
    p->ss.tp.initial_max_stream_data_bidi_remote = 8u << 20;
    p->cs.ecn = p->ss.ecn = !off;
    if (cc)
        p->cs.cc = cc;
    p->ecn_on = 1;
    p->ecn_rewrite = rewrite;
    CHECK_EQ(qp_start(p), 0);
    CHECK(qp_run(p, done, p->now + 60 * L4_S));
    while (qp_step(p, p->now + 300 * L4_MS))
        ;
    CHECK(x->fin && x->got == x->size && !x->bad);
}

static void test_capable(void)
{
    quic_pair p;
    xfer x;
    memset(&x, 0, sizeof x);
    run(&p, &x, 21, NULL, 0);
    CHECK_STR(l4_quic_conn_ecn_state(p.cl), "capable");
    CHECK_STR(l4_quic_conn_ecn_state(p.sv), "capable");
    l4_quic_conn_stats sc, ss;
    l4_quic_conn_get_stats(p.cl, &sc);
    l4_quic_conn_get_stats(p.sv, &ss);
    /* every datagram each way marked (validation ends within the
       handshake: the "unknown" wait after ten leaves none unmarked here) */
    CHECK_EQU(x.ect[0], x.dgrams[0]);
    CHECK_EQU(x.ect[1], x.dgrams[1]);
    CHECK(sc.ecn_marked == x.dgrams[1] && ss.ecn_ect0_recv > 500);
    CHECK_EQU(ss.ecn_ce_recv + sc.ecn_ce_recv + sc.ecn_ce_reported, 0);
    /* the server's ACK_ECN counts reached the client: what it last reported
       covers (nearly) all the client's 1-RTT packets that arrived */
    uint64_t got = p.sv->sp[L4_QUIC_LEVEL_APP].ecn_rx[L4_QUIC_ECN_ECT0];
    uint64_t told = p.cl->sp[L4_QUIC_LEVEL_APP].ecn_peer[L4_QUIC_ECN_ECT0];
    CHECK_MSG(told <= got && told * 10 >= got * 9, "server counted %llu, reported %llu",
              (unsigned long long)got, (unsigned long long)told);
    qp_free(&p);
}

/* A network that clears the marks: the server sees Not-ECT, sends plain
 * ACKs, and the client stops marking (§13.4.2). So does one that turns
 * them into ECT(1), which we never send. */
static void test_bleached(void)
{
    for (int k = 0; k < 2; k++) {
        quic_pair p;
        xfer x;
        memset(&x, 0, sizeof x);
        x.bleach = !k;
        x.ect1 = k;
        run(&p, &x, 22 + (uint64_t)k, NULL, 0);
        CHECK_STR(l4_quic_conn_ecn_state(p.cl), "failed");
        CHECK_STR(l4_quic_conn_ecn_state(p.sv), "failed");
        l4_quic_conn_stats sc;
        l4_quic_conn_get_stats(p.cl, &sc);
        CHECK_MSG(sc.ecn_marked <= 20, "kept marking: %llu datagrams",
                  (unsigned long long)sc.ecn_marked);
        qp_free(&p);
    }
}

/* Every 20th datagram to the server is CE-marked: the server counts them
 * and acknowledges at once; the client sees the CE count grow, stays
 * "capable", and Reno's window comes down (a congestion event per round
 * trip); the same with DCTCP, which takes them as CE bytes. */
static void test_ce(void)
{
    const char *ccs[] = {"reno", "dctcp"};
    uint64_t cwnd[2];
    for (int k = 0; k < 2; k++) {
        quic_pair p;
        xfer x;
        memset(&x, 0, sizeof x);
        x.ce_every = 20;
        run(&p, &x, 24, ccs[k], 0);
        l4_quic_conn_stats sc, ss;
        l4_quic_conn_get_stats(p.cl, &sc);
        l4_quic_conn_get_stats(p.sv, &ss);
        CHECK(ss.ecn_ce_recv >= 20);
        CHECK_EQU(sc.ecn_ce_reported, ss.ecn_ce_recv);
        CHECK_STR(l4_quic_conn_ecn_state(p.cl), "capable");
        CHECK_EQU(sc.pkts_lost, 0); /* no loss: the window reacted to CE alone */
        cwnd[k] = sc.cwnd;
        qp_free(&p);
    }
    /* without CE the same transfer ends with a far larger window */
    quic_pair p;
    xfer x;
    memset(&x, 0, sizeof x);
    run(&p, &x, 24, "reno", 0);
    l4_quic_conn_stats sc;
    l4_quic_conn_get_stats(p.cl, &sc);
    CHECK_MSG(cwnd[0] * 2 < sc.cwnd && cwnd[1] * 2 < sc.cwnd,
              "cwnd with CE: reno %llu, dctcp %llu; without: %llu", (unsigned long long)cwnd[0],
              (unsigned long long)cwnd[1], (unsigned long long)sc.cwnd);
    qp_free(&p);
}

/* settings.ecn 0: nothing marked, no ECN counts sent (nothing marked arrives). */
static void test_off(void)
{
    quic_pair p;
    xfer x;
    memset(&x, 0, sizeof x);
    run(&p, &x, 25, NULL, 1);
    CHECK_STR(l4_quic_conn_ecn_state(p.cl), "off");
    l4_quic_conn_stats sc, ss;
    l4_quic_conn_get_stats(p.cl, &sc);
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK_EQU(sc.ecn_marked + ss.ecn_marked + ss.ecn_ect0_recv, 0);
    qp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(test_capable), TEST(test_bleached), TEST(test_ce), TEST(test_off), TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
