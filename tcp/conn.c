/*
 * tcp/conn.c — connection lifecycle and the application side: settings,
 * open, send/recv, shutdown/close/abort, info; the small helpers the other
 * engine files share.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp/conn_internal.h"
#include "util/siphash.h"

void l4_tcp_settings_default(l4_tcp_settings *s)
{
    memset(s, 0, sizeof *s);
    s->mss = 1460;
    s->sndbuf = 256 * 1024;
    s->rcvbuf = 256 * 1024;
    s->wscale = -1;
    s->window_scale = 1;
    s->timestamps = 1;
    s->sack = 1;
    s->nodelay = 0;
    s->delack = 40 * L4_MS;
    s->initial_rto = L4_S;
    s->min_rto = 200 * L4_MS;
    s->max_rto = 120 * L4_S;
    s->clock_granularity = L4_MS;
    s->msl = 30 * L4_S;
    s->fin_wait2_timeout = 60 * L4_S;
    s->keepalive = 0;
    s->keep_idle = 2 * 3600 * L4_S;
    s->keep_intvl = 75 * L4_S;
    s->keep_cnt = 9;
    s->max_retries = 15;
    s->syn_retries = 6;
    s->challenge_ack_limit = 10;
    s->rfc1337 = 1;
    s->tlp = 1;
    s->tlp_max_ack_delay = L4_TCP_TLP_MAX_ACK_DELAY;
    s->frto = 1;
    s->dsack = 1;
    s->cc = "reno";
}

static const char *const tcp_state_names[] = {
    "CLOSED",     "LISTEN",     "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",  "LAST_ACK",     "TIME_WAIT",
};

const char *l4_tcp_state_name(l4_tcp_state s)
{
    if ((unsigned)s < sizeof tcp_state_names / sizeof tcp_state_names[0])
        return tcp_state_names[s];
    return "?";
}

l4_tcp_state l4_tcp_conn_state(const l4_tcp_conn *c)
{
    return c->state;
}

uint8_t l4_tcp_pick_wscale(const l4_tcp_settings *s)
{
    if (s->wscale >= 0)
        return (uint8_t)s->wscale;
    uint8_t sh = 0;
    while (sh < 14 && ((uint64_t)s->rcvbuf >> sh) > 65535)
        sh++;
    return sh;
}

int l4_tcp_conn_new(l4_tcp_conn **pconn, const l4_tcp_settings *settings,
                    const l4_tcp_callbacks *cb, void *user)
{
    if (!pconn)
        return L4_ERR_INVALID_ARGUMENT;
    l4_tcp_settings s;
    if (settings)
        s = *settings;
    else
        l4_tcp_settings_default(&s);
    if (!s.cc)
        s.cc = "reno";
    if (s.mss < 64 || s.sndbuf < s.mss || s.rcvbuf < s.mss || s.rcvbuf > (1u << 30) ||
        s.wscale > 14)
        return L4_ERR_INVALID_ARGUMENT;
    if (!l4_cc_find(s.cc))
        return L4_ERR_NOT_FOUND;
    l4_tcp_conn *c = calloc(1, sizeof *c);
    if (!c)
        return L4_ERR_NOMEM;
    c->set = s;
    if (cb)
        c->cb = *cb;
    c->user = user;
    /* The byte rings are allocated on first use (buf.c), so listeners and
       idle connections cost only this structure. */
    if (l4_cc_new(&c->cc, s.cc, s.mss, 0) != 0) {
        l4_tcp_conn_del(c);
        return L4_ERR_NOMEM;
    }
    c->snd.cap = s.sndbuf;
    c->rcv.cap = s.rcvbuf;
    c->state = L4_TCP_CLOSED;
    c->nodelay = s.nodelay;
    l4_rtt_init(&c->rtt, s.initial_rto, s.min_rto, s.max_rto, s.clock_granularity);
    c->rto_at = c->persist_at = c->delack_at = c->keep_at = c->tw_at = c->fw2_at = L4_TIME_NONE;
    c->pace_at = c->rack_at = c->tlp_at = L4_TIME_NONE;
    c->rack.reo_wnd_mult = 1;
    c->rack.min_rtt = L4_TIME_NONE;
    c->peer_mss = L4_TCP_DEFAULT_MSS;
    c->smss = s.mss < L4_TCP_DEFAULT_MSS ? s.mss : L4_TCP_DEFAULT_MSS;
    *pconn = c;
    return 0;
}

void l4_tcp_conn_del(l4_tcp_conn *c)
{
    if (!c)
        return;
    free(c->snd.buf);
    free(c->rcv.buf);
    l4_cc_del(c->cc);
    l4_tcp_rate_free(&c->rate);
    l4_tcp_ranges_free(&c->sacked);
    l4_tcp_ranges_free(&c->rcv.ooo);
    l4_tcp_rexmits_free(&c->rexmits);
    l4_tcp_ranges_free(&c->lost);
    l4_tcp_ranges_free(&c->rtxd);
    l4_tcp_txlog_free(&c->tx);
    free(c);
}

uint32_t l4_tcp_isn(const l4_tcp_conn *c, l4_time now)
{
    if (c->set.force_isn)
        return c->set.isn;
    /* RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
       M a 4-microsecond timer. */
    uint8_t t[36];
    memcpy(t, c->laddr.bytes, 16);
    memcpy(t + 16, c->raddr.bytes, 16);
    t[32] = (uint8_t)(c->lport >> 8);
    t[33] = (uint8_t)c->lport;
    t[34] = (uint8_t)(c->rport >> 8);
    t[35] = (uint8_t)c->rport;
    uint64_t f = l4_siphash24(c->set.isn_secret, t, sizeof t);
    return (uint32_t)(now / (4 * L4_US)) + (uint32_t)f;
}

uint32_t l4_tcp_ts_now(const l4_tcp_conn *c, l4_time now)
{
    /* A 1 ms timestamp clock (RFC 7323 §5.4 allows 1 ms..1 s) with a
       per-connection offset. */
    return (uint32_t)(now / L4_MS) + c->ts_offset;
}

uint32_t l4_tcp_ts_offset(const uint8_t secret[16], uint16_t lport, uint16_t rport)
{
    uint8_t t[4] = {(uint8_t)(lport >> 8), (uint8_t)lport, (uint8_t)(rport >> 8), (uint8_t)rport};
    return (uint32_t)(l4_siphash24(secret, t, sizeof t) >> 32);
}

void l4_tcp_set_smss(l4_tcp_conn *c)
{
    uint32_t m = c->peer_mss < c->set.mss ? c->peer_mss : c->set.mss;
    if (c->ts_ok && m > L4_TCP_TS_LEN + 16)
        m -= L4_TCP_TS_LEN;
    c->smss = m;
    l4_cc_set_mss(c->cc, m);
}

void l4_tcp_enter(l4_tcp_conn *c, l4_tcp_state s, l4_time now)
{
    c->state = s;
    if (s == L4_TCP_TIME_WAIT) {
        /* RFC 9293 §3.10.7.4: TIME-WAIT lasts 2 MSL; nothing else runs. */
        c->tw_at = now + 2 * c->set.msl;
        c->rto_at = c->persist_at = c->keep_at = c->fw2_at = L4_TIME_NONE;
        c->rack_at = c->tlp_at = L4_TIME_NONE;
        c->tlp_pending = 0;
    }
}

void l4_tcp_close_now(l4_tcp_conn *c, l4_tcp_close_reason why)
{
    c->state = L4_TCP_CLOSED;
    c->rto_at = c->persist_at = c->delack_at = c->keep_at = c->tw_at = c->fw2_at = L4_TIME_NONE;
    c->rack_at = c->tlp_at = L4_TIME_NONE;
    c->tlp_pending = 0;
    c->ack_now = 0;
    c->force_probe = c->rtx_one = c->keep_probe_pending = 0;
    if (why == L4_TCP_CLOSE_RESET || why == L4_TCP_CLOSE_ABORTED || why == L4_TCP_CLOSE_TIMEOUT)
        c->reset_rcvd = 1;
    if (!c->closed_cb_done) {
        c->closed_cb_done = 1;
        if (c->cb.closed)
            c->cb.closed(c, c->user, why);
    }
}

uint32_t l4_tcp_rcv_wnd(const l4_tcp_conn *c)
{
    return l4_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
}

void l4_tcp_queue_rst(l4_tcp_conn *c, uint32_t seq, uint32_t ack, uint8_t flags)
{
    c->rst_pending = 1;
    c->rst_seq = seq;
    c->rst_ack = ack;
    c->rst_flags = (uint8_t)(L4_TCP_RST | flags);
    c->rst_addr = c->raddr;
    c->rst_port = c->rport;
}

int l4_tcp_challenge_ack(l4_tcp_conn *c, l4_time now)
{
    /* RFC 5961 §7: at most challenge_ack_limit per second. */
    if (now - c->chal_window_start >= L4_S || now < c->chal_window_start) {
        c->chal_window_start = now;
        c->chal_count = 0;
    }
    if (c->chal_count >= c->set.challenge_ack_limit)
        return 0;
    c->chal_count++;
    c->st.challenge_acks++;
    c->ack_now = 1;
    return 1;
}

uint64_t l4_tcp_in_flight(const l4_tcp_conn *c)
{
    if ((c->in_recovery || c->rto_recovery) && c->sack_ok)
        return l4_tcp_sack_pipe(c);
    return (uint32_t)(c->snd_max - c->snd_una);
}

static int tcp_bind(l4_tcp_conn *c, const l4_addr *local, uint16_t lport)
{
    if (!local || (local->family != L4_AF_INET4 && local->family != L4_AF_INET6))
        return L4_ERR_INVALID_ARGUMENT;
    if (c->state != L4_TCP_CLOSED || c->used)
        return L4_ERR_STATE;
    c->laddr = *local;
    c->lport = lport;
    return 0;
}

static void tcp_init_send(l4_tcp_conn *c, l4_time now)
{
    c->iss = l4_tcp_isn(c, now);
    c->ts_offset = l4_tcp_ts_offset(c->set.isn_secret, c->lport, c->rport);
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->buf_seq = c->iss + 1;
    c->recover = c->ecn_recover = c->iss;
    c->rcv_wscale = c->set.window_scale ? l4_tcp_pick_wscale(&c->set) : 0;
    l4_cc_reset(c->cc, c->smss, now);
}

int l4_tcp_conn_connect(l4_tcp_conn *c, const l4_addr *local, uint16_t lport, const l4_addr *remote,
                        uint16_t rport, l4_time now)
{
    if (!c || !remote || (local && remote->family != local->family))
        return L4_ERR_INVALID_ARGUMENT;
    int r = tcp_bind(c, local, lport);
    if (r)
        return r;
    c->used = 1;
    c->raddr = *remote;
    c->rport = rport;
    tcp_init_send(c, now);
    c->state = L4_TCP_SYN_SENT;
    c->last_rcv = now;
    return 0;
}

int l4_tcp_conn_listen(l4_tcp_conn *c, const l4_addr *local, uint16_t lport, l4_time now)
{
    (void)now;
    if (!c)
        return L4_ERR_INVALID_ARGUMENT;
    int r = tcp_bind(c, local, lport);
    if (r)
        return r;
    c->used = 1;
    c->passive = 1;
    c->state = L4_TCP_LISTEN;
    return 0;
}

int l4_tcp_conn_input_from(l4_tcp_conn *c, const l4_addr *remote, const l4_tcp_hdr *seg,
                           uint8_t ecn, l4_time now)
{
    if (!c || !seg)
        return L4_ERR_INVALID_ARGUMENT;
    if (seg->dport != c->lport)
        return L4_ERR_INVALID_ARGUMENT;
    if (c->state == L4_TCP_LISTEN) {
        if (!remote || remote->family != c->laddr.family)
            return remote ? L4_ERR_INVALID_ARGUMENT : L4_ERR_STATE;
    } else if (c->used && seg->sport != c->rport) {
        return L4_ERR_INVALID_ARGUMENT;
    }
    c->st.segs_in++;
    int r = l4_tcp_input_seg(c, remote, seg, ecn, now);
    l4_tcp_timers_update(c, now);
    return r;
}

int l4_tcp_conn_input(l4_tcp_conn *c, const l4_tcp_hdr *seg, uint8_t ecn, l4_time now)
{
    return l4_tcp_conn_input_from(c, NULL, seg, ecn, now);
}

l4_ssize l4_tcp_conn_output(l4_tcp_conn *c, uint8_t *buf, size_t cap, uint8_t *ecn, l4_time now)
{
    if (!c || !buf)
        return L4_ERR_INVALID_ARGUMENT;
    uint8_t cp = 0;
    l4_ssize n = l4_tcp_output_seg(c, buf, cap, &cp, now);
    if (ecn)
        *ecn = n > 0 ? cp : 0;
    l4_tcp_timers_update(c, now);
    return n;
}

l4_time l4_tcp_conn_next_timeout(const l4_tcp_conn *c)
{
    return l4_tcp_timers_next(c);
}

int l4_tcp_conn_handle_timeout(l4_tcp_conn *c, l4_time now)
{
    if (!c)
        return L4_ERR_INVALID_ARGUMENT;
    l4_tcp_timers_run(c, now);
    l4_tcp_timers_update(c, now);
    return 0;
}

l4_ssize l4_tcp_conn_send(l4_tcp_conn *c, const void *data, size_t len, l4_time now)
{
    if (!c || (!data && len))
        return L4_ERR_INVALID_ARGUMENT;
    switch (c->state) {
    case L4_TCP_SYN_SENT:
    case L4_TCP_SYN_RECEIVED:
    case L4_TCP_ESTABLISHED:
    case L4_TCP_CLOSE_WAIT:
        break;
    default:
        return L4_ERR_STATE;
    }
    if (c->fin_queued)
        return L4_ERR_STATE;
    size_t n = l4_tcp_sndbuf_append(&c->snd, data, len);
    if (n == 0)
        return c->snd.buf || !len ? L4_ERR_AGAIN : L4_ERR_NOMEM;
    l4_tcp_timers_update(c, now);
    return (l4_ssize)n;
}

l4_ssize l4_tcp_conn_recv(l4_tcp_conn *c, void *buf, size_t cap, l4_time now)
{
    (void)now;
    if (!c || (!buf && cap))
        return L4_ERR_INVALID_ARGUMENT;
    if (c->rcv.len == 0) {
        if (c->reset_rcvd || (c->state == L4_TCP_CLOSED && !c->fin_rcvd))
            return L4_ERR_STATE;
        if (c->fin_rcvd)
            return 0;
        return L4_ERR_AGAIN;
    }
    if (cap == 0)
        return L4_ERR_AGAIN;
    size_t n = l4_tcp_rcvbuf_read(&c->rcv, buf, cap);
    /* Window update: when the window we last offered is under half the
       buffer and reading opened it by the receiver-SWS threshold
       (RFC 9293 §3.8.6.2.2), say so now rather than waiting for data. */
    uint32_t cur = l4_tcp_rcv_wnd(c);
    size_t space = l4_tcp_rcvbuf_space(&c->rcv);
    size_t thresh = c->rcv.cap / 2 < c->set.mss ? c->rcv.cap / 2 : c->set.mss;
    if (cur < c->rcv.cap / 2 && space > cur && space - cur >= thresh &&
        (c->state == L4_TCP_ESTABLISHED || c->state == L4_TCP_FIN_WAIT_1 ||
         c->state == L4_TCP_FIN_WAIT_2))
        c->ack_now = 1;
    return (l4_ssize)n;
}

int l4_tcp_conn_shutdown(l4_tcp_conn *c, l4_time now)
{
    if (!c)
        return L4_ERR_INVALID_ARGUMENT;
    if (c->fin_queued)
        return L4_ERR_STATE;
    switch (c->state) {
    case L4_TCP_LISTEN:
    case L4_TCP_SYN_SENT:
        l4_tcp_close_now(c, L4_TCP_CLOSE_NORMAL);
        return 0;
    case L4_TCP_SYN_RECEIVED:
    case L4_TCP_ESTABLISHED:
    case L4_TCP_CLOSE_WAIT:
        break;
    default:
        return L4_ERR_STATE;
    }
    c->fin_queued = 1;
    c->fin_seq = c->buf_seq + (uint32_t)c->snd.len;
    if (c->state == L4_TCP_ESTABLISHED)
        l4_tcp_enter(c, L4_TCP_FIN_WAIT_1, now);
    else if (c->state == L4_TCP_CLOSE_WAIT)
        l4_tcp_enter(c, L4_TCP_LAST_ACK, now);
    /* SYN_RECEIVED: the FIN follows once the handshake completes (§3.10.4). */
    l4_tcp_timers_update(c, now);
    return 0;
}

int l4_tcp_conn_abort(l4_tcp_conn *c, l4_time now)
{
    (void)now;
    if (!c)
        return L4_ERR_INVALID_ARGUMENT;
    switch (c->state) {
    case L4_TCP_CLOSED:
        return L4_ERR_STATE;
    case L4_TCP_SYN_RECEIVED:
    case L4_TCP_ESTABLISHED:
    case L4_TCP_FIN_WAIT_1:
    case L4_TCP_FIN_WAIT_2:
    case L4_TCP_CLOSE_WAIT:
        /* RFC 9293 §3.10.5: send <SEQ=SND.NXT><CTL=RST>. */
        l4_tcp_queue_rst(c, c->snd_max, 0, 0);
        c->st.rst_sent++;
        break;
    default:
        break;
    }
    l4_tcp_close_now(c, L4_TCP_CLOSE_ABORTED);
    return 0;
}

int l4_tcp_conn_close(l4_tcp_conn *c, l4_time now)
{
    if (!c)
        return L4_ERR_INVALID_ARGUMENT;
    if (c->state == L4_TCP_CLOSED || c->app_closed)
        return L4_ERR_STATE;
    c->app_closed = 1;
    if (c->rcv.len > 0 && c->state != L4_TCP_LISTEN && c->state != L4_TCP_SYN_SENT)
        return l4_tcp_conn_abort(c, now); /* RFC 1122 §4.2.2.13 */
    if (!c->fin_queued)
        return l4_tcp_conn_shutdown(c, now);
    l4_tcp_timers_update(c, now);
    return 0;
}

uint32_t l4_tcp_conn_gso_size(const l4_tcp_conn *c, size_t tcp_hdr_len)
{
    /* As output sizes a segment: min(peer MSS, our MSS) less its options. */
    uint32_t mss = c->peer_mss < c->set.mss ? c->peer_mss : c->set.mss;
    size_t opts = tcp_hdr_len > L4_TCP_MIN_HDR ? tcp_hdr_len - L4_TCP_MIN_HDR : 0;
    return mss > opts ? mss - (uint32_t)opts : 1;
}

void l4_tcp_conn_set_nodelay(l4_tcp_conn *c, int on)
{
    c->nodelay = on ? 1 : 0;
}

size_t l4_tcp_conn_send_queued(const l4_tcp_conn *c)
{
    return c->snd.len;
}

size_t l4_tcp_conn_recv_ready(const l4_tcp_conn *c)
{
    return c->rcv.len;
}

size_t l4_tcp_conn_footprint(const l4_tcp_conn *c)
{
    return sizeof *c + (c->snd.buf ? c->snd.cap : 0) + (c->rcv.buf ? c->rcv.cap : 0) +
           sizeof(l4_cc) + c->cc->ops->state_size + l4_tcp_ranges_footprint(&c->sacked) +
           l4_tcp_ranges_footprint(&c->rcv.ooo) + (size_t)c->rexmits.cap * sizeof(l4_tcp_rexmit) +
           l4_tcp_ranges_footprint(&c->lost) + l4_tcp_ranges_footprint(&c->rtxd) +
           (size_t)c->tx.cap * sizeof(l4_tcp_txrec) + (size_t)c->rate.cap * sizeof(l4_tcp_rate_rec);
}

const char *l4_tcp_timer_name(l4_tcp_timer t)
{
    /* ss shows "on" for RACK's reordering timer and the loss probe too (Linux
       reports ICSK_TIME_REO_TIMEOUT and ICSK_TIME_LOSS_PROBE as timer 1). */
    static const char *const names[] = {"-",        "on",         "persist", "delack", "keepalive",
                                        "timewait", "fin_wait_2", "pacing",  "on",     "on"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "-";
}

/* Which timer l4_tcp_timers_next's deadline belongs to. */
static void tcp_next_timer(const l4_tcp_conn *c, l4_tcp_info *i)
{
    const struct {
        l4_time at;
        l4_tcp_timer kind;
        uint32_t count;
    } t[] = {
        {c->rto_at, L4_TCP_TIMER_RTO, c->retries},
        {c->persist_at, L4_TCP_TIMER_PERSIST, c->persist_backoff},
        {c->delack_at, L4_TCP_TIMER_DELACK, 0},
        {c->keep_at, L4_TCP_TIMER_KEEPALIVE, c->keep_probes},
        {c->tw_at, L4_TCP_TIMER_TIMEWAIT, 0},
        {c->fw2_at, L4_TCP_TIMER_FIN_WAIT_2, 0},
        {c->pace_at, L4_TCP_TIMER_PACING, 0},
        {c->rack_at, L4_TCP_TIMER_REORDER, 0},
        {c->tlp_at, L4_TCP_TIMER_PROBE, 0},
    };
    i->timer = L4_TCP_TIMER_NONE;
    i->timer_at = L4_TIME_NONE;
    i->timer_count = 0;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        if (t[k].at != L4_TIME_NONE && t[k].at < i->timer_at) {
            i->timer_at = t[k].at;
            i->timer = t[k].kind;
            i->timer_count = t[k].count;
        }
}

void l4_tcp_conn_get_info(const l4_tcp_conn *c, l4_tcp_info *i)
{
    *i = c->st;
    i->state = c->state;
    i->iss = c->iss;
    i->irs = c->irs;
    i->snd_una = c->snd_una;
    i->snd_nxt = c->snd_nxt;
    i->snd_max = c->snd_max;
    i->rcv_nxt = c->rcv_nxt;
    i->snd_wnd = c->snd_wnd;
    i->rcv_wnd = l4_tcp_rcv_wnd(c);
    i->cwnd = l4_cc_cwnd(c->cc);
    i->ssthresh = l4_cc_ssthresh(c->cc);
    i->in_flight = l4_tcp_in_flight(c);
    i->srtt = c->rtt.srtt;
    i->rttvar = c->rtt.rttvar;
    i->rto = l4_rtt_rto(&c->rtt);
    i->mss = c->smss;
    i->snd_wscale = c->snd_wscale;
    i->rcv_wscale = c->rcv_wscale;
    i->ts_ok = c->ts_ok;
    i->sack_ok = c->sack_ok;
    i->in_recovery = c->in_recovery;
    i->ecn_ok = c->ecn_ok;
    i->reo_wnd = c->sack_ok ? l4_tcp_rack_reo_wnd(c) : 0;
    tcp_next_timer(c, i);
}
