/*
 * tests/netem/tun_test.c — io/tun against the real kernel.
 *
 * The test process first moves itself into a fresh network namespace
 * (unshare(CLONE_NEWNET)), so every device and address it makes is private
 * and vanishes when it exits. It needs root (as CI runs it); without the
 * rights it FAILS with the reason, it does not skip.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/clock.h"
#include "io/tun.h"
#include "util/bytes.h"
#include "wire/cksum.h"

static int g_unshared; /* 0 ok, else the errno of unshare */

static void test_namespace_available(void)
{
    CHECK_MSG(g_unshared == 0,
              "cannot create a network namespace (unshare CLONE_NEWNET): %s — run as root",
              strerror(g_unshared));
    CHECK_MSG(access("/dev/net/tun", R_OK | W_OK) == 0, "/dev/net/tun not usable: %s",
              strerror(errno));
}

static l4_tun_config cfg_v4(const char *name, const char *cidr, int up)
{
    l4_tun_config c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.up = up;
    if (cidr) {
        c.has_addr = 1;
        if (l4_tun_parse_cidr(cidr, &c.addr, &c.prefix) != 0)
            c.prefix = -1;
    }
    return c;
}

/* Reads packets until an IPv4 one comes (the kernel may also send IPv6
   router solicitations on the device), waiting up to 2 s. */
static l4_ssize read_ipv4(l4_tun *t, uint8_t *buf, size_t cap)
{
    l4_time end = l4_io_now() + 2 * L4_S;
    while (l4_io_now() < end) {
        l4_ssize n = l4_tun_read(t, buf, cap);
        if (n > 0 && (buf[0] >> 4) == 4)
            return n;
        if (n < 0 && n != L4_ERR_AGAIN)
            return n;
        if (n == L4_ERR_AGAIN)
            usleep(1000);
    }
    return L4_ERR_AGAIN;
}

static void test_create_configures_device(void)
{
    CHECK_EQ(g_unshared, 0);
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-cfg", "10.231.0.1/24", 1);
    c.mtu = 1400;
    CHECK_MSG(l4_tun_create(&t, &c) == 0, "l4_tun_create: %s", t.errmsg);
    CHECK(t.fd >= 0);
    CHECK_STR(t.name, "l4t-cfg");
    CHECK_EQ(t.mtu, 1400);
    CHECK_STR(t.errmsg, "");

    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "l4t-cfg");
    CHECK_EQ(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
    CHECK(ifr.ifr_flags & IFF_UP);
    CHECK_EQ(ioctl(s, SIOCGIFADDR, &ifr), 0);
    struct sockaddr_in sin;
    memcpy(&sin, &ifr.ifr_addr, sizeof sin);
    CHECK_EQU(ntohl(sin.sin_addr.s_addr), 0x0ae70001u);
    CHECK_EQ(ioctl(s, SIOCGIFNETMASK, &ifr), 0);
    memcpy(&sin, &ifr.ifr_netmask, sizeof sin);
    CHECK_EQU(ntohl(sin.sin_addr.s_addr), 0xffffff00u);
    close(s);
    l4_tun_close(&t);
    CHECK_EQ(t.fd, -1);
    l4_tun_close(&t);                        /* twice is harmless */
    CHECK_EQU(if_nametoindex("l4t-cfg"), 0); /* not persistent: gone with the fd */
}

static void test_kernel_to_tun_udp(void)
{
    CHECK_EQ(g_unshared, 0);
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-rd", "10.231.1.1/24", 1);
    CHECK_MSG(l4_tun_create(&t, &c) == 0, "l4_tun_create: %s", t.errmsg);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9999)};
    to.sin_addr.s_addr = htonl(0x0ae70102u); /* 10.231.1.2, routed out of l4t-rd */
    CHECK_EQ(sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof to), 5);
    uint8_t pkt[2048];
    l4_ssize n = read_ipv4(&t, pkt, sizeof pkt);
    CHECK_EQ(n, 20 + 8 + 5);
    CHECK_EQU(pkt[0], 0x45);
    CHECK_EQU(l4_get_u16(pkt + 2), 33); /* total length */
    CHECK_EQU(pkt[9], 17);              /* UDP */
    CHECK_EQU(l4_get_u32(pkt + 12), 0x0ae70101u);
    CHECK_EQU(l4_get_u32(pkt + 16), 0x0ae70102u);
    CHECK_EQU(l4_cksum(pkt, 20), 0); /* a valid header checksum */
    CHECK_EQU(l4_get_u16(pkt + 22), 9999);
    CHECK_EQU(l4_get_u16(pkt + 24), 13);
    CHECK_MEM(pkt + 28, "hello", 5);
    close(s);
    l4_tun_close(&t);
}

/* An ICMP echo request 10.231.2.2 -> 10.231.2.1 written into the device comes
   back as the kernel's echo reply, byte for byte what RFC 792 says. */
static void test_tun_to_kernel_ping(void)
{
    CHECK_EQ(g_unshared, 0);
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-wr", "10.231.2.1/24", 1);
    CHECK_MSG(l4_tun_create(&t, &c) == 0, "l4_tun_create: %s", t.errmsg);
    uint8_t req[20 + 8 + 16];
    memset(req, 0, sizeof req);
    req[0] = 0x45;
    l4_put_u16(req + 2, sizeof req);
    l4_put_u16(req + 4, 0x1234); /* id */
    req[8] = 64;                 /* TTL */
    req[9] = 1;                  /* ICMP */
    l4_put_u32(req + 12, 0x0ae70202u);
    l4_put_u32(req + 16, 0x0ae70201u);
    l4_put_u16(req + 10, l4_cksum(req, 20));
    uint8_t *icmp = req + 20;
    icmp[0] = 8; /* echo request */
    l4_put_u16(icmp + 4, 0xbeef);
    l4_put_u16(icmp + 6, 7);
    for (int i = 0; i < 16; i++)
        icmp[8 + i] = (uint8_t)(0xa0 + i);
    l4_put_u16(icmp + 2, l4_cksum(icmp, 24));
    CHECK_EQ(l4_tun_write(&t, req, sizeof req), (l4_ssize)sizeof req);

    uint8_t rep[2048];
    l4_ssize n = read_ipv4(&t, rep, sizeof rep);
    CHECK_EQ(n, (l4_ssize)sizeof req);
    CHECK_EQU(rep[9], 1);
    CHECK_EQU(l4_get_u32(rep + 12), 0x0ae70201u);
    CHECK_EQU(l4_get_u32(rep + 16), 0x0ae70202u);
    CHECK_EQU(rep[20], 0); /* echo reply */
    CHECK_EQU(rep[21], 0);
    CHECK_EQU(l4_get_u16(rep + 24), 0xbeef);
    CHECK_EQU(l4_get_u16(rep + 26), 7);
    CHECK_MEM(rep + 28, req + 28, 16);
    CHECK_EQU(l4_cksum(rep + 20, 24), 0);
    l4_tun_close(&t);
}

/* An IPv6 address shows in /proc/net/if_inet6 with its prefix length. */
static void test_ipv6_address(void)
{
    CHECK_EQ(g_unshared, 0);
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-v6", "fd00:231::1/64", 1);
    CHECK_EQ(c.addr.family, L4_AF_INET6);
    CHECK_MSG(l4_tun_create(&t, &c) == 0, "l4_tun_create: %s", t.errmsg);
    FILE *f = fopen("/proc/net/if_inet6", "r");
    CHECK(f);
    char line[256];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "fd000231000000000000000000000001") && strstr(line, " 40 ") &&
            strstr(line, "l4t-v6"))
            found = 1;
    fclose(f);
    l4_tun_close(&t);
    CHECK_MSG(found, "fd00:231::1/64 not on l4t-v6");
}

/* IFF_VNET_HDR with checksum offload: the kernel's UDP datagram comes with
   a header saying the checksum is left partial; finishing it as the header
   says gives a checksum that verifies. A write with an all-zero header is
   an ordinary packet (the kernel answers the ping). */
static void test_vnet_hdr_partial_checksum(void)
{
    CHECK_EQ(g_unshared, 0);
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-vnet", "10.231.6.1/24", 1);
    c.vnet_hdr = 1;
    c.offload = L4_TUN_OFFLOAD_CSUM;
    CHECK_MSG(l4_tun_create(&t, &c) == 0, "l4_tun_create: %s", t.errmsg);
    CHECK_EQ(t.vnet_hdr, 1);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9999)};
    to.sin_addr.s_addr = htonl(0x0ae70602u);
    CHECK_EQ(sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof to), 5);
    close(s);
    uint8_t buf[2048];
    l4_ssize n = 0;
    l4_time end = l4_io_now() + 2 * L4_S;
    while (l4_io_now() < end) { /* skip anything but IPv4 */
        n = l4_tun_read(&t, buf, sizeof buf);
        if (n > (l4_ssize)L4_VNET_LEN && (buf[L4_VNET_LEN] >> 4) == 4)
            break;
        usleep(1000);
    }
    CHECK_EQ(n, (l4_ssize)(L4_VNET_LEN + 33));
    l4_vnet_hdr h;
    CHECK_EQ(l4_vnet_parse(&h, buf, (size_t)n), (int)L4_VNET_LEN);
    CHECK_EQU(h.flags, L4_VNET_F_NEEDS_CSUM);
    CHECK_EQU(h.gso_type, L4_VNET_GSO_NONE);
    CHECK_EQU(h.csum_start, 20); /* the UDP header */
    CHECK_EQU(h.csum_offset, 6); /* its checksum field */
    uint8_t *ip = buf + L4_VNET_LEN;
    uint8_t *udp = ip + h.csum_start;
    /* Finish: one's-complement sum from csum_start to the end, stored. */
    l4_put_u16(udp + h.csum_offset, l4_cksum(udp, 13));
    uint8_t a_src[4], a_dst[4];
    memcpy(a_src, ip + 12, 4);
    memcpy(a_dst, ip + 16, 4);
    l4_addr src = l4_addr_v4(a_src), dst = l4_addr_v4(a_dst);
    uint32_t sum = l4_cksum_pseudo(&src, &dst, 17, 13);
    CHECK_EQU(l4_cksum_finish(l4_cksum_add(sum, udp, 13)), 0); /* verifies */
    CHECK_MEM(udp + 8, "hello", 5);

    /* The header round-trips through write/parse. */
    l4_vnet_hdr w = {L4_VNET_F_NEEDS_CSUM, L4_VNET_GSO_TCPV4 | L4_VNET_GSO_ECN, 52, 1448, 20, 16};
    uint8_t hb[L4_VNET_LEN];
    l4_vnet_write(hb, &w);
    CHECK_MEM(hb, "\x01\x81\x34\x00\xa8\x05\x14\x00\x10\x00", L4_VNET_LEN);
    CHECK_EQ(l4_vnet_parse(&h, hb, 9), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_vnet_parse(&h, hb, sizeof hb), (int)L4_VNET_LEN);
    CHECK_EQU(h.gso_size, 1448);
    CHECK_EQU(h.hdr_len, 52);
    CHECK_EQU(h.csum_offset, 16);

    /* An all-zero header and an echo request: the reply comes back. */
    uint8_t pkt[L4_VNET_LEN + 28];
    memset(pkt, 0, sizeof pkt);
    uint8_t *q = pkt + L4_VNET_LEN;
    q[0] = 0x45;
    l4_put_u16(q + 2, 28);
    q[8] = 64;
    q[9] = 1;
    l4_put_u32(q + 12, 0x0ae70602u);
    l4_put_u32(q + 16, 0x0ae70601u);
    l4_put_u16(q + 10, l4_cksum(q, 20));
    q[20] = 8;
    l4_put_u16(q + 24, 0x77);
    l4_put_u16(q + 22, l4_cksum(q + 20, 8));
    CHECK_EQ(l4_tun_write(&t, pkt, sizeof pkt), (l4_ssize)sizeof pkt);
    end = l4_io_now() + 2 * L4_S;
    n = 0;
    while (l4_io_now() < end) {
        n = l4_tun_read(&t, buf, sizeof buf);
        if (n > (l4_ssize)L4_VNET_LEN && (buf[L4_VNET_LEN] >> 4) == 4)
            break;
        usleep(1000);
    }
    CHECK_EQ(n, (l4_ssize)sizeof pkt);
    CHECK_EQU(buf[L4_VNET_LEN + 20], 0); /* echo reply */
    CHECK_EQU(l4_get_u16(buf + L4_VNET_LEN + 24), 0x77);
    l4_tun_close(&t);

    c.vnet_hdr = 0; /* offloads need the header */
    CHECK_EQ(l4_tun_create(&t, &c), L4_ERR_INVALID_ARGUMENT);
    c.vnet_hdr = 1;
    c.offload = 0x100;
    CHECK_EQ(l4_tun_create(&t, &c), L4_ERR_INVALID_ARGUMENT);
}

/* Reads the next IPv4 packet (after its virtio-net header) into buf. */
static l4_ssize read_vnet_ipv4(l4_tun *t, uint8_t *buf, size_t cap)
{
    l4_time end = l4_io_now() + 2 * L4_S;
    while (l4_io_now() < end) {
        l4_ssize n = l4_tun_read(t, buf, cap);
        if (n > (l4_ssize)L4_VNET_LEN && (buf[L4_VNET_LEN] >> 4) == 4)
            return n;
        if (n == L4_ERR_AGAIN)
            usleep(1000);
    }
    return L4_ERR_AGAIN;
}

/* TSO: a kernel TCP connection whose handshake the test answers by hand;
   its first flight comes out of the device as ONE super-packet larger than
   the MTU, with gso_type TCPV4 and gso_size the MSS we announced. */
static void test_vnet_hdr_tso(void)
{
    CHECK_EQ(g_unshared, 0);
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-tso", "10.231.7.1/24", 1);
    c.vnet_hdr = 1;
    c.offload = L4_TUN_OFFLOAD_CSUM | L4_TUN_OFFLOAD_TSO4;
    CHECK_MSG(l4_tun_create(&t, &c) == 0, "l4_tun_create: %s", t.errmsg);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(s >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
    to.sin_addr.s_addr = htonl(0x0ae70702u);
    CHECK(connect(s, (struct sockaddr *)&to, sizeof to) == -1 && errno == EINPROGRESS);
    uint8_t *buf = malloc(70000);
    CHECK(buf);
    l4_ssize n = read_vnet_ipv4(&t, buf, 70000);
    uint8_t *ip = buf + L4_VNET_LEN;
    CHECK(n > 0);
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    const uint8_t *syn = ip + ihl;
    CHECK_EQU(ip[9], 6);
    CHECK_EQU(syn[13], 0x02); /* SYN */
    uint16_t cport = l4_get_u16(syn);
    uint32_t cseq = l4_get_u32(syn + 4);

    /* SYN-ACK from 10.231.7.2:80, MSS 1400, window 65535, no other options. */
    uint8_t sa[L4_VNET_LEN + 20 + 24];
    memset(sa, 0, sizeof sa);
    uint8_t *q = sa + L4_VNET_LEN, *tcp = q + 20;
    q[0] = 0x45;
    l4_put_u16(q + 2, 44);
    q[8] = 64;
    q[9] = 6;
    l4_put_u32(q + 12, 0x0ae70702u);
    l4_put_u32(q + 16, 0x0ae70701u);
    l4_put_u16(q + 10, l4_cksum(q, 20));
    l4_put_u16(tcp, 80);
    l4_put_u16(tcp + 2, cport);
    l4_put_u32(tcp + 4, 1000);
    l4_put_u32(tcp + 8, cseq + 1);
    tcp[12] = 6 << 4; /* 24-byte header */
    tcp[13] = 0x12;   /* SYN ACK */
    l4_put_u16(tcp + 14, 65535);
    tcp[20] = 2; /* MSS */
    tcp[21] = 4;
    l4_put_u16(tcp + 22, 1400);
    l4_addr a2 = l4_addr_v4((const uint8_t *)"\x0a\xe7\x07\x02");
    l4_addr a1 = l4_addr_v4((const uint8_t *)"\x0a\xe7\x07\x01");
    l4_put_u16(tcp + 16, l4_cksum_finish(l4_cksum_add(l4_cksum_pseudo(&a2, &a1, 6, 24), tcp, 24)));
    CHECK_EQ(l4_tun_write(&t, sa, sizeof sa), (l4_ssize)sizeof sa);

    /* Connected once the kernel took the SYN-ACK; then one big write. */
    l4_time end = l4_io_now() + 2 * L4_S;
    uint8_t *data = calloc(1, 65536);
    CHECK(data);
    ssize_t wrote = -1;
    while (wrote < 0 && l4_io_now() < end) {
        wrote = send(s, data, 65536, 0);
        if (wrote < 0)
            usleep(1000);
    }
    free(data);
    CHECK(wrote > 0);
    /* Skip the pure ACK of the handshake; the next packet carries data. */
    l4_vnet_hdr h;
    size_t plen = 0;
    for (int i = 0; i < 4 && plen == 0; i++) {
        n = read_vnet_ipv4(&t, buf, 70000);
        CHECK(n > 0);
        CHECK_EQ(l4_vnet_parse(&h, buf, (size_t)n), (int)L4_VNET_LEN);
        size_t tcp_hl = (size_t)(ip[ihl + 12] >> 4) * 4;
        plen = (size_t)n - L4_VNET_LEN - ihl - tcp_hl;
    }
    close(s);
    free(buf);
    l4_tun_close(&t);
    CHECK_MSG(plen > 1500, "first data packet carries only %zu bytes (no TSO)", plen);
    CHECK_EQU(h.gso_type, L4_VNET_GSO_TCPV4);
    CHECK_EQU(h.gso_size, 1400);
    CHECK(h.hdr_len >= 40); /* at least IP + TCP; kernels differ on what else they count */
    CHECK_EQU(h.flags, L4_VNET_F_NEEDS_CSUM);
    CHECK_EQU(h.csum_start, 20);
    CHECK_EQU(h.csum_offset, 16);
    CHECK_EQU(plen % 1400, 0); /* whole segments: the first flight, a multiple of the MSS */
}

static void test_read_empty_and_bad_write(void)
{
    CHECK_EQ(g_unshared, 0);
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-dn", NULL, 0); /* down: the kernel sends nothing */
    CHECK_MSG(l4_tun_create(&t, &c) == 0, "l4_tun_create: %s", t.errmsg);
    uint8_t buf[2048];
    CHECK_EQ(l4_tun_read(&t, buf, sizeof buf), L4_ERR_AGAIN);
    l4_tun_close(&t);
    c = cfg_v4("l4t-bad", NULL, 1);
    CHECK_MSG(l4_tun_create(&t, &c) == 0, "l4_tun_create: %s", t.errmsg);
    uint8_t junk[40] = {0x10}; /* IP version 1 */
    CHECK_EQ(l4_tun_write(&t, junk, sizeof junk), L4_ERR_IO);
    CHECK_EQ(t.sys_errno, EINVAL);
    CHECK_MSG(strstr(t.errmsg, "write 'l4t-bad'") != NULL, "errmsg '%s'", t.errmsg);
    l4_tun_close(&t);
    CHECK_EQ(l4_tun_read(&t, buf, sizeof buf), L4_ERR_STATE);
    CHECK_EQ(l4_tun_write(&t, junk, sizeof junk), L4_ERR_STATE);
}

static void test_create_in_other_namespace(void)
{
    CHECK_EQ(g_unshared, 0);
    int ready[2];
    CHECK_EQ(pipe(ready), 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char ok = 0;
    CHECK_EQ(read(ready[0], &ok, 1), 1);
    close(ready[0]);
    close(ready[1]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)child);
    struct stat before, after;
    CHECK_EQ(stat("/proc/self/ns/net", &before), 0);
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-other", "10.231.3.1/24", 1);
    c.netns = path;
    int rc = l4_tun_create(&t, &c);
    CHECK_EQ(stat("/proc/self/ns/net", &after), 0);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    CHECK_EQ(ok, 'y');
    CHECK_MSG(rc == 0, "l4_tun_create in %s: %s", path, t.errmsg);
    CHECK_EQU(before.st_ino, after.st_ino);    /* back in our own namespace */
    CHECK_EQU(if_nametoindex("l4t-other"), 0); /* the device lives over there */
    CHECK(t.fd >= 0);
    l4_tun_close(&t);
}

static void test_errors(void)
{
    l4_tun t;
    l4_tun_config c = cfg_v4("l4t-x", "10.231.4.1/24", 1);
    c.netns = "l4t-no-such-namespace";
    CHECK_EQ(l4_tun_create(&t, &c), L4_ERR_NOT_FOUND);
    CHECK_EQ(t.fd, -1);
    CHECK_EQ(t.sys_errno, ENOENT);
    CHECK_MSG(strstr(t.errmsg, "'l4t-no-such-namespace'") != NULL, "errmsg '%s'", t.errmsg);
    c = cfg_v4("l4t-name-far-too-long", NULL, 1);
    CHECK_EQ(l4_tun_create(&t, &c), L4_ERR_INVALID_ARGUMENT);
    CHECK_MSG(strstr(t.errmsg, "longer than 15") != NULL, "errmsg '%s'", t.errmsg);
    c = cfg_v4("l4t-x", "10.231.4.1/24", 1);
    c.prefix = 33;
    CHECK_EQ(l4_tun_create(&t, &c), L4_ERR_INVALID_ARGUMENT);
    c.prefix = 24;
    c.addr.family = 5;
    CHECK_EQ(l4_tun_create(&t, &c), L4_ERR_INVALID_ARGUMENT);
    c = cfg_v4("l4t-x", NULL, 1);
    c.mtu = 67;
    CHECK_EQ(l4_tun_create(&t, &c), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_tun_create(NULL, &c), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(t.fd, -1);
}

static void test_parse_cidr(void)
{
    l4_addr a;
    int p = -1;
    CHECK_EQ(l4_tun_parse_cidr("10.231.0.1/24", &a, &p), 0);
    CHECK_EQ(a.family, L4_AF_INET4);
    CHECK_MEM(a.bytes, "\x0a\xe7\x00\x01", 4);
    CHECK_EQ(p, 24);
    CHECK_EQ(l4_tun_parse_cidr("10.231.0.1", &a, &p), 0);
    CHECK_EQ(p, 32);
    CHECK_EQ(l4_tun_parse_cidr("fd00::1/64", &a, &p), 0);
    CHECK_EQ(a.family, L4_AF_INET6);
    CHECK_EQ(p, 64);
    CHECK_EQ(a.bytes[0], 0xfd);
    CHECK_EQ(a.bytes[15], 1);
    CHECK_EQ(l4_tun_parse_cidr("fd00::1", &a, &p), 0);
    CHECK_EQ(p, 128);
    CHECK_EQ(l4_tun_parse_cidr("fd00::1/128", &a, &p), 0);
    CHECK_EQ(l4_tun_parse_cidr("10.0.0.1/0", &a, &p), 0);
    CHECK_EQ(p, 0);
    CHECK_EQ(l4_tun_parse_cidr("10.0.0.1/33", &a, &p), L4_ERR_MALFORMED);
    CHECK_EQ(l4_tun_parse_cidr("fd00::1/129", &a, &p), L4_ERR_MALFORMED);
    CHECK_EQ(l4_tun_parse_cidr("10.0.0.1/", &a, &p), L4_ERR_MALFORMED);
    CHECK_EQ(l4_tun_parse_cidr("10.0.0.1/2x", &a, &p), L4_ERR_MALFORMED);
    CHECK_EQ(l4_tun_parse_cidr("10.0.0/24", &a, &p), L4_ERR_MALFORMED);
    CHECK_EQ(l4_tun_parse_cidr("", &a, &p), L4_ERR_MALFORMED);
    CHECK_EQ(l4_tun_parse_cidr(NULL, &a, &p), L4_ERR_MALFORMED);
}

static const l4_test TESTS[] = {
    TEST(test_namespace_available),
    TEST(test_create_configures_device),
    TEST(test_kernel_to_tun_udp),
    TEST(test_tun_to_kernel_ping),
    TEST(test_ipv6_address),
    TEST(test_vnet_hdr_partial_checksum),
    TEST(test_vnet_hdr_tso),
    TEST(test_read_empty_and_bad_write),
    TEST(test_create_in_other_namespace),
    TEST(test_errors),
    TEST(test_parse_cidr),
    TEST_END,
};

int main(int argc, char **argv)
{
    g_unshared = unshare(CLONE_NEWNET) == 0 ? 0 : errno;
    return l4_test_main(argc, argv, TESTS);
}
