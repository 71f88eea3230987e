/*
 * io/quic_qlog.h — a qlog file for one QUIC connection: the engine's events
 * (quic/conn.h, l4_quic_conn_set_observer) written as they happen in the
 * qlog 0.3 main schema with the QUIC event definitions
 * (draft-ietf-quic-qlog-main-schema, draft-ietf-quic-qlog-quic-events),
 * serialised as JSON Text Sequences (RFC 7464: each record is 0x1E, one JSON
 * object, LF), the ".sqlog" files qvis and other qlog tools load.
 *
 * Records: a header ({"qlog_version":"0.3","qlog_format":"JSON-SEQ",
 * "trace":{"vantage_point":..., "common_fields":...}}), then one event per
 * record: transport:parameters_set, transport:packet_sent,
 * transport:packet_received (header, raw length, frames), transport:
 * packet_dropped, recovery:packet_lost, recovery:metrics_updated,
 * recovery:congestion_state_updated, connectivity:connection_state_updated.
 * Times are milliseconds (µs precision) since the `t0` given at attach.
 *
 * Typical use (one call per connection, right after creating it):
 *   l4_quic_qlog_attach(conn, "qlogs", NULL, now, NULL, 0);
 * The file is flushed and closed when the connection is freed (or another
 * observer is attached).
 */
#ifndef L4_IO_QUIC_QLOG_H
#define L4_IO_QUIC_QLOG_H

#include <stddef.h>

#include "quic/conn.h"
#include "util/time.h"

/**
 * Creates `dir`/<ODCID in hex>_<client|server>.sqlog (an existing file is
 * replaced; `dir` must exist), writes the header and attaches the writer to
 * `c` as its observer. `title` (may be NULL) is the trace's title. When
 * `path` is not NULL the file's path is copied there (`pathcap` bytes,
 * truncated, NUL-terminated). A write error after the file was created stops
 * further records silently (the connection is never affected).
 *
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL c or dir), L4_ERR_IO (the file
 * cannot be created: errno tells why), L4_ERR_NOMEM.
 */
int l4_quic_qlog_attach(l4_quic_conn *c, const char *dir, const char *title, l4_time t0, char *path,
                        size_t pathcap);

#endif
