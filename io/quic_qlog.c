/* io/quic_qlog.c — qlog 0.3 JSON-SEQ files from QUIC connection events; see quic_qlog.h. */
#include "io/quic_qlog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/quic_frame.h"

typedef struct qlog_file {
    FILE *f;
    l4_time t0;
    uint64_t ack_exp_local, ack_exp_peer; /* ack_delay_exponent of our ACKs / the peer's */
} qlog_file;

/* ---- JSON pieces ----------------------------------------------------------- */

static void q_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(f, "\\u%04x", ch); /* bytes outside ASCII are escaped one by one */
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void q_hex(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

static void q_ms(FILE *f, const char *name, l4_time t)
{
    fprintf(f, "\"%s\":%.3f", name, (double)t / 1e6);
}

static const char *q_pkt_type(int t)
{
    switch (t) {
    case L4_QUIC_PKT_INITIAL:
        return "initial";
    case L4_QUIC_PKT_HANDSHAKE:
        return "handshake";
    case L4_QUIC_PKT_0RTT:
        return "0RTT";
    case L4_QUIC_PKT_1RTT:
        return "1RTT";
    case L4_QUIC_PKT_RETRY:
        return "retry";
    case L4_QUIC_PKT_VN:
        return "version_negotiation";
    default:
        return "unknown";
    }
}

static void q_header(FILE *f, const l4_quic_event *ev)
{
    fprintf(f, "\"header\":{\"packet_type\":\"%s\"", q_pkt_type(ev->pkt_type));
    if (ev->pn != L4_QUIC_PN_NONE)
        fprintf(f, ",\"packet_number\":%" PRIu64, ev->pn);
    if (ev->dcid) {
        fputs(",\"dcid\":", f);
        q_hex(f, ev->dcid->data, ev->dcid->len);
    }
    if (ev->scid) {
        fputs(",\"scid\":", f);
        q_hex(f, ev->scid->data, ev->scid->len);
    }
    fputc('}', f);
}

static const char *q_stream_type(uint64_t type)
{
    return (type & 1) ? "unidirectional" : "bidirectional";
}

static void q_frame(FILE *f, const l4_quic_frame *fr, uint64_t ack_exp)
{
    uint64_t t = fr->type;
    if ((t & ~(uint64_t)7) == L4_QUIC_FRAME_STREAM) {
        fprintf(f,
                "{\"frame_type\":\"stream\",\"stream_id\":%" PRIu64 ",\"offset\":%" PRIu64
                ",\"length\":%zu",
                fr->u.stream.stream_id, fr->u.stream.offset, fr->u.stream.len);
        if (t & L4_QUIC_STREAM_FIN)
            fputs(",\"fin\":true", f);
        fputc('}', f);
        return;
    }
    switch (t) {
    case L4_QUIC_FRAME_PADDING:
        fprintf(f, "{\"frame_type\":\"padding\",\"payload_length\":%zu}", fr->u.padding_len);
        return;
    case L4_QUIC_FRAME_PING:
        fputs("{\"frame_type\":\"ping\"}", f);
        return;
    case L4_QUIC_FRAME_ACK:
    case L4_QUIC_FRAME_ACK_ECN: {
        fputs("{\"frame_type\":\"ack\",", f);
        q_ms(f, "ack_delay", (l4_time)(fr->u.ack.ack_delay << ack_exp) * L4_US);
        fputs(",\"acked_ranges\":[", f);
        l4_quic_ack_iter it;
        l4_quic_ack_iter_init(&it, &fr->u.ack);
        l4_quic_ack_range r;
        int first = 1;
        while (l4_quic_ack_iter_next(&it, &r) == 1) {
            fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", first ? "" : ",", r.smallest, r.largest);
            first = 0;
        }
        fputc(']', f);
        if (t == L4_QUIC_FRAME_ACK_ECN)
            fprintf(f, ",\"ect0\":%" PRIu64 ",\"ect1\":%" PRIu64 ",\"ce\":%" PRIu64, fr->u.ack.ect0,
                    fr->u.ack.ect1, fr->u.ack.ce);
        fputc('}', f);
        return;
    }
    case L4_QUIC_FRAME_RESET_STREAM:
        fprintf(f,
                "{\"frame_type\":\"reset_stream\",\"stream_id\":%" PRIu64 ",\"error_code\":%" PRIu64
                ",\"final_size\":%" PRIu64 "}",
                fr->u.reset_stream.stream_id, fr->u.reset_stream.error_code,
                fr->u.reset_stream.final_size);
        return;
    case L4_QUIC_FRAME_STOP_SENDING:
        fprintf(f,
                "{\"frame_type\":\"stop_sending\",\"stream_id\":%" PRIu64 ",\"error_code\":%" PRIu64
                "}",
                fr->u.stop_sending.stream_id, fr->u.stop_sending.error_code);
        return;
    case L4_QUIC_FRAME_CRYPTO:
        fprintf(f, "{\"frame_type\":\"crypto\",\"offset\":%" PRIu64 ",\"length\":%zu}",
                fr->u.crypto.offset, fr->u.crypto.len);
        return;
    case L4_QUIC_FRAME_NEW_TOKEN:
        fprintf(f, "{\"frame_type\":\"new_token\",\"token\":{\"length\":%zu,\"data\":",
                fr->u.new_token.len);
        q_hex(f, fr->u.new_token.token, fr->u.new_token.len);
        fputs("}}", f);
        return;
    case L4_QUIC_FRAME_MAX_DATA:
        fprintf(f, "{\"frame_type\":\"max_data\",\"maximum\":%" PRIu64 "}", fr->u.value);
        return;
    case L4_QUIC_FRAME_MAX_STREAM_DATA:
        fprintf(f,
                "{\"frame_type\":\"max_stream_data\",\"stream_id\":%" PRIu64 ",\"maximum\":%" PRIu64
                "}",
                fr->u.stream_value.stream_id, fr->u.stream_value.value);
        return;
    case L4_QUIC_FRAME_MAX_STREAMS_BIDI:
    case L4_QUIC_FRAME_MAX_STREAMS_UNI:
        fprintf(f,
                "{\"frame_type\":\"max_streams\",\"stream_type\":\"%s\",\"maximum\":%" PRIu64 "}",
                q_stream_type(t), fr->u.value);
        return;
    case L4_QUIC_FRAME_DATA_BLOCKED:
        fprintf(f, "{\"frame_type\":\"data_blocked\",\"limit\":%" PRIu64 "}", fr->u.value);
        return;
    case L4_QUIC_FRAME_STREAM_DATA_BLOCKED:
        fprintf(f,
                "{\"frame_type\":\"stream_data_blocked\",\"stream_id\":%" PRIu64
                ",\"limit\":%" PRIu64 "}",
                fr->u.stream_value.stream_id, fr->u.stream_value.value);
        return;
    case L4_QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_UNI:
        fprintf(f,
                "{\"frame_type\":\"streams_blocked\",\"stream_type\":\"%s\",\"limit\":%" PRIu64 "}",
                q_stream_type(t), fr->u.value);
        return;
    case L4_QUIC_FRAME_NEW_CONNECTION_ID:
        fprintf(f,
                "{\"frame_type\":\"new_connection_id\",\"sequence_number\":%" PRIu64
                ",\"retire_prior_to\":%" PRIu64 ",\"connection_id_length\":%u,"
                "\"connection_id\":",
                fr->u.new_cid.seq, fr->u.new_cid.retire_prior_to, (unsigned)fr->u.new_cid.cid.len);
        q_hex(f, fr->u.new_cid.cid.data, fr->u.new_cid.cid.len);
        fputs(",\"stateless_reset_token\":{\"data\":", f);
        q_hex(f, fr->u.new_cid.reset_token, L4_QUIC_RESET_TOKEN_LEN);
        fputs("}}", f);
        return;
    case L4_QUIC_FRAME_RETIRE_CONNECTION_ID:
        fprintf(f, "{\"frame_type\":\"retire_connection_id\",\"sequence_number\":%" PRIu64 "}",
                fr->u.value);
        return;
    case L4_QUIC_FRAME_PATH_CHALLENGE:
    case L4_QUIC_FRAME_PATH_RESPONSE:
        fprintf(f, "{\"frame_type\":\"%s\",\"data\":",
                t == L4_QUIC_FRAME_PATH_CHALLENGE ? "path_challenge" : "path_response");
        q_hex(f, fr->u.path_data, L4_QUIC_PATH_DATA_LEN);
        fputc('}', f);
        return;
    case L4_QUIC_FRAME_CONNECTION_CLOSE:
    case L4_QUIC_FRAME_CONNECTION_CLOSE_APP:
        fprintf(
            f,
            "{\"frame_type\":\"connection_close\",\"error_space\":\"%s\",\"error_code\":%" PRIu64
            ",\"raw_error_code\":%" PRIu64 ",\"reason\":",
            t == L4_QUIC_FRAME_CONNECTION_CLOSE ? "transport" : "application",
            fr->u.close.error_code, fr->u.close.error_code);
        q_str(f, (const char *)fr->u.close.reason, fr->u.close.reason_len);
        if (t == L4_QUIC_FRAME_CONNECTION_CLOSE && fr->u.close.frame_type)
            fprintf(f, ",\"trigger_frame_type\":%" PRIu64, fr->u.close.frame_type);
        fputc('}', f);
        return;
    case L4_QUIC_FRAME_HANDSHAKE_DONE:
        fputs("{\"frame_type\":\"handshake_done\"}", f);
        return;
    default:
        fprintf(f, "{\"frame_type\":\"unknown\",\"raw_frame_type\":%" PRIu64 "}", t);
        return;
    }
}

/* ---- events ---------------------------------------------------------------- */

static void q_params(qlog_file *q, const l4_quic_event *ev)
{
    FILE *f = q->f;
    const l4_quic_tp *tp = ev->tp;
    if (ev->local)
        q->ack_exp_local = tp->ack_delay_exponent;
    else
        q->ack_exp_peer = tp->ack_delay_exponent;
    fprintf(f, "\"owner\":\"%s\"", ev->local ? "local" : "remote");
    if (tp->present & L4_QUIC_TP_HAS_INITIAL_SCID) {
        fputs(",\"initial_source_connection_id\":", f);
        q_hex(f, tp->initial_scid.data, tp->initial_scid.len);
    }
    if (tp->present & L4_QUIC_TP_HAS_ORIGINAL_DCID) {
        fputs(",\"original_destination_connection_id\":", f);
        q_hex(f, tp->original_dcid.data, tp->original_dcid.len);
    }
    if (tp->present & L4_QUIC_TP_HAS_RETRY_SCID) {
        fputs(",\"retry_source_connection_id\":", f);
        q_hex(f, tp->retry_scid.data, tp->retry_scid.len);
    }
    if (tp->present & L4_QUIC_TP_HAS_RESET_TOKEN) {
        fputs(",\"stateless_reset_token\":", f);
        q_hex(f, tp->reset_token, sizeof tp->reset_token);
    }
    fprintf(f,
            ",\"disable_active_migration\":%s,\"max_idle_timeout\":%" PRIu64
            ",\"max_udp_payload_size\":%" PRIu64 ",\"ack_delay_exponent\":%" PRIu64
            ",\"max_ack_delay\":%" PRIu64 ",\"active_connection_id_limit\":%" PRIu64
            ",\"initial_max_data\":%" PRIu64 ",\"initial_max_stream_data_bidi_local\":%" PRIu64
            ",\"initial_max_stream_data_bidi_remote\":%" PRIu64
            ",\"initial_max_stream_data_uni\":%" PRIu64 ",\"initial_max_streams_bidi\":%" PRIu64
            ",\"initial_max_streams_uni\":%" PRIu64,
            tp->disable_active_migration ? "true" : "false", tp->max_idle_timeout,
            tp->max_udp_payload_size, tp->ack_delay_exponent, tp->max_ack_delay,
            tp->active_connection_id_limit, tp->initial_max_data,
            tp->initial_max_stream_data_bidi_local, tp->initial_max_stream_data_bidi_remote,
            tp->initial_max_stream_data_uni, tp->initial_max_streams_bidi,
            tp->initial_max_streams_uni);
}

static void q_metrics(FILE *f, const l4_quic_conn_stats *s)
{
    int first = 1;
    if (s->srtt) { /* no RTT sample yet: the RTT fields are left out */
        q_ms(f, "min_rtt", s->min_rtt);
        fputc(',', f);
        q_ms(f, "smoothed_rtt", s->srtt);
        fputc(',', f);
        q_ms(f, "latest_rtt", s->latest_rtt);
        fputc(',', f);
        q_ms(f, "rtt_variance", s->rttvar);
        first = 0;
    }
    fprintf(f,
            "%s\"pto_count\":%" PRIu64 ",\"congestion_window\":%" PRIu64
            ",\"bytes_in_flight\":%" PRIu64,
            first ? "" : ",", s->pto_count_total, s->cwnd, s->bytes_in_flight);
    if (s->ssthresh < (UINT64_C(1) << 62))
        fprintf(f, ",\"ssthresh\":%" PRIu64, s->ssthresh);
    if (s->pacing_rate)
        fprintf(f, ",\"pacing_rate\":%" PRIu64, s->pacing_rate * 8); /* bits per second */
}

static const char *q_event_name(l4_quic_event_type t)
{
    switch (t) {
    case L4_QUIC_EV_PACKET_SENT:
        return "transport:packet_sent";
    case L4_QUIC_EV_PACKET_RECEIVED:
        return "transport:packet_received";
    case L4_QUIC_EV_PACKET_DROPPED:
        return "transport:packet_dropped";
    case L4_QUIC_EV_PACKET_LOST:
        return "recovery:packet_lost";
    case L4_QUIC_EV_METRICS_UPDATED:
        return "recovery:metrics_updated";
    case L4_QUIC_EV_CONGESTION_STATE:
        return "recovery:congestion_state_updated";
    case L4_QUIC_EV_PARAMETERS_SET:
        return "transport:parameters_set";
    case L4_QUIC_EV_CONNECTION_STATE:
        return "connectivity:connection_state_updated";
    }
    return NULL;
}

static void q_event(l4_quic_conn *c, const l4_quic_event *ev, void *user)
{
    qlog_file *q = user;
    FILE *f = q->f;
    (void)c;
    const char *name = q_event_name(ev->type);
    if (!f || !name)
        return;
    l4_time t = ev->now > q->t0 ? ev->now - q->t0 : 0;
    fputc(0x1e, f);
    fputc('{', f);
    q_ms(f, "time", t);
    fprintf(f, ",\"name\":\"%s\",\"data\":{", name);
    switch (ev->type) {
    case L4_QUIC_EV_PACKET_SENT:
    case L4_QUIC_EV_PACKET_RECEIVED: {
        uint64_t exp = ev->type == L4_QUIC_EV_PACKET_SENT ? q->ack_exp_local : q->ack_exp_peer;
        q_header(f, ev);
        fprintf(f, ",\"raw\":{\"length\":%zu},\"frames\":[", ev->pkt_len);
        for (size_t i = 0; i < ev->nframes; i++) {
            if (i)
                fputc(',', f);
            q_frame(f, &ev->frames[i], exp);
        }
        fputc(']', f);
        if (ev->frames_total > ev->nframes)
            fprintf(f, ",\"frames_not_logged\":%zu", ev->frames_total - ev->nframes);
        break;
    }
    case L4_QUIC_EV_PACKET_DROPPED:
        q_header(f, ev);
        fprintf(f, ",\"raw\":{\"length\":%zu},\"trigger\":\"%s\"", ev->pkt_len,
                ev->trigger ? ev->trigger : "unknown");
        break;
    case L4_QUIC_EV_PACKET_LOST:
        q_header(f, ev);
        if (ev->trigger)
            fprintf(f, ",\"trigger\":\"%s\"", ev->trigger);
        break;
    case L4_QUIC_EV_METRICS_UPDATED:
        q_metrics(f, ev->stats);
        break;
    case L4_QUIC_EV_CONGESTION_STATE:
    case L4_QUIC_EV_CONNECTION_STATE:
        if (ev->old_state)
            fprintf(f, "\"old\":\"%s\",", ev->old_state);
        fprintf(f, "\"new\":\"%s\"", ev->new_state);
        if (ev->trigger)
            fprintf(f, ",\"trigger\":\"%s\"", ev->trigger);
        break;
    case L4_QUIC_EV_PARAMETERS_SET:
        q_params(q, ev);
        break;
    }
    fputs("}}\n", f);
    if (ferror(f)) { /* stop at the first failed write */
        fclose(f);
        q->f = NULL;
    }
}

static void q_release(void *user)
{
    qlog_file *q = user;
    if (q->f)
        fclose(q->f);
    free(q);
}

int l4_quic_qlog_attach(l4_quic_conn *c, const char *dir, const char *title, l4_time t0, char *path,
                        size_t pathcap)
{
    if (!c || !dir)
        return L4_ERR_INVALID_ARGUMENT;
    const l4_quic_cid *od = l4_quic_conn_odcid(c);
    int server = l4_quic_conn_is_server(c);
    char name[4096];
    int n = snprintf(name, sizeof name, "%s/", dir);
    for (size_t i = 0; i < od->len && n > 0 && (size_t)n < sizeof name - 3; i++)
        n += snprintf(name + n, sizeof name - (size_t)n, "%02x", od->data[i]);
    if (n < 0 || (size_t)n >= sizeof name - 20)
        return L4_ERR_INVALID_ARGUMENT;
    snprintf(name + n, sizeof name - (size_t)n, "_%s.sqlog", server ? "server" : "client");
    if (path && pathcap) {
        strncpy(path, name, pathcap - 1);
        path[pathcap - 1] = 0;
    }
    qlog_file *q = calloc(1, sizeof *q);
    if (!q)
        return L4_ERR_NOMEM;
    q->f = fopen(name, "w");
    if (!q->f) {
        free(q);
        return L4_ERR_IO;
    }
    q->t0 = t0;
    q->ack_exp_local = q->ack_exp_peer = 3;
    FILE *f = q->f;
    fputs("\x1e{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",\"title\":", f);
    q_str(f, title ? title : "l4kit", strlen(title ? title : "l4kit"));
    fprintf(f, ",\"trace\":{\"vantage_point\":{\"name\":\"l4kit\",\"type\":\"%s\"},",
            server ? "server" : "client");
    fputs("\"common_fields\":{\"protocol_type\":[\"QUIC\"],\"time_format\":\"relative\","
          "\"reference_time\":0,\"group_id\":",
          f);
    q_hex(f, od->data, od->len);
    fputs(",\"ODCID\":", f);
    q_hex(f, od->data, od->len);
    fputs("}}}\n", f);
    l4_quic_conn_set_observer(c, q_event, q_release, q);
    return 0;
}
