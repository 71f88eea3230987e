/*
 * fuzz/fuzz_ip.c — a whole packet: l4_ip_parse, then the upper-layer parser
 * that matches its protocol (TCP, UDP, ICMPv4/ICMPv6) on the payload, as the
 * host input path does. Also rewrites the ECN field on a copy and checks the
 * packet still parses the same with the new codepoint (RFC 1624 update),
 * and likewise decrements the TTL / hop limit.
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "util/bytes.h"
#include "wire/icmp.h"
#include "wire/ip.h"
#include "wire/tcp.h"
#include "wire/udp.h"

static void fuzz_ip_upper(const l4_ip_pkt *p)
{
    if (p->is_fragment && p->frag_off != 0)
        return; /* fragment data, not a header */
    const uint8_t *b = p->payload;
    size_t n = p->payload_len;
    int rc;
    switch (p->proto) {
    case L4_IPPROTO_TCP: {
        l4_tcp_hdr t;
        rc = l4_tcp_parse(&t, b, n, &p->src, &p->dst);
        if (rc == 0 || rc == L4_ERR_CHECKSUM)
            FUZZ_CHECK(t.hdr_len <= n && t.payload_len == n - t.hdr_len);
        break;
    }
    case L4_IPPROTO_UDP: {
        l4_udp_hdr u;
        rc = l4_udp_parse(&u, b, n, &p->src, &p->dst);
        if (rc == 0 || rc == L4_ERR_CHECKSUM)
            FUZZ_CHECK(u.len <= n && u.payload_len + 8 == u.len);
        break;
    }
    case L4_IPPROTO_ICMP:
    case L4_IPPROTO_ICMPV6: {
        l4_icmp_msg m;
        if (p->version == 4)
            rc = l4_icmp4_parse(&m, b, n);
        else
            rc = l4_icmp6_parse(&m, b, n, &p->src, &p->dst);
        if (rc == 0 || rc == L4_ERR_CHECKSUM)
            FUZZ_CHECK(m.body_len + 8 == n);
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    l4_ip_pkt p;
    int rc = l4_ip_parse(&p, data, size);
    if (rc != 0 && rc != L4_ERR_CHECKSUM)
        return 0;
    FUZZ_CHECK(p.version == 4 || p.version == 6);
    FUZZ_CHECK(fuzz_within(p.payload, p.payload_len, data, size));
    FUZZ_CHECK(l4_addr_len(&p.src) == (p.version == 4 ? 4u : 16u));
    FUZZ_CHECK(p.src.family == p.dst.family && p.ecn < 4);
    if (rc == 0)
        fuzz_ip_upper(&p);

    /* ECN rewrite keeps everything else and keeps the header checksum valid. */
    uint8_t *copy = (uint8_t *)malloc(size);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    uint8_t ecn = (uint8_t)((p.ecn + 1 + data[size - 1] % 3) % 4); /* a different codepoint */
    FUZZ_CHECK(l4_ip_set_ecn(copy, size, ecn) == 0);
    l4_ip_pkt q;
    int rc2 = l4_ip_parse(&q, copy, size);
    FUZZ_CHECK(rc2 == rc);
    FUZZ_CHECK(q.ecn == ecn && q.proto == p.proto && q.ttl == p.ttl &&
               q.payload_len == p.payload_len && l4_addr_eq(&q.src, &p.src));
    FUZZ_CHECK(l4_ip_set_ecn(copy, size, p.ecn) == 0);
    /* Back to the original codepoint: the original bytes, except that an
     * IPv4 checksum of ffff may come back as the other zero (RFC 1624 §3). */
    if (p.version == 6) {
        FUZZ_CHECK(memcmp(copy, data, size) == 0);
    } else {
        FUZZ_CHECK(memcmp(copy, data, 10) == 0 && memcmp(copy + 12, data + 12, size - 12) == 0);
        FUZZ_CHECK(memcmp(copy + 10, data + 10, 2) == 0 ||
                   (l4_get_u16(data + 10) == 0xffff && l4_get_u16(copy + 10) == 0));
    }

    /* TTL decrement: one less (or still 0), everything else as it was. */
    memcpy(copy, data, size);
    int ttl = l4_ip_dec_ttl(copy, size);
    FUZZ_CHECK(ttl == (p.ttl ? p.ttl - 1 : 0));
    rc2 = l4_ip_parse(&q, copy, size);
    FUZZ_CHECK(rc2 == rc && q.ttl == ttl && q.ecn == p.ecn && q.proto == p.proto);
    if (p.version == 6) {
        FUZZ_CHECK(memcmp(copy, data, 7) == 0 && memcmp(copy + 8, data + 8, size - 8) == 0);
    } else {
        FUZZ_CHECK(memcmp(copy, data, 8) == 0 && copy[9] == data[9]);
        FUZZ_CHECK(memcmp(copy + 12, data + 12, size - 12) == 0);
    }
    free(copy);
    return 0;
}
