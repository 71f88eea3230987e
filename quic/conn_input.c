/*
 * quic/conn_input.c — received datagrams: split coalesced packets (RFC 9000
 * §12.2), remove protection (RFC 9001 §5), track packet numbers for ACKs
 * (§13.2), and act on every frame (§19) with the error codes of §12.4,
 * §4, §19 for violations.
 */
#include <stdlib.h>
#include <string.h>

#include "quic/conn_internal.h"
#include "quic/protect.h"
#include "wire/quic_frame.h"

static int space_of(int type)
{
    switch (type) {
    case L4_QUIC_PKT_INITIAL:
        return L4_QUIC_LEVEL_INITIAL;
    case L4_QUIC_PKT_HANDSHAKE:
        return L4_QUIC_LEVEL_HANDSHAKE;
    case L4_QUIC_PKT_1RTT:
    case L4_QUIC_PKT_0RTT: /* RFC 9000 §12.3: one application data space */
        return L4_QUIC_LEVEL_APP;
    default:
        return -1;
    }
}

/* Delivers in-order CRYPTO bytes to TLS (RFC 9001 §4.1.3). */
int qc_crypto_rx(l4_quic_conn *c, int s, uint64_t off, const uint8_t *data, size_t len, l4_time now)
{
    qc_space *sp = &c->sp[s];
    if (off + len > sp->crx.base + QC_CRYPTO_RX_MAX) {
        qc_fail(c, L4_QUIC_ERR_CRYPTO_BUFFER_EXCEEDED, L4_QUIC_FRAME_CRYPTO, "crypto buffer", now);
        return -1;
    }
    if (qc_rbuf_put(&sp->crx, off, data, len) < 0) {
        qc_fail(c, L4_QUIC_ERR_INTERNAL_ERROR, L4_QUIC_FRAME_CRYPTO, "out of memory", now);
        return -1;
    }
    size_t n = qc_rbuf_avail(&sp->crx);
    if (n == 0)
        return 0;
    uint8_t tmp[4096];
    while ((n = qc_rbuf_take(&sp->crx, tmp, sizeof tmp)) > 0) {
        uint8_t alert = 0;
        int was = c->hs_complete;
        int rc = c->tls->ops->provide(c->tls, (l4_quic_level)s, tmp, n, &alert);
        if (rc == L4_ERR_MALFORMED) {
            qc_fail(c, L4_QUIC_ERR_TRANSPORT_PARAMETER_ERROR, L4_QUIC_FRAME_CRYPTO,
                    "transport parameters", now);
            return -1;
        }
        if (rc < 0) {
            /* RFC 9001 §4.8: CRYPTO_ERROR carries the TLS alert. */
            qc_fail(c, L4_QUIC_ERR_CRYPTO_ERROR + alert, L4_QUIC_FRAME_CRYPTO, "TLS alert", now);
            return -1;
        }
        qc_early_after_crypto(c); /* a server that accepted 0-RTT may answer now */
        if (rc == 1 && !was) {
            if (!c->has_peer_tp) { /* RFC 9001 §8.2: missing_extension */
                qc_fail(c, L4_QUIC_ERR_CRYPTO_ERROR + 109, L4_QUIC_FRAME_CRYPTO,
                        "no transport parameters", now);
                return -1;
            }
            c->hs_complete = 1;
            c->state = QC_ESTABLISHED;
            qc_early_on_complete(c, now); /* 0-RTT accepted or rejected (early.c) */
            if (c->state >= QC_CLOSING)
                return -1;
            qc_cid_issue(c); /* §5.1.1: NEW_CONNECTION_ID up to the peer's limit */
            if (c->is_server) {
                /* RFC 9001 §4.1.2: the server's handshake is confirmed now. */
                c->hs_confirmed = 1;
                c->hs_done_pending = 1;
                qc_discard_space(c, L4_QUIC_LEVEL_HANDSHAKE);
            }
            if (c->cb.handshake_done)
                c->cb.handshake_done(c, c->user);
            if (c->state >= QC_CLOSING)
                return -1;
        }
        if (sp->discarded)
            break;
    }
    return 0;
}

/* Stream frames (RFC 9000 §19.8, §4.5 final size, §4.1 flow control). */
static int in_stream(l4_quic_conn *c, const l4_quic_frame *f, l4_time now)
{
    const l4_quic_frame_stream *fs = &f->u.stream;
    int fin = (f->type & L4_QUIC_STREAM_FIN) != 0;
    qc_stream *s;
    if (qc_stream_for_frame(c, fs->stream_id, 1, &s, f->type, now))
        return -1;
    if (!s || s->reset_recvd)
        return 0;
    if (c->rx_early) { /* quic/early.h: replayable, the application may care */
        s->early = 1;
        c->early_bytes += fs->len;
    }
    uint64_t end = fs->offset + fs->len;
    if (s->fin_read) { /* everything was delivered: only check the final size */
        if (end > s->r_final || (fin && end != s->r_final)) {
            qc_fail(c, L4_QUIC_ERR_FINAL_SIZE_ERROR, f->type, "final size", now);
            return -1;
        }
        return 0;
    }
    if (s->r_final != UINT64_MAX && (end > s->r_final || (fin && end != s->r_final))) {
        qc_fail(c, L4_QUIC_ERR_FINAL_SIZE_ERROR, f->type, "final size", now);
        return -1;
    }
    if (fin && end < s->r_highest) {
        qc_fail(c, L4_QUIC_ERR_FINAL_SIZE_ERROR, f->type, "final size below data", now);
        return -1;
    }
    if (end > s->r_max) {
        qc_fail(c, L4_QUIC_ERR_FLOW_CONTROL_ERROR, f->type, "stream data limit", now);
        return -1;
    }
    if (end > s->r_highest) {
        c->rx_data += end - s->r_highest;
        s->r_highest = end;
        if (c->rx_data > c->rx_max_data) {
            qc_fail(c, L4_QUIC_ERR_FLOW_CONTROL_ERROR, f->type, "connection data limit", now);
            return -1;
        }
    }
    size_t before = qc_rbuf_avail(&s->rb);
    int newfin = fin && s->r_final == UINT64_MAX;
    if (fin) {
        s->r_final = end;
        s->max_sd_pending = 0;
    }
    if (qc_rbuf_put(&s->rb, fs->offset, fs->data, fs->len) < 0) {
        qc_fail(c, L4_QUIC_ERR_INTERNAL_ERROR, f->type, "out of memory", now);
        return -1;
    }
    int complete = s->r_final != UINT64_MAX && s->rb.base + qc_rbuf_avail(&s->rb) == s->r_final;
    if ((qc_rbuf_avail(&s->rb) > before || (newfin && complete) || (complete && fin)) &&
        c->cb.stream_readable)
        c->cb.stream_readable(c, s->id, c->user);
    return 0;
}

static int in_reset(l4_quic_conn *c, const l4_quic_frame *f, l4_time now)
{
    qc_stream *s;
    uint64_t sid = f->u.reset_stream.stream_id, fsz = f->u.reset_stream.final_size;
    if (qc_stream_for_frame(c, sid, 1, &s, f->type, now))
        return -1;
    if (!s || s->reset_recvd)
        return 0;
    if ((s->r_final != UINT64_MAX && fsz != s->r_final) || fsz < s->r_highest) {
        qc_fail(c, L4_QUIC_ERR_FINAL_SIZE_ERROR, f->type, "reset final size", now);
        return -1;
    }
    if (fsz > s->r_max) {
        qc_fail(c, L4_QUIC_ERR_FLOW_CONTROL_ERROR, f->type, "reset beyond limit", now);
        return -1;
    }
    c->rx_data += fsz - s->r_highest;
    if (c->rx_data > c->rx_max_data) {
        qc_fail(c, L4_QUIC_ERR_FLOW_CONTROL_ERROR, f->type, "connection data limit", now);
        return -1;
    }
    /* The unread bytes will never be read: return their credit (§4.5). */
    c->rx_consumed += fsz - s->rb.base;
    if (c->rx_max_data - c->rx_consumed < c->rx_window / 2) {
        c->rx_max_data = c->rx_consumed + c->rx_window;
        c->max_data_pending = 1;
    }
    s->r_highest = s->r_final = fsz;
    s->reset_recvd = 1;
    s->max_sd_pending = 0;
    if (s->stop_state == 1)
        s->stop_state = 0;
    qc_rbuf_free(&s->rb);
    uint64_t id = s->id;
    if (c->cb.stream_reset)
        c->cb.stream_reset(c, id, f->u.reset_stream.error_code, c->user);
    s = qc_stream_find(c, id);
    if (s)
        qc_stream_maybe_free(c, s);
    return 0;
}

static int in_stop(l4_quic_conn *c, const l4_quic_frame *f, l4_time now)
{
    qc_stream *s;
    uint64_t sid = f->u.stop_sending.stream_id;
    if (qc_stream_for_frame(c, sid, 0, &s, f->type, now))
        return -1;
    if (!s)
        return 0;
    /* §3.5: answer with RESET_STREAM carrying the same code. */
    if (!s->reset_state && !s->fin_acked) {
        s->reset_state = 1;
        s->reset_err = f->u.stop_sending.error_code;
        s->reset_final = s->sb.next;
        l4_quic_ranges_free(&s->sb.lost);
    }
    if (c->cb.stream_stop)
        c->cb.stream_stop(c, sid, f->u.stop_sending.error_code, c->user);
    return 0;
}

static int in_max_stream_data(l4_quic_conn *c, const l4_quic_frame *f, l4_time now)
{
    qc_stream *s;
    if (qc_stream_for_frame(c, f->u.stream_value.stream_id, 0, &s, f->type, now))
        return -1;
    if (s && f->u.stream_value.value > s->s_max) {
        s->s_max = f->u.stream_value.value;
        if (c->cb.stream_writable)
            c->cb.stream_writable(c, s->id, c->user);
    }
    return 0;
}

static int in_frame(l4_quic_conn *c, int s, const l4_quic_frame *f, l4_time now)
{
    switch (f->type) {
    case L4_QUIC_FRAME_PADDING:
    case L4_QUIC_FRAME_PING:
        return 0;
    case L4_QUIC_FRAME_ACK:
    case L4_QUIC_FRAME_ACK_ECN: {
        c->rx_ack_has_ecn = f->type == L4_QUIC_FRAME_ACK_ECN;
        int err = qc_on_ack(c, s, &f->u.ack, now);
        if (err) {
            qc_fail(c, (uint64_t)err, f->type, "ack of unsent packet", now);
            return -1;
        }
        return 0;
    }
    case L4_QUIC_FRAME_CRYPTO:
        return qc_crypto_rx(c, s, f->u.crypto.offset, f->u.crypto.data, f->u.crypto.len, now);
    case L4_QUIC_FRAME_NEW_TOKEN:
        if (c->is_server) { /* §19.7 */
            qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, f->type, "NEW_TOKEN from client", now);
            return -1;
        }
        return qc_token_on_frame(c, f->u.new_token.token, f->u.new_token.len);
    case L4_QUIC_FRAME_RESET_STREAM:
        return in_reset(c, f, now);
    case L4_QUIC_FRAME_STOP_SENDING:
        return in_stop(c, f, now);
    case L4_QUIC_FRAME_MAX_DATA:
        if (f->u.value > c->tx_max_data) {
            c->tx_max_data = f->u.value;
            for (qc_stream *st = c->streams; st; st = st->next)
                if (st->can_send && c->cb.stream_writable)
                    c->cb.stream_writable(c, st->id, c->user);
        }
        return 0;
    case L4_QUIC_FRAME_MAX_STREAM_DATA:
        return in_max_stream_data(c, f, now);
    case L4_QUIC_FRAME_MAX_STREAMS_BIDI:
        if (f->u.value > c->peer_max_bidi)
            c->peer_max_bidi = f->u.value;
        return 0;
    case L4_QUIC_FRAME_MAX_STREAMS_UNI:
        if (f->u.value > c->peer_max_uni)
            c->peer_max_uni = f->u.value;
        return 0;
    case L4_QUIC_FRAME_DATA_BLOCKED:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_UNI:
        c->st.blocked_recv++; /* informational: our limits are credited as data is read */
        return 0;
    case L4_QUIC_FRAME_STREAM_DATA_BLOCKED: {
        qc_stream *st;
        c->st.blocked_recv++;
        return qc_stream_for_frame(c, f->u.stream_value.stream_id, 1, &st, f->type, now) ? -1 : 0;
    }
    case L4_QUIC_FRAME_NEW_CONNECTION_ID:
        return qc_cid_on_new(c, &f->u.new_cid, f->type, now);
    case L4_QUIC_FRAME_RETIRE_CONNECTION_ID:
        return qc_cid_on_retire(c, f->u.value, f->type, now);
    case L4_QUIC_FRAME_PATH_CHALLENGE:
        qc_path_on_challenge(c, f->u.path_data);
        return 0;
    case L4_QUIC_FRAME_PATH_RESPONSE:
        qc_path_on_response(c, f->u.path_data, now);
        return 0;
    case L4_QUIC_FRAME_CONNECTION_CLOSE:
    case L4_QUIC_FRAME_CONNECTION_CLOSE_APP: {
        int was_open = c->state < QC_CLOSING;
        c->st.peer_err = f->u.close.error_code;
        qc_enter_draining(c, now);
        if (was_open && c->cb.closed)
            c->cb.closed(c, 1, f->type == L4_QUIC_FRAME_CONNECTION_CLOSE_APP, f->u.close.error_code,
                         (const char *)f->u.close.reason, f->u.close.reason_len, c->user);
        return -1;
    }
    case L4_QUIC_FRAME_HANDSHAKE_DONE:
        if (c->is_server) { /* §19.20 */
            qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, f->type, "HANDSHAKE_DONE from client", now);
            return -1;
        }
        if (!c->hs_confirmed) {
            c->hs_confirmed = 1; /* RFC 9001 §4.1.2 */
            qc_discard_space(c, L4_QUIC_LEVEL_HANDSHAKE);
        }
        return 0;
    default:
        if ((f->type & ~(uint64_t)7) == L4_QUIC_FRAME_STREAM)
            return in_stream(c, f, now);
        return 0;
    }
}

/* Processes the plaintext payload of packet `pn` in space `s`. */
static int in_payload(l4_quic_conn *c, int s, int pkt_type, const uint8_t *p, size_t len,
                      int *ack_eliciting, l4_time now)
{
    if (len == 0) { /* §12.4: a packet with no frames */
        qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, 0, "empty packet", now);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        l4_quic_frame f;
        l4_ssize n = l4_quic_frame_decode(&f, p + off, len - off);
        if (n < 0) {
            qc_fail(c, l4_quic_frame_error_code((int)n), f.type, "frame encoding", now);
            return -1;
        }
        off += (size_t)n;
        if (!l4_quic_frame_allowed(f.type, pkt_type)) { /* §12.4 */
            qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, f.type, "frame not allowed here", now);
            return -1;
        }
        if (l4_quic_frame_ack_eliciting(f.type))
            *ack_eliciting = 1;
        /* §9.1: probing frames leave the path as it is */
        if (f.type != L4_QUIC_FRAME_PATH_CHALLENGE && f.type != L4_QUIC_FRAME_PATH_RESPONSE &&
            f.type != L4_QUIC_FRAME_NEW_CONNECTION_ID && f.type != L4_QUIC_FRAME_PADDING)
            c->rx_probing_only = 0;
        if (in_frame(c, s, &f, now) < 0)
            return -1;
        if (c->sp[s].discarded)
            return 0;
    }
    return 0;
}

static void in_record_pn(l4_quic_conn *c, int s, uint64_t pn, int ack_eliciting, l4_time now)
{
    qc_space *sp = &c->sp[s];
    int in_order = sp->largest_rx == L4_QUIC_PN_NONE || pn == sp->largest_rx + 1;
    int gap_before = sp->recvd.n > 1;
    (void)qc_ack_record(c, s, pn);
    qc_ecn_on_rx(c, s);
    if (sp->largest_rx == L4_QUIC_PN_NONE || pn > sp->largest_rx) {
        sp->largest_rx = pn;
        sp->largest_rx_time = now;
    }
    if (!ack_eliciting)
        return;
    sp->ack_pending++;
    /* §13.2.1: handshake spaces at once; otherwise every second packet,
     * on reordering, or after max_ack_delay. */
    if (s != L4_QUIC_LEVEL_APP || !in_order || gap_before || sp->ack_pending >= 2) {
        sp->ack_now = 1;
    } else if (sp->ack_deadline == L4_TIME_NONE) {
        sp->ack_deadline = now + c->set.tp.max_ack_delay * L4_MS;
    }
}

static int cid_match(const l4_quic_cid *c, const uint8_t *p, size_t n)
{
    return c->len == n && memcmp(c->data, p, n) == 0;
}

/* RFC 9000 §6.2: a client that gets Version Negotiation before any other
 * packet, echoing its CIDs and not listing version 1, gives up. */
static void in_version_negotiation(l4_quic_conn *c, const l4_quic_hdr *h)
{
    if (c->is_server || c->st.pkts_recv > 0 || !cid_match(&c->scid, h->dcid, h->dcid_len) ||
        !cid_match(&c->odcid, h->scid, h->scid_len)) {
        c->st.pkts_dropped++;
        return;
    }
    for (size_t i = 0; i < h->n_versions; i++) {
        const uint8_t *v = h->versions + 4 * i;
        if (v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 1) {
            c->st.pkts_dropped++; /* lists our version: ignored */
            return;
        }
    }
    c->state = QC_CLOSED;
    if (c->cb.closed)
        c->cb.closed(c, 1, 0, L4_QUIC_ERR_NO_ERROR, "version negotiation", 19, c->user);
}

/* RFC 9000 §17.2.5.2: a client accepts one Retry, before any other packet,
 * with a non-empty token and a valid integrity tag (RFC 9001 §5.8); it then
 * sends its Initial again to the new CID, with the token, under Initial keys
 * derived from that CID. */
static void in_retry(l4_quic_conn *c, const uint8_t *pkt, const l4_quic_hdr *h, l4_time now)
{
    (void)now;
    if (c->is_server || c->retry_done || c->st.pkts_recv > 0 || h->token_len == 0 ||
        !cid_match(&c->scid, h->dcid, h->dcid_len) ||
        l4_quic_retry_verify(c->odcid.data, c->odcid.len, pkt, h->pkt_len) != 0) {
        c->st.pkts_dropped++;
        return;
    }
    uint8_t *tok = malloc(h->token_len);
    if (!tok)
        return;
    memcpy(tok, h->token, h->token_len);
    qc_space *sp = &c->sp[L4_QUIC_LEVEL_INITIAL];
    l4_quic_keys tx, rx;
    if (l4_quic_keys_init_initial(&tx, &rx, h->scid, h->scid_len) < 0) {
        free(tok);
        return;
    }
    l4_quic_keys_free(&sp->tx);
    l4_quic_keys_free(&sp->rx);
    sp->tx = tx;
    sp->rx = rx;
    free(c->token); /* a NEW_TOKEN token it carried (§8.1.3) gives way to the Retry's */
    c->token = tok;
    c->token_len = h->token_len;
    c->dcid.len = (uint8_t)h->scid_len;
    memcpy(c->dcid.data, h->scid, h->scid_len);
    c->retry_scid = c->dcid;
    c->retry_done = 1;
    c->st.pkts_recv++; /* a second Retry is ignored */
    /* Everything sent in Initial packets goes again (packet numbers go on). */
    qc_drop_sent(c, L4_QUIC_LEVEL_INITIAL);
    l4_quic_ranges_free(&sp->ctx.lost);
    sp->ctx.next = sp->ctx.base;
    c->pto_count = 0;
    qc_early_on_retry(c); /* 0-RTT sent before the Retry goes again */
}

/* The Key Phase bit of a 1-RTT packet, read under header protection
 * (RFC 9001 §5.4.1); -1 when the packet is too short to sample. */
static int in_key_phase(l4_quic_conn *c, qc_space *sp, const uint8_t *pkt, const l4_quic_hdr *h)
{
    (void)c;
    uint8_t mask[L4_QUIC_HP_MASK_LEN];
    if (h->pkt_len < h->pn_offset + 4 + L4_QUIC_HP_SAMPLE_LEN ||
        l4_quic_hp_mask(&sp->rx, pkt + h->pn_offset + 4, mask) < 0)
        return -1;
    return ((pkt[0] ^ mask[0]) & L4_QUIC_HDR_KEY_PHASE) != 0;
}

/* A packet of the other key phase (RFC 9001 §6.2, §6.3): try the next
 * receive keys; on success the peer has updated, so switch both
 * directions. Packets of the old phase that arrive late are dropped. */
static l4_ssize in_key_update(l4_quic_conn *c, uint8_t *pkt, const l4_quic_hdr *h, uint64_t *pn,
                              size_t *hdr_len, l4_time now)
{
    qc_space *sp = &c->sp[L4_QUIC_LEVEL_APP];
    if (!c->hs_confirmed && !c->is_server)
        return L4_ERR_CHECKSUM;
    uint8_t saved[L4_QUIC_MAX_SECRET_LEN];
    memcpy(saved, c->app_secret[0], sizeof saved);
    l4_quic_keys next;
    memset(&next, 0, sizeof next);
    if (qc_key_update_dir(c, 0, &next) < 0)
        return L4_ERR_CHECKSUM;
    l4_ssize n =
        l4_quic_unprotect(&next, pkt, h->pkt_len, h->pn_offset, sp->largest_rx, pn, hdr_len);
    if (n < 0) {
        memcpy(c->app_secret[0], saved, sizeof saved);
        l4_quic_keys_free(&next);
        return n;
    }
    l4_quic_keys_free(&sp->rx);
    sp->rx = next;
    c->st.key_updates++;
    c->rx_phase ^= 1;
    if (c->key_phase != c->rx_phase) {
        /* §6.2: the peer updated first; follow with our send keys. */
        if (qc_key_update_dir(c, 1, &sp->tx) < 0) {
            qc_fail(c, L4_QUIC_ERR_INTERNAL_ERROR, 0, "key update", now);
            return L4_ERR_CHECKSUM;
        }
        c->key_phase ^= 1;
        c->key_phase_start_pn = sp->next_pn;
    }
    memset(saved, 0, sizeof saved);
    return n;
}

int qc_input(l4_quic_conn *c, const uint8_t *dgram_c, size_t len, l4_time now)
{
    uint8_t *dgram = (uint8_t *)dgram_c; /* the caller's private copy */
    /* the tail as it arrived (unprotecting works in place), for §10.3.1 */
    uint8_t tail[L4_QUIC_RESET_TOKEN_LEN];
    int short_hdr = len >= sizeof tail && !(dgram[0] & 0x80);
    if (short_hdr)
        memcpy(tail, dgram + len - sizeof tail, sizeof tail);
    c->st.bytes_recv += len;
    if (!c->addr_validated)
        c->amp_recv += len;
    if (c->state >= QC_CLOSING) {
        if (c->state == QC_CLOSING)
            c->close_pending = 1; /* §10.2.1: answer with CONNECTION_CLOSE again */
        return 0;
    }
    size_t off = 0;
    int any = 0;
    while (off < len && c->state < QC_CLOSING) {
        size_t start = off;
        l4_quic_hdr h;
        int rc = l4_quic_pkt_next(&h, dgram, len, &off, c->scid.len);
        if (rc <= 0)
            break;
        uint8_t *pkt = dgram + start;
        if (h.type == L4_QUIC_PKT_VN) {
            in_version_negotiation(c, &h);
            break;
        }
        if (h.type == L4_QUIC_PKT_RETRY) {
            in_retry(c, pkt, &h, now);
            break;
        }
        int s = space_of(h.type);
        if (s < 0) {
            c->st.pkts_dropped++; /* not a packet type of a space */
            continue;
        }
        if (!qc_cid_is_local(c, h.dcid, h.dcid_len) &&
            !(c->is_server && (h.type == L4_QUIC_PKT_INITIAL || h.type == L4_QUIC_PKT_0RTT) &&
              qc_token_first_dcid(c, h.dcid, h.dcid_len))) {
            c->st.pkts_dropped++;
            qc_ev_dropped(c, h.type, h.pkt_len, "unknown_connection_id", now);
            continue;
        }
        qc_space *sp = &c->sp[s];
        int early = h.type == L4_QUIC_PKT_0RTT;
        /* RFC 9001 §5.7: a server does not process 1-RTT before the handshake
         * completes; 0-RTT only with the key of accepted early data (early.c). */
        if (early ? !qc_early_rx(c)
                  : (!sp->has_rx || (s == L4_QUIC_LEVEL_APP && c->is_server && !c->hs_complete))) {
            c->st.pkts_dropped++;
            qc_ev_dropped(c, h.type, h.pkt_len, "key_unavailable", now);
            continue;
        }
        uint64_t pn;
        size_t hdr_len;
        l4_ssize plen;
        int phase = h.type == L4_QUIC_PKT_1RTT ? in_key_phase(c, sp, pkt, &h) : -1;
        if (phase >= 0 && phase != c->rx_phase) {
            plen = in_key_update(c, pkt, &h, &pn, &hdr_len, now);
        } else {
            plen = l4_quic_unprotect(early ? &c->early : &sp->rx, pkt, h.pkt_len, h.pn_offset,
                                     sp->largest_rx, &pn, &hdr_len);
        }
        if (plen < 0) {
            c->st.pkts_dropped++; /* §12.2: undecryptable packets are discarded */
            qc_ev_dropped(c, h.type, h.pkt_len, "decryption_failure", now);
            continue;
        }
        /* §17.2, §17.3.1: reserved bits must be zero after protection removal. */
        uint8_t reserved = h.type == L4_QUIC_PKT_1RTT ? 0x18 : 0x0c;
        if (pkt[0] & reserved) {
            qc_fail(c, L4_QUIC_ERR_PROTOCOL_VIOLATION, 0, "reserved bits", now);
            break;
        }
        if (qc_ack_seen(c, s, pn)) {
            c->st.pkts_dropped++; /* duplicate */
            qc_ev_dropped(c, h.type, h.pkt_len, "duplicate", now);
            continue;
        }
        c->st.pkts_recv++;
        if (early)
            c->early_pkts_recv++;
        else if (h.type == L4_QUIC_PKT_1RTT)
            qc_early_on_1rtt(c);
        qc_ev_packet(c, L4_QUIC_EV_PACKET_RECEIVED, h.type, pn, h.pkt_len, pkt + hdr_len,
                     (size_t)plen, h.dcid, h.dcid_len, h.type == L4_QUIC_PKT_1RTT ? NULL : h.scid,
                     h.scid_len, now);
        any = 1;
        if (!c->is_server && !c->dcid_set && h.type != L4_QUIC_PKT_1RTT) {
            /* §7.2: the client adopts the server's Source Connection ID. */
            c->dcid.len = (uint8_t)h.scid_len;
            memcpy(c->dcid.data, h.scid, h.scid_len);
            c->dcid_set = 1;
            qc_cid_peer_initial(c);
        }
        if (c->is_server && h.type == L4_QUIC_PKT_HANDSHAKE) {
            /* §8.1: a Handshake packet validates the client's address;
             * RFC 9001 §4.9.1: the server drops its Initial keys. */
            c->addr_validated = 1;
            qc_discard_space(c, L4_QUIC_LEVEL_INITIAL);
        }
        int ack_eliciting = 0;
        c->rx_dcid = h.dcid;
        c->rx_dcid_len = h.dcid_len;
        c->rx_probing_only = 1;
        c->rx_early = early;
        int rcp = in_payload(c, s, h.type, pkt + hdr_len, (size_t)plen, &ack_eliciting, now);
        c->rx_early = 0;
        if (!sp->discarded && c->state < QC_DRAINING) {
            in_record_pn(c, s, pn, ack_eliciting, now);
            qc_path_on_packet(c, h.type, pn, h.pkt_len, now);
        }
        c->rx_dcid = NULL;
        if (rcp < 0)
            break;
    }
    if (any) {
        qc_set_idle(c, now);
        c->eliciting_since_rx = 0;
    } else if (short_hdr && c->state < QC_CLOSING) {
        /* RFC 9000 §10.3.1: nothing in the datagram could be processed and
         * it ends with the stateless reset token of a peer ID we use: the
         * peer lost the connection's state. Drain, send nothing more. */
        if (len >= 21 && qc_cid_is_reset(c, tail)) { /* §10.3: 5 + 16 bytes at least */
            c->st.stateless_resets++;
            qc_enter_draining(c, now);
            if (c->cb.closed)
                c->cb.closed(c, 3, 0, L4_QUIC_ERR_NO_ERROR, "stateless reset", 15, c->user);
        }
    }
    return 0;
}
