/*
 * tools/l4kit/simrun_trace.c — the per-event TCP/QUIC series of `l4kit sim`: CSV
 * rows as they come, and the cwnd / ssthresh points kept for the plot.
 *
 * CSV columns (one row per sample of a sender connection, taken after each
 * packet input, timeout or application wake-up of the sender host, only when
 * one of the columns other than time changed):
 *   time_s       virtual time, seconds (ns resolution)
 *   flow         flow number, 0..N-1
 *   state        the sender's TCP state (RFC 9293 names)
 *   cwnd         congestion window, bytes
 *   ssthresh     slow-start threshold, bytes; empty while "arbitrarily high"
 *                (RFC 5681 §3.1)
 *   srtt_ms, rto_ms  smoothed RTT and retransmission timeout (RFC 6298)
 *   in_flight    bytes sent and not acknowledged (the pipe during SACK recovery)
 *   rwnd         the receiver's advertised window as the sender sees it, bytes
 *   retransmits  segments retransmitted so far (any cause)
 *   rto_expiries, fast_retransmits  the two causes, counted
 *   bytes_acked  cumulative payload bytes acknowledged (throughput over time)
 *   in_recovery  1 during fast recovery
 *   mss          sender's segment size, bytes
 *   ecn_reductions  window cuts on ECN-Echo (RFC 3168 §6.1.2)
 *
 * QUIC columns (the client's connection, RFC 9002 names):
 *   time_s, flow     as above
 *   state            handshaking, established, closing, draining, closed
 *   cwnd, ssthresh   bytes (ssthresh empty while unset)
 *   srtt_ms, min_rtt_ms, latest_rtt_ms, rttvar_ms   RFC 9002 §5
 *   bytes_in_flight  bytes of ack-eliciting or padded packets not yet acknowledged or lost
 *   pkts_sent, pkts_lost, pto_count   packets sent / declared lost, probe timeouts
 *   bytes_acked      bytes of in-flight packets acknowledged (the rate sampler's count)
 *   delivery_rate_mbps   the last delivery-rate sample (0: none yet)
 *   pacing_rate_mbps     the rate the pacer allows (0: not paced)
 *   stream_bytes_retx    STREAM bytes sent again after a loss
 *   mss              the largest datagram, bytes
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "simrun.h"

/* Above this, ssthresh counts as "not set yet". */
#define TRACE_SSTHRESH_INF (UINT64_C(1) << 62)

typedef struct trace_pt {
    double t, cwnd, ssthresh; /* seconds; bytes */
    int flow;
} trace_pt;

struct simrun_trace {
    FILE *csv;
    int write_err;
    uint64_t rows;
    int keep;
    trace_pt *pts;
    size_t n, cap;
    int nflows;
    uint32_t mss;
    int quic;
};

simrun_trace *simrun_trace_open(int proto, const char *csv, int keep_points, char *err,
                                size_t errcap)
{
    simrun_trace *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    t->keep = keep_points;
    t->quic = proto == SIMRUN_QUIC;
    if (csv) {
        t->csv = fopen(csv, "w");
        if (!t->csv) {
            snprintf(err, errcap, "cannot write %s: %s", csv, strerror(errno));
            free(t);
            return NULL;
        }
        if (proto == SIMRUN_QUIC)
            fputs("time_s,flow,state,cwnd,ssthresh,srtt_ms,min_rtt_ms,latest_rtt_ms,rttvar_ms,"
                  "bytes_in_flight,pkts_sent,pkts_lost,pto_count,bytes_acked,"
                  "delivery_rate_mbps,pacing_rate_mbps,stream_bytes_retx,mss\n",
                  t->csv);
        else
            fputs("time_s,flow,state,cwnd,ssthresh,srtt_ms,rto_ms,in_flight,rwnd,retransmits,"
                  "rto_expiries,fast_retransmits,bytes_acked,in_recovery,mss,ecn_reductions\n",
                  t->csv);
    }
    return t;
}

static void trace_csv_quic(simrun_trace *t, const simrun_sample *s)
{
    const l4_quic_conn_stats *q = s->quic;
    char ss[32] = "";
    if (q->ssthresh < TRACE_SSTHRESH_INF)
        snprintf(ss, sizeof ss, "%llu", (unsigned long long)q->ssthresh);
    fprintf(t->csv,
            "%llu.%09llu,%d,%s,%llu,%s,%.3f,%.3f,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,%.3f,%.3f,%llu,"
            "%u\n",
            (unsigned long long)(s->t / L4_S), (unsigned long long)(s->t % L4_S), s->flow,
            s->quic_state ? s->quic_state : "", (unsigned long long)q->cwnd, ss,
            (double)q->srtt / 1e6, (double)q->min_rtt / 1e6, (double)q->latest_rtt / 1e6,
            (double)q->rttvar / 1e6, (unsigned long long)q->bytes_in_flight,
            (unsigned long long)q->pkts_sent, (unsigned long long)q->pkts_lost,
            (unsigned long long)q->pto_count_total, (unsigned long long)q->delivered,
            (double)q->delivery_rate * 8 / 1e6, (double)q->pacing_rate * 8 / 1e6,
            (unsigned long long)q->stream_bytes_retx, (unsigned)s->quic_mss);
}

static void trace_csv_tcp(simrun_trace *t, const simrun_sample *s)
{
    const l4_tcp_info *i = s->info;
    char ss[32] = "";
    if (i->ssthresh < TRACE_SSTHRESH_INF)
        snprintf(ss, sizeof ss, "%llu", (unsigned long long)i->ssthresh);
    fprintf(t->csv,
            "%llu.%09llu,%d,%s,%llu,%s,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,%llu,%u,%u,%llu\n",
            (unsigned long long)(s->t / L4_S), (unsigned long long)(s->t % L4_S), s->flow,
            l4_tcp_state_name(i->state), (unsigned long long)i->cwnd, ss, (double)i->srtt / 1e6,
            (double)i->rto / 1e6, (unsigned long long)i->in_flight, (unsigned long long)i->snd_wnd,
            (unsigned long long)i->retransmits, (unsigned long long)i->rto_expiries,
            (unsigned long long)i->fast_retransmits, (unsigned long long)i->bytes_acked,
            (unsigned)i->in_recovery, (unsigned)i->mss, (unsigned long long)i->ecn_reductions);
}

void simrun_trace_add(simrun_trace *t, const simrun_sample *s)
{
    if (t->csv) {
        if (s->quic)
            trace_csv_quic(t, s);
        else
            trace_csv_tcp(t, s);
    }
    t->rows++;
    if (!t->keep || t->write_err)
        return;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4096;
        trace_pt *np = realloc(t->pts, nc * sizeof *np);
        if (!np) {
            t->write_err = 1;
            return;
        }
        t->pts = np;
        t->cap = nc;
    }
    uint64_t cwnd, ssthresh;
    if (s->quic) {
        cwnd = s->quic->cwnd;
        ssthresh = s->quic->ssthresh;
        t->mss = s->quic_mss;
    } else {
        cwnd = s->info->cwnd;
        ssthresh = s->info->ssthresh;
        if (s->info->mss && s->info->state >= L4_TCP_ESTABLISHED)
            t->mss = s->info->mss; /* the negotiated one; the plot divides by the last */
    }
    trace_pt *p = &t->pts[t->n++];
    p->t = (double)s->t / 1e9;
    p->flow = s->flow;
    p->cwnd = (double)cwnd;
    p->ssthresh = ssthresh < TRACE_SSTHRESH_INF ? (double)ssthresh : NAN;
    if (s->flow + 1 > t->nflows)
        t->nflows = s->flow + 1;
}

uint64_t simrun_trace_rows(const simrun_trace *t)
{
    return t ? t->rows : 0;
}

int simrun_trace_plot(const simrun_trace *t, const char *svg, const char *title, char *err,
                      size_t errcap)
{
    if (t->write_err) {
        snprintf(err, errcap, "out of memory keeping the plot's points");
        return -1;
    }
    /* Flows beyond 8 would make the legend unreadable: plot the first 8. */
    int nf = t->nflows < 8 ? t->nflows : 8;
    size_t ns = (size_t)nf * 2;
    plot_series *se = calloc(ns ? ns : 1, sizeof *se);
    double *buf = malloc((t->n ? t->n : 1) * 3 * sizeof *buf);
    char(*names)[48] = calloc(ns ? ns : 1, sizeof *names);
    int rc = -1;
    if (!se || !buf || !names) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    /* x, cwnd, ssthresh columns per flow, laid out flow after flow */
    size_t off = 0;
    for (int fl = 0; fl < nf; fl++) {
        size_t start = off;
        for (size_t k = 0; k < t->n; k++)
            if (t->pts[k].flow == fl)
                off++;
        size_t cnt = off - start;
        double *x = buf + start, *cw = buf + t->n + start, *sst = buf + 2 * t->n + start;
        size_t w = 0;
        double mss = t->mss ? t->mss : 1;
        for (size_t k = 0; k < t->n; k++)
            if (t->pts[k].flow == fl) {
                x[w] = t->pts[k].t;
                cw[w] = t->pts[k].cwnd / mss;
                sst[w] = t->pts[k].ssthresh / mss;
                w++;
            }
        if (nf > 1) {
            snprintf(names[2 * fl], sizeof names[0], "flow %d cwnd", fl);
            snprintf(names[2 * fl + 1], sizeof names[0], "flow %d ssthresh", fl);
        } else {
            snprintf(names[0], sizeof names[0], "cwnd");
            snprintf(names[1], sizeof names[0], "ssthresh");
        }
        se[2 * fl] = (plot_series){names[2 * fl], x, cw, cnt, 1, 0, fl};
        se[2 * fl + 1] = (plot_series){names[2 * fl + 1], x, sst, cnt, 1, 1, nf > 1 ? fl : 3};
    }
    char ylabel[96];
    snprintf(ylabel, sizeof ylabel, "%s (%s = %u bytes)", t->quic ? "packets" : "segments",
             t->quic ? "max datagram" : "MSS", (unsigned)(t->mss ? t->mss : 0));
    plot_spec ps = {title, "time (s, virtual)", ylabel, se, ns, 0, 0, 0, 0, 0, 0};
    if (t->n) {
        ps.xmin = 0;
        ps.xmax = t->pts[t->n - 1].t;
        for (size_t k = 0; k < t->n; k++)
            ps.xmax = t->pts[k].t > ps.xmax ? t->pts[k].t : ps.xmax;
        if (!(ps.xmax > 0))
            ps.xmax = 1;
        /* y: up to the largest cwnd (ssthresh never sets the scale alone) */
        ps.ymax = 0;
        for (size_t k = 0; k < t->n; k++)
            ps.ymax = t->pts[k].cwnd > ps.ymax ? t->pts[k].cwnd : ps.ymax;
        ps.ymax = ps.ymax > 0 ? ps.ymax * 1.1 / (t->mss ? t->mss : 1) : 1;
    }
    rc = plot_svg_write(svg, &ps, err, errcap);
out:
    free(se);
    free(buf);
    free(names);
    return rc;
}

int simrun_trace_close(simrun_trace *t)
{
    if (!t)
        return 0;
    int rc = 0;
    if (t->csv) {
        if (ferror(t->csv))
            rc = -1;
        if (fclose(t->csv) != 0)
            rc = -1;
    }
    free(t->pts);
    free(t);
    return rc;
}
