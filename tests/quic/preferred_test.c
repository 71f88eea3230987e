/* tests/quic/preferred_test.c — the server's preferred address (RFC 9000
 * §9.6) between two engines in memory, the server seeing each datagram's
 * path (the client's address plus the local address it reached, as
 * io/quic_ep tells them apart):
 * - the server offers an address; its transport parameters carry it with a
 *   connection ID of sequence 1 and that ID's token, which the client gets
 *   exactly; the server routes the ID from the start, and its own
 *   NEW_CONNECTION_ID frames go on from sequence 2;
 * - mid-transfer the client moves there (l4_quic_conn_migrate_preferred):
 *   the preferred address's ID, a PATH_CHALLENGE, both ends validate, the
 *   server follows and answers there; byte-exact; allowed even when the
 *   server disabled active migration (§18.2), which still refuses
 *   l4_quic_conn_migrate;
 * - refusals: a client offering, an offer after the handshake started, no
 *   address, a move before confirmation / without an offer / twice. */
#include "check.h"
#include "quic_inject.h"
#include "quic_pair.h"

static l4_quic_path mk_path(uint8_t addr, uint16_t port, uint8_t local)
{
    l4_quic_path p;
    memset(&p, 0, sizeof p);
    p.id[0] = 10, p.id[1] = 0, p.id[2] = 0, p.id[3] = addr;
    p.id[4] = (uint8_t)(port >> 8);
    p.id[5] = (uint8_t)port;
    p.id[6] = local; /* which of the server's addresses it reached */
    p.addr_len = 4;
    p.len = 7;
    return p;
}

static const l4_quic_preferred_addr PA = {
    .ipv4 = {10, 0, 0, 9}, .port4 = {0x11, 0x52}, .ipv6 = {0}, .port6 = {0}};

typedef struct xfer {
    uint64_t sid;
    size_t size, written, got;
    int fin, bad;
    int offer_rc, disable;
} xfer;

static uint8_t pat(size_t off)
{
    return (uint8_t)(off * 13 + (off >> 10));
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
    if (x->size) {
        CHECK_EQ(l4_quic_stream_open(c, 0, &x->sid), 0);
        push(p);
    }
}

static void on_writable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    (void)sid;
    if (c == p->cl)
        push(p);
}

static void on_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    xfer *x = p->app;
    uint8_t buf[8192];
    for (;;) {
        int fin = 0;
        l4_ssize k = l4_quic_stream_read(c, sid, buf, sizeof buf, &fin);
        if (k <= 0)
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

/* The server offers PA as soon as it exists (before its first input). */
static void offer(quic_pair *p)
{
    xfer *x = p->app;
    x->offer_rc = l4_quic_conn_set_preferred_address(p->sv, &PA);
}

static int got_third(quic_pair *p)
{
    xfer *x = p->app;
    return x->got >= x->size / 3;
}

static int got_all(quic_pair *p)
{
    return ((xfer *)p->app)->fin;
}

static void start(quic_pair *p, xfer *x, uint64_t seed, size_t size, int disable)
{
    memset(x, 0, sizeof *x);
    x->size = size;
    qp_init(p, seed);
    p->app = x;
    p->cb.handshake_done = on_hs;
    p->cb.stream_writable = on_writable;
    p->cb.stream_readable = on_readable;
    p->ss.tp.initial_max_data = 8u << 20;
    p->ss.tp.initial_max_stream_data_bidi_remote = 8u << 20;
    p->ss.tp.disable_active_migration = disable;
    p->on_server = offer;
    p->paths = 1;
    p->cl_path = mk_path(1, 5000, 0);
    CHECK_EQ(qp_start(p), 0);
}

static int cid_in(const l4_quic_cid *v, size_t n, const l4_quic_cid *c)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].len == c->len && !memcmp(v[i].data, c->data, c->len))
            return 1;
    return 0;
}

static void run_move(int disable)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 31 + (uint64_t)disable, 900000, disable);
    CHECK(qp_run(&p, got_third, 60 * L4_S));
    CHECK_EQ(x.offer_rc, 0);
    /* the client holds the offer exactly: address, ID, token */
    l4_quic_preferred_addr got;
    CHECK_EQ(l4_quic_conn_preferred_address(p.cl, &got), 0);
    CHECK_MEM(got.ipv4, PA.ipv4, 4);
    CHECK_MEM(got.port4, PA.port4, 2);
    CHECK_MEM(got.ipv6, PA.ipv6, 16);
    CHECK_MEM(got.port6, PA.port6, 2);
    CHECK_EQ(got.cid.len, 8);
    l4_quic_cid ids[16];
    size_t n = l4_quic_conn_local_cids(p.sv, ids, 16);
    CHECK(cid_in(ids, n, &got.cid)); /* the server routes it */
    uint8_t tok[16];
    l4_quic_reset_token(p.sv->set.reset_key, &got.cid, tok);
    int found = 0;
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        if (p.sv->lcid[i].used && p.sv->lcid[i].seq == 1) {
            found = 1;
            CHECK_MEM(p.sv->lcid[i].token, got.token, 16);
            CHECK(p.sv->lcid[i].cid.len == 8 && !memcmp(p.sv->lcid[i].cid.data, got.cid.data, 8));
        }
    CHECK(found);
    CHECK(p.sv->lcid_next_seq >= 3); /* NEW_CONNECTION_ID went on from 2 */
    CHECK_EQ(l4_quic_conn_preferred_address(p.sv, &got), L4_ERR_NOT_FOUND);
    if (disable)
        CHECK_EQ(l4_quic_conn_migrate(p.cl, 1, p.now), L4_ERR_UNSUPPORTED);
    /* move */
    CHECK_EQ(l4_quic_conn_migrate_preferred(p.cl, p.now), 0);
    CHECK_EQU(l4_quic_conn_dcid_seq(p.cl), 1);
    CHECK(p.cl->dcid.len == 8 && !memcmp(p.cl->dcid.data, got.cid.data, 8));
    CHECK_EQ(l4_quic_conn_migrate_preferred(p.cl, p.now), L4_ERR_STATE); /* once */
    p.cl_path = mk_path(1, 5000, 1); /* the same client socket reaching the preferred address */
    CHECK(qp_run(&p, got_all, 60 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    CHECK(!x.bad && x.got == x.size);
    l4_quic_conn_stats sc, ss;
    l4_quic_conn_get_stats(p.cl, &sc);
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK_EQU(sc.local_migrations, 1);
    CHECK_EQU(sc.paths_validated, 1);
    CHECK_EQU(ss.migrations, 1);
    CHECK_EQU(ss.paths_validated, 1);
    CHECK_EQU(sc.paths_failed + ss.paths_failed, 0);
    CHECK(p.last_to.len == p.cl_path.len && !memcmp(p.last_to.id, p.cl_path.id, p.cl_path.len));
    CHECK(!l4_quic_conn_is_closing(p.sv) && !l4_quic_conn_is_closing(p.cl));
    qp_free(&p);
}

static void test_move_to_preferred(void)
{
    run_move(0);
}

static void test_move_despite_disable_active_migration(void)
{
    run_move(1);
}

static void test_refusals(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 40, 0, 0);
    CHECK_EQ(l4_quic_conn_set_preferred_address(p.cl, &PA), L4_ERR_STATE); /* a client */
    CHECK_EQ(l4_quic_conn_migrate_preferred(p.cl, p.now), L4_ERR_STATE);   /* not confirmed */
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    CHECK_EQ(l4_quic_conn_set_preferred_address(p.sv, &PA), L4_ERR_STATE); /* too late */
    CHECK_EQ(l4_quic_conn_migrate_preferred(p.sv, p.now), L4_ERR_STATE);   /* a server */
    qp_free(&p);
    /* no offer: nothing to move to; an offer without an address is refused */
    start(&p, &x, 41, 0, 0);
    p.on_server = NULL;
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 100 * L4_MS)) /* confirmed */
        ;
    CHECK_EQ(l4_quic_conn_migrate_preferred(p.cl, p.now), L4_ERR_NOT_FOUND);
    l4_quic_preferred_addr got;
    CHECK_EQ(l4_quic_conn_preferred_address(p.cl, &got), L4_ERR_NOT_FOUND);
    l4_quic_preferred_addr none;
    memset(&none, 0, sizeof none);
    CHECK_EQ(l4_quic_conn_set_preferred_address(p.sv, &none), L4_ERR_INVALID_ARGUMENT);
    none.ipv4[0] = 10; /* an address without a port */
    CHECK_EQ(l4_quic_conn_set_preferred_address(p.sv, &none), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_conn_set_preferred_address(p.sv, NULL), L4_ERR_INVALID_ARGUMENT);
    qp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(test_move_to_preferred),
    TEST(test_move_despite_disable_active_migration),
    TEST(test_refusals),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
