/*
 * fuzz/fuzz_dissect.c — `l4kit dissect`'s decoder on arbitrary IP packets,
 * whole and cut short (as a capture with a small snap length holds them).
 *
 * Invariants: it never crashes; every pointer it leaves in the result lies in
 * the input or in the scratch buffer; counts stay within their arrays.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "tools/l4kit/dissect.h"

static uint8_t scratch[DIS_SCRATCH];

static int inside(const uint8_t *p, size_t n, const uint8_t *in, size_t len)
{
    return !p || fuzz_within(p, n, in, len) || fuzz_within(p, n, scratch, sizeof scratch);
}

static void check(const dis_pkt *d, const uint8_t *in, size_t len)
{
    FUZZ_CHECK(d->n_opts >= 0 && d->n_opts <= DIS_MAX_OPTS);
    if (d->have_ip)
        FUZZ_CHECK(inside(d->ip.payload, d->ip.payload_len, in, len));
    if (d->l4 == DIS_L4_TCP && d->l4_err == 0)
        FUZZ_CHECK(inside(d->tcp.payload, d->tcp.payload_len, in, len));
    if (d->l4 == DIS_L4_UDP && d->l4_err == 0)
        FUZZ_CHECK(inside(d->udp.payload, d->udp.payload_len, in, len));
    for (int i = 0; i < d->n_opts; i++)
        if (d->opts[i].len > 2)
            FUZZ_CHECK(inside(d->opts[i].data, (size_t)d->opts[i].len - 2, in, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size heap copy, so ASan sees any read past the end. */
    uint8_t *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    dis_pkt d;
    dis_decode(&d, in, size, size, scratch);
    check(&d, in, size);
    /* The same bytes as the first part of a longer packet cut by the capture. */
    size_t cut = size / 2;
    dis_decode(&d, in, cut, size + 40, scratch);
    check(&d, in, cut);
    free(in);
    return 0;
}
