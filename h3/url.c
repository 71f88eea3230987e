/* h3/url.c — https URL parsing (RFC 3986 §3.1-3.5). */
#include "h3/url.h"

#include <string.h>

static int url_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int url_bad(const char **why, const char *w)
{
    if (why)
        *why = w;
    return L4_ERR_MALFORMED;
}

/* reg-name characters we accept in a host: unreserved and '%' escapes are
 * not names DNS can hold, so letters, digits, '-', '.', '_' only. */
static int url_name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

static int url_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int l4_h3_url_parse(l4_h3_url *u, const char *text, const char **why)
{
    if (!u || !text)
        return L4_ERR_INVALID_ARGUMENT;
    memset(u, 0, sizeof *u);
    static const char scheme[] = "https://";
    for (size_t i = 0; i < sizeof scheme - 1; i++)
        if (url_lower((unsigned char)text[i]) != scheme[i])
            return url_bad(why, "not an https:// URL");
    const char *p = text + sizeof scheme - 1;
    /* authority: up to '/', '?' or '#' (§3.2) */
    size_t alen = strcspn(p, "/?#");
    const char *a = p, *aend = p + alen;
    if (memchr(a, '@', alen))
        return url_bad(why, "user info is not supported");
    const char *host = a, *hend;
    if (*a == '[') { /* IP-literal, §3.2.2 (IPv6 only; no zone, no IPvFuture) */
        const char *close = memchr(a, ']', alen);
        if (!close)
            return url_bad(why, "unclosed '[' in host");
        host = a + 1;
        hend = close;
        if (hend == host)
            return url_bad(why, "empty host");
        int colons = 0;
        for (const char *q = host; q < hend; q++) {
            if (*q == ':')
                colons++;
            else if (!url_hex((unsigned char)*q) && *q != '.')
                return url_bad(why, "bad IPv6 address");
        }
        if (colons < 2)
            return url_bad(why, "bad IPv6 address");
        u->ipv6 = 1;
        p = close + 1;
        if (p < aend && *p != ':')
            return url_bad(why, "junk after ']'");
    } else {
        hend = memchr(a, ':', alen);
        if (!hend)
            hend = aend;
        if (hend == host)
            return url_bad(why, "empty host");
        for (const char *q = host; q < hend; q++)
            if (!url_name_char((unsigned char)*q))
                return url_bad(why, "bad character in host");
        p = hend;
    }
    if ((size_t)(hend - host) > L4_H3_URL_HOST_MAX)
        return url_bad(why, "host too long");
    memcpy(u->host, host, (size_t)(hend - host));
    u->port = 443;
    if (p < aend) { /* ':' port, §3.2.3; an empty port means the default */
        p++;
        if (aend - p > 5)
            return url_bad(why, "bad port");
        if (p < aend) {
            unsigned long v = 0;
            for (const char *q = p; q < aend; q++) {
                if (*q < '0' || *q > '9')
                    return url_bad(why, "bad port");
                v = v * 10 + (unsigned long)(*q - '0');
            }
            if (v == 0 || v > 65535)
                return url_bad(why, "bad port (1-65535)");
            u->port = (uint16_t)v;
        }
    }
    size_t hl = (size_t)(hend - host);
    memcpy(u->authority + u->ipv6, host, hl);
    if (u->ipv6) {
        u->authority[0] = '[';
        u->authority[hl + 1] = ']';
    }
    if (u->port != 443) {
        size_t at = strlen(u->authority);
        char digits[6];
        int nd = 0;
        for (unsigned v = u->port; v; v /= 10)
            digits[nd++] = (char)('0' + v % 10);
        u->authority[at++] = ':';
        while (nd)
            u->authority[at++] = digits[--nd];
    }
    /* path-abempty and query (§3.3, §3.4); the fragment (§3.5) is not sent */
    const char *path = aend;
    size_t plen = strcspn(path, "#");
    for (size_t i = 0; i < plen; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c <= 0x20 || c == 0x7f)
            return url_bad(why, "space or control character in path");
    }
    size_t need = plen + (plen == 0 || path[0] == '?');
    if (need > L4_H3_URL_PATH_MAX)
        return url_bad(why, "path too long");
    size_t at = 0;
    if (plen == 0 || path[0] == '?')
        u->path[at++] = '/';
    memcpy(u->path + at, path, plen);
    return 0;
}
