/*
 * tests/tcp/harness.h — segment-in / segment-out helpers for TCP engine
 * tests (header only, like smoltcp's send!/recv!): build a segment, feed it
 * at virtual time T, and take the exact segment the engine emits.
 */
#ifndef L4_TESTS_TCP_HARNESS_H
#define L4_TESTS_TCP_HARNESS_H

#include <string.h>

#include "tcp/conn.h"
#include "wire/tcp.h"

/* Our end is 10.0.0.1:1000 with ISN LOCAL_ISS; the peer 10.0.0.2:2000 with REMOTE_ISS. */
#define LOCAL_PORT  1000
#define REMOTE_PORT 2000
#define LOCAL_ISS   10000u
#define REMOTE_ISS  20000u

typedef struct th_events {
    int established, readable, writable, peer_fin, closed, urgent;
    l4_tcp_close_reason reason;
    uint64_t urgent_offset;
} th_events;

static void th_cb_established(l4_tcp_conn *c, void *u)
{
    (void)c;
    ((th_events *)u)->established++;
}
static void th_cb_readable(l4_tcp_conn *c, void *u)
{
    (void)c;
    ((th_events *)u)->readable++;
}
static void th_cb_writable(l4_tcp_conn *c, void *u)
{
    (void)c;
    ((th_events *)u)->writable++;
}
static void th_cb_peer_fin(l4_tcp_conn *c, void *u)
{
    (void)c;
    ((th_events *)u)->peer_fin++;
}
static void th_cb_closed(l4_tcp_conn *c, void *u, l4_tcp_close_reason why)
{
    (void)c;
    ((th_events *)u)->closed++;
    ((th_events *)u)->reason = why;
}
static void th_cb_urgent(l4_tcp_conn *c, void *u, uint64_t off)
{
    (void)c;
    ((th_events *)u)->urgent++;
    ((th_events *)u)->urgent_offset = off;
}

static const l4_tcp_callbacks th_callbacks = {th_cb_established, th_cb_readable, th_cb_writable,
                                              th_cb_peer_fin,    th_cb_closed,   th_cb_urgent};

static l4_addr th_local(void)
{
    const uint8_t b[4] = {10, 0, 0, 1};
    return l4_addr_v4(b);
}
static l4_addr th_remote(void)
{
    const uint8_t b[4] = {10, 0, 0, 2};
    return l4_addr_v4(b);
}

/* Settings for script tests: fixed ISN, no options unless a test turns them on. */
static l4_tcp_settings th_settings(void)
{
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    s.force_isn = 1;
    s.isn = LOCAL_ISS;
    s.timestamps = 0;
    s.sack = 0;
    s.window_scale = 0;
    s.mss = 1000;
    s.sndbuf = 64 * 1024;
    s.rcvbuf = 64 * 1024;
    return s;
}

/* A segment from the peer: flags, seq, ack, window, payload. */
static l4_tcp_hdr th_seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const void *data,
                         size_t len)
{
    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = REMOTE_PORT;
    h.dport = LOCAL_PORT;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.window = win;
    h.hdr_len = 20;
    h.payload = data;
    h.payload_len = len;
    return h;
}

/* Feeds one segment (from the remote address). Returns the input result. */
static int th_send(l4_tcp_conn *c, const l4_tcp_hdr *h, l4_time now)
{
    l4_addr ra = th_remote();
    return l4_tcp_conn_input_from(c, &ra, h, 0, now);
}

/* The IP ECN codepoint of the last segment th_recv took. */
static uint8_t th_last_ecn;

/* Takes the next segment the engine writes at `now` into `out` (payload in
   `buf`), verifying its checksum. Returns 1 when there was one, 0 when none,
   negative on a parse/output error. */
static int th_recv(l4_tcp_conn *c, uint8_t *buf, size_t cap, l4_tcp_hdr *out, l4_time now)
{
    uint8_t ecn = 0xff;
    l4_ssize n = l4_tcp_conn_output(c, buf, cap, &ecn, now);
    if (n <= 0)
        return (int)n;
    if (ecn > 3)
        return -1000;
    th_last_ecn = ecn;
    l4_addr la = th_local(), ra = th_remote();
    int r = l4_tcp_parse(out, buf, (size_t)n, &la, &ra);
    if (r)
        return r;
    return 1;
}

#endif
