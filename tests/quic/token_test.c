/* tests/quic/token_test.c — stateless address validation (RFC 9000 §8.1):
 * sealed tokens (altered, another key, another address or port, expired),
 * the server's Retry with its integrity tag and the client's second Initial
 * (the token, packet numbers not reset), a handshake after a Retry with
 * the transport parameters §7.3 asks for, INVALID_TOKEN closes for bad
 * Retry tokens (§8.1.2), and NEW_TOKEN tokens that let a returning client
 * skip the Retry (§8.1.3). */
#include "check.h"
#include "quic/protect.h"
#include "quic/token.h"
#include "quic_pair.h"
#include "wire/quic_frame.h"
#include "wire/quic_pkt.h"

static const uint8_t KEY[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* 10.0.0.1 port 4433 */
static l4_quic_path tk_path(uint8_t last, uint16_t port)
{
    l4_quic_path p;
    memset(&p, 0, sizeof p);
    p.addr_len = 4;
    p.len = 6;
    p.id[0] = 10, p.id[3] = last;
    p.id[4] = (uint8_t)(port >> 8), p.id[5] = (uint8_t)port;
    return p;
}

static void test_token_seal_open(void)
{
    l4_rng rng;
    l4_rng_init(&rng, 7, 1);
    l4_quic_path a = tk_path(1, 4433), b = tk_path(2, 4433), a2 = tk_path(1, 5555);
    l4_quic_cid od = {8, {1, 1, 1, 1, 1, 1, 1, 1}}, rs = {8, {2, 2, 2, 2, 2, 2, 2, 2}};
    uint8_t tok[L4_QUIC_TOKEN_MAX];
    l4_ssize n =
        l4_quic_token_seal(tok, sizeof tok, KEY, L4_QUIC_TOKEN_RETRY, &a, &od, &rs, 5 * L4_S, &rng);
    CHECK_EQ(n, 1 + 12 + 8 + 1 + 8 + 1 + 8 + 16);
    CHECK_EQU(tok[0], L4_QUIC_TOKEN_RETRY);
    l4_quic_token t;
    CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &a, 6 * L4_S, 10 * L4_S, &t), 0);
    CHECK_EQ(t.kind, L4_QUIC_TOKEN_RETRY);
    CHECK_EQU(t.issued, 5 * L4_S);
    CHECK_EQU(t.odcid.len, 8);
    CHECK_MEM(t.odcid.data, od.data, 8);
    CHECK_MEM(t.rscid.data, rs.data, 8);
    /* another address, or (Retry tokens) another port: does not open */
    CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &b, 6 * L4_S, 10 * L4_S, &t), L4_ERR_CHECKSUM);
    CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &a2, 6 * L4_S, 10 * L4_S, &t),
             L4_ERR_CHECKSUM);
    /* every single bit flipped after the kind byte is caught */
    for (size_t i = 1; i < (size_t)n; i++) {
        tok[i] ^= 0x10;
        CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &a, 6 * L4_S, 10 * L4_S, &t),
                 L4_ERR_CHECKSUM);
        tok[i] ^= 0x10;
    }
    /* another key */
    uint8_t k2[16];
    memcpy(k2, KEY, 16);
    k2[15] ^= 1;
    CHECK_EQ(l4_quic_token_open(k2, tok, (size_t)n, &a, 6 * L4_S, 10 * L4_S, &t), L4_ERR_CHECKSUM);
    /* expired, or from the future */
    CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &a, 16 * L4_S, 10 * L4_S, &t), L4_ERR_LIMIT);
    CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &a, 4 * L4_S, 10 * L4_S, &t), L4_ERR_LIMIT);
    /* not ours: kind byte, length */
    tok[0] = 0x55;
    CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &a, 6 * L4_S, 10 * L4_S, &t),
             L4_ERR_MALFORMED);
    tok[0] = L4_QUIC_TOKEN_RETRY;
    CHECK_EQ(l4_quic_token_open(KEY, tok, 20, &a, 6 * L4_S, 10 * L4_S, &t), L4_ERR_MALFORMED);
    /* the kind byte is authenticated too: a Retry token relabelled NEW fails */
    tok[0] = L4_QUIC_TOKEN_NEW;
    CHECK(l4_quic_token_open(KEY, tok, (size_t)n, &a, 6 * L4_S, 10 * L4_S, &t) < 0);
    /* NEW_TOKEN tokens: bound to the address only, carry no CIDs */
    n = l4_quic_token_seal(tok, sizeof tok, KEY, L4_QUIC_TOKEN_NEW, &a, NULL, NULL, 0, &rng);
    CHECK_EQ(n, 1 + 12 + 8 + 16);
    CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &a2, L4_S, 3600 * L4_S, &t), 0);
    CHECK_EQ(t.kind, L4_QUIC_TOKEN_NEW);
    CHECK_EQ(l4_quic_token_open(KEY, tok, (size_t)n, &b, L4_S, 3600 * L4_S, &t), L4_ERR_CHECKSUM);
    /* bad arguments */
    CHECK_EQ(l4_quic_token_seal(tok, sizeof tok, KEY, 7, &a, NULL, NULL, 0, &rng),
             L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_token_seal(tok, sizeof tok, KEY, L4_QUIC_TOKEN_RETRY, &a, NULL, NULL, 0, &rng),
             L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_token_seal(tok, 10, KEY, L4_QUIC_TOKEN_NEW, &a, NULL, NULL, 0, &rng),
             L4_ERR_NOBUF);
}

/* ---- the server's check, in a client/server pair -------------------------- */

/* The datagram at the head of the queue (the client's Initial). */
static qp_dgram *tk_head(quic_pair *p)
{
    qp_flush(p);
    return p->nq ? &p->q[0] : NULL;
}

/* Replaces the queued datagram `d` by `reply`, going back to the client. */
static void tk_answer(qp_dgram *d, const uint8_t *reply, size_t len)
{
    free(d->data);
    d->data = malloc(len);
    memcpy(d->data, reply, len);
    d->len = len;
    d->to_server = 0;
}

/* The packet number of a client Initial protected under the keys of `dcid`. */
static uint64_t tk_initial_pn(const uint8_t *dg, size_t len, const l4_quic_cid *dcid)
{
    uint8_t copy[1500];
    memcpy(copy, dg, len);
    l4_quic_hdr h;
    if (l4_quic_hdr_parse(&h, copy, len, 0) < 0)
        return UINT64_MAX;
    l4_quic_keys k;
    if (l4_quic_keys_init_initial(&k, NULL, dcid->data, dcid->len) < 0)
        return UINT64_MAX;
    uint64_t pn = UINT64_MAX;
    size_t hl;
    if (l4_quic_unprotect(&k, copy, h.pkt_len, h.pn_offset, L4_QUIC_PN_NONE, &pn, &hl) < 0)
        pn = UINT64_MAX;
    l4_quic_keys_free(&k);
    return pn;
}

static void test_retry_handshake(void)
{
    quic_pair p;
    qp_init(&p, 21);
    CHECK_EQ(qp_start(&p), 0);
    l4_quic_validator v;
    memset(&v, 0, sizeof v);
    memcpy(v.key, KEY, 16);
    v.retry = 1;
    l4_rng rng;
    l4_rng_init(&rng, 3, 3);
    l4_quic_path from = tk_path(9, 40000);
    uint8_t reply[256];
    l4_quic_screen s;
    /* 1. no token: a Retry to the client's SCID, tag over its original DCID */
    qp_dgram *d = tk_head(&p);
    CHECK(d && d->to_server);
    l4_quic_hdr ch;
    CHECK_EQ(l4_quic_hdr_parse(&ch, d->data, d->len, 0), 0);
    l4_quic_cid odcid = {(uint8_t)ch.dcid_len, {0}};
    memcpy(odcid.data, ch.dcid, ch.dcid_len);
    CHECK_EQU(tk_initial_pn(d->data, d->len, &odcid), 0);
    CHECK_EQ(
        l4_quic_screen_initial(&v, d->data, d->len, &from, p.now, &rng, reply, sizeof reply, &s),
        L4_QUIC_SCREEN_REPLY);
    CHECK(s.retry_sent);
    CHECK_EQ(s.token_kind, 0);
    l4_quic_hdr r;
    CHECK_EQ(l4_quic_hdr_parse(&r, reply, s.reply_len, 0), 0);
    CHECK_EQ(r.type, L4_QUIC_PKT_RETRY);
    CHECK_EQU(r.dcid_len, ch.scid_len);
    CHECK_MEM(r.dcid, ch.scid, ch.scid_len);
    CHECK(r.token_len > 0 && r.token[0] == L4_QUIC_TOKEN_RETRY);
    CHECK_EQ(l4_quic_retry_verify(odcid.data, odcid.len, reply, s.reply_len), 0);
    l4_quic_cid rscid = {(uint8_t)r.scid_len, {0}};
    memcpy(rscid.data, r.scid, r.scid_len);
    uint8_t tok[L4_QUIC_TOKEN_MAX];
    size_t tok_len = r.token_len;
    memcpy(tok, r.token, tok_len);
    tk_answer(d, reply, s.reply_len);
    /* 2. the client's second Initial: to the Retry's SCID, with the token,
     *    packet number 1 (numbers go on, §17.2.5.3) */
    CHECK(qp_step(&p, L4_S));
    d = tk_head(&p);
    CHECK(d && d->to_server);
    l4_quic_hdr ch2;
    CHECK_EQ(l4_quic_hdr_parse(&ch2, d->data, d->len, 0), 0);
    CHECK_EQ(ch2.type, L4_QUIC_PKT_INITIAL);
    CHECK_EQU(ch2.dcid_len, rscid.len);
    CHECK_MEM(ch2.dcid, rscid.data, rscid.len);
    CHECK_EQU(ch2.token_len, tok_len);
    CHECK_MEM(ch2.token, tok, tok_len);
    CHECK_EQU(tk_initial_pn(d->data, d->len, &rscid), 1);
    /* 3. the server accepts it, validated, and the handshake completes with
     *    original_destination_connection_id and retry_source_connection_id
     *    as the client checks them (§7.3) */
    CHECK_EQ(
        l4_quic_screen_initial(&v, d->data, d->len, &from, p.now, &rng, reply, sizeof reply, &s),
        L4_QUIC_SCREEN_ACCEPT);
    CHECK(s.validated);
    CHECK_EQ(s.token_kind, L4_QUIC_TOKEN_RETRY);
    CHECK_EQU(s.odcid.len, odcid.len);
    CHECK_MEM(s.odcid.data, odcid.data, odcid.len);
    CHECK_MEM(s.rscid.data, rscid.data, rscid.len);
    CHECK_EQ(qp_new_server(&p, d->data, d->len), 0);
    CHECK_EQ(l4_quic_conn_set_validation(p.sv, &s), 0);
    CHECK(qp_run(&p, qp_handshaken, 5 * L4_S));
    CHECK(!p.closed_cl.called && !p.closed_sv.called);
    const l4_quic_tp *tp = l4_quic_conn_peer_tp(p.cl);
    CHECK(tp->present & L4_QUIC_TP_HAS_RETRY_SCID);
    CHECK_MEM(tp->retry_scid.data, rscid.data, rscid.len);
    CHECK_MEM(tp->original_dcid.data, odcid.data, odcid.len);
    /* the Retry's SCID keeps naming the connection for late Initials */
    l4_quic_cid ids[16];
    size_t nids = l4_quic_conn_local_cids(p.sv, ids, 16);
    int found = 0;
    for (size_t i = 0; i < nids && i < 16; i++)
        found |= ids[i].len == rscid.len && !memcmp(ids[i].data, rscid.data, rscid.len);
    CHECK(found);
    CHECK_EQ(l4_quic_conn_set_validation(p.sv, &s), L4_ERR_STATE);
    qp_free(&p);
}

/* Runs the Retry exchange and returns the client's second Initial (queued). */
static qp_dgram *tk_after_retry(quic_pair *p, const l4_quic_validator *v, l4_rng *rng,
                                const l4_quic_path *from)
{
    uint8_t reply[256];
    l4_quic_screen s;
    qp_dgram *d = tk_head(p);
    if (!d || l4_quic_screen_initial(v, d->data, d->len, from, p->now, rng, reply, sizeof reply,
                                     &s) != L4_QUIC_SCREEN_REPLY)
        return NULL;
    tk_answer(d, reply, s.reply_len);
    if (!qp_step(p, L4_S))
        return NULL;
    return tk_head(p);
}

/* §8.1.2: a Retry token that is invalid (other address, expired, altered)
 * gets CONNECTION_CLOSE(INVALID_TOKEN), which ends the client's attempt. */
static void test_invalid_retry_token(void)
{
    for (int how = 0; how < 3; how++) {
        quic_pair p;
        qp_init(&p, 30 + (uint64_t)how);
        CHECK_EQ(qp_start(&p), 0);
        l4_quic_validator v;
        memset(&v, 0, sizeof v);
        memcpy(v.key, KEY, 16);
        v.retry = 1;
        l4_rng rng;
        l4_rng_init(&rng, 4, 4);
        l4_quic_path from = tk_path(9, 40000), other = tk_path(9, 40001);
        qp_dgram *d = tk_after_retry(&p, &v, &rng, &from);
        CHECK(d && d->to_server);
        l4_quic_hdr h;
        CHECK_EQ(l4_quic_hdr_parse(&h, d->data, d->len, 0), 0);
        l4_time at = p.now;
        const l4_quic_path *pa = &from;
        if (how == 0)
            pa = &other; /* a NAT rebinding between the two Initials, or a spoofer */
        else if (how == 1)
            at += 11 * L4_S; /* older than the 10 s default */
        else
            d->data[(size_t)(h.token - d->data) + 5] ^= 1; /* altered */
        uint8_t reply[256];
        l4_quic_screen s;
        CHECK_EQ(l4_quic_screen_initial(&v, d->data, d->len, pa, at, &rng, reply, sizeof reply, &s),
                 L4_QUIC_SCREEN_REPLY);
        CHECK(!s.retry_sent);
        CHECK(!s.validated);
        CHECK_EQ(s.token_kind, L4_QUIC_TOKEN_RETRY);
        CHECK_EQ(s.token_err, how == 1 ? L4_ERR_LIMIT : L4_ERR_CHECKSUM);
        l4_quic_hdr r;
        CHECK_EQ(l4_quic_hdr_parse(&r, reply, s.reply_len, 0), 0);
        CHECK_EQ(r.type, L4_QUIC_PKT_INITIAL);
        tk_answer(d, reply, s.reply_len);
        CHECK(qp_step(&p, L4_S));
        CHECK_EQ(p.closed_cl.called, 1);
        CHECK_EQ(p.closed_cl.by_peer, 1);
        CHECK_EQU(p.closed_cl.err, L4_QUIC_ERR_INVALID_TOKEN);
        CHECK(l4_quic_conn_is_closing(p.cl));
        qp_free(&p);
    }
}

/* Without a Retry policy a client without a token is accepted unvalidated;
 * other packets are dropped; bad arguments are refused. */
static void test_screen_plain(void)
{
    quic_pair p;
    qp_init(&p, 40);
    CHECK_EQ(qp_start(&p), 0);
    l4_quic_validator v;
    memset(&v, 0, sizeof v);
    memcpy(v.key, KEY, 16);
    l4_rng rng;
    l4_rng_init(&rng, 5, 5);
    l4_quic_path from = tk_path(9, 40000);
    uint8_t reply[256];
    l4_quic_screen s;
    qp_dgram *d = tk_head(&p);
    CHECK(d);
    CHECK_EQ(l4_quic_screen_initial(&v, d->data, d->len, &from, 0, &rng, reply, sizeof reply, &s),
             L4_QUIC_SCREEN_ACCEPT);
    CHECK(!s.validated);
    CHECK_EQ(l4_quic_screen_initial(&v, d->data, 1199, &from, 0, &rng, reply, sizeof reply, &s),
             L4_QUIC_SCREEN_DROP);
    uint8_t shorthdr[1200];
    memset(shorthdr, 0x41, sizeof shorthdr);
    CHECK_EQ(l4_quic_screen_initial(&v, shorthdr, sizeof shorthdr, &from, 0, &rng, reply,
                                    sizeof reply, &s),
             L4_QUIC_SCREEN_DROP);
    CHECK_EQ(l4_quic_screen_initial(NULL, d->data, d->len, &from, 0, &rng, reply, sizeof reply, &s),
             L4_ERR_INVALID_ARGUMENT);
    v.retry = 1;
    CHECK_EQ(l4_quic_screen_initial(&v, d->data, d->len, &from, 0, &rng, reply, 40, &s),
             L4_ERR_NOBUF);
    CHECK_EQ(l4_quic_conn_set_validation(p.cl, &s), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_conn_set_token(p.cl, (const uint8_t *)"x", 0), L4_ERR_INVALID_ARGUMENT);
    qp_free(&p);
}

static int tk_got_token(quic_pair *p)
{
    size_t n;
    return l4_quic_conn_new_token(p->cl, &n) != NULL;
}

/* §8.1.3: NEW_TOKEN after the handshake; the next connection from the same
 * address (any port) carries it and is accepted without a Retry; an expired
 * token or another address gets the Retry. */
static void test_new_token(void)
{
    l4_quic_validator v;
    memset(&v, 0, sizeof v);
    memcpy(v.key, KEY, 16);
    v.retry = 1;
    v.token_lifetime = 3600 * L4_S;
    l4_rng rng;
    l4_rng_init(&rng, 6, 6);
    l4_quic_path from = tk_path(9, 40000);
    quic_pair p;
    qp_init(&p, 50);
    CHECK_EQ(qp_start(&p), 0);
    qp_dgram *d = tk_after_retry(&p, &v, &rng, &from);
    CHECK(d);
    uint8_t reply[256];
    l4_quic_screen s;
    CHECK_EQ(
        l4_quic_screen_initial(&v, d->data, d->len, &from, p.now, &rng, reply, sizeof reply, &s),
        L4_QUIC_SCREEN_ACCEPT);
    CHECK_EQ(qp_new_server(&p, d->data, d->len), 0);
    CHECK_EQ(l4_quic_conn_set_validation(p.sv, &s), 0);
    uint8_t nt[L4_QUIC_TOKEN_MAX];
    l4_ssize ntl =
        l4_quic_token_seal(nt, sizeof nt, v.key, L4_QUIC_TOKEN_NEW, &from, NULL, NULL, p.now, &rng);
    CHECK(ntl > 0);
    CHECK_EQ(l4_quic_conn_send_token(p.sv, nt, (size_t)ntl), 0);
    CHECK_EQ(l4_quic_conn_send_token(p.cl, nt, (size_t)ntl), L4_ERR_INVALID_ARGUMENT);
    CHECK(qp_run(&p, qp_handshaken, 5 * L4_S));
    CHECK(qp_run(&p, tk_got_token, p.now + 2 * L4_S));
    size_t got_len;
    const uint8_t *got = l4_quic_conn_new_token(p.cl, &got_len);
    CHECK_EQU(got_len, (size_t)ntl);
    CHECK_MEM(got, nt, got_len);
    uint8_t saved[L4_QUIC_TOKEN_MAX];
    memcpy(saved, got, got_len);
    CHECK_EQ(l4_quic_conn_set_token(p.cl, saved, got_len), L4_ERR_STATE); /* too late */
    l4_time later = p.now + 60 * L4_S;
    qp_free(&p);
    for (int how = 0; how < 3; how++) {
        qp_init(&p, 60 + (uint64_t)how);
        p.now = how == 1 ? later + 3601 * L4_S : later;
        CHECK_EQ(qp_start(&p), 0);
        CHECK_EQ(l4_quic_conn_set_token(p.cl, saved, got_len), 0);
        d = tk_head(&p);
        CHECK(d);
        l4_quic_hdr h;
        CHECK_EQ(l4_quic_hdr_parse(&h, d->data, d->len, 0), 0);
        CHECK_EQU(h.token_len, got_len);
        l4_quic_path at = tk_path(how == 2 ? 10 : 9, 41234); /* a new port; another host */
        CHECK_EQ(
            l4_quic_screen_initial(&v, d->data, d->len, &at, p.now, &rng, reply, sizeof reply, &s),
            how == 0 ? L4_QUIC_SCREEN_ACCEPT : L4_QUIC_SCREEN_REPLY);
        CHECK_EQ(s.token_kind, L4_QUIC_TOKEN_NEW);
        if (how == 0) {
            CHECK(s.validated);
            CHECK_EQ(qp_new_server(&p, d->data, d->len), 0);
            CHECK_EQ(l4_quic_conn_set_validation(p.sv, &s), 0);
            CHECK(qp_run(&p, qp_handshaken, p.now + 5 * L4_S));
        } else {
            CHECK(s.retry_sent); /* as if no token */
            CHECK_EQ(s.token_err, how == 1 ? L4_ERR_LIMIT : L4_ERR_CHECKSUM);
        }
        qp_free(&p);
    }
}

/* A NEW_TOKEN frame that is lost is sent again. */
static int tk_drop_first_sv_1rtt(quic_pair *p, int to_server, const uint8_t *d, size_t len)
{
    (void)len;
    int *dropped = p->app;
    if (!to_server && !(d[0] & 0x80) && *dropped < 2) {
        (*dropped)++;
        return 1;
    }
    return 0;
}

static void test_new_token_lost(void)
{
    quic_pair p;
    qp_init(&p, 70);
    int dropped = 0;
    p.app = &dropped;
    p.filter = tk_drop_first_sv_1rtt;
    CHECK_EQ(qp_start(&p), 0);
    qp_dgram *d = tk_head(&p);
    CHECK_EQ(qp_new_server(&p, d->data, d->len), 0);
    static const uint8_t tok[5] = {1, 2, 3, 4, 5};
    CHECK_EQ(l4_quic_conn_send_token(p.sv, tok, sizeof tok), 0);
    CHECK(qp_run(&p, tk_got_token, 10 * L4_S));
    CHECK_EQ(dropped, 2);
    size_t n;
    const uint8_t *got = l4_quic_conn_new_token(p.cl, &n);
    CHECK_EQU(n, 5);
    CHECK_MEM(got, tok, 5);
    qp_free(&p);
}

static const l4_test TESTS[] = {
    TEST(test_token_seal_open),
    TEST(test_retry_handshake),
    TEST(test_invalid_retry_token),
    TEST(test_screen_plain),
    TEST(test_new_token),
    TEST(test_new_token_lost),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
