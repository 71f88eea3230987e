/*
 * tests/kernel/ctl_test.c — io/ctl: the snapshot lines `l4kit ss` reads
 * (written from a real host with a listener, a UDP socket and an
 * established connection between two in-memory hosts, then parsed back
 * field by field), rejection of damaged lines, and the control socket
 * served by the event loop and queried from another process. No root needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "host/host.h"
#include "host/socket.h"
#include "io/ctl.h"
#include "io/loop.h"

static l4_addr ctl_test_addr(const char *text)
{
    l4_addr a;
    l4_addr_parse(&a, text);
    return a;
}

/* Moves every packet between the two hosts until both are quiet. */
static void ctl_test_shuttle(l4_host *a, l4_host *b, l4_time now)
{
    uint8_t buf[2048];
    for (int round = 0; round < 100; round++) {
        int moved = 0;
        l4_ssize n;
        while ((n = l4_host_output(a, buf, sizeof buf, now)) > 0) {
            l4_host_input(b, buf, (size_t)n, now);
            moved = 1;
        }
        while ((n = l4_host_output(b, buf, sizeof buf, now)) > 0) {
            l4_host_input(a, buf, (size_t)n, now);
            moved = 1;
        }
        if (!moved)
            return;
    }
}

/* Parses every socket line of `text` into out[]; returns the count. */
static int ctl_test_parse_all(char *text, l4_ctl_sock *out, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        if (n == max || l4_ctl_parse_line(line, &out[n]) != 0)
            return -1;
        n++;
    }
    return n;
}

static const l4_ctl_sock *ctl_test_find(const l4_ctl_sock *s, int n, const char *state,
                                        unsigned lport)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].state, state) && s[i].lport == lport)
            return &s[i];
    return NULL;
}

static void test_write_and_parse_host(void)
{
    l4_host *srv, *cli;
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.seed = 7;
    CHECK_EQ(l4_host_new(&srv, &cfg), 0);
    cfg.seed = 8;
    CHECK_EQ(l4_host_new(&cli, &cfg), 0);
    l4_addr sa = ctl_test_addr("10.232.9.2"), ca = ctl_test_addr("10.232.9.1");
    CHECK_EQ(l4_host_add_addr(srv, 0, &sa, 24), 0);
    CHECK_EQ(l4_host_add_addr(cli, 0, &ca, 24), 0);
    l4_time now = 1000000000ull;

    int ls = l4_socket_open(srv, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(srv, ls, &sa, 7), 0);
    CHECK_EQ(l4_socket_listen(srv, ls, 33), 0);
    int us = l4_socket_open(srv, L4_AF_INET4, L4_SOCK_DGRAM);
    CHECK_EQ(l4_socket_bind(srv, us, NULL, 53), 0);
    int cs = l4_socket_open(cli, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_connect(cli, cs, &sa, 7, now), L4_EINPROGRESS);
    ctl_test_shuttle(cli, srv, now);
    CHECK_EQ(l4_socket_state(cli, cs), L4_TCP_ESTABLISHED);
    CHECK_EQ(l4_socket_send(cli, cs, "hello", 5, now), 5);
    ctl_test_shuttle(cli, srv, now);
    uint16_t cport = 0;
    CHECK_EQ(l4_socket_local(cli, cs, NULL, &cport), 0);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f != NULL);
    CHECK_EQU(l4_ctl_write_host(f, srv, now), 3); /* listener, UDP, accepted-to-be connection */
    fclose(f);
    l4_ctl_sock s[8];
    int n = ctl_test_parse_all(text, s, 8);
    CHECK_EQ(n, 3);

    const l4_ctl_sock *l = ctl_test_find(s, n, "LISTEN", 7);
    CHECK(l != NULL);
    CHECK_STR(l->proto, "tcp");
    CHECK_STR(l->local, "10.232.9.2");
    CHECK_STR(l->peer, "*");
    CHECK_EQU(l->pport, 0);
    CHECK_EQU(l->recvq, 1);  /* one connection waiting in the accept queue */
    CHECK_EQU(l->sendq, 33); /* the backlog, as Linux reports it */
    CHECK_EQ(l->has_tcp, 0);

    const l4_ctl_sock *u = ctl_test_find(s, n, "UNCONN", 53);
    CHECK(u != NULL);
    CHECK_STR(u->proto, "udp");
    CHECK_STR(u->local, "0.0.0.0");
    CHECK_EQ(u->timer_us, -1);

    const l4_ctl_sock *e = ctl_test_find(s, n, "ESTAB", 7);
    CHECK(e != NULL);
    CHECK_STR(e->peer, "10.232.9.1");
    CHECK_EQU(e->pport, cport);
    CHECK_EQU(e->recvq, 5); /* "hello", not yet read */
    CHECK_EQU(e->sendq, 0);
    CHECK_EQ(e->has_tcp, 1);
    CHECK_EQU(e->mss, 1448); /* 1460 less the 12-byte timestamp option */
    CHECK(e->cwnd >= 1460);
    CHECK_EQU(e->srtt_us, 0);      /* the handshake took no time at all */
    CHECK_EQU(e->rto_us, 200000);  /* so the RTO is the 200 ms floor */
    CHECK_STR(e->timer, "delack"); /* the delayed ACK for "hello" */
    CHECK_EQ(e->timer_us, 40000);
    CHECK_EQU(e->timer_count, 0);
    free(text);
    l4_host_del(srv);
    l4_host_del(cli);
}

/* The one line of `h`'s socket with local port `lport` in `state`. */
static l4_ctl_sock ctl_test_line(l4_host *h, const char *state, unsigned lport, l4_time now)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f != NULL);
    l4_ctl_write_host(f, h, now);
    fclose(f);
    l4_ctl_sock s[16];
    int n = ctl_test_parse_all(text, s, 16);
    CHECK(n > 0);
    const l4_ctl_sock *e = ctl_test_find(s, n, state, lport);
    CHECK_MSG(e != NULL, "no %s socket on port %u in:\n%s", state, lport, text);
    l4_ctl_sock r = *e;
    free(text);
    return r;
}

/* Which timer is pending, as the engine reports it: retransmission with its
   count of expiries, persist (zero window), keepalive, FIN_WAIT_2 after
   close, TIME_WAIT; each with the time left. */
static void test_timer_names(void)
{
    l4_host *srv, *cli;
    l4_host_config cfg;
    l4_host_config_default(&cfg);
    cfg.seed = 17;
    cfg.tcp.rcvbuf = 4096; /* the server's window closes after 4 KiB unread */
    cfg.tcp.keepalive = 1;
    cfg.tcp.keep_idle = 600 * L4_S;
    CHECK_EQ(l4_host_new(&srv, &cfg), 0);
    cfg.seed = 18;
    CHECK_EQ(l4_host_new(&cli, &cfg), 0);
    l4_addr sa = ctl_test_addr("10.232.9.2"), ca = ctl_test_addr("10.232.9.1");
    CHECK_EQ(l4_host_add_addr(srv, 0, &sa, 24), 0);
    CHECK_EQ(l4_host_add_addr(cli, 0, &ca, 24), 0);
    l4_time now = 5 * L4_S;
    int ls = l4_socket_open(srv, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_bind(srv, ls, &sa, 7), 0);
    CHECK_EQ(l4_socket_listen(srv, ls, 4), 0);
    int cs = l4_socket_open(cli, L4_AF_INET4, L4_SOCK_STREAM);
    CHECK_EQ(l4_socket_connect(cli, cs, &sa, 7, now), L4_EINPROGRESS);
    ctl_test_shuttle(cli, srv, now);
    int as = l4_socket_accept(srv, ls, NULL, NULL);
    CHECK(as >= 0);
    uint16_t cport = 0;
    CHECK_EQ(l4_socket_local(cli, cs, NULL, &cport), 0);

    /* idle: keepalive, 600 s */
    l4_ctl_sock e = ctl_test_line(cli, "ESTAB", cport, now);
    CHECK_STR(e.timer, "keepalive");
    CHECK_EQ(e.timer_us, 600000000);
    CHECK_EQU(e.timer_count, 0);

    /* data lost on the way: retransmission, 200 ms (the RTO floor); at
       200 ms the tail loss probe goes in the RTO's place (RFC 8985 §7.2:
       2 SRTT + 200 ms with one segment out, capped at the RTO), resending
       the segment, and the RTO runs again from then, no expiry counted;
       after the first real expiry 400 ms and a count of 1 */
    CHECK_EQ(l4_socket_send(cli, cs, "lost", 4, now), 4);
    uint8_t buf[2048];
    while (l4_host_output(cli, buf, sizeof buf, now) > 0) {
    }
    e = ctl_test_line(cli, "ESTAB", cport, now);
    CHECK_STR(e.timer, "on");
    CHECK_EQ(e.timer_us, 200000);
    CHECK_EQU(e.timer_count, 0);
    now += 200 * L4_MS;
    l4_host_handle_timeout(cli, now);
    while (l4_host_output(cli, buf, sizeof buf, now) > 0) {
    }
    e = ctl_test_line(cli, "ESTAB", cport, now + 100 * L4_MS);
    CHECK_STR(e.timer, "on");
    CHECK_EQ(e.timer_us, 100000);
    CHECK_EQU(e.timer_count, 0);
    now += 200 * L4_MS;
    l4_host_handle_timeout(cli, now);
    while (l4_host_output(cli, buf, sizeof buf, now) > 0) {
    }
    e = ctl_test_line(cli, "ESTAB", cport, now + 100 * L4_MS);
    CHECK_STR(e.timer, "on");
    CHECK_EQ(e.timer_us, 300000);
    CHECK_EQU(e.timer_count, 1);

    /* the retransmission gets through; then the server reads nothing: its
       window closes, the client probes */
    now += L4_S;
    l4_host_handle_timeout(cli, now);
    ctl_test_shuttle(cli, srv, now);
    CHECK_EQ(l4_socket_recv(srv, as, buf, sizeof buf, now), 4);
    static char big[8192];
    CHECK(l4_socket_send(cli, cs, big, sizeof big, now) > 0);
    for (int i = 0; i < 5; i++) {
        now += 50 * L4_MS; /* the server's delayed ACK */
        l4_host_handle_timeout(srv, now);
        ctl_test_shuttle(cli, srv, now);
    }
    e = ctl_test_line(cli, "ESTAB", cport, now);
    CHECK_STR(e.timer, "persist");
    CHECK_MSG(e.timer_us > 0 && e.timer_us <= 200000, "persist in %lld us", (long long)e.timer_us);
    CHECK_EQU(e.timer_count, 0);

    /* close the client (its FIN waits behind the data; the server drains it) */
    while (l4_socket_recv(srv, as, buf, sizeof buf, now) > 0 || l4_host_has_output(cli)) {
        now += 10 * L4_MS;
        l4_host_handle_timeout(cli, now);
        ctl_test_shuttle(cli, srv, now);
    }
    CHECK_EQ(l4_socket_close(cli, cs, now), 0);
    for (int i = 0; i < 20; i++) {
        now += 10 * L4_MS;
        l4_socket_recv(srv, as, buf, sizeof buf, now);
        l4_host_handle_timeout(cli, now);
        ctl_test_shuttle(cli, srv, now);
    }
    e = ctl_test_line(cli, "FIN-WAIT-2", cport, now);
    CHECK_STR(e.timer, "fin_wait_2");
    CHECK_EQ(e.timer_us, 60000000 - 190000); /* 60 s after the FIN was acked, 190 ms ago */
    /* the server closes too: the client waits in TIME_WAIT for 2 MSL */
    CHECK_EQ(l4_socket_close(srv, as, now), 0);
    ctl_test_shuttle(cli, srv, now);
    e = ctl_test_line(cli, "TIME-WAIT", cport, now);
    CHECK_STR(e.timer, "timewait");
    CHECK_EQ(e.timer_us, 60000000);
    l4_host_del(srv);
    l4_host_del(cli);
}

static void test_parse_rejects(void)
{
    l4_ctl_sock s;
    const char *good = "tcp\tESTAB\t10.0.0.1\t80\t10.0.0.2\t5000\t0\t10\t14600\t250\t100\t"
                       "200000\ton\t1500\t2\t3\t1460";
    CHECK_EQ(l4_ctl_parse_line(good, &s), 0);
    CHECK_EQU(s.cwnd, 14600);
    CHECK_EQU(s.srtt_us, 250);
    CHECK_EQU(s.rttvar_us, 100);
    CHECK_EQU(s.rto_us, 200000);
    CHECK_EQ(s.timer_us, 1500);
    CHECK_STR(s.timer, "on");
    CHECK_EQU(s.timer_count, 2);
    CHECK_EQU(s.retrans, 3);
    CHECK_EQU(s.sendq, 10);
    CHECK_EQ(l4_ctl_parse_line("tcp\tESTAB\t10.0.0.1\t80", &s), L4_ERR_MALFORMED);
    CHECK_EQ(l4_ctl_parse_line("sctp\tESTAB\t10.0.0.1\t80\t10.0.0.2\t5000\t0\t10\t14600\t250\t100\t"
                               "200000\ton\t1500\t2\t3\t1460",
                               &s),
             L4_ERR_MALFORMED);
    CHECK_EQ(l4_ctl_parse_line("tcp\tESTAB\t10.0.0.1\t70000\t10.0.0.2\t5000\t0\t10\t14600\t250\t"
                               "100\t200000\ton\t1500\t2\t3\t1460",
                               &s),
             L4_ERR_MALFORMED);
    CHECK_EQ(l4_ctl_parse_line("tcp\tESTAB\t10.0.0.1\t80\t10.0.0.2\t5000\t-1\t10\t14600\t250\t"
                               "100\t200000\ton\t1500\t2\t3\t1460",
                               &s),
             L4_ERR_MALFORMED);
    /* a timer kind without a time or count, an unknown kind, a count without a timer */
    CHECK_EQ(l4_ctl_parse_line("tcp\tESTAB\t10.0.0.1\t80\t10.0.0.2\t5000\t0\t10\t14600\t250\t"
                               "100\t200000\ton\t-\t0\t3\t1460",
                               &s),
             L4_ERR_MALFORMED);
    CHECK_EQ(l4_ctl_parse_line("tcp\tESTAB\t10.0.0.1\t80\t10.0.0.2\t5000\t0\t10\t14600\t250\t"
                               "100\t200000\ton\t5\t-\t3\t1460",
                               &s),
             L4_ERR_MALFORMED);
    CHECK_EQ(l4_ctl_parse_line("tcp\tESTAB\t10.0.0.1\t80\t10.0.0.2\t5000\t0\t10\t14600\t250\t"
                               "100\t200000\ttimer\t5\t0\t3\t1460",
                               &s),
             L4_ERR_MALFORMED);
    CHECK_EQ(l4_ctl_parse_line("tcp\tESTAB\t10.0.0.1\t80\t10.0.0.2\t5000\t0\t10\t14600\t250\t"
                               "100\t200000\t-\t-\t1\t3\t1460",
                               &s),
             L4_ERR_MALFORMED);
    const char *const kinds[] = {"on",       "persist",    "delack", "keepalive",
                                 "timewait", "fin_wait_2", "pacing"};
    for (int k = 0; k < 7; k++) {
        char line[200];
        snprintf(line, sizeof line,
                 "tcp\tESTAB\t10.0.0.1\t80\t10.0.0.2\t5000\t0\t10\t14600\t250\t100\t200000\t%s\t"
                 "7\t4\t3\t1460",
                 kinds[k]);
        CHECK_EQ(l4_ctl_parse_line(line, &s), 0);
        CHECK_STR(s.timer, kinds[k]);
        CHECK_EQU(s.timer_count, 4);
    }
    /* one field too many */
    CHECK_EQ(
        l4_ctl_parse_line("udp\tUNCONN\t0.0.0.0\t53\t*\t0\t0\t0\t-\t-\t-\t-\t-\t-\t-\t-\t-\tx", &s),
        L4_ERR_MALFORMED);
    CHECK_EQ(
        l4_ctl_parse_line("udp\tUNCONN\t0.0.0.0\t53\t*\t0\t0\t0\t-\t-\t-\t-\t-\t-\t-\t-\t-\n", &s),
        0);
    CHECK_EQ(s.has_tcp, 0);
    CHECK_EQ(s.timer_us, -1);
}

static void test_state_names(void)
{
    CHECK_STR(l4_ctl_state_name(L4_TCP_ESTABLISHED), "ESTAB");
    CHECK_STR(l4_ctl_state_name(L4_TCP_SYN_RECEIVED), "SYN-RECV");
    CHECK_STR(l4_ctl_state_name(L4_TCP_TIME_WAIT), "TIME-WAIT");
    CHECK_STR(l4_ctl_state_name(L4_TCP_CLOSE_WAIT), "CLOSE-WAIT");
    CHECK_STR(l4_ctl_state_name(L4_TCP_FIN_WAIT_2), "FIN-WAIT-2");
    CHECK_STR(l4_ctl_state_name(L4_TCP_CLOSED), "CLOSE");
}

static int ctl_test_snapshot(void *user, FILE *f)
{
    fprintf(f, "%s", (const char *)user);
    return 0;
}

static void test_serve_and_query(void)
{
    char dir[] = "/tmp/l4t-ctl-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    setenv("L4KIT_RUN_DIR", dir, 1);
    char got[256];
    CHECK_EQ(l4_ctl_dir(got, sizeof got), 0);
    CHECK_STR(got, dir);
    l4_loop *loop = l4_loop_new();
    CHECK(loop != NULL);
    l4_ctl *c = NULL;
    const char *body = "udp\tUNCONN\t0.0.0.0\t53\t*\t0\t0\t0\t-\t-\t-\t-\t-\t-\t-\t-\t-\n";
    char err[160];
    CHECK_EQ(l4_ctl_open(&c, loop, "ctl-test", ctl_test_snapshot, (void *)body, err, sizeof err),
             0);
    char want_path[300];
    snprintf(want_path, sizeof want_path, "%s/%ld.sock", dir, (long)getpid());
    CHECK_STR(l4_ctl_path(c), want_path);

    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char *text = NULL;
        l4_ssize n = l4_ctl_query(want_path, &text, 3000000000ull);
        char header[100];
        snprintf(header, sizeof header, "# l4kit-ss 2 pid=%ld prog=ctl-test\n", (long)getppid());
        int ok =
            n > 0 && !strncmp(text, header, strlen(header)) && !strcmp(text + strlen(header), body);
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    for (int i = 0; i < 300; i++) {
        l4_loop_run_once(loop, 0);
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        usleep(10000);
    }
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    l4_ctl_close(c);
    CHECK_EQ(access(want_path, F_OK), -1); /* removed at close */
    char *text = NULL;
    CHECK_EQ(l4_ctl_query(want_path, &text, 100000000ull), L4_ERR_NOT_FOUND);
    l4_loop_del(loop);
    rmdir(dir);
}

static const l4_test TESTS[] = {
    TEST(test_write_and_parse_host), TEST(test_timer_names),     TEST(test_parse_rejects),
    TEST(test_state_names),          TEST(test_serve_and_query), TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
