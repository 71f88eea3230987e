/* tools/l4kit/ports_table.c — the built-in services table and /etc/services merge. */
#include "ports_table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 6335 §6: System Ports, User Ports, Dynamic and/or Private Ports. */
const port_range port_ranges[3] = {
    {"well-known", "well-known (system ports, 0-1023)", 0, 1023},
    {"registered", "registered (user ports, 1024-49151)", 1024, 49151},
    {"dynamic", "dynamic/ephemeral (private ports, 49152-65535)", 49152, 65535},
};

const port_range *port_range_of(uint32_t port)
{
    for (int i = 0; i < 3; i++)
        if (port >= port_ranges[i].first && port <= port_ranges[i].last)
            return &port_ranges[i];
    return NULL;
}

/* The services every network engineer meets. Names follow the IANA
 * registry / /etc/services; friendlier names are aliases. */
static const struct {
    uint16_t port;
    const char *proto;
    const char *name;
    const char *desc;
    const char *aliases; /* space-separated */
} builtin[] = {
    {20, "tcp", "ftp-data", "FTP data connection (RFC 959)", "ftp"},
    {21, "tcp", "ftp", "FTP control connection (RFC 959)", ""},
    {22, "tcp", "ssh", "Secure Shell (RFC 4253)", ""},
    {23, "tcp", "telnet", "Telnet (RFC 854)", ""},
    {25, "tcp", "smtp", "SMTP mail transfer (RFC 5321)", "mail"},
    {53, "tcp", "domain", "DNS over TCP (RFC 1035, RFC 7766)", "dns"},
    {53, "udp", "domain", "DNS (RFC 1035)", "dns"},
    {67, "udp", "bootps", "DHCP/BOOTP server (RFC 2131)", "dhcp dhcps"},
    {68, "udp", "bootpc", "DHCP/BOOTP client (RFC 2131)", "dhcp dhcpc"},
    {80, "tcp", "http", "HTTP (RFC 9110)", "www"},
    {110, "tcp", "pop3", "POP3 mail access (RFC 1939)", "pop"},
    {143, "tcp", "imap", "IMAP mail access (RFC 9051)", "imap2"},
    {443, "tcp", "https", "HTTP over TLS (RFC 9110)", ""},
    {443, "udp", "https", "HTTP/3 over QUIC (RFC 9114, RFC 9000)", "quic http3"},
    {465, "tcp", "smtps", "SMTP submission over implicit TLS (RFC 8314)", "submissions"},
    {587, "tcp", "submission", "mail submission (RFC 6409)", ""},
    {993, "tcp", "imaps", "IMAP over TLS (RFC 8314)", ""},
    {995, "tcp", "pop3s", "POP3 over TLS (RFC 8314)", ""},
    {3306, "tcp", "mysql", "MySQL / MariaDB", ""},
    {3389, "tcp", "ms-wbt-server", "Remote Desktop Protocol (RDP)", "rdp"},
    {5432, "tcp", "postgresql", "PostgreSQL", "postgres"},
    {6379, "tcp", "redis", "Redis", ""},
    {8080, "tcp", "http-alt", "HTTP alternate (proxies, development servers)", "webcache"},
};

static int tbl_grow(port_table *t)
{
    if (t->n < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 64;
    port_service *v = realloc(t->v, cap * sizeof *v);
    if (!v)
        return -1;
    t->v = v;
    t->cap = cap;
    return 0;
}

static int svc_add_alias(port_service *s, const char *a)
{
    if (!strcasecmp(s->name, a))
        return 0;
    for (int i = 0; i < s->n_aliases; i++)
        if (!strcasecmp(s->aliases[i], a))
            return 0;
    if (s->n_aliases == PORT_MAX_ALIASES)
        return 0;
    char *d = strdup(a);
    if (!d)
        return -1;
    s->aliases[s->n_aliases++] = d;
    return 0;
}

static port_service *tbl_push(port_table *t, uint16_t port, const char *proto, const char *name,
                              const char *desc, int source)
{
    if (tbl_grow(t))
        return NULL;
    port_service *s = &t->v[t->n];
    memset(s, 0, sizeof *s);
    s->port = port;
    snprintf(s->proto, sizeof s->proto, "%s", proto);
    s->name = strdup(name);
    s->desc = strdup(desc);
    if (!s->name || !s->desc) {
        free(s->name);
        free(s->desc);
        return NULL;
    }
    s->source = source;
    t->n++;
    return s;
}

int port_table_init(port_table *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        port_service *s = tbl_push(t, builtin[i].port, builtin[i].proto, builtin[i].name,
                                   builtin[i].desc, PORT_SRC_BUILTIN);
        if (!s)
            return -1;
        char buf[128];
        snprintf(buf, sizeof buf, "%s", builtin[i].aliases);
        char *save = NULL;
        for (char *a = strtok_r(buf, " ", &save); a; a = strtok_r(NULL, " ", &save))
            if (svc_add_alias(s, a))
                return -1;
    }
    t->n_builtin = t->n;
    return 0;
}

static port_service *tbl_find(port_table *t, unsigned port, const char *proto)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].port == port && !strcmp(t->v[i].proto, proto))
            return &t->v[i];
    return NULL;
}

int port_table_merge_services(port_table *t, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    int merged = 0;
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *save = NULL;
        char *name = strtok_r(line, " \t\r\n", &save);
        char *pp = name ? strtok_r(NULL, " \t\r\n", &save) : NULL;
        if (!pp)
            continue;
        char *slash = strchr(pp, '/');
        if (!slash || slash == pp || !slash[1] || strlen(slash + 1) >= 8)
            continue;
        *slash = 0;
        char *end = NULL;
        unsigned long port = strtoul(pp, &end, 10);
        if (*end || port > 65535 || !isdigit((unsigned char)pp[0]))
            continue;
        const char *proto = slash + 1;
        port_service *s = tbl_find(t, (unsigned)port, proto);
        if (s) {
            s->source |= PORT_SRC_SYSTEM;
            if (svc_add_alias(s, name))
                break;
        } else {
            s = tbl_push(t, (uint16_t)port, proto, name, "", PORT_SRC_SYSTEM);
            if (!s)
                break;
        }
        for (char *a = strtok_r(NULL, " \t\r\n", &save); a; a = strtok_r(NULL, " \t\r\n", &save))
            if (svc_add_alias(s, a))
                break;
        merged++;
    }
    fclose(f);
    return merged;
}

void port_table_free(port_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].name);
        free(t->v[i].desc);
        for (int k = 0; k < t->v[i].n_aliases; k++)
            free(t->v[i].aliases[k]);
    }
    free(t->v);
    memset(t, 0, sizeof *t);
}

int port_service_matches(const port_service *s, const char *name)
{
    if (!strcasecmp(s->name, name))
        return 1;
    for (int i = 0; i < s->n_aliases; i++)
        if (!strcasecmp(s->aliases[i], name))
            return 1;
    return 0;
}
