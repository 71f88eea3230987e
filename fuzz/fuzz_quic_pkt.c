/*
 * fuzz/fuzz_quic_pkt.c — QUIC packet headers and the coalesced-packet split
 * on arbitrary datagrams, plus header/packet unprotection on whatever parses.
 * The first input byte picks the short-header DCID length (0..20).
 * Invariants: the split advances by exactly each packet's length and ends
 * on the datagram's end or an error; every borrowed pointer lies inside the
 * input; a parsed Initial/0-RTT/Handshake/1-RTT/Retry/VN header written back
 * parses to the same fields; unprotection of random bytes never reads out of
 * bounds and fails with an authentication error (or TRUNCATED).
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "quic/protect.h"
#include "wire/quic_pkt.h"

static uint8_t fuzz_pkt_copy[65536], fuzz_pkt_out[65536 + 64];

static void fuzz_pkt_rewrite(const l4_quic_hdr *h, const uint8_t *pkt)
{
    l4_quic_hdr w = *h;
    if (h->type != L4_QUIC_PKT_RETRY && h->type != L4_QUIC_PKT_VN) {
        /* Treat the first byte as unprotected: its pn length is what we send. */
        w.pn_len = (uint8_t)l4_quic_pn_len(h->first);
        if (h->pkt_len - h->pn_offset < w.pn_len)
            return;
        w.pn = l4_quic_pn_read(pkt + h->pn_offset, w.pn_len);
        w.spin = (h->first & L4_QUIC_HDR_SPIN_BIT) != 0;
        w.key_phase = (h->first & L4_QUIC_HDR_KEY_PHASE) != 0;
    }
    l4_ssize n = l4_quic_hdr_write(fuzz_pkt_out, sizeof fuzz_pkt_out, &w);
    FUZZ_CHECK(n > 0);
    size_t body = 0;
    if (h->type <= L4_QUIC_PKT_HANDSHAKE && h->type != L4_QUIC_PKT_RETRY)
        body = (size_t)h->length - w.pn_len;
    else if (h->type == L4_QUIC_PKT_1RTT)
        body = h->pkt_len - h->pn_offset - w.pn_len;
    FUZZ_CHECK((size_t)n + body <= sizeof fuzz_pkt_out);
    memset(fuzz_pkt_out + n, 0, body);
    l4_quic_hdr p;
    FUZZ_CHECK(l4_quic_hdr_parse(&p, fuzz_pkt_out, (size_t)n + body, h->dcid_len) == 0);
    FUZZ_CHECK(p.type == h->type && p.dcid_len == h->dcid_len && p.scid_len == h->scid_len);
    FUZZ_CHECK(memcmp(p.dcid, h->dcid, h->dcid_len) == 0);
    FUZZ_CHECK(h->scid_len == 0 || memcmp(p.scid, h->scid, h->scid_len) == 0);
    FUZZ_CHECK(p.token_len == h->token_len);
    FUZZ_CHECK(h->token_len == 0 || memcmp(p.token, h->token, h->token_len) == 0);
    FUZZ_CHECK(p.n_versions == h->n_versions && p.length == h->length);
    FUZZ_CHECK(p.pkt_len == (size_t)n + body);
    if (h->type == L4_QUIC_PKT_RETRY)
        FUZZ_CHECK(memcmp(p.retry_tag, h->retry_tag, L4_QUIC_RETRY_TAG_LEN) == 0);
    if (h->type == L4_QUIC_PKT_VN)
        FUZZ_CHECK(memcmp(p.versions, h->versions, 4 * h->n_versions) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static l4_quic_keys keys;
    static int have_keys;
    if (!have_keys) {
        static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
        if (l4_quic_keys_init_initial(&keys, NULL, dcid, sizeof dcid) != 0)
            abort();
        have_keys = 1;
    }
    if (size < 1 || size > sizeof fuzz_pkt_copy)
        return 0;
    size_t dcid_len = data[0] % (L4_QUIC_MAX_CID_LEN + 1);
    const uint8_t *dgram = data + 1;
    size_t len = size - 1;

    size_t off = 0;
    int rc;
    l4_quic_hdr h;
    while (1) {
        size_t before = off;
        rc = l4_quic_pkt_next(&h, dgram, len, &off, dcid_len);
        if (rc <= 0) {
            FUZZ_CHECK(off == before);
            FUZZ_CHECK(rc == 0 || rc == L4_ERR_TRUNCATED || rc == L4_ERR_MALFORMED ||
                       rc == L4_ERR_UNSUPPORTED);
            FUZZ_CHECK(rc != 0 || off == len);
            break;
        }
        const uint8_t *pkt = dgram + before;
        FUZZ_CHECK(h.pkt_len > 0 && off == before + h.pkt_len && off <= len);
        FUZZ_CHECK(fuzz_within(h.dcid, h.dcid_len, pkt, h.pkt_len));
        if (h.type != L4_QUIC_PKT_VN)
            FUZZ_CHECK(h.dcid_len <= L4_QUIC_MAX_CID_LEN && h.scid_len <= L4_QUIC_MAX_CID_LEN);
        if (h.type == L4_QUIC_PKT_1RTT)
            FUZZ_CHECK(h.dcid_len == dcid_len);
        else
            FUZZ_CHECK(fuzz_within(h.scid, h.scid_len, pkt, h.pkt_len));
        FUZZ_CHECK(h.token_len == 0 || fuzz_within(h.token, h.token_len, pkt, h.pkt_len));
        FUZZ_CHECK(h.n_versions == 0 || fuzz_within(h.versions, 4 * h.n_versions, pkt, h.pkt_len));
        if (h.type == L4_QUIC_PKT_RETRY)
            FUZZ_CHECK(h.retry_tag + L4_QUIC_RETRY_TAG_LEN == pkt + h.pkt_len);
        fuzz_pkt_rewrite(&h, pkt);

        if (h.pn_offset) {
            FUZZ_CHECK(h.pn_offset < h.pkt_len);
            /* Remove protection from a copy: bounded, and random bytes never
             * authenticate. */
            memcpy(fuzz_pkt_copy, pkt, h.pkt_len);
            uint64_t pn;
            size_t hdr_len;
            l4_ssize u = l4_quic_unprotect(&keys, fuzz_pkt_copy, h.pkt_len, h.pn_offset,
                                           L4_QUIC_PN_NONE, &pn, &hdr_len);
            FUZZ_CHECK(u == L4_ERR_TRUNCATED || u == L4_ERR_CHECKSUM || u >= 0);
            if (u >= 0)
                FUZZ_CHECK(hdr_len + (size_t)u + L4_QUIC_TAG_LEN == h.pkt_len);
            else
                FUZZ_CHECK(memcmp(fuzz_pkt_copy, pkt, h.pn_offset) == 0);
        }
    }
    /* Version-independent fields survive an unknown version. */
    if (rc == L4_ERR_UNSUPPORTED)
        FUZZ_CHECK(h.version != L4_QUIC_VERSION_1 && h.version != 0);
    return 0;
}
