/*
 * quic/preferred.c — the server's preferred address (RFC 9000 §9.6,
 * §18.2): the server's offer in its transport parameters with a connection
 * ID of sequence 1, and the client's side of it (the address kept, the ID
 * and its reset token added to the peer's IDs). The client's move is
 * l4_quic_conn_migrate_preferred (path.c).
 */
#include <string.h>

#include "quic/conn_internal.h"

static int pref_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int l4_quic_conn_set_preferred_address(l4_quic_conn *c, const l4_quic_preferred_addr *pa)
{
    if (!c || !pa)
        return L4_ERR_INVALID_ARGUMENT;
    int v4 = !pref_zero(pa->ipv4, 4), v6 = !pref_zero(pa->ipv6, 16);
    if ((!v4 && !v6) || (v4 && pref_zero(pa->port4, 2)) || (v6 && pref_zero(pa->port6, 2)))
        return L4_ERR_INVALID_ARGUMENT;
    if (!c->is_server || c->local_tp_sent || c->has_pref || c->lcid_next_seq != 1)
        return L4_ERR_STATE;
    qc_lcid *l = NULL;
    for (int i = 0; i < QC_MAX_LCIDS && !l; i++)
        if (!c->lcid[i].used)
            l = &c->lcid[i];
    if (!l)
        return L4_ERR_STATE;
    memset(l, 0, sizeof *l);
    l->seq = c->lcid_next_seq++; /* 1 (§5.1.1) */
    l->cid.len = (uint8_t)c->set.cid_len;
    for (size_t i = 0; i < l->cid.len; i++)
        l->cid.data[i] = (uint8_t)l4_rng_u32(&c->rng);
    if (c->set.reset_key_set) {
        l4_quic_reset_token(c->set.reset_key, &l->cid, l->token);
    } else {
        for (int i = 0; i < L4_QUIC_RESET_TOKEN_LEN; i++)
            l->token[i] = (uint8_t)l4_rng_u32(&c->rng);
    }
    l->used = 1; /* announced in the transport parameters, not NEW_CONNECTION_ID */
    c->lcid_version++;
    if (c->cb.cid_new)
        c->cb.cid_new(c, &l->cid, c->user);
    c->pref = *pa;
    c->pref.cid = l->cid;
    memcpy(c->pref.token, l->token, sizeof c->pref.token);
    c->has_pref = 1;
    return 0;
}

int l4_quic_conn_preferred_address(const l4_quic_conn *c, l4_quic_preferred_addr *pa)
{
    if (!c || !pa || c->is_server || !c->has_pref)
        return L4_ERR_NOT_FOUND;
    *pa = c->pref;
    return 0;
}

/* §18.2: IPv4 (4) and port (2), IPv6 (16) and port (2), CID length (1),
 * CID, Stateless Reset Token (16). */
size_t qc_pref_encode(const l4_quic_conn *c, uint8_t *buf, size_t cap)
{
    const l4_quic_preferred_addr *pa = &c->pref;
    size_t n = 4 + 2 + 16 + 2 + 1 + pa->cid.len + L4_QUIC_RESET_TOKEN_LEN;
    if (cap < n)
        return 0;
    uint8_t *p = buf;
    memcpy(p, pa->ipv4, 4);
    memcpy(p + 4, pa->port4, 2);
    memcpy(p + 6, pa->ipv6, 16);
    memcpy(p + 22, pa->port6, 2);
    p[24] = pa->cid.len;
    memcpy(p + 25, pa->cid.data, pa->cid.len);
    memcpy(p + 25 + pa->cid.len, pa->token, L4_QUIC_RESET_TOKEN_LEN);
    return n;
}

int qc_pref_on_tp(l4_quic_conn *c, const uint8_t *p, size_t len)
{
    /* the codec checked the layout (wire/quic_tp.c) */
    if (!p || len < 25 || len != 25u + p[24] + L4_QUIC_RESET_TOKEN_LEN || c->has_pref)
        return L4_ERR_MALFORMED;
    l4_quic_preferred_addr pa;
    memset(&pa, 0, sizeof pa);
    memcpy(pa.ipv4, p, 4);
    memcpy(pa.port4, p + 4, 2);
    memcpy(pa.ipv6, p + 6, 16);
    memcpy(pa.port6, p + 22, 2);
    pa.cid.len = p[24];
    memcpy(pa.cid.data, p + 25, pa.cid.len);
    memcpy(pa.token, p + 25 + pa.cid.len, L4_QUIC_RESET_TOKEN_LEN);
    /* the ID is sequence 1 among the server's (§5.1.1); slot 0 is for its
       handshake ID (qc_cid_peer_initial) */
    qc_pcid *slot = NULL;
    for (int i = 1; i < QC_MAX_PCIDS && !slot; i++)
        if (!c->pcid[i].used)
            slot = &c->pcid[i];
    if (!slot || (c->pcid[0].used && c->pcid[0].cid.len == pa.cid.len &&
                  memcmp(c->pcid[0].cid.data, pa.cid.data, pa.cid.len) == 0))
        return L4_ERR_MALFORMED;
    memset(slot, 0, sizeof *slot);
    slot->used = 1;
    slot->seq = 1;
    slot->cid = pa.cid;
    memcpy(slot->token, pa.token, L4_QUIC_RESET_TOKEN_LEN);
    slot->has_token = 1;
    c->pref = pa;
    /* an offer without any address (both families zero) is nothing to move to */
    c->has_pref = !pref_zero(pa.ipv4, 4) || !pref_zero(pa.ipv6, 16);
    return 0;
}
