/*
 * wire/vnet.h — the virtio-net header (struct virtio_net_hdr, virtio 1.x
 * §5.1.6, without the num_buffers field): the 10 bytes that precede every
 * packet on a Linux TUN device opened with IFF_VNET_HDR (io/tun.h).
 *
 * It describes work left unfinished, so one packet can stand for many:
 *  - NEEDS_CSUM: the transport checksum is partial — the field at
 *    csum_start + csum_offset holds the pseudo-header sum, and the one's
 *    complement sum over csum_start..end still has to be folded in. A packet
 *    the local kernel hands over this way is not damaged, only unfinished.
 *  - DATA_VALID: the checksum was already verified.
 *  - gso_type TCPV4 / TCPV6: a TCP "super-packet" of up to 64 KB whose
 *    payload is to be cut into gso_size-byte segments, each with a copy of
 *    the headers (hdr_len bytes: IP + TCP with options); ECN or-ed in means
 *    the segments carry CWR as the original did.
 *
 * Byte order: little-endian (TUNSETVNETLE), as virtio 1.0 requires.
 * Bounded, no allocation, no syscalls.
 */
#ifndef L4_WIRE_VNET_H
#define L4_WIRE_VNET_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/** Bytes of the header. */
#define L4_VNET_LEN 10u

/* flags */
#define L4_VNET_F_NEEDS_CSUM 0x01u
#define L4_VNET_F_DATA_VALID 0x02u
#define L4_VNET_F_RSC_INFO   0x04u /* coalescing info (VIRTIO_NET_F_RSC_EXT); never negotiated */

/* gso_type */
#define L4_VNET_GSO_NONE   0x00u
#define L4_VNET_GSO_TCPV4  0x01u
#define L4_VNET_GSO_UDP    0x03u /* UDP fragmentation offload */
#define L4_VNET_GSO_TCPV6  0x04u
#define L4_VNET_GSO_UDP_L4 0x05u /* UDP segmentation offload */
#define L4_VNET_GSO_ECN    0x80u /* or-ed into a TCP type */

/** A virtio-net header, decoded. */
typedef struct l4_vnet_hdr {
    uint8_t flags;        /* L4_VNET_F_* */
    uint8_t gso_type;     /* L4_VNET_GSO_* */
    uint16_t hdr_len;     /* bytes of headers (IP + transport) of each segment */
    uint16_t gso_size;    /* payload bytes of each segment */
    uint16_t csum_start;  /* where checksumming starts, from the IP header */
    uint16_t csum_offset; /* where the checksum goes, from csum_start */
} l4_vnet_hdr;

/**
 * Decodes the header at the start of `buf` (`len` bytes), without judging
 * it. Returns L4_VNET_LEN. Errors: L4_ERR_TRUNCATED (len < L4_VNET_LEN),
 * L4_ERR_INVALID_ARGUMENT (NULL).
 */
int l4_vnet_parse(l4_vnet_hdr *h, const uint8_t *buf, size_t len);

/**
 * Checks `h` against the IP packet it precedes (`pkt`, `len` bytes): the
 * flags and GSO type are ones a TUN device configured with checksum and TCP
 * segmentation offloads hands over, a GSO packet is TCP over the IP version
 * its type names with a nonzero gso_size, and the checksum position lies
 * inside the packet. Returns 0. Errors: L4_ERR_UNSUPPORTED (UDP
 * fragmentation/segmentation or RSC info: offloads l4kit never asks for),
 * L4_ERR_MALFORMED (unknown flag bits or GSO type; GSO of the wrong IP
 * version or not TCP, or with gso_size 0; NEEDS_CSUM with a checksum field
 * outside the packet), L4_ERR_TRUNCATED (no IP header to check),
 * L4_ERR_INVALID_ARGUMENT (NULL).
 */
int l4_vnet_check(const l4_vnet_hdr *h, const uint8_t *pkt, size_t len);

/** Encodes `h` into the first L4_VNET_LEN bytes of `out`. */
void l4_vnet_write(uint8_t *out, const l4_vnet_hdr *h);

/**
 * Prepares `pkt` (`len` bytes: an IPv4 or IPv6 header without extension
 * headers, then a TCP segment; what its checksum field held does not
 * matter) for a device that
 * finishes the checksum and, when `gso_size` is nonzero and the payload
 * longer, cuts the segment into gso_size-byte segments: fills `h` (NEEDS_CSUM
 * at the TCP checksum, GSO TCPV4/TCPV6 or none) and rewrites the TCP
 * checksum field to the pseudo-header sum the device starts from (RFC 1071
 * arithmetic: the field holds the folded, uncomplemented sum of the
 * pseudo-header over the whole TCP length). Returns 0. Errors:
 * L4_ERR_MALFORMED (not IPv4/IPv6 TCP, or lengths that do not add up),
 * L4_ERR_INVALID_ARGUMENT (NULL).
 */
int l4_vnet_prepare_tcp(l4_vnet_hdr *h, uint8_t *pkt, size_t len, uint16_t gso_size);

#endif
