/* tools/l4kit/quic_tool.c — options, settings and the key log for the QUIC commands. */
#include "quic_tool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cc/cc.h"
#include "io/quic_qlog.h"
#include "quic/suites.h"
#include "units.h"

/* The help lines for these options, in every usage text at its "%s". */
static const char qt_opts_help[] =
    "  --cc NAME              congestion control: reno (NewReno, the default), cubic, bbr\n"
    "  --max-udp-payload N    largest UDP payload sent, 1200-16384 (default 1452)\n"
    "  --idle-timeout TIME    close a silent connection after TIME (default 30s)\n"
    "  --no-offload           do not use UDP GSO/GRO even where the kernel has them\n"
    "  --no-ecn               do not mark packets ECT(0) nor report ECN counts (RFC 9000 §13.4)\n"
    "  --qlog DIR             write a qlog file (JSON-SEQ, .sqlog) per connection into DIR\n"
    "  --ciphers LIST         TLS 1.3 cipher suites offered/accepted, comma-separated:\n"
    "                         aes128, aes256, chacha20 (or TLS_AES_128_GCM_SHA256 ...;\n"
    "                         default all three, RFC 9001 §5.3)\n";

int qt_opt(const char *cmd, const char *usage, qt_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--no-offload")) {
        o->no_offload = 1;
        return ARGS_TAKEN;
    }
    if (!strcmp(a, "--no-ecn")) {
        o->no_ecn = 1;
        return ARGS_TAKEN;
    }
    if (strcmp(a, "--cc") && strcmp(a, "--max-udp-payload") && strcmp(a, "--idle-timeout") &&
        strcmp(a, "--qlog") && strcmp(a, "--ciphers"))
        return args_help(a, usage, qt_opts_help);
    const char *v = args_value(cmd, argc, argv, i);
    if (!v)
        return 2;
    if (!strcmp(a, "--ciphers")) {
        const char *bad = NULL;
        if (l4_quic_suites_parse(v, &o->ciphers, &bad) != 0) {
            int n = 0;
            while (bad && bad[n] && bad[n] != ',')
                n++;
            fprintf(stderr,
                    "l4kit %s: --ciphers: unknown cipher suite '%.*s' (aes128, aes256, "
                    "chacha20)\n",
                    cmd, n, bad ? bad : "");
            return 2;
        }
    } else if (!strcmp(a, "--qlog")) {
        struct stat st;
        if (stat(v, &st) != 0 || !S_ISDIR(st.st_mode) || access(v, W_OK) != 0) {
            fprintf(stderr, "l4kit %s: --qlog %s: not a writable directory\n", cmd, v);
            return 2;
        }
        o->qlog_dir = v;
    } else if (!strcmp(a, "--cc")) {
        if (strcmp(v, "reno") && strcmp(v, "newreno") && strcmp(v, "cubic") && strcmp(v, "bbr")) {
            fprintf(stderr, "l4kit %s: unknown congestion control '%s' (reno, cubic, bbr)\n", cmd,
                    v);
            return 2;
        }
        o->cc = v;
    } else if (!strcmp(a, "--max-udp-payload")) {
        uint64_t n;
        if (units_parse_size(v, &n) != 0 || n < 1200 || n > 16384) {
            fprintf(stderr, "l4kit %s: bad --max-udp-payload '%s' (1200-16384)\n", cmd, v);
            return 2;
        }
        o->max_udp_payload = (size_t)n;
    } else {
        l4_time t;
        if (units_parse_time(v, &t) != 0 || t < L4_MS || t > 600 * L4_S) {
            fprintf(stderr, "l4kit %s: bad --idle-timeout '%s' (1ms-600s, with a unit)\n", cmd, v);
            return 2;
        }
        o->idle_timeout = t;
    }
    return ARGS_TAKEN;
}

void qt_settings(const qt_opts *o, l4_quic_settings *s)
{
    l4_quic_settings_default(s);
    s->cc = o->cc ? o->cc : "reno"; /* NewReno, as the engine (RFC 9002 §7) */
    s->max_datagram = o->max_udp_payload ? o->max_udp_payload : 1452;
    /* Windows that let one stream fill a fast path: 16 MiB per stream, 24 MiB per
     * connection (ngtcp2's example client uses 16 and 24 MiB too). */
    s->tp.initial_max_data = 24u << 20;
    s->tp.initial_max_stream_data_bidi_local = 16u << 20;
    s->tp.initial_max_stream_data_bidi_remote = 1u << 20;
    s->tp.initial_max_stream_data_uni = 1u << 20;
    s->tp.max_udp_payload_size = 16384; /* what our receive buffers take */
    s->tp.max_idle_timeout = (o->idle_timeout ? o->idle_timeout : 30 * L4_S) / L4_MS;
    s->ecn = !o->no_ecn;
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        seed = (uint64_t)(uintptr_t)s ^ 0x6c346b6974ull;
    s->seed = seed;
}

int qt_qlog(const char *cmd, const qt_opts *o, l4_quic_conn *c, l4_time now)
{
    static int last_errno;
    if (!o->qlog_dir)
        return 0;
    char title[64];
    snprintf(title, sizeof title, "l4kit %s", cmd);
    int rc = l4_quic_qlog_attach(c, o->qlog_dir, title, now, NULL, 0);
    if (rc == 0)
        return 0;
    int e = rc == L4_ERR_IO ? errno : ENOMEM;
    if (e != last_errno) /* a server would otherwise say it for every connection */
        fprintf(stderr, "l4kit %s: --qlog %s: %s\n", cmd, o->qlog_dir, strerror(e));
    last_errno = e;
    return -1;
}

void qt_ep_config(const qt_opts *o, l4_io_quic_ep_config *ec)
{
    memset(ec, 0, sizeof *ec);
    ec->offload = o->no_offload ? 0 : L4_IO_UDP_GSO | L4_IO_UDP_GRO;
    ec->max_datagram = o->max_udp_payload ? o->max_udp_payload : 1452;
    ec->ecn = !o->no_ecn;
}

static volatile sig_atomic_t qt_stop;

static void qt_on_signal(int sig)
{
    (void)sig;
    qt_stop = 1;
}

void qt_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = qt_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int qt_interrupted(void)
{
    return qt_stop;
}

static FILE *qt_keylog_file;

static void qt_keylog_line(void *user, const char *line)
{
    (void)user;
    if (qt_keylog_file) {
        fprintf(qt_keylog_file, "%s\n", line);
        fflush(qt_keylog_file);
    }
}

void (*qt_keylog(void))(void *user, const char *line)
{
    const char *path = getenv("SSLKEYLOGFILE");
    if (!path || !*path)
        return NULL;
    if (!qt_keylog_file && !(qt_keylog_file = fopen(path, "a")))
        return NULL;
    return qt_keylog_line;
}

void qt_keylog_close(void)
{
    if (qt_keylog_file)
        fclose(qt_keylog_file);
    qt_keylog_file = NULL;
}

int qt_read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1u << 20;
    uint8_t *b = malloc(cap + 1);
    if (!b) {
        fclose(f);
        errno = ENOMEM;
        return -1;
    }
    size_t n = fread(b, 1, cap + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err || n > cap) {
        free(b);
        errno = err ? EIO : EFBIG;
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

const char *qt_size(char *buf, size_t cap, double bytes)
{
    static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (bytes >= 1024 && i < 4) {
        bytes /= 1024;
        i++;
    }
    snprintf(buf, cap, i ? "%.1f %s" : "%.0f %s", bytes, u[i]);
    return buf;
}
