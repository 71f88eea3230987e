/*
 * tcp/syncookie.h — SYN cookies (RFC 4987 §3.6): a listener whose SYN queue
 * is full answers a SYN without keeping any state, with a SYN-ACK whose ISN
 * encodes what it needs to create the connection once the peer's ACK
 * returns that ISN + 1.
 *
 * The cookie is the 32-bit ISN laid out as RFC 4987 §3.6 describes:
 *
 *   bits 31..27  t mod 32, t = now / L4_SYNCOOKIE_PERIOD (a 64-second counter)
 *   bits 26..24  an index into the MSS table below (the peer's MSS, rounded down)
 *   bits 23..0   a MAC: the low 24 bits of SipHash-2-4 under a secret key of
 *                (local address, remote address, local port, remote port,
 *                 the peer's ISN, t, the MSS index)
 *
 * A cookie is valid while t has advanced by less than L4_SYNCOOKIE_MAX_AGE
 * (so for at least 64 s and at most 128 s after it was made). Binding the
 * peer's ISN in the MAC means the ACK must come from the SYN's sender (its
 * SEG.SEQ - 1 is that ISN), as it does in the Linux scheme.
 *
 * What a cookie cannot hold — the peer's window scale, SACK-permitted and
 * ECN — travels, when both sides use timestamps (RFC 7323), in the low 6
 * bits of the SYN-ACK's TSval, which the peer echoes in TSecr (the way Linux
 * does it): bits 3..0 the peer's window shift (15 = no window scaling), bit 4
 * SACK-permitted, bit 5 ECN. Without timestamps a cookie connection has none
 * of the three, only the MSS.
 *
 * Pure functions: no clock (`now` is an argument), no randomness (the key is
 * the caller's, derived from the host's seeded secret).
 */
#ifndef L4_TCP_SYNCOOKIE_H
#define L4_TCP_SYNCOOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/conn.h"
#include "util/err.h"
#include "util/time.h"
#include "wire/addr.h"
#include "wire/tcp.h"

/** The period of the cookie's time counter t (RFC 4987 §3.6: 64 seconds). */
#define L4_SYNCOOKIE_PERIOD (64ull * L4_S)
/** A cookie is accepted while t has advanced by less than this. */
#define L4_SYNCOOKIE_MAX_AGE 2u
/** Entries in the MSS table (3 bits). */
#define L4_SYNCOOKIE_NMSS 8u
/** Low bits of TSval that carry the options (6). */
#define L4_SYNCOOKIE_TS_BITS 6u
/** Window-shift value that means "no window scaling". */
#define L4_SYNCOOKIE_NO_WSCALE 15u

/** The 4-tuple a cookie is bound to, seen from the listener. */
typedef struct l4_syncookie_tuple {
    l4_addr laddr, raddr;
    uint16_t lport, rport;
} l4_syncookie_tuple;

/** Options the handshake negotiated, as a cookie and its timestamp carry them. */
typedef struct l4_syncookie_opts {
    uint16_t mss;       /* the peer's MSS (a table entry) */
    uint8_t ts_ok;      /* timestamps negotiated (the ACK echoed one) */
    uint8_t ws_ok;      /* window scaling negotiated */
    uint8_t snd_wscale; /* the peer's window shift (0..14) when ws_ok */
    uint8_t sack_ok;    /* SACK-permitted negotiated */
    uint8_t ecn_ok;     /* ECN negotiated (RFC 3168) */
    uint32_t ts_val;    /* the ACK's TSval (TS.Recent of the new connection) */
} l4_syncookie_opts;

/** The MSS of table entry `idx` (0..7), ascending; 0 for an index out of range. */
uint16_t l4_syncookie_mss(unsigned idx);

/**
 * The index of the largest table entry not above `peer_mss` (the peer may
 * not receive more than it announced); 0 (the smallest, 256) when even that
 * is above it.
 */
unsigned l4_syncookie_mss_index(uint16_t peer_mss);

/**
 * Derives the 16-byte cookie key from a 16-byte secret (the TCP settings'
 * isn_secret), with SipHash under a label, so the cookie MAC and the RFC
 * 6528 ISN function never use the same key. Writes `key`.
 */
void l4_syncookie_key(const uint8_t secret[16], uint8_t key[16]);

/**
 * The cookie (the SYN-ACK's ISN) for a SYN on `t` whose sequence number was
 * `peer_isn`, with MSS table index `mss_idx` (masked to 3 bits), at `now`.
 */
uint32_t l4_syncookie_make(const uint8_t key[16], const l4_syncookie_tuple *t, uint32_t peer_isn,
                           unsigned mss_idx, l4_time now);

/**
 * Checks `cookie` (the ACK's SEG.ACK - 1) against `t` and `peer_isn` (the
 * ACK's SEG.SEQ - 1) at `now`. On success sets *mss_idx and returns 0.
 * Errors: L4_ERR_LIMIT (its counter is L4_SYNCOOKIE_MAX_AGE or more periods
 * old: stale), L4_ERR_CHECKSUM (the MAC does not match: another tuple, ISN or
 * key, or a forged value), L4_ERR_INVALID_ARGUMENT (NULL).
 */
int l4_syncookie_check(const uint8_t key[16], const l4_syncookie_tuple *t, uint32_t peer_isn,
                       uint32_t cookie, l4_time now, unsigned *mss_idx);

/**
 * The TSval for the cookie SYN-ACK: `ts_now` with its low 6 bits replaced
 * by the options of `o` (ws_ok/snd_wscale, sack_ok, ecn_ok), moved back by
 * 64 when that would put it ahead of ts_now (timestamps never run ahead).
 */
uint32_t l4_syncookie_ts_encode(uint32_t ts_now, const l4_syncookie_opts *o);

/**
 * Reads the options back from the TSecr the peer echoed: sets ws_ok,
 * snd_wscale, sack_ok and ecn_ok of `o` (other fields untouched).
 * `ts_now` is the listener's timestamp clock for the connection now.
 * Returns 0. Errors: L4_ERR_MALFORMED when `tsecr` cannot be an echo of a
 * cookie SYN-ACK's TSval: ahead of ts_now, or older than a cookie lives
 * (L4_SYNCOOKIE_MAX_AGE periods at 1 ms per tick, RFC 7323 §5.4).
 */
int l4_syncookie_ts_decode(uint32_t tsecr, uint32_t ts_now, l4_syncookie_opts *o);

/* ---- the engine side: answering and opening (tcp/syncookie_conn.c) ---- */

/**
 * Answers `syn` (a SYN, no ACK, from `remote`:syn->sport to
 * `local`:syn->dport) statelessly: writes into `buf` (`cap` bytes, the
 * caller's) a SYN-ACK with ISN = the cookie and the options a connection
 * with settings `s` would send (MSS s->mss; when the SYN carries timestamps
 * and s allows them: TS with the option bits in TSval, window scale and
 * SACK-permitted as the peer offered and s allows; an ECN-setup SYN-ACK when
 * the SYN asks for ECN and s or its congestion control wants it), the
 * checksum over the pseudo-header of local/remote. The IP header carries
 * Not-ECT (RFC 3168 §6.1.1). Returns the segment's length.
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL, a segment that is not a bare SYN,
 * address families differ), L4_ERR_NOBUF (cap too small).
 */
l4_ssize l4_tcp_syncookie_synack(const l4_tcp_settings *s, const l4_addr *local,
                                 const l4_addr *remote, const l4_tcp_hdr *syn, l4_time now,
                                 uint8_t *buf, size_t cap);

/**
 * Validates an ACK that reached a listener (`local`:ack->dport, from
 * `remote`:ack->sport) as the answer to a cookie SYN-ACK sent with settings
 * `s`: the cookie (SEG.ACK - 1) against the tuple and SEG.SEQ - 1, its age,
 * and, when the ACK carries a timestamp, the options in its TSecr. Fills `o`.
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (NULL; not an ACK, or SYN or
 * RST set), L4_ERR_CHECKSUM (the cookie does not verify), L4_ERR_LIMIT
 * (stale), L4_ERR_MALFORMED (a TSecr that is no echo of ours).
 */
int l4_tcp_syncookie_check_ack(const l4_tcp_settings *s, const l4_addr *local,
                               const l4_addr *remote, const l4_tcp_hdr *ack, l4_time now,
                               l4_syncookie_opts *o);

/**
 * Creates the connection a validated cookie ACK stands for: `c` must be
 * fresh (l4_tcp_conn_new, never connected or listening). Binds the tuple,
 * takes ISS = SEG.ACK - 1 and IRS = SEG.SEQ - 1 with the options of `o`
 * (from l4_tcp_syncookie_check_ack) as if the SYN-ACK had been sent, then
 * processes `ack` itself — data and FIN included — so on return the
 * connection is ESTABLISHED (CLOSE_WAIT after a FIN) and the `established`
 * callback has run. No RTT sample exists yet (RFC 6298 initial RTO).
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL, families differ, ports differ from
 * the segment's), L4_ERR_STATE (c was used).
 */
int l4_tcp_conn_open_cookie(l4_tcp_conn *c, const l4_addr *local, const l4_addr *remote,
                            const l4_tcp_hdr *ack, uint8_t ecn, const l4_syncookie_opts *o,
                            l4_time now);

#endif
