/*
 * tools/l4kit/cmd_plot.c — `l4kit plot`: line plots of CSV columns as SVG,
 * with the same writer as `l4kit sim --plot` (tools/l4kit/plot.c), so the
 * experiment tables (bench/cc_experiments.sh) become figures without another
 * plotting tool.
 *
 * Each series is FILE:XCOL:YCOL[:NAME[:STYLE,...]]: the columns are named by
 * the CSV's header row (the first line); a row whose x or y cell is empty or
 * not a number leaves a gap. Exit status: 0, 1 when a file cannot be read or
 * written, 2 on bad usage.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "plot.h"

static const char plot_usage[] =
    "usage: l4kit plot -o FILE.svg [options] SERIES...\n"
    "\n"
    "Draws columns of CSV files (with a header row) as one SVG line plot.\n"
    "SERIES is FILE:XCOL:YCOL[:NAME[:STYLE,...]], e.g. run.csv:t_s:total_mbps:CUBIC:dashed\n"
    "  STYLE  dashed | points (markers only) | markers (line and markers) | step\n"
    "         | color=N (palette index 0-9)\n"
    "\n"
    "  -o, --out FILE.svg  the plot to write (required)\n"
    "  --title TEXT        the title (default: none)\n"
    "  --note TEXT         a line of small text under the title\n"
    "  --xlabel TEXT       x axis label (default: XCOL of the first series)\n"
    "  --ylabel TEXT       y axis label (default: YCOL of the first series)\n"
    "  --logx, --logy      logarithmic axes (values <= 0 are left out)\n"
    "  --xmin N --xmax N   the x range (default: the data's)\n"
    "  --ymin N --ymax N   the y range (default: 0 .. the data's maximum)\n"
    "  --legend CORNER     tr (default), tl, bl or br\n"
    "\n"
    "Exit status: 0, 1 when a file cannot be read or written, 2 on bad usage.\n";

#define PLOT_MAX_SERIES 16

__attribute__((format(printf, 1, 2))) static int plot_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("l4kit plot: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

/* One series being read: its spec text (split in place) and its points. */
typedef struct plot_in {
    char *spec;
    const char *file, *xcol, *ycol, *name;
    double *x, *y;
    size_t n, cap;
} plot_in;

/* Splits "a,b,,c" in place: the next field of *line, NULL at the end. */
static char *plot_field(char **line)
{
    char *p = *line;
    if (!p)
        return NULL;
    char *c = strchr(p, ',');
    if (c) {
        *c = '\0';
        *line = c + 1;
    } else {
        *line = NULL;
    }
    size_t n = strlen(p);
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        p[--n] = '\0';
    return p;
}

static double plot_cell(const char *s)
{
    if (!s || !*s)
        return NAN;
    char *end = NULL;
    double v = strtod(s, &end);
    return end && *end == '\0' ? v : NAN;
}

/* Reads the two columns of in->file. Returns 0, 1 (file), 2 (no such column). */
static int plot_read(plot_in *in, char *err, size_t errcap)
{
    FILE *f = fopen(in->file, "r");
    if (!f) {
        snprintf(err, errcap, "cannot read %s: %s", in->file, strerror(errno));
        return 1;
    }
    char *line = NULL;
    size_t lcap = 0;
    int xi = -1, yi = -1, rc = 0;
    if (getline(&line, &lcap, f) < 0) {
        snprintf(err, errcap, "%s is empty", in->file);
        rc = 1;
        goto out;
    }
    char *cur = line, *fld;
    for (int i = 0; (fld = plot_field(&cur)) != NULL; i++) {
        if (xi < 0 && !strcmp(fld, in->xcol))
            xi = i;
        if (yi < 0 && !strcmp(fld, in->ycol))
            yi = i;
    }
    if (xi < 0 || yi < 0) {
        snprintf(err, errcap, "%s has no column '%s'", in->file, xi < 0 ? in->xcol : in->ycol);
        rc = 2;
        goto out;
    }
    while (getline(&line, &lcap, f) >= 0) {
        double x = NAN, y = NAN;
        cur = line;
        for (int i = 0; (fld = plot_field(&cur)) != NULL; i++) {
            if (i == xi)
                x = plot_cell(fld);
            if (i == yi)
                y = plot_cell(fld);
        }
        if (isnan(x))
            continue;
        if (in->n == in->cap) {
            size_t nc = in->cap ? in->cap * 2 : 256;
            double *nx = realloc(in->x, nc * sizeof *nx);
            if (nx)
                in->x = nx;
            double *ny = nx ? realloc(in->y, nc * sizeof *ny) : NULL;
            if (!nx || !ny) {
                snprintf(err, errcap, "out of memory");
                rc = 1;
                goto out;
            }
            in->y = ny;
            in->cap = nc;
        }
        in->x[in->n] = x;
        in->y[in->n++] = y;
    }
    if (ferror(f)) {
        snprintf(err, errcap, "cannot read %s", in->file);
        rc = 1;
    }
out:
    free(line);
    fclose(f);
    return rc;
}

/* Parses one SERIES argument into in and se. Returns 0 or 2 (message printed). */
static int plot_spec_series(const char *arg, plot_in *in, plot_series *se, int index)
{
    in->spec = strdup(arg);
    if (!in->spec)
        return plot_bad("out of memory");
    char *parts[5] = {0};
    int np = 0;
    char *p = in->spec;
    while (np < 5) {
        parts[np++] = p;
        char *c = strchr(p, ':');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    if (np < 3 || !*parts[0] || !*parts[1] || !*parts[2] || strchr(p, ':'))
        return plot_bad("series '%s' is not FILE:XCOL:YCOL[:NAME[:STYLE]]", arg);
    in->file = parts[0];
    in->xcol = parts[1];
    in->ycol = parts[2];
    in->name = np > 3 && *parts[3] ? parts[3] : parts[2];
    memset(se, 0, sizeof *se);
    se->color = index;
    if (np > 4) {
        char *cur = parts[4], *st;
        while ((st = plot_field(&cur)) != NULL) {
            if (!strcmp(st, "dashed"))
                se->dashed = 1;
            else if (!strcmp(st, "points"))
                se->markers = se->no_line = 1;
            else if (!strcmp(st, "markers"))
                se->markers = 1;
            else if (!strcmp(st, "step"))
                se->step = 1;
            else if (!strncmp(st, "color=", 6) && st[6] >= '0' && st[6] <= '9' && !st[7])
                se->color = st[6] - '0';
            else if (*st)
                return plot_bad("series '%s': unknown style '%s' (dashed, points, markers, "
                                "step, color=N)",
                                arg, st);
        }
    }
    return 0;
}

static int plot_number(const char *opt, const char *v, double *out)
{
    char *end = NULL;
    *out = v ? strtod(v, &end) : NAN;
    if (!v || !*v || *end || isnan(*out) || isinf(*out))
        return plot_bad("%s '%s' is not a number", opt, v ? v : "");
    return 0;
}

int cmd_plot(int argc, char **argv)
{
    plot_spec ps;
    memset(&ps, 0, sizeof ps);
    const char *out = NULL;
    plot_in in[PLOT_MAX_SERIES];
    plot_series se[PLOT_MAX_SERIES];
    memset(in, 0, sizeof in);
    int n = 0, rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(plot_usage, stdout);
            goto done;
        }
        if (!strcmp(a, "--logx")) {
            ps.logx = 1;
            continue;
        }
        if (!strcmp(a, "--logy")) {
            ps.logy = 1;
            continue;
        }
        if (a[0] == '-' && a[1]) {
            static const char *const with_value[] = {"-o",       "--out",    "--title", "--note",
                                                     "--xlabel", "--ylabel", "--xmin",  "--xmax",
                                                     "--ymin",   "--ymax",   "--legend"};
            int known = 0;
            for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
                known |= !strcmp(a, with_value[k]);
            if (!known) {
                rc = plot_bad("unknown argument '%s' (try --help)", a);
                break;
            }
            if (i + 1 >= argc) {
                rc = plot_bad("%s needs a value", a);
                break;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-o") || !strcmp(a, "--out"))
                out = v;
            else if (!strcmp(a, "--title"))
                ps.title = v;
            else if (!strcmp(a, "--note"))
                ps.note = v;
            else if (!strcmp(a, "--xlabel"))
                ps.xlabel = v;
            else if (!strcmp(a, "--ylabel"))
                ps.ylabel = v;
            else if (!strcmp(a, "--xmin"))
                rc = plot_number(a, v, &ps.xmin);
            else if (!strcmp(a, "--xmax"))
                rc = plot_number(a, v, &ps.xmax);
            else if (!strcmp(a, "--legend")) {
                static const char *const corners[] = {"tr", "tl", "bl", "br"};
                ps.legend = -1;
                for (int k = 0; k < 4; k++)
                    if (!strcmp(v, corners[k]))
                        ps.legend = k;
                if (ps.legend < 0)
                    rc = plot_bad("--legend '%s' is not tr, tl, bl or br", v);
            } else if (!strcmp(a, "--ymin"))
                rc = plot_number(a, v, &ps.ymin);
            else
                rc = plot_number(a, v, &ps.ymax);
            continue;
        }
        if (n == PLOT_MAX_SERIES) {
            rc = plot_bad("at most %d series", PLOT_MAX_SERIES);
            break;
        }
        rc = plot_spec_series(a, &in[n], &se[n], n);
        n++;
    }
    if (rc)
        goto done;
    if (!out) {
        rc = plot_bad("-o FILE.svg is required (try --help)");
        goto done;
    }
    if (n == 0) {
        rc = plot_bad("no series given (FILE:XCOL:YCOL; try --help)");
        goto done;
    }
    char err[512];
    for (int k = 0; k < n; k++) {
        int r = plot_read(&in[k], err, sizeof err);
        if (r) {
            fprintf(stderr, "l4kit plot: %s\n", err);
            rc = r;
            goto done;
        }
        se[k].name = in[k].name;
        se[k].x = in[k].x;
        se[k].y = in[k].y;
        se[k].n = in[k].n;
    }
    if (!ps.title)
        ps.title = "";
    if (!ps.xlabel)
        ps.xlabel = in[0].xcol;
    if (!ps.ylabel)
        ps.ylabel = in[0].ycol;
    ps.series = se;
    ps.nseries = (size_t)n;
    if (plot_svg_write(out, &ps, err, sizeof err)) {
        fprintf(stderr, "l4kit plot: %s\n", err);
        rc = 1;
    }
done:
    for (int k = 0; k < n; k++) {
        free(in[k].spec);
        free(in[k].x);
        free(in[k].y);
    }
    return rc;
}
