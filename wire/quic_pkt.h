/*
 * wire/quic_pkt.h — QUIC packet headers (RFC 9000 §17), packet numbers
 * (§17.1, Appendix A.2–A.3) and coalesced packets (§12.2).
 *
 * This layer sees packets as they are on the wire: header protection (RFC 9001
 * §5.4) hides the low bits of the first byte and the Packet Number field, so
 * the parser reports where the Packet Number field starts (`pn_offset`) and
 * leaves reading it to the caller once protection is removed (quic/protect.h).
 */
#ifndef L4_WIRE_QUIC_PKT_H
#define L4_WIRE_QUIC_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define L4_QUIC_VERSION_1       UINT32_C(0x00000001) /* RFC 9000 */
#define L4_QUIC_VERSION_NEG     UINT32_C(0x00000000) /* Version Negotiation (§17.2.1) */
#define L4_QUIC_MAX_CID_LEN     20                   /* §17.2: in QUIC version 1 */
#define L4_QUIC_RETRY_TAG_LEN   16                   /* RFC 9001 §5.8 */
#define L4_QUIC_MAX_PN_LEN      4
#define L4_QUIC_PN_NONE         UINT64_MAX /* "no packet number yet" */
#define L4_QUIC_MIN_INITIAL_LEN 1200       /* §14.1: client Initial datagrams */

/* First-byte bits (§17.2, §17.3). */
#define L4_QUIC_HDR_FORM_LONG 0x80
#define L4_QUIC_HDR_FIXED_BIT 0x40
#define L4_QUIC_HDR_SPIN_BIT  0x20 /* short header */
#define L4_QUIC_HDR_KEY_PHASE 0x04 /* short header, under header protection */

/** Packet types. The first four are the Long Packet Type values of §17.2. */
typedef enum l4_quic_pkt_type {
    L4_QUIC_PKT_INITIAL = 0,
    L4_QUIC_PKT_0RTT = 1,
    L4_QUIC_PKT_HANDSHAKE = 2,
    L4_QUIC_PKT_RETRY = 3,
    L4_QUIC_PKT_VN = 4,   /* Version Negotiation (long header, version 0) */
    L4_QUIC_PKT_1RTT = 5, /* short header */
} l4_quic_pkt_type;

/** A connection ID held by value (≤ 20 bytes in QUIC version 1). */
typedef struct l4_quic_cid {
    uint8_t len;
    uint8_t data[L4_QUIC_MAX_CID_LEN];
} l4_quic_cid;

/**
 * A parsed (or to-be-written) packet header. Pointers borrow the parsed
 * buffer (or, for writing, the caller's data).
 */
typedef struct l4_quic_hdr {
    uint8_t type;  /* l4_quic_pkt_type */
    uint8_t first; /* the first byte as read (protected bits still protected) */
    uint32_t version;
    const uint8_t *dcid;
    size_t dcid_len; /* up to 255 for a long header of an unknown version */
    const uint8_t *scid;
    size_t scid_len; /* long headers only */
    /* Initial: the token (may be empty). Retry: the Retry Token. */
    const uint8_t *token;
    size_t token_len;
    const uint8_t *retry_tag; /* Retry: the 16-byte Retry Integrity Tag */
    const uint8_t *versions;  /* Version Negotiation: n_versions 32-bit versions */
    size_t n_versions;
    uint64_t length;   /* Initial/0-RTT/Handshake: Length field (pn + payload) */
    uint8_t length_n;  /* writing: bytes for the Length varint, 0 = minimal */
    size_t pn_offset;  /* offset of the Packet Number field; 0 for Retry/VN */
    size_t pkt_len;    /* bytes of this packet (coalesced: where the next starts) */
    uint64_t pn;       /* writing only: the full packet number */
    uint8_t pn_len;    /* writing only: 1..4 bytes of packet number to send */
    uint8_t spin;      /* writing a short header: the spin bit */
    uint8_t key_phase; /* writing a short header: the key phase bit */
} l4_quic_hdr;

/**
 * Parses the QUIC packet at the start of `buf` (`len` bytes: a datagram or
 * the rest of one). `short_dcid_len` is the length of the connection IDs this
 * endpoint issued: a short header does not carry it (§17.3).
 *
 * Long headers: Initial (token), 0-RTT and Handshake have their Length field
 * checked against `len` and `pkt_len` = pn_offset + length, so the next
 * coalesced packet starts at buf + pkt_len. Retry and Version Negotiation
 * packets, and short headers, take the rest of `buf`. The Packet Number field
 * is not read (it is header-protected); `pn_offset` says where it is.
 *
 * Returns 0 on success. Errors:
 * - L4_ERR_TRUNCATED: `buf` ends inside the header, inside the Length the
 *   header announces, or (Retry) before the 16-byte integrity tag;
 * - L4_ERR_MALFORMED: the fixed bit is 0 (version 1 or short header), a
 *   connection ID longer than 20 bytes in version 1 (Version Negotiation
 *   packets may carry up to 255, RFC 8999 §6), a Version Negotiation
 *   list that is not a whole number of 4-byte versions, a Length shorter than
 *   one packet-number byte;
 * - L4_ERR_UNSUPPORTED: a long header of a version other than 1 (and not 0):
 *   `version`, `dcid` and `scid` are still filled (RFC 8999 invariants, CIDs
 *   up to 255 bytes), so a server can answer with Version Negotiation;
 *   `pkt_len` is the rest of `buf`;
 * - L4_ERR_INVALID_ARGUMENT: short_dcid_len > 20.
 * Never reads outside buf[0..len).
 */
int l4_quic_hdr_parse(l4_quic_hdr *h, const uint8_t *buf, size_t len, size_t short_dcid_len);

/**
 * Iterates over the packets coalesced in one datagram (§12.2): parses the
 * packet at dgram + *off and advances *off past it.
 *
 * Returns 1 when a packet was parsed into `*h` (its bytes are
 * dgram[*off_before .. *off_before + h->pkt_len)), 0 when *off == len (no more
 * packets), or the negative error of l4_quic_hdr_parse (then *off is not
 * moved; the rest of the datagram cannot be split further and is dropped).
 * A receiver SHOULD ignore packets whose DCID differs from the first one's
 * (§12.2); that check is the caller's.
 */
int l4_quic_pkt_next(l4_quic_hdr *h, const uint8_t *dgram, size_t len, size_t *off,
                     size_t short_dcid_len);

/**
 * Writes the header described by `h` into `dst` (`cap` bytes):
 * - Initial / 0-RTT / Handshake: first byte (type, Packet Number Length =
 *   pn_len - 1, reserved bits 0), version, DCID, SCID, (Initial: token length
 *   and token), Length = h->length as a varint of h->length_n bytes (0 =
 *   minimal), then the low pn_len bytes of h->pn. Returns the header length,
 *   which is pn_offset + pn_len; the caller appends the payload (whose size
 *   plus pn_len plus the AEAD tag must equal h->length).
 * - 1-RTT: first byte (fixed bit, spin, key phase, pn_len - 1), DCID, packet
 *   number. Returns the header length.
 * - Retry: first byte (its four unused low bits from h->first), version,
 *   DCID, SCID, token, and the 16-byte tag from h->retry_tag (compute it with quic/protect.h).
 * Returns the packet length.
 * - Version Negotiation: first byte 0x80 | (h->first & 0x7f) (the unused bits
 *   are the caller's choice, §17.2.1), version 0, DCID, SCID and the
 *   n_versions 32-bit versions read big-endian from h->versions. Returns the
 *   packet length.
 * `version` is written as given for long headers other than VN.
 *
 * Errors: L4_ERR_NOBUF (cap too small), L4_ERR_INVALID_ARGUMENT (unknown
 * type, a CID over 20 bytes (255 for Version Negotiation, which echoes the
 * CIDs of any version), pn_len not 1..4, length over 2^62 - 1 or not
 * fitting length_n, Retry without a tag).
 */
l4_ssize l4_quic_hdr_write(uint8_t *dst, size_t cap, const l4_quic_hdr *h);

/**
 * Length of the Packet Number field given the first byte with header
 * protection removed (§17.2: the two low bits plus one).
 */
static inline size_t l4_quic_pn_len(uint8_t first)
{
    return (size_t)(first & 0x03) + 1;
}

/**
 * Number of bytes (1..4) to send packet number `pn` with, when the largest
 * packet number the peer has acknowledged is `largest_acked`
 * (L4_QUIC_PN_NONE when none): enough bits for twice the number of
 * unacknowledged packets (§17.1, Appendix A.2). Returns 4 also when more than
 * 2^31 packets are in flight (which the caller must never let happen).
 */
size_t l4_quic_pn_encode_len(uint64_t pn, uint64_t largest_acked);

/**
 * Recovers a full packet number from the `pn_nbits`-bit `truncated` value
 * received, given the largest packet number received so far in that space
 * (`largest_pn`, L4_QUIC_PN_NONE when none): the candidate closest to
 * largest_pn + 1 (§17.1, Appendix A.3).
 */
uint64_t l4_quic_pn_decode(uint64_t largest_pn, uint64_t truncated, size_t pn_nbits);

/** Reads an n-byte (1..4) big-endian packet number from `p`. */
uint64_t l4_quic_pn_read(const uint8_t *p, size_t n);

/** Writes the low n bytes (1..4) of `pn` big-endian at `p`. */
void l4_quic_pn_write(uint8_t *p, uint64_t pn, size_t n);

/**
 * Returns a short static name for a packet type ("Initial", "0-RTT",
 * "Handshake", "Retry", "VersionNegotiation", "1-RTT"; "?" otherwise).
 */
const char *l4_quic_pkt_type_name(int type);

#endif
