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
} plot_frame;

static double plot_px(const plot_frame *fr, double x)
{
    return fr->x0 + (x - fr->xmin) / (fr->xmax - fr->xmin) * fr->w;
}

static double plot_py(const plot_frame *fr, double y)
{
    if (y > fr->ymax)
        y = fr->ymax;
    if (y < fr->ymin)
        y = fr->ymin;
    return fr->y0 + fr->h - (y - fr->ymin) / (fr->ymax - fr->ymin) * fr->h;
}

/* Emits one point of a polyline; `*open` tracks whether a polyline is open. */
static void plot_pt(FILE *f, const plot_frame *fr, double x, double y, int *open, const char *style)
{
    if (isnan(y)) {
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
    size_t i = 0;
    while (i < s->n) {
        /* one pixel column: [i, j) */
        long col = lround(plot_px(fr, s->x[i]));
        size_t j = i + 1;
        while (j < s->n && lround(plot_px(fr, s->x[j])) == col)
            j++;
        if (s->x[i] < fr->xmin || s->x[i] > fr->xmax) {
            i = j;
            continue;
        }
        size_t kmin = i, kmax = i;
        int any = 0;
        for (size_t k = i; k < j; k++) {
            if (isnan(s->y[k]))
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
            if (s->step && !isnan(y) && !isnan(prev_y) && open)
                plot_pt(f, fr, s->x[k], prev_y, &open, style);
            plot_pt(f, fr, s->x[k], y, &open, style);
            prev_y = y;
        }
        i = j;
    }
    if (open && s->step && !isnan(prev_y))
        plot_pt(f, fr, fr->xmax, prev_y, &open, style);
    if (open)
        fputs("\"/>\n", f);
}

int plot_svg_write(const char *path, const plot_spec *p, char *err, size_t errcap)
{
    int W = p->width > 0 ? p->width : 960, H = p->height > 0 ? p->height : 540;
    plot_frame fr = {80, 50, W - 80 - 30, H - 50 - 60, p->xmin, p->xmax, p->ymin, p->ymax};
    if (!(fr.xmin < fr.xmax)) {
        int any = 0;
        for (size_t s = 0; s < p->nseries; s++)
            for (size_t i = 0; i < p->series[s].n; i++) {
                double x = p->series[s].x[i];
                if (!any || x < fr.xmin)
                    fr.xmin = x;
                if (!any || x > fr.xmax)
                    fr.xmax = x;
                any = 1;
            }
        if (!any || !(fr.xmin < fr.xmax)) {
            fr.xmin = any ? fr.xmin : 0;
            fr.xmax = fr.xmin + 1;
        }
    }
    if (!(fr.ymin < fr.ymax)) {
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
    double xs = plot_nice_step(fr.xmax - fr.xmin, 10), ys = plot_nice_step(fr.ymax - fr.ymin, 8);
    /* round the y range up to a whole tick so the top gridline closes the frame */
    fr.ymax = fr.ymin + ceil((fr.ymax - fr.ymin) / ys - 1e-9) * ys;

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

    /* grid and ticks */
    fputs("<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n", f);
    double x1 = ceil(fr.xmin / xs - 1e-9) * xs, y1 = ceil(fr.ymin / ys - 1e-9) * ys;
    for (double x = x1; x <= fr.xmax + xs * 1e-9; x += xs)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", plot_px(&fr, x),
                fr.y0, plot_px(&fr, x), fr.y0 + fr.h);
    for (double y = y1; y <= fr.ymax + ys * 1e-9; y += ys)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", fr.x0,
                plot_py(&fr, y), fr.x0 + fr.w, plot_py(&fr, y));
    fputs("</g>\n<g class=\"xticks\" text-anchor=\"middle\">\n", f);
    char num[64];
    for (double x = x1; x <= fr.xmax + xs * 1e-9; x += xs) {
        plot_num(num, sizeof num, x, xs);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                plot_px(&fr, x), fr.y0 + fr.h, plot_px(&fr, x), fr.y0 + fr.h + 5, plot_px(&fr, x),
                fr.y0 + fr.h + 20, num);
    }
    fputs("</g>\n<g class=\"yticks\" text-anchor=\"end\">\n", f);
    for (double y = y1; y <= fr.ymax + ys * 1e-9; y += ys) {
        plot_num(num, sizeof num, y, ys);
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

    /* legend, top right inside the frame */
    if (p->nseries) {
        size_t maxlen = 0;
        for (size_t s = 0; s < p->nseries; s++) {
            size_t l = p->series[s].name ? strlen(p->series[s].name) : 0;
            maxlen = l > maxlen ? l : maxlen;
        }
        double lw = 40 + 7.5 * (double)maxlen, lh = 8 + 18 * (double)p->nseries;
        double lx = fr.x0 + fr.w - lw - 10, ly = fr.y0 + 10;
        fprintf(f,
                "<g class=\"legend\">\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n",
                lx, ly, lw, lh);
        for (size_t s = 0; s < p->nseries; s++) {
            const plot_series *se = &p->series[s];
            size_t ci = se->color >= 0 ? (size_t)se->color : s;
            double yy = ly + 16 + 18 * (double)s;
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2\"%s/><text x=\"%.1f\" y=\"%.1f\">",
                    lx + 6, yy - 4, lx + 30, yy - 4, plot_palette[ci % PLOT_NCOLORS],
                    se->dashed ? " stroke-dasharray=\"6,4\"" : "", lx + 35, yy);
            plot_esc(f, se->name);
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
