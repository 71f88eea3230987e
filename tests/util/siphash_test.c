/* tests/util/siphash_test.c — SipHash-2-4 against the reference vectors. */
#include "check.h"
#include "util/siphash.h"

static void test_reference_vector_15_bytes(void)
{
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    CHECK_EQU(l4_siphash24(key, msg, sizeof msg), 0xa129ca6149be45e5ULL);
}

/* First entries of the reference vectors.h table (message 00..len-1). */
static void test_reference_vectors_short(void)
{
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    CHECK_EQU(l4_siphash24(key, NULL, 0), 0x726fdb47dd0e0e31ULL);
    CHECK_EQU(l4_siphash24(key, msg, 1), 0x74f839c593dc67fdULL);
    CHECK_EQU(l4_siphash24(key, msg, 8), 0x93f5f5799a932462ULL);
    CHECK_EQU(l4_siphash24(key, msg, 63), 0x958a324ceb064572ULL);
}

static void test_key_changes_hash(void)
{
    uint8_t k1[16] = {0}, k2[16] = {0};
    k2[15] = 1;
    const char *m = "10.0.0.1:1234";
    CHECK(l4_siphash24(k1, m, 13) != l4_siphash24(k2, m, 13));
}

static const l4_test TESTS[] = {TEST(test_reference_vector_15_bytes),
                                TEST(test_reference_vectors_short), TEST(test_key_changes_hash),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
