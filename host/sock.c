/*
 * host/sock.c — the host's socket objects: descriptors, the TCP engine's
 * callbacks, deferred application events, connection bookkeeping when a
 * connection closes, and freeing.
 *
 * Engine callbacks only record events (the TCP engine forbids re-entry);
 * sock_dispatch delivers them to the application when the outermost host
 * call finishes. Sockets are freed only by sock_reap, after dispatch, so a
 * socket never disappears under a caller.
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"

l4_hsock *sock_get(l4_host *h, int sd)
{
    if (!h || sd < 0 || (size_t)sd >= h->nsocks_cap)
        return NULL;
    l4_hsock *s = h->socks[sd];
    if (!s || s->orphan)
        return NULL;
    return s;
}

l4_hsock *sock_new(l4_host *h, int family, int type)
{
    if (h->nsocks >= h->cfg.max_sockets)
        return NULL;
    l4_hsock *s = calloc(1, sizeof *s);
    if (!s) {
        h->st.nomem++;
        return NULL;
    }
    int sd;
    if (h->nfree > 0) {
        sd = h->free_sd[--h->nfree];
    } else {
        if (h->nsocks_cap >= (size_t)h->cfg.max_sockets + 1 || h->nsocks_cap >= (1u << 30)) {
            free(s);
            return NULL;
        }
        size_t n = h->nsocks_cap ? h->nsocks_cap * 2 : 64;
        l4_hsock **ns = realloc(h->socks, n * sizeof *ns);
        if (!ns) {
            free(s);
            h->st.nomem++;
            return NULL;
        }
        h->socks = ns;
        int *nf = realloc(h->free_sd, n * sizeof *nf);
        if (!nf) {
            free(s);
            h->st.nomem++;
            return NULL;
        }
        h->free_sd = nf;
        /* push new slots high-to-low so the lowest descriptor is reused first */
        for (size_t i = n; i > h->nsocks_cap; i--) {
            h->socks[i - 1] = NULL;
            h->free_sd[h->nfree++] = (int)(i - 1);
        }
        h->nsocks_cap = n;
        sd = h->free_sd[--h->nfree];
    }
    s->host = h;
    s->sd = sd;
    s->type = (uint8_t)type;
    s->family = (uint8_t)family;
    s->laddr.family = (uint8_t)family;
    s->raddr.family = (uint8_t)family;
    s->heap_idx = SIZE_MAX;
    s->deadline = L4_TIME_NONE;
    s->tw_since = L4_TIME_NONE;
    s->rq.limit = h->cfg.udp_rcvq_bytes;
    h->socks[sd] = s;
    h->nsocks++;
    return s;
}

static void sock_unqueue(l4_hsock *s)
{
    l4_hsock *l = s->parent;
    if (!l)
        return;
    if (s->q == HQ_SYN) {
        if (s->qprev)
            s->qprev->qnext = s->qnext;
        else
            l->synq = s->qnext;
        if (s->qnext)
            s->qnext->qprev = s->qprev;
        else
            l->synq_tail = s->qprev;
        l->syn_count--;
    } else if (s->q == HQ_ACC) {
        if (s->qprev)
            s->qprev->qnext = s->qnext;
        else
            l->accq_head = s->qnext;
        if (s->qnext)
            s->qnext->qprev = s->qprev;
        else
            l->accq_tail = s->qprev;
        l->acc_count--;
    }
    s->q = HQ_NONE;
    s->parent = s->qprev = s->qnext = NULL;
}

/* Drops everything that names the socket's 4-tuple or port. */
static void sock_release_tuple(l4_host *h, l4_hsock *s)
{
    demux_remove(h, s);
    if (s->port_ref) {
        ports_ref(h, s->lport, -1);
        s->port_ref = 0;
    }
    timers_update(h, s, L4_TIME_NONE);
}

void sock_free(l4_host *h, l4_hsock *s)
{
    sock_release_tuple(h, s);
    ports_remove(h, s);
    sock_unqueue(s);
    l4_tcp_conn_del(s->tcp);
    l4_udp_queue_clear(&s->rq);
    host_qcid_free(s->qcid);
    h->socks[s->sd] = NULL;
    h->free_sd[h->nfree++] = s->sd;
    h->nsocks--;
    free(s);
}

void sock_zombie(l4_host *h, l4_hsock *s)
{
    if (s->zombie)
        return;
    s->zombie = 1;
    s->orphan = 1;
    s->znext = h->zombies;
    h->zombies = s;
}

void sock_reap(l4_host *h)
{
    l4_hsock **pp = &h->zombies;
    while (*pp) {
        l4_hsock *s = *pp;
        if (s->dirty || s->on_evlist) {
            pp = &s->znext;
            continue;
        }
        *pp = s->znext;
        sock_free(h, s);
    }
}

void sock_event(l4_host *h, l4_hsock *s, uint8_t ev)
{
    s->events |= ev;
    if (s->on_evlist)
        return;
    s->on_evlist = 1;
    s->enext = NULL;
    if (h->ev_tail)
        h->ev_tail->enext = s;
    else
        h->ev_head = s;
    h->ev_tail = s;
}

void sock_dispatch(l4_host *h)
{
    while (h->ev_head) {
        l4_hsock *s = h->ev_head;
        h->ev_head = s->enext;
        if (!h->ev_head)
            h->ev_tail = NULL;
        s->enext = NULL;
        s->on_evlist = 0;
        uint8_t ev = s->events;
        s->events = 0;
        if (s->orphan || s->q != HQ_NONE)
            continue; /* nobody to tell yet (or any more) */
        int sd = s->sd;
        const l4_socket_callbacks cb = s->cb;
        void *user = s->user;
        /* The socket may be closed by any callback: re-check between them. */
        if ((ev & HEV_CONNECTED) && cb.connected)
            cb.connected(h, sd, user);
        if ((ev & HEV_READABLE) && cb.readable && sock_get(h, sd) == s)
            cb.readable(h, sd, user);
        if ((ev & HEV_WRITABLE) && cb.writable && sock_get(h, sd) == s)
            cb.writable(h, sd, user);
        if ((ev & HEV_ERROR) && cb.error && sock_get(h, sd) == s && s->err)
            cb.error(h, sd, s->err, user);
        if ((ev & HEV_CLOSED) && cb.closed && sock_get(h, sd) == s)
            cb.closed(h, sd, user);
    }
}

void sock_mark_dirty(l4_host *h, l4_hsock *s)
{
    if (s->dirty)
        return;
    s->dirty = 1;
    s->dnext = NULL;
    if (h->dirty_tail)
        h->dirty_tail->dnext = s;
    else
        h->dirty_head = s;
    h->dirty_tail = s;
}

/* After any engine call on s->tcp: refresh its timer, note TIME_WAIT, and
   do the host's bookkeeping once the connection is CLOSED. */
void sock_after_conn(l4_host *h, l4_hsock *s, l4_time now)
{
    if (!s->tcp)
        return;
    l4_tcp_state st = l4_tcp_conn_state(s->tcp);
    if (st == L4_TCP_TIME_WAIT && s->tw_since == L4_TIME_NONE)
        s->tw_since = now;
    if (st != L4_TCP_CLOSED) {
        timers_update(h, s, l4_tcp_conn_next_timeout(s->tcp));
        return;
    }
    if (s->conn_closed == 2)
        return;
    s->conn_closed = 2;
    h->st.tcp_conns_closed++;
    sock_release_tuple(h, s);
    if (s->q != HQ_NONE) {
        /* never accepted: the host owns it */
        sock_unqueue(s);
        s->orphan = 1;
    }
    if (s->orphan)
        sock_zombie(h, s);
}

/* ---- the TCP engine's callbacks -------------------------------------------- */

static void sock_cb_established(l4_tcp_conn *c, void *user)
{
    (void)c;
    l4_hsock *s = user;
    l4_host *h = s->host;
    s->est_once = 1;
    if (s->q == HQ_SYN) {
        l4_hsock *l = s->parent;
        sock_unqueue(s);
        s->parent = l;
        s->q = HQ_ACC;
        s->qnext = NULL;
        s->qprev = l->accq_tail;
        if (l->accq_tail)
            l->accq_tail->qnext = s;
        else
            l->accq_head = s;
        l->accq_tail = s;
        l->acc_count++;
        sock_event(h, l, HEV_READABLE);
    } else if (s->active) {
        sock_event(h, s, HEV_CONNECTED | HEV_WRITABLE);
    }
}

static void sock_cb_readable(l4_tcp_conn *c, void *user)
{
    (void)c;
    l4_hsock *s = user;
    sock_event(s->host, s, HEV_READABLE);
}

static void sock_cb_writable(l4_tcp_conn *c, void *user)
{
    (void)c;
    l4_hsock *s = user;
    sock_event(s->host, s, HEV_WRITABLE);
}

static void sock_cb_closed(l4_tcp_conn *c, void *user, l4_tcp_close_reason why)
{
    (void)c;
    l4_hsock *s = user;
    int err = 0;
    if (why == L4_TCP_CLOSE_RESET)
        err = (s->active && !s->est_once) ? L4_ECONNREFUSED : L4_ECONNRESET;
    else if (why == L4_TCP_CLOSE_TIMEOUT)
        err = L4_ETIMEDOUT;
    if (err && !s->err)
        s->err = err;
    s->conn_closed = s->conn_closed ? s->conn_closed : 1;
    sock_event(s->host, s, (uint8_t)(HEV_CLOSED | HEV_READABLE | (err ? HEV_ERROR : 0)));
}

static const l4_tcp_callbacks sock_tcp_cbs = {
    .established = sock_cb_established,
    .readable = sock_cb_readable,
    .writable = sock_cb_writable,
    .peer_fin = sock_cb_readable,
    .closed = sock_cb_closed,
    .urgent = NULL,
};

void sock_tcp_settings(const l4_host *h, const l4_hsock *s, l4_tcp_settings *ts)
{
    *ts = h->cfg.tcp;
    if (s->cc)
        ts->cc = s->cc;
    uint32_t mss = h->cfg.mtu - (s->family == L4_AF_INET4 ? 40u : 60u);
    ts->mss = (uint16_t)(mss > 65535 ? 65535 : mss);
}

/* Gives `s` a fresh TCP engine with the host's settings (MSS from the MTU)
   and the socket's own congestion control when it has one. */
int sock_tcp_attach(l4_host *h, l4_hsock *s)
{
    l4_tcp_settings ts;
    sock_tcp_settings(h, s, &ts);
    int rc = l4_tcp_conn_new(&s->tcp, &ts, &sock_tcp_cbs, s);
    if (rc < 0) {
        h->st.nomem++;
        return L4_ENOMEM;
    }
    h->st.tcp_conns_opened++;
    return 0;
}
