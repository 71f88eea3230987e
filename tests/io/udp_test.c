/* tests/io/udp_test.c — io/udp.h over loopback: address parsing and
 * formatting, batched sends where one message carries many datagrams
 * (UDP GSO when the kernel has it, split into datagrams when not) arriving
 * as the same datagrams with the same bytes, GRO-coalesced receives split
 * back by their segment size, sender addresses, and a refused peer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "io/udp.h"

static void test_addr(void)
{
    l4_io_udp_addr a, b;
    char buf[64];
    CHECK_EQ(l4_io_udp_addr_parse(&a, "127.0.0.1", 4433), 0);
    CHECK_EQ(l4_io_udp_addr_format(&a, buf, sizeof buf), 14);
    CHECK(!strcmp(buf, "127.0.0.1:4433"));
    CHECK(l4_io_udp_addr_is_loopback(&a));
    CHECK_EQ(l4_io_udp_addr_parse(&b, "::1", 443), 0);
    l4_io_udp_addr_format(&b, buf, sizeof buf);
    CHECK(!strcmp(buf, "[::1]:443"));
    CHECK(l4_io_udp_addr_is_loopback(&b));
    CHECK(!l4_io_udp_addr_eq(&a, &b));
    l4_io_udp_addr c;
    CHECK_EQ(l4_io_udp_addr_parse(&c, "127.0.0.1", 4433), 0);
    CHECK(l4_io_udp_addr_eq(&a, &c));
    CHECK_EQ(l4_io_udp_addr_parse(&c, "127.0.0.1", 4434), 0);
    CHECK(!l4_io_udp_addr_eq(&a, &c));
    CHECK_EQ(l4_io_udp_addr_parse(&c, "192.0.2.1", 1), 0);
    CHECK(!l4_io_udp_addr_is_loopback(&c));
    CHECK_EQ(l4_io_udp_addr_parse(&c, "localhost", 1), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_io_udp_addr_parse(&c, "1.2.3", 1), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_io_udp_addr_parse(&c, NULL, 1), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_io_udp_addr_format(&a, buf, 5), L4_ERR_NOBUF);
    memset(&c, 0, sizeof c);
    CHECK_EQ(l4_io_udp_addr_format(&c, buf, sizeof buf), L4_ERR_INVALID_ARGUMENT);
    l4_io_udp_sock s;
    CHECK_EQ(l4_io_udp_open(&s, "not-an-address", 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(s.fd, -1);
}

/* Receives until `want` datagrams arrived (split by segment size) into
 * out[] (lengths in lens[]); returns the count. */
static int recv_all(l4_io_udp_sock *r, uint8_t *out, size_t *lens, int want, int *coalesced,
                    l4_io_udp_addr *from)
{
    static uint8_t mem[8][65536];
    l4_io_udp_dgram m[8];
    int got = 0;
    size_t off = 0;
    for (int tries = 0; got < want && tries < 200; tries++) {
        for (int i = 0; i < 8; i++) {
            m[i].buf = mem[i];
            m[i].cap = sizeof mem[i];
        }
        int n = l4_io_udp_recvv(r, m, 8);
        CHECK(n >= 0);
        if (n == 0) {
            l4_io_udp_wait(r, 20 * L4_MS);
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (m[i].seg < m[i].len)
                (*coalesced)++;
            *from = m[i].peer;
            for (size_t o = 0; o < m[i].len; o += m[i].seg) {
                size_t l = m[i].len - o < m[i].seg ? m[i].len - o : m[i].seg;
                memcpy(out + off, m[i].buf + o, l);
                off += l;
                lens[got++] = l;
            }
        }
    }
    return got;
}

/* 3 messages: 10 × 1200 + 700 (one GSO run), one lone 50, 5 × 1000.
 * The receiver sees 17 datagrams with exactly those sizes and bytes. */
static void batch(unsigned offload)
{
    l4_io_udp_sock r, s;
    CHECK_EQ(l4_io_udp_open(&r, "127.0.0.1", 0), 0);
    CHECK_EQ(l4_io_udp_open(&s, "127.0.0.1", 0), 0);
    unsigned got_r = l4_io_udp_offload(&r, offload & L4_IO_UDP_GRO, 1 << 20);
    unsigned got_s = l4_io_udp_offload(&s, offload & L4_IO_UDP_GSO, 1 << 20);
    CHECK_EQ(got_r & ~L4_IO_UDP_GRO, 0);
    CHECK_EQ(got_s & ~L4_IO_UDP_GSO, 0);
    CHECK_EQ(l4_io_udp_connect(&s, "127.0.0.1", l4_io_udp_local_port(&r)), 0);
    static uint8_t data[20000], out[20000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    l4_io_udp_dgram m[3];
    memset(m, 0, sizeof m);
    m[0].buf = data;
    m[0].len = 10 * 1200 + 700;
    m[0].seg = 1200;
    m[1].buf = data + m[0].len;
    m[1].len = 50;
    m[2].buf = m[1].buf + 50;
    m[2].len = 5000;
    m[2].seg = 1000;
    CHECK_EQ(l4_io_udp_sendv(&s, m, 3), 3);
    size_t lens[32];
    int coalesced = 0;
    l4_io_udp_addr from;
    int n = recv_all(&r, out, lens, 17, &coalesced, &from);
    CHECK_EQ(n, 17);
    for (int i = 0; i < 10; i++)
        CHECK_EQ(lens[i], 1200);
    CHECK_EQ(lens[10], 700);
    CHECK_EQ(lens[11], 50);
    for (int i = 12; i < 17; i++)
        CHECK_EQ(lens[i], 1000);
    CHECK(memcmp(out, data, 12000 + 700 + 50 + 5000) == 0);
    CHECK_EQ(from.u.sa.sa_family, AF_INET);
    CHECK_EQ(ntohs(from.u.in.sin_port), l4_io_udp_local_port(&s));
    if (offload)
        fprintf(stderr, "  kernel offloads: GSO %d, GRO %d; coalesced receives %d\n", s.gso, r.gro,
                coalesced);
    /* GSO to a GRO socket on loopback arrives as one coalesced message */
    if (s.gso && r.gro)
        CHECK(coalesced > 0);
    if (!r.gro)
        CHECK_EQ(coalesced, 0);
    l4_io_udp_close(&r);
    l4_io_udp_close(&s);
}

static void test_batch_plain(void)
{
    batch(0);
}

static void test_batch_offload(void)
{
    batch(L4_IO_UDP_GSO | L4_IO_UDP_GRO);
}

/* An unconnected socket sends each message to its own peer. */
static void test_addressed(void)
{
    l4_io_udp_sock a, b, s;
    CHECK_EQ(l4_io_udp_open(&a, "127.0.0.1", 0), 0);
    CHECK_EQ(l4_io_udp_open(&b, "127.0.0.1", 0), 0);
    CHECK_EQ(l4_io_udp_open(&s, "0.0.0.0", 0), 0);
    l4_io_udp_offload(&s, L4_IO_UDP_GSO, 0);
    uint8_t d[3000];
    memset(d, 0xab, sizeof d);
    l4_io_udp_dgram m[2];
    memset(m, 0, sizeof m);
    m[0].buf = d;
    m[0].len = 3000;
    m[0].seg = 1500;
    l4_io_udp_addr_parse(&m[0].peer, "127.0.0.1", l4_io_udp_local_port(&a));
    m[1].buf = d;
    m[1].len = 10;
    l4_io_udp_addr_parse(&m[1].peer, "127.0.0.1", l4_io_udp_local_port(&b));
    CHECK_EQ(l4_io_udp_sendv(&s, m, 2), 2);
    uint8_t out[4000];
    size_t lens[4];
    int co = 0;
    l4_io_udp_addr from;
    CHECK_EQ(recv_all(&a, out, lens, 2, &co, &from), 2);
    CHECK_EQ(lens[0], 1500);
    CHECK_EQ(recv_all(&b, out, lens, 1, &co, &from), 1);
    CHECK_EQ(lens[0], 10);
    l4_io_udp_close(&a);
    l4_io_udp_close(&b);
    l4_io_udp_close(&s);
}

/* Nothing listens on the connected peer's port: the ICMP port unreachable
 * comes back as ECONNREFUSED. */
static void test_refused(void)
{
    l4_io_udp_sock p, s;
    CHECK_EQ(l4_io_udp_open(&p, "127.0.0.1", 0), 0);
    uint16_t port = l4_io_udp_local_port(&p);
    l4_io_udp_close(&p);
    CHECK_EQ(l4_io_udp_open(&s, "127.0.0.1", 0), 0);
    CHECK_EQ(l4_io_udp_connect(&s, "127.0.0.1", port), 0);
    uint8_t d[100] = {1};
    l4_io_udp_dgram m = {d, sizeof d, 0, 0, {.len = 0}, 0};
    CHECK_EQ(l4_io_udp_sendv(&s, &m, 1), 1);
    l4_io_udp_wait(&s, 200 * L4_MS);
    uint8_t in[2048];
    l4_io_udp_dgram r = {in, 0, sizeof in, 0, {.len = 0}, 0};
    errno = 0;
    CHECK_EQ(l4_io_udp_recvv(&s, &r, 1), L4_ERR_IO);
    CHECK_EQ(errno, ECONNREFUSED);
    /* a connect to another family is refused up front */
    CHECK_EQ(l4_io_udp_connect(&s, "::1", port), L4_ERR_INVALID_ARGUMENT);
    l4_io_udp_close(&s);
    l4_io_udp_close(&s); /* safe twice */
}

static const l4_test TESTS[] = {
    TEST(test_addr),      TEST(test_batch_plain), TEST(test_batch_offload),
    TEST(test_addressed), TEST(test_refused),     TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
