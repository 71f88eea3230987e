/*
 * fuzz/fuzz_tcp.c — l4_tcp_parse (header + options) on arbitrary bytes. The
 * first input byte picks the pseudo-header family (even: IPv4, odd: IPv6),
 * the rest is the segment. Invariants: lengths inside the input; option
 * fields consistent with their presence bits; a parsed segment re-written in
 * l4kit's option layout re-parses to the same fields and verifies.
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "wire/tcp.h"

static void fuzz_tcp_same(const l4_tcp_hdr *a, const l4_tcp_hdr *b)
{
    FUZZ_CHECK(a->sport == b->sport && a->dport == b->dport && a->seq == b->seq &&
               a->ack == b->ack && a->flags == b->flags && a->window == b->window &&
               a->urg == b->urg);
    FUZZ_CHECK(a->payload_len == b->payload_len);
    FUZZ_CHECK(a->payload_len == 0 || memcmp(a->payload, b->payload, a->payload_len) == 0);
    uint8_t present = a->opts.present;
    if (a->opts.sack_count == 0)
        present &= (uint8_t)~L4_TCP_HAS_SACK; /* not written without blocks */
    FUZZ_CHECK(b->opts.present == present);
    if (present & L4_TCP_HAS_MSS)
        FUZZ_CHECK(a->opts.mss == b->opts.mss);
    if (present & L4_TCP_HAS_WSCALE)
        FUZZ_CHECK(a->opts.wscale == b->opts.wscale);
    if (present & L4_TCP_HAS_TS)
        FUZZ_CHECK(a->opts.ts_val == b->opts.ts_val && a->opts.ts_ecr == b->opts.ts_ecr);
    if (present & L4_TCP_HAS_SACK) {
        FUZZ_CHECK(a->opts.sack_count == b->opts.sack_count);
        FUZZ_CHECK(
            memcmp(a->opts.sack, b->opts.sack, a->opts.sack_count * sizeof a->opts.sack[0]) == 0);
    }
    FUZZ_CHECK(b->opts.unknown == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    l4_addr src, dst;
    fuzz_addrs(data[0], &src, &dst);
    const uint8_t *seg = data + 1;
    size_t len = size - 1;

    l4_tcp_hdr h;
    int rc = l4_tcp_parse(&h, seg, len, &src, &dst);
    if (rc != 0 && rc != L4_ERR_CHECKSUM) {
        FUZZ_CHECK(rc == L4_ERR_TRUNCATED || rc == L4_ERR_MALFORMED);
        FUZZ_CHECK(l4_tcp_parse(&h, seg, len, NULL, NULL) == rc);
        return 0;
    }
    FUZZ_CHECK(h.hdr_len >= L4_TCP_MIN_HDR && h.hdr_len <= L4_TCP_MAX_HDR && h.hdr_len <= len);
    FUZZ_CHECK(h.payload == seg + h.hdr_len && h.payload_len == len - h.hdr_len);
    FUZZ_CHECK(h.opts.sack_count <= L4_TCP_MAX_SACK);
    FUZZ_CHECK((h.opts.sack_count > 0) == ((h.opts.present & L4_TCP_HAS_SACK) != 0));
    FUZZ_CHECK((h.opts.present & ~0x1f) == 0);
    /* Without addresses the same bytes parse, unverified, to the same header. */
    l4_tcp_hdr u;
    FUZZ_CHECK(l4_tcp_parse(&u, seg, len, NULL, NULL) == 0);
    FUZZ_CHECK(memcmp(&u.opts, &h.opts, sizeof h.opts) == 0 && u.cksum == h.cksum);

    l4_ssize ol = l4_tcp_opts_len(&h.opts);
    size_t cap = L4_TCP_MAX_HDR + len;
    uint8_t *out = (uint8_t *)malloc(cap);
    FUZZ_CHECK(out != NULL);
    l4_ssize n = l4_tcp_write(out, cap, &h, &src, &dst);
    if (ol < 0 || h.payload_len > 65535 - 20 - (size_t)(ol < 0 ? 0 : ol)) {
        /* Options l4kit's layout cannot fit (the input packed them tighter). */
        FUZZ_CHECK(n == L4_ERR_INVALID_ARGUMENT);
    } else {
        FUZZ_CHECK(n == (l4_ssize)(20 + (size_t)ol + h.payload_len));
        l4_tcp_hdr g;
        FUZZ_CHECK(l4_tcp_parse(&g, out, (size_t)n, &src, &dst) == 0);
        FUZZ_CHECK(g.hdr_len == 20 + ol);
        fuzz_tcp_same(&h, &g);
        /* Writing the re-parsed header gives the same bytes again. */
        uint8_t *again = (uint8_t *)malloc((size_t)n);
        FUZZ_CHECK(again != NULL);
        FUZZ_CHECK(l4_tcp_write(again, (size_t)n, &g, &src, &dst) == n);
        FUZZ_CHECK(memcmp(again, out, (size_t)n) == 0);
        free(again);
    }
    free(out);
    return 0;
}
