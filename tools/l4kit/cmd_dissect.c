/*
 * tools/l4kit/cmd_dissect.c — `l4kit dissect FILE [-v] [--json] [--keylog
 * KEYS]`: one line per packet of a capture (or every header field with -v,
 * or a JSON array), decoded with l4kit's own wire/ parsers; QUIC packets and
 * their frames with dissect_quic.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dissect.h"
#include "dissect_keylog.h"
#include "dissect_quic.h"
#include "dissect_quic_print.h"
#include "io/pcap.h"
#include "io/pcap_link.h"
#include "json.h"
#include "util/bytes.h"
#include "util/err.h"

static const char dissect_usage[] =
    "usage: l4kit dissect FILE [-v] [--json] [--keylog KEYS]\n"
    "\n"
    "Decodes every packet of a pcap/pcapng capture (l4kit's own, tcpdump's, tshark's):\n"
    "time since the first packet, addresses and ports, protocol, TCP flags, seq, ack,\n"
    "window and payload length; UDP ports and length; ICMP/ICMPv6 types; QUIC.\n"
    "\n"
    "  -v, --verbose   every header field: IP (DSCP, ECN, id, flags, TTL, checksum),\n"
    "                  TCP (data offset, each option, checksum, urgent pointer),\n"
    "                  QUIC (first byte, lengths, tokens, every frame field)\n"
    "  --json          a JSON array with one object per packet (all fields; QUIC\n"
    "                  datagrams add \"quic\": {\"packets\": [header fields, \"frames\"]})\n"
    "  --keylog KEYS   TLS secrets in NSS key log format (SSLKEYLOGFILE; what l4kit sim\n"
    "                  --keylog, l4kit demo and quic-get/quic-server write): decrypts\n"
    "                  QUIC Handshake, 0-RTT and 1-RTT packets (key updates included)\n"
    "\n"
    "QUIC on any UDP port: a long header of version 1 (Initial, 0-RTT, Handshake,\n"
    "Retry), Version Negotiation, or another QUIC version (shown, not decoded); a\n"
    "short header only on a connection whose long headers were seen (its connection\n"
    "IDs and their length, its addresses). Coalesced packets get a line each. Initial\n"
    "packets are always decrypted (their keys come from the client's first DCID,\n"
    "RFC 9001 §5.2): packet number, frames, and the TLS messages in CRYPTO frames\n"
    "(ClientHello with server name and ALPN, ServerHello with the cipher suite...).\n"
    "The others need --keylog; a packet that does not decrypt says why. A capture\n"
    "taken on the sending host holds what it sent with UDP GSO as one datagram: it\n"
    "is split into its segments. QUIC v2 and drafts are shown, not decrypted.\n"
    "\n"
    "FILE - reads standard input. Link types: Ethernet (one VLAN tag), raw IP,\n"
    "Linux cooked v1/v2, BSD loopback.\n"
    "Bad checksums are shown, not fatal (packets captured on the host that sent\n"
    "them, loopback included, often carry TCP/UDP checksums that offload fills in\n"
    "later: those show as bad). A packet that does not parse is shown with its\n"
    "error; one cut by the capture's snap length shows the headers it kept. A\n"
    "damaged capture file: the records before the damage are shown, then the\n"
    "reason, and the exit status is 1.\n";

typedef struct dis_out {
    int verbose;
    int json;
    uint64_t n; /* packets printed */
    dis_quic *quic;
    disq_dgram qd; /* the current packet's QUIC, when qd.is_quic */
    uint8_t scratch[DIS_SCRATCH];
} dis_out;

static const char *dis_link_err(const l4_pcap_record *rec, int rc);

static void dis_addr(const l4_addr *a, char *buf, size_t cap)
{
    if (l4_addr_format(a, buf, cap) < 0)
        snprintf(buf, cap, "?");
}

/* "10.0.0.1:80" or "[fd00::1]:80". */
static void dis_endpoint(const l4_addr *a, uint16_t port, char *buf, size_t cap)
{
    char s[64];
    dis_addr(a, s, sizeof s);
    if (a->family == L4_AF_INET6)
        snprintf(buf, cap, "[%s]:%u", s, port);
    else
        snprintf(buf, cap, "%s:%u", s, port);
}

static void dis_flags(uint8_t flags, char *buf, size_t cap)
{
    if (l4_tcp_flags_str(flags, buf, cap) < 0 || !buf[0])
        snprintf(buf, cap, "none");
}

static const char *dis_l4_name(const dis_pkt *d)
{
    switch (d->l4) {
    case DIS_L4_TCP:
        return "TCP";
    case DIS_L4_UDP:
        return "UDP";
    case DIS_L4_ICMP:
        return d->ip.version == 4 ? "ICMP" : "ICMPv6";
    default: {
        const char *n = dis_proto_name(d->ip.proto);
        return n ? n : "IP";
    }
    }
}

/* ---------------------------------------------------------------- text */

static void dis_text_icmp(const dis_pkt *d)
{
    const l4_icmp_msg *m = &d->icmp;
    const char *t = dis_icmp_type_name(d->ip.version, m->type);
    const char *c = dis_icmp_code_name(d->ip.version, m->type, m->code);
    if (t)
        printf(" %s", t);
    else
        printf(" type %u", m->type);
    if (c)
        printf(": %s", c);
    else if (m->code)
        printf(" code %u", m->code);
    int echo =
        d->ip.version == 4 ? (m->type == 0 || m->type == 8) : (m->type == 128 || m->type == 129);
    if (echo)
        printf(" id=%u seq=%u", m->id, m->seq);
    if (d->quote_ok) {
        char s[80], t2[80];
        if (d->quote_sport || d->quote_dport) {
            dis_endpoint(&d->quote_src, d->quote_sport, s, sizeof s);
            dis_endpoint(&d->quote_dst, d->quote_dport, t2, sizeof t2);
        } else {
            dis_addr(&d->quote_src, s, sizeof s);
            dis_addr(&d->quote_dst, t2, sizeof t2);
        }
        const char *pn = dis_proto_name(d->quote_proto);
        printf(" (for %s %s → %s)", pn ? pn : "IP", s, t2);
    }
}

static void dis_text_line(const dis_pkt *d, const disq_dgram *q)
{
    char src[80], dst[80];
    uint16_t sp = 0, dp = 0;
    int ports = 0;
    if (d->l4 == DIS_L4_TCP && !d->l4_err)
        sp = d->tcp.sport, dp = d->tcp.dport, ports = 1;
    if (d->l4 == DIS_L4_UDP && !d->l4_err)
        sp = d->udp.sport, dp = d->udp.dport, ports = 1;
    if (ports) {
        dis_endpoint(&d->ip.src, sp, src, sizeof src);
        dis_endpoint(&d->ip.dst, dp, dst, sizeof dst);
    } else {
        dis_addr(&d->ip.src, src, sizeof src);
        dis_addr(&d->ip.dst, dst, sizeof dst);
    }
    printf("%s → %s %s", src, dst, q && q->is_quic ? "QUIC" : dis_l4_name(d));
    if (d->ip.is_fragment && d->ip.frag_off != 0) {
        printf(" fragment offset=%u len=%zu", d->ip.frag_off, d->ip.payload_len);
    } else if (d->l4_cut) {
        printf(" [header not captured] len=%zu", d->ip.payload_len);
    } else if (d->l4_err) {
        printf(" [malformed %s header: %s] len=%zu", dis_l4_name(d), l4_strerror(d->l4_err),
               d->ip.payload_len);
    } else if (d->l4 == DIS_L4_TCP) {
        char f[40];
        dis_flags(d->tcp.flags, f, sizeof f);
        printf(" [%s] seq=%" PRIu32 " ack=%" PRIu32 " win=%u len=%zu", f, d->tcp.seq, d->tcp.ack,
               d->tcp.window, d->tcp.payload_len);
    } else if (d->l4 == DIS_L4_UDP && q && q->is_quic) {
        disq_text_line(stdout, q, d->udp.payload_len);
    } else if (d->l4 == DIS_L4_UDP) {
        printf(" len=%zu", d->udp.payload_len);
    } else if (d->l4 == DIS_L4_ICMP) {
        dis_text_icmp(d);
    } else {
        printf(" proto=%u len=%zu", d->ip.proto, d->ip.payload_len);
    }
    if (d->ip.is_fragment && d->ip.frag_off == 0)
        printf(" [first fragment]");
    if (d->ip_ck == DIS_CK_BAD)
        printf(" [bad IP checksum]");
    if (d->l4_ck == DIS_CK_BAD)
        printf(" [bad %s checksum]", dis_l4_name(d));
}

static void dis_text_ck(uint16_t have, int ck, uint16_t want)
{
    printf("checksum 0x%04x (%s", have, dis_ck_name(ck));
    if (ck == DIS_CK_BAD)
        printf(", should be 0x%04x", want);
    if (ck == DIS_CK_PARTIAL)
        printf(": pseudo-header sum only, the sender offloaded checksumming; complete 0x%04x",
               want);
    printf(")");
}

static void dis_text_tcp_opts(const dis_pkt *d)
{
    for (int i = 0; i < d->n_opts; i++) {
        const dis_tcp_opt *o = &d->opts[i];
        const char *name = dis_tcp_opt_name(o->kind);
        printf("        option ");
        switch (o->kind) {
        case L4_TCPOPT_EOL:
        case L4_TCPOPT_NOP:
        case L4_TCPOPT_SACK_PERM:
            printf("%s", name);
            break;
        case L4_TCPOPT_MSS:
            if (o->len == 4)
                printf("MSS %u", l4_get_u16(o->data));
            break;
        case L4_TCPOPT_WSCALE:
            if (o->len == 3)
                printf("WS %u (multiply by %lu)", o->data[0],
                       1ul << (o->data[0] > 14 ? 14 : o->data[0]));
            break;
        case L4_TCPOPT_TS:
            if (o->len == 10)
                printf("TS val %" PRIu32 " ecr %" PRIu32, l4_get_u32(o->data),
                       l4_get_u32(o->data + 4));
            break;
        case L4_TCPOPT_SACK:
            printf("SACK");
            for (int k = 0; k + 8 <= o->len - 2; k += 8)
                printf(" %" PRIu32 "-%" PRIu32, l4_get_u32(o->data + k),
                       l4_get_u32(o->data + k + 4));
            break;
        default:
            printf("unknown kind %u len %u", o->kind, o->len);
        }
        printf("\n");
    }
}

static void dis_text_verbose(const dis_pkt *d, const l4_pcap_record *rec, const l4_pcap_link *lk,
                             const disq_dgram *q)
{
    printf("        frame: %" PRIu32 " bytes captured of %" PRIu32 ", link %s", rec->caplen,
           rec->origlen, l4_pcap_link_name(rec->linktype));
    if (lk->ethertype)
        printf(", EtherType 0x%04x", lk->ethertype);
    if (lk->vlan >= 0)
        printf(", VLAN %d", lk->vlan);
    printf("\n");
    if (!d->have_ip)
        return;
    if (d->ip.version == 4) {
        const l4_ipv4_hdr *h = &d->ip.hdr.v4;
        const char *pn = dis_proto_name(h->proto);
        printf("        IPv4: version 4, header length %u, DSCP %u, ECN %s, total length %u, "
               "id 0x%04x (%u), flags",
               h->hdr_len, h->dscp, dis_ecn_name(h->ecn), h->total_len, h->id, h->id);
        if (h->df)
            printf(" DF");
        if (h->mf)
            printf(" MF");
        if (!h->df && !h->mf)
            printf(" none");
        printf(", fragment offset %u, TTL %u, protocol %u (%s), ", h->frag_off, h->ttl, h->proto,
               pn ? pn : "?");
        dis_text_ck(h->cksum, d->ip_ck, d->ip_ck_want);
        if (h->options_len)
            printf(", %zu bytes of options", h->options_len);
        printf("\n");
    } else {
        const l4_ipv6_hdr *h = &d->ip.hdr.v6;
        const char *pn = dis_proto_name(h->proto);
        printf("        IPv6: version 6, DSCP %u, ECN %s, flow label 0x%05" PRIx32
               ", payload length %u, next header %u, hop limit %u",
               h->dscp, dis_ecn_name(h->ecn), h->flow_label, h->plen, h->next_header, h->hop_limit);
        if (h->ext_len)
            printf(", %zu bytes of extension headers", h->ext_len);
        printf(", upper protocol %u (%s)", h->proto, pn ? pn : "?");
        if (h->is_fragment)
            printf(", fragment id 0x%08" PRIx32 " offset %u%s", h->frag_id, h->frag_off,
                   h->frag_more ? " M" : "");
        printf("\n");
    }
    if (d->l4_err || (d->ip.is_fragment && d->ip.frag_off))
        return;
    if (d->l4 == DIS_L4_TCP) {
        const l4_tcp_hdr *t = &d->tcp;
        char f[40];
        dis_flags(t->flags, f, sizeof f);
        printf("        TCP: source port %u, destination port %u, seq %" PRIu32 ", ack %" PRIu32
               ", data offset %u, flags 0x%02x (%s), window %u, ",
               t->sport, t->dport, t->seq, t->ack, t->hdr_len, t->flags, f, t->window);
        dis_text_ck(t->cksum, d->l4_ck, d->l4_ck_want);
        printf(", urgent pointer %u, payload %zu bytes\n", t->urg, t->payload_len);
        dis_text_tcp_opts(d);
    } else if (d->l4 == DIS_L4_UDP) {
        const l4_udp_hdr *u = &d->udp;
        printf("        UDP: source port %u, destination port %u, length %u, ", u->sport, u->dport,
               u->len);
        dis_text_ck(u->cksum, d->l4_ck, d->l4_ck_want);
        printf(", payload %zu bytes\n", u->payload_len);
        if (q->is_quic)
            disq_text_verbose(stdout, q);
    } else if (d->l4 == DIS_L4_ICMP) {
        const l4_icmp_msg *m = &d->icmp;
        printf("        %s: type %u, code %u, ", dis_l4_name(d), m->type, m->code);
        dis_text_ck(m->cksum, d->l4_ck, d->l4_ck_want);
        printf(", rest 0x%08" PRIx32 ", body %zu bytes\n", m->rest, m->body_len);
    }
}

/* ---------------------------------------------------------------- JSON */

static void dis_json_addr(const char *key, const l4_addr *a)
{
    char s[64];
    dis_addr(a, s, sizeof s);
    printf(",\"%s\":", key);
    json_str(stdout, s);
}

static void dis_json_ck(uint16_t have, int ck, uint16_t want)
{
    printf(",\"checksum\":%u,\"checksum_status\":\"%s\"", have, dis_ck_name(ck));
    if (ck == DIS_CK_BAD || ck == DIS_CK_PARTIAL)
        printf(",\"checksum_expected\":%u", want);
}

static void dis_json_tcp(const dis_pkt *d)
{
    const l4_tcp_hdr *t = &d->tcp;
    printf(",\"tcp\":{\"sport\":%u,\"dport\":%u,\"seq\":%" PRIu32 ",\"ack\":%" PRIu32
           ",\"hdr_len\":%u,\"flags\":[",
           t->sport, t->dport, t->seq, t->ack, t->hdr_len);
    static const char *const names[8] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    const char *sep = "";
    for (int i = 0; i < 8; i++)
        if (t->flags & (1u << i)) {
            printf("%s\"%s\"", sep, names[i]);
            sep = ",";
        }
    printf("],\"flags_value\":%u,\"window\":%u", t->flags, t->window);
    dis_json_ck(t->cksum, d->l4_ck, d->l4_ck_want);
    printf(",\"urgent\":%u,\"payload_len\":%zu,\"options\":[", t->urg, t->payload_len);
    for (int i = 0; i < d->n_opts; i++) {
        const dis_tcp_opt *o = &d->opts[i];
        const char *name = dis_tcp_opt_name(o->kind);
        printf("%s{\"kind\":%u,\"len\":%u,\"name\":", i ? "," : "", o->kind, o->len);
        json_str(stdout, name ? name : "unknown");
        if (o->kind == L4_TCPOPT_MSS && o->len == 4)
            printf(",\"mss\":%u", l4_get_u16(o->data));
        else if (o->kind == L4_TCPOPT_WSCALE && o->len == 3)
            printf(",\"shift\":%u", o->data[0]);
        else if (o->kind == L4_TCPOPT_TS && o->len == 10)
            printf(",\"val\":%" PRIu32 ",\"ecr\":%" PRIu32, l4_get_u32(o->data),
                   l4_get_u32(o->data + 4));
        else if (o->kind == L4_TCPOPT_SACK) {
            printf(",\"blocks\":[");
            for (int k = 0; k + 8 <= o->len - 2; k += 8)
                printf("%s[%" PRIu32 ",%" PRIu32 "]", k ? "," : "", l4_get_u32(o->data + k),
                       l4_get_u32(o->data + k + 4));
            printf("]");
        }
        printf("}");
    }
    printf("]}");
}

static void dis_json_packet(const dis_pkt *d, const l4_pcap_record *rec, const l4_pcap_link *lk,
                            int link_rc, double t, const disq_dgram *q)
{
    printf("{\"index\":%" PRIu64 ",\"time\":%.6f,\"ts_ns\":%" PRIu64 ",\"caplen\":%" PRIu32
           ",\"len\":%" PRIu32 ",\"link\":",
           rec->index, t, rec->ts, rec->caplen, rec->origlen);
    json_str(stdout, l4_pcap_link_name(rec->linktype));
    if (lk->ethertype)
        printf(",\"ethertype\":%u", lk->ethertype);
    if (lk->vlan >= 0)
        printf(",\"vlan\":%d", lk->vlan);
    if (link_rc) {
        printf(",\"error\":");
        json_str(stdout, lk->ethertype && link_rc == L4_ERR_UNSUPPORTED
                             ? "not an IP packet"
                             : dis_link_err(rec, link_rc));
        printf("}");
        return;
    }
    if (!d->have_ip) {
        printf(",\"error\":");
        json_str(stdout, l4_strerror(d->ip_err));
        printf(",\"cut\":%s}", d->cut ? "true" : "false");
        return;
    }
    if (d->ip.version == 4) {
        const l4_ipv4_hdr *h = &d->ip.hdr.v4;
        printf(",\"ip\":{\"version\":4");
        dis_json_addr("src", &d->ip.src);
        dis_json_addr("dst", &d->ip.dst);
        printf(",\"hdr_len\":%u,\"dscp\":%u,\"ecn\":\"%s\",\"total_len\":%u,\"id\":%u,"
               "\"df\":%s,\"mf\":%s,\"frag_off\":%u,\"ttl\":%u,\"proto\":%u",
               h->hdr_len, h->dscp, dis_ecn_name(h->ecn), h->total_len, h->id,
               h->df ? "true" : "false", h->mf ? "true" : "false", h->frag_off, h->ttl, h->proto);
        dis_json_ck(h->cksum, d->ip_ck, d->ip_ck_want);
        printf("}");
    } else {
        const l4_ipv6_hdr *h = &d->ip.hdr.v6;
        printf(",\"ip\":{\"version\":6");
        dis_json_addr("src", &d->ip.src);
        dis_json_addr("dst", &d->ip.dst);
        printf(",\"dscp\":%u,\"ecn\":\"%s\",\"flow_label\":%" PRIu32 ",\"payload_len\":%u,"
               "\"next_header\":%u,\"hop_limit\":%u,\"ext_len\":%zu,\"proto\":%u,"
               "\"fragment\":%s",
               h->dscp, dis_ecn_name(h->ecn), h->flow_label, h->plen, h->next_header, h->hop_limit,
               h->ext_len, h->proto, h->is_fragment ? "true" : "false");
        if (h->is_fragment)
            printf(",\"frag_off\":%u,\"frag_more\":%s,\"frag_id\":%" PRIu32, h->frag_off,
                   h->frag_more ? "true" : "false", h->frag_id);
        printf("}");
    }
    printf(",\"proto\":");
    json_str(stdout, dis_l4_name(d));
    if (d->ip.is_fragment && d->ip.frag_off) {
        printf(",\"payload_len\":%zu}", d->ip.payload_len);
        return;
    }
    if (d->l4_err) {
        printf(",\"error\":");
        json_str(stdout, d->l4_cut ? "header not captured" : l4_strerror(d->l4_err));
        printf("}");
        return;
    }
    if (d->l4 == DIS_L4_TCP) {
        dis_json_tcp(d);
    } else if (d->l4 == DIS_L4_UDP) {
        const l4_udp_hdr *u = &d->udp;
        printf(",\"udp\":{\"sport\":%u,\"dport\":%u,\"len\":%u", u->sport, u->dport, u->len);
        dis_json_ck(u->cksum, d->l4_ck, d->l4_ck_want);
        printf(",\"payload_len\":%zu}", u->payload_len);
        if (q->is_quic)
            disq_json(stdout, q);
    } else if (d->l4 == DIS_L4_ICMP) {
        const l4_icmp_msg *m = &d->icmp;
        const char *tn = dis_icmp_type_name(d->ip.version, m->type);
        const char *cn = dis_icmp_code_name(d->ip.version, m->type, m->code);
        printf(",\"icmp\":{\"type\":%u,\"code\":%u,\"type_name\":", m->type, m->code);
        json_str(stdout, tn);
        printf(",\"code_name\":");
        json_str(stdout, cn);
        dis_json_ck(m->cksum, d->l4_ck, d->l4_ck_want);
        printf(",\"id\":%u,\"seq\":%u,\"body_len\":%zu", m->id, m->seq, m->body_len);
        if (d->quote_ok) {
            printf(",\"quoted\":{\"proto\":%u", d->quote_proto);
            dis_json_addr("src", &d->quote_src);
            dis_json_addr("dst", &d->quote_dst);
            printf(",\"sport\":%u,\"dport\":%u}", d->quote_sport, d->quote_dport);
        }
        printf("}");
    } else {
        printf(",\"payload_len\":%zu", d->ip.payload_len);
    }
    printf("}");
}

/* ---------------------------------------------------------------- main */

/* Why the link layer gave no IP packet, in words. */
static const char *dis_link_err(const l4_pcap_record *rec, int rc)
{
    if (rc == L4_ERR_UNSUPPORTED)
        return "link type not supported";
    if (rc == L4_ERR_MALFORMED && (rec->linktype == L4_LINK_NULL || rec->linktype == L4_LINK_LOOP))
        return "unknown address family";
    if (rc == L4_ERR_MALFORMED)
        return "not an IPv4/IPv6 packet (version field)";
    return l4_strerror(rc);
}

/* The QUIC in a UDP datagram (o->qd.is_quic 0 when none). */
static void dis_quic_of(dis_out *o, const dis_pkt *d, const uint8_t *ip)
{
    o->qd.is_quic = 0;
    if (!d->have_ip || d->l4 != DIS_L4_UDP || d->l4_err || d->l4_cut || !d->udp.payload_len ||
        d->ip.is_fragment)
        return;
    /* Bytes of the payload the capture holds (the rest of a cut packet is zero fill). */
    const uint8_t *base =
        d->udp.payload >= o->scratch && d->udp.payload < o->scratch + DIS_SCRATCH ? o->scratch : ip;
    size_t at = (size_t)(d->udp.payload - base);
    size_t captured = d->captured > at ? d->captured - at : 0;
    if (dis_quic_datagram(o->quic, &o->qd, &d->ip.src, d->udp.sport, &d->ip.dst, d->udp.dport,
                          d->udp.payload, d->udp.payload_len, captured) < 0)
        fprintf(stderr, "l4kit dissect: out of memory decoding QUIC in packet\n");
}

static void dis_one(dis_out *o, const l4_pcap_record *rec, double t)
{
    l4_pcap_link lk;
    int link_rc = l4_pcap_link_ip(rec->linktype, rec->data, rec->caplen, &lk);
    dis_pkt d;
    memset(&d, 0, sizeof d);
    if (!link_rc)
        dis_decode(&d, lk.ip, lk.ip_len, rec->origlen - (rec->caplen - lk.ip_len), o->scratch);
    dis_quic_of(o, &d, lk.ip);
    if (o->json) {
        printf("%s\n", o->n ? "," : "");
        dis_json_packet(&d, rec, &lk, link_rc, t, &o->qd);
        o->n++;
        return;
    }
    printf("%5" PRIu64 " %11.6f  ", rec->index, t);
    if (link_rc == L4_ERR_UNSUPPORTED && lk.ethertype) {
        const char *en = l4_pcap_ethertype_name(lk.ethertype);
        printf("%s (EtherType 0x%04x): not IP, %" PRIu32 " bytes\n", en ? en : "non-IP frame",
               lk.ethertype, rec->caplen);
    } else if (link_rc) {
        printf("[%s link layer: %s] %" PRIu32 " bytes\n", l4_pcap_link_name(rec->linktype),
               dis_link_err(rec, link_rc), rec->caplen);
    } else if (!d.have_ip) {
        printf("[bad IP packet: %s]", l4_strerror(d.ip_err));
        if (d.cut)
            printf(" (the capture kept %" PRIu32 " of %" PRIu32 " bytes)", rec->caplen,
                   rec->origlen);
        printf("\n");
    } else {
        dis_text_line(&d, &o->qd);
        if (d.cut)
            printf(" [captured %" PRIu32 " of %" PRIu32 " bytes]", rec->caplen, rec->origlen);
        printf("\n");
        if (o->qd.is_quic)
            disq_text_sublines(stdout, &o->qd);
    }
    if (o->verbose)
        dis_text_verbose(&d, rec, &lk, &o->qd);
    o->n++;
}

int cmd_dissect(int argc, char **argv)
{
    dis_out *o = calloc(1, sizeof *o);
    if (!o) {
        fprintf(stderr, "l4kit dissect: out of memory\n");
        return 1;
    }
    int status = 0;
    const char *file = NULL, *keylog = NULL;
    dis_keylog kl;
    memset(&kl, 0, sizeof kl);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(dissect_usage, stdout);
            goto done;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o->verbose = 1;
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else if (!strcmp(a, "--keylog")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "l4kit dissect: --keylog needs a file (NSS key log format)\n");
                status = 2;
                goto done;
            }
            keylog = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "l4kit dissect: unknown option '%s' (try --help)\n", a);
            status = 2;
            goto done;
        } else if (file) {
            fprintf(stderr, "l4kit dissect: one FILE at a time ('%s' and '%s' given)\n", file, a);
            status = 2;
            goto done;
        } else {
            file = a;
        }
    }
    if (!file) {
        fprintf(stderr, "l4kit dissect: missing FILE (a pcap or pcapng capture; try --help)\n");
        status = 2;
        goto done;
    }
    if (keylog) {
        int krc = dis_keylog_load(&kl, keylog);
        if (krc < 0) {
            fprintf(stderr, "l4kit dissect: --keylog %s: %s\n", keylog,
                    krc == L4_ERR_IO ? strerror(errno) : l4_strerror(krc));
            status = 1;
            goto done;
        }
        if (kl.lines_ignored)
            fprintf(stderr,
                    "l4kit dissect: --keylog %s: %zu lines are not NSS key log lines (the first "
                    "is line %zu); ignored\n",
                    keylog, kl.lines_ignored, kl.first_bad);
        if (!kl.secrets)
            fprintf(stderr, "l4kit dissect: --keylog %s: no TLS 1.3 traffic secrets in it\n",
                    keylog);
    }
    if (dis_quic_new(&o->quic, &kl) < 0) {
        fprintf(stderr, "l4kit dissect: out of memory\n");
        status = 1;
        goto done;
    }
    l4_pcap_reader *r = NULL;
    char err[L4_PCAP_ERRBUF] = "";
    if (l4_pcap_reader_open(&r, file, err, sizeof err) != 0) {
        fprintf(stderr, "l4kit dissect: %s: %s\n", file, err);
        status = 1;
        goto done;
    }
    if (o->json)
        printf("[");
    l4_pcap_record rec;
    l4_time first = 0;
    int rc;
    while ((rc = l4_pcap_reader_next(r, &rec)) == 1) {
        if (rec.index == 1)
            first = rec.ts;
        double t =
            rec.ts >= first ? (double)(rec.ts - first) / 1e9 : -(double)(first - rec.ts) / 1e9;
        dis_one(o, &rec, t);
    }
    if (o->json)
        printf("%s]\n", o->n ? "\n" : "");
    fflush(stdout);
    if (rc < 0) {
        fprintf(stderr, "l4kit dissect: %s: %s (%" PRIu64 " packets before it shown)\n", file,
                l4_pcap_reader_error(r), o->n);
        status = 1;
    }
    l4_pcap_reader_close(r);
done:
    dis_quic_free(o->quic);
    dis_keylog_free(&kl);
    free(o);
    return status;
}
