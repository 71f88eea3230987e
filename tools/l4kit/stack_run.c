/* tools/l4kit/stack_run.c — shared setup of the stack subcommands (see stack_run.h). */
#include "stack_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "args.h"
#include "io/clock.h"
#include "io/tun.h"

/* The help lines for these options, in every usage text at its "%s". */
static const char stack_opts_help[] =
    "  --tun NAME        TUN device to create (or attach) in the current network\n"
    "                    namespace and bring up (required)\n"
    "  --tun-addr A/P    the kernel's address on the device, e.g. 10.232.1.1/24 (required)\n"
    "  --addr ADDR       the l4kit host's own address on it, e.g. 10.232.1.2 (required)\n"
    "  --mtu N           device MTU (default 1500, at least 1280)\n"
    "  --cc NAME         TCP congestion control (reno, cubic, ...; default reno)\n"
    "  --seed N          seed of the host's randomness (default: from getrandom)\n"
    "  --syn-recycle     when the SYN queue is full, reset the oldest half-open\n"
    "                    connection to admit the new SYN (RFC 4987 3.3; SYN-flood defence)\n"
    "  --no-syncookies   drop SYNs when the SYN queue is full instead of answering\n"
    "                    with SYN cookies (RFC 4987 3.6; on by default, as in Linux)\n"
    "  --no-offload      plain packets on the device: no checksum offload and no TCP\n"
    "                    segments of up to 64 KB (IFF_VNET_HDR + TSO; on by default,\n"
    "                    off by itself when the kernel refuses)\n";

static int stack_bad(const char *cmd, const char *what, const char *val)
{
    fprintf(stderr, "l4kit %s: %s '%s'\n", cmd, what, val);
    return 2;
}

int stack_opt(const char *cmd, const char *usage, stack_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--syn-recycle")) {
        o->syn_recycle = 1;
        return ARGS_TAKEN;
    }
    if (!strcmp(a, "--no-syncookies")) {
        o->no_syncookies = 1;
        return ARGS_TAKEN;
    }
    if (!strcmp(a, "--no-offload")) {
        o->no_offload = 1;
        return ARGS_TAKEN;
    }
    static const char *const names[] = {"--tun", "--tun-addr", "--addr", "--mtu", "--cc", "--seed"};
    int which = -1;
    for (int k = 0; k < 6; k++)
        if (!strcmp(a, names[k]))
            which = k;
    if (which < 0)
        return args_help(a, usage, stack_opts_help);
    const char *v = args_value(cmd, argc, argv, i);
    if (!v)
        return 2;
    char *end = NULL;
    switch (which) {
    case 0:
        if (!v[0] || strlen(v) >= L4_TUN_NAMESIZ || strchr(v, '/'))
            return stack_bad(cmd, "--tun: not a device name (1-15 characters):", v);
        o->tun = v;
        break;
    case 1:
        if (!strchr(v, '/') || l4_tun_parse_cidr(v, &o->tun_addr, &o->tun_prefix) != 0)
            return stack_bad(cmd, "--tun-addr: expected ADDR/PREFIX, got", v);
        o->has_tun_addr = 1;
        break;
    case 2:
        if (l4_addr_parse(&o->addr, v) != 0)
            return stack_bad(cmd, "--addr: not an IPv4 or IPv6 address:", v);
        o->has_addr = 1;
        break;
    case 3: {
        long m;
        if (args_long(v, 1280, 65535, &m) != 0)
            return stack_bad(cmd, "--mtu: expected 1280..65535, got", v);
        o->mtu = (int)m;
        break;
    }
    case 4:
        o->cc = v;
        break;
    case 5:
        errno = 0;
        o->seed = strtoull(v, &end, 0);
        if (end == v || *end || errno || v[0] == '-')
            return stack_bad(cmd, "--seed: not a number:", v);
        o->has_seed = 1;
        break;
    }
    return ARGS_TAKEN;
}

int stack_opts_check(const char *cmd, const stack_opts *o)
{
    const char *miss = !o->tun            ? "--tun NAME"
                       : !o->has_tun_addr ? "--tun-addr ADDR/PREFIX"
                       : !o->has_addr     ? "--addr ADDR"
                                          : NULL;
    if (miss) {
        fprintf(stderr, "l4kit %s: %s is required (see --help)\n", cmd, miss);
        return 2;
    }
    if (o->addr.family != o->tun_addr.family) {
        fprintf(stderr, "l4kit %s: --addr and --tun-addr must be the same family\n", cmd);
        return 2;
    }
    if (l4_addr_eq(&o->addr, &o->tun_addr)) {
        fprintf(stderr, "l4kit %s: --addr must differ from the kernel's --tun-addr\n", cmd);
        return 2;
    }
    return 0;
}

static int stack_snapshot(void *user, FILE *f)
{
    stack *s = user;
    l4_ctl_write_host(f, s->h, stack_now(s));
    return 0;
}

int stack_open(stack *s, const char *cmd, const stack_opts *o)
{
    memset(s, 0, sizeof *s);
    s->loop = l4_loop_new();
    if (!s->loop) {
        fprintf(stderr, "l4kit %s: cannot create the event loop: %s\n", cmd, strerror(errno));
        return 1;
    }
    l4_loop_catch_signals(s->loop);
    l4_host_config hc;
    l4_host_config_default(&hc);
    if (o->has_seed) {
        hc.seed = o->seed;
    } else if (getrandom(&hc.seed, sizeof hc.seed, 0) != (ssize_t)sizeof hc.seed) {
        hc.seed = l4_io_now() ^ ((uint64_t)getpid() << 32);
    }
    if (o->cc)
        hc.tcp.cc = o->cc;
    hc.tcp_syn_recycle = (uint8_t)o->syn_recycle;
    if (o->no_syncookies)
        hc.tcp_syncookies = 0;
    /* Bulk transfers through TUN: buffers larger than the defaults. */
    hc.tcp.sndbuf = 4u << 20;
    hc.tcp.rcvbuf = 4u << 20;
    l4_tun_host_config tc;
    memset(&tc, 0, sizeof tc);
    tc.tun_name = o->tun;
    tc.tun_addr = o->tun_addr;
    tc.tun_prefix = o->tun_prefix;
    tc.addr = o->addr;
    tc.mtu = o->mtu;
    tc.host = &hc;
    tc.offload = !o->no_offload;
    char err[200];
    if (l4_tun_host_open(&s->th, s->loop, &tc, err, sizeof err) < 0) {
        fprintf(stderr, "l4kit %s: %s\n", cmd, err);
        stack_close(s);
        return 1;
    }
    s->h = l4_tun_host_host(s->th);
    if (l4_tun_host_offload_note(s->th)[0])
        fprintf(stderr, "l4kit %s: %s; plain packets\n", cmd, l4_tun_host_offload_note(s->th));
    if (l4_ctl_open(&s->ctl, s->loop, cmd, stack_snapshot, s, err, sizeof err) < 0)
        fprintf(stderr, "l4kit %s: warning: %s ('l4kit ss' will not see this stack)\n", cmd, err);
    return 0;
}

void stack_close(stack *s)
{
    l4_ctl_close(s->ctl);
    l4_tun_host_close(s->th);
    l4_loop_del(s->loop);
    memset(s, 0, sizeof *s);
}

int stack_listen(stack *s, const char *cmd, const l4_addr *addr, uint16_t port, int backlog,
                 const l4_socket_callbacks *cbs, void *user)
{
    int sd = l4_socket_open(s->h, addr->family, L4_SOCK_STREAM);
    int e = sd < 0 ? sd : l4_socket_set_reuseaddr(s->h, sd, 1);
    if (e == 0)
        e = l4_socket_bind(s->h, sd, addr, port);
    if (e == 0)
        e = l4_socket_set_callbacks(s->h, sd, cbs, user);
    if (e == 0)
        e = l4_socket_listen(s->h, sd, backlog);
    if (e < 0) {
        fprintf(stderr, "l4kit %s: listen on port %u: %s\n", cmd, (unsigned)port,
                l4_host_strerror(e));
        if (sd >= 0)
            l4_socket_close(s->h, sd, stack_now(s));
        return e;
    }
    return sd;
}

void stack_say_listening(const char *cmd, const stack_opts *o, unsigned port, const char *note)
{
    char where[64];
    stack_addr_port(where, sizeof where, &o->addr, port);
    fprintf(stderr, "l4kit %s: listening on %s (%s%sdevice %s)\n", cmd, where, note ? note : "",
            note ? ", " : "", o->tun);
}

void *stack_table_get(const stack_table *t, int sd)
{
    return sd >= 0 && (size_t)sd < t->n ? t->v[sd] : NULL;
}

int stack_table_fit(stack_table *t, int sd)
{
    if (sd < 0)
        return -1;
    if ((size_t)sd < t->n)
        return 0;
    size_t n = t->n ? t->n : 64;
    while (n <= (size_t)sd)
        n *= 2;
    void **v = realloc(t->v, n * sizeof *v);
    if (!v)
        return -1;
    memset(v + t->n, 0, (n - t->n) * sizeof *v);
    t->v = v;
    t->n = n;
    return 0;
}

void stack_table_free(stack_table *t)
{
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

l4_time stack_now(const stack *s)
{
    return l4_tun_host_now(s->th);
}

int stack_peer(const char *cmd, const stack_opts *o, const char *const *pos, int npos, l4_addr *dst,
               uint16_t *port)
{
    if (npos != 2) {
        fprintf(stderr, "l4kit %s: HOST and PORT are required\n", cmd);
        return 2;
    }
    if (l4_addr_parse(dst, pos[0]) != 0 || dst->family != o->addr.family) {
        fprintf(stderr, "l4kit %s: '%s' is not an address of the --addr family\n", cmd, pos[0]);
        return 2;
    }
    long p;
    if (args_long(pos[1], 1, 65535, &p) != 0) {
        fprintf(stderr, "l4kit %s: '%s' is not a port (1-65535)\n", cmd, pos[1]);
        return 2;
    }
    *port = (uint16_t)p;
    return 0;
}

void stack_addr_port(char *buf, size_t cap, const l4_addr *a, unsigned port)
{
    char t[48];
    if (l4_addr_format(a, t, sizeof t) < 0)
        snprintf(t, sizeof t, "?");
    if (a->family == L4_AF_INET6)
        snprintf(buf, cap, "[%s]:%u", t, port);
    else
        snprintf(buf, cap, "%s:%u", t, port);
}

int stack_sha_init(stack_sha *s)
{
    return gnutls_hash_init(&s->hd, GNUTLS_DIG_SHA256) == 0 ? 0 : -1;
}

void stack_sha_update(stack_sha *s, const void *data, size_t len)
{
    if (len)
        gnutls_hash(s->hd, data, len);
}

void stack_sha_final(stack_sha *s, char *hex)
{
    uint8_t d[32];
    gnutls_hash_deinit(s->hd, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* SplitMix64 finaliser: 8 pattern bytes per 64-bit block index. */
static uint64_t stack_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void stack_pattern(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t pos = off + i;
        uint64_t w = stack_mix(seed * 0x100000001b3ull ^ (pos >> 3));
        unsigned k = (unsigned)(pos & 7);
        for (; k < 8 && i < len; k++, i++)
            buf[i] = (uint8_t)(w >> (8 * k));
    }
}

void stack_json_device(const stack *s, FILE *f)
{
    unsigned off = l4_tun_host_offloads(s->th);
    const l4_tun_host_stats *st = l4_tun_host_stats_get(s->th);
    fprintf(f, ",\"offload\":\"%s%s%s\",\"gso_in\":%" PRIu64 ",\"gso_out\":%" PRIu64,
            off & L4_TUN_OFFLOAD_CSUM ? "csum" : "none", off & L4_TUN_OFFLOAD_TSO4 ? ",tso4" : "",
            off & L4_TUN_OFFLOAD_TSO6 ? ",tso6" : "", st->gso_in, st->gso_out);
}
