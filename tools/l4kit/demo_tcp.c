/* tools/l4kit/demo_tcp.c — the TCP act of `l4kit demo` (see demo_tcp.h). */
#include "demo_tcp.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "wire/ip.h"

/* Detailed loss/retransmission lines in the text timeline; the rest are counted. */
#define DEMO_DETAIL 4

static demo_ev *demo_ev_add(demo_tcp *d, l4_time t, int kind)
{
    if (d->nev == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 64;
        demo_ev *ne = realloc(d->ev, nc * sizeof *ne);
        if (!ne) {
            d->oom = 1;
            return NULL;
        }
        d->ev = ne;
        d->cap = nc;
    }
    demo_ev *e = &d->ev[d->nev++];
    memset(e, 0, sizeof *e);
    e->t = t;
    e->kind = kind;
    return e;
}

static void demo_pkt_ev(demo_tcp *d, l4_time t, int dir, const l4_tcp_hdr *h, const char *label,
                        int lost)
{
    demo_ev *e = demo_ev_add(d, t, DEMO_EV_PKT);
    if (!e)
        return;
    e->dir = dir;
    e->label = label;
    e->flags = h->flags;
    e->seq = h->seq;
    e->ack = h->ack;
    e->win = h->window;
    e->opts = h->opts;
    e->len = (uint32_t)h->payload_len;
    e->lost = lost;
}

/* The tap: every packet event on the link, before the capture. */
static void demo_tcp_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                         size_t len)
{
    demo_tcp *d = user;
    (void)link;
    if (event == L4_SIM_TAP_DELIVER)
        return; /* the timeline shows packets when they are sent */
    l4_ip_pkt ip;
    l4_tcp_hdr h;
    if (l4_ip_parse(&ip, pkt, len) != 0 || ip.proto != 6 ||
        l4_tcp_parse(&h, ip.payload, ip.payload_len, NULL, NULL) != 0)
        return;
    int lost = event != L4_SIM_TAP_SEND;
    int a2b = dir == L4_LINK_DIR_AB;
    uint8_t fl = h.flags;
    if (fl & L4_TCP_SYN) {
        if (a2b && !(fl & L4_TCP_ACK)) {
            demo_pkt_ev(d, now, 0, &h, d->have_isn_a ? "SYN (again)" : "SYN", lost);
            d->isn_a = h.seq;
            d->have_isn_a = 1;
            d->hs = d->hs < 1 ? 1 : d->hs;
        } else if (!a2b && (fl & L4_TCP_ACK)) {
            demo_pkt_ev(d, now, 1, &h, d->have_isn_b ? "SYN-ACK (again)" : "SYN-ACK", lost);
            d->isn_b = h.seq;
            d->have_isn_b = 1;
            d->hs = d->hs < 2 ? 2 : d->hs;
        }
        return;
    }
    if (a2b && d->hs == 2 && (fl & L4_TCP_ACK) && h.ack == d->isn_b + 1) {
        demo_pkt_ev(d, now, 0, &h, "ACK", lost);
        d->hs = 3;
    }
    if (a2b && h.payload_len > 0 && d->have_isn_a) {
        uint64_t rel = (uint32_t)(h.seq - d->isn_a - 1);
        uint64_t end = rel + h.payload_len;
        if (rel < d->max_end) {
            demo_ev *e = demo_ev_add(d, now, DEMO_EV_RETX);
            if (e) {
                e->seq = h.seq;
                e->len = (uint32_t)h.payload_len;
                e->rel = rel;
                e->lost = lost;
            }
            d->retx++;
        }
        if (end > d->max_end)
            d->max_end = end;
        if (lost) {
            demo_ev *e = demo_ev_add(d, now, DEMO_EV_LOSS);
            if (e) {
                e->seq = h.seq;
                e->len = (uint32_t)h.payload_len;
                e->rel = rel;
            }
            d->losses++;
        }
    }
    if (fl & L4_TCP_FIN) {
        int again = a2b ? d->fin_a : d->fin_b;
        demo_pkt_ev(d, now, a2b ? 0 : 1, &h, again ? "FIN (again)" : "FIN", lost);
        if (a2b) {
            d->fin_a = 1;
            d->fin_a_seq = h.seq + (uint32_t)h.payload_len;
        } else {
            d->fin_b = 1;
            d->fin_b_seq = h.seq + (uint32_t)h.payload_len;
        }
        /* a FIN may also acknowledge the other side's FIN */
    }
    if (!a2b && d->fin_a && !d->fin_a_acked && (fl & L4_TCP_ACK) && h.ack == d->fin_a_seq + 1) {
        d->fin_a_acked = 1;
        if (!(fl & L4_TCP_FIN))
            demo_pkt_ev(d, now, 1, &h, "ACK of A's FIN", lost);
    }
    if (a2b && d->fin_b && !d->fin_b_acked && (fl & L4_TCP_ACK) && h.ack == d->fin_b_seq + 1) {
        d->fin_b_acked = 1;
        if (!(fl & L4_TCP_FIN))
            demo_pkt_ev(d, now, 0, &h, "ACK of B's FIN", lost);
    }
}

/* A sample of A's connection after an event changed it. */
static void demo_tcp_sample(void *user, const simrun_sample *s)
{
    demo_tcp *d = user;
    const l4_tcp_info *in = s->info;
    int cause = 0;
    if (d->have_last && in->rto_expiries > d->last.rto_expiries)
        cause = DEMO_RETX_RTO;
    else if (d->have_last && in->fast_retransmits > d->last.fast_retransmits)
        cause = DEMO_RETX_FAST;
    for (size_t i = d->pending_retx; i < d->nev; i++)
        if (d->ev[i].kind == DEMO_EV_RETX && !d->ev[i].cause) {
            int c = cause ? cause : DEMO_RETX_RECOVERY;
            d->ev[i].cause = c;
            d->retx_fast += c == DEMO_RETX_FAST;
            d->retx_rto += c == DEMO_RETX_RTO;
            d->retx_recovery += c == DEMO_RETX_RECOVERY;
            cause = 0; /* one segment per event carries the cause; others follow it */
        }
    if (!d->have_last || in->state != d->last.state) {
        int synced = in->state >= L4_TCP_ESTABLISHED;
        int was_synced = d->have_last && d->last.state >= L4_TCP_ESTABLISHED;
        demo_ev *e;
        /* One event may carry A through ESTABLISHED into FIN_WAIT_1 (the
           application shuts down as soon as it has queued its data): show both. */
        if (synced && !was_synced && in->state != L4_TCP_ESTABLISHED &&
            (e = demo_ev_add(d, s->t, DEMO_EV_STATE)))
            e->label = l4_tcp_state_name(L4_TCP_ESTABLISHED);
        if ((e = demo_ev_add(d, s->t, DEMO_EV_STATE)))
            e->label = l4_tcp_state_name(in->state);
        if (synced && !was_synced && (e = demo_ev_add(d, s->t, DEMO_EV_CWND))) {
            e->label = "initial window";
            e->cwnd = in->cwnd;
            e->ssthresh = in->ssthresh;
            e->mss = in->mss;
        }
    }
    if (d->have_last && (in->rto_expiries > d->last.rto_expiries ||
                         in->fast_retransmits > d->last.fast_retransmits)) {
        demo_ev *e = demo_ev_add(d, s->t, DEMO_EV_CWND);
        if (e) {
            e->label = in->rto_expiries > d->last.rto_expiries
                           ? "timeout: back to one segment (RFC 5681 §3.1)"
                           : "fast retransmit: halved (RFC 5681 §3.2)";
            e->cwnd_before = d->last.cwnd;
            e->ssthresh_before = d->last.ssthresh;
            e->cwnd = in->cwnd;
            e->ssthresh = in->ssthresh;
            e->mss = in->mss;
        }
    }
    if (d->have_last && d->last.in_flight > 0 && in->in_flight == 0 &&
        in->bytes_acked >= d->bytes && in->bytes_acked > d->last.bytes_acked) {
        demo_ev *e = demo_ev_add(d, s->t, DEMO_EV_CWND);
        if (e) {
            e->label = "every byte acknowledged";
            e->cwnd = in->cwnd;
            e->ssthresh = in->ssthresh;
            e->mss = in->mss;
        }
    }
    d->pending_retx = d->nev;
    d->last = *in;
    d->have_last = 1;
}

int demo_tcp_run(demo_tcp *d, char *err, size_t errcap)
{
    simrun_opts *o = &d->o;
    memset(o, 0, sizeof *o);
    o->proto = SIMRUN_TCP;
    o->cc = "reno";
    o->flows = 1;
    o->seed = d->seed;
    o->bytes = d->bytes;
    o->bufsize = 256 * 1024;
    /* B's application closes 100 ms after the end of stream, so its ACK of A's
       FIN and its own FIN are two segments: the four-way close of RFC 9293 §3.6 */
    o->close_delay = 100 * L4_MS;
    o->pcap = d->pcap_path;
    o->plot = d->plot_path;
    char e[256];
    if (l4_link_spec_parse(&o->fwd, d->link_text, e, sizeof e) != 0) {
        snprintf(err, errcap, "--tcp-link: %s", e);
        return 2;
    }
    /* the ACK path: same rate and delay, no impairment, so the timeline stays about data */
    l4_link_spec_default(&o->back);
    o->back.rate_bps = o->fwd.rate_bps;
    o->back.delay = o->fwd.delay;
    simrun_hooks hooks = {.tap = demo_tcp_tap, .sample = demo_tcp_sample, .user = d};
    if (simrun_tcp(o, &hooks, &d->r) != 0) {
        snprintf(err, errcap, "%s", d->r.error);
        return 1;
    }
    if (d->oom) {
        snprintf(err, errcap, "out of memory");
        return 1;
    }
    /* CLOSED is not sampled (the run ends there): add it from the result */
    if (d->r.nflows == 1 && d->r.flows[0].snd_state == L4_TCP_CLOSED) {
        demo_ev *ev = demo_ev_add(d, d->r.end, DEMO_EV_STATE);
        if (ev)
            ev->label = "CLOSED";
    }
    return 0;
}

void demo_tcp_free(demo_tcp *d)
{
    free(d->ev);
    d->ev = NULL;
    simrun_result_free(&d->r);
}

int demo_tcp_ok(const demo_tcp *d)
{
    return d->r.nflows == 1 && simrun_flow_ok(&d->o, &d->r.flows[0]);
}

static void demo_opts_text(FILE *f, const l4_tcp_opts *o)
{
    if (!o->present)
        return;
    fputs("  <", f);
    const char *sep = "";
    if (o->present & L4_TCP_HAS_MSS) {
        fprintf(f, "%smss %u", sep, o->mss);
        sep = ", ";
    }
    if (o->present & L4_TCP_HAS_WSCALE) {
        fprintf(f, "%swscale %u", sep, o->wscale);
        sep = ", ";
    }
    if (o->present & L4_TCP_HAS_SACK_PERM) {
        fprintf(f, "%ssack-permitted", sep);
        sep = ", ";
    }
    if (o->present & L4_TCP_HAS_TS) {
        fprintf(f, "%sts %" PRIu32 "/%" PRIu32, sep, o->ts_val, o->ts_ecr);
        sep = ", ";
    }
    if (o->present & L4_TCP_HAS_SACK)
        fprintf(f, "%ssack %u blocks", sep, o->sack_count);
    fputc('>', f);
}

static void demo_flags_text(FILE *f, uint8_t flags)
{
    char buf[64];
    if (l4_tcp_flags_str(flags, buf, sizeof buf) < 0)
        snprintf(buf, sizeof buf, "0x%02x", flags);
    fputs(buf, f);
}

static const char *demo_cause(int c)
{
    return c == DEMO_RETX_FAST  ? "fast retransmit (3 duplicate ACKs)"
           : c == DEMO_RETX_RTO ? "retransmission timeout"
                                : "retransmitted during recovery";
}

static double demo_seg(uint64_t bytes, uint32_t mss)
{
    return mss ? (double)bytes / mss : 0;
}

static void demo_ssthresh_text(FILE *f, uint64_t ss, uint32_t mss)
{
    if (ss >= (UINT64_C(1) << 62))
        fputs("unset (\"arbitrarily high\")", f);
    else
        fprintf(f, "%" PRIu64 " bytes (%.1f segments)", ss, demo_seg(ss, mss));
}

void demo_tcp_text(FILE *f, const demo_tcp *d)
{
    const simrun_flow *fl = &d->r.flows[0];
    char spec[256];
    if (l4_link_spec_format(&d->o.fwd, spec, sizeof spec) < 0)
        spec[0] = 0;
    fprintf(f, "part 1 — TCP: handshake, a lossy transfer, teardown  (seed %" PRIu64 ")\n\n",
            d->seed);
    fprintf(f, "  host A 10.0.0.1:%u  ==== link ====>  host B 10.0.0.2:%d\n", fl->sport,
            SIMRUN_PORT);
    fprintf(f, "  A -> B: %s;  B -> A (ACKs): same rate and delay, no loss\n",
            spec[0] ? spec : "(ideal)");
    fprintf(f,
            "  A sends %" PRIu64 " bytes (a checked pattern), then closes; B reads to the end "
            "and closes too.\n\n",
            d->bytes);
    fputs("  time (ms)   what happened\n", f);
    unsigned shown_loss = 0, shown_retx = 0;
    for (size_t i = 0; i < d->nev; i++) {
        const demo_ev *e = &d->ev[i];
        double ms = (double)e->t / 1e6;
        switch (e->kind) {
        case DEMO_EV_PKT:
            fprintf(f, "  %9.3f   %s %-15s ", ms, e->dir ? "B -> A" : "A -> B", e->label);
            fputs("[", f);
            demo_flags_text(f, e->flags);
            fprintf(f, "] seq %" PRIu32, e->seq);
            if (e->flags & L4_TCP_ACK)
                fprintf(f, " ack %" PRIu32, e->ack);
            fprintf(f, " win %u", e->win);
            if (e->len)
                fprintf(f, " len %" PRIu32, e->len);
            demo_opts_text(f, &e->opts);
            if (e->lost)
                fputs("  -- LOST on the link", f);
            if (!strcmp(e->label, "SYN"))
                fprintf(f,
                        "\n              (A's initial sequence number, ISN = %" PRIu32
                        ", RFC 6528: a keyed hash of the 4-tuple plus a clock)",
                        e->seq);
            else if (!strcmp(e->label, "SYN-ACK"))
                fprintf(f, "\n              (B's ISN = %" PRIu32 "; ack = A's ISN + 1)", e->seq);
            else if (!strcmp(e->label, "ACK") && e->dir == 0)
                fprintf(f, "\n              (the handshake's third segment: ack = B's ISN + 1%s)",
                        e->len ? "; it already carries data" : "");
            else if (!strcmp(e->label, "ACK of A's FIN"))
                fputs(
                    "\n              (B is CLOSE_WAIT: A's direction is closed, B may still send)",
                    f);
            else if (!strcmp(e->label, "FIN") && e->dir == 1)
                fputs("\n              (B's application closed too: B is LAST_ACK)", f);
            else if (!strcmp(e->label, "ACK of B's FIN"))
                fputs("\n              (when it arrives B is CLOSED)", f);
            fputc('\n', f);
            break;
        case DEMO_EV_LOSS:
            if (shown_loss == DEMO_DETAIL)
                fprintf(f, "  %9.3f   (more losses: counted below, each one is in the pcap)\n", ms);
            if (shown_loss++ < DEMO_DETAIL)
                fprintf(f,
                        "  %9.3f   A -> B data seq %" PRIu32 " len %" PRIu32
                        " (stream bytes %" PRIu64 "-%" PRIu64 ")  -- LOST on the link\n",
                        ms, e->seq, e->len, e->rel, e->rel + e->len - 1);
            break;
        case DEMO_EV_RETX:
            if (shown_retx == DEMO_DETAIL)
                fprintf(
                    f, "  %9.3f   (more retransmissions: counted below, each one is in the pcap)\n",
                    ms);
            if (shown_retx++ < DEMO_DETAIL)
                fprintf(f,
                        "  %9.3f   A -> B RETRANSMISSION seq %" PRIu32 " len %" PRIu32
                        " (stream bytes %" PRIu64 "-%" PRIu64 "): %s%s\n",
                        ms, e->seq, e->len, e->rel, e->rel + e->len - 1, demo_cause(e->cause),
                        e->lost ? "  -- LOST again" : "");
            break;
        case DEMO_EV_STATE:
            fprintf(f, "  %9.3f   A is %s%s\n", ms, e->label,
                    !strcmp(e->label, "CLOSED") ? "  (TIME_WAIT lasted 2 x MSL = 60 s)"
                    : !strcmp(e->label, "FIN_WAIT_1")
                        ? "  (its application queued every byte and shut down: the FIN waits"
                          " behind the data)"
                    : !strcmp(e->label, "TIME_WAIT")
                        ? "  (it closed first; it waits 2 x MSL so late segments die out)"
                        : "");
            break;
        case DEMO_EV_CWND:
            if (e->cwnd_before) {
                fprintf(f, "  %9.3f   cwnd %.1f -> %.1f segments, ssthresh ", ms,
                        demo_seg(e->cwnd_before, e->mss), demo_seg(e->cwnd, e->mss));
                demo_ssthresh_text(f, e->ssthresh, e->mss);
                fprintf(f, "  (%s)\n", e->label);
            } else {
                fprintf(
                    f, "  %9.3f   cwnd %" PRIu64 " bytes = %.1f segments of %" PRIu32 ", ssthresh ",
                    ms, e->cwnd, demo_seg(e->cwnd, e->mss), e->mss);
                demo_ssthresh_text(f, e->ssthresh, e->mss);
                fprintf(f, "  (%s)\n", e->label);
            }
            break;
        }
    }
    fprintf(f,
            "\n  data segments lost on the link: %" PRIu64 "; retransmitted: %" PRIu64
            " (fast retransmit %" PRIu64 ", timeout %" PRIu64 ", during recovery %" PRIu64 ")\n",
            d->losses, d->retx, d->retx_fast, d->retx_rto, d->retx_recovery);
    fprintf(f, "  B received %" PRIu64 " of %" PRIu64 " bytes%s; final states: A %s, B %s\n",
            fl->delivered, fl->requested,
            simrun_flow_verified(&d->o, fl) ? ", every one exactly once, in order, unaltered"
                                            : " -- NOT verified",
            l4_tcp_state_name(fl->snd_state), l4_tcp_state_name(fl->rcv_state));
    fprintf(f, "  goodput %.3f Mbit/s over %.3f s; srtt %.3f ms\n", simrun_goodput_mbps(&d->r),
            (double)d->r.transfer_end / 1e9, (double)fl->snd_info.srtt / 1e6);
    fprintf(f, "  capture: %s  (%" PRIu64 " packets, at host A)\n", d->pcap_path,
            d->r.pcap_records);
    fprintf(f, "  cwnd plot: %s\n\n", d->plot_path);
}

static void demo_ev_json(FILE *f, const demo_ev *e)
{
    static const char *const kinds[] = {"", "packet", "loss", "retransmission", "state", "cwnd"};
    fprintf(f, "{\"t\":%.9f,\"kind\":\"%s\"", (double)e->t / 1e9, kinds[e->kind]);
    if (e->label) {
        fputs(",\"label\":", f);
        json_str(f, e->label);
    }
    if (e->kind == DEMO_EV_PKT) {
        char fl[64];
        if (l4_tcp_flags_str(e->flags, fl, sizeof fl) < 0)
            fl[0] = 0;
        fprintf(f,
                ",\"dir\":\"%s\",\"flags\":\"%s\",\"seq\":%" PRIu32 ",\"ack\":%" PRIu32
                ",\"win\":%u,\"len\":%" PRIu32 ",\"lost\":%s",
                e->dir ? "B->A" : "A->B", fl, e->seq, e->ack, e->win, e->len,
                e->lost ? "true" : "false");
        if (e->opts.present & L4_TCP_HAS_MSS)
            fprintf(f, ",\"mss\":%u", e->opts.mss);
        if (e->opts.present & L4_TCP_HAS_WSCALE)
            fprintf(f, ",\"wscale\":%u", e->opts.wscale);
        if (e->opts.present & L4_TCP_HAS_SACK_PERM)
            fputs(",\"sack_permitted\":true", f);
        if (e->opts.present & L4_TCP_HAS_TS)
            fprintf(f, ",\"ts_val\":%" PRIu32 ",\"ts_ecr\":%" PRIu32, e->opts.ts_val,
                    e->opts.ts_ecr);
    } else if (e->kind == DEMO_EV_LOSS || e->kind == DEMO_EV_RETX) {
        fprintf(f, ",\"seq\":%" PRIu32 ",\"len\":%" PRIu32 ",\"stream_offset\":%" PRIu64, e->seq,
                e->len, e->rel);
        if (e->kind == DEMO_EV_RETX)
            fprintf(f, ",\"cause\":\"%s\",\"lost\":%s",
                    e->cause == DEMO_RETX_FAST  ? "fast_retransmit"
                    : e->cause == DEMO_RETX_RTO ? "rto"
                                                : "recovery",
                    e->lost ? "true" : "false");
    } else if (e->kind == DEMO_EV_CWND) {
        fprintf(f, ",\"cwnd\":%" PRIu64 ",\"mss\":%" PRIu32, e->cwnd, e->mss);
        if (e->ssthresh < (UINT64_C(1) << 62))
            fprintf(f, ",\"ssthresh\":%" PRIu64, e->ssthresh);
        if (e->cwnd_before)
            fprintf(f, ",\"cwnd_before\":%" PRIu64, e->cwnd_before);
    }
    fputc('}', f);
}

void demo_tcp_json(FILE *f, const demo_tcp *d)
{
    const simrun_flow *fl = &d->r.flows[0];
    char spec[256];
    if (l4_link_spec_format(&d->o.fwd, spec, sizeof spec) < 0)
        spec[0] = 0;
    fprintf(f, "{\"link\":");
    json_str(f, spec);
    fprintf(f,
            ",\"bytes\":%" PRIu64 ",\"isn_a\":%" PRIu32 ",\"isn_b\":%" PRIu32
            ",\"sport\":%u,\"dport\":%d,\"bytes_delivered\":%" PRIu64 ",\"verified\":%s",
            d->bytes, d->isn_a, d->isn_b, fl->sport, SIMRUN_PORT, fl->delivered,
            simrun_flow_verified(&d->o, fl) ? "true" : "false");
    fprintf(f,
            ",\"final_state\":{\"sender\":\"%s\",\"receiver\":\"%s\"},\"losses\":%" PRIu64
            ",\"retransmissions\":%" PRIu64 ",\"fast_retransmits\":%" PRIu64
            ",\"rto_retransmits\":%" PRIu64 ",\"recovery_retransmits\":%" PRIu64,
            l4_tcp_state_name(fl->snd_state), l4_tcp_state_name(fl->rcv_state), d->losses, d->retx,
            d->retx_fast, d->retx_rto, d->retx_recovery);
    fprintf(f, ",\"goodput_mbps\":%.3f,\"sim_seconds\":%.9f,\"pcap\":", simrun_goodput_mbps(&d->r),
            (double)d->r.end / 1e9);
    json_str(f, d->pcap_path);
    fprintf(f, ",\"pcap_packets\":%" PRIu64 ",\"plot\":", d->r.pcap_records);
    json_str(f, d->plot_path);
    fprintf(f, ",\"ok\":%s,\"timeline\":[", demo_tcp_ok(d) ? "true" : "false");
    for (size_t i = 0; i < d->nev; i++) {
        if (i)
            fputc(',', f);
        demo_ev_json(f, &d->ev[i]);
    }
    fputs("]}", f);
}
