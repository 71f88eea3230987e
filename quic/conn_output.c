/*
 * quic/conn_output.c — building datagrams: one packet per space with
 * something to send, coalesced Initial → Handshake → 1-RTT (RFC 9000 §12.2),
 * frames in priority order (ACK, close, control, CRYPTO, STREAM round-robin),
 * client Initial datagrams padded to 1200 bytes (§14.1), the 3× limit
 * before address validation (§8.1), the congestion window (RFC 9002 §7).
 */
#include <stdlib.h>
#include <string.h>

#include "quic/conn_internal.h"
#include "quic/protect.h"
#include "wire/quic_frame.h"
#include "wire/quic_varint.h"

#define OB_STREAM_MIN 24 /* do not start a STREAM frame with less room */

/* One packet under construction: header at p, plaintext payload after it. */
typedef struct ob_pkt {
    uint8_t *p;
    size_t room; /* bytes this packet may use, tag included */
    size_t hdr_len, pn_offset, len;
    int s, type, ack_eliciting, padded;
    int probe_pad; /* carries PATH_CHALLENGE / PATH_RESPONSE: pad the datagram (§8.2.1, §8.2.2) */
    int has_ack;   /* carries an ACK frame */
    uint64_t pn;
    qc_sent *rec;
} ob_pkt;

static size_t ob_left(const ob_pkt *o)
{
    size_t used = o->hdr_len + o->len + L4_QUIC_TAG_LEN;
    return o->room > used ? o->room - used : 0;
}

static int ob_frame(ob_pkt *o, const l4_quic_frame *f)
{
    l4_ssize n = l4_quic_frame_encode(o->p + o->hdr_len + o->len, ob_left(o), f);
    if (n < 0)
        return -1;
    o->len += (size_t)n;
    if (l4_quic_frame_ack_eliciting(f->type))
        o->ack_eliciting = 1;
    return 0;
}

static qc_frec *ob_rec(ob_pkt *o, uint8_t kind)
{
    if (o->rec->nf >= QC_FREC_MAX)
        return NULL;
    qc_frec *r = &o->rec->f[o->rec->nf++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    return r;
}

static int ob_full(const ob_pkt *o)
{
    return o->rec->nf >= QC_FREC_MAX || ob_left(o) < 8;
}

/* ---- frames ------------------------------------------------------------- */

static void ob_ack(l4_quic_conn *c, ob_pkt *o, l4_time now)
{
    qc_space *sp = &c->sp[o->s];
    if (sp->recvd.n == 0)
        return;
    l4_quic_ack_range r[QC_MAX_ACK_RANGES];
    size_t n = 0;
    for (size_t i = sp->recvd.n; i-- > 0 && n < QC_MAX_ACK_RANGES;) {
        r[n].smallest = sp->recvd.r[i].lo;
        r[n].largest = sp->recvd.r[i].hi - 1;
        n++;
    }
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_ACK;
    /* §13.4.1: the ECN counts once anything marked arrived in this space */
    if (qc_ecn_ack_counts(c, o->s, &f.u.ack.ect0, &f.u.ack.ect1, &f.u.ack.ce))
        f.type = L4_QUIC_FRAME_ACK_ECN;
    uint8_t rbuf[QC_MAX_ACK_RANGES * 16];
    if (l4_quic_ack_write_ranges(&f.u.ack, rbuf, sizeof rbuf, r, n) < 0)
        return;
    l4_time d = now > sp->largest_rx_time ? now - sp->largest_rx_time : 0;
    f.u.ack.ack_delay = (d / L4_US) >> c->set.tp.ack_delay_exponent; /* §19.3 */
    if (ob_frame(o, &f) < 0)
        return;
    qc_frec *rec = ob_rec(o, QF_ACK);
    if (rec)
        rec->sid = r[0].largest;
    o->has_ack = 1;
    sp->ack_pending = 0;
    sp->ack_now = 0;
    sp->ack_deadline = L4_TIME_NONE;
}

static void ob_close(l4_quic_conn *c, ob_pkt *o)
{
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    if (c->close_app && o->s == L4_QUIC_LEVEL_APP) {
        f.type = L4_QUIC_FRAME_CONNECTION_CLOSE_APP;
        f.u.close.error_code = c->close_err;
    } else {
        f.type = L4_QUIC_FRAME_CONNECTION_CLOSE;
        /* §10.2.3: an application close before 1-RTT becomes APPLICATION_ERROR. */
        f.u.close.error_code = c->close_app ? L4_QUIC_ERR_APPLICATION_ERROR : c->close_err;
        f.u.close.frame_type = c->close_app ? 0 : c->close_frame;
    }
    if (!(c->close_app && o->s != L4_QUIC_LEVEL_APP)) {
        f.u.close.reason = (const uint8_t *)c->close_reason;
        f.u.close.reason_len = strlen(c->close_reason);
    }
    if (ob_frame(o, &f) == 0)
        c->close_pending = 0;
}

static void ob_crypto(l4_quic_conn *c, ob_pkt *o)
{
    qc_sbuf *b = &c->sp[o->s].ctx;
    while (!ob_full(o)) {
        uint64_t off, end;
        int retx = b->lost.n > 0;
        if (retx) {
            off = b->lost.r[0].lo;
            end = b->lost.r[0].hi;
        } else {
            off = b->next;
            end = b->base + b->len;
        }
        if (off >= end)
            return;
        size_t over = 1 + l4_quic_varint_len(off) + 2;
        size_t left = ob_left(o);
        if (left <= over + 1)
            return;
        size_t n = (size_t)(end - off);
        if (n > left - over)
            n = left - over;
        l4_quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = L4_QUIC_FRAME_CRYPTO;
        f.u.crypto.offset = off;
        f.u.crypto.data = b->buf + (off - b->base);
        f.u.crypto.len = n;
        qc_frec *r = ob_rec(o, QF_CRYPTO);
        if (!r || ob_frame(o, &f) < 0) {
            if (r)
                o->rec->nf--;
            return;
        }
        r->off = off;
        r->len = n;
        if (retx)
            l4_quic_ranges_del(&b->lost, off, off + n);
        else
            b->next = off + n;
    }
}

/* Control frames of one stream: RESET_STREAM, STOP_SENDING, MAX_STREAM_DATA. */
static void ob_stream_ctl(ob_pkt *o, qc_stream *s)
{
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    if (s->reset_state == 1 && !ob_full(o)) {
        f.type = L4_QUIC_FRAME_RESET_STREAM;
        f.u.reset_stream.stream_id = s->id;
        f.u.reset_stream.error_code = s->reset_err;
        f.u.reset_stream.final_size = s->reset_final;
        qc_frec *r = ob_rec(o, QF_RESET);
        if (r && ob_frame(o, &f) == 0) {
            r->sid = s->id;
            s->reset_state = 2;
        } else if (r) {
            o->rec->nf--;
        }
    }
    if (s->stop_state == 1 && !ob_full(o)) {
        f.type = L4_QUIC_FRAME_STOP_SENDING;
        f.u.stop_sending.stream_id = s->id;
        f.u.stop_sending.error_code = s->stop_err;
        qc_frec *r = ob_rec(o, QF_STOP);
        if (r && ob_frame(o, &f) == 0) {
            r->sid = s->id;
            s->stop_state = 2;
        } else if (r) {
            o->rec->nf--;
        }
    }
    if (s->max_sd_pending && !ob_full(o)) {
        f.type = L4_QUIC_FRAME_MAX_STREAM_DATA;
        f.u.stream_value.stream_id = s->id;
        f.u.stream_value.value = s->r_max;
        qc_frec *r = ob_rec(o, QF_MAX_SD);
        if (r && ob_frame(o, &f) == 0) {
            r->sid = s->id;
            s->max_sd_pending = 0;
        } else if (r) {
            o->rec->nf--;
        }
    }
}

static void ob_value(ob_pkt *o, uint64_t type, uint64_t v, uint8_t kind, int *pending)
{
    if (!*pending || ob_full(o))
        return;
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = type;
    f.u.value = v;
    if (kind == 0) { /* informational: not repeated when lost */
        if (ob_frame(o, &f) == 0)
            *pending = 0;
        return;
    }
    qc_frec *r = ob_rec(o, kind);
    if (r && ob_frame(o, &f) == 0)
        *pending = 0;
    else if (r)
        o->rec->nf--;
}

/* PATH_RESPONSE and PATH_CHALLENGE (RFC 9000 §8.2): small and urgent (a
 * path waits on them), so they do not wait for the congestion window. */
static void ob_path(l4_quic_conn *c, ob_pkt *o, l4_time now)
{
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    if (c->path_response_pending && !c->resp_on_path && !ob_full(o)) {
        f.type = L4_QUIC_FRAME_PATH_RESPONSE;
        memcpy(f.u.path_data, c->path_response, 8);
        if (ob_frame(o, &f) == 0) {
            c->path_response_pending = 0;
            o->probe_pad = 1;
        }
    }
    if (c->chal_pending && !ob_full(o)) { /* §8.2.1 */
        f.type = L4_QUIC_FRAME_PATH_CHALLENGE;
        memcpy(f.u.path_data, c->chal_data, 8);
        if (ob_frame(o, &f) == 0) {
            c->chal_pending = 0;
            c->chal_resend = now + qc_pto_base(c, L4_QUIC_LEVEL_APP);
            c->st.path_challenges_sent++;
            o->probe_pad = 1;
        }
    }
}

/* NEW_CONNECTION_ID and RETIRE_CONNECTION_ID (RFC 9000 §19.15, §19.16). */
static void ob_cids(l4_quic_conn *c, ob_pkt *o)
{
    l4_quic_frame f;
    for (int i = 0; i < QC_MAX_LCIDS && !ob_full(o); i++) {
        qc_lcid *l = &c->lcid[i];
        if (!l->used || !l->ncid_pending)
            continue;
        memset(&f, 0, sizeof f);
        f.type = L4_QUIC_FRAME_NEW_CONNECTION_ID;
        f.u.new_cid.seq = l->seq;
        f.u.new_cid.retire_prior_to = c->lcid_retire_prior;
        f.u.new_cid.cid = l->cid;
        memcpy(f.u.new_cid.reset_token, l->token, L4_QUIC_RESET_TOKEN_LEN);
        qc_frec *r = ob_rec(o, QF_NEW_CID);
        if (r && ob_frame(o, &f) == 0) {
            r->sid = l->seq;
            l->ncid_pending = 0;
        } else if (r) {
            o->rec->nf--;
        }
    }
    while (c->nretire && !ob_full(o)) {
        memset(&f, 0, sizeof f);
        f.type = L4_QUIC_FRAME_RETIRE_CONNECTION_ID;
        f.u.value = c->retire_q[0];
        qc_frec *r = ob_rec(o, QF_RETIRE_CID);
        if (!r)
            break;
        if (ob_frame(o, &f) < 0) {
            o->rec->nf--;
            break;
        }
        r->sid = c->retire_q[0];
        memmove(c->retire_q, c->retire_q + 1, (c->nretire - 1) * sizeof c->retire_q[0]);
        c->nretire--;
    }
}

/* NEW_TOKEN (RFC 9000 §19.7, §8.1.3): the token the server gives for next time. */
static void ob_new_token(l4_quic_conn *c, ob_pkt *o)
{
    if (!c->nt_pending || !c->is_server || ob_full(o))
        return;
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_NEW_TOKEN;
    f.u.new_token.token = c->nt;
    f.u.new_token.len = c->nt_len;
    qc_frec *r = ob_rec(o, QF_NEW_TOKEN);
    if (r && ob_frame(o, &f) == 0)
        c->nt_pending = 0;
    else if (r)
        o->rec->nf--;
}

static void ob_control(l4_quic_conn *c, ob_pkt *o, l4_time now)
{
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    if (c->hs_done_pending) {
        f.type = L4_QUIC_FRAME_HANDSHAKE_DONE;
        qc_frec *r = ob_rec(o, QF_HANDSHAKE_DONE);
        if (r && ob_frame(o, &f) == 0)
            c->hs_done_pending = 0;
        else if (r)
            o->rec->nf--;
    }
    (void)now;
    ob_cids(c, o);
    ob_new_token(c, o);
    ob_value(o, L4_QUIC_FRAME_MAX_DATA, c->rx_max_data, QF_MAX_DATA, &c->max_data_pending);
    ob_value(o, L4_QUIC_FRAME_MAX_STREAMS_BIDI, c->local_max_bidi, QF_MAX_STREAMS_BIDI,
             &c->max_streams_bidi_pending);
    ob_value(o, L4_QUIC_FRAME_MAX_STREAMS_UNI, c->local_max_uni, QF_MAX_STREAMS_UNI,
             &c->max_streams_uni_pending);
    ob_value(o, L4_QUIC_FRAME_DATA_BLOCKED, c->tx_max_data, 0, &c->data_blocked_pending);
    ob_value(o, L4_QUIC_FRAME_STREAMS_BLOCKED_BIDI, c->peer_max_bidi, 0,
             &c->streams_blocked_bidi_pending);
    ob_value(o, L4_QUIC_FRAME_STREAMS_BLOCKED_UNI, c->peer_max_uni, 0,
             &c->streams_blocked_uni_pending);
    for (qc_stream *s = c->streams; s && !ob_full(o); s = s->next) {
        ob_stream_ctl(o, s);
        if (s->sd_blocked_pending && !ob_full(o)) {
            f.type = L4_QUIC_FRAME_STREAM_DATA_BLOCKED;
            f.u.stream_value.stream_id = s->id;
            f.u.stream_value.value = s->s_max;
            if (ob_frame(o, &f) == 0)
                s->sd_blocked_pending = 0;
        }
    }
}

/* Sends what one stream has: lost ranges first, then new bytes within
 * the stream and connection limits (§4.1), then a lone FIN. */
static void ob_stream_data(l4_quic_conn *c, ob_pkt *o, qc_stream *s)
{
    qc_sbuf *b = &s->sb;
    if (!s->can_send || s->reset_state)
        return;
    uint64_t end_all = b->base + b->len;
    while (!ob_full(o) && ob_left(o) >= OB_STREAM_MIN) {
        uint64_t off, end;
        int retx = b->lost.n > 0;
        if (retx) {
            off = b->lost.r[0].lo;
            end = b->lost.r[0].hi;
        } else {
            off = b->next;
            end = end_all;
            if (end > s->s_max)
                end = s->s_max;
            if (end - off > c->tx_max_data - c->tx_data)
                end = off + (c->tx_max_data - c->tx_data);
            int fin_due = s->fin_written && !s->fin_sent && off == end_all;
            if (off >= end && !fin_due)
                return;
        }
        size_t over = 1 + l4_quic_varint_len(s->id) + (off ? l4_quic_varint_len(off) : 0) + 2;
        size_t left = ob_left(o);
        if (left <= over)
            return;
        size_t n = (size_t)(end - off);
        if (n > left - over)
            n = left - over;
        int fin = s->fin_written && off + n == end_all;
        l4_quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = L4_QUIC_FRAME_STREAM | L4_QUIC_STREAM_LEN | (off ? L4_QUIC_STREAM_OFF : 0) |
                 (fin ? L4_QUIC_STREAM_FIN : 0);
        f.u.stream.stream_id = s->id;
        f.u.stream.offset = off;
        f.u.stream.data = n ? b->buf + (off - b->base) : NULL;
        f.u.stream.len = n;
        qc_frec *r = ob_rec(o, QF_STREAM);
        if (!r)
            return;
        if (ob_frame(o, &f) < 0) {
            o->rec->nf--;
            return;
        }
        r->sid = s->id;
        r->off = off;
        r->len = n;
        r->fin = (uint8_t)fin;
        if (fin)
            s->fin_sent = 1;
        if (retx) {
            l4_quic_ranges_del(&b->lost, off, off + n);
        } else {
            c->tx_data += n;
            b->next = off + n;
        }
        if (fin && n == 0)
            return;
    }
}

static void ob_streams(l4_quic_conn *c, ob_pkt *o)
{
    if (!c->streams)
        return;
    qc_stream *start = c->rr ? c->rr : c->streams;
    qc_stream *s = start;
    do {
        if (ob_full(o) || ob_left(o) < OB_STREAM_MIN) {
            c->rr = s;
            return;
        }
        ob_stream_data(c, o, s);
        s = s->next ? s->next : c->streams;
    } while (s != start);
    c->rr = s;
}

/* ---- packets ------------------------------------------------------------ */

static int ob_space_wants(l4_quic_conn *c, int s, int cc_ok, l4_time now)
{
    qc_space *sp = &c->sp[s];
    (void)now;
    int early = s == L4_QUIC_LEVEL_APP && qc_early_sending(c); /* 0-RTT packets (early.c) */
    if ((!sp->has_tx && !early) || sp->discarded)
        return 0;
    if (c->state == QC_CLOSING)
        return 0;
    if (sp->ack_now && sp->recvd.n && !early)
        return 1;
    if (s == L4_QUIC_LEVEL_APP && c->hs_complete &&
        ((c->path_response_pending && !c->resp_on_path) || c->chal_pending))
        return 1;
    if (!cc_ok && !sp->probe)
        return 0;
    if (sp->probe)
        return 1;
    if (sp->ctx.lost.n || sp->ctx.next < sp->ctx.base + sp->ctx.len)
        return 1;
    if (s != L4_QUIC_LEVEL_APP || !qc_app_open(c))
        return 0;
    int want = c->hs_done_pending || (c->nt_pending && c->is_server) || c->max_data_pending ||
               c->max_streams_bidi_pending || c->max_streams_uni_pending || qc_cid_wants(c) ||
               c->streams_blocked_bidi_pending || c->streams_blocked_uni_pending;
    for (qc_stream *st = c->streams; st; st = st->next) {
        const qc_sbuf *b = &st->sb;
        if (!st->can_send || st->reset_state || b->next >= b->base + b->len)
            continue;
        /* §4.1: tell the peer when its limits hold data back (once per limit). */
        if (b->next >= st->s_max && st->sd_blocked_at != st->s_max + 1) {
            st->sd_blocked_at = st->s_max + 1;
            st->sd_blocked_pending = 1;
        }
        if (c->tx_data >= c->tx_max_data && c->data_blocked_at != c->tx_max_data + 1) {
            c->data_blocked_at = c->tx_max_data + 1;
            c->data_blocked_pending = 1;
        }
        if (st->sd_blocked_pending)
            want = 1;
    }
    if (want || c->data_blocked_pending)
        return 1;
    for (qc_stream *st = c->streams; st; st = st->next) {
        if (st->reset_state == 1 || st->stop_state == 1 || st->max_sd_pending)
            return 1;
        if (!st->can_send || st->reset_state)
            continue;
        const qc_sbuf *b = &st->sb;
        if (b->lost.n)
            return 1;
        if (st->fin_written && !st->fin_sent && b->next == b->base + b->len)
            return 1;
        if (b->next < b->base + b->len && b->next < st->s_max && c->tx_data < c->tx_max_data)
            return 1;
    }
    return 0;
}

/* 1 when a stream holds bytes never sent (held back by flow control, as
 * nothing else stops them): the sender is then not application-limited. */
static int ob_unsent_stream_data(const l4_quic_conn *c)
{
    for (const qc_stream *st = c->streams; st; st = st->next)
        if (st->can_send && !st->reset_state &&
            (st->sb.next < st->sb.base + st->sb.len || st->sb.lost.n))
            return 1;
    return 0;
}

/* Writes the header of a packet in space s at p; 0 or -1 when no room. */
static int ob_begin(l4_quic_conn *c, ob_pkt *o, int s, uint8_t *p, size_t room)
{
    qc_space *sp = &c->sp[s];
    memset(o, 0, sizeof *o);
    o->p = p;
    o->room = room;
    o->s = s;
    o->pn = sp->next_pn;
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = (uint8_t)(s == L4_QUIC_LEVEL_INITIAL     ? L4_QUIC_PKT_INITIAL
                       : s == L4_QUIC_LEVEL_HANDSHAKE ? L4_QUIC_PKT_HANDSHAKE
                       : qc_early_sending(c)          ? L4_QUIC_PKT_0RTT
                                                      : L4_QUIC_PKT_1RTT);
    o->type = h.type;
    h.version = L4_QUIC_VERSION_1;
    h.dcid = c->dcid.data;
    h.dcid_len = c->dcid.len;
    h.scid = c->scid.data;
    h.scid_len = c->scid.len;
    h.length_n = 2;
    if (s == L4_QUIC_LEVEL_INITIAL && !c->is_server) {
        h.token = c->token; /* from a Retry (§17.2.5.2) */
        h.token_len = c->token_len;
    }
    h.pn = o->pn;
    h.pn_len = (uint8_t)l4_quic_pn_encode_len(o->pn, sp->largest_acked);
    h.key_phase = (uint8_t)c->key_phase;
    l4_ssize n = l4_quic_hdr_write(p, room, &h);
    if (n < 0 || (size_t)n + L4_QUIC_TAG_LEN + 8 > room)
        return -1;
    o->hdr_len = (size_t)n;
    o->pn_offset = (size_t)n - h.pn_len;
    o->rec = qc_sent_get(c);
    if (!o->rec)
        return -1;
    o->rec->pn = o->pn;
    return 0;
}

static void ob_fill(l4_quic_conn *c, ob_pkt *o, int cc_ok, l4_time now)
{
    qc_space *sp = &c->sp[o->s];
    if (sp->recvd.n && (sp->ack_now || sp->ack_pending))
        ob_ack(c, o, now);
    if (o->s == L4_QUIC_LEVEL_APP && c->hs_complete)
        ob_path(c, o, now);
    if (!cc_ok && !sp->probe)
        return;
    if (o->s == L4_QUIC_LEVEL_APP && qc_app_open(c))
        ob_control(c, o, now);
    if (o->type != L4_QUIC_PKT_0RTT) /* RFC 9000 §12.4: no CRYPTO in 0-RTT */
        ob_crypto(c, o);
    if (o->s == L4_QUIC_LEVEL_APP && qc_app_open(c))
        ob_streams(c, o);
    if (sp->probe && !o->ack_eliciting && ob_left(o) > 1) {
        l4_quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = L4_QUIC_FRAME_PING;
        ob_frame(o, &f);
        ob_rec(o, QF_PING);
    }
    if (sp->probe && o->ack_eliciting)
        sp->probe--;
    /* RFC 9000 §13.2.4: a receiver that only sends ACKs never learns they
     * arrived; with many ranges tracked it asks for an acknowledgment (a
     * PING, one in flight at a time), so the ACK of this ACK lets it stop
     * tracking them (acks.c) */
    if (o->s == L4_QUIC_LEVEL_APP && o->has_ack && !o->ack_eliciting &&
        sp->recvd.n >= QC_MAX_ACK_RANGES / 4 && sp->ack_eliciting_in_flight == 0 &&
        ob_left(o) > 1 && !ob_full(o)) {
        l4_quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = L4_QUIC_FRAME_PING;
        if (ob_frame(o, &f) == 0)
            ob_rec(o, QF_PING);
    }
}

/* Pads (PADDING frames) so the payload reaches `min` bytes. */
static void ob_pad(ob_pkt *o, size_t min)
{
    while (o->len < min && ob_left(o) > 0) {
        o->p[o->hdr_len + o->len] = 0;
        o->len++;
        o->padded = 1;
    }
}

/* Protects the finished packet; returns its size or a negative error. */
static l4_ssize ob_seal(l4_quic_conn *c, ob_pkt *o)
{
    qc_space *sp = &c->sp[o->s];
    size_t pn_len = o->hdr_len - o->pn_offset;
    if (o->type != L4_QUIC_PKT_1RTT) {
        uint64_t length = pn_len + o->len + L4_QUIC_TAG_LEN;
        l4_quic_varint_encode_n(o->p + o->pn_offset - 2, 2, length, 2);
    }
    return l4_quic_protect(o->type == L4_QUIC_PKT_0RTT ? &c->early : &sp->tx, o->p, o->room,
                           o->hdr_len, o->pn_offset, o->pn, o->len);
}

l4_ssize qc_output(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_time now)
{
    size_t limit = cap < c->set.max_datagram ? cap : c->set.max_datagram;
    if (c->has_peer_tp && c->peer_tp.max_udp_payload_size < limit)
        limit = (size_t)c->peer_tp.max_udp_payload_size;
    if (c->is_server && !c->addr_validated) { /* §8.1 */
        uint64_t allowed = 3 * c->amp_recv > c->amp_sent ? 3 * c->amp_recv - c->amp_sent : 0;
        if (allowed < limit)
            limit = (size_t)allowed;
        if (limit < 64)
            return 0;
    }
    if (qc_path_amp_limit(c, &limit) && limit < 64) /* §9.3: an unvalidated new path */
        return 0;
    int cc_ok = c->bytes_in_flight + c->set.max_datagram <= l4_cc_cwnd(c->cc);
    /* Pacing (the algorithm's rate, cc/pacer.h): what the window allows
     * waits for the pacer; ACKs and PTO probes do not. */
    uint64_t prate = l4_cc_pacing_rate(c->cc);
    int held = 0;
    if (cc_ok && prate && c->state < QC_CLOSING) {
        /* bursts of the send quantum (1 ms at the rate, 2 datagrams to
           64 KiB): one GSO batch per wake-up on a fast path */
        uint64_t q = l4_pacer_quantum(prate, (uint32_t)c->set.max_datagram);
        if (!c->pacer.burst)
            l4_pacer_init(&c->pacer, q, now);
        c->pacer.burst = q;
        l4_time t = l4_pacer_next(&c->pacer, prate, now);
        if (t > now) {
            held = 1;
            cc_ok = 0;
            c->pace_at = t;
        }
    }
    ob_pkt pk[QC_SPACES];
    int np = 0;
    size_t off = 0;
    int has_initial = 0, initial_eliciting = 0;
    if (c->state == QC_CLOSING) {
        if (!c->close_pending)
            return 0;
        int s = c->hs_complete && c->sp[L4_QUIC_LEVEL_APP].has_tx ? L4_QUIC_LEVEL_APP
                : c->sp[L4_QUIC_LEVEL_HANDSHAKE].has_tx           ? L4_QUIC_LEVEL_HANDSHAKE
                                                                  : L4_QUIC_LEVEL_INITIAL;
        if (!c->sp[s].has_tx || ob_begin(c, &pk[0], s, buf, limit) < 0)
            return 0;
        ob_close(c, &pk[0]);
        if (pk[0].len == 0) { /* no room (amplification limit): try later */
            qc_sent_put(c, pk[0].rec);
            return 0;
        }
        ob_pad(&pk[0], 4 - (pk[0].hdr_len - pk[0].pn_offset));
        np = 1;
        has_initial = s == L4_QUIC_LEVEL_INITIAL;
    } else {
        for (int s = 0; s < QC_SPACES; s++) {
            if (!ob_space_wants(c, s, cc_ok, now))
                continue;
            if (limit - off < 64)
                break;
            ob_pkt *o = &pk[np];
            if (ob_begin(c, o, s, buf + off, limit - off) < 0)
                break;
            ob_fill(c, o, cc_ok, now);
            if (o->len == 0) {
                qc_sent_put(c, o->rec);
                continue;
            }
            if (s == L4_QUIC_LEVEL_INITIAL) {
                has_initial = 1;
                initial_eliciting = o->ack_eliciting;
            }
            /* header-protection sample: pn + payload ≥ 4 bytes (RFC 9001 §5.4.2) */
            ob_pad(o, 4 - (o->hdr_len - o->pn_offset));
            off += o->hdr_len + o->len + L4_QUIC_TAG_LEN;
            np++;
        }
    }
    if (np == 0) {
        if (held) {
            int wants = 0;
            for (int s = 0; s < QC_SPACES && !wants; s++)
                wants = ob_space_wants(c, s, 1, now);
            if (wants)
                c->st.pkts_paced++;
            else
                c->pace_at = L4_TIME_NONE;
        } else if (cc_ok && c->state == QC_ESTABLISHED && !ob_unsent_stream_data(c)) {
            qc_app_limited(c, now);
        }
        return 0;
    }
    /* §14.1: datagrams with a client Initial (or a server's ack-eliciting
     * Initial) are padded to 1200 bytes, in the last packet; so are those
     * with PATH_CHALLENGE or PATH_RESPONSE (§8.2.1, §8.2.2), as far as the
     * amplification limit allows. */
    int probe_pad = 0;
    for (int i = 0; i < np; i++)
        probe_pad |= pk[i].probe_pad;
    if (((has_initial && (!c->is_server || initial_eliciting)) || probe_pad) &&
        c->state != QC_CLOSING) {
        ob_pkt *last = &pk[np - 1];
        size_t before = last->hdr_len + last->len;
        size_t total = (size_t)(last->p - buf) + before + L4_QUIC_TAG_LEN;
        size_t target = L4_QUIC_MIN_INITIAL_LEN;
        if (limit < target)
            target = probe_pad && !has_initial ? limit : 0;
        if (total < target)
            ob_pad(last, last->len + (target - total));
    }
    size_t total = 0;
    /* one datagram, one IP header: one ECN codepoint for all its packets */
    unsigned mark = qc_ecn_mark(c);
    c->tx_ecn = mark;
    if (mark)
        c->st.ecn_marked++;
    for (int i = 0; i < np; i++) {
        ob_pkt *o = &pk[i];
        o->rec->ecn = (uint8_t)mark;
        /* the observer sees the frames before protection hides them */
        qc_ev_packet(c, L4_QUIC_EV_PACKET_SENT, o->type, o->pn,
                     o->hdr_len + o->len + L4_QUIC_TAG_LEN, o->p + o->hdr_len, o->len, c->dcid.data,
                     c->dcid.len, o->type == L4_QUIC_PKT_1RTT ? NULL : c->scid.data, c->scid.len,
                     now);
        l4_ssize n = ob_seal(c, o);
        if (n < 0) {
            for (int j = i; j < np; j++)
                qc_sent_put(c, pk[j].rec);
            return n;
        }
        total = (size_t)(o->p - buf) + (size_t)n;
        qc_space *sp = &c->sp[o->s];
        sp->next_pn++;
        o->rec->t = now;
        o->rec->size = (uint32_t)n;
        o->rec->ack_eliciting = (uint8_t)o->ack_eliciting;
        /* RFC 9002 §2: in flight = ack-eliciting or carrying PADDING. */
        o->rec->in_flight = (uint8_t)(o->ack_eliciting || o->padded);
        if (prate && o->rec->in_flight)
            l4_pacer_sent(&c->pacer, (uint64_t)n, prate, now);
        if (c->state == QC_CLOSING) {
            qc_sent_put(c, o->rec);
        } else {
            qc_on_sent(c, o->s, o->rec);
        }
        c->st.pkts_sent++;
        if (o->s == L4_QUIC_LEVEL_HANDSHAKE)
            c->sent_handshake = 1;
        if (o->type == L4_QUIC_PKT_0RTT)
            qc_early_sent(c, o->rec);
    }
    c->st.bytes_sent += total;
    if (c->is_server && !c->addr_validated)
        c->amp_sent += total;
    qc_path_sent(c, total);
    c->last_send = now;
    /* RFC 9000 §10.1: sending restarts the idle timer only for the first
     * ack-eliciting packet since the last one received. */
    for (int i = 0; i < np; i++)
        if (pk[i].ack_eliciting) {
            if (!c->eliciting_since_rx)
                qc_set_idle(c, now);
            c->eliciting_since_rx = 1;
            break;
        }
    /* RFC 9001 §4.9.1: a client drops Initial keys once it sends Handshake. */
    if (!c->is_server && c->sent_handshake)
        qc_discard_space(c, L4_QUIC_LEVEL_INITIAL);
    return (l4_ssize)total;
}

l4_ssize qc_output_path_response(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_time now)
{
    qc_space *sp = &c->sp[L4_QUIC_LEVEL_APP];
    if (!sp->has_tx || !c->hs_complete)
        return 0;
    size_t limit = cap < c->set.max_datagram ? cap : c->set.max_datagram;
    ob_pkt o;
    l4_quic_cid dcid = c->dcid;
    if (c->resp_dcid_set)
        c->dcid = c->resp_dcid; /* the probed path's own ID (path.c) */
    int rc = ob_begin(c, &o, L4_QUIC_LEVEL_APP, buf, limit);
    c->dcid = dcid;
    if (rc < 0)
        return 0;
    l4_quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = L4_QUIC_FRAME_PATH_RESPONSE;
    memcpy(f.u.path_data, c->path_response, 8);
    if (ob_frame(&o, &f) < 0) {
        free(o.rec);
        return 0;
    }
    if (c->probe_state == 1 && qc_path_eq(&c->probe_path, &c->resp_path)) {
        /* our own challenge of the path the peer probes (path.c) */
        f.type = L4_QUIC_FRAME_PATH_CHALLENGE;
        memcpy(f.u.path_data, c->probe_chal, 8);
        if (ob_frame(&o, &f) == 0) {
            c->probe_state = 2;
            c->st.path_challenges_sent++;
        }
    }
    /* §8.2.2: padded to 1200 bytes, like the challenge it answers */
    size_t total = o.hdr_len + o.len + L4_QUIC_TAG_LEN;
    if (total < L4_QUIC_MIN_INITIAL_LEN && limit >= L4_QUIC_MIN_INITIAL_LEN)
        ob_pad(&o, o.len + (L4_QUIC_MIN_INITIAL_LEN - total));
    const l4_quic_cid *to = c->resp_dcid_set ? &c->resp_dcid : &c->dcid;
    qc_ev_packet(c, L4_QUIC_EV_PACKET_SENT, o.type, o.pn, o.hdr_len + o.len + L4_QUIC_TAG_LEN,
                 o.p + o.hdr_len, o.len, to->data, to->len, NULL, 0, now);
    l4_ssize n = ob_seal(c, &o);
    if (n < 0) {
        free(o.rec);
        return n;
    }
    sp->next_pn++;
    c->tx_ecn = 0; /* another path: not ECN-tested */
    o.rec->t = now;
    o.rec->size = (uint32_t)n;
    o.rec->ack_eliciting = 1;
    o.rec->in_flight = 1;
    qc_on_sent(c, L4_QUIC_LEVEL_APP, o.rec);
    c->st.pkts_sent++;
    c->st.bytes_sent += (uint64_t)n;
    c->path_response_pending = 0;
    c->resp_on_path = 0;
    return n;
}
