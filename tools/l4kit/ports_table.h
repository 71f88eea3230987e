/*
 * tools/l4kit/ports_table.h — port numbers: the IANA range classes (RFC 6335
 * §6), l4kit's built-in table of common services, and the merge with the
 * system's services file (/etc/services, read at run time).
 */
#ifndef L4_TOOLS_PORTS_TABLE_H
#define L4_TOOLS_PORTS_TABLE_H

#include <stddef.h>
#include <stdint.h>

/** One of the three ranges of RFC 6335 §6. */
typedef struct port_range {
    const char *cls;   /* "well-known", "registered", "dynamic" */
    const char *label; /* "well-known (system)", ... for text output */
    uint32_t first;
    uint32_t last;
} port_range;

/** The three ranges, in order. */
extern const port_range port_ranges[3];

/** The range `port` (0..65535) falls in. */
const port_range *port_range_of(uint32_t port);

#define PORT_SRC_BUILTIN 1
#define PORT_SRC_SYSTEM  2
#define PORT_MAX_ALIASES 8

/** A service on one port and transport. Strings are owned by the table. */
typedef struct port_service {
    uint16_t port;
    char proto[8]; /* "tcp", "udp", "sctp", "dccp" */
    char *name;    /* primary name */
    char *desc;    /* what it is, "" when only /etc/services knows it */
    char *aliases[PORT_MAX_ALIASES];
    int n_aliases;
    int source; /* PORT_SRC_* bits */
} port_service;

/** The merged table. */
typedef struct port_table {
    port_service *v;
    size_t n, cap;
    size_t n_builtin; /* entries from the built-in table come first */
} port_table;

/** Fills `t` with the built-in table. Returns 0, or -1 when out of memory. */
int port_table_init(port_table *t);

/**
 * Merges the services file at `path` (format of services(5): "name
 * port/proto [aliases] [# comment]"). A (port, proto) already in the table
 * gains the file's names as aliases; others are appended. Returns the number
 * of lines merged, or -1 when the file cannot be opened (not an error for
 * callers: the built-in table still answers).
 */
int port_table_merge_services(port_table *t, const char *path);

/** Frees everything `t` holds. */
void port_table_free(port_table *t);

/** Nonzero when `s` names the service (its name or an alias, ignoring case). */
int port_service_matches(const port_service *s, const char *name);

#endif
