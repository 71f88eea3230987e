/*
 * tools/l4kit/plot.h — line plots written directly as SVG (the project's one
 * plotting choice: no cairo, no other library). One plot: a title, x and y
 * axes with "nice" ticks (1, 2, 5 x 10^k) and labels, any number of series
 * drawn as polylines (optionally as steps and dashed) and a legend.
 *
 * Either axis may be logarithmic (ticks at 1, 2, 5 x 10^k; values <= 0 are
 * not drawn). Series may carry point markers. Bands shade x ranges behind
 * the data and name them (the phases of a congestion-window plot); a band
 * of zero width is a labelled vertical line (an instant, e.g. an RTO).
 *
 * A point whose y is NaN breaks its line (e.g. ssthresh before it is set).
 * Series with many points are thinned per pixel column (first, min, max and
 * last point of each column are kept), so files stay small and the drawn
 * shape is the same.
 */
#ifndef L4_TOOLS_PLOT_H
#define L4_TOOLS_PLOT_H

#include <stddef.h>

typedef struct plot_series {
    const char *name; /* legend text */
    const double *x;  /* n values, ascending */
    const double *y;  /* n values; NaN = no value here */
    size_t n;
    int step; /* draw as a step function (value holds until the next point) */
    int dashed;
    int color;   /* index into the palette; -1: by position */
    int markers; /* also draw a small circle at every point */
    int no_line; /* markers only (with markers set): measured points, not a curve */
} plot_series;

typedef struct plot_band {
    double x0, x1;     /* x1 <= x0: a vertical line at x0 */
    const char *label; /* written at the top of the band when it fits (always for a line); NULL */
    const char *color; /* CSS colour: the fill (drawn light) or the line's colour */
} plot_band;

typedef struct plot_spec {
    const char *title;
    const char *xlabel, *ylabel;
    const plot_series *series;
    size_t nseries;
    double xmin, xmax; /* xmin >= xmax: from the data */
    double ymin, ymax; /* ymin >= ymax: 0 .. the data's maximum */
    int width, height; /* pixels; 0: 960 x 540 */
    int logx, logy;    /* logarithmic axes (the range then comes from the positive values) */
    const plot_band *bands;
    size_t nbands;
    const char *note; /* a line of small text under the title; NULL */
    int legend;       /* the legend's corner: PLOT_LEGEND_* */
} plot_spec;

#define PLOT_LEGEND_TR 0 /* top right (default) */
#define PLOT_LEGEND_TL 1
#define PLOT_LEGEND_BL 2
#define PLOT_LEGEND_BR 3

/**
 * Writes the plot to `path` as a standalone SVG 1.1 document. Text is
 * XML-escaped. Returns 0, or -1 with a one-line reason in `err` (`errcap`
 * bytes) when the file cannot be written.
 */
int plot_svg_write(const char *path, const plot_spec *p, char *err, size_t errcap);

/**
 * The tick step for a range of `span` with about `target` ticks: 1, 2 or 5
 * times a power of ten. Returns 1 for a span <= 0.
 */
double plot_nice_step(double span, int target);

#endif
