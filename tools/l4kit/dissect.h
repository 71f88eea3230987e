/*
 * tools/l4kit/dissect.h — one captured IP packet taken apart with the wire/
 * parsers, into a struct that the text, verbose and JSON printers of
 * `l4kit dissect` share. Nothing here prints. QUIC inside the UDP datagrams
 * needs state across packets: dissect_quic.h.
 */
#ifndef L4_TOOLS_DISSECT_H
#define L4_TOOLS_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "wire/icmp.h"
#include "wire/ip.h"
#include "wire/tcp.h"
#include "wire/udp.h"

/* Checksum verdicts. */
#define DIS_CK_NONE       0 /* the packet has no checksum here (UDP over IPv4 with 0) */
#define DIS_CK_GOOD       1
#define DIS_CK_BAD        2
#define DIS_CK_UNVERIFIED 3 /* not all bytes present (fragment, cut capture) */
#define DIS_CK_PARTIAL    4 /* only the pseudo-header sum: the sender offloaded the rest */

/* Upper layers. */
#define DIS_L4_NONE  0
#define DIS_L4_TCP   1
#define DIS_L4_UDP   2
#define DIS_L4_ICMP  3 /* ICMPv4 or ICMPv6, see ip.version */
#define DIS_L4_OTHER 4

#define DIS_MAX_OPTS 40

/** One TCP option as it sits in the header, in order. */
typedef struct dis_tcp_opt {
    uint8_t kind;
    uint8_t len;         /* the length byte; 1 for EOL and NOP */
    const uint8_t *data; /* len - 2 value bytes (borrowed) */
} dis_tcp_opt;

/** A decoded packet. Pointers borrow the record it came from. */
typedef struct dis_pkt {
    int ip_err; /* 0, or what l4_ip_parse said (L4_ERR_CHECKSUM still has `ip`) */
    int have_ip;
    l4_ip_pkt ip;
    int ip_ck;           /* DIS_CK_* for the IPv4 header; NONE for IPv6 */
    uint16_t ip_ck_want; /* the correct IPv4 header checksum */
    int cut;             /* the capture holds fewer bytes than the packet had */
    int l4_cut;          /* ... so few that the upper-layer header is incomplete */
    size_t captured;     /* bytes of the IP packet the capture holds */
    int l4;              /* DIS_L4_* */
    int l4_err;          /* 0, or the upper-layer parser's error (CHECKSUM still fills it) */
    int l4_ck;           /* DIS_CK_* */
    uint16_t l4_ck_want; /* the correct upper-layer checksum */
    l4_tcp_hdr tcp;
    dis_tcp_opt opts[DIS_MAX_OPTS];
    int n_opts;
    l4_udp_hdr udp;
    l4_icmp_msg icmp;
    /* For ICMP errors: the quoted packet's addresses and ports, when readable. */
    int quote_ok;
    uint8_t quote_proto;
    l4_addr quote_src, quote_dst;
    uint16_t quote_sport, quote_dport;
} dis_pkt;

/** Room dis_decode needs in `scratch` to decode cut packets (the largest IP packet). */
#define DIS_SCRATCH 65535

/**
 * Decodes the IP packet `ip` of `len` bytes (`origlen` is its length on the
 * wire, >= len; larger when the capture cut it, as tcpdump -s does). Never
 * fails as a whole: whatever a layer's parser rejects is in ip_err / l4_err
 * and the layers above it are left empty.
 *
 * A cut packet is copied into `scratch` (DIS_SCRATCH bytes, owned by the
 * caller) and zero-filled to its original length, so the headers that were
 * captured still decode; its upper-layer checksum is then "unverified".
 * Pointers in `*d` may point into `ip` or `scratch`.
 */
void dis_decode(dis_pkt *d, const uint8_t *ip, size_t len, size_t origlen, uint8_t *scratch);

/** The name of an IP protocol number ("TCP", "UDP", "ICMP", "ICMPv6", ...), or NULL. */
const char *dis_proto_name(uint8_t proto);

/** "Not-ECT", "ECT(1)", "ECT(0)" or "CE". */
const char *dis_ecn_name(uint8_t ecn);

/** "good", "bad", "none", "unverified" or "partial". */
const char *dis_ck_name(int ck);

/** The ICMP type name ("echo request", ...) for `version` 4 or 6, or NULL. */
const char *dis_icmp_type_name(int version, uint8_t type);

/** The ICMP code name for destination unreachable / time exceeded, or NULL. */
const char *dis_icmp_code_name(int version, uint8_t type, uint8_t code);

/** The name of a TCP option kind ("MSS", "WS", "SACK_PERM", "SACK", "TS", "NOP", "EOL"), or NULL.
 */
const char *dis_tcp_opt_name(uint8_t kind);

#endif
