/* tests/quic/suites_test.c — the three TLS 1.3 cipher suites of RFC 9001
 * §5.3, each alone, between two engines in memory with the GnuTLS provider
 * (l4_quic_tls_config.ciphers):
 * - a client offering only one suite (the server all three), and a server
 *   accepting only one (the client all three), handshake, agree on it and
 *   move 200 KB each way byte-exact across a key update (RFC 9001 §6, whose
 *   next secret uses the suite's hash: SHA-384 for AES-256-GCM);
 * - no suite in common: the handshake fails with the TLS alert as a
 *   CRYPTO_ERROR (0x100 + handshake_failure 40), no data, no hang;
 * - suite names and lists (l4_quic_suites_parse), and a set with unknown
 *   bits refused by the provider. */
#include "check.h"
#include "quic/suites.h"
#include "quic_pair.h"

#define SZ 200000

typedef struct sx {
    uint8_t got[2][SZ]; /* [0] what the server got, [1] what the client got */
    size_t n[2];
    int fin[2];
} sx;

static uint8_t pat(int dir, size_t i)
{
    return (uint8_t)(i * 29 + (size_t)dir * 101 + (i >> 9));
}

static void sx_readable(l4_quic_conn *c, uint64_t sid, void *user)
{
    quic_pair *p = user;
    sx *x = p->app;
    int d = c == p->cl;
    int fin = 0;
    l4_ssize r;
    while (!fin && x->n[d] < SZ &&
           (r = l4_quic_stream_read(c, sid, x->got[d] + x->n[d], SZ - x->n[d], &fin)) > 0)
        x->n[d] += (size_t)r;
    if (fin)
        x->fin[d] = 1;
}

static int sx_done(quic_pair *p)
{
    sx *x = p->app;
    return x->fin[0] && x->fin[1];
}

static void run_suite(l4_quic_aead aead, int restrict_server)
{
    static uint8_t data[2][SZ];
    static sx x;
    memset(&x, 0, sizeof x);
    for (size_t i = 0; i < SZ; i++) {
        data[0][i] = pat(0, i);
        data[1][i] = pat(1, i);
    }
    quic_pair p;
    qp_init(&p, 70 + (uint64_t)aead * 2 + (uint64_t)restrict_server);
    if (restrict_server)
        p.sv_ciphers = L4_QUIC_SUITE(aead);
    else
        p.cl_ciphers = L4_QUIC_SUITE(aead);
    p.app = &x;
    p.cb.stream_readable = sx_readable;
    CHECK_EQ(qp_start(&p), 0);
    CHECK_EQ(l4_quic_conn_aead(p.cl), L4_ERR_STATE); /* not negotiated yet */
    CHECK(qp_run(&p, qp_handshaken, 10 * L4_S));
    CHECK_MSG(l4_quic_conn_aead(p.cl) == (int)aead && l4_quic_conn_aead(p.sv) == (int)aead,
              "%s: client %d, server %d", l4_quic_suite_name(aead), l4_quic_conn_aead(p.cl),
              l4_quic_conn_aead(p.sv));
    while (qp_step(&p, p.now + 100 * L4_MS))
        ;
    CHECK_EQ(l4_quic_conn_key_update(p.cl), 0);
    uint64_t a, b;
    CHECK_EQ(l4_quic_stream_open(p.cl, 0, &a), 0);
    CHECK_EQ(l4_quic_stream_write(p.cl, a, data[0], SZ, 1), (l4_ssize)SZ);
    CHECK_EQ(l4_quic_stream_open(p.sv, 0, &b), 0);
    CHECK_EQ(l4_quic_stream_write(p.sv, b, data[1], SZ, 1), (l4_ssize)SZ);
    CHECK(qp_run(&p, sx_done, p.now + 30 * L4_S));
    CHECK_EQU(x.n[0], SZ);
    CHECK_EQU(x.n[1], SZ);
    CHECK_MEM(x.got[0], data[0], SZ);
    CHECK_MEM(x.got[1], data[1], SZ);
    l4_quic_conn_stats cs, ss;
    l4_quic_conn_get_stats(p.cl, &cs);
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK_EQU(cs.key_updates, 1);
    CHECK_EQU(ss.key_updates, 1);
    CHECK_EQU(cs.pkts_dropped + ss.pkts_dropped, 0);
    CHECK(!p.closed_cl.called && !p.closed_sv.called);
    qp_free(&p);
}

static void test_each_suite_offered_alone(void)
{
    run_suite(L4_QUIC_AEAD_AES_128_GCM, 0);
    run_suite(L4_QUIC_AEAD_AES_256_GCM, 0);
    run_suite(L4_QUIC_AEAD_CHACHA20_POLY1305, 0);
}

static void test_each_suite_accepted_alone(void)
{
    run_suite(L4_QUIC_AEAD_AES_128_GCM, 1);
    run_suite(L4_QUIC_AEAD_AES_256_GCM, 1);
    run_suite(L4_QUIC_AEAD_CHACHA20_POLY1305, 1);
}

static int both_closed(quic_pair *p)
{
    return p->closed_cl.called && (p->closed_sv.called || !p->sv);
}

static void test_no_common_suite(void)
{
    quic_pair p;
    qp_init(&p, 80);
    p.cl_ciphers = L4_QUIC_SUITE(L4_QUIC_AEAD_CHACHA20_POLY1305);
    p.sv_ciphers =
        L4_QUIC_SUITE(L4_QUIC_AEAD_AES_128_GCM) | L4_QUIC_SUITE(L4_QUIC_AEAD_AES_256_GCM);
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, both_closed, 10 * L4_S));
    CHECK(!p.hs_cl && !p.hs_sv);
    CHECK_EQ(p.closed_cl.by_peer, 1);
    CHECK_EQU(p.closed_cl.err, 0x100 + 40); /* CRYPTO_ERROR: handshake_failure */
    CHECK(p.now < 2 * L4_S);
    qp_free(&p);
}

static void test_names_and_lists(void)
{
    unsigned set = 0;
    const char *bad = NULL;
    CHECK_EQ(l4_quic_suites_parse("chacha20", &set, &bad), 0);
    CHECK_EQU(set, L4_QUIC_SUITE(L4_QUIC_AEAD_CHACHA20_POLY1305));
    CHECK_EQ(l4_quic_suites_parse("AES128,aes-256-gcm,TLS_CHACHA20_POLY1305_SHA256", &set, &bad),
             0);
    CHECK_EQU(set, L4_QUIC_SUITES_ALL);
    CHECK_EQ(l4_quic_suites_parse("tls_aes_256_gcm_sha384,aes256", &set, &bad), 0);
    CHECK_EQU(set, L4_QUIC_SUITE(L4_QUIC_AEAD_AES_256_GCM));
    const char *l = "aes128,aes-128-ccm";
    CHECK_EQ(l4_quic_suites_parse(l, &set, &bad), L4_ERR_MALFORMED);
    CHECK(bad == l + 7);
    CHECK_EQ(l4_quic_suites_parse("", &set, &bad), L4_ERR_MALFORMED);
    CHECK_EQ(l4_quic_suites_parse("aes128,", &set, &bad), L4_ERR_MALFORMED);
    CHECK_EQ(l4_quic_suites_parse(",aes128", &set, &bad), L4_ERR_MALFORMED);
    CHECK_EQ(l4_quic_suites_parse("aes12", &set, NULL), L4_ERR_MALFORMED);
    CHECK_EQ(l4_quic_suites_parse("aes1280", &set, NULL), L4_ERR_MALFORMED);
    CHECK_EQ(l4_quic_suites_parse(NULL, &set, NULL), L4_ERR_INVALID_ARGUMENT);
    CHECK_STR(l4_quic_suite_name(L4_QUIC_AEAD_AES_128_GCM), "TLS_AES_128_GCM_SHA256");
    CHECK_STR(l4_quic_suite_name(L4_QUIC_AEAD_AES_256_GCM), "TLS_AES_256_GCM_SHA384");
    CHECK_STR(l4_quic_suite_name(L4_QUIC_AEAD_CHACHA20_POLY1305), "TLS_CHACHA20_POLY1305_SHA256");
    /* the provider refuses bits of no suite */
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.insecure = 1;
    cfg.ciphers = 1u << 5;
    l4_quic_tls *tls = NULL;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), L4_ERR_INVALID_ARGUMENT);
    cfg.ciphers = L4_QUIC_SUITE(L4_QUIC_AEAD_AES_256_GCM);
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
    tls->ops->free(tls);
}

static const l4_test TESTS[] = {
    TEST(test_names_and_lists),
    TEST(test_each_suite_offered_alone),
    TEST(test_each_suite_accepted_alone),
    TEST(test_no_common_suite),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
