/* tools/l4kit/dissect.c — decode a captured IP packet with the wire/ parsers. */
#include "dissect.h"

#include <string.h>

#include "util/bytes.h"
#include "wire/cksum.h"

/* The value a checksum field should hold, from the running sum `all` of
 * everything it covers *including* the field's current value `field`:
 * removing a word from a one's-complement sum is adding its complement
 * (RFC 1071 §2(A)). */
static uint16_t dis_ck_want(uint32_t all, uint16_t field)
{
    return l4_cksum_finish(all + (uint16_t)~field);
}

/* Records the TCP options in header order, so unknown kinds can be listed
 * with their lengths (the wire/ parser only counts them). */
static void dis_tcp_opts(dis_pkt *d, const uint8_t *seg)
{
    const uint8_t *p = seg + L4_TCP_MIN_HDR, *end = seg + d->tcp.hdr_len;
    while (p < end && d->n_opts < DIS_MAX_OPTS) {
        dis_tcp_opt *o = &d->opts[d->n_opts];
        o->kind = p[0];
        o->len = 1;
        o->data = NULL;
        if (p[0] == L4_TCPOPT_EOL) {
            d->n_opts++;
            return;
        }
        if (p[0] == L4_TCPOPT_NOP) {
            d->n_opts++;
            p++;
            continue;
        }
        if (end - p < 2 || p[1] < 2 || p[1] > end - p)
            return; /* the parser already called the header malformed */
        o->len = p[1];
        o->data = p + 2;
        d->n_opts++;
        p += p[1];
    }
}

/*
 * The verdict on an upper-layer checksum the parser rejected. A Linux sender
 * that offloads checksumming (CHECKSUM_PARTIAL: loopback, or a NIC that
 * fills it in) leaves only the folded pseudo-header sum in the field, and a
 * capture taken on that host shows exactly that value. Such a packet is not
 * corrupt, so it gets its own verdict, as Wireshark's "partial" does.
 */
static int dis_ck_verdict(int rc, uint16_t have, uint32_t pseudo)
{
    if (rc != L4_ERR_CHECKSUM)
        return DIS_CK_GOOD;
    uint16_t folded = (uint16_t)~l4_cksum_finish(pseudo);
    return have == folded ? DIS_CK_PARTIAL : DIS_CK_BAD;
}

static void dis_tcp(dis_pkt *d, int verify)
{
    const l4_ip_pkt *ip = &d->ip;
    const uint8_t *seg = ip->payload;
    size_t len = ip->payload_len;
    int rc = l4_tcp_parse(&d->tcp, seg, len, verify ? &ip->src : NULL, verify ? &ip->dst : NULL);
    if (rc != 0 && rc != L4_ERR_CHECKSUM) {
        d->l4_err = rc;
        return;
    }
    if (!verify) {
        d->l4_ck = DIS_CK_UNVERIFIED;
    } else {
        uint32_t s = l4_cksum_pseudo(&ip->src, &ip->dst, L4_IPPROTO_TCP, (uint32_t)len);
        d->l4_ck_want = dis_ck_want(l4_cksum_add(s, seg, len), d->tcp.cksum);
        d->l4_ck = dis_ck_verdict(rc, d->tcp.cksum, s);
    }
    dis_tcp_opts(d, seg);
}

static void dis_udp(dis_pkt *d, int verify)
{
    const l4_ip_pkt *ip = &d->ip;
    const uint8_t *dg = ip->payload;
    int rc = l4_udp_parse(&d->udp, dg, ip->payload_len, verify ? &ip->src : NULL,
                          verify ? &ip->dst : NULL);
    if (rc != 0 && rc != L4_ERR_CHECKSUM) {
        d->l4_err = rc;
        return;
    }
    if (!verify) {
        d->l4_ck = DIS_CK_UNVERIFIED;
    } else if (ip->version == 4 && d->udp.cksum == 0) {
        d->l4_ck = DIS_CK_NONE; /* RFC 768: zero means the sender computed none */
    } else {
        uint32_t s = l4_cksum_pseudo(&ip->src, &ip->dst, L4_IPPROTO_UDP, d->udp.len);
        uint16_t want = dis_ck_want(l4_cksum_add(s, dg, d->udp.len), d->udp.cksum);
        d->l4_ck_want = want ? want : 0xffff; /* RFC 768: a computed 0 is sent as all ones */
        d->l4_ck = dis_ck_verdict(rc, d->udp.cksum, s);
    }
}

/* The addresses and ports of the packet an ICMP error quotes (RFC 792: the
 * IP header plus 8 bytes; RFC 4443 §3: as much as fits). */
static void dis_icmp_quote(dis_pkt *d)
{
    const uint8_t *b = d->icmp.body;
    size_t n = d->icmp.body_len;
    size_t hl;
    if (n >= L4_IPV4_MIN_HDR && b[0] >> 4 == 4) {
        hl = (size_t)(b[0] & 0x0f) * 4;
        if (hl < L4_IPV4_MIN_HDR)
            return;
        d->quote_proto = b[9];
        d->quote_src = l4_addr_v4(b + 12);
        d->quote_dst = l4_addr_v4(b + 16);
    } else if (n >= L4_IPV6_HDR && b[0] >> 4 == 6) {
        hl = L4_IPV6_HDR;
        d->quote_proto = b[6];
        d->quote_src = l4_addr_v6(b + 8);
        d->quote_dst = l4_addr_v6(b + 24);
    } else {
        return;
    }
    d->quote_ok = 1;
    if ((d->quote_proto == L4_IPPROTO_TCP || d->quote_proto == L4_IPPROTO_UDP) && n >= hl + 4) {
        d->quote_sport = l4_get_u16(b + hl);
        d->quote_dport = l4_get_u16(b + hl + 2);
    }
}

static void dis_icmp(dis_pkt *d, int verify)
{
    const l4_ip_pkt *ip = &d->ip;
    const uint8_t *m = ip->payload;
    size_t len = ip->payload_len;
    int rc;
    uint32_t s = 0;
    if (ip->version == 4) {
        rc = l4_icmp4_parse(&d->icmp, m, len);
    } else {
        rc = l4_icmp6_parse(&d->icmp, m, len, &ip->src, &ip->dst);
        s = l4_cksum_pseudo(&ip->src, &ip->dst, L4_IPPROTO_ICMPV6, (uint32_t)len);
    }
    if (rc != 0 && rc != L4_ERR_CHECKSUM) {
        d->l4_err = rc;
        return;
    }
    if (!verify) {
        d->l4_ck = DIS_CK_UNVERIFIED;
    } else {
        d->l4_ck_want = dis_ck_want(l4_cksum_add(s, m, len), d->icmp.cksum);
        d->l4_ck = rc == L4_ERR_CHECKSUM ? DIS_CK_BAD : DIS_CK_GOOD;
    }
    uint8_t t = d->icmp.type;
    if ((ip->version == 4 && (t == L4_ICMP4_DEST_UNREACH || t == L4_ICMP4_TIME_EXCEEDED)) ||
        (ip->version == 6 && (t == L4_ICMP6_DEST_UNREACH || t == L4_ICMP6_PACKET_TOO_BIG ||
                              t == L4_ICMP6_TIME_EXCEEDED)))
        dis_icmp_quote(d);
}

void dis_decode(dis_pkt *d, const uint8_t *buf, size_t len, size_t origlen, uint8_t *scratch)
{
    memset(d, 0, sizeof *d);
    d->cut = origlen > len;
    d->captured = len;
    int rc = l4_ip_parse(&d->ip, buf, len);
    if (rc == L4_ERR_TRUNCATED && d->cut && origlen <= DIS_SCRATCH && scratch) {
        /* The capture kept only the first bytes: decode the headers it has
         * over a zero-filled copy of the original length. */
        memcpy(scratch, buf, len);
        memset(scratch + len, 0, origlen - len);
        buf = scratch;
        rc = l4_ip_parse(&d->ip, buf, origlen);
        if (rc == 0 || rc == L4_ERR_CHECKSUM) {
            /* The IP header must lie inside what was captured. */
            size_t hl = d->ip.version == 4 ? d->ip.hdr.v4.hdr_len : L4_IPV6_HDR;
            if ((size_t)(d->ip.payload - buf) > len || hl > len)
                rc = L4_ERR_TRUNCATED;
        }
    }
    d->ip_err = rc;
    if (rc != 0 && rc != L4_ERR_CHECKSUM)
        return;
    d->have_ip = 1;
    if (d->ip.version == 4) {
        const l4_ipv4_hdr *h = &d->ip.hdr.v4;
        d->ip_ck_want = dis_ck_want(l4_cksum_add(0, buf, h->hdr_len), h->cksum);
        d->ip_ck = rc == L4_ERR_CHECKSUM ? DIS_CK_BAD : DIS_CK_GOOD;
    }
    /* A later fragment carries no transport header; a first fragment has
     * one but not all the bytes its checksum covers. */
    if (d->ip.is_fragment && d->ip.frag_off != 0) {
        d->l4 = DIS_L4_NONE;
        return;
    }
    int verify = !d->ip.is_fragment && !d->cut;
    size_t l4_off = (size_t)(d->ip.payload - buf);
    switch (d->ip.proto) {
    case L4_IPPROTO_TCP:
        d->l4 = DIS_L4_TCP;
        dis_tcp(d, verify);
        break;
    case L4_IPPROTO_UDP:
        d->l4 = DIS_L4_UDP;
        dis_udp(d, verify);
        break;
    case L4_IPPROTO_ICMP:
    case L4_IPPROTO_ICMPV6:
        if ((d->ip.proto == L4_IPPROTO_ICMP) != (d->ip.version == 4)) {
            d->l4 = DIS_L4_OTHER;
            break;
        }
        d->l4 = DIS_L4_ICMP;
        dis_icmp(d, verify);
        break;
    default:
        d->l4 = DIS_L4_OTHER;
    }
    if (!d->cut)
        return;
    /* A cut capture: what lies past the captured bytes is zero fill, not data. */
    size_t hdr = 0;
    if (d->l4 == DIS_L4_TCP)
        hdr = d->l4_err ? L4_TCP_MIN_HDR : d->tcp.hdr_len;
    else if (d->l4 == DIS_L4_UDP)
        hdr = L4_UDP_HDR;
    else if (d->l4 == DIS_L4_ICMP)
        hdr = L4_ICMP_HDR;
    if (l4_off + hdr > d->captured || (d->l4 == DIS_L4_TCP && d->l4_err)) {
        d->l4_cut = 1;
        d->l4_err = L4_ERR_TRUNCATED;
        d->quote_ok = 0;
    } else if (d->quote_ok) {
        size_t end = (size_t)(d->icmp.body - buf);
        size_t have = d->captured > end ? d->captured - end : 0;
        size_t need = (d->quote_src.family == L4_AF_INET6 ? L4_IPV6_HDR : L4_IPV4_MIN_HDR);
        if (have < need)
            d->quote_ok = 0;
        else if (have < need + 4)
            d->quote_sport = d->quote_dport = 0;
    }
}

const char *dis_proto_name(uint8_t proto)
{
    switch (proto) {
    case L4_IPPROTO_ICMP:
        return "ICMP";
    case 2:
        return "IGMP";
    case L4_IPPROTO_TCP:
        return "TCP";
    case L4_IPPROTO_UDP:
        return "UDP";
    case 33:
        return "DCCP";
    case 41:
        return "IPv6-in-IPv4";
    case 47:
        return "GRE";
    case 50:
        return "ESP";
    case 51:
        return "AH";
    case L4_IPPROTO_ICMPV6:
        return "ICMPv6";
    case L4_IPV6_NO_NEXT:
        return "no-next-header";
    case 132:
        return "SCTP";
    case 136:
        return "UDP-Lite";
    default:
        return NULL;
    }
}

const char *dis_ecn_name(uint8_t ecn)
{
    /* RFC 3168 §5 */
    static const char *const names[4] = {"Not-ECT", "ECT(1)", "ECT(0)", "CE"};
    return names[ecn & 3];
}

const char *dis_ck_name(int ck)
{
    switch (ck) {
    case DIS_CK_GOOD:
        return "good";
    case DIS_CK_BAD:
        return "bad";
    case DIS_CK_UNVERIFIED:
        return "unverified";
    case DIS_CK_PARTIAL:
        return "partial";
    default:
        return "none";
    }
}

const char *dis_icmp_type_name(int version, uint8_t type)
{
    if (version == 4) {
        switch (type) { /* RFC 792, RFC 950 */
        case 0:
            return "echo reply";
        case 3:
            return "destination unreachable";
        case 4:
            return "source quench";
        case 5:
            return "redirect";
        case 8:
            return "echo request";
        case 9:
            return "router advertisement";
        case 10:
            return "router solicitation";
        case 11:
            return "time exceeded";
        case 12:
            return "parameter problem";
        case 13:
            return "timestamp request";
        case 14:
            return "timestamp reply";
        default:
            return NULL;
        }
    }
    switch (type) { /* RFC 4443, RFC 4861, RFC 3810 */
    case 1:
        return "destination unreachable";
    case 2:
        return "packet too big";
    case 3:
        return "time exceeded";
    case 4:
        return "parameter problem";
    case 128:
        return "echo request";
    case 129:
        return "echo reply";
    case 130:
        return "multicast listener query";
    case 131:
        return "multicast listener report";
    case 133:
        return "router solicitation";
    case 134:
        return "router advertisement";
    case 135:
        return "neighbor solicitation";
    case 136:
        return "neighbor advertisement";
    case 137:
        return "redirect";
    case 143:
        return "multicast listener report v2";
    default:
        return NULL;
    }
}

const char *dis_icmp_code_name(int version, uint8_t type, uint8_t code)
{
    if (version == 4 && type == L4_ICMP4_DEST_UNREACH) {
        static const char *const n[16] = {"net unreachable",
                                          "host unreachable",
                                          "protocol unreachable",
                                          "port unreachable",
                                          "fragmentation needed",
                                          "source route failed",
                                          "destination network unknown",
                                          "destination host unknown",
                                          "source host isolated",
                                          "network administratively prohibited",
                                          "host administratively prohibited",
                                          "network unreachable for TOS",
                                          "host unreachable for TOS",
                                          "communication administratively prohibited",
                                          "host precedence violation",
                                          "precedence cutoff in effect"};
        return code < 16 ? n[code] : NULL;
    }
    if (version == 4 && type == L4_ICMP4_TIME_EXCEEDED)
        return code == 0   ? "TTL exceeded in transit"
               : code == 1 ? "fragment reassembly time exceeded"
                           : NULL;
    if (version == 6 && type == L4_ICMP6_DEST_UNREACH) {
        static const char *const n[8] = {"no route to destination",
                                         "administratively prohibited",
                                         "beyond scope of source address",
                                         "address unreachable",
                                         "port unreachable",
                                         "source address failed ingress/egress policy",
                                         "reject route to destination",
                                         "error in source routing header"};
        return code < 8 ? n[code] : NULL;
    }
    if (version == 6 && type == L4_ICMP6_TIME_EXCEEDED)
        return code == 0   ? "hop limit exceeded in transit"
               : code == 1 ? "fragment reassembly time exceeded"
                           : NULL;
    return NULL;
}

const char *dis_tcp_opt_name(uint8_t kind)
{
    switch (kind) {
    case L4_TCPOPT_EOL:
        return "EOL";
    case L4_TCPOPT_NOP:
        return "NOP";
    case L4_TCPOPT_MSS:
        return "MSS";
    case L4_TCPOPT_WSCALE:
        return "WS";
    case L4_TCPOPT_SACK_PERM:
        return "SACK_PERM";
    case L4_TCPOPT_SACK:
        return "SACK";
    case L4_TCPOPT_TS:
        return "TS";
    default:
        return NULL;
    }
}
