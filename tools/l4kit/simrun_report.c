/* tools/l4kit/simrun_report.c — what `l4kit sim` prints: the verdicts, one JSON object, or text. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "json.h"
#include "simrun.h"

static int quic_streams_verified(const simrun_flow *f)
{
    for (int i = 0; i < f->nstreams; i++) {
        const simrun_stream *s = &f->streams[i];
        if (s->bad || !s->fin || s->delivered != s->requested)
            return 0;
    }
    return f->nstreams > 0;
}

int simrun_flow_verified(const simrun_opts *o, const simrun_flow *f)
{
    if (f->bad || f->delivered != f->requested || (o->bytes && f->requested != o->bytes))
        return 0;
    if (o->proto == SIMRUN_TCP)
        return f->eof && !f->rcv_err;
    if (o->proto == SIMRUN_QUIC)
        return f->eof && !f->rcv_err && quic_streams_verified(f);
    return f->dgrams_unique == f->dgrams_sent && !f->dgrams_dup && !f->out_of_order;
}

int simrun_flow_ok(const simrun_opts *o, const simrun_flow *f)
{
    if (!simrun_flow_verified(o, f) || f->snd_err || f->rcv_err)
        return 0;
    if (o->proto == SIMRUN_TCP)
        return f->snd_state == L4_TCP_CLOSED && f->rcv_state == L4_TCP_CLOSED;
    if (o->proto == SIMRUN_QUIC)
        return f->snd_qstate && f->rcv_qstate && !strcmp(f->snd_qstate, "closed") &&
               !strcmp(f->rcv_qstate, "closed") && f->quic_close_by == 1 && f->close_app &&
               f->close_err == 0;
    return 1;
}

static const char *proto_name(int proto)
{
    return proto == SIMRUN_TCP ? "tcp" : proto == SIMRUN_QUIC ? "quic" : "udp";
}

uint64_t simrun_bytes_requested(const simrun_result *r)
{
    uint64_t s = 0;
    for (int i = 0; i < r->nflows; i++)
        s += r->flows[i].requested;
    return s;
}

uint64_t simrun_bytes_delivered(const simrun_result *r)
{
    uint64_t s = 0;
    for (int i = 0; i < r->nflows; i++)
        s += r->flows[i].delivered;
    return s;
}

/* Over the transfer: from the start (t = 0) to the last byte any receiver read. */
double simrun_goodput_mbps(const simrun_result *r)
{
    if (!r->transfer_end)
        return 0;
    return (double)simrun_bytes_delivered(r) * 8 / ((double)r->transfer_end / 1e9) / 1e6;
}

static double flow_goodput(const simrun_flow *f)
{
    return f->last_byte > f->start
               ? (double)f->delivered * 8 / ((double)(f->last_byte - f->start) / 1e9) / 1e6
               : 0;
}

double simrun_flows_jain(const simrun_result *r)
{
    double *x = malloc((size_t)(r->nflows ? r->nflows : 1) * sizeof *x);
    if (!x)
        return 0;
    for (int i = 0; i < r->nflows; i++)
        x[i] = flow_goodput(&r->flows[i]);
    double j = simrun_jain(x, r->nflows);
    free(x);
    return j;
}

int simrun_intervals_csv(const char *path, const simrun_result *r, char *err, size_t errcap)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fputs("t_s,t0_s,total_mbps,jain,active_flows,queue_delay_ms_mean,queue_delay_ms_max,"
          "queue_pkts_mean,queue_pkts_max,drops,marks",
          f);
    for (int i = 0; i < r->nflows; i++)
        fprintf(f, ",flow%d_mbps", i);
    fputc('\n', f);
    for (int k = 0; k < r->niv; k++) {
        const simrun_interval *iv = &r->iv[k];
        fprintf(f, "%.6f,%.6f,%.3f,%.4f,%d,%.3f,%.3f,%.2f,%" PRIu64 ",%" PRIu64 ",%" PRIu64,
                (double)iv->t1 / 1e9, (double)iv->t0 / 1e9, iv->total_mbps, iv->jain, iv->active,
                iv->qdelay_mean_ms, iv->qdelay_max_ms, iv->qpkts_mean, iv->qpkts_max, iv->drops,
                iv->marks);
        for (int i = 0; i < r->nflows; i++)
            fprintf(f, ",%.3f", iv->flow_mbps[i]);
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errcap, "cannot write %s", path);
        return -1;
    }
    return 0;
}

/* TCP: segments sent again; QUIC: ack-eliciting packets declared lost (their frames go again in
   new packets; a lost ACK-only packet is not repaired). */
static uint64_t report_retransmits(const simrun_result *r)
{
    uint64_t s = 0;
    for (int i = 0; i < r->nflows; i++)
        s += r->flows[i].snd_info.retransmits + r->flows[i].rcv_info.retransmits +
             r->flows[i].snd_quic.pkts_retx + r->flows[i].rcv_quic.pkts_retx;
    return s;
}

static double report_srtt_ms(const simrun_result *r)
{
    double s = 0;
    for (int i = 0; i < r->nflows; i++)
        s += (double)(r->flows[i].snd_info.srtt + r->flows[i].snd_quic.srtt) / 1e6;
    return r->nflows ? s / r->nflows : 0;
}

static const char *quic_close_by(int by)
{
    return by == 0 ? "sender" : by == 1 ? "receiver" : by == 2 ? "idle timeout" : "nobody";
}

static void json_quic_flow(FILE *f, const simrun_flow *fl)
{
    const l4_quic_conn_stats *s = &fl->snd_quic, *v = &fl->rcv_quic;
    fputs(",\"odcid\":\"", f);
    for (int i = 0; i < fl->odcid.len; i++)
        fprintf(f, "%02x", fl->odcid.data[i]);
    fputs("\",\"final_state\":{\"sender\":", f);
    json_str(f, fl->snd_qstate);
    fputs(",\"receiver\":", f);
    json_str(f, fl->rcv_qstate);
    fputs("},\"close\":{\"by\":", f);
    json_str(f, quic_close_by(fl->quic_close_by));
    fputs(",\"sender\":", f);
    json_str(f, fl->snd_qclose);
    fputs(",\"receiver\":", f);
    json_str(f, fl->rcv_qclose);
    fprintf(f, ",\"application\":%s,\"code\":%" PRIu64 "}", fl->close_app ? "true" : "false",
            fl->close_err);
    fprintf(f,
            ",\"retransmits\":%" PRIu64 ",\"packets_sent\":%" PRIu64 ",\"packets_lost\":%" PRIu64
            ",\"pto_count\":%" PRIu64 ",\"stream_bytes_retx\":%" PRIu64 ",\"srtt_ms\":%.3f"
            ",\"min_rtt_ms\":%.3f,\"cwnd\":%" PRIu64 ",\"delivery_rate_mbps\":%.3f"
            ",\"receiver_packets_sent\":%" PRIu64 ",\"receiver_packets_lost\":%" PRIu64,
            s->pkts_retx, s->pkts_sent, s->pkts_lost, s->pto_count_total, s->stream_bytes_retx,
            (double)s->srtt / 1e6, (double)s->min_rtt / 1e6, s->cwnd,
            (double)s->delivery_rate * 8 / 1e6, v->pkts_sent, v->pkts_lost);
    fprintf(f,
            ",\"dcid_seq\":%" PRIu64 ",\"cid_switched\":%s,\"sport_rebound\":%u"
            ",\"migrated\":%s,\"client_paths_validated\":%" PRIu64 ",\"server_migrations\":%" PRIu64
            ",\"paths_validated\":%" PRIu64 ",\"path_challenges_sent\":%" PRIu64
            ",\"stateless_resets\":%" PRIu64,
            fl->dcid_seq, fl->cid_switched ? "true" : "false", fl->sport_rebound,
            fl->migrated ? "true" : "false", s->paths_validated, v->migrations, v->paths_validated,
            v->path_challenges_sent, s->stateless_resets);
    fputs(",\"ecn\":", f);
    json_str(f, fl->snd_ecn ? fl->snd_ecn : "off");
    fprintf(f,
            ",\"ecn_marked\":%" PRIu64 ",\"ecn_ce_received\":%" PRIu64
            ",\"ecn_ce_reported\":%" PRIu64,
            s->ecn_marked, v->ecn_ce_recv, s->ecn_ce_reported);
    fputs(",\"streams\":[", f);
    for (int i = 0; i < fl->nstreams; i++) {
        const simrun_stream *st = &fl->streams[i];
        fprintf(f,
                "%s{\"id\":%" PRIu64 ",\"bytes_requested\":%" PRIu64 ",\"bytes_delivered\":%" PRIu64
                ",\"verified\":%s,\"done_seconds\":",
                i ? "," : "", st->id, st->requested, st->delivered,
                !st->bad && st->fin && st->delivered == st->requested ? "true" : "false");
        if (st->fin)
            fprintf(f, "%.9f}", (double)st->done / 1e9);
        else
            fputs("null}", f);
    }
    fputc(']', f);
}

static int report_all_ok(const simrun_opts *o, const simrun_result *r, int verified_only)
{
    for (int i = 0; i < r->nflows; i++)
        if (verified_only ? !simrun_flow_verified(o, &r->flows[i])
                          : !simrun_flow_ok(o, &r->flows[i]))
            return 0;
    return r->nflows > 0;
}

/* {"mean":..,"p50":..,"p99":..,"max":..} of a histogram, scaled; null when empty. */
static void json_dist(FILE *f, const simrun_hist *h, double scale)
{
    if (!h || !h->n) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"mean\":%.4f,\"p50\":%.4f,\"p99\":%.4f,\"max\":%.4f}",
            simrun_hist_mean(h) * scale, simrun_hist_quantile(h, 0.5) * scale,
            simrun_hist_quantile(h, 0.99) * scale, (double)h->max * scale);
}

static void json_link(FILE *f, const l4_link_spec *spec, const l4_link_stats *s,
                      const simrun_hist *qdelay, const simrun_hist *qpkts)
{
    char text[L4_LINK_SPEC_TEXT_MAX];
    if (l4_link_spec_format(spec, text, sizeof text) < 0)
        text[0] = 0;
    fputs("{\"spec\":", f);
    json_str(f, text);
    fprintf(f,
            ",\"offered\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"delivered\":%" PRIu64
            ",\"dropped\":%" PRIu64 ",\"marked\":%" PRIu64 ",\"dropped_loss\":%" PRIu64
            ",\"dropped_queue\":%" PRIu64 ",\"corrupted\":%" PRIu64 ",\"duplicated\":%" PRIu64
            ",\"reordered\":%" PRIu64 ",\"offered_bytes\":%" PRIu64 ",\"sent_bytes\":%" PRIu64
            ",\"delivered_bytes\":%" PRIu64 ",\"queue_hwm_pkts\":%" PRIu64
            ",\"queue_hwm_bytes\":%" PRIu64,
            s->offered_pkts, s->sent_pkts, s->delivered_pkts, s->dropped_loss + s->dropped_queue,
            s->ce_marked, s->dropped_loss, s->dropped_queue, s->corrupted, s->duplicated,
            s->reordered, s->offered_bytes, s->sent_bytes, s->delivered_bytes, s->queue_hwm_pkts,
            s->queue_hwm_bytes);
    fprintf(f, ",\"dropped_timed\":%" PRIu64 ",\"queue_delay_ms\":", s->dropped_timed);
    json_dist(f, qdelay, 1e-6);
    fputs(",\"queue_pkts\":", f);
    json_dist(f, qpkts, 1);
    fputc('}', f);
}

static void json_intervals(FILE *f, const simrun_opts *o, const simrun_result *r)
{
    fprintf(f, ",\"interval_seconds\":%.6f,\"intervals\":[", (double)o->interval / 1e9);
    for (int k = 0; k < r->niv; k++) {
        const simrun_interval *iv = &r->iv[k];
        fprintf(f,
                "%s{\"t0\":%.6f,\"t1\":%.6f,\"total_mbps\":%.3f,\"jain\":%.4f,\"active\":%d,"
                "\"queue_delay_ms_mean\":%.3f,\"queue_delay_ms_max\":%.3f,\"queue_pkts_mean\":%.2f,"
                "\"queue_pkts_max\":%" PRIu64 ",\"drops\":%" PRIu64 ",\"marks\":%" PRIu64
                ",\"flow_mbps\":[",
                k ? "," : "", (double)iv->t0 / 1e9, (double)iv->t1 / 1e9, iv->total_mbps, iv->jain,
                iv->active, iv->qdelay_mean_ms, iv->qdelay_max_ms, iv->qpkts_mean, iv->qpkts_max,
                iv->drops, iv->marks);
        for (int i = 0; i < r->nflows; i++)
            fprintf(f, "%s%.3f", i ? "," : "", iv->flow_mbps[i]);
        fputs("]}", f);
    }
    fputc(']', f);
}

static void json_err(FILE *f, int err)
{
    if (err)
        json_str(f, l4_host_strerror(err));
    else
        fputs("null", f);
}

void simrun_report_json(FILE *f, const simrun_opts *o, const simrun_result *r)
{
    int tcp = o->proto == SIMRUN_TCP, quic = o->proto == SIMRUN_QUIC;
    fprintf(f, "{\"proto\":\"%s\",\"cc\":", proto_name(o->proto));
    json_str(f, tcp || quic ? o->cc : NULL);
    fprintf(f, ",\"seed\":%" PRIu64 ",\"nflows\":%d", o->seed, r->nflows);
    if (tcp)
        fprintf(f, ",\"ecn\":%s", o->ecn ? "true" : "false");
    if (quic)
        fprintf(f, ",\"streams\":%d", o->streams);
    fprintf(f, ",\"bytes_requested\":%" PRIu64 ",\"bytes_delivered\":%" PRIu64,
            simrun_bytes_requested(r), simrun_bytes_delivered(r));
    fprintf(f, ",\"verified\":%s,\"completed\":%s", report_all_ok(o, r, 1) ? "true" : "false",
            report_all_ok(o, r, 0) ? "true" : "false");
    fprintf(f, ",\"sim_seconds\":%.9f,\"transfer_seconds\":%.9f,\"goodput_mbps\":%.3f",
            (double)r->end / 1e9, (double)r->transfer_end / 1e9, simrun_goodput_mbps(r));
    if (tcp) {
        uint64_t rto = 0, fr = 0, tlp = 0, spur = 0, dsack = 0, srto = 0, undo = 0;
        for (int i = 0; i < r->nflows; i++) {
            const l4_tcp_info *s = &r->flows[i].snd_info;
            rto += s->rto_expiries;
            fr += s->fast_retransmits;
            tlp += s->tlp_probes;
            spur += s->spurious_retransmits;
            dsack += s->dsacks_received;
            srto += s->spurious_rtos;
            undo += s->undos;
        }
        fprintf(f,
                ",\"retransmits\":%" PRIu64 ",\"rto_expiries\":%" PRIu64
                ",\"fast_retransmits\":%" PRIu64 ",\"srtt_ms\":%.3f",
                report_retransmits(r), rto, fr, report_srtt_ms(r));
        fprintf(f,
                ",\"tlp_probes\":%" PRIu64 ",\"dsacks_received\":%" PRIu64
                ",\"spurious_retransmits\":%" PRIu64 ",\"spurious_rtos\":%" PRIu64
                ",\"undos\":%" PRIu64,
                tlp, dsack, spur, srto, undo);
    } else if (quic) {
        uint64_t pto = 0, retx = 0, sent = 0;
        for (int i = 0; i < r->nflows; i++) {
            pto += r->flows[i].snd_quic.pto_count_total + r->flows[i].rcv_quic.pto_count_total;
            retx += r->flows[i].snd_quic.stream_bytes_retx;
            sent += r->flows[i].snd_quic.pkts_sent + r->flows[i].rcv_quic.pkts_sent;
        }
        fprintf(f,
                ",\"retransmits\":%" PRIu64 ",\"packets_sent\":%" PRIu64 ",\"pto_count\":%" PRIu64
                ",\"stream_bytes_retx\":%" PRIu64 ",\"srtt_ms\":%.3f",
                report_retransmits(r), sent, pto, retx, report_srtt_ms(r));
        fprintf(f,
                ",\"demux\":{\"routed\":%" PRIu64 ",\"unknown\":%" PRIu64
                "},\"stateless_resets_sent\":%" PRIu64,
                r->demux_routed, r->demux_unknown, r->resets_sent);
        fputs(",\"keylog\":", f);
        json_str(f, o->keylog);
        fputs(",\"qlog\":", f);
        json_str(f, o->qlog);
    } else {
        fputs(",\"retransmits\":0,\"srtt_ms\":null", f);
        fprintf(f, ",\"rate_bps\":%" PRIu64 ",\"payload\":%u", o->rate_bps, o->payload);
    }
    fprintf(f, ",\"timed_out\":%s,\"events\":%" PRIu64, r->timed_out ? "true" : "false", r->events);
    fputs(",\"link\":{\"forward\":", f);
    json_link(f, &o->fwd, &r->fwd, tcp ? &r->qdelay[0] : NULL, tcp ? &r->qpkts[0] : NULL);
    fputs(",\"back\":", f);
    json_link(f, &o->back, &r->back, tcp ? &r->qdelay[1] : NULL, tcp ? &r->qpkts[1] : NULL);
    fputc('}', f);
    if (tcp) {
        fprintf(f, ",\"jain\":%.4f", simrun_flows_jain(r));
        json_intervals(f, o, r);
        fputs(",\"interval_csv\":", f);
        json_str(f, o->interval_csv);
    }
    fputs(",\"pcap\":", f);
    json_str(f, o->pcap);
    fprintf(f, ",\"pcap_packets\":%" PRIu64 ",\"csv\":", r->pcap_records);
    json_str(f, o->csv);
    fprintf(f, ",\"csv_rows\":%" PRIu64 ",\"plot\":", r->samples);
    json_str(f, o->plot);
    fputs(",\"flows\":[", f);
    for (int i = 0; i < r->nflows; i++) {
        const simrun_flow *fl = &r->flows[i];
        fprintf(f,
                "%s{\"flow\":%d,\"sport\":%u,\"bytes_requested\":%" PRIu64
                ",\"bytes_delivered\":%" PRIu64 ",\"verified\":%s,\"completed\":%s"
                ",\"goodput_mbps\":%.3f",
                i ? "," : "", i, fl->sport, fl->requested, fl->delivered,
                simrun_flow_verified(o, fl) ? "true" : "false",
                simrun_flow_ok(o, fl) ? "true" : "false", flow_goodput(fl));
        if (tcp) {
            fputs(",\"cc\":", f);
            json_str(f, simrun_flow_cc(o, i));
            fprintf(f, ",\"start_seconds\":%.6f", (double)fl->start / 1e9);
            fprintf(f, ",\"final_state\":{\"sender\":\"%s\",\"receiver\":\"%s\"}",
                    l4_tcp_state_name(fl->snd_state), l4_tcp_state_name(fl->rcv_state));
            const l4_tcp_info *s = &fl->snd_info;
            fprintf(f,
                    ",\"retransmits\":%" PRIu64 ",\"rto_expiries\":%" PRIu64
                    ",\"fast_retransmits\":%" PRIu64 ",\"srtt_ms\":%.3f,\"segs_out\":%" PRIu64
                    ",\"bytes_retrans\":%" PRIu64 ",\"iss\":%" PRIu32 ",\"irs\":%" PRIu32,
                    s->retransmits, s->rto_expiries, s->fast_retransmits, (double)s->srtt / 1e6,
                    s->segs_out, s->bytes_retrans, s->iss, s->irs);
            fprintf(f, ",\"ecn\":%s,\"ce_received\":%" PRIu64 ",\"ecn_reductions\":%" PRIu64,
                    s->ecn_ok ? "true" : "false", fl->rcv_info.ce_received, s->ecn_reductions);
        } else if (quic) {
            json_quic_flow(f, fl);
        } else {
            fprintf(
                f,
                ",\"final_state\":null,\"datagrams_sent\":%" PRIu64
                ",\"datagrams_received\":%" PRIu64 ",\"datagrams_unique\":%" PRIu64
                ",\"duplicates\":%" PRIu64 ",\"late\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"bad\":%s",
                fl->dgrams_sent, fl->dgrams_rcvd, fl->dgrams_unique, fl->dgrams_dup,
                fl->dgrams_late, fl->dgrams_sent - fl->dgrams_unique, fl->bad ? "true" : "false");
        }
        fputs(",\"sender_error\":", f);
        json_err(f, fl->snd_err);
        fputs(",\"receiver_error\":", f);
        json_err(f, fl->rcv_err);
        fputc('}', f);
    }
    fputs("]}\n", f);
}

static void text_link(FILE *f, const char *name, const l4_link_spec *spec, const l4_link_stats *s)
{
    char text[L4_LINK_SPEC_TEXT_MAX];
    if (l4_link_spec_format(spec, text, sizeof text) < 0)
        text[0] = 0;
    fprintf(f, "  %-8s %s\n", name, text[0] ? text : "(ideal link)");
    fprintf(f,
            "           sent %" PRIu64 ", delivered %" PRIu64 ", lost %" PRIu64
            ", queue drops %" PRIu64 ", CE-marked %" PRIu64 ", corrupted %" PRIu64
            ", duplicated %" PRIu64 ", reordered %" PRIu64 ", most queued %" PRIu64 " pkts\n",
            s->sent_pkts, s->delivered_pkts, s->dropped_loss, s->dropped_queue, s->ce_marked,
            s->corrupted, s->duplicated, s->reordered, s->queue_hwm_pkts);
}

void simrun_report_text(FILE *f, const simrun_opts *o, const simrun_result *r)
{
    int tcp = o->proto == SIMRUN_TCP, quic = o->proto == SIMRUN_QUIC;
    fprintf(f, "l4kit sim: %s%s%s, %d flow%s",
            tcp    ? "TCP"
            : quic ? "QUIC"
                   : "UDP",
            tcp || quic ? " with " : "", tcp || quic ? o->cc : "", r->nflows,
            r->nflows == 1 ? "" : "s");
    if (quic)
        fprintf(f, " of %d stream%s", o->streams, o->streams == 1 ? "" : "s");
    fprintf(f, ", seed %" PRIu64 "\n", o->seed);
    fprintf(f, "  host A 10.0.0.1 (sender) ==== link ====> host B 10.0.0.2:%d (receiver)\n",
            quic ? SIMRUN_QUIC_PORT : SIMRUN_PORT);
    text_link(f, "A -> B", &o->fwd, &r->fwd);
    text_link(f, "B -> A", &o->back, &r->back);
    uint64_t req = simrun_bytes_requested(r), del = simrun_bytes_delivered(r);
    fprintf(f,
            "\n  delivered %" PRIu64 " of %" PRIu64 " bytes (%.2f MiB) in %.3f s: %.3f Mbit/s"
            " goodput\n",
            del, req, (double)req / 1048576.0, (double)r->transfer_end / 1e9,
            simrun_goodput_mbps(r));
    if (!r->transfer_end && del)
        fprintf(f, "  (no virtual time passed: the link has no rate limit and no delay)\n");
    if (tcp) {
        fprintf(f, "  retransmitted segments %" PRIu64 ", mean final srtt %.3f ms\n",
                report_retransmits(r), report_srtt_ms(r));
        const simrun_hist *q = &r->qdelay[0];
        if (q->n)
            fprintf(f,
                    "  queueing delay A -> B: mean %.3f ms, p50 %.3f, p99 %.3f, max %.3f"
                    " (%" PRIu64 " packets)\n",
                    simrun_hist_mean(q) / 1e6, simrun_hist_quantile(q, 0.5) / 1e6,
                    simrun_hist_quantile(q, 0.99) / 1e6, (double)q->max / 1e6, q->n);
        if (r->nflows > 1)
            fprintf(f, "  Jain's fairness index of the flows' goodputs: %.4f\n",
                    simrun_flows_jain(r));
    }
    if (quic)
        fprintf(f,
                "  packets declared lost with frames to send again %" PRIu64
                ", mean final srtt %.3f ms\n",
                report_retransmits(r), report_srtt_ms(r));
    fprintf(f, "  virtual time %.3f s%s, %" PRIu64 " emulator events\n", (double)r->end / 1e9,
            tcp    ? " (the active closer waits 2 MSL in TIME_WAIT)"
            : quic ? " (closing and draining take 3 PTO after the close)"
                   : "",
            r->events);
    int shown = r->nflows < 20 ? r->nflows : 20;
    for (int i = 0; i < shown; i++) {
        const simrun_flow *fl = &r->flows[i];
        fprintf(f, "  flow %d (port %u): %" PRIu64 "/%" PRIu64 " bytes, %.3f Mbit/s", i, fl->sport,
                fl->delivered, fl->requested, flow_goodput(fl));
        if (tcp)
            fprintf(f,
                    ", %s, %" PRIu64 " retransmits (%" PRIu64 " fast, %" PRIu64
                    " timeouts), srtt %.3f ms, final states %s / %s",
                    simrun_flow_cc(o, i), fl->snd_info.retransmits, fl->snd_info.fast_retransmits,
                    fl->snd_info.rto_expiries, (double)fl->snd_info.srtt / 1e6,
                    l4_tcp_state_name(fl->snd_state), l4_tcp_state_name(fl->rcv_state));
        else if (quic)
            fprintf(f,
                    ", %" PRIu64 " packets lost, %" PRIu64 " PTOs, srtt %.3f ms, closed by %s,"
                    " final states %s / %s",
                    fl->snd_quic.pkts_lost, fl->snd_quic.pto_count_total,
                    (double)fl->snd_quic.srtt / 1e6, quic_close_by(fl->quic_close_by),
                    fl->snd_qstate ? fl->snd_qstate : "?", fl->rcv_qstate ? fl->rcv_qstate : "?");
        else
            fprintf(f,
                    ", datagrams sent %" PRIu64 ", received %" PRIu64 " (lost %" PRIu64
                    ", duplicates %" PRIu64 ", late %" PRIu64 ")",
                    fl->dgrams_sent, fl->dgrams_rcvd, fl->dgrams_sent - fl->dgrams_unique,
                    fl->dgrams_dup, fl->dgrams_late);
        if (quic && (fl->cid_switched || fl->sport_rebound))
            fprintf(f,
                    "\n    connection IDs: the client ended on the server's ID #%" PRIu64
                    "%s; path: %s, %" PRIu64 " migration(s) seen by B, %" PRIu64 " validated",
                    fl->dcid_seq, fl->cid_switched ? " (switched)" : "",
                    fl->migrated        ? "the client migrated to a new port (and ID)"
                    : fl->sport_rebound ? "the client's port changed (NAT rebinding)"
                                        : "unchanged",
                    fl->rcv_quic.migrations, fl->rcv_quic.paths_validated);
        fprintf(f, "%s%s%s\n", simrun_flow_verified(o, fl) ? ", verified" : ", NOT verified",
                fl->snd_err ? ", sender error: " : "",
                fl->snd_err ? l4_host_strerror(fl->snd_err) : "");
        if (fl->rcv_err)
            fprintf(f, "    receiver error: %s\n", l4_host_strerror(fl->rcv_err));
    }
    if (shown < r->nflows)
        fprintf(f, "  ... and %d more flows (--json lists them all)\n", r->nflows - shown);
    if (!tcp) {
        uint64_t lost = 0;
        for (int i = 0; i < r->nflows; i++)
            lost += r->flows[i].dgrams_sent - r->flows[i].dgrams_unique;
        if (lost)
            fprintf(f, "  UDP does not retransmit: the %" PRIu64 " datagrams lost stay lost\n",
                    lost);
    }
    if (r->timed_out)
        fprintf(f, "  the time limit (--duration) stopped the run before every flow finished\n");
    if (o->pcap)
        fprintf(f, "  capture (at host A): %s, %" PRIu64 " packets\n", o->pcap, r->pcap_records);
    if (o->csv)
        fprintf(f, "  series: %s, %" PRIu64 " rows\n", o->csv, r->samples);
    if (o->plot)
        fprintf(f, "  plot: %s\n", o->plot);
    if (quic)
        fprintf(f,
                "  B's connection-ID demultiplexer: %" PRIu64 " datagrams routed by ID, %" PRIu64
                " for no known ID (first Initials, Stateless Resets sent: %" PRIu64 ")\n",
                r->demux_routed, r->demux_unknown, r->resets_sent);
    if (quic && o->keylog)
        fprintf(f, "  TLS secrets (SSLKEYLOGFILE format): %s\n", o->keylog);
    int ok = report_all_ok(o, r, 0);
    fprintf(f, "  result: %s\n",
            ok ? (tcp    ? "every flow delivered every byte exactly once, in order, and closed"
                  : quic ? "every stream delivered every byte exactly once, in order; every "
                           "connection closed"
                         : "every datagram arrived exactly once, in order, unaltered")
               : "NOT every flow completed and verified");
}
