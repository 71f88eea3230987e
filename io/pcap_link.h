/*
 * io/pcap_link.h — from a capture record's link layer to the IP packet it
 * carries. Pure byte work (no I/O), bounds-checked before every read.
 *
 * Link types handled (numbers as libpcap's DLT_* / the pcap LINKTYPE_*
 * registry, https://www.tcpdump.org/linktypes.html):
 *   0   NULL     4-byte address family in the capturing host's byte order
 *   108 LOOP     4-byte address family in network byte order
 *   1   EN10MB   Ethernet II, with at most one 802.1Q / 802.1ad VLAN tag
 *   12, 14, 101  RAW: the record is the IP packet (12 on most systems, 14
 *                on OpenBSD, 101 the file-format value)
 *   228 IPV4, 229 IPV6: the record is an IPv4 / IPv6 packet
 *   113 LINUX_SLL   Linux "cooked" header v1 (16 bytes, protocol at 14)
 *   276 LINUX_SLL2  Linux "cooked" header v2 (20 bytes, protocol at 0)
 */
#ifndef L4_IO_PCAP_LINK_H
#define L4_IO_PCAP_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define L4_LINK_NULL        0
#define L4_LINK_EN10MB      1
#define L4_LINK_RAW_DLT     12
#define L4_LINK_RAW_OPENBSD 14
#define L4_LINK_RAW         101
#define L4_LINK_LOOP        108
#define L4_LINK_LINUX_SLL   113
#define L4_LINK_IPV4        228
#define L4_LINK_IPV6        229
#define L4_LINK_LINUX_SLL2  276

#define L4_ETHERTYPE_IPV4 0x0800
#define L4_ETHERTYPE_ARP  0x0806
#define L4_ETHERTYPE_VLAN 0x8100
#define L4_ETHERTYPE_QINQ 0x88a8
#define L4_ETHERTYPE_IPV6 0x86dd

/** What the link layer said about a record, and where its IP packet is. */
typedef struct l4_pcap_link {
    const uint8_t *ip; /* the IP packet (borrows the record), NULL when none */
    size_t ip_len;
    size_t hdr_len;     /* link-layer bytes before the IP packet */
    uint16_t ethertype; /* the payload's EtherType / SLL protocol; 0 for RAW, NULL, LOOP */
    int16_t vlan;       /* 802.1Q VLAN id, -1 when untagged */
    int16_t pkttype;    /* SLL packet type (0 to us, 4 outgoing, ...), -1 when not SLL */
} l4_pcap_link;

/**
 * Finds the IP packet in the record `data` of `len` bytes captured with
 * link type `linktype`, filling `*out`.
 *
 * Returns 0 with out->ip set. Errors: L4_ERR_TRUNCATED (the record is shorter
 * than its link header, or nothing follows it), L4_ERR_UNSUPPORTED (a link
 * type not listed above, or a frame that does not carry IPv4/IPv6 — e.g. ARP;
 * out->ethertype then says what it carries), L4_ERR_MALFORMED (a RAW/IPV4/
 * IPV6 record whose version nibble disagrees, an unknown NULL/LOOP family).
 * Never reads outside data[0..len).
 */
int l4_pcap_link_ip(int linktype, const uint8_t *data, size_t len, l4_pcap_link *out);

/** A short name for a link type ("EN10MB", "RAW", "LINUX_SLL2", ...; "unknown" otherwise). */
const char *l4_pcap_link_name(int linktype);

/** A short name for an EtherType ("IPv4", "ARP", ...), or NULL when l4kit has none. */
const char *l4_pcap_ethertype_name(uint16_t ethertype);

#endif
