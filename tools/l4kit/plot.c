/* tools/l4kit/plot.c — SVG line plots (see plot.h). */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const plot_palette[] = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
#define PLOT_NCOLORS (sizeof plot_palette / sizeof plot_palette[0])

double plot_nice_step(double span, int target)
{
    if (!(span > 0) || target < 1)
        return 1;
    double raw = span / target;
    double p = pow(10, floor(log10(raw)));
    double m = raw / p;
    if (m <= 1)
        return p;
    if (m <= 2)
        return 2 * p;
    if (m <= 5)
        return 5 * p;
    return 10 * p;
}

static void plot_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* A tick label: no trailing zeros, up to 3 decimals; large values with k/M. */
static void plot_num(char *buf, size_t cap, double v, double step)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    int dec = 0;
    while (dec < 3 && fabs(step * pow(10, dec) - round(step * pow(10, dec))) > 1e-9)
        dec++;
    snprintf(buf, cap, "%.*f", dec, v);
}

typedef struct plot_frame {
    double x0, y0, w, h; /* plot area in pixels (y0 = top) */
    double xmin, xmax, ymin, ymax;
    int logx, logy;
} plot_frame;

/* Where v falls in [lo, hi], 0..1, on a linear or logarithmic scale. */
static double plot_frac(double v, double lo, double hi, int lg)
{
    if (lg)
        return (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
    return (v - lo) / (hi - lo);
}

static double plot_px(const plot_frame *fr, double x)
{
    return fr->x0 + plot_frac(x, fr->xmin, fr->xmax, fr->logx) * fr->w;
}

static double plot_py(const plot_frame *fr, double y)
{
    if (y > fr->ymax)
        y = fr->ymax;
    if (y < fr->ymin)
        y = fr->ymin;
    return fr->y0 + fr->h - plot_frac(y, fr->ymin, fr->ymax, fr->logy) * fr->h;
}

/* A point that cannot be drawn: no value, or not positive on a log axis. */
static int plot_gap(const plot_frame *fr, double x, double y)
{
    return isnan(y) || isnan(x) || (fr->logy && !(y > 0)) || (fr->logx && !(x > 0));
}

/* Emits one point of a polyline; `*open` tracks whether a polyline is open. */
static void plot_pt(FILE *f, const plot_frame *fr, double x, double y, int *open, const char *style)
{
    if (plot_gap(fr, x, y)) {
        if (*open)
            fputs("\"/>\n", f);
        *open = 0;
        return;
    }
    if (!*open) {
        fprintf(f, "<polyline fill=\"none\" %s points=\"", style);
        *open = 1;
    }
    fprintf(f, "%.1f,%.1f ", plot_px(fr, x), plot_py(fr, y));
}

/* Draws one series, thinned to first/min/max/last per pixel column. */
static void plot_series_draw(FILE *f, const plot_frame *fr, const plot_series *s, const char *color)
{
    char style[160];
    snprintf(style, sizeof style, "stroke=\"%s\" stroke-width=\"1.6\"%s", color,
             s->dashed ? " stroke-dasharray=\"6,4\"" : "");
    int open = 0;
    double prev_y = NAN;
    size_t i = s->no_line ? s->n : 0;
    while (i < s->n) {
        /* one pixel column: [i, j) */
        long col = lround(plot_px(fr, s->x[i]));
        size_t j = i + 1;
        while (j < s->n && lround(plot_px(fr, s->x[j])) == col)
            j++;
        if (s->x[i] < fr->xmin || s->x[i] > fr->xmax || plot_gap(fr, s->x[i], 0.5)) {
            i = j;
            continue;
        }
        size_t kmin = i, kmax = i;
        int any = 0;
        for (size_t k = i; k < j; k++) {
            if (plot_gap(fr, s->x[k], s->y[k]))
                continue;
            if (!any || s->y[k] < s->y[kmin])
                kmin = k;
            if (!any || s->y[k] > s->y[kmax])
                kmax = k;
            any = 1;
        }
        size_t keep[4] = {i, kmin < kmax ? kmin : kmax, kmin < kmax ? kmax : kmin, j - 1};
        size_t last = (size_t)-1;
        for (int q = 0; q < 4; q++) {
            size_t k = keep[q];
            if (k == last)
                continue;
            last = k;
            double y = s->y[k];
            if (s->step && !plot_gap(fr, s->x[k], y) && !plot_gap(fr, s->x[k], prev_y) && open)
                plot_pt(f, fr, s->x[k], prev_y, &open, style);
            plot_pt(f, fr, s->x[k], y, &open, style);
            prev_y = y;
        }
        i = j;
    }
    if (open && s->step && !plot_gap(fr, fr->xmax, prev_y))
        plot_pt(f, fr, fr->xmax, prev_y, &open, style);
    if (open)
        fputs("\"/>\n", f);
    if (s->markers)
        for (size_t k = 0; k < s->n; k++)
            if (!plot_gap(fr, s->x[k], s->y[k]) && s->x[k] >= fr->xmin && s->x[k] <= fr->xmax)
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                        plot_px(fr, s->x[k]), plot_py(fr, s->y[k]), color);
}

/*
 * The ticks of one axis over [lo, hi] into out[] (at most cap): linear ticks
 * every *step (1, 2, 5 x 10^k, about `target` of them); on a log axis the
 * powers of ten, with 2 and 5 times them when the range spans few decades
 * (*step is then 0). Returns the count.
 */
static int plot_ticks(double lo, double hi, int lg, int target, double *out, int cap, double *step)
{
    int n = 0;
    if (!lg) {
        double st = plot_nice_step(hi - lo, target);
        *step = st;
        for (double v = ceil(lo / st - 1e-9) * st; v <= hi + st * 1e-9 && n < cap; v += st)
            out[n++] = v;
        return n;
    }
    *step = 0;
    int k0 = (int)floor(log10(lo) + 1e-9), k1 = (int)ceil(log10(hi) - 1e-9);
    int dense = k1 - k0 <= 4;
    static const double mult[] = {1, 2, 5};
    for (int k = k0; k <= k1; k++)
        for (int m = 0; m < (dense ? 3 : 1); m++) {
            double v = mult[m] * pow(10, k);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) && n < cap)
                out[n++] = v;
        }
    return n;
}

/* A tick label; on a log axis (step 0) the shortest exact decimal. */
static void plot_tick_label(char *buf, size_t cap, double v, double step)
{
    if (step > 0) {
        plot_num(buf, cap, v, step);
        return;
    }
    snprintf(buf, cap, "%.6g", v);
}

/* The data's range on one axis; on a log axis only positive values count. */
static void plot_range(const plot_spec *p, int yaxis, int lg, double *lo, double *hi, int *any)
{
    *any = 0;
    for (size_t s = 0; s < p->nseries; s++)
        for (size_t i = 0; i < p->series[s].n; i++) {
            double v = yaxis ? p->series[s].y[i] : p->series[s].x[i];
            if (isnan(v) || (lg && !(v > 0)))
                continue;
            if (!*any || v < *lo)
                *lo = v;
            if (!*any || v > *hi)
                *hi = v;
            *any = 1;
        }
}

int plot_svg_write(const char *path, const plot_spec *p, char *err, size_t errcap)
{
    int W = p->width > 0 ? p->width : 960, H = p->height > 0 ? p->height : 540;
    plot_frame fr = {80,      50,      W - 80 - 30, H - 50 - 60, p->xmin,
                     p->xmax, p->ymin, p->ymax,     p->logx,     p->logy};
    if (p->logx && !(fr.xmin > 0 && fr.xmin < fr.xmax)) {
        int any;
        plot_range(p, 0, 1, &fr.xmin, &fr.xmax, &any);
        fr.xmin = any ? pow(10, floor(log10(fr.xmin) + 1e-9)) : 1;
        fr.xmax = any ? pow(10, ceil(log10(fr.xmax) - 1e-9)) : 10;
        if (!(fr.xmin < fr.xmax))
            fr.xmax = fr.xmin * 10;
    }
    if (p->logy && !(fr.ymin > 0 && fr.ymin < fr.ymax)) {
        int any;
        plot_range(p, 1, 1, &fr.ymin, &fr.ymax, &any);
        fr.ymin = any ? pow(10, floor(log10(fr.ymin) + 1e-9)) : 1;
        fr.ymax = any ? pow(10, ceil(log10(fr.ymax) - 1e-9)) : 10;
        if (!(fr.ymin < fr.ymax))
            fr.ymax = fr.ymin * 10;
    }
    if (!(fr.xmin < fr.xmax)) {
        int any;
        plot_range(p, 0, 0, &fr.xmin, &fr.xmax, &any);
        if (!any || !(fr.xmin < fr.xmax)) {
            fr.xmin = any ? fr.xmin : 0;
            fr.xmax = fr.xmin + 1;
        }
    }
    int auto_y = !(fr.ymin < fr.ymax);
    if (auto_y) {
        fr.ymin = 0;
        fr.ymax = 0;
        for (size_t s = 0; s < p->nseries; s++)
            for (size_t i = 0; i < p->series[s].n; i++)
                if (!isnan(p->series[s].y[i]) && p->series[s].y[i] > fr.ymax)
                    fr.ymax = p->series[s].y[i];
        if (!(fr.ymax > 0))
            fr.ymax = 1;
        fr.ymax *= 1.08; /* headroom for the legend and the peaks */
    }
    if (!fr.logy && auto_y) {
        /* round the y range up to a whole tick so the top gridline closes the frame */
        double ys0 = plot_nice_step(fr.ymax - fr.ymin, 8);
        fr.ymax = fr.ymin + ceil((fr.ymax - fr.ymin) / ys0 - 1e-9) * ys0;
    }
    double xt[64], yt[64], xs, ys;
    int nxt = plot_ticks(fr.xmin, fr.xmax, fr.logx, 10, xt, 64, &xs);
    int nyt = plot_ticks(fr.ymin, fr.ymax, fr.logy, 8, yt, 64, &ys);

    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
            "font-size=\"13\">\n",
            W, H, W, H);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
    fputs("<title>", f);
    plot_esc(f, p->title);
    fputs("</title>\n", f);
    fprintf(f,
            "<text x=\"%.1f\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
            "font-weight=\"bold\">",
            fr.x0 + fr.w / 2);
    plot_esc(f, p->title);
    fputs("</text>\n", f);
    if (p->note) {
        fprintf(f,
                "<text class=\"note\" x=\"%.1f\" y=\"44\" text-anchor=\"middle\" font-size=\"11\">",
                fr.x0 + fr.w / 2);
        plot_esc(f, p->note);
        fputs("</text>\n", f);
    }

    /* bands behind everything (clipped to the frame), then the grid and ticks */
    if (p->nbands) {
        fprintf(f,
                "<clipPath id=\"bandarea\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\"/></clipPath>\n<g class=\"bands\" clip-path=\"url(#bandarea)\">\n",
                fr.x0, fr.y0, fr.w, fr.h);
        for (size_t b = 0; b < p->nbands; b++) {
            const plot_band *bd = &p->bands[b];
            if (bd->x1 > bd->x0 && !plot_gap(&fr, bd->x0, 1) && !plot_gap(&fr, bd->x1, 1)) {
                double a = plot_px(&fr, bd->x0), z = plot_px(&fr, bd->x1);
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        "fill=\"%s\" fill-opacity=\"0.22\"/>\n",
                        a, fr.y0, z - a, fr.h, bd->color ? bd->color : "#cccccc");
            }
        }
        fputs("</g>\n", f);
    }
    fputs("<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n", f);
    for (int i = 0; i < nxt; i++)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", plot_px(&fr, xt[i]),
                fr.y0, plot_px(&fr, xt[i]), fr.y0 + fr.h);
    for (int i = 0; i < nyt; i++)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", fr.x0,
                plot_py(&fr, yt[i]), fr.x0 + fr.w, plot_py(&fr, yt[i]));
    fputs("</g>\n<g class=\"xticks\" text-anchor=\"middle\">\n", f);
    char num[64];
    for (int i = 0; i < nxt; i++) {
        double x = xt[i];
        plot_tick_label(num, sizeof num, x, xs);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                plot_px(&fr, x), fr.y0 + fr.h, plot_px(&fr, x), fr.y0 + fr.h + 5, plot_px(&fr, x),
                fr.y0 + fr.h + 20, num);
    }
    fputs("</g>\n<g class=\"yticks\" text-anchor=\"end\">\n", f);
    for (int i = 0; i < nyt; i++) {
        double y = yt[i];
        plot_tick_label(num, sizeof num, y, ys);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                fr.x0 - 5, plot_py(&fr, y), fr.x0, plot_py(&fr, y), fr.x0 - 8, plot_py(&fr, y) + 4,
                num);
    }
    fputs("</g>\n", f);
    fprintf(f,
            "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"none\" stroke=\"black\"/>\n",
            fr.x0, fr.y0, fr.w, fr.h);
    fprintf(f, "<text class=\"xlabel\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
            fr.x0 + fr.w / 2, H - 15);
    plot_esc(f, p->xlabel);
    fprintf(f,
            "</text>\n<text class=\"ylabel\" x=\"20\" y=\"%.1f\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 20 %.1f)\">",
            fr.y0 + fr.h / 2, fr.y0 + fr.h / 2);
    plot_esc(f, p->ylabel);
    fputs("</text>\n", f);

    /* the data, clipped to the frame */
    fprintf(f,
            "<clipPath id=\"area\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
            "height=\"%.1f\"/></clipPath>\n<g class=\"series\" clip-path=\"url(#area)\">\n",
            fr.x0, fr.y0 - 1, fr.w, fr.h + 2);
    for (size_t s = 0; s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        size_t ci = se->color >= 0 ? (size_t)se->color : s;
        plot_series_draw(f, &fr, se, plot_palette[ci % PLOT_NCOLORS]);
    }
    fputs("</g>\n", f);

    /* band labels (when they fit) and instants, over the data */
    if (p->nbands) {
        fputs("<g class=\"phases\" font-size=\"11\">\n", f);
        double label_end = -1e9; /* instants' labels step down instead of overlapping */
        int row = 0;
        for (size_t b = 0; b < p->nbands; b++) {
            const plot_band *bd = &p->bands[b];
            if (plot_gap(&fr, bd->x0, 1) || bd->x0 < fr.xmin || bd->x0 > fr.xmax)
                continue;
            double a = plot_px(&fr, bd->x0);
            const char *col = bd->color ? bd->color : "#666666";
            if (bd->x1 > bd->x0) {
                double z = plot_px(&fr, bd->x1 < fr.xmax ? bd->x1 : fr.xmax);
                if (bd->label && z - a >= 6.2 * (double)strlen(bd->label) + 6) {
                    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">", a + 3, fr.y0 + 13);
                    plot_esc(f, bd->label);
                    fputs("</text>\n", f);
                }
                continue;
            }
            fprintf(f,
                    "<line class=\"instant\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"3,3\"/>\n",
                    a, fr.y0, a, fr.y0 + fr.h, col);
            if (bd->label) {
                row = a + 3 < label_end ? (row + 1) % 4 : 0;
                label_end = a + 3 + 7.0 * (double)strlen(bd->label);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-weight=\"bold\">", a + 3,
                        fr.y0 + 27 + 13 * row, col);
                plot_esc(f, bd->label);
                fputs("</text>\n", f);
            }
        }
        fputs("</g>\n", f);
    }

    /* legend, top right inside the frame: the series, then each band label once */
    const plot_band *keys[16];
    size_t nkeys = 0;
    for (size_t b = 0; b < p->nbands && nkeys < 16; b++) {
        const plot_band *bd = &p->bands[b];
        int dup = !bd->label;
        for (size_t k = 0; k < nkeys && !dup; k++)
            dup = !strcmp(keys[k]->label, bd->label);
        if (!dup)
            keys[nkeys++] = bd;
    }
    if (p->nseries || nkeys) {
        size_t maxlen = 0;
        for (size_t s = 0; s < p->nseries; s++) {
            size_t l = p->series[s].name ? strlen(p->series[s].name) : 0;
            maxlen = l > maxlen ? l : maxlen;
        }
        for (size_t k = 0; k < nkeys; k++)
            maxlen = strlen(keys[k]->label) > maxlen ? strlen(keys[k]->label) : maxlen;
        double lw = 40 + 7.5 * (double)maxlen, lh = 8 + 18 * (double)(p->nseries + nkeys);
        int left = p->legend == PLOT_LEGEND_TL || p->legend == PLOT_LEGEND_BL;
        int bottom = p->legend == PLOT_LEGEND_BL || p->legend == PLOT_LEGEND_BR;
        double lx = left ? fr.x0 + 10 : fr.x0 + fr.w - lw - 10;
        double ly = bottom ? fr.y0 + fr.h - lh - 10 : fr.y0 + 10;
        fprintf(f,
                "<g class=\"legend\">\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n",
                lx, ly, lw, lh);
        for (size_t s = 0; s < p->nseries; s++) {
            const plot_series *se = &p->series[s];
            size_t ci = se->color >= 0 ? (size_t)se->color : s;
            double yy = ly + 16 + 18 * (double)s;
            if (!se->no_line)
                fprintf(f,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                        "stroke-width=\"2\"%s/>",
                        lx + 6, yy - 4, lx + 30, yy - 4, plot_palette[ci % PLOT_NCOLORS],
                        se->dashed ? " stroke-dasharray=\"6,4\"" : "");
            if (se->markers)
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", lx + 18, yy - 4,
                        plot_palette[ci % PLOT_NCOLORS]);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 35, yy);
            plot_esc(f, se->name);
            fputs("</text>\n", f);
        }
        for (size_t k = 0; k < nkeys; k++) {
            const plot_band *bd = keys[k];
            double yy = ly + 16 + 18 * (double)(p->nseries + k);
            const char *col = bd->color ? bd->color : "#cccccc";
            if (bd->x1 > bd->x0)
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"11\" fill=\"%s\" "
                        "fill-opacity=\"0.35\"/>",
                        lx + 6, yy - 10, col);
            else
                fprintf(f,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                        "stroke-width=\"2\" stroke-dasharray=\"3,3\"/>",
                        lx + 18, yy - 12, lx + 18, yy + 2, col);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 35, yy);
            plot_esc(f, bd->label);
            fputs("</text>\n", f);
        }
        fputs("</g>\n", f);
    }
    fputs("</svg>\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
