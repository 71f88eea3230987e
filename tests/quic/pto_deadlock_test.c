/* tests/quic/pto_deadlock_test.c — the client's probe timeout during the
 * handshake (RFC 9002 §6.2.2.1, A.8, A.9):
 * - the server's first flight is lost entirely (and with it every
 *   retransmission the 3x amplification limit allows, RFC 9000 §8.1): the
 *   client's Initial probes give the server new credit and the handshake
 *   completes;
 * - the anti-deadlock case: the server's Initial (ServerHello, and the ACK
 *   of the client's Initial) arrives, its Handshake packets do not, and the
 *   server has spent its amplification credit. The client then has nothing
 *   in flight, yet it must keep a PTO armed and send a Handshake probe,
 *   which proves its address; without that rule both ends wait for the
 *   idle timeout. */
#include "check.h"
#include "quic_pair.h"
#include "wire/quic_pkt.h"

typedef struct dl {
    l4_time until;  /* the impairment lasts until then */
    int slice;      /* deliver the Initial packets of server datagrams */
    int cl_sent;    /* client datagrams seen while impaired */
    int sliced;     /* server datagrams cut down to their Initial packets */
    int sv_dropped; /* server datagrams dropped */
} dl;

static int dl_filter(quic_pair *p, int to_server, const uint8_t *d, size_t len)
{
    dl *st = p->app;
    if (p->now >= st->until)
        return 0;
    if (to_server) /* only the client's very first datagram gets through */
        return st->cl_sent++ > 0;
    /* a server datagram: keep its leading Initial packets, if asked */
    size_t off = 0, keep = 0;
    l4_quic_hdr h;
    while (l4_quic_pkt_next(&h, d, len, &off, 8) == 1 && h.type == L4_QUIC_PKT_INITIAL)
        keep = off;
    st->sv_dropped++;
    if (!st->slice || keep == 0 || p->nq == QP_MAXQ)
        return 1;
    qp_dgram *q = &p->q[p->nq++];
    q->at = p->now + p->delay;
    q->to_server = 0;
    q->len = keep;
    q->data = malloc(keep);
    memcpy(q->data, d, keep);
    st->sliced++;
    return 1;
}

static void dl_run(int slice, uint64_t seed)
{
    quic_pair p;
    qp_init(&p, seed);
    dl st;
    memset(&st, 0, sizeof st);
    st.until = 5 * L4_S;
    st.slice = slice;
    p.app = &st;
    p.filter = dl_filter;
    CHECK_EQ(qp_start(&p), 0);
    /* up to the end of the impairment: no handshake, the server stuck at its limit */
    qp_run(&p, qp_handshaken, st.until);
    CHECK(!p.hs_cl);
    CHECK(p.sv != NULL);
    l4_quic_conn_stats ss, cs;
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK_MSG(ss.bytes_recv == 1200, "server received %llu", (unsigned long long)ss.bytes_recv);
    CHECK_MSG(ss.bytes_sent <= 3 * ss.bytes_recv && ss.bytes_sent > 2 * ss.bytes_recv,
              "server sent %llu (limit %llu)", (unsigned long long)ss.bytes_sent,
              (unsigned long long)(3 * ss.bytes_recv));
    CHECK(ss.pto_count_total >= 2);
    CHECK(st.sv_dropped >= 2);
    if (slice)
        CHECK(st.sliced >= 1);
    /* then the client's probes must bring the handshake to an end, well
     * before the 30 s idle timeout */
    CHECK_MSG(qp_run(&p, qp_handshaken, 15 * L4_S), "no handshake by 15 s (slice %d)", slice);
    l4_quic_conn_get_stats(p.cl, &cs);
    CHECK(cs.pto_count_total >= 1);
    CHECK(!p.closed_cl.called && !p.closed_sv.called);
    qp_free(&p);
}

/* Everything the server sends is lost for 5 s: the client's Initial stays
 * unacknowledged, so its ordinary Initial PTO recovers. */
static void test_server_flight_lost(void)
{
    dl_run(0, 81);
}

/* Only the server's Initial packets arrive: the client's Initial is
 * acknowledged and nothing of it is in flight; §6.2.2.1 keeps its PTO. */
static void test_anti_deadlock(void)
{
    dl_run(1, 82);
}

static const l4_test TESTS[] = {
    TEST(test_server_flight_lost),
    TEST(test_anti_deadlock),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
