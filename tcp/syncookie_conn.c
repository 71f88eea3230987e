/*
 * tcp/syncookie_conn.c — the TCP engine's side of SYN cookies (RFC 4987
 * §3.6, codec in syncookie.c): the stateless SYN-ACK, the check of the ACK
 * that returns, and a connection created ESTABLISHED from it.
 */
#include <string.h>

#include "tcp/conn_internal.h"
#include "tcp/syncookie.h"

static int syncookie_ecn_wanted(const l4_tcp_settings *s)
{
    const l4_cc_ops *ops = l4_cc_find(s->cc ? s->cc : "reno");
    return s->ecn || (ops && (ops->flags & L4_CC_F_ECN));
}

/* The timestamp clock of the connection the cookie stands for (the same
   offset and 1 ms tick as l4_tcp_ts_now gives it once created). */
static uint32_t syncookie_ts_now(const l4_tcp_settings *s, uint16_t lport, uint16_t rport,
                                 l4_time now)
{
    return (uint32_t)(now / L4_MS) + l4_tcp_ts_offset(s->isn_secret, lport, rport);
}

static void syncookie_tuple(l4_syncookie_tuple *t, const l4_addr *local, const l4_addr *remote,
                            const l4_tcp_hdr *seg)
{
    memset(t, 0, sizeof *t);
    t->laddr = *local;
    t->raddr = *remote;
    t->lport = seg->dport;
    t->rport = seg->sport;
}

l4_ssize l4_tcp_syncookie_synack(const l4_tcp_settings *s, const l4_addr *local,
                                 const l4_addr *remote, const l4_tcp_hdr *syn, l4_time now,
                                 uint8_t *buf, size_t cap)
{
    if (!s || !local || !remote || !syn || !buf || local->family != remote->family ||
        (syn->flags & (L4_TCP_SYN | L4_TCP_ACK | L4_TCP_RST)) != L4_TCP_SYN)
        return L4_ERR_INVALID_ARGUMENT;
    const l4_tcp_opts *so = &syn->opts;
    /* RFC 9293 §3.7.1: without the option, 536 (IPv4) / 1220 (IPv6). */
    uint16_t peer_mss = (so->present & L4_TCP_HAS_MSS)  ? so->mss
                        : remote->family == L4_AF_INET6 ? L4_TCP_DEFAULT_MSS6
                                                        : L4_TCP_DEFAULT_MSS;
    l4_syncookie_tuple t;
    syncookie_tuple(&t, local, remote, syn);
    uint8_t key[16];
    l4_syncookie_key(s->isn_secret, key);

    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = syn->dport;
    h.dport = syn->sport;
    h.seq = l4_syncookie_make(key, &t, syn->seq, l4_syncookie_mss_index(peer_mss), now);
    h.ack = syn->seq + 1;
    h.flags = L4_TCP_SYN | L4_TCP_ACK;
    h.window = (uint16_t)(s->rcvbuf > 65535 ? 65535 : s->rcvbuf); /* never scaled (RFC 7323 §2.2) */
    l4_tcp_opts *o = &h.opts;
    o->present = L4_TCP_HAS_MSS;
    o->mss = s->mss;
    /* Window scale, SACK and ECN only where the echoed TSval can bring them back. */
    if (s->timestamps && (so->present & L4_TCP_HAS_TS)) {
        l4_syncookie_opts co;
        memset(&co, 0, sizeof co);
        co.ws_ok = s->window_scale && (so->present & L4_TCP_HAS_WSCALE);
        co.snd_wscale = so->wscale > 14 ? 14 : so->wscale;
        co.sack_ok = s->sack && (so->present & L4_TCP_HAS_SACK_PERM);
        /* RFC 3168 §6.1.1: an ECN-setup SYN has ECE and CWR; the SYN-ACK ECE. */
        co.ecn_ok = syncookie_ecn_wanted(s) &&
                    (syn->flags & (L4_TCP_ECE | L4_TCP_CWR)) == (L4_TCP_ECE | L4_TCP_CWR);
        if (co.ws_ok) {
            o->present |= L4_TCP_HAS_WSCALE;
            o->wscale = l4_tcp_pick_wscale(s);
        }
        if (co.sack_ok)
            o->present |= L4_TCP_HAS_SACK_PERM;
        if (co.ecn_ok)
            h.flags |= L4_TCP_ECE;
        o->present |= L4_TCP_HAS_TS;
        o->ts_val = l4_syncookie_ts_encode(syncookie_ts_now(s, h.sport, h.dport, now), &co);
        o->ts_ecr = so->ts_val;
    }
    return l4_tcp_write(buf, cap, &h, local, remote);
}

int l4_tcp_syncookie_check_ack(const l4_tcp_settings *s, const l4_addr *local,
                               const l4_addr *remote, const l4_tcp_hdr *ack, l4_time now,
                               l4_syncookie_opts *o)
{
    if (!s || !local || !remote || !ack || !o || local->family != remote->family ||
        (ack->flags & (L4_TCP_SYN | L4_TCP_ACK | L4_TCP_RST)) != L4_TCP_ACK)
        return L4_ERR_INVALID_ARGUMENT;
    l4_syncookie_tuple t;
    syncookie_tuple(&t, local, remote, ack);
    uint8_t key[16];
    l4_syncookie_key(s->isn_secret, key);
    unsigned idx = 0;
    int r = l4_syncookie_check(key, &t, ack->seq - 1, ack->ack - 1, now, &idx);
    if (r)
        return r;
    memset(o, 0, sizeof *o);
    o->mss = l4_syncookie_mss(idx);
    if (s->timestamps && (ack->opts.present & L4_TCP_HAS_TS)) {
        r = l4_syncookie_ts_decode(ack->opts.ts_ecr,
                                   syncookie_ts_now(s, ack->dport, ack->sport, now), o);
        if (r)
            return r;
        o->ts_ok = 1;
        o->ts_val = ack->opts.ts_val;
        /* Only what these settings could have offered. */
        o->ws_ok = o->ws_ok && s->window_scale;
        o->sack_ok = o->sack_ok && s->sack;
        o->ecn_ok = o->ecn_ok && syncookie_ecn_wanted(s);
    }
    if (!o->ws_ok)
        o->snd_wscale = 0;
    return 0;
}

int l4_tcp_conn_open_cookie(l4_tcp_conn *c, const l4_addr *local, const l4_addr *remote,
                            const l4_tcp_hdr *ack, uint8_t ecn, const l4_syncookie_opts *o,
                            l4_time now)
{
    if (!c || !local || !remote || !ack || !o || local->family != remote->family ||
        (local->family != L4_AF_INET4 && local->family != L4_AF_INET6))
        return L4_ERR_INVALID_ARGUMENT;
    if (c->state != L4_TCP_CLOSED || c->used)
        return L4_ERR_STATE;
    c->used = 1;
    c->passive = 1;
    c->laddr = *local;
    c->raddr = *remote;
    c->lport = ack->dport;
    c->rport = ack->sport;
    /* As if our SYN-ACK (ISS = the cookie) had been sent and the peer's SYN
       (IRS = SEG.SEQ - 1) received: SYN_RECEIVED, waiting for this ACK. */
    c->iss = ack->ack - 1;
    c->ts_offset = l4_tcp_ts_offset(c->set.isn_secret, c->lport, c->rport);
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->iss + 1;
    c->buf_seq = c->iss + 1;
    c->recover = c->ecn_recover = c->iss;
    c->irs = ack->seq - 1;
    c->rcv_nxt = ack->seq;
    c->rcv_adv = c->rcv_nxt + (c->set.rcvbuf > 65535 ? 65535u : c->set.rcvbuf);
    c->last_ack_sent = c->rcv_nxt;
    c->peer_mss = o->mss < 64 ? 64 : o->mss;
    c->ws_ok = o->ws_ok && c->set.window_scale;
    c->snd_wscale = c->ws_ok ? (o->snd_wscale > 14 ? 14 : o->snd_wscale) : 0;
    c->rcv_wscale = c->ws_ok ? l4_tcp_pick_wscale(&c->set) : 0;
    c->ts_ok = o->ts_ok && c->set.timestamps;
    if (c->ts_ok) {
        c->ts_recent = o->ts_val;
        c->ts_recent_age = now;
    }
    c->sack_ok = o->sack_ok && c->set.sack;
    c->ecn_ok = o->ecn_ok && l4_tcp_ecn_wanted(c);
    c->ecn_bytes = c->ecn_ok && (l4_cc_flags(c->cc) & L4_CC_F_ECN_BYTES);
    l4_tcp_set_smss(c);
    l4_cc_reset(c->cc, c->smss, now);
    c->snd_wl1 = c->irs;
    c->snd_wl2 = c->iss;
    c->last_rcv = now;
    c->state = L4_TCP_SYN_RECEIVED;
    /* The ACK itself completes the handshake (RFC 9293 §3.10.7.4) and may
       carry data and a FIN. */
    c->st.segs_in++;
    int r = l4_tcp_input_seg(c, remote, ack, ecn, now);
    l4_tcp_timers_update(c, now);
    return r;
}
