/*
 * tools/l4kit/cmd_ports.c — `l4kit ports [NAME|NUMBER] [--json]`: the range
 * class of a port number (RFC 6335 §6) and the services known on it, from
 * l4kit's built-in table merged with the system's services file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "ports_table.h"

static const char ports_usage[] =
    "usage: l4kit ports [NAME|NUMBER] [--json] [--services FILE]\n"
    "\n"
    "  (no argument)   the three port ranges and l4kit's table of common services\n"
    "  NUMBER          the range class of a port (0-65535) and the services on it\n"
    "  NAME            the ports of a service name or alias (https, redis, dns, rdp ...)\n"
    "  --json          print one JSON object instead of text\n"
    "  --services FILE merge this services(5) file instead of /etc/services\n";

/* tcp first, then udp, then the others by name. */
static int ports_proto_rank(const char *p)
{
    if (!strcmp(p, "tcp"))
        return 0;
    if (!strcmp(p, "udp"))
        return 1;
    return 2;
}

static int ports_cmp(const void *a, const void *b)
{
    const port_service *x = *(const port_service *const *)a, *y = *(const port_service *const *)b;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    int rx = ports_proto_rank(x->proto), ry = ports_proto_rank(y->proto);
    if (rx != ry)
        return rx - ry;
    return strcmp(x->proto, y->proto);
}

static void ports_text_service(const port_service *s)
{
    printf("  %5u/%-4s %-16s %s", s->port, s->proto, s->name,
           s->desc[0] ? s->desc : "(from the system services file)");
    if (s->n_aliases) {
        printf(" [also:");
        for (int i = 0; i < s->n_aliases; i++)
            printf(" %s", s->aliases[i]);
        printf("]");
    }
    printf("\n");
}

static void ports_json_service(const port_service *s)
{
    printf("{\"port\":%u,\"proto\":", s->port);
    json_str(stdout, s->proto);
    printf(",\"name\":");
    json_str(stdout, s->name);
    printf(",\"aliases\":[");
    for (int i = 0; i < s->n_aliases; i++) {
        if (i)
            printf(",");
        json_str(stdout, s->aliases[i]);
    }
    printf("],\"description\":");
    json_str(stdout, s->desc);
    printf(",\"source\":[");
    const char *sep = "";
    if (s->source & PORT_SRC_BUILTIN) {
        printf("\"builtin\"");
        sep = ",";
    }
    if (s->source & PORT_SRC_SYSTEM)
        printf("%s\"system\"", sep);
    printf("]}");
}

/* Gathers the services on `port`, sorted; returns how many. */
static size_t ports_on(const port_table *t, unsigned port, const port_service **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n && n < cap; i++)
        if (t->v[i].port == port)
            out[n++] = &t->v[i];
    qsort(out, n, sizeof out[0], ports_cmp);
    return n;
}

static void ports_show_port(const port_table *t, unsigned port, int json)
{
    const port_service *on[64];
    size_t n = ports_on(t, port, on, 64);
    const port_range *r = port_range_of(port);
    if (json) {
        printf("{\"port\":%u,\"class\":", port);
        json_str(stdout, r->cls);
        printf(",\"range\":[%u,%u],\"services\":[", r->first, r->last);
        for (size_t i = 0; i < n; i++) {
            if (i)
                printf(",");
            ports_json_service(on[i]);
        }
        printf("]}");
        return;
    }
    printf("%u: %s\n", port, r->label);
    if (!n)
        printf("  no service known on this port (l4kit's table, system services file)\n");
    for (size_t i = 0; i < n; i++)
        ports_text_service(on[i]);
}

static int ports_all(const port_table *t, int json)
{
    const port_service **v = malloc((t->n_builtin + 1) * sizeof *v);
    if (!v) {
        fprintf(stderr, "l4kit ports: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < t->n_builtin; i++)
        v[i] = &t->v[i];
    qsort(v, t->n_builtin, sizeof v[0], ports_cmp);
    if (json) {
        printf("{\"ranges\":[");
        for (int i = 0; i < 3; i++) {
            printf("%s{\"class\":", i ? "," : "");
            json_str(stdout, port_ranges[i].cls);
            printf(",\"first\":%u,\"last\":%u}", port_ranges[i].first, port_ranges[i].last);
        }
        printf("],\"services\":[");
        for (size_t i = 0; i < t->n_builtin; i++) {
            if (i)
                printf(",");
            ports_json_service(v[i]);
        }
        printf("]}\n");
    } else {
        printf("port ranges (RFC 6335 section 6):\n");
        for (int i = 0; i < 3; i++)
            printf("  %5u-%-5u  %s\n", port_ranges[i].first, port_ranges[i].last,
                   port_ranges[i].cls);
        printf("\ncommon services (l4kit's table; 'l4kit ports NAME|NUMBER' also searches "
               "the system services file):\n");
        for (size_t i = 0; i < t->n_builtin; i++)
            ports_text_service(v[i]);
    }
    free(v);
    return 0;
}

static int ports_by_name(const port_table *t, const char *name, int json)
{
    /* The distinct ports carrying the name, in order. */
    unsigned ports[64];
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!port_service_matches(&t->v[i], name))
            continue;
        size_t k = 0;
        while (k < n && ports[k] != t->v[i].port)
            k++;
        if (k == n && n < 64)
            ports[n++] = t->v[i].port;
    }
    if (!n) {
        fprintf(stderr,
                "l4kit ports: no service named '%s' (in l4kit's table or the system "
                "services file)\n",
                name);
        return 1;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && ports[k - 1] > ports[k]; k--) {
            unsigned tmp = ports[k];
            ports[k] = ports[k - 1];
            ports[k - 1] = tmp;
        }
    if (json) {
        printf("{\"query\":");
        json_str(stdout, name);
        printf(",\"ports\":[");
    }
    for (size_t i = 0; i < n; i++) {
        if (json && i)
            printf(",");
        ports_show_port(t, ports[i], json);
    }
    if (json)
        printf("]}\n");
    return 0;
}

int cmd_ports(int argc, char **argv)
{
    int json = 0;
    const char *query = NULL;
    const char *services = "/etc/services";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(ports_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--services")) {
            if (++i == argc) {
                fprintf(stderr, "l4kit ports: --services needs a FILE\n");
                return 2;
            }
            services = argv[i];
        } else if (a[0] == '-' && !isdigit((unsigned char)a[1])) {
            fprintf(stderr, "l4kit ports: unknown option '%s' (try --help)\n", a);
            return 2;
        } else if (query) {
            fprintf(stderr, "l4kit ports: one NAME or NUMBER at a time ('%s' and '%s' given)\n",
                    query, a);
            return 2;
        } else {
            query = a;
        }
    }
    port_table t;
    if (port_table_init(&t)) {
        port_table_free(&t);
        fprintf(stderr, "l4kit ports: out of memory\n");
        return 1;
    }
    /* A missing services file is normal (containers): the built-in table answers. */
    port_table_merge_services(&t, services);

    int rc;
    if (!query) {
        rc = ports_all(&t, json);
    } else if (query[0] == '\0') {
        fprintf(stderr, "l4kit ports: empty NAME\n");
        rc = 2;
    } else {
        int numeric = query[0] == '-' || isdigit((unsigned char)query[0]);
        for (const char *p = query + 1; numeric && *p; p++)
            numeric = isdigit((unsigned char)*p);
        if (numeric) {
            char *end = NULL;
            unsigned long long v = query[0] == '-' ? 65536 : strtoull(query, &end, 10);
            if (v > 65535 || strlen(query) > 6) {
                fprintf(stderr, "l4kit ports: %s is not a port number (0-65535)\n", query);
                rc = 2;
            } else {
                ports_show_port(&t, (unsigned)v, json);
                if (json)
                    printf("\n");
                rc = 0;
            }
        } else {
            rc = ports_by_name(&t, query, json);
        }
    }
    port_table_free(&t);
    return rc;
}
