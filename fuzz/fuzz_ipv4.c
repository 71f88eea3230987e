/*
 * fuzz/fuzz_ipv4.c — l4_ipv4_parse on arbitrary bytes. Invariants: parsed
 * lengths stay inside the input; a header that parses re-writes to the same
 * bytes (the checksum may flip between its two one's-complement zeros) and
 * re-parses to the same fields.
 */
#include "fuzz/fuzz.h"
#include <stdlib.h>

#include "wire/ipv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    l4_ipv4_hdr h;
    int rc = l4_ipv4_parse(&h, data, size);
    if (rc != 0 && rc != L4_ERR_CHECKSUM) {
        FUZZ_CHECK(rc == L4_ERR_TRUNCATED || rc == L4_ERR_MALFORMED);
        return 0;
    }
    FUZZ_CHECK(h.hdr_len >= L4_IPV4_MIN_HDR && h.hdr_len <= L4_IPV4_MAX_HDR);
    FUZZ_CHECK(h.hdr_len % 4 == 0);
    FUZZ_CHECK(h.total_len >= h.hdr_len && h.total_len <= size);
    FUZZ_CHECK(h.options == data + 20 && h.options_len == (size_t)h.hdr_len - 20);
    FUZZ_CHECK(h.payload == data + h.hdr_len);
    FUZZ_CHECK(h.payload_len == (size_t)h.total_len - h.hdr_len);
    FUZZ_CHECK(fuzz_within(h.payload, h.payload_len, data, size));
    FUZZ_CHECK(h.dscp < 64 && h.ecn < 4 && h.frag_off % 8 == 0);
    /* Also for a bad checksum: the re-written header carries a good one. */

    uint8_t out[L4_IPV4_MAX_HDR];
    l4_ssize n = l4_ipv4_write(out, sizeof out, &h);
    FUZZ_CHECK(n == h.hdr_len);
    FUZZ_CHECK(memcmp(out, data, 10) == 0);
    FUZZ_CHECK(memcmp(out + 12, data + 12, (size_t)n - 12) == 0);

    /* The re-written header in front of the same payload parses the same. */
    uint8_t *pkt = (uint8_t *)malloc(h.total_len);
    FUZZ_CHECK(pkt != NULL);
    memcpy(pkt, out, (size_t)n);
    memcpy(pkt + n, h.payload, h.payload_len);
    l4_ipv4_hdr g;
    FUZZ_CHECK(l4_ipv4_parse(&g, pkt, h.total_len) == 0);
    FUZZ_CHECK(g.total_len == h.total_len && g.id == h.id && g.ttl == h.ttl && g.proto == h.proto &&
               g.df == h.df && g.mf == h.mf && g.frag_off == h.frag_off && g.dscp == h.dscp &&
               g.ecn == h.ecn);
    FUZZ_CHECK(memcmp(g.src, h.src, 4) == 0 && memcmp(g.dst, h.dst, 4) == 0);
    free(pkt);
    return 0;
}
