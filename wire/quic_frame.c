/*
 * wire/quic_frame.c — QUIC frames (RFC 9000 §19) and the §12.4 table.
 */
#include "wire/quic_frame.h"

#include <string.h>

#include "wire/quic_varint.h"

/* A bounded read cursor over a frame: every read checks the end first. */
typedef struct frame_rd {
    const uint8_t *p, *end;
} frame_rd;

static int frame_rd_varint(frame_rd *r, uint64_t *v)
{
    l4_ssize n = l4_quic_varint_decode(v, r->p, (size_t)(r->end - r->p));
    if (n < 0)
        return (int)n;
    r->p += n;
    return 0;
}

static int frame_rd_bytes(frame_rd *r, const uint8_t **data, uint64_t n)
{
    if (n > (uint64_t)(r->end - r->p))
        return L4_ERR_TRUNCATED;
    *data = r->p;
    r->p += n;
    return 0;
}

/* Reads `n` varints into the given pointers, stopping at the first error. */
static int frame_rd_varints(frame_rd *r, uint64_t *a, uint64_t *b, uint64_t *c)
{
    int rc = frame_rd_varint(r, a);
    if (rc == 0 && b)
        rc = frame_rd_varint(r, b);
    if (rc == 0 && c)
        rc = frame_rd_varint(r, c);
    return rc;
}

/* §19.3.1: walks `count` (Gap, Length) pairs below `smallest`, checking that
 * no packet number goes negative. */
static int frame_ack_check(frame_rd *r, uint64_t smallest, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++) {
        uint64_t gap, alen;
        int rc = frame_rd_varints(r, &gap, &alen, NULL);
        if (rc < 0)
            return rc;
        /* largest = smallest - gap - 2; smallest' = largest - alen. */
        if (smallest < 2 || gap > smallest - 2)
            return L4_ERR_MALFORMED;
        uint64_t largest = smallest - gap - 2;
        if (alen > largest)
            return L4_ERR_MALFORMED;
        smallest = largest - alen;
    }
    return 0;
}

static int frame_decode_ack(l4_quic_frame *f, frame_rd *r)
{
    l4_quic_frame_ack *a = &f->u.ack;
    int rc = frame_rd_varints(r, &a->largest, &a->ack_delay, &a->range_count);
    if (rc == 0)
        rc = frame_rd_varint(r, &a->first_range);
    if (rc < 0)
        return rc;
    if (a->first_range > a->largest)
        return L4_ERR_MALFORMED;
    a->ranges = r->p;
    if ((rc = frame_ack_check(r, a->largest - a->first_range, a->range_count)) < 0)
        return rc;
    a->ranges_len = (size_t)(r->p - a->ranges);
    if (f->type == L4_QUIC_FRAME_ACK_ECN)
        rc = frame_rd_varints(r, &a->ect0, &a->ect1, &a->ce);
    return rc;
}

static int frame_decode_stream(l4_quic_frame *f, frame_rd *r)
{
    l4_quic_frame_stream *s = &f->u.stream;
    int rc = frame_rd_varint(r, &s->stream_id);
    if (rc == 0 && (f->type & L4_QUIC_STREAM_OFF))
        rc = frame_rd_varint(r, &s->offset);
    if (rc < 0)
        return rc;
    uint64_t len = (uint64_t)(r->end - r->p);
    if ((f->type & L4_QUIC_STREAM_LEN) && (rc = frame_rd_varint(r, &len)) < 0)
        return rc;
    if ((rc = frame_rd_bytes(r, &s->data, len)) < 0)
        return rc;
    s->len = (size_t)len;
    /* §19.8: the largest offset delivered cannot exceed 2^62 - 1. */
    if (s->offset + len > L4_QUIC_VARINT_MAX)
        return L4_ERR_MALFORMED;
    return 0;
}

static int frame_decode_body(l4_quic_frame *f, frame_rd *r)
{
    uint64_t t = f->type;
    uint64_t n;
    int rc;
    if (t >= L4_QUIC_FRAME_STREAM && t <= (L4_QUIC_FRAME_STREAM | 0x07))
        return frame_decode_stream(f, r);
    switch (t) {
    case L4_QUIC_FRAME_PADDING:
        /* Consume the whole run: one struct for any number of PADDING bytes. */
        while (r->p < r->end && *r->p == 0)
            r->p++;
        return 0;
    case L4_QUIC_FRAME_PING:
    case L4_QUIC_FRAME_HANDSHAKE_DONE:
        return 0;
    case L4_QUIC_FRAME_ACK:
    case L4_QUIC_FRAME_ACK_ECN:
        return frame_decode_ack(f, r);
    case L4_QUIC_FRAME_RESET_STREAM:
        return frame_rd_varints(r, &f->u.reset_stream.stream_id, &f->u.reset_stream.error_code,
                                &f->u.reset_stream.final_size);
    case L4_QUIC_FRAME_STOP_SENDING:
        return frame_rd_varints(r, &f->u.stop_sending.stream_id, &f->u.stop_sending.error_code,
                                NULL);
    case L4_QUIC_FRAME_CRYPTO:
        if ((rc = frame_rd_varints(r, &f->u.crypto.offset, &n, NULL)) < 0 ||
            (rc = frame_rd_bytes(r, &f->u.crypto.data, n)) < 0)
            return rc;
        f->u.crypto.len = (size_t)n;
        /* §19.6: the offset + length is bounded like a stream's. */
        return f->u.crypto.offset + n > L4_QUIC_VARINT_MAX ? L4_ERR_MALFORMED : 0;
    case L4_QUIC_FRAME_NEW_TOKEN:
        if ((rc = frame_rd_varint(r, &n)) < 0 ||
            (rc = frame_rd_bytes(r, &f->u.new_token.token, n)) < 0)
            return rc;
        f->u.new_token.len = (size_t)n;
        /* §19.7: an empty token is a FRAME_ENCODING_ERROR. */
        return n == 0 ? L4_ERR_MALFORMED : 0;
    case L4_QUIC_FRAME_MAX_DATA:
    case L4_QUIC_FRAME_DATA_BLOCKED:
    case L4_QUIC_FRAME_RETIRE_CONNECTION_ID:
        return frame_rd_varint(r, &f->u.value);
    case L4_QUIC_FRAME_MAX_STREAMS_BIDI:
    case L4_QUIC_FRAME_MAX_STREAMS_UNI:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_UNI:
        if ((rc = frame_rd_varint(r, &f->u.value)) < 0)
            return rc;
        /* §19.11, §19.14: more than 2^60 streams is an encoding error. */
        return f->u.value > L4_QUIC_MAX_STREAMS_LIMIT ? L4_ERR_MALFORMED : 0;
    case L4_QUIC_FRAME_MAX_STREAM_DATA:
    case L4_QUIC_FRAME_STREAM_DATA_BLOCKED:
        return frame_rd_varints(r, &f->u.stream_value.stream_id, &f->u.stream_value.value, NULL);
    case L4_QUIC_FRAME_NEW_CONNECTION_ID: {
        l4_quic_frame_new_cid *c = &f->u.new_cid;
        const uint8_t *p;
        if ((rc = frame_rd_varints(r, &c->seq, &c->retire_prior_to, NULL)) < 0 ||
            (rc = frame_rd_bytes(r, &p, 1)) < 0)
            return rc;
        /* §19.15: a length outside 1..20 and Retire Prior To above the
         * sequence number are both FRAME_ENCODING_ERRORs. Checked after the
         * whole frame is known to be present, so truncation wins. */
        uint8_t cl = p[0];
        const uint8_t *cid, *tok;
        if ((rc = frame_rd_bytes(r, &cid, cl)) < 0 ||
            (rc = frame_rd_bytes(r, &tok, L4_QUIC_RESET_TOKEN_LEN)) < 0)
            return rc;
        if (cl < 1 || cl > L4_QUIC_MAX_CID_LEN || c->retire_prior_to > c->seq)
            return L4_ERR_MALFORMED;
        c->cid.len = cl;
        memcpy(c->cid.data, cid, cl);
        memcpy(c->reset_token, tok, L4_QUIC_RESET_TOKEN_LEN);
        return 0;
    }
    case L4_QUIC_FRAME_PATH_CHALLENGE:
    case L4_QUIC_FRAME_PATH_RESPONSE: {
        const uint8_t *p;
        if ((rc = frame_rd_bytes(r, &p, L4_QUIC_PATH_DATA_LEN)) < 0)
            return rc;
        memcpy(f->u.path_data, p, L4_QUIC_PATH_DATA_LEN);
        return 0;
    }
    case L4_QUIC_FRAME_CONNECTION_CLOSE:
    case L4_QUIC_FRAME_CONNECTION_CLOSE_APP: {
        l4_quic_frame_close *c = &f->u.close;
        rc = frame_rd_varint(r, &c->error_code);
        if (rc == 0 && t == L4_QUIC_FRAME_CONNECTION_CLOSE)
            rc = frame_rd_varint(r, &c->frame_type);
        if (rc == 0)
            rc = frame_rd_varint(r, &n);
        if (rc == 0)
            rc = frame_rd_bytes(r, &c->reason, n);
        if (rc == 0)
            c->reason_len = (size_t)n;
        return rc;
    }
    default:
        return L4_ERR_UNSUPPORTED;
    }
}

l4_ssize l4_quic_frame_decode(l4_quic_frame *f, const uint8_t *buf, size_t len)
{
    memset(f, 0, sizeof *f);
    f->type = L4_QUIC_FRAME_TYPE_NONE;
    frame_rd r = {buf, buf + len};
    int rc = frame_rd_varint(&r, &f->type);
    if (rc < 0)
        return rc;
    if ((rc = frame_decode_body(f, &r)) < 0)
        return rc;
    if (f->type == L4_QUIC_FRAME_PADDING)
        f->u.padding_len = (size_t)(r.p - buf);
    return r.p - buf;
}

/* ---- encoding ---- */

typedef struct frame_wr {
    uint8_t *p, *end;
} frame_wr;

static int frame_wr_varint(frame_wr *w, uint64_t v)
{
    l4_ssize n = l4_quic_varint_encode(w->p, (size_t)(w->end - w->p), v);
    if (n < 0)
        return (int)n;
    w->p += n;
    return 0;
}

static int frame_wr_varints(frame_wr *w, uint64_t a, uint64_t b, int nb)
{
    int rc = frame_wr_varint(w, a);
    return rc == 0 && nb ? frame_wr_varint(w, b) : rc;
}

static int frame_wr_bytes(frame_wr *w, const void *data, size_t n)
{
    if (n && !data)
        return L4_ERR_INVALID_ARGUMENT;
    if (n > (size_t)(w->end - w->p))
        return L4_ERR_NOBUF;
    if (n)
        memcpy(w->p, data, n);
    w->p += n;
    return 0;
}

static int frame_encode_body(frame_wr *w, const l4_quic_frame *f)
{
    uint64_t t = f->type;
    int rc;
    if (t >= L4_QUIC_FRAME_STREAM && t <= (L4_QUIC_FRAME_STREAM | 0x07)) {
        const l4_quic_frame_stream *s = &f->u.stream;
        if ((!(t & L4_QUIC_STREAM_OFF) && s->offset) || s->offset > L4_QUIC_VARINT_MAX ||
            s->len > L4_QUIC_VARINT_MAX - s->offset)
            return L4_ERR_INVALID_ARGUMENT;
        if ((rc = frame_wr_varint(w, s->stream_id)) < 0)
            return rc;
        if ((t & L4_QUIC_STREAM_OFF) && (rc = frame_wr_varint(w, s->offset)) < 0)
            return rc;
        if ((t & L4_QUIC_STREAM_LEN) && (rc = frame_wr_varint(w, s->len)) < 0)
            return rc;
        return frame_wr_bytes(w, s->data, s->len);
    }
    switch (t) {
    case L4_QUIC_FRAME_PADDING:
        if (f->u.padding_len < 1)
            return L4_ERR_INVALID_ARGUMENT;
        if (f->u.padding_len - 1 > (size_t)(w->end - w->p))
            return L4_ERR_NOBUF;
        memset(w->p, 0, f->u.padding_len - 1); /* the type byte was the first */
        w->p += f->u.padding_len - 1;
        return 0;
    case L4_QUIC_FRAME_PING:
    case L4_QUIC_FRAME_HANDSHAKE_DONE:
        return 0;
    case L4_QUIC_FRAME_ACK:
    case L4_QUIC_FRAME_ACK_ECN: {
        const l4_quic_frame_ack *a = &f->u.ack;
        if (a->first_range > a->largest)
            return L4_ERR_INVALID_ARGUMENT;
        /* The ranges must decode and stay above zero, as the decoder wants. */
        frame_rd r = {a->ranges, a->ranges + a->ranges_len};
        if ((a->ranges_len && !a->ranges) ||
            frame_ack_check(&r, a->largest - a->first_range, a->range_count) < 0 || r.p != r.end)
            return L4_ERR_INVALID_ARGUMENT;
        if ((rc = frame_wr_varints(w, a->largest, a->ack_delay, 1)) < 0 ||
            (rc = frame_wr_varints(w, a->range_count, a->first_range, 1)) < 0 ||
            (rc = frame_wr_bytes(w, a->ranges, a->ranges_len)) < 0)
            return rc;
        if (t == L4_QUIC_FRAME_ACK_ECN && ((rc = frame_wr_varints(w, a->ect0, a->ect1, 1)) < 0 ||
                                           (rc = frame_wr_varint(w, a->ce)) < 0))
            return rc;
        return 0;
    }
    case L4_QUIC_FRAME_RESET_STREAM:
        if ((rc = frame_wr_varints(w, f->u.reset_stream.stream_id, f->u.reset_stream.error_code,
                                   1)) < 0)
            return rc;
        return frame_wr_varint(w, f->u.reset_stream.final_size);
    case L4_QUIC_FRAME_STOP_SENDING:
        return frame_wr_varints(w, f->u.stop_sending.stream_id, f->u.stop_sending.error_code, 1);
    case L4_QUIC_FRAME_CRYPTO:
        if (f->u.crypto.offset > L4_QUIC_VARINT_MAX ||
            f->u.crypto.len > L4_QUIC_VARINT_MAX - f->u.crypto.offset)
            return L4_ERR_INVALID_ARGUMENT;
        if ((rc = frame_wr_varints(w, f->u.crypto.offset, f->u.crypto.len, 1)) < 0)
            return rc;
        return frame_wr_bytes(w, f->u.crypto.data, f->u.crypto.len);
    case L4_QUIC_FRAME_NEW_TOKEN:
        if (f->u.new_token.len == 0)
            return L4_ERR_INVALID_ARGUMENT;
        if ((rc = frame_wr_varint(w, f->u.new_token.len)) < 0)
            return rc;
        return frame_wr_bytes(w, f->u.new_token.token, f->u.new_token.len);
    case L4_QUIC_FRAME_MAX_STREAMS_BIDI:
    case L4_QUIC_FRAME_MAX_STREAMS_UNI:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case L4_QUIC_FRAME_STREAMS_BLOCKED_UNI:
        if (f->u.value > L4_QUIC_MAX_STREAMS_LIMIT)
            return L4_ERR_INVALID_ARGUMENT;
        return frame_wr_varint(w, f->u.value);
    case L4_QUIC_FRAME_MAX_DATA:
    case L4_QUIC_FRAME_DATA_BLOCKED:
    case L4_QUIC_FRAME_RETIRE_CONNECTION_ID:
        return frame_wr_varint(w, f->u.value);
    case L4_QUIC_FRAME_MAX_STREAM_DATA:
    case L4_QUIC_FRAME_STREAM_DATA_BLOCKED:
        return frame_wr_varints(w, f->u.stream_value.stream_id, f->u.stream_value.value, 1);
    case L4_QUIC_FRAME_NEW_CONNECTION_ID: {
        const l4_quic_frame_new_cid *c = &f->u.new_cid;
        if (c->cid.len < 1 || c->cid.len > L4_QUIC_MAX_CID_LEN || c->retire_prior_to > c->seq)
            return L4_ERR_INVALID_ARGUMENT;
        if ((rc = frame_wr_varints(w, c->seq, c->retire_prior_to, 1)) < 0 ||
            (rc = frame_wr_bytes(w, &c->cid.len, 1)) < 0 ||
            (rc = frame_wr_bytes(w, c->cid.data, c->cid.len)) < 0)
            return rc;
        return frame_wr_bytes(w, c->reset_token, L4_QUIC_RESET_TOKEN_LEN);
    }
    case L4_QUIC_FRAME_PATH_CHALLENGE:
    case L4_QUIC_FRAME_PATH_RESPONSE:
        return frame_wr_bytes(w, f->u.path_data, L4_QUIC_PATH_DATA_LEN);
    case L4_QUIC_FRAME_CONNECTION_CLOSE:
    case L4_QUIC_FRAME_CONNECTION_CLOSE_APP: {
        const l4_quic_frame_close *c = &f->u.close;
        if ((rc = frame_wr_varint(w, c->error_code)) < 0)
            return rc;
        if (t == L4_QUIC_FRAME_CONNECTION_CLOSE && (rc = frame_wr_varint(w, c->frame_type)) < 0)
            return rc;
        if ((rc = frame_wr_varint(w, c->reason_len)) < 0)
            return rc;
        return frame_wr_bytes(w, c->reason, c->reason_len);
    }
    default:
        return L4_ERR_INVALID_ARGUMENT;
    }
}

l4_ssize l4_quic_frame_encode(uint8_t *dst, size_t cap, const l4_quic_frame *f)
{
    if (f->type > L4_QUIC_FRAME_HANDSHAKE_DONE)
        return L4_ERR_INVALID_ARGUMENT;
    frame_wr w = {dst, dst + cap};
    int rc = frame_wr_varint(&w, f->type);
    if (rc == 0)
        rc = frame_encode_body(&w, f);
    /* A varint over 2^62 - 1 comes back as INVALID_ARGUMENT already. */
    return rc < 0 ? rc : w.p - dst;
}

/* ---- ACK ranges ---- */

void l4_quic_ack_iter_init(l4_quic_ack_iter *it, const l4_quic_frame_ack *ack)
{
    memset(it, 0, sizeof *it);
    it->ack = ack;
    it->p = ack->ranges;
    it->end = ack->ranges + ack->ranges_len;
    it->left = ack->range_count;
}

int l4_quic_ack_iter_next(l4_quic_ack_iter *it, l4_quic_ack_range *r)
{
    if (!it->started) {
        if (it->ack->first_range > it->ack->largest)
            return L4_ERR_MALFORMED;
        it->started = 1;
        r->largest = it->ack->largest;
        r->smallest = it->smallest = it->ack->largest - it->ack->first_range;
        return 1;
    }
    if (it->left == 0)
        return 0;
    frame_rd rd = {it->p, it->end};
    uint64_t gap, alen;
    if (frame_rd_varints(&rd, &gap, &alen, NULL) < 0)
        return L4_ERR_MALFORMED;
    if (it->smallest < 2 || gap > it->smallest - 2)
        return L4_ERR_MALFORMED;
    uint64_t largest = it->smallest - gap - 2;
    if (alen > largest)
        return L4_ERR_MALFORMED;
    it->p = rd.p;
    it->left--;
    r->largest = largest;
    r->smallest = it->smallest = largest - alen;
    return 1;
}

l4_ssize l4_quic_ack_write_ranges(l4_quic_frame_ack *ack, uint8_t *buf, size_t cap,
                                  const l4_quic_ack_range *r, size_t n)
{
    if (n == 0 || r[0].smallest > r[0].largest || r[0].largest > L4_QUIC_VARINT_MAX)
        return L4_ERR_INVALID_ARGUMENT;
    frame_wr w = {buf, buf + cap};
    for (size_t i = 1; i < n; i++) {
        /* §19.3.1: Gap = previous smallest - this largest - 2 (≥ 0 means at
         * least one packet number between them is missing). */
        if (r[i].smallest > r[i].largest || r[i].largest + 2 > r[i - 1].smallest)
            return L4_ERR_INVALID_ARGUMENT;
        int rc = frame_wr_varints(&w, r[i - 1].smallest - r[i].largest - 2,
                                  r[i].largest - r[i].smallest, 1);
        if (rc < 0)
            return rc;
    }
    ack->largest = r[0].largest;
    ack->first_range = r[0].largest - r[0].smallest;
    ack->range_count = n - 1;
    ack->ranges = buf;
    ack->ranges_len = (size_t)(w.p - buf);
    return w.p - buf;
}

/* ---- RFC 9000 §12.4 Table 3 ---- */

/* Bit per packet type: I(nitial), 0(-RTT), H(andshake), 1(-RTT). */
#define FRAME_I  (1u << L4_QUIC_PKT_INITIAL)
#define FRAME_0  (1u << L4_QUIC_PKT_0RTT)
#define FRAME_H  (1u << L4_QUIC_PKT_HANDSHAKE)
#define FRAME_1  (1u << L4_QUIC_PKT_1RTT)
#define FRAME_EL (1u << 7) /* ack-eliciting (§13.2) */

static const struct {
    const char *name;
    unsigned flags;
} frame_table[L4_QUIC_FRAME_HANDSHAKE_DONE + 1] = {
    [0x00] = {"PADDING", FRAME_I | FRAME_H | FRAME_0 | FRAME_1},
    [0x01] = {"PING", FRAME_I | FRAME_H | FRAME_0 | FRAME_1 | FRAME_EL},
    [0x02] = {"ACK", FRAME_I | FRAME_H | FRAME_1},
    [0x03] = {"ACK_ECN", FRAME_I | FRAME_H | FRAME_1},
    [0x04] = {"RESET_STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x05] = {"STOP_SENDING", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x06] = {"CRYPTO", FRAME_I | FRAME_H | FRAME_1 | FRAME_EL},
    [0x07] = {"NEW_TOKEN", FRAME_1 | FRAME_EL},
    [0x08] = {"STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x09] = {"STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x0a] = {"STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x0b] = {"STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x0c] = {"STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x0d] = {"STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x0e] = {"STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x0f] = {"STREAM", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x10] = {"MAX_DATA", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x11] = {"MAX_STREAM_DATA", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x12] = {"MAX_STREAMS_BIDI", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x13] = {"MAX_STREAMS_UNI", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x14] = {"DATA_BLOCKED", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x15] = {"STREAM_DATA_BLOCKED", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x16] = {"STREAMS_BLOCKED_BIDI", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x17] = {"STREAMS_BLOCKED_UNI", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x18] = {"NEW_CONNECTION_ID", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x19] = {"RETIRE_CONNECTION_ID", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x1a] = {"PATH_CHALLENGE", FRAME_0 | FRAME_1 | FRAME_EL},
    [0x1b] = {"PATH_RESPONSE", FRAME_1 | FRAME_EL},
    /* "ih01": only the transport variant (0x1c) in Initial and Handshake. */
    [0x1c] = {"CONNECTION_CLOSE", FRAME_I | FRAME_H | FRAME_0 | FRAME_1},
    [0x1d] = {"CONNECTION_CLOSE_APP", FRAME_0 | FRAME_1},
    [0x1e] = {"HANDSHAKE_DONE", FRAME_1 | FRAME_EL},
};

int l4_quic_frame_allowed(uint64_t type, int pkt_type)
{
    if (type > L4_QUIC_FRAME_HANDSHAKE_DONE || pkt_type < 0 || pkt_type > L4_QUIC_PKT_1RTT)
        return 0;
    /* No bit is ever set for Retry or Version Negotiation: they carry no frames. */
    return (frame_table[type].flags >> pkt_type) & 1u;
}

int l4_quic_frame_ack_eliciting(uint64_t type)
{
    return type <= L4_QUIC_FRAME_HANDSHAKE_DONE && (frame_table[type].flags & FRAME_EL) != 0;
}

uint64_t l4_quic_frame_error_code(int err)
{
    switch (err) {
    case L4_ERR_TRUNCATED:
    case L4_ERR_MALFORMED:
    case L4_ERR_UNSUPPORTED:
        return L4_QUIC_ERR_FRAME_ENCODING_ERROR;
    default:
        return L4_QUIC_ERR_INTERNAL_ERROR;
    }
}

const char *l4_quic_frame_name(uint64_t type)
{
    return type <= L4_QUIC_FRAME_HANDSHAKE_DONE ? frame_table[type].name : "?";
}
