/*
 * fuzz/fuzz_dissect.c — `l4kit dissect`'s decoders on arbitrary input:
 *  - the IP decoder on the input as an IP packet, whole and cut short (as a
 *    capture with a small snap length holds them);
 *  - the QUIC decoder (with a fixed fake key log), after a handshake built
 *    here (a client Initial with a ClientHello of the key log's client
 *    random, the server's Initial with a ServerHello), on the input as a
 *    datagram either way, and on the input as the plaintext of a 1-RTT
 *    packet (key phase 0 and, after a key update, 1) and of a Handshake
 *    packet that the fuzzer protects with the key log's secrets — so the
 *    frame decoder, the CRYPTO reassembly and the TLS parser see arbitrary
 *    frames; every result goes through the text, -v and JSON printers;
 *  - the key log and TLS message parsers on the input.
 *
 * Invariants: it never crashes; every pointer it leaves in a result lies in
 * the input, the scratch buffer or the decoder's own buffers; counts stay
 * within their arrays.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "quic/crypto.h"
#include "quic/protect.h"
#include "tools/l4kit/dissect.h"
#include "tools/l4kit/dissect_keylog.h"
#include "tools/l4kit/dissect_quic.h"
#include "tools/l4kit/dissect_quic_print.h"
#include "tools/l4kit/dissect_tls.h"
#include "wire/quic_frame.h"

static uint8_t scratch[DIS_SCRATCH];

static int inside(const uint8_t *p, size_t n, const uint8_t *in, size_t len)
{
    return !p || fuzz_within(p, n, in, len) || fuzz_within(p, n, scratch, sizeof scratch);
}

static void check(const dis_pkt *d, const uint8_t *in, size_t len)
{
    FUZZ_CHECK(d->n_opts >= 0 && d->n_opts <= DIS_MAX_OPTS);
    if (d->have_ip)
        FUZZ_CHECK(inside(d->ip.payload, d->ip.payload_len, in, len));
    if (d->l4 == DIS_L4_TCP && d->l4_err == 0)
        FUZZ_CHECK(inside(d->tcp.payload, d->tcp.payload_len, in, len));
    if (d->l4 == DIS_L4_UDP && d->l4_err == 0)
        FUZZ_CHECK(inside(d->udp.payload, d->udp.payload_len, in, len));
    for (int i = 0; i < d->n_opts; i++)
        if (d->opts[i].len > 2)
            FUZZ_CHECK(inside(d->opts[i].data, (size_t)d->opts[i].len - 2, in, len));
}

/* ---------------------------------------------------------------- the fixed connection */

static const uint8_t ODCID[8] = {0xd0, 1, 2, 3, 4, 5, 6, 7};
static const uint8_t CCID[4] = {0xc1, 0xc2, 0xc3, 0xc4};
static const uint8_t SCID[8] = {0x5e, 1, 2, 3, 4, 5, 6, 7};
static const uint8_t RANDOM[32] = {0xfa, 0xce};

static dis_keylog kl;
static l4_quic_keys k_ci, k_si, k_shs, k_c1[2];
static uint8_t hello_c[1500], hello_s[1500];
static size_t hello_c_len, hello_s_len;
static FILE *devnull;
static l4_addr A, B;
static disq_dgram g;

static void secret(uint8_t *s, int which)
{
    for (int i = 0; i < 32; i++)
        s[i] = (uint8_t)(which * 16 + i);
}

static size_t protect_long(uint8_t *out, int type, const uint8_t *dcid, size_t dl,
                           const uint8_t *scid, size_t sl, uint64_t pn, const uint8_t *pl,
                           size_t plen, l4_quic_keys *k)
{
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = (uint8_t)type;
    h.version = L4_QUIC_VERSION_1;
    h.dcid = dcid, h.dcid_len = dl, h.scid = scid, h.scid_len = sl;
    h.pn = pn, h.pn_len = 2;
    h.length = 2 + plen + L4_QUIC_TAG_LEN;
    l4_ssize hl = l4_quic_hdr_write(out, 1600, &h);
    if (hl < 0)
        return 0;
    memcpy(out + hl, pl, plen);
    l4_ssize n = l4_quic_protect(k, out, 1600, (size_t)hl, (size_t)hl - 2, pn, plen);
    return n < 0 ? 0 : (size_t)n;
}

static size_t protect_short(uint8_t *out, uint64_t pn, int phase, const uint8_t *pl, size_t plen,
                            l4_quic_keys *k)
{
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_1RTT;
    h.dcid = SCID, h.dcid_len = sizeof SCID;
    h.pn = pn, h.pn_len = 2, h.key_phase = (uint8_t)phase;
    l4_ssize hl = l4_quic_hdr_write(out, 1600, &h);
    if (hl < 0)
        return 0;
    memcpy(out + hl, pl, plen);
    l4_ssize n = l4_quic_protect(k, out, 1600, (size_t)hl, (size_t)hl - 2, pn, plen);
    return n < 0 ? 0 : (size_t)n;
}

static void setup(void)
{
    static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    A = l4_addr_v4(a), B = l4_addr_v4(b);
    devnull = fopen("/dev/null", "w");
    /* the fake key log: this connection's secrets */
    char text[2048];
    size_t at = 0;
    for (int w = 0; w < DIS_KL_N; w++) {
        uint8_t s[32];
        secret(s, w);
        at += (size_t)snprintf(text + at, sizeof text - at, "%s ", dis_keylog_label(w));
        for (int i = 0; i < 32; i++)
            at += (size_t)snprintf(text + at, sizeof text - at, "%02x", RANDOM[i]);
        at += (size_t)snprintf(text + at, sizeof text - at, " ");
        for (int i = 0; i < 32; i++)
            at += (size_t)snprintf(text + at, sizeof text - at, "%02x", s[i]);
        at += (size_t)snprintf(text + at, sizeof text - at, "\n");
    }
    if (dis_keylog_parse(&kl, text, at, 0) < 0)
        abort();
    uint8_t s[32], s1[32];
    if (l4_quic_keys_init_initial(&k_ci, &k_si, ODCID, sizeof ODCID) < 0)
        abort();
    secret(s, DIS_KL_SERVER_HS);
    if (l4_quic_keys_init(&k_shs, L4_QUIC_AEAD_AES_128_GCM, s, 32) < 0)
        abort();
    secret(s, DIS_KL_CLIENT_APP);
    if (l4_quic_keys_init(&k_c1[0], L4_QUIC_AEAD_AES_128_GCM, s, 32) < 0 ||
        l4_quic_secret_update(L4_QUIC_AEAD_AES_128_GCM, s1, s, 32) < 0 ||
        l4_quic_keys_init_update(&k_c1[1], &k_c1[0], s1, 32) < 0)
        abort();
    /* client Initial: CRYPTO [ClientHello with RANDOM], PADDING */
    uint8_t ch[64] = {1, 0, 0, 42, 3, 3};
    memcpy(ch + 6, RANDOM, 32);
    /* session id 0, one cipher suite, one compression method, no extensions */
    static const uint8_t rest[] = {0, 0, 2, 0x13, 0x01, 1, 0, 0, 0};
    memcpy(ch + 38, rest, sizeof rest);
    ch[3] = (uint8_t)(34 + sizeof rest);
    uint8_t pl[1300];
    memset(pl, 0, sizeof pl);
    l4_quic_frame f = {.type = L4_QUIC_FRAME_CRYPTO};
    f.u.crypto.data = ch, f.u.crypto.len = 38 + sizeof rest;
    if (l4_quic_frame_encode(pl, sizeof pl, &f) < 0)
        abort();
    hello_c_len = protect_long(hello_c, L4_QUIC_PKT_INITIAL, ODCID, sizeof ODCID, CCID, sizeof CCID,
                               0, pl, 1100, &k_ci);
    /* server Initial: CRYPTO [ServerHello TLS_AES_128_GCM_SHA256] */
    uint8_t sh[64] = {2, 0, 0, 40, 3, 3};
    static const uint8_t srest[] = {0, 0x13, 0x01, 0, 0, 0};
    memcpy(sh + 38, srest, sizeof srest);
    f.u.crypto.data = sh, f.u.crypto.len = 38 + sizeof srest;
    l4_ssize n = l4_quic_frame_encode(pl, sizeof pl, &f);
    if (n < 0)
        abort();
    hello_s_len = protect_long(hello_s, L4_QUIC_PKT_INITIAL, CCID, sizeof CCID, SCID, sizeof SCID,
                               0, pl, (size_t)n, &k_si);
    if (!hello_c_len || !hello_s_len || !devnull)
        abort();
}

static void check_quic(const disq_dgram *d, const uint8_t *in, size_t len)
{
    FUZZ_CHECK(d->n_pkts <= DISQ_MAX_PKTS);
    for (size_t i = 0; i < d->n_pkts; i++) {
        const disq_pkt *p = &d->pkts[i];
        FUZZ_CHECK(p->off + p->len <= len);
        FUZZ_CHECK(p->frame0 + p->n_frames <= d->n_frames);
        if ((!p->hdr_err || p->hdr_err == L4_ERR_UNSUPPORTED) && !p->greased) {
            FUZZ_CHECK(inside(p->h.dcid, p->h.dcid_len, in, len));
            FUZZ_CHECK(p->h.type == L4_QUIC_PKT_1RTT || inside(p->h.scid, p->h.scid_len, in, len));
        }
        if (p->dec == DISQ_DEC_OK)
            FUZZ_CHECK(p->payload_len + p->pn_len <= p->len);
    }
    for (size_t i = 0; i < d->n_frames; i++)
        FUZZ_CHECK(d->frames[i].tls0 + d->frames[i].n_tls <= d->n_tls);
    disq_text_line(devnull, d, len);
    disq_text_sublines(devnull, d);
    disq_text_verbose(devnull, d);
    disq_json(devnull, d);
}

static void quic_dgram(dis_quic *q, int to_server, const uint8_t *in, size_t len, size_t captured)
{
    if (to_server)
        dis_quic_datagram(q, &g, &A, 50000, &B, 443, in, len, captured);
    else
        dis_quic_datagram(q, &g, &B, 443, &A, 50000, in, len, captured);
    check_quic(&g, in, len);
}

static void fuzz_quic(const uint8_t *in, size_t size)
{
    dis_quic *q;
    if (dis_quic_new(&q, &kl) < 0)
        return;
    quic_dgram(q, 1, hello_c, hello_c_len, hello_c_len);
    quic_dgram(q, 0, hello_s, hello_s_len, hello_s_len);
    /* the input as a datagram, both ways, and cut by a capture */
    quic_dgram(q, 1, in, size, size);
    quic_dgram(q, 0, in, size, size / 2);
    /* the input as frames: Handshake from the server, 1-RTT from the client
     * (phase 0, then after a key update 1, then a late phase-0 packet) */
    if (size <= 1300) {
        uint8_t pl[1300], pkt[1600];
        memcpy(pl, in, size);
        size_t plen = size < 4 ? 4 : size; /* room for the header-protection sample */
        memset(pl + size, 0, plen - size);
        size_t n = protect_long(pkt, L4_QUIC_PKT_HANDSHAKE, CCID, sizeof CCID, SCID, sizeof SCID, 1,
                                pl, plen, &k_shs);
        if (n)
            quic_dgram(q, 0, pkt, n, n);
        static const struct {
            uint64_t pn;
            int gen;
        } seq[] = {{0, 0}, {2, 1}, {1, 0}};
        for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
            n = protect_short(pkt, seq[i].pn, seq[i].gen, pl, plen, &k_c1[seq[i].gen]);
            if (n)
                quic_dgram(q, 1, pkt, n, n);
        }
    }
    dis_quic_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull)
        setup();
    /* Exact-size heap copy, so ASan sees any read past the end. */
    uint8_t *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    dis_pkt d;
    dis_decode(&d, in, size, size, scratch);
    check(&d, in, size);
    /* The same bytes as the first part of a longer packet cut by the capture. */
    size_t cut = size / 2;
    dis_decode(&d, in, cut, size + 40, scratch);
    check(&d, in, cut);

    fuzz_quic(in, size);

    dis_keylog k;
    memset(&k, 0, sizeof k);
    dis_keylog_parse(&k, (const char *)in, size, 0);
    FUZZ_CHECK(k.n <= k.cap && k.secrets <= k.n * DIS_KL_N);
    dis_keylog_free(&k);
    dis_tls_msg m;
    dis_tls_parse(&m, in, size);
    FUZZ_CHECK(m.sni[sizeof m.sni - 1] == 0 && m.alpn[sizeof m.alpn - 1] == 0);
    free(in);
    return 0;
}
