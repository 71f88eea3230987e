/* tools/l4kit/dissect_quic_print.c — QUIC packets and frames as text (the line, sub-lines, -v). */
#include "dissect_quic_print.h"

#include <inttypes.h>
#include <string.h>

#define ACK_RANGES_SHOWN 8 /* on the one-line summary; -v shows all */

void disq_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

static void cid(FILE *f, const uint8_t *p, size_t n)
{
    if (!n)
        fputs("-", f);
    else
        disq_hex(f, p, n);
}

/* Printable ASCII of untrusted bytes, at most cap - 1 of them, '?' for others. */
void disq_text_of(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++)
        dst[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    dst[i] = 0;
}

const char *disq_type_name(const disq_pkt *p)
{
    if (p->hdr_err && p->hdr_err != L4_ERR_UNSUPPORTED)
        return p->first & L4_QUIC_HDR_FORM_LONG ? "long header" : "short header";
    if (p->hdr_err == L4_ERR_UNSUPPORTED)
        return "long header";
    if (p->stateless_reset)
        return "Stateless Reset";
    return p->h.type == L4_QUIC_PKT_VN ? "Version Negotiation" : l4_quic_pkt_type_name(p->h.type);
}

static const char *version_name(uint32_t v)
{
    const char *n = dis_quic_version_name(v);
    return n ? n : "unknown";
}

/* ---------------------------------------------------------------- frames as text */

/* The transport parameters a ClientHello or EncryptedExtensions carries (RFC 9000 §18.2). */
static void text_tp(FILE *f, const dis_tls_msg *m)
{
    const l4_quic_tp *t = &m->tp;
    fprintf(f, "\n              transport parameters (%zu bytes)", m->tp_len);
    if (m->tp_err) {
        fprintf(f, " [malformed: %s]", l4_strerror(m->tp_err));
        return;
    }
    fprintf(f,
            ": initial_max_data %" PRIu64 ", initial_max_stream_data bidi_local %" PRIu64
            " bidi_remote %" PRIu64 " uni %" PRIu64 ", initial_max_streams bidi %" PRIu64
            " uni %" PRIu64 ", max_idle_timeout %" PRIu64 " ms, max_udp_payload_size %" PRIu64
            ", ack_delay_exponent %" PRIu64 ", max_ack_delay %" PRIu64
            " ms, active_connection_id_limit %" PRIu64 "%s",
            t->initial_max_data, t->initial_max_stream_data_bidi_local,
            t->initial_max_stream_data_bidi_remote, t->initial_max_stream_data_uni,
            t->initial_max_streams_bidi, t->initial_max_streams_uni, t->max_idle_timeout,
            t->max_udp_payload_size, t->ack_delay_exponent, t->max_ack_delay,
            t->active_connection_id_limit,
            t->disable_active_migration ? ", disable_active_migration" : "");
    if (t->present & L4_QUIC_TP_HAS_INITIAL_SCID) {
        fputs(", initial_source_connection_id ", f);
        cid(f, t->initial_scid.data, t->initial_scid.len);
    }
    if (t->present & L4_QUIC_TP_HAS_ORIGINAL_DCID) {
        fputs(", original_destination_connection_id ", f);
        cid(f, t->original_dcid.data, t->original_dcid.len);
    }
    if (t->present & L4_QUIC_TP_HAS_RETRY_SCID) {
        fputs(", retry_source_connection_id ", f);
        cid(f, t->retry_scid.data, t->retry_scid.len);
    }
    if (t->present & L4_QUIC_TP_HAS_RESET_TOKEN) {
        fputs(", stateless_reset_token ", f);
        disq_hex(f, t->reset_token, sizeof t->reset_token);
    }
    if (t->present & L4_QUIC_TP_HAS_PREFERRED_ADDR)
        fputs(", preferred_address", f);
}

static void text_tls(FILE *f, const disq_dgram *g, const disq_frame *fr, int verbose)
{
    if (!fr->n_tls)
        return;
    fputs(verbose ? "" : " (", f);
    for (size_t i = 0; i < fr->n_tls; i++) {
        const dis_tls_msg *m = &g->tls[fr->tls0 + i];
        const char *n = dis_tls_msg_name(m->type);
        if (verbose)
            fputs("\n            TLS ", f);
        else if (i)
            fputs(", ", f);
        if (n)
            fputs(n, f);
        else
            fprintf(f, "handshake type %d", m->type);
        if (verbose)
            fprintf(f, ": %" PRIu32 " bytes", m->len);
        if (!m->parsed && (m->type == DIS_TLS_CLIENT_HELLO || m->type == DIS_TLS_SERVER_HELLO ||
                           m->type == DIS_TLS_HRR || m->type == DIS_TLS_ENCRYPTED_EXTENSIONS)) {
            fputs(" [malformed]", f);
            continue;
        }
        if (m->type == DIS_TLS_CLIENT_HELLO && verbose) {
            fputs(", random ", f);
            disq_hex(f, m->random, sizeof m->random);
        }
        if (m->sni[0])
            fprintf(f, verbose ? ", server name %s" : " sni=%s", m->sni);
        if (m->alpn[0])
            fprintf(f, verbose ? ", ALPN %s" : " alpn=%s", m->alpn);
        if (m->type == DIS_TLS_SERVER_HELLO || m->type == DIS_TLS_HRR) {
            const char *cn = dis_tls_cipher_name(m->cipher);
            if (cn)
                fprintf(f, verbose ? ", cipher suite %s" : " %s", cn);
            else
                fprintf(f, verbose ? ", cipher suite 0x%04x" : " cipher=0x%04x", m->cipher);
        }
        if (verbose && m->has_tp)
            text_tp(f, m);
    }
    if (!verbose)
        fputs(")", f);
}

static void text_ack(FILE *f, const l4_quic_frame_ack *a, int verbose)
{
    l4_quic_ack_range r[ACK_RANGES_SHOWN];
    size_t n = 0, total = 0;
    l4_quic_ack_iter it;
    l4_quic_ack_range x;
    l4_quic_ack_iter_init(&it, a);
    if (verbose) {
        fprintf(f,
                ": largest %" PRIu64 ", delay %" PRIu64 " (encoded), %" PRIu64
                " more ranges, acknowledged",
                a->largest, a->ack_delay, a->range_count);
        while (l4_quic_ack_iter_next(&it, &x) == 1) {
            if (x.smallest == x.largest)
                fprintf(f, " %" PRIu64, x.largest);
            else
                fprintf(f, " %" PRIu64 "-%" PRIu64, x.smallest, x.largest);
        }
        return;
    }
    /* Ranges come highest first; the line lists them lowest first. */
    while (l4_quic_ack_iter_next(&it, &x) == 1) {
        if (n < ACK_RANGES_SHOWN)
            r[n++] = x;
        total++;
    }
    fputc(' ', f);
    if (total > n)
        fprintf(f, "(%zu older ranges) ", total - n);
    for (size_t i = n; i-- > 0;) {
        if (r[i].smallest == r[i].largest)
            fprintf(f, "%" PRIu64, r[i].largest);
        else
            fprintf(f, "%" PRIu64 "-%" PRIu64, r[i].smallest, r[i].largest);
        if (i)
            fputc(',', f);
    }
}

static void text_close(FILE *f, const l4_quic_frame *fr, int verbose)
{
    const l4_quic_frame_close *c = &fr->u.close;
    char reason[128];
    disq_text_of(reason, sizeof reason, c->reason, c->reason_len);
    if (fr->type == L4_QUIC_FRAME_CONNECTION_CLOSE) {
        const char *n = dis_quic_error_name(c->error_code);
        fprintf(f, verbose ? ": transport error %s (0x%" PRIx64 ")" : " %s (0x%" PRIx64 ")",
                n ? n : "unknown", c->error_code);
        if (c->error_code >= 0x100 && c->error_code <= 0x1ff)
            fprintf(f, verbose ? ", TLS alert %u" : " alert=%u", (unsigned)(c->error_code - 0x100));
        if (c->frame_type)
            fprintf(f, verbose ? ", in frame type 0x%" PRIx64 : " frame=0x%" PRIx64, c->frame_type);
    } else {
        fprintf(f, verbose ? ": application error 0x%" PRIx64 : " application 0x%" PRIx64,
                c->error_code);
    }
    if (c->reason_len || verbose)
        fprintf(f, verbose ? ", reason \"%s\"" : " reason=\"%s\"", reason);
}

/* One frame: compact (`verbose` 0, for the packet's line) or every field. */
static void text_frame(FILE *f, const disq_dgram *g, const disq_pkt *p, const disq_frame *fr,
                       int verbose)
{
    const l4_quic_frame *x = &fr->f;
    uint64_t t = x->type;
    const char *name = t == L4_QUIC_FRAME_TYPE_NONE ? "?" : l4_quic_frame_name(t);
    if (verbose)
        fprintf(f, "\n          frame %s (0x%02" PRIx64 ") at %zu", name, t, fr->off);
    else
        fputs(t >= L4_QUIC_FRAME_STREAM && t <= 0x0f ? "STREAM" : name, f);
    if (fr->err) {
        fprintf(f, " [bad frame: %s; the rest of the payload, %zu bytes, not decoded]",
                l4_strerror(fr->err), p->payload_len - fr->off);
        return;
    }
    switch (t) {
    case L4_QUIC_FRAME_PADDING:
        fprintf(f, verbose ? ": %zu bytes" : " %zu", x->u.padding_len);
        break;
    case L4_QUIC_FRAME_ACK:
    case L4_QUIC_FRAME_ACK_ECN:
        text_ack(f, &x->u.ack, verbose);
        if (t == L4_QUIC_FRAME_ACK_ECN)
            fprintf(f,
                    verbose ? ", ECT(0) %" PRIu64 ", ECT(1) %" PRIu64 ", CE %" PRIu64
                            : " ect0=%" PRIu64 " ect1=%" PRIu64 " ce=%" PRIu64,
                    x->u.ack.ect0, x->u.ack.ect1, x->u.ack.ce);
        break;
    case L4_QUIC_FRAME_RESET_STREAM:
        fprintf(f,
                verbose ? ": stream %" PRIu64 ", error 0x%" PRIx64 ", final size %" PRIu64
                        : " %" PRIu64 " code=0x%" PRIx64 " final=%" PRIu64,
                x->u.reset_stream.stream_id, x->u.reset_stream.error_code,
                x->u.reset_stream.final_size);
        break;
    case L4_QUIC_FRAME_STOP_SENDING:
        fprintf(f,
                verbose ? ": stream %" PRIu64 ", error 0x%" PRIx64 : " %" PRIu64 " code=0x%" PRIx64,
                x->u.stop_sending.stream_id, x->u.stop_sending.error_code);
        break;
    case L4_QUIC_FRAME_CRYPTO:
        fprintf(f, verbose ? ": offset %" PRIu64 ", length %zu" : " off=%" PRIu64 " len=%zu",
                x->u.crypto.offset, x->u.crypto.len);
        text_tls(f, g, fr, verbose);
        break;
    case L4_QUIC_FRAME_NEW_TOKEN:
        fprintf(f, verbose ? ": token %zu bytes" : " len=%zu", x->u.new_token.len);
        break;
    case L4_QUIC_FRAME_MAX_DATA:
    case L4_QUIC_FRAME_MAX_STREAMS_BIDI:
    case L4_QUIC_FRAME_MAX_STREAMS_UNI:
    case L4_QUIC_FRAME_DATA_BLOCKED:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_UNI:
        fprintf(f, verbose ? ": %" PRIu64 : " %" PRIu64, x->u.value);
        break;
    case L4_QUIC_FRAME_RETIRE_CONNECTION_ID:
        fprintf(f, verbose ? ": sequence %" PRIu64 : " seq=%" PRIu64, x->u.value);
        break;
    case L4_QUIC_FRAME_MAX_STREAM_DATA:
    case L4_QUIC_FRAME_STREAM_DATA_BLOCKED:
        fprintf(f, verbose ? ": stream %" PRIu64 ", %" PRIu64 : " %" PRIu64 " %" PRIu64,
                x->u.stream_value.stream_id, x->u.stream_value.value);
        break;
    case L4_QUIC_FRAME_NEW_CONNECTION_ID: {
        const l4_quic_frame_new_cid *n = &x->u.new_cid;
        fprintf(f,
                verbose ? ": sequence %" PRIu64 ", retire prior to %" PRIu64 ", ID "
                        : " seq=%" PRIu64 " retire<%" PRIu64 " cid=",
                n->seq, n->retire_prior_to);
        disq_hex(f, n->cid.data, n->cid.len);
        if (verbose) {
            fprintf(f, " (%u bytes), stateless reset token ", n->cid.len);
            disq_hex(f, n->reset_token, sizeof n->reset_token);
        }
        break;
    }
    case L4_QUIC_FRAME_PATH_CHALLENGE:
    case L4_QUIC_FRAME_PATH_RESPONSE:
        fputs(verbose ? ": data " : " ", f);
        disq_hex(f, x->u.path_data, sizeof x->u.path_data);
        break;
    case L4_QUIC_FRAME_CONNECTION_CLOSE:
    case L4_QUIC_FRAME_CONNECTION_CLOSE_APP:
        text_close(f, x, verbose);
        break;
    default:
        if (t >= L4_QUIC_FRAME_STREAM && t <= 0x0f) {
            const l4_quic_frame_stream *s = &x->u.stream;
            fprintf(f,
                    verbose ? ": stream %" PRIu64 ", offset %" PRIu64 ", length %zu%s"
                            : " %" PRIu64 " off=%" PRIu64 " len=%zu%s",
                    s->stream_id, s->offset, s->len,
                    (t & L4_QUIC_STREAM_FIN) ? (verbose ? ", FIN" : " FIN") : "");
        }
        break;
    }
    if (fr->not_allowed)
        fprintf(f, " [not allowed in %s packets, RFC 9000 §12.4]",
                l4_quic_pkt_type_name(p->h.type));
}

/* ---------------------------------------------------------------- packets as text */

static const char *dec_word(const disq_pkt *p)
{
    switch (p->dec) {
    case DISQ_DEC_NO_KEYS:
    case DISQ_DEC_FAILED:
    case DISQ_DEC_NO_CONN:
        return "cannot decrypt";
    case DISQ_DEC_SHORT:
    case DISQ_DEC_CUT:
        return "not decrypted";
    case DISQ_DEC_VERSION:
        return "not decoded";
    default:
        return "malformed QUIC packet";
    }
}

/* A packet's one-line summary (its header, then its frames). */
static void text_pkt(FILE *f, const disq_dgram *g, const disq_pkt *p)
{
    const l4_quic_hdr *h = &p->h;
    fputs(disq_type_name(p), f);
    if (p->hdr_err && p->hdr_err != L4_ERR_UNSUPPORTED) {
        fprintf(f, " len=%zu [%s: %s]", p->len, dec_word(p), p->why);
        return;
    }
    int is_long = h->type != L4_QUIC_PKT_1RTT;
    if (p->hdr_err == L4_ERR_UNSUPPORTED)
        fprintf(f, " version 0x%08" PRIx32 " (%s)", h->version, version_name(h->version));
    else if (is_long && h->type != L4_QUIC_PKT_VN)
        fputs(" v1", f);
    fputs(" DCID=", f);
    cid(f, h->dcid, h->dcid_len);
    if (is_long) {
        fputs(" SCID=", f);
        cid(f, h->scid, h->scid_len);
    }
    if (p->hdr_err == L4_ERR_UNSUPPORTED) {
        fprintf(f, " len=%zu [%s: %s]", p->len, dec_word(p), p->why);
        return;
    }
    if (h->type == L4_QUIC_PKT_VN) {
        fputs(" versions", f);
        for (size_t i = 0; i < h->n_versions; i++) {
            uint32_t v = (uint32_t)h->versions[4 * i] << 24 |
                         (uint32_t)h->versions[4 * i + 1] << 16 |
                         (uint32_t)h->versions[4 * i + 2] << 8 | h->versions[4 * i + 3];
            const char *n = dis_quic_version_name(v);
            fprintf(f, "%s0x%08" PRIx32 "%s%s%s", i ? "," : " ", v, n ? " (" : "", n ? n : "",
                    n ? ")" : "");
        }
        return;
    }
    if (h->type == L4_QUIC_PKT_RETRY) {
        fprintf(f, " token=%zu tag %s", h->token_len,
                p->retry_tag == 1   ? "ok"
                : p->retry_tag == 0 ? "BAD (does not verify with the client's first DCID)"
                                    : "unverified (the client's Initial was not seen)");
        return;
    }
    if (h->type == L4_QUIC_PKT_INITIAL)
        fprintf(f, " token=%zu", h->token_len);
    if (is_long)
        fprintf(f, " len=%" PRIu64, h->length);
    else
        fprintf(f, " spin=%d", (h->first & L4_QUIC_HDR_SPIN_BIT) ? 1 : 0);
    if (p->stateless_reset) {
        fprintf(f, " (%zu bytes; its last 16 are a reset token the peer announced)", p->len);
        return;
    }
    if (p->dec != DISQ_DEC_OK) {
        if (!is_long)
            fprintf(f, " len=%zu", p->len);
        fprintf(f, " [%s: %s]", dec_word(p), p->why);
        return;
    }
    if (!is_long)
        fprintf(f, " kp=%d", p->key_phase);
    fprintf(f, " pn=%" PRIu64 ":", p->pn);
    for (size_t i = 0; i < p->n_frames; i++) {
        fputs(i ? ", " : " ", f);
        text_frame(f, g, p, &g->frames[p->frame0 + i], 0);
    }
    if (!p->n_frames)
        fputs(" no frames [PROTOCOL_VIOLATION, RFC 9000 §12.4]", f);
}

static void text_rest(FILE *f, const disq_dgram *g)
{
    if (g->more_pkts)
        fprintf(f, "more packets, %zu bytes, not decoded (at most %d per datagram)", g->rest,
                DISQ_MAX_PKTS);
    else if (g->rest_err)
        fprintf(f, "%zu bytes after the last packet [not a QUIC packet: %s]", g->rest,
                l4_strerror(g->rest_err));
    else
        fprintf(f, "%zu bytes of zeros after the last packet", g->rest);
}

void disq_text_line(FILE *f, const disq_dgram *g, size_t udp_len)
{
    fprintf(f, " len=%zu", udp_len);
    if (g->n_pkts == 1 && !g->rest) {
        fputc(' ', f);
        text_pkt(f, g, &g->pkts[0]);
    } else {
        size_t n = g->n_pkts + g->more_pkts;
        fprintf(f, ", %zu packet%s", n, n == 1 ? "" : "s");
        if (g->gso)
            fprintf(f, " in %zu datagrams of %zu bytes sent with GSO (captured as one)",
                    (udp_len + g->gso - 1) / g->gso, g->gso);
    }
}

void disq_text_sublines(FILE *f, const disq_dgram *g)
{
    if (g->n_pkts == 1 && !g->rest)
        return;
    for (size_t i = 0; i < g->n_pkts; i++) {
        fputs("        ", f);
        text_pkt(f, g, &g->pkts[i]);
        fputc('\n', f);
    }
    if (g->rest) {
        fputs("        ", f);
        text_rest(f, g);
        fputc('\n', f);
    }
}

/* ---------------------------------------------------------------- -v */

static void verbose_first(FILE *f, const disq_pkt *p)
{
    const l4_quic_hdr *h = &p->h;
    uint8_t b = p->dec == DISQ_DEC_OK ? p->first : h->first;
    int clear = p->dec == DISQ_DEC_OK;
    fprintf(f, "first byte 0x%02x (%s header, fixed bit %d%s", b,
            (b & L4_QUIC_HDR_FORM_LONG) ? "long" : "short", (b & L4_QUIC_HDR_FIXED_BIT) ? 1 : 0,
            p->greased ? " (greased, RFC 9287)" : "");
    if (b & L4_QUIC_HDR_FORM_LONG) {
        if (h->type != L4_QUIC_PKT_VN)
            fprintf(f, ", type %u (%s)", (b >> 4) & 3, disq_type_name(p));
        if (clear)
            fprintf(f, ", reserved bits %u, packet number length %zu", (b >> 2) & 3, p->pn_len);
        else if (h->type != L4_QUIC_PKT_VN && h->type != L4_QUIC_PKT_RETRY)
            fputs(", low 4 bits under header protection", f);
    } else {
        fprintf(f, ", spin bit %d", (b & L4_QUIC_HDR_SPIN_BIT) ? 1 : 0);
        if (clear)
            fprintf(f, ", reserved bits %u, key phase %d, packet number length %zu", (b >> 3) & 3,
                    p->key_phase, p->pn_len);
        else
            fputs(", low 5 bits under header protection", f);
    }
    fputs(")", f);
    if (clear && (b & L4_QUIC_HDR_FORM_LONG ? (b & 0x0c) : (b & 0x18)))
        fputs(" [reserved bits not 0: PROTOCOL_VIOLATION, RFC 9000 §17.2]", f);
}

void disq_text_verbose(FILE *f, const disq_dgram *g)
{
    for (size_t i = 0; i < g->n_pkts; i++) {
        const disq_pkt *p = &g->pkts[i];
        const l4_quic_hdr *h = &p->h;
        fprintf(f, "        QUIC packet %zu of %zu: %s, bytes %zu-%zu of the datagram", i + 1,
                g->n_pkts + g->more_pkts, disq_type_name(p), p->off, p->off + p->len - 1);
        if (g->gso)
            fprintf(f, " (GSO segment %zu)", p->off / g->gso + 1);
        fprintf(f, "%s\n",
                p->from_client == 1   ? ", client to server"
                : p->from_client == 0 ? ", server to client"
                                      : "");
        if (p->hdr_err && p->hdr_err != L4_ERR_UNSUPPORTED) {
            fprintf(f, "          first byte 0x%02x [malformed: %s]\n", p->first, p->why);
            continue;
        }
        fputs("          ", f);
        verbose_first(f, p);
        if (h->type != L4_QUIC_PKT_1RTT)
            fprintf(f, ", version 0x%08" PRIx32 " (%s)", h->version, version_name(h->version));
        fprintf(f, "\n          DCID ");
        cid(f, h->dcid, h->dcid_len);
        fprintf(f, " (%zu bytes)", h->dcid_len);
        if (h->type != L4_QUIC_PKT_1RTT) {
            fputs(", SCID ", f);
            cid(f, h->scid, h->scid_len);
            fprintf(f, " (%zu bytes)", h->scid_len);
        }
        if (h->type == L4_QUIC_PKT_INITIAL || h->type == L4_QUIC_PKT_RETRY) {
            fprintf(f, ", token %zu bytes", h->token_len);
            if (h->token_len) {
                fputs(" ", f);
                disq_hex(f, h->token, h->token_len > 32 ? 32 : h->token_len);
                if (h->token_len > 32)
                    fputs("...", f);
            }
        }
        if (h->type == L4_QUIC_PKT_INITIAL || h->type == L4_QUIC_PKT_0RTT ||
            h->type == L4_QUIC_PKT_HANDSHAKE)
            fprintf(f, ", Length %" PRIu64, h->length);
        if (h->type == L4_QUIC_PKT_RETRY) {
            fputs(", integrity tag ", f);
            disq_hex(f, h->retry_tag, L4_QUIC_RETRY_TAG_LEN);
            fputs(p->retry_tag == 1   ? " (verified)"
                  : p->retry_tag == 0 ? " (does NOT verify)"
                                      : " (unverified: no Initial of the client seen)",
                  f);
        }
        if (h->type == L4_QUIC_PKT_VN) {
            fputs(", supported versions", f);
            for (size_t k = 0; k < h->n_versions; k++) {
                const uint8_t *v = h->versions + 4 * k;
                fprintf(f, " 0x%02x%02x%02x%02x", v[0], v[1], v[2], v[3]);
            }
        }
        fputs("\n", f);
        if (p->stateless_reset) {
            fputs("          a Stateless Reset (RFC 9000 §10.3): its last 16 bytes are a token "
                  "announced in NEW_CONNECTION_ID\n",
                  f);
            continue;
        }
        if (p->dec == DISQ_DEC_NONE)
            continue;
        if (p->dec != DISQ_DEC_OK) {
            fprintf(f, "          [%s: %s]\n", dec_word(p), p->why);
            continue;
        }
        fprintf(f, "          packet number %" PRIu64 " (%zu bytes), %s", p->pn, p->pn_len,
                p->aead);
        if (h->type == L4_QUIC_PKT_1RTT)
            fprintf(f, ", key generation %" PRIu64, p->key_gen);
        fprintf(f, ", payload %zu bytes + 16-byte tag, %zu frame%s", p->payload_len, p->n_frames,
                p->n_frames == 1 ? "" : "s");
        for (size_t k = 0; k < p->n_frames; k++)
            text_frame(f, g, p, &g->frames[p->frame0 + k], 1);
        fputs("\n", f);
    }
    if (g->rest) {
        fputs("        ", f);
        text_rest(f, g);
        fputs("\n", f);
    }
}
