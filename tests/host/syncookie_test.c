/*
 * tests/host/syncookie_test.c — SYN cookies through the host, segment by
 * segment (RFC 4987 §3.6): the cookie SYN-ACK keeps no state, a valid ACK
 * carrying data creates an ESTABLISHED connection the application accepts
 * and reads, a wrong or stale cookie gets the RST of RFC 9293 §3.10.7.2, a
 * listener that has sent no cookies lately treats any ACK as a stray one,
 * a full accept queue drops a valid cookie ACK until the peer retransmits,
 * and IPv6 works the same.
 */
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "host/host.h"
#include "host/socket.h"
#include "tcp/syncookie.h"
#include "wire/ip.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"

static uint8_t pkt[2048];

/* Wraps `t` from src to dst in an IP header; returns the packet length. */
static size_t mk(const l4_tcp_hdr *t, const l4_addr *src, const l4_addr *dst)
{
    size_t hl = src->family == L4_AF_INET4 ? 20 : 40;
    l4_ssize n = l4_tcp_write(pkt + hl, sizeof pkt - hl, t, src, dst);
    CHECK(n > 0);
    if (src->family == L4_AF_INET4) {
        l4_ipv4_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.ttl = 64;
        ih.proto = L4_IPPROTO_TCP;
        memcpy(ih.src, src->bytes, 4);
        memcpy(ih.dst, dst->bytes, 4);
        ih.payload_len = (size_t)n;
        CHECK(l4_ipv4_write(pkt, 20, &ih) > 0);
    } else {
        l4_ipv6_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.next_header = L4_IPPROTO_TCP;
        ih.hop_limit = 64;
        memcpy(ih.src, src->bytes, 16);
        memcpy(ih.dst, dst->bytes, 16);
        ih.payload_len = (size_t)n;
        CHECK(l4_ipv6_write(pkt, 40, &ih) > 0);
    }
    return hl + (size_t)n;
}

/* The next TCP segment the host sends (1), or 0 when it sends nothing. */
static int next_seg(l4_host *h, l4_time now, l4_tcp_hdr *out)
{
    static uint8_t buf[2048];
    l4_ssize n = l4_host_output(h, buf, sizeof buf, now);
    CHECK(n >= 0);
    if (n == 0)
        return 0;
    l4_ip_pkt ip;
    CHECK_EQ(l4_ip_parse(&ip, buf, (size_t)n), 0);
    CHECK_EQ(ip.proto, L4_IPPROTO_TCP);
    CHECK_EQ(l4_tcp_parse(out, ip.payload, ip.payload_len, &ip.src, &ip.dst), 0);
    return 1;
}

static l4_tcp_hdr syn_from(uint16_t sport, uint32_t isn, int opts)
{
    l4_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.sport = sport;
    t.dport = 80;
    t.seq = isn;
    t.flags = L4_TCP_SYN;
    t.window = 65535;
    if (opts) {
        t.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_WSCALE | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS;
        t.opts.mss = 1460;
        t.opts.wscale = 7;
        t.opts.ts_val = 1000;
    }
    return t;
}

/* The ACK answering SYN-ACK `sa` for SYN `syn`, with `data`. */
static l4_tcp_hdr ack_for(const l4_tcp_hdr *syn, const l4_tcp_hdr *sa, const char *data)
{
    l4_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.sport = syn->sport;
    t.dport = 80;
    t.seq = syn->seq + 1;
    t.ack = sa->seq + 1;
    t.flags = L4_TCP_ACK;
    t.window = 500;
    if (sa->opts.present & L4_TCP_HAS_TS) {
        t.opts.present = L4_TCP_HAS_TS;
        t.opts.ts_val = 1010;
        t.opts.ts_ecr = sa->opts.ts_val;
    }
    if (data) {
        t.flags |= L4_TCP_PSH;
        t.payload = (const uint8_t *)data;
        t.payload_len = strlen(data);
    }
    return t;
}

static l4_host *cookie_host(uint8_t mode, int v6, int backlog, int *lsd)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.tcp_syncookies = mode;
    cfg.tcp.rcvbuf = 1u << 20;
    l4_host *h = th_host(42, 1, &cfg);
    CHECK(h != NULL);
    *lsd = l4_socket_open(h, v6 ? L4_AF_INET6 : L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(h, *lsd, NULL, 80), 0);
    CHECK_EQ(l4_socket_listen(h, *lsd, backlog), 0);
    return h;
}

static void run_always(int v6)
{
    int l;
    l4_host *h = cookie_host(2, v6, 4, &l);
    l4_addr me = th_addr(v6 ? "fd00::1" : "10.0.0.1"), peer = th_addr(v6 ? "fd00::9" : "10.0.0.9");
    l4_time now = 10 * L4_S;
    l4_tcp_hdr syn = syn_from(5555, 0x01020304u, 1), sa, r;
    l4_host_input(h, pkt, mk(&syn, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &sa), 1);
    CHECK_EQU(sa.flags, L4_TCP_SYN | L4_TCP_ACK);
    CHECK_EQU(sa.ack, 0x01020305u);
    CHECK_EQU(sa.opts.mss, v6 ? 1440 : 1460);
    CHECK_EQ(next_seg(h, now, &r), 0);
    /* Stateless: nothing was created. */
    l4_socket_info in;
    CHECK_EQ(l4_socket_info_get(h, l, &in), 0);
    CHECK_EQU(in.syn_queue, 0);
    CHECK_EQU(l4_host_socket_count(h), 1);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_sent, 1);

    /* The ACK, with data, 20 s later. */
    now += 20 * L4_S;
    l4_tcp_hdr ack = ack_for(&syn, &sa, "hello cookie");
    l4_host_input(h, pkt, mk(&ack, &peer, &me), now);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_ok, 1);
    CHECK_EQU(l4_host_stats_get(h)->tcp_rst_sent, 0);
    l4_addr pa;
    uint16_t pp = 0;
    int sd = l4_socket_accept(h, l, &pa, &pp);
    CHECK(sd >= 0);
    CHECK(l4_addr_eq(&pa, &peer));
    CHECK_EQU(pp, 5555);
    CHECK_EQ(l4_socket_state(h, sd), L4_TCP_ESTABLISHED);
    char buf[64];
    CHECK_EQ(l4_socket_recv(h, sd, buf, sizeof buf, now), 12);
    CHECK_MEM(buf, "hello cookie", 12);
    /* The reply goes out on the cookie's sequence numbers, with the peer's window scaled. */
    CHECK_EQ(l4_socket_send(h, sd, "hi", 2, now), 2);
    CHECK_EQ(next_seg(h, now, &r), 1);
    CHECK_EQU(r.seq, sa.seq + 1);
    CHECK_EQU(r.ack, syn.seq + 1 + 12);
    CHECK_EQU(r.payload_len, 2);
    CHECK_EQU(r.opts.ts_ecr, 1010);
    CHECK_EQ(l4_socket_info_get(h, sd, &in), 0);
    CHECK_EQU(in.tcp.snd_wnd, 500u << 7);
    l4_socket_close(h, sd, now);
    l4_host_del(h);
}

static void test_always_v4(void)
{
    run_always(0);
}

static void test_always_v6(void)
{
    run_always(1);
}

/* A wrong cookie and a stale one: RST <SEQ=SEG.ACK> (RFC 9293 §3.10.7.2). */
static void test_bad_and_stale(void)
{
    int l;
    l4_host *h = cookie_host(2, 0, 4, &l);
    l4_addr me = th_addr("10.0.0.1"), peer = th_addr("10.0.0.9");
    l4_time now = 1000 * L4_S;
    l4_tcp_hdr syn = syn_from(6000, 77, 1), sa, r;
    l4_host_input(h, pkt, mk(&syn, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &sa), 1);
    l4_tcp_hdr ack = ack_for(&syn, &sa, NULL);
    ack.ack += 1;
    l4_host_input(h, pkt, mk(&ack, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &r), 1);
    CHECK_EQU(r.flags, L4_TCP_RST);
    CHECK_EQU(r.seq, ack.ack);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_failed, 1);
    /* The right cookie from another source port (a spoofer's guess): RST. */
    ack = ack_for(&syn, &sa, NULL);
    ack.sport = 6001;
    l4_host_input(h, pkt, mk(&ack, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &r), 1);
    CHECK_EQU(r.flags, L4_TCP_RST);
    /* The right ACK after two cookie periods: stale. */
    ack = ack_for(&syn, &sa, NULL);
    now += 2 * L4_SYNCOOKIE_PERIOD;
    l4_host_input(h, pkt, mk(&ack, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &r), 1);
    CHECK_EQU(r.flags, L4_TCP_RST);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_failed, 3);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_ok, 0);
    CHECK_EQU(l4_host_socket_count(h), 1);
    l4_host_del(h);
}

/* Mode 1: cookies only after the SYN queue overflowed. A listener that sent
   none (lately) answers even a valid cookie ACK with a RST. */
static void test_only_after_overflow(void)
{
    int l1, l2;
    l4_host *always = cookie_host(2, 0, 1, &l1);
    l4_host *h = cookie_host(1, 0, 1, &l2); /* same seed: same secret */
    l4_addr me = th_addr("10.0.0.1"), peer = th_addr("10.0.0.9");
    l4_time now = 50 * L4_S;
    l4_tcp_hdr syn = syn_from(7000, 1234, 0), sa, r;
    l4_host_input(always, pkt, mk(&syn, &peer, &me), now);
    CHECK_EQ(next_seg(always, now, &sa), 1);
    l4_tcp_hdr ack = ack_for(&syn, &sa, NULL);
    l4_host_input(h, pkt, mk(&ack, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &r), 1);
    CHECK_EQU(r.flags, L4_TCP_RST);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_failed, 0); /* not even checked */

    /* Fill h's SYN queue (backlog 1), then the next SYN gets a cookie, and
       its ACK a connection. */
    l4_tcp_hdr s1 = syn_from(7001, 1, 0);
    l4_host_input(h, pkt, mk(&s1, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &r), 1); /* an ordinary SYN-ACK */
    l4_tcp_hdr s2 = syn_from(7002, 2, 0), sa2;
    l4_host_input(h, pkt, mk(&s2, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &sa2), 1);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_sent, 1);
    ack = ack_for(&s2, &sa2, NULL);
    l4_host_input(h, pkt, mk(&ack, &peer, &me), now + L4_S);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_ok, 1);
    CHECK(l4_socket_accept(h, l2, NULL, NULL) >= 0);
    /* ... and the first ACK (same secret, a cookie of this listener's
       kind) is now welcome too, while cookies are recent. */
    ack = ack_for(&syn, &sa, NULL);
    l4_host_input(h, pkt, mk(&ack, &peer, &me), now + L4_S);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_ok, 2);
    l4_host_del(always);
    l4_host_del(h);
}

/* A valid cookie ACK while the accept queue is full is dropped, no RST;
   the peer's retransmitted data (same SEG.SEQ) gets in once there is room. */
static void test_accept_queue_full(void)
{
    int l;
    l4_host *h = cookie_host(2, 0, 1, &l);
    l4_addr me = th_addr("10.0.0.1"), peer = th_addr("10.0.0.9");
    l4_time now = 5 * L4_S;
    l4_tcp_hdr s1 = syn_from(8001, 100, 1), s2 = syn_from(8002, 200, 1), sa1, sa2, r;
    l4_host_input(h, pkt, mk(&s1, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &sa1), 1);
    l4_host_input(h, pkt, mk(&s2, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &sa2), 1);
    l4_tcp_hdr a1 = ack_for(&s1, &sa1, NULL), a2 = ack_for(&s2, &sa2, "data");
    l4_host_input(h, pkt, mk(&a1, &peer, &me), now);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_ok, 1);
    l4_host_input(h, pkt, mk(&a2, &peer, &me), now);
    CHECK_EQ(next_seg(h, now, &r), 0); /* dropped silently */
    CHECK_EQU(l4_host_stats_get(h)->tcp_accept_queue_full, 1);
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_ok, 1);
    CHECK(l4_socket_accept(h, l, NULL, NULL) >= 0);
    l4_host_input(h, pkt, mk(&a2, &peer, &me), now + L4_S); /* the retransmission */
    CHECK_EQU(l4_host_stats_get(h)->tcp_syncookies_ok, 2);
    int sd = l4_socket_accept(h, l, NULL, NULL);
    CHECK(sd >= 0);
    char buf[8];
    CHECK_EQ(l4_socket_recv(h, sd, buf, sizeof buf, now + L4_S), 4);
    CHECK_MEM(buf, "data", 4);
    l4_host_del(h);
}

static const l4_test TESTS[] = {TEST(test_always_v4),         TEST(test_always_v6),
                                TEST(test_bad_and_stale),     TEST(test_only_after_overflow),
                                TEST(test_accept_queue_full), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
