/*
 * tests/host/ports_test.c — ephemeral ports (RFC 6056: in range, distinct,
 * not sequential, seed-dependent), address-in-use rules, and TIME_WAIT reuse
 * for connect().
 */
#include <stdio.h>

#include "app.h"
#include "check.h"
#include "host/sim_node.h"
#include "sim/sim.h"

static void test_ephemeral_range_not_sequential(void)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.ephemeral_min = 50000;
    cfg.ephemeral_max = 50999;
    l4_host *h = th_host(7, 2, &cfg);
    l4_addr dst = th_addr("10.0.0.1");
    uint16_t ports[200];
    int sequential = 0;
    for (int i = 0; i < 200; i++) {
        int sd = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
        CHECK_EQ(l4_socket_connect(h, sd, &dst, 80, 0), L4_EINPROGRESS);
        CHECK_EQ(l4_socket_local(h, sd, NULL, &ports[i]), 0);
        CHECK(ports[i] >= 50000 && ports[i] <= 50999);
        for (int j = 0; j < i; j++)
            CHECK(ports[j] != ports[i]);
        if (i > 0 && ports[i] == ports[i - 1] + 1)
            sequential++;
    }
    /* random increments 1..8: about 1 in 8 steps is +1, never all */
    CHECK_MSG(sequential < 60, "%d of 199 steps were +1", sequential);
    /* Another seed gives another sequence. */
    l4_host *h2 = th_host(8, 2, &cfg);
    int sd = l4_socket_open(h2, L4_AF_INET4, L4_SOCK_STREAM);
    uint16_t p2;
    l4_socket_connect(h2, sd, &dst, 80, 0);
    l4_socket_local(h2, sd, NULL, &p2);
    CHECK(p2 != ports[0]);
    /* UDP auto-bind and bind(0) stay in range too. */
    int u = l4_socket_open(h, L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_bind(h, u, NULL, 0), 0);
    uint16_t up;
    l4_socket_local(h, u, NULL, &up);
    CHECK(up >= 50000 && up <= 50999);
    l4_host_del(h);
    l4_host_del(h2);
}

static void test_ephemeral_exhaustion(void)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.ephemeral_min = 60000;
    cfg.ephemeral_max = 60009;
    l4_host *h = th_host(7, 2, &cfg);
    l4_addr dst = th_addr("10.0.0.1"), dst2 = th_addr("10.0.0.3");
    for (int i = 0; i < 10; i++) {
        int sd = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
        CHECK_EQ(l4_socket_connect(h, sd, &dst, 80, 0), L4_EINPROGRESS);
    }
    int sd = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_connect(h, sd, &dst, 80, 0), L4_EADDRNOTAVAIL);
    /* the same ports to another destination are free (RFC 6056 §2.2: the
       4-tuple must be unique, not the port) */
    CHECK_EQ(l4_socket_connect(h, sd, &dst2, 80, 0), L4_EINPROGRESS);
    /* but an exclusive bind(0) finds none */
    int b = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(h, b, NULL, 0), L4_EADDRNOTAVAIL);
    l4_host_del(h);
}

static void test_addrinuse(void)
{
    l4_host *h = th_host(1, 1, NULL);
    l4_addr a = th_addr("10.0.0.1"), any = th_addr("0.0.0.0"), other = th_addr("10.9.9.9");
    l4_addr a6 = th_addr("fd00::1");
    int s1 = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
    int s2 = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
    int s3 = l4_socket_open(h, L4_AF_INET6, L4_SOCK_STREAM);
    int u1 = l4_socket_open(h, L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_bind(h, s1, &other, 80), L4_EADDRNOTAVAIL);
    CHECK_EQ(l4_socket_bind(h, s1, &a6, 80), L4_EAFNOSUPPORT);
    CHECK_EQ(l4_socket_bind(h, s1, &a, 80), 0);
    CHECK_EQ(l4_socket_bind(h, s1, &a, 81), L4_EINVAL); /* already bound */
    CHECK_EQ(l4_socket_bind(h, s2, &a, 80), L4_EADDRINUSE);
    CHECK_EQ(l4_socket_bind(h, s2, &any, 80), L4_EADDRINUSE); /* wildcard overlaps */
    CHECK_EQ(l4_socket_bind(h, s3, &a6, 80), 0);              /* other family */
    CHECK_EQ(l4_socket_bind(h, u1, &a, 80), 0);               /* other protocol */
    /* SO_REUSEADDR on both: allowed while neither listens */
    int r1 = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
    int r2 = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
    int r3 = l4_socket_open(h, L4_AF_INET4, L4_SOCK_STREAM);
    l4_socket_set_reuseaddr(h, r1, 1);
    l4_socket_set_reuseaddr(h, r2, 1);
    l4_socket_set_reuseaddr(h, r3, 1);
    CHECK_EQ(l4_socket_bind(h, r1, &a, 90), 0);
    CHECK_EQ(l4_socket_bind(h, r2, &any, 90), 0);
    CHECK_EQ(l4_socket_listen(h, r1, 5), 0);
    CHECK_EQ(l4_socket_listen(h, r2, 5), L4_EADDRINUSE);    /* overlapping listener */
    CHECK_EQ(l4_socket_bind(h, r3, &a, 90), L4_EADDRINUSE); /* r1 listens now */
    /* closing frees the port */
    CHECK_EQ(l4_socket_close(h, s1, 0), 0);
    CHECK_EQ(l4_socket_close(h, s1, 0), L4_EBADF);
    CHECK_EQ(l4_socket_bind(h, s2, &a, 80), 0);
    /* errors of the other calls */
    CHECK_EQ(l4_socket_open(h, 5, L4_SOCK_STREAM), L4_EAFNOSUPPORT);
    CHECK_EQ(l4_socket_open(h, L4_AF_INET4, 9), L4_EPROTOTYPE);
    CHECK_EQ(l4_socket_listen(h, u1, 5), L4_EOPNOTSUPP);
    CHECK_EQ(l4_socket_accept(h, s2, NULL, NULL), L4_EINVAL);
    CHECK_EQ(l4_socket_accept(h, r1, NULL, NULL), L4_EAGAIN);
    CHECK_EQ(l4_socket_send(h, s2, "x", 1, 0), L4_ENOTCONN);
    CHECK_EQ(l4_socket_recv(h, s2, NULL, 0, 0), L4_ENOTCONN);
    CHECK_EQ(l4_socket_shutdown(h, s2, 0), L4_ENOTCONN);
    CHECK_EQ(l4_socket_connect(h, r1, &a, 80, 0), L4_EINVAL); /* listening */
    CHECK_EQ(l4_socket_send(h, 999, "x", 1, 0), L4_EBADF);
    l4_host_del(h);
}

/* Server closes first, so its side holds TIME_WAIT: a new listener on the
   same port needs SO_REUSEADDR. On the client, reconnecting the same 4-tuple
   over a TIME_WAIT connection works once it is 1 s old (timestamps on). */
static void test_time_wait_rules(void)
{
    l4_sim *sim = l4_sim_new(9);
    l4_host *ha = th_host(11, 1, NULL), *hb = th_host(12, 2, NULL);
    int na = l4_host_sim_add(sim, ha), nb = l4_host_sim_add(sim, hb);
    CHECK(l4_sim_connect(sim, na, 0, nb, 0, NULL, NULL) >= 0);
    l4_addr sa = th_addr("10.0.0.1"), cbaddr = th_addr("10.0.0.2");
    int l = l4_socket_open(ha, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(ha, l, &sa, 80), 0);
    CHECK_EQ(l4_socket_listen(ha, l, 8), 0);
    /* client bound to a fixed port so the 4-tuple repeats */
    int c = l4_socket_open(hb, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(hb, c, &cbaddr, 40000), 0);
    CHECK_EQ(l4_socket_connect(hb, c, &sa, 80, 0), L4_EINPROGRESS);
    l4_sim_wake(sim, nb);
    l4_sim_run_until(sim, 100 * L4_MS);
    int a = l4_socket_accept(ha, l, NULL, NULL);
    CHECK(a >= 0);
    CHECK_EQ(l4_socket_state(hb, c), L4_TCP_ESTABLISHED);
    /* client closes first: client side TIME_WAIT */
    l4_time t = l4_sim_now(sim);
    CHECK_EQ(l4_socket_close(hb, c, t), 0);
    l4_sim_wake(sim, nb);
    l4_sim_run_until(sim, t + 50 * L4_MS);
    CHECK_EQ(l4_socket_close(ha, a, l4_sim_now(sim)), 0);
    l4_sim_wake(sim, na);
    l4_sim_run_until(sim, t + 100 * L4_MS);
    CHECK_EQU(l4_host_socket_count(hb), 1); /* the orphan in TIME_WAIT */
    /* rebinding 40000 without SO_REUSEADDR fails; with it, it succeeds */
    int c2 = l4_socket_open(hb, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(hb, c2, &cbaddr, 40000), L4_EADDRINUSE);
    l4_socket_set_reuseaddr(hb, c2, 1);
    CHECK_EQ(l4_socket_bind(hb, c2, &cbaddr, 40000), 0);
    /* too young for tw_reuse */
    CHECK_EQ(l4_socket_connect(hb, c2, &sa, 80, l4_sim_now(sim)), L4_EADDRNOTAVAIL);
    l4_sim_run_until(sim, t + 1200 * L4_MS);
    CHECK_EQ(l4_socket_connect(hb, c2, &sa, 80, l4_sim_now(sim)), L4_EINPROGRESS);
    CHECK_EQU(l4_host_stats_get(hb)->tcp_tw_reused, 1);
    l4_sim_wake(sim, nb);
    l4_sim_run_until(sim, t + 1500 * L4_MS);
    CHECK_EQ(l4_socket_state(hb, c2), L4_TCP_ESTABLISHED);
    int a2 = l4_socket_accept(ha, l, NULL, NULL);
    CHECK(a2 >= 0);
    l4_sim_del(sim);
    l4_host_del(ha);
    l4_host_del(hb);
}

static void dump_info(const l4_socket_info *in, void *user)
{
    int *n = user;
    if (in->listening)
        n[0]++;
    if (in->has_tcp_info && in->state == L4_TCP_ESTABLISHED && in->tcp.cwnd > 0)
        n[1]++;
}

static void test_sockets_listing(void)
{
    l4_sim *sim = l4_sim_new(10);
    l4_host *ha = th_host(21, 1, NULL), *hb = th_host(22, 2, NULL);
    int na = l4_host_sim_add(sim, ha), nb = l4_host_sim_add(sim, hb);
    l4_sim_connect(sim, na, 0, nb, 0, NULL, NULL);
    l4_addr sa = th_addr("fd00::1");
    int l = l4_socket_open(ha, L4_AF_INET6, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(ha, l, NULL, 443), 0);
    CHECK_EQ(l4_socket_listen(ha, l, 8), 0);
    for (int i = 0; i < 3; i++) {
        int c = l4_socket_open(hb, L4_AF_INET6, L4_SOCK_STREAM);
        CHECK_EQ(l4_socket_connect(hb, c, &sa, 443, 0), L4_EINPROGRESS);
    }
    l4_sim_wake(sim, nb);
    l4_sim_run_until(sim, 100 * L4_MS);
    int n[2] = {0, 0};
    CHECK_EQU(l4_host_sockets(ha, dump_info, n), 4);
    CHECK_EQ(n[0], 1);
    CHECK_EQ(n[1], 3);
    l4_socket_info in;
    CHECK_EQ(l4_socket_info_get(ha, l, &in), 0);
    CHECK_EQU(in.accept_queue, 3);
    CHECK_EQ(in.state, L4_TCP_LISTEN);
    /* closing the listener resets the 3 unaccepted connections */
    CHECK_EQ(l4_socket_close(ha, l, l4_sim_now(sim)), 0);
    l4_sim_wake(sim, na);
    l4_sim_run_until(sim, 200 * L4_MS);
    CHECK_EQU(l4_host_socket_count(ha), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(l4_socket_state(hb, i), L4_TCP_CLOSED);
    CHECK_EQ(l4_socket_error(hb, 0), L4_ECONNRESET);
    l4_sim_del(sim);
    l4_host_del(ha);
    l4_host_del(hb);
}

static const l4_test TESTS[] = {TEST(test_ephemeral_range_not_sequential),
                                TEST(test_ephemeral_exhaustion),
                                TEST(test_addrinuse),
                                TEST(test_time_wait_rules),
                                TEST(test_sockets_listing),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
