/*
 * quic/conn.c — connection lifecycle: creation (client / server), the TLS
 * events, the application's stream calls, timers, closing and draining
 * (RFC 9000 §10), key discard (RFC 9001 §4.9).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quic/conn_internal.h"
#include "wire/quic_frame.h"
#include "wire/quic_varint.h"

void l4_quic_settings_default(l4_quic_settings *s)
{
    memset(s, 0, sizeof *s);
    l4_quic_tp_default(&s->tp);
    s->tp.max_idle_timeout = 30000;
    s->tp.max_udp_payload_size = 1472;
    s->tp.initial_max_data = 1u << 20;
    s->tp.initial_max_stream_data_bidi_local = 256u << 10;
    s->tp.initial_max_stream_data_bidi_remote = 256u << 10;
    s->tp.initial_max_stream_data_uni = 256u << 10;
    s->tp.initial_max_streams_bidi = 100;
    s->tp.initial_max_streams_uni = 100;
    s->cc = "reno";
    s->initial_rtt = 333 * L4_MS;
    s->max_datagram = 1200;
    s->cid_len = 8;
    s->tp.active_connection_id_limit = 4; /* RFC 9000 §18.2: at least 2 */
}

/* ---- TLS events ---------------------------------------------------------- */

static int conn_tls_send(void *vc, l4_quic_level level, const uint8_t *data, size_t len)
{
    l4_quic_conn *c = vc;
    if (level == L4_QUIC_LEVEL_EARLY)
        return L4_ERR_STATE; /* a client without 0-RTT never sends there */
    return qc_sbuf_append(&c->sp[level].ctx, data, len);
}

static int conn_tls_secret(void *vc, l4_quic_level level, int is_tx, l4_quic_aead aead,
                           const uint8_t *secret, size_t len)
{
    l4_quic_conn *c = vc;
    if (level == L4_QUIC_LEVEL_EARLY)
        return qc_early_secret(c, is_tx, aead, secret, len); /* early.c */
    if (level == L4_QUIC_LEVEL_APP) {
        if (len > L4_QUIC_MAX_SECRET_LEN)
            return L4_ERR_INVALID_ARGUMENT;
        memcpy(c->app_secret[is_tx ? 1 : 0], secret, len);
        c->app_secret_len = len;
        c->app_aead = aead;
    }
    qc_space *sp = &c->sp[level];
    l4_quic_keys *k = is_tx ? &sp->tx : &sp->rx;
    int *has = is_tx ? &sp->has_tx : &sp->has_rx;
    if (*has)
        l4_quic_keys_free(k);
    int rc = l4_quic_keys_init(k, aead, secret, len);
    if (rc < 0)
        return rc;
    *has = 1;
    return 0;
}

static int cid_eq(const l4_quic_cid *a, const l4_quic_cid *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* RFC 9000 §7.3: the connection IDs both sides used must match the
 * authenticated transport parameters; §18.2 ranges are checked by the codec. */
static int conn_tls_remote_tp(void *vc, const uint8_t *buf, size_t len)
{
    l4_quic_conn *c = vc;
    l4_quic_tp tp;
    if (l4_quic_tp_decode(&tp, buf, len, !c->is_server) < 0)
        return L4_ERR_MALFORMED;
    if (!(tp.present & L4_QUIC_TP_HAS_INITIAL_SCID) || !cid_eq(&tp.initial_scid, &c->dcid))
        return L4_ERR_MALFORMED;
    if (!c->is_server &&
        (!(tp.present & L4_QUIC_TP_HAS_ORIGINAL_DCID) || !cid_eq(&tp.original_dcid, &c->odcid)))
        return L4_ERR_MALFORMED;
    /* §7.3: retry_source_connection_id exactly when a Retry was taken */
    if (!c->is_server && (!!(tp.present & L4_QUIC_TP_HAS_RETRY_SCID) != !!c->retry_done ||
                          (c->retry_done && !cid_eq(&tp.retry_scid, &c->retry_scid))))
        return L4_ERR_MALFORMED;
    /* §9.6: the server's preferred address and its connection ID (seq 1) */
    if (!c->is_server && (tp.present & L4_QUIC_TP_HAS_PREFERRED_ADDR) &&
        qc_pref_on_tp(c, tp.preferred_addr, tp.preferred_addr_len) < 0)
        return L4_ERR_MALFORMED;
    tp.preferred_addr = NULL; /* borrowed bytes: not kept (l4_quic_conn_preferred_address) */
    tp.preferred_addr_len = 0;
    tp.present &= ~L4_QUIC_TP_HAS_PREFERRED_ADDR;
    c->peer_tp = tp;
    c->has_peer_tp = 1;
    if (!c->is_server && c->pcid[0].used && (tp.present & L4_QUIC_TP_HAS_RESET_TOKEN)) {
        memcpy(c->pcid[0].token, tp.reset_token, sizeof tp.reset_token);
        c->pcid[0].has_token = 1;
    }
    qc_ev_params(c, &tp, 0, c->ev_now);
    c->tx_max_data = tp.initial_max_data;
    c->peer_max_bidi = tp.initial_max_streams_bidi;
    c->peer_max_uni = tp.initial_max_streams_uni;
    l4_time local = c->set.tp.max_idle_timeout * L4_MS, peer = tp.max_idle_timeout * L4_MS;
    /* §10.1: the minimum of the two, a zero meaning "none". */
    c->idle_timeout = local == 0 ? peer : (peer == 0 || local < peer ? local : peer);
    return 0;
}

static l4_ssize conn_tls_local_tp(void *vc, uint8_t *buf, size_t cap)
{
    l4_quic_conn *c = vc;
    l4_quic_tp tp = c->set.tp;
    tp.initial_scid = c->scid;
    tp.present |= L4_QUIC_TP_HAS_INITIAL_SCID;
    if (c->is_server) {
        tp.original_dcid = c->odcid;
        tp.present |= L4_QUIC_TP_HAS_ORIGINAL_DCID;
        /* §18.2: the token of our handshake connection ID (sequence 0) */
        memcpy(tp.reset_token, c->lcid[0].token, sizeof tp.reset_token);
        tp.present |= L4_QUIC_TP_HAS_RESET_TOKEN;
        if (c->sv_rscid.len) { /* §7.3: after a Retry (token.c) */
            tp.retry_scid = c->sv_rscid;
            tp.present |= L4_QUIC_TP_HAS_RETRY_SCID;
        }
    }
    uint8_t pref[64];
    if (c->is_server && c->has_pref) { /* §18.2 (preferred.c) */
        tp.preferred_addr = pref;
        tp.preferred_addr_len = qc_pref_encode(c, pref, sizeof pref);
        tp.present |= L4_QUIC_TP_HAS_PREFERRED_ADDR;
    }
    c->local_tp_sent = 1;
    return l4_quic_tp_encode(buf, cap, &tp, c->is_server);
}

/* ---- lifecycle ----------------------------------------------------------- */

static void conn_random_cid(l4_quic_conn *c, l4_quic_cid *cid, size_t len)
{
    cid->len = (uint8_t)len;
    for (size_t i = 0; i < len; i++)
        cid->data[i] = (uint8_t)l4_rng_u32(&c->rng);
}

static int conn_common(l4_quic_conn **out, int is_server, const l4_quic_settings *s,
                       const l4_quic_callbacks *cb, void *user, l4_quic_tls *tls, l4_time now)
{
    *out = NULL;
    if (!s || !tls || s->max_datagram < L4_QUIC_MIN_INITIAL_LEN || s->cid_len < 1 ||
        s->cid_len > L4_QUIC_MAX_CID_LEN) {
        if (tls)
            tls->ops->free(tls);
        return L4_ERR_INVALID_ARGUMENT;
    }
    l4_quic_conn *c = calloc(1, sizeof *c);
    if (!c) {
        tls->ops->free(tls);
        return L4_ERR_NOMEM;
    }
    c->tls = tls;
    c->is_server = is_server;
    c->set = *s;
    if (!c->set.cc)
        c->set.cc = "reno";
    if (c->set.tp.active_connection_id_limit > QC_MAX_PCIDS)
        c->set.tp.active_connection_id_limit = QC_MAX_PCIDS; /* what we can hold */
    if (cb)
        c->cb = *cb;
    c->user = user;
    l4_rng_init(&c->rng, s->seed, is_server ? 2 : 1);
    for (int i = 0; i < QC_SPACES; i++) {
        c->sp[i].largest_acked = L4_QUIC_PN_NONE;
        c->sp[i].largest_rx = L4_QUIC_PN_NONE;
        c->sp[i].loss_time = L4_TIME_NONE;
        c->sp[i].ack_deadline = L4_TIME_NONE;
    }
    c->recovery_start = L4_TIME_NONE;
    c->pace_at = L4_TIME_NONE;
    c->close_deadline = L4_TIME_NONE;
    c->idle_deadline = L4_TIME_NONE;
    c->idle_timeout = s->tp.max_idle_timeout * L4_MS;
    c->last_send = now;
    qc_set_idle(c, now); /* a peer that never answers ends the attempt */
    l4_quic_tp_default(&c->peer_tp);
    c->rx_max_data = s->tp.initial_max_data;
    c->rx_window = s->tp.initial_max_data;
    c->local_max_bidi = s->tp.initial_max_streams_bidi;
    c->local_max_uni = s->tp.initial_max_streams_uni;
    /* RFC 9002 §7.2: ten datagrams (at most 14,720 bytes, at least two) */
    l4_cc_params ccp = {.mss = (uint32_t)s->max_datagram,
                        .initial_window = l4_cc_initial_window_quic};
    int rc = l4_cc_new_params(&c->cc, c->set.cc, &ccp, now);
    if (rc < 0) {
        l4_quic_conn_free(c);
        return rc;
    }
    c->tls_ev.send_crypto = conn_tls_send;
    c->tls_ev.secret = conn_tls_secret;
    c->tls_ev.remote_tp = conn_tls_remote_tp;
    c->tls_ev.local_tp = conn_tls_local_tp;
    rc = tls->ops->bind(tls, &c->tls_ev, c);
    if (rc < 0) {
        l4_quic_conn_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static int conn_initial_keys(l4_quic_conn *c)
{
    qc_space *sp = &c->sp[L4_QUIC_LEVEL_INITIAL];
    l4_quic_keys *cl = c->is_server ? &sp->rx : &sp->tx;
    l4_quic_keys *sv = c->is_server ? &sp->tx : &sp->rx;
    int rc = l4_quic_keys_init_initial(cl, sv, c->odcid.data, c->odcid.len);
    if (rc < 0)
        return rc;
    sp->has_rx = sp->has_tx = 1;
    return 0;
}

int l4_quic_conn_new_client(l4_quic_conn **out, const l4_quic_settings *s,
                            const l4_quic_callbacks *cb, void *user, l4_quic_tls *tls, l4_time now)
{
    if (!out) {
        if (tls)
            tls->ops->free(tls);
        return L4_ERR_INVALID_ARGUMENT;
    }
    l4_quic_conn *c;
    int rc = conn_common(&c, 0, s, cb, user, tls, now);
    if (rc < 0)
        return rc;
    conn_random_cid(c, &c->scid, s->cid_len);
    conn_random_cid(c, &c->odcid, 8); /* §7.2: at least 8 bytes */
    c->dcid = c->odcid;
    qc_cid_init(c);
    rc = conn_initial_keys(c);
    if (rc == 0)
        rc = tls->ops->start(tls);
    if (rc < 0) {
        l4_quic_conn_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int l4_quic_conn_new_server(l4_quic_conn **out, const l4_quic_settings *s,
                            const l4_quic_callbacks *cb, void *user, l4_quic_tls *tls,
                            const uint8_t *dgram, size_t len, l4_time now)
{
    l4_quic_hdr h;
    if (!out || !dgram) {
        if (tls)
            tls->ops->free(tls);
        return L4_ERR_INVALID_ARGUMENT;
    }
    /* §14.1: a server drops an Initial in a datagram under 1200 bytes;
     * §7.2: the client's first Destination CID is at least 8 bytes. */
    if (len < L4_QUIC_MIN_INITIAL_LEN || l4_quic_hdr_parse(&h, dgram, len, 0) < 0 ||
        h.type != L4_QUIC_PKT_INITIAL || h.dcid_len < 8) {
        if (tls)
            tls->ops->free(tls);
        return L4_ERR_MALFORMED;
    }
    l4_quic_conn *c;
    int rc = conn_common(&c, 1, s, cb, user, tls, now);
    if (rc < 0)
        return rc;
    c->odcid.len = (uint8_t)h.dcid_len;
    memcpy(c->odcid.data, h.dcid, h.dcid_len);
    c->dcid.len = (uint8_t)h.scid_len;
    memcpy(c->dcid.data, h.scid, h.scid_len);
    c->dcid_set = 1;
    conn_random_cid(c, &c->scid, s->cid_len);
    qc_cid_init(c);
    qc_cid_peer_initial(c);
    rc = conn_initial_keys(c);
    if (rc < 0) {
        l4_quic_conn_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void l4_quic_conn_free(l4_quic_conn *c)
{
    if (!c)
        return;
    qc_ev_release(c);
    for (int s = 0; s < QC_SPACES; s++) {
        qc_drop_sent(c, s);
        qc_space *sp = &c->sp[s];
        l4_quic_keys_free(&sp->rx);
        l4_quic_keys_free(&sp->tx);
        l4_quic_ranges_free(&sp->recvd);
        qc_sbuf_free(&sp->ctx);
        qc_rbuf_free(&sp->crx);
    }
    qc_streams_free(c);
    free(c->token);
    free(c->nt);
    qc_early_free(c);
    l4_cc_del(c->cc);
    if (c->tls)
        c->tls->ops->free(c->tls);
    free(c->rxbuf);
    while (c->sent_pool) {
        qc_sent *n = c->sent_pool->next;
        free(c->sent_pool);
        c->sent_pool = n;
    }
    free(c);
}

/* RFC 9001 §4.9: keys of a finished space are dropped with its state. */
void qc_discard_space(l4_quic_conn *c, int s)
{
    qc_space *sp = &c->sp[s];
    if (sp->discarded)
        return;
    qc_drop_sent(c, s);
    l4_quic_keys_free(&sp->rx);
    l4_quic_keys_free(&sp->tx);
    sp->has_rx = sp->has_tx = 0;
    sp->discarded = 1;
    sp->ack_pending = 0;
    sp->ack_now = 0;
    sp->ack_deadline = L4_TIME_NONE;
    sp->probe = 0;
    l4_quic_ranges_free(&sp->recvd);
    qc_sbuf_free(&sp->ctx);
    qc_rbuf_free(&sp->crx);
    c->pto_count = 0; /* §6.2.1 */
}

static void conn_closed_cb(l4_quic_conn *c, int by_peer, int app, uint64_t err, const char *r,
                           size_t rl)
{
    if (c->cb.closed)
        c->cb.closed(c, by_peer, app, err, r, rl, c->user);
}

/* Enters the closing state with a transport error (RFC 9000 §10.2.1). */
void qc_fail(l4_quic_conn *c, uint64_t err, uint64_t frame_type, const char *reason, l4_time now)
{
    if (c->state >= QC_CLOSING)
        return;
    c->state = QC_CLOSING;
    c->close_app = 0;
    c->close_err = err;
    c->close_frame = frame_type == L4_QUIC_FRAME_TYPE_NONE ? 0 : frame_type;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
    c->close_pending = 1;
    c->st.local_err = err;
    c->close_deadline = now + 3 * qc_pto_base(c, L4_QUIC_LEVEL_APP);
    conn_closed_cb(c, 0, 0, err, c->close_reason, strlen(c->close_reason));
}

void qc_enter_draining(l4_quic_conn *c, l4_time now)
{
    if (c->state >= QC_CLOSING) {
        if (c->state == QC_CLOSING)
            c->state = QC_DRAINING; /* §10.2.2: stop sending */
        c->close_pending = 0;
        return;
    }
    c->state = QC_DRAINING;
    c->close_pending = 0;
    c->close_deadline = now + 3 * qc_pto_base(c, L4_QUIC_LEVEL_APP);
}

int l4_quic_conn_close(l4_quic_conn *c, uint64_t app_err, const char *reason, l4_time now)
{
    if (c->state >= QC_CLOSING)
        return L4_ERR_STATE;
    c->state = QC_CLOSING;
    c->close_app = 1;
    c->close_err = app_err;
    c->close_frame = 0;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
    c->close_pending = 1;
    c->st.local_err = app_err;
    c->close_deadline = now + 3 * qc_pto_base(c, L4_QUIC_LEVEL_APP);
    qc_ev_update(c, now);
    conn_closed_cb(c, 0, 1, app_err, c->close_reason, strlen(c->close_reason));
    return 0;
}

void qc_set_idle(l4_quic_conn *c, l4_time now)
{
    if (c->idle_timeout == 0)
        return;
    /* §10.1: at least three PTOs. */
    l4_time t = c->idle_timeout, min = 3 * qc_pto_base(c, L4_QUIC_LEVEL_APP);
    c->idle_deadline = now + (t > min ? t : min);
}

int l4_quic_conn_input(l4_quic_conn *c, const uint8_t *dgram, size_t len, l4_time now)
{
    if (c->state == QC_CLOSED)
        return L4_ERR_STATE;
    if (len > c->rxcap) {
        uint8_t *b = realloc(c->rxbuf, len);
        if (!b)
            return L4_ERR_NOMEM;
        c->rxbuf = b;
        c->rxcap = len;
    }
    if (len)
        memcpy(c->rxbuf, dgram, len);
    c->ev_now = now;
    int rc = qc_input(c, c->rxbuf, len, now);
    qc_ev_update(c, now);
    return rc;
}

l4_ssize l4_quic_conn_output(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_time now)
{
    if (cap < L4_QUIC_MIN_INITIAL_LEN)
        return L4_ERR_NOBUF;
    if (c->state == QC_CLOSED || c->state == QC_DRAINING)
        return 0;
    c->ev_now = now;
    return qc_output(c, buf, cap, now);
}

l4_time l4_quic_conn_next_timeout(const l4_quic_conn *c)
{
    if (c->state == QC_CLOSED)
        return L4_TIME_NONE;
    if (c->state >= QC_CLOSING)
        return c->close_deadline;
    l4_time t = qc_loss_timer(c);
    for (int s = 0; s < QC_SPACES; s++)
        t = l4_time_min(t, c->sp[s].ack_deadline);
    t = l4_time_min(t, c->pace_at);
    t = l4_time_min(t, qc_path_next_timeout(c));
    return l4_time_min(t, c->idle_deadline);
}

void l4_quic_conn_handle_timeout(l4_quic_conn *c, l4_time now)
{
    if (c->state == QC_CLOSED)
        return;
    c->ev_now = now;
    if (c->state >= QC_CLOSING) {
        if (now >= c->close_deadline)
            c->state = QC_CLOSED;
        qc_ev_update(c, now);
        return;
    }
    if (c->idle_deadline != L4_TIME_NONE && now >= c->idle_deadline) {
        c->state = QC_CLOSED; /* §10.1: silently */
        qc_ev_update(c, now);
        conn_closed_cb(c, 2, 0, L4_QUIC_ERR_NO_ERROR, "idle timeout", 12);
        return;
    }
    if (c->pace_at <= now)
        c->pace_at = L4_TIME_NONE; /* the pacer lets data go: output decides */
    qc_path_timer(c, now);
    for (int s = 0; s < QC_SPACES; s++)
        if (c->sp[s].ack_deadline <= now) {
            c->sp[s].ack_now = 1;
            c->sp[s].ack_deadline = L4_TIME_NONE;
        }
    l4_time lt = qc_loss_timer(c);
    if (lt != L4_TIME_NONE && lt <= now)
        qc_on_loss_timer(c, now);
    qc_ev_update(c, now);
}

/* ---- application API ----------------------------------------------------- */

int l4_quic_stream_open(l4_quic_conn *c, int uni, uint64_t *sid)
{
    if (!qc_app_open(c) || c->state >= QC_CLOSING)
        return L4_ERR_STATE;
    uint64_t *next = uni ? &c->next_uni : &c->next_bidi;
    uint64_t max = uni ? c->peer_max_uni : c->peer_max_bidi;
    if (*next >= max) {
        uint64_t *at = uni ? &c->streams_blocked_uni_at : &c->streams_blocked_bidi_at;
        if (*at != max + 1) {
            *at = max + 1;
            if (uni)
                c->streams_blocked_uni_pending = 1;
            else
                c->streams_blocked_bidi_pending = 1;
        }
        return L4_ERR_LIMIT;
    }
    uint64_t id = (*next << 2) | (uni ? 2u : 0u) | (c->is_server ? 1u : 0u);
    if (!qc_stream_new(c, id))
        return L4_ERR_NOMEM;
    (*next)++;
    *sid = id;
    return 0;
}

l4_ssize l4_quic_stream_write(l4_quic_conn *c, uint64_t sid, const uint8_t *data, size_t len,
                              int fin)
{
    qc_stream *s = qc_stream_find(c, sid);
    if (!s)
        return L4_ERR_NOT_FOUND;
    if (!s->can_send || s->fin_written || s->reset_state || c->state >= QC_CLOSING)
        return L4_ERR_STATE;
    size_t room = QC_SEND_BUF_MAX > s->sb.len ? QC_SEND_BUF_MAX - s->sb.len : 0;
    size_t n = len < room ? len : room;
    if (qc_sbuf_append(&s->sb, data, n) < 0)
        return L4_ERR_NOMEM;
    if (n < len)
        s->send_full = 1;
    else if (fin)
        s->fin_written = 1;
    return (l4_ssize)n;
}

l4_ssize l4_quic_stream_read(l4_quic_conn *c, uint64_t sid, uint8_t *buf, size_t cap, int *fin)
{
    qc_stream *s = qc_stream_find(c, sid);
    if (fin)
        *fin = 0;
    if (!s)
        return L4_ERR_NOT_FOUND;
    if (!s->can_recv)
        return L4_ERR_STATE;
    size_t n = qc_rbuf_take(&s->rb, buf, cap);
    if (n) {
        /* §4.2: slide the windows as the application consumes. */
        uint64_t win = s->id & 2                 ? c->set.tp.initial_max_stream_data_uni
                       : qc_stream_local(c, sid) ? c->set.tp.initial_max_stream_data_bidi_local
                                                 : c->set.tp.initial_max_stream_data_bidi_remote;
        if (s->r_final == UINT64_MAX && s->r_max - s->rb.base < win / 2) {
            s->r_max = s->rb.base + win;
            s->max_sd_pending = 1;
        }
        c->rx_consumed += n;
        if (c->rx_max_data - c->rx_consumed < c->rx_window / 2) {
            c->rx_max_data = c->rx_consumed + c->rx_window;
            c->max_data_pending = 1;
        }
    }
    if (s->r_final != UINT64_MAX && s->rb.base == s->r_final && !s->reset_recvd) {
        if (fin)
            *fin = 1;
        s->fin_read = 1;
        s->max_sd_pending = 0;
        qc_stream_maybe_free(c, s);
    }
    return (l4_ssize)n;
}

int l4_quic_stream_reset(l4_quic_conn *c, uint64_t sid, uint64_t err)
{
    qc_stream *s = qc_stream_find(c, sid);
    if (!s)
        return L4_ERR_NOT_FOUND;
    if (!s->can_send || s->reset_state || s->fin_acked || err > L4_QUIC_VARINT_MAX)
        return L4_ERR_STATE;
    s->reset_state = 1;
    s->reset_err = err;
    s->reset_final = s->sb.next; /* §19.4: the bytes sent so far */
    l4_quic_ranges_free(&s->sb.lost);
    return 0;
}

int l4_quic_stream_stop(l4_quic_conn *c, uint64_t sid, uint64_t err)
{
    qc_stream *s = qc_stream_find(c, sid);
    if (!s)
        return L4_ERR_NOT_FOUND;
    if (!s->can_recv || s->stop_state || s->reset_recvd || s->fin_read || err > L4_QUIC_VARINT_MAX)
        return L4_ERR_STATE;
    s->stop_state = 1;
    s->stop_err = err;
    return 0;
}

int qc_key_update_dir(l4_quic_conn *c, int is_tx, l4_quic_keys *out)
{
    uint8_t next[L4_QUIC_MAX_SECRET_LEN];
    qc_space *sp = &c->sp[L4_QUIC_LEVEL_APP];
    int rc = l4_quic_secret_update(c->app_aead, next, c->app_secret[is_tx], c->app_secret_len);
    if (rc == 0)
        rc = l4_quic_keys_init_update(out, is_tx ? &sp->tx : &sp->rx, next, c->app_secret_len);
    if (rc == 0)
        memcpy(c->app_secret[is_tx], next, c->app_secret_len);
    memset(next, 0, sizeof next);
    return rc;
}

int l4_quic_conn_key_update(l4_quic_conn *c)
{
    qc_space *sp = &c->sp[L4_QUIC_LEVEL_APP];
    /* §6.1: only once the handshake is confirmed, and not again before a
     * packet of the current phase has been acknowledged (§6.5). */
    if (!c->hs_confirmed || c->state >= QC_CLOSING || !sp->has_tx ||
        sp->largest_acked == L4_QUIC_PN_NONE || sp->largest_acked < c->key_phase_start_pn)
        return L4_ERR_STATE;
    int rc = qc_key_update_dir(c, 1, &sp->tx);
    if (rc < 0)
        return rc;
    c->key_phase ^= 1;
    c->key_phase_start_pn = sp->next_pn;
    return 0;
}

int l4_quic_conn_handshake_complete(const l4_quic_conn *c)
{
    return c->hs_complete;
}

int l4_quic_conn_is_closed(const l4_quic_conn *c)
{
    return c->state == QC_CLOSED;
}

int l4_quic_conn_is_closing(const l4_quic_conn *c)
{
    return c->state >= QC_CLOSING;
}

void l4_quic_conn_get_stats(const l4_quic_conn *c, l4_quic_conn_stats *st)
{
    *st = c->st;
    st->srtt = c->srtt;
    st->min_rtt = c->min_rtt;
    st->latest_rtt = c->latest_rtt;
    st->rttvar = c->rttvar;
    st->cwnd = l4_cc_cwnd(c->cc);
    st->ssthresh = l4_cc_ssthresh(c->cc);
    st->pacing_rate = l4_cc_pacing_rate(c->cc);
    st->bytes_in_flight = c->bytes_in_flight;
}

const char *l4_quic_conn_state_name(const l4_quic_conn *c)
{
    static const char *const names[] = {"handshaking", "established", "closing", "draining",
                                        "closed"};
    return c->state >= 0 && c->state <= QC_CLOSED ? names[c->state] : "?";
}

int l4_quic_conn_aead(const l4_quic_conn *c)
{
    if (c->app_secret_len)
        return (int)c->app_aead;
    const qc_space *hs = &c->sp[L4_QUIC_LEVEL_HANDSHAKE];
    if (hs->has_tx)
        return (int)hs->tx.aead;
    if (hs->has_rx)
        return (int)hs->rx.aead;
    return L4_ERR_STATE;
}

const l4_cc *l4_quic_conn_cc(const l4_quic_conn *c)
{
    return c->cc;
}

const l4_quic_tp *l4_quic_conn_peer_tp(const l4_quic_conn *c)
{
    return c->has_peer_tp ? &c->peer_tp : NULL;
}

l4_ssize l4_quic_version_negotiation(uint8_t *buf, size_t cap, const uint8_t *dgram, size_t len,
                                     uint32_t grease)
{
    l4_quic_hdr h;
    int rc = l4_quic_hdr_parse(&h, dgram, len, 0);
    if (rc != L4_ERR_UNSUPPORTED || len < L4_QUIC_MIN_INITIAL_LEN)
        return 0; /* §6.1: only for a possible first packet of an unknown version */
    uint8_t versions[8];
    uint32_t g = (grease & 0xf0f0f0f0u) | 0x0a0a0a0au; /* §6.3 reserved pattern */
    versions[0] = 0, versions[1] = 0, versions[2] = 0, versions[3] = 1;
    versions[4] = (uint8_t)(g >> 24), versions[5] = (uint8_t)(g >> 16);
    versions[6] = (uint8_t)(g >> 8), versions[7] = (uint8_t)g;
    l4_quic_hdr vn;
    memset(&vn, 0, sizeof vn);
    vn.type = L4_QUIC_PKT_VN;
    vn.first = (uint8_t)(grease & 0x7f);
    vn.dcid = h.scid; /* §17.2.1: the client's CIDs, swapped */
    vn.dcid_len = h.scid_len;
    vn.scid = h.dcid;
    vn.scid_len = h.dcid_len;
    vn.versions = versions;
    vn.n_versions = 2;
    return l4_quic_hdr_write(buf, cap, &vn);
}
