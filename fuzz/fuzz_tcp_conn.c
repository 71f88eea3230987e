/*
 * fuzz/fuzz_tcp_conn.c — arbitrary segment sequences fed to a listening and
 * to an established TCP connection, with timeouts and application calls
 * interleaved.
 *
 * Input: byte 0 (bit 0: listen instead of established, bit 1: ECN on,
 * bits 2-3: the congestion control — reno, cubic, dctcp, bbr — so the DCTCP
 * echo, pacing and delivery-rate paths are fuzzed too, bit 4: segmentation
 * offload, tso_max 8, bounded by the 1600-byte output buffer), then
 * records of [op][len lo][len hi][len bytes]. The low bits of op pick
 * the action; a segment's bytes are parsed with l4_tcp_parse (no checksum),
 * its ports forced to the connection's, and with op bit 0x40 its seq/ack made
 * relative to the connection's RCV.NXT / SND.UNA so the deep states are
 * reachable. Invariants after every step: SND.UNA <= SND.NXT <= SND.MAX,
 * buffers within their capacity, every emitted segment parses and fits,
 * output ends (no endless segment stream), timeouts never go backwards.
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "tcp/conn.h"
#include "tcp/seq.h"
#include "wire/tcp.h"

#define FZ_BUF 256

typedef struct fz {
    l4_tcp_conn *c;
    l4_addr self, peer;
    uint16_t lport, rport;
} fz;

static void fz_check(fz *f, l4_time now)
{
    l4_tcp_info i;
    l4_tcp_conn_get_info(f->c, &i);
    if (i.state != L4_TCP_LISTEN && i.state != L4_TCP_CLOSED) {
        FUZZ_CHECK(l4_seq_le(i.snd_una, i.snd_nxt));
        FUZZ_CHECK(l4_seq_le(i.snd_nxt, i.snd_max));
    }
    FUZZ_CHECK(l4_tcp_conn_send_queued(f->c) <= 4096);
    FUZZ_CHECK(l4_tcp_conn_recv_ready(f->c) <= 4096);
    uint8_t out[1600];
    int n = 0;
    for (;;) {
        uint8_t ecn;
        l4_ssize r = l4_tcp_conn_output(f->c, out, sizeof out, &ecn, now);
        FUZZ_CHECK(r >= 0);
        if (r == 0)
            break;
        FUZZ_CHECK((size_t)r <= sizeof out);
        l4_tcp_hdr h;
        FUZZ_CHECK(l4_tcp_parse(&h, out, (size_t)r, &f->self, &f->peer) == 0 ||
                   (h.flags & L4_TCP_RST)); /* a listener's RST goes elsewhere */
        FUZZ_CHECK(++n < 2000);
    }
    l4_time t = l4_tcp_conn_next_timeout(f->c);
    FUZZ_CHECK(t == L4_TIME_NONE || t + 1 > 0);
}

static const char *const FZ_CC[4] = {"reno", "cubic", "dctcp", "bbr"};

static int fz_new(fz *f, int listen, int ecn, int cc, int tso, l4_time now)
{
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    s.tso_max = tso ? 8 : 0;
    s.cc = FZ_CC[cc & 3];
    s.sndbuf = 4096;
    s.rcvbuf = 4096;
    s.mss = 536;
    s.force_isn = 1;
    s.isn = 0xfffff000u;
    s.keepalive = 1;
    s.keep_idle = 10 * L4_S;
    s.keep_intvl = L4_S;
    s.ecn = (uint8_t)ecn;
    fuzz_addrs(0, &f->self, &f->peer);
    f->lport = 80;
    f->rport = 5555;
    if (l4_tcp_conn_new(&f->c, &s, NULL, NULL) != 0)
        return -1;
    if (listen)
        return l4_tcp_conn_listen(f->c, &f->self, f->lport, now);
    if (l4_tcp_conn_connect(f->c, &f->self, f->lport, &f->peer, f->rport, now) != 0)
        return -1;
    uint8_t out[1600];
    uint8_t cp;
    if (l4_tcp_conn_output(f->c, out, sizeof out, &cp, now) <= 0)
        return -1;
    /* The peer's SYN-ACK with every option. */
    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = f->rport;
    h.dport = f->lport;
    h.seq = 1000;
    h.ack = s.isn + 1;
    h.flags = (uint8_t)(L4_TCP_SYN | L4_TCP_ACK | (ecn ? L4_TCP_ECE : 0));
    h.window = 4096;
    h.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_WSCALE | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS;
    h.opts.mss = 536;
    h.opts.wscale = 2;
    h.opts.ts_val = 1;
    l4_tcp_conn_input(f->c, &h, 0, now);
    return l4_tcp_conn_state(f->c) == L4_TCP_ESTABLISHED ? 0 : -1;
}

static void fz_step(fz *f, uint8_t op, const uint8_t *p, size_t n, l4_time *now)
{
    l4_tcp_info i;
    l4_tcp_conn_get_info(f->c, &i);
    switch (op & 7) {
    case 0:
    case 1:
    case 2: {
        l4_tcp_hdr h;
        if (l4_tcp_parse(&h, p, n, NULL, NULL) != 0)
            return;
        h.sport = f->rport;
        h.dport = f->lport;
        if (op & 0x40) {
            h.seq += i.rcv_nxt;
            h.ack += i.snd_una;
        }
        l4_tcp_conn_input_from(f->c, &f->peer, &h, op >> 6 & 3, *now);
        break;
    }
    case 3: {
        l4_time dt = n ? (l4_time)p[0] << (p[0] & 31) : L4_MS;
        *now += dt;
        l4_tcp_conn_handle_timeout(f->c, *now);
        break;
    }
    case 4: {
        l4_time t = l4_tcp_conn_next_timeout(f->c);
        if (t != L4_TIME_NONE && t >= *now && t - *now < 3600 * L4_S) {
            *now = t;
            l4_tcp_conn_handle_timeout(f->c, *now);
        }
        break;
    }
    case 5:
        l4_tcp_conn_send(f->c, p, n, *now);
        break;
    case 6: {
        uint8_t buf[FZ_BUF];
        l4_tcp_conn_recv(f->c, buf, n < sizeof buf ? n : sizeof buf, *now);
        break;
    }
    default:
        if (op & 0x80)
            l4_tcp_conn_close(f->c, *now);
        else if (op & 0x40)
            l4_tcp_conn_abort(f->c, *now);
        else
            l4_tcp_conn_shutdown(f->c, *now);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz f;
    memset(&f, 0, sizeof f);
    l4_time now = 5 * L4_S;
    if (fz_new(&f, data[0] & 1, data[0] >> 1 & 1, data[0] >> 2 & 3, data[0] >> 4 & 1, now) != 0) {
        l4_tcp_conn_del(f.c);
        return 0;
    }
    size_t pos = 1;
    while (pos + 3 <= size) {
        uint8_t op = data[pos];
        size_t n = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
        pos += 3;
        if (n > size - pos)
            n = size - pos;
        fz_step(&f, op, data + pos, n, &now);
        fz_check(&f, now);
        pos += n;
    }
    l4_tcp_conn_del(f.c);
    return 0;
}
