/*
 * tools/l4kit/cmd_netem.c — `l4kit netem`: the emulator in real time between
 * two TUN devices, each in its own network namespace, so the kernel's own
 * traffic crosses an l4kit link (io/netem.h does the work).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "units.h"
#include "io/clock.h"
#include "io/netem.h"
#include "io/pcap.h"
#include "io/tun.h"
#include "json.h"
#include "sim/link_spec.h"

static const char netem_help[] =
    "usage: l4kit netem --a NS:TUN[:ADDR/PREFIX] --b NS:TUN[:ADDR/PREFIX]\n"
    "                   [--link SPEC] [--link-back SPEC] [--seed N] [--duration TIME]\n"
    "                   [--mtu N] [--stats] [--json] [--pcap FILE]\n"
    "\n"
    "For each side, creates TUN device TUN in network namespace NS (made by\n"
    "'ip netns add NS'; an empty NS means the current one), gives the kernel the\n"
    "address ADDR/PREFIX on it when given and brings it up. Every packet one\n"
    "device receives from the kernel is carried to the other through an emulated\n"
    "link, in real time. Runs until --duration is over or SIGINT/SIGTERM, then\n"
    "prints the counters of each direction. Needs root.\n"
    "\n"
    "  --a NS:TUN[:ADDR/PREFIX]  side A, e.g. nsa:l4a:10.231.0.1/24 or nsa:l4a:fd00::1/64\n"
    "  --b NS:TUN[:ADDR/PREFIX]  side B, e.g. nsb:l4b:10.231.0.2/24\n"
    "  --link SPEC       the A->B direction, in the link spec of 'l4kit sim':\n"
    "                    rate 50mbit delay 10ms jitter 1ms loss 1% loss-burst 2\n"
    "                    reorder 1% duplicate 0.1% corrupt 0.1% queue 100\n"
    "                    ecn-threshold 20 (any subset; default: an ideal link)\n"
    "  --link-back SPEC  the B->A direction (default: the same as --link)\n"
    "  --seed N          seed of the link's random decisions (default 1)\n"
    "  --duration TIME   stop after TIME (ns us ms s m: 30s, 1.5m); default: at a signal\n"
    "  --mtu N           MTU of both devices (default 1500)\n"
    "  --stats           print each direction's counters to stderr every second\n"
    "  --json            print the final counters as one JSON object\n"
    "  --pcap FILE       write every packet the link delivers, both directions, to\n"
    "                    FILE (raw IP, wall-clock time of delivery)\n"
    "\n"
    "Once both devices are up it prints 'l4kit netem: running ...' on stderr.\n"
    "Exit status: 0 after a clean stop, 1 on a run-time failure, 2 on bad input\n"
    "(including a namespace that does not exist).\n";

/* A one-line reason on stderr and the usage exit status. */
static int netem_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int netem_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "l4kit netem: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

/* "NS:TUN[:ADDR/PREFIX]" into cfg; the strings point into `buf` (a copy of text). */
static int netem_parse_side(const char *flag, const char *text, char *buf, size_t cap,
                            l4_tun_config *cfg)
{
    if (strlen(text) >= cap)
        return netem_bad("%s '%s' is too long", flag, text);
    strcpy(buf, text);
    char *c1 = strchr(buf, ':');
    if (!c1)
        return netem_bad("%s '%s': expected NS:TUN[:ADDR/PREFIX]", flag, text);
    *c1 = '\0';
    char *tun = c1 + 1;
    char *c2 = strchr(tun, ':'); /* the rest may hold IPv6 colons */
    if (c2)
        *c2 = '\0';
    cfg->netns = buf;
    cfg->name = tun;
    cfg->up = 1;
    if (!tun[0])
        return netem_bad("%s '%s': the TUN device name is empty", flag, text);
    if (strlen(tun) >= L4_TUN_NAMESIZ)
        return netem_bad("%s: device name '%s' is longer than 15 characters", flag, tun);
    if (strchr(buf, '/'))
        return netem_bad("%s: '%s' is not a namespace name (see 'ip netns list')", flag, buf);
    if (c2) {
        if (l4_tun_parse_cidr(c2 + 1, &cfg->addr, &cfg->prefix) != 0)
            return netem_bad("%s: bad address '%s' (expected ADDR/PREFIX, e.g. 10.231.0.1/24)",
                             flag, c2 + 1);
        cfg->has_addr = 1;
    }
    return 0;
}

/* ---- output ----------------------------------------------------------------- */

typedef struct netem_cli {
    l4_netem *ne;
    l4_pcap_writer *pcap;
    const char *spec_text[2]; /* canonical spec text per direction */
    int stats_timer;
} netem_cli;

static const char *const netem_dir_name[2] = {"a->b", "b->a"};

static uint64_t netem_dropped(const l4_netem_dir_stats *s)
{
    return s->link.dropped_loss + s->link.dropped_queue + s->write_errors;
}

/* The netem tap: delivered packets into the capture. */
static void netem_pcap_tap(void *user, int dir, int event, l4_time wall, const uint8_t *pkt,
                           size_t len)
{
    (void)dir;
    netem_cli *cli = user;
    if (event == L4_SIM_TAP_DELIVER)
        (void)l4_pcap_writer_write(cli->pcap, wall, pkt, len); /* failures reported at close */
}

static void netem_on_stats(void *user, l4_time now)
{
    netem_cli *cli = user;
    fprintf(stderr, "l4kit netem: %6.1fs", l4_netem_elapsed(cli->ne));
    for (int d = 0; d < 2; d++) {
        l4_netem_dir_stats s;
        l4_netem_stats(cli->ne, d, &s);
        fprintf(stderr,
                "  %s read %" PRIu64 " delivered %" PRIu64 " dropped %" PRIu64 " (loss %" PRIu64
                " queue %" PRIu64 ") marked %" PRIu64,
                netem_dir_name[d], s.read_pkts, s.written_pkts, netem_dropped(&s),
                s.link.dropped_loss, s.link.dropped_queue, s.link.ce_marked);
    }
    fputc('\n', stderr);
    l4_loop_timer_set(l4_netem_loop(cli->ne), cli->stats_timer, now + L4_S);
}

static void netem_print_text(const netem_cli *cli)
{
    int sig = l4_netem_stop_signal(cli->ne);
    printf("l4kit netem: ran %.3f s (%s), %.3f s of CPU\n", l4_netem_elapsed(cli->ne),
           sig == SIGINT    ? "SIGINT"
           : sig == SIGTERM ? "SIGTERM"
                            : "done",
           (double)l4_io_cpu_time() / 1e9);
    for (int d = 0; d < 2; d++) {
        l4_netem_dir_stats s;
        l4_netem_stats(cli->ne, d, &s);
        const l4_link_stats *l = &s.link;
        if (cli->spec_text[d][0])
            printf("  %s  link \"%s\"\n", netem_dir_name[d], cli->spec_text[d]);
        else
            printf("  %s  link (ideal)\n", netem_dir_name[d]);
        printf("        read %" PRIu64 " pkts (%" PRIu64 " bytes), sent %" PRIu64
               ", delivered %" PRIu64 " pkts (%" PRIu64 " bytes)\n",
               s.read_pkts, s.read_bytes, l->sent_pkts, s.written_pkts, s.written_bytes);
        printf("        dropped %" PRIu64 ": loss %" PRIu64 ", queue %" PRIu64
               ", device write %" PRIu64 "\n",
               netem_dropped(&s), l->dropped_loss, l->dropped_queue, s.write_errors);
        printf("        corrupted %" PRIu64 ", duplicated %" PRIu64 ", reordered %" PRIu64
               ", CE-marked %" PRIu64 "\n",
               l->corrupted, l->duplicated, l->reordered, l->ce_marked);
        printf("        queue high-water %" PRIu64 " pkts / %" PRIu64
               " bytes; delivery lateness mean %.1f us, max %.1f us\n",
               l->queue_hwm_pkts, l->queue_hwm_bytes,
               l->delivered_pkts ? (double)s.late_sum_ns / 1e3 / (double)l->delivered_pkts : 0.0,
               (double)s.late_max_ns / 1e3);
    }
}

static void netem_print_json(const netem_cli *cli, const l4_netem_config *cfg, uint64_t seed)
{
    int sig = l4_netem_stop_signal(cli->ne);
    printf("{\"seed\":%" PRIu64 ",\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"stopped_by\":\"%s\",",
           seed, l4_netem_elapsed(cli->ne), (double)l4_io_cpu_time() / 1e9,
           sig == SIGINT    ? "SIGINT"
           : sig == SIGTERM ? "SIGTERM"
                            : "duration");
    const l4_tun_config *tc[2] = {&cfg->a, &cfg->b};
    for (int i = 0; i < 2; i++) {
        printf("\"%c\":{\"netns\":", 'a' + i);
        json_str(stdout, tc[i]->netns);
        printf(",\"tun\":");
        json_str(stdout, l4_netem_tun(cli->ne, i)->name);
        printf(",\"mtu\":%d},", l4_netem_tun(cli->ne, i)->mtu);
    }
    printf("\"link\":{");
    for (int d = 0; d < 2; d++) {
        l4_netem_dir_stats s;
        l4_netem_stats(cli->ne, d, &s);
        const l4_link_stats *l = &s.link;
        printf("%s\"%s\":{\"spec\":", d ? "," : "", d ? "b_to_a" : "a_to_b");
        json_str(stdout, cli->spec_text[d]);
        printf(",\"read\":%" PRIu64 ",\"read_bytes\":%" PRIu64 ",\"offered\":%" PRIu64
               ",\"sent\":%" PRIu64 ",\"delivered\":%" PRIu64 ",\"delivered_bytes\":%" PRIu64
               ",\"dropped\":%" PRIu64 ",\"dropped_loss\":%" PRIu64 ",\"dropped_queue\":%" PRIu64
               ",\"dropped_write\":%" PRIu64 ",\"corrupted\":%" PRIu64 ",\"duplicated\":%" PRIu64
               ",\"reordered\":%" PRIu64 ",\"marked\":%" PRIu64 ",\"queue_hwm_pkts\":%" PRIu64
               ",\"queue_hwm_bytes\":%" PRIu64 ",\"late_mean_us\":%.1f,\"late_max_us\":%.1f}",
               s.read_pkts, s.read_bytes, l->offered_pkts, l->sent_pkts, s.written_pkts,
               s.written_bytes, netem_dropped(&s), l->dropped_loss, l->dropped_queue,
               s.write_errors, l->corrupted, l->duplicated, l->reordered, l->ce_marked,
               l->queue_hwm_pkts, l->queue_hwm_bytes,
               l->delivered_pkts ? (double)s.late_sum_ns / 1e3 / (double)l->delivered_pkts : 0.0,
               (double)s.late_max_ns / 1e3);
    }
    printf("}}\n");
}

/* ---- the command ---------------------------------------------------------- */

int cmd_netem(int argc, char **argv)
{
    l4_netem_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char side_buf[2][256];
    const char *side_text[2] = {NULL, NULL};
    const char *link = NULL, *link_back = NULL, *pcap = NULL;
    uint64_t seed = 1;
    int stats = 0, json = 0, mtu = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(netem_help, stdout);
            return 0;
        }
        if (!strcmp(arg, "--stats")) {
            stats = 1;
            continue;
        }
        if (!strcmp(arg, "--json")) {
            json = 1;
            continue;
        }
        static const char *const with_value[] = {
            "--a", "--b", "--link", "--link-back", "--seed", "--duration", "--mtu", "--pcap", NULL};
        int known = 0;
        for (int k = 0; with_value[k]; k++)
            known |= !strcmp(arg, with_value[k]);
        if (!known)
            return netem_bad("unknown option '%s' (try 'l4kit netem --help')", arg);
        if (i + 1 >= argc)
            return netem_bad("%s needs a value", arg);
        const char *val = argv[++i];
        if (!strcmp(arg, "--a") || !strcmp(arg, "--b")) {
            int s = arg[2] == 'b';
            if (side_text[s])
                return netem_bad("%s given twice", arg);
            side_text[s] = val;
            int rc =
                netem_parse_side(arg, val, side_buf[s], sizeof side_buf[s], s ? &cfg.b : &cfg.a);
            if (rc)
                return rc;
        } else if (!strcmp(arg, "--link")) {
            link = val;
        } else if (!strcmp(arg, "--pcap")) {
            pcap = val;
        } else if (!strcmp(arg, "--link-back")) {
            link_back = val;
        } else if (!strcmp(arg, "--seed")) {
            char *end = NULL;
            errno = 0;
            unsigned long long v = strtoull(val, &end, 0);
            if (!val[0] || *end || errno || val[0] == '-')
                return netem_bad("--seed '%s' is not a non-negative integer", val);
            seed = v;
        } else if (!strcmp(arg, "--duration")) {
            if (units_parse_time(val, &cfg.duration) != 0 || cfg.duration == 0)
                return netem_bad("--duration '%s': expected a positive time with a unit "
                                 "(ns, us, ms, s, m), e.g. 30s",
                                 val);
        } else if (!strcmp(arg, "--mtu")) {
            char *end = NULL;
            long v = strtol(val, &end, 10);
            if (!val[0] || *end || v < 68 || v > 65535)
                return netem_bad("--mtu '%s' out of range 68-65535", val);
            mtu = (int)v;
        }
    }
    if (!side_text[0] || !side_text[1])
        return netem_bad("%s is required (try 'l4kit netem --help')", side_text[0] ? "--b" : "--a");
    if (!strcmp(cfg.a.netns, cfg.b.netns) && !strcmp(cfg.a.name, cfg.b.name))
        return netem_bad("--a and --b name the same device '%s'", cfg.a.name);

    char why[256];
    if (l4_link_spec_parse(&cfg.a_to_b, link ? link : "", why, sizeof why) != 0)
        return netem_bad("--link: %s", why);
    if (l4_link_spec_parse(&cfg.b_to_a,
                           link_back ? link_back
                           : link    ? link
                                     : "",
                           why, sizeof why) != 0)
        return netem_bad("--link-back: %s", why);
    cfg.a.mtu = cfg.b.mtu = mtu;
    cfg.seed = seed;
    cfg.catch_signals = 1;

    netem_cli cli;
    memset(&cli, 0, sizeof cli);
    char spec_text[2][512];
    l4_link_spec_format(&cfg.a_to_b, spec_text[0], sizeof spec_text[0]);
    l4_link_spec_format(&cfg.b_to_a, spec_text[1], sizeof spec_text[1]);
    cli.spec_text[0] = spec_text[0];
    cli.spec_text[1] = spec_text[1];

    char err[512];
    if (pcap) {
        if (l4_pcap_writer_open(&cli.pcap, pcap, err, sizeof err) != 0) {
            fprintf(stderr, "l4kit netem: --pcap: %s\n", err);
            return 2;
        }
        cfg.tap = netem_pcap_tap;
        cfg.tap_user = &cli;
    }
    int rc = l4_netem_new(&cli.ne, &cfg, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "l4kit netem: %s\n", err);
        if (cli.pcap) {
            l4_pcap_writer_close(cli.pcap);
            unlink(pcap); /* nothing ran: leave no empty capture behind */
        }
        /* A namespace or a setting that does not exist is bad input. */
        return rc == L4_ERR_NOT_FOUND || rc == L4_ERR_INVALID_ARGUMENT ? 2 : 1;
    }
    if (stats) {
        l4_loop *loop = l4_netem_loop(cli.ne);
        cli.stats_timer = l4_loop_timer_add(loop, netem_on_stats, &cli);
        if (cli.stats_timer >= 0)
            l4_loop_timer_set(loop, cli.stats_timer, l4_io_now() + L4_S);
    }
    fprintf(stderr, "l4kit netem: running A=%s:%s B=%s:%s, a->b \"%s\", b->a \"%s\"\n", cfg.a.netns,
            l4_netem_tun(cli.ne, 0)->name, cfg.b.netns, l4_netem_tun(cli.ne, 1)->name, spec_text[0],
            spec_text[1]);
    rc = l4_netem_run(cli.ne);
    if (json)
        netem_print_json(&cli, &cfg, seed);
    else
        netem_print_text(&cli);
    fflush(stdout);
    if (rc != 0)
        fprintf(stderr, "l4kit netem: %s\n", l4_netem_error(cli.ne));
    l4_netem_del(cli.ne);
    if (cli.pcap && l4_pcap_writer_close(cli.pcap) != 0) {
        fprintf(stderr, "l4kit netem: --pcap: writing %s failed\n", pcap);
        rc = L4_ERR_IO;
    }
    return rc != 0 ? 1 : 0;
}
