/* tests/host/quic_cid_test.c — the per-socket QUIC connection-ID
 * demultiplexer (host/quic_cid.h): datagrams reach the connection their
 * Destination CID names, whatever their source address or port; long
 * headers (of any version) carry their own DCID length, short headers the
 * socket's; unknown and non-QUIC datagrams are counted; the table grows and
 * shrinks; errors for misuse. */
#include "check.h"
#include "helpers.h"
#include "host/quic_cid.h"

typedef struct world {
    l4_host *a, *b;
    int sb; /* B's demultiplexing socket, port 443 */
    l4_time now;
} world;

static void w_init(world *w)
{
    memset(w, 0, sizeof *w);
    w->a = th_host(1, 1, NULL);
    w->b = th_host(2, 2, NULL);
    CHECK(w->a && w->b);
    w->sb = l4_socket_open(w->b, L4_AF_INET4, L4_SOCK_DGRAM);
    l4_addr ab = th_addr("10.0.0.2");
    CHECK_EQ(l4_socket_bind(w->b, w->sb, &ab, 443), 0);
    CHECK_EQ(l4_socket_quic_enable(w->b, w->sb, 8), 0);
}

static void w_free(world *w)
{
    l4_host_del(w->a);
    l4_host_del(w->b);
}

/* Sends `d` from A:sport to B:443 and moves A's packet to B. */
static void w_send(world *w, uint16_t sport, const uint8_t *d, size_t n)
{
    int s = l4_socket_open(w->a, L4_AF_INET4, L4_SOCK_DGRAM);
    l4_addr aa = th_addr("10.0.0.1"), ab = th_addr("10.0.0.2");
    CHECK_EQ(l4_socket_bind(w->a, s, &aa, sport), 0);
    CHECK_EQ(l4_socket_sendto(w->a, s, d, n, &ab, 443, w->now), (l4_ssize)n);
    uint8_t pkt[2048];
    l4_ssize k = l4_host_output(w->a, pkt, sizeof pkt, w->now);
    CHECK(k > 0);
    l4_host_input(w->b, pkt, (size_t)k, w->now);
    l4_socket_close(w->a, s, w->now);
}

/* A short-header packet to `cid` (8 bytes) / a long header of `version`. */
static size_t short_pkt(uint8_t *b, const l4_quic_cid *cid)
{
    memset(b, 0xee, 40);
    b[0] = 0x40;
    memcpy(b + 1, cid->data, 8);
    return 40;
}

static size_t long_pkt(uint8_t *b, const l4_quic_cid *dcid, uint32_t version)
{
    memset(b, 0, 1200);
    b[0] = 0xc0;
    b[1] = (uint8_t)(version >> 24), b[2] = (uint8_t)(version >> 16);
    b[3] = (uint8_t)(version >> 8), b[4] = (uint8_t)version;
    b[5] = dcid->len;
    memcpy(b + 6, dcid->data, dcid->len);
    b[6 + dcid->len] = 0;    /* SCID length */
    b[7 + dcid->len] = 0;    /* Initial: token length */
    b[8 + dcid->len] = 0x44; /* Length 1100 (2-byte varint) */
    b[9 + dcid->len] = 0x4c;
    return 1200;
}

static void *w_recv(world *w, uint16_t *sport)
{
    uint8_t buf[2048];
    void *conn = (void *)1;
    l4_addr src;
    l4_ssize n = l4_socket_quic_recv(w->b, w->sb, buf, sizeof buf, &src, sport, &conn, w->now);
    CHECK(n > 0);
    return conn;
}

static void test_routes_by_cid(void)
{
    world w;
    w_init(&w);
    int conn1, conn2;
    l4_quic_cid c1 = {8, {1, 1, 1, 1, 1, 1, 1, 1}}, c2 = {8, {2, 2, 2, 2, 2, 2, 2, 2}};
    l4_quic_cid c3 = {8, {3, 3, 3, 3, 3, 3, 3, 3}};
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &c1, &conn1), 0);
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &c2, &conn2), 0);
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &c3, &conn1), 0); /* a second ID of conn1 */
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &c1, &conn1), 0); /* the same again: fine */
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &c1, &conn2), L4_EADDRINUSE);
    uint8_t d[1200];
    uint16_t sp = 0;
    /* the same connection from two source ports (a NAT rebinding) */
    w_send(&w, 5000, d, short_pkt(d, &c1));
    CHECK(w_recv(&w, &sp) == &conn1 && sp == 5000);
    w_send(&w, 6000, d, short_pkt(d, &c3));
    CHECK(w_recv(&w, &sp) == &conn1 && sp == 6000);
    w_send(&w, 5000, d, short_pkt(d, &c2));
    CHECK(w_recv(&w, &sp) == &conn2);
    /* a long header: its own DCID length, any version (RFC 8999) */
    w_send(&w, 5000, d, long_pkt(d, &c2, 1));
    CHECK(w_recv(&w, &sp) == &conn2);
    w_send(&w, 5000, d, long_pkt(d, &c1, 0x1a2a3a4a));
    CHECK(w_recv(&w, &sp) == &conn1);
    l4_quic_cid odd = {12, {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}};
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &odd, &conn2), 0);
    w_send(&w, 5000, d, long_pkt(d, &odd, 1));
    CHECK(w_recv(&w, &sp) == &conn2);
    /* unknown and unparsable */
    l4_quic_cid c9 = {8, {9, 8, 7, 6, 5, 4, 3, 2}};
    w_send(&w, 5000, d, short_pkt(d, &c9));
    CHECK(w_recv(&w, &sp) == NULL);
    d[0] = 0x00; /* fixed bit 0: not QUIC v1 */
    w_send(&w, 5000, d, 40);
    CHECK(w_recv(&w, &sp) == NULL);
    /* retiring */
    CHECK_EQ(l4_socket_quic_cid_del(w.b, w.sb, &c1), 0);
    CHECK_EQ(l4_socket_quic_cid_del(w.b, w.sb, &c1), L4_EADDRNOTAVAIL);
    w_send(&w, 5000, d, short_pkt(d, &c1));
    CHECK(w_recv(&w, &sp) == NULL);
    w_send(&w, 5000, d, short_pkt(d, &c3));
    CHECK(w_recv(&w, &sp) == &conn1);
    l4_quic_demux_stats st;
    CHECK_EQ(l4_socket_quic_stats(w.b, w.sb, &st), 0);
    CHECK_EQU(st.routed, 7);
    CHECK_EQU(st.unknown, 2);
    CHECK_EQU(st.unparsable, 1);
    CHECK_EQU(st.cids, 3);
    CHECK_EQU(l4_socket_quic_cid_del_conn(w.b, w.sb, &conn1), 1);
    CHECK_EQU(l4_socket_quic_cid_del_conn(w.b, w.sb, &conn2), 2);
    CHECK_EQ(l4_socket_quic_stats(w.b, w.sb, &st), 0);
    CHECK_EQU(st.cids, 0);
    w_free(&w);
}

/* Thousands of IDs in, half out, the rest still found. */
static void test_grows(void)
{
    world w;
    w_init(&w);
    static int conns[4000];
    for (int i = 0; i < 4000; i++) {
        l4_quic_cid c = {8, {(uint8_t)i, (uint8_t)(i >> 8), 7, 7, 7, 7, 7, 7}};
        CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &c, &conns[i]), 0);
    }
    for (int i = 0; i < 4000; i += 2) {
        l4_quic_cid c = {8, {(uint8_t)i, (uint8_t)(i >> 8), 7, 7, 7, 7, 7, 7}};
        CHECK_EQ(l4_socket_quic_cid_del(w.b, w.sb, &c), 0);
    }
    for (int round = 0; round < 3; round++) /* tombstones get reused / swept */
        for (int i = 0; i < 4000; i += 2) {
            l4_quic_cid c = {8, {(uint8_t)i, (uint8_t)(i >> 8), 8, 8, 8, 8, 8, (uint8_t)round}};
            CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &c, &conns[i]), 0);
            CHECK_EQ(l4_socket_quic_cid_del(w.b, w.sb, &c), 0);
        }
    uint8_t d[64];
    uint16_t sp;
    for (int i = 1; i < 4000; i += 398) { /* odd: the ones kept */
        l4_quic_cid c = {8, {(uint8_t)i, (uint8_t)(i >> 8), 7, 7, 7, 7, 7, 7}};
        w_send(&w, 5000, d, short_pkt(d, &c));
        void *got = w_recv(&w, &sp);
        CHECK_MSG(got == &conns[i], "i %d got %p want %p (conns %p)", i, got, (void *)&conns[i],
                  (void *)conns);
    }
    l4_quic_demux_stats st;
    l4_socket_quic_stats(w.b, w.sb, &st);
    CHECK_EQU(st.cids, 2000);
    w_free(&w);
}

static void test_errors(void)
{
    world w;
    w_init(&w);
    l4_quic_cid c = {8, {1}};
    int x;
    CHECK_EQ(l4_socket_quic_enable(w.b, 99, 8), L4_EBADF);
    CHECK_EQ(l4_socket_quic_enable(w.b, w.sb, 21), L4_EINVAL);
    int tcp = l4_socket_open(w.b, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_quic_enable(w.b, tcp, 8), L4_EOPNOTSUPP);
    int plain = l4_socket_open(w.b, L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_quic_cid_add(w.b, plain, &c, &x), L4_EINVAL); /* not enabled */
    uint8_t buf[16];
    void *conn;
    CHECK_EQ(l4_socket_quic_recv(w.b, plain, buf, sizeof buf, NULL, NULL, &conn, 0), L4_EINVAL);
    l4_quic_cid empty = {0, {0}};
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &empty, &x), L4_EINVAL);
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, NULL, &x), L4_EINVAL);
    CHECK_EQ(l4_socket_quic_recv(w.b, w.sb, buf, sizeof buf, NULL, NULL, &conn, 0), L4_EAGAIN);
    /* closing the socket frees its table (ASan watches) */
    CHECK_EQ(l4_socket_quic_cid_add(w.b, w.sb, &c, &x), 0);
    CHECK_EQ(l4_socket_close(w.b, w.sb, 0), 0);
    w_free(&w);
}

static const l4_test TESTS[] = {
    TEST(test_routes_by_cid),
    TEST(test_grows),
    TEST(test_errors),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
