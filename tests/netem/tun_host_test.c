/*
 * tests/netem/tun_host_test.c — io/tun_host with the device's offloads
 * (IFF_VNET_HDR + TUNSETOFFLOAD), against the kernel's TCP in a private
 * network namespace: 4 MiB each way byte-exact, the kernel's 64 KB
 * super-packets read whole and l4kit's large segments written whole (the
 * counters say so); and, in a child whose TUNSETOFFLOAD the kernel refuses
 * (a seccomp filter answers it with EINVAL), the clean fallback to plain
 * packets with the reason kept, and the same transfer still working.
 * Needs root (as CI runs it); without the rights it FAILS, it does not skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "host/socket.h"
#include "io/clock.h"
#include "io/loop.h"
#include "io/tun_host.h"

static int g_unshared;

#define XFER (4u << 20)

static uint8_t pat(size_t i)
{
    return (uint8_t)(i * 7u + (i >> 11) + 1u);
}

typedef struct rig {
    l4_loop *loop;
    l4_tun_host *th;
    l4_host *h;
} rig;

static int rig_open(rig *r, const char *name, int offload, char *err, size_t errcap)
{
    memset(r, 0, sizeof *r);
    r->loop = l4_loop_new();
    if (!r->loop)
        return -1;
    l4_tun_host_config c;
    memset(&c, 0, sizeof c);
    c.tun_name = name;
    l4_addr_parse(&c.tun_addr, "10.231.9.1");
    c.tun_prefix = 24;
    l4_addr_parse(&c.addr, "10.231.9.2");
    c.offload = offload;
    int rc = l4_tun_host_open(&r->th, r->loop, &c, err, errcap);
    if (rc == 0)
        r->h = l4_tun_host_host(r->th);
    return rc;
}

static void rig_close(rig *r)
{
    l4_tun_host_close(r->th);
    l4_loop_del(r->loop);
}

/* The kernel sends XFER bytes to an l4kit listener; 0 when all arrived in
   order, else a line number. */
static int kernel_to_l4(rig *r)
{
    l4_addr any;
    l4_addr_parse(&any, "10.231.9.2");
    int ls = l4_socket_open(r->h, L4_AF_INET4, L4_SOCK_STREAM);
    if (l4_socket_bind(r->h, ls, &any, 7) || l4_socket_listen(r->h, ls, 4))
        return __LINE__;
    int k = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7)};
    to.sin_addr.s_addr = htonl(0x0ae70902u);
    if (connect(k, (struct sockaddr *)&to, sizeof to) != -1 || errno != EINPROGRESS)
        return __LINE__;
    static uint8_t buf[65536];
    size_t sent = 0, got = 0;
    int sd = -1, eof = 0, shut = 0;
    l4_time end = l4_io_now() + 20 * L4_S;
    while (!eof && l4_io_now() < end) {
        l4_loop_run_once(r->loop, l4_io_now() + L4_MS);
        while (sent < XFER) {
            size_t n = XFER - sent < sizeof buf ? XFER - sent : sizeof buf;
            for (size_t i = 0; i < n; i++)
                buf[i] = pat(sent + i);
            ssize_t w = send(k, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        if (sent == XFER && !shut) {
            shutdown(k, SHUT_WR);
            shut = 1;
        }
        if (sd < 0)
            sd = l4_socket_accept(r->h, ls, NULL, NULL);
        for (;;) {
            l4_ssize n = sd < 0 ? L4_EAGAIN : l4_socket_recv(r->h, sd, buf, sizeof buf, 0);
            if (n == 0)
                eof = 1;
            if (n <= 0)
                break;
            for (l4_ssize i = 0; i < n; i++)
                if (buf[i] != pat(got + (size_t)i))
                    return __LINE__;
            got += (size_t)n;
        }
        l4_tun_host_flush(r->th); /* the window update after reading */
    }
    close(k);
    if (sd >= 0)
        l4_socket_close(r->h, sd, l4_tun_host_now(r->th));
    l4_socket_close(r->h, ls, l4_tun_host_now(r->th));
    l4_tun_host_flush(r->th);
    return got == XFER && eof ? 0 : __LINE__;
}

/* l4kit connects to a kernel listener and sends XFER bytes. */
static int l4_to_kernel(rig *r)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(9)};
    at.sin_addr.s_addr = htonl(0x0ae70901u);
    if (bind(ls, (struct sockaddr *)&at, sizeof at) || listen(ls, 4))
        return __LINE__;
    l4_addr dst;
    l4_addr_parse(&dst, "10.231.9.1");
    int sd = l4_socket_open(r->h, L4_AF_INET4, L4_SOCK_STREAM);
    if (l4_socket_connect(r->h, sd, &dst, 9, l4_tun_host_now(r->th)) != L4_EINPROGRESS)
        return __LINE__;
    l4_tun_host_flush(r->th);
    static uint8_t buf[65536];
    size_t sent = 0, got = 0;
    int k = -1, eof = 0, shut = 0;
    l4_time end = l4_io_now() + 20 * L4_S;
    while (!eof && l4_io_now() < end) {
        l4_loop_run_once(r->loop, l4_io_now() + L4_MS);
        l4_time now = l4_tun_host_now(r->th);
        while (sent < XFER && l4_socket_state(r->h, sd) == L4_TCP_ESTABLISHED) {
            size_t n = XFER - sent < sizeof buf ? XFER - sent : sizeof buf;
            for (size_t i = 0; i < n; i++)
                buf[i] = pat(sent + i);
            l4_ssize w = l4_socket_send(r->h, sd, buf, n, now);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        if (sent == XFER && !shut) {
            l4_socket_shutdown(r->h, sd, now);
            shut = 1;
        }
        l4_tun_host_flush(r->th);
        if (k < 0)
            k = accept(ls, NULL, NULL);
        for (;;) {
            ssize_t n = k < 0 ? -1 : recv(k, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0)
                eof = 1;
            if (n <= 0)
                break;
            for (ssize_t i = 0; i < n; i++)
                if (buf[i] != pat(got + (size_t)i))
                    return __LINE__;
            got += (size_t)n;
        }
    }
    if (k >= 0)
        close(k);
    close(ls);
    l4_socket_close(r->h, sd, l4_tun_host_now(r->th));
    l4_tun_host_flush(r->th);
    return got == XFER && eof ? 0 : __LINE__;
}

static void test_offloads(void)
{
    CHECK_MSG(g_unshared == 0, "cannot create a network namespace: %s — run as root",
              strerror(g_unshared));
    rig r;
    char err[200];
    CHECK_MSG(rig_open(&r, "l4t-off", 1, err, sizeof err) == 0, "tun_host: %s", err);
    CHECK_EQU(l4_tun_host_offloads(r.th),
              L4_TUN_OFFLOAD_CSUM | L4_TUN_OFFLOAD_TSO4 | L4_TUN_OFFLOAD_TSO6);
    CHECK_STR(l4_tun_host_offload_note(r.th), "");
    CHECK_EQU(l4_host_config_get(r.h)->tcp.tso_max, 64);
    CHECK_EQ(kernel_to_l4(&r), 0);
    const l4_tun_host_stats *st = l4_tun_host_stats_get(r.th);
    CHECK_MSG(st->gso_in >= 10, "%llu super-packets in", (unsigned long long)st->gso_in);
    CHECK_EQ(l4_to_kernel(&r), 0);
    CHECK_MSG(st->gso_out >= 10, "%llu large segments out", (unsigned long long)st->gso_out);
    CHECK_EQU(st->vnet_bad, 0);
    CHECK(st->pkts_in < XFER / 1448); /* far fewer packets than MSS-sized ones */
    rig_close(&r);
    /* offload 0: plain packets, no large segments */
    CHECK_MSG(rig_open(&r, "l4t-plain", 0, err, sizeof err) == 0, "tun_host: %s", err);
    CHECK_EQU(l4_tun_host_offloads(r.th), 0);
    CHECK_EQU(l4_host_config_get(r.h)->tcp.tso_max, 0);
    CHECK_EQ(kernel_to_l4(&r), 0);
    CHECK_EQU(l4_tun_host_stats_get(r.th)->gso_in, 0);
    rig_close(&r);
}

/* In a child: TUNSETOFFLOAD fails with EINVAL, as on a kernel that refuses. */
static int refuse_offload(void)
{
    const uint32_t req = (uint32_t)TUNSETOFFLOAD;
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, req, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EINVAL & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void test_offloads_refused(void)
{
    CHECK_EQ(g_unshared, 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (refuse_offload() != 0)
            _exit(10);
        rig r;
        char err[200];
        if (rig_open(&r, "l4t-ref", 1, err, sizeof err) != 0)
            _exit(11);
        if (l4_tun_host_offloads(r.th) != 0)
            _exit(12);
        if (!strstr(l4_tun_host_offload_note(r.th), "TUNSETOFFLOAD"))
            _exit(13);
        if (l4_host_config_get(r.h)->tcp.tso_max > 1)
            _exit(14);
        int line = kernel_to_l4(&r);
        if (line)
            _exit(line % 200 + 50);
        line = l4_to_kernel(&r);
        if (line)
            _exit(line % 200 + 50);
        rig_close(&r);
        _exit(0);
    }
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_MSG(WEXITSTATUS(status) == 0, "child failed with %d", WEXITSTATUS(status));
}

static const l4_test TESTS[] = {TEST(test_offloads), TEST(test_offloads_refused), TEST_END};

int main(int argc, char **argv)
{
    g_unshared = unshare(CLONE_NEWNET) == 0 ? 0 : errno;
    return l4_test_main(argc, argv, TESTS);
}
