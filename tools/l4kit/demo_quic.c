/* tools/l4kit/demo_quic.c — the QUIC act of `l4kit demo` (see demo_quic.h). */
#include "demo_quic.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "wire/quic_frame.h"

/* ---- recording ---------------------------------------------------------------- */

static dq_item *dq_add(demo_quic *d, l4_time t, int server)
{
    if (d->nit == d->itcap) {
        size_t nc = d->itcap ? d->itcap * 2 : 64;
        dq_item *n = realloc(d->it, nc * sizeof *n);
        if (!n) {
            d->oom = 1;
            return NULL;
        }
        d->it = n;
        d->itcap = nc;
    }
    dq_item *it = &d->it[d->nit++];
    memset(it, 0, sizeof *it);
    it->t = t;
    it->server = server;
    return it;
}

/* Appends ", s" (or s first); what does not fit is left out. */
static void dq_cat(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(dst), sep = n ? 2 : 0, l = strlen(s);
    if (n + sep + l + 1 > cap)
        return;
    memcpy(dst + n, ", ", sep);
    memcpy(dst + n + sep, s, l + 1);
}

static int dq_level(int pkt_type)
{
    return pkt_type == L4_QUIC_PKT_INITIAL ? 0 : pkt_type == L4_QUIC_PKT_HANDSHAKE ? 1 : 2;
}

static const char *dq_tls_name(uint8_t type)
{
    switch (type) {
    case 1:
        return "ClientHello";
    case 2:
        return "ServerHello";
    case 4:
        return "NewSessionTicket";
    case 8:
        return "EncryptedExtensions";
    case 11:
        return "Certificate";
    case 13:
        return "CertificateRequest";
    case 15:
        return "CertificateVerify";
    case 20:
        return "Finished";
    default:
        return "TLS message";
    }
}

/* Copies a CRYPTO frame into the sender's stream of that level and names the
 * TLS handshake messages (RFC 8446 §4: type, 24-bit length) that start in it. */
static void dq_crypto(demo_quic *d, int server, int level, const l4_quic_frame *f, char *out,
                      size_t cap)
{
    uint8_t *b = d->crypto[server][level];
    size_t *have = &d->crypto_have[server][level];
    uint64_t off = f->u.crypto.offset, len = f->u.crypto.len;
    if (off + len <= sizeof d->crypto[0][0] && off <= *have) {
        memcpy(b + off, f->u.crypto.data, len);
        if (off + len > *have)
            *have = (size_t)(off + len);
    }
    char names[160] = "";
    size_t m = 0;
    while (m + 4 <= *have) {
        size_t l = ((size_t)b[m + 1] << 16) | ((size_t)b[m + 2] << 8) | b[m + 3];
        if (m >= off && m < off + len) {
            size_t n = strlen(names);
            snprintf(names + n, sizeof names - n, "%s%s", n ? " + " : "", dq_tls_name(b[m]));
        }
        m += 4 + l;
    }
    char s[200];
    snprintf(s, sizeof s, "CRYPTO %s", names[0] ? names : "(the rest of a message)");
    dq_cat(out, cap, s);
}

static void dq_frames_text(demo_quic *d, int server, const l4_quic_event *ev, char *out, size_t cap,
                           int *data_only, uint32_t *smask)
{
    out[0] = 0;
    *data_only = ev->pkt_type == L4_QUIC_PKT_1RTT;
    *smask = 0;
    for (size_t i = 0; i < ev->nframes; i++) {
        const l4_quic_frame *f = &ev->frames[i];
        char s[160];
        if ((f->type & ~(uint64_t)7) == L4_QUIC_FRAME_STREAM) {
            uint64_t sid = f->u.stream.stream_id;
            if (sid % 4 == 0 && sid / 4 < DQ_MAX_STREAMS)
                *smask |= 1u << (sid / 4);
            snprintf(s, sizeof s, "STREAM %" PRIu64 "%s", sid,
                     (f->type & L4_QUIC_STREAM_FIN) ? " +FIN" : "");
            dq_cat(out, cap, s);
            continue;
        }
        switch (f->type) {
        case L4_QUIC_FRAME_ACK:
        case L4_QUIC_FRAME_ACK_ECN:
            dq_cat(out, cap, "ACK");
            break;
        case L4_QUIC_FRAME_PADDING:
            dq_cat(out, cap, "PADDING");
            break;
        case L4_QUIC_FRAME_MAX_DATA:
        case L4_QUIC_FRAME_MAX_STREAM_DATA:
            dq_cat(out, cap, l4_quic_frame_name(f->type));
            break;
        case L4_QUIC_FRAME_CRYPTO:
            *data_only = 0;
            dq_crypto(d, server, dq_level(ev->pkt_type), f, out, cap);
            break;
        case L4_QUIC_FRAME_CONNECTION_CLOSE:
        case L4_QUIC_FRAME_CONNECTION_CLOSE_APP:
            *data_only = 0;
            snprintf(s, sizeof s, "CONNECTION_CLOSE (%s code %" PRIu64 " \"%.*s\")",
                     f->type == L4_QUIC_FRAME_CONNECTION_CLOSE ? "transport" : "application",
                     f->u.close.error_code,
                     (int)(f->u.close.reason_len > 40 ? 40 : f->u.close.reason_len),
                     (const char *)f->u.close.reason);
            dq_cat(out, cap, s);
            break;
        default:
            *data_only = 0;
            dq_cat(out, cap, l4_quic_frame_name(f->type));
            break;
        }
    }
}

static int dq_stream_index(const demo_quic *d, uint64_t sid)
{
    return sid % 4 == 0 && sid / 4 < (uint64_t)d->streams ? (int)(sid / 4) : -1;
}

/* A's stream data: which streams each packet carried (the order bytes were
 * first sent goes to the head-of-line measurement, hol_quic_event). */
static void dq_client_sent(demo_quic *d, const l4_quic_event *ev)
{
    if (ev->pkt_type != L4_QUIC_PKT_1RTT)
        return;
    uint16_t mask = 0;
    for (size_t i = 0; i < ev->nframes; i++) {
        const l4_quic_frame *f = &ev->frames[i];
        if ((f->type & ~(uint64_t)7) != L4_QUIC_FRAME_STREAM)
            continue;
        int s = dq_stream_index(d, f->u.stream.stream_id);
        if (s >= 0)
            mask |= (uint16_t)(1u << s);
    }
    if (ev->pn >= d->pkt_cap) {
        size_t nc = d->pkt_cap ? d->pkt_cap : 1024;
        while (nc <= ev->pn)
            nc *= 2;
        uint16_t *n = realloc(d->pkt_streams, nc * sizeof *n);
        if (!n) {
            d->oom = 1;
            return;
        }
        memset(n + d->pkt_cap, 0, (nc - d->pkt_cap) * sizeof *n);
        d->pkt_streams = n;
        d->pkt_cap = nc;
    }
    d->pkt_streams[ev->pn] = mask;
}

static void dq_packet_item(demo_quic *d, int server, const l4_quic_event *ev)
{
    char what[200];
    int data_only;
    uint32_t smask;
    dq_frames_text(d, server, ev, what, sizeof what, &data_only, &smask);
    int new_dgram = ev->now != d->last_t[server] || ev->pkt_type <= d->last_type[server];
    d->last_t[server] = ev->now;
    d->last_type[server] = ev->pkt_type;
    if (d->phase == 1)
        return;
    /* after A confirmed the handshake, its data packets are not itemised */
    if (d->phase == 0 && !server && d->hs_confirmed_a && data_only)
        return;
    /* a run of routine packets (stream data, ACKs) is one line per side:
       the side's last line takes this packet if nothing but routine packets
       of the other side came since */
    if (data_only) {
        for (size_t i = d->nit; i-- > 0;) {
            dq_item *prev = &d->it[i];
            if (!prev->is_packet || !prev->data_only)
                break;
            if (prev->server == server) {
                prev->count++;
                prev->pn_last = ev->pn;
                prev->len += ev->pkt_len;
                prev->smask |= smask;
                return;
            }
        }
    }
    dq_item *it = dq_add(d, ev->now, server);
    if (!it)
        return;
    it->is_packet = 1;
    it->new_dgram = new_dgram;
    it->pkt_type = ev->pkt_type;
    it->pn = it->pn_last = ev->pn;
    it->len = ev->pkt_len;
    it->data_only = data_only;
    it->count = 1;
    it->smask = smask;
    snprintf(it->what, sizeof it->what, "%s", what);
}

static void dq_state_item(demo_quic *d, int server, const l4_quic_event *ev)
{
    const char *s = ev->new_state;
    if (!strcmp(s, "handshake_started"))
        return;
    if (!server && !strcmp(s, "handshake_complete"))
        d->hs_complete_a = ev->now;
    if (!server && !strcmp(s, "handshake_confirmed")) {
        d->hs_confirmed_a = ev->now;
    }
    if (server && !strcmp(s, "handshake_confirmed"))
        d->hs_complete_b = ev->now;
    if (!strcmp(s, "closing") || !strcmp(s, "draining"))
        d->phase = 2;
    if (d->phase == 1)
        return;
    dq_item *it = dq_add(d, ev->now, server);
    if (it)
        snprintf(it->what, sizeof it->what, "%s", s);
}

static void dq_event(void *user, int flow, int server, const l4_quic_event *ev)
{
    demo_quic *d = user;
    (void)flow;
    hol_quic_event(&d->hol, server, ev);
    switch (ev->type) {
    case L4_QUIC_EV_PACKET_SENT:
        if (!server)
            dq_client_sent(d, ev);
        /* once A's handshake is confirmed and B's HANDSHAKE_DONE has been
           shown, the data phase is not itemised until the close */
        if (d->phase == 0 && d->hs_confirmed_a && server)
            d->phase = 1;
        for (size_t i = 0; i < ev->nframes; i++)
            if (ev->frames[i].type == L4_QUIC_FRAME_CONNECTION_CLOSE ||
                ev->frames[i].type == L4_QUIC_FRAME_CONNECTION_CLOSE_APP)
                d->phase = 2;
        dq_packet_item(d, server, ev);
        break;
    case L4_QUIC_EV_PACKET_LOST:
        if (server)
            break;
        d->lost_pkts++;
        if (ev->pkt_type == L4_QUIC_PKT_1RTT && ev->pn < d->pkt_cap && d->pkt_streams[ev->pn]) {
            d->lost_data_pkts++;
            for (int s = 0; s < d->streams; s++)
                if (d->pkt_streams[ev->pn] & (1u << s))
                    d->st[s].lost_pkts++;
        }
        for (size_t i = 0; i < d->nit; i++) {
            dq_item *it = &d->it[i];
            if (it->is_packet && !it->server && it->pkt_type == ev->pkt_type && it->pn <= ev->pn &&
                ev->pn <= it->pn_last)
                it->lost = 1;
        }
        break;
    case L4_QUIC_EV_CONNECTION_STATE:
        dq_state_item(d, server, ev);
        break;
    default:
        break;
    }
}

/* ---- the measurement ----------------------------------------------------------- */

/* Each stream's waits as QUIC delivered it and as one ordered byte stream
 * (hol.h: a byte waits for every byte A sent before it, whatever its stream). */
static void dq_analyze(demo_quic *d)
{
    const simrun_flow *fl = &d->r.flows[0];
    hol_result res[DQ_MAX_STREAMS];
    hol_analyze(&d->hol, res);
    for (int s = 0; s < d->streams; s++) {
        dq_stream *st = &d->st[s];
        const hol_result *h = &res[s];
        st->q_waited = h->waited;
        st->one_waited = h->one_waited;
        st->spared = h->spared;
        st->q_max_wait = h->max_wait;
        st->one_max_wait = h->one_max_wait;
        st->done_quic = h->done;
        st->done_one_stream = h->one_done;
        st->q_mean_wait = st->bytes ? h->wait_sum / (double)st->bytes : 0;
        st->one_mean_wait = st->bytes ? h->one_wait_sum / (double)st->bytes : 0;
        if (s < fl->nstreams) {
            st->id = fl->streams[s].id;
            st->done = fl->streams[s].fin ? fl->streams[s].done : 0;
        }
    }
    d->rtt = fl->snd_quic.min_rtt;
}

int demo_quic_run(demo_quic *d, char *err, size_t errcap)
{
    if (d->streams < 1 || d->streams > DQ_MAX_STREAMS) {
        snprintf(err, errcap, "streams must be 1..%d", DQ_MAX_STREAMS);
        return 2;
    }
    simrun_opts *o = &d->o;
    memset(o, 0, sizeof *o);
    o->proto = SIMRUN_QUIC;
    o->cc = "reno";
    o->flows = 1;
    o->streams = d->streams;
    o->seed = d->seed;
    o->bytes = d->stream_bytes * (uint64_t)d->streams;
    o->bufsize = 1u << 20;
    o->pcap = d->pcap_path;
    o->keylog = d->keylog_path;
    char e[256];
    if (l4_link_spec_parse(&o->fwd, d->link_text, e, sizeof e) != 0) {
        snprintf(err, errcap, "--quic-link: %s", e);
        return 2;
    }
    l4_link_spec_default(&o->back);
    o->back.rate_bps = o->fwd.rate_bps;
    o->back.delay = o->fwd.delay;
    uint64_t lens[DQ_MAX_STREAMS];
    for (int s = 0; s < d->streams; s++)
        lens[s] = d->st[s].bytes = d->stream_bytes;
    if (hol_init(&d->hol, d->streams, lens)) {
        snprintf(err, errcap, "out of memory");
        return 1;
    }
    d->last_type[0] = d->last_type[1] = -1;
    d->last_t[0] = d->last_t[1] = L4_TIME_NONE;
    simrun_hooks hooks = {.user = d, .quic_event = dq_event};
    if (simrun_quic(o, &hooks, &d->r) != 0) {
        snprintf(err, errcap, "%s", d->r.error);
        return 1;
    }
    if (d->oom || d->hol.oom) {
        snprintf(err, errcap, "out of memory");
        return 1;
    }
    dq_analyze(d);
    return 0;
}

void demo_quic_free(demo_quic *d)
{
    free(d->it);
    free(d->pkt_streams);
    hol_free(&d->hol);
    memset(d->st, 0, sizeof d->st);
    d->it = NULL;
    d->pkt_streams = NULL;
    simrun_result_free(&d->r);
}

static int dq_all_arrived(const demo_quic *d)
{
    for (int s = 0; s < d->streams; s++)
        if (!hol_complete(&d->hol, s))
            return 0;
    return 1;
}

int demo_quic_ok(const demo_quic *d)
{
    if (d->r.nflows != 1 || !simrun_flow_ok(&d->o, &d->r.flows[0]) || !dq_all_arrived(d))
        return 0;
    for (int s = 0; s < d->streams; s++) {
        const dq_stream *st = &d->st[s];
        /* B reads as bytes become readable: its FIN read is no earlier than
           the last byte's in-order arrival; one ordered stream is never faster */
        if (st->done < st->done_quic || st->done_one_stream < st->done_quic)
            return 0;
    }
    return d->hs_complete_a && d->hs_confirmed_a && d->hs_complete_b;
}

/* ---- output -------------------------------------------------------------------- */

static const char *dq_pkt_name(int t)
{
    return t == L4_QUIC_PKT_INITIAL     ? "Initial"
           : t == L4_QUIC_PKT_HANDSHAKE ? "Handshake"
                                        : "1-RTT";
}

static void dq_streams_list(char *out, size_t cap, uint32_t mask, int n)
{
    out[0] = 0;
    for (int s = 0; s < n; s++)
        if (mask & (1u << s)) {
            size_t l = strlen(out);
            snprintf(out + l, cap - l, "%s%d", l ? ", " : "", s * 4);
        }
}

static double dq_rtts(const demo_quic *d, l4_time t)
{
    return d->rtt ? (double)t / (double)d->rtt : 0;
}

static const char *dq_state_text(const char *s, int server)
{
    if (!strcmp(s, "handshake_complete"))
        return "A: handshake complete (1-RTT keys), it may send stream data";
    if (!strcmp(s, "handshake_confirmed"))
        return server ? "B: handshake complete and confirmed (A's Finished verified); it "
                        "discards its Handshake keys and sends HANDSHAKE_DONE"
                      : "A: handshake confirmed (HANDSHAKE_DONE arrived); Initial and Handshake "
                        "keys discarded";
    if (!strcmp(s, "closing"))
        return server ? "B is closing (it sent CONNECTION_CLOSE; it waits 3 PTO, answering "
                        "only with CONNECTION_CLOSE)"
                      : "A is closing";
    if (!strcmp(s, "draining"))
        return server ? "B is draining"
                      : "A is draining (B's CONNECTION_CLOSE arrived; it "
                        "sends nothing more and waits 3 PTO)";
    if (!strcmp(s, "closed"))
        return server ? "B is closed" : "A is closed";
    return s;
}

void demo_quic_text(FILE *f, const demo_quic *d)
{
    const simrun_flow *fl = &d->r.flows[0];
    char spec[256];
    if (l4_link_spec_format(&d->o.fwd, spec, sizeof spec) < 0)
        spec[0] = 0;
    fprintf(f,
            "part 3 — QUIC: the 1-RTT handshake, streams without head-of-line blocking  "
            "(seed %" PRIu64 ")\n\n",
            d->seed);
    fprintf(f, "  host A 10.0.0.1:%u  ==== link ====>  host B 10.0.0.2:%d   (QUIC v1, TLS 1.3)\n",
            fl->sport, SIMRUN_QUIC_PORT);
    fprintf(f, "  A -> B: %s;  B -> A: same rate and delay, no loss\n", spec[0] ? spec : "(ideal)");
    fprintf(f,
            "  A opens %d streams and sends %" PRIu64 " bytes on each (a checked pattern); B "
            "closes the connection when all have ended.\n",
            d->streams, d->stream_bytes);
    fprintf(f, "  RTT = %.3f ms (A's smallest sample); times below in ms and in RTTs\n\n",
            (double)d->rtt / 1e6);
    fputs("  time (ms)   RTTs   what happened\n", f);
    for (size_t i = 0; i < d->nit; i++) {
        const dq_item *it = &d->it[i];
        double ms = (double)it->t / 1e6;
        if (!it->is_packet) {
            fprintf(f, "  %9.3f  %5.2f   %s\n", ms, dq_rtts(d, it->t),
                    dq_state_text(it->what, it->server));
            continue;
        }
        char pn[48];
        if (it->count > 1)
            snprintf(pn, sizeof pn, "pn %" PRIu64 "-%" PRIu64, it->pn, it->pn_last);
        else
            snprintf(pn, sizeof pn, "pn %" PRIu64, it->pn);
        if (it->data_only && it->count > 1) {
            char sl[96], what[160];
            dq_streams_list(sl, sizeof sl, it->smask, d->streams);
            if (it->smask)
                snprintf(what, sizeof what, "stream data on stream%s %s",
                         strchr(sl, ',') ? "s" : "", sl);
            else
                snprintf(what, sizeof what, "ACKs");
            fprintf(f, "  %9.3f  %5.2f   %s %s%s %s: %s (%d packets from here on, %zu bytes)%s\n",
                    ms, dq_rtts(d, it->t), it->server ? "B -> A" : "A -> B",
                    it->new_dgram ? "" : "+ ", dq_pkt_name(it->pkt_type), pn, what, it->count,
                    it->len, it->lost ? "  -- one LOST" : "");
            continue;
        }
        fprintf(f, "  %9.3f  %5.2f   %s %s%s %s [%s] %zu bytes%s\n", ms, dq_rtts(d, it->t),
                it->server ? "B -> A" : "A -> B", it->new_dgram ? "" : "+ ",
                dq_pkt_name(it->pkt_type), pn, it->what, it->len,
                it->lost ? "  -- LOST, sent again" : "");
    }
    fputs("  (\"+\" marks a packet coalesced into the same UDP datagram as the line above)\n", f);
    fprintf(f,
            "\n  A could send stream data after %.2f RTT (with its Finished), B had the "
            "handshake at %.2f RTT,\n  A had it confirmed at %.2f RTT: TCP + TLS 1.3 needs one "
            "more round trip before the first byte.\n",
            dq_rtts(d, d->hs_complete_a), dq_rtts(d, d->hs_complete_b),
            dq_rtts(d, d->hs_confirmed_a));

    fprintf(f,
            "\n  the streams over the lossy link: %" PRIu64 " packets of A declared lost, %" PRIu64
            " of them carrying stream data\n",
            d->lost_pkts, d->lost_data_pkts);
    fputs("                          bytes that waited for    longest wait      mean wait per "
          "byte    done\n"
          "    stream  lost packets  an earlier byte: QUIC/TCP  QUIC/TCP (ms)     QUIC/TCP (ms)"
          "       QUIC/TCP (ms)\n",
          f);
    uint64_t spared = 0;
    int with_loss = 0, without = 0, clean_waited = 0;
    for (int s = 0; s < d->streams; s++) {
        const dq_stream *st = &d->st[s];
        fprintf(f,
                "    %6" PRIu64 "  %12" PRIu64 "  %12" PRIu64 " / %-10" PRIu64
                "  %6.1f / %-6.1f   %6.2f / %-6.2f    %7.1f / %-7.1f\n",
                st->id, st->lost_pkts, st->q_waited, st->one_waited, (double)st->q_max_wait / 1e6,
                (double)st->one_max_wait / 1e6, st->q_mean_wait / 1e6, st->one_mean_wait / 1e6,
                (double)st->done / 1e6, (double)st->done_one_stream / 1e6);
        spared += st->spared;
        if (st->lost_pkts) {
            with_loss++;
        } else {
            without++;
            clean_waited += st->one_waited > 0;
        }
    }
    fputs("    (QUIC: as B delivered them, each stream in order on its own; TCP: the same packets\n"
          "     arriving at the same times, delivered as one ordered byte stream, where a byte\n"
          "     waits for every byte sent before it whatever its stream)\n",
          f);
    if (with_loss && without)
        fprintf(f,
                "  A loss held back only the stream%s whose bytes it carried: the %d stream%s "
                "without a loss\n  never waited. As one ordered byte stream, %d of them would "
                "have waited behind the others'\n  holes (head-of-line blocking), %" PRIu64
                " bytes in all would have waited that QUIC delivered at once.\n",
                with_loss == 1 ? "" : "s", without, without == 1 ? "" : "s", clean_waited, spared);
    else
        fprintf(f, "  (%s: no stream %s a loss to compare; try another --seed)\n",
                with_loss ? "every stream lost data" : "no stream data was lost",
                with_loss ? "escaped" : "had");
    fprintf(f, "  B received %" PRIu64 " of %" PRIu64 " bytes%s; final states: A %s, B %s\n",
            fl->delivered, fl->requested,
            simrun_flow_verified(&d->o, fl) ? ", every stream exactly once, in order, unaltered"
                                            : " -- NOT verified",
            fl->snd_qstate ? fl->snd_qstate : "?", fl->rcv_qstate ? fl->rcv_qstate : "?");
    fprintf(f, "  capture: %s  (%" PRIu64 " packets, at host A), TLS secrets: %s\n", d->pcap_path,
            d->r.pcap_records, d->keylog_path);
    fprintf(f, "  decrypt it:  tshark -o tls.keylog_file:%s -r %s\n\n", d->keylog_path,
            d->pcap_path);
}

void demo_quic_json(FILE *f, const demo_quic *d)
{
    const simrun_flow *fl = &d->r.flows[0];
    char spec[256];
    if (l4_link_spec_format(&d->o.fwd, spec, sizeof spec) < 0)
        spec[0] = 0;
    fputs("{\"link\":", f);
    json_str(f, spec);
    fprintf(f,
            ",\"streams\":%d,\"stream_bytes\":%" PRIu64 ",\"sport\":%u,\"dport\":%d"
            ",\"rtt_ms\":%.6f,\"client_handshake_complete_ms\":%.6f"
            ",\"server_handshake_complete_ms\":%.6f,\"client_handshake_confirmed_ms\":%.6f",
            d->streams, d->stream_bytes, fl->sport, SIMRUN_QUIC_PORT, (double)d->rtt / 1e6,
            (double)d->hs_complete_a / 1e6, (double)d->hs_complete_b / 1e6,
            (double)d->hs_confirmed_a / 1e6);
    fprintf(f, ",\"bytes_delivered\":%" PRIu64 ",\"verified\":%s", fl->delivered,
            simrun_flow_verified(&d->o, fl) ? "true" : "false");
    fputs(",\"final_state\":{\"sender\":", f);
    json_str(f, fl->snd_qstate);
    fputs(",\"receiver\":", f);
    json_str(f, fl->rcv_qstate);
    fprintf(f, "},\"packets_lost\":%" PRIu64 ",\"data_packets_lost\":%" PRIu64, d->lost_pkts,
            d->lost_data_pkts);
    fputs(",\"timeline\":[", f);
    for (size_t i = 0; i < d->nit; i++) {
        const dq_item *it = &d->it[i];
        fprintf(f, "%s{\"t_ms\":%.6f,\"rtts\":%.4f,\"side\":\"%s\"", i ? "," : "",
                (double)it->t / 1e6, dq_rtts(d, it->t), it->server ? "B" : "A");
        if (it->is_packet) {
            char sl[96];
            dq_streams_list(sl, sizeof sl, it->smask, d->streams);
            fprintf(f,
                    ",\"kind\":\"packet\",\"type\":\"%s\",\"pn\":%" PRIu64 ",\"pn_last\":%" PRIu64
                    ",\"packets\":%d,\"bytes\":%zu,\"coalesced\":%s,\"lost\":%s,\"frames\":",
                    dq_pkt_name(it->pkt_type), it->pn, it->pn_last, it->count, it->len,
                    it->new_dgram ? "false" : "true", it->lost ? "true" : "false");
            json_str(f, it->what);
            fputs(",\"streams\":", f);
            json_str(f, sl);
        } else {
            fputs(",\"kind\":\"state\",\"state\":", f);
            json_str(f, it->what);
        }
        fputc('}', f);
    }
    fputs("],\"stream_results\":[", f);
    for (int s = 0; s < d->streams; s++) {
        const dq_stream *st = &d->st[s];
        fprintf(f,
                "%s{\"id\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"lost_packets\":%" PRIu64
                ",\"done_ms\":%.6f,\"done_in_order_ms\":%.6f,\"done_one_stream_ms\":%.6f"
                ",\"waited_bytes\":%" PRIu64 ",\"waited_bytes_one_stream\":%" PRIu64
                ",\"spared_bytes\":%" PRIu64 ",\"max_wait_ms\":%.6f,\"max_wait_one_stream_ms\":%.6f"
                ",\"mean_wait_ms\":%.6f,\"mean_wait_one_stream_ms\":%.6f}",
                s ? "," : "", st->id, st->bytes, st->lost_pkts, (double)st->done / 1e6,
                (double)st->done_quic / 1e6, (double)st->done_one_stream / 1e6, st->q_waited,
                st->one_waited, st->spared, (double)st->q_max_wait / 1e6,
                (double)st->one_max_wait / 1e6, st->q_mean_wait / 1e6, st->one_mean_wait / 1e6);
    }
    fputs("],\"pcap\":", f);
    json_str(f, d->pcap_path);
    fprintf(f, ",\"pcap_packets\":%" PRIu64 ",\"keylog\":", d->r.pcap_records);
    json_str(f, d->keylog_path);
    fprintf(f, ",\"ok\":%s}", demo_quic_ok(d) ? "true" : "false");
}
