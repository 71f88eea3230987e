/*
 * quic/early.c — 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1): the early keys,
 * the client's remembered transport parameters, when application data may
 * leave before the handshake completes, and what acceptance or rejection
 * does to what was sent (RFC 9001 §4.6.2, RFC 9002 §6.4 — 0-RTT packets of
 * a rejected attempt leave the flight and their frames go again in 1-RTT).
 */
#include "quic/early.h"

#include <string.h>

#include "quic/conn_internal.h"

int qc_early_secret(l4_quic_conn *c, int is_tx, l4_quic_aead aead, const uint8_t *secret,
                    size_t len)
{
    /* client: the send side only; server: the receive side only */
    if (is_tx == c->is_server)
        return 0;
    if (c->has_early)
        l4_quic_keys_free(&c->early);
    int rc = l4_quic_keys_init(&c->early, aead, secret, len);
    if (rc < 0)
        return rc;
    c->has_early = 1;
    /* a server gets the key only when TLS accepted the early data */
    c->early_state = c->is_server ? L4_QUIC_EARLY_ACCEPTED : L4_QUIC_EARLY_OFFERED;
    return 0;
}

static void early_drop_keys(l4_quic_conn *c)
{
    if (!c->has_early)
        return;
    l4_quic_keys_free(&c->early);
    c->has_early = 0;
}

int qc_early_sending(const l4_quic_conn *c)
{
    return !c->is_server && c->has_early && c->early_tp_set &&
           c->early_state == L4_QUIC_EARLY_OFFERED && !c->sp[L4_QUIC_LEVEL_APP].has_tx &&
           c->state == QC_HANDSHAKING;
}

int qc_app_open(const l4_quic_conn *c)
{
    if (c->hs_complete)
        return 1;
    if (!c->is_server)
        return qc_early_sending(c);
    /* 0.5-RTT: the server answers accepted 0-RTT before the client's Finished */
    return c->early_state == L4_QUIC_EARLY_ACCEPTED && c->sp[L4_QUIC_LEVEL_APP].has_tx &&
           c->has_peer_tp && c->state == QC_HANDSHAKING;
}

int qc_early_rx(const l4_quic_conn *c)
{
    return c->is_server && c->has_early && c->early_state == L4_QUIC_EARLY_ACCEPTED;
}

void qc_early_after_crypto(l4_quic_conn *c)
{
    if (c->early_cb_done || !c->is_server || !qc_app_open(c) || c->hs_complete)
        return;
    c->early_cb_done = 1;
    if (c->cb.early_data)
        c->cb.early_data(c, c->user);
}

/* The server kept nothing of the 0-RTT packets (a rejection, or a Retry
 * before them): they leave the flight, their control frames are queued
 * again, and every stream starts over from its first byte as unsent data,
 * so it goes again within the server's new flow-control limits (RFC 9001
 * §4.6.2: the client's assumptions may all be wrong). */
static void early_resend_all(l4_quic_conn *c)
{
    for (qc_sent *p = c->sp[L4_QUIC_LEVEL_APP].sent_head; p; p = p->next) {
        qc_requeue(c, L4_QUIC_LEVEL_APP, p);
        c->early_resent++;
    }
    qc_drop_sent(c, L4_QUIC_LEVEL_APP);
    for (qc_stream *s = c->streams; s; s = s->next) {
        qc_sbuf *b = &s->sb;
        uint64_t sent = b->next - b->base; /* nothing was acknowledged: base is 0 */
        c->tx_data = c->tx_data > sent ? c->tx_data - sent : 0;
        b->next = b->base;
        l4_quic_ranges_free(&b->lost);
        if (!s->fin_acked)
            s->fin_sent = 0;
    }
}

void qc_early_on_retry(l4_quic_conn *c)
{
    if (!c->is_server && c->early_state == L4_QUIC_EARLY_OFFERED)
        early_resend_all(c); /* §17.2.5.3: the server dropped them with the first Initial */
}

/* RFC 9000 §7.4.1: a server that accepts 0-RTT must not lower these. */
static int early_tp_reduced(const l4_quic_tp *now, const l4_quic_tp *was)
{
    return now->active_connection_id_limit < was->active_connection_id_limit ||
           now->initial_max_data < was->initial_max_data ||
           now->initial_max_stream_data_bidi_local < was->initial_max_stream_data_bidi_local ||
           now->initial_max_stream_data_bidi_remote < was->initial_max_stream_data_bidi_remote ||
           now->initial_max_stream_data_uni < was->initial_max_stream_data_uni ||
           now->initial_max_streams_bidi < was->initial_max_streams_bidi ||
           now->initial_max_streams_uni < was->initial_max_streams_uni;
}

void qc_early_on_complete(l4_quic_conn *c, l4_time now)
{
    unsigned f = c->tls->ops->session_flags ? c->tls->ops->session_flags(c->tls) : 0;
    c->resumed = (f & L4_QUIC_TLS_RESUMED) != 0;
    int accepted = (f & L4_QUIC_TLS_EARLY_ACCEPTED) != 0;
    if (c->is_server) {
        if (c->has_early && !accepted) { /* keys without TLS's consent: never use them */
            early_drop_keys(c);
            c->early_state = L4_QUIC_EARLY_NONE;
        }
        return;
    }
    if (c->early_state != L4_QUIC_EARLY_OFFERED)
        return;
    /* RFC 9001 §4.9.3: a client has no use for 0-RTT keys once it has 1-RTT keys */
    early_drop_keys(c);
    if (!c->early_tp_set) { /* resumed, but nothing was sent early */
        c->early_state = L4_QUIC_EARLY_NONE;
        return;
    }
    const l4_quic_tp *tp = &c->peer_tp;
    if (accepted) {
        c->early_state = L4_QUIC_EARLY_ACCEPTED;
        if (early_tp_reduced(tp, &c->early_tp)) {
            qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, 0, "0-RTT accepted with lower limits", now);
            return;
        }
    } else {
        c->early_state = L4_QUIC_EARLY_REJECTED;
        early_resend_all(c);
    }
    /* the streams opened in 0-RTT take the server's new limits (higher ones
     * in any case; after a rejection whatever they are) */
    for (qc_stream *s = c->streams; s; s = s->next) {
        if (!s->can_send)
            continue;
        uint64_t lim =
            (s->id & 2) ? tp->initial_max_stream_data_uni : tp->initial_max_stream_data_bidi_remote;
        if (!accepted || lim > s->s_max)
            s->s_max = lim;
    }
}

void qc_early_sent(l4_quic_conn *c, const qc_sent *p)
{
    c->early_pkts_sent++;
    for (uint16_t i = 0; i < p->nf; i++)
        if (p->f[i].kind == QF_STREAM)
            c->early_bytes += p->f[i].len;
}

void qc_early_on_1rtt(l4_quic_conn *c)
{
    /* RFC 9001 §4.9.3: a server may drop 0-RTT keys once 1-RTT packets come */
    if (c->is_server && c->hs_complete)
        early_drop_keys(c);
}

void qc_early_free(l4_quic_conn *c)
{
    early_drop_keys(c);
}

/* ---- API --------------------------------------------------------------------- */

int l4_quic_conn_set_early_tp(l4_quic_conn *c, const l4_quic_tp *tp)
{
    if (!c || !tp || c->is_server)
        return L4_ERR_INVALID_ARGUMENT;
    if (c->st.pkts_sent || c->hs_complete)
        return L4_ERR_STATE;
    /* §7.4.1: the limits only; CIDs, tokens, ack delay come new */
    l4_quic_tp *e = &c->early_tp;
    l4_quic_tp_default(e);
    e->initial_max_data = tp->initial_max_data;
    e->initial_max_stream_data_bidi_local = tp->initial_max_stream_data_bidi_local;
    e->initial_max_stream_data_bidi_remote = tp->initial_max_stream_data_bidi_remote;
    e->initial_max_stream_data_uni = tp->initial_max_stream_data_uni;
    e->initial_max_streams_bidi = tp->initial_max_streams_bidi;
    e->initial_max_streams_uni = tp->initial_max_streams_uni;
    e->active_connection_id_limit = tp->active_connection_id_limit;
    e->max_udp_payload_size = tp->max_udp_payload_size;
    l4_quic_tp *p = &c->peer_tp; /* what streams opened now are limited by */
    p->initial_max_data = e->initial_max_data;
    p->initial_max_stream_data_bidi_local = e->initial_max_stream_data_bidi_local;
    p->initial_max_stream_data_bidi_remote = e->initial_max_stream_data_bidi_remote;
    p->initial_max_stream_data_uni = e->initial_max_stream_data_uni;
    p->initial_max_streams_bidi = e->initial_max_streams_bidi;
    p->initial_max_streams_uni = e->initial_max_streams_uni;
    c->tx_max_data = e->initial_max_data;
    c->peer_max_bidi = e->initial_max_streams_bidi;
    c->peer_max_uni = e->initial_max_streams_uni;
    c->early_tp_set = 1;
    if (qc_early_sending(c) && c->cb.early_data)
        c->cb.early_data(c, c->user);
    return 0;
}

void l4_quic_conn_early_info(const l4_quic_conn *c, l4_quic_early_info *out)
{
    memset(out, 0, sizeof *out);
    out->state = c->early_state;
    if (!c->is_server && c->early_state == L4_QUIC_EARLY_OFFERED && !c->early_tp_set)
        out->state = L4_QUIC_EARLY_NONE; /* keys, but nothing to send early */
    out->resumed = c->resumed;
    out->pkts_sent = c->early_pkts_sent;
    out->pkts_recv = c->early_pkts_recv;
    out->bytes = c->early_bytes;
    out->resent = c->early_resent;
}

int l4_quic_stream_early(const l4_quic_conn *c, uint64_t sid)
{
    const qc_stream *s = qc_stream_find((l4_quic_conn *)(uintptr_t)c, sid);
    return s ? s->early : 0;
}
