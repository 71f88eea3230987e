/*
 * quic/token.c — stateless address validation (RFC 9000 §8.1): sealed
 * tokens, the server's check of a client's first Initial with its Retry
 * (§17.2.5, RFC 9001 §5.8) or INVALID_TOKEN answers, and the connection's
 * NEW_TOKEN state (§19.7).
 */
#include "quic/token.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "quic/conn_internal.h"
#include "quic/protect.h"
#include "wire/quic_frame.h"
#include "wire/quic_varint.h"

#define TOKEN_NONCE   12
#define TOKEN_TAG     16
#define TOKEN_MAX_NEW 512 /* the longest token we send or carry */

static void token_put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t token_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

/* The bytes a token is bound to: the address, plus the port for Retry. */
static size_t token_bound(const l4_quic_path *peer, int kind)
{
    size_t n = kind == L4_QUIC_TOKEN_RETRY ? peer->len : peer->addr_len;
    return n <= sizeof peer->id ? n : sizeof peer->id;
}

/* AES-128-GCM over `pt` (in place) with kind || address as associated data. */
static int token_aead(const uint8_t key[L4_QUIC_TOKEN_KEY_LEN], int open, uint8_t kind,
                      const l4_quic_path *peer, const uint8_t *nonce, uint8_t *data, size_t len,
                      uint8_t *tag)
{
    gnutls_datum_t k = {(unsigned char *)(uintptr_t)key, L4_QUIC_TOKEN_KEY_LEN};
    gnutls_aead_cipher_hd_t hd;
    int rc = gnutls_aead_cipher_init(&hd, GNUTLS_CIPHER_AES_128_GCM, &k);
    if (rc < 0)
        return rc == GNUTLS_E_MEMORY_ERROR ? L4_ERR_NOMEM : L4_ERR_UNSUPPORTED;
    giovec_t ad[2] = {{&kind, 1}, {(void *)(uintptr_t)peer->id, token_bound(peer, kind)}};
    giovec_t io = {data, len};
    size_t tag_len = TOKEN_TAG;
    if (open)
        rc = gnutls_aead_cipher_decryptv2(hd, nonce, TOKEN_NONCE, ad, 2, &io, 1, tag, tag_len);
    else
        rc = gnutls_aead_cipher_encryptv2(hd, nonce, TOKEN_NONCE, ad, 2, &io, 1, tag, &tag_len);
    gnutls_aead_cipher_deinit(hd);
    if (rc == GNUTLS_E_DECRYPTION_FAILED)
        return L4_ERR_CHECKSUM;
    return rc < 0 ? L4_ERR_UNSUPPORTED : 0;
}

l4_ssize l4_quic_token_seal(uint8_t *buf, size_t cap, const uint8_t key[L4_QUIC_TOKEN_KEY_LEN],
                            int kind, const l4_quic_path *peer, const l4_quic_cid *odcid,
                            const l4_quic_cid *rscid, l4_time now, l4_rng *rng)
{
    if (!buf || !key || !peer || !rng ||
        (kind != L4_QUIC_TOKEN_RETRY && kind != L4_QUIC_TOKEN_NEW) ||
        (kind == L4_QUIC_TOKEN_RETRY && (!odcid || !rscid || odcid->len > L4_QUIC_MAX_CID_LEN ||
                                         rscid->len > L4_QUIC_MAX_CID_LEN)))
        return L4_ERR_INVALID_ARGUMENT;
    uint8_t pt[8 + 2 + 2 * L4_QUIC_MAX_CID_LEN];
    size_t n = 0;
    token_put64(pt, now);
    n = 8;
    if (kind == L4_QUIC_TOKEN_RETRY) {
        pt[n++] = odcid->len;
        memcpy(pt + n, odcid->data, odcid->len);
        n += odcid->len;
        pt[n++] = rscid->len;
        memcpy(pt + n, rscid->data, rscid->len);
        n += rscid->len;
    }
    size_t total = 1 + TOKEN_NONCE + n + TOKEN_TAG;
    if (cap < total)
        return L4_ERR_NOBUF;
    buf[0] = (uint8_t)kind;
    for (size_t i = 0; i < TOKEN_NONCE; i += 4) {
        uint32_t r = l4_rng_u32(rng);
        memcpy(buf + 1 + i, &r, 4);
    }
    memcpy(buf + 1 + TOKEN_NONCE, pt, n);
    int rc = token_aead(key, 0, (uint8_t)kind, peer, buf + 1, buf + 1 + TOKEN_NONCE, n,
                        buf + 1 + TOKEN_NONCE + n);
    return rc < 0 ? rc : (l4_ssize)total;
}

int l4_quic_token_open(const uint8_t key[L4_QUIC_TOKEN_KEY_LEN], const uint8_t *tok, size_t len,
                       const l4_quic_path *peer, l4_time now, l4_time lifetime, l4_quic_token *out)
{
    if (!key || !tok || !peer || !out)
        return L4_ERR_INVALID_ARGUMENT;
    if (len < 1 + TOKEN_NONCE + 8 + TOKEN_TAG || len > L4_QUIC_TOKEN_MAX ||
        (tok[0] != L4_QUIC_TOKEN_RETRY && tok[0] != L4_QUIC_TOKEN_NEW))
        return L4_ERR_MALFORMED;
    int kind = tok[0];
    size_t n = len - 1 - TOKEN_NONCE - TOKEN_TAG;
    if ((kind == L4_QUIC_TOKEN_NEW && n != 8) || (kind == L4_QUIC_TOKEN_RETRY && n < 10))
        return L4_ERR_MALFORMED;
    uint8_t pt[L4_QUIC_TOKEN_MAX];
    memcpy(pt, tok + 1 + TOKEN_NONCE, n);
    int rc = token_aead(key, 1, (uint8_t)kind, peer, tok + 1, pt, n,
                        (uint8_t *)(uintptr_t)tok + len - TOKEN_TAG);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->issued = token_get64(pt);
    if (kind == L4_QUIC_TOKEN_RETRY) {
        /* authenticated, so well formed unless the key was used elsewhere */
        size_t o = 8, ol = pt[o++];
        if (ol > L4_QUIC_MAX_CID_LEN || o + ol + 1 > n)
            return L4_ERR_MALFORMED;
        out->odcid.len = (uint8_t)ol;
        memcpy(out->odcid.data, pt + o, ol);
        o += ol;
        size_t rl = pt[o++];
        if (rl > L4_QUIC_MAX_CID_LEN || o + rl != n)
            return L4_ERR_MALFORMED;
        out->rscid.len = (uint8_t)rl;
        memcpy(out->rscid.data, pt + o, rl);
    }
    if (out->issued > now || now - out->issued > lifetime)
        return L4_ERR_LIMIT;
    return 0;
}

/* ---- the server's check of a client's first Initial ------------------------ */

static void screen_random_cid(l4_quic_cid *cid, size_t len, l4_rng *rng)
{
    cid->len = (uint8_t)len;
    for (size_t i = 0; i < len; i++)
        cid->data[i] = (uint8_t)l4_rng_u32(rng);
}

/* A Retry (RFC 9000 §17.2.5) answering the client Initial `h`. */
static l4_ssize screen_retry(const l4_quic_validator *v, const l4_quic_hdr *h,
                             const l4_quic_path *from, l4_time now, l4_rng *rng, uint8_t *out,
                             size_t cap)
{
    l4_quic_cid odcid, rscid;
    odcid.len = (uint8_t)h->dcid_len;
    memcpy(odcid.data, h->dcid, h->dcid_len);
    screen_random_cid(&rscid, v->cid_len ? v->cid_len : 8, rng);
    uint8_t tok[L4_QUIC_TOKEN_MAX];
    l4_ssize tl = l4_quic_token_seal(tok, sizeof tok, v->key, L4_QUIC_TOKEN_RETRY, from, &odcid,
                                     &rscid, now, rng);
    if (tl < 0)
        return tl;
    static const uint8_t zero_tag[L4_QUIC_RETRY_TAG_LEN];
    l4_quic_hdr r;
    memset(&r, 0, sizeof r);
    r.type = L4_QUIC_PKT_RETRY;
    r.first = (uint8_t)l4_rng_u32(rng); /* the four unused bits */
    r.version = L4_QUIC_VERSION_1;
    r.dcid = h->scid; /* §17.2.5: to the client's SCID, from a new SCID */
    r.dcid_len = h->scid_len;
    r.scid = rscid.data;
    r.scid_len = rscid.len;
    r.token = tok;
    r.token_len = (size_t)tl;
    r.retry_tag = zero_tag;
    l4_ssize n = l4_quic_hdr_write(out, cap, &r);
    if (n < 0)
        return n;
    /* RFC 9001 §5.8: the tag covers the original DCID and the packet. */
    int rc = l4_quic_retry_tag(out + n - L4_QUIC_RETRY_TAG_LEN, odcid.data, odcid.len, out,
                               (size_t)n - L4_QUIC_RETRY_TAG_LEN);
    return rc < 0 ? rc : n;
}

/* An Initial with CONNECTION_CLOSE(INVALID_TOKEN) (§8.1.2, §10.2: no state,
 * no closing period), protected with the keys of the packet's DCID. */
static l4_ssize screen_close(const l4_quic_hdr *h, uint8_t *out, size_t cap)
{
    l4_quic_hdr p;
    memset(&p, 0, sizeof p);
    p.type = L4_QUIC_PKT_INITIAL;
    p.version = L4_QUIC_VERSION_1;
    p.dcid = h->scid;
    p.dcid_len = h->scid_len;
    p.scid = h->dcid;
    p.scid_len = h->dcid_len;
    p.length_n = 2;
    p.pn = 0;
    p.pn_len = 1;
    l4_ssize hl = l4_quic_hdr_write(out, cap, &p);
    if (hl < 0)
        return hl;
    static const char reason[] = "invalid token";
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_CONNECTION_CLOSE;
    f.u.close.error_code = L4_QUIC_ERR_INVALID_TOKEN;
    f.u.close.reason = (const uint8_t *)reason;
    f.u.close.reason_len = sizeof reason - 1;
    if ((size_t)hl + L4_QUIC_TAG_LEN > cap)
        return L4_ERR_NOBUF;
    l4_ssize fl = l4_quic_frame_encode(out + hl, cap - (size_t)hl - L4_QUIC_TAG_LEN, &f);
    if (fl < 0)
        return fl;
    size_t pn_off = (size_t)hl - 1;
    l4_quic_varint_encode_n(out + pn_off - 2, 2, 1 + (uint64_t)fl + L4_QUIC_TAG_LEN, 2);
    l4_quic_keys sv;
    int rc = l4_quic_keys_init_initial(NULL, &sv, h->dcid, h->dcid_len);
    if (rc < 0)
        return rc;
    l4_ssize n = l4_quic_protect(&sv, out, cap, (size_t)hl, pn_off, 0, (size_t)fl);
    l4_quic_keys_free(&sv);
    return n;
}

int l4_quic_screen_initial(const l4_quic_validator *v, const uint8_t *dgram, size_t len,
                           const l4_quic_path *from, l4_time now, l4_rng *rng, uint8_t *reply,
                           size_t cap, l4_quic_screen *out)
{
    if (!v || !dgram || !from || !rng || !reply || !out)
        return L4_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->verdict = L4_QUIC_SCREEN_DROP;
    l4_quic_hdr h;
    /* §14.1, §7.2: only a client Initial in a full datagram, DCID ≥ 8 bytes */
    if (len < L4_QUIC_MIN_INITIAL_LEN || l4_quic_hdr_parse(&h, dgram, len, 0) < 0 ||
        h.type != L4_QUIC_PKT_INITIAL || h.dcid_len < 8)
        return out->verdict;
    if (h.token_len) {
        l4_quic_token t;
        int kind = h.token[0];
        l4_time life = kind == L4_QUIC_TOKEN_RETRY
                           ? (v->retry_lifetime ? v->retry_lifetime : 10 * L4_S)
                           : (v->token_lifetime ? v->token_lifetime : 24 * 3600 * L4_S);
        int rc = l4_quic_token_open(v->key, h.token, h.token_len, from, now, life, &t);
        out->token_kind = rc == L4_ERR_MALFORMED ? -1 : kind;
        if (rc == 0 && t.kind == L4_QUIC_TOKEN_RETRY &&
            (t.rscid.len != h.dcid_len || memcmp(t.rscid.data, h.dcid, h.dcid_len)))
            rc = L4_ERR_CHECKSUM; /* a Retry token for another connection attempt */
        if (rc == L4_ERR_UNSUPPORTED || rc == L4_ERR_NOMEM)
            return rc;
        out->token_err = rc;
        if (rc == 0) {
            out->validated = 1;
            out->verdict = L4_QUIC_SCREEN_ACCEPT;
            if (t.kind == L4_QUIC_TOKEN_RETRY) {
                out->odcid = t.odcid;
                out->rscid = t.rscid;
            }
            return out->verdict;
        }
        if (out->token_kind == L4_QUIC_TOKEN_RETRY) {
            /* §8.1.2: the client will not take a second Retry: close */
            l4_ssize n = screen_close(&h, reply, cap);
            if (n < 0)
                return (int)n;
            out->reply_len = (size_t)n;
            out->verdict = L4_QUIC_SCREEN_REPLY;
            return out->verdict;
        }
        /* §8.1.3: an unusable NEW_TOKEN token counts as no token */
    }
    if (!v->retry) {
        out->verdict = L4_QUIC_SCREEN_ACCEPT;
        return out->verdict;
    }
    l4_ssize n = screen_retry(v, &h, from, now, rng, reply, cap);
    if (n < 0)
        return (int)n;
    out->reply_len = (size_t)n;
    out->retry_sent = 1;
    out->verdict = L4_QUIC_SCREEN_REPLY;
    return out->verdict;
}

/* ---- the connection's side ------------------------------------------------- */

int l4_quic_conn_set_validation(l4_quic_conn *c, const l4_quic_screen *s)
{
    if (!c || !s || !c->is_server)
        return L4_ERR_INVALID_ARGUMENT;
    if (c->st.pkts_recv || c->st.pkts_sent || c->amp_recv)
        return L4_ERR_STATE;
    if (s->validated)
        c->addr_validated = 1;
    if (s->rscid.len) {
        c->sv_rscid = s->rscid;
        c->odcid = s->odcid;
    }
    return 0;
}

int qc_token_first_dcid(const l4_quic_conn *c, const uint8_t *p, size_t n)
{
    const l4_quic_cid *a = &c->odcid, *b = &c->sv_rscid;
    return (a->len == n && memcmp(a->data, p, n) == 0) ||
           (b->len && b->len == n && memcmp(b->data, p, n) == 0);
}

static int token_store(l4_quic_conn *c, const uint8_t *tok, size_t len)
{
    uint8_t *t = malloc(len);
    if (!t)
        return L4_ERR_NOMEM;
    memcpy(t, tok, len);
    free(c->nt);
    c->nt = t;
    c->nt_len = len;
    return 0;
}

int l4_quic_conn_send_token(l4_quic_conn *c, const uint8_t *tok, size_t len)
{
    if (!c || !c->is_server || !tok || len == 0 || len > TOKEN_MAX_NEW)
        return L4_ERR_INVALID_ARGUMENT;
    int rc = token_store(c, tok, len);
    if (rc == 0)
        c->nt_pending = 1;
    return rc;
}

int l4_quic_conn_set_token(l4_quic_conn *c, const uint8_t *tok, size_t len)
{
    if (!c || c->is_server || !tok || len == 0 || len > TOKEN_MAX_NEW)
        return L4_ERR_INVALID_ARGUMENT;
    if (c->st.pkts_sent || c->retry_done)
        return L4_ERR_STATE;
    uint8_t *t = malloc(len);
    if (!t)
        return L4_ERR_NOMEM;
    memcpy(t, tok, len);
    free(c->token);
    c->token = t;
    c->token_len = len;
    return 0;
}

const uint8_t *l4_quic_conn_new_token(const l4_quic_conn *c, size_t *len)
{
    if (c->is_server || !c->nt) {
        *len = 0;
        return NULL;
    }
    *len = c->nt_len;
    return c->nt;
}

int qc_token_on_frame(l4_quic_conn *c, const uint8_t *tok, size_t len)
{
    if (len > TOKEN_MAX_NEW)
        return 0; /* longer than we would ever carry: ignored */
    return token_store(c, tok, len) < 0 ? -1 : 0;
}
