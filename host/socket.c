/*
 * host/socket.c — the socket-style API (host/socket.h) over the host's
 * sockets, TCP engines and UDP queues.
 */
#include "host/socket.h"

#include <string.h>

#include "cc/cc.h"
#include "host/host_internal.h"

int l4_socket_open(l4_host *h, int family, int type)
{
    if (!h)
        return L4_EINVAL;
    if (family != L4_AF_INET4 && family != L4_AF_INET6)
        return L4_EAFNOSUPPORT;
    if (type != L4_SOCK_STREAM && type != L4_SOCK_DGRAM)
        return L4_EPROTOTYPE;
    if (h->nsocks >= h->cfg.max_sockets)
        return L4_EMFILE;
    l4_hsock *s = sock_new(h, family, type);
    if (!s)
        return L4_ENOMEM;
    return s->sd;
}

int l4_socket_set_callbacks(l4_host *h, int sd, const l4_socket_callbacks *cb, void *user)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (cb)
        s->cb = *cb;
    else
        memset(&s->cb, 0, sizeof s->cb);
    s->user = user;
    return 0;
}

int l4_socket_set_reuseaddr(l4_host *h, int sd, int on)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    s->reuseaddr = on ? 1 : 0;
    return 0;
}

int l4_socket_set_nodelay(l4_host *h, int sd, int on)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_STREAM)
        return L4_EOPNOTSUPP;
    if (s->tcp)
        l4_tcp_conn_set_nodelay(s->tcp, on);
    return 0;
}

int l4_socket_set_cc(l4_host *h, int sd, const char *name)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_STREAM)
        return L4_EOPNOTSUPP;
    const l4_cc_ops *ops = name ? l4_cc_find(name) : NULL;
    if (!ops)
        return L4_EINVAL;
    if (s->tcp)
        return L4_EISCONN;
    s->cc = ops->name; /* the registry's string: lives as long as the program */
    return 0;
}

int l4_socket_bind(l4_host *h, int sd, const l4_addr *addr, uint16_t port)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (s->bound || s->lport || s->connected)
        return L4_EINVAL;
    l4_addr a;
    memset(&a, 0, sizeof a);
    a.family = s->family;
    if (addr && addr->family != 0) {
        if (addr->family != s->family)
            return L4_EAFNOSUPPORT;
        a = *addr;
    }
    if (!host_addr_is_any(&a) && !host_find_addr(h, &a))
        return L4_EADDRNOTAVAIL;
    if (port == 0) {
        int rc = ports_ephemeral_bind(h, s, &a, &port);
        if (rc < 0)
            return rc;
    } else {
        int rc = ports_bind_check(h, s, &a, port);
        if (rc < 0)
            return rc;
    }
    s->laddr = a;
    s->lport = port;
    ports_insert(h, s);
    return 0;
}

int l4_socket_listen(l4_host *h, int sd, int backlog)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_STREAM)
        return L4_EOPNOTSUPP;
    if (s->connected || s->tcp)
        return L4_EINVAL;
    if (backlog < 1)
        backlog = 1;
    if (backlog > 65535)
        backlog = 65535;
    if (!s->bound) {
        int rc = l4_socket_bind(h, sd, NULL, 0);
        if (rc < 0)
            return rc;
    }
    if (!s->listening) {
        for (l4_hsock *e = h->ports[s->lport % HOST_PORT_BUCKETS]; e; e = e->pnext) {
            if (e != s && e->type == L4_SOCK_STREAM && e->lport == s->lport && e->listening &&
                e->family == s->family &&
                (host_addr_is_any(&e->laddr) || host_addr_is_any(&s->laddr) ||
                 l4_addr_eq(&e->laddr, &s->laddr)))
                return L4_EADDRINUSE;
        }
    }
    s->listening = 1;
    s->backlog = (uint32_t)backlog;
    return 0;
}

int l4_socket_accept(l4_host *h, int sd, l4_addr *peer, uint16_t *pport)
{
    l4_hsock *l = sock_get(h, sd);
    if (!l)
        return L4_EBADF;
    if (!l->listening)
        return L4_EINVAL;
    l4_hsock *s = l->accq_head;
    if (!s)
        return L4_EAGAIN;
    l->accq_head = s->qnext;
    if (l->accq_head)
        l->accq_head->qprev = NULL;
    else
        l->accq_tail = NULL;
    l->acc_count--;
    s->q = HQ_NONE;
    s->parent = s->qprev = s->qnext = NULL;
    if (peer)
        *peer = s->raddr;
    if (pport)
        *pport = s->rport;
    /* Events that arrived before accept were held; announce the state now. */
    uint8_t ev = HEV_WRITABLE;
    if (s->tcp &&
        (l4_tcp_conn_recv_ready(s->tcp) > 0 || l4_tcp_conn_state(s->tcp) != L4_TCP_ESTABLISHED))
        ev |= HEV_READABLE;
    host_enter(h);
    sock_event(h, s, ev);
    host_leave(h);
    return s->sd;
}

int l4_socket_connect(l4_host *h, int sd, const l4_addr *addr, uint16_t port, l4_time now)
{
    l4_hsock *s = sock_get(h, sd);
    if (h)
        h->now = now;
    if (!s)
        return L4_EBADF;
    if (!addr)
        return L4_EINVAL;
    if (addr->family != s->family)
        return L4_EAFNOSUPPORT;
    if (port == 0 || host_addr_is_any(addr))
        return L4_EINVAL;
    if (s->listening)
        return L4_EINVAL;
    if (s->type == L4_SOCK_STREAM && s->tcp) {
        l4_tcp_state st = l4_tcp_conn_state(s->tcp);
        return st == L4_TCP_SYN_SENT ? L4_EALREADY : L4_EISCONN;
    }
    l4_addr la = s->laddr;
    if (host_addr_is_any(&la)) {
        const host_addr *a = host_pick_src(h, addr);
        if (!a)
            return L4_EADDRNOTAVAIL;
        la = a->addr;
    }
    if (s->type == L4_SOCK_DGRAM) {
        if (!s->lport) {
            int rc = l4_socket_bind(h, sd, NULL, 0);
            if (rc < 0)
                return rc;
        }
        demux_remove(h, s);
        s->laddr = la;
        s->raddr = *addr;
        s->rport = port;
        s->connected = 1;
        s->err = 0;
        if (demux_insert(h, s) < 0)
            return L4_ENOMEM;
        return 0;
    }
    /* TCP */
    uint16_t lport = s->lport;
    l4_hsock *victim = NULL;
    if (lport) {
        l4_hsock *e = demux_lookup(h, L4_SOCK_STREAM, &la, lport, addr, port);
        if (e) {
            if (!ports_tw_reusable(h, e, now))
                return L4_EADDRNOTAVAIL;
            victim = e;
        }
    } else {
        int rc = ports_ephemeral_connect(h, L4_SOCK_STREAM, &la, addr, port, &lport, &victim, now);
        if (rc < 0)
            return rc;
    }
    int rc = sock_tcp_attach(h, s);
    if (rc < 0)
        return rc;
    if (victim) {
        /* tcp_tw_reuse: the TIME_WAIT connection gives its 4-tuple up silently. */
        l4_tcp_conn_del(victim->tcp);
        victim->tcp = NULL;
        victim->conn_closed = 2;
        if (victim->in_hash)
            demux_remove(h, victim);
        if (victim->port_ref) {
            ports_ref(h, victim->lport, -1);
            victim->port_ref = 0;
        }
        timers_update(h, victim, L4_TIME_NONE);
        sock_zombie(h, victim);
        h->st.tcp_tw_reused++;
        h->st.tcp_conns_closed++;
    }
    s->laddr = la;
    s->lport = lport;
    s->raddr = *addr;
    s->rport = port;
    s->active = 1;
    s->connected = 1;
    if (l4_tcp_conn_connect(s->tcp, &la, lport, addr, port, now) < 0 || demux_insert(h, s) < 0) {
        l4_tcp_conn_del(s->tcp);
        s->tcp = NULL;
        s->connected = 0;
        s->active = 0;
        if (!s->bound)
            s->lport = 0;
        return L4_ENOMEM;
    }
    if (!s->bound && ports_ref(h, lport, 1) == 0)
        s->port_ref = 1;
    host_enter(h);
    sock_mark_dirty(h, s);
    sock_after_conn(h, s, now);
    host_leave(h);
    return L4_EINPROGRESS;
}

/* The pending error, cleared (SO_ERROR semantics). */
static int socket_take_err(l4_hsock *s)
{
    int e = s->err;
    s->err = 0;
    return e;
}

l4_ssize l4_socket_send(l4_host *h, int sd, const void *buf, size_t len, l4_time now)
{
    l4_hsock *s = sock_get(h, sd);
    if (h)
        h->now = now;
    if (!s)
        return L4_EBADF;
    if (s->type == L4_SOCK_DGRAM) {
        if (!s->connected)
            return L4_EDESTADDRREQ;
        return l4_socket_sendto(h, sd, buf, len, NULL, 0, now);
    }
    if (!s->tcp)
        return L4_ENOTCONN;
    if (s->shut_wr)
        return L4_EPIPE;
    if (l4_tcp_conn_state(s->tcp) == L4_TCP_CLOSED)
        return s->err ? socket_take_err(s) : L4_EPIPE;
    if (len == 0)
        return 0;
    host_enter(h);
    l4_ssize n = l4_tcp_conn_send(s->tcp, buf, len, now);
    if (n > 0) {
        sock_mark_dirty(h, s);
        sock_after_conn(h, s, now);
    }
    host_leave(h);
    if (n == L4_ERR_STATE)
        return L4_EPIPE;
    return n < 0 ? host_errno((int)n) : n;
}

l4_ssize l4_socket_recv(l4_host *h, int sd, void *buf, size_t cap, l4_time now)
{
    l4_hsock *s = sock_get(h, sd);
    if (h)
        h->now = now;
    if (!s)
        return L4_EBADF;
    if (s->type == L4_SOCK_DGRAM)
        return l4_socket_recvfrom(h, sd, buf, cap, NULL, NULL, NULL, now);
    if (!s->tcp)
        return s->err ? socket_take_err(s) : L4_ENOTCONN;
    host_enter(h);
    l4_ssize n = l4_tcp_conn_recv(s->tcp, buf, cap, now);
    if (n > 0) {
        sock_mark_dirty(h, s); /* a window update may be due */
        sock_after_conn(h, s, now);
    }
    host_leave(h);
    if (n >= 0)
        return n;
    if (n == L4_ERR_AGAIN)
        return L4_EAGAIN;
    if (s->err)
        return socket_take_err(s);
    if (n == L4_ERR_STATE)
        return s->est_once ? 0 : L4_ENOTCONN;
    return host_errno((int)n);
}

l4_ssize l4_socket_sendto(l4_host *h, int sd, const void *buf, size_t len, const l4_addr *addr,
                          uint16_t port, l4_time now)
{
    l4_hsock *s = sock_get(h, sd);
    if (h)
        h->now = now;
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_DGRAM)
        return L4_EOPNOTSUPP;
    if (!buf && len)
        return L4_EINVAL;
    if (!addr) {
        if (!s->connected)
            return L4_EDESTADDRREQ;
        if (s->err)
            return socket_take_err(s);
        addr = &s->raddr;
        port = s->rport;
    }
    if (addr->family != s->family)
        return L4_EAFNOSUPPORT;
    if (port == 0 || host_addr_is_any(addr))
        return L4_EINVAL;
    if (len > l4_udp_max_payload(s->family, h->cfg.mtu))
        return L4_EMSGSIZE;
    if (!s->lport) {
        int rc = l4_socket_bind(h, sd, NULL, 0);
        if (rc < 0)
            return rc;
    }
    return host_udp_send(h, s, buf, len, addr, port);
}

l4_ssize l4_socket_recvfrom(l4_host *h, int sd, void *buf, size_t cap, l4_addr *src,
                            uint16_t *sport, int *flags, l4_time now)
{
    l4_hsock *s = sock_get(h, sd);
    if (h)
        h->now = now;
    if (flags)
        *flags = 0;
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_DGRAM)
        return L4_EOPNOTSUPP;
    if (s->err)
        return socket_take_err(s);
    int f = 0;
    uint8_t ecn = s->rq.head ? s->rq.head->ecn : 0;
    l4_ssize n = l4_udp_queue_pop(&s->rq, buf, cap, src, sport, &f);
    if (n < 0)
        return L4_EAGAIN;
    s->udp_rx_ecn = ecn;
    if (flags && (f & L4_UDP_TRUNC))
        *flags |= L4_MSG_TRUNC;
    return n;
}

int l4_socket_shutdown(l4_host *h, int sd, l4_time now)
{
    l4_hsock *s = sock_get(h, sd);
    if (h)
        h->now = now;
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_STREAM)
        return L4_EOPNOTSUPP;
    if (!s->tcp)
        return L4_ENOTCONN;
    if (s->shut_wr)
        return 0;
    s->shut_wr = 1;
    host_enter(h);
    int rc = l4_tcp_conn_shutdown(s->tcp, now);
    sock_mark_dirty(h, s);
    sock_after_conn(h, s, now);
    host_leave(h);
    return rc < 0 ? L4_ENOTCONN : 0;
}

int l4_socket_close(l4_host *h, int sd, l4_time now)
{
    l4_hsock *s = sock_get(h, sd);
    if (h)
        h->now = now;
    if (!s)
        return L4_EBADF;
    host_enter(h);
    memset(&s->cb, 0, sizeof s->cb);
    s->orphan = 1;
    if (s->listening) {
        /* Connections not yet accepted are reset (like Linux). */
        l4_hsock *lists[2] = {s->synq, s->accq_head};
        for (int i = 0; i < 2; i++) {
            l4_hsock *c = lists[i];
            while (c) {
                l4_hsock *next = c->qnext;
                c->orphan = 1;
                if (c->tcp && l4_tcp_conn_state(c->tcp) != L4_TCP_CLOSED)
                    l4_tcp_conn_abort(c->tcp, now);
                sock_mark_dirty(h, c);
                sock_after_conn(h, c, now);
                if (c->q != HQ_NONE) { /* not closed by the abort: detach anyway */
                    c->parent = NULL;
                    c->q = HQ_NONE;
                    c->qprev = c->qnext = NULL;
                    sock_zombie(h, c);
                }
                c = next;
            }
        }
        s->synq = s->synq_tail = s->accq_head = s->accq_tail = NULL;
        s->syn_count = s->acc_count = 0;
        s->listening = 0;
        sock_zombie(h, s);
    } else if (s->tcp && l4_tcp_conn_state(s->tcp) != L4_TCP_CLOSED) {
        l4_tcp_conn_close(s->tcp, now);
        sock_mark_dirty(h, s);
        sock_after_conn(h, s, now);
        if (l4_tcp_conn_state(s->tcp) == L4_TCP_CLOSED)
            sock_zombie(h, s);
    } else {
        sock_zombie(h, s);
    }
    host_leave(h);
    return 0;
}

int l4_socket_error(l4_host *h, int sd)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    return socket_take_err(s);
}

int l4_socket_set_ecn(l4_host *h, int sd, unsigned ecn)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_DGRAM)
        return L4_EOPNOTSUPP;
    if (ecn > 3)
        return L4_EINVAL;
    s->udp_tx_ecn = (uint8_t)ecn;
    return 0;
}

int l4_socket_last_ecn(l4_host *h, int sd)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (s->type != L4_SOCK_DGRAM)
        return L4_EOPNOTSUPP;
    return s->udp_rx_ecn;
}

int l4_socket_local(l4_host *h, int sd, l4_addr *addr, uint16_t *port)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (addr)
        *addr = s->laddr;
    if (port)
        *port = s->lport;
    return 0;
}

int l4_socket_peer(l4_host *h, int sd, l4_addr *addr, uint16_t *port)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_EBADF;
    if (!s->connected)
        return L4_ENOTCONN;
    if (addr)
        *addr = s->raddr;
    if (port)
        *port = s->rport;
    return 0;
}

l4_tcp_state l4_socket_state(l4_host *h, int sd)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s)
        return L4_TCP_CLOSED;
    if (s->listening)
        return L4_TCP_LISTEN;
    return s->tcp ? l4_tcp_conn_state(s->tcp) : L4_TCP_CLOSED;
}

l4_tcp_conn *l4_socket_tcp_conn(l4_host *h, int sd)
{
    l4_hsock *s = sock_get(h, sd);
    return s ? s->tcp : NULL;
}

static void socket_fill_info(const l4_hsock *s, l4_socket_info *in)
{
    memset(in, 0, sizeof *in);
    in->sd = s->sd;
    in->type = s->type;
    in->family = s->family;
    in->local = s->laddr;
    in->lport = s->lport;
    in->peer = s->raddr;
    in->pport = s->rport;
    in->listening = s->listening;
    in->orphan = s->orphan;
    in->state = s->listening ? L4_TCP_LISTEN : s->tcp ? l4_tcp_conn_state(s->tcp) : L4_TCP_CLOSED;
    in->next_timer = s->deadline;
    if (s->listening) {
        in->backlog = s->backlog;
        in->syn_queue = s->syn_count;
        in->accept_queue = s->acc_count;
    }
    if (s->tcp) {
        in->sendq = l4_tcp_conn_send_queued(s->tcp);
        in->recvq = l4_tcp_conn_recv_ready(s->tcp);
        in->has_tcp_info = 1;
        l4_tcp_conn_get_info(s->tcp, &in->tcp);
    } else if (s->type == L4_SOCK_DGRAM) {
        in->recvq = s->rq.bytes;
    }
}

int l4_socket_info_get(l4_host *h, int sd, l4_socket_info *info)
{
    l4_hsock *s = sock_get(h, sd);
    if (!s || !info)
        return L4_EBADF;
    socket_fill_info(s, info);
    return 0;
}

size_t l4_host_sockets(l4_host *h, void (*fn)(const l4_socket_info *info, void *user), void *user)
{
    size_t n = 0;
    if (!h)
        return 0;
    for (size_t i = 0; i < h->nsocks_cap; i++) {
        l4_hsock *s = h->socks[i];
        if (!s || (s->zombie && !s->tcp))
            continue;
        l4_socket_info in;
        socket_fill_info(s, &in);
        if (fn)
            fn(&in, user);
        n++;
    }
    return n;
}
