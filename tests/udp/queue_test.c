/* tests/udp/queue_test.c — the UDP receive queue and size rules. */
#include <string.h>

#include "check.h"
#include "udp/udp.h"

static void test_boundaries_and_trunc(void)
{
    l4_udp_queue q;
    memset(&q, 0, sizeof q);
    q.limit = 100;
    l4_addr a = {.family = L4_AF_INET4, .bytes = {10, 0, 0, 2}};
    CHECK_EQ(l4_udp_queue_push(&q, &a, 1000, 0, (const uint8_t *)"abc", 3), 0);
    CHECK_EQ(l4_udp_queue_push(&q, &a, 1001, 0, (const uint8_t *)"", 0), 0);
    CHECK_EQ(l4_udp_queue_push(&q, &a, 1002, 0, (const uint8_t *)"defghij", 7), 0);
    CHECK_EQU(q.count, 3);
    CHECK_EQU(q.bytes, 10);
    uint8_t buf[8];
    l4_addr src;
    uint16_t sp;
    int fl;
    CHECK_EQ(l4_udp_queue_peek_len(&q), 3);
    CHECK_EQ(l4_udp_queue_pop(&q, buf, sizeof buf, &src, &sp, &fl), 3);
    CHECK_MEM(buf, "abc", 3);
    CHECK_EQ(sp, 1000);
    CHECK_EQ(fl, 0);
    CHECK_EQ(l4_udp_queue_pop(&q, buf, sizeof buf, &src, &sp, &fl), 0); /* empty datagram */
    CHECK_EQ(sp, 1001);
    CHECK_EQ(l4_udp_queue_pop(&q, buf, 4, &src, &sp, &fl), 4);
    CHECK_MEM(buf, "defg", 4);
    CHECK_EQ(fl, L4_UDP_TRUNC);
    CHECK_EQ(l4_udp_queue_pop(&q, buf, 4, NULL, NULL, &fl), L4_ERR_AGAIN);
    CHECK_EQU(q.bytes, 0);
}

static void test_limit(void)
{
    l4_udp_queue q;
    memset(&q, 0, sizeof q);
    q.limit = 10;
    l4_addr a = {.family = L4_AF_INET6};
    uint8_t d[20] = {0};
    /* an empty queue takes one datagram even over the limit */
    CHECK_EQ(l4_udp_queue_push(&q, &a, 1, 0, d, 20), 0);
    CHECK_EQ(l4_udp_queue_push(&q, &a, 1, 0, d, 1), L4_ERR_LIMIT);
    CHECK_EQU(q.drops, 1);
    l4_udp_queue_clear(&q);
    CHECK_EQ(l4_udp_queue_push(&q, &a, 1, 0, d, 6), 0);
    CHECK_EQ(l4_udp_queue_push(&q, &a, 1, 0, d, 4), 0);
    CHECK_EQ(l4_udp_queue_push(&q, &a, 1, 0, d, 1), L4_ERR_LIMIT);
    CHECK_EQU(q.drops, 2);
    CHECK_EQU(q.count, 2);
    l4_udp_queue_clear(&q);
    CHECK_EQU(q.count, 0);
    CHECK_EQ(l4_udp_queue_push(NULL, &a, 1, 0, d, 1), L4_ERR_INVALID_ARGUMENT);
}

static void test_max_payload(void)
{
    CHECK_EQU(l4_udp_max_payload(L4_AF_INET4, 1500), 1472);
    CHECK_EQU(l4_udp_max_payload(L4_AF_INET6, 1500), 1452);
    CHECK_EQU(l4_udp_max_payload(L4_AF_INET4, 65535), 65507);
    CHECK_EQU(l4_udp_max_payload(L4_AF_INET6, 65535), 65487);
    CHECK_EQU(l4_udp_max_payload(L4_AF_INET4, 28), 0);
    CHECK_EQU(l4_udp_max_payload(9, 1500), 0);
}

static const l4_test TESTS[] = {TEST(test_boundaries_and_trunc), TEST(test_limit),
                                TEST(test_max_payload), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
