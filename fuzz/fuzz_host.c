/*
 * fuzz/fuzz_host.c — arbitrary packets into a host that has a TCP listener
 * (port 80, IPv4 and IPv6), a bound UDP socket (port 53, demultiplexing
 * QUIC connection IDs: datagrams are read with l4_socket_quic_recv, and
 * the first 8 bytes after a short header byte of each UDP record become a
 * routed ID) and an established TCP connection with a second host.
 *
 * Input: records of [op][len hi][len lo][len bytes]. op & 3 picks what the
 * bytes are: 0 a raw IP packet; 1 a TCP segment, 2 a UDP datagram, 3 an ICMP
 * message — each wrapped in an IP header from the peer to the host with its
 * checksums fixed, so the fuzzer gets past them. op & 4: for TCP, force the
 * ports of the established connection (and UDP: port 53). op & 8: IPv6.
 * op & 0x10: advance the clock by len * 37 ms first and run timers.
 * op & 0x20: send the wrapped bytes as an IP fragment (exercises reassembly):
 * MF from op & 0x40, offset (x 8) from the first two bytes when op & 0x80.
 * (op & 7) == 4: answer the last SYN-ACK the host sent (a SYN cookie once the
 * IPv4 listener's backlog of 2 is full, SYN cookies being on and recycling
 * waiting 2 s): an ACK with seq/ack/TSecr right, then bytes[0] or-ed into the
 * flags, bytes[1] added to the ACK number, bytes[2] xor-ed into TSecr, the
 * rest as data — so valid, tampered and data-carrying cookie ACKs reach the
 * host.
 * Invariants: every packet the host emits parses as IP, comes from one of
 * its addresses and verifies; a datagram routes only to the one connection
 * registered; nothing leaks or crashes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "host/host.h"
#include "host/quic_cid.h"
#include "host/socket.h"
#include "util/bytes.h"
#include "wire/cksum.h"
#include "wire/ip.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"

static uint8_t fz_out[65536];
static uint8_t fz_pkt[70000];

/* The last SYN-ACK host `a` sent. */
static struct {
    int valid;
    l4_addr src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack, ts_val;
    int has_ts;
} fz_sa;

static void fz_drain(l4_host *from, l4_host *to, l4_time now)
{
    for (int i = 0; i < 10000; i++) {
        l4_ssize n = l4_host_output(from, fz_out, sizeof fz_out, now);
        FUZZ_CHECK(n >= 0);
        if (n == 0)
            return;
        l4_ip_pkt ip;
        FUZZ_CHECK(l4_ip_parse(&ip, fz_out, (size_t)n) == 0);
        FUZZ_CHECK(l4_host_has_addr(from, &ip.src));
        if (ip.proto == L4_IPPROTO_TCP) {
            l4_tcp_hdr th;
            FUZZ_CHECK(l4_tcp_parse(&th, ip.payload, ip.payload_len, &ip.src, &ip.dst) == 0);
            if ((th.flags & (L4_TCP_SYN | L4_TCP_ACK)) == (L4_TCP_SYN | L4_TCP_ACK) && !to) {
                fz_sa.valid = 1;
                fz_sa.src = ip.src;
                fz_sa.dst = ip.dst;
                fz_sa.sport = th.sport;
                fz_sa.dport = th.dport;
                fz_sa.seq = th.seq;
                fz_sa.ack = th.ack;
                fz_sa.has_ts = (th.opts.present & L4_TCP_HAS_TS) != 0;
                fz_sa.ts_val = th.opts.ts_val;
            }
        }
        if (to)
            l4_host_input(to, fz_out, (size_t)n, now);
    }
}

static void fz_fix(uint8_t *seg, size_t len, uint8_t proto, const l4_addr *src, const l4_addr *dst)
{
    size_t off;
    uint32_t sum = 0;
    if (proto == L4_IPPROTO_TCP) {
        if (len < 18)
            return;
        off = 16;
        sum = l4_cksum_pseudo(src, dst, proto, (uint32_t)len);
    } else if (proto == L4_IPPROTO_UDP) {
        if (len < 8)
            return;
        l4_put_u16(seg + 4, (uint16_t)len);
        off = 6;
        sum = l4_cksum_pseudo(src, dst, proto, (uint32_t)len);
    } else {
        if (len < 4)
            return;
        off = 2;
        if (proto == L4_IPPROTO_ICMPV6)
            sum = l4_cksum_pseudo(src, dst, proto, (uint32_t)len);
    }
    seg[off] = seg[off + 1] = 0;
    uint16_t c = l4_cksum_finish(l4_cksum_add(sum, seg, len));
    if (proto == L4_IPPROTO_UDP && c == 0)
        c = 0xffff;
    l4_put_u16(seg + off, c);
}

/* The ACK answering the last SYN-ACK, tampered as `d` says (see the top). */
static void fz_answer_synack(l4_host *a, const uint8_t *d, size_t len, l4_time now)
{
    if (!fz_sa.valid)
        return;
    l4_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.sport = fz_sa.dport;
    t.dport = fz_sa.sport;
    t.seq = fz_sa.ack;
    t.ack = fz_sa.seq + 1 + (len > 1 ? d[1] : 0);
    t.flags = (uint8_t)(L4_TCP_ACK | (len > 0 ? d[0] : 0));
    t.window = 1024;
    if (fz_sa.has_ts) {
        t.opts.present = L4_TCP_HAS_TS;
        t.opts.ts_val = 99;
        t.opts.ts_ecr = fz_sa.ts_val ^ (len > 2 ? d[2] : 0);
    }
    if (len > 3) {
        t.payload = d + 3;
        t.payload_len = len - 3 > 1400 ? 1400 : len - 3;
    }
    int v6 = fz_sa.src.family == L4_AF_INET6;
    size_t hl = v6 ? 40 : 20;
    l4_ssize n = l4_tcp_write(fz_pkt + hl, sizeof fz_pkt - hl, &t, &fz_sa.dst, &fz_sa.src);
    if (n <= 0)
        return;
    if (v6) {
        l4_ipv6_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.next_header = L4_IPPROTO_TCP;
        ih.hop_limit = 64;
        memcpy(ih.src, fz_sa.dst.bytes, 16);
        memcpy(ih.dst, fz_sa.src.bytes, 16);
        ih.payload_len = (size_t)n;
        FUZZ_CHECK(l4_ipv6_write(fz_pkt, hl, &ih) > 0);
    } else {
        l4_ipv4_hdr ih;
        memset(&ih, 0, sizeof ih);
        ih.ttl = 64;
        ih.proto = L4_IPPROTO_TCP;
        memcpy(ih.src, fz_sa.dst.bytes, 4);
        memcpy(ih.dst, fz_sa.src.bytes, 4);
        ih.payload_len = (size_t)n;
        FUZZ_CHECK(l4_ipv4_write(fz_pkt, hl, &ih) > 0);
    }
    l4_host_input(a, fz_pkt, hl + (size_t)n, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.seed = 1;
    cfg.tcp.sndbuf = cfg.tcp.rcvbuf = 16384;
    cfg.tcp_syn_recycle = 1;            /* cover the SYN-queue recycling path ... */
    cfg.tcp_syn_recycle_age = 2 * L4_S; /* ... and, before that, SYN cookies */
    l4_host *a = NULL, *b = NULL;
    if (l4_host_new(&a, &cfg) < 0)
        return 0;
    cfg.seed = 2;
    if (l4_host_new(&b, &cfg) < 0) {
        l4_host_del(a);
        return 0;
    }
    l4_addr a4, b4, a6, b6;
    l4_addr_parse(&a4, "10.0.0.1");
    l4_addr_parse(&b4, "10.0.0.2");
    l4_addr_parse(&a6, "fd00::1");
    l4_addr_parse(&b6, "fd00::2");
    l4_host_add_addr(a, 0, &a4, 24);
    l4_host_add_addr(a, 0, &a6, 64);
    l4_host_add_addr(b, 0, &b4, 24);
    l4_host_add_addr(b, 0, &b6, 64);
    int l4s = l4_socket_open(a, L4_AF_INET4, L4_SOCK_STREAM);
    l4_socket_bind(a, l4s, NULL, 80);
    l4_socket_listen(a, l4s, 2);
    int l6s = l4_socket_open(a, L4_AF_INET6, L4_SOCK_STREAM);
    l4_socket_bind(a, l6s, NULL, 80);
    l4_socket_listen(a, l6s, 16);
    int us = l4_socket_open(a, L4_AF_INET4, L4_SOCK_DGRAM);
    l4_socket_bind(a, us, NULL, 53);
    static int fz_conn; /* the one connection the demultiplexer may name */
    FUZZ_CHECK(l4_socket_quic_enable(a, us, 8) == 0);
    int c = l4_socket_open(b, L4_AF_INET4, L4_SOCK_STREAM);
    l4_socket_connect(b, c, &a4, 80, 0);
    for (int i = 0; i < 4; i++) {
        fz_drain(b, a, 0);
        fz_drain(a, b, 0);
    }
    int acc = l4_socket_accept(a, l4s, NULL, NULL);
    FUZZ_CHECK(acc >= 0);
    FUZZ_CHECK(l4_socket_state(b, c) == L4_TCP_ESTABLISHED);
    uint16_t cport = 0;
    l4_socket_local(b, c, NULL, &cport);
    l4_socket_send(a, acc, "server says hi", 14, 0);

    fz_sa.valid = 0;
    l4_time now = 0;
    size_t pos = 0;
    int records = 0;
    while (pos + 3 <= size && records++ < 64) {
        uint8_t op = data[pos];
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        const uint8_t *d = data + pos;
        pos += len;
        if (op & 0x10) {
            now += (l4_time)len * 37 * L4_MS;
            l4_host_handle_timeout(a, now);
        }
        int v6 = (op & 8) != 0;
        const l4_addr *src = v6 ? &b6 : &b4, *dst = v6 ? &a6 : &a4;
        if ((op & 7) == 4) {
            fz_answer_synack(a, d, len, now);
        } else if ((op & 3) == 0) {
            l4_host_input(a, d, len, now);
        } else {
            uint8_t proto = (op & 3) == 1   ? L4_IPPROTO_TCP
                            : (op & 3) == 2 ? L4_IPPROTO_UDP
                            : v6            ? L4_IPPROTO_ICMPV6
                                            : L4_IPPROTO_ICMP;
            int is_frag = (op & 0x20) != 0;
            uint16_t foff = 0;
            if (is_frag && (op & 0x80) && len >= 2)
                foff = (uint16_t)((d[0] << 8 | d[1]) & 0x1fff);
            size_t hl = v6 ? (is_frag ? 48 : 40) : 20;
            if (len > 65535 - 60)
                len = 65535 - 60;
            memcpy(fz_pkt + hl, d, len);
            uint8_t *seg = fz_pkt + hl;
            if ((op & 4) && proto == L4_IPPROTO_TCP && len >= 4) {
                l4_put_u16(seg, v6 ? 1234 : cport);
                l4_put_u16(seg + 2, 80);
            }
            if ((op & 4) && proto == L4_IPPROTO_UDP && len >= 4)
                l4_put_u16(seg + 2, 53);
            if (proto == L4_IPPROTO_UDP && len >= 17) { /* route this datagram's ID */
                l4_quic_cid id;
                id.len = 8;
                memcpy(id.data, seg + 9, 8);
                int rc = l4_socket_quic_cid_add(a, us, &id, &fz_conn);
                FUZZ_CHECK(rc == 0 || rc == L4_ENOMEM);
                if (op & 0x40)
                    l4_socket_quic_cid_del(a, us, &id);
            }
            fz_fix(seg, len, proto, src, dst);
            /* IP header written by hand (not with the host's code) */
            memset(fz_pkt, 0, hl);
            if (v6) {
                fz_pkt[0] = 0x60;
                l4_put_u16(fz_pkt + 4, (uint16_t)(len + (is_frag ? 8 : 0)));
                fz_pkt[6] = proto;
                if (is_frag) {
                    fz_pkt[6] = 44;
                    fz_pkt[40] = proto;
                    l4_put_u16(fz_pkt + 42, (uint16_t)(foff << 3 | ((op & 0x40) ? 1 : 0)));
                    l4_put_u32(fz_pkt + 44, 7);
                }
                fz_pkt[7] = 64;
                memcpy(fz_pkt + 8, src->bytes, 16);
                memcpy(fz_pkt + 24, dst->bytes, 16);
            } else {
                fz_pkt[0] = 0x45;
                l4_put_u16(fz_pkt + 2, (uint16_t)(hl + len));
                if (is_frag)
                    l4_put_u16(fz_pkt + 6, (uint16_t)(foff | ((op & 0x40) ? 0x2000 : 0)));
                fz_pkt[8] = 64;
                fz_pkt[9] = proto;
                memcpy(fz_pkt + 12, src->bytes, 4);
                memcpy(fz_pkt + 16, dst->bytes, 4);
                l4_put_u16(fz_pkt + 10, l4_cksum(fz_pkt, 20));
            }
            l4_host_input(a, fz_pkt, hl + len, now);
        }
        fz_drain(a, NULL, now);
        /* the application reads and writes a little each round */
        uint8_t buf[512];
        l4_socket_recv(a, acc, buf, sizeof buf, now);
        l4_socket_send(a, acc, buf, 100, now);
        void *routed = NULL;
        l4_socket_quic_recv(a, us, buf, sizeof buf, NULL, NULL, &routed, now);
        FUZZ_CHECK(routed == NULL || routed == &fz_conn);
        int n = l4_socket_accept(a, l4s, NULL, NULL);
        if (n >= 0)
            l4_socket_close(a, n, now);
        fz_drain(a, NULL, now);
    }
    l4_host_handle_timeout(a, now + 300 * L4_S);
    fz_drain(a, NULL, now + 300 * L4_S);
    l4_host_del(a);
    l4_host_del(b);
    return 0;
}
