/*
 * tests/check.h — the in-tree test runner (header only).
 *
 *   static void test_roundtrip(void) { CHECK_EQ(parse(...), 20); }
 *   static const l4_test TESTS[] = { TEST(test_roundtrip), TEST_END };
 *   int main(int argc, char **argv) { return l4_test_main(argc, argv, TESTS); }
 *
 * A failing CHECK prints file:line and the expression with both values, and
 * ends that test case (longjmp); the other cases still run. The binary prints
 * "N passed, N failed" last and exits 1 when anything failed. An optional
 * argument runs only the cases whose names contain it.
 */
#ifndef L4_TESTS_CHECK_H
#define L4_TESTS_CHECK_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct l4_test {
    const char *name;
    void (*fn)(void);
} l4_test;

#define TEST(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
#define TEST_END                                                                                   \
    {                                                                                              \
        NULL, NULL                                                                                 \
    }

static jmp_buf l4_check_jmp;
static int l4_check_failed;

static inline void l4_check_fail(const char *file, int line, const char *msg)
{
    fprintf(stderr, "  %s:%d: %s\n", file, line, msg);
    l4_check_failed = 1;
    longjmp(l4_check_jmp, 1);
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            l4_check_fail(__FILE__, __LINE__, "CHECK(" #cond ") failed");                          \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            char l4_msg_[512];                                                                     \
            snprintf(l4_msg_, sizeof l4_msg_, __VA_ARGS__);                                        \
            l4_check_fail(__FILE__, __LINE__, l4_msg_);                                            \
        }                                                                                          \
    } while (0)

/* Integer equality; both sides are widened to intmax_t / uintmax_t for the message. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        intmax_t l4_a_ = (intmax_t)(a), l4_b_ = (intmax_t)(b);                                     \
        CHECK_MSG(l4_a_ == l4_b_, "CHECK_EQ(%s, %s): %jd != %jd", #a, #b, l4_a_, l4_b_);           \
    } while (0)

#define CHECK_EQU(a, b)                                                                            \
    do {                                                                                           \
        uintmax_t l4_a_ = (uintmax_t)(a), l4_b_ = (uintmax_t)(b);                                  \
        CHECK_MSG(l4_a_ == l4_b_, "CHECK_EQU(%s, %s): %ju != %ju (0x%jx != 0x%jx)", #a, #b, l4_a_, \
                  l4_b_, l4_a_, l4_b_);                                                            \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *l4_a_ = (a), *l4_b_ = (b);                                                     \
        CHECK_MSG(l4_a_ &&l4_b_ &&strcmp(l4_a_, l4_b_) == 0,                                       \
                  "CHECK_STR(%s, %s): \"%s\" != \"%s\"", #a, #b, l4_a_ ? l4_a_ : "(null)",         \
                  l4_b_ ? l4_b_ : "(null)");                                                       \
    } while (0)

#define CHECK_MEM(a, b, n)                                                                         \
    CHECK_MSG(memcmp((a), (b), (n)) == 0, "CHECK_MEM(%s, %s, %s) differ", #a, #b, #n)

/* Runs one case; returns nonzero when it failed. Kept apart so no local lives across setjmp. */
static inline int l4_test_run_one(const l4_test *t)
{
    l4_check_failed = 0;
    if (setjmp(l4_check_jmp) == 0)
        t->fn();
    return l4_check_failed;
}

static inline int l4_test_main(int argc, char **argv, const l4_test *tests)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (const l4_test *t = tests; t->name; t++) {
        if (filter && !strstr(t->name, filter))
            continue;
        if (l4_test_run_one(t)) {
            printf("FAIL %s\n", t->name);
            failed++;
        } else {
            printf("ok   %s\n", t->name);
            passed++;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : (passed ? 0 : 1);
}

#endif
