/*
 * fuzz/fuzz_quic_frame.c — every QUIC frame in an arbitrary payload, and
 * varints. Invariants: decoding consumes ≥ 1 byte within the payload or
 * fails with TRUNCATED / MALFORMED / UNSUPPORTED; a decoded frame encodes,
 * the encoding decodes to exactly its own length, and encoding that again
 * gives the same bytes; borrowed pointers stay in the input; ACK ranges walk
 * without error; the varint at the start re-encodes minimally to the same
 * value.
 */
#include "fuzz/fuzz.h"
#include "wire/quic_frame.h"
#include "wire/quic_varint.h"

static uint8_t fuzz_frame_a[8192], fuzz_frame_b[8192];

static void fuzz_frame_varint(const uint8_t *data, size_t size)
{
    uint64_t v;
    l4_ssize n = l4_quic_varint_decode(&v, data, size);
    if (n < 0) {
        FUZZ_CHECK(n == L4_ERR_TRUNCATED);
        return;
    }
    FUZZ_CHECK((size_t)n == l4_quic_varint_len_of(data[0]) && v <= L4_QUIC_VARINT_MAX);
    uint8_t out[8];
    l4_ssize m = l4_quic_varint_encode(out, sizeof out, v);
    FUZZ_CHECK(m > 0 && m <= n && (size_t)m == l4_quic_varint_len(v));
    uint64_t w;
    FUZZ_CHECK(l4_quic_varint_decode(&w, out, (size_t)m) == m && w == v);
}

static void fuzz_frame_ack(const l4_quic_frame_ack *a)
{
    l4_quic_ack_iter it;
    l4_quic_ack_range r;
    uint64_t n = 0, prev_smallest = 0;
    l4_quic_ack_iter_init(&it, a);
    int rc;
    while ((rc = l4_quic_ack_iter_next(&it, &r)) == 1) {
        FUZZ_CHECK(r.smallest <= r.largest);
        FUZZ_CHECK(n == 0 || r.largest + 2 <= prev_smallest);
        prev_smallest = r.smallest;
        n++;
    }
    FUZZ_CHECK(rc == 0 && n == a->range_count + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_frame_varint(data, size);
    size_t off = 0;
    while (off < size) {
        l4_quic_frame f;
        l4_ssize n = l4_quic_frame_decode(&f, data + off, size - off);
        if (n < 0) {
            FUZZ_CHECK(n == L4_ERR_TRUNCATED || n == L4_ERR_MALFORMED || n == L4_ERR_UNSUPPORTED);
            FUZZ_CHECK(l4_quic_frame_error_code((int)n) == L4_QUIC_ERR_FRAME_ENCODING_ERROR);
            FUZZ_CHECK(n != L4_ERR_UNSUPPORTED || f.type > L4_QUIC_FRAME_HANDSHAKE_DONE);
            break;
        }
        FUZZ_CHECK(n >= 1 && (size_t)n <= size - off);
        FUZZ_CHECK(f.type <= L4_QUIC_FRAME_HANDSHAKE_DONE);
        const uint8_t *fr = data + off;
        (void)l4_quic_frame_allowed(f.type, L4_QUIC_PKT_1RTT);
        FUZZ_CHECK(l4_quic_frame_name(f.type)[0] != '?');
        if (f.type == L4_QUIC_FRAME_ACK || f.type == L4_QUIC_FRAME_ACK_ECN) {
            FUZZ_CHECK(fuzz_within(f.u.ack.ranges, f.u.ack.ranges_len, fr, (size_t)n));
            fuzz_frame_ack(&f.u.ack);
        } else if (f.type >= L4_QUIC_FRAME_STREAM && f.type <= 0x0f) {
            FUZZ_CHECK(fuzz_within(f.u.stream.data, f.u.stream.len, fr, (size_t)n));
            FUZZ_CHECK(f.u.stream.offset + f.u.stream.len <= L4_QUIC_VARINT_MAX);
        } else if (f.type == L4_QUIC_FRAME_CRYPTO) {
            FUZZ_CHECK(fuzz_within(f.u.crypto.data, f.u.crypto.len, fr, (size_t)n));
        } else if (f.type == L4_QUIC_FRAME_NEW_CONNECTION_ID) {
            FUZZ_CHECK(f.u.new_cid.cid.len >= 1 && f.u.new_cid.cid.len <= 20);
        }

        /* encode(decode(x)) decodes to itself and re-encodes identically. */
        l4_ssize a = l4_quic_frame_encode(fuzz_frame_a, sizeof fuzz_frame_a, &f);
        FUZZ_CHECK(a > 0 && a <= n);
        l4_quic_frame g;
        FUZZ_CHECK(l4_quic_frame_decode(&g, fuzz_frame_a, (size_t)a) == a);
        FUZZ_CHECK(g.type == f.type);
        l4_ssize b = l4_quic_frame_encode(fuzz_frame_b, sizeof fuzz_frame_b, &g);
        FUZZ_CHECK(b == a && memcmp(fuzz_frame_a, fuzz_frame_b, (size_t)a) == 0);
        /* Every too-small output buffer fails cleanly. */
        FUZZ_CHECK(l4_quic_frame_encode(fuzz_frame_b, (size_t)a - 1, &f) == L4_ERR_NOBUF);
        off += (size_t)n;
    }
    return 0;
}
