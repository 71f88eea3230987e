/*
 * tests/tools/dissect_quic_test.c — `l4kit dissect`'s QUIC decoder
 * (tools/l4kit/dissect_quic.h) on packets built here: RFC 9001 Appendix A's
 * client and server Initials and Retry; whole synthetic connections whose
 * Handshake, 0-RTT and 1-RTT packets are protected with secrets given in a
 * key log (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, the AEAD from the
 * ServerHello or found by trying), key updates with a packet reordered
 * across one, Version Negotiation, other versions, what is not QUIC (DNS,
 * a short header nobody announced), Stateless Reset, and packets that are
 * cut, corrupted or malformed. Also the key log and TLS parsers.
 */
#include <stdio.h>

#include "check.h"
#include "quic/crypto.h"
#include "quic/hex.h"
#include "quic/protect.h"
#include "quic/rfc9001_vectors.h"
#include "tools/l4kit/dissect_keylog.h"
#include "tools/l4kit/dissect_quic.h"
#include "tools/l4kit/dissect_quic_print.h"
#include "wire/quic_frame.h"

static l4_addr A, B; /* client 10.0.0.1:50000, server 10.0.0.2:443 */

static void addrs(void)
{
    static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    A = l4_addr_v4(a);
    B = l4_addr_v4(b);
}

/* One datagram from the client (to_server 1) or the server. */
static void dgram(dis_quic *q, disq_dgram *g, int to_server, const uint8_t *d, size_t n)
{
    int rc = to_server ? dis_quic_datagram(q, g, &A, 50000, &B, 443, d, n, n)
                       : dis_quic_datagram(q, g, &B, 443, &A, 50000, d, n, n);
    CHECK_EQ(rc, 0);
}

static const disq_frame *frame(const disq_dgram *g, const disq_pkt *p, size_t i)
{
    CHECK(i < p->n_frames);
    return &g->frames[p->frame0 + i];
}

/* The one-line text of a datagram (disq_text_line + sub-lines), for CHECKs. */
static char *text_of(const disq_dgram *g, size_t udp_len)
{
    static char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    CHECK(f != NULL);
    disq_text_line(f, g, udp_len);
    fputc('\n', f);
    disq_text_sublines(f, g);
    disq_text_verbose(f, g);
    disq_json(f, g);
    fclose(f);
    buf[sizeof buf - 1] = 0;
    return buf;
}

/* ---------------------------------------------------------------- RFC 9001 Appendix A */

static void test_rfc9001_initials_and_retry(void)
{
    addrs();
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, NULL), 0);
    static disq_dgram g;
    uint8_t pkt[1500];
    size_t n = hex_decode(pkt, sizeof pkt, V_CLIENT_PACKET);
    CHECK_EQ(n, 1200);
    dgram(q, &g, 1, pkt, n);
    CHECK(g.is_quic);
    CHECK_EQ(g.n_pkts, 1);
    const disq_pkt *p = &g.pkts[0];
    CHECK_EQ(p->h.type, L4_QUIC_PKT_INITIAL);
    CHECK_EQ(p->dec, DISQ_DEC_OK);
    CHECK_EQ(p->from_client, 1);
    CHECK_EQ(p->pn, 2);
    CHECK_EQ(p->pn_len, 4);
    CHECK_EQ(p->first, 0xc3); /* A.2's unprotected first byte */
    CHECK_EQ(p->n_frames, 2);
    CHECK_EQU(frame(&g, p, 0)->f.type, L4_QUIC_FRAME_CRYPTO);
    CHECK_EQ(frame(&g, p, 0)->f.u.crypto.len, 241);
    CHECK_EQ(frame(&g, p, 0)->n_tls, 1);
    const dis_tls_msg *m = &g.tls[frame(&g, p, 0)->tls0];
    CHECK_EQ(m->type, DIS_TLS_CLIENT_HELLO);
    CHECK(m->parsed);
    CHECK_STR(m->sni, "example.com");
    CHECK_STR(m->alpn, "alpn");
    CHECK(m->has_tp);
    CHECK_EQU(frame(&g, p, 1)->f.type, L4_QUIC_FRAME_PADDING);
    CHECK_EQ(frame(&g, p, 1)->f.u.padding_len, 1162 - 4 - 241);
    CHECK(strstr(text_of(&g, n), " len=1200 Initial v1 DCID=8394c8f03e515708 SCID=- token=0 "
                                 "len=1182 pn=2: CRYPTO off=0 len=241 (ClientHello "
                                 "sni=example.com alpn=alpn), PADDING 917\n") != NULL);

    /* A.3: the server's Initial, keys from the same DCID. */
    n = hex_decode(pkt, sizeof pkt, V_SERVER_PACKET);
    dgram(q, &g, 0, pkt, n);
    p = &g.pkts[0];
    CHECK(g.is_quic);
    CHECK_EQ(p->dec, DISQ_DEC_OK);
    CHECK_EQ(p->from_client, 0);
    CHECK_EQ(p->pn, 1);
    CHECK_EQU(frame(&g, p, 0)->f.type, L4_QUIC_FRAME_ACK);
    CHECK_EQU(frame(&g, p, 0)->f.u.ack.largest, 0);
    m = &g.tls[frame(&g, p, 1)->tls0];
    CHECK_EQ(frame(&g, p, 1)->n_tls, 1);
    CHECK_EQ(m->type, DIS_TLS_SERVER_HELLO);
    CHECK_EQ(m->cipher, 0x1301);
    CHECK(strstr(text_of(&g, n), "(ServerHello TLS_AES_128_GCM_SHA256)") != NULL);

    /* A.4: the Retry's tag verifies against the client's first DCID. */
    n = hex_decode(pkt, sizeof pkt, V_RETRY);
    dgram(q, &g, 0, pkt, n);
    p = &g.pkts[0];
    CHECK(g.is_quic);
    CHECK_EQ(p->h.type, L4_QUIC_PKT_RETRY);
    CHECK_EQ(p->dec, DISQ_DEC_NONE);
    CHECK_EQ(p->retry_tag, 1);
    CHECK_EQ(p->h.token_len, 5);
    CHECK(strstr(text_of(&g, n), "Retry v1 DCID=- SCID=f067a5502a4262b5 token=5 tag ok") != NULL);
    /* A damaged one does not. */
    pkt[n - 1] ^= 1;
    dgram(q, &g, 0, pkt, n);
    CHECK_EQ(g.pkts[0].retry_tag, 0);
    dis_quic_free(q);

    /* Without the client's Initial the Retry cannot be checked, but is shown. */
    CHECK_EQ(dis_quic_new(&q, NULL), 0);
    n = hex_decode(pkt, sizeof pkt, V_RETRY);
    dgram(q, &g, 0, pkt, n);
    CHECK(g.is_quic);
    CHECK_EQ(g.pkts[0].retry_tag, -1);
    /* ... and a server Initial of a connection not seen does not decrypt. */
    n = hex_decode(pkt, sizeof pkt, V_SERVER_PACKET);
    dgram(q, &g, 0, pkt, n);
    CHECK(g.is_quic);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_FAILED);
    CHECK(strstr(g.pkts[0].why, "Initial keys") != NULL);
    dis_quic_free(q);
}

/* ---------------------------------------------------------------- synthetic connections */

static const uint8_t ODCID[8] = {0xd0, 1, 2, 3, 4, 5, 6, 7};
static const uint8_t CCID[5] = {0xc1, 0xc2, 0xc3, 0xc4, 0xc5}; /* the client's SCID */
static const uint8_t SCID[8] = {0x5e, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57};
static const uint8_t RANDOM[32] = {0xaa, 0xbb, 1,  2,  3,  4,  5,  6,  7,  8,  9,
                                   10,   11,   12, 13, 14, 15, 16, 17, 18, 19, 20,
                                   21,   22,   23, 24, 25, 26, 27, 28, 29, 30};

/* A ClientHello (RFC 8446 §4.1.2) with server_name and ALPN "h3". */
static size_t client_hello(uint8_t *out, const uint8_t *random)
{
    uint8_t b[256], *p = b;
    *p++ = 1;
    p += 3; /* length, below */
    *p++ = 3, *p++ = 3;
    memcpy(p, random, 32), p += 32;
    *p++ = 0;                                  /* session id */
    *p++ = 0, *p++ = 2, *p++ = 0x13, *p++ = 1; /* cipher suites */
    *p++ = 1, *p++ = 0;                        /* compression */
    uint8_t *ext = p;
    p += 2;
    static const uint8_t sni[] = {0,   0,   0,   16,  0,   14,  0,   0,   11,  'q',
                                  '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o'};
    static const uint8_t alpn[] = {0, 16, 0, 5, 0, 3, 2, 'h', '3'};
    memcpy(p, sni, sizeof sni), p += sizeof sni;
    memcpy(p, alpn, sizeof alpn), p += sizeof alpn;
    size_t el = (size_t)(p - ext - 2), len = (size_t)(p - b - 4);
    ext[0] = (uint8_t)(el >> 8), ext[1] = (uint8_t)el;
    b[1] = 0, b[2] = (uint8_t)(len >> 8), b[3] = (uint8_t)len;
    memcpy(out, b, (size_t)(p - b));
    return (size_t)(p - b);
}

static size_t server_hello(uint8_t *out, uint16_t cipher)
{
    uint8_t *p = out;
    *p++ = 2, *p++ = 0, *p++ = 0, *p++ = 40;
    *p++ = 3, *p++ = 3;
    memset(p, 0x77, 32), p += 32;
    *p++ = 0;
    *p++ = (uint8_t)(cipher >> 8), *p++ = (uint8_t)cipher;
    *p++ = 0;
    *p++ = 0, *p++ = 0; /* no extensions */
    return (size_t)(p - out);
}

static size_t put_frame(uint8_t *p, size_t cap, const l4_quic_frame *f)
{
    l4_ssize n = l4_quic_frame_encode(p, cap, f);
    CHECK(n > 0);
    return (size_t)n;
}

static size_t crypto_frame(uint8_t *p, uint64_t off, const uint8_t *d, size_t n)
{
    l4_quic_frame f = {.type = L4_QUIC_FRAME_CRYPTO};
    f.u.crypto.offset = off;
    f.u.crypto.data = d;
    f.u.crypto.len = n;
    return put_frame(p, 1500, &f);
}

static size_t stream_frame(uint8_t *p, uint64_t id, uint64_t off, size_t n, int fin)
{
    static const uint8_t data[1200] = {'x'};
    l4_quic_frame f = {.type = L4_QUIC_FRAME_STREAM | L4_QUIC_STREAM_OFF | L4_QUIC_STREAM_LEN |
                               (fin ? L4_QUIC_STREAM_FIN : 0)};
    f.u.stream.stream_id = id;
    f.u.stream.offset = off;
    f.u.stream.data = data;
    f.u.stream.len = n;
    return put_frame(p, 1500, &f);
}

/* A protected long-header packet of `type` with the given frames; returns its length. */
static size_t long_pkt(uint8_t *out, int type, const uint8_t *dcid, size_t dl, const uint8_t *scid,
                       size_t sl, uint64_t pn, const uint8_t *pl, size_t plen, l4_quic_keys *k)
{
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = (uint8_t)type;
    h.version = L4_QUIC_VERSION_1;
    h.dcid = dcid, h.dcid_len = dl;
    h.scid = scid, h.scid_len = sl;
    h.pn = pn, h.pn_len = 2;
    h.length = 2 + plen + L4_QUIC_TAG_LEN;
    l4_ssize hl = l4_quic_hdr_write(out, 1500, &h);
    CHECK(hl > 0);
    memcpy(out + hl, pl, plen);
    l4_ssize n = l4_quic_protect(k, out, 1500, (size_t)hl, (size_t)hl - 2, pn, plen);
    CHECK(n > 0);
    return (size_t)n;
}

static size_t short_pkt(uint8_t *out, const uint8_t *dcid, size_t dl, uint64_t pn, int phase,
                        const uint8_t *pl, size_t plen, l4_quic_keys *k)
{
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_1RTT;
    h.dcid = dcid, h.dcid_len = dl;
    h.pn = pn, h.pn_len = 2;
    h.key_phase = (uint8_t)phase;
    h.spin = 1;
    l4_ssize hl = l4_quic_hdr_write(out, 1500, &h);
    CHECK(hl > 0);
    memcpy(out + hl, pl, plen);
    l4_ssize n = l4_quic_protect(k, out, 1500, (size_t)hl, (size_t)hl - 2, pn, plen);
    CHECK(n > 0);
    return (size_t)n;
}

/* The secrets of the synthetic connection: byte patterns, one per label. */
static void secret_of(uint8_t *s, size_t len, int which, int salt)
{
    for (size_t i = 0; i < len; i++)
        s[i] = (uint8_t)(0x10 * (which + 1) + i + salt);
}

/* A key log text for `random` with secrets of `len` bytes. */
static void keylog_text(char *out, size_t cap, const uint8_t *random, size_t len, int salt)
{
    size_t at = 0;
    for (int w = 0; w < DIS_KL_N; w++) {
        uint8_t s[48];
        secret_of(s, len, w, salt);
        at += (size_t)snprintf(out + at, cap - at, "%s ", dis_keylog_label(w));
        for (int i = 0; i < 32; i++)
            at += (size_t)snprintf(out + at, cap - at, "%02x", random[i]);
        at += (size_t)snprintf(out + at, cap - at, " ");
        for (size_t i = 0; i < len; i++)
            at += (size_t)snprintf(out + at, cap - at, "%02x", s[i]);
        at += (size_t)snprintf(out + at, cap - at, "\n");
    }
}

static void keys_of(l4_quic_keys *k, int aead, int which, size_t len, int salt)
{
    uint8_t s[48];
    secret_of(s, len, which, salt);
    CHECK_EQ(l4_quic_keys_init(k, (l4_quic_aead)aead, s, len), 0);
}

/*
 * The handshake of a connection with the given AEAD: the client's Initial
 * (ClientHello, unless `no_ch`: then a CRYPTO frame that does not start at
 * 0), the server's Initial (ServerHello with `cipher`, when nonzero)
 * coalesced with its Handshake packet, then the client's Handshake and a
 * 1-RTT packet. Checks each decrypts with the key log.
 */
static void handshake(dis_quic *q, disq_dgram *g, int aead, uint16_t cipher, size_t slen, int no_ch)
{
    uint8_t pl[1300], d[1500];
    l4_quic_keys ci, si, ch, sh, c1;
    CHECK_EQ(l4_quic_keys_init_initial(&ci, &si, ODCID, sizeof ODCID), 0);
    uint8_t hello[256];
    size_t hn = client_hello(hello, RANDOM), n = 0;
    n += no_ch ? crypto_frame(pl, 100, hello, hn) : crypto_frame(pl, 0, hello, hn);
    memset(pl + n, 0, 1100 - n); /* PADDING */
    size_t len =
        long_pkt(d, L4_QUIC_PKT_INITIAL, ODCID, sizeof ODCID, CCID, sizeof CCID, 0, pl, 1100, &ci);
    dgram(q, g, 1, d, len);
    CHECK(g->is_quic);
    CHECK_EQ(g->pkts[0].dec, DISQ_DEC_OK);
    CHECK_EQ(g->n_tls, no_ch ? 0 : 1);

    /* server: Initial [ACK, CRYPTO ServerHello] + Handshake [CRYPTO EE] */
    n = 0;
    l4_quic_frame ack = {.type = L4_QUIC_FRAME_ACK};
    n += put_frame(pl, sizeof pl, &ack);
    if (cipher) {
        uint8_t shb[64];
        size_t sn = server_hello(shb, cipher);
        n += crypto_frame(pl + n, 0, shb, sn);
    }
    len = long_pkt(d, L4_QUIC_PKT_INITIAL, CCID, sizeof CCID, SCID, sizeof SCID, 0, pl, n, &si);
    static const uint8_t ee[] = {8, 0, 0, 2, 0, 0};
    n = crypto_frame(pl, 0, ee, sizeof ee);
    memset(pl + n, 0, 30);
    keys_of(&sh, aead, DIS_KL_SERVER_HS, slen, 0);
    len += long_pkt(d + len, L4_QUIC_PKT_HANDSHAKE, CCID, sizeof CCID, SCID, sizeof SCID, 0, pl,
                    n + 30, &sh);
    dgram(q, g, 0, d, len);
    CHECK_EQ(g->n_pkts, 2);
    CHECK_EQ(g->pkts[0].dec, DISQ_DEC_OK);
    CHECK_MSG(g->pkts[1].dec == DISQ_DEC_OK, "server Handshake: %s", g->pkts[1].why);
    CHECK_STR(g->pkts[1].aead, dis_quic_aead_name(aead));
    CHECK_EQ(g->pkts[1].from_client, 0);
    CHECK_EQ(g->n_tls, cipher ? 2 : 1);
    CHECK_EQ(g->tls[g->n_tls - 1].type, DIS_TLS_ENCRYPTED_EXTENSIONS);

    /* client: Handshake [CRYPTO Finished] + 1-RTT [STREAM 0] */
    static const uint8_t fin[36] = {20, 0, 0, 32};
    n = crypto_frame(pl, 0, fin, sizeof fin);
    keys_of(&ch, aead, DIS_KL_CLIENT_HS, slen, 0);
    len = long_pkt(d, L4_QUIC_PKT_HANDSHAKE, SCID, sizeof SCID, CCID, sizeof CCID, 0, pl, n, &ch);
    n = stream_frame(pl, 0, 0, 100, 0);
    keys_of(&c1, aead, DIS_KL_CLIENT_APP, slen, 0);
    len += short_pkt(d + len, SCID, sizeof SCID, 0, 0, pl, n, &c1);
    dgram(q, g, 1, d, len);
    CHECK_EQ(g->n_pkts, 2);
    CHECK_MSG(g->pkts[0].dec == DISQ_DEC_OK, "client Handshake: %s", g->pkts[0].why);
    CHECK_MSG(g->pkts[1].dec == DISQ_DEC_OK, "client 1-RTT: %s", g->pkts[1].why);
    CHECK_EQ(g->pkts[1].from_client, 1);
    CHECK_EQ(g->pkts[1].key_phase, 0);
    CHECK_EQU(g->pkts[1].h.dcid_len, sizeof SCID);
    CHECK_EQ(g->tls[0].type, DIS_TLS_FINISHED);
    l4_quic_keys_free(&ci);
    l4_quic_keys_free(&si);
    l4_quic_keys_free(&ch);
    l4_quic_keys_free(&sh);
    l4_quic_keys_free(&c1);
}

/* Only the two Initials of that handshake (their keys need no key log). */
static void handshake_initials_only(dis_quic *q, disq_dgram *g)
{
    uint8_t pl[1300], d[1500], hello[256];
    l4_quic_keys ci, si;
    CHECK_EQ(l4_quic_keys_init_initial(&ci, &si, ODCID, sizeof ODCID), 0);
    size_t n = crypto_frame(pl, 0, hello, client_hello(hello, RANDOM));
    memset(pl + n, 0, 1100 - n);
    size_t len =
        long_pkt(d, L4_QUIC_PKT_INITIAL, ODCID, sizeof ODCID, CCID, sizeof CCID, 0, pl, 1100, &ci);
    dgram(q, g, 1, d, len);
    CHECK_EQ(g->pkts[0].dec, DISQ_DEC_OK);
    l4_quic_frame ack = {.type = L4_QUIC_FRAME_ACK};
    n = put_frame(pl, sizeof pl, &ack);
    len = long_pkt(d, L4_QUIC_PKT_INITIAL, CCID, sizeof CCID, SCID, sizeof SCID, 0, pl, n, &si);
    dgram(q, g, 0, d, len);
    CHECK_EQ(g->pkts[0].dec, DISQ_DEC_OK);
    l4_quic_keys_free(&ci);
    l4_quic_keys_free(&si);
}

static void run_aead(int aead, uint16_t cipher, size_t slen, int no_ch)
{
    addrs();
    char text[4096];
    keylog_text(text, sizeof text, RANDOM, slen, 0);
    dis_keylog kl;
    memset(&kl, 0, sizeof kl);
    /* another connection's secrets first, so finding by trial has to skip one */
    uint8_t other[32];
    memset(other, 0x99, sizeof other);
    char text2[4096];
    keylog_text(text2, sizeof text2, other, slen, 5);
    CHECK_EQ(dis_keylog_parse(&kl, text2, strlen(text2), 0), 0);
    CHECK_EQ(dis_keylog_parse(&kl, text, strlen(text), 0), 0);
    CHECK_EQ(kl.n, 2);
    CHECK_EQ(kl.secrets, 10);
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, &kl), 0);
    static disq_dgram g;
    handshake(q, &g, aead, cipher, slen, no_ch);
    dis_quic_free(q);
    dis_keylog_free(&kl);
}

static void test_aes128_from_server_hello(void)
{
    run_aead(L4_QUIC_AEAD_AES_128_GCM, 0x1301, 32, 0);
}

static void test_aes256_from_server_hello(void)
{
    run_aead(L4_QUIC_AEAD_AES_256_GCM, 0x1302, 48, 0);
}

static void test_chacha20_from_server_hello(void)
{
    run_aead(L4_QUIC_AEAD_CHACHA20_POLY1305, 0x1303, 32, 0);
}

/* No ServerHello: the AEADs a 32-byte secret allows are tried. */
static void test_chacha20_found_by_trying(void)
{
    run_aead(L4_QUIC_AEAD_CHACHA20_POLY1305, 0, 32, 0);
}

/* No ClientHello (no client random): the key log's entries are tried. */
static void test_secrets_found_without_client_hello(void)
{
    run_aead(L4_QUIC_AEAD_AES_128_GCM, 0x1301, 32, 1);
    run_aead(L4_QUIC_AEAD_CHACHA20_POLY1305, 0, 32, 1);
}

/* RFC 9001 §6: key phase flips, a packet reordered across an update. */
static void test_key_updates(void)
{
    addrs();
    char text[4096];
    keylog_text(text, sizeof text, RANDOM, 32, 0);
    dis_keylog kl;
    memset(&kl, 0, sizeof kl);
    CHECK_EQ(dis_keylog_parse(&kl, text, strlen(text), 0), 0);
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, &kl), 0);
    static disq_dgram g;
    handshake(q, &g, L4_QUIC_AEAD_AES_128_GCM, 0x1301, 32, 0);

    /* The server's generations 0, 1, 2 (RFC 9001 §6.1: "quic ku"). */
    l4_quic_keys k[3];
    uint8_t s[3][32];
    secret_of(s[0], 32, DIS_KL_SERVER_APP, 0);
    CHECK_EQ(l4_quic_keys_init(&k[0], L4_QUIC_AEAD_AES_128_GCM, s[0], 32), 0);
    for (int i = 1; i < 3; i++) {
        CHECK_EQ(l4_quic_secret_update(L4_QUIC_AEAD_AES_128_GCM, s[i], s[i - 1], 32), 0);
        CHECK_EQ(l4_quic_keys_init_update(&k[i], &k[i - 1], s[i], 32), 0);
    }
    /* pn: generation */
    static const struct {
        uint64_t pn;
        int gen;
    } seq[] = {{0, 0}, {1, 0}, {3, 1}, {2, 0}, {4, 1}, {5, 2}, {6, 2}};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        uint8_t pl[200], d[300];
        size_t n = stream_frame(pl, 1, seq[i].pn * 10, 10, 0);
        size_t len =
            short_pkt(d, CCID, sizeof CCID, seq[i].pn, seq[i].gen & 1, pl, n, &k[seq[i].gen]);
        dgram(q, &g, 0, d, len);
        CHECK(g.is_quic);
        CHECK_EQ(g.n_pkts, 1);
        CHECK_MSG(g.pkts[0].dec == DISQ_DEC_OK, "pn %d: %s", (int)seq[i].pn, g.pkts[0].why);
        CHECK_EQ(g.pkts[0].pn, seq[i].pn);
        CHECK_EQ(g.pkts[0].key_phase, seq[i].gen & 1);
        CHECK_EQ(g.pkts[0].key_gen, seq[i].gen);
        CHECK_EQ(g.pkts[0].from_client, 0);
        CHECK_EQU(frame(&g, &g.pkts[0], 0)->f.u.stream.stream_id, 1);
        char *t = text_of(&g, len);
        char want[64];
        snprintf(want, sizeof want, "1-RTT DCID=c1c2c3c4c5 spin=1 kp=%d pn=%d: STREAM 1",
                 seq[i].gen & 1, (int)seq[i].pn);
        CHECK_MSG(strstr(t, want) != NULL, "%s", t);
    }
    /* A packet with the right phase but damaged: the keys do not authenticate it. */
    uint8_t pl[200], d[300];
    size_t n = stream_frame(pl, 1, 0, 10, 0);
    size_t len = short_pkt(d, CCID, sizeof CCID, 7, 0, pl, n, &k[2]);
    d[len - 1] ^= 0x40;
    dgram(q, &g, 0, d, len);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_FAILED);
    CHECK(strstr(g.pkts[0].why, "do not authenticate it") != NULL);
    CHECK(strstr(text_of(&g, len), "spin=1 len=") != NULL);
    for (int i = 0; i < 3; i++)
        l4_quic_keys_free(&k[i]);
    dis_quic_free(q);
    dis_keylog_free(&kl);
}

/* 0-RTT coalesced with the client's Initial (CLIENT_EARLY_TRAFFIC_SECRET). */
static void test_0rtt(void)
{
    addrs();
    char text[4096];
    keylog_text(text, sizeof text, RANDOM, 32, 0);
    dis_keylog kl;
    memset(&kl, 0, sizeof kl);
    CHECK_EQ(dis_keylog_parse(&kl, text, strlen(text), 0), 0);
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, &kl), 0);
    static disq_dgram g;
    l4_quic_keys ci, e;
    CHECK_EQ(l4_quic_keys_init_initial(&ci, NULL, ODCID, sizeof ODCID), 0);
    keys_of(&e, L4_QUIC_AEAD_AES_128_GCM, DIS_KL_CLIENT_EARLY, 32, 0);
    uint8_t pl[1300], d[1500], hello[256];
    size_t hn = client_hello(hello, RANDOM);
    size_t n = crypto_frame(pl, 0, hello, hn);
    size_t len =
        long_pkt(d, L4_QUIC_PKT_INITIAL, ODCID, sizeof ODCID, CCID, sizeof CCID, 0, pl, n, &ci);
    n = stream_frame(pl, 0, 0, 200, 1);
    len +=
        long_pkt(d + len, L4_QUIC_PKT_0RTT, ODCID, sizeof ODCID, CCID, sizeof CCID, 1, pl, n, &e);
    memset(d + len, 0, 1200 - len); /* zeros after the last packet, as some clients pad */
    dgram(q, &g, 1, d, 1200);
    CHECK_EQ(g.n_pkts, 2);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_OK);
    CHECK_MSG(g.pkts[1].dec == DISQ_DEC_OK, "0-RTT: %s", g.pkts[1].why);
    CHECK_EQ(g.pkts[1].h.type, L4_QUIC_PKT_0RTT);
    CHECK_EQ(g.pkts[1].pn, 1);
    const disq_frame *f = frame(&g, &g.pkts[1], 0);
    CHECK_EQU(f->f.type, L4_QUIC_FRAME_STREAM | 7);
    CHECK_EQ(f->f.u.stream.len, 200);
    CHECK_EQ(g.rest, 1200 - len);
    CHECK_EQ(g.rest_err, 0);
    char *t = text_of(&g, 1200);
    CHECK_MSG(strstr(t, "        0-RTT v1 DCID=d001020304050607 SCID=c1c2c3c4c5 len=") != NULL,
              "%s", t);
    CHECK(strstr(t, "STREAM 0 off=0 len=200 FIN\n") != NULL);
    CHECK(strstr(t, "bytes of zeros after the last packet") != NULL);
    l4_quic_keys_free(&ci);
    l4_quic_keys_free(&e);
    dis_quic_free(q);
    dis_keylog_free(&kl);
}

/* No key log, or one of another connection: said per packet. */
static void test_missing_and_wrong_keys(void)
{
    addrs();
    for (int pass = 0; pass < 2; pass++) {
        char text[4096];
        uint8_t other[32];
        memset(other, 0x42, sizeof other);
        keylog_text(text, sizeof text, other, 32, 0);
        dis_keylog kl;
        memset(&kl, 0, sizeof kl);
        CHECK_EQ(dis_keylog_parse(&kl, text, strlen(text), 0), 0);
        dis_quic *q;
        CHECK_EQ(dis_quic_new(&q, pass ? &kl : NULL), 0);
        static disq_dgram g;
        l4_quic_keys ci, h;
        CHECK_EQ(l4_quic_keys_init_initial(&ci, NULL, ODCID, sizeof ODCID), 0);
        keys_of(&h, L4_QUIC_AEAD_AES_128_GCM, DIS_KL_CLIENT_HS, 32, 0);
        uint8_t pl[1300], d[1500], hello[256];
        size_t hn = client_hello(hello, RANDOM);
        size_t n = crypto_frame(pl, 0, hello, hn);
        size_t len =
            long_pkt(d, L4_QUIC_PKT_INITIAL, ODCID, sizeof ODCID, CCID, sizeof CCID, 0, pl, n, &ci);
        dgram(q, &g, 1, d, len);
        CHECK_EQ(g.pkts[0].dec, DISQ_DEC_OK);
        len = long_pkt(d, L4_QUIC_PKT_HANDSHAKE, ODCID, sizeof ODCID, CCID, sizeof CCID, 0, pl, n,
                       &h);
        dgram(q, &g, 1, d, len);
        CHECK(g.is_quic);
        CHECK_EQ(g.pkts[0].dec, DISQ_DEC_NO_KEYS);
        char *t = text_of(&g, len);
        if (pass)
            CHECK_MSG(strstr(t, "[cannot decrypt: the key log has no secrets for this connection "
                                "(client random aabb01020304...)]") != NULL,
                      "%s", t);
        else
            CHECK(strstr(t, "[cannot decrypt: no key log (--keylog FILE gives the TLS secrets)]"));
        l4_quic_keys_free(&ci);
        l4_quic_keys_free(&h);
        dis_quic_free(q);
        dis_keylog_free(&kl);
    }
}

/* ---------------------------------------------------------------- what is (not) QUIC */

static void test_detection(void)
{
    addrs();
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, NULL), 0);
    static disq_dgram g;
    /* A DNS query to port 443 whose first byte has the long-header bit. */
    static const uint8_t dns[] = {0xc5, 0x3a, 0x01, 0x00, 0x00, 0x01, 0,   0,   0,   0,
                                  0,    0,    7,    'e',  'x',  'a',  'm', 'p', 'l', 'e',
                                  3,    'c',  'o',  'm',  0,    0,    1,   0,   1};
    dgram(q, &g, 1, dns, sizeof dns);
    CHECK(!g.is_quic);
    /* A reply (the QR bit and others set) */
    uint8_t dns2[sizeof dns];
    memcpy(dns2, dns, sizeof dns);
    dns2[0] = 0x45, dns2[2] = 0x81, dns2[3] = 0x80;
    dgram(q, &g, 0, dns2, sizeof dns2);
    CHECK(!g.is_quic);
    /* A short header nobody announced. */
    uint8_t s[60];
    memset(s, 0x5a, sizeof s);
    s[0] = 0x41;
    dgram(q, &g, 1, s, sizeof s);
    CHECK(!g.is_quic);
    /* A long header of version 1 without the fixed bit; an arbitrary version. */
    uint8_t l[60];
    memset(l, 0, sizeof l);
    l[0] = 0x80, l[4] = 1, l[5] = 4;
    dgram(q, &g, 1, l, sizeof l);
    CHECK(!g.is_quic);
    l[0] = 0xc0, l[1] = 0x12, l[2] = 0x34, l[3] = 0x56, l[4] = 0x78;
    dgram(q, &g, 1, l, sizeof l);
    CHECK(!g.is_quic);
    uint8_t one = 0xc0;
    dgram(q, &g, 1, &one, 1);
    CHECK(!g.is_quic);
    dgram(q, &g, 1, l, 0);
    CHECK(!g.is_quic);
    /* QUIC v2 (RFC 9369): shown with its IDs, not decrypted. */
    l[1] = 0x6b, l[2] = 0x33, l[3] = 0x43, l[4] = 0xcf, l[5] = 2, l[6] = 0xab, l[7] = 0xcd,
    l[8] = 1, l[9] = 0xef;
    dgram(q, &g, 1, l, sizeof l);
    CHECK(g.is_quic);
    CHECK_EQ(g.pkts[0].hdr_err, L4_ERR_UNSUPPORTED);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_VERSION);
    CHECK_EQ(g.pkts[0].h.dcid_len, 2);
    char *t = text_of(&g, sizeof l);
    CHECK_MSG(
        strstr(t, "long header version 0x6b3343cf (v2) DCID=abcd SCID=ef len=60 [not decoded:") !=
            NULL,
        "%s", t);
    /* Version Negotiation listing v1 and a greased version. */
    static const uint8_t vn[] = {0x80, 0, 0, 0, 0, 2,    0xc1, 0xc2, 1,
                                 0xd0, 0, 0, 0, 1, 0x1a, 0x2a, 0x3a, 0x4a};
    dgram(q, &g, 0, vn, sizeof vn);
    CHECK(g.is_quic);
    CHECK_EQ(g.pkts[0].h.type, L4_QUIC_PKT_VN);
    CHECK_EQ(g.pkts[0].h.n_versions, 2);
    t = text_of(&g, sizeof vn);
    CHECK_MSG(strstr(t, "Version Negotiation DCID=c1c2 SCID=d0 versions 0x00000001 (v1),0x1a2a3a4a "
                        "(reserved") != NULL,
              "%s", t);
    /* ... and one listing nothing QUIC uses is not QUIC. */
    uint8_t vn2[sizeof vn];
    memcpy(vn2, vn, sizeof vn);
    vn2[13] = 7, vn2[14] = 0x12;
    dgram(q, &g, 0, vn2, sizeof vn2);
    CHECK(!g.is_quic);
    dis_quic_free(q);
}

/* A short header on a known connection that is a Stateless Reset. */
static void test_stateless_reset(void)
{
    addrs();
    char text[4096];
    keylog_text(text, sizeof text, RANDOM, 32, 0);
    dis_keylog kl;
    memset(&kl, 0, sizeof kl);
    CHECK_EQ(dis_keylog_parse(&kl, text, strlen(text), 0), 0);
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, &kl), 0);
    static disq_dgram g;
    handshake(q, &g, L4_QUIC_AEAD_AES_128_GCM, 0x1301, 32, 0);
    /* The server announces a new ID with a reset token. */
    l4_quic_keys s1;
    keys_of(&s1, L4_QUIC_AEAD_AES_128_GCM, DIS_KL_SERVER_APP, 32, 0);
    l4_quic_frame f = {.type = L4_QUIC_FRAME_NEW_CONNECTION_ID};
    f.u.new_cid.seq = 1;
    f.u.new_cid.cid.len = 8;
    memset(f.u.new_cid.cid.data, 0x71, 8);
    memset(f.u.new_cid.reset_token, 0xee, 16);
    uint8_t pl[200], d[300];
    size_t n = put_frame(pl, sizeof pl, &f);
    size_t len = short_pkt(d, CCID, sizeof CCID, 0, 0, pl, n, &s1);
    dgram(q, &g, 0, d, len);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_OK);
    /* The client now uses it: found by that ID (8 bytes, not the first 8). */
    l4_quic_keys c1;
    keys_of(&c1, L4_QUIC_AEAD_AES_128_GCM, DIS_KL_CLIENT_APP, 32, 0);
    n = stream_frame(pl, 0, 100, 10, 1);
    len = short_pkt(d, f.u.new_cid.cid.data, 8, 1, 0, pl, n, &c1);
    dis_quic_datagram(q, &g, &A, 50001, &B, 443, d, len, len); /* and from a new port */
    CHECK(g.is_quic);
    CHECK_MSG(g.pkts[0].dec == DISQ_DEC_OK, "%s", g.pkts[0].why);
    CHECK_EQ(g.pkts[0].from_client, 1);
    /* The server resets: random bytes to the client, its token last. */
    uint8_t r[40];
    memset(r, 0x3c, sizeof r);
    r[0] = 0x4b;
    memcpy(r + 1, CCID, sizeof CCID);
    memset(r + sizeof r - 16, 0xee, 16);
    dgram(q, &g, 0, r, sizeof r);
    CHECK(g.is_quic);
    CHECK(g.pkts[0].stateless_reset);
    CHECK(
        strstr(text_of(&g, sizeof r),
               "Stateless Reset DCID=c1c2c3c4c5 spin=0 (40 bytes; its last 16 are a reset token") !=
        NULL);
    l4_quic_keys_free(&s1);
    l4_quic_keys_free(&c1);
    dis_quic_free(q);
    dis_keylog_free(&kl);
}

/* Cut, short, truncated, damaged, trailing junk, frames the packet type forbids. */
static void test_damaged(void)
{
    addrs();
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, NULL), 0);
    static disq_dgram g;
    uint8_t pkt[1500];
    size_t n = hex_decode(pkt, sizeof pkt, V_CLIENT_PACKET);
    /* cut by the capture: the header is shown, the payload not decrypted */
    CHECK_EQ(dis_quic_datagram(q, &g, &A, 50000, &B, 443, pkt, n, 100), 0);
    CHECK(g.is_quic);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_CUT);
    /* the Length runs past the datagram */
    dgram(q, &g, 1, pkt, 600);
    CHECK(g.is_quic);
    CHECK_EQ(g.pkts[0].hdr_err, L4_ERR_TRUNCATED);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_MALFORMED);
    CHECK(strstr(text_of(&g, 600), "Initial len=600 [malformed QUIC packet:") == NULL);
    CHECK(strstr(text_of(&g, 600), "long header len=600 [malformed QUIC packet: ") != NULL);
    /* one bit flipped in the payload */
    pkt[500] ^= 4;
    dgram(q, &g, 1, pkt, n);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_FAILED);
    CHECK(strstr(text_of(&g, n), "[cannot decrypt: the Initial keys (from the client's first DCID) "
                                 "do not authenticate it]") != NULL);
    pkt[500] ^= 4;
    /* the good one, then junk after it in the same datagram */
    uint8_t two[1300];
    memcpy(two, pkt, n);
    memset(two + n, 0x99, 40);
    dgram(q, &g, 1, two, n + 40);
    CHECK_EQ(g.n_pkts, 1);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_OK);
    CHECK_EQ(g.rest, 40);
    CHECK(g.rest_err != 0);
    CHECK(strstr(text_of(&g, n + 40), "40 bytes after the last packet [not a QUIC packet:") !=
          NULL);
    /* a short header on this connection too short to sample */
    uint8_t sh[12] = {0x40, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, 1, 2, 3};
    dgram(q, &g, 1, sh, sizeof sh);
    CHECK(g.is_quic);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_SHORT);
    dis_quic_free(q);

    /* STREAM in an Initial: decoded, flagged (RFC 9000 §12.4); a frame cut short. */
    CHECK_EQ(dis_quic_new(&q, NULL), 0);
    l4_quic_keys ci;
    CHECK_EQ(l4_quic_keys_init_initial(&ci, NULL, ODCID, sizeof ODCID), 0);
    uint8_t pl[1300], d[1500];
    size_t m = stream_frame(pl, 0, 0, 20, 0);
    pl[m++] = 0x06; /* CRYPTO with nothing after the type */
    size_t len =
        long_pkt(d, L4_QUIC_PKT_INITIAL, ODCID, sizeof ODCID, CCID, sizeof CCID, 0, pl, m, &ci);
    dgram(q, &g, 1, d, len);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_OK);
    CHECK_EQ(g.pkts[0].n_frames, 2);
    CHECK(frame(&g, &g.pkts[0], 0)->not_allowed);
    CHECK_EQ(frame(&g, &g.pkts[0], 1)->err, L4_ERR_TRUNCATED);
    char *t = text_of(&g, len);
    CHECK_MSG(strstr(t, "STREAM 0 off=0 len=20 [not allowed in Initial packets, RFC 9000 §12.4], "
                        "CRYPTO [bad frame: ") != NULL,
              "%s", t);
    l4_quic_keys_free(&ci);
    dis_quic_free(q);
}

/* Every frame type on one line, in -v and JSON. */
static void test_every_frame(void)
{
    addrs();
    char text[4096];
    keylog_text(text, sizeof text, RANDOM, 32, 0);
    dis_keylog kl;
    memset(&kl, 0, sizeof kl);
    CHECK_EQ(dis_keylog_parse(&kl, text, strlen(text), 0), 0);
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, &kl), 0);
    static disq_dgram g;
    handshake(q, &g, L4_QUIC_AEAD_AES_128_GCM, 0x1301, 32, 0);
    l4_quic_keys s1;
    keys_of(&s1, L4_QUIC_AEAD_AES_128_GCM, DIS_KL_SERVER_APP, 32, 0);
    uint8_t pl[1300], d[1500], rb[64];
    size_t n = 0;
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_ACK_ECN;
    l4_quic_ack_range r[2] = {{10, 12}, {3, 5}};
    CHECK(l4_quic_ack_write_ranges(&f.u.ack, rb, sizeof rb, r, 2) > 0);
    f.u.ack.ect0 = 9;
    n += put_frame(pl + n, sizeof pl - n, &f);
    static const uint64_t simple[] = {L4_QUIC_FRAME_PING,
                                      L4_QUIC_FRAME_MAX_DATA,
                                      L4_QUIC_FRAME_MAX_STREAMS_BIDI,
                                      L4_QUIC_FRAME_DATA_BLOCKED,
                                      L4_QUIC_FRAME_STREAMS_BLOCKED_UNI,
                                      L4_QUIC_FRAME_RETIRE_CONNECTION_ID,
                                      L4_QUIC_FRAME_HANDSHAKE_DONE};
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        memset(&f, 0, sizeof f);
        f.type = simple[i];
        f.u.value = 77;
        n += put_frame(pl + n, sizeof pl - n, &f);
    }
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_RESET_STREAM;
    f.u.reset_stream.stream_id = 3, f.u.reset_stream.error_code = 5,
    f.u.reset_stream.final_size = 9;
    n += put_frame(pl + n, sizeof pl - n, &f);
    f.type = L4_QUIC_FRAME_STOP_SENDING;
    f.u.stop_sending.stream_id = 7, f.u.stop_sending.error_code = 1;
    n += put_frame(pl + n, sizeof pl - n, &f);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_MAX_STREAM_DATA;
    f.u.stream_value.stream_id = 4, f.u.stream_value.value = 1000;
    n += put_frame(pl + n, sizeof pl - n, &f);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_NEW_TOKEN;
    f.u.new_token.token = (const uint8_t *)"tok";
    f.u.new_token.len = 3;
    n += put_frame(pl + n, sizeof pl - n, &f);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_PATH_CHALLENGE;
    memcpy(f.u.path_data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    n += put_frame(pl + n, sizeof pl - n, &f);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_CONNECTION_CLOSE;
    f.u.close.error_code = 0x128; /* CRYPTO_ERROR, TLS alert 40 */
    f.u.close.frame_type = 6;
    f.u.close.reason = (const uint8_t *)"bad\x01hello";
    f.u.close.reason_len = 9;
    n += put_frame(pl + n, sizeof pl - n, &f);
    size_t len = short_pkt(d, CCID, sizeof CCID, 0, 0, pl, n, &s1);
    dgram(q, &g, 0, d, len);
    CHECK_EQ(g.pkts[0].dec, DISQ_DEC_OK);
    CHECK_EQ(g.pkts[0].n_frames, 14);
    char *t = text_of(&g, len);
    static const char *const want[] = {
        "pn=0: ACK_ECN 3-5,10-12 ect0=9 ect1=0 ce=0, PING, MAX_DATA 77, MAX_STREAMS_BIDI 77, "
        "DATA_BLOCKED 77, STREAMS_BLOCKED_UNI 77, RETIRE_CONNECTION_ID seq=77, HANDSHAKE_DONE, "
        "RESET_STREAM 3 code=0x5 final=9, STOP_SENDING 7 code=0x1, MAX_STREAM_DATA 4 1000, "
        "NEW_TOKEN len=3, PATH_CHALLENGE 0102030405060708, CONNECTION_CLOSE CRYPTO_ERROR (0x128) "
        "alert=40 frame=0x6 reason=\"bad?hello\"\n",
        "frame ACK_ECN (0x03) at 0: largest 12, delay 0 (encoded), 1 more ranges, acknowledged "
        "10-12 3-5, ECT(0) 9, ECT(1) 0, CE 0",
        "frame CONNECTION_CLOSE (0x1c) at ",
        "transport error CRYPTO_ERROR (0x128), TLS alert 40, in frame type 0x6, reason "
        "\"bad?hello\"",
        "\"frames\":[{\"type\":3,\"name\":\"ACK_ECN\",\"offset_in_payload\":0,\"largest\":12,"
        "\"ack_delay\":0,\"first_range\":2,\"ranges\":[[10,12],[3,5]],\"ect0\":9,\"ect1\":0,\"ce\":"
        "0}",
        "{\"type\":28,\"name\":\"CONNECTION_CLOSE\",\"offset_in_payload\":",
        "\"error_code\":296,\"error_name\":\"CRYPTO_ERROR\",\"frame_type\":6,\"reason\":\"bad?"
        "hello\"}",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_MSG(strstr(t, want[i]) != NULL, "missing %s in\n%s", want[i], t);
    l4_quic_keys_free(&s1);
    dis_quic_free(q);
    dis_keylog_free(&kl);
}

/* A capture on a host sending with UDP GSO: one "datagram" of several
 * segments, each a packet; and RFC 9287's greased fixed bit. */
static void test_gso_and_greasing(void)
{
    addrs();
    char text[4096];
    keylog_text(text, sizeof text, RANDOM, 32, 0);
    dis_keylog kl;
    memset(&kl, 0, sizeof kl);
    CHECK_EQ(dis_keylog_parse(&kl, text, strlen(text), 0), 0);
    for (int keys = 1; keys >= 0; keys--) {
        dis_quic *q;
        CHECK_EQ(dis_quic_new(&q, &kl), 0);
        static disq_dgram g;
        handshake(q, &g, L4_QUIC_AEAD_AES_128_GCM, 0x1301, 32, 0);
        if (!keys) { /* the same connection without its secrets: split by the IDs alone */
            dis_quic_free(q);
            CHECK_EQ(dis_quic_new(&q, NULL), 0);
            handshake_initials_only(q, &g);
        }
        l4_quic_keys c1;
        keys_of(&c1, L4_QUIC_AEAD_AES_128_GCM, DIS_KL_CLIENT_APP, 32, 0);
        uint8_t pl[400], d[2000];
        size_t len = 0;
        for (int i = 0; i < 4; i++) { /* segments of 300 bytes, the last 150 */
            size_t n = stream_frame(pl, 0, 1000 + 200 * (size_t)i, i < 3 ? 200 : 50, i == 3);
            size_t want = (i < 3 ? 300 : 150) - (1 + sizeof SCID + 2 + L4_QUIC_TAG_LEN);
            memset(pl + n, 0, want - n);
            len += short_pkt(d + len, SCID, sizeof SCID, 10 + (uint64_t)i, 0, pl, want, &c1);
            CHECK_EQ(len, i < 3 ? 300 * (size_t)(i + 1) : 1050);
        }
        dgram(q, &g, 1, d, len);
        CHECK(g.is_quic);
        CHECK_EQ(g.gso, 300);
        CHECK_EQ(g.n_pkts, 4);
        for (int i = 0; i < 4; i++) {
            CHECK_EQ(g.pkts[i].off, 300 * (size_t)i);
            CHECK_EQ(g.pkts[i].len, i < 3 ? 300 : 150);
            CHECK_EQ(g.pkts[i].dec, keys ? DISQ_DEC_OK : DISQ_DEC_NO_KEYS);
            if (keys)
                CHECK_EQ(g.pkts[i].pn, 10 + (uint64_t)i);
        }
        CHECK(strstr(text_of(&g, len), " len=1050, 4 packets in 4 datagrams of 300 bytes sent with "
                                       "GSO (captured as one)\n") != NULL);
        l4_quic_keys_free(&c1);
        dis_quic_free(q);
    }

    /* A greased fixed bit: taken on a known connection, the AEAD covers it. */
    dis_quic *q;
    CHECK_EQ(dis_quic_new(&q, &kl), 0);
    static disq_dgram g;
    handshake(q, &g, L4_QUIC_AEAD_AES_128_GCM, 0x1301, 32, 0);
    l4_quic_keys c1;
    keys_of(&c1, L4_QUIC_AEAD_AES_128_GCM, DIS_KL_CLIENT_APP, 32, 0);
    uint8_t pl[200], d[300];
    size_t n = stream_frame(pl, 0, 0, 30, 0);
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_1RTT;
    h.dcid = SCID, h.dcid_len = sizeof SCID, h.pn = 20, h.pn_len = 2;
    l4_ssize hl = l4_quic_hdr_write(d, sizeof d, &h);
    CHECK(hl > 0);
    d[0] &= (uint8_t)~L4_QUIC_HDR_FIXED_BIT;
    memcpy(d + hl, pl, n);
    l4_ssize len = l4_quic_protect(&c1, d, sizeof d, (size_t)hl, (size_t)hl - 2, 20, n);
    CHECK(len > 0);
    dgram(q, &g, 1, d, (size_t)len);
    CHECK(g.is_quic);
    CHECK(g.pkts[0].greased);
    CHECK_MSG(g.pkts[0].dec == DISQ_DEC_OK, "%s", g.pkts[0].why);
    CHECK_EQ(g.pkts[0].pn, 20);
    CHECK(strstr(text_of(&g, (size_t)len), "fixed bit 0 (greased, RFC 9287)") != NULL);
    /* on an ID nobody uses, a first byte without the fixed bit is not QUIC */
    d[3] ^= 0xff;
    dgram(q, &g, 1, d, (size_t)len);
    CHECK(!g.is_quic);
    l4_quic_keys_free(&c1);
    dis_quic_free(q);
    dis_keylog_free(&kl);
}

/* ---------------------------------------------------------------- parsers */

static void test_keylog_parse(void)
{
    dis_keylog kl;
    memset(&kl, 0, sizeof kl);
    const char *t =
        "# SSL/TLS secrets log file\r\n"
        "\n"
        "CLIENT_RANDOM 0000000000000000000000000000000000000000000000000000000000000000 00\n"
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET "
        "0101010101010101010101010101010101010101010101010101010101010101 "
        "222222222222222222222222222222222222222222222222" /* 48 bytes */
        "222222222222222222222222222222222222222222222222\r\n"
        "SERVER_TRAFFIC_SECRET_0 0101010101010101010101010101010101010101010101010101010101010101 "
        "3333333333333333333333333333333333333333333333333333333333333333\n"
        "SERVER_TRAFFIC_SECRET_0 0101 33\n"      /* short random */
        "CLIENT_TRAFFIC_SECRET_0 zz 33\n"        /* not hex */
        "BOGUS_LABEL 01 02\n"                    /* unknown label */
        "CLIENT_EARLY_TRAFFIC_SECRET only-two\n" /* fields */
        "SERVER_HANDSHAKE_TRAFFIC_SECRET "
        "0101010101010101010101010101010101010101010101010101010101010101 4444";
    CHECK_EQ(dis_keylog_parse(&kl, t, strlen(t), 0), 0);
    CHECK_EQ(kl.n, 1);
    CHECK_EQ(kl.secrets, 2);
    CHECK_EQ(kl.lines_ignored, 5); /* the last one too: a 2-byte secret */
    CHECK_EQ(kl.first_bad, 6);
    uint8_t r[32];
    memset(r, 1, sizeof r);
    const dis_kl_entry *e = dis_keylog_find(&kl, r);
    CHECK(e != NULL);
    CHECK_EQ(e->len[DIS_KL_CLIENT_HS], 48);
    CHECK_EQ(e->secret[DIS_KL_CLIENT_HS][47], 0x22);
    CHECK_EQ(e->len[DIS_KL_SERVER_APP], 32);
    CHECK_EQ(e->len[DIS_KL_SERVER_HS], 0);
    r[0] = 2;
    CHECK(dis_keylog_find(&kl, r) == NULL);
    dis_keylog_free(&kl);
    CHECK_EQ(kl.n, 0);
    /* a file that is not there */
    CHECK_EQ(dis_keylog_load(&kl, "/nonexistent/keys"), L4_ERR_IO);
}

static void test_tls_parse(void)
{
    uint8_t b[256];
    size_t n = client_hello(b, RANDOM);
    dis_tls_msg m;
    CHECK_EQ(dis_tls_parse(&m, b, n), 0);
    CHECK(m.parsed);
    CHECK_STR(m.sni, "q.example.o");
    CHECK_STR(m.alpn, "h3");
    CHECK_MEM(m.random, RANDOM, 32);
    /* every cut: the message is incomplete (-1), never read past */
    for (size_t k = 0; k < n; k++)
        CHECK_EQ(dis_tls_parse(&m, b, k), -1);
    /* a body whose inner lengths lie: not parsed, still named */
    b[4 + 2 + 32] = 200; /* session id length */
    CHECK_EQ(dis_tls_parse(&m, b, n), 0);
    CHECK(!m.parsed);
    CHECK_STR(dis_tls_msg_name(m.type), "ClientHello");
    n = server_hello(b, 0x1303);
    CHECK_EQ(dis_tls_parse(&m, b, n), 0);
    CHECK(m.parsed);
    CHECK_EQ(m.cipher, 0x1303);
    CHECK_STR(dis_tls_cipher_name(m.cipher), "TLS_CHACHA20_POLY1305_SHA256");
}

static const l4_test TESTS[] = {
    TEST(test_rfc9001_initials_and_retry),
    TEST(test_aes128_from_server_hello),
    TEST(test_aes256_from_server_hello),
    TEST(test_chacha20_from_server_hello),
    TEST(test_chacha20_found_by_trying),
    TEST(test_secrets_found_without_client_hello),
    TEST(test_key_updates),
    TEST(test_0rtt),
    TEST(test_missing_and_wrong_keys),
    TEST(test_detection),
    TEST(test_stateless_reset),
    TEST(test_damaged),
    TEST(test_every_frame),
    TEST(test_gso_and_greasing),
    TEST(test_keylog_parse),
    TEST(test_tls_parse),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
