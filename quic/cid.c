/*
 * quic/cid.c — connection IDs (RFC 9000 §5.1): the ones this end issues
 * (sequence 0 in the handshake, then NEW_CONNECTION_ID up to the peer's
 * active_connection_id_limit), the ones the peer issues to us (kept within
 * our limit, retired on request or when we switch), RETIRE_CONNECTION_ID
 * both ways with Retire Prior To, stateless reset tokens derived from a key
 * (§10.3.2) and the detection of a Stateless Reset (§10.3.1).
 */
#include <string.h>

#include "quic/conn_internal.h"
#include "util/siphash.h"

void l4_quic_reset_token(const uint8_t key[16], const l4_quic_cid *cid,
                         uint8_t token[L4_QUIC_RESET_TOKEN_LEN])
{
    uint8_t in[1 + L4_QUIC_MAX_CID_LEN];
    memcpy(in + 1, cid->data, cid->len);
    for (int half = 0; half < 2; half++) {
        in[0] = (uint8_t)half; /* domain separation: two independent 64-bit outputs */
        uint64_t v = l4_siphash24(key, in, 1u + cid->len);
        for (int i = 0; i < 8; i++)
            token[half * 8 + i] = (uint8_t)(v >> (56 - 8 * i));
    }
}

static void cid_random(l4_quic_conn *c, l4_quic_cid *cid)
{
    cid->len = (uint8_t)c->set.cid_len;
    for (size_t i = 0; i < cid->len; i++)
        cid->data[i] = (uint8_t)l4_rng_u32(&c->rng);
}

static void cid_token(l4_quic_conn *c, qc_lcid *l)
{
    if (c->set.reset_key_set) {
        l4_quic_reset_token(c->set.reset_key, &l->cid, l->token);
    } else {
        for (int i = 0; i < L4_QUIC_RESET_TOKEN_LEN; i++)
            l->token[i] = (uint8_t)l4_rng_u32(&c->rng);
    }
}

static int cid_eq(const l4_quic_cid *a, const uint8_t *p, size_t n)
{
    return a->len == n && memcmp(a->data, p, n) == 0;
}

/* Sequence 0: the Source Connection ID of our handshake packets. */
void qc_cid_init(l4_quic_conn *c)
{
    qc_lcid *l = &c->lcid[0];
    memset(l, 0, sizeof *l);
    l->seq = 0;
    l->cid = c->scid;
    l->used = 1;
    cid_token(c, l);
    c->lcid_next_seq = 1;
    c->lcid_version++;
}

/* The peer's sequence 0 (its handshake Source CID), once c->dcid holds it;
 * the server's stateless_reset_token transport parameter belongs to it. */
void qc_cid_peer_initial(l4_quic_conn *c)
{
    qc_pcid *p = &c->pcid[0];
    if (p->used)
        return;
    memset(p, 0, sizeof *p);
    p->used = 1;
    p->seq = 0;
    p->cid = c->dcid;
    p->sent_to = 1;
    if (c->has_peer_tp && (c->peer_tp.present & L4_QUIC_TP_HAS_RESET_TOKEN)) {
        memcpy(p->token, c->peer_tp.reset_token, L4_QUIC_RESET_TOKEN_LEN);
        p->has_token = 1;
    }
    c->dcid_seq = 0;
}

/* Our IDs the peer may still use: issued, not retired, not below the Retire
 * Prior To we sent. */
static size_t cid_active_local(const l4_quic_conn *c)
{
    size_t n = 0;
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        n += c->lcid[i].used && c->lcid[i].seq >= c->lcid_retire_prior;
    return n;
}

void qc_cid_issue(l4_quic_conn *c)
{
    if (!c->hs_complete || !c->has_peer_tp || c->state >= QC_CLOSING)
        return;
    uint64_t limit = c->peer_tp.active_connection_id_limit;
    if (limit > QC_MAX_LCIDS / 2)
        limit = QC_MAX_LCIDS / 2; /* room for the old set while a renewal is retired */
    while (cid_active_local(c) < limit) {
        qc_lcid *l = NULL;
        for (int i = 0; i < QC_MAX_LCIDS && !l; i++)
            if (!c->lcid[i].used)
                l = &c->lcid[i];
        if (!l)
            return;
        memset(l, 0, sizeof *l);
        l->seq = c->lcid_next_seq++;
        cid_random(c, &l->cid);
        cid_token(c, l);
        l->used = 1;
        l->ncid_pending = 1;
        c->lcid_version++;
        if (c->cb.cid_new)
            c->cb.cid_new(c, &l->cid, c->user);
    }
}

int qc_cid_is_local(const l4_quic_conn *c, const uint8_t *p, size_t n)
{
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        if (c->lcid[i].used && cid_eq(&c->lcid[i].cid, p, n))
            return 1;
    return 0;
}

void qc_cid_queue_retire(l4_quic_conn *c, uint64_t seq)
{
    for (size_t i = 0; i < c->nretire; i++)
        if (c->retire_q[i] == seq)
            return;
    if (c->nretire < QC_MAX_RETIRE)
        c->retire_q[c->nretire++] = seq;
}

static size_t cid_active_peer(const l4_quic_conn *c)
{
    size_t n = 0;
    for (int i = 0; i < QC_MAX_PCIDS; i++)
        n += c->pcid[i].used;
    return n;
}

/* Moves c->dcid to the peer's lowest unused ID other than `avoid`. */
static int cid_switch(l4_quic_conn *c, uint64_t avoid)
{
    qc_pcid *best = NULL;
    for (int i = 0; i < QC_MAX_PCIDS; i++) {
        qc_pcid *p = &c->pcid[i];
        if (p->used && p->seq != avoid && (!best || p->seq < best->seq))
            best = p;
    }
    if (!best)
        return -1;
    c->dcid = best->cid;
    c->dcid_seq = best->seq;
    best->sent_to = 1;
    return 0;
}

/* §19.15, §5.1.1, §5.1.2 */
int qc_cid_on_new(l4_quic_conn *c, const l4_quic_frame_new_cid *f, uint64_t ftype, l4_time now)
{
    if (c->dcid.len == 0) {
        qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, ftype, "zero-length CID", now);
        return -1;
    }
    /* a repeat: identical is harmless, anything else contradicts */
    for (int i = 0; i < QC_MAX_PCIDS; i++) {
        qc_pcid *p = &c->pcid[i];
        if (!p->used)
            continue;
        int same_seq = p->seq == f->seq, same_cid = cid_eq(&p->cid, f->cid.data, f->cid.len);
        if (same_seq && same_cid &&
            (!p->has_token || memcmp(p->token, f->reset_token, L4_QUIC_RESET_TOKEN_LEN) == 0))
            return 0;
        if (same_seq || same_cid) {
            qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, ftype, "NEW_CONNECTION_ID conflicts", now);
            return -1;
        }
    }
    /* already retired by an earlier Retire Prior To: retire it at once */
    if (f->seq < c->pcid_retire_prior) {
        qc_cid_queue_retire(c, f->seq);
        return 0;
    }
    if (f->retire_prior_to > c->pcid_retire_prior) {
        c->pcid_retire_prior = f->retire_prior_to;
        for (int i = 0; i < QC_MAX_PCIDS; i++) {
            qc_pcid *p = &c->pcid[i];
            if (p->used && p->seq < f->retire_prior_to) {
                qc_cid_queue_retire(c, p->seq);
                p->used = 0;
            }
        }
    }
    qc_pcid *slot = NULL;
    for (int i = 0; i < QC_MAX_PCIDS && !slot; i++)
        if (!c->pcid[i].used)
            slot = &c->pcid[i];
    /* §5.1.1: more active IDs than our limit */
    if (!slot || cid_active_peer(c) + 1 > c->set.tp.active_connection_id_limit) {
        qc_fail(c, L4_QUIC_ERR_CONNECTION_ID_LIMIT_ERROR, ftype, "too many connection IDs", now);
        return -1;
    }
    memset(slot, 0, sizeof *slot);
    slot->used = 1;
    slot->seq = f->seq;
    slot->cid = f->cid;
    memcpy(slot->token, f->reset_token, L4_QUIC_RESET_TOKEN_LEN);
    slot->has_token = 1;
    /* the ID we send to was retired: move to one still active */
    if (c->dcid_seq < c->pcid_retire_prior)
        cid_switch(c, UINT64_MAX);
    return 0;
}

/* §19.16 */
int qc_cid_on_retire(l4_quic_conn *c, uint64_t seq, uint64_t ftype, l4_time now)
{
    if (seq >= c->lcid_next_seq) {
        qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, ftype, "retire of a CID never issued", now);
        return -1;
    }
    for (int i = 0; i < QC_MAX_LCIDS; i++) {
        qc_lcid *l = &c->lcid[i];
        if (!l->used || l->seq != seq)
            continue;
        if (c->rx_dcid && cid_eq(&l->cid, c->rx_dcid, c->rx_dcid_len)) {
            qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, ftype,
                    "retire of the CID the packet was sent to", now);
            return -1;
        }
        l->used = 0;
        l->ncid_pending = 0;
        c->lcid_version++;
        if (c->cb.cid_retired)
            c->cb.cid_retired(c, &l->cid, c->user);
        break;
    }
    qc_cid_issue(c); /* keep the peer supplied */
    return 0;
}

int qc_cid_wants(const l4_quic_conn *c)
{
    if (c->nretire)
        return 1;
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        if (c->lcid[i].used && c->lcid[i].ncid_pending)
            return 1;
    return 0;
}

/* §10.3.1: `t` (a datagram's last 16 bytes) is the token of a peer ID we
 * have sent to and not retired (never one we have not used). */
int qc_cid_is_reset(const l4_quic_conn *c, const uint8_t *t)
{
    for (int i = 0; i < QC_MAX_PCIDS; i++) {
        const qc_pcid *p = &c->pcid[i];
        if (p->used && p->sent_to && p->has_token &&
            memcmp(p->token, t, L4_QUIC_RESET_TOKEN_LEN) == 0)
            return 1;
    }
    return 0;
}

/* ---- application API ------------------------------------------------------- */

size_t l4_quic_conn_local_cids(const l4_quic_conn *c, l4_quic_cid *out, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < QC_MAX_LCIDS; i++) {
        if (!c->lcid[i].used)
            continue;
        if (n < cap)
            out[n] = c->lcid[i].cid;
        n++;
    }
    /* a server keeps the client's original DCID: a late or duplicated first
       Initial must not look like a new connection */
    if (c->is_server && !qc_cid_is_local(c, c->odcid.data, c->odcid.len)) {
        if (n < cap)
            out[n] = c->odcid;
        n++;
    }
    /* after a Retry the client's Initials name the Retry's SCID (token.c) */
    if (c->is_server && c->sv_rscid.len && !qc_cid_is_local(c, c->sv_rscid.data, c->sv_rscid.len)) {
        if (n < cap)
            out[n] = c->sv_rscid;
        n++;
    }
    return n;
}

int qc_cid_spare(l4_quic_conn *c, l4_quic_cid *out)
{
    qc_pcid *best = NULL;
    for (int i = 0; i < QC_MAX_PCIDS; i++) {
        qc_pcid *p = &c->pcid[i];
        if (p->used && p->seq != c->dcid_seq && (!best || p->seq < best->seq))
            best = p;
    }
    if (!best)
        return -1;
    best->sent_to = 1;
    *out = best->cid;
    return 0;
}

int qc_cid_switch_to(l4_quic_conn *c, uint64_t seq)
{
    uint64_t old = c->dcid_seq;
    qc_pcid *p = NULL;
    for (int i = 0; i < QC_MAX_PCIDS && !p; i++)
        if (c->pcid[i].used && c->pcid[i].seq == seq && seq != old)
            p = &c->pcid[i];
    if (!p)
        return qc_cid_switch_retire(c);
    c->dcid = p->cid;
    c->dcid_seq = p->seq;
    p->sent_to = 1;
    for (int i = 0; i < QC_MAX_PCIDS; i++)
        if (c->pcid[i].used && c->pcid[i].seq == old)
            c->pcid[i].used = 0;
    qc_cid_queue_retire(c, old);
    return 0;
}

int qc_cid_switch_retire(l4_quic_conn *c)
{
    uint64_t old = c->dcid_seq;
    if (cid_switch(c, old) < 0)
        return -1;
    for (int i = 0; i < QC_MAX_PCIDS; i++)
        if (c->pcid[i].used && c->pcid[i].seq == old)
            c->pcid[i].used = 0;
    qc_cid_queue_retire(c, old);
    return 0;
}

int l4_quic_conn_switch_dcid(l4_quic_conn *c)
{
    if (!c->hs_confirmed || c->state >= QC_CLOSING)
        return L4_ERR_STATE;
    return qc_cid_switch_retire(c) < 0 ? L4_ERR_NOT_FOUND : 0;
}

uint64_t l4_quic_conn_cids_version(const l4_quic_conn *c)
{
    return c->lcid_version;
}

int l4_quic_conn_renew_cids(l4_quic_conn *c)
{
    if (!c->hs_complete || !c->has_peer_tp || c->state >= QC_CLOSING)
        return L4_ERR_STATE;
    /* the previous renewal must be complete: every older ID retired by the peer */
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        if (c->lcid[i].used && c->lcid[i].seq < c->lcid_retire_prior)
            return L4_ERR_STATE;
    c->lcid_retire_prior = c->lcid_next_seq;
    for (int i = 0; i < QC_MAX_LCIDS; i++)
        c->lcid[i].ncid_pending = 0; /* the old ones need no (re)announcement */
    qc_cid_issue(c);
    return 0;
}

uint64_t l4_quic_conn_dcid_seq(const l4_quic_conn *c)
{
    return c->dcid_seq;
}

l4_ssize l4_quic_stateless_reset(uint8_t *buf, size_t cap, const uint8_t key[16],
                                 const uint8_t *dgram, size_t len, size_t cid_len,
                                 struct l4_rng *rng)
{
    if (!buf || !key || !dgram || !rng || cid_len > L4_QUIC_MAX_CID_LEN)
        return L4_ERR_INVALID_ARGUMENT;
    /* §10.3: answer short headers only, and only packets long enough that
     * a reset one byte shorter still has its 5 + 16 bytes and more */
    if (len < 22 || (dgram[0] & 0x80) || len < 1 + cid_len)
        return 0;
    size_t n = len - 1 < 64 ? len - 1 : 64; /* §10.3.3: smaller than what triggered it */
    if (cap < n)
        return L4_ERR_NOBUF;
    l4_quic_cid cid;
    cid.len = (uint8_t)cid_len;
    memcpy(cid.data, dgram + 1, cid_len);
    for (size_t i = 0; i < n - L4_QUIC_RESET_TOKEN_LEN; i++)
        buf[i] = (uint8_t)l4_rng_u32(rng);
    buf[0] = (uint8_t)((buf[0] & 0x3f) | 0x40); /* short header: 0b01 then unpredictable bits */
    l4_quic_reset_token(key, &cid, buf + n - L4_QUIC_RESET_TOKEN_LEN);
    return (l4_ssize)n;
}
