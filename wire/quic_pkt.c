/*
 * wire/quic_pkt.c — QUIC packet headers (RFC 9000 §17) and packet numbers.
 */
#include "wire/quic_pkt.h"

#include <string.h>

#include "util/bytes.h"
#include "wire/quic_varint.h"

#define PKT_LONG_TYPE(first) (((first) >> 4) & 0x03)

/* Reads a one-byte length and that many CID bytes at buf[*o]. */
static int pkt_read_cid(const uint8_t **cid, size_t *cid_len, const uint8_t *buf, size_t len,
                        size_t *o)
{
    if (*o >= len)
        return L4_ERR_TRUNCATED;
    size_t n = buf[(*o)++];
    if (len - *o < n)
        return L4_ERR_TRUNCATED;
    *cid = buf + *o;
    *cid_len = n;
    *o += n;
    return 0;
}

static int pkt_parse_short(l4_quic_hdr *h, const uint8_t *buf, size_t len, size_t dcid_len)
{
    /* §17.3.1: a packet with the fixed bit cleared is not a QUIC v1 packet. */
    if (!(buf[0] & L4_QUIC_HDR_FIXED_BIT))
        return L4_ERR_MALFORMED;
    if (dcid_len > L4_QUIC_MAX_CID_LEN)
        return L4_ERR_INVALID_ARGUMENT;
    if (len - 1 < dcid_len)
        return L4_ERR_TRUNCATED;
    h->type = L4_QUIC_PKT_1RTT;
    h->dcid = buf + 1;
    h->dcid_len = dcid_len;
    h->pn_offset = 1 + dcid_len;
    h->pkt_len = len;
    /* A Packet Number field of at least one byte must follow. */
    if (len <= h->pn_offset)
        return L4_ERR_TRUNCATED;
    return 0;
}

int l4_quic_hdr_parse(l4_quic_hdr *h, const uint8_t *buf, size_t len, size_t short_dcid_len)
{
    memset(h, 0, sizeof *h);
    if (len == 0)
        return L4_ERR_TRUNCATED;
    h->first = buf[0];
    if (!(buf[0] & L4_QUIC_HDR_FORM_LONG))
        return pkt_parse_short(h, buf, len, short_dcid_len);

    /* §17.2 / RFC 8999 §5.1: the version-independent part of a long header. */
    if (len < 5)
        return L4_ERR_TRUNCATED;
    h->version = l4_get_u32(buf + 1);
    size_t o = 5;
    int rc = pkt_read_cid(&h->dcid, &h->dcid_len, buf, len, &o);
    if (rc == 0)
        rc = pkt_read_cid(&h->scid, &h->scid_len, buf, len, &o);
    if (rc < 0)
        return rc;

    if (h->version == L4_QUIC_VERSION_NEG) {
        /* §17.2.1: the rest is a list of 32-bit versions. */
        size_t rest = len - o;
        if (rest % 4 != 0)
            return L4_ERR_MALFORMED;
        h->type = L4_QUIC_PKT_VN;
        h->versions = buf + o;
        h->n_versions = rest / 4;
        h->pkt_len = len;
        return 0;
    }
    if (h->version != L4_QUIC_VERSION_1) {
        h->pkt_len = len;
        return L4_ERR_UNSUPPORTED;
    }
    if (!(buf[0] & L4_QUIC_HDR_FIXED_BIT))
        return L4_ERR_MALFORMED;
    if (h->dcid_len > L4_QUIC_MAX_CID_LEN || h->scid_len > L4_QUIC_MAX_CID_LEN)
        return L4_ERR_MALFORMED;
    h->type = (uint8_t)PKT_LONG_TYPE(buf[0]);

    if (h->type == L4_QUIC_PKT_RETRY) {
        /* §17.2.5: the token runs up to the 16-byte integrity tag at the end. */
        if (len - o < L4_QUIC_RETRY_TAG_LEN)
            return L4_ERR_TRUNCATED;
        h->token = buf + o;
        h->token_len = len - o - L4_QUIC_RETRY_TAG_LEN;
        h->retry_tag = buf + len - L4_QUIC_RETRY_TAG_LEN;
        h->pkt_len = len;
        return 0;
    }

    l4_ssize n;
    if (h->type == L4_QUIC_PKT_INITIAL) {
        /* §17.2.2: Token Length (i), Token. */
        uint64_t tlen;
        if ((n = l4_quic_varint_decode(&tlen, buf + o, len - o)) < 0)
            return (int)n;
        o += (size_t)n;
        if (tlen > len - o)
            return L4_ERR_TRUNCATED;
        h->token = buf + o;
        h->token_len = (size_t)tlen;
        o += (size_t)tlen;
    }
    if ((n = l4_quic_varint_decode(&h->length, buf + o, len - o)) < 0)
        return (int)n;
    o += (size_t)n;
    h->pn_offset = o;
    if (h->length < 1)
        return L4_ERR_MALFORMED;
    if (h->length > len - o)
        return L4_ERR_TRUNCATED;
    h->pkt_len = o + (size_t)h->length;
    return 0;
}

int l4_quic_pkt_next(l4_quic_hdr *h, const uint8_t *dgram, size_t len, size_t *off,
                     size_t short_dcid_len)
{
    if (*off >= len)
        return 0;
    int rc = l4_quic_hdr_parse(h, dgram + *off, len - *off, short_dcid_len);
    if (rc < 0)
        return rc;
    *off += h->pkt_len;
    return 1;
}

static int pkt_put(uint8_t *dst, size_t cap, size_t *o, const void *src, size_t n)
{
    if (cap - *o < n)
        return L4_ERR_NOBUF;
    if (n)
        memcpy(dst + *o, src, n);
    *o += n;
    return 0;
}

static int pkt_put_cid(uint8_t *dst, size_t cap, size_t *o, const uint8_t *cid, size_t n,
                       size_t max)
{
    if (n > max || (n && !cid))
        return L4_ERR_INVALID_ARGUMENT;
    uint8_t b = (uint8_t)n;
    int rc = pkt_put(dst, cap, o, &b, 1);
    return rc < 0 ? rc : pkt_put(dst, cap, o, cid, n);
}

static int pkt_put_varint(uint8_t *dst, size_t cap, size_t *o, uint64_t v, size_t n)
{
    l4_ssize w = n ? l4_quic_varint_encode_n(dst + *o, cap - *o, v, n)
                   : l4_quic_varint_encode(dst + *o, cap - *o, v);
    if (w < 0)
        return (int)w;
    *o += (size_t)w;
    return 0;
}

static int pkt_put_pn(uint8_t *dst, size_t cap, size_t *o, const l4_quic_hdr *h)
{
    if (cap - *o < h->pn_len)
        return L4_ERR_NOBUF;
    l4_quic_pn_write(dst + *o, h->pn, h->pn_len);
    *o += h->pn_len;
    return 0;
}

/* Long header with a version: first byte, version, DCID, SCID. */
static int pkt_put_long_prefix(uint8_t *dst, size_t cap, size_t *o, uint8_t first, uint32_t version,
                               const l4_quic_hdr *h)
{
    uint8_t b[5];
    b[0] = first;
    l4_put_u32(b + 1, version);
    /* RFC 8999 §5.1: Version Negotiation echoes CIDs of any version, up to
     * 255 bytes; version 1 limits them to 20 (RFC 9000 §17.2). */
    size_t max = version == L4_QUIC_VERSION_NEG ? 255 : L4_QUIC_MAX_CID_LEN;
    int rc = pkt_put(dst, cap, o, b, 5);
    if (rc == 0)
        rc = pkt_put_cid(dst, cap, o, h->dcid, h->dcid_len, max);
    if (rc == 0)
        rc = pkt_put_cid(dst, cap, o, h->scid, h->scid_len, max);
    return rc;
}

l4_ssize l4_quic_hdr_write(uint8_t *dst, size_t cap, const l4_quic_hdr *h)
{
    size_t o = 0;
    int rc;
    int has_pn = h->type <= L4_QUIC_PKT_HANDSHAKE && h->type != L4_QUIC_PKT_RETRY;
    if (has_pn || h->type == L4_QUIC_PKT_1RTT) {
        if (h->pn_len < 1 || h->pn_len > L4_QUIC_MAX_PN_LEN)
            return L4_ERR_INVALID_ARGUMENT;
    }
    if (h->token_len && !h->token)
        return L4_ERR_INVALID_ARGUMENT;

    switch (h->type) {
    case L4_QUIC_PKT_INITIAL:
    case L4_QUIC_PKT_0RTT:
    case L4_QUIC_PKT_HANDSHAKE: {
        uint8_t first = (uint8_t)(L4_QUIC_HDR_FORM_LONG | L4_QUIC_HDR_FIXED_BIT | (h->type << 4) |
                                  (h->pn_len - 1));
        if (h->type != L4_QUIC_PKT_INITIAL && h->token_len)
            return L4_ERR_INVALID_ARGUMENT;
        if ((rc = pkt_put_long_prefix(dst, cap, &o, first, h->version, h)) < 0)
            return rc;
        if (h->type == L4_QUIC_PKT_INITIAL) {
            if ((rc = pkt_put_varint(dst, cap, &o, h->token_len, 0)) < 0 ||
                (rc = pkt_put(dst, cap, &o, h->token, h->token_len)) < 0)
                return rc;
        }
        if ((rc = pkt_put_varint(dst, cap, &o, h->length, h->length_n)) < 0 ||
            (rc = pkt_put_pn(dst, cap, &o, h)) < 0)
            return rc;
        return (l4_ssize)o;
    }
    case L4_QUIC_PKT_RETRY: {
        /* §17.2.5: the four low bits are unused; they come from h->first. */
        uint8_t first = (uint8_t)(L4_QUIC_HDR_FORM_LONG | L4_QUIC_HDR_FIXED_BIT |
                                  (L4_QUIC_PKT_RETRY << 4) | (h->first & 0x0f));
        if (!h->retry_tag)
            return L4_ERR_INVALID_ARGUMENT;
        if ((rc = pkt_put_long_prefix(dst, cap, &o, first, h->version, h)) < 0 ||
            (rc = pkt_put(dst, cap, &o, h->token, h->token_len)) < 0 ||
            (rc = pkt_put(dst, cap, &o, h->retry_tag, L4_QUIC_RETRY_TAG_LEN)) < 0)
            return rc;
        return (l4_ssize)o;
    }
    case L4_QUIC_PKT_VN: {
        if (h->n_versions && !h->versions)
            return L4_ERR_INVALID_ARGUMENT;
        uint8_t first = (uint8_t)(L4_QUIC_HDR_FORM_LONG | (h->first & 0x7f));
        if ((rc = pkt_put_long_prefix(dst, cap, &o, first, L4_QUIC_VERSION_NEG, h)) < 0)
            return rc;
        if (h->n_versions > (cap - o) / 4)
            return L4_ERR_NOBUF;
        rc = pkt_put(dst, cap, &o, h->versions, h->n_versions * 4);
        return rc < 0 ? rc : (l4_ssize)o;
    }
    case L4_QUIC_PKT_1RTT: {
        if (h->dcid_len > L4_QUIC_MAX_CID_LEN || (h->dcid_len && !h->dcid))
            return L4_ERR_INVALID_ARGUMENT;
        uint8_t first = (uint8_t)(L4_QUIC_HDR_FIXED_BIT | (h->spin ? L4_QUIC_HDR_SPIN_BIT : 0) |
                                  (h->key_phase ? L4_QUIC_HDR_KEY_PHASE : 0) | (h->pn_len - 1));
        if ((rc = pkt_put(dst, cap, &o, &first, 1)) < 0 ||
            (rc = pkt_put(dst, cap, &o, h->dcid, h->dcid_len)) < 0 ||
            (rc = pkt_put_pn(dst, cap, &o, h)) < 0)
            return rc;
        return (l4_ssize)o;
    }
    default:
        return L4_ERR_INVALID_ARGUMENT;
    }
}

size_t l4_quic_pn_encode_len(uint64_t pn, uint64_t largest_acked)
{
    /* Appendix A.2: at least one bit more than log2 of the packets in flight. */
    uint64_t unacked = largest_acked == L4_QUIC_PN_NONE ? pn + 1 : pn - largest_acked;
    if (unacked < (UINT64_C(1) << 7))
        return 1;
    if (unacked < (UINT64_C(1) << 15))
        return 2;
    if (unacked < (UINT64_C(1) << 23))
        return 3;
    return 4;
}

uint64_t l4_quic_pn_decode(uint64_t largest_pn, uint64_t truncated, size_t pn_nbits)
{
    /* Appendix A.3. largest_pn + 1 wraps L4_QUIC_PN_NONE to an expected 0. */
    uint64_t expected = largest_pn + 1;
    uint64_t win = UINT64_C(1) << pn_nbits;
    uint64_t hwin = win / 2;
    uint64_t mask = win - 1;
    uint64_t candidate = (expected & ~mask) | (truncated & mask);
    if (candidate + hwin <= expected && candidate < (UINT64_C(1) << 62) - win)
        return candidate + win;
    if (candidate > expected + hwin && candidate >= win)
        return candidate - win;
    return candidate;
}

uint64_t l4_quic_pn_read(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

void l4_quic_pn_write(uint8_t *p, uint64_t pn, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(pn >> (8 * (n - 1 - i)));
}

const char *l4_quic_pkt_type_name(int type)
{
    switch (type) {
    case L4_QUIC_PKT_INITIAL:
        return "Initial";
    case L4_QUIC_PKT_0RTT:
        return "0-RTT";
    case L4_QUIC_PKT_HANDSHAKE:
        return "Handshake";
    case L4_QUIC_PKT_RETRY:
        return "Retry";
    case L4_QUIC_PKT_VN:
        return "VersionNegotiation";
    case L4_QUIC_PKT_1RTT:
        return "1-RTT";
    default:
        return "?";
    }
}
