/* tools/l4kit/dissect_quic_json.c — the QUIC packets of a datagram as the "quic" member of
 * `l4kit dissect --json`'s packet objects. */
#include <inttypes.h>

#include "dissect_quic_print.h"
#include "json.h"

static void json_hex(FILE *f, const char *key, const uint8_t *p, size_t n)
{
    fprintf(f, ",\"%s\":\"", key);
    disq_hex(f, p, n);
    fputc('"', f);
}

static void json_tp(FILE *f, const dis_tls_msg *m)
{
    const l4_quic_tp *t = &m->tp;
    fprintf(f, ",\"transport_parameters\":{\"len\":%zu", m->tp_len);
    if (m->tp_err) {
        fputs(",\"error\":", f);
        json_str(f, l4_strerror(m->tp_err));
        fputs("}", f);
        return;
    }
    fprintf(f,
            ",\"initial_max_data\":%" PRIu64 ",\"initial_max_stream_data_bidi_local\":%" PRIu64
            ",\"initial_max_stream_data_bidi_remote\":%" PRIu64
            ",\"initial_max_stream_data_uni\":%" PRIu64 ",\"initial_max_streams_bidi\":%" PRIu64
            ",\"initial_max_streams_uni\":%" PRIu64 ",\"max_idle_timeout\":%" PRIu64
            ",\"max_udp_payload_size\":%" PRIu64 ",\"ack_delay_exponent\":%" PRIu64
            ",\"max_ack_delay\":%" PRIu64 ",\"active_connection_id_limit\":%" PRIu64
            ",\"disable_active_migration\":%s",
            t->initial_max_data, t->initial_max_stream_data_bidi_local,
            t->initial_max_stream_data_bidi_remote, t->initial_max_stream_data_uni,
            t->initial_max_streams_bidi, t->initial_max_streams_uni, t->max_idle_timeout,
            t->max_udp_payload_size, t->ack_delay_exponent, t->max_ack_delay,
            t->active_connection_id_limit, t->disable_active_migration ? "true" : "false");
    if (t->present & L4_QUIC_TP_HAS_INITIAL_SCID)
        json_hex(f, "initial_source_connection_id", t->initial_scid.data, t->initial_scid.len);
    if (t->present & L4_QUIC_TP_HAS_ORIGINAL_DCID)
        json_hex(f, "original_destination_connection_id", t->original_dcid.data,
                 t->original_dcid.len);
    if (t->present & L4_QUIC_TP_HAS_RETRY_SCID)
        json_hex(f, "retry_source_connection_id", t->retry_scid.data, t->retry_scid.len);
    if (t->present & L4_QUIC_TP_HAS_RESET_TOKEN)
        json_hex(f, "stateless_reset_token", t->reset_token, sizeof t->reset_token);
    if (t->present & L4_QUIC_TP_HAS_PREFERRED_ADDR)
        fputs(",\"preferred_address\":true", f);
    fputs("}", f);
}

static void json_tls(FILE *f, const disq_dgram *g, const disq_frame *fr)
{
    fputs(",\"tls\":[", f);
    for (size_t i = 0; i < fr->n_tls; i++) {
        const dis_tls_msg *m = &g->tls[fr->tls0 + i];
        fprintf(f, "%s{\"type\":%d,\"name\":", i ? "," : "", m->type == DIS_TLS_HRR ? 2 : m->type);
        json_str(f, dis_tls_msg_name(m->type));
        fprintf(f, ",\"len\":%" PRIu32, m->len);
        if (m->type == DIS_TLS_CLIENT_HELLO && m->parsed)
            json_hex(f, "random", m->random, sizeof m->random);
        if (m->sni[0]) {
            fputs(",\"sni\":", f);
            json_str(f, m->sni);
        }
        if (m->alpn[0]) {
            fputs(",\"alpn\":", f);
            json_str(f, m->alpn);
        }
        if ((m->type == DIS_TLS_SERVER_HELLO || m->type == DIS_TLS_HRR) && m->parsed) {
            fprintf(f, ",\"cipher_suite\":%u,\"cipher\":", m->cipher);
            json_str(f, dis_tls_cipher_name(m->cipher));
        }
        if (m->has_tp)
            json_tp(f, m);
        fputs("}", f);
    }
    fputs("]", f);
}

static void json_frame(FILE *f, const disq_dgram *g, const disq_frame *fr)
{
    const l4_quic_frame *x = &fr->f;
    uint64_t t = x->type;
    if (t == L4_QUIC_FRAME_TYPE_NONE)
        fputs("{\"type\":null,\"name\":null", f);
    else {
        fprintf(f, "{\"type\":%" PRIu64 ",\"name\":", t);
        json_str(f, t >= L4_QUIC_FRAME_STREAM && t <= 0x0f ? "STREAM" : l4_quic_frame_name(t));
    }
    fprintf(f, ",\"offset_in_payload\":%zu", fr->off);
    if (fr->err) {
        fputs(",\"error\":", f);
        json_str(f, l4_strerror(fr->err));
        fputs("}", f);
        return;
    }
    if (fr->not_allowed)
        fputs(",\"not_allowed\":true", f);
    switch (t) {
    case L4_QUIC_FRAME_PADDING:
        fprintf(f, ",\"len\":%zu", x->u.padding_len);
        break;
    case L4_QUIC_FRAME_ACK:
    case L4_QUIC_FRAME_ACK_ECN: {
        const l4_quic_frame_ack *a = &x->u.ack;
        fprintf(f,
                ",\"largest\":%" PRIu64 ",\"ack_delay\":%" PRIu64 ",\"first_range\":%" PRIu64
                ",\"ranges\":[",
                a->largest, a->ack_delay, a->first_range);
        l4_quic_ack_iter it;
        l4_quic_ack_range r;
        l4_quic_ack_iter_init(&it, a);
        for (int k = 0; l4_quic_ack_iter_next(&it, &r) == 1; k++)
            fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", k ? "," : "", r.smallest, r.largest);
        fputs("]", f);
        if (t == L4_QUIC_FRAME_ACK_ECN)
            fprintf(f, ",\"ect0\":%" PRIu64 ",\"ect1\":%" PRIu64 ",\"ce\":%" PRIu64, a->ect0,
                    a->ect1, a->ce);
        break;
    }
    case L4_QUIC_FRAME_RESET_STREAM:
        fprintf(f, ",\"stream_id\":%" PRIu64 ",\"error_code\":%" PRIu64 ",\"final_size\":%" PRIu64,
                x->u.reset_stream.stream_id, x->u.reset_stream.error_code,
                x->u.reset_stream.final_size);
        break;
    case L4_QUIC_FRAME_STOP_SENDING:
        fprintf(f, ",\"stream_id\":%" PRIu64 ",\"error_code\":%" PRIu64,
                x->u.stop_sending.stream_id, x->u.stop_sending.error_code);
        break;
    case L4_QUIC_FRAME_CRYPTO:
        fprintf(f, ",\"offset\":%" PRIu64 ",\"len\":%zu", x->u.crypto.offset, x->u.crypto.len);
        json_tls(f, g, fr);
        break;
    case L4_QUIC_FRAME_NEW_TOKEN:
        fprintf(f, ",\"len\":%zu", x->u.new_token.len);
        break;
    case L4_QUIC_FRAME_MAX_DATA:
    case L4_QUIC_FRAME_MAX_STREAMS_BIDI:
    case L4_QUIC_FRAME_MAX_STREAMS_UNI:
    case L4_QUIC_FRAME_DATA_BLOCKED:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_UNI:
        fprintf(f, ",\"value\":%" PRIu64, x->u.value);
        break;
    case L4_QUIC_FRAME_RETIRE_CONNECTION_ID:
        fprintf(f, ",\"seq\":%" PRIu64, x->u.value);
        break;
    case L4_QUIC_FRAME_MAX_STREAM_DATA:
    case L4_QUIC_FRAME_STREAM_DATA_BLOCKED:
        fprintf(f, ",\"stream_id\":%" PRIu64 ",\"value\":%" PRIu64, x->u.stream_value.stream_id,
                x->u.stream_value.value);
        break;
    case L4_QUIC_FRAME_NEW_CONNECTION_ID: {
        const l4_quic_frame_new_cid *n = &x->u.new_cid;
        fprintf(f, ",\"seq\":%" PRIu64 ",\"retire_prior_to\":%" PRIu64, n->seq, n->retire_prior_to);
        json_hex(f, "cid", n->cid.data, n->cid.len);
        json_hex(f, "reset_token", n->reset_token, sizeof n->reset_token);
        break;
    }
    case L4_QUIC_FRAME_PATH_CHALLENGE:
    case L4_QUIC_FRAME_PATH_RESPONSE:
        json_hex(f, "data", x->u.path_data, sizeof x->u.path_data);
        break;
    case L4_QUIC_FRAME_CONNECTION_CLOSE:
    case L4_QUIC_FRAME_CONNECTION_CLOSE_APP: {
        const l4_quic_frame_close *c = &x->u.close;
        char reason[256];
        disq_text_of(reason, sizeof reason, c->reason, c->reason_len);
        fprintf(f, ",\"error_code\":%" PRIu64, c->error_code);
        if (t == L4_QUIC_FRAME_CONNECTION_CLOSE) {
            fputs(",\"error_name\":", f);
            json_str(f, dis_quic_error_name(c->error_code));
            fprintf(f, ",\"frame_type\":%" PRIu64, c->frame_type);
        }
        fputs(",\"reason\":", f);
        json_str(f, reason);
        break;
    }
    default:
        if (t >= L4_QUIC_FRAME_STREAM && t <= 0x0f)
            fprintf(f, ",\"stream_id\":%" PRIu64 ",\"offset\":%" PRIu64 ",\"len\":%zu,\"fin\":%s",
                    x->u.stream.stream_id, x->u.stream.offset, x->u.stream.len,
                    (t & L4_QUIC_STREAM_FIN) ? "true" : "false");
        break;
    }
    fputs("}", f);
}

static void json_pkt(FILE *f, const disq_dgram *g, const disq_pkt *p)
{
    const l4_quic_hdr *h = &p->h;
    fprintf(f, "{\"offset\":%zu,\"size\":%zu", p->off, p->len);
    if (p->from_client >= 0)
        fprintf(f, ",\"from\":\"%s\"", p->from_client ? "client" : "server");
    if (p->hdr_err && p->hdr_err != L4_ERR_UNSUPPORTED) {
        fprintf(f, ",\"header\":\"%s\",\"first_byte\":%u,\"error\":",
                (p->first & L4_QUIC_HDR_FORM_LONG) ? "long" : "short", p->first);
        json_str(f, p->why);
        fputs("}", f);
        return;
    }
    int is_long = h->type != L4_QUIC_PKT_1RTT;
    fprintf(f, ",\"header\":\"%s\",\"type\":", is_long ? "long" : "short");
    json_str(f, p->hdr_err ? "unknown" : disq_type_name(p));
    fprintf(f, ",\"first_byte\":%u", p->dec == DISQ_DEC_OK ? p->first : h->first);
    if (p->greased)
        fputs(",\"greased_fixed_bit\":true", f);
    if (is_long) {
        fprintf(f, ",\"version\":%" PRIu32 ",\"version_name\":", h->version);
        json_str(f, dis_quic_version_name(h->version));
    }
    json_hex(f, "dcid", h->dcid, h->dcid_len);
    if (is_long)
        json_hex(f, "scid", h->scid, h->scid_len);
    else
        fprintf(f, ",\"spin\":%d", (h->first & L4_QUIC_HDR_SPIN_BIT) ? 1 : 0);
    if (!p->hdr_err) {
        if (h->type == L4_QUIC_PKT_INITIAL || h->type == L4_QUIC_PKT_RETRY)
            fprintf(f, ",\"token_len\":%zu", h->token_len);
        if (h->type == L4_QUIC_PKT_INITIAL || h->type == L4_QUIC_PKT_0RTT ||
            h->type == L4_QUIC_PKT_HANDSHAKE)
            fprintf(f, ",\"length\":%" PRIu64, h->length);
        if (h->type == L4_QUIC_PKT_RETRY)
            fprintf(f, ",\"retry_tag\":%s",
                    p->retry_tag == 1   ? "\"ok\""
                    : p->retry_tag == 0 ? "\"bad\""
                                        : "null");
        if (h->type == L4_QUIC_PKT_VN) {
            fputs(",\"versions\":[", f);
            for (size_t k = 0; k < h->n_versions; k++) {
                const uint8_t *v = h->versions + 4 * k;
                fprintf(f, "%s%" PRIu32, k ? "," : "",
                        (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3]);
            }
            fputs("]", f);
        }
    }
    if (p->stateless_reset)
        fputs(",\"stateless_reset\":true", f);
    if (p->dec == DISQ_DEC_NONE) {
        fputs("}", f);
        return;
    }
    fprintf(f, ",\"decrypted\":%s", p->dec == DISQ_DEC_OK ? "true" : "false");
    if (p->dec != DISQ_DEC_OK) {
        fputs(",\"error\":", f);
        json_str(f, p->why);
        fputs("}", f);
        return;
    }
    fprintf(f, ",\"pn\":%" PRIu64 ",\"pn_len\":%zu,\"aead\":", p->pn, p->pn_len);
    json_str(f, p->aead);
    if (!is_long)
        fprintf(f, ",\"key_phase\":%d,\"key_generation\":%" PRIu64, p->key_phase, p->key_gen);
    fprintf(f, ",\"reserved_bits\":%u,\"payload_len\":%zu,\"frames\":[",
            is_long ? (p->first >> 2) & 3 : (p->first >> 3) & 3, p->payload_len);
    for (size_t k = 0; k < p->n_frames; k++) {
        if (k)
            fputs(",", f);
        json_frame(f, g, &g->frames[p->frame0 + k]);
    }
    fputs("]}", f);
}

void disq_json(FILE *f, const disq_dgram *g)
{
    fputs(",\"quic\":{\"packets\":[", f);
    for (size_t i = 0; i < g->n_pkts; i++) {
        if (i)
            fputs(",", f);
        json_pkt(f, g, &g->pkts[i]);
    }
    fputs("]", f);
    if (g->gso)
        fprintf(f, ",\"gso_segment_size\":%zu", g->gso);
    if (g->more_pkts)
        fprintf(f, ",\"more_packets\":true");
    if (g->rest) {
        fprintf(f, ",\"rest\":%zu,\"rest_error\":", g->rest);
        json_str(f, g->more_pkts ? "not decoded" : g->rest_err ? l4_strerror(g->rest_err) : NULL);
    }
    fputs("}", f);
}
