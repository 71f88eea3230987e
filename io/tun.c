/* io/tun.c — the Linux TUN driver (see tun.h). */
#include "io/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* struct in6_ifreq lives in <linux/ipv6.h>, which clashes with glibc's
   <netinet/in.h>; this is its layout (include/uapi/linux/ipv6.h). */
struct tun_in6_ifreq {
    struct in6_addr ifr6_addr;
    uint32_t ifr6_prefixlen;
    int ifr6_ifindex;
};

/* Records a failure: keeps errno (restored after formatting) and the reason. */
static int tun_fail(l4_tun *t, int err, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int tun_fail(l4_tun *t, int err, int sys_errno, const char *fmt, ...)
{
    char what[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    t->sys_errno = sys_errno;
    if (sys_errno)
        snprintf(t->errmsg, sizeof t->errmsg, "%s: %s", what, strerror(sys_errno));
    else
        snprintf(t->errmsg, sizeof t->errmsg, "%s", what);
    errno = sys_errno;
    return err;
}

void l4_tun_init(l4_tun *t)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
}

/* Enters the namespace `ns` (a name under /var/run/netns or a path); on success
 *orig is a descriptor of the namespace to come back to. */
static int tun_enter_netns(l4_tun *t, const char *ns, int *orig)
{
    char path[256];
    if (strchr(ns, '/'))
        snprintf(path, sizeof path, "%s", ns);
    else
        snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) {
        int e = errno;
        if (e == ENOENT)
            return tun_fail(t, L4_ERR_NOT_FOUND, e, "no network namespace '%s' (%s)", ns, path);
        return tun_fail(t, L4_ERR_IO, e, "open %s", path);
    }
    *orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*orig < 0) {
        int e = errno;
        close(nsfd);
        return tun_fail(t, L4_ERR_IO, e, "open /proc/self/ns/net");
    }
    if (setns(nsfd, CLONE_NEWNET) != 0) {
        int e = errno;
        close(nsfd);
        close(*orig);
        *orig = -1;
        return tun_fail(t, L4_ERR_IO, e, "setns into '%s'", ns);
    }
    close(nsfd);
    return 0;
}

/* Returns to the namespace saved by tun_enter_netns. Failing here would leave
   the thread in the wrong namespace, so it is reported even after success. */
static int tun_leave_netns(l4_tun *t, int orig, int rc)
{
    if (orig < 0)
        return rc;
    int back = setns(orig, CLONE_NEWNET);
    int e = errno;
    close(orig);
    if (back != 0 && rc == 0)
        return tun_fail(t, L4_ERR_IO, e, "setns back to the original namespace");
    return rc;
}

static int tun_set_addr4(l4_tun *t, int sock, const l4_tun_config *cfg)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, t->name, sizeof ifr.ifr_name);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    memcpy(&sin.sin_addr, cfg->addr.bytes, 4);
    memcpy(&ifr.ifr_addr, &sin, sizeof sin);
    if (ioctl(sock, SIOCSIFADDR, &ifr) != 0)
        return tun_fail(t, L4_ERR_IO, errno, "SIOCSIFADDR '%s'", t->name);
    uint32_t mask = cfg->prefix == 0 ? 0 : 0xffffffffu << (32 - cfg->prefix);
    sin.sin_addr.s_addr = htonl(mask);
    memcpy(&ifr.ifr_netmask, &sin, sizeof sin);
    if (ioctl(sock, SIOCSIFNETMASK, &ifr) != 0)
        return tun_fail(t, L4_ERR_IO, errno, "SIOCSIFNETMASK '%s' /%d", t->name, cfg->prefix);
    return 0;
}

static int tun_set_addr6(l4_tun *t, int sock4, const l4_tun_config *cfg)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, t->name, sizeof ifr.ifr_name);
    if (ioctl(sock4, SIOCGIFINDEX, &ifr) != 0)
        return tun_fail(t, L4_ERR_IO, errno, "SIOCGIFINDEX '%s'", t->name);
    int sock6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock6 < 0)
        return tun_fail(t, L4_ERR_IO, errno, "socket(AF_INET6)");
    struct tun_in6_ifreq r6;
    memset(&r6, 0, sizeof r6);
    memcpy(&r6.ifr6_addr, cfg->addr.bytes, 16);
    r6.ifr6_prefixlen = (uint32_t)cfg->prefix;
    r6.ifr6_ifindex = ifr.ifr_ifindex;
    int rc = 0;
    if (ioctl(sock6, SIOCSIFADDR, &r6) != 0)
        rc = tun_fail(t, L4_ERR_IO, errno, "SIOCSIFADDR (IPv6) '%s'", t->name);
    close(sock6);
    return rc;
}

/* MTU, address and IFF_UP, through an ioctl socket of the current namespace. */
static int tun_configure(l4_tun *t, const l4_tun_config *cfg)
{
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return tun_fail(t, L4_ERR_IO, errno, "socket(AF_INET)");
    struct ifreq ifr;
    int rc = 0;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, t->name, sizeof ifr.ifr_name);
    if (cfg->mtu > 0) {
        ifr.ifr_mtu = cfg->mtu;
        if (ioctl(sock, SIOCSIFMTU, &ifr) != 0) {
            rc = tun_fail(t, L4_ERR_IO, errno, "SIOCSIFMTU '%s' %d", t->name, cfg->mtu);
            goto out;
        }
    }
    if (ioctl(sock, SIOCGIFMTU, &ifr) != 0) {
        rc = tun_fail(t, L4_ERR_IO, errno, "SIOCGIFMTU '%s'", t->name);
        goto out;
    }
    t->mtu = ifr.ifr_mtu;
    /* IPv4 addresses can be set before the interface is up; IPv6 ones need
       the device's inet6 state, which exists once it is registered. */
    if (cfg->has_addr && cfg->addr.family == L4_AF_INET4 && (rc = tun_set_addr4(t, sock, cfg)))
        goto out;
    if (cfg->up) {
        memset(&ifr, 0, sizeof ifr);
        memcpy(ifr.ifr_name, t->name, sizeof ifr.ifr_name);
        if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) {
            rc = tun_fail(t, L4_ERR_IO, errno, "SIOCGIFFLAGS '%s'", t->name);
            goto out;
        }
        ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
        if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) {
            rc = tun_fail(t, L4_ERR_IO, errno, "SIOCSIFFLAGS '%s' up", t->name);
            goto out;
        }
    }
    if (cfg->has_addr && cfg->addr.family == L4_AF_INET6)
        rc = tun_set_addr6(t, sock, cfg);
out:
    close(sock);
    return rc;
}

/* IFF_VNET_HDR details: little-endian headers of L4_VNET_LEN bytes and
   the offloads asked for. */
static int tun_setup_vnet(l4_tun *t, int fd, unsigned offload)
{
    int le = 1, sz = (int)L4_VNET_LEN;
    if (ioctl(fd, TUNSETVNETLE, &le) != 0)
        return tun_fail(t, L4_ERR_IO, errno, "TUNSETVNETLE '%s'", t->name);
    if (ioctl(fd, TUNSETVNETHDRSZ, &sz) != 0)
        return tun_fail(t, L4_ERR_IO, errno, "TUNSETVNETHDRSZ '%s'", t->name);
    if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)offload) != 0)
        return tun_fail(t, L4_ERR_IO, errno, "TUNSETOFFLOAD '%s' 0x%x", t->name, offload);
    return 0;
}

/* Opens /dev/net/tun and binds it to the device, in the current namespace. */
static int tun_open_dev(l4_tun *t, const char *name, const l4_tun_config *cfg)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return tun_fail(t, L4_ERR_IO, errno, "open /dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (cfg->vnet_hdr)
        ifr.ifr_flags |= IFF_VNET_HDR;
    if (name)
        memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int e = errno;
        close(fd);
        return tun_fail(t, L4_ERR_IO, e, "TUNSETIFF '%s'", name ? name : "");
    }
    memcpy(t->name, ifr.ifr_name, sizeof t->name);
    t->name[sizeof t->name - 1] = '\0';
    if (cfg->vnet_hdr) {
        int rc = tun_setup_vnet(t, fd, cfg->offload);
        if (rc != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return rc;
        }
    }
    t->fd = fd;
    t->vnet_hdr = cfg->vnet_hdr != 0;
    return 0;
}

int l4_tun_create(l4_tun *t, const l4_tun_config *cfg)
{
    if (!t || !cfg)
        return L4_ERR_INVALID_ARGUMENT;
    l4_tun_init(t);
    const char *name = cfg->name && cfg->name[0] ? cfg->name : NULL;
    if (name && strlen(name) >= L4_TUN_NAMESIZ)
        return tun_fail(t, L4_ERR_INVALID_ARGUMENT, 0, "interface name '%s' longer than %d bytes",
                        name, L4_TUN_NAMESIZ - 1);
    if (cfg->has_addr) {
        int maxp = cfg->addr.family == L4_AF_INET4   ? 32
                   : cfg->addr.family == L4_AF_INET6 ? 128
                                                     : -1;
        if (maxp < 0)
            return tun_fail(t, L4_ERR_INVALID_ARGUMENT, 0, "address family %d", cfg->addr.family);
        if (cfg->prefix < 0 || cfg->prefix > maxp)
            return tun_fail(t, L4_ERR_INVALID_ARGUMENT, 0, "prefix /%d out of range 0-%d",
                            cfg->prefix, maxp);
    }
    const unsigned known =
        L4_TUN_OFFLOAD_CSUM | L4_TUN_OFFLOAD_TSO4 | L4_TUN_OFFLOAD_TSO6 | L4_TUN_OFFLOAD_TSO_ECN;
    if ((cfg->offload && !cfg->vnet_hdr) || (cfg->offload & ~known))
        return tun_fail(t, L4_ERR_INVALID_ARGUMENT, 0, "offload 0x%x%s", cfg->offload,
                        cfg->vnet_hdr ? " has unknown bits" : " needs vnet_hdr");
    if (cfg->mtu != 0 && cfg->mtu < 68) /* RFC 791: every IPv4 host takes 68 bytes */
        return tun_fail(t, L4_ERR_INVALID_ARGUMENT, 0, "mtu %d below 68", cfg->mtu);

    int orig = -1, rc;
    if (cfg->netns && cfg->netns[0] && (rc = tun_enter_netns(t, cfg->netns, &orig)))
        return rc;
    rc = tun_open_dev(t, name, cfg);
    if (rc == 0)
        rc = tun_configure(t, cfg);
    rc = tun_leave_netns(t, orig, rc);
    if (rc != 0 && t->fd >= 0) {
        int e = errno;
        close(t->fd);
        t->fd = -1;
        errno = e;
    }
    return rc;
}

l4_ssize l4_tun_read(l4_tun *t, uint8_t *buf, size_t cap)
{
    if (t->fd < 0)
        return L4_ERR_STATE;
    for (;;) {
        ssize_t n = read(t->fd, buf, cap);
        if (n > 0)
            return (l4_ssize)n;
        if (n == 0)
            return L4_ERR_AGAIN;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return L4_ERR_AGAIN;
        return tun_fail(t, L4_ERR_IO, errno, "read '%s'", t->name);
    }
}

l4_ssize l4_tun_write(l4_tun *t, const uint8_t *pkt, size_t len)
{
    if (t->fd < 0)
        return L4_ERR_STATE;
    for (;;) {
        ssize_t n = write(t->fd, pkt, len);
        if (n >= 0)
            return (l4_ssize)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return L4_ERR_AGAIN;
        return tun_fail(t, L4_ERR_IO, errno, "write '%s' (%zu bytes)", t->name, len);
    }
}

void l4_tun_close(l4_tun *t)
{
    if (t && t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
}

int l4_tun_parse_cidr(const char *text, l4_addr *addr, int *prefix)
{
    if (!text || !addr || !prefix)
        return L4_ERR_MALFORMED;
    char buf[64];
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof buf)
        return L4_ERR_MALFORMED;
    memcpy(buf, text, n + 1);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    if (l4_addr_parse(addr, buf) != 0)
        return L4_ERR_MALFORMED;
    int maxp = addr->family == L4_AF_INET4 ? 32 : 128;
    if (!slash) {
        *prefix = maxp;
        return 0;
    }
    const char *p = slash + 1;
    if (*p < '0' || *p > '9')
        return L4_ERR_MALFORMED;
    int v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > maxp)
            return L4_ERR_MALFORMED;
    }
    if (*p != '\0')
        return L4_ERR_MALFORMED;
    *prefix = v;
    return 0;
}
