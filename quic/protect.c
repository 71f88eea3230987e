/*
 * quic/protect.c — QUIC packet and header protection (RFC 9001 §5.3, §5.4)
 * and the Retry Integrity Tag (§5.8), over GnuTLS's cipher API.
 */
#include "quic/protect.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "wire/quic_pkt.h"

/* RFC 9001 §5.8: the QUIC version 1 Retry key and nonce. */
static const uint8_t protect_retry_key[16] = {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a,
                                              0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e};
static const uint8_t protect_retry_nonce[12] = {0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63,
                                                0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb};

int l4_quic_hp_mask(l4_quic_keys *k, const uint8_t *sample, uint8_t *mask)
{
    if (!k->hp_hd)
        return L4_ERR_INVALID_ARGUMENT;
    gnutls_cipher_hd_t hd = (gnutls_cipher_hd_t)k->hp_hd;
    uint8_t iv[16], out[16];
    int rc;
    if (k->aead == L4_QUIC_AEAD_CHACHA20_POLY1305) {
        /* §5.4.4: the sample is the 32-bit counter then the 96-bit nonce, the
         * layout GNUTLS_CIPHER_CHACHA20_32 takes as its IV; the mask is the
         * encryption of five zero bytes. */
        static const uint8_t zeros[L4_QUIC_HP_MASK_LEN];
        memcpy(iv, sample, 16);
        gnutls_cipher_set_iv(hd, iv, 16);
        rc = gnutls_cipher_encrypt2(hd, zeros, sizeof zeros, out, L4_QUIC_HP_MASK_LEN);
    } else {
        /* §5.4.3: AES-ECB of the sample = the first CBC block under a zero IV. */
        memset(iv, 0, sizeof iv);
        gnutls_cipher_set_iv(hd, iv, 16);
        rc = gnutls_cipher_encrypt2(hd, sample, 16, out, 16);
    }
    if (rc < 0)
        return L4_ERR_UNSUPPORTED;
    memcpy(mask, out, L4_QUIC_HP_MASK_LEN);
    return 0;
}

/* §5.4.1: XOR the mask into the first byte's protected bits and the packet
 * number field of pn_len bytes. */
static void protect_apply_mask(uint8_t *pkt, size_t pn_offset, size_t pn_len, const uint8_t *mask)
{
    pkt[0] ^= mask[0] & ((pkt[0] & L4_QUIC_HDR_FORM_LONG) ? 0x0f : 0x1f);
    for (size_t i = 0; i < pn_len; i++)
        pkt[pn_offset + i] ^= mask[1 + i];
}

/* §5.3: the nonce is the IV with the 62-bit packet number XORed into its
 * low-order (rightmost) bytes. */
static void protect_nonce(uint8_t *nonce, const l4_quic_keys *k, uint64_t pn)
{
    memcpy(nonce, k->iv, L4_QUIC_IV_LEN);
    for (size_t i = 0; i < 8; i++)
        nonce[L4_QUIC_IV_LEN - 1 - i] ^= (uint8_t)(pn >> (8 * i));
}

l4_ssize l4_quic_protect(l4_quic_keys *k, uint8_t *pkt, size_t cap, size_t hdr_len,
                         size_t pn_offset, uint64_t pn, size_t payload_len)
{
    if (!k->aead_hd || pn_offset >= hdr_len)
        return L4_ERR_INVALID_ARGUMENT;
    size_t pn_len = hdr_len - pn_offset;
    if (pn_len != l4_quic_pn_len(pkt[0]) || pn_len + payload_len < 4)
        return L4_ERR_INVALID_ARGUMENT;
    if (cap < hdr_len || cap - hdr_len < L4_QUIC_TAG_LEN ||
        cap - hdr_len - L4_QUIC_TAG_LEN < payload_len)
        return L4_ERR_NOBUF;

    uint8_t nonce[L4_QUIC_IV_LEN];
    protect_nonce(nonce, k, pn);
    /* The associated data is the header with the packet number in clear. */
    giovec_t ad = {pkt, hdr_len};
    giovec_t data = {pkt + hdr_len, payload_len};
    size_t tag_len = L4_QUIC_TAG_LEN;
    int rc = gnutls_aead_cipher_encryptv2((gnutls_aead_cipher_hd_t)k->aead_hd, nonce, sizeof nonce,
                                          &ad, 1, &data, 1, pkt + hdr_len + payload_len, &tag_len);
    if (rc < 0 || tag_len != L4_QUIC_TAG_LEN)
        return L4_ERR_UNSUPPORTED;

    /* §5.4.2: the sample starts 4 bytes after the start of the pn field. */
    uint8_t mask[L4_QUIC_HP_MASK_LEN];
    if ((rc = l4_quic_hp_mask(k, pkt + pn_offset + 4, mask)) < 0)
        return rc;
    protect_apply_mask(pkt, pn_offset, pn_len, mask);
    return (l4_ssize)(hdr_len + payload_len + L4_QUIC_TAG_LEN);
}

l4_ssize l4_quic_unprotect(l4_quic_keys *k, uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                           uint64_t largest_pn, uint64_t *pn, size_t *hdr_len)
{
    if (!k->aead_hd || pn_offset == 0)
        return L4_ERR_INVALID_ARGUMENT;
    if (pkt_len < pn_offset || pkt_len - pn_offset < 4 + L4_QUIC_HP_SAMPLE_LEN)
        return L4_ERR_TRUNCATED;

    uint8_t mask[L4_QUIC_HP_MASK_LEN];
    int rc = l4_quic_hp_mask(k, pkt + pn_offset + 4, mask);
    if (rc < 0)
        return rc;
    /* §5.4.1: unmask the first byte first; it gives the pn length. */
    uint8_t first = pkt[0];
    pkt[0] ^= mask[0] & ((pkt[0] & L4_QUIC_HDR_FORM_LONG) ? 0x0f : 0x1f);
    size_t pn_len = l4_quic_pn_len(pkt[0]);
    pkt[0] = first;
    protect_apply_mask(pkt, pn_offset, pn_len, mask);

    size_t hlen = pn_offset + pn_len;
    uint64_t full =
        l4_quic_pn_decode(largest_pn, l4_quic_pn_read(pkt + pn_offset, pn_len), pn_len * 8);
    /* pkt_len >= pn_offset + 20 >= hlen + 16, so the tag fits. */
    size_t payload_len = pkt_len - hlen - L4_QUIC_TAG_LEN;
    uint8_t nonce[L4_QUIC_IV_LEN];
    protect_nonce(nonce, k, full);
    giovec_t ad = {pkt, hlen};
    giovec_t data = {pkt + hlen, payload_len};
    rc = gnutls_aead_cipher_decryptv2((gnutls_aead_cipher_hd_t)k->aead_hd, nonce, sizeof nonce, &ad,
                                      1, &data, 1, pkt + hlen + payload_len, L4_QUIC_TAG_LEN);
    if (rc < 0) {
        protect_apply_mask(pkt, pn_offset, pn_len, mask); /* back as received */
        return rc == GNUTLS_E_DECRYPTION_FAILED ? L4_ERR_CHECKSUM : L4_ERR_UNSUPPORTED;
    }
    *pn = full;
    *hdr_len = hlen;
    return (l4_ssize)payload_len;
}

/* The Retry tag: AES-128-GCM over an empty plaintext; the pseudo-packet is
 * the associated data, given as three pieces to avoid a copy. */
static int protect_retry_aead(uint8_t *tag, int verify, const uint8_t *odcid, size_t odcid_len,
                              const uint8_t *retry, size_t retry_len)
{
    if (odcid_len > 255)
        return L4_ERR_INVALID_ARGUMENT;
    gnutls_datum_t key = {(unsigned char *)(uintptr_t)protect_retry_key, sizeof protect_retry_key};
    gnutls_aead_cipher_hd_t hd;
    int rc = gnutls_aead_cipher_init(&hd, GNUTLS_CIPHER_AES_128_GCM, &key);
    if (rc < 0)
        return rc == GNUTLS_E_MEMORY_ERROR ? L4_ERR_NOMEM : L4_ERR_UNSUPPORTED;
    uint8_t len_byte = (uint8_t)odcid_len;
    giovec_t ad[3] = {
        {&len_byte, 1},
        {(void *)(uintptr_t)odcid, odcid_len},
        {(void *)(uintptr_t)retry, retry_len},
    };
    size_t tag_len = L4_QUIC_RETRY_TAG_LEN;
    if (verify)
        rc = gnutls_aead_cipher_decryptv2(hd, protect_retry_nonce, sizeof protect_retry_nonce, ad,
                                          3, NULL, 0, tag, tag_len);
    else
        rc = gnutls_aead_cipher_encryptv2(hd, protect_retry_nonce, sizeof protect_retry_nonce, ad,
                                          3, NULL, 0, tag, &tag_len);
    gnutls_aead_cipher_deinit(hd);
    if (rc == GNUTLS_E_DECRYPTION_FAILED)
        return L4_ERR_CHECKSUM;
    return rc < 0 ? L4_ERR_UNSUPPORTED : 0;
}

int l4_quic_retry_tag(uint8_t *tag, const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
                      size_t retry_len)
{
    return protect_retry_aead(tag, 0, odcid, odcid_len, retry, retry_len);
}

int l4_quic_retry_verify(const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
                         size_t retry_len)
{
    if (retry_len < L4_QUIC_RETRY_TAG_LEN)
        return L4_ERR_TRUNCATED;
    uint8_t tag[L4_QUIC_RETRY_TAG_LEN];
    memcpy(tag, retry + retry_len - L4_QUIC_RETRY_TAG_LEN, sizeof tag);
    return protect_retry_aead(tag, 1, odcid, odcid_len, retry, retry_len - L4_QUIC_RETRY_TAG_LEN);
}
