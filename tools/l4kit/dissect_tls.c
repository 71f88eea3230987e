/* tools/l4kit/dissect_tls.c — TLS 1.3 handshake messages inside QUIC CRYPTO frames. */
#include "dissect_tls.h"

#include <string.h>

#include "util/bytes.h"

#define EXT_SERVER_NAME 0      /* RFC 6066 §3 */
#define EXT_ALPN        16     /* RFC 7301 §3.1 */
#define EXT_QUIC_TP     0x39   /* RFC 9001 §8.2 */
#define EXT_QUIC_TP_OLD 0xffa5 /* the drafts' codepoint */

/* RFC 8446 §4.1.3: a HelloRetryRequest's random is SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

/* A cursor over a bounded buffer: every read checks what is left. */
typedef struct rd {
    const uint8_t *p, *end;
} rd;

static int rd_u8(rd *r, unsigned *v)
{
    if (r->end - r->p < 1)
        return -1;
    *v = *r->p++;
    return 0;
}

static int rd_u16(rd *r, unsigned *v)
{
    if (r->end - r->p < 2)
        return -1;
    *v = l4_get_u16(r->p);
    r->p += 2;
    return 0;
}

/* A sub-cursor over the next n bytes, which it skips in r. */
static int rd_sub(rd *r, size_t n, rd *sub)
{
    if ((size_t)(r->end - r->p) < n)
        return -1;
    sub->p = r->p;
    sub->end = r->p + n;
    r->p += n;
    return 0;
}

/* A vector with a `width`-byte length prefix. */
static int rd_vec(rd *r, int width, rd *sub)
{
    unsigned n;
    if ((width == 1 ? rd_u8(r, &n) : rd_u16(r, &n)) < 0)
        return -1;
    return rd_sub(r, n, sub);
}

/* Appends printable text to a NUL-terminated buffer, '?' for other bytes. */
static void put_text(char *dst, size_t cap, const uint8_t *s, size_t n)
{
    size_t at = strlen(dst);
    for (size_t i = 0; i < n && at + 1 < cap; i++)
        dst[at++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    dst[at] = 0;
}

static void ext_sni(dis_tls_msg *m, rd e)
{
    rd list, name;
    unsigned type;
    if (rd_vec(&e, 2, &list) < 0)
        return;
    while (list.p < list.end) {
        if (rd_u8(&list, &type) < 0 || rd_vec(&list, 2, &name) < 0)
            return;
        if (type == 0 && !m->sni[0]) /* host_name */
            put_text(m->sni, sizeof m->sni, name.p, (size_t)(name.end - name.p));
    }
}

static void ext_alpn(dis_tls_msg *m, rd e)
{
    rd list, name;
    if (rd_vec(&e, 2, &list) < 0)
        return;
    while (list.p < list.end) {
        if (rd_vec(&list, 1, &name) < 0)
            return;
        if (m->alpn[0])
            put_text(m->alpn, sizeof m->alpn, (const uint8_t *)",", 1);
        put_text(m->alpn, sizeof m->alpn, name.p, (size_t)(name.end - name.p));
    }
}

/* The extensions block: a 2-byte length, then (type, 2-byte length, data). */
static int parse_exts(dis_tls_msg *m, rd *r)
{
    rd all, e;
    unsigned type;
    if (rd_vec(r, 2, &all) < 0)
        return -1;
    while (all.p < all.end) {
        if (rd_u16(&all, &type) < 0 || rd_vec(&all, 2, &e) < 0)
            return -1;
        if (type == EXT_SERVER_NAME && m->type == DIS_TLS_CLIENT_HELLO)
            ext_sni(m, e);
        else if (type == EXT_ALPN)
            ext_alpn(m, e);
        else if ((type == EXT_QUIC_TP || type == EXT_QUIC_TP_OLD) && !m->has_tp) {
            m->has_tp = 1;
            m->tp_len = (size_t)(e.end - e.p);
            m->tp_err =
                l4_quic_tp_decode(&m->tp, e.p, m->tp_len, m->type == DIS_TLS_ENCRYPTED_EXTENSIONS);
            m->tp.preferred_addr = NULL; /* it would point into the message */
        }
    }
    return 0;
}

/* RFC 8446 §4.1.2 */
static int parse_client_hello(dis_tls_msg *m, rd *r)
{
    unsigned v;
    rd skip;
    if (rd_u16(r, &v) < 0 || (size_t)(r->end - r->p) < 32)
        return -1;
    memcpy(m->random, r->p, 32);
    r->p += 32;
    if (rd_vec(r, 1, &skip) < 0 || rd_vec(r, 2, &skip) < 0 || rd_vec(r, 1, &skip) < 0)
        return -1; /* legacy_session_id, cipher_suites, legacy_compression_methods */
    return parse_exts(m, r);
}

/* RFC 8446 §4.1.3 */
static int parse_server_hello(dis_tls_msg *m, rd *r)
{
    unsigned v, cipher;
    rd skip;
    if (rd_u16(r, &v) < 0 || (size_t)(r->end - r->p) < 32)
        return -1;
    memcpy(m->random, r->p, 32);
    r->p += 32;
    if (!memcmp(m->random, hrr_random, 32))
        m->type = DIS_TLS_HRR;
    if (rd_vec(r, 1, &skip) < 0 || rd_u16(r, &cipher) < 0 || rd_u8(r, &v) < 0)
        return -1;
    m->cipher = (uint16_t)cipher;
    return parse_exts(m, r);
}

int dis_tls_parse(dis_tls_msg *m, const uint8_t *msg, size_t len)
{
    memset(m, 0, sizeof *m);
    if (len < DIS_TLS_HDR)
        return -1;
    m->type = msg[0];
    m->len = (uint32_t)msg[1] << 16 | (uint32_t)msg[2] << 8 | msg[3];
    if (len != DIS_TLS_HDR + (size_t)m->len)
        return -1;
    rd r = {msg + DIS_TLS_HDR, msg + len};
    int rc = 0;
    switch (m->type) {
    case DIS_TLS_CLIENT_HELLO:
        rc = parse_client_hello(m, &r);
        break;
    case DIS_TLS_SERVER_HELLO:
        rc = parse_server_hello(m, &r);
        break;
    case DIS_TLS_ENCRYPTED_EXTENSIONS:
        rc = parse_exts(m, &r);
        break;
    default:
        return 0;
    }
    m->parsed = rc == 0;
    return 0;
}

const char *dis_tls_msg_name(int type)
{
    switch (type) {
    case DIS_TLS_CLIENT_HELLO:
        return "ClientHello";
    case DIS_TLS_SERVER_HELLO:
        return "ServerHello";
    case DIS_TLS_HRR:
        return "HelloRetryRequest";
    case DIS_TLS_NEW_SESSION_TICKET:
        return "NewSessionTicket";
    case DIS_TLS_END_OF_EARLY_DATA:
        return "EndOfEarlyData";
    case DIS_TLS_ENCRYPTED_EXTENSIONS:
        return "EncryptedExtensions";
    case DIS_TLS_CERTIFICATE:
        return "Certificate";
    case DIS_TLS_CERTIFICATE_REQUEST:
        return "CertificateRequest";
    case DIS_TLS_CERTIFICATE_VERIFY:
        return "CertificateVerify";
    case DIS_TLS_FINISHED:
        return "Finished";
    case DIS_TLS_KEY_UPDATE:
        return "KeyUpdate";
    default:
        return NULL;
    }
}

const char *dis_tls_cipher_name(uint16_t suite)
{
    switch (suite) { /* RFC 8446 §B.4 */
    case 0x1301:
        return "TLS_AES_128_GCM_SHA256";
    case 0x1302:
        return "TLS_AES_256_GCM_SHA384";
    case 0x1303:
        return "TLS_CHACHA20_POLY1305_SHA256";
    case 0x1304:
        return "TLS_AES_128_CCM_SHA256";
    default:
        return NULL;
    }
}
