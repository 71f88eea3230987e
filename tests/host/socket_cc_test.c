/*
 * tests/host/socket_cc_test.c — l4_socket_set_cc (TCP_CONGESTION): a socket's
 * own congestion control instead of the host's, inherited by accepted
 * connections, and the errors a wrong use gets.
 */
#include "check.h"
#include "helpers.h"
#include "host/sim_node.h"
#include "sim/sim.h"
#include "tcp/conn_internal.h"

static const char *conn_cc(l4_host *h, int sd)
{
    l4_tcp_conn *c = l4_socket_tcp_conn(h, sd);
    return c && c->cc ? c->cc->ops->name : "(none)";
}

static void test_per_socket_cc(void)
{
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.tcp.cc = "reno";
    l4_host *ha = th_host(11, 1, &cfg), *hb = th_host(12, 2, &cfg);
    l4_sim *sim = l4_sim_new(5);
    int na = l4_host_sim_add(sim, ha), nb = l4_host_sim_add(sim, hb);
    CHECK(l4_sim_connect(sim, na, 0, nb, 0, NULL, NULL) >= 0);
    l4_addr a = th_addr("10.0.0.1");

    int ls = l4_socket_open(ha, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_set_cc(ha, ls, "cubic"), 0);
    CHECK_EQ(l4_socket_bind(ha, ls, &a, 80), 0);
    CHECK_EQ(l4_socket_listen(ha, ls, 8), 0);

    /* three clients: the host's default, bbr, dctcp (set, then changed) */
    int c[3];
    char name[8] = "bbr";
    for (int i = 0; i < 3; i++)
        c[i] = l4_socket_open(hb, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_set_cc(hb, c[1], name), 0);
    name[0] = 'x'; /* the socket keeps the registry's name, not ours */
    CHECK_EQ(l4_socket_set_cc(hb, c[2], "cubic"), 0);
    CHECK_EQ(l4_socket_set_cc(hb, c[2], "dctcp"), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(l4_socket_connect(hb, c[i], &a, 80, 0), L4_EINPROGRESS);
    l4_sim_wake(sim, nb);
    l4_sim_run_until(sim, L4_S);
    CHECK_STR(conn_cc(hb, c[0]), "reno");
    CHECK_STR(conn_cc(hb, c[1]), "bbr");
    CHECK_STR(conn_cc(hb, c[2]), "dctcp");
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(l4_socket_state(hb, c[i]), L4_TCP_ESTABLISHED);
        l4_addr peer;
        uint16_t pport;
        int s = l4_socket_accept(ha, ls, &peer, &pport);
        CHECK(s >= 0);
        CHECK_STR(conn_cc(ha, s), "cubic"); /* inherited from the listener */
    }

    /* errors: connected, unknown name, NULL, not TCP, no such socket */
    CHECK_EQ(l4_socket_set_cc(hb, c[0], "cubic"), L4_EISCONN);
    int fresh = l4_socket_open(hb, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_set_cc(hb, fresh, "vegas"), L4_EINVAL);
    CHECK_EQ(l4_socket_set_cc(hb, fresh, NULL), L4_EINVAL);
    int u = l4_socket_open(hb, L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_set_cc(hb, u, "cubic"), L4_EOPNOTSUPP);
    CHECK_EQ(l4_socket_set_cc(hb, 999, "cubic"), L4_EBADF);
    l4_sim_del(sim);
    l4_host_del(ha);
    l4_host_del(hb);
}

static const l4_test TESTS[] = {
    TEST(test_per_socket_cc),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
