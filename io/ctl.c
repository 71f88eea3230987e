/* io/ctl.c — the control socket `l4kit ss` queries (see ctl.h). */
#include "io/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/socket.h"
#include "io/clock.h"

struct l4_ctl {
    l4_loop *loop;
    int fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char prog[32];
    l4_ctl_snapshot_fn fn;
    void *user;
};

static void ctl_msg(char *errmsg, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ctl_msg(char *errmsg, size_t errcap, const char *fmt, ...)
{
    if (!errmsg || !errcap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, errcap, fmt, ap);
    va_end(ap);
}

int l4_ctl_dir(char *buf, size_t cap)
{
    const char *env = getenv("L4KIT_RUN_DIR");
    int n;
    if (env && env[0])
        n = snprintf(buf, cap, "%s", env);
    else if (geteuid() == 0)
        n = snprintf(buf, cap, "/run/l4kit");
    else if ((env = getenv("XDG_RUNTIME_DIR")) && env[0])
        n = snprintf(buf, cap, "%s/l4kit", env);
    else
        n = snprintf(buf, cap, "/tmp/l4kit-%u", (unsigned)geteuid());
    return (n < 0 || (size_t)n >= cap) ? L4_ERR_NOBUF : 0;
}

const char *l4_ctl_state_name(l4_tcp_state s)
{
    switch (s) {
    case L4_TCP_CLOSED:
        return "CLOSE";
    case L4_TCP_LISTEN:
        return "LISTEN";
    case L4_TCP_SYN_SENT:
        return "SYN-SENT";
    case L4_TCP_SYN_RECEIVED:
        return "SYN-RECV";
    case L4_TCP_ESTABLISHED:
        return "ESTAB";
    case L4_TCP_FIN_WAIT_1:
        return "FIN-WAIT-1";
    case L4_TCP_FIN_WAIT_2:
        return "FIN-WAIT-2";
    case L4_TCP_CLOSE_WAIT:
        return "CLOSE-WAIT";
    case L4_TCP_CLOSING:
        return "CLOSING";
    case L4_TCP_LAST_ACK:
        return "LAST-ACK";
    case L4_TCP_TIME_WAIT:
        return "TIME-WAIT";
    }
    return "UNKNOWN";
}

typedef struct ctl_write_ctx {
    FILE *f;
    l4_time now;
    size_t lines;
} ctl_write_ctx;

static void ctl_write_one(const l4_socket_info *in, void *user)
{
    ctl_write_ctx *w = user;
    char local[48], peer[48];
    if (l4_addr_format(&in->local, local, sizeof local) < 0)
        snprintf(local, sizeof local, "*");
    int has_peer = in->pport != 0;
    if (!has_peer || l4_addr_format(&in->peer, peer, sizeof peer) < 0)
        snprintf(peer, sizeof peer, "*");
    const char *state;
    uint64_t recvq = in->recvq, sendq = in->sendq;
    if (in->type == L4_SOCK_DGRAM) {
        state = has_peer ? "ESTAB" : "UNCONN";
    } else if (in->listening) {
        state = "LISTEN";
        recvq = in->accept_queue;
        sendq = in->backlog;
    } else {
        state = l4_ctl_state_name(in->state);
    }
    fprintf(w->f, "%s\t%s\t%s\t%u\t%s\t%u\t%" PRIu64 "\t%" PRIu64,
            in->type == L4_SOCK_DGRAM ? "udp" : "tcp", state, local, (unsigned)in->lport, peer,
            has_peer ? (unsigned)in->pport : 0u, recvq, sendq);
    if (in->has_tcp_info) {
        const l4_tcp_info *t = &in->tcp;
        fprintf(w->f, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64, t->cwnd, t->srtt / 1000,
                t->rttvar / 1000, t->rto / 1000);
    } else {
        fputs("\t-\t-\t-\t-", w->f);
    }
    if (!in->has_tcp_info || in->tcp.timer == L4_TCP_TIMER_NONE) {
        fputs("\t-\t-\t-", w->f);
    } else {
        const l4_tcp_info *t = &in->tcp;
        uint64_t left = t->timer_at > w->now ? (t->timer_at - w->now) / 1000 : 0;
        fprintf(w->f, "\t%s\t%" PRIu64 "\t%u", l4_tcp_timer_name(t->timer), left,
                (unsigned)t->timer_count);
    }
    if (in->has_tcp_info)
        fprintf(w->f, "\t%" PRIu64 "\t%u\n", in->tcp.retransmits, (unsigned)in->tcp.mss);
    else
        fputs("\t-\t-\n", w->f);
    w->lines++;
}

size_t l4_ctl_write_host(FILE *f, l4_host *h, l4_time now)
{
    ctl_write_ctx w = {f, now, 0};
    l4_host_sockets(h, ctl_write_one, &w);
    return w.lines;
}

/* A decimal field, or "-" (sets *dash). */
static int ctl_num(const char *text, uint64_t *out, int *dash)
{
    if (!strcmp(text, "-")) {
        *out = 0;
        if (dash)
            *dash = 1;
        return dash ? 0 : -1;
    }
    if (!text[0] || text[0] < '0' || text[0] > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int ctl_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

#define CTL_FIELDS 17

int l4_ctl_parse_line(const char *line, l4_ctl_sock *s)
{
    char buf[512];
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (n >= sizeof buf)
        return L4_ERR_MALFORMED;
    memcpy(buf, line, n);
    buf[n] = '\0';
    char *f[CTL_FIELDS];
    int nf = 0;
    char *p = buf;
    for (;;) {
        if (nf == CTL_FIELDS)
            return L4_ERR_MALFORMED;
        f[nf++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    if (nf != CTL_FIELDS)
        return L4_ERR_MALFORMED;
    memset(s, 0, sizeof *s);
    if (strcmp(f[0], "tcp") && strcmp(f[0], "udp"))
        return L4_ERR_MALFORMED;
    strcpy(s->proto, f[0]);
    uint64_t v;
    if (ctl_copy(s->state, sizeof s->state, f[1]) || ctl_copy(s->local, sizeof s->local, f[2]) ||
        ctl_copy(s->peer, sizeof s->peer, f[4]))
        return L4_ERR_MALFORMED;
    if (ctl_num(f[3], &v, NULL) || v > 65535)
        return L4_ERR_MALFORMED;
    s->lport = (unsigned)v;
    if (ctl_num(f[5], &v, NULL) || v > 65535)
        return L4_ERR_MALFORMED;
    s->pport = (unsigned)v;
    if (ctl_num(f[6], &s->recvq, NULL) || ctl_num(f[7], &s->sendq, NULL))
        return L4_ERR_MALFORMED;
    int dash = 0;
    if (ctl_num(f[8], &s->cwnd, &dash) || ctl_num(f[9], &s->srtt_us, &dash) ||
        ctl_num(f[10], &s->rttvar_us, &dash) || ctl_num(f[11], &s->rto_us, &dash) ||
        ctl_num(f[15], &s->retrans, &dash) || ctl_num(f[16], &v, &dash) || v > 65535)
        return L4_ERR_MALFORMED;
    s->mss = (unsigned)v;
    s->has_tcp = !dash;
    int known = !strcmp(f[12], "-");
    for (int k = L4_TCP_TIMER_RTO; k <= L4_TCP_TIMER_PACING && !known; k++)
        known = !strcmp(f[12], l4_tcp_timer_name((l4_tcp_timer)k));
    if (!known)
        return L4_ERR_MALFORMED;
    strcpy(s->timer, f[12]);
    int none = !strcmp(f[12], "-");
    dash = 0;
    if (ctl_num(f[13], &v, &dash) || v > INT64_MAX || dash != none)
        return L4_ERR_MALFORMED;
    s->timer_us = dash ? -1 : (int64_t)v;
    dash = 0;
    if (ctl_num(f[14], &v, &dash) || v > UINT32_MAX || dash != none)
        return L4_ERR_MALFORMED;
    s->timer_count = (unsigned)v;
    return 0;
}

/* Writes all of buf to a blocking fd with a send timeout. */
static void ctl_send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

static void ctl_on_accept(void *user, int fd, unsigned events, l4_time now)
{
    (void)events;
    (void)now;
    l4_ctl *c = user;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
            return;
        struct timeval tv = {2, 0};
        setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f) {
            fprintf(f, "# l4kit-ss %d pid=%ld prog=%s\n", L4_CTL_VERSION, (long)getpid(), c->prog);
            c->fn(c->user, f);
            if (fclose(f) == 0)
                ctl_send_all(cfd, text, len);
            free(text);
        }
        close(cfd);
    }
}

int l4_ctl_open(l4_ctl **out, l4_loop *loop, const char *prog, l4_ctl_snapshot_fn fn, void *user,
                char *errmsg, size_t errcap)
{
    if (!out || !loop || !fn || !prog) {
        ctl_msg(errmsg, errcap, "control socket: bad arguments");
        return L4_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    l4_ctl *c = calloc(1, sizeof *c);
    if (!c) {
        ctl_msg(errmsg, errcap, "out of memory");
        return L4_ERR_NOMEM;
    }
    c->loop = loop;
    c->fd = -1;
    c->fn = fn;
    c->user = user;
    snprintf(c->prog, sizeof c->prog, "%s", prog);
    char dir[sizeof c->path];
    if (l4_ctl_dir(dir, sizeof dir) < 0 || snprintf(c->path, sizeof c->path, "%s/%ld.sock", dir,
                                                    (long)getpid()) >= (int)sizeof c->path) {
        ctl_msg(errmsg, errcap, "control socket: run directory path too long");
        free(c);
        return L4_ERR_NOBUF;
    }
    if (mkdir(dir, strncmp(dir, "/run/", 5) ? 0700 : 0755) < 0 && errno != EEXIST) {
        ctl_msg(errmsg, errcap, "control socket: mkdir %s: %s", dir, strerror(errno));
        free(c);
        return L4_ERR_IO;
    }
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        ctl_msg(errmsg, errcap, "control socket: %s", strerror(errno));
        free(c);
        return L4_ERR_IO;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
    unlink(c->path); /* a file left by an earlier process with our pid */
    if (bind(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(c->fd, 16) < 0) {
        ctl_msg(errmsg, errcap, "control socket %s: %s", c->path, strerror(errno));
        close(c->fd);
        free(c);
        return L4_ERR_IO;
    }
    int rc = l4_loop_add_fd(loop, c->fd, L4_LOOP_READ, ctl_on_accept, c);
    if (rc < 0) {
        ctl_msg(errmsg, errcap, "control socket: event loop full");
        unlink(c->path);
        close(c->fd);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

const char *l4_ctl_path(const l4_ctl *c)
{
    return c->path;
}

void l4_ctl_close(l4_ctl *c)
{
    if (!c)
        return;
    l4_loop_remove_fd(c->loop, c->fd);
    close(c->fd);
    unlink(c->path);
    free(c);
}

l4_ssize l4_ctl_query(const char *path, char **text, l4_time timeout)
{
    *text = NULL;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path)
        return L4_ERR_NOBUF;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return L4_ERR_IO;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return (e == ECONNREFUSED || e == ENOENT) ? L4_ERR_NOT_FOUND : L4_ERR_IO;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return L4_ERR_NOMEM;
    }
    l4_time deadline = l4_io_now() + timeout;
    for (;;) {
        l4_time now = l4_io_now();
        if (now >= deadline)
            goto io_fail;
        struct pollfd pf = {fd, POLLIN, 0};
        int ms = (int)((deadline - now) / 1000000u) + 1;
        int pr = poll(&pf, 1, ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            goto io_fail;
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return L4_ERR_NOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto io_fail;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    *text = buf;
    return (l4_ssize)len;
io_fail:
    free(buf);
    close(fd);
    return L4_ERR_IO;
}
