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
 *   queue_pkts   packets waiting in the forward (A -> B) link's queue at that
 *                moment (l4_sim_link_queue)
 *   queue_delay_ms  that queue's backlog in time: the queueing delay a packet
 *                sent at that moment would see
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
 *   queue_pkts, queue_delay_ms  as above
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
    uint8_t in_recovery;
    uint8_t state;         /* l4_tcp_state */
    uint32_t rto_expiries; /* so far */
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
        if (t->quic)
            fputs("time_s,flow,state,cwnd,ssthresh,srtt_ms,min_rtt_ms,latest_rtt_ms,rttvar_ms,"
                  "bytes_in_flight,pkts_sent,pkts_lost,pto_count,bytes_acked,"
                  "delivery_rate_mbps,pacing_rate_mbps,stream_bytes_retx,mss,queue_pkts,"
                  "queue_delay_ms\n",
                  t->csv);
        else
            fputs("time_s,flow,state,cwnd,ssthresh,srtt_ms,rto_ms,in_flight,rwnd,retransmits,"
                  "rto_expiries,fast_retransmits,bytes_acked,in_recovery,mss,ecn_reductions,"
                  "queue_pkts,queue_delay_ms\n",
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
            "%u,",
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
    fprintf(t->csv, "%llu.%09llu,%d,%s,%llu,%s,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,%llu,%u,%u,%llu,",
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
        if (s->fwdq)
            fprintf(t->csv, "%llu,%.3f\n", (unsigned long long)s->fwdq->pkts,
                    (double)s->fwdq->wait / 1e6);
        else
            fputs(",\n", t->csv);
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
    trace_pt *p = &t->pts[t->n++];
    p->t = (double)s->t / 1e9;
    p->flow = s->flow;
    if (s->quic) {
        const l4_quic_conn_stats *q = s->quic;
        t->mss = s->quic_mss;
        p->cwnd = (double)q->cwnd;
        p->ssthresh = q->ssthresh < TRACE_SSTHRESH_INF ? (double)q->ssthresh : NAN;
        p->in_recovery = 0;
        /* the phase bands read TCP states: a QUIC connection sending data counts as ESTABLISHED */
        p->state =
            (uint8_t)(s->quic_state && !strcmp(s->quic_state, "established") ? L4_TCP_ESTABLISHED
                                                                             : L4_TCP_CLOSED);
        p->rto_expiries = 0;
    } else {
        const l4_tcp_info *i = s->info;
        if (i->mss && i->state >= L4_TCP_ESTABLISHED)
            t->mss = i->mss; /* the negotiated one; the plot divides by the last */
        p->cwnd = (double)i->cwnd;
        p->ssthresh = i->ssthresh < TRACE_SSTHRESH_INF ? (double)i->ssthresh : NAN;
        p->in_recovery = i->in_recovery;
        p->state = (uint8_t)i->state;
        p->rto_expiries = (uint32_t)i->rto_expiries;
    }
    if (s->flow + 1 > t->nflows)
        t->nflows = s->flow + 1;
}

uint64_t simrun_trace_rows(const simrun_trace *t)
{
    return t ? t->rows : 0;
}

/* Phase of a sample; -1 outside the data-sending states. */
enum { PH_SS, PH_CA, PH_FR, PH_N };
static const char *const PH_NAME[PH_N] = {"slow start", "congestion avoidance", "fast recovery"};
static const char *const PH_COLOR[PH_N] = {"#2ca02c", "#1f77b4", "#ff7f0e"};

static int trace_phase(const trace_pt *p)
{
    if (p->state != L4_TCP_ESTABLISHED && p->state != L4_TCP_CLOSE_WAIT &&
        p->state != L4_TCP_FIN_WAIT_1)
        return -1;
    if (p->in_recovery)
        return PH_FR;
    if (isnan(p->ssthresh) || p->cwnd < p->ssthresh)
        return PH_SS;
    return PH_CA;
}

/*
 * The phase bands of flow 0 (a band per run of equal phases, ending where
 * the next begins) and a line at each RTO. Returns the count written to
 * out (cap entries), or -1 when out of memory.
 */
static size_t trace_phases(const simrun_trace *t, plot_band **out)
{
    size_t cap = 64, n = 0;
    plot_band *b = malloc(cap * sizeof *b);
    if (!b)
        return (size_t)-1;
    int cur = -1;
    double start = 0;
    uint32_t rto = 0;
    int first = 1;
    for (size_t k = 0; k < t->n; k++) {
        const trace_pt *p = &t->pts[k];
        if (p->flow != 0)
            continue;
        if (n + 2 >= cap) {
            cap *= 2;
            plot_band *nb = realloc(b, cap * sizeof *nb);
            if (!nb) {
                free(b);
                return (size_t)-1;
            }
            b = nb;
        }
        int ph = trace_phase(p);
        if (ph != cur) {
            if (cur >= 0 && p->t > start)
                b[n++] = (plot_band){start, p->t, PH_NAME[cur], PH_COLOR[cur]};
            cur = ph;
            start = p->t;
        }
        if (!first && p->rto_expiries > rto)
            b[n++] = (plot_band){p->t, p->t, "RTO", "#d62728"};
        rto = p->rto_expiries;
        first = 0;
    }
    if (cur >= 0 && t->n && t->pts[t->n - 1].t > start)
        b[n++] = (plot_band){start, t->pts[t->n - 1].t, PH_NAME[cur], PH_COLOR[cur]};
    *out = b;
    return n;
}

int simrun_trace_plot(const simrun_trace *t, const char *svg, const char *title, int phases,
                      char *err, size_t errcap)
{
    if (t->write_err) {
        snprintf(err, errcap, "out of memory keeping the plot's points");
        return -1;
    }
    /* Flows beyond 8 would make the legend unreadable: plot the first 8. */
    int nf = t->nflows < 8 ? t->nflows : 8;
    plot_band *bands = NULL;
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
        se[2 * fl] =
            (plot_series){.name = names[2 * fl], .x = x, .y = cw, .n = cnt, .step = 1, .color = fl};
        se[2 * fl + 1] = (plot_series){.name = names[2 * fl + 1],
                                       .x = x,
                                       .y = sst,
                                       .n = cnt,
                                       .step = 1,
                                       .dashed = 1,
                                       .color = nf > 1 ? fl : 3};
    }
    char ylabel[96];
    snprintf(ylabel, sizeof ylabel, "%s (%s = %u bytes)", t->quic ? "packets" : "segments",
             t->quic ? "max datagram" : "MSS", (unsigned)(t->mss ? t->mss : 0));
    plot_spec ps = {.title = title,
                    .xlabel = "time (s, virtual)",
                    .ylabel = ylabel,
                    .series = se,
                    .nseries = ns};
    if (phases && t->nflows == 1) {
        size_t nb = trace_phases(t, &bands);
        if (nb == (size_t)-1) {
            snprintf(err, errcap, "out of memory");
            goto out;
        }
        ps.bands = bands;
        ps.nbands = nb;
    }
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
    free(bands);
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
