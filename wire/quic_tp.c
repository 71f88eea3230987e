/* wire/quic_tp.c — QUIC transport parameters codec (RFC 9000 §18). */
#include "wire/quic_tp.h"

#include <string.h>

#include "wire/quic_varint.h"

#define TP_MAX_ID_TRACKED 0x11 /* ids below this are tracked for duplicates */

void l4_quic_tp_default(l4_quic_tp *tp)
{
    memset(tp, 0, sizeof *tp);
    tp->max_udp_payload_size = 65527;
    tp->ack_delay_exponent = 3;
    tp->max_ack_delay = 25;
    tp->active_connection_id_limit = 2;
}

typedef struct tp_writer {
    uint8_t *p;
    size_t cap, off;
    int err;
} tp_writer;

static void tpw_varint(tp_writer *w, uint64_t v)
{
    if (w->err)
        return;
    l4_ssize n = l4_quic_varint_encode(w->p + w->off, w->cap - w->off, v);
    if (n < 0)
        w->err = (int)n;
    else
        w->off += (size_t)n;
}

static void tpw_bytes(tp_writer *w, uint64_t id, const uint8_t *b, size_t n)
{
    tpw_varint(w, id);
    tpw_varint(w, n);
    if (w->err)
        return;
    if (w->cap - w->off < n) {
        w->err = L4_ERR_NOBUF;
        return;
    }
    if (n)
        memcpy(w->p + w->off, b, n);
    w->off += n;
}

static void tpw_int(tp_writer *w, uint64_t id, uint64_t v, uint64_t dflt)
{
    if (v == dflt)
        return;
    size_t n = l4_quic_varint_len(v);
    if (n == 0) {
        w->err = L4_ERR_INVALID_ARGUMENT;
        return;
    }
    tpw_varint(w, id);
    tpw_varint(w, n);
    tpw_varint(w, v);
}

static int tp_values_valid(const l4_quic_tp *tp)
{
    return tp->max_udp_payload_size >= 1200 && tp->ack_delay_exponent <= 20 &&
           tp->max_ack_delay < (1u << 14) && tp->active_connection_id_limit >= 2 &&
           tp->initial_max_streams_bidi <= (UINT64_C(1) << 60) &&
           tp->initial_max_streams_uni <= (UINT64_C(1) << 60) &&
           tp->original_dcid.len <= L4_QUIC_MAX_CID_LEN &&
           tp->initial_scid.len <= L4_QUIC_MAX_CID_LEN && tp->retry_scid.len <= L4_QUIC_MAX_CID_LEN;
}

l4_ssize l4_quic_tp_encode(uint8_t *dst, size_t cap, const l4_quic_tp *tp, int is_server)
{
    if (!tp_values_valid(tp))
        return L4_ERR_INVALID_ARGUMENT;
    tp_writer w = {dst, cap, 0, 0};
    if (is_server && (tp->present & L4_QUIC_TP_HAS_ORIGINAL_DCID))
        tpw_bytes(&w, L4_QUIC_TP_ORIGINAL_DCID, tp->original_dcid.data, tp->original_dcid.len);
    tpw_int(&w, L4_QUIC_TP_MAX_IDLE_TIMEOUT, tp->max_idle_timeout, 0);
    if (is_server && (tp->present & L4_QUIC_TP_HAS_RESET_TOKEN))
        tpw_bytes(&w, L4_QUIC_TP_STATELESS_RESET_TOKEN, tp->reset_token, 16);
    tpw_int(&w, L4_QUIC_TP_MAX_UDP_PAYLOAD_SIZE, tp->max_udp_payload_size, 65527);
    tpw_int(&w, L4_QUIC_TP_INITIAL_MAX_DATA, tp->initial_max_data, 0);
    tpw_int(&w, L4_QUIC_TP_INITIAL_MAX_SD_BIDI_LOC, tp->initial_max_stream_data_bidi_local, 0);
    tpw_int(&w, L4_QUIC_TP_INITIAL_MAX_SD_BIDI_REM, tp->initial_max_stream_data_bidi_remote, 0);
    tpw_int(&w, L4_QUIC_TP_INITIAL_MAX_SD_UNI, tp->initial_max_stream_data_uni, 0);
    tpw_int(&w, L4_QUIC_TP_INITIAL_MAX_STREAMS_BIDI, tp->initial_max_streams_bidi, 0);
    tpw_int(&w, L4_QUIC_TP_INITIAL_MAX_STREAMS_UNI, tp->initial_max_streams_uni, 0);
    tpw_int(&w, L4_QUIC_TP_ACK_DELAY_EXPONENT, tp->ack_delay_exponent, 3);
    tpw_int(&w, L4_QUIC_TP_MAX_ACK_DELAY, tp->max_ack_delay, 25);
    if (tp->disable_active_migration)
        tpw_bytes(&w, L4_QUIC_TP_DISABLE_ACTIVE_MIGRATION, NULL, 0);
    if (is_server && (tp->present & L4_QUIC_TP_HAS_PREFERRED_ADDR))
        tpw_bytes(&w, L4_QUIC_TP_PREFERRED_ADDRESS, tp->preferred_addr, tp->preferred_addr_len);
    tpw_int(&w, L4_QUIC_TP_ACTIVE_CID_LIMIT, tp->active_connection_id_limit, 2);
    if (tp->present & L4_QUIC_TP_HAS_INITIAL_SCID)
        tpw_bytes(&w, L4_QUIC_TP_INITIAL_SCID, tp->initial_scid.data, tp->initial_scid.len);
    if (is_server && (tp->present & L4_QUIC_TP_HAS_RETRY_SCID))
        tpw_bytes(&w, L4_QUIC_TP_RETRY_SCID, tp->retry_scid.data, tp->retry_scid.len);
    return w.err ? w.err : (l4_ssize)w.off;
}

/* Reads a value that must be exactly one varint filling `len` bytes. */
static int tp_read_int(uint64_t *v, const uint8_t *p, size_t len)
{
    l4_ssize n = l4_quic_varint_decode(v, p, len);
    if (n < 0 || (size_t)n != len)
        return L4_ERR_MALFORMED;
    return 0;
}

static int tp_read_cid(l4_quic_cid *c, const uint8_t *p, size_t len)
{
    if (len > L4_QUIC_MAX_CID_LEN)
        return L4_ERR_MALFORMED;
    c->len = (uint8_t)len;
    if (len)
        memcpy(c->data, p, len);
    return 0;
}

/* preferred_address (§18.2): IPv4 4+2, IPv6 16+2, CID length 1..20 + CID,
 * reset token 16. */
static int tp_check_preferred(const uint8_t *p, size_t len)
{
    if (len < 4 + 2 + 16 + 2 + 1)
        return L4_ERR_MALFORMED;
    size_t cl = p[24];
    if (cl < 1 || cl > L4_QUIC_MAX_CID_LEN || len != 25 + cl + 16)
        return L4_ERR_MALFORMED;
    return 0;
}

int l4_quic_tp_decode(l4_quic_tp *tp, const uint8_t *buf, size_t len, int from_server)
{
    l4_quic_tp_default(tp);
    uint32_t seen = 0;
    size_t off = 0;
    while (off < len) {
        uint64_t id, vlen;
        l4_ssize n = l4_quic_varint_decode(&id, buf + off, len - off);
        if (n < 0)
            return L4_ERR_TRUNCATED;
        off += (size_t)n;
        n = l4_quic_varint_decode(&vlen, buf + off, len - off);
        if (n < 0)
            return L4_ERR_TRUNCATED;
        off += (size_t)n;
        if (vlen > len - off)
            return L4_ERR_TRUNCATED;
        const uint8_t *v = buf + off;
        size_t vl = (size_t)vlen;
        off += vl;
        if (id >= TP_MAX_ID_TRACKED)
            continue; /* unknown or reserved: ignored (§18.1) */
        if (seen & (1u << id))
            return L4_ERR_MALFORMED; /* §7.4: no parameter twice */
        seen |= 1u << id;
        int rc = 0;
        switch (id) {
        case L4_QUIC_TP_ORIGINAL_DCID:
        case L4_QUIC_TP_STATELESS_RESET_TOKEN:
        case L4_QUIC_TP_PREFERRED_ADDRESS:
        case L4_QUIC_TP_RETRY_SCID:
            if (!from_server)
                return L4_ERR_MALFORMED; /* §18.2: server-only */
            break;
        default:
            break;
        }
        switch (id) {
        case L4_QUIC_TP_ORIGINAL_DCID:
            rc = tp_read_cid(&tp->original_dcid, v, vl);
            tp->present |= L4_QUIC_TP_HAS_ORIGINAL_DCID;
            break;
        case L4_QUIC_TP_STATELESS_RESET_TOKEN:
            if (vl != 16)
                return L4_ERR_MALFORMED;
            memcpy(tp->reset_token, v, 16);
            tp->present |= L4_QUIC_TP_HAS_RESET_TOKEN;
            break;
        case L4_QUIC_TP_PREFERRED_ADDRESS:
            rc = tp_check_preferred(v, vl);
            tp->preferred_addr = v;
            tp->preferred_addr_len = vl;
            tp->present |= L4_QUIC_TP_HAS_PREFERRED_ADDR;
            break;
        case L4_QUIC_TP_INITIAL_SCID:
            rc = tp_read_cid(&tp->initial_scid, v, vl);
            tp->present |= L4_QUIC_TP_HAS_INITIAL_SCID;
            break;
        case L4_QUIC_TP_RETRY_SCID:
            rc = tp_read_cid(&tp->retry_scid, v, vl);
            tp->present |= L4_QUIC_TP_HAS_RETRY_SCID;
            break;
        case L4_QUIC_TP_DISABLE_ACTIVE_MIGRATION:
            if (vl != 0)
                return L4_ERR_MALFORMED;
            tp->disable_active_migration = 1;
            break;
        default: {
            uint64_t x;
            rc = tp_read_int(&x, v, vl);
            if (rc)
                return rc;
            switch (id) {
            case L4_QUIC_TP_MAX_IDLE_TIMEOUT:
                tp->max_idle_timeout = x;
                break;
            case L4_QUIC_TP_MAX_UDP_PAYLOAD_SIZE:
                tp->max_udp_payload_size = x;
                break;
            case L4_QUIC_TP_INITIAL_MAX_DATA:
                tp->initial_max_data = x;
                break;
            case L4_QUIC_TP_INITIAL_MAX_SD_BIDI_LOC:
                tp->initial_max_stream_data_bidi_local = x;
                break;
            case L4_QUIC_TP_INITIAL_MAX_SD_BIDI_REM:
                tp->initial_max_stream_data_bidi_remote = x;
                break;
            case L4_QUIC_TP_INITIAL_MAX_SD_UNI:
                tp->initial_max_stream_data_uni = x;
                break;
            case L4_QUIC_TP_INITIAL_MAX_STREAMS_BIDI:
                tp->initial_max_streams_bidi = x;
                break;
            case L4_QUIC_TP_INITIAL_MAX_STREAMS_UNI:
                tp->initial_max_streams_uni = x;
                break;
            case L4_QUIC_TP_ACK_DELAY_EXPONENT:
                tp->ack_delay_exponent = x;
                break;
            case L4_QUIC_TP_MAX_ACK_DELAY:
                tp->max_ack_delay = x;
                break;
            case L4_QUIC_TP_ACTIVE_CID_LIMIT:
                tp->active_connection_id_limit = x;
                break;
            default:
                break;
            }
        }
        }
        if (rc)
            return rc;
    }
    if (!tp_values_valid(tp))
        return L4_ERR_MALFORMED;
    return 0;
}
