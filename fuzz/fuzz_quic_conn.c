/*
 * fuzz/fuzz_quic_conn.c — a server connection (fixed seed) fed arbitrary
 * datagrams. Since packets are encrypted, most of the input is turned into
 * structurally valid, correctly protected packets: the input is a sequence
 * of chunks [kind][len][bytes], kind 0 a raw datagram, 1/2/3 a payload of
 * frames sent as a client Initial / Handshake / 1-RTT packet under the keys
 * the server holds. A stub TLS provider completes the "handshake" with fixed
 * secrets when it sees CRYPTO bytes, so the 1-RTT frame handlers are reached.
 * Bits 2-3 of the kind byte pick one of four peer paths the datagram comes
 * from (l4_quic_conn_input_path: migration, path validation), bits 4-5 its
 * ECN codepoint (l4_quic_conn_input_dgram; the server marks, settings.ecn,
 * so ACK_ECN validation runs on whatever the input acknowledges); bit 6
 * sends a 1-RTT payload as a 0-RTT packet instead (the stub accepts early
 * data, so the server takes them until its handshake completes:
 * quic/early.h).
 * Invariants: nothing crashes or leaks; every output is a datagram within
 * the buffer going to one of those paths with Not-ECT or ECT(0); bytes in
 * flight never exceed what was sent.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "quic/conn_internal.h"
#include "quic/protect.h"
#include "wire/quic_pkt.h"
#include "wire/quic_tp.h"

static const uint8_t FZ_DCID[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t FZ_SCID[8] = {0xc1, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};

typedef struct fz_tls {
    l4_quic_tls base;
    const l4_quic_tls_events *ev;
    void *conn;
    int stage;
} fz_tls;

static int fz_bind(l4_quic_tls *t, const l4_quic_tls_events *ev, void *conn)
{
    fz_tls *f = t->impl;
    f->ev = ev;
    f->conn = conn;
    return 0;
}

static int fz_start(l4_quic_tls *t)
{
    (void)t;
    return 0;
}

static int fz_provide(l4_quic_tls *t, l4_quic_level level, const uint8_t *d, size_t len,
                      uint8_t *alert)
{
    fz_tls *f = t->impl;
    (void)d;
    if (len && d[0] == 0xff) { /* the fuzzer can make TLS fail */
        *alert = 40;
        return L4_ERR_STATE;
    }
    if (f->stage == 0 && level == L4_QUIC_LEVEL_INITIAL) {
        uint8_t s[32];
        l4_quic_conn *c = f->conn;
        l4_quic_tp tp;
        l4_quic_tp_default(&tp);
        tp.initial_max_data = 100000;
        tp.initial_max_stream_data_bidi_local = 20000;
        tp.initial_max_stream_data_bidi_remote = 20000;
        tp.initial_max_stream_data_uni = 20000;
        tp.initial_max_streams_bidi = 4;
        tp.initial_max_streams_uni = 4;
        tp.initial_scid = c->dcid;
        tp.present = L4_QUIC_TP_HAS_INITIAL_SCID;
        uint8_t tpb[256];
        l4_ssize n = l4_quic_tp_encode(tpb, sizeof tpb, &tp, 0);
        if (n < 0 || f->ev->remote_tp(f->conn, tpb, (size_t)n) < 0)
            return L4_ERR_MALFORMED;
        f->ev->send_crypto(f->conn, L4_QUIC_LEVEL_INITIAL, (const uint8_t *)"server hello", 12);
        memset(s, 0x55, sizeof s); /* 0-RTT accepted */
        f->ev->secret(f->conn, L4_QUIC_LEVEL_EARLY, 0, L4_QUIC_AEAD_AES_128_GCM, s, 32);
        memset(s, 0x11, sizeof s);
        f->ev->secret(f->conn, L4_QUIC_LEVEL_HANDSHAKE, 0, L4_QUIC_AEAD_AES_128_GCM, s, 32);
        memset(s, 0x22, sizeof s);
        f->ev->secret(f->conn, L4_QUIC_LEVEL_HANDSHAKE, 1, L4_QUIC_AEAD_AES_128_GCM, s, 32);
        f->ev->send_crypto(f->conn, L4_QUIC_LEVEL_HANDSHAKE, (const uint8_t *)"finished", 8);
        memset(s, 0x33, sizeof s);
        f->ev->secret(f->conn, L4_QUIC_LEVEL_APP, 0, L4_QUIC_AEAD_AES_128_GCM, s, 32);
        memset(s, 0x44, sizeof s);
        f->ev->secret(f->conn, L4_QUIC_LEVEL_APP, 1, L4_QUIC_AEAD_AES_128_GCM, s, 32);
        f->stage = 1;
        return 0;
    }
    if (f->stage == 1 && level == L4_QUIC_LEVEL_HANDSHAKE)
        f->stage = 2;
    return f->stage == 2 ? 1 : 0;
}

static const uint8_t *fz_alpn(l4_quic_tls *t, size_t *len)
{
    (void)t;
    *len = 2;
    return (const uint8_t *)"h3";
}

static void fz_free(l4_quic_tls *t)
{
    free(t->impl);
}

static unsigned fz_flags(l4_quic_tls *t)
{
    (void)t;
    return L4_QUIC_TLS_RESUMED | L4_QUIC_TLS_EARLY_ACCEPTED;
}

static const l4_quic_tls_ops FZ_OPS = {fz_bind, fz_start, fz_provide, fz_alpn, fz_free, fz_flags};

/* The client's keys for each level (what the server decrypts with). */
typedef struct fz_keys {
    l4_quic_keys k[4]; /* Initial, Handshake, 1-RTT, 0-RTT */
} fz_keys;

static l4_ssize fz_packet(uint8_t *out, size_t cap, int level, const l4_quic_conn *c,
                          l4_quic_keys *k, uint64_t pn, const uint8_t *payload, size_t len,
                          size_t pad_to)
{
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = (uint8_t)(level == 0   ? L4_QUIC_PKT_INITIAL
                       : level == 1 ? L4_QUIC_PKT_HANDSHAKE
                       : level == 3 ? L4_QUIC_PKT_0RTT
                                    : L4_QUIC_PKT_1RTT);
    h.version = L4_QUIC_VERSION_1;
    /* 0-RTT goes to the client's first DCID (it has not seen the server's) */
    h.dcid = (level == 0 && !c) || level == 3 ? FZ_DCID : c->scid.data;
    h.dcid_len = (level == 0 && !c) || level == 3 ? 8 : c->scid.len;
    h.scid = FZ_SCID;
    h.scid_len = 8;
    h.pn = pn;
    h.pn_len = 2;
    h.length_n = 2;
    size_t plen = len < 4 ? 4 : len;
    if (pad_to > plen + 44) /* Initial header 28 bytes + tag 16 */
        plen = pad_to - 44;
    h.length = 2 + plen + 16;
    l4_ssize hl = l4_quic_hdr_write(out, cap, &h);
    if (hl < 0 || (size_t)hl + plen + 16 > cap)
        return -1;
    memset(out + hl, 0, plen);
    memcpy(out + hl, payload, len);
    return l4_quic_protect(k, out, cap, (size_t)hl, (size_t)hl - 2, pn, plen);
}

static l4_quic_path fz_paths[4];

static void fz_drain(l4_quic_conn *c, l4_time now)
{
    static uint8_t buf[1500];
    for (int i = 0; i < 64; i++) {
        l4_quic_path to;
        unsigned ecn = 9;
        l4_ssize n = l4_quic_conn_output_dgram(c, buf, sizeof buf, &to, &ecn, now);
        FUZZ_CHECK(n >= 0 && (size_t)n <= sizeof buf);
        FUZZ_CHECK(ecn == L4_QUIC_ECN_NOT_ECT || ecn == L4_QUIC_ECN_ECT0);
        if (n == 0)
            break;
        int known = 0;
        for (int k = 0; k < 4; k++)
            known |= to.len == fz_paths[k].len && !memcmp(to.id, fz_paths[k].id, to.len);
        FUZZ_CHECK(known);
    }
    FUZZ_CHECK(c->bytes_in_flight <= c->st.bytes_sent);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pkt[1500];
    static fz_keys ck; /* the client's keys never change: made once */
    static int ck_ready;
    if (!ck_ready) {
        if (l4_quic_keys_init_initial(&ck.k[0], NULL, FZ_DCID, 8) < 0)
            return 0;
        uint8_t s[32];
        memset(s, 0x11, sizeof s);
        l4_quic_keys_init(&ck.k[1], L4_QUIC_AEAD_AES_128_GCM, s, 32);
        memset(s, 0x33, sizeof s);
        l4_quic_keys_init(&ck.k[2], L4_QUIC_AEAD_AES_128_GCM, s, 32);
        memset(s, 0x55, sizeof s);
        l4_quic_keys_init(&ck.k[3], L4_QUIC_AEAD_AES_128_GCM, s, 32);
        ck_ready = 1;
    }
    /* The first datagram: a client Initial with a CRYPTO frame, 1200 bytes. */
    static const uint8_t ch[] = {0x06, 0x00, 0x04, 'h', 'e', 'l', 'o'};
    l4_ssize n = fz_packet(pkt, sizeof pkt, 0, NULL, &ck.k[0], 0, ch, sizeof ch, 1200);
    fz_tls *t = calloc(1, sizeof *t);
    l4_quic_conn *c = NULL;
    if (n > 0 && t) {
        t->base.ops = &FZ_OPS;
        t->base.impl = t;
        l4_quic_settings set;
        l4_quic_settings_default(&set);
        set.seed = 1;
        set.ecn = 1;
        if (l4_quic_conn_new_server(&c, &set, NULL, NULL, &t->base, pkt, (size_t)n, 0) < 0)
            c = NULL;
    } else {
        free(t);
    }
    for (int k = 0; k < 4; k++) {
        memset(&fz_paths[k], 0, sizeof fz_paths[k]);
        fz_paths[k].len = 6;
        fz_paths[k].addr_len = 4;
        fz_paths[k].id[0] = 10;
        fz_paths[k].id[3] = (uint8_t)(1 + (k & 1)); /* two addresses */
        fz_paths[k].id[5] = (uint8_t)(k >> 1);      /* two ports each */
    }
    if (c) {
        l4_time now = 0;
        uint64_t pn[3] = {1, 0, 0};
        l4_quic_conn_input_path(c, pkt, (size_t)n, &fz_paths[0], now);
        fz_drain(c, now);
        size_t off = 0;
        while (off + 2 <= size) {
            uint8_t kind = data[off] & 3;
            int zero_rtt = kind == 3 && (data[off] & 0x40);
            const l4_quic_path *from = &fz_paths[(data[off] >> 2) & 3];
            unsigned ecn = (data[off] >> 4) & 3;
            size_t len = data[off + 1];
            off += 2;
            if (len > size - off)
                len = size - off;
            const uint8_t *p = data + off;
            off += len;
            now += 5 * L4_MS;
            if (kind == 0) {
                l4_quic_conn_input_dgram(c, p, len, from, ecn, now);
            } else {
                int lv = kind - 1;
                n = fz_packet(pkt, sizeof pkt, zero_rtt ? 3 : lv, c, &ck.k[zero_rtt ? 3 : lv],
                              pn[lv]++, p, len, 0);
                if (n > 0)
                    l4_quic_conn_input_dgram(c, pkt, (size_t)n, from, ecn, now);
            }
            fz_drain(c, now);
            l4_time t2 = l4_quic_conn_next_timeout(c);
            if (t2 != L4_TIME_NONE && t2 <= now + 50 * L4_MS) {
                l4_quic_conn_handle_timeout(c, t2 > now ? t2 : now);
                now = t2 > now ? t2 : now;
                fz_drain(c, now);
            }
        }
        l4_quic_conn_free(c);
    }
    return 0;
}
