/*
 * wire/quic_tp.h — QUIC transport parameters (RFC 9000 §18), the payload of
 * the TLS quic_transport_parameters extension (codepoint 0x39, RFC 9001
 * §8.2): a sequence of (id varint, length varint, value) entries.
 */
#ifndef L4_WIRE_QUIC_TP_H
#define L4_WIRE_QUIC_TP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/quic_pkt.h"

/* Transport parameter ids (RFC 9000 §18.2). */
#define L4_QUIC_TP_ORIGINAL_DCID            0x00
#define L4_QUIC_TP_MAX_IDLE_TIMEOUT         0x01
#define L4_QUIC_TP_STATELESS_RESET_TOKEN    0x02
#define L4_QUIC_TP_MAX_UDP_PAYLOAD_SIZE     0x03
#define L4_QUIC_TP_INITIAL_MAX_DATA         0x04
#define L4_QUIC_TP_INITIAL_MAX_SD_BIDI_LOC  0x05
#define L4_QUIC_TP_INITIAL_MAX_SD_BIDI_REM  0x06
#define L4_QUIC_TP_INITIAL_MAX_SD_UNI       0x07
#define L4_QUIC_TP_INITIAL_MAX_STREAMS_BIDI 0x08
#define L4_QUIC_TP_INITIAL_MAX_STREAMS_UNI  0x09
#define L4_QUIC_TP_ACK_DELAY_EXPONENT       0x0a
#define L4_QUIC_TP_MAX_ACK_DELAY            0x0b
#define L4_QUIC_TP_DISABLE_ACTIVE_MIGRATION 0x0c
#define L4_QUIC_TP_PREFERRED_ADDRESS        0x0d
#define L4_QUIC_TP_ACTIVE_CID_LIMIT         0x0e
#define L4_QUIC_TP_INITIAL_SCID             0x0f
#define L4_QUIC_TP_RETRY_SCID               0x10

/* Presence bits of the parameters that have no default (l4_quic_tp.present). */
#define L4_QUIC_TP_HAS_ORIGINAL_DCID  0x01u
#define L4_QUIC_TP_HAS_RESET_TOKEN    0x02u
#define L4_QUIC_TP_HAS_INITIAL_SCID   0x04u
#define L4_QUIC_TP_HAS_RETRY_SCID     0x08u
#define L4_QUIC_TP_HAS_PREFERRED_ADDR 0x10u

/**
 * Decoded transport parameters. Absent integer parameters hold their §18.2
 * defaults (l4_quic_tp_default()). A preferred_address is validated and its
 * bytes kept (`preferred_addr`, borrowed from the decoded buffer) but not
 * broken into fields.
 */
typedef struct l4_quic_tp {
    uint32_t present; /* L4_QUIC_TP_HAS_* */
    l4_quic_cid original_dcid;
    uint64_t max_idle_timeout; /* milliseconds, 0 = none */
    uint8_t reset_token[16];
    uint64_t max_udp_payload_size; /* default 65527, at least 1200 */
    uint64_t initial_max_data;
    uint64_t initial_max_stream_data_bidi_local;
    uint64_t initial_max_stream_data_bidi_remote;
    uint64_t initial_max_stream_data_uni;
    uint64_t initial_max_streams_bidi; /* ≤ 2^60 */
    uint64_t initial_max_streams_uni;  /* ≤ 2^60 */
    uint64_t ack_delay_exponent;       /* default 3, ≤ 20 */
    uint64_t max_ack_delay;            /* milliseconds, default 25, < 2^14 */
    int disable_active_migration;
    uint64_t active_connection_id_limit; /* default 2, at least 2 */
    l4_quic_cid initial_scid;
    l4_quic_cid retry_scid;
    const uint8_t *preferred_addr;
    size_t preferred_addr_len;
} l4_quic_tp;

/** Fills `tp` with the RFC 9000 §18.2 defaults (nothing present, limits 0). */
void l4_quic_tp_default(l4_quic_tp *tp);

/**
 * Encodes `tp` into `dst` (`cap` bytes) as sent by a server (`is_server`
 * nonzero) or a client. Integer parameters equal to their default are
 * omitted; the CIDs and the token are written when their presence bit is set.
 * A client never writes the server-only parameters (original_dcid,
 * stateless_reset_token, preferred_address, retry_scid).
 *
 * Returns the bytes written. Errors: L4_ERR_NOBUF (cap too small),
 * L4_ERR_INVALID_ARGUMENT (a value outside its §18.2 range, e.g. a value over
 * 2^62 - 1, max_udp_payload_size < 1200, ack_delay_exponent > 20,
 * max_ack_delay ≥ 2^14, active_connection_id_limit < 2, streams > 2^60).
 */
l4_ssize l4_quic_tp_encode(uint8_t *dst, size_t cap, const l4_quic_tp *tp, int is_server);

/**
 * Decodes the parameters in buf[0..len) that a peer in role `from_server`
 * sent. Unknown ids (including reserved 31*N+27 ones) are skipped (§18.1).
 *
 * Returns 0. Errors (each is a TRANSPORT_PARAMETER_ERROR connection error,
 * §7.4, §18.2): L4_ERR_TRUNCATED (an entry runs past len),
 * L4_ERR_MALFORMED (a parameter repeated, a value of the wrong length or out
 * of range, a CID over 20 bytes, a server-only parameter sent by a client).
 * `tp` is unspecified on error. Never reads outside buf[0..len).
 */
int l4_quic_tp_decode(l4_quic_tp *tp, const uint8_t *buf, size_t len, int from_server);

#endif
