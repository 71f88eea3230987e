/*
 * tools/l4kit/dissect_quic.c — the QUIC packets of one UDP datagram: which
 * datagrams are QUIC, header parsing (wire/quic_pkt.h), coalesced packets
 * and GSO segments, which connection and end a packet belongs to, Retry
 * tags (quic/protect.h), then the frames (wire/quic_frame.h) of what
 * dissect_quic_keys.c decrypted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect_quic_internal.h"
#include "quic/protect.h"
#include "util/bytes.h"

#define QUIC_V2 UINT32_C(0x6b3343cf) /* RFC 9369 */

const char *dis_quic_version_name(uint32_t v)
{
    if (v == L4_QUIC_VERSION_1)
        return "v1";
    if (v == L4_QUIC_VERSION_NEG)
        return "Version Negotiation";
    if (v == QUIC_V2)
        return "v2";
    if ((v & 0xffffff00u) == 0xff000000u)
        return "draft";
    if ((v & 0x0f0f0f0fu) == 0x0a0a0a0au)
        return "reserved (greasing, RFC 9000 §15)";
    if ((v >> 24) == 'Q' || (v >> 24) == 'T')
        return "Google QUIC";
    if ((v & 0xfffffff0u) == 0xfaceb000u)
        return "mvfst";
    return NULL;
}

const char *dis_quic_aead_name(int aead)
{
    switch (aead) {
    case L4_QUIC_AEAD_AES_128_GCM:
        return "AES-128-GCM";
    case L4_QUIC_AEAD_AES_256_GCM:
        return "AES-256-GCM";
    case L4_QUIC_AEAD_CHACHA20_POLY1305:
        return "ChaCha20-Poly1305";
    default:
        return "?";
    }
}

const char *dis_quic_error_name(uint64_t code)
{
    static const char *const names[] = {"NO_ERROR",
                                        "INTERNAL_ERROR",
                                        "CONNECTION_REFUSED",
                                        "FLOW_CONTROL_ERROR",
                                        "STREAM_LIMIT_ERROR",
                                        "STREAM_STATE_ERROR",
                                        "FINAL_SIZE_ERROR",
                                        "FRAME_ENCODING_ERROR",
                                        "TRANSPORT_PARAMETER_ERROR",
                                        "CONNECTION_ID_LIMIT_ERROR",
                                        "PROTOCOL_VIOLATION",
                                        "INVALID_TOKEN",
                                        "APPLICATION_ERROR",
                                        "CRYPTO_BUFFER_EXCEEDED",
                                        "KEY_UPDATE_ERROR",
                                        "AEAD_LIMIT_REACHED",
                                        "NO_VIABLE_PATH"}; /* RFC 9000 §20.1 */
    if (code < sizeof names / sizeof names[0])
        return names[code];
    if (code >= 0x100 && code <= 0x1ff)
        return "CRYPTO_ERROR";
    return NULL;
}

/* ---------------------------------------------------------------- detection */

/* Whether a long header with this version is QUIC's (not DNS or another
 * protocol that happens to set the first bit). */
static int dq_version_plausible(uint32_t v)
{
    return v != L4_QUIC_VERSION_NEG && dis_quic_version_name(v) != NULL;
}

/* A long header starts the datagram: is it QUIC? */
static int dq_long_is_quic(dis_quic *q, const uint8_t *data, size_t len, const l4_addr *src,
                           uint16_t sport, const l4_addr *dst, uint16_t dport)
{
    if (len < 7)
        return 0;
    uint32_t v = l4_get_u32(data + 1);
    int side;
    if (dq_tuple_find(q, src, sport, dst, dport, &side))
        return 1;
    l4_quic_hdr h;
    int rc = l4_quic_hdr_parse(&h, data, len, 0);
    if (v == L4_QUIC_VERSION_1) {
        if (data[5] > L4_QUIC_MAX_CID_LEN)
            return 0;
        if (data[0] & L4_QUIC_HDR_FIXED_BIT)
            return 1;
        /* RFC 9287: a greased fixed bit, on a connection whose IDs are known */
        return len >= 6u + data[5] && dq_cid_find(q, data + 6, data[5], &side) != NULL;
    }
    if (v == L4_QUIC_VERSION_NEG) {
        if (rc != 0 || h.n_versions == 0)
            return 0;
        for (size_t i = 0; i < h.n_versions; i++)
            if (dq_version_plausible(l4_get_u32(h.versions + 4 * i)))
                return 1;
        return 0;
    }
    return rc == L4_ERR_UNSUPPORTED && dq_version_plausible(v);
}

/* ---------------------------------------------------------------- frames */

static disq_frame *dq_frame_push(dis_quic *q)
{
    if (q->n_frames == q->cap_frames) {
        size_t cap = q->cap_frames ? q->cap_frames * 2 : 64;
        disq_frame *n = realloc(q->frames, cap * sizeof *n);
        if (!n)
            return NULL;
        q->frames = n;
        q->cap_frames = cap;
    }
    disq_frame *f = &q->frames[q->n_frames++];
    memset(f, 0, sizeof *f);
    return f;
}

static int dq_frames(dis_quic *q, dq_conn *c, int sender, disq_pkt *p)
{
    int level = p->h.type == L4_QUIC_PKT_INITIAL     ? DQ_SP_INITIAL
                : p->h.type == L4_QUIC_PKT_HANDSHAKE ? DQ_SP_HANDSHAKE
                                                     : DQ_SP_APP;
    p->frame0 = q->n_frames;
    size_t at = 0;
    while (at < p->payload_len) {
        disq_frame *fr = dq_frame_push(q);
        if (!fr)
            return L4_ERR_NOMEM;
        fr->off = at;
        l4_ssize n = l4_quic_frame_decode(&fr->f, p->payload + at, p->payload_len - at);
        if (n < 0) {
            fr->err = (int)n;
            break;
        }
        fr->not_allowed = !l4_quic_frame_allowed(fr->f.type, p->h.type);
        int rc = 0;
        if (fr->f.type == L4_QUIC_FRAME_CRYPTO && !fr->not_allowed)
            rc = dq_crypto_add(q, c, sender, level, &fr->f, fr);
        else if (fr->f.type == L4_QUIC_FRAME_NEW_CONNECTION_ID) {
            const l4_quic_frame_new_cid *nc = &fr->f.u.new_cid;
            if ((rc = dq_cid_add(q, c, sender, nc->cid.data, nc->cid.len)) == 0)
                rc = dq_token_add(q, c, nc->reset_token);
        }
        if (rc < 0)
            return rc;
        at += (size_t)n;
    }
    p->n_frames = q->n_frames - p->frame0;
    return 0;
}

/* ---------------------------------------------------------------- datagrams */

/* Which connection a long header belongs to, and who sent it; makes a new
 * connection for a client's first Initial (*created). */
static dq_conn *dq_long_conn(dis_quic *q, const l4_quic_hdr *h, const l4_addr *src, uint16_t sport,
                             const l4_addr *dst, uint16_t dport, int *sender, int *created)
{
    int to;
    dq_conn *c = dq_cid_find(q, h->dcid, h->dcid_len, &to);
    if (c) {
        *sender = 1 - to;
        return c;
    }
    if (h->type != L4_QUIC_PKT_VN && (c = dq_cid_find(q, h->scid, h->scid_len, &to))) {
        *sender = to; /* its own ID as source */
        return c;
    }
    if ((c = dq_tuple_find(q, src, sport, dst, dport, &to))) {
        *sender = 1 - to;
        return c;
    }
    if (h->type != L4_QUIC_PKT_INITIAL || h->version != L4_QUIC_VERSION_1)
        return NULL;
    c = dq_conn_new(q, src, sport, dst, dport, h->dcid, h->dcid_len);
    *sender = DQ_CLIENT;
    *created = c != NULL;
    return c;
}

/* A Retry (RFC 9000 §17.2.5): check its tag; the client's next Initials
 * go to the server's new ID, and their keys come from it (RFC 9001 §5.2). */
static int dq_retry(dis_quic *q, dq_conn *c, disq_pkt *p, const uint8_t *data)
{
    p->dec = DISQ_DEC_NONE;
    p->retry_tag = -1;
    if (!c)
        return 0;
    p->retry_tag = l4_quic_retry_verify(c->odcid, c->odcid_len, data + p->off, p->len) == 0;
    if (!p->retry_tag || p->h.scid_len > L4_QUIC_MAX_CID_LEN)
        return 0;
    memcpy(c->idcid, p->h.scid, p->h.scid_len);
    c->idcid_len = p->h.scid_len;
    dq_slot_free(&c->side[DQ_CLIENT].initial);
    dq_slot_free(&c->side[DQ_SERVER].initial);
    return dq_cid_add(q, c, DQ_SERVER, p->h.scid, p->h.scid_len);
}

/* One long-header packet at p->off (header parsed). */
static int dq_long(dis_quic *q, dq_conn **cp, int *sender, disq_pkt *p, const uint8_t *data,
                   size_t captured, const l4_addr *src, uint16_t sport, const l4_addr *dst,
                   uint16_t dport)
{
    const l4_quic_hdr *h = &p->h;
    int created = 0;
    if (!*cp)
        *cp = dq_long_conn(q, h, src, sport, dst, dport, sender, &created);
    dq_conn *c = *cp;
    p->from_client = c ? *sender == DQ_CLIENT : -1;
    if (p->hdr_err == L4_ERR_UNSUPPORTED) {
        dq_why(p, DISQ_DEC_VERSION,
               "version 0x%08x: l4kit removes the packet protection of v1 only",
               (unsigned)h->version);
        return 0;
    }
    if (h->type == L4_QUIC_PKT_VN) {
        p->dec = DISQ_DEC_NONE;
        return 0;
    }
    if (h->type == L4_QUIC_PKT_RETRY)
        return dq_retry(q, c, p, data);
    if (!c) {
        if (q->conns_full && h->type == L4_QUIC_PKT_INITIAL)
            dq_why(p, DISQ_DEC_NO_CONN, "too many connections in the capture (%d tracked)",
                   DQ_MAX_CONNS);
        else
            dq_why(p, DISQ_DEC_NO_CONN, "its connection's first Initial was not in the capture");
        return 0;
    }
    if (p->off + p->len > captured) {
        dq_why(p, DISQ_DEC_CUT, "the capture cut it");
    } else {
        dq_unprotect(q, c, *sender, p, data);
    }
    if (p->dec != DISQ_DEC_OK) {
        if (created) {
            dq_conn_drop_last(q);
            *cp = NULL;
            p->from_client = -1;
        }
        return 0;
    }
    int rc = 0;
    if (created)
        rc = dq_cid_add(q, c, DQ_SERVER, h->dcid, h->dcid_len);
    if (!rc)
        rc = dq_cid_add(q, c, *sender, h->scid, h->scid_len);
    return rc ? rc : dq_frames(q, c, *sender, p);
}

/* One short-header packet of c (header parsed). */
/* Whether a packet of the connection whose DCID is dcid could start at p. */
static int dq_starts(const uint8_t *p, size_t n, const uint8_t *dcid, size_t dl)
{
    if (p[0] & L4_QUIC_HDR_FORM_LONG)
        return n >= 5 && l4_get_u32(p + 1) == L4_QUIC_VERSION_1;
    return n > dl && !memcmp(p + 1, dcid, dl);
}

/*
 * The segment size of a GSO super-datagram whose first segment holds the
 * short header at `off`: the smallest k > off such that a packet of the
 * connection starts at k, 2k, ... (every segment but the last is k bytes,
 * Linux UDP_SEGMENT). 0 when there is none, or the DCID is too short to tell.
 */
static size_t dq_gso_size(const uint8_t *data, size_t len, size_t off, const uint8_t *dcid,
                          size_t dl)
{
    if (dl < 4)
        return 0;
    for (size_t k = off + 1 + dl + 4 + L4_QUIC_HP_SAMPLE_LEN; k + 1 + dl < len; k++) {
        size_t m = k;
        while (m < len && dq_starts(data + m, len - m, dcid, dl))
            m += k;
        if (m >= len)
            return k;
    }
    return 0;
}

static int dq_short(dis_quic *q, dq_conn *c, int sender, int how, disq_pkt *p, const uint8_t *data,
                    size_t len, size_t captured, size_t *gso)
{
    p->from_client = sender == DQ_CLIENT;
    if (p->off + p->len > captured) {
        dq_why(p, DISQ_DEC_CUT, "the capture cut it");
        return 0;
    }
    dq_unprotect(q, c, sender, p, data);
    size_t seg;
    if (p->dec != DISQ_DEC_OK && !*gso &&
        (seg = dq_gso_size(data, len, p->off, p->h.dcid, p->h.dcid_len))) {
        /* Not the rest of the datagram: the first of its GSO segments? */
        disq_pkt whole = *p;
        p->len = seg - p->off;
        p->dec = DISQ_DEC_OK;
        p->why[0] = 0;
        dq_unprotect(q, c, sender, p, data);
        if (p->dec == DISQ_DEC_OK || p->dec == DISQ_DEC_NO_KEYS)
            *gso = seg;
        else
            *p = whole;
    }
    if (p->dec == DISQ_DEC_OK)
        return dq_frames(q, c, sender, p);
    /* RFC 9000 §10.3: a Stateless Reset ends with a token the peer announced. */
    if (p->len >= 21 && dq_token_known(q, data + p->off + p->len - L4_QUIC_RESET_TOKEN_LEN)) {
        p->stateless_reset = 1;
        p->dec = DISQ_DEC_NONE;
    } else if (how == DQ_BY_SERVER && p->dec == DISQ_DEC_FAILED) {
        /* Tried with the keys of the server's newest connection: not its. */
        p->from_client = -1;
        dq_why(p, DISQ_DEC_NO_CONN,
               "no connection seen uses its DCID (a connection whose Initial was not seen, or an "
               "ID announced in a packet not decrypted)");
    }
    return 0;
}

/* Parses the header at data[off..end). A greased fixed bit (RFC 9287) is
 * parsed from a copy with the bit set, as the parser wants it. */
static int dq_parse(dis_quic *q, disq_pkt *p, const uint8_t *data, size_t off, size_t end,
                    size_t cid_len)
{
    const uint8_t *b = data + off;
    if (!(b[0] & L4_QUIC_HDR_FIXED_BIT)) {
        memcpy(q->work + off, b, end - off);
        q->work[off] |= L4_QUIC_HDR_FIXED_BIT;
        b = q->work + off;
        p->greased = 1;
    }
    int rc = l4_quic_hdr_parse(&p->h, b, end - off, cid_len);
    p->h.first = data[off];
    return rc;
}

static int dq_all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int dis_quic_datagram(dis_quic *q, disq_dgram *out, const l4_addr *src, uint16_t sport,
                      const l4_addr *dst, uint16_t dport, const uint8_t *data, size_t len,
                      size_t captured)
{
    memset(out, 0, sizeof *out);
    q->n_frames = 0;
    q->n_tls = 0;
    if (len == 0 || len > sizeof q->work)
        return 0;
    if (captured > len)
        captured = len;
    dq_conn *c = NULL;
    int sender = -1, to, how = DQ_BY_CID;
    size_t cid_len = 0;
    if (data[0] & L4_QUIC_HDR_FORM_LONG) {
        if (!dq_long_is_quic(q, data, len, src, sport, dst, dport))
            return 0;
    } else {
        if (!(c = dq_short_find(q, data, len, src, sport, dst, dport, &to, &cid_len, &how)))
            return 0;
        if (!(data[0] & L4_QUIC_HDR_FIXED_BIT) && how != DQ_BY_CID)
            return 0; /* a greased fixed bit (RFC 9287) only with a known ID */
        sender = 1 - to;
        if (sender == DQ_CLIENT && how == DQ_BY_CID) { /* a client may move (RFC 9000 §9) */
            c->side[DQ_CLIENT].addr = *src;
            c->side[DQ_CLIENT].port = sport;
        }
    }
    out->is_quic = 1;
    memcpy(q->work, data, len);
    size_t off = 0, gso = 0;
    int rc = 0;
    while (off < len && rc == 0) {
        size_t end = gso && (off / gso + 1) * gso < len ? (off / gso + 1) * gso : len;
        if (out->n_pkts == DISQ_MAX_PKTS) {
            out->more_pkts++; /* not decoded: at least one more */
            out->rest = len - off;
            break;
        }
        disq_pkt *p = &out->pkts[out->n_pkts];
        memset(p, 0, sizeof *p);
        p->off = off;
        p->from_client = -1;
        if (!(data[off] & L4_QUIC_HDR_FORM_LONG) && c && off > 0)
            cid_len = c->side[1 - sender].cid_len < 0 ? 0 : (size_t)c->side[1 - sender].cid_len;
        int hrc = dq_parse(q, p, data, off, end, cid_len);
        int to_side;
        if (off > 0 && (dq_all_zero(data + off, end - off) ||
                        (p->greased && p->h.type == L4_QUIC_PKT_1RTT &&
                         dq_cid_find(q, p->h.dcid, p->h.dcid_len, &to_side) != c)))
            hrc = L4_ERR_MALFORMED; /* padding, or a greased bit on an unknown ID: no packet */
        if (hrc < 0 && hrc != L4_ERR_UNSUPPORTED) {
            if (gso && end < len && dq_all_zero(data + off, end - off)) {
                off = end; /* zeros to the end of a GSO segment */
                continue;
            }
            if (off > 0) { /* what follows the last packet */
                out->rest = len - off;
                out->rest_err = dq_all_zero(data + off, len - off) ? 0 : hrc;
                break;
            }
            p->hdr_err = hrc;
            p->len = len;
            p->first = data[0];
            dq_why(p, DISQ_DEC_MALFORMED, "%s", l4_strerror(hrc));
            out->n_pkts++;
            break;
        }
        p->hdr_err = hrc;
        p->len = hrc == L4_ERR_UNSUPPORTED ? end - off : p->h.pkt_len;
        if (p->h.type == L4_QUIC_PKT_1RTT) {
            if (!c) { /* a short header after a long one of an unknown connection */
                out->rest = len - off;
                out->rest_err = L4_ERR_MALFORMED;
                break;
            }
            rc = dq_short(q, c, sender, off ? DQ_BY_CID : how, p, data, len, captured, &gso);
        } else {
            rc = dq_long(q, &c, &sender, p, data, captured, src, sport, dst, dport);
        }
        out->n_pkts++;
        off += p->len;
    }
    out->gso = gso;
    out->frames = q->frames;
    out->n_frames = q->n_frames;
    out->tls = q->tls;
    out->n_tls = q->n_tls;
    return rc;
}
