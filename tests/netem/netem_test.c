/*
 * tests/netem/netem_test.c — io/netem in-process: two private network
 * namespaces (held by two child processes, reached as /proc/PID/ns/net), a
 * kernel UDP socket in each, and the bridge between their TUN devices.
 * Checks exact link timing through the tap, counters, loss, and errors.
 * Needs root; FAILS (does not skip) without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/netem.h"
#include "sim/link_spec.h"

typedef struct ns_holder {
    pid_t pid;
    char path[64];
} ns_holder;

static ns_holder g_ns[2];
static int g_ns_ok;

/* A child that moves into a new network namespace without IPv6 (so the
   kernel sends no router solicitations over the devices) and waits. */
static int ns_spawn(ns_holder *h)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char ok = 'n';
        if (unshare(CLONE_NEWNET) == 0) {
            ok = 'y';
            const char *knobs[] = {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
                                   "/proc/sys/net/ipv6/conf/default/disable_ipv6"};
            for (int i = 0; i < 2; i++) {
                int fd = open(knobs[i], O_WRONLY);
                if (fd >= 0) {
                    if (write(fd, "1", 1) != 1)
                        ok = 'n';
                    close(fd);
                }
            }
        }
        if (write(p[1], &ok, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char ok = 0;
    ssize_t n = read(p[0], &ok, 1);
    close(p[0]);
    close(p[1]);
    h->pid = pid;
    snprintf(h->path, sizeof h->path, "/proc/%d/ns/net", (int)pid);
    return n == 1 && ok == 'y' ? 0 : -1;
}

/* A non-blocking UDP socket bound to ip:port inside namespace `path`. */
static int udp_in_ns(const char *path, uint32_t ip, uint16_t port)
{
    int orig = open("/proc/self/ns/net", O_RDONLY);
    int ns = open(path, O_RDONLY);
    int s = -1;
    if (orig >= 0 && ns >= 0 && setns(ns, CLONE_NEWNET) == 0) {
        s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        a.sin_addr.s_addr = htonl(ip);
        if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
            close(s);
            s = -1;
        }
        if (setns(orig, CLONE_NEWNET) != 0) {
            fprintf(stderr, "cannot return to the test's namespace\n");
            exit(1);
        }
    }
    if (orig >= 0)
        close(orig);
    if (ns >= 0)
        close(ns);
    return s;
}

static l4_netem_config base_cfg(const char *spec)
{
    l4_netem_config c;
    memset(&c, 0, sizeof c);
    c.a.name = "l4a";
    c.a.netns = g_ns[0].path;
    c.a.has_addr = 1;
    c.a.addr.family = L4_AF_INET4;
    memcpy(c.a.addr.bytes, "\x0a\xe7\x05\x01", 4); /* 10.231.5.1/24 */
    c.a.prefix = 24;
    c.a.up = 1;
    c.b = c.a;
    c.b.name = "l4b";
    c.b.netns = g_ns[1].path;
    memcpy(c.b.addr.bytes, "\x0a\xe7\x05\x02", 4); /* 10.231.5.2/24 */
    if (l4_link_spec_parse(&c.a_to_b, spec, NULL, 0) != 0)
        c.a_to_b.rate_bps = 1; /* makes the test fail visibly */
    c.b_to_a = c.a_to_b;
    c.seed = 5;
    return c;
}

typedef struct tap_log {
    int n;
    int dir[16], event[16];
    l4_time wall[16];
    size_t len[16];
} tap_log;

static void tap_record(void *user, int dir, int event, l4_time wall, const uint8_t *pkt, size_t len)
{
    (void)pkt;
    tap_log *t = user;
    if (t->n < 16) {
        t->dir[t->n] = dir;
        t->event[t->n] = event;
        t->wall[t->n] = wall;
        t->len[t->n] = len;
        t->n++;
    }
}

static void test_namespaces(void)
{
    CHECK_MSG(g_ns_ok, "cannot create network namespaces (unshare CLONE_NEWNET) — run as root");
}

/* One datagram A->B over "delay 30ms": it arrives exactly 30 ms of link time
   after it was sent, byte for byte, and every counter says so. */
static void test_datagram_crosses_with_delay(void)
{
    CHECK(g_ns_ok);
    tap_log log;
    memset(&log, 0, sizeof log);
    l4_netem_config c = base_cfg("delay 30ms");
    c.duration = 150 * L4_MS;
    c.tap = tap_record;
    c.tap_user = &log;
    l4_netem *ne = NULL;
    char err[256] = "";
    int rc = l4_netem_new(&ne, &c, err, sizeof err);
    CHECK_MSG(rc == 0, "l4_netem_new: %s", err);
    CHECK_STR(l4_netem_tun(ne, 0)->name, "l4a");
    CHECK_STR(l4_netem_tun(ne, 1)->name, "l4b");
    CHECK(l4_netem_tun(ne, 2) == NULL);
    CHECK_EQ(l4_netem_tun(ne, 1)->mtu, 1500);
    int sa = udp_in_ns(g_ns[0].path, 0x0ae70501u, 4000);
    int sb = udp_in_ns(g_ns[1].path, 0x0ae70502u, 5000);
    CHECK(sa >= 0 && sb >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5000)};
    to.sin_addr.s_addr = htonl(0x0ae70502u);
    CHECK_EQ(sendto(sa, "across the link", 15, 0, (struct sockaddr *)&to, sizeof to), 15);
    CHECK_EQ(l4_netem_run(ne), 0);
    CHECK_EQ(l4_netem_run(ne), L4_ERR_STATE);
    CHECK(l4_netem_elapsed(ne) >= 0.15 && l4_netem_elapsed(ne) < 0.5);
    CHECK_EQ(l4_netem_stop_signal(ne), 0);
    CHECK_STR(l4_netem_error(ne), "");

    char buf[64];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    CHECK_EQ(recvfrom(sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 15);
    CHECK_MEM(buf, "across the link", 15);
    CHECK_EQU(ntohl(from.sin_addr.s_addr), 0x0ae70501u);
    CHECK_EQ(ntohs(from.sin_port), 4000);

    l4_netem_dir_stats ab, ba;
    l4_netem_stats(ne, L4_NETEM_A_TO_B, &ab);
    l4_netem_stats(ne, L4_NETEM_B_TO_A, &ba);
    CHECK_EQU(ab.read_pkts, 1);
    CHECK_EQU(ab.read_bytes, 20 + 8 + 15);
    CHECK_EQU(ab.link.offered_pkts, 1);
    CHECK_EQU(ab.link.delivered_pkts, 1);
    CHECK_EQU(ab.written_pkts, 1);
    CHECK_EQU(ab.written_bytes, 43);
    CHECK_EQU(ab.write_errors, 0);
    CHECK_EQU(ab.link.dropped_loss + ab.link.dropped_queue, 0);
    CHECK_EQU(ab.late_sum_ns, ab.late_max_ns); /* one delivery */
    CHECK_MSG(ab.late_max_ns < 50 * L4_MS, "delivered %.3f ms late", (double)ab.late_max_ns / 1e6);
    CHECK_EQU(ba.read_pkts, 0);
    CHECK_EQU(ba.link.offered_pkts, 0);
    /* The tap: SEND then DELIVER, A->B, exactly the delay apart. */
    CHECK_EQ(log.n, 2);
    CHECK_EQ(log.dir[0], L4_NETEM_A_TO_B);
    CHECK_EQ(log.event[0], L4_SIM_TAP_SEND);
    CHECK_EQ(log.event[1], L4_SIM_TAP_DELIVER);
    CHECK_EQU(log.len[1], 43);
    CHECK_EQU(log.wall[1] - log.wall[0], 30 * L4_MS);
    CHECK(log.wall[0] > 1600000000ull * L4_S); /* wall-clock time, after 2020 */
    close(sa);
    close(sb);
    l4_netem_del(ne);
}

/* "loss 100%": every packet read is dropped by the link, none delivered. */
static void test_total_loss(void)
{
    CHECK(g_ns_ok);
    l4_netem_config c = base_cfg("loss 100%");
    c.duration = 80 * L4_MS;
    l4_netem *ne = NULL;
    char err[256] = "";
    CHECK_MSG(l4_netem_new(&ne, &c, err, sizeof err) == 0, "l4_netem_new: %s", err);
    int sa = udp_in_ns(g_ns[0].path, 0x0ae70501u, 4001);
    int sb = udp_in_ns(g_ns[1].path, 0x0ae70502u, 5001);
    CHECK(sa >= 0 && sb >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5001)};
    to.sin_addr.s_addr = htonl(0x0ae70502u);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(sendto(sa, "x", 1, 0, (struct sockaddr *)&to, sizeof to), 1);
    CHECK_EQ(l4_netem_run(ne), 0);
    char buf[8];
    CHECK_EQ(recv(sb, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    l4_netem_dir_stats ab;
    l4_netem_stats(ne, L4_NETEM_A_TO_B, &ab);
    CHECK_EQU(ab.read_pkts, 5);
    CHECK_EQU(ab.link.dropped_loss, 5);
    CHECK_EQU(ab.written_pkts, 0);
    l4_netem_stats(ne, 7, &ab); /* no such direction: zeros */
    CHECK_EQU(ab.read_pkts, 0);
    close(sa);
    close(sb);
    l4_netem_del(ne);
}

static void test_errors_leave_nothing(void)
{
    CHECK(g_ns_ok);
    l4_netem_config c = base_cfg("");
    c.b.netns = "l4t-netem-no-such-namespace";
    l4_netem *ne = (l4_netem *)&c; /* must be reset to NULL */
    char err[256] = "";
    CHECK_EQ(l4_netem_new(&ne, &c, err, sizeof err), L4_ERR_NOT_FOUND);
    CHECK(ne == NULL);
    CHECK_MSG(strstr(err, "device B") && strstr(err, "l4t-netem-no-such-namespace"), "err '%s'",
              err);
    /* Device A was made, then removed: creating it again works. */
    c = base_cfg("");
    c.b.prefix = 40;
    CHECK_EQ(l4_netem_new(&ne, &c, err, sizeof err), L4_ERR_INVALID_ARGUMENT);
    CHECK_MSG(strstr(err, "prefix /40") != NULL, "err '%s'", err);
    c = base_cfg("");
    CHECK_MSG(l4_netem_new(&ne, &c, err, sizeof err) == 0, "again: %s", err);
    l4_netem_del(ne);
    l4_netem_del(NULL);
    CHECK_EQ(l4_netem_new(&ne, NULL, err, sizeof err), L4_ERR_INVALID_ARGUMENT);
}

static const l4_test TESTS[] = {
    TEST(test_namespaces),
    TEST(test_datagram_crosses_with_delay),
    TEST(test_total_loss),
    TEST(test_errors_leave_nothing),
    TEST_END,
};

int main(int argc, char **argv)
{
    g_ns_ok = ns_spawn(&g_ns[0]) == 0 && ns_spawn(&g_ns[1]) == 0;
    int rc = l4_test_main(argc, argv, TESTS);
    for (int i = 0; i < 2; i++) {
        if (g_ns[i].pid > 0) {
            kill(g_ns[i].pid, SIGKILL);
            waitpid(g_ns[i].pid, NULL, 0);
        }
    }
    return rc;
}
