/* tools/l4kit/quic_session.c — quic-get's session file (see quic_session.h). */
#include "quic_session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/hex.h"

#define QS_MAGIC "l4kit-quic-session 1"

void qt_session_free(qt_session *s)
{
    free(s->ticket);
    free(s->token);
    free(s->tp);
    memset(s, 0, sizeof *s);
}

int qt_session_set(uint8_t **field, size_t *field_len, const uint8_t *d, size_t len)
{
    uint8_t *n = malloc(len ? len : 1);
    if (!n)
        return -1;
    if (len)
        memcpy(n, d, len);
    free(*field);
    *field = n;
    *field_len = len;
    return 0;
}

/* Hex digits v[0, n) into a new buffer; -1 when not an even run of hex digits. */
static int qs_unhex(const char *v, size_t n, uint8_t **out, size_t *out_len)
{
    if (n == 0 || n % 2)
        return -1;
    uint8_t *b = malloc(n / 2);
    if (!b)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = l4_hex_digit(v[i]), lo = l4_hex_digit(v[i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return -1;
        }
        b[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    *out_len = n / 2;
    return 0;
}

int qt_session_parse(const char *text, size_t len, qt_session *s, char *why, size_t wcap)
{
    memset(s, 0, sizeof *s);
    int line = 0, header = 0;
    size_t off = 0;
    while (off < len) {
        const char *l = text + off;
        const char *nl = memchr(l, '\n', len - off);
        size_t n = nl ? (size_t)(nl - l) : len - off;
        off += n + (nl ? 1 : 0);
        line++;
        while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
            n--;
        if (n == 0 || l[0] == '#')
            continue;
        if (!header) {
            if (n != sizeof QS_MAGIC - 1 || memcmp(l, QS_MAGIC, n)) {
                snprintf(why, wcap, "line %d: not an l4kit session file (want '%s')", line,
                         QS_MAGIC);
                goto bad;
            }
            header = 1;
            continue;
        }
        const char *sp = memchr(l, ' ', n);
        if (!sp) {
            snprintf(why, wcap, "line %d: want 'KEY VALUE'", line);
            goto bad;
        }
        size_t kl = (size_t)(sp - l);
        const char *v = sp + 1;
        size_t vl = n - kl - 1;
        uint8_t **field = NULL;
        size_t *flen = NULL;
        if (kl == 6 && !memcmp(l, "server", 6)) {
            if (s->server[0] || vl == 0 || vl >= sizeof s->server || memchr(v, 0, vl)) {
                snprintf(why, wcap, "line %d: bad or repeated server", line);
                goto bad;
            }
            memcpy(s->server, v, vl);
            s->server[vl] = 0;
            continue;
        } else if (kl == 6 && !memcmp(l, "ticket", 6)) {
            field = &s->ticket, flen = &s->ticket_len;
        } else if (kl == 5 && !memcmp(l, "token", 5)) {
            field = &s->token, flen = &s->token_len;
        } else if (kl == 2 && !memcmp(l, "tp", 2)) {
            field = &s->tp, flen = &s->tp_len;
        } else {
            snprintf(why, wcap, "line %d: unknown key '%.*s'", line, (int)(kl < 32 ? kl : 32), l);
            goto bad;
        }
        if (*field) {
            snprintf(why, wcap, "line %d: '%.*s' given twice", line, (int)kl, l);
            goto bad;
        }
        if (qs_unhex(v, vl, field, flen) < 0) {
            snprintf(why, wcap, "line %d: '%.*s' is not hex bytes", line, (int)kl, l);
            goto bad;
        }
    }
    if (!header || !s->server[0] || !s->ticket) {
        snprintf(why, wcap, "%s", !header ? "empty file" : "no server or no ticket line");
        goto bad;
    }
    l4_quic_tp tp;
    if (s->tp && qt_session_tp(s, &tp) < 0) {
        snprintf(why, wcap, "transport parameters do not decode");
        goto bad;
    }
    return 0;
bad:
    qt_session_free(s);
    return -1;
}

int qt_session_tp(const qt_session *s, l4_quic_tp *tp)
{
    if (!s->tp || l4_quic_tp_decode(tp, s->tp, s->tp_len, 1) < 0)
        return -1;
    tp->preferred_addr = NULL; /* borrowed bytes: not kept */
    return 0;
}

int qt_session_load(const char *path, qt_session *s, char *why, size_t wcap)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        snprintf(why, wcap, "%s", strerror(errno));
        return -1;
    }
    char *buf = malloc(QS_SESSION_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, QS_SESSION_MAX_FILE + 1, f) : 0;
    int err = ferror(f);
    fclose(f);
    int rc = -1;
    if (!buf)
        snprintf(why, wcap, "out of memory");
    else if (err)
        snprintf(why, wcap, "read error");
    else if (n > QS_SESSION_MAX_FILE)
        snprintf(why, wcap, "larger than %u bytes", QS_SESSION_MAX_FILE);
    else
        rc = qt_session_parse(buf, n, s, why, wcap);
    free(buf);
    return rc;
}

static void qs_put_hex(FILE *f, const char *key, const uint8_t *d, size_t n)
{
    if (!d)
        return;
    fprintf(f, "%s ", key);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", d[i]);
    fputc('\n', f);
}

int qt_session_save(const char *path, const qt_session *s)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (!tmp)
        return -1;
    snprintf(tmp, pl + 5, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        free(tmp);
        errno = e;
        return -1;
    }
    fprintf(f,
            "%s\n# resumes %s over QUIC: a TLS session ticket (secret), the server's\n"
            "# address-validation token and transport parameters (RFC 9001 4.6)\n",
            QS_MAGIC, s->server);
    fprintf(f, "server %s\n", s->server);
    qs_put_hex(f, "ticket", s->ticket, s->ticket_len);
    qs_put_hex(f, "token", s->token, s->token_len);
    qs_put_hex(f, "tp", s->tp, s->tp_len);
    int rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
    }
    free(tmp);
    return rc;
}
