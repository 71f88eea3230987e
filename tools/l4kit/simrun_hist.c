/*
 * tools/l4kit/simrun_hist.c — the distributions `l4kit sim` reports
 * (queueing delay percentiles) and Jain's fairness index.
 *
 * Buckets: values below 128 have one bucket each; above, each power-of-two
 * range [64 * 2^e, 128 * 2^e) is split into 64 buckets of width 2^e, so a
 * bucket is at most 1/64 of its value wide (HdrHistogram's layout, in small).
 */
#include <stdlib.h>

#include "simrun.h"

#define HIST_SUB     64u
#define HIST_BUCKETS (HIST_SUB + 58u * HIST_SUB) /* e up to 57: the whole uint64_t range */

static unsigned hist_log2(uint64_t v)
{
    return 63u - (unsigned)__builtin_clzll(v);
}

static size_t hist_index(uint64_t v)
{
    if (v < 2 * HIST_SUB)
        return (size_t)v;
    unsigned e = hist_log2(v) - 6u; /* v >> e is in [64, 128) */
    return HIST_SUB + (size_t)e * HIST_SUB + (size_t)((v >> e) - HIST_SUB);
}

/* The lower bound and width of bucket `i`. */
static void hist_bucket(size_t i, double *lo, double *width)
{
    if (i < 2 * HIST_SUB) {
        *lo = (double)i;
        *width = 1;
        return;
    }
    size_t e = (i - HIST_SUB) / HIST_SUB;
    size_t m = (i - HIST_SUB) % HIST_SUB + HIST_SUB;
    *lo = (double)((uint64_t)m << e);
    *width = (double)(UINT64_C(1) << e);
}

int simrun_hist_add(simrun_hist *h, uint64_t v)
{
    if (!h->b) {
        h->b = calloc(HIST_BUCKETS, sizeof *h->b);
        if (!h->b)
            return -1;
    }
    h->b[hist_index(v)]++;
    h->n++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
    return 0;
}

double simrun_hist_quantile(const simrun_hist *h, double p)
{
    if (!h->n || !h->b)
        return 0;
    uint64_t want = (uint64_t)(p * (double)h->n + 0.999999999);
    if (want < 1)
        want = 1;
    if (want > h->n)
        want = h->n;
    uint64_t seen = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= want) {
            double lo, w;
            hist_bucket(i, &lo, &w);
            double mid = w == 1 ? lo : lo + w / 2;
            return mid > (double)h->max ? (double)h->max : mid;
        }
    }
    return (double)h->max;
}

double simrun_hist_mean(const simrun_hist *h)
{
    return h->n ? (double)h->sum / (double)h->n : 0;
}

void simrun_hist_free(simrun_hist *h)
{
    free(h->b);
    h->b = NULL;
}

double simrun_jain(const double *x, int n)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        s += x[i];
        s2 += x[i] * x[i];
    }
    return s2 > 0 ? s * s / ((double)n * s2) : 1.0;
}
