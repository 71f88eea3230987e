/*
 * io/quic_ep.c — one UDP socket, many QUIC connections: receive batches
 * (GRO-split), demultiplex by Destination Connection ID
 * (quic/cid_table.h), timers, and a send arena the engine writes datagrams
 * into, grouped into GSO runs (one destination each) for sendmmsg.
 */
#include "io/quic_ep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "io/clock.h"
#include "quic/cid_table.h"
#include "wire/quic_pkt.h"

#define EP_ARENA      (2u << 20) /* send arena bytes */
#define EP_RX_BYTES   (1u << 20) /* receive buffers, all messages */
#define EP_CONN_BURST 768        /* datagrams one connection may add per round */
#define EP_RX_ROUNDS  4          /* recvmmsg calls per round before sending */
#define EP_MAX_CIDS   16         /* connection IDs one connection routes (it holds at most 9) */

typedef struct ep_conn {
    l4_quic_conn *c;
    void *app;
    l4_io_udp_addr peer; /* where it was added / accepted from */
    size_t idx;
    /* the IDs registered in the table for it, as of cids_version cid_ver */
    uint64_t cid_ver;
    size_t ncids;
    l4_quic_cid cids[EP_MAX_CIDS];
    int token_sent; /* the NEW_TOKEN token went to the connection */
} ep_conn;

struct l4_io_quic_ep {
    l4_io_quic_ep_config cfg;
    l4_io_udp_sock sock;
    l4_io_udp_sock old;  /* a client's socket before l4_io_quic_ep_rebind: still read */
    l4_io_udp_sock pref; /* a server's preferred address (cfg.preferred_addr), or fd -1 */
    l4_quic_preferred_addr pref_pa; /* ... as offered to every connection */
    /* the socket the datagrams being fed arrived on (replies leave from it)
       and its index in the paths of a server with two (0 sock, 1 pref) */
    l4_io_udp_sock *in;
    uint8_t in_idx;
    ep_conn **v; /* live connections */
    size_t n, cap;
    l4_quic_cid_table *cids; /* Destination Connection ID -> ep_conn */
    /* send arena: messages [head, nmsg) wait to be sent */
    uint8_t *arena;
    size_t used;
    l4_io_udp_dgram tx[L4_IO_UDP_BATCH_MAX];
    uint8_t tx_idx[L4_IO_UDP_BATCH_MAX]; /* the socket each message leaves from (0 sock, 1 pref) */
    size_t nmsg, head;
    int blocked;
    /* receive */
    uint8_t *rxmem;
    l4_io_udp_dgram rx[L4_IO_UDP_BATCH_MAX];
    size_t nrx;
    l4_io_quic_ep_stats st;
    /* address validation (cfg.validator): policy and key, token nonces */
    l4_quic_validator val;
    l4_rng rng;
    /* Stateless Reset (cfg.reset_key): the key, and the rate limit's bucket */
    uint8_t reset_key[16];
    double reset_tokens;
    l4_time reset_last;
};

/* A datagram's network path as the engine sees it (quic/conn.h): the
 * address bytes, then the port (and an IPv6 scope). */
static void ep_path_of(const l4_io_udp_addr *a, l4_quic_path *p)
{
    if (a->u.sa.sa_family == AF_INET) {
        p->addr_len = 4;
        memcpy(p->id, &a->u.in.sin_addr, 4);
        memcpy(p->id + 4, &a->u.in.sin_port, 2);
        p->len = 6;
    } else {
        p->addr_len = 16;
        memcpy(p->id, &a->u.in6.sin6_addr, 16);
        memcpy(p->id + 16, &a->u.in6.sin6_port, 2);
        memcpy(p->id + 18, &a->u.in6.sin6_scope_id, 4);
        p->len = 22;
    }
}

static void ep_addr_of(const l4_quic_path *p, l4_io_udp_addr *a)
{
    memset(a, 0, sizeof *a);
    if (p->addr_len == 4) {
        a->u.in.sin_family = AF_INET;
        memcpy(&a->u.in.sin_addr, p->id, 4);
        memcpy(&a->u.in.sin_port, p->id + 4, 2);
        a->len = sizeof a->u.in;
    } else {
        a->u.in6.sin6_family = AF_INET6;
        memcpy(&a->u.in6.sin6_addr, p->id, 16);
        memcpy(&a->u.in6.sin6_port, p->id + 16, 2);
        memcpy(&a->u.in6.sin6_scope_id, p->id + 18, 4);
        a->len = sizeof a->u.in6;
    }
}

static int ep_path_eq(const l4_quic_path *a, const l4_quic_path *b)
{
    return a->len == b->len && memcmp(a->id, b->id, a->len) == 0;
}

static int ep_cid_in(const l4_quic_cid *v, size_t n, const l4_quic_cid *x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].len == x->len && memcmp(v[i].data, x->data, x->len) == 0)
            return 1;
    return 0;
}

/* Brings the table up to date with the IDs that name `e` now (issued,
 * retired: RFC 9000 §5.1); cheap when nothing changed. */
static void ep_sync_cids(l4_io_quic_ep *ep, ep_conn *e)
{
    uint64_t ver = l4_quic_conn_cids_version(e->c);
    if (ver == e->cid_ver)
        return;
    l4_quic_cid now[EP_MAX_CIDS];
    size_t n = l4_quic_conn_local_cids(e->c, now, EP_MAX_CIDS);
    if (n > EP_MAX_CIDS)
        n = EP_MAX_CIDS;
    for (size_t i = 0; i < e->ncids; i++)
        if (!ep_cid_in(now, n, &e->cids[i]))
            (void)l4_quic_cid_table_del(ep->cids, &e->cids[i]);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* an ID another connection holds (a collision of random IDs, or a
           client's original DCID used twice) routes to the first only */
        if (ep_cid_in(e->cids, e->ncids, &now[i]) ||
            l4_quic_cid_table_add(ep->cids, &now[i], e) == 0)
            now[k++] = now[i];
    }
    memcpy(e->cids, now, k * sizeof now[0]);
    e->ncids = k;
    e->cid_ver = ver;
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
    return 0;
}

/* Adds `c`; L4_ERR_STATE when one of its IDs already routes elsewhere (or
 * it is here already), L4_ERR_INVALID_ARGUMENT when its IDs are not of
 * the endpoint's length (short headers could not be routed). */
static int ep_insert(l4_io_quic_ep *ep, l4_quic_conn *c, void *app, const l4_io_udp_addr *peer,
                     ep_conn **out)
{
    l4_quic_cid first;
    if (l4_quic_conn_local_cids(c, &first, 1) == 0 || first.len != ep->cfg.cid_len)
        return L4_ERR_INVALID_ARGUMENT;
    if (l4_quic_cid_table_find(ep->cids, first.data, first.len))
        return L4_ERR_STATE;
    if (ep_grow(ep) < 0)
        return L4_ERR_NOMEM;
    ep_conn *e = calloc(1, sizeof *e);
    if (!e)
        return L4_ERR_NOMEM;
    e->c = c;
    e->app = app;
    e->peer = *peer;
    e->cid_ver = l4_quic_conn_cids_version(c) - 1; /* sync now */
    ep_sync_cids(ep, e);
    if (e->ncids == 0) {
        free(e);
        return L4_ERR_NOMEM;
    }
    e->idx = ep->n;
    ep->v[ep->n++] = e;
    if (out)
        *out = e;
    return 0;
}

static void ep_remove(l4_io_quic_ep *ep, ep_conn *e)
{
    for (size_t i = 0; i < e->ncids; i++)
        (void)l4_quic_cid_table_del(ep->cids, &e->cids[i]);
    ep->v[e->idx] = ep->v[--ep->n];
    ep->v[e->idx]->idx = e->idx;
    if (ep->cfg.ops.closed)
        ep->cfg.ops.closed(ep->cfg.user, e->c, e->app);
    l4_quic_conn_free(e->c);
    free(e);
}

static int ep_flush(l4_io_quic_ep *ep);
static int ep_validator_init(l4_io_quic_ep *ep, const l4_quic_validator *v);

/* The Stateless Resets that may leave back to back: a quarter second's worth. */
static double ep_reset_burst(const l4_io_quic_ep *ep)
{
    double rate = ep->cfg.reset_rate ? ep->cfg.reset_rate : 100;
    return rate / 4 < 1 ? 1 : (double)(unsigned)(rate / 4);
}

static int ep_bufsize(const l4_io_quic_ep_config *cfg)
{
    return cfg->sockbuf == 0 ? 4 << 20 : (cfg->sockbuf < 0 ? 0 : cfg->sockbuf);
}

/* A server's second socket at its preferred address (RFC 9000 §9.6), with
 * the offloads of the first, and the transport parameter it makes. */
static int ep_open_preferred(l4_io_quic_ep *ep)
{
    const l4_io_quic_ep_config *cfg = &ep->cfg;
    l4_io_udp_addr a;
    if (!cfg->is_server || l4_io_udp_addr_parse(&a, cfg->preferred_addr, 0) < 0)
        return L4_ERR_INVALID_ARGUMENT;
    int v4 = a.u.sa.sa_family == AF_INET;
    if (v4 ? a.u.in.sin_addr.s_addr == 0 : IN6_IS_ADDR_UNSPECIFIED(&a.u.in6.sin6_addr))
        return L4_ERR_INVALID_ARGUMENT; /* a wildcard is no address to move to */
    int rc = l4_io_udp_open(&ep->pref, cfg->preferred_addr, cfg->preferred_port);
    if (rc < 0)
        return rc;
    l4_io_udp_offload(&ep->pref, l4_io_quic_ep_offload(ep), ep_bufsize(cfg));
    if (cfg->ecn)
        l4_io_udp_enable_ecn(&ep->pref);
    uint16_t port = l4_io_udp_local_port(&ep->pref); /* port 0 picked one */
    if (!port)
        return L4_ERR_IO;
    l4_io_udp_addr_parse(&a, cfg->preferred_addr, port);
    memset(&ep->pref_pa, 0, sizeof ep->pref_pa);
    if (v4) {
        memcpy(ep->pref_pa.ipv4, &a.u.in.sin_addr, 4);
        memcpy(ep->pref_pa.port4, &a.u.in.sin_port, 2);
    } else {
        memcpy(ep->pref_pa.ipv6, &a.u.in6.sin6_addr, 16);
        memcpy(ep->pref_pa.port6, &a.u.in6.sin6_port, 2);
    }
    return 0;
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
    ep->old.fd = -1;
    ep->pref.fd = -1;
    if (!ep->cfg.cid_len)
        ep->cfg.cid_len = 8;
    if (ep->cfg.cid_len > L4_QUIC_MAX_CID_LEN) {
        free(ep);
        return L4_ERR_INVALID_ARGUMENT;
    }
    uint8_t hkey[16];
    if (getrandom(hkey, sizeof hkey, 0) != (ssize_t)sizeof hkey)
        memset(hkey, 0x5a, sizeof hkey); /* still correct, only predictable */
    ep->arena = malloc(EP_ARENA);
    ep->rxmem = malloc(EP_RX_BYTES);
    if (!ep->arena || !ep->rxmem || l4_quic_cid_table_new(&ep->cids, hkey, ep->cfg.cid_len) < 0) {
        l4_io_quic_ep_free(ep);
        return L4_ERR_NOMEM;
    }
    uint64_t seed; /* the unpredictable bytes of Stateless Resets (RFC 9000 §10.3) */
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        seed = (uint64_t)(uintptr_t)ep ^ (uint64_t)l4_io_now();
    l4_rng_init(&ep->rng, seed, 7);
    if (cfg->reset_key) {
        memcpy(ep->reset_key, cfg->reset_key, sizeof ep->reset_key);
        ep->cfg.reset_key = ep->reset_key;
        ep->reset_last = l4_io_now();
        ep->reset_tokens = ep_reset_burst(ep); /* a full bucket */
    }
    if (cfg->validator && ep_validator_init(ep, cfg->validator) < 0) {
        l4_io_quic_ep_free(ep);
        return L4_ERR_IO; /* no randomness for the token key */
    }
    int rc = l4_io_udp_open(&ep->sock, cfg->addr, cfg->port);
    if (rc == 0 && cfg->preferred_addr && !cfg->is_server)
        rc = L4_ERR_INVALID_ARGUMENT;
    if (rc < 0) {
        int e = errno;
        l4_io_quic_ep_free(ep);
        errno = e;
        return rc;
    }
    l4_io_udp_offload(&ep->sock, cfg->offload, ep_bufsize(cfg));
    if (cfg->ecn)
        l4_io_udp_enable_ecn(&ep->sock);
    ep->in = &ep->sock;
    if (cfg->preferred_addr && (rc = ep_open_preferred(ep)) < 0) {
        int e = errno;
        l4_io_quic_ep_free(ep);
        errno = e;
        return rc;
    }
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
    l4_quic_cid first;
    if (l4_quic_conn_local_cids(c, &first, 1) == 0 || first.len != ep->cfg.cid_len)
        return L4_ERR_INVALID_ARGUMENT;
    if (l4_quic_cid_table_find(ep->cids, first.data, first.len))
        return L4_ERR_STATE;
    if (!ep->cfg.is_server && ep->n == 0 && l4_io_udp_connect_addr(&ep->sock, peer) < 0)
        return L4_ERR_IO;
    return ep_insert(ep, c, app, peer, NULL);
}

int l4_io_quic_ep_rebind(l4_io_quic_ep *ep, const char *addr, uint16_t port)
{
    return l4_io_quic_ep_move(ep, addr, port, NULL);
}

int l4_io_quic_ep_move(l4_io_quic_ep *ep, const char *addr, uint16_t port,
                       const l4_io_udp_addr *peer)
{
    if (!ep || ep->cfg.is_server || ep->n == 0)
        return L4_ERR_STATE;
    if (peer && (peer->len == 0 || peer->u.sa.sa_family != ep->sock.family))
        return L4_ERR_INVALID_ARGUMENT;
    const char *a = addr ? addr : (ep->sock.family == AF_INET6 ? "::" : "0.0.0.0");
    l4_io_udp_sock ns;
    int rc = l4_io_udp_open(&ns, a, port);
    if (rc < 0)
        return rc;
    if (ns.family != ep->sock.family) {
        l4_io_udp_close(&ns);
        return L4_ERR_INVALID_ARGUMENT;
    }
    if (l4_io_udp_connect_addr(&ns, peer ? peer : &ep->v[0]->peer) < 0) {
        int e = errno;
        l4_io_udp_close(&ns);
        errno = e;
        return L4_ERR_IO;
    }
    /* the same offloads (the receive buffers are sized for GRO or not) */
    l4_io_udp_offload(&ns, l4_io_quic_ep_offload(ep), ep_bufsize(&ep->cfg));
    if (ep->sock.ecn)
        l4_io_udp_enable_ecn(&ns);
    /* what is queued was written for the old path: it leaves from there
       (what does not fit now is dropped, as a loss) */
    if (ep->nmsg > ep->head)
        (void)ep_flush(ep);
    ep->head = ep->nmsg = ep->used = 0;
    ep->blocked = 0;
    l4_io_udp_close(&ep->old);
    ep->old = ep->sock;
    ep->sock = ns;
    ep->in = &ep->sock;
    if (peer)
        ep->v[0]->peer = *peer;
    ep->st.rebinds++;
    return 0;
}

size_t l4_io_quic_ep_count(const l4_io_quic_ep *ep)
{
    return ep->n;
}

uint16_t l4_io_quic_ep_port(const l4_io_quic_ep *ep)
{
    return l4_io_udp_local_port(&ep->sock);
}

uint16_t l4_io_quic_ep_preferred_port(const l4_io_quic_ep *ep)
{
    return ep->pref.fd >= 0 ? l4_io_udp_local_port(&ep->pref) : 0;
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
        /* one sendmmsg per run of messages leaving from the same socket (a
           server with a preferred address has two); a connected socket
           sends to its peer: no address per message */
        size_t run = 1;
        while (ep->head + run < ep->nmsg && ep->tx_idx[ep->head + run] == ep->tx_idx[ep->head])
            run++;
        l4_io_udp_sock *s = ep->tx_idx[ep->head] ? &ep->pref : &ep->sock;
        int r = l4_io_udp_sendv(s, ep->tx + ep->head, run);
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
            if (m->ecn)
                ep->st.ecn_out += k;
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
 * each run of equal-sized datagrams to one destination one message.
 * Returns 1 when the connection may have more, 0 when it is drained, or
 * L4_ERR_IO. */
static int ep_drain(l4_io_quic_ep *ep, ep_conn *e, l4_time now)
{
    const size_t md = ep->cfg.max_datagram;
    l4_io_udp_dgram *m = NULL;
    l4_quic_path run_to, to;
    unsigned ecn = 0;
    size_t segs = 0;
    ep_sync_cids(ep, e); /* IDs issued since: routable before the peer hears of them */
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
        l4_ssize n = l4_quic_conn_output_dgram(e->c, p, md, &to, &ecn, now);
        if (n <= 0)
            return 0;
        ep->used += (size_t)n;
        if (!ep->cfg.ecn)
            ecn = 0;
        /* a connected socket (a client) has one destination; a GSO run has
           one destination and one ECN codepoint */
        int same_to = (ep->sock.connected || (m && ep_path_eq(&to, &run_to))) && m && m->ecn == ecn;
        if (m && same_to && (size_t)n <= m->seg && segs < L4_IO_UDP_GSO_MAX_SEGS &&
            m->len + (size_t)n <= L4_IO_UDP_GSO_MAX_BYTES) {
            m->len += (size_t)n;
            segs++;
            if ((size_t)n < m->seg)
                m = NULL; /* a short datagram ends a GSO run */
            continue;
        }
        ep->tx_idx[ep->nmsg] = ep->pref.fd >= 0 && to.len ? (to.id[to.len - 1] ? 1 : 0) : 0;
        m = &ep->tx[ep->nmsg++]; /* a slot is free: checked above */
        m->buf = p;
        m->len = (size_t)n;
        m->seg = (size_t)n;
        m->ecn = (uint8_t)ecn;
        if (ep->sock.connected)
            m->peer.len = 0;
        else
            ep_addr_of(&to, &m->peer);
        run_to = to;
        segs = 1;
    }
    return 1;
}

/* ---- address validation (quic/token.h) ------------------------------------- */

static int ep_validator_init(l4_io_quic_ep *ep, const l4_quic_validator *v)
{
    static const uint8_t zero[L4_QUIC_TOKEN_KEY_LEN];
    uint64_t seed;
    ep->val = *v;
    ep->cfg.validator = &ep->val;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        return -1;
    l4_rng_init(&ep->rng, seed, 7);
    if (!memcmp(ep->val.key, zero, sizeof zero) &&
        getrandom(ep->val.key, sizeof ep->val.key, 0) != (ssize_t)sizeof ep->val.key)
        return -1;
    return 0;
}

/* Screens a client Initial; returns 1 to go on and accept it (*scr says
 * how), 0 when it was answered (Retry, INVALID_TOKEN) or dropped. */
static int ep_screen(l4_io_quic_ep *ep, const uint8_t *d, size_t len, const l4_io_udp_addr *from,
                     l4_time now, l4_quic_screen *scr)
{
    l4_quic_path path;
    ep_path_of(from, &path);
    uint8_t reply[256];
    int v =
        l4_quic_screen_initial(&ep->val, d, len, &path, now, &ep->rng, reply, sizeof reply, scr);
    if (scr->validated)
        ep->st.tokens_valid++;
    if (v == L4_QUIC_SCREEN_ACCEPT)
        return 1;
    if (v == L4_QUIC_SCREEN_REPLY) {
        l4_io_udp_dgram m;
        memset(&m, 0, sizeof m);
        m.buf = reply;
        m.len = scr->reply_len;
        m.peer = *from;
        (void)l4_io_udp_sendv(ep->in, &m, 1);
        if (scr->retry_sent)
            ep->st.retries++;
        else
            ep->st.invalid_tokens++;
    }
    return 0;
}

/* §8.1.3: once the handshake is done, a token for the client's next visit,
 * bound to the address the connection was accepted from. */
static void ep_give_token(l4_io_quic_ep *ep, ep_conn *e, l4_time now)
{
    e->token_sent = 1;
    l4_quic_path path;
    ep_path_of(&e->peer, &path);
    uint8_t tok[L4_QUIC_TOKEN_MAX];
    l4_ssize n = l4_quic_token_seal(tok, sizeof tok, ep->val.key, L4_QUIC_TOKEN_NEW, &path, NULL,
                                    NULL, now, &ep->rng);
    if (n > 0 && l4_quic_conn_send_token(e->c, tok, (size_t)n) == 0)
        ep->st.tokens_sent++;
}

/* ---- receiving ----------------------------------------------------------- */

/* A client Initial (RFC 9000 §17.2.2: long header, type 0) in a datagram
 * of at least 1200 bytes (§14.1). */
static int ep_is_initial(const uint8_t *d, size_t len)
{
    return len >= L4_QUIC_MIN_INITIAL_LEN && (d[0] & 0xb0) == 0x80;
}

/* ---- Stateless Reset (RFC 9000 §10.3) ------------------------------------- */

/* Answers a short-header datagram of an unknown connection ID with a
 * Stateless Reset, within the rate limit (a bucket of rate / 4 resets,
 * refilled at `rate` per second). */
static void ep_reset(l4_io_quic_ep *ep, const uint8_t *d, size_t len, const l4_io_udp_addr *from,
                     l4_time now)
{
    double rate = ep->cfg.reset_rate ? ep->cfg.reset_rate : 100;
    double burst = ep_reset_burst(ep);
    if (now > ep->reset_last) {
        ep->reset_tokens += rate * (double)(now - ep->reset_last) / 1e9;
        if (ep->reset_tokens > burst)
            ep->reset_tokens = burst;
        ep->reset_last = now;
    }
    uint8_t buf[64];
    /* one byte shorter than `d`, nothing for 21 bytes or less (§10.3.3) */
    l4_ssize n =
        l4_quic_stateless_reset(buf, sizeof buf, ep->reset_key, d, len, ep->cfg.cid_len, &ep->rng);
    if (n <= 0)
        return;
    if (ep->reset_tokens < 1) {
        ep->st.resets_limited++;
        return;
    }
    ep->reset_tokens -= 1;
    l4_io_udp_dgram m;
    memset(&m, 0, sizeof m);
    m.buf = buf;
    m.len = (size_t)n;
    m.peer = *from;
    if (l4_io_udp_sendv(ep->in, &m, 1) == 1)
        ep->st.resets_sent++;
}

/* A datagram from an address without a connection (server). */
static ep_conn *ep_unknown(l4_io_quic_ep *ep, const uint8_t *d, size_t len,
                           const l4_io_udp_addr *from, l4_time now)
{
    if (len == 0 || !(d[0] & L4_QUIC_HDR_FORM_LONG) || !ep->cfg.is_server) {
        if (len && ep->cfg.is_server && ep->cfg.reset_key)
            ep_reset(ep, d, len, from, now); /* a short header: a lost connection */
        ep->st.refused++;
        return NULL;
    }
    uint8_t vn[256];
    uint32_t grease;
    if (getrandom(&grease, sizeof grease, GRND_NONBLOCK) != (ssize_t)sizeof grease)
        grease = 0x1a2a3a4a;
    l4_ssize vl = l4_quic_version_negotiation(vn, sizeof vn, d, len, grease);
    if (vl > 0) { /* RFC 9000 §6: an unknown version; answer and forget */
        l4_io_udp_dgram m = {vn, (size_t)vl, 0, 0, *from, 0};
        (void)l4_io_udp_sendv(ep->in, &m, 1);
        ep->st.refused++;
        return NULL;
    }
    /* Only a client Initial may start a connection: anything else is
     * dropped before it costs a TLS session. */
    if (ep->n >= ep->cfg.max_conns || !ep->cfg.ops.accept || !ep_is_initial(d, len)) {
        ep->st.refused++;
        return NULL;
    }
    l4_quic_screen scr;
    if (ep->cfg.validator && !ep_screen(ep, d, len, from, now, &scr)) {
        ep->st.refused++;
        return NULL;
    }
    void *app = NULL;
    l4_quic_conn *c = ep->cfg.ops.accept(ep->cfg.user, d, len, from, now, &app);
    if (!c) {
        ep->st.refused++;
        return NULL;
    }
    if (ep->cfg.validator)
        l4_quic_conn_set_validation(c, &scr);
    if (ep->pref.fd >= 0) /* §9.6: before its transport parameters are written */
        (void)l4_quic_conn_set_preferred_address(c, &ep->pref_pa);
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

/* The connection datagram `d` belongs to: by its Destination Connection
 * ID (RFC 9000 §5.2), whatever address it came from; a client endpoint
 * with its one connection takes everything. */
static ep_conn *ep_route(l4_io_quic_ep *ep, const uint8_t *d, size_t len)
{
    if (!ep->cfg.is_server && ep->n == 1)
        return ep->v[0];
    void *conn = NULL;
    (void)l4_quic_cid_table_route(ep->cids, d, len, &conn);
    return conn;
}

/* Feeds the datagrams of `r` received messages. */
static l4_ssize ep_feed(l4_io_quic_ep *ep, int r)
{
    l4_ssize fed = 0;
    l4_time now = l4_io_now();
    for (int i = 0; i < r; i++) {
        l4_io_udp_dgram *m = &ep->rx[i];
        size_t seg = m->seg && m->seg < m->len ? m->seg : m->len;
        if (seg < m->len)
            ep->st.gro_msgs++;
        ep->st.bytes_in += m->len;
        l4_quic_path from;
        ep_path_of(&m->peer, &from);
        if (ep->pref.fd >= 0) /* which of the server's two addresses it reached */
            from.id[from.len++] = ep->in_idx;
        /* GRO coalesces one sender's datagrams: most carry the same DCID */
        const uint8_t *last = NULL;
        size_t last_n = 0;
        ep_conn *e = NULL;
        for (size_t off = 0; off < m->len; off += seg) {
            const uint8_t *d = m->buf + off;
            size_t len = m->len - off < seg ? m->len - off : seg;
            ep->st.dgrams_in++;
            fed++;
            /* a short header's DCID follows byte 0 (whose low bits vary) */
            size_t key = (d[0] & 0x80) ? 0 : 1 + ep->cfg.cid_len;
            if (!(last && key && len >= key && last_n == key &&
                  !memcmp(last + 1, d + 1, key - 1))) {
                e = ep_route(ep, d, len);
                last = d;
                last_n = key;
            }
            if (!e) {
                e = ep_unknown(ep, d, len, &m->peer, now);
                last = NULL;
                if (!e)
                    continue;
            }
            l4_quic_conn_input_dgram(e->c, d, len, &from, m->ecn, now);
            if (m->ecn)
                ep->st.ecn_in[m->ecn & 3]++;
        }
    }
    return fed;
}

/* Receives up to EP_RX_ROUNDS batches from `s`; returns the datagrams fed,
 * or L4_ERR_IO. */
static l4_ssize ep_receive_sock(l4_io_quic_ep *ep, l4_io_udp_sock *s)
{
    l4_ssize fed = 0;
    ep->in = s;
    ep->in_idx = s == &ep->pref;
    for (int round = 0; round < EP_RX_ROUNDS; round++) {
        int r = l4_io_udp_recvv(s, ep->rx, ep->nrx);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        ep->st.recv_calls++;
        fed += ep_feed(ep, r);
        if ((size_t)r < ep->nrx)
            break;
    }
    return fed;
}

static l4_ssize ep_receive(l4_io_quic_ep *ep)
{
    l4_ssize fed = 0;
    if (ep->old.fd >= 0) {
        /* datagrams still on their way to the socket before a rebind */
        fed = ep_receive_sock(ep, &ep->old);
        if (fed < 0) { /* e.g. an ICMP error for it: it has done its job */
            l4_io_udp_close(&ep->old);
            fed = 0;
        }
    }
    if (ep->pref.fd >= 0) {
        l4_ssize p = ep_receive_sock(ep, &ep->pref);
        if (p < 0)
            return p;
        fed += p;
    }
    l4_ssize n = ep_receive_sock(ep, &ep->sock);
    return n < 0 ? n : fed + n;
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
        if (ep->cfg.validator && !e->token_sent && l4_quic_conn_handshake_complete(e->c))
            ep_give_token(ep, e, now);
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
    l4_io_udp_sock *also = ep->pref.fd >= 0 ? &ep->pref : &ep->old;
    if (wait > 0 && l4_io_udp_wait_rw2(&ep->sock, also, ep->blocked, wait) < 0)
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
    l4_io_udp_close(&ep->old);
    l4_io_udp_close(&ep->pref);
    l4_quic_cid_table_free(ep->cids);
    free(ep->v);
    free(ep->arena);
    free(ep->rxmem);
    free(ep);
}
