/*
 * host/udp_input.c — UDP datagrams through the host (RFC 768): received ones
 * to the connected socket of their 4-tuple, else the bound socket of their
 * port, else an ICMP Port Unreachable; sent ones built into the host queue.
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/udp.h"

void host_udp_input(l4_host *h, const l4_ip_pkt *ip, const uint8_t *pkt, size_t len, l4_time now)
{
    h->st.udp_in++;
    l4_udp_hdr uh;
    /* The parser verifies the checksum: over IPv4 a zero one means "none"
       (RFC 768), over IPv6 it is mandatory (RFC 8200 §8.1). */
    int csum_ok = (h->rx_flags & L4_HOST_RX_CSUM_OK) != 0;
    if (l4_udp_parse(&uh, ip->payload, ip->payload_len, csum_ok ? NULL : &ip->src,
                     csum_ok ? NULL : &ip->dst) != 0 ||
        uh.dport == 0) {
        h->st.udp_bad++;
        return;
    }
    l4_hsock *s = demux_lookup(h, L4_SOCK_DGRAM, &ip->dst, uh.dport, &ip->src, uh.sport);
    if (!s)
        s = ports_lookup(h, L4_SOCK_DGRAM, &ip->dst, uh.dport);
    if (!s) {
        h->st.udp_no_port++;
        icmp_send_unreach(h, ip, pkt, len, L4_ICMP4_UNREACH_PORT, L4_ICMP6_UNREACH_PORT, now);
        return;
    }
    if (l4_udp_queue_push(&s->rq, &ip->src, uh.sport, ip->ecn, uh.payload, uh.payload_len) < 0) {
        h->st.udp_rcvq_drops++;
        return;
    }
    sock_event(h, s, HEV_READABLE);
}

l4_ssize host_udp_send(l4_host *h, l4_hsock *s, const void *buf, size_t len, const l4_addr *dst,
                       uint16_t dport)
{
    if (len > l4_udp_max_payload(s->family, h->cfg.mtu))
        return L4_EMSGSIZE;
    l4_addr src = s->laddr;
    if (host_addr_is_any(&src)) {
        const host_addr *a = host_pick_src(h, dst);
        if (!a)
            return L4_EADDRNOTAVAIL;
        src = a->addr;
    }
    const host_addr *ha = host_find_addr(h, &src);
    size_t hl = s->family == L4_AF_INET4 ? L4_IPV4_MIN_HDR : L4_IPV6_HDR;
    host_txpkt *p;
    uint8_t *d = host_tx_alloc(h, hl + L4_UDP_HDR + len, &p);
    if (!d)
        return L4_ENOBUFS;
    if (len)
        memcpy(d + hl + L4_UDP_HDR, buf, len);
    l4_udp_hdr uh;
    memset(&uh, 0, sizeof uh);
    uh.sport = s->lport;
    uh.dport = dport;
    uh.payload = d + hl + L4_UDP_HDR;
    uh.payload_len = len;
    int csum = s->family == L4_AF_INET6 || h->cfg.udp_checksum_v4;
    l4_ssize n = l4_udp_write(d + hl, L4_UDP_HDR + len, &uh, csum ? &src : NULL, dst);
    if (n < 0 ||
        host_ip_header(h, d, hl, &src, dst, L4_IPPROTO_UDP, s->udp_tx_ecn, (size_t)n) < 0) {
        free(p);
        return L4_EINVAL;
    }
    host_tx_commit(h, p, ha ? ha->ifindex : 0, hl + (size_t)n);
    return (l4_ssize)len;
}
