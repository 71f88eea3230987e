/*
 * quic/events.c — the connection's event observer (conn.h,
 * l4_quic_conn_set_observer): packets sent and received with their frames
 * decoded, drops, losses, metrics, congestion and connection states, and
 * transport parameters, handed over as structs. Nothing here formats or
 * writes; with no observer attached every function returns at once.
 */
#include <string.h>

#include "quic/conn_internal.h"

static void ev_emit(l4_quic_conn *c, l4_quic_event *ev)
{
    c->ev_fn(c, ev, c->ev_user);
}

static void ev_cid(l4_quic_cid *out, const uint8_t *p, size_t n)
{
    out->len = (uint8_t)(n > L4_QUIC_MAX_CID_LEN ? L4_QUIC_MAX_CID_LEN : n);
    if (out->len)
        memcpy(out->data, p, out->len);
}

void qc_ev_packet(l4_quic_conn *c, l4_quic_event_type type, int pkt_type, uint64_t pn,
                  size_t pkt_len, const uint8_t *payload, size_t plen, const uint8_t *dcid,
                  size_t dcid_len, const uint8_t *scid, size_t scid_len, l4_time now)
{
    if (!c->ev_fn)
        return;
    l4_quic_frame frames[L4_QUIC_EV_MAX_FRAMES];
    size_t n = 0, total = 0, off = 0;
    /* The payload was built or decrypted by this connection; a frame that
     * does not decode ends the list (the input path reports the error). */
    while (off < plen) {
        l4_quic_frame f;
        l4_ssize k = l4_quic_frame_decode(&f, payload + off, plen - off);
        if (k < 0)
            break;
        off += (size_t)k;
        if (n < L4_QUIC_EV_MAX_FRAMES)
            frames[n++] = f;
        total++;
    }
    l4_quic_cid d, s;
    ev_cid(&d, dcid, dcid_len);
    if (scid)
        ev_cid(&s, scid, scid_len);
    l4_quic_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.now = now;
    ev.pkt_type = pkt_type;
    ev.pn = pn;
    ev.pkt_len = pkt_len;
    ev.dcid = &d;
    ev.scid = scid ? &s : NULL;
    ev.frames = frames;
    ev.nframes = n;
    ev.frames_total = total;
    ev_emit(c, &ev);
}

void qc_ev_dropped(l4_quic_conn *c, int pkt_type, size_t pkt_len, const char *trigger, l4_time now)
{
    if (!c->ev_fn)
        return;
    l4_quic_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = L4_QUIC_EV_PACKET_DROPPED;
    ev.now = now;
    ev.pkt_type = pkt_type;
    ev.pn = L4_QUIC_PN_NONE;
    ev.pkt_len = pkt_len;
    ev.trigger = trigger;
    ev_emit(c, &ev);
}

void qc_ev_lost(l4_quic_conn *c, int space, const qc_sent *p, const char *trigger, l4_time now)
{
    if (!c->ev_fn)
        return;
    l4_quic_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = L4_QUIC_EV_PACKET_LOST;
    ev.now = now;
    ev.pkt_type = space == L4_QUIC_LEVEL_INITIAL     ? L4_QUIC_PKT_INITIAL
                  : space == L4_QUIC_LEVEL_HANDSHAKE ? L4_QUIC_PKT_HANDSHAKE
                                                     : L4_QUIC_PKT_1RTT;
    ev.pn = p->pn;
    ev.pkt_len = p->size;
    ev.trigger = trigger;
    ev_emit(c, &ev);
}

void qc_ev_params(l4_quic_conn *c, const l4_quic_tp *tp, int local, l4_time now)
{
    if (!c->ev_fn)
        return;
    l4_quic_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = L4_QUIC_EV_PARAMETERS_SET;
    ev.now = now;
    ev.tp = tp;
    ev.local = local;
    ev_emit(c, &ev);
}

/* qlog's connection states (ConnectionState in the QUIC event definitions). */
static const char *ev_conn_state(const l4_quic_conn *c)
{
    switch (c->state) {
    case QC_HANDSHAKING:
        return "handshake_started";
    case QC_ESTABLISHED:
        return c->hs_confirmed ? "handshake_confirmed" : "handshake_complete";
    case QC_CLOSING:
        return "closing";
    case QC_DRAINING:
        return "draining";
    default:
        return "closed";
    }
}

/* qlog's congestion states (RFC 9002 Appendix B terms). */
static const char *ev_cc_state(const l4_quic_conn *c)
{
    if (c->in_recovery)
        return "recovery";
    if (c->app_limited_until)
        return "application_limited";
    return l4_cc_cwnd(c->cc) < l4_cc_ssthresh(c->cc) ? "slow_start" : "congestion_avoidance";
}

static int ev_metrics_differ(const l4_quic_conn_stats *a, const l4_quic_conn_stats *b)
{
    return a->cwnd != b->cwnd || a->bytes_in_flight != b->bytes_in_flight || a->srtt != b->srtt ||
           a->min_rtt != b->min_rtt || a->latest_rtt != b->latest_rtt || a->rttvar != b->rttvar ||
           a->ssthresh != b->ssthresh || a->pacing_rate != b->pacing_rate ||
           a->pto_count_total != b->pto_count_total;
}

void qc_ev_update(l4_quic_conn *c, l4_time now)
{
    if (!c->ev_fn)
        return;
    l4_quic_event ev;
    const char *cs = ev_conn_state(c);
    if (cs != c->ev_conn_state) {
        memset(&ev, 0, sizeof ev);
        ev.type = L4_QUIC_EV_CONNECTION_STATE;
        ev.now = now;
        ev.old_state = c->ev_conn_state;
        ev.new_state = cs;
        c->ev_conn_state = cs;
        ev_emit(c, &ev);
    }
    if (c->state >= QC_CLOSING)
        return;
    l4_quic_conn_stats st;
    l4_quic_conn_get_stats(c, &st);
    if (ev_metrics_differ(&st, &c->ev_last)) {
        c->ev_last = st;
        memset(&ev, 0, sizeof ev);
        ev.type = L4_QUIC_EV_METRICS_UPDATED;
        ev.now = now;
        ev.stats = &st;
        ev_emit(c, &ev);
    }
    const char *cc = ev_cc_state(c);
    if (cc != c->ev_cc_state) {
        memset(&ev, 0, sizeof ev);
        ev.type = L4_QUIC_EV_CONGESTION_STATE;
        ev.now = now;
        ev.old_state = c->ev_cc_state;
        ev.new_state = cc;
        ev.trigger = !strcmp(cc, "recovery") ? c->ev_cc_trigger : NULL;
        c->ev_cc_state = cc;
        ev_emit(c, &ev);
    }
}

void qc_ev_release(l4_quic_conn *c)
{
    if (c->ev_release)
        c->ev_release(c->ev_user);
    c->ev_fn = NULL;
    c->ev_release = NULL;
    c->ev_user = NULL;
}

void l4_quic_conn_set_observer(l4_quic_conn *c, l4_quic_event_fn fn, void (*release)(void *),
                               void *user)
{
    qc_ev_release(c);
    c->ev_fn = fn;
    c->ev_release = fn ? release : NULL;
    c->ev_user = fn ? user : NULL;
    memset(&c->ev_last, 0, sizeof c->ev_last);
    c->ev_conn_state = c->ev_cc_state = NULL;
    if (!fn)
        return;
    l4_quic_tp tp = c->set.tp;
    tp.initial_scid = c->scid;
    tp.present |= L4_QUIC_TP_HAS_INITIAL_SCID;
    if (c->is_server) {
        tp.original_dcid = c->odcid;
        tp.present |= L4_QUIC_TP_HAS_ORIGINAL_DCID;
    }
    qc_ev_params(c, &tp, 1, c->last_send);
    qc_ev_update(c, c->last_send);
}

int l4_quic_conn_is_server(const l4_quic_conn *c)
{
    return c->is_server;
}

const l4_quic_cid *l4_quic_conn_odcid(const l4_quic_conn *c)
{
    return &c->odcid;
}
