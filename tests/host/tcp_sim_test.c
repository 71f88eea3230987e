/*
 * tests/host/tcp_sim_test.c — two hosts in the emulator talking TCP through
 * the socket API over an impaired link: 1 MiB each way byte-exact with
 * half-close and close (every connection freed after TIME_WAIT), IPv6 too,
 * 200 concurrent clients of one listener, a full backlog, a connect to a
 * closed port (ECONNREFUSED), a SYN flood against a small backlog without a
 * defence, with recycling and with SYN cookies.
 */
#include <stdio.h>

#include "wire/ipv4.h"
#include "wire/tcp.h"

#include "app.h"
#include "check.h"
#include "host/sim_node.h"
#include "sim/sim.h"

typedef struct world {
    l4_sim *sim;
    l4_host *ha, *hb; /* a: server 10.0.0.1, b: client 10.0.0.2 */
    int na, nb;
    app sa, cb;
} world;

static world *world_new(uint64_t seed, const char *spec, l4_host_config *cfg)
{
    world *w = calloc(1, sizeof *w);
    w->sim = l4_sim_new(seed);
    w->ha = th_host(seed * 2 + 1, 1, cfg);
    w->hb = th_host(seed * 2 + 2, 2, cfg);
    w->na = l4_host_sim_add(w->sim, w->ha);
    w->nb = l4_host_sim_add(w->sim, w->hb);
    l4_link_spec ls;
    l4_link_spec_default(&ls);
    if (spec) {
        char err[128];
        CHECK_EQ(l4_link_spec_parse(&ls, spec, err, sizeof err), 0);
    }
    CHECK(l4_sim_connect(w->sim, w->na, 0, w->nb, 0, &ls, &ls) >= 0);
    return w;
}

static void world_del(world *w)
{
    l4_sim_del(w->sim);
    l4_host_del(w->ha);
    l4_host_del(w->hb);
    free(w);
}

static void run_transfer(uint64_t seed, const char *spec, int v6, uint64_t bytes, int nconns)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.tcp.msl = 2 * L4_S; /* short TIME_WAIT keeps the run short */
    world *w = world_new(seed, spec, &cfg);
    l4_addr sa = th_addr(v6 ? "fd00::1" : "10.0.0.1");
    app_init(&w->sa, w->ha, bytes, 0x5a, 0xc3);
    app_init(&w->cb, w->hb, bytes, 0xc3, 0x5a);
    CHECK(app_listen(&w->sa, &sa, 80, 256) >= 0);
    for (int i = 0; i < nconns; i++)
        CHECK(app_connect(&w->cb, &sa, 80, 0) >= 0);
    l4_sim_wake(w->sim, w->nb);
    l4_sim_run_until(w->sim, 600 * L4_S);
    CHECK_EQ(w->sa.accepted, nconns);
    CHECK_EQ(w->sa.done, nconns);
    CHECK_EQ(w->cb.done, nconns);
    CHECK_EQ(w->sa.bad + w->cb.bad, 0);
    CHECK_EQ(w->sa.errors + w->cb.errors, 0);
    /* every byte arrived, both ways */
    uint64_t rs = 0, rc = 0;
    for (int i = 0; i < APP_MAX_SD; i++) {
        rs += w->sa.c[i].used ? w->sa.c[i].rcvd : 0;
        rc += w->cb.c[i].used ? w->cb.c[i].rcvd : 0;
    }
    CHECK_EQU(rs, bytes * (uint64_t)nconns);
    CHECK_EQU(rc, bytes * (uint64_t)nconns);
    /* everything CLOSED and freed: only the listener is left */
    CHECK_EQU(l4_host_socket_count(w->ha), 1);
    CHECK_EQU(l4_host_socket_count(w->hb), 0);
    const l4_host_stats *sta = l4_host_stats_get(w->ha), *stb = l4_host_stats_get(w->hb);
    CHECK_EQU(sta->tcp_conns_opened, sta->tcp_conns_closed);
    CHECK_EQU(stb->tcp_conns_opened, stb->tcp_conns_closed);
    CHECK_EQU(stb->tcp_conns_opened, (uint64_t)nconns);
    CHECK_EQ(l4_host_next_timeout(w->ha), L4_TIME_NONE);
    /* the link really was impaired: packets were lost both ways */
    const l4_link_stats *ab = l4_sim_link_stats(w->sim, 0, L4_LINK_DIR_AB);
    const l4_link_stats *ba = l4_sim_link_stats(w->sim, 0, L4_LINK_DIR_BA);
    CHECK(ab->dropped_loss > 0 && ba->dropped_loss > 0);
    world_del(w);
}

static void test_1mib_lossy_v4(void)
{
    run_transfer(1, "rate 50mbit delay 10ms loss 2% reorder 1% duplicate 0.5%", 0, 1024 * 1024, 1);
}

static void test_1mib_lossy_v6(void)
{
    run_transfer(2, "rate 50mbit delay 10ms loss 1% corrupt 0.5%", 1, 1024 * 1024, 1);
}

static void test_200_clients(void)
{
    run_transfer(3, "rate 100mbit delay 5ms loss 0.5% queue 2000", 0, 64 * 1024, 200);
}

/* Half-close: the client sends 100 KiB and shuts down; the server reads to
   end of stream, and only then sends 1 MiB back over the half-closed
   connection (client in FIN_WAIT_2 receiving, server in CLOSE_WAIT sending). */
static void test_half_close(void)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.tcp.msl = L4_S;
    world *w = world_new(6, "rate 20mbit delay 20ms loss 1%", &cfg);
    l4_addr sa = th_addr("10.0.0.1");
    app_init(&w->sa, w->ha, 1024 * 1024, 0x11, 0x22);
    app_init(&w->cb, w->hb, 100 * 1024, 0x22, 0x11);
    w->sa.send_after_eof = 1;
    CHECK(app_listen(&w->sa, &sa, 80, 4) >= 0);
    int sd = app_connect(&w->cb, &sa, 80, 0);
    l4_sim_wake(w->sim, w->nb);
    /* run until the client has shut down and the server has its EOF */
    int saw_fw2 = 0, saw_cw = 0;
    while (l4_sim_step(w->sim) && l4_sim_now(w->sim) < 120 * L4_S) {
        l4_tcp_state st = l4_socket_state(w->hb, sd);
        if (st == L4_TCP_FIN_WAIT_2 && w->cb.c[sd].rcvd > 0)
            saw_fw2 = 1;
        for (int i = 0; i < APP_MAX_SD; i++)
            if (w->sa.c[i].used && !w->sa.c[i].closed &&
                l4_socket_state(w->ha, i) == L4_TCP_CLOSE_WAIT && w->sa.c[i].sent > 0)
                saw_cw = 1;
        if (w->cb.done && w->sa.done && l4_host_socket_count(w->hb) == 0)
            break;
    }
    CHECK(saw_fw2);
    CHECK(saw_cw);
    CHECK_EQ(w->cb.done, 1);
    CHECK_EQ(w->sa.done, 1);
    CHECK_EQU(w->cb.c[sd].rcvd, 1024 * 1024);
    CHECK_EQ(w->sa.bad + w->cb.bad, 0);
    l4_sim_run_until(w->sim, l4_sim_now(w->sim) + 10 * L4_S);
    CHECK_EQU(l4_host_socket_count(w->ha), 1);
    CHECK_EQU(l4_host_socket_count(w->hb), 0);
    world_del(w);
}

static void test_connect_refused(void)
{
    world *w = world_new(4, NULL, NULL);
    app_init(&w->cb, w->hb, 10, 1, 2);
    l4_addr sa = th_addr("10.0.0.1");
    int sd = app_connect(&w->cb, &sa, 81, 0);
    CHECK(sd >= 0);
    l4_sim_wake(w->sim, w->nb);
    l4_sim_run_until(w->sim, 5 * L4_S);
    CHECK_EQ(w->cb.c[sd].err, L4_ECONNREFUSED);
    CHECK_EQU(l4_host_stats_get(w->ha)->tcp_rst_sent, 1);
    CHECK_EQU(l4_host_socket_count(w->hb), 0); /* the app closed it on the error */
    world_del(w);
}

/* Backlog 2 and an application that does not accept yet: of five SYNs
   arriving together two enter the SYN queue and three are dropped (SYN queue
   full); the two complete into the accept queue. The three retry after the
   1 s initial RTO and are dropped again (accept queue full). Once the
   application accepts, the next retries get through. (SYN cookies off: they
   would answer the three; test_syn_flood_cookies covers them.) */
static void test_backlog_full(void)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.tcp_syncookies = 0;
    world *w = world_new(5, "delay 1ms", &cfg);
    app_init(&w->sa, w->ha, 100, 1, 2);
    app_init(&w->cb, w->hb, 100, 2, 1);
    l4_addr sa = th_addr("10.0.0.1");
    int l = l4_socket_open(w->ha, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(w->ha, l, &sa, 80), 0);
    CHECK_EQ(l4_socket_listen(w->ha, l, 2), 0); /* no callbacks: nobody accepts yet */
    for (int i = 0; i < 5; i++)
        CHECK(app_connect(&w->cb, &sa, 80, 0) >= 0);
    l4_sim_wake(w->sim, w->nb);
    l4_sim_run_until(w->sim, 500 * L4_MS);
    l4_socket_info in;
    CHECK_EQ(l4_socket_info_get(w->ha, l, &in), 0);
    CHECK_EQU(in.accept_queue, 2);
    CHECK_EQU(in.syn_queue, 0);
    CHECK_EQU(in.backlog, 2);
    CHECK_EQU(l4_host_stats_get(w->ha)->tcp_syn_queue_full, 3);
    CHECK_EQU(l4_host_stats_get(w->ha)->tcp_accept_queue_full, 0);
    l4_sim_run_until(w->sim, 1500 * L4_MS);
    CHECK_EQU(l4_host_stats_get(w->ha)->tcp_accept_queue_full, 3);
    CHECK_EQU(l4_host_socket_count(w->ha), 3);
    /* now the application accepts: the retried SYNs get in */
    w->sa.listener = l;
    l4_socket_set_callbacks(w->ha, l, &app_cbs, &w->sa);
    app_pump(&w->sa, l);
    l4_sim_wake(w->sim, w->na);
    l4_sim_run_until(w->sim, 60 * L4_S);
    CHECK_EQ(w->sa.accepted, 5);
    CHECK_EQ(w->cb.done, 5);
    CHECK_EQ(w->sa.done, 5);
    world_del(w);
}

/* A SYN from a spoofed source 10.0.1.x to 10.0.0.1:80, as IP bytes. */
static size_t spoofed_syn(uint8_t *buf, int i)
{
    l4_addr src = th_addr("10.0.1.0"), dst = th_addr("10.0.0.1");
    src.bytes[3] = (uint8_t)i;
    l4_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.sport = (uint16_t)(1000 + i);
    t.dport = 80;
    t.seq = 0x10000u * (uint32_t)i;
    t.flags = L4_TCP_SYN;
    t.window = 65535;
    l4_ssize n = l4_tcp_write(buf + 20, 100, &t, &src, &dst);
    l4_ipv4_hdr ih;
    memset(&ih, 0, sizeof ih);
    ih.ttl = 64;
    ih.proto = L4_IPPROTO_TCP;
    memcpy(ih.src, src.bytes, 4);
    memcpy(ih.dst, dst.bytes, 4);
    ih.payload_len = (size_t)n;
    l4_ipv4_write(buf, 20, &ih);
    return 20 + (size_t)n;
}

/* 100 spoofed SYNs fill a backlog of 8 (their SYN-ACKs go nowhere).
   FLOOD_DROP (no cookies, no recycling, as Linux with tcp_syncookies=0): a
   legitimate client cannot get in for many seconds. FLOOD_RECYCLE
   (tcp_syn_recycle, RFC 4987 §3.3): it connects on its first SYN. FLOOD_COOKIES
   (the default, RFC 4987 §3.6): the 92 SYNs beyond the queue get cookie
   SYN-ACKs, and so does the client's; its ACK creates the connection
   ESTABLISHED with the options it offered (MSS, window scale, SACK,
   timestamps, carried by the cookie and the echoed TSval), and 300 KB go
   each way byte-exact over a lossy link. */
enum { FLOOD_DROP, FLOOD_RECYCLE, FLOOD_COOKIES };

static void run_flood(int mode)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.tcp_syn_recycle = mode == FLOOD_RECYCLE;
    cfg.tcp_syncookies = mode == FLOOD_COOKIES;
    cfg.tcp.rcvbuf = 1u << 20; /* window shift 5 */
    world *w = world_new(7, mode == FLOOD_COOKIES ? "delay 1ms loss 2%" : "delay 1ms", &cfg);
    l4_addr sa = th_addr("10.0.0.1");
    uint64_t bytes = mode == FLOOD_COOKIES ? 300000 : 10000;
    app_init(&w->sa, w->ha, bytes, 1, 2);
    app_init(&w->cb, w->hb, bytes, 2, 1);
    CHECK(app_listen(&w->sa, &sa, 80, 8) >= 0);
    uint8_t pkt[128];
    for (int i = 0; i < 100; i++) {
        size_t n = spoofed_syn(pkt, i);
        l4_host_input(w->ha, pkt, n, 0);
    }
    l4_sim_wake(w->sim, w->na);
    l4_socket_info in;
    CHECK_EQ(l4_socket_info_get(w->ha, w->sa.listener, &in), 0);
    CHECK_EQU(in.syn_queue, 8);
    const l4_host_stats *st = l4_host_stats_get(w->ha);
    CHECK_EQU(mode == FLOOD_RECYCLE   ? st->tcp_syn_recycled
              : mode == FLOOD_COOKIES ? st->tcp_syncookies_sent
                                      : st->tcp_syn_queue_full,
              92);
    CHECK_EQU(st->tcp_syncookies_sent, mode == FLOOD_COOKIES ? 92 : 0);
    int csd = app_connect(&w->cb, &sa, 80, 0);
    CHECK(csd >= 0);
    l4_sim_wake(w->sim, w->nb);
    if (mode == FLOOD_COOKIES) {
        /* Until the server accepted: then look at the connection it made. */
        while (!w->sa.accepted && l4_sim_step(w->sim) && l4_sim_now(w->sim) < 10 * L4_S) {
        }
        CHECK_EQ(w->sa.accepted, 1);
        CHECK_EQU(st->tcp_syncookies_ok, 1);
        CHECK_EQU(st->tcp_syncookies_sent, 93);
        int ssd = -1;
        for (int i = 0; i < APP_MAX_SD; i++)
            if (w->sa.c[i].used)
                ssd = i;
        CHECK_EQ(l4_socket_info_get(w->ha, ssd, &in), 0);
        CHECK_EQ(in.tcp.state, L4_TCP_ESTABLISHED);
        CHECK_EQU(in.tcp.mss, 1460 - 12); /* the client's 1460 is in the table */
        CHECK_EQ(in.tcp.ts_ok, 1);
        CHECK_EQ(in.tcp.sack_ok, 1);
        CHECK_EQU(in.tcp.snd_wscale, 5); /* the client's shift, from TSecr */
        CHECK_EQU(in.tcp.rcv_wscale, 5);
        CHECK_EQU(in.tcp.iss >> 27, 0); /* t mod 32 at time 0 */
        /* the SYN queue still holds only the flood: the cookie connection
           never was half-open */
        CHECK_EQ(l4_socket_info_get(w->ha, w->sa.listener, &in), 0);
        CHECK_EQU(in.syn_queue, 8);
    }
    l4_sim_run_until(w->sim, mode == FLOOD_COOKIES ? 30 * L4_S : 2 * L4_S);
    CHECK_EQ(w->cb.done, mode != FLOOD_DROP);
    CHECK_EQ(w->sa.done, mode != FLOOD_DROP);
    CHECK_EQ(w->sa.bad + w->cb.bad, 0);
    if (mode != FLOOD_DROP) {
        CHECK_EQU(w->cb.c[csd].rcvd, bytes);
        for (int i = 0; i < APP_MAX_SD; i++)
            if (w->sa.c[i].used)
                CHECK_EQU(w->sa.c[i].rcvd, bytes);
    }
    if (mode == FLOOD_COOKIES) /* the link did lose packets */
        CHECK(l4_sim_link_stats(w->sim, 0, L4_LINK_DIR_AB)->dropped_loss +
                  l4_sim_link_stats(w->sim, 0, L4_LINK_DIR_BA)->dropped_loss >
              0);
    world_del(w);
}

static void test_syn_flood_drop(void)
{
    run_flood(FLOOD_DROP);
}

static void test_syn_flood_recycle(void)
{
    run_flood(FLOOD_RECYCLE);
}

static void test_syn_flood_cookies(void)
{
    run_flood(FLOOD_COOKIES);
}

static const l4_test TESTS[] = {TEST(test_1mib_lossy_v4),     TEST(test_1mib_lossy_v6),
                                TEST(test_200_clients),       TEST(test_half_close),
                                TEST(test_connect_refused),   TEST(test_backlog_full),
                                TEST(test_syn_flood_drop),    TEST(test_syn_flood_recycle),
                                TEST(test_syn_flood_cookies), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
