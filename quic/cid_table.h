/*
 * quic/cid_table.h — a table from QUIC connection IDs to connections
 * (RFC 9000 §5.2): what a server (or any endpoint with many connections on
 * one socket) needs to route each datagram by its Destination Connection
 * ID instead of its sender's address, so that a connection keeps receiving
 * when its peer moves to another connection ID (§5.1.2) or another address
 * (NAT rebinding, migration, §9).
 *
 * Open addressing with linear probing and tombstones, hashed with
 * SipHash-2-4 under a caller-given key (a sender cannot aim IDs at one
 * chain), doubled when more than a quarter is in use. `conn` values are the
 * caller's pointers, never dereferenced. Used by host/quic_cid.h (the
 * emulated host's sockets) and io/quic_ep.h (kernel UDP sockets).
 */
#ifndef L4_QUIC_CID_TABLE_H
#define L4_QUIC_CID_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/quic_pkt.h"

typedef struct l4_quic_cid_table l4_quic_cid_table;

/**
 * Creates an empty table hashing under `key` (16 bytes, copied); short
 * headers carry `short_cid_len`-byte IDs (the length the connections
 * routed here issue, RFC 9000 §17.3). Errors: L4_ERR_INVALID_ARGUMENT
 * (NULL, length over 20), L4_ERR_NOMEM.
 */
int l4_quic_cid_table_new(l4_quic_cid_table **out, const uint8_t key[16], size_t short_cid_len);

/** Frees the table (never the connections). NULL is ignored. */
void l4_quic_cid_table_free(l4_quic_cid_table *t);

/** Changes the length of short-header IDs. Errors: L4_ERR_INVALID_ARGUMENT (over 20). */
int l4_quic_cid_table_set_short_len(l4_quic_cid_table *t, size_t short_cid_len);

/** The length of short-header IDs. */
size_t l4_quic_cid_table_short_len(const l4_quic_cid_table *t);

/**
 * Routes `cid` to `conn` (adding it again for the same conn is a no-op).
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL, empty or over-long CID),
 * L4_ERR_STATE (the CID routes to another connection), L4_ERR_NOMEM.
 */
int l4_quic_cid_table_add(l4_quic_cid_table *t, const l4_quic_cid *cid, void *conn);

/** Stops routing `cid`. Errors: L4_ERR_INVALID_ARGUMENT (NULL), L4_ERR_NOT_FOUND. */
int l4_quic_cid_table_del(l4_quic_cid_table *t, const l4_quic_cid *cid);

/** Removes every ID of `conn` (a scan of the table); returns how many. */
size_t l4_quic_cid_table_del_conn(l4_quic_cid_table *t, const void *conn);

/** The connection `n` bytes at `p` name, or NULL. */
void *l4_quic_cid_table_find(const l4_quic_cid_table *t, const uint8_t *p, size_t n);

/**
 * Reads the Destination Connection ID of the datagram `dgram` (`len`
 * bytes; long headers of any version carry their DCID length, short
 * headers the table's) and sets *conn to the connection it names (NULL
 * when none). Returns 1 routed, 0 unknown ID (or an empty one), or
 * L4_ERR_MALFORMED when no DCID can be read (not QUIC).
 */
int l4_quic_cid_table_route(const l4_quic_cid_table *t, const uint8_t *dgram, size_t len,
                            void **conn);

/** The number of IDs in the table. */
size_t l4_quic_cid_table_count(const l4_quic_cid_table *t);

#endif
