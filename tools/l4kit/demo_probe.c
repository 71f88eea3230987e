/* tools/l4kit/demo_probe.c — the prober and echo nodes of `l4kit demo`. */
#include "demo_probe.h"

#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "wire/ip.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

static const uint8_t demo_magic[8] = {'L', '4', 'K', 'I', 'T', 'D', 'M', 'O'};
#define DEMO_HDR 20 /* magic, seq, send time */

/* IPv4 + UDP around `payload`: returns the packet length or a negative error. */
static l4_ssize demo_build(uint8_t *buf, size_t cap, const l4_addr *src, const l4_addr *dst,
                           uint16_t sport, uint16_t dport, const uint8_t *payload, size_t plen,
                           uint16_t ip_id)
{
    if (cap < L4_IPV4_MIN_HDR)
        return L4_ERR_NOBUF;
    l4_udp_hdr u;
    memset(&u, 0, sizeof u);
    u.sport = sport;
    u.dport = dport;
    u.payload = payload;
    u.payload_len = plen;
    l4_ssize n = l4_udp_write(buf + L4_IPV4_MIN_HDR, cap - L4_IPV4_MIN_HDR, &u, src, dst);
    if (n < 0)
        return n;
    l4_ipv4_hdr h;
    memset(&h, 0, sizeof h);
    h.id = ip_id;
    h.df = 1;
    h.ttl = 64;
    h.proto = L4_IPPROTO_UDP;
    memcpy(h.src, src->bytes, 4);
    memcpy(h.dst, dst->bytes, 4);
    h.payload_len = (size_t)n;
    l4_ssize hl = l4_ipv4_write(buf, cap, &h);
    if (hl < 0)
        return hl;
    return hl + n;
}

static int demo_rx_init(demo_rx *rx, uint32_t count)
{
    memset(rx, 0, sizeof *rx);
    rx->seen = calloc(count ? count : 1, 1);
    rx->delays = calloc(count ? count : 1, sizeof *rx->delays);
    rx->order = calloc(count ? count : 1, sizeof *rx->order);
    return rx->seen && rx->delays && rx->order ? 0 : -1;
}

static void demo_rx_free(demo_rx *rx)
{
    free(rx->seen);
    free(rx->delays);
    free(rx->order);
    rx->seen = NULL;
    rx->delays = NULL;
    rx->order = NULL;
}

uint64_t demo_rx_rejected(const demo_rx *rx)
{
    return rx->bad_ip + rx->bad_udp + rx->malformed;
}

uint64_t demo_rx_early(const demo_rx *rx)
{
    /* Walk arrivals backwards keeping the lowest number that came later. */
    uint64_t early = 0;
    uint32_t low = UINT32_MAX;
    for (size_t i = rx->n_delays; i-- > 0;) {
        if (rx->order[i] > low)
            early++;
        else
            low = rx->order[i];
    }
    return early;
}

/*
 * Checks one arriving packet the way a host must (RFC 1122 §3.2.1.2: drop an
 * IPv4 datagram whose header checksum fails; RFC 768 / RFC 1122 §4.1.3.4: drop
 * a UDP datagram whose checksum fails), then the probe format. On success
 * returns the UDP header in *u and the sequence number and send time.
 */
static int demo_rx_check(demo_rx *rx, const l4_addr *self, uint32_t count, const uint8_t *pkt,
                         size_t len, l4_udp_hdr *u, l4_ip_pkt *ip, uint32_t *seq, l4_time *sent)
{
    rx->arrived++;
    int rc = l4_ip_parse(ip, pkt, len);
    if (rc == L4_ERR_CHECKSUM) {
        rx->bad_ip++;
        return -1;
    }
    if (rc || ip->proto != L4_IPPROTO_UDP || !l4_addr_eq(&ip->dst, self) || ip->is_fragment) {
        rx->malformed++;
        return -1;
    }
    rc = l4_udp_parse(u, ip->payload, ip->payload_len, &ip->src, &ip->dst);
    if (rc == L4_ERR_CHECKSUM) {
        rx->bad_udp++;
        return -1;
    }
    if (rc || u->payload_len < DEMO_HDR || memcmp(u->payload, demo_magic, 8) != 0 ||
        l4_get_u32(u->payload + 8) >= count) {
        rx->malformed++;
        return -1;
    }
    *seq = l4_get_u32(u->payload + 8);
    *sent = l4_get_u64(u->payload + 12);
    rx->good++;
    return 0;
}

/* Sequence bookkeeping of a good datagram; returns 1 for the first copy. */
static int demo_rx_seq(demo_rx *rx, uint32_t seq, l4_time delay)
{
    if (rx->seen[seq]) {
        rx->dup++;
        return 0;
    }
    rx->seen[seq] = 1;
    rx->unique++;
    if (rx->any && seq < rx->max_seq)
        rx->late++; /* a higher number arrived before it: reordered on the way */
    if (!rx->any || seq > rx->max_seq)
        rx->max_seq = seq;
    rx->any = 1;
    rx->order[rx->n_delays] = seq;
    rx->delays[rx->n_delays++] = delay;
    return 1;
}

/* ---- the prober ---- */

int demo_prober_init(demo_prober *p, const l4_addr *self, const l4_addr *peer, uint32_t count,
                     size_t payload, l4_time interval)
{
    memset(p, 0, sizeof *p);
    p->self = *self;
    p->peer = *peer;
    p->sport = 40000;
    p->dport = 7; /* the echo service (RFC 862) */
    p->count = count;
    p->payload = payload < DEMO_HDR ? DEMO_HDR : payload;
    p->interval = interval;
    return demo_rx_init(&p->rx, count);
}

void demo_prober_free(demo_prober *p)
{
    demo_rx_free(&p->rx);
}

static void prober_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    (void)ifindex;
    demo_prober *p = user;
    l4_udp_hdr u;
    l4_ip_pkt ip;
    uint32_t seq;
    l4_time sent;
    if (demo_rx_check(&p->rx, &p->self, p->count, pkt, len, &u, &ip, &seq, &sent))
        return;
    demo_rx_seq(&p->rx, seq, now - sent); /* a round trip */
}

static l4_ssize prober_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    demo_prober *p = user;
    *ifindex = 0;
    if (p->next_seq >= p->count || now < p->next_at)
        return 0;
    uint8_t payload[DEMO_MAX_PKT];
    if (p->payload > sizeof payload - 28)
        return L4_ERR_INVALID_ARGUMENT;
    memcpy(payload, demo_magic, 8);
    l4_put_u32(payload + 8, p->next_seq);
    l4_put_u64(payload + 12, now);
    for (size_t i = DEMO_HDR; i < p->payload; i++)
        payload[i] = (uint8_t)(i + p->next_seq);
    l4_ssize n = demo_build(buf, cap, &p->self, &p->peer, p->sport, p->dport, payload, p->payload,
                            (uint16_t)p->next_seq);
    if (n < 0)
        return n;
    memcpy(p->last, buf, (size_t)n);
    p->last_len = (size_t)n;
    p->next_seq++;
    p->next_at += p->interval;
    return n;
}

static l4_time prober_next_timeout(void *user)
{
    demo_prober *p = user;
    return p->next_seq < p->count ? p->next_at : L4_TIME_NONE;
}

static void prober_handle_timeout(void *user, l4_time now)
{
    (void)user;
    (void)now; /* the simulator drains output right after */
}

const l4_sim_node_ops demo_prober_ops = {prober_input, prober_output, prober_next_timeout,
                                         prober_handle_timeout};

/* ---- the echo host ---- */

int demo_echo_init(demo_echo *e, const l4_addr *self, uint32_t count)
{
    memset(e, 0, sizeof *e);
    e->self = *self;
    e->count = count;
    return demo_rx_init(&e->rx, count);
}

void demo_echo_free(demo_echo *e)
{
    demo_rx_free(&e->rx);
}

static void echo_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    (void)ifindex;
    demo_echo *e = user;
    l4_udp_hdr u;
    l4_ip_pkt ip;
    uint32_t seq;
    l4_time sent;
    if (demo_rx_check(&e->rx, &e->self, e->count, pkt, len, &u, &ip, &seq, &sent))
        return;
    demo_rx_seq(&e->rx, seq, now - sent); /* one way */
    /* Echo every good datagram, duplicates included (RFC 862). */
    if (e->q_n == 8) {
        e->q_full++;
        return;
    }
    unsigned slot = (e->q_head + e->q_n) % 8;
    l4_ssize n = demo_build(e->q[slot], DEMO_MAX_PKT, &e->self, &ip.src, u.dport, u.sport,
                            u.payload, u.payload_len, (uint16_t)(seq ^ 0x8000));
    if (n > 0) {
        e->q_len[slot] = (size_t)n;
        e->q_n++;
    }
}

static l4_ssize echo_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    (void)now;
    demo_echo *e = user;
    *ifindex = 0;
    if (!e->q_n)
        return 0;
    size_t n = e->q_len[e->q_head];
    if (n > cap)
        return L4_ERR_NOBUF;
    memcpy(buf, e->q[e->q_head], n);
    memcpy(e->last, buf, n);
    e->last_len = n;
    e->q_head = (e->q_head + 1) % 8;
    e->q_n--;
    return (l4_ssize)n;
}

static l4_time echo_next_timeout(void *user)
{
    (void)user;
    return L4_TIME_NONE;
}

static void echo_handle_timeout(void *user, l4_time now)
{
    (void)user;
    (void)now;
}

const l4_sim_node_ops demo_echo_ops = {echo_input, echo_output, echo_next_timeout,
                                       echo_handle_timeout};
