/*
 * host/icmp.c — ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) in the host: echo
 * replies, Destination Unreachable out (rate limited), and Destination
 * Unreachable in (to the connected UDP socket it is about).
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "util/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

/* Builds IP + ICMP from `m` (src/dst as given) into the host queue. */
static int icmp_emit(l4_host *h, const l4_addr *src, const l4_addr *dst, const l4_icmp_msg *m)
{
    size_t hl = src->family == L4_AF_INET4 ? L4_IPV4_MIN_HDR : L4_IPV6_HDR;
    size_t total = hl + L4_ICMP_HDR + m->body_len;
    if (total > 65535 + (src->family == L4_AF_INET6 ? 40u : 0u))
        return L4_ERR_LIMIT;
    host_txpkt *p;
    uint8_t *d = host_tx_alloc(h, total, &p);
    if (!d)
        return L4_ERR_LIMIT;
    uint8_t proto;
    l4_ssize n;
    if (src->family == L4_AF_INET4) {
        proto = L4_IPPROTO_ICMP;
        n = l4_icmp4_write(d + hl, total - hl, m);
    } else {
        proto = L4_IPPROTO_ICMPV6;
        n = l4_icmp6_write(d + hl, total - hl, m, src, dst);
    }
    if (n < 0 || host_ip_header(h, d, hl, src, dst, proto, 0, (size_t)n) < 0) {
        free(p);
        return L4_ERR_INVALID_ARGUMENT;
    }
    const host_addr *a = host_find_addr(h, src);
    host_tx_commit(h, p, a ? a->ifindex : 0, hl + (size_t)n);
    return 0;
}

/* Token bucket: icmp_rate errors per second, bursts of icmp_burst
   (RFC 4443 §2.4(f); RFC 1812 §4.3.2.8 for the same idea in IPv4). */
static int icmp_rate_ok(l4_host *h, l4_time now)
{
    if (h->cfg.icmp_rate == 0)
        return 1;
    uint64_t cap = (uint64_t)h->cfg.icmp_burst * 1000;
    if (now > h->icmp_last) {
        uint64_t dt = now - h->icmp_last;
        /* tokens*1000 gained = dt[ns] * rate / 1e6; saturate long idle gaps */
        uint64_t add = dt >= 1000000000ull * 1000 ? cap : dt / 1000 * h->cfg.icmp_rate / 1000;
        h->icmp_tokens_milli = h->icmp_tokens_milli + add > cap ? cap : h->icmp_tokens_milli + add;
        h->icmp_last = now;
    }
    if (h->icmp_tokens_milli < 1000) {
        h->st.icmp_rate_limited++;
        return 0;
    }
    h->icmp_tokens_milli -= 1000;
    return 1;
}

void icmp_send_unreach(l4_host *h, const l4_ip_pkt *ip, const uint8_t *pkt, size_t len,
                       uint8_t code4, uint8_t code6, l4_time now)
{
    /* The caller guarantees a unicast destination (one of ours), a unicast
       source and no fragment (RFC 1122 §3.2.2; RFC 4443 §2.4(e)). */
    if (!icmp_rate_ok(h, now))
        return;
    l4_icmp_msg m;
    memset(&m, 0, sizeof m);
    size_t orig, limit;
    if (ip->version == 4) {
        m.type = L4_ICMP4_DEST_UNREACH;
        m.code = code4;
        orig = ip->hdr.v4.total_len;
        limit = 576 - L4_IPV4_MIN_HDR - L4_ICMP_HDR; /* RFC 1812 §4.3.2.3 */
    } else {
        m.type = L4_ICMP6_DEST_UNREACH;
        m.code = code6;
        orig = L4_IPV6_HDR + (size_t)ip->hdr.v6.plen;
        limit = 1280 - L4_IPV6_HDR - L4_ICMP_HDR; /* RFC 4443 §2.4(c) */
    }
    if (orig > len)
        orig = len;
    m.body = pkt;
    m.body_len = orig < limit ? orig : limit;
    if (icmp_emit(h, &ip->dst, &ip->src, &m) == 0)
        h->st.icmp_unreach_sent++;
}

/* A Destination Unreachable about a packet we sent: the quoted header tells
   which socket. Acted on: Port Unreachable about UDP (the connected socket of
   that 4-tuple gets L4_ECONNREFUSED, like Linux) and hard errors about a TCP
   connection in SYN_SENT (aborted with L4_ECONNREFUSED). */
static void icmp_tcp_hard_error(l4_host *h, const l4_ip_pkt *ip, const l4_icmp_msg *m,
                                const l4_addr *la, uint16_t lport, const l4_addr *ra,
                                uint16_t rport, const uint8_t *tcp, size_t tcp_len, l4_time now)
{
    /* RFC 1122 §4.2.3.9: protocol / port unreachable are hard errors; like
       Linux, they abort a connection only while it is still opening
       (SYN_SENT), and only when the quoted sequence number is one we have
       sent and not had acknowledged (RFC 5927 §4.1). */
    int hard = ip->version == 4
                   ? (m->code == L4_ICMP4_UNREACH_PROTO || m->code == L4_ICMP4_UNREACH_PORT)
                   : m->code == L4_ICMP6_UNREACH_PORT;
    if (!hard || tcp_len < 8)
        return;
    l4_hsock *s = demux_lookup(h, L4_SOCK_STREAM, la, lport, ra, rport);
    if (!s || !s->tcp || l4_tcp_conn_state(s->tcp) != L4_TCP_SYN_SENT)
        return;
    l4_tcp_info info;
    l4_tcp_conn_get_info(s->tcp, &info);
    uint32_t seq = l4_get_u32(tcp + 4);
    if ((uint32_t)(seq - info.snd_una) >= (uint32_t)(info.snd_nxt - info.snd_una))
        return;
    s->err = L4_ECONNREFUSED;
    l4_tcp_conn_abort(s->tcp, now);
    sock_mark_dirty(h, s);
    sock_after_conn(h, s, now);
}

static void icmp_unreach_input(l4_host *h, const l4_ip_pkt *ip, const l4_icmp_msg *m, l4_time now)
{
    h->st.icmp_errors_in++;
    const uint8_t *q = m->body;
    size_t n = m->body_len;
    l4_addr qsrc, qdst;
    uint8_t proto;
    size_t off;
    int port_unreach;
    if (ip->version == 4) {
        if (n < L4_IPV4_MIN_HDR || (q[0] >> 4) != 4)
            return;
        off = (size_t)(q[0] & 0x0f) * 4;
        if (off < L4_IPV4_MIN_HDR)
            return;
        proto = q[9];
        qsrc = l4_addr_v4(q + 12);
        qdst = l4_addr_v4(q + 16);
        port_unreach = m->code == L4_ICMP4_UNREACH_PORT;
    } else {
        if (n < L4_IPV6_HDR || (q[0] >> 4) != 6)
            return;
        off = L4_IPV6_HDR;
        proto = q[6]; /* extension headers in the quote are not walked */
        qsrc = l4_addr_v6(q + 8);
        qdst = l4_addr_v6(q + 24);
        port_unreach = m->code == L4_ICMP6_UNREACH_PORT;
    }
    if (n < off + 4 || !host_find_addr(h, &qsrc))
        return;
    uint16_t sport = l4_get_u16(q + off), dport = l4_get_u16(q + off + 2);
    if (proto == L4_IPPROTO_TCP) {
        icmp_tcp_hard_error(h, ip, m, &qsrc, sport, &qdst, dport, q + off, n - off, now);
        return;
    }
    if (proto != L4_IPPROTO_UDP || !port_unreach)
        return;
    l4_hsock *s = demux_lookup(h, L4_SOCK_DGRAM, &qsrc, sport, &qdst, dport);
    if (!s)
        return;
    s->err = L4_ECONNREFUSED;
    sock_event(h, s, HEV_ERROR | HEV_READABLE);
}

void icmp_input(l4_host *h, const l4_ip_pkt *ip, const uint8_t *pkt, size_t len, l4_time now)
{
    (void)pkt;
    (void)len;
    h->st.icmp_in++;
    l4_icmp_msg m;
    int rc = ip->version == 4
                 ? l4_icmp4_parse(&m, ip->payload, ip->payload_len)
                 : l4_icmp6_parse(&m, ip->payload, ip->payload_len, &ip->src, &ip->dst);
    if (rc != 0) {
        h->st.icmp_bad++;
        return;
    }
    uint8_t echo_req = ip->version == 4 ? L4_ICMP4_ECHO_REQUEST : L4_ICMP6_ECHO_REQUEST;
    uint8_t unreach = ip->version == 4 ? L4_ICMP4_DEST_UNREACH : L4_ICMP6_DEST_UNREACH;
    if (m.type == echo_req && m.code == 0) {
        /* RFC 792 / RFC 4443 §4.2: same identifier, sequence and data, from
           the address the request was sent to. */
        if (host_addr_is_any(&ip->src))
            return;
        l4_icmp_msg r = m;
        r.type = ip->version == 4 ? L4_ICMP4_ECHO_REPLY : L4_ICMP6_ECHO_REPLY;
        if (icmp_emit(h, &ip->dst, &ip->src, &r) == 0)
            h->st.icmp_echo_replies++;
        return;
    }
    if (m.type == unreach)
        icmp_unreach_input(h, ip, &m, now);
}
