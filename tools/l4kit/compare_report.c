/*
 * tools/l4kit/compare_report.c — what `l4kit compare` prints: the table
 * with its legend, one JSON object, the delivery curves as CSV and SVG.
 * Every figure is derived once, in cmp_metrics, for all four outputs.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "json.h"
#include "plot.h"

/* Head-of-line waits summed over a connection's streams. */
typedef struct cmp_hol {
    int streams;
    uint64_t bytes, waited;
    double mean_ms, max_ms;
    /* QUIC: the same arrivals as one ordered byte stream */
    uint64_t one_waited;
    double one_mean_ms, one_max_ms;
} cmp_hol;

/* One protocol's row values. Times in ms; has_* 0 when the thing never happened. */
typedef struct cmp_metrics {
    int has_setup, has_ttfb, has_srtt, has_hol;
    double setup_ms, ttfb_ms, completion_ms, srtt_ms;
    double goodput_mbps;
    uint64_t requested, delivered; /* by A's / B's application */
    uint64_t transfer;             /* the bytes asked for (the denominator of the shares) */
    int verified, completed, has_last;
    uint64_t retx_bytes, retx_pkts;
    uint64_t pkts[2], wire[2]; /* [0] A -> B, [1] B -> A: what the sender put on the link */
    uint64_t checksum_drops;   /* B: IPv4 header, TCP or UDP checksum failures */
    /* UDP */
    uint64_t dgrams_sent, dgrams_unique, dgrams_lost, dgrams_dup, dgrams_late;
    int bad;
    cmp_hol hol;
} cmp_metrics;

static double ms(l4_time t)
{
    return (double)t / 1e6;
}

static void cmp_metrics_of(const compare *c, int k, cmp_metrics *m)
{
    const compare_proto *p = &c->p[k];
    const simrun_flow *f = &p->r.flows[0];
    memset(m, 0, sizeof *m);
    m->requested = f->requested;
    m->delivered = f->delivered;
    m->transfer = c->bytes;
    m->has_last = f->delivered > 0;
    m->verified = simrun_flow_verified(&p->o, f);
    m->completed = simrun_flow_ok(&p->o, f);
    m->has_setup = f->setup_done;
    m->setup_ms = ms(f->setup_at);
    m->has_ttfb = f->got_first_byte;
    m->ttfb_ms = ms(f->first_byte);
    m->completion_ms = ms(p->r.transfer_end);
    m->goodput_mbps = simrun_goodput_mbps(&p->r);
    m->pkts[0] = p->r.fwd.offered_pkts;
    m->pkts[1] = p->r.back.offered_pkts;
    m->wire[0] = p->r.fwd.offered_bytes;
    m->wire[1] = p->r.back.offered_bytes;
    const l4_host_stats *hs = &p->r.rcv_host;
    m->checksum_drops = hs->ip_bad_checksum + (k == COMPARE_TCP ? hs->tcp_bad : hs->udp_bad);
    if (k == COMPARE_TCP) {
        m->retx_bytes = f->snd_info.bytes_retrans;
        m->retx_pkts = f->snd_info.retransmits;
        m->has_srtt = f->snd_info.srtt > 0;
        m->srtt_ms = ms(f->snd_info.srtt);
    } else if (k == COMPARE_QUIC) {
        m->retx_bytes = f->snd_quic.stream_bytes_retx;
        m->retx_pkts = f->snd_quic.pkts_retx;
        m->has_srtt = f->snd_quic.srtt > 0;
        m->srtt_ms = ms(f->snd_quic.srtt);
    } else {
        m->dgrams_sent = f->dgrams_sent;
        m->dgrams_unique = f->dgrams_unique;
        m->dgrams_lost = f->dgrams_sent - f->dgrams_unique;
        m->dgrams_dup = f->dgrams_dup;
        m->dgrams_late = f->dgrams_late;
        m->bad = f->bad;
    }
    if (p->hres) {
        cmp_hol *h = &m->hol;
        double sum = 0, one_sum = 0;
        l4_time max = 0, one_max = 0;
        h->streams = p->hol.nstreams;
        for (int s = 0; s < p->hol.nstreams; s++) {
            const hol_result *r = &p->hres[s];
            m->has_hol |= r->arrived > 0;
            h->bytes += r->bytes;
            h->waited += r->waited;
            h->one_waited += r->one_waited;
            sum += r->wait_sum;
            one_sum += r->one_wait_sum;
            max = r->max_wait > max ? r->max_wait : max;
            one_max = r->one_max_wait > one_max ? r->one_max_wait : one_max;
        }
        h->mean_ms = h->bytes ? sum / (double)h->bytes / 1e6 : 0;
        h->max_ms = ms(max);
        h->one_mean_ms = h->bytes ? one_sum / (double)h->bytes / 1e6 : 0;
        h->one_max_ms = ms(one_max);
    }
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0;
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_num_or_null(FILE *f, const char *key, int has, double v, int prec)
{
    fprintf(f, ",\"%s\":", key);
    if (has)
        fprintf(f, "%.*f", prec, v);
    else
        fputs("null", f);
}

static void json_hol(FILE *f, const cmp_hol *h, int one)
{
    fprintf(f,
            "{\"streams\":%d,\"bytes\":%" PRIu64 ",\"waited_bytes\":%" PRIu64
            ",\"mean_wait_ms\":%.6f,\"max_wait_ms\":%.6f",
            h->streams, h->bytes, h->waited, h->mean_ms, h->max_ms);
    if (one)
        fprintf(f,
                ",\"one_stream\":{\"waited_bytes\":%" PRIu64
                ",\"mean_wait_ms\":%.6f,\"max_wait_ms\":%.6f}",
                h->one_waited, h->one_mean_ms, h->one_max_ms);
    fputc('}', f);
}

static void json_proto(FILE *f, const compare *c, int k)
{
    const compare_proto *p = &c->p[k];
    const simrun_flow *fl = &p->r.flows[0];
    cmp_metrics m;
    cmp_metrics_of(c, k, &m);
    double rtt = ms(compare_rtt(c));
    fprintf(f, "{\"proto\":\"%s\"", compare_proto_name(k));
    fputs(",\"cc\":", f);
    json_str(f, k == COMPARE_UDP ? NULL : p->o.cc);
    fprintf(f,
            ",\"bytes_requested\":%" PRIu64 ",\"bytes_delivered\":%" PRIu64
            ",\"delivered_fraction\":%.6f,\"verified\":%s,\"completed\":%s,\"timed_out\":%s",
            m.requested, m.delivered, ratio(m.delivered, m.transfer), m.verified ? "true" : "false",
            m.completed ? "true" : "false", p->r.timed_out ? "true" : "false");
    json_num_or_null(f, "setup_ms", m.has_setup, m.setup_ms, 6);
    json_num_or_null(f, "setup_rtts", m.has_setup && rtt > 0, rtt > 0 ? m.setup_ms / rtt : 0, 4);
    json_num_or_null(f, "ttfb_ms", m.has_ttfb, m.ttfb_ms, 6);
    json_num_or_null(f, "ttfb_rtts", m.has_ttfb && rtt > 0, rtt > 0 ? m.ttfb_ms / rtt : 0, 4);
    json_num_or_null(f, "completion_ms", m.has_last, m.completion_ms, 6);
    fprintf(f, ",\"sim_seconds\":%.9f,\"goodput_mbps\":%.4f", (double)p->r.end / 1e9,
            m.goodput_mbps);
    fprintf(f, ",\"retransmitted_bytes\":%" PRIu64 ",\"retransmitted_packets\":%" PRIu64,
            m.retx_bytes, m.retx_pkts);
    json_num_or_null(f, "srtt_ms", m.has_srtt, m.srtt_ms, 6);
    fputs(",\"wire\":{", f);
    for (int d = 0; d < 2; d++)
        fprintf(
            f, "%s\"%s\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"per_payload_byte\":%.6f}",
            d ? "," : "", d ? "back" : "forward", m.pkts[d], m.wire[d],
            ratio(m.wire[d], m.transfer));
    fprintf(f, "},\"checksum_drops\":%" PRIu64, m.checksum_drops);
    fputs(",\"hol\":", f);
    if (m.has_hol)
        json_hol(f, &m.hol, k == COMPARE_QUIC);
    else
        fputs("null", f);
    if (k == COMPARE_TCP) {
        fprintf(f,
                ",\"final_state\":{\"sender\":\"%s\",\"receiver\":\"%s\"},\"rto_expiries\":%" PRIu64
                ",\"fast_retransmits\":%" PRIu64 ",\"isn\":%" PRIu32,
                l4_tcp_state_name(fl->snd_state), l4_tcp_state_name(fl->rcv_state),
                fl->snd_info.rto_expiries, fl->snd_info.fast_retransmits, fl->snd_info.iss);
        /* not run: TLS 1.3 over TCP adds its own round trip before data (RFC 8446 §2) */
        json_num_or_null(f, "setup_with_tls13_ms_estimate", m.has_setup && rtt > 0,
                         m.setup_ms + rtt, 6);
    } else if (k == COMPARE_UDP) {
        fprintf(f,
                ",\"rate_bps\":%" PRIu64 ",\"payload\":%u,\"datagrams_sent\":%" PRIu64
                ",\"datagrams_delivered\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64
                ",\"reordered\":%" PRIu64 ",\"corrupted_detected\":%" PRIu64 ",\"bad\":%s",
                p->o.rate_bps, p->o.payload, m.dgrams_sent, m.dgrams_unique, m.dgrams_lost,
                m.dgrams_dup, m.dgrams_late, m.checksum_drops, m.bad ? "true" : "false");
    } else {
        fprintf(f,
                ",\"streams\":%d,\"packets_lost\":%" PRIu64 ",\"pto_count\":%" PRIu64
                ",\"final_state\":{\"sender\":",
                p->o.streams, fl->snd_quic.pkts_lost, fl->snd_quic.pto_count_total);
        json_str(f, fl->snd_qstate);
        fputs(",\"receiver\":", f);
        json_str(f, fl->rcv_qstate);
        fputs("},\"streams_done_ms\":[", f);
        for (int s = 0; s < fl->nstreams; s++) {
            if (s)
                fputc(',', f);
            if (fl->streams[s].fin)
                fprintf(f, "%.6f", ms(fl->streams[s].done));
            else
                fputs("null", f);
        }
        fputc(']', f);
    }
    fputc('}', f);
}

void compare_json(FILE *f, const compare *c, const char *csv, const char *plot)
{
    char fwd[L4_LINK_SPEC_TEXT_MAX], back[L4_LINK_SPEC_TEXT_MAX];
    if (l4_link_spec_format(&c->fwd, fwd, sizeof fwd) < 0)
        fwd[0] = 0;
    if (l4_link_spec_format(&c->back, back, sizeof back) < 0)
        back[0] = 0;
    fputs("{\"link\":{\"forward\":", f);
    json_str(f, fwd);
    fputs(",\"back\":", f);
    json_str(f, back);
    fprintf(f,
            "},\"rtt_ms\":%.6f,\"bytes\":%" PRIu64 ",\"seed\":%" PRIu64
            ",\"streams\":%d,\"udp_rate_bps\":%" PRIu64 ",\"cc\":",
            ms(compare_rtt(c)), c->bytes, c->seed, c->streams, c->udp_rate_bps);
    json_str(f, c->cc);
    for (int k = 0; k < COMPARE_N; k++) {
        fprintf(f, ",\"%s\":", compare_proto_name(k));
        json_proto(f, c, k);
    }
    fprintf(f, ",\"verified\":%s,\"csv\":", compare_verified(c) ? "true" : "false");
    json_str(f, csv);
    fputs(",\"plot\":", f);
    json_str(f, plot);
    fputs("}\n", f);
}

/* ---- text ------------------------------------------------------------------ */

#define CMP_W 19 /* a column */

static void row(FILE *f, const char *label, char cells[COMPARE_N][64])
{
    fprintf(f, "  %-21s", label);
    for (int k = 0; k < COMPARE_N; k++)
        fprintf(f, "%-*s", k < COMPARE_N - 1 ? CMP_W : 0, cells[k]);
    fputc('\n', f);
}

static void cell_time(char *out, size_t cap, int has, double v_ms, double rtt_ms)
{
    if (!has)
        snprintf(out, cap, "-");
    else if (rtt_ms > 0)
        snprintf(out, cap, "%.1f ms, %.2f RTT", v_ms, v_ms / rtt_ms);
    else
        snprintf(out, cap, "%.3f ms", v_ms);
}

static void cell_bytes(char *out, size_t cap, uint64_t v)
{
    if (v >= 1u << 20 && v % (1u << 20) == 0)
        snprintf(out, cap, "%" PRIu64 " MiB", v >> 20);
    else if (v >= 1u << 10 && v % (1u << 10) == 0 && v < 10u << 20)
        snprintf(out, cap, "%" PRIu64 " KiB", v >> 10);
    else if (v >= 10u << 20)
        snprintf(out, cap, "%.2f MiB", (double)v / 1048576.0);
    else if (v >= 10u << 10)
        snprintf(out, cap, "%.1f KiB", (double)v / 1024.0);
    else
        snprintf(out, cap, "%" PRIu64 " B", v);
}

void compare_text(FILE *f, const compare *c, const char *csv, const char *plot)
{
    cmp_metrics m[COMPARE_N];
    for (int k = 0; k < COMPARE_N; k++)
        cmp_metrics_of(c, k, &m[k]);
    char fwd[L4_LINK_SPEC_TEXT_MAX], back[L4_LINK_SPEC_TEXT_MAX], b[64];
    if (l4_link_spec_format(&c->fwd, fwd, sizeof fwd) < 0)
        fwd[0] = 0;
    if (l4_link_spec_format(&c->back, back, sizeof back) < 0)
        back[0] = 0;
    double rtt = ms(compare_rtt(c));
    cell_bytes(b, sizeof b, c->bytes);
    fprintf(f,
            "l4kit compare: %s from host A to host B over TCP, UDP and QUIC (seed %" PRIu64 ")\n",
            b, c->seed);
    fprintf(f, "  A -> B  %s\n  B -> A  %s\n", fwd[0] ? fwd : "(ideal link)",
            back[0] ? back : "(ideal link)");
    if (rtt > 0)
        fprintf(f, "  RTT %.1f ms: the round trip's propagation delay (times below count in it)\n",
                rtt);
    fprintf(f,
            "  TCP: %s, one byte stream; UDP: paced at %.3g Mbit/s in %u-byte datagrams;\n"
            "  QUIC: %s, TLS 1.3, the bytes split over %d stream%s\n\n",
            c->cc, (double)c->udp_rate_bps / 1e6, c->udp_payload, c->cc, c->streams,
            c->streams == 1 ? "" : "s");

    char cells[COMPARE_N][64];
    snprintf(cells[0], 64, "TCP");
    snprintf(cells[1], 64, "UDP");
    snprintf(cells[2], 64, "QUIC");
    row(f, "", cells);
    for (int k = 0; k < COMPARE_N; k++)
        if (k == COMPARE_UDP)
            snprintf(cells[k], 64, "none");
        else
            cell_time(cells[k], 64, m[k].has_setup, m[k].setup_ms, rtt);
    row(f, "setup", cells);
    for (int k = 0; k < COMPARE_N; k++)
        cell_time(cells[k], 64, m[k].has_ttfb, m[k].ttfb_ms, rtt);
    row(f, "first byte at B", cells);
    for (int k = 0; k < COMPARE_N; k++)
        if (m[k].has_last)
            snprintf(cells[k], 64, "%.3f s", m[k].completion_ms / 1e3);
        else
            snprintf(cells[k], 64, "-");
    row(f, "last byte at B", cells);
    for (int k = 0; k < COMPARE_N; k++)
        snprintf(cells[k], 64, "%.3f Mbit/s", m[k].goodput_mbps);
    row(f, "goodput", cells);
    for (int k = 0; k < COMPARE_N; k++)
        snprintf(cells[k], 64, "%.2f%%", 100.0 * ratio(m[k].delivered, m[k].transfer));
    row(f, "delivered", cells);
    for (int k = 0; k < COMPARE_N; k++)
        if (k == COMPARE_UDP)
            snprintf(cells[k], 64, "%s",
                     m[k].verified      ? "yes"
                     : m[k].bad         ? "NO: bad data"
                     : m[k].dgrams_lost ? "no: some lost"
                                        : "no: dup/reordered");
        else
            snprintf(cells[k], 64, "%s", m[k].verified ? "yes" : "NO");
    row(f, "verified", cells);
    for (int k = 0; k < COMPARE_N; k++)
        if (k == COMPARE_UDP)
            snprintf(cells[k], 64, "%" PRIu64 " / %" PRIu64 " / %" PRIu64, m[k].dgrams_lost,
                     m[k].dgrams_dup, m[k].dgrams_late);
        else
            snprintf(cells[k], 64, "%s", m[k].verified ? "repaired" : "-");
    row(f, "lost/dup/reordered", cells);
    for (int k = 0; k < COMPARE_N; k++)
        snprintf(cells[k], 64, "%" PRIu64, m[k].checksum_drops);
    row(f, "checksum drops at B", cells);
    for (int k = 0; k < COMPARE_N; k++) {
        if (k == COMPARE_UDP) {
            snprintf(cells[k], 64, "never");
            continue;
        }
        char bb[32];
        cell_bytes(bb, sizeof bb, m[k].retx_bytes);
        snprintf(cells[k], 64, "%s, %" PRIu64 " pkts", bb, m[k].retx_pkts);
    }
    row(f, "retransmitted", cells);
    for (int d = 0; d < 2; d++) {
        for (int k = 0; k < COMPARE_N; k++)
            snprintf(cells[k], 64, "%.4f", ratio(m[k].wire[d], m[k].transfer));
        row(f, d ? "wire/payload B -> A" : "wire/payload A -> B", cells);
    }
    for (int k = 0; k < COMPARE_N; k++)
        snprintf(cells[k], 64, "%" PRIu64 " / %" PRIu64, m[k].pkts[0], m[k].pkts[1]);
    row(f, "packets A->B / B->A", cells);
    for (int k = 0; k < COMPARE_N; k++)
        if (m[k].has_srtt)
            snprintf(cells[k], 64, "%.1f ms", m[k].srtt_ms);
        else
            snprintf(cells[k], 64, "-");
    row(f, "srtt", cells);
    for (int k = 0; k < COMPARE_N; k++)
        if (m[k].has_hol)
            snprintf(cells[k], 64, "%.2f / %.1f ms", m[k].hol.mean_ms, m[k].hol.max_ms);
        else
            snprintf(cells[k], 64, k == COMPARE_UDP ? "0 (no order)" : "-");
    row(f, "HOL wait mean / max", cells);
    for (int k = 0; k < COMPARE_N; k++)
        if (m[k].has_hol)
            snprintf(cells[k], 64, "%.2f%%", 100.0 * ratio(m[k].hol.waited, m[k].hol.bytes));
        else
            snprintf(cells[k], 64, "-");
    row(f, "bytes that waited", cells);

    const cmp_metrics *q = &m[COMPARE_QUIC];
    if (q->has_hol && c->streams > 1)
        fprintf(
            f,
            "\n  QUIC's own arrivals as one ordered byte stream (what TCP would have made them\n"
            "  wait): mean %.2f ms, max %.1f ms, %.2f%% of the bytes waited; with %d streams a\n"
            "  loss holds back only the stream whose bytes it carried.\n",
            q->hol.one_mean_ms, q->hol.one_max_ms, 100.0 * ratio(q->hol.one_waited, q->hol.bytes),
            c->streams);
    if (m[COMPARE_TCP].has_setup && rtt > 0)
        fprintf(f,
                "  TCP + TLS 1.3 (not run: l4kit's TCP carries no TLS) would set up in 2 RTT,\n"
                "  about %.1f ms here: TLS's own round trip starts after TCP's handshake; QUIC's\n"
                "  handshake is the TLS 1.3 handshake, so its 1 RTT includes it.\n",
                m[COMPARE_TCP].setup_ms + rtt);

    fputs("\n  setup: from A's first packet until A may send data (TCP: the SYN-ACK arrived,\n"
          "    3-way handshake; QUIC: the TLS 1.3 handshake completed; UDP needs none)\n"
          "  first byte / last byte at B: when B's application read the first / last byte\n"
          "  goodput: the bytes B's application read over the time to the last one\n"
          "  delivered: the share of the transfer B's application read (UDP: from unique\n"
          "    datagrams); verified: every byte exactly once, in order, unaltered\n"
          "  lost / dup / reordered: UDP datagrams that never came, extra copies, and ones\n"
          "    that came after a later one; TCP and QUIC repair and order them\n"
          "  checksum drops at B: packets the link corrupted, caught by the IPv4, TCP or UDP\n"
          "    checksum\n"
          "  retransmitted: payload sent again (TCP segments, QUIC stream bytes and packets\n"
          "    declared lost)\n"
          "  wire/payload: IP bytes the sender of each direction put on the link (headers,\n"
          "    handshake, ACKs, retransmissions) per byte of the transfer; packets: theirs\n"
          "  srtt: the sender's smoothed round-trip time at the end\n"
          "  HOL wait: head-of-line blocking, measured from arrivals at B: how long a byte\n"
          "    that had arrived waited for an earlier byte of its stream before it could be\n"
          "    delivered in order (mean over all bytes / longest); bytes that waited: the\n"
          "    share of the bytes that waited at all\n",
          f);
    if (csv)
        fprintf(f, "  delivery curves: %s\n", csv);
    if (plot)
        fprintf(f, "  plot: %s\n", plot);
    int ok = compare_verified(c);
    fprintf(f,
            "\n  result: %s;\n  UDP delivered %.2f%% (%" PRIu64 " of %" PRIu64
            " datagrams lost, never sent again)\n",
            ok ? "TCP and QUIC delivered every byte exactly once, in order, unaltered"
               : "TCP or QUIC did NOT deliver every byte exactly once, in order",
            100.0 * ratio(m[COMPARE_UDP].delivered, m[COMPARE_UDP].transfer),
            m[COMPARE_UDP].dgrams_lost, m[COMPARE_UDP].dgrams_sent);
}

/* ---- the delivery curves ------------------------------------------------------ */

int compare_csv(const compare *c, const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fputs("time_s,tcp_bytes,udp_bytes,quic_bytes\n", f);
    size_t at[COMPARE_N] = {0};
    uint64_t cur[COMPARE_N] = {0};
    fputs("0.000000000,0,0,0\n", f);
    for (;;) {
        l4_time t = L4_TIME_NONE;
        for (int k = 0; k < COMPARE_N; k++)
            if (at[k] < c->p[k].ncurve && c->p[k].curve[at[k]].t < t)
                t = c->p[k].curve[at[k]].t;
        if (t == L4_TIME_NONE)
            break;
        for (int k = 0; k < COMPARE_N; k++)
            if (at[k] < c->p[k].ncurve && c->p[k].curve[at[k]].t == t)
                cur[k] = c->p[k].curve[at[k]++].bytes;
        fprintf(f, "%.9f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", (double)t / 1e9, cur[0], cur[1],
                cur[2]);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errcap, "cannot write %s", path);
        return -1;
    }
    return 0;
}

int compare_plot(const compare *c, const char *path, char *err, size_t errcap)
{
    double scale = c->bytes >= (1u << 20) ? 1048576.0 : 1024.0;
    double *xy[COMPARE_N][2] = {{NULL}};
    plot_series s[COMPARE_N];
    char names[COMPARE_N][96];
    int rc = -1;
    memset(s, 0, sizeof s);
    for (int k = 0; k < COMPARE_N; k++) {
        const compare_proto *p = &c->p[k];
        size_t n = p->ncurve + 1; /* (0, 0) first */
        xy[k][0] = malloc(n * sizeof(double));
        xy[k][1] = malloc(n * sizeof(double));
        if (!xy[k][0] || !xy[k][1]) {
            snprintf(err, errcap, "out of memory");
            goto out;
        }
        xy[k][0][0] = xy[k][1][0] = 0;
        for (size_t i = 0; i < p->ncurve; i++) {
            xy[k][0][i + 1] = (double)p->curve[i].t / 1e9;
            xy[k][1][i + 1] = (double)p->curve[i].bytes / scale;
        }
        if (k == COMPARE_TCP)
            snprintf(names[k], sizeof names[k], "TCP (%s)", c->cc);
        else if (k == COMPARE_UDP)
            snprintf(names[k], sizeof names[k], "UDP (%.3g Mbit/s, losses stay lost)",
                     (double)c->udp_rate_bps / 1e6);
        else
            snprintf(names[k], sizeof names[k], "QUIC (%s, %d stream%s)", c->cc, c->streams,
                     c->streams == 1 ? "" : "s");
        s[k] = (plot_series){.name = names[k],
                             .x = xy[k][0],
                             .y = xy[k][1],
                             .n = n,
                             .step = 1,
                             .color = k,
                             .dashed = k == COMPARE_UDP};
    }
    char fwd[L4_LINK_SPEC_TEXT_MAX], note[L4_LINK_SPEC_TEXT_MAX + 64];
    if (l4_link_spec_format(&c->fwd, fwd, sizeof fwd) < 0)
        fwd[0] = 0;
    snprintf(note, sizeof note, "A -> B: %s; seed %" PRIu64, fwd[0] ? fwd : "ideal link", c->seed);
    plot_spec ps = {
        .title = "TCP vs UDP vs QUIC: bytes B's application has read",
        .xlabel = "time (s)",
        .ylabel = scale > 1024 ? "delivered (MiB)" : "delivered (KiB)",
        .series = s,
        .nseries = COMPARE_N,
        .note = note,
        .legend = PLOT_LEGEND_BR,
    };
    rc = plot_svg_write(path, &ps, err, errcap);
out:
    for (int k = 0; k < COMPARE_N; k++) {
        free(xy[k][0]);
        free(xy[k][1]);
    }
    return rc;
}
