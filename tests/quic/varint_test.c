/* tests/quic/varint_test.c — QUIC varints (RFC 9000 §16, Appendix A.1). */
#include "check.h"
#include "wire/quic_varint.h"

/* RFC 9000 Appendix A.1: the sample encodings and their values. */
static void test_rfc_examples(void)
{
    static const struct {
        uint8_t b[8];
        size_t n;
        uint64_t v;
    } ex[] = {
        {{0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c}, 8, UINT64_C(151288809941952652)},
        {{0x9d, 0x7f, 0x3e, 0x7d}, 4, 494878333},
        {{0x7b, 0xbd}, 2, 15293},
        {{0x25}, 1, 37},
        {{0x40, 0x25}, 2, 37},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        uint64_t v = 0;
        CHECK_EQ(l4_quic_varint_decode(&v, ex[i].b, ex[i].n), (l4_ssize)ex[i].n);
        CHECK_EQU(v, ex[i].v);
        /* The decoder ignores bytes past the announced length. */
        uint8_t longer[9] = {0};
        memcpy(longer, ex[i].b, ex[i].n);
        CHECK_EQ(l4_quic_varint_decode(&v, longer, sizeof longer), (l4_ssize)ex[i].n);
        CHECK_EQU(v, ex[i].v);
    }
    /* The encoder is minimal: all but the 0x4025 example re-encode byte-exact. */
    for (size_t i = 0; i < 4; i++) {
        uint8_t out[8];
        CHECK_EQ(l4_quic_varint_encode(out, sizeof out, ex[i].v), (l4_ssize)ex[i].n);
        CHECK_MEM(out, ex[i].b, ex[i].n);
    }
    uint8_t out[8];
    CHECK_EQ(l4_quic_varint_encode(out, sizeof out, 37), 1);
    CHECK_EQU(out[0], 0x25);
    CHECK_EQ(l4_quic_varint_encode_n(out, sizeof out, 37, 2), 2);
    CHECK_EQU(out[0], 0x40);
    CHECK_EQU(out[1], 0x25);
}

static void test_boundaries(void)
{
    static const struct {
        uint64_t v;
        size_t n;
    } b[] = {
        {0, 1},
        {63, 1},
        {64, 2},
        {16383, 2},
        {16384, 4},
        {(UINT64_C(1) << 30) - 1, 4},
        {UINT64_C(1) << 30, 8},
        {L4_QUIC_VARINT_MAX, 8},
    };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
        uint8_t out[8];
        uint64_t v = 1;
        CHECK_EQU(l4_quic_varint_len(b[i].v), b[i].n);
        CHECK_EQ(l4_quic_varint_encode(out, sizeof out, b[i].v), (l4_ssize)b[i].n);
        CHECK_EQU(l4_quic_varint_len_of(out[0]), b[i].n);
        CHECK_EQ(l4_quic_varint_decode(&v, out, b[i].n), (l4_ssize)b[i].n);
        CHECK_EQU(v, b[i].v);
        /* Every longer encoding decodes to the same value. */
        for (size_t n = b[i].n * 2; n <= 8; n *= 2) {
            CHECK_EQ(l4_quic_varint_encode_n(out, sizeof out, b[i].v, n), (l4_ssize)n);
            CHECK_EQ(l4_quic_varint_decode(&v, out, n), (l4_ssize)n);
            CHECK_EQU(v, b[i].v);
        }
    }
}

static void test_errors(void)
{
    uint8_t out[8] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
    uint64_t v = 7;
    CHECK_EQU(l4_quic_varint_len(L4_QUIC_VARINT_MAX + 1), 0);
    CHECK_EQ(l4_quic_varint_encode(out, 8, L4_QUIC_VARINT_MAX + 1), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_varint_encode(out, 8, UINT64_MAX), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_varint_encode(out, 1, 64), L4_ERR_NOBUF);
    CHECK_EQ(l4_quic_varint_encode(out, 0, 0), L4_ERR_NOBUF);
    CHECK_EQU(out[0], 0xaa); /* nothing written on failure */
    CHECK_EQ(l4_quic_varint_encode_n(out, 8, 64, 1), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_varint_encode_n(out, 8, 1, 3), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_varint_encode_n(out, 8, 1, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_quic_varint_encode_n(out, 3, 1, 4), L4_ERR_NOBUF);

    /* Truncation at every length short of the announced one. */
    static const uint8_t v8[8] = {0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c};
    for (size_t n = 0; n < 8; n++)
        CHECK_EQ(l4_quic_varint_decode(&v, v8, n), L4_ERR_TRUNCATED);
    static const uint8_t v4[4] = {0x9d, 0x7f, 0x3e, 0x7d};
    for (size_t n = 0; n < 4; n++)
        CHECK_EQ(l4_quic_varint_decode(&v, v4, n), L4_ERR_TRUNCATED);
    static const uint8_t v2[2] = {0x7b, 0xbd};
    CHECK_EQ(l4_quic_varint_decode(&v, v2, 1), L4_ERR_TRUNCATED);
    CHECK_EQU(v, 7); /* untouched on failure */
}

static const l4_test TESTS[] = {
    TEST(test_rfc_examples),
    TEST(test_boundaries),
    TEST(test_errors),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
