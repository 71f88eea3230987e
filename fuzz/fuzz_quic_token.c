/*
 * fuzz/fuzz_quic_token.c — the server's address-validation check (quic/
 * token.h) on arbitrary input. Byte 0 picks the mode: even, the rest is a
 * token opened directly; odd, the rest becomes the token of a well-formed
 * client Initial (padded to 1200 bytes) that l4_quic_screen_initial judges,
 * with and without a Retry policy; input of 1200 bytes or more is also
 * screened as a raw datagram. Invariants: random bytes never open as a
 * token; a verdict is one of the three; a reply fits its buffer and parses
 * (a Retry whose token opens for the same client, or an Initial); a token
 * sealed here opens to what was sealed.
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "quic/protect.h"
#include "quic/token.h"
#include "wire/quic_pkt.h"

static const uint8_t KEY[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
static uint8_t dg[65536 + 1300];

static void fuzz_screen(const uint8_t *d, size_t len, int retry, const l4_quic_path *from)
{
    l4_quic_validator v;
    memset(&v, 0, sizeof v);
    memcpy(v.key, KEY, sizeof KEY);
    v.retry = retry;
    l4_rng rng;
    l4_rng_init(&rng, len, 1);
    uint8_t reply[256];
    l4_quic_screen s;
    int r = l4_quic_screen_initial(&v, d, len, from, 5 * L4_S, &rng, reply, sizeof reply, &s);
    FUZZ_CHECK(r == L4_QUIC_SCREEN_ACCEPT || r == L4_QUIC_SCREEN_REPLY || r == L4_QUIC_SCREEN_DROP);
    FUZZ_CHECK(r == s.verdict);
    FUZZ_CHECK(!s.validated); /* nothing we did not seal validates */
    if (r != L4_QUIC_SCREEN_REPLY)
        return;
    FUZZ_CHECK(s.reply_len > 0 && s.reply_len <= sizeof reply);
    l4_quic_hdr h;
    FUZZ_CHECK(l4_quic_hdr_parse(&h, reply, s.reply_len, 0) == 0);
    if (s.retry_sent) {
        FUZZ_CHECK(h.type == L4_QUIC_PKT_RETRY);
        l4_quic_token t;
        FUZZ_CHECK(l4_quic_token_open(KEY, h.token, h.token_len, from, 5 * L4_S, L4_S, &t) == 0);
        FUZZ_CHECK(t.kind == L4_QUIC_TOKEN_RETRY && t.rscid.len == h.scid_len);
        FUZZ_CHECK(l4_quic_retry_verify(t.odcid.data, t.odcid.len, reply, s.reply_len) == 0);
    } else {
        FUZZ_CHECK(h.type == L4_QUIC_PKT_INITIAL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    l4_quic_path from;
    memset(&from, 0, sizeof from);
    from.len = 6;
    from.addr_len = 4;
    from.id[0] = 10, from.id[3] = 7, from.id[5] = 80;
    const uint8_t *tok = data + 1;
    size_t tl = size - 1;
    l4_quic_token t;
    int rc = l4_quic_token_open(KEY, tok, tl, &from, 5 * L4_S, 100 * L4_S, &t);
    FUZZ_CHECK(rc == L4_ERR_MALFORMED || rc == L4_ERR_CHECKSUM);
    if (size >= 1200) {
        fuzz_screen(data, size, 0, &from);
        fuzz_screen(data, size, 1, &from);
    }
    if ((data[0] & 1) && tl > 0 && tl <= 1000) {
        static const uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8}, scid[5] = {5, 4, 3, 2, 1};
        l4_quic_hdr h;
        memset(&h, 0, sizeof h);
        h.type = L4_QUIC_PKT_INITIAL;
        h.version = L4_QUIC_VERSION_1;
        h.dcid = dcid;
        h.dcid_len = sizeof dcid;
        h.scid = scid;
        h.scid_len = data[0] & 2 ? sizeof scid : 0;
        h.token = tok;
        h.token_len = tl;
        h.pn_len = 1;
        h.length_n = 2;
        h.length = 1200;
        l4_ssize n = l4_quic_hdr_write(dg, sizeof dg, &h);
        FUZZ_CHECK(n > 0);
        size_t total = (size_t)n - 1 + 1200;
        memset(dg + n, 0, total - (size_t)n);
        fuzz_screen(dg, total, data[0] & 4, &from);
    }
    /* a token sealed here opens to what was sealed */
    l4_rng rng;
    l4_rng_init(&rng, size, 2);
    l4_quic_cid od, rs;
    od.len = (uint8_t)(tl % 21);
    rs.len = (uint8_t)((tl / 21) % 21);
    memset(od.data, data[0], sizeof od.data);
    memset(rs.data, 0x5a, sizeof rs.data);
    uint8_t out[L4_QUIC_TOKEN_MAX];
    l4_ssize n =
        l4_quic_token_seal(out, sizeof out, KEY, L4_QUIC_TOKEN_RETRY, &from, &od, &rs, L4_S, &rng);
    FUZZ_CHECK(n > 0);
    FUZZ_CHECK(l4_quic_token_open(KEY, out, (size_t)n, &from, 2 * L4_S, 10 * L4_S, &t) == 0);
    FUZZ_CHECK(t.odcid.len == od.len && t.rscid.len == rs.len && t.issued == L4_S);
    FUZZ_CHECK(memcmp(t.odcid.data, od.data, od.len) == 0);
    return 0;
}
