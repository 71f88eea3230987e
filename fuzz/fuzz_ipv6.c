/*
 * fuzz/fuzz_ipv6.c — l4_ipv6_parse (fixed header + extension header walk) on
 * arbitrary bytes. Invariants: the walked headers and the payload add up to
 * the Payload Length and stay inside the input; the fixed header re-writes to
 * the same 40 bytes.
 */
#include "fuzz/fuzz.h"
#include "wire/ipv6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    l4_ipv6_hdr h;
    int rc = l4_ipv6_parse(&h, data, size);
    if (rc != 0) {
        FUZZ_CHECK(rc == L4_ERR_TRUNCATED || rc == L4_ERR_MALFORMED || rc == L4_ERR_UNSUPPORTED);
        return 0;
    }
    FUZZ_CHECK((size_t)L4_IPV6_HDR + h.plen <= size);
    FUZZ_CHECK(h.ext_len + h.payload_len == h.plen);
    FUZZ_CHECK(h.ext_len % 8 == 0 && h.ext_len <= 8 * 2048);
    FUZZ_CHECK(h.payload == data + L4_IPV6_HDR + h.ext_len);
    FUZZ_CHECK(fuzz_within(h.payload, h.payload_len, data, size));
    FUZZ_CHECK(h.flow_label <= 0xfffff && h.dscp < 64 && h.ecn < 4);
    FUZZ_CHECK(h.ext_len > 0 || h.proto == h.next_header);
    FUZZ_CHECK(h.is_fragment || (h.frag_off == 0 && h.frag_more == 0 && h.frag_id == 0));
    FUZZ_CHECK(h.frag_off % 8 == 0);
    /* The walk stops only at a header it does not walk, or in a non-first fragment. */
    int walked = h.proto == L4_IPV6_EXT_HOPOPTS || h.proto == L4_IPV6_EXT_ROUTING ||
                 h.proto == L4_IPV6_EXT_DSTOPTS || h.proto == L4_IPV6_EXT_FRAGMENT;
    FUZZ_CHECK(!walked || (h.is_fragment && h.frag_off != 0));

    uint8_t out[L4_IPV6_HDR];
    l4_ipv6_hdr w = h;
    w.payload_len = h.plen;
    FUZZ_CHECK(l4_ipv6_write(out, sizeof out, &w) == L4_IPV6_HDR);
    FUZZ_CHECK(memcmp(out, data, L4_IPV6_HDR) == 0);
    return 0;
}
