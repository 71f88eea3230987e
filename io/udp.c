/* io/udp.c — non-blocking loopback UDP sockets with recvmmsg/sendmmsg. */
#include "io/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_BATCH_MAX 64

typedef union udp_sa {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
} udp_sa;

/* Parses a loopback address; returns its family or 0. */
static int udp_addr(udp_sa *a, socklen_t *len, const char *addr, uint16_t port)
{
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, addr, &a->in.sin_addr) == 1) {
        if ((ntohl(a->in.sin_addr.s_addr) >> 24) != 127)
            return 0;
        a->in.sin_family = AF_INET;
        a->in.sin_port = htons(port);
        *len = sizeof a->in;
        return AF_INET;
    }
    if (inet_pton(AF_INET6, addr, &a->in6.sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&a->in6.sin6_addr))
            return 0;
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_port = htons(port);
        *len = sizeof a->in6;
        return AF_INET6;
    }
    return 0;
}

int l4_io_udp_open(l4_io_udp_sock *s, const char *addr, uint16_t port)
{
    udp_sa a;
    socklen_t len;
    s->fd = -1;
    if (!addr)
        return L4_ERR_INVALID_ARGUMENT;
    int fam = udp_addr(&a, &len, addr, port);
    if (!fam)
        return L4_ERR_INVALID_ARGUMENT;
    int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return L4_ERR_IO;
    if (bind(fd, &a.sa, len) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return L4_ERR_IO;
    }
    s->fd = fd;
    s->family = fam;
    return 0;
}

int l4_io_udp_connect(l4_io_udp_sock *s, const char *addr, uint16_t port)
{
    udp_sa a;
    socklen_t len;
    if (!addr || udp_addr(&a, &len, addr, port) != s->family)
        return L4_ERR_INVALID_ARGUMENT;
    return connect(s->fd, &a.sa, len) < 0 ? L4_ERR_IO : 0;
}

uint16_t l4_io_udp_local_port(const l4_io_udp_sock *s)
{
    udp_sa a;
    socklen_t len = sizeof a;
    if (getsockname(s->fd, &a.sa, &len) < 0)
        return 0;
    return ntohs(a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port);
}

int l4_io_udp_send_batch(l4_io_udp_sock *s, const l4_io_udp_msg *m, size_t n)
{
    struct mmsghdr h[UDP_BATCH_MAX];
    struct iovec iov[UDP_BATCH_MAX];
    if (n > UDP_BATCH_MAX)
        n = UDP_BATCH_MAX;
    memset(h, 0, n * sizeof h[0]);
    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = m[i].buf;
        iov[i].iov_len = m[i].len;
        h[i].msg_hdr.msg_iov = &iov[i];
        h[i].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(s->fd, h, (unsigned)n, 0);
    if (r < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED ? 0 : L4_ERR_IO;
    return r;
}

int l4_io_udp_recv_batch(l4_io_udp_sock *s, l4_io_udp_msg *m, size_t n)
{
    struct mmsghdr h[UDP_BATCH_MAX];
    struct iovec iov[UDP_BATCH_MAX];
    if (n > UDP_BATCH_MAX)
        n = UDP_BATCH_MAX;
    memset(h, 0, n * sizeof h[0]);
    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = m[i].buf;
        iov[i].iov_len = m[i].cap;
        h[i].msg_hdr.msg_iov = &iov[i];
        h[i].msg_hdr.msg_iovlen = 1;
    }
    int r = recvmmsg(s->fd, h, (unsigned)n, MSG_DONTWAIT, NULL);
    if (r < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED ? 0 : L4_ERR_IO;
    for (int i = 0; i < r; i++)
        m[i].len = h[i].msg_len;
    return r;
}

l4_ssize l4_io_udp_recv_from(l4_io_udp_sock *s, uint8_t *buf, size_t cap, char *addr,
                             size_t addrcap, uint16_t *port)
{
    udp_sa a;
    socklen_t len = sizeof a;
    ssize_t r = recvfrom(s->fd, buf, cap, MSG_DONTWAIT, &a.sa, &len);
    if (r < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? L4_ERR_AGAIN : L4_ERR_IO;
    const void *src =
        a.sa.sa_family == AF_INET ? (const void *)&a.in.sin_addr : (const void *)&a.in6.sin6_addr;
    if (!inet_ntop(a.sa.sa_family, src, addr, (socklen_t)addrcap))
        return L4_ERR_IO;
    *port = ntohs(a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port);
    return (l4_ssize)r;
}

int l4_io_udp_wait(l4_io_udp_sock *s, l4_time timeout)
{
    struct pollfd p = {s->fd, POLLIN, 0};
    int ms = timeout == L4_TIME_NONE ? -1 : (int)((timeout + L4_MS - 1) / L4_MS);
    int r = poll(&p, 1, ms);
    if (r < 0)
        return errno == EINTR ? 0 : L4_ERR_IO;
    return r > 0;
}

void l4_io_udp_close(l4_io_udp_sock *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}
