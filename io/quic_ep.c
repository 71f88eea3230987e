/*
 * io/quic_ep.c — one UDP socket, many QUIC connections: receive batches
 * (GRO-split), demultiplex by peer address, timers, and a send arena the
 * engine writes datagrams into, grouped into GSO runs for sendmmsg.
 */
#include "io/quic_ep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "io/clock.h"
#include "util/siphash.h"
#include "wire/quic_pkt.h"

#define EP_ARENA      (2u << 20) /* send arena bytes */
#define EP_RX_BYTES   (1u << 20) /* receive buffers, all messages */
#define EP_CONN_BURST 768        /* datagrams one connection may add per round */
#define EP_RX_ROUNDS  4          /* recvmmsg calls per round before sending */

typedef struct ep_conn {
    l4_quic_conn *c;
    void *app;
    l4_io_udp_addr peer;
    struct ep_conn *hnext;
    size_t idx;
} ep_conn;

struct l4_io_quic_ep {
    l4_io_quic_ep_config cfg;
    l4_io_udp_sock sock;
    uint8_t hkey[16];
    ep_conn **v; /* live connections */
    size_t n, cap;
    ep_conn **ht; /* by peer address */
    size_t hcap;
    /* send arena: messages [head, nmsg) wait to be sent */
    uint8_t *arena;
    size_t used;
    l4_io_udp_dgram tx[L4_IO_UDP_BATCH_MAX];
    size_t nmsg, head;
    int blocked;
    /* receive */
    uint8_t *rxmem;
    l4_io_udp_dgram rx[L4_IO_UDP_BATCH_MAX];
    size_t nrx;
    l4_io_quic_ep_stats st;
};

static size_t ep_hash(const l4_io_quic_ep *ep, const l4_io_udp_addr *a)
{
    uint8_t k[20];
    size_t n = 0;
    if (a->u.sa.sa_family == AF_INET) {
        memcpy(k, &a->u.in.sin_port, 2);
        memcpy(k + 2, &a->u.in.sin_addr, 4);
        n = 6;
    } else {
        memcpy(k, &a->u.in6.sin6_port, 2);
        memcpy(k + 2, &a->u.in6.sin6_addr, 16);
        n = 18;
    }
    return (size_t)l4_siphash24(ep->hkey, k, n) & (ep->hcap - 1);
}

static ep_conn *ep_find(const l4_io_quic_ep *ep, const l4_io_udp_addr *a)
{
    for (ep_conn *e = ep->ht[ep_hash(ep, a)]; e; e = e->hnext)
        if (l4_io_udp_addr_eq(&e->peer, a))
            return e;
    return NULL;
}

static int ep_grow(l4_io_quic_ep *ep)
{
    if (ep->n < ep->cap)
        return 0;
    size_t cap = ep->cap ? ep->cap * 2 : 16;
    ep_conn **v = realloc(ep->v, cap * sizeof *v);
    if (!v)
        return L4_ERR_NOMEM;
    ep->v = v;
    ep->cap = cap;
    if (cap > ep->hcap) { /* rehash at load 1 */
        ep_conn **ht = calloc(cap, sizeof *ht);
        if (!ht)
            return L4_ERR_NOMEM;
        free(ep->ht);
        ep->ht = ht;
        ep->hcap = cap;
        for (size_t i = 0; i < ep->n; i++) {
            size_t h = ep_hash(ep, &ep->v[i]->peer);
            ep->v[i]->hnext = ep->ht[h];
            ep->ht[h] = ep->v[i];
        }
    }
    return 0;
}

static int ep_insert(l4_io_quic_ep *ep, l4_quic_conn *c, void *app, const l4_io_udp_addr *peer,
                     ep_conn **out)
{
    if (ep_grow(ep) < 0)
        return L4_ERR_NOMEM;
    ep_conn *e = calloc(1, sizeof *e);
    if (!e)
        return L4_ERR_NOMEM;
    e->c = c;
    e->app = app;
    e->peer = *peer;
    e->idx = ep->n;
    ep->v[ep->n++] = e;
    size_t h = ep_hash(ep, peer);
    e->hnext = ep->ht[h];
    ep->ht[h] = e;
    if (out)
        *out = e;
    return 0;
}

static void ep_remove(l4_io_quic_ep *ep, ep_conn *e)
{
    ep_conn **pp = &ep->ht[ep_hash(ep, &e->peer)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    ep->v[e->idx] = ep->v[--ep->n];
    ep->v[e->idx]->idx = e->idx;
    if (ep->cfg.ops.closed)
        ep->cfg.ops.closed(ep->cfg.user, e->c, e->app);
    l4_quic_conn_free(e->c);
    free(e);
}

int l4_io_quic_ep_open(l4_io_quic_ep **out, const l4_io_quic_ep_config *cfg)
{
    if (!out || !cfg || !cfg->addr)
        return L4_ERR_INVALID_ARGUMENT;
    *out = NULL;
    size_t md = cfg->max_datagram ? cfg->max_datagram : 1452;
    if (md < L4_QUIC_MIN_INITIAL_LEN || md > L4_IO_UDP_GSO_MAX_BYTES)
        return L4_ERR_INVALID_ARGUMENT;
    l4_io_quic_ep *ep = calloc(1, sizeof *ep);
    if (!ep)
        return L4_ERR_NOMEM;
    ep->cfg = *cfg;
    ep->cfg.max_datagram = md;
    if (!ep->cfg.max_conns)
        ep->cfg.max_conns = 4096;
    ep->sock.fd = -1;
    ep->arena = malloc(EP_ARENA);
    ep->rxmem = malloc(EP_RX_BYTES);
    ep->hcap = 16;
    ep->ht = calloc(ep->hcap, sizeof *ep->ht);
    if (!ep->arena || !ep->rxmem || !ep->ht) {
        l4_io_quic_ep_free(ep);
        return L4_ERR_NOMEM;
    }
    if (getrandom(ep->hkey, sizeof ep->hkey, 0) != (ssize_t)sizeof ep->hkey)
        memset(ep->hkey, 0x5a, sizeof ep->hkey); /* still correct, only predictable */
    int rc = l4_io_udp_open(&ep->sock, cfg->addr, cfg->port);
    if (rc < 0) {
        int e = errno;
        l4_io_quic_ep_free(ep);
        errno = e;
        return rc;
    }
    l4_io_udp_offload(&ep->sock, cfg->offload,
                      cfg->sockbuf == 0 ? 4 << 20 : (cfg->sockbuf < 0 ? 0 : cfg->sockbuf));
    /* GRO gives up to 64 KiB per message; without it one datagram each. */
    size_t per = ep->sock.gro ? 65536 : 16384;
    ep->nrx = EP_RX_BYTES / per;
    if (ep->nrx > L4_IO_UDP_BATCH_MAX)
        ep->nrx = L4_IO_UDP_BATCH_MAX;
    for (size_t i = 0; i < ep->nrx; i++) {
        ep->rx[i].buf = ep->rxmem + i * per;
        ep->rx[i].cap = per;
    }
    *out = ep;
    return 0;
}

int l4_io_quic_ep_add(l4_io_quic_ep *ep, l4_quic_conn *c, void *app, const l4_io_udp_addr *peer)
{
    if (!ep || !c || !peer || peer->len == 0 || peer->u.sa.sa_family != ep->sock.family)
        return L4_ERR_INVALID_ARGUMENT;
    if (ep_find(ep, peer))
        return L4_ERR_STATE;
    if (!ep->cfg.is_server && ep->n == 0 && l4_io_udp_connect_addr(&ep->sock, peer) < 0)
        return L4_ERR_IO;
    return ep_insert(ep, c, app, peer, NULL);
}

size_t l4_io_quic_ep_count(const l4_io_quic_ep *ep)
{
    return ep->n;
}

uint16_t l4_io_quic_ep_port(const l4_io_quic_ep *ep)
{
    return l4_io_udp_local_port(&ep->sock);
}

unsigned l4_io_quic_ep_offload(const l4_io_quic_ep *ep)
{
    return (ep->sock.gso ? L4_IO_UDP_GSO : 0) | (ep->sock.gro ? L4_IO_UDP_GRO : 0);
}

void l4_io_quic_ep_get_stats(const l4_io_quic_ep *ep, l4_io_quic_ep_stats *st)
{
    *st = ep->st;
}

/* ---- sending ------------------------------------------------------------- */

/* Sends the queued messages; returns 0 (all sent or the socket is full:
 * ep->blocked) or L4_ERR_IO. */
static int ep_flush(l4_io_quic_ep *ep)
{
    ep->blocked = 0;
    while (ep->head < ep->nmsg) {
        /* A connected socket sends to its peer: no address per message. */
        int r = l4_io_udp_sendv(&ep->sock, ep->tx + ep->head, ep->nmsg - ep->head);
        if (r < 0) {
            ep->head = ep->nmsg = ep->used = 0;
            return r;
        }
        if (r == 0) {
            ep->blocked = 1;
            ep->st.send_blocked++;
            return 0;
        }
        ep->st.send_calls++;
        for (size_t i = ep->head; i < ep->head + (size_t)r; i++) {
            const l4_io_udp_dgram *m = &ep->tx[i];
            size_t k = m->seg && m->seg < m->len ? (m->len + m->seg - 1) / m->seg : 1;
            ep->st.dgrams_out += k;
            ep->st.bytes_out += m->len;
            if (k > 1)
                ep->st.gso_sends++;
        }
        ep->head += (size_t)r;
    }
    ep->head = ep->nmsg = ep->used = 0;
    return 0;
}

/* Drains up to EP_CONN_BURST datagrams of one connection into the arena,
 * each run of equal-sized datagrams one message. Returns 1 when the
 * connection may have more, 0 when it is drained, or L4_ERR_IO. */
static int ep_drain(l4_io_quic_ep *ep, ep_conn *e, l4_time now)
{
    const size_t md = ep->cfg.max_datagram;
    l4_io_udp_dgram *m = NULL;
    size_t segs = 0;
    for (int k = 0; k < EP_CONN_BURST; k++) {
        if (ep->used + md > EP_ARENA || ep->nmsg == L4_IO_UDP_BATCH_MAX) {
            m = NULL;
            int rc = ep_flush(ep);
            if (rc < 0)
                return rc;
            if (ep->blocked)
                return 1;
        }
        uint8_t *p = ep->arena + ep->used;
        l4_ssize n = l4_quic_conn_output(e->c, p, md, now);
        if (n <= 0)
            return 0;
        ep->used += (size_t)n;
        if (m && (size_t)n <= m->seg && segs < L4_IO_UDP_GSO_MAX_SEGS &&
            m->len + (size_t)n <= L4_IO_UDP_GSO_MAX_BYTES) {
            m->len += (size_t)n;
            segs++;
            if ((size_t)n < m->seg)
                m = NULL; /* a short datagram ends a GSO run */
            continue;
        }
        m = &ep->tx[ep->nmsg++]; /* a slot is free: checked above */
        m->buf = p;
        m->len = (size_t)n;
        m->seg = (size_t)n;
        m->peer = ep->sock.connected ? (l4_io_udp_addr){.len = 0} : e->peer;
        segs = 1;
    }
    return 1;
}

/* ---- receiving ----------------------------------------------------------- */

/* A client Initial (RFC 9000 §17.2.2: long header, type 0) in a datagram
 * of at least 1200 bytes (§14.1). */
static int ep_is_initial(const uint8_t *d, size_t len)
{
    return len >= L4_QUIC_MIN_INITIAL_LEN && (d[0] & 0xb0) == 0x80;
}

/* A datagram from an address without a connection (server). */
static ep_conn *ep_unknown(l4_io_quic_ep *ep, const uint8_t *d, size_t len,
                           const l4_io_udp_addr *from, l4_time now)
{
    if (len == 0 || !(d[0] & L4_QUIC_HDR_FORM_LONG) || !ep->cfg.is_server) {
        ep->st.refused++;
        return NULL;
    }
    uint8_t vn[256];
    uint32_t grease;
    if (getrandom(&grease, sizeof grease, GRND_NONBLOCK) != (ssize_t)sizeof grease)
        grease = 0x1a2a3a4a;
    l4_ssize vl = l4_quic_version_negotiation(vn, sizeof vn, d, len, grease);
    if (vl > 0) { /* RFC 9000 §6: an unknown version; answer and forget */
        l4_io_udp_dgram m = {vn, (size_t)vl, 0, 0, *from};
        (void)l4_io_udp_sendv(&ep->sock, &m, 1);
        ep->st.refused++;
        return NULL;
    }
    /* Only a client Initial may start a connection: anything else is
     * dropped before it costs a TLS session. */
    if (ep->n >= ep->cfg.max_conns || !ep->cfg.ops.accept || !ep_is_initial(d, len)) {
        ep->st.refused++;
        return NULL;
    }
    void *app = NULL;
    l4_quic_conn *c = ep->cfg.ops.accept(ep->cfg.user, d, len, from, now, &app);
    if (!c) {
        ep->st.refused++;
        return NULL;
    }
    ep_conn *e;
    if (ep_insert(ep, c, app, from, &e) < 0) {
        if (ep->cfg.ops.closed)
            ep->cfg.ops.closed(ep->cfg.user, c, app);
        l4_quic_conn_free(c);
        return NULL;
    }
    ep->st.accepted++;
    return e;
}

/* Receives up to EP_RX_ROUNDS batches; returns the datagrams fed, or L4_ERR_IO. */
static l4_ssize ep_receive(l4_io_quic_ep *ep)
{
    l4_ssize fed = 0;
    for (int round = 0; round < EP_RX_ROUNDS; round++) {
        int r = l4_io_udp_recvv(&ep->sock, ep->rx, ep->nrx);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        ep->st.recv_calls++;
        l4_time now = l4_io_now();
        for (int i = 0; i < r; i++) {
            l4_io_udp_dgram *m = &ep->rx[i];
            ep_conn *e = NULL;
            if (ep->sock.connected && ep->n == 1)
                e = ep->v[0];
            else
                e = ep_find(ep, &m->peer);
            size_t seg = m->seg && m->seg < m->len ? m->seg : m->len;
            if (seg < m->len)
                ep->st.gro_msgs++;
            ep->st.bytes_in += m->len;
            for (size_t off = 0; off < m->len; off += seg) {
                size_t len = m->len - off < seg ? m->len - off : seg;
                ep->st.dgrams_in++;
                fed++;
                if (e && ep->cfg.is_server && ep_is_initial(m->buf + off, len) &&
                    l4_quic_conn_is_closing(e->c)) {
                    /* The address of a connection that is over sends a new
                     * Initial: the client (or a new one with a reused port)
                     * starts again; the old state has nothing left to say. */
                    ep_remove(ep, e);
                    e = NULL;
                }
                if (!e) {
                    e = ep_unknown(ep, m->buf + off, len, &m->peer, now);
                    if (!e)
                        continue;
                }
                l4_quic_conn_input(e->c, m->buf + off, len, now);
            }
        }
        if ((size_t)r < ep->nrx)
            break;
    }
    return fed;
}

int l4_io_quic_ep_step(l4_io_quic_ep *ep, l4_time max_wait)
{
    int rc = 0;
    uint64_t out0 = ep->st.dgrams_out;
    if (ep->nmsg > ep->head && (rc = ep_flush(ep)) < 0)
        return rc;
    l4_ssize fed = ep_receive(ep);
    if (fed < 0)
        return (int)fed;
    l4_time now = l4_io_now();
    l4_time next = L4_TIME_NONE;
    int more = 0;
    for (size_t i = 0; i < ep->n; i++) {
        ep_conn *e = ep->v[i];
        l4_time t = l4_quic_conn_next_timeout(e->c);
        if (t != L4_TIME_NONE && t <= now)
            l4_quic_conn_handle_timeout(e->c, now);
        if (ep->cfg.ops.pump)
            ep->cfg.ops.pump(ep->cfg.user, e->c, e->app, now);
        if (!ep->blocked) {
            rc = ep_drain(ep, e, now);
            if (rc < 0)
                return rc;
            more |= rc;
        }
    }
    if (ep->nmsg > ep->head && (rc = ep_flush(ep)) < 0)
        return rc;
    /* Reap closed connections; find the earliest deadline. */
    for (size_t i = 0; i < ep->n;) {
        ep_conn *e = ep->v[i];
        if (l4_quic_conn_is_closed(e->c)) {
            ep_remove(ep, e);
            continue;
        }
        l4_time t = l4_quic_conn_next_timeout(e->c);
        if (t < next)
            next = t;
        i++;
    }
    /* Something moved: come back at once (a sender whose window is full
     * finds nothing to do next round and sleeps then). */
    if (fed > 0 || ep->st.dgrams_out != out0 || (more && !ep->blocked))
        return 0;
    now = l4_io_now();
    l4_time wait = max_wait;
    if (next != L4_TIME_NONE)
        wait = next > now ? (next - now < wait ? next - now : wait) : 0;
    if (wait > 0 && l4_io_udp_wait_rw(&ep->sock, ep->blocked, wait) < 0)
        return L4_ERR_IO;
    return 0;
}

void l4_io_quic_ep_free(l4_io_quic_ep *ep)
{
    if (!ep)
        return;
    while (ep->n)
        ep_remove(ep, ep->v[ep->n - 1]);
    l4_io_udp_close(&ep->sock);
    free(ep->v);
    free(ep->ht);
    free(ep->arena);
    free(ep->rxmem);
    free(ep);
}
