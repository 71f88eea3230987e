/* tests/quic/cid_test.c — connection IDs (RFC 9000 §5.1) at the frame
 * level: both ends issue NEW_CONNECTION_ID up to the peer's
 * active_connection_id_limit, CONNECTION_ID_LIMIT_ERROR beyond ours, repeats
 * and conflicts, Retire Prior To, RETIRE_CONNECTION_ID (and its errors),
 * switching to another peer ID, renewing our own, stateless reset tokens
 * and a Stateless Reset recognised (§10.3). */
#include "check.h"
#include "quic_inject.h"
#include "quic_pair.h"
#include "wire/quic_frame.h"

typedef struct cid_log {
    int new_cl, new_sv, retired_cl, retired_sv;
    l4_quic_cid last_retired_sv;
} cid_log;

static cid_log g_log;

static void on_cid_new(l4_quic_conn *c, const l4_quic_cid *cid, void *user)
{
    quic_pair *p = user;
    (void)cid;
    if (c == p->cl)
        g_log.new_cl++;
    else
        g_log.new_sv++;
}

static void on_cid_retired(l4_quic_conn *c, const l4_quic_cid *cid, void *user)
{
    quic_pair *p = user;
    if (c == p->cl) {
        g_log.retired_cl++;
    } else {
        g_log.retired_sv++;
        g_log.last_retired_sv = *cid;
    }
}

static void settle(quic_pair *p)
{
    while (qp_step(p, p->now + 300 * L4_MS))
        ;
}

static void start_with(quic_pair *p, uint64_t seed, uint64_t sv_limit, uint64_t cl_limit)
{
    memset(&g_log, 0, sizeof g_log);
    qp_init(p, seed);
    p->cb.cid_new = on_cid_new;
    p->cb.cid_retired = on_cid_retired;
    if (sv_limit)
        p->ss.tp.active_connection_id_limit = sv_limit;
    if (cl_limit)
        p->cs.tp.active_connection_id_limit = cl_limit;
    CHECK_EQ(qp_start(p), 0);
    CHECK(qp_run(p, qp_handshaken, 10 * L4_S));
    settle(p);
}

static int used_lcids(const l4_quic_conn *c)
{
    int n = 0;
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        n += c->lcid[i].used;
    return n;
}

static const qc_pcid *pcid_seq(const l4_quic_conn *c, uint64_t seq)
{
    for (int i = 0; i < QC_MAX_PCIDS; i++)
        if (c->pcid[i].used && c->pcid[i].seq == seq)
            return &c->pcid[i];
    return NULL;
}

static size_t enc_new_cid(uint8_t *buf, uint64_t seq, uint64_t rpt, uint8_t fill)
{
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_NEW_CONNECTION_ID;
    f.u.new_cid.seq = seq;
    f.u.new_cid.retire_prior_to = rpt;
    f.u.new_cid.cid.len = 8;
    memset(f.u.new_cid.cid.data, fill, 8);
    memset(f.u.new_cid.reset_token, fill ^ 0x55, 16);
    l4_ssize n = l4_quic_frame_encode(buf, 64, &f);
    CHECK(n > 0);
    return (size_t)n;
}

static size_t enc_retire(uint8_t *buf, uint64_t seq)
{
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_RETIRE_CONNECTION_ID;
    f.u.value = seq;
    l4_ssize n = l4_quic_frame_encode(buf, 16, &f);
    CHECK(n > 0);
    return (size_t)n;
}

static void expect_sv_closed(quic_pair *p, uint64_t err)
{
    CHECK_MSG(p->closed_sv.called == 1 && p->closed_sv.by_peer == 0 && p->closed_sv.err == err,
              "server closed %d err 0x%llx, want 0x%llx", p->closed_sv.called,
              (unsigned long long)p->closed_sv.err, (unsigned long long)err);
}

/* Both ends issue CIDs up to the peer's limit; each holds exactly the
 * other's, with their tokens; the server's sequence-0 token travels in its
 * transport parameters. */
static void test_cids_issued(void)
{
    quic_pair p;
    start_with(&p, 1, 0, 0);
    CHECK_EQ(used_lcids(p.cl), 4); /* the peer's default limit: 4 */
    CHECK_EQ(used_lcids(p.sv), 4);
    CHECK_EQ(g_log.new_cl, 3); /* sequence 0 is the handshake's */
    CHECK_EQ(g_log.new_sv, 3);
    for (int side = 0; side < 2; side++) {
        l4_quic_conn *me = side ? p.sv : p.cl, *peer = side ? p.cl : p.sv;
        for (int i = 0; i < QC_MAX_LCIDS; i++) {
            const qc_lcid *l = &me->lcid[i];
            if (!l->used)
                continue;
            const qc_pcid *pc = pcid_seq(peer, l->seq);
            CHECK_MSG(pc != NULL, "side %d seq %llu not at the peer", side,
                      (unsigned long long)l->seq);
            CHECK(pc->cid.len == l->cid.len && !memcmp(pc->cid.data, l->cid.data, l->cid.len));
            if (l->seq > 0 || side == 1) { /* the client's sequence 0 has no token (§18.2) */
                CHECK(pc->has_token);
                CHECK(!memcmp(pc->token, l->token, 16));
            }
        }
    }
    l4_quic_cid list[8];
    CHECK_EQU(l4_quic_conn_local_cids(p.cl, list, 8), 4);
    CHECK_EQU(l4_quic_conn_local_cids(p.sv, list, 8), 5); /* + the client's original DCID */
    CHECK_EQU(l4_quic_conn_dcid_seq(p.cl), 0);
    qp_free(&p);
}

/* §5.1.1: beyond our active_connection_id_limit, CONNECTION_ID_LIMIT_ERROR;
 * the client issues no more than the server's limit. */
static void test_cid_limit(void)
{
    quic_pair p;
    start_with(&p, 2, 2, 0);
    CHECK_EQ(used_lcids(p.cl), 2); /* sequence 0 and 1 */
    uint8_t b[64];
    inject(&p, b, enc_new_cid(b, 9, 0, 0xa1));
    expect_sv_closed(&p, L4_QUIC_ERR_CONNECTION_ID_LIMIT_ERROR);
    CHECK_EQU(p.sv->close_frame, L4_QUIC_FRAME_NEW_CONNECTION_ID);
    qp_free(&p);
    /* a limit of 8: the client gives 4 (what it keeps for itself), 4 more fit, a 9th does not */
    start_with(&p, 3, 8, 0);
    for (uint64_t seq = 9; seq < 13; seq++) {
        inject(&p, b, enc_new_cid(b, seq, 0, (uint8_t)seq));
        CHECK_EQ(p.closed_sv.called, 0);
    }
    inject(&p, b, enc_new_cid(b, 13, 0, 13));
    expect_sv_closed(&p, L4_QUIC_ERR_CONNECTION_ID_LIMIT_ERROR);
    qp_free(&p);
}

/* §19.15: an exact repeat is harmless; the same sequence number with
 * another ID, or the same ID with another number, is a PROTOCOL_VIOLATION. */
static void test_new_cid_repeats(void)
{
    quic_pair p;
    start_with(&p, 4, 0, 0);
    const qc_lcid *l1 = NULL;
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        if (p.cl->lcid[i].used && p.cl->lcid[i].seq == 1)
            l1 = &p.cl->lcid[i];
    CHECK(l1 != NULL);
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_NEW_CONNECTION_ID;
    f.u.new_cid.seq = 1;
    f.u.new_cid.cid = l1->cid;
    memcpy(f.u.new_cid.reset_token, l1->token, 16);
    uint8_t b[64];
    l4_ssize n = l4_quic_frame_encode(b, sizeof b, &f);
    inject(&p, b, (size_t)n);
    CHECK_EQ(p.closed_sv.called, 0);
    f.u.new_cid.cid.data[0] ^= 1; /* same number, another ID */
    n = l4_quic_frame_encode(b, sizeof b, &f);
    inject(&p, b, (size_t)n);
    expect_sv_closed(&p, L4_QUIC_ERR_PROTOCOL_VIOLATION);
    qp_free(&p);
    start_with(&p, 5, 0, 0);
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        if (p.cl->lcid[i].used && p.cl->lcid[i].seq == 1)
            f.u.new_cid.cid = p.cl->lcid[i].cid;
    f.u.new_cid.seq = 7; /* the same ID, another number */
    n = l4_quic_frame_encode(b, sizeof b, &f);
    inject(&p, b, (size_t)n);
    expect_sv_closed(&p, L4_QUIC_ERR_PROTOCOL_VIOLATION);
    qp_free(&p);
}

/* The packets the server sends next, with the frames of interest. */
typedef struct out_seen {
    int retire[8];
    l4_quic_cid dcid;
    int ncid_seq[8];
    int packets;
} out_seen;

static void watch(l4_quic_conn *c, const l4_quic_event *ev, void *user)
{
    out_seen *o = user;
    (void)c;
    if (ev->type != L4_QUIC_EV_PACKET_SENT || ev->pkt_type != L4_QUIC_PKT_1RTT)
        return;
    o->packets++;
    o->dcid = *ev->dcid;
    for (size_t i = 0; i < ev->nframes; i++) {
        const l4_quic_frame *f = &ev->frames[i];
        if (f->type == L4_QUIC_FRAME_RETIRE_CONNECTION_ID && f->u.value < 8)
            o->retire[f->u.value]++;
        if (f->type == L4_QUIC_FRAME_NEW_CONNECTION_ID && f->u.new_cid.seq < 8)
            o->ncid_seq[f->u.new_cid.seq]++;
    }
}

/* §5.1.2: Retire Prior To retires every older ID at once (RETIRE_CONNECTION_ID
 * for each), the sender moves to a remaining one, and a late NEW_CONNECTION_ID
 * below it is retired on arrival. */
static void test_retire_prior_to(void)
{
    quic_pair p;
    start_with(&p, 6, 0, 0);
    static out_seen o;
    memset(&o, 0, sizeof o);
    l4_quic_conn_set_observer(p.sv, watch, NULL, &o);
    uint8_t b[64];
    inject(&p, b, enc_new_cid(b, 4, 4, 0xc4));
    CHECK_EQ(p.closed_sv.called, 0);
    CHECK_EQU(l4_quic_conn_dcid_seq(p.sv), 4);
    CHECK(p.sv->dcid.len == 8 && p.sv->dcid.data[0] == 0xc4);
    for (uint64_t s = 0; s < 4; s++)
        CHECK(pcid_seq(p.sv, s) == NULL);
    uint8_t out[1500];
    while (l4_quic_conn_output(p.sv, out, sizeof out, p.now) > 0)
        ;
    CHECK(o.packets > 0 && o.dcid.data[0] == 0xc4);
    for (int s = 0; s < 4; s++)
        CHECK_MSG(o.retire[s] == 1, "RETIRE_CONNECTION_ID %d sent %d times", s, o.retire[s]);
    /* a late NEW_CONNECTION_ID under the Retire Prior To: retired at once */
    inject(&p, b, enc_new_cid(b, 2, 0, 0xd2));
    CHECK_EQ(p.closed_sv.called, 0);
    while (l4_quic_conn_output(p.sv, out, sizeof out, p.now) > 0)
        ;
    CHECK_EQ(o.retire[2], 2);
    CHECK(pcid_seq(p.sv, 2) == NULL);
    qp_free(&p);
}

/* §19.16: RETIRE_CONNECTION_ID retires our ID and a replacement is issued;
 * retiring the ID the packet was sent to is a PROTOCOL_VIOLATION. */
static void test_retire(void)
{
    quic_pair p;
    start_with(&p, 7, 0, 0);
    static out_seen o;
    memset(&o, 0, sizeof o);
    l4_quic_conn_set_observer(p.sv, watch, NULL, &o);
    l4_quic_cid one;
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        if (p.sv->lcid[i].used && p.sv->lcid[i].seq == 1)
            one = p.sv->lcid[i].cid;
    uint8_t b[16];
    inject(&p, b, enc_retire(b, 1));
    CHECK_EQ(p.closed_sv.called, 0);
    CHECK_EQ(g_log.retired_sv, 1);
    CHECK(!memcmp(g_log.last_retired_sv.data, one.data, one.len));
    CHECK(!qc_cid_is_local(p.sv, one.data, one.len));
    CHECK_EQ(g_log.new_sv, 4); /* sequence 4 replaces it */
    CHECK_EQ(used_lcids(p.sv), 4);
    uint8_t out[1500];
    while (l4_quic_conn_output(p.sv, out, sizeof out, p.now) > 0)
        ;
    CHECK_EQ(o.ncid_seq[4], 1);
    /* a retirement repeated is harmless */
    inject(&p, b, enc_retire(b, 1));
    CHECK_EQ(p.closed_sv.called, 0);
    /* the client sends to the server's sequence 0: retiring it in that packet is an error */
    CHECK_EQU(l4_quic_conn_dcid_seq(p.cl), 0);
    inject(&p, b, enc_retire(b, 0));
    expect_sv_closed(&p, L4_QUIC_ERR_PROTOCOL_VIOLATION);
    qp_free(&p);
}

/* The client switches to the server's other IDs; the server retires the old
 * ones as RETIRE_CONNECTION_ID arrives and keeps the client supplied; data
 * keeps flowing. Without a spare ID the switch is refused. */
static void test_switch_dcid(void)
{
    quic_pair p;
    start_with(&p, 8, 0, 0);
    for (int k = 1; k <= 3; k++) {
        CHECK_EQ(l4_quic_conn_switch_dcid(p.cl), 0);
        CHECK_EQU(l4_quic_conn_dcid_seq(p.cl), (uint64_t)k);
    }
    CHECK_EQ(l4_quic_conn_switch_dcid(p.cl),
             L4_ERR_NOT_FOUND); /* none spare until the server answers */
    uint64_t sid;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &sid), 0);
    static const uint8_t msg[] = "after the switch";
    CHECK_EQ(l4_quic_stream_write(p.cl, sid, msg, sizeof msg, 1), (l4_ssize)sizeof msg);
    settle(&p);
    CHECK_EQ(p.closed_sv.called + p.closed_cl.called, 0);
    CHECK_EQ(g_log.retired_sv, 3); /* sequences 0, 1 and 2 */
    CHECK_EQ(used_lcids(p.sv), 4); /* 3 and the replacements 4, 5, 6 */
    uint8_t got[64];
    int fin = 0;
    CHECK_EQ(l4_quic_stream_read(p.sv, sid, got, sizeof got, &fin), (l4_ssize)sizeof msg);
    CHECK(fin && !memcmp(got, msg, sizeof msg));
    CHECK_EQ(l4_quic_conn_switch_dcid(p.cl), 0); /* the replacements arrived */
    qp_free(&p);
}

/* The server renews its IDs (Retire Prior To): the client retires all the
 * old ones and moves on; a second renewal waits for the first to finish. */
static void test_renew(void)
{
    quic_pair p;
    start_with(&p, 9, 0, 0);
    CHECK_EQ(l4_quic_conn_renew_cids(p.sv), 0);
    CHECK_EQ(l4_quic_conn_renew_cids(p.sv), L4_ERR_STATE); /* the old ones are not retired yet */
    settle(&p);
    CHECK_EQ(p.closed_sv.called + p.closed_cl.called, 0);
    CHECK_EQ(g_log.retired_sv, 4);
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        CHECK(!p.sv->lcid[i].used || p.sv->lcid[i].seq >= 4);
    CHECK(l4_quic_conn_dcid_seq(p.cl) >= 4);
    for (int i = 0; i < QC_MAX_PCIDS; i++)
        CHECK(!p.cl->pcid[i].used || p.cl->pcid[i].seq >= 4);
    CHECK_EQ(l4_quic_conn_renew_cids(p.sv), 0);
    settle(&p);
    CHECK(l4_quic_conn_dcid_seq(p.cl) >= 8);
    CHECK_EQ(p.closed_sv.called + p.closed_cl.called, 0);
    qp_free(&p);
}

static void test_reset_token(void)
{
    uint8_t k1[16] = {1}, k2[16] = {2}, a[16], b[16];
    l4_quic_cid c1 = {8, {1, 2, 3, 4, 5, 6, 7, 8}}, c2 = c1;
    c2.data[7] = 9;
    l4_quic_reset_token(k1, &c1, a);
    l4_quic_reset_token(k1, &c1, b);
    CHECK(!memcmp(a, b, 16));
    l4_quic_reset_token(k1, &c2, b);
    CHECK(memcmp(a, b, 16) != 0);
    l4_quic_reset_token(k2, &c1, b);
    CHECK(memcmp(a, b, 16) != 0);
    CHECK(memcmp(a, a + 8, 8) != 0); /* two halves, not one repeated */
    /* the Stateless Reset packet (§10.3) */
    l4_rng rng;
    l4_rng_init(&rng, 5, 1);
    uint8_t dg[100], out[128];
    memset(dg, 0x11, sizeof dg);
    dg[0] = 0x41;
    memcpy(dg + 1, c1.data, 8);
    CHECK_EQ(l4_quic_stateless_reset(out, sizeof out, k1, dg, 100, 8, &rng), 64);
    CHECK_EQ(out[0] & 0xc0, 0x40);
    CHECK(!memcmp(out + 64 - 16, a, 16));
    CHECK_EQ(l4_quic_stateless_reset(out, sizeof out, k1, dg, 30, 8, &rng), 29);
    CHECK(!memcmp(out + 29 - 16, a, 16));
    CHECK_EQ(l4_quic_stateless_reset(out, sizeof out, k1, dg, 21, 8, &rng), 0); /* too short */
    dg[0] = 0xc0;                                                               /* long header */
    CHECK_EQ(l4_quic_stateless_reset(out, sizeof out, k1, dg, 100, 8, &rng), 0);
    dg[0] = 0x41;
    CHECK_EQ(l4_quic_stateless_reset(out, 10, k1, dg, 100, 8, &rng), L4_ERR_NOBUF);
}

/* §10.3.1: a server that lost the connection answers with a Stateless Reset
 * made from the key; the client recognises the token of the ID it sends to
 * (from the transport parameters, then from NEW_CONNECTION_ID) and drains. */
static void test_stateless_reset(void)
{
    static const uint8_t key[16] = {0x42, 1, 2, 3};
    for (int switched = 0; switched < 2; switched++) {
        quic_pair p;
        memset(&g_log, 0, sizeof g_log);
        qp_init(&p, 11 + (uint64_t)switched);
        memcpy(p.ss.reset_key, key, 16);
        p.ss.reset_key_set = 1;
        CHECK_EQ(qp_start(&p), 0);
        CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
        settle(&p);
        if (switched)
            CHECK_EQ(l4_quic_conn_switch_dcid(p.cl), 0);
        /* a datagram the client would send, and the reset a keyed host answers with */
        uint8_t dg[60], rst[64];
        memset(dg, 0x33, sizeof dg);
        dg[0] = 0x40;
        memcpy(dg + 1, p.cl->dcid.data, p.cl->dcid.len);
        l4_rng rng;
        l4_rng_init(&rng, 77, 0);
        /* the token of a server ID the client holds but never sent to: not checked (§10.3.1) */
        const qc_pcid *unused = NULL;
        for (int i = 0; i < QC_MAX_PCIDS; i++)
            if (p.cl->pcid[i].used && p.cl->pcid[i].seq != p.cl->dcid_seq && !p.cl->pcid[i].sent_to)
                unused = &p.cl->pcid[i];
        CHECK(unused != NULL && unused->has_token);
        uint8_t fake[40];
        memset(fake, 0x44, sizeof fake);
        fake[0] = 0x45;
        memcpy(fake + sizeof fake - 16, unused->token, 16);
        l4_quic_conn_input(p.cl, fake, sizeof fake, p.now);
        CHECK(!l4_quic_conn_is_closing(p.cl));
        uint8_t wrong[16] = {9};
        l4_ssize n = l4_quic_stateless_reset(rst, sizeof rst, wrong, dg, sizeof dg, 8, &rng);
        CHECK(n > 21);
        l4_quic_conn_input(p.cl, rst, (size_t)n, p.now);
        CHECK(!l4_quic_conn_is_closing(p.cl)); /* another key: just an undecryptable packet */
        n = l4_quic_stateless_reset(rst, sizeof rst, key, dg, sizeof dg, 8, &rng);
        l4_quic_conn_input(p.cl, rst, (size_t)n, p.now);
        CHECK(l4_quic_conn_is_closing(p.cl));
        CHECK_EQ(p.closed_cl.called, 1);
        CHECK_EQ(p.closed_cl.by_peer, 3);
        l4_quic_conn_stats st;
        l4_quic_conn_get_stats(p.cl, &st);
        CHECK_EQU(st.stateless_resets, 1);
        uint8_t out[1500];
        CHECK_EQ(l4_quic_conn_output(p.cl, out, sizeof out, p.now), 0); /* draining: silent */
        qp_free(&p);
    }
}

static const l4_test TESTS[] = {
    TEST(test_cids_issued),     TEST(test_cid_limit),
    TEST(test_new_cid_repeats), TEST(test_retire_prior_to),
    TEST(test_retire),          TEST(test_switch_dcid),
    TEST(test_renew),           TEST(test_reset_token),
    TEST(test_stateless_reset), TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
