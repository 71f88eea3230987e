/*
 * wire/tcp.h — the TCP header and its options (RFC 9293 §3.1, §3.2; window
 * scale and timestamps RFC 7323; SACK RFC 2018).
 */
#ifndef L4_WIRE_TCP_H
#define L4_WIRE_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/addr.h"

#define L4_TCP_MIN_HDR  20
#define L4_TCP_MAX_HDR  60
#define L4_TCP_MAX_OPTS 40

/* Flags, as in byte 13 of the header. */
#define L4_TCP_FIN 0x01
#define L4_TCP_SYN 0x02
#define L4_TCP_RST 0x04
#define L4_TCP_PSH 0x08
#define L4_TCP_ACK 0x10
#define L4_TCP_URG 0x20
#define L4_TCP_ECE 0x40
#define L4_TCP_CWR 0x80

/* Option kinds. */
#define L4_TCPOPT_EOL       0
#define L4_TCPOPT_NOP       1
#define L4_TCPOPT_MSS       2
#define L4_TCPOPT_WSCALE    3
#define L4_TCPOPT_SACK_PERM 4
#define L4_TCPOPT_SACK      5
#define L4_TCPOPT_TS        8

/* Bits of l4_tcp_opts.present. */
#define L4_TCP_HAS_MSS       0x01
#define L4_TCP_HAS_WSCALE    0x02
#define L4_TCP_HAS_SACK_PERM 0x04
#define L4_TCP_HAS_SACK      0x08
#define L4_TCP_HAS_TS        0x10

#define L4_TCP_MAX_SACK 4

/** One SACK block: the sequence space [left, right). */
typedef struct l4_tcp_sack_block {
    uint32_t left;
    uint32_t right;
} l4_tcp_sack_block;

/** The options l4kit understands; others are skipped by their length. */
typedef struct l4_tcp_opts {
    uint8_t present; /* L4_TCP_HAS_* */
    uint8_t wscale;  /* shift count as sent (the receiver clamps to 14, RFC 7323 §2.3) */
    uint16_t mss;
    uint8_t sack_count; /* blocks in sack[] */
    uint8_t unknown;    /* options of unknown kind that were skipped */
    l4_tcp_sack_block sack[L4_TCP_MAX_SACK];
    uint32_t ts_val;
    uint32_t ts_ecr;
} l4_tcp_opts;

/** A parsed TCP segment. `payload` and the option bytes borrow the buffer. */
typedef struct l4_tcp_hdr {
    uint16_t sport;
    uint16_t dport;
    uint32_t seq;
    uint32_t ack;
    uint8_t hdr_len; /* data offset in bytes, 20..60 */
    uint8_t flags;   /* L4_TCP_* */
    uint16_t window; /* as on the wire (unscaled) */
    uint16_t cksum;
    uint16_t urg;
    l4_tcp_opts opts;
    const uint8_t *payload;
    size_t payload_len;
} l4_tcp_hdr;

/**
 * Parses the segment at `buf` (`len` bytes: the whole IP payload). When `src`
 * and `dst` are given, the checksum is verified over the pseudo-header.
 *
 * Options: EOL ends the list; NOP is skipped; MSS (len 4), WSCALE (3),
 * SACK_PERM (2), SACK (2 + 8n, n = 1..4) and TS (10) are decoded; any other
 * kind is skipped by its length byte and counted in opts.unknown.
 *
 * Returns 0. Errors: L4_ERR_TRUNCATED (len < 20 or < data offset),
 * L4_ERR_MALFORMED (data offset < 5; an option whose length byte is missing,
 * < 2, or runs past the header; a known option with the wrong length),
 * L4_ERR_CHECKSUM (wrong checksum; `*h` is still completely filled in).
 * Never reads outside buf[0..len).
 */
int l4_tcp_parse(l4_tcp_hdr *h, const uint8_t *buf, size_t len, const l4_addr *src,
                 const l4_addr *dst);

/**
 * Bytes the options in `o` take on the wire, padded to a multiple of 4, in
 * the layout l4_tcp_write uses. Returns L4_ERR_INVALID_ARGUMENT when they
 * exceed 40 bytes.
 */
l4_ssize l4_tcp_opts_len(const l4_tcp_opts *o);

/**
 * Writes the segment: the header from `h` (ports, seq, ack, flags, window,
 * urg; hdr_len and cksum are computed), the options in h->opts (MSS first,
 * then SACK_PERM/TS/WSCALE or TS/SACK, NOP-padded like common stacks) and
 * h->payload_len bytes from h->payload (which may already sit at its place in
 * `dst`). The checksum covers the pseudo-header of `src`/`daddr`; with NULL
 * addresses it is left 0.
 *
 * Exact layouts (each piece 4-byte aligned, in this order; Linux-like):
 *   MSS 02 04 mm mm | SACK_PERM+TS 04 02 08 0a val ecr | TS alone 01 01 08 0a
 *   val ecr | SACK_PERM alone 01 01 04 02 | WSCALE 01 03 03 ws | SACK blocks
 *   01 01 05 len blocks (only when HAS_SACK and sack_count > 0).
 * So a SYN with MSS, SACK_PERM, TS and WSCALE is 20 option bytes; a data
 * segment with TS and n SACK blocks is 12 + 4 + 8n (n <= 3 fits).
 *
 * Returns the segment length. Errors: L4_ERR_NOBUF, L4_ERR_INVALID_ARGUMENT
 * (options over 40 bytes, more than 4 SACK blocks, segment over 65535 bytes,
 * payload NULL with a nonzero payload_len).
 */
l4_ssize l4_tcp_write(uint8_t *dst, size_t cap, const l4_tcp_hdr *h, const l4_addr *src,
                      const l4_addr *daddr);

/**
 * Writes the names of the flags in `flags` ("SYN ACK", in the order FIN SYN
 * RST PSH ACK URG ECE CWR; "" for none), separated by spaces, into `buf`.
 * Returns the length, or L4_ERR_NOBUF (32 bytes always suffice; buf is then
 * truncated and NUL-terminated when cap > 0).
 */
int l4_tcp_flags_str(uint8_t flags, char *buf, size_t cap);

#endif
