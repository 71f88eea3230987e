/*
 * fuzz/fuzz_udp.c — l4_udp_parse on arbitrary bytes; the first byte picks
 * the pseudo-header family (even: IPv4, odd: IPv6). Invariants: lengths
 * inside the input; a datagram that verifies with a nonzero checksum
 * re-writes to exactly the same bytes.
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "wire/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    l4_addr src, dst;
    fuzz_addrs(data[0], &src, &dst);
    const uint8_t *dg = data + 1;
    size_t len = size - 1;

    l4_udp_hdr h;
    int rc = l4_udp_parse(&h, dg, len, &src, &dst);
    if (rc != 0 && rc != L4_ERR_CHECKSUM) {
        FUZZ_CHECK(rc == L4_ERR_TRUNCATED || rc == L4_ERR_MALFORMED);
        return 0;
    }
    FUZZ_CHECK(h.len >= L4_UDP_HDR && h.len <= len);
    FUZZ_CHECK(h.payload == dg + L4_UDP_HDR && h.payload_len == (size_t)h.len - L4_UDP_HDR);
    FUZZ_CHECK(rc == 0 || h.cksum != 0 || src.family == L4_AF_INET6);
    l4_udp_hdr u;
    FUZZ_CHECK(l4_udp_parse(&u, dg, len, NULL, NULL) == 0);
    FUZZ_CHECK(u.len == h.len && u.cksum == h.cksum);

    uint8_t *out = (uint8_t *)malloc(h.len);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(l4_udp_write(out, h.len, &h, &src, &dst) == h.len);
    l4_udp_hdr g;
    FUZZ_CHECK(l4_udp_parse(&g, out, h.len, &src, &dst) == 0);
    FUZZ_CHECK(g.sport == h.sport && g.dport == h.dport && g.len == h.len && g.cksum != 0);
    FUZZ_CHECK(memcmp(g.payload, h.payload, h.payload_len) == 0);
    if (rc == 0 && h.cksum != 0)
        FUZZ_CHECK(memcmp(out, dg, h.len) == 0);
    free(out);
    return 0;
}
