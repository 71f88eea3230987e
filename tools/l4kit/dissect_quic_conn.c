/*
 * tools/l4kit/dissect_quic_conn.c — what `l4kit dissect` remembers about the
 * QUIC connections of a capture: their ends' addresses, the connection IDs
 * each end issued (a hash table, so short headers find their connection and
 * DCID length), stateless reset tokens, key slots, and the CRYPTO streams
 * whose TLS messages name the client random and the cipher suite.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect_quic_internal.h"

dq_conn *dq_conn_new(dis_quic *q, const l4_addr *caddr, uint16_t cport, const l4_addr *saddr,
                     uint16_t sport, const uint8_t *odcid, size_t odcid_len)
{
    if (odcid_len > L4_QUIC_MAX_CID_LEN)
        return NULL;
    if (q->n_conns >= DQ_MAX_CONNS) {
        q->conns_full = 1;
        return NULL;
    }
    if (q->n_conns == q->cap_conns) {
        size_t cap = q->cap_conns ? q->cap_conns * 2 : 16;
        dq_conn **n = realloc(q->conns, cap * sizeof *n);
        if (!n)
            return NULL;
        q->conns = n;
        q->cap_conns = cap;
    }
    dq_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->side[DQ_CLIENT].addr = *caddr;
    c->side[DQ_CLIENT].port = cport;
    c->side[DQ_SERVER].addr = *saddr;
    c->side[DQ_SERVER].port = sport;
    for (int s = 0; s < 2; s++) {
        c->side[s].cid_len = -1;
        for (int sp = 0; sp < 3; sp++)
            c->side[s].largest[sp] = L4_QUIC_PN_NONE;
    }
    memcpy(c->odcid, odcid, odcid_len);
    c->odcid_len = odcid_len;
    memcpy(c->idcid, odcid, odcid_len);
    c->idcid_len = odcid_len;
    c->aead = -1;
    q->conns[q->n_conns++] = c;
    return c;
}

void dq_slot_free(dq_slot *s)
{
    for (int i = 0; i < 2; i++)
        l4_quic_keys_free(&s->k[i]);
    memset(s, 0, sizeof *s);
}

static void dq_conn_free(dq_conn *c)
{
    for (int s = 0; s < 2; s++) {
        dq_side *d = &c->side[s];
        dq_slot_free(&d->initial);
        dq_slot_free(&d->hs);
        dq_slot_free(&d->early);
        dq_slot_free(&d->cur);
        dq_slot_free(&d->next);
        dq_slot_free(&d->prev);
        for (int l = 0; l < 3; l++) {
            free(d->crypto[l].buf);
            l4_quic_ranges_free(&d->crypto[l].got);
        }
    }
    free(c);
}

void dq_conn_drop_last(dis_quic *q)
{
    if (!q->n_conns)
        return;
    dq_conn *c = q->conns[--q->n_conns];
    for (int s = 0; s < 2; s++)
        for (int l = 0; l < 3; l++)
            q->crypto_mem -= c->side[s].crypto[l].cap;
    dq_conn_free(c);
}

uint32_t dq_conn_id(const dis_quic *q, const dq_conn *c)
{
    for (size_t i = q->n_conns; i-- > 0;)
        if (q->conns[i] == c)
            return (uint32_t)i + 1;
    return 0;
}

int dis_quic_new(dis_quic **out, const dis_keylog *kl)
{
    dis_quic *q = calloc(1, sizeof *q);
    if (!q)
        return L4_ERR_NOMEM;
    q->kl = kl;
    *out = q;
    return 0;
}

void dis_quic_free(dis_quic *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n_conns; i++)
        dq_conn_free(q->conns[i]);
    free(q->conns);
    free(q->cids);
    free(q->tokens);
    free(q->frames);
    free(q->tls);
    memset(q->work, 0, sizeof q->work);
    free(q);
}

/* ---------------------------------------------------------------- connection IDs */

/* FNV-1a over the length and the bytes: the IDs are the peers' choice, but
 * a capture is not a server under attack; a long probe chain only costs time. */
static size_t cid_hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u ^ (uint32_t)n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static dq_cid *cid_slot(const dis_quic *q, const uint8_t *p, size_t n)
{
    size_t mask = q->cap_cids - 1;
    for (size_t i = cid_hash(p, n) & mask;; i = (i + 1) & mask) {
        dq_cid *e = &q->cids[i];
        if (!e->conn || (e->len == n && !memcmp(e->data, p, n)))
            return e;
    }
}

static int cid_grow(dis_quic *q)
{
    size_t cap = q->cap_cids ? q->cap_cids * 2 : 256;
    dq_cid *old = q->cids, *n = calloc(cap, sizeof *n);
    size_t old_cap = q->cap_cids;
    if (!n)
        return L4_ERR_NOMEM;
    q->cids = n;
    q->cap_cids = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].conn)
            *cid_slot(q, old[i].data, old[i].len) = old[i];
    free(old);
    return 0;
}

int dq_cid_add(dis_quic *q, dq_conn *c, int side, const uint8_t *cid, size_t len)
{
    if (len > L4_QUIC_MAX_CID_LEN)
        return 0;
    c->side[side].cid_len = (int)len;
    q->cid_lens |= 1u << len;
    if (len == 0)
        return 0; /* a zero-length ID names no connection: the addresses do */
    if ((q->n_cids + 1) * 2 > q->cap_cids) {
        if (q->n_cids >= DQ_MAX_CIDS)
            return 0;
        int rc = cid_grow(q);
        if (rc < 0)
            return rc;
    }
    dq_cid *e = cid_slot(q, cid, len);
    if (!e->conn)
        q->n_cids++;
    e->len = (uint8_t)len;
    memcpy(e->data, cid, len);
    e->conn = dq_conn_id(q, c);
    e->side = (uint8_t)side;
    return 0;
}

dq_conn *dq_cid_find(const dis_quic *q, const uint8_t *cid, size_t len, int *side)
{
    if (!q->cap_cids || len == 0 || len > L4_QUIC_MAX_CID_LEN)
        return NULL;
    dq_cid *e = cid_slot(q, cid, len);
    if (!e->conn)
        return NULL;
    *side = e->side;
    return q->conns[e->conn - 1];
}

dq_conn *dq_tuple_find(dis_quic *q, const l4_addr *src, uint16_t sport, const l4_addr *dst,
                       uint16_t dport, int *side)
{
    for (size_t i = q->n_conns; i-- > 0;) {
        dq_conn *c = q->conns[i];
        const dq_side *a = &c->side[DQ_CLIENT], *b = &c->side[DQ_SERVER];
        if (a->port == sport && b->port == dport && l4_addr_eq(&a->addr, src) &&
            l4_addr_eq(&b->addr, dst)) {
            *side = DQ_SERVER;
            return c;
        }
        if (b->port == sport && a->port == dport && l4_addr_eq(&b->addr, src) &&
            l4_addr_eq(&a->addr, dst)) {
            *side = DQ_CLIENT;
            return c;
        }
    }
    return NULL;
}

dq_conn *dq_short_find(dis_quic *q, const uint8_t *data, size_t len, const l4_addr *src,
                       uint16_t sport, const l4_addr *dst, uint16_t dport, int *side,
                       size_t *cid_len, int *how)
{
    for (size_t n = L4_QUIC_MAX_CID_LEN; n > 0; n--) {
        if (!(q->cid_lens & (1u << n)) || len < 1 + n)
            continue;
        dq_conn *c = dq_cid_find(q, data + 1, n, side);
        if (c) {
            *cid_len = n;
            *how = DQ_BY_CID;
            return c;
        }
    }
    *how = DQ_BY_TUPLE;
    dq_conn *c = dq_tuple_find(q, src, sport, dst, dport, side);
    if (!c) {
        /* A path or an ID not seen in clear (a client that moved, a switch
         * announced in an encrypted NEW_CONNECTION_ID): still a server seen. */
        *how = DQ_BY_SERVER;
        for (size_t i = q->n_conns; i-- > 0 && !c;) {
            const dq_side *sv = &q->conns[i]->side[DQ_SERVER];
            if (sv->port == dport && l4_addr_eq(&sv->addr, dst))
                c = q->conns[i], *side = DQ_SERVER;
            else if (sv->port == sport && l4_addr_eq(&sv->addr, src))
                c = q->conns[i], *side = DQ_CLIENT;
        }
    }
    if (!c || c->side[*side].cid_len < 0 || len < 1 + (size_t)c->side[*side].cid_len)
        return NULL;
    *cid_len = (size_t)c->side[*side].cid_len;
    return c;
}

int dq_token_add(dis_quic *q, const dq_conn *c, const uint8_t *token)
{
    if (dq_token_known(q, token) || q->n_tokens >= DQ_MAX_CIDS)
        return 0;
    if (q->n_tokens == q->cap_tokens) {
        size_t cap = q->cap_tokens ? q->cap_tokens * 2 : 16;
        dq_token *n = realloc(q->tokens, cap * sizeof *n);
        if (!n)
            return L4_ERR_NOMEM;
        q->tokens = n;
        q->cap_tokens = cap;
    }
    memcpy(q->tokens[q->n_tokens].token, token, L4_QUIC_RESET_TOKEN_LEN);
    q->tokens[q->n_tokens++].conn = dq_conn_id(q, c);
    return 0;
}

int dq_token_known(const dis_quic *q, const uint8_t *tail)
{
    for (size_t i = 0; i < q->n_tokens; i++)
        if (!memcmp(q->tokens[i].token, tail, L4_QUIC_RESET_TOKEN_LEN))
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- keys */

int dq_slot_init(dq_slot *s, int aead, const uint8_t *secret, size_t len)
{
    dq_slot_free(s);
    int cand[2], n = 0;
    if (aead >= 0)
        cand[n++] = aead;
    else if (len == 48)
        cand[n++] = L4_QUIC_AEAD_AES_256_GCM;
    else {
        cand[n++] = L4_QUIC_AEAD_AES_128_GCM;
        cand[n++] = L4_QUIC_AEAD_CHACHA20_POLY1305;
    }
    for (int i = 0; i < n; i++) {
        int rc = l4_quic_keys_init(&s->k[i], (l4_quic_aead)cand[i], secret, len);
        if (rc < 0) {
            dq_slot_free(s);
            return rc;
        }
    }
    s->n = n;
    memcpy(s->secret, secret, len);
    s->secret_len = len;
    s->ready = 1;
    return 0;
}

/* ---------------------------------------------------------------- CRYPTO and TLS */

static int dq_tls_push(dis_quic *q, const dis_tls_msg *m)
{
    if (q->n_tls == q->cap_tls) {
        size_t cap = q->cap_tls ? q->cap_tls * 2 : 8;
        dis_tls_msg *n = realloc(q->tls, cap * sizeof *n);
        if (!n)
            return L4_ERR_NOMEM;
        q->tls = n;
        q->cap_tls = cap;
    }
    q->tls[q->n_tls++] = *m;
    return 0;
}

/* What a complete message tells about the connection. */
static int dq_tls_learn(dis_quic *q, dq_conn *c, const dis_tls_msg *m)
{
    if (!m->parsed)
        return 0;
    /* The server's stateless_reset_token (RFC 9000 §18.2), for its first ID. */
    if (m->type == DIS_TLS_ENCRYPTED_EXTENSIONS && m->has_tp && !m->tp_err &&
        (m->tp.present & L4_QUIC_TP_HAS_RESET_TOKEN))
        return dq_token_add(q, c, m->tp.reset_token);
    if (m->type == DIS_TLS_CLIENT_HELLO && !c->have_random) {
        c->have_random = 1;
        memcpy(c->random, m->random, sizeof c->random);
        c->kl = dis_keylog_find(q->kl, c->random);
    } else if (m->type == DIS_TLS_SERVER_HELLO) {
        switch (m->cipher) { /* RFC 8446 §B.4 */
        case 0x1301:
            c->aead = L4_QUIC_AEAD_AES_128_GCM;
            break;
        case 0x1302:
            c->aead = L4_QUIC_AEAD_AES_256_GCM;
            break;
        case 0x1303:
            c->aead = L4_QUIC_AEAD_CHACHA20_POLY1305;
            break;
        default:
            break;
        }
    }
    return 0;
}

int dq_crypto_add(dis_quic *q, dq_conn *c, int side, int level, const l4_quic_frame *f,
                  disq_frame *fr)
{
    dq_crypto *s = &c->side[side].crypto[level];
    uint64_t off = f->u.crypto.offset, len = f->u.crypto.len;
    fr->tls0 = q->n_tls;
    fr->n_tls = 0;
    uint64_t have = s->got.n && s->got.r[0].lo == 0 ? s->got.r[0].hi : 0;
    if (s->stuck || len == 0 || off >= DQ_CRYPTO_MAX || off > have + DQ_CRYPTO_AHEAD)
        return 0; /* (far beyond a gap: not kept) */
    if (off + len > DQ_CRYPTO_MAX)
        len = DQ_CRYPTO_MAX - off;
    if (off + len > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < off + len)
            cap *= 2;
        if (cap > DQ_CRYPTO_MAX)
            cap = DQ_CRYPTO_MAX;
        if (q->crypto_mem + (cap - s->cap) > DQ_CRYPTO_BUDGET) {
            s->stuck = 1; /* a capture of very many handshakes: stop naming */
            return 0;
        }
        uint8_t *n = realloc(s->buf, cap);
        if (!n)
            return L4_ERR_NOMEM;
        q->crypto_mem += cap - s->cap;
        s->buf = n;
        s->cap = cap;
    }
    memcpy(s->buf + off, f->u.crypto.data, (size_t)len);
    if (l4_quic_ranges_add(&s->got, off, off + len) < 0)
        return L4_ERR_NOMEM;
    if (s->got.n > 256) { /* a hostile pattern of holes: stop rather than grow */
        s->stuck = 1;
        return 0;
    }
    have = s->got.n && s->got.r[0].lo == 0 ? s->got.r[0].hi : 0;
    /* Every message now complete, in order (RFC 8446 §4: type, uint24 length). */
    while (s->parsed + DIS_TLS_HDR <= have) {
        const uint8_t *p = s->buf + s->parsed;
        size_t body = (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        if (s->parsed + DIS_TLS_HDR + body > DQ_CRYPTO_MAX) {
            s->stuck = 1;
            break;
        }
        if (s->parsed + DIS_TLS_HDR + body > have)
            break;
        dis_tls_msg m;
        dis_tls_parse(&m, p, DIS_TLS_HDR + body);
        int rc = dq_tls_learn(q, c, &m);
        if (rc == 0)
            rc = dq_tls_push(q, &m);
        if (rc < 0)
            return rc;
        fr->n_tls++;
        s->parsed += DIS_TLS_HDR + body;
    }
    return 0;
}
