/* io/udp.c — non-blocking UDP sockets: recvmmsg/sendmmsg, UDP GSO and GRO. */
#include "io/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h, since Linux 4.18 */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104 /* since Linux 5.0 */
#endif

int l4_io_udp_addr_parse(l4_io_udp_addr *a, const char *addr, uint16_t port)
{
    if (!a || !addr)
        return L4_ERR_INVALID_ARGUMENT;
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, addr, &a->u.in.sin_addr) == 1) {
        a->u.in.sin_family = AF_INET;
        a->u.in.sin_port = htons(port);
        a->len = sizeof a->u.in;
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &a->u.in6.sin6_addr) == 1) {
        a->u.in6.sin6_family = AF_INET6;
        a->u.in6.sin6_port = htons(port);
        a->len = sizeof a->u.in6;
        return 0;
    }
    return L4_ERR_INVALID_ARGUMENT;
}

int l4_io_udp_addr_format(const l4_io_udp_addr *a, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    if (!a || a->len == 0 || (a->u.sa.sa_family != AF_INET && a->u.sa.sa_family != AF_INET6))
        return L4_ERR_INVALID_ARGUMENT;
    int v4 = a->u.sa.sa_family == AF_INET;
    const void *src = v4 ? (const void *)&a->u.in.sin_addr : (const void *)&a->u.in6.sin6_addr;
    if (!inet_ntop(a->u.sa.sa_family, src, ip, sizeof ip))
        return L4_ERR_INVALID_ARGUMENT;
    unsigned port = ntohs(v4 ? a->u.in.sin_port : a->u.in6.sin6_port);
    int n = snprintf(buf, cap, v4 ? "%s:%u" : "[%s]:%u", ip, port);
    return n < 0 || (size_t)n >= cap ? L4_ERR_NOBUF : n;
}

int l4_io_udp_addr_eq(const l4_io_udp_addr *a, const l4_io_udp_addr *b)
{
    if (a->u.sa.sa_family != b->u.sa.sa_family)
        return 0;
    if (a->u.sa.sa_family == AF_INET)
        return a->u.in.sin_port == b->u.in.sin_port &&
               a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
    if (a->u.sa.sa_family == AF_INET6)
        return a->u.in6.sin6_port == b->u.in6.sin6_port &&
               memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
    return 0;
}

int l4_io_udp_addr_is_loopback(const l4_io_udp_addr *a)
{
    if (a->u.sa.sa_family == AF_INET)
        return (ntohl(a->u.in.sin_addr.s_addr) >> 24) == 127;
    if (a->u.sa.sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&a->u.in6.sin6_addr);
    return 0;
}

int l4_io_udp_open(l4_io_udp_sock *s, const char *addr, uint16_t port)
{
    l4_io_udp_addr a;
    memset(s, 0, sizeof *s);
    s->fd = -1;
    if (l4_io_udp_addr_parse(&a, addr, port) < 0)
        return L4_ERR_INVALID_ARGUMENT;
    int fam = a.u.sa.sa_family;
    int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return L4_ERR_IO;
    if (bind(fd, &a.u.sa, a.len) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return L4_ERR_IO;
    }
    s->fd = fd;
    s->family = fam;
    return 0;
}

int l4_io_udp_connect_addr(l4_io_udp_sock *s, const l4_io_udp_addr *a)
{
    if (!a || a->len == 0 || a->u.sa.sa_family != s->family)
        return L4_ERR_INVALID_ARGUMENT;
    if (connect(s->fd, &a->u.sa, a->len) < 0)
        return L4_ERR_IO;
    s->connected = 1;
    return 0;
}

int l4_io_udp_connect(l4_io_udp_sock *s, const char *addr, uint16_t port)
{
    l4_io_udp_addr a;
    if (l4_io_udp_addr_parse(&a, addr, port) < 0)
        return L4_ERR_INVALID_ARGUMENT;
    return l4_io_udp_connect_addr(s, &a);
}

uint16_t l4_io_udp_local_port(const l4_io_udp_sock *s)
{
    l4_io_udp_addr a;
    socklen_t len = sizeof a.u;
    if (getsockname(s->fd, &a.u.sa, &len) < 0)
        return 0;
    return ntohs(a.u.sa.sa_family == AF_INET ? a.u.in.sin_port : a.u.in6.sin6_port);
}

static void udp_bufsize(int fd, int opt_force, int opt, int size)
{
    if (setsockopt(fd, SOL_SOCKET, opt_force, &size, sizeof size) == 0)
        return;
    (void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size); /* capped by the sysctl */
}

unsigned l4_io_udp_offload(l4_io_udp_sock *s, unsigned want, int bufsize)
{
    if (bufsize > 0) {
        udp_bufsize(s->fd, SO_RCVBUFFORCE, SO_RCVBUF, bufsize);
        udp_bufsize(s->fd, SO_SNDBUFFORCE, SO_SNDBUF, bufsize);
    }
    s->gso = s->gro = 0;
    if (want & L4_IO_UDP_GSO) {
        int v = 0;
        socklen_t l = sizeof v;
        /* The option exists (Linux ≥ 4.18) when it can be read. */
        s->gso = getsockopt(s->fd, SOL_UDP, UDP_SEGMENT, &v, &l) == 0;
    }
    if (want & L4_IO_UDP_GRO) {
        int on = 1;
        s->gro = setsockopt(s->fd, SOL_UDP, UDP_GRO, &on, sizeof on) == 0;
    }
    return (s->gso ? L4_IO_UDP_GSO : 0) | (s->gro ? L4_IO_UDP_GRO : 0);
}

int l4_io_udp_enable_ecn(l4_io_udp_sock *s)
{
    int on = 1, ok = setsockopt(s->fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof on) == 0;
    if (s->family == AF_INET6) /* IPv6, and IPv4 through a dual-stack socket above */
        ok = setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on) == 0;
    s->ecn = ok;
    return ok;
}

/* Appends the ECN codepoint as IP_TOS / IPV6_TCLASS to a control buffer
 * (RFC 3168: the low two bits; the DSCP bits stay 0). */
static void udp_cmsg_ecn(const l4_io_udp_sock *s, struct msghdr *h, struct cmsghdr *cm, int ecn)
{
    int tos = ecn & 3;
    cm->cmsg_level = s->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    cm->cmsg_type = s->family == AF_INET6 ? IPV6_TCLASS : IP_TOS;
    cm->cmsg_len = CMSG_LEN(sizeof tos);
    memcpy(CMSG_DATA(cm), &tos, sizeof tos);
    h->msg_controllen += CMSG_SPACE(sizeof tos);
}

static int udp_soft_errno(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR;
}

/* One message per datagram: messages [first, n) of m expanded up to the
 * batch limit; returns the whole messages sent. */
static int udp_sendv_split(l4_io_udp_sock *s, const l4_io_udp_dgram *m, size_t n)
{
    struct mmsghdr h[L4_IO_UDP_BATCH_MAX];
    struct iovec iov[L4_IO_UDP_BATCH_MAX];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl[L4_IO_UDP_BATCH_MAX];
    uint8_t owner[L4_IO_UDP_BATCH_MAX]; /* message index of each datagram */
    size_t k = 0, whole = 0;
    for (size_t i = 0; i < n; i++) {
        size_t seg = m[i].seg && m[i].seg < m[i].len ? m[i].seg : m[i].len;
        size_t parts = seg ? (m[i].len + seg - 1) / seg : 1;
        if (k + parts > L4_IO_UDP_BATCH_MAX)
            break;
        for (size_t off = 0, p = 0; p < parts; p++, off += seg) {
            memset(&h[k], 0, sizeof h[k]);
            iov[k].iov_base = m[i].buf + off;
            iov[k].iov_len = m[i].len - off < seg ? m[i].len - off : seg;
            h[k].msg_hdr.msg_iov = &iov[k];
            h[k].msg_hdr.msg_iovlen = 1;
            if (m[i].peer.len) {
                h[k].msg_hdr.msg_name = (void *)&m[i].peer.u;
                h[k].msg_hdr.msg_namelen = m[i].peer.len;
            }
            if (m[i].ecn) {
                memset(&ctl[k], 0, sizeof ctl[k]);
                h[k].msg_hdr.msg_control = ctl[k].buf;
                h[k].msg_hdr.msg_controllen = sizeof ctl[k].buf;
                struct cmsghdr *cm = CMSG_FIRSTHDR(&h[k].msg_hdr);
                h[k].msg_hdr.msg_controllen = 0;
                udp_cmsg_ecn(s, &h[k].msg_hdr, cm, m[i].ecn);
            }
            owner[k] = (uint8_t)i;
            k++;
        }
        whole = i + 1;
    }
    if (k == 0)
        return 0;
    int r = sendmmsg(s->fd, h, (unsigned)k, 0);
    if (r < 0)
        return udp_soft_errno() ? 0 : L4_ERR_IO;
    if ((size_t)r == k)
        return (int)whole;
    if (r == 0)
        return 0;
    /* Partly sent: the messages whose every datagram went. A message cut in
     * the middle counts as sent (its tail is lost, as on a full queue). */
    size_t cut = owner[r];
    return (int)(owner[r - 1] == cut ? cut + 1 : cut);
}

int l4_io_udp_sendv(l4_io_udp_sock *s, const l4_io_udp_dgram *m, size_t n)
{
    if (n > L4_IO_UDP_BATCH_MAX)
        n = L4_IO_UDP_BATCH_MAX;
    if (!s->gso)
        return udp_sendv_split(s, m, n);
    struct mmsghdr h[L4_IO_UDP_BATCH_MAX];
    struct iovec iov[L4_IO_UDP_BATCH_MAX];
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl[L4_IO_UDP_BATCH_MAX];
    for (size_t i = 0; i < n; i++) {
        memset(&h[i], 0, sizeof h[i]);
        iov[i].iov_base = m[i].buf;
        iov[i].iov_len = m[i].len;
        h[i].msg_hdr.msg_iov = &iov[i];
        h[i].msg_hdr.msg_iovlen = 1;
        if (m[i].peer.len) {
            h[i].msg_hdr.msg_name = (void *)&m[i].peer.u;
            h[i].msg_hdr.msg_namelen = m[i].peer.len;
        }
        int gso = m[i].seg && m[i].seg < m[i].len;
        if (!gso && !m[i].ecn)
            continue;
        /* UDP_SEGMENT and the TOS travel together: every datagram of the
           run gets the same ECN codepoint */
        memset(&ctl[i], 0, sizeof ctl[i]);
        h[i].msg_hdr.msg_control = ctl[i].buf;
        h[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&h[i].msg_hdr);
        h[i].msg_hdr.msg_controllen = 0;
        if (gso) {
            cm->cmsg_level = SOL_UDP;
            cm->cmsg_type = UDP_SEGMENT;
            cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t seg = (uint16_t)m[i].seg;
            memcpy(CMSG_DATA(cm), &seg, sizeof seg);
            h[i].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
            cm = (struct cmsghdr *)((char *)cm + CMSG_SPACE(sizeof(uint16_t)));
        }
        if (m[i].ecn)
            udp_cmsg_ecn(s, &h[i].msg_hdr, cm, m[i].ecn);
    }
    int r = sendmmsg(s->fd, h, (unsigned)n, 0);
    if (r < 0) {
        if (errno == EIO || errno == EINVAL) {
            /* The route's device cannot segment: do without GSO. */
            s->gso = 0;
            return udp_sendv_split(s, m, n);
        }
        return udp_soft_errno() ? 0 : L4_ERR_IO;
    }
    return r;
}

int l4_io_udp_recvv(l4_io_udp_sock *s, l4_io_udp_dgram *m, size_t n)
{
    struct mmsghdr h[L4_IO_UDP_BATCH_MAX];
    struct iovec iov[L4_IO_UDP_BATCH_MAX];
    union {
        char buf[3 * CMSG_SPACE(sizeof(int))]; /* UDP_GRO, IP_TOS, IPV6_TCLASS */
        struct cmsghdr align;
    } ctl[L4_IO_UDP_BATCH_MAX];
    if (n > L4_IO_UDP_BATCH_MAX)
        n = L4_IO_UDP_BATCH_MAX;
    for (size_t i = 0; i < n; i++) {
        memset(&h[i], 0, sizeof h[i]);
        iov[i].iov_base = m[i].buf;
        iov[i].iov_len = m[i].cap;
        h[i].msg_hdr.msg_iov = &iov[i];
        h[i].msg_hdr.msg_iovlen = 1;
        h[i].msg_hdr.msg_name = &m[i].peer.u;
        h[i].msg_hdr.msg_namelen = sizeof m[i].peer.u;
        if (s->gro || s->ecn) {
            h[i].msg_hdr.msg_control = ctl[i].buf;
            h[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
        }
    }
    int r = recvmmsg(s->fd, h, (unsigned)n, MSG_DONTWAIT, NULL);
    if (r < 0)
        return udp_soft_errno() ? 0 : L4_ERR_IO;
    for (int i = 0; i < r; i++) {
        m[i].len = h[i].msg_len;
        m[i].seg = m[i].len;
        m[i].peer.len = h[i].msg_hdr.msg_namelen;
        m[i].ecn = 0;
        if (!s->gro && !s->ecn)
            continue;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&h[i].msg_hdr); cm;
             cm = CMSG_NXTHDR(&h[i].msg_hdr, cm)) {
            if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
                int seg;
                memcpy(&seg, CMSG_DATA(cm), sizeof seg);
                if (seg > 0 && (size_t)seg < m[i].len)
                    m[i].seg = (size_t)seg;
            } else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS) {
                m[i].ecn = *CMSG_DATA(cm) & 3; /* one byte */
            } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS) {
                int tc;
                memcpy(&tc, CMSG_DATA(cm), sizeof tc);
                m[i].ecn = (uint8_t)(tc & 3);
            }
        }
    }
    return r;
}

int l4_io_udp_send_batch(l4_io_udp_sock *s, const l4_io_udp_msg *m, size_t n)
{
    struct mmsghdr h[L4_IO_UDP_BATCH_MAX];
    struct iovec iov[L4_IO_UDP_BATCH_MAX];
    if (n > L4_IO_UDP_BATCH_MAX)
        n = L4_IO_UDP_BATCH_MAX;
    memset(h, 0, n * sizeof h[0]);
    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = m[i].buf;
        iov[i].iov_len = m[i].len;
        h[i].msg_hdr.msg_iov = &iov[i];
        h[i].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(s->fd, h, (unsigned)n, 0);
    if (r < 0)
        return udp_soft_errno() || errno == ECONNREFUSED ? 0 : L4_ERR_IO;
    return r;
}

int l4_io_udp_recv_batch(l4_io_udp_sock *s, l4_io_udp_msg *m, size_t n)
{
    struct mmsghdr h[L4_IO_UDP_BATCH_MAX];
    struct iovec iov[L4_IO_UDP_BATCH_MAX];
    if (n > L4_IO_UDP_BATCH_MAX)
        n = L4_IO_UDP_BATCH_MAX;
    memset(h, 0, n * sizeof h[0]);
    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = m[i].buf;
        iov[i].iov_len = m[i].cap;
        h[i].msg_hdr.msg_iov = &iov[i];
        h[i].msg_hdr.msg_iovlen = 1;
    }
    int r = recvmmsg(s->fd, h, (unsigned)n, MSG_DONTWAIT, NULL);
    if (r < 0)
        return udp_soft_errno() || errno == ECONNREFUSED ? 0 : L4_ERR_IO;
    for (int i = 0; i < r; i++)
        m[i].len = h[i].msg_len;
    return r;
}

l4_ssize l4_io_udp_recv_from(l4_io_udp_sock *s, uint8_t *buf, size_t cap, char *addr,
                             size_t addrcap, uint16_t *port)
{
    l4_io_udp_addr a;
    socklen_t len = sizeof a.u;
    ssize_t r = recvfrom(s->fd, buf, cap, MSG_DONTWAIT, &a.u.sa, &len);
    if (r < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? L4_ERR_AGAIN : L4_ERR_IO;
    int v4 = a.u.sa.sa_family == AF_INET;
    const void *src = v4 ? (const void *)&a.u.in.sin_addr : (const void *)&a.u.in6.sin6_addr;
    if (!inet_ntop(a.u.sa.sa_family, src, addr, (socklen_t)addrcap))
        return L4_ERR_IO;
    *port = ntohs(v4 ? a.u.in.sin_port : a.u.in6.sin6_port);
    return (l4_ssize)r;
}

int l4_io_udp_wait_rw2(l4_io_udp_sock *s, l4_io_udp_sock *also, int for_write, l4_time timeout)
{
    struct pollfd p[2] = {{s->fd, (short)(POLLIN | (for_write ? POLLOUT : 0)), 0},
                          {also ? also->fd : -1, POLLIN, 0}};
    struct timespec ts = {(time_t)(timeout / L4_S), (long)(timeout % L4_S)};
    int r = ppoll(p, also && also->fd >= 0 ? 2 : 1, timeout == L4_TIME_NONE ? NULL : &ts, NULL);
    if (r < 0)
        return errno == EINTR ? 0 : L4_ERR_IO;
    return r > 0;
}

int l4_io_udp_wait_rw(l4_io_udp_sock *s, int for_write, l4_time timeout)
{
    return l4_io_udp_wait_rw2(s, NULL, for_write, timeout);
}

int l4_io_udp_wait(l4_io_udp_sock *s, l4_time timeout)
{
    return l4_io_udp_wait_rw(s, 0, timeout);
}

void l4_io_udp_close(l4_io_udp_sock *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}
