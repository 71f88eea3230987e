/* tests/quic/protect_test.c — QUIC keys and packet protection against RFC 9001
 * Appendix A, byte for byte, both ways. */
#include "check.h"
#include "hex.h"
#include "quic/crypto.h"
#include "quic/protect.h"
#include "rfc9001_vectors.h"
#include "wire/quic_frame.h"
#include "wire/quic_pkt.h"

static uint8_t dcid[8];

static void load_dcid(void)
{
    CHECK_EQ(hex_decode(dcid, sizeof dcid, V_DCID), 8);
}

/* CHECK that mem[0..n) equals the hex string. */
#define CHECK_HEX(mem, n, hex)                                                                     \
    do {                                                                                           \
        uint8_t want_[1500];                                                                       \
        size_t wn_ = hex_decode(want_, sizeof want_, hex);                                         \
        CHECK_EQ((n), wn_);                                                                        \
        CHECK_MEM((mem), want_, wn_);                                                              \
    } while (0)

static void test_initial_keys(void)
{
    load_dcid();
    /* The initial secret: HKDF-Extract with the v1 salt (RFC 9001 §5.2). */
    uint8_t salt[20], initial[32];
    hex_decode(salt, sizeof salt, "38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
    CHECK_EQ(l4_quic_hkdf_extract(L4_QUIC_HASH_SHA256, initial, salt, 20, dcid, 8), 0);
    CHECK_HEX(initial, 32, V_INITIAL_SECRET);

    uint8_t cs[32], ss[32];
    CHECK_EQ(l4_quic_initial_secrets(cs, ss, dcid, 8), 0);
    CHECK_HEX(cs, 32, V_CLIENT_SECRET);
    CHECK_HEX(ss, 32, V_SERVER_SECRET);

    l4_quic_keys c, s;
    CHECK_EQ(l4_quic_keys_init_initial(&c, &s, dcid, 8), 0);
    CHECK_EQ(c.aead, L4_QUIC_AEAD_AES_128_GCM);
    CHECK_EQ(c.key_len, 16);
    CHECK_HEX(c.key, 16, V_CLIENT_KEY);
    CHECK_HEX(c.iv, 12, V_CLIENT_IV);
    CHECK_HEX(c.hp, 16, V_CLIENT_HP);
    CHECK_HEX(s.key, 16, V_SERVER_KEY);
    CHECK_HEX(s.iv, 12, V_SERVER_IV);
    CHECK_HEX(s.hp, 16, V_SERVER_HP);
    l4_quic_keys_free(&c);
    l4_quic_keys_free(&s);
    CHECK(c.aead_hd == NULL && c.hp_hd == NULL);
    l4_quic_keys_free(NULL);

    /* Only one side asked for. */
    CHECK_EQ(l4_quic_keys_init_initial(NULL, &s, dcid, 8), 0);
    CHECK_HEX(s.key, 16, V_SERVER_KEY);
    l4_quic_keys_free(&s);
    CHECK_EQ(l4_quic_initial_secrets(NULL, ss, dcid, 256), L4_ERR_INVALID_ARGUMENT);

    /* Another DCID gives other secrets; an empty one still works. */
    uint8_t cs2[32], ss2[32];
    CHECK_EQ(l4_quic_initial_secrets(cs2, ss2, dcid, 7), 0);
    CHECK(memcmp(cs2, cs, 32) != 0 && memcmp(ss2, ss, 32) != 0);
    CHECK_EQ(l4_quic_initial_secrets(cs2, ss2, NULL, 0), 0);
    CHECK(memcmp(cs2, cs, 32) != 0 && memcmp(cs2, ss2, 32) != 0);
}

static void test_hkdf_label_limits(void)
{
    uint8_t secret[32] = {1}, out[64];
    char label[251];
    memset(label, 'a', sizeof label - 1);
    label[250] = 0; /* "tls13 " + 250 > 255 */
    CHECK_EQ(l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, out, 16, secret, 32, label, NULL, 0),
             L4_ERR_INVALID_ARGUMENT);
    label[249] = 0; /* exactly 255 */
    CHECK_EQ(l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, out, 16, secret, 32, label, NULL, 0),
             0);
    CHECK_EQ(l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, out, 16, secret, 32, "x", secret, 256),
             L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_hkdf_expand_label(5, out, 16, secret, 32, "x", NULL, 0),
             L4_ERR_INVALID_ARGUMENT);
    /* A context changes the output. */
    uint8_t a[16], b[16];
    CHECK_EQ(l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, a, 16, secret, 32, "x", NULL, 0), 0);
    CHECK_EQ(l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, b, 16, secret, 32, "x", secret, 4), 0);
    CHECK(memcmp(a, b, 16) != 0);
}

static uint8_t pkt[1500], plain[1500];

static void test_client_initial(void)
{
    load_dcid();
    l4_quic_keys c;
    CHECK_EQ(l4_quic_keys_init_initial(&c, NULL, dcid, 8), 0);

    /* Build the RFC's packet: header, CRYPTO frame, PADDING to 1162 bytes. */
    size_t hlen = hex_decode(pkt, sizeof pkt, V_CLIENT_HDR);
    CHECK_EQ(hlen, 22);
    memset(plain, 0, sizeof plain);
    size_t clen = hex_decode(plain, sizeof plain, V_CLIENT_CRYPTO);
    CHECK_EQ(clen, 245);
    memcpy(pkt + hlen, plain, 1162);
    l4_quic_hdr h;
    CHECK_EQ(l4_quic_hdr_parse(&h, pkt, hlen + 1162 + 16, 0), 0);
    CHECK_EQ(h.pn_offset, 18);

    CHECK_EQ(l4_quic_protect(&c, pkt, sizeof pkt, hlen, h.pn_offset, 2, 1162), 1200);
    CHECK_HEX(pkt + 22, 16, V_CLIENT_SAMPLE);
    uint8_t mask[5];
    CHECK_EQ(l4_quic_hp_mask(&c, pkt + 22, mask), 0);
    CHECK_HEX(mask, 5, V_CLIENT_MASK);
    CHECK_HEX(pkt, 1200, V_CLIENT_PACKET);

    /* And back: the server's view of the received packet. */
    uint8_t rx[1200];
    CHECK_EQ(hex_decode(rx, sizeof rx, V_CLIENT_PACKET), 1200);
    l4_quic_keys srx;
    CHECK_EQ(l4_quic_keys_init_initial(&srx, NULL, dcid, 8), 0);
    CHECK_EQ(l4_quic_hdr_parse(&h, rx, sizeof rx, 0), 0);
    uint64_t pn = 0;
    size_t hdr_len = 0;
    CHECK_EQ(l4_quic_unprotect(&srx, rx, h.pkt_len, h.pn_offset, L4_QUIC_PN_NONE, &pn, &hdr_len),
             1162);
    CHECK_EQU(pn, 2);
    CHECK_EQ(hdr_len, 22);
    CHECK_HEX(rx, 22, V_CLIENT_HDR);
    CHECK_MEM(rx + 22, plain, 1162);
    l4_quic_keys_free(&srx);
    l4_quic_keys_free(&c);
}

/* The same client Initial assembled with the writers: header, CRYPTO frame,
 * PADDING frame, protect. */
static void test_client_initial_from_writers(void)
{
    load_dcid();
    l4_quic_keys c;
    CHECK_EQ(l4_quic_keys_init_initial(&c, NULL, dcid, 8), 0);
    uint8_t ch[300];
    size_t clen = hex_decode(ch, sizeof ch, V_CLIENT_CRYPTO);
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_INITIAL;
    h.version = L4_QUIC_VERSION_1;
    h.dcid = dcid;
    h.dcid_len = 8;
    h.length = 4 + 1162 + 16;
    h.pn = 2;
    h.pn_len = 4;
    l4_ssize hl = l4_quic_hdr_write(pkt, sizeof pkt, &h);
    CHECK_EQ(hl, 22);
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_CRYPTO;
    f.u.crypto.data = ch + 4; /* past the frame's own type/offset/length */
    f.u.crypto.len = clen - 4;
    l4_ssize n1 = l4_quic_frame_encode(pkt + hl, sizeof pkt - (size_t)hl, &f);
    CHECK_EQ(n1, 245);
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_PADDING;
    f.u.padding_len = 1162 - (size_t)n1;
    CHECK_EQ(l4_quic_frame_encode(pkt + hl + n1, sizeof pkt - (size_t)(hl + n1), &f), 917);
    CHECK_EQ(l4_quic_protect(&c, pkt, sizeof pkt, (size_t)hl, 18, 2, 1162), 1200);
    CHECK_HEX(pkt, 1200, V_CLIENT_PACKET);
    l4_quic_keys_free(&c);
}

static void test_server_initial(void)
{
    load_dcid();
    l4_quic_keys s;
    CHECK_EQ(l4_quic_keys_init_initial(NULL, &s, dcid, 8), 0);
    size_t hlen = hex_decode(pkt, sizeof pkt, V_SERVER_HDR);
    size_t plen = hex_decode(plain, sizeof plain, V_SERVER_PAYLOAD);
    CHECK_EQ(plen, 99);
    memcpy(pkt + hlen, plain, plen);
    CHECK_EQ(l4_quic_protect(&s, pkt, sizeof pkt, hlen, 18, 1, plen), 135);
    CHECK_HEX(pkt + 18 + 4, 16, V_SERVER_SAMPLE);
    uint8_t mask[5];
    CHECK_EQ(l4_quic_hp_mask(&s, pkt + 22, mask), 0);
    CHECK_HEX(mask, 5, V_SERVER_MASK);
    CHECK_HEX(pkt, 135, V_SERVER_PACKET);

    uint64_t pn = 0;
    size_t hdr_len = 0;
    l4_quic_hdr h;
    CHECK_EQ(l4_quic_hdr_parse(&h, pkt, 135, 0), 0);
    CHECK_EQ(l4_quic_unprotect(&s, pkt, h.pkt_len, h.pn_offset, 0, &pn, &hdr_len), 99);
    CHECK_EQU(pn, 1);
    CHECK_EQ(hdr_len, 20);
    CHECK_HEX(pkt, 20, V_SERVER_HDR);
    CHECK_MEM(pkt + 20, plain, 99);
    l4_quic_keys_free(&s);
}

static void test_retry_tag(void)
{
    load_dcid();
    uint8_t r[64];
    size_t n = hex_decode(r, sizeof r, V_RETRY);
    CHECK_EQ(n, 36);
    uint8_t tag[16];
    CHECK_EQ(l4_quic_retry_tag(tag, dcid, 8, r, n - 16), 0);
    CHECK_MEM(tag, r + n - 16, 16);
    CHECK_EQ(l4_quic_retry_verify(dcid, 8, r, n), 0);
    /* Another original DCID, or any altered byte, fails. */
    dcid[7] ^= 1;
    CHECK_EQ(l4_quic_retry_verify(dcid, 8, r, n), L4_ERR_CHECKSUM);
    dcid[7] ^= 1;
    CHECK_EQ(l4_quic_retry_verify(dcid, 7, r, n), L4_ERR_CHECKSUM);
    for (size_t i = 0; i < n; i++) {
        r[i] ^= 0x10;
        CHECK_EQ(l4_quic_retry_verify(dcid, 8, r, n), L4_ERR_CHECKSUM);
        r[i] ^= 0x10;
    }
    CHECK_EQ(l4_quic_retry_verify(dcid, 8, r, 15), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_quic_retry_tag(tag, dcid, 256, r, n - 16), L4_ERR_INVALID_ARGUMENT);
}

static void test_chacha20_short(void)
{
    uint8_t secret[32];
    hex_decode(secret, sizeof secret, V_CC_SECRET);
    l4_quic_keys k;
    CHECK_EQ(l4_quic_keys_init(&k, L4_QUIC_AEAD_CHACHA20_POLY1305, secret, 32), 0);
    CHECK_EQ(k.key_len, 32);
    CHECK_HEX(k.key, 32, V_CC_KEY);
    CHECK_HEX(k.iv, 12, V_CC_IV);
    CHECK_HEX(k.hp, 32, V_CC_HP);
    uint8_t ku[32];
    CHECK_EQ(l4_quic_secret_update(L4_QUIC_AEAD_CHACHA20_POLY1305, ku, secret, 32), 0);
    CHECK_HEX(ku, 32, V_CC_KU);
    uint8_t inplace[32];
    memcpy(inplace, secret, 32);
    CHECK_EQ(l4_quic_secret_update(L4_QUIC_AEAD_CHACHA20_POLY1305, inplace, inplace, 32), 0);
    CHECK_HEX(inplace, 32, V_CC_KU);

    uint8_t p[64];
    size_t hlen = hex_decode(p, sizeof p, V_CC_HDR);
    p[hlen] = 0x01; /* PING */
    CHECK_EQ(l4_quic_protect(&k, p, sizeof p, hlen, 1, V_CC_PN, 1), 21);
    CHECK_HEX(p + 5, 16, V_CC_SAMPLE);
    uint8_t mask[5];
    CHECK_EQ(l4_quic_hp_mask(&k, p + 5, mask), 0);
    CHECK_HEX(mask, 5, V_CC_MASK);
    CHECK_HEX(p, 21, V_CC_PACKET);

    l4_quic_hdr h;
    CHECK_EQ(l4_quic_hdr_parse(&h, p, 21, 0), 0);
    uint64_t pn = 0;
    size_t hdr_len = 0;
    CHECK_EQ(l4_quic_unprotect(&k, p, h.pkt_len, h.pn_offset, V_CC_PN - 1, &pn, &hdr_len), 1);
    CHECK_EQU(pn, V_CC_PN);
    CHECK_EQ(hdr_len, 4);
    CHECK_EQU(p[4], 0x01);
    CHECK_HEX(p, 4, V_CC_HDR);

    /* A key update keeps the header-protection key, takes key/iv from ku. */
    l4_quic_keys k2;
    CHECK_EQ(l4_quic_keys_init_update(&k2, &k, ku, 32), 0);
    CHECK_MEM(k2.hp, k.hp, 32);
    uint8_t key2[32], iv2[12];
    CHECK_EQ(l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, key2, 32, ku, 32, "quic key", NULL, 0),
             0);
    CHECK_EQ(l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, iv2, 12, ku, 32, "quic iv", NULL, 0),
             0);
    CHECK_MEM(k2.key, key2, 32);
    CHECK_MEM(k2.iv, iv2, 12);
    /* The old keys cannot open a packet sealed with the new ones. */
    hlen = hex_decode(p, sizeof p, "4600bff4");
    p[hlen] = 0x01;
    CHECK_EQ(l4_quic_protect(&k2, p, sizeof p, hlen, 1, V_CC_PN, 1), 21);
    uint8_t copy[21];
    memcpy(copy, p, 21);
    CHECK_EQ(l4_quic_unprotect(&k, p, 21, 1, V_CC_PN - 1, &pn, &hdr_len), L4_ERR_CHECKSUM);
    CHECK_EQ(l4_quic_unprotect(&k2, copy, 21, 1, V_CC_PN - 1, &pn, &hdr_len), 1);
    CHECK_EQU(copy[0] & L4_QUIC_HDR_KEY_PHASE, L4_QUIC_HDR_KEY_PHASE);
    l4_quic_keys_free(&k2);
    /* k2 may alias k. */
    CHECK_EQ(l4_quic_keys_init_update(&k, &k, ku, 32), 0);
    CHECK_MEM(k.key, key2, 32);
    l4_quic_keys_free(&k);
}

/* Any single altered byte of a protected packet fails authentication, and
 * the header is handed back as it was received. */
static void test_corruption_every_byte(void)
{
    load_dcid();
    l4_quic_keys s;
    CHECK_EQ(l4_quic_keys_init_initial(&s, NULL, dcid, 8), 0);
    uint8_t orig[1200], rx[1200];
    hex_decode(orig, sizeof orig, V_CLIENT_PACKET);
    for (size_t i = 0; i < sizeof orig; i++) {
        memcpy(rx, orig, sizeof rx);
        rx[i] ^= (uint8_t)(1u << (i % 8));
        uint64_t pn;
        size_t hdr_len;
        l4_ssize rc = l4_quic_unprotect(&s, rx, sizeof rx, 18, L4_QUIC_PN_NONE, &pn, &hdr_len);
        CHECK_MSG(rc == L4_ERR_CHECKSUM, "byte %zu altered: got %td", i, rc);
        /* The bytes before the pn field are back as received (after it the
         * wrong mask may have given a wrong pn length, so decryption may have
         * started inside the real pn field). */
        for (size_t j = 0; j < 18; j++)
            CHECK_MSG(rx[j] == (j == i ? (uint8_t)(orig[j] ^ (1u << (i % 8))) : orig[j]),
                      "byte %zu altered: header byte %zu not restored", i, j);
    }
    /* The wrong direction's keys fail too. */
    l4_quic_keys c;
    CHECK_EQ(l4_quic_keys_init_initial(NULL, &c, dcid, 8), 0);
    memcpy(rx, orig, sizeof rx);
    uint64_t pn;
    size_t hdr_len;
    CHECK_EQ(l4_quic_unprotect(&c, rx, sizeof rx, 18, L4_QUIC_PN_NONE, &pn, &hdr_len),
             L4_ERR_CHECKSUM);
    l4_quic_keys_free(&c);
    l4_quic_keys_free(&s);
}

/* AES-256-GCM (SHA-384 secrets) and every suite: protect/unprotect round
 * trips over packet-number lengths and payload sizes. */
static void test_round_trip_all_suites(void)
{
    uint8_t secret[48];
    for (size_t i = 0; i < sizeof secret; i++)
        secret[i] = (uint8_t)(i * 7 + 1);
    for (int aead = 0; aead <= L4_QUIC_AEAD_CHACHA20_POLY1305; aead++) {
        size_t slen = l4_quic_hash_len(l4_quic_aead_hash((l4_quic_aead)aead));
        CHECK_EQ(slen, aead == L4_QUIC_AEAD_AES_256_GCM ? 48 : 32);
        l4_quic_keys k;
        CHECK_EQ(l4_quic_keys_init(&k, (l4_quic_aead)aead, secret, slen), 0);
        CHECK_EQ(k.key_len, aead == L4_QUIC_AEAD_AES_128_GCM ? 16 : 32);
        for (size_t pn_len = 1; pn_len <= 4; pn_len++) {
            for (size_t plen = 4 - pn_len; plen < 300; plen += 37) {
                l4_quic_hdr h;
                memset(&h, 0, sizeof h);
                h.type = L4_QUIC_PKT_1RTT;
                h.dcid = secret;
                h.dcid_len = 8;
                h.pn = 0x12345678 + plen;
                h.pn_len = (uint8_t)pn_len;
                l4_ssize hl = l4_quic_hdr_write(pkt, sizeof pkt, &h);
                CHECK_EQ(hl, 9 + (l4_ssize)pn_len);
                for (size_t i = 0; i < plen; i++)
                    pkt[hl + i] = plain[i] = (uint8_t)(i ^ plen);
                l4_ssize n = l4_quic_protect(&k, pkt, sizeof pkt, (size_t)hl, 9, h.pn, plen);
                CHECK_EQ(n, hl + (l4_ssize)plen + 16);
                uint64_t pn;
                size_t hdr_len;
                CHECK_EQ(l4_quic_unprotect(&k, pkt, (size_t)n, 9, h.pn - 1, &pn, &hdr_len),
                         (l4_ssize)plen);
                CHECK_EQU(pn, h.pn);
                CHECK_EQ(hdr_len, (size_t)hl);
                CHECK_MEM(pkt + hdr_len, plain, plen);
            }
        }
        l4_quic_keys_free(&k);
    }
}

static void test_errors(void)
{
    load_dcid();
    l4_quic_keys k;
    uint8_t secret[48] = {0};
    CHECK_EQ(l4_quic_keys_init(&k, L4_QUIC_AEAD_AES_128_GCM, secret, 48), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_keys_init(&k, L4_QUIC_AEAD_AES_256_GCM, secret, 32), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_keys_init(&k, (l4_quic_aead)7, secret, 32), L4_ERR_INVALID_ARGUMENT);
    CHECK(k.aead_hd == NULL);
    l4_quic_keys_free(&k); /* harmless after a failed init */
    CHECK_EQ(l4_quic_secret_update(L4_QUIC_AEAD_AES_256_GCM, secret, secret, 32),
             L4_ERR_INVALID_ARGUMENT);
    uint8_t mask[5];
    CHECK_EQ(l4_quic_hp_mask(&k, secret, mask), L4_ERR_INVALID_ARGUMENT);

    CHECK_EQ(l4_quic_keys_init_initial(&k, NULL, dcid, 8), 0);
    size_t hlen = hex_decode(pkt, sizeof pkt, V_CLIENT_HDR); /* pn_len 4 */
    /* Header length disagreeing with the first byte's pn length. */
    CHECK_EQ(l4_quic_protect(&k, pkt, sizeof pkt, hlen - 1, 18, 2, 100), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_protect(&k, pkt, sizeof pkt, hlen, hlen, 2, 100), L4_ERR_INVALID_ARGUMENT);
    /* Too short to sample: pn_len + payload < 4 needs a 1-byte pn. */
    pkt[0] = 0xc0;
    CHECK_EQ(l4_quic_protect(&k, pkt, sizeof pkt, 19, 18, 2, 2), L4_ERR_INVALID_ARGUMENT);
    pkt[0] = 0xc3;
    /* No room for the tag. */
    CHECK_EQ(l4_quic_protect(&k, pkt, hlen + 100 + 15, hlen, 18, 2, 100), L4_ERR_NOBUF);
    CHECK_EQ(l4_quic_protect(&k, pkt, 10, hlen, 18, 2, 100), L4_ERR_NOBUF);
    /* Unprotect: too short for a sample at pn_offset + 4. */
    uint64_t pn;
    size_t hdr_len;
    for (size_t len = 0; len < 18 + 20; len++)
        CHECK_EQ(l4_quic_unprotect(&k, pkt, len, 18, 0, &pn, &hdr_len), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_quic_unprotect(&k, pkt, 100, 0, 0, &pn, &hdr_len), L4_ERR_INVALID_ARGUMENT);
    l4_quic_keys_free(&k);
    CHECK_EQ(l4_quic_protect(&k, pkt, sizeof pkt, hlen, 18, 2, 100), L4_ERR_INVALID_ARGUMENT);
}

static const l4_test TESTS[] = {
    TEST(test_initial_keys),
    TEST(test_hkdf_label_limits),
    TEST(test_client_initial),
    TEST(test_client_initial_from_writers),
    TEST(test_server_initial),
    TEST(test_retry_tag),
    TEST(test_chacha20_short),
    TEST(test_corruption_every_byte),
    TEST(test_round_trip_all_suites),
    TEST(test_errors),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
