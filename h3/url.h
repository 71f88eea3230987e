/*
 * h3/url.h — the https URLs quic-get takes (RFC 3986 §3 generic syntax,
 * RFC 9110 §4.2.2 https scheme), parsed without any lookup: scheme, host
 * (a name, an IPv4 address, or an IPv6 address in brackets), port, and the
 * path with its query, as an HTTP/3 request sends them.
 */
#ifndef L4_H3_URL_H
#define L4_H3_URL_H

#include <stdint.h>

#include "util/err.h"

#define L4_H3_URL_HOST_MAX 255  /* RFC 1035 §2.3.4: names up to 255 octets */
#define L4_H3_URL_PATH_MAX 2047 /* bytes of path + query kept */

typedef struct l4_h3_url {
    char host[L4_H3_URL_HOST_MAX + 1];      /* as written, IPv6 without brackets */
    char authority[L4_H3_URL_HOST_MAX + 9]; /* host[:port] for :authority (brackets kept) */
    char path[L4_H3_URL_PATH_MAX + 1];      /* "/..." with the query; "/" when empty */
    uint16_t port;                          /* 443 when absent */
    int ipv6;                               /* host was a bracketed IPv6 literal */
} l4_h3_url;

/**
 * Parses `text` ("https://host[:port][/path][?query][#fragment]"; the
 * scheme case-insensitive, the fragment dropped). On error *why (when not
 * NULL) names the problem in a few words ("not an https URL", "bad port").
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (NULL), L4_ERR_MALFORMED
 * (anything else: other schemes, user info, empty or bad host, port 0 or
 * over 65535, spaces or control characters, too long).
 */
int l4_h3_url_parse(l4_h3_url *u, const char *text, const char **why);

#endif
