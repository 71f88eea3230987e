/*
 * host/host.c — the host engine: lifecycle, addresses, IP input validation
 * and dispatch, IP output, the queue of host-built packets, timers.
 */
#include "host/host.h"

#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "util/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

void l4_host_config_default(l4_host_config *c)
{
    memset(c, 0, sizeof *c);
    c->mtu = 1500;
    c->ephemeral_min = 49152;
    c->ephemeral_max = 65535;
    c->ephemeral_incr = 8;
    c->udp_checksum_v4 = 1;
    c->udp_rcvq_bytes = 212992;
    c->icmp_rate = 1000;
    c->icmp_burst = 50;
    c->tcp_tw_reuse = 1;
    c->tcp_syncookies = 1;
    c->txq_limit = 1024;
    c->max_sockets = 1u << 20;
    c->reasm_max_bytes = 256 * 1024;
    c->reasm_timeout = 30 * L4_S;
    l4_tcp_settings_default(&c->tcp);
}

int l4_host_new(l4_host **ph, const l4_host_config *cfg)
{
    if (!ph)
        return L4_ERR_INVALID_ARGUMENT;
    *ph = NULL;
    l4_host_config c;
    if (cfg)
        c = *cfg;
    else
        l4_host_config_default(&c);
    if (c.mtu < 1280 || c.mtu > 65535 || c.ephemeral_min == 0 ||
        c.ephemeral_min > c.ephemeral_max || c.max_sockets == 0 || c.max_sockets > (1u << 30))
        return L4_ERR_INVALID_ARGUMENT;
    if (c.ephemeral_incr == 0)
        c.ephemeral_incr = 1;
    /* Validate the TCP settings once, with the MSS the host will use. */
    l4_tcp_settings ts = c.tcp;
    ts.mss = (uint16_t)(c.mtu - 60);
    l4_tcp_conn *probe;
    int rc = l4_tcp_conn_new(&probe, &ts, NULL, NULL);
    if (rc < 0)
        return rc;
    l4_tcp_conn_del(probe);

    l4_host *h = calloc(1, sizeof *h);
    if (!h)
        return L4_ERR_NOMEM;
    h->cfg = c;
    l4_rng_init(&h->rng, c.seed, 0x686f7374u /* "host" */);
    for (int i = 0; i < 16; i++) {
        h->hash_key[i] = (uint8_t)l4_rng_u32(&h->rng);
        h->eph_key1[i] = (uint8_t)l4_rng_u32(&h->rng);
        h->eph_key2[i] = (uint8_t)l4_rng_u32(&h->rng);
        h->cfg.tcp.isn_secret[i] = (uint8_t)l4_rng_u32(&h->rng);
    }
    for (size_t i = 0; i < HOST_EPH_TABLE; i++)
        h->eph_table[i] = (uint16_t)l4_rng_u32(&h->rng);
    h->ip_id = (uint16_t)l4_rng_u32(&h->rng);
    h->tbl_mask = 255;
    h->tbl = calloc(h->tbl_mask + 1, sizeof *h->tbl);
    if (!h->tbl) {
        free(h);
        return L4_ERR_NOMEM;
    }
    h->icmp_tokens_milli = (uint64_t)c.icmp_burst * 1000;
    h->icmp_last = 0;
    *ph = h;
    return 0;
}

void l4_host_del(l4_host *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nsocks_cap; i++) {
        l4_hsock *s = h->socks[i];
        if (!s)
            continue;
        l4_tcp_conn_del(s->tcp);
        l4_udp_queue_clear(&s->rq);
        host_qcid_free(s->qcid);
        free(s);
    }
    reasm_clear(h);
    host_txpkt *p = h->txq_head;
    while (p) {
        host_txpkt *n = p->next;
        free(p);
        p = n;
    }
    free(h->socks);
    free(h->free_sd);
    free(h->tbl);
    for (int i = 0; i < 256; i++)
        free(h->tcp_refs[i]);
    free(h->heap);
    free(h);
}

const l4_host_stats *l4_host_stats_get(const l4_host *h)
{
    return &h->st;
}

const l4_host_config *l4_host_config_get(const l4_host *h)
{
    return &h->cfg;
}

l4_time l4_host_now(const l4_host *h)
{
    return h->now;
}

size_t l4_host_socket_count(const l4_host *h)
{
    return h->nsocks;
}

/* ---- addresses ------------------------------------------------------------ */

int host_addr_is_any(const l4_addr *a)
{
    size_t n = l4_addr_len(a);
    for (size_t i = 0; i < n; i++)
        if (a->bytes[i])
            return 0;
    return 1;
}

static int host_addr_is_multicast(const l4_addr *a)
{
    if (a->family == L4_AF_INET4)
        return (a->bytes[0] & 0xf0) == 0xe0 || (a->bytes[0] == 255 && a->bytes[1] == 255 &&
                                                a->bytes[2] == 255 && a->bytes[3] == 255);
    return a->bytes[0] == 0xff;
}

int l4_host_add_addr(l4_host *h, int ifindex, const l4_addr *addr, int plen)
{
    if (!h || !addr || ifindex < 0)
        return L4_ERR_INVALID_ARGUMENT;
    int maxp = addr->family == L4_AF_INET4 ? 32 : addr->family == L4_AF_INET6 ? 128 : -1;
    if (maxp < 0 || plen < 0 || plen > maxp || host_addr_is_any(addr) ||
        host_addr_is_multicast(addr))
        return L4_ERR_INVALID_ARGUMENT;
    if (host_find_addr(h, addr))
        return L4_ERR_STATE;
    if (h->naddrs >= L4_HOST_MAX_ADDRS)
        return L4_ERR_LIMIT;
    h->addrs[h->naddrs].addr = *addr;
    h->addrs[h->naddrs].plen = plen;
    h->addrs[h->naddrs].ifindex = ifindex;
    h->naddrs++;
    return 0;
}

const host_addr *host_find_addr(const l4_host *h, const l4_addr *a)
{
    for (int i = 0; i < h->naddrs; i++)
        if (l4_addr_eq(&h->addrs[i].addr, a))
            return &h->addrs[i];
    return NULL;
}

int l4_host_has_addr(const l4_host *h, const l4_addr *a)
{
    return h && a && host_find_addr(h, a) != NULL;
}

static int host_prefix_match(const l4_addr *a, const l4_addr *b, int plen)
{
    int full = plen / 8, rem = plen % 8;
    if (memcmp(a->bytes, b->bytes, (size_t)full) != 0)
        return 0;
    if (rem) {
        uint8_t m = (uint8_t)(0xff << (8 - rem));
        return (a->bytes[full] & m) == (b->bytes[full] & m);
    }
    return 1;
}

/* Source address selection: the longest on-link prefix match of the same
   family, else the first address of that family. */
const host_addr *host_pick_src(const l4_host *h, const l4_addr *dst)
{
    const host_addr *best = NULL;
    int best_len = -1;
    for (int i = 0; i < h->naddrs; i++) {
        const host_addr *a = &h->addrs[i];
        if (a->addr.family != dst->family)
            continue;
        int len = host_prefix_match(&a->addr, dst, a->plen) ? a->plen : 0;
        if (len > best_len) {
            best = a;
            best_len = len;
        }
    }
    return best;
}

/* ---- IP output ------------------------------------------------------------- */

l4_ssize host_ip_header(l4_host *h, uint8_t *buf, size_t cap, const l4_addr *src,
                        const l4_addr *dst, uint8_t proto, uint8_t ecn, size_t payload_len)
{
    if (src->family == L4_AF_INET4) {
        l4_ipv4_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.ecn = ecn;
        ih.id = h->ip_id++;
        ih.df = 1;
        ih.ttl = 64;
        ih.proto = proto;
        memcpy(ih.src, src->bytes, 4);
        memcpy(ih.dst, dst->bytes, 4);
        ih.payload_len = payload_len;
        return l4_ipv4_write(buf, cap, &ih);
    }
    l4_ipv6_hdr ih;
    memset(&ih, 0, sizeof ih);
    ih.ecn = ecn;
    ih.next_header = proto;
    ih.hop_limit = 64;
    memcpy(ih.src, src->bytes, 16);
    memcpy(ih.dst, dst->bytes, 16);
    ih.payload_len = payload_len;
    return l4_ipv6_write(buf, cap, &ih);
}

uint8_t *host_tx_alloc(l4_host *h, size_t len, host_txpkt **out)
{
    *out = NULL;
    if (h->txq_len >= h->cfg.txq_limit) {
        h->st.txq_drops++;
        return NULL;
    }
    host_txpkt *p = malloc(sizeof *p + len);
    if (!p) {
        h->st.nomem++;
        return NULL;
    }
    *out = p;
    return p->data;
}

void host_tx_commit(l4_host *h, host_txpkt *p, int ifindex, size_t len)
{
    p->next = NULL;
    p->ifindex = ifindex;
    p->len = len;
    if (h->txq_tail)
        h->txq_tail->next = p;
    else
        h->txq_head = p;
    h->txq_tail = p;
    h->txq_len++;
}

int host_tx_queue(l4_host *h, int ifindex, const uint8_t *pkt, size_t len)
{
    host_txpkt *p;
    uint8_t *d = host_tx_alloc(h, len, &p);
    if (!d)
        return L4_ERR_LIMIT;
    memcpy(d, pkt, len);
    host_tx_commit(h, p, ifindex, len);
    return 0;
}

/* ---- re-entry bookkeeping ---------------------------------------------------- */

void host_enter(l4_host *h)
{
    h->depth++;
}

void host_leave(l4_host *h)
{
    if (--h->depth > 0)
        return;
    if (!h->dispatching) {
        h->dispatching = 1;
        sock_dispatch(h);
        h->dispatching = 0;
        sock_reap(h);
    }
}

/* ---- IP input -------------------------------------------------------------- */

int l4_host_input(l4_host *h, const uint8_t *pkt, size_t len, l4_time now)
{
    return l4_host_input_if(h, 0, pkt, len, now);
}

int l4_host_input_if(l4_host *h, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    return l4_host_input_ex(h, ifindex, pkt, len, 0, now);
}

static void host_input_ip(l4_host *h, int ifindex, const uint8_t *pkt, size_t len, l4_time now);

int l4_host_input_ex(l4_host *h, int ifindex, const uint8_t *pkt, size_t len, unsigned flags,
                     l4_time now)
{
    /* weak host model: any interface (RFC 1122 §3.3.4.2) */
    if (!h || (!pkt && len))
        return L4_ERR_INVALID_ARGUMENT;
    h->rx_flags = flags;
    host_input_ip(h, ifindex, pkt, len, now);
    h->rx_flags = 0;
    return 0;
}

static void host_input_ip(l4_host *h, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    h->now = now;
    h->st.ip_in++;
    l4_ip_pkt ip;
    int rc = l4_ip_parse(&ip, pkt, len);
    if (rc == L4_ERR_CHECKSUM) {
        h->st.ip_bad_checksum++;
        return;
    }
    if (rc < 0) {
        h->st.ip_bad_header++;
        return;
    }
    if (!host_find_addr(h, &ip.dst)) {
        h->st.ip_not_for_us++;
        return;
    }
    if (host_addr_is_multicast(&ip.src) || host_find_addr(h, &ip.src) != NULL ||
        (host_addr_is_any(&ip.src) && ip.proto != L4_IPPROTO_ICMPV6)) {
        /* A multicast/broadcast or unspecified source, or one of our own
           addresses arriving from the link: no unicast sender (RFC 1122
           §3.2.1.3; RFC 4291 §2.7 for IPv6 multicast). */
        h->st.ip_bad_src++;
        return;
    }
    if (ip.is_fragment) {
        h->rx_flags = 0; /* a reassembled datagram is checked in full */
        reasm_input(h, ifindex, &ip, pkt, now);
        return;
    }
    host_enter(h);
    switch (ip.proto) {
    case L4_IPPROTO_TCP:
        host_tcp_input(h, &ip, now);
        break;
    case L4_IPPROTO_UDP:
        host_udp_input(h, &ip, pkt, len, now);
        break;
    case L4_IPPROTO_ICMP:
        if (ip.version == 4)
            icmp_input(h, &ip, pkt, len, now);
        else
            h->st.ip_unknown_proto++;
        break;
    case L4_IPPROTO_ICMPV6:
        if (ip.version == 6)
            icmp_input(h, &ip, pkt, len, now);
        else
            h->st.ip_unknown_proto++;
        break;
    default:
        h->st.ip_unknown_proto++;
        if (ip.version == 4) /* RFC 1122 §3.2.2.1: protocol unreachable */
            icmp_send_unreach(h, &ip, pkt, len, L4_ICMP4_UNREACH_PROTO, 0, now);
        break;
    }
    host_leave(h);
}

/* ---- output and timers ----------------------------------------------------- */

l4_ssize l4_host_output(l4_host *h, uint8_t *buf, size_t cap, l4_time now)
{
    return l4_host_output_if(h, NULL, buf, cap, now);
}

l4_ssize l4_host_output_if(l4_host *h, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    return l4_host_output_gso(h, ifindex, NULL, buf, cap, now);
}

l4_ssize l4_host_output_gso(l4_host *h, int *ifindex, uint16_t *gso_size, uint8_t *buf, size_t cap,
                            l4_time now)
{
    if (!h || !buf)
        return L4_ERR_INVALID_ARGUMENT;
    if (ifindex)
        *ifindex = 0;
    if (gso_size)
        *gso_size = 0;
    if (cap > 65535)
        cap = 65535; /* the largest IP packet */
    h->now = now;
    if (h->txq_head) {
        host_txpkt *p = h->txq_head;
        if (p->len > cap)
            return L4_ERR_NOBUF;
        memcpy(buf, p->data, p->len);
        if (ifindex)
            *ifindex = p->ifindex;
        h->txq_head = p->next;
        if (!h->txq_head)
            h->txq_tail = NULL;
        h->txq_len--;
        l4_ssize n = (l4_ssize)p->len;
        free(p);
        h->st.ip_out++;
        return n;
    }
    l4_ssize ret = 0;
    host_enter(h);
    while (h->dirty_head) {
        l4_hsock *s = h->dirty_head;
        if (s->tcp) {
            size_t hl = s->family == L4_AF_INET4 ? L4_IPV4_MIN_HDR : L4_IPV6_HDR;
            if (cap <= hl) {
                ret = L4_ERR_NOBUF;
                break;
            }
            uint8_t ecn = 0;
            l4_ssize n = l4_tcp_conn_output(s->tcp, buf + hl, cap - hl, &ecn, now);
            if (n == L4_ERR_NOBUF) {
                ret = n;
                break;
            }
            if (n > 0) {
                l4_ssize w = host_ip_header(h, buf, hl, &s->laddr, &s->raddr, L4_IPPROTO_TCP, ecn,
                                            (size_t)n);
                if (w < 0) {
                    ret = w;
                    break;
                }
                if (ifindex) {
                    const host_addr *a = host_find_addr(h, &s->laddr);
                    *ifindex = a ? a->ifindex : 0;
                }
                if (gso_size) {
                    size_t thl = (size_t)(buf[hl + 12] >> 4) * 4;
                    uint32_t g = l4_tcp_conn_gso_size(s->tcp, thl);
                    if ((size_t)n - thl > g)
                        *gso_size = (uint16_t)(g > 65535 ? 65535 : g);
                }
                h->st.ip_out++;
                sock_after_conn(h, s, now);
                ret = (l4_ssize)hl + n;
                break;
            }
        }
        /* drained: off the list */
        h->dirty_head = s->dnext;
        if (!h->dirty_head)
            h->dirty_tail = NULL;
        s->dnext = NULL;
        s->dirty = 0;
        if (s->tcp)
            sock_after_conn(h, s, now);
    }
    host_leave(h);
    return ret;
}

int l4_host_has_output(const l4_host *h)
{
    return h && (h->txq_head != NULL || h->dirty_head != NULL);
}

l4_time l4_host_next_timeout(const l4_host *h)
{
    if (!h)
        return L4_TIME_NONE;
    l4_time t = reasm_next_timeout(h);
    if (h->heap_len > 0 && h->heap[0]->deadline < t)
        t = h->heap[0]->deadline;
    return t;
}

int l4_host_handle_timeout(l4_host *h, l4_time now)
{
    if (!h)
        return L4_ERR_INVALID_ARGUMENT;
    h->now = now;
    reasm_expire(h, now);
    host_enter(h);
    /* Each connection due runs once per call: bounded even if a timer
       handler leaves a deadline at `now`. */
    size_t budget = h->heap_len;
    while (budget-- > 0 && h->heap_len > 0 && h->heap[0]->deadline <= now) {
        l4_hsock *s = h->heap[0];
        l4_tcp_conn_handle_timeout(s->tcp, now);
        sock_mark_dirty(h, s);
        sock_after_conn(h, s, now);
        if (s->heap_idx != SIZE_MAX && s->deadline <= now)
            timers_update(h, s, now + 1); /* never spin at one instant */
    }
    host_leave(h);
    return 0;
}

/* ---- error names ----------------------------------------------------------- */

int host_errno(int err)
{
    switch (err) {
    case L4_ERR_AGAIN:
        return L4_EAGAIN;
    case L4_ERR_NOMEM:
        return L4_ENOMEM;
    case L4_ERR_INVALID_ARGUMENT:
        return L4_EINVAL;
    case L4_ERR_STATE:
        return L4_ENOTCONN;
    case L4_ERR_LIMIT:
        return L4_ENOBUFS;
    default:
        return err;
    }
}

const char *l4_host_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case L4_EPERM:
        return "operation not permitted (EPERM)";
    case L4_EBADF:
        return "bad socket descriptor (EBADF)";
    case L4_EAGAIN:
        return "resource temporarily unavailable (EAGAIN)";
    case L4_ENOMEM:
        return "out of memory (ENOMEM)";
    case L4_EINVAL:
        return "invalid argument (EINVAL)";
    case L4_EMFILE:
        return "too many open sockets (EMFILE)";
    case L4_EPIPE:
        return "broken pipe (EPIPE)";
    case L4_EDESTADDRREQ:
        return "destination address required (EDESTADDRREQ)";
    case L4_EMSGSIZE:
        return "message too long (EMSGSIZE)";
    case L4_EPROTOTYPE:
        return "wrong socket type (EPROTOTYPE)";
    case L4_EOPNOTSUPP:
        return "operation not supported (EOPNOTSUPP)";
    case L4_EAFNOSUPPORT:
        return "address family not supported (EAFNOSUPPORT)";
    case L4_EADDRINUSE:
        return "address already in use (EADDRINUSE)";
    case L4_EADDRNOTAVAIL:
        return "cannot assign requested address (EADDRNOTAVAIL)";
    case L4_ECONNABORTED:
        return "connection aborted (ECONNABORTED)";
    case L4_ECONNRESET:
        return "connection reset by peer (ECONNRESET)";
    case L4_ENOBUFS:
        return "no buffer space available (ENOBUFS)";
    case L4_EISCONN:
        return "already connected (EISCONN)";
    case L4_ENOTCONN:
        return "not connected (ENOTCONN)";
    case L4_ETIMEDOUT:
        return "connection timed out (ETIMEDOUT)";
    case L4_ECONNREFUSED:
        return "connection refused (ECONNREFUSED)";
    case L4_EALREADY:
        return "operation already in progress (EALREADY)";
    case L4_EINPROGRESS:
        return "operation in progress (EINPROGRESS)";
    default:
        return l4_strerror(err);
    }
}
