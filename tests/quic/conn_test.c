/* tests/quic/conn_test.c — client ↔ server handshake in memory with the real
 * GnuTLS provider (RFC 9000, 9001): padding, keys, transport parameters,
 * certificate verification, ALPN, loss during the handshake. */
#include "check.h"
#include "quic_pair.h"
#include "wire/quic_frame.h"
#include "wire/quic_pkt.h"

static void test_handshake(void)
{
    quic_pair p;
    qp_init(&p, 1);
    CHECK_EQ(qp_start(&p), 0);
    /* The first client datagram: one Initial padded to 1200 bytes (§14.1). */
    uint8_t buf[1500];
    l4_ssize n = l4_quic_conn_output(p.cl, buf, sizeof buf, 0);
    CHECK_EQ(n, 1200);
    l4_quic_hdr h;
    CHECK_EQ(l4_quic_hdr_parse(&h, buf, (size_t)n, 0), 0);
    CHECK_EQ(h.type, L4_QUIC_PKT_INITIAL);
    CHECK_EQU(h.version, 1);
    CHECK_EQU(h.dcid_len, 8);
    CHECK_EQU(h.pkt_len, 1200);
    CHECK_EQ(l4_quic_conn_output(p.cl, buf, sizeof buf, 0), 0);
    /* Re-run from a fresh pair so the datagram above is not lost. */
    qp_free(&p);
    qp_init(&p, 1);
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 5 * L4_S));
    CHECK(p.hs_cl && p.hs_sv);
    /* 1 RTT (20 ms) for the client; the server completes on the client's Finished. */
    CHECK_MSG(p.now <= 40 * L4_MS, "handshake took %llu ns", (unsigned long long)p.now);
    CHECK(p.keylog_lines >= 4); /* client handshake/traffic secrets */
    const l4_quic_tp *tp = l4_quic_conn_peer_tp(p.cl);
    CHECK(tp != NULL);
    CHECK_EQU(tp->initial_max_data, 1u << 20);
    CHECK_EQU(tp->initial_max_streams_bidi, 100);
    CHECK(tp->present & L4_QUIC_TP_HAS_ORIGINAL_DCID);
    /* Let HANDSHAKE_DONE and the last ACKs settle; then nothing is in flight. */
    qp_run(&p, qp_handshaken, p.now + 1 * L4_S);
    while (qp_step(&p, p.now + 200 * L4_MS))
        ;
    l4_quic_conn_stats cs, ss;
    l4_quic_conn_get_stats(p.cl, &cs);
    l4_quic_conn_get_stats(p.sv, &ss);
    CHECK_EQU(cs.bytes_in_flight, 0);
    CHECK_EQU(ss.bytes_in_flight, 0);
    CHECK_EQU(cs.pkts_lost, 0);
    CHECK(cs.srtt >= 20 * L4_MS && cs.srtt < 30 * L4_MS);
    CHECK(!l4_quic_conn_is_closing(p.cl));
    CHECK(!l4_quic_conn_is_closing(p.sv));
    qp_free(&p);
}

static void test_handshake_lossy(void)
{
    /* Drop the first three datagrams (client Initial, and its PTO resends):
     * PTO with backoff must still complete the handshake. */
    quic_pair p;
    qp_init(&p, 2);
    p.drop_first_n = 3;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 30 * L4_S));
    l4_quic_conn_stats cs;
    l4_quic_conn_get_stats(p.cl, &cs);
    CHECK(cs.pto_count_total >= 2);
    CHECK(p.now >= 333 * L4_MS * 3); /* 1st PTO after 999 ms, then doubled */
    qp_free(&p);
    /* Random 30 % loss both ways, several seeds. */
    for (uint64_t seed = 10; seed < 20; seed++) {
        qp_init(&p, seed);
        p.loss = 0.3;
        CHECK_EQ(qp_start(&p), 0);
        CHECK_MSG(qp_run(&p, qp_handshaken, 60 * L4_S), "seed %llu", (unsigned long long)seed);
        qp_free(&p);
    }
}

static void test_bad_certificate(void)
{
    quic_pair p;
    qp_init(&p, 3);
    p.server_name = "example.org"; /* the certificate says localhost */
    CHECK_EQ(qp_start(&p), 0);
    while (qp_step(&p, 5 * L4_S))
        ;
    CHECK(!p.hs_cl);
    CHECK_EQ(p.closed_cl.called, 1);
    CHECK_EQ(p.closed_cl.by_peer, 0);
    /* CRYPTO_ERROR: 0x100 + bad_certificate (42); GnuTLS reports it as such */
    CHECK_MSG(p.closed_cl.err >= 0x100 && p.closed_cl.err < 0x200, "err 0x%llx",
              (unsigned long long)p.closed_cl.err);
    CHECK_EQ(p.closed_sv.called, 1);
    CHECK_EQ(p.closed_sv.by_peer, 1);
    CHECK_EQU(p.closed_sv.err, p.closed_cl.err);
    qp_free(&p);
    /* The same with --insecure completes. */
    qp_init(&p, 3);
    p.server_name = "example.org";
    p.insecure = 1;
    CHECK_EQ(qp_start(&p), 0);
    CHECK(qp_run(&p, qp_handshaken, 5 * L4_S));
    qp_free(&p);
}

static void test_alpn_mismatch(void)
{
    quic_pair p;
    qp_init(&p, 4);
    p.client_alpn = "hq-interop";
    CHECK_EQ(qp_start(&p), 0);
    while (qp_step(&p, 5 * L4_S))
        ;
    CHECK(!p.hs_cl);
    /* no_application_protocol (120): CRYPTO_ERROR 0x178 (RFC 9001 §8.1) */
    CHECK_EQU(p.closed_sv.err, 0x178);
    CHECK_EQ(p.closed_sv.by_peer, 0);
    CHECK_EQU(p.closed_cl.err, 0x178);
    qp_free(&p);
}

static void test_server_rejects_short_initial(void)
{
    quic_pair p;
    qp_init(&p, 5);
    CHECK_EQ(qp_start(&p), 0);
    uint8_t buf[1500];
    l4_ssize n = l4_quic_conn_output(p.cl, buf, sizeof buf, 0);
    CHECK_EQ(n, 1200);
    l4_quic_tls *tls;
    l4_quic_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.is_server = 1;
    cfg.cert_pem = p.cert;
    cfg.cert_pem_len = p.cert_len;
    cfg.key_pem = p.key;
    cfg.key_pem_len = p.key_len;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &cfg), 0);
    l4_quic_conn *sv = NULL;
    CHECK_EQ(l4_quic_conn_new_server(&sv, &p.ss, NULL, NULL, tls, buf, 1199, 0), L4_ERR_MALFORMED);
    CHECK(sv == NULL);
    qp_free(&p);
}

static void test_version_negotiation(void)
{
    uint8_t dg[1200];
    memset(dg, 0, sizeof dg);
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8}, scid[4] = {9, 10, 11, 12};
    h.type = L4_QUIC_PKT_INITIAL;
    h.version = 0x1a2a3a4a;
    h.dcid = dcid;
    h.dcid_len = 8;
    h.scid = scid;
    h.scid_len = 4;
    h.length = 1100;
    h.pn_len = 1;
    CHECK(l4_quic_hdr_write(dg, sizeof dg, &h) > 0);
    uint8_t out[256];
    l4_ssize n = l4_quic_version_negotiation(out, sizeof out, dg, sizeof dg, 0x12345678);
    CHECK_EQ(n, 1 + 4 + 1 + 4 + 1 + 8 + 8);
    l4_quic_hdr v;
    CHECK_EQ(l4_quic_hdr_parse(&v, out, (size_t)n, 0), 0);
    CHECK_EQ(v.type, L4_QUIC_PKT_VN);
    CHECK_EQU(v.dcid_len, 4);
    CHECK_MEM(v.dcid, scid, 4);
    CHECK_MEM(v.scid, dcid, 8);
    CHECK_EQU(v.n_versions, 2);
    static const uint8_t vers[8] = {0, 0, 0, 1, 0x1a, 0x3a, 0x5a, 0x7a};
    CHECK_MEM(v.versions, vers, 8);
    /* Nothing for version 1, or for a short datagram. */
    h.version = 1;
    CHECK(l4_quic_hdr_write(dg, sizeof dg, &h) > 0);
    CHECK_EQ(l4_quic_version_negotiation(out, sizeof out, dg, sizeof dg, 0), 0);
    h.version = 0x1a2a3a4a;
    CHECK(l4_quic_hdr_write(dg, sizeof dg, &h) > 0);
    CHECK_EQ(l4_quic_version_negotiation(out, sizeof out, dg, 1199, 0), 0);
}

/* The client gives up on a Version Negotiation packet without version 1
 * that echoes its CIDs, and ignores one that lists version 1 (§6.2). */
static void test_client_version_negotiation(void)
{
    for (int lists_v1 = 0; lists_v1 < 2; lists_v1++) {
        quic_pair p;
        qp_init(&p, 6);
        CHECK_EQ(qp_start(&p), 0);
        uint8_t dg[1500];
        l4_ssize n = l4_quic_conn_output(p.cl, dg, sizeof dg, 0);
        CHECK_EQ(n, 1200);
        l4_quic_hdr h;
        CHECK_EQ(l4_quic_hdr_parse(&h, dg, (size_t)n, 0), 0);
        uint8_t vers[8] = {0xff, 0, 0, 0x1d, 0, 0, 0, (uint8_t)(lists_v1 ? 1 : 2)};
        l4_quic_hdr vn;
        memset(&vn, 0, sizeof vn);
        vn.type = L4_QUIC_PKT_VN;
        vn.dcid = h.scid;
        vn.dcid_len = h.scid_len;
        vn.scid = h.dcid;
        vn.scid_len = h.dcid_len;
        vn.versions = vers;
        vn.n_versions = 2;
        uint8_t out[128];
        l4_ssize vl = l4_quic_hdr_write(out, sizeof out, &vn);
        CHECK(vl > 0);
        CHECK_EQ(l4_quic_conn_input(p.cl, out, (size_t)vl, 10 * L4_MS), 0);
        CHECK_EQ(l4_quic_conn_is_closed(p.cl), !lists_v1);
        CHECK_EQ(p.closed_cl.called, !lists_v1);
        qp_free(&p);
    }
}

static const l4_test TESTS[] = {
    TEST(test_client_version_negotiation),
    TEST(test_handshake),
    TEST(test_handshake_lossy),
    TEST(test_bad_certificate),
    TEST(test_alpn_mismatch),
    TEST(test_server_rejects_short_initial),
    TEST(test_version_negotiation),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
