/*
 * quic/crypto.c — QUIC key schedule pieces: HKDF-Expand-Label (RFC 8446 §7.1),
 * Initial secrets (RFC 9001 §5.2), packet/header keys (§5.1), key update
 * (§6.1). GnuTLS supplies HKDF and the ciphers.
 */
#include "quic/crypto.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "util/bytes.h"

/* RFC 9001 §5.2: the QUIC version 1 initial_salt. */
static const uint8_t crypto_initial_salt_v1[20] = {
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};

static gnutls_mac_algorithm_t crypto_mac(l4_quic_hash hash)
{
    switch (hash) {
    case L4_QUIC_HASH_SHA256:
        return GNUTLS_MAC_SHA256;
    case L4_QUIC_HASH_SHA384:
        return GNUTLS_MAC_SHA384;
    default:
        return GNUTLS_MAC_UNKNOWN;
    }
}

l4_quic_hash l4_quic_aead_hash(l4_quic_aead aead)
{
    return aead == L4_QUIC_AEAD_AES_256_GCM ? L4_QUIC_HASH_SHA384 : L4_QUIC_HASH_SHA256;
}

size_t l4_quic_hash_len(l4_quic_hash hash)
{
    return hash == L4_QUIC_HASH_SHA384 ? 48 : 32;
}

size_t l4_quic_aead_key_len(l4_quic_aead aead)
{
    return aead == L4_QUIC_AEAD_AES_128_GCM ? 16 : 32;
}

/* The GnuTLS AEAD and header-protection ciphers of each suite (RFC 9001
 * §5.4.3: AES in ECB mode, done here as one CBC block with a zero IV since
 * GnuTLS 3.7 has no ECB; §5.4.4: raw ChaCha20 with a 32-bit counter). */
static int crypto_ciphers(l4_quic_aead aead, gnutls_cipher_algorithm_t *ae,
                          gnutls_cipher_algorithm_t *hp)
{
    switch (aead) {
    case L4_QUIC_AEAD_AES_128_GCM:
        *ae = GNUTLS_CIPHER_AES_128_GCM;
        *hp = GNUTLS_CIPHER_AES_128_CBC;
        return 0;
    case L4_QUIC_AEAD_AES_256_GCM:
        *ae = GNUTLS_CIPHER_AES_256_GCM;
        *hp = GNUTLS_CIPHER_AES_256_CBC;
        return 0;
    case L4_QUIC_AEAD_CHACHA20_POLY1305:
        *ae = GNUTLS_CIPHER_CHACHA20_POLY1305;
        *hp = GNUTLS_CIPHER_CHACHA20_32;
        return 0;
    default:
        return L4_ERR_INVALID_ARGUMENT;
    }
}

static int crypto_gnutls_err(int rc)
{
    return rc == GNUTLS_E_MEMORY_ERROR ? L4_ERR_NOMEM : L4_ERR_UNSUPPORTED;
}

int l4_quic_hkdf_extract(l4_quic_hash hash, uint8_t *prk, const uint8_t *salt, size_t salt_len,
                         const uint8_t *ikm, size_t ikm_len)
{
    gnutls_mac_algorithm_t mac = crypto_mac(hash);
    if (mac == GNUTLS_MAC_UNKNOWN || salt_len > UINT32_MAX || ikm_len > UINT32_MAX)
        return L4_ERR_INVALID_ARGUMENT;
    /* GnuTLS's datum is not const-qualified; it only reads these. */
    gnutls_datum_t key = {(unsigned char *)(uintptr_t)ikm, (unsigned)ikm_len};
    gnutls_datum_t s = {(unsigned char *)(uintptr_t)salt, (unsigned)salt_len};
    int rc = gnutls_hkdf_extract(mac, &key, &s, prk);
    return rc < 0 ? L4_ERR_UNSUPPORTED : 0;
}

int l4_quic_hkdf_expand_label(l4_quic_hash hash, uint8_t *out, size_t out_len,
                              const uint8_t *secret, size_t secret_len, const char *label,
                              const uint8_t *context, size_t ctx_len)
{
    /* RFC 8446 §7.1: struct { uint16 length; opaque label<7..255> =
     * "tls13 " + Label; opaque context<0..255>; } HkdfLabel. */
    static const char prefix[] = "tls13 ";
    const size_t plen = sizeof prefix - 1;
    gnutls_mac_algorithm_t mac = crypto_mac(hash);
    size_t llen = strlen(label);
    if (mac == GNUTLS_MAC_UNKNOWN || plen + llen > 255 || ctx_len > 255 || out_len > 65535 ||
        out_len > 255 * l4_quic_hash_len(hash) || secret_len > UINT32_MAX)
        return L4_ERR_INVALID_ARGUMENT;
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t n = 0;
    l4_put_u16(info, (uint16_t)out_len);
    n += 2;
    info[n++] = (uint8_t)(plen + llen);
    memcpy(info + n, prefix, plen);
    n += plen;
    memcpy(info + n, label, llen);
    n += llen;
    info[n++] = (uint8_t)ctx_len;
    if (ctx_len)
        memcpy(info + n, context, ctx_len);
    n += ctx_len;
    gnutls_datum_t key = {(unsigned char *)(uintptr_t)secret, (unsigned)secret_len};
    gnutls_datum_t inf = {info, (unsigned)n};
    int rc = gnutls_hkdf_expand(mac, &key, &inf, out, out_len);
    return rc < 0 ? L4_ERR_UNSUPPORTED : 0;
}

int l4_quic_initial_secrets(uint8_t *client, uint8_t *server, const uint8_t *dcid, size_t dcid_len)
{
    if (dcid_len > 255)
        return L4_ERR_INVALID_ARGUMENT;
    uint8_t initial[L4_QUIC_INITIAL_SECRET_LEN];
    int rc = l4_quic_hkdf_extract(L4_QUIC_HASH_SHA256, initial, crypto_initial_salt_v1,
                                  sizeof crypto_initial_salt_v1, dcid, dcid_len);
    if (rc == 0 && client)
        rc = l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, client, L4_QUIC_INITIAL_SECRET_LEN,
                                       initial, sizeof initial, "client in", NULL, 0);
    if (rc == 0 && server)
        rc = l4_quic_hkdf_expand_label(L4_QUIC_HASH_SHA256, server, L4_QUIC_INITIAL_SECRET_LEN,
                                       initial, sizeof initial, "server in", NULL, 0);
    memset(initial, 0, sizeof initial);
    return rc;
}

/* Creates the cipher handles from k->key and k->hp. */
static int crypto_keys_open(l4_quic_keys *k)
{
    gnutls_cipher_algorithm_t ae, hp;
    int rc = crypto_ciphers(k->aead, &ae, &hp);
    if (rc < 0)
        return rc;
    gnutls_datum_t key = {k->key, (unsigned)k->key_len};
    gnutls_aead_cipher_hd_t ahd;
    if ((rc = gnutls_aead_cipher_init(&ahd, ae, &key)) < 0)
        return crypto_gnutls_err(rc);
    /* The IV given here is replaced before every use (protect.c). */
    uint8_t zero_iv[16] = {0};
    gnutls_datum_t hkey = {k->hp, (unsigned)k->key_len};
    gnutls_datum_t iv = {zero_iv, sizeof zero_iv};
    gnutls_cipher_hd_t chd;
    if ((rc = gnutls_cipher_init(&chd, hp, &hkey, &iv)) < 0) {
        gnutls_aead_cipher_deinit(ahd);
        return crypto_gnutls_err(rc);
    }
    k->aead_hd = ahd;
    k->hp_hd = chd;
    return 0;
}

static int crypto_derive(l4_quic_keys *k, l4_quic_aead aead, const uint8_t *secret,
                         size_t secret_len, int with_hp)
{
    l4_quic_hash hash = l4_quic_aead_hash(aead);
    size_t klen = l4_quic_aead_key_len(aead);
    int rc = l4_quic_hkdf_expand_label(hash, k->key, klen, secret, secret_len, "quic key", NULL, 0);
    if (rc == 0)
        rc = l4_quic_hkdf_expand_label(hash, k->iv, L4_QUIC_IV_LEN, secret, secret_len, "quic iv",
                                       NULL, 0);
    if (rc == 0 && with_hp)
        rc = l4_quic_hkdf_expand_label(hash, k->hp, klen, secret, secret_len, "quic hp", NULL, 0);
    return rc;
}

int l4_quic_keys_init(l4_quic_keys *k, l4_quic_aead aead, const uint8_t *secret, size_t secret_len)
{
    memset(k, 0, sizeof *k);
    if ((unsigned)aead > L4_QUIC_AEAD_CHACHA20_POLY1305 ||
        secret_len != l4_quic_hash_len(l4_quic_aead_hash(aead)))
        return L4_ERR_INVALID_ARGUMENT;
    k->aead = aead;
    k->key_len = l4_quic_aead_key_len(aead);
    int rc = crypto_derive(k, aead, secret, secret_len, 1);
    if (rc == 0)
        rc = crypto_keys_open(k);
    if (rc < 0)
        memset(k, 0, sizeof *k);
    return rc;
}

int l4_quic_keys_init_update(l4_quic_keys *k, const l4_quic_keys *cur, const uint8_t *next_secret,
                             size_t secret_len)
{
    l4_quic_aead aead = cur->aead;
    uint8_t hp[L4_QUIC_MAX_KEY_LEN];
    memcpy(hp, cur->hp, sizeof hp);
    if (k == cur)
        l4_quic_keys_free(k); /* updating in place: the old handles go */
    memset(k, 0, sizeof *k);
    if ((unsigned)aead > L4_QUIC_AEAD_CHACHA20_POLY1305 ||
        secret_len != l4_quic_hash_len(l4_quic_aead_hash(aead)))
        return L4_ERR_INVALID_ARGUMENT;
    k->aead = aead;
    k->key_len = l4_quic_aead_key_len(aead);
    memcpy(k->hp, hp, sizeof hp);
    memset(hp, 0, sizeof hp);
    int rc = crypto_derive(k, aead, next_secret, secret_len, 0);
    if (rc == 0)
        rc = crypto_keys_open(k);
    if (rc < 0)
        memset(k, 0, sizeof *k);
    return rc;
}

int l4_quic_keys_init_initial(l4_quic_keys *client, l4_quic_keys *server, const uint8_t *dcid,
                              size_t dcid_len)
{
    uint8_t cs[L4_QUIC_INITIAL_SECRET_LEN], ss[L4_QUIC_INITIAL_SECRET_LEN];
    if (client)
        memset(client, 0, sizeof *client);
    if (server)
        memset(server, 0, sizeof *server);
    int rc = l4_quic_initial_secrets(cs, ss, dcid, dcid_len);
    if (rc == 0 && client)
        rc = l4_quic_keys_init(client, L4_QUIC_AEAD_AES_128_GCM, cs, sizeof cs);
    if (rc == 0 && server) {
        rc = l4_quic_keys_init(server, L4_QUIC_AEAD_AES_128_GCM, ss, sizeof ss);
        if (rc < 0)
            l4_quic_keys_free(client);
    }
    memset(cs, 0, sizeof cs);
    memset(ss, 0, sizeof ss);
    return rc;
}

void l4_quic_keys_free(l4_quic_keys *k)
{
    if (!k)
        return;
    if (k->aead_hd)
        gnutls_aead_cipher_deinit((gnutls_aead_cipher_hd_t)k->aead_hd);
    if (k->hp_hd)
        gnutls_cipher_deinit((gnutls_cipher_hd_t)k->hp_hd);
    memset(k, 0, sizeof *k);
}

int l4_quic_secret_update(l4_quic_aead aead, uint8_t *next, const uint8_t *secret,
                          size_t secret_len)
{
    l4_quic_hash hash = l4_quic_aead_hash(aead);
    if ((unsigned)aead > L4_QUIC_AEAD_CHACHA20_POLY1305 || secret_len != l4_quic_hash_len(hash))
        return L4_ERR_INVALID_ARGUMENT;
    uint8_t tmp[L4_QUIC_MAX_SECRET_LEN];
    int rc =
        l4_quic_hkdf_expand_label(hash, tmp, secret_len, secret, secret_len, "quic ku", NULL, 0);
    if (rc == 0)
        memcpy(next, tmp, secret_len);
    memset(tmp, 0, sizeof tmp);
    return rc;
}
