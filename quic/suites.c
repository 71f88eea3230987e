/* quic/suites.c — cipher suite names and lists; see suites.h. */
#include "quic/suites.h"

#include <stddef.h>
#include <strings.h>

static const struct {
    l4_quic_aead aead;
    const char *names[3]; /* short, AEAD, IANA */
} SUITES[] = {
    {L4_QUIC_AEAD_AES_128_GCM, {"aes128", "aes-128-gcm", "TLS_AES_128_GCM_SHA256"}},
    {L4_QUIC_AEAD_AES_256_GCM, {"aes256", "aes-256-gcm", "TLS_AES_256_GCM_SHA384"}},
    {L4_QUIC_AEAD_CHACHA20_POLY1305,
     {"chacha20", "chacha20-poly1305", "TLS_CHACHA20_POLY1305_SHA256"}},
};

#define NSUITES (sizeof SUITES / sizeof SUITES[0])

const char *l4_quic_suite_name(l4_quic_aead aead)
{
    for (size_t i = 0; i < NSUITES; i++)
        if (SUITES[i].aead == aead)
            return SUITES[i].names[2];
    return "unknown";
}

int l4_quic_suites_parse(const char *list, unsigned *set, const char **bad)
{
    if (!list || !set)
        return L4_ERR_INVALID_ARGUMENT;
    unsigned s = 0;
    const char *p = list;
    for (;;) {
        size_t n = 0;
        while (p[n] && p[n] != ',')
            n++;
        int found = 0;
        for (size_t i = 0; i < NSUITES && !found && n; i++)
            for (size_t k = 0; k < 3 && !found; k++) {
                const char *name = SUITES[i].names[k];
                if (!strncasecmp(p, name, n) && name[n] == 0) {
                    s |= L4_QUIC_SUITE(SUITES[i].aead);
                    found = 1;
                }
            }
        if (!found) {
            if (bad)
                *bad = p;
            return L4_ERR_MALFORMED;
        }
        if (!p[n])
            break;
        p += n + 1;
    }
    *set = s;
    return 0;
}
