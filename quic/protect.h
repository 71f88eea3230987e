/*
 * quic/protect.h — QUIC packet protection (RFC 9001 §5.3–§5.4, §5.8):
 * AEAD over the payload with the nonce = IV XOR packet number, header
 * protection over the first byte's low bits and the Packet Number field,
 * and the Retry Integrity Tag. Packets are protected and unprotected in the
 * caller's buffer.
 */
#ifndef L4_QUIC_PROTECT_H
#define L4_QUIC_PROTECT_H

#include <stddef.h>
#include <stdint.h>

#include "quic/crypto.h"
#include "util/err.h"

/**
 * The 5-byte header-protection mask for a 16-byte ciphertext `sample`
 * (RFC 9001 §5.4.3 AES-ECB, §5.4.4 ChaCha20 with counter = sample[0..4]
 * little-endian and nonce = sample[4..16]).
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (`k` not initialised),
 * L4_ERR_UNSUPPORTED (the cipher call failed).
 */
int l4_quic_hp_mask(l4_quic_keys *k, const uint8_t *sample, uint8_t *mask);

/**
 * Protects one packet in place (RFC 9001 §5.3, then §5.4.1).
 *
 * `pkt` holds the header (hdr_len bytes, written by l4_quic_hdr_write() with
 * the packet number in clear at pn_offset; for long headers the Length field
 * must already count pn_len + payload_len + L4_QUIC_TAG_LEN) followed by
 * `payload_len` bytes of plaintext frames. `pn` is the full packet number
 * whose low bytes the header carries. The payload is encrypted in place,
 * the 16-byte tag appended, then header protection applied.
 *
 * Returns the protected packet length, hdr_len + payload_len + 16. Errors:
 * - L4_ERR_NOBUF: cap < hdr_len + payload_len + 16;
 * - L4_ERR_INVALID_ARGUMENT: hdr_len - pn_offset is not the 1..4-byte packet
 *   number length the first byte announces, or pn_len + payload_len < 4 (too
 *   short to sample for header protection: pad with PADDING frames, §5.4.2);
 * - L4_ERR_UNSUPPORTED: the cipher call failed.
 * On error `pkt` may be partly modified.
 */
l4_ssize l4_quic_protect(l4_quic_keys *k, uint8_t *pkt, size_t cap, size_t hdr_len,
                         size_t pn_offset, uint64_t pn, size_t payload_len);

/**
 * Removes the protection of one received packet in place (RFC 9001 §5.4.1
 * then §5.3). `pkt_len` is the packet's length (l4_quic_hdr.pkt_len, which
 * splits coalesced packets), `pn_offset` where its Packet Number field starts
 * (l4_quic_hdr.pn_offset), `largest_pn` the largest packet number received
 * so far in this packet-number space (L4_QUIC_PN_NONE when none).
 *
 * On success the first byte and the packet number are in clear (the reserved
 * bits of pkt[0] are left for the caller to check, RFC 9000 §17.2), the
 * plaintext payload is at pkt + *hdr_len, *pn is the full packet number, and
 * the payload length is returned.
 *
 * Errors:
 * - L4_ERR_TRUNCATED: pkt_len < pn_offset + 4 + 16 (no complete sample; the
 *   packet MUST be discarded, §5.4.2) or no room for the tag;
 * - L4_ERR_CHECKSUM: AEAD authentication failed (wrong keys, or any bit of
 *   the header or payload altered): the packet must be dropped. The bytes
 *   before pn_offset (first byte included) are as received; the bytes from
 *   pn_offset on are unspecified (keep a copy to retry with other keys).
 * - L4_ERR_INVALID_ARGUMENT: `k` not initialised or pn_offset 0;
 * - L4_ERR_UNSUPPORTED: the cipher call failed.
 */
l4_ssize l4_quic_unprotect(l4_quic_keys *k, uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                           uint64_t largest_pn, uint64_t *pn, size_t *hdr_len);

/**
 * Computes the Retry Integrity Tag (RFC 9001 §5.8) into tag[0..16): AES-128-GCM
 * with the version 1 key and nonce over the Retry pseudo-packet, which is
 * the client's original Destination Connection ID (`odcid`, with its length
 * byte) followed by the Retry packet without its tag (`retry`,
 * `retry_len` bytes).
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (odcid_len > 255),
 * L4_ERR_NOMEM / L4_ERR_UNSUPPORTED (GnuTLS failure).
 */
int l4_quic_retry_tag(uint8_t *tag, const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
                      size_t retry_len);

/**
 * Checks the tag of a whole received Retry packet (`retry_len` bytes, tag
 * last) against the Destination Connection ID the client sent first.
 *
 * Returns 0 when it verifies. Errors: L4_ERR_TRUNCATED (retry_len < 16),
 * L4_ERR_CHECKSUM (the tag does not verify), others as l4_quic_retry_tag().
 */
int l4_quic_retry_verify(const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
                         size_t retry_len);

#endif
