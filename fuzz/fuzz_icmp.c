/*
 * fuzz/fuzz_icmp.c — l4_icmp4_parse / l4_icmp6_parse on arbitrary bytes; the
 * first byte picks the version (even: ICMPv4, odd: ICMPv6 with a fixed
 * pseudo-header). Invariants: the body is the rest of the input; a message
 * that verifies re-writes to the same bytes (bar the checksum's two zero
 * forms) and re-parses to the same fields.
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "wire/icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int v6 = data[0] & 1;
    l4_addr src, dst;
    fuzz_addrs(data[0], &src, &dst);
    const uint8_t *msg = data + 1;
    size_t len = size - 1;

    l4_icmp_msg m;
    int rc = v6 ? l4_icmp6_parse(&m, msg, len, &src, &dst) : l4_icmp4_parse(&m, msg, len);
    if (rc != 0 && rc != L4_ERR_CHECKSUM) {
        FUZZ_CHECK(rc == L4_ERR_TRUNCATED && len < L4_ICMP_HDR);
        return 0;
    }
    FUZZ_CHECK(len >= L4_ICMP_HDR);
    FUZZ_CHECK(m.body == msg + L4_ICMP_HDR && m.body_len == len - L4_ICMP_HDR);
    FUZZ_CHECK(m.type == msg[0] && m.code == msg[1]);
    FUZZ_CHECK(m.rest == ((uint32_t)m.id << 16 | m.seq));
    /* Also for a bad checksum: the re-written message carries a good one. */

    uint8_t *out = (uint8_t *)malloc(len);
    FUZZ_CHECK(out != NULL);
    l4_ssize n = v6 ? l4_icmp6_write(out, len, &m, &src, &dst) : l4_icmp4_write(out, len, &m);
    FUZZ_CHECK(n == (l4_ssize)len);
    FUZZ_CHECK(memcmp(out, msg, 2) == 0 && memcmp(out + 4, msg + 4, len - 4) == 0);
    l4_icmp_msg g;
    rc = v6 ? l4_icmp6_parse(&g, out, len, &src, &dst) : l4_icmp4_parse(&g, out, len);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(g.type == m.type && g.code == m.code && g.rest == m.rest &&
               g.body_len == m.body_len);
    free(out);
    return 0;
}
