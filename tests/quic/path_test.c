/* tests/quic/path_test.c — paths and migration (RFC 9000 §8.2, §9) with
 * the server seeing each datagram's path (l4_quic_conn_input_path): a NAT
 * rebinding mid-transfer (the server moves to the new port, validates it
 * with PATH_CHALLENGE / PATH_RESPONSE, keeps its window; the transfer
 * completes byte-exact), a new address (window and RTT start over), a
 * probing-only packet (answered on its own path, no move), an older packet
 * from a new path (no move), the 3x limit on an unvalidated path, a
 * failed validation (back to the old path), the server's own challenge of
 * a probed path, and a client's active migration (§9.2: a new server ID
 * both ways, §9.5; both ends validate; refused when the server disabled it
 * or gave no spare ID). */
#include "check.h"
#include "quic_inject.h"
#include "quic_pair.h"

static l4_quic_path mk_path(uint8_t addr, uint16_t port)
{
    l4_quic_path p;
    memset(&p, 0, sizeof p);
    p.id[0] = 4;
    p.id[1] = 10, p.id[2] = 0, p.id[3] = 0, p.id[4] = addr;
    p.id[5] = (uint8_t)(port >> 8);
    p.id[6] = (uint8_t)port;
    p.addr_len = 5;
    p.len = 7;
    return p;
}

static int path_is(const l4_quic_path *a, const l4_quic_path *b)
{
    return a->len == b->len && !memcmp(a->id, b->id, a->len);
}

/* A bulk transfer client -> server on one stream; the server checks bytes. */
typedef struct xfer {
    uint64_t sid;
    size_t size, written, got;
    int fin, bad;
} xfer;

static uint8_t pat(size_t off)
{
    return (uint8_t)(off * 7 + (off >> 11));
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
        if (k < 0)
            return;
        for (l4_ssize i = 0; i < k; i++)
            if (buf[i] != pat(x->got + (size_t)i))
                x->bad = 1;
        x->got += (size_t)k;
        if (fin) {
            x->fin = 1;
            return;
        }
        if (k == 0)
            return;
    }
}

static int got_half(quic_pair *p)
{
    xfer *x = p->app;
    return x->got >= x->size / 2;
}

static int got_all(quic_pair *p)
{
    xfer *x = p->app;
    return x->fin;
}

static void start(quic_pair *p, xfer *x, uint64_t seed, size_t size)
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
    p->paths = 1;
    p->cl_path = mk_path(1, 5000);
    CHECK_EQ(qp_start(p), 0);
}

/* A NAT rebinding (the port changes) mid-transfer. */
static void test_rebinding(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 1, 600000);
    CHECK(qp_run(&p, got_half, 60 * L4_S));
    p.cl_path = mk_path(1, 6123);
    CHECK(qp_run(&p, got_all, 60 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    CHECK(!x.bad && x.got == x.size);
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(p.sv, &st);
    CHECK_EQU(st.migrations, 1);
    CHECK(st.path_challenges_sent >= 1);
    CHECK_EQU(st.paths_validated, 1);
    CHECK_EQU(st.paths_failed, 0);
    CHECK(path_is(&p.last_to, &p.cl_path)); /* it answers the new port */
    /* a port change keeps the RTT estimate and the window (§9.4) */
    CHECK_MSG(st.srtt < 40 * L4_MS, "srtt %llu us", (unsigned long long)(st.srtt / 1000));
    CHECK(!l4_quic_conn_is_closing(p.sv) && !l4_quic_conn_is_closing(p.cl));
    qp_free(&p);
}

/* A new address: the congestion window and the RTT estimate start over (§9.4). */
static void test_new_address(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 2, 600000);
    CHECK(qp_run(&p, got_half, 60 * L4_S));
    p.cl_path = mk_path(2, 5000);
    uint64_t mig = 0;
    l4_quic_conn_stats st;
    while (mig == 0 && qp_step(&p, p.now + 10 * L4_S)) {
        l4_quic_conn_get_stats(p.sv, &st);
        mig = st.migrations;
    }
    CHECK_EQU(mig, 1);
    /* the RTT estimate starts over (until the next sample): RFC 9002 §6.2.2's 333 ms */
    CHECK_EQU(st.srtt, 333 * L4_MS);
    CHECK_EQ(p.sv->has_rtt, 0);
    CHECK(qp_run(&p, got_all, 60 * L4_S));
    CHECK(!x.bad);
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    l4_quic_conn_get_stats(p.sv, &st);
    CHECK_EQU(st.paths_validated, 1);
    qp_free(&p);
}

/* A probing-only packet from another path is answered there, padded, and
 * does not move the connection (§8.2.2, §9.1). */
static void test_probe_answered(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 3, 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    l4_quic_path home = p.cl_path, probe = mk_path(9, 999);
    static const uint8_t chal[] = {L4_QUIC_FRAME_PATH_CHALLENGE, 1, 2, 3, 4, 5, 6, 7, 8};
    p.cl_path = probe;
    /* the client's packet, arriving from the probe path */
    uint8_t pkt[1500];
    size_t pn = qi_packet(p.cl, chal, sizeof chal, pkt);
    l4_quic_conn_input_path(p.sv, pkt, pn, &probe, p.now);
    uint8_t out[1500];
    l4_quic_path to;
    l4_ssize n = l4_quic_conn_output_path(p.sv, out, sizeof out, &to, p.now);
    CHECK(n >= 1200); /* padded (§8.2.2) */
    CHECK(path_is(&to, &probe));
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(p.sv, &st);
    CHECK_EQU(st.migrations, 0);
    /* later packets still go home */
    p.cl_path = home;
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    static const uint8_t msg[] = "hello";
    l4_quic_stream_write(p.cl, sid, msg, sizeof msg, 1);
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    CHECK(path_is(&p.last_to, &home));
    CHECK_EQU(p.to_other, 0);
    qp_free(&p);
}

/* The server's datagrams: which frame types its last one carried. */
typedef struct seen {
    int chal, resp;
} seen;

static void sv_observer(l4_quic_conn *c, const l4_quic_event *ev, void *user)
{
    (void)c;
    seen *w = user;
    if (ev->type != L4_QUIC_EV_PACKET_SENT)
        return;
    for (size_t i = 0; i < ev->nframes; i++) {
        w->chal |= ev->frames[i].type == L4_QUIC_FRAME_PATH_CHALLENGE;
        w->resp |= ev->frames[i].type == L4_QUIC_FRAME_PATH_RESPONSE;
    }
}

/* A probe from a new path is answered there with the server's own
 * PATH_CHALLENGE in the same datagram (the first packet on a new path
 * carries a challenge); the path's answer to it marks it validated. */
static void test_probe_challenged(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 6, 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    seen w = {0, 0};
    l4_quic_conn_set_observer(p.sv, sv_observer, NULL, &w);
    l4_quic_path probe = mk_path(9, 999);
    static const uint8_t chal[] = {L4_QUIC_FRAME_PATH_CHALLENGE, 1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t pkt[1500], out[1500];
    size_t pn = qi_packet(p.cl, chal, sizeof chal, pkt);
    l4_quic_conn_input_path(p.sv, pkt, pn, &probe, p.now);
    l4_quic_path to;
    l4_ssize n = l4_quic_conn_output_path(p.sv, out, sizeof out, &to, p.now);
    CHECK(n >= 1200 && path_is(&to, &probe));
    CHECK(w.resp && w.chal);
    CHECK_EQ(p.sv->probe_state, 2);
    /* the probe path answers the server's challenge */
    uint8_t resp[9] = {L4_QUIC_FRAME_PATH_RESPONSE};
    memcpy(resp + 1, p.sv->probe_chal, 8);
    pn = qi_packet(p.cl, resp, sizeof resp, pkt);
    l4_quic_conn_input_path(p.sv, pkt, pn, &probe, p.now);
    CHECK_EQ(p.sv->probe_state, 3);
    /* the client then moves there: validated at once, no new challenge */
    static const uint8_t ping[] = {L4_QUIC_FRAME_PING};
    pn = qi_packet(p.cl, ping, sizeof ping, pkt);
    l4_quic_conn_input_path(p.sv, pkt, pn, &probe, p.now);
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(p.sv, &st);
    CHECK_EQU(st.migrations, 1);
    CHECK_EQU(st.paths_validated, 1);
    CHECK(p.sv->path_validated && !p.sv->chal_pending);
    l4_quic_conn_set_observer(p.sv, NULL, NULL, NULL);
    qp_free(&p);
}

/* A client's active migration mid-transfer (§9.2): it moves to a server ID
 * it never used and retires the old one (§9.5); its first packet from the
 * new port challenges the path; the server follows on it, answers from a
 * fresh client ID, validates the new path; both ends count one validated
 * path and the transfer completes byte-exact with the RTT kept (port only). */
static void test_client_migration(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 7, 600000);
    CHECK(qp_run(&p, got_half, 60 * L4_S));
    uint64_t cl_seq = l4_quic_conn_dcid_seq(p.cl), sv_seq = l4_quic_conn_dcid_seq(p.sv);
    l4_quic_cid old_dcid = p.cl->dcid;
    CHECK_EQ(l4_quic_conn_migrate(p.cl, 0, p.now), 0);
    CHECK(l4_quic_conn_dcid_seq(p.cl) != cl_seq);
    CHECK(p.cl->dcid.len != old_dcid.len || memcmp(p.cl->dcid.data, old_dcid.data, old_dcid.len));
    CHECK(p.cl->chal_pending);
    p.cl_path = mk_path(1, 6001);
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
    CHECK_EQU(ss.paths_failed + sc.paths_failed, 0);
    CHECK(l4_quic_conn_dcid_seq(p.sv) != sv_seq); /* the server answered from a new ID too */
    CHECK(path_is(&p.last_to, &p.cl_path));
    CHECK_MSG(ss.srtt < 40 * L4_MS, "srtt %llu us", (unsigned long long)(ss.srtt / 1000));
    /* the old ID was retired: the server no longer routes it */
    l4_quic_cid ids[16];
    size_t n = l4_quic_conn_local_cids(p.sv, ids, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        CHECK(ids[i].len != old_dcid.len || memcmp(ids[i].data, old_dcid.data, old_dcid.len));
    qp_free(&p);
}

/* l4_quic_conn_migrate's refusals: at a server, before the handshake is
 * confirmed, when the server sent disable_active_migration (§18.2), and
 * when no spare server ID is left (§9.5: never reuse one on a new path). */
static void test_migration_refused(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 8, 0);
    CHECK_EQ(l4_quic_conn_migrate(p.cl, 0, p.now), L4_ERR_STATE);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    CHECK_EQ(l4_quic_conn_migrate(p.sv, 0, p.now), L4_ERR_STATE);
    /* the client's limit is 4 IDs: the server gave 3 spare */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(l4_quic_conn_migrate(p.cl, 0, p.now), 0);
    CHECK_EQ(l4_quic_conn_migrate(p.cl, 0, p.now), L4_ERR_NOT_FOUND);
    /* once the retirements reach the server, it sends replacements */
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    CHECK_EQ(l4_quic_conn_migrate(p.cl, 0, p.now), 0);
    qp_free(&p);

    start(&p, &x, 9, 0);
    qp_free(&p);
    memset(&x, 0, sizeof x);
    qp_init(&p, 9);
    p.app = &x;
    p.cb.handshake_done = on_hs;
    p.ss.tp.disable_active_migration = 1;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    CHECK_EQ(l4_quic_conn_migrate(p.cl, 0, p.now), L4_ERR_UNSUPPORTED);
    qp_free(&p);
}

/* On the unvalidated new path the server sends at most 3x what arrived
 * there; if no PATH_RESPONSE comes, it returns to the old path (§9.3.2). */
static void test_unvalidated_limit_and_failure(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 4, 2000000);
    CHECK(qp_run(&p, got_half, 60 * L4_S));
    l4_quic_path home = p.cl_path;
    /* one client datagram arrives from elsewhere, then the client goes silent */
    p.cl_path = mk_path(1, 7777);
    uint64_t mig = 0;
    while (mig == 0 && qp_step(&p, p.now + 10 * L4_S)) {
        l4_quic_conn_stats st;
        l4_quic_conn_get_stats(p.sv, &st);
        mig = st.migrations;
    }
    CHECK_EQU(mig, 1);
    p.drop_first_n = 1000000; /* nothing gets through any more */
    p.cl_path = home;         /* so whatever the server sends to 7777 counts as "other" */
    p.to_other = p.to_other_bytes = 0;
    while (qp_step(&p, p.now + 5 * L4_S))
        ;
    /* what arrived from 7777: the datagrams already on their way count too */
    uint64_t recv_new = p.sv->path_recv;
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(p.sv, &st);
    CHECK_EQU(st.paths_failed, 1);
    CHECK_EQU(st.paths_validated, 0);
    CHECK(p.to_other >= 1); /* at least the PATH_CHALLENGE went to the new path */
    CHECK_MSG(p.to_other_bytes <= 3 * recv_new, "sent %llu bytes to the new path, received %llu",
              (unsigned long long)p.to_other_bytes, (unsigned long long)recv_new);
    CHECK(path_is(&p.sv->path, &home)); /* back to the validated path */
    qp_free(&p);
}

/* Only the newest packet moves the connection: an older one from another path does not (§9.3). */
static void test_old_packet_no_move(void)
{
    quic_pair p;
    xfer x;
    start(&p, &x, 5, 0);
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    while (qp_step(&p, p.now + 300 * L4_MS))
        ;
    static const uint8_t ping[] = {L4_QUIC_FRAME_PING};
    /* two packets, the newer delivered first on the home path */
    uint8_t pk[2][1500];
    size_t len[2];
    for (int i = 0; i < 2; i++)
        len[i] = qi_packet(p.cl, ping, sizeof ping, pk[i]);
    l4_quic_path home = p.cl_path, other = mk_path(1, 4444);
    l4_quic_conn_input_path(p.sv, pk[1], len[1], &home, p.now);
    l4_quic_conn_input_path(p.sv, pk[0], len[0], &other, p.now);
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(p.sv, &st);
    CHECK_EQU(st.migrations, 0);
    CHECK(path_is(&p.sv->path, &home));
    qp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(test_rebinding),
    TEST(test_new_address),
    TEST(test_probe_answered),
    TEST(test_unvalidated_limit_and_failure),
    TEST(test_old_packet_no_move),
    TEST(test_probe_challenged),
    TEST(test_client_migration),
    TEST(test_migration_refused),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
