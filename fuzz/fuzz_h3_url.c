/*
 * fuzz/fuzz_h3_url.c — quic-get's https URL parser on arbitrary text.
 *
 * Invariants: never crashes; a rejection is L4_ERR_MALFORMED with a reason;
 * an accepted URL has a non-empty host, a port, a path starting with '/'
 * without spaces or control bytes, and the URL rebuilt from its authority
 * and path parses back to the same host, port and path.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "h3/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    l4_h3_url u;
    const char *why = NULL;
    int rc = l4_h3_url_parse(&u, text, &why);
    free(text);
    if (rc != 0) {
        FUZZ_CHECK(rc == L4_ERR_MALFORMED && why && *why);
        return 0;
    }
    FUZZ_CHECK(u.host[0] && u.port > 0 && u.path[0] == '/');
    for (const char *p = u.path; *p; p++)
        FUZZ_CHECK((unsigned char)*p > 0x20 && *p != 0x7f && *p != '#');
    static char again[L4_H3_URL_HOST_MAX + L4_H3_URL_PATH_MAX + 64];
    snprintf(again, sizeof again, "https://%s%s", u.authority, u.path);
    l4_h3_url v;
    FUZZ_CHECK(l4_h3_url_parse(&v, again, &why) == 0);
    FUZZ_CHECK(!strcmp(u.host, v.host) && u.port == v.port && !strcmp(u.path, v.path) &&
               !strcmp(u.authority, v.authority) && u.ipv6 == v.ipv6);
    return 0;
}
