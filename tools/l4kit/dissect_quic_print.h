/*
 * tools/l4kit/dissect_quic_print.h — how `l4kit dissect` shows the QUIC
 * packets of a datagram (dissect_quic.h): a summary on the packet's line
 * (one packet) or one line per coalesced packet, every field with -v, and
 * a "quic" member in --json.
 */
#ifndef L4_TOOLS_DISSECT_QUIC_PRINT_H
#define L4_TOOLS_DISSECT_QUIC_PRINT_H

#include <stdio.h>

#include "dissect_quic.h"

/**
 * The rest of the packet's line after the addresses: "QUIC len=N" and, for a
 * datagram of one packet, that packet's header and frames; for several,
 * their count (the packets follow with disq_text_sublines()).
 */
void disq_text_line(FILE *f, const disq_dgram *g, size_t udp_len);

/** One indented line per packet when the datagram holds more than one (else nothing). */
void disq_text_sublines(FILE *f, const disq_dgram *g);

/** Every header field and every frame field, indented, for -v. */
void disq_text_verbose(FILE *f, const disq_dgram *g);

/** `,"quic":{"packets":[...]}` for the packet's JSON object (dissect_quic_json.c). */
void disq_json(FILE *f, const disq_dgram *g);

/* Shared by the text and JSON printers. */

/** Writes n bytes as lowercase hex. */
void disq_hex(FILE *f, const uint8_t *p, size_t n);

/** Printable ASCII of untrusted bytes into dst (at most cap - 1, '?' for others, NUL-ended). */
void disq_text_of(char *dst, size_t cap, const uint8_t *p, size_t n);

/** "Initial", "Handshake", "1-RTT", "Version Negotiation", "Stateless Reset", "long header"... */
const char *disq_type_name(const disq_pkt *p);

#endif
