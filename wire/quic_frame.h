/*
 * wire/quic_frame.h — QUIC frames (RFC 9000 §19): decoded into a tagged
 * struct whose data pointers borrow the input, and encoded back; plus the
 * §12.4 table of which packet types may carry which frames.
 *
 * Errors. A frame that cannot be decoded is a connection error of type
 * FRAME_ENCODING_ERROR (RFC 9000 §12.4, §19): the decoder returns
 * L4_ERR_TRUNCATED (the frame runs past the payload) or L4_ERR_MALFORMED (a
 * field has a value the RFC makes an encoding error), or L4_ERR_UNSUPPORTED
 * for a frame type this version does not define. In every case `f->type`
 * holds the frame type that was read (L4_QUIC_FRAME_TYPE_NONE if even the
 * type varint was cut short), which is what CONNECTION_CLOSE reports.
 */
#ifndef L4_WIRE_QUIC_FRAME_H
#define L4_WIRE_QUIC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/quic_pkt.h"

/* Frame types (RFC 9000 §19, Table 3). */
#define L4_QUIC_FRAME_PADDING              0x00
#define L4_QUIC_FRAME_PING                 0x01
#define L4_QUIC_FRAME_ACK                  0x02
#define L4_QUIC_FRAME_ACK_ECN              0x03
#define L4_QUIC_FRAME_RESET_STREAM         0x04
#define L4_QUIC_FRAME_STOP_SENDING         0x05
#define L4_QUIC_FRAME_CRYPTO               0x06
#define L4_QUIC_FRAME_NEW_TOKEN            0x07
#define L4_QUIC_FRAME_STREAM               0x08 /* 0x08..0x0f: | OFF | LEN | FIN */
#define L4_QUIC_FRAME_MAX_DATA             0x10
#define L4_QUIC_FRAME_MAX_STREAM_DATA      0x11
#define L4_QUIC_FRAME_MAX_STREAMS_BIDI     0x12
#define L4_QUIC_FRAME_MAX_STREAMS_UNI      0x13
#define L4_QUIC_FRAME_DATA_BLOCKED         0x14
#define L4_QUIC_FRAME_STREAM_DATA_BLOCKED  0x15
#define L4_QUIC_FRAME_STREAMS_BLOCKED_BIDI 0x16
#define L4_QUIC_FRAME_STREAMS_BLOCKED_UNI  0x17
#define L4_QUIC_FRAME_NEW_CONNECTION_ID    0x18
#define L4_QUIC_FRAME_RETIRE_CONNECTION_ID 0x19
#define L4_QUIC_FRAME_PATH_CHALLENGE       0x1a
#define L4_QUIC_FRAME_PATH_RESPONSE        0x1b
#define L4_QUIC_FRAME_CONNECTION_CLOSE     0x1c /* transport error */
#define L4_QUIC_FRAME_CONNECTION_CLOSE_APP 0x1d /* application error */
#define L4_QUIC_FRAME_HANDSHAKE_DONE       0x1e
#define L4_QUIC_FRAME_TYPE_NONE            UINT64_MAX

/* STREAM type bits (§19.8). */
#define L4_QUIC_STREAM_FIN 0x01
#define L4_QUIC_STREAM_LEN 0x02
#define L4_QUIC_STREAM_OFF 0x04

#define L4_QUIC_RESET_TOKEN_LEN 16
#define L4_QUIC_PATH_DATA_LEN   8
/** §19.11, §19.14: stream counts above 2^60 cannot be expressed as IDs. */
#define L4_QUIC_MAX_STREAMS_LIMIT (UINT64_C(1) << 60)

/* Transport error codes (RFC 9000 §20.1) used by the decoder's callers. */
#define L4_QUIC_ERR_NO_ERROR                  0x00
#define L4_QUIC_ERR_INTERNAL_ERROR            0x01
#define L4_QUIC_ERR_CONNECTION_REFUSED        0x02
#define L4_QUIC_ERR_FLOW_CONTROL_ERROR        0x03
#define L4_QUIC_ERR_STREAM_LIMIT_ERROR        0x04
#define L4_QUIC_ERR_STREAM_STATE_ERROR        0x05
#define L4_QUIC_ERR_FINAL_SIZE_ERROR          0x06
#define L4_QUIC_ERR_FRAME_ENCODING_ERROR      0x07
#define L4_QUIC_ERR_TRANSPORT_PARAMETER_ERROR 0x08
#define L4_QUIC_ERR_CONNECTION_ID_LIMIT_ERROR 0x09
#define L4_QUIC_ERR_PROTOCOL_VIOLATION        0x0a
#define L4_QUIC_ERR_INVALID_TOKEN             0x0b
#define L4_QUIC_ERR_APPLICATION_ERROR         0x0c
#define L4_QUIC_ERR_CRYPTO_BUFFER_EXCEEDED    0x0d
#define L4_QUIC_ERR_KEY_UPDATE_ERROR          0x0e
#define L4_QUIC_ERR_AEAD_LIMIT_REACHED        0x0f
#define L4_QUIC_ERR_NO_VIABLE_PATH            0x10
#define L4_QUIC_ERR_CRYPTO_ERROR              0x100 /* 0x100 + TLS alert */

/**
 * ACK / ACK_ECN (§19.3). `ranges` borrows the encoded (Gap, ACK Range Length)
 * pairs that follow the First ACK Range: `range_count` pairs in `ranges_len`
 * bytes. Walk them with l4_quic_ack_iter; build them with
 * l4_quic_ack_write_ranges(). The decoder has already checked that no range
 * goes below packet number 0.
 */
typedef struct l4_quic_frame_ack {
    uint64_t largest;   /* Largest Acknowledged */
    uint64_t ack_delay; /* as encoded: scale by 2^ack_delay_exponent µs */
    uint64_t range_count;
    uint64_t first_range;
    const uint8_t *ranges;
    size_t ranges_len;
    uint64_t ect0, ect1, ce; /* ACK_ECN only (type 0x03) */
} l4_quic_frame_ack;

/** STREAM (§19.8): offset is 0 unless the type has L4_QUIC_STREAM_OFF. */
typedef struct l4_quic_frame_stream {
    uint64_t stream_id;
    uint64_t offset;
    const uint8_t *data;
    size_t len; /* without L4_QUIC_STREAM_LEN: the rest of the payload */
} l4_quic_frame_stream;

/** CONNECTION_CLOSE (§19.19). frame_type only for 0x1c. */
typedef struct l4_quic_frame_close {
    uint64_t error_code;
    uint64_t frame_type;
    const uint8_t *reason; /* UTF-8 by convention; not validated */
    size_t reason_len;
} l4_quic_frame_close;

/** NEW_CONNECTION_ID (§19.15). */
typedef struct l4_quic_frame_new_cid {
    uint64_t seq;
    uint64_t retire_prior_to;
    l4_quic_cid cid; /* 1..20 bytes */
    uint8_t reset_token[L4_QUIC_RESET_TOKEN_LEN];
} l4_quic_frame_new_cid;

/** One decoded frame. `type` selects the union member (see each comment). */
typedef struct l4_quic_frame {
    uint64_t type;
    union {
        size_t padding_len;    /* PADDING: the run of 0x00 bytes, ≥ 1 */
        l4_quic_frame_ack ack; /* ACK, ACK_ECN */
        struct {
            uint64_t stream_id, error_code, final_size;
        } reset_stream;
        struct {
            uint64_t stream_id, error_code;
        } stop_sending;
        struct {
            uint64_t offset;
            const uint8_t *data;
            size_t len;
        } crypto;
        struct {
            const uint8_t *token; /* ≥ 1 byte */
            size_t len;
        } new_token;
        l4_quic_frame_stream stream; /* STREAM 0x08..0x0f */
        /* MAX_DATA, MAX_STREAMS_*, DATA_BLOCKED, STREAMS_BLOCKED_*: a single
         * value (maximum / limit); RETIRE_CONNECTION_ID: the sequence number. */
        uint64_t value;
        struct {
            uint64_t stream_id, value;
        } stream_value; /* MAX_STREAM_DATA, STREAM_DATA_BLOCKED */
        l4_quic_frame_new_cid new_cid;
        uint8_t path_data[L4_QUIC_PATH_DATA_LEN]; /* PATH_CHALLENGE/RESPONSE */
        l4_quic_frame_close close;                /* CONNECTION_CLOSE, _APP */
    } u;
} l4_quic_frame;

/**
 * Decodes the frame at the start of `buf` (`len` bytes, the rest of a
 * packet payload) into `*f`. Data pointers in `*f` point into `buf`.
 * A run of PADDING bytes decodes as one frame. Frame types encoded with more
 * bytes than needed are accepted (RFC 9000 §12.4 makes rejecting them
 * optional).
 *
 * Returns the number of bytes consumed (≥ 1). Errors (see the file comment;
 * `f->type` is set in each case):
 * - L4_ERR_TRUNCATED: a field, or the data a length announces, runs past len
 *   (len 0 included);
 * - L4_ERR_MALFORMED: ACK ranges below packet number 0; STREAM or CRYPTO
 *   offset + length > 2^62 - 1; MAX_STREAMS or STREAMS_BLOCKED > 2^60;
 *   NEW_CONNECTION_ID with a length outside 1..20 or Retire Prior To greater
 *   than its sequence number; NEW_TOKEN with an empty token;
 * - L4_ERR_UNSUPPORTED: an unknown frame type.
 * Never reads outside buf[0..len).
 */
l4_ssize l4_quic_frame_decode(l4_quic_frame *f, const uint8_t *buf, size_t len);

/**
 * Encodes `*f` into `dst` (`cap` bytes) with minimal varints. `f->type` is
 * written as is and selects the fields, as for decoding: a STREAM type
 * without L4_QUIC_STREAM_LEN writes data to the end (it must be the last
 * frame of its packet), ACK ranges are copied from f->u.ack.ranges.
 *
 * Returns the number of bytes written. Errors: L4_ERR_NOBUF (cap too small;
 * dst contents unspecified), L4_ERR_INVALID_ARGUMENT (unknown type, a value
 * over 2^62 - 1, a field the decoder would reject as malformed, a STREAM
 * offset without L4_QUIC_STREAM_OFF, PADDING of length 0, NULL data with a
 * nonzero length).
 */
l4_ssize l4_quic_frame_encode(uint8_t *dst, size_t cap, const l4_quic_frame *f);

/** One acknowledged range: packet numbers smallest..largest, inclusive. */
typedef struct l4_quic_ack_range {
    uint64_t smallest;
    uint64_t largest;
} l4_quic_ack_range;

/** Walks the ranges of a decoded ACK frame, highest first. */
typedef struct l4_quic_ack_iter {
    const uint8_t *p, *end;
    uint64_t left;     /* pairs not yet read */
    uint64_t smallest; /* of the range returned last */
    int started;
    const l4_quic_frame_ack *ack;
} l4_quic_ack_iter;

/** Starts walking `ack`, whose ranges buffer must stay valid meanwhile. */
void l4_quic_ack_iter_init(l4_quic_ack_iter *it, const l4_quic_frame_ack *ack);

/**
 * Writes the next range (the first call gives the First ACK Range) into `*r`.
 * Returns 1, or 0 when there are no more, or L4_ERR_MALFORMED if the ranges
 * do not decode or underflow (cannot happen for a frame that
 * l4_quic_frame_decode() accepted).
 */
int l4_quic_ack_iter_next(l4_quic_ack_iter *it, l4_quic_ack_range *r);

/**
 * Fills the range fields of `ack` (largest, first_range, range_count,
 * ranges, ranges_len) from `n` ≥ 1 disjoint, non-adjacent ranges sorted
 * highest first, encoding the (Gap, ACK Range Length) pairs into `buf`
 * (`cap` bytes), which ack->ranges then points to.
 *
 * Returns the bytes used in `buf`. Errors: L4_ERR_INVALID_ARGUMENT (n == 0,
 * a range with smallest > largest, ranges out of order, overlapping or
 * adjacent (gap < 1 missing packet), a value over 2^62 - 1), L4_ERR_NOBUF.
 */
l4_ssize l4_quic_ack_write_ranges(l4_quic_frame_ack *ack, uint8_t *buf, size_t cap,
                                  const l4_quic_ack_range *r, size_t n);

/**
 * RFC 9000 §12.4, Table 3: whether a frame of `type` may appear in a packet
 * of `pkt_type` (l4_quic_pkt_type). Unknown frame types, Retry and Version
 * Negotiation packets give 0. (§12.5 / RFC 9001 §5.6 forbid more by role:
 * a server never sends 0-RTT, so that check is the engine's.)
 */
int l4_quic_frame_allowed(uint64_t type, int pkt_type);

/**
 * Whether a frame type is ack-eliciting (RFC 9000 §13.2: anything but ACK,
 * PADDING and CONNECTION_CLOSE). Unknown types give 0.
 */
int l4_quic_frame_ack_eliciting(uint64_t type);

/**
 * The transport error code (RFC 9000 §20.1) for a l4_quic_frame_decode()
 * error: FRAME_ENCODING_ERROR for L4_ERR_TRUNCATED, L4_ERR_MALFORMED and
 * L4_ERR_UNSUPPORTED (§12.4: an unknown frame type is one too),
 * INTERNAL_ERROR for anything else.
 */
uint64_t l4_quic_frame_error_code(int err);

/** A short static name for a frame type ("STREAM", "ACK"...; "?" if unknown). */
const char *l4_quic_frame_name(uint64_t type);

#endif
