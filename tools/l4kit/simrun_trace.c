/*
 * tools/l4kit/simrun_trace.c — the per-event TCP series of `l4kit sim`: CSV
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
};

simrun_trace *simrun_trace_open(const char *csv, int keep_points, char *err, size_t errcap)
{
    simrun_trace *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    t->keep = keep_points;
    if (csv) {
        t->csv = fopen(csv, "w");
        if (!t->csv) {
            snprintf(err, errcap, "cannot write %s: %s", csv, strerror(errno));
            free(t);
            return NULL;
        }
        fputs("time_s,flow,state,cwnd,ssthresh,srtt_ms,rto_ms,in_flight,rwnd,retransmits,"
              "rto_expiries,fast_retransmits,bytes_acked,in_recovery,mss,ecn_reductions\n",
              t->csv);
    }
    return t;
}

void simrun_trace_add(simrun_trace *t, const simrun_sample *s)
{
    const l4_tcp_info *i = s->info;
    if (t->csv) {
        char ss[32] = "";
        if (i->ssthresh < TRACE_SSTHRESH_INF)
            snprintf(ss, sizeof ss, "%llu", (unsigned long long)i->ssthresh);
        fprintf(t->csv,
                "%llu.%09llu,%d,%s,%llu,%s,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,%llu,%u,%u,%llu\n",
                (unsigned long long)(s->t / L4_S), (unsigned long long)(s->t % L4_S), s->flow,
                l4_tcp_state_name(i->state), (unsigned long long)i->cwnd, ss, (double)i->srtt / 1e6,
                (double)i->rto / 1e6, (unsigned long long)i->in_flight,
                (unsigned long long)i->snd_wnd, (unsigned long long)i->retransmits,
                (unsigned long long)i->rto_expiries, (unsigned long long)i->fast_retransmits,
                (unsigned long long)i->bytes_acked, (unsigned)i->in_recovery, (unsigned)i->mss,
                (unsigned long long)i->ecn_reductions);
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
    if (i->mss && i->state >= L4_TCP_ESTABLISHED)
        t->mss = i->mss; /* the negotiated one; the plot divides by the last */
    trace_pt *p = &t->pts[t->n++];
    p->t = (double)s->t / 1e9;
    p->flow = s->flow;
    p->cwnd = (double)i->cwnd;
    p->ssthresh = i->ssthresh < TRACE_SSTHRESH_INF ? (double)i->ssthresh : NAN;
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
    snprintf(ylabel, sizeof ylabel, "segments (MSS = %u bytes)", (unsigned)(t->mss ? t->mss : 0));
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
