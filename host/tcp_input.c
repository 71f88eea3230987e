/*
 * host/tcp_input.c — TCP segments through the host: to their connection, to
 * a listener (which creates a child connection per SYN, within its backlog),
 * or answered with a RST when no socket takes them.
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "tcp/syncookie.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

/* RFC 9293 §3.10.7.1 (CLOSED) and §3.10.7.2 (LISTEN, an ACK): never answer a
   RST; if the segment has ACK, <SEQ=SEG.ACK><CTL=RST>; otherwise
   <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SEG.LEN counting SYN and FIN. */
static void host_tcp_send_rst(l4_host *h, const l4_ip_pkt *ip, const l4_tcp_hdr *th)
{
    if (th->flags & L4_TCP_RST)
        return;
    l4_tcp_hdr r;
    memset(&r, 0, sizeof r);
    r.sport = th->dport;
    r.dport = th->sport;
    if (th->flags & L4_TCP_ACK) {
        r.seq = th->ack;
        r.flags = L4_TCP_RST;
    } else {
        uint32_t seglen = (uint32_t)th->payload_len + ((th->flags & L4_TCP_SYN) ? 1u : 0u) +
                          ((th->flags & L4_TCP_FIN) ? 1u : 0u);
        r.seq = 0;
        r.ack = th->seq + seglen;
        r.flags = L4_TCP_RST | L4_TCP_ACK;
    }
    size_t hl = ip->version == 4 ? L4_IPV4_MIN_HDR : L4_IPV6_HDR;
    host_txpkt *p;
    uint8_t *d = host_tx_alloc(h, hl + L4_TCP_MIN_HDR, &p);
    if (!d)
        return;
    l4_ssize n = l4_tcp_write(d + hl, L4_TCP_MIN_HDR, &r, &ip->dst, &ip->src);
    if (n < 0 || host_ip_header(h, d, hl, &ip->dst, &ip->src, L4_IPPROTO_TCP, 0, (size_t)n) < 0) {
        free(p);
        return;
    }
    const host_addr *a = host_find_addr(h, &ip->dst);
    host_tx_commit(h, p, a ? a->ifindex : 0, hl + (size_t)n);
    h->st.tcp_rst_sent++;
}

/* A child connection of listener `l` for the segment's 4-tuple, in its SYN
   queue (the count may pass the backlog until the caller's input moves it
   on); NULL when none can be made. */
static l4_hsock *host_tcp_child(l4_host *h, l4_hsock *l, const l4_ip_pkt *ip, const l4_tcp_hdr *th,
                                l4_time now)
{
    l4_hsock *s = sock_new(h, l->family, L4_SOCK_STREAM);
    if (!s) {
        h->st.nomem++;
        return NULL;
    }
    s->laddr = ip->dst;
    s->lport = th->dport;
    s->raddr = ip->src;
    s->rport = th->sport;
    s->reuseaddr = l->reuseaddr;
    s->cc = l->cc;
    s->cb = l->cb;
    s->user = l->user;
    s->connected = 1;
    if (sock_tcp_attach(h, s) < 0 || demux_insert(h, s) < 0) {
        s->orphan = 1;
        sock_free(h, s);
        return NULL;
    }
    if (ports_ref(h, s->lport, 1) == 0)
        s->port_ref = 1;
    s->parent = l;
    s->q = HQ_SYN;
    s->qprev = NULL;
    s->qnext = l->synq;
    if (l->synq)
        l->synq->qprev = s;
    else
        l->synq_tail = s;
    l->synq = s;
    s->born = now;
    l->syn_count++;
    return s;
}

/* RFC 4987 §3.6: answers a SYN with a cookie SYN-ACK and keeps nothing. */
static void host_tcp_send_cookie(l4_host *h, l4_hsock *l, const l4_ip_pkt *ip, const l4_tcp_hdr *th,
                                 l4_time now)
{
    l4_tcp_settings ts;
    sock_tcp_settings(h, l, &ts);
    size_t hl = ip->version == 4 ? L4_IPV4_MIN_HDR : L4_IPV6_HDR;
    host_txpkt *p;
    uint8_t *d = host_tx_alloc(h, hl + L4_TCP_MAX_HDR, &p);
    if (!d)
        return;
    l4_ssize n = l4_tcp_syncookie_synack(&ts, &ip->dst, &ip->src, th, now, d + hl, L4_TCP_MAX_HDR);
    if (n < 0 || host_ip_header(h, d, hl, &ip->dst, &ip->src, L4_IPPROTO_TCP, 0, (size_t)n) < 0) {
        free(p);
        return;
    }
    const host_addr *a = host_find_addr(h, &ip->dst);
    host_tx_commit(h, p, a ? a->ifindex : 0, hl + (size_t)n);
    h->st.tcp_syncookies_sent++;
    l->cookies = 1;
    l->cookie_at = now;
}

/* An ACK reaching listener `l`: when cookies are in use (always, or the
   listener sent some within a cookie's lifetime) and it returns a valid one,
   the connection is created ESTABLISHED (returns 1; also when the accept
   queue is full and the ACK is dropped, as Linux does: the peer's
   retransmission tries again). 0: treat it as any ACK to a listener. */
static int host_tcp_cookie_ack(l4_host *h, l4_hsock *l, const l4_ip_pkt *ip, const l4_tcp_hdr *th,
                               l4_time now)
{
    uint8_t mode = h->cfg.tcp_syncookies;
    if (!mode || (th->flags & (L4_TCP_SYN | L4_TCP_RST)))
        return 0;
    if (mode == 1 &&
        (!l->cookies || now - l->cookie_at >= (l4_time)L4_SYNCOOKIE_MAX_AGE * L4_SYNCOOKIE_PERIOD))
        return 0;
    l4_tcp_settings ts;
    sock_tcp_settings(h, l, &ts);
    l4_syncookie_opts o;
    if (l4_tcp_syncookie_check_ack(&ts, &ip->dst, &ip->src, th, now, &o) != 0) {
        h->st.tcp_syncookies_failed++;
        return 0;
    }
    if (l->acc_count >= l->backlog) {
        h->st.tcp_accept_queue_full++;
        return 1;
    }
    l4_hsock *s = host_tcp_child(h, l, ip, th, now);
    if (!s)
        return 1;
    l4_tcp_conn_open_cookie(s->tcp, &ip->dst, &ip->src, th, ip->ecn, &o, now);
    if (s->q == HQ_SYN) /* not established (cannot happen with a verified ACK) */
        l4_tcp_conn_abort(s->tcp, now);
    else
        h->st.tcp_syncookies_ok++;
    sock_mark_dirty(h, s);
    sock_after_conn(h, s, now);
    return 1;
}

static void host_tcp_listener_input(l4_host *h, l4_hsock *l, const l4_ip_pkt *ip,
                                    const l4_tcp_hdr *th, l4_time now)
{
    if (th->flags & L4_TCP_RST) {
        h->st.tcp_listen_drop++;
        return;
    }
    if (th->flags & L4_TCP_ACK) {
        if (!host_tcp_cookie_ack(h, l, ip, th, now))
            host_tcp_send_rst(h, ip, th);
        return;
    }
    if (!(th->flags & L4_TCP_SYN)) {
        h->st.tcp_listen_drop++;
        return;
    }
    if (h->cfg.tcp_syncookies == 2) {
        if (l->acc_count >= l->backlog)
            h->st.tcp_accept_queue_full++;
        else
            host_tcp_send_cookie(h, l, ip, th, now);
        return;
    }
    if (l->syn_count >= l->backlog) {
        /* RFC 4987 §3.3, "Recycling the Oldest Half-Open TCB" (opt-in): the
           oldest half-open connection, if at least tcp_syn_recycle_age old,
           is reset to make room. */
        l4_hsock *old = l->synq_tail;
        if (h->cfg.tcp_syn_recycle && old && now >= old->born + h->cfg.tcp_syn_recycle_age) {
            l4_tcp_conn_abort(old->tcp, now);
            sock_mark_dirty(h, old);
            sock_after_conn(h, old, now); /* CLOSED: leaves the SYN queue, freed */
            h->st.tcp_syn_recycled++;
        }
        if (l->syn_count >= l->backlog) {
            /* RFC 4987 §3.6: answer statelessly while the accept queue has room. */
            if (h->cfg.tcp_syncookies && l->acc_count < l->backlog)
                host_tcp_send_cookie(h, l, ip, th, now);
            else
                h->st.tcp_syn_queue_full++;
            return;
        }
    }
    if (l->acc_count >= l->backlog) {
        h->st.tcp_accept_queue_full++;
        return;
    }
    l4_hsock *s = host_tcp_child(h, l, ip, th, now);
    if (!s)
        return;
    if (l4_tcp_conn_listen(s->tcp, &s->laddr, s->lport, now) < 0) {
        l4_tcp_conn_abort(s->tcp, now);
        sock_after_conn(h, s, now);
        return;
    }
    l4_tcp_conn_input_from(s->tcp, &ip->src, th, ip->ecn, now);
    sock_mark_dirty(h, s);
    sock_after_conn(h, s, now);
}

void host_tcp_input(l4_host *h, const l4_ip_pkt *ip, l4_time now)
{
    h->st.tcp_in++;
    l4_tcp_hdr th;
    int csum_ok = (h->rx_flags & L4_HOST_RX_CSUM_OK) != 0;
    if (l4_tcp_parse(&th, ip->payload, ip->payload_len, csum_ok ? NULL : &ip->src,
                     csum_ok ? NULL : &ip->dst) != 0 ||
        th.sport == 0 || th.dport == 0) {
        h->st.tcp_bad++;
        return;
    }
    l4_hsock *s = demux_lookup(h, L4_SOCK_STREAM, &ip->dst, th.dport, &ip->src, th.sport);
    if (s && s->tcp) {
        l4_tcp_conn_input(s->tcp, &th, ip->ecn, now);
        sock_mark_dirty(h, s);
        sock_after_conn(h, s, now);
        return;
    }
    l4_hsock *l = ports_lookup(h, L4_SOCK_STREAM, &ip->dst, th.dport);
    if (l) {
        host_tcp_listener_input(h, l, ip, &th, now);
        return;
    }
    h->st.tcp_no_socket++;
    host_tcp_send_rst(h, ip, &th);
}
