/*
 * tools/l4kit/dissect_quic.h — QUIC in the UDP datagrams of a capture, for
 * `l4kit dissect`: which datagrams are QUIC, their packets (coalesced ones
 * each on their own, RFC 9000 §12.2), long and short headers (§17), and the
 * frames inside once the packet protection is removed (RFC 9001 §5):
 * Initial packets always (their keys come from the client's first
 * Destination Connection ID, §5.2), Handshake, 0-RTT and 1-RTT packets with
 * the TLS secrets of a key log (dissect_keylog.h), key updates included
 * (§6). The TLS handshake messages in CRYPTO frames are named
 * (dissect_tls.h) when their bytes are contiguous.
 *
 * State lives across the datagrams of a capture (a `dis_quic`): the
 * connections seen, the connection IDs each end uses (learned from long
 * headers and NEW_CONNECTION_ID frames) and their lengths, the keys, the
 * largest packet number per space. A datagram is QUIC when
 *  - it starts with a long header of version 1, or Version Negotiation
 *    (version 0) listing a version that looks like QUIC's, or another
 *    version whose value QUIC uses (v2, drafts, greased 0x?a?a?a?a, ...),
 *    or any long header on the addresses and ports of a connection seen;
 *  - or a short header (fixed bit set) whose Destination Connection ID is
 *    one a connection seen uses, or that arrives on the addresses and ports
 *    of such a connection (the ID's length is the one that end uses).
 * So a DNS message on port 443 is not QUIC, nor a short header that no long
 * header announced. A fixed bit of 0 (RFC 9287 greasing) is taken on a
 * connection seen. A capture taken on a host that sends with UDP GSO holds
 * "datagrams" of many segments: a short header that does not decrypt as the
 * rest of the datagram, where the connection's packets start again at every
 * multiple of some size, is split into those segments. The packet protection, frames and TLS
 * parsing come from quic/ and wire/ (quic/crypto.h, quic/protect.h, wire/quic_pkt.h,
 * wire/quic_frame.h); nothing here prints or does I/O.
 */
#ifndef L4_TOOLS_DISSECT_QUIC_H
#define L4_TOOLS_DISSECT_QUIC_H

#include <stddef.h>
#include <stdint.h>

#include "dissect_keylog.h"
#include "dissect_tls.h"
#include "wire/addr.h"
#include "wire/quic_frame.h"
#include "wire/quic_pkt.h"

#define DISQ_MAX_PKTS                                                                              \
    64 /* packets listed per datagram (a GSO one holds up to 64); more are counted */

/* Why a packet's payload is not shown (disq_pkt.dec). */
#define DISQ_DEC_OK        0 /* decrypted: pn, first byte in clear, frames */
#define DISQ_DEC_NONE      1 /* a Retry or Version Negotiation packet: nothing is encrypted */
#define DISQ_DEC_NO_KEYS   2 /* no secrets for this packet (no key log, or not in it) */
#define DISQ_DEC_FAILED    3 /* the keys did not authenticate it */
#define DISQ_DEC_SHORT     4 /* too short for header protection's sample (RFC 9001 §5.4.2) */
#define DISQ_DEC_VERSION   5 /* a version whose protection l4kit does not implement */
#define DISQ_DEC_MALFORMED 6 /* the header itself does not parse */
#define DISQ_DEC_CUT       7 /* the capture kept only part of it */
#define DISQ_DEC_NO_CONN   8 /* a connection whose first Initial was not seen */

/** One frame of a decrypted packet. Pointers borrow the dis_quic's plaintext. */
typedef struct disq_frame {
    l4_quic_frame f; /* f.type: the frame type (UINT64_MAX when even that was cut) */
    int err;         /* 0, or l4_quic_frame_decode's error: the payload's rest is not decoded */
    size_t off;      /* offset in the packet's payload */
    int not_allowed; /* RFC 9000 §12.4 Table 3 forbids it in this packet type */
    /* CRYPTO: the TLS handshake messages whose last byte this frame brought
     * (in order): dgram.tls[tls0 .. tls0 + n_tls). */
    size_t tls0, n_tls;
} disq_frame;

/** One QUIC packet of a datagram. */
typedef struct disq_pkt {
    size_t off;      /* where it starts in the datagram */
    size_t len;      /* its bytes (the header's Length decides for long headers) */
    int hdr_err;     /* l4_quic_hdr_parse's error (L4_ERR_UNSUPPORTED: unknown version) */
    l4_quic_hdr h;   /* the header as parsed (pointers into the caller's datagram) */
    int from_client; /* 1 client to server, 0 server to client, -1 unknown */
    int dec;         /* DISQ_DEC_* */
    char why[160];   /* when dec is not OK / NONE: the reason, in words */
    /* When decrypted: */
    uint8_t first; /* the first byte with header protection removed */
    uint64_t pn;
    size_t pn_len;
    int key_phase;          /* 1-RTT */
    uint64_t key_gen;       /* 1-RTT: the key generation (0 = the first 1-RTT keys, §6) */
    const char *aead;       /* "AES-128-GCM", ... */
    const uint8_t *payload; /* plaintext frames (borrowed from the dis_quic) */
    size_t payload_len;
    size_t frame0, n_frames; /* its frames: dgram.frames[frame0 .. frame0 + n_frames) */
    /* Retry: the integrity tag checked against the client's first DCID. */
    int retry_tag;       /* 1 verified, 0 does not verify, -1 unknown (no Initial seen) */
    int greased;         /* its fixed bit is 0 (RFC 9287: the peer allowed greasing it); h.dcid,
                            h.scid and h.token then point into the dis_quic, not the datagram */
    int stateless_reset; /* a short header that is a Stateless Reset (a token matched, §10.3) */
} disq_pkt;

/** What one UDP datagram holds. Valid until the next dis_quic_datagram() call. */
typedef struct disq_dgram {
    int is_quic;
    size_t n_pkts;    /* listed in pkts[] */
    size_t more_pkts; /* packets beyond DISQ_MAX_PKTS (counted, not listed) */
    disq_pkt pkts[DISQ_MAX_PKTS];
    size_t rest;        /* bytes after the last packet that form no packet */
    size_t gso;         /* a GSO super-datagram (UDP_SEGMENT) as captured on the sending host: the
                           size of its segments, each a datagram; else 0 */
    int rest_err;       /* why (l4_quic_hdr_parse's error), 0 when they are all zero (padding) */
    disq_frame *frames; /* every listed packet's frames (borrowed from the dis_quic) */
    size_t n_frames;
    dis_tls_msg *tls; /* the TLS messages the CRYPTO frames completed */
    size_t n_tls;
} disq_dgram;

typedef struct dis_quic dis_quic;

/**
 * A fresh state for one capture. `kl` (borrowed; may be NULL) holds the
 * secrets for Handshake / 0-RTT / 1-RTT packets and must outlive `*out`.
 * Returns 0 or L4_ERR_NOMEM.
 */
int dis_quic_new(dis_quic **out, const dis_keylog *kl);

/** Frees the state (keys wiped). NULL-safe. */
void dis_quic_free(dis_quic *q);

/**
 * Decodes the UDP payload `data` (`len` bytes) sent from src:sport to
 * dst:dport, in capture order; only its first `captured` bytes are real
 * (a capture's snap length cut the rest, which is zero fill): packets that
 * reach past them get their headers decoded, not their payload. Fills `*out`; out->is_quic 0 means
 * it is not QUIC by the rules above. Header pointers borrow `data`; payloads and frames borrow `q`
 * until the next call. Never fails as a whole: whatever does not parse or decrypt is recorded per
 * packet. Returns 0, or L4_ERR_NOMEM (then *out holds what was decoded before).
 */
int dis_quic_datagram(dis_quic *q, disq_dgram *out, const l4_addr *src, uint16_t sport,
                      const l4_addr *dst, uint16_t dport, const uint8_t *data, size_t len,
                      size_t captured);

/** "v1", "v2", "draft-29", "Version Negotiation", "greased", ...; NULL when unknown. */
const char *dis_quic_version_name(uint32_t v);

/** The name of a transport error code (RFC 9000 §20.1: "NO_ERROR", ...; "CRYPTO_ERROR" for 0x1xx).
 */
const char *dis_quic_error_name(uint64_t code);

/** "AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305". */
const char *dis_quic_aead_name(int aead);

#endif
