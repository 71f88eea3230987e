/* tests/wire/addr_test.c — l4_addr construction, comparison, text parse/format (RFC 5952). */
#include "check.h"
#include "util/err.h"
#include "wire/addr.h"

/* Parses `in`, formats it back and expects `out`. */
static void addr_expect(const char *in, const char *out)
{
    l4_addr a;
    char buf[64];
    CHECK_MSG(l4_addr_parse(&a, in) == 0, "parse \"%s\" failed", in);
    int n = l4_addr_format(&a, buf, sizeof buf);
    CHECK_EQ(n, (int)strlen(out));
    CHECK_STR(buf, out);
    /* And the canonical text parses to the same address. */
    l4_addr b;
    CHECK_EQ(l4_addr_parse(&b, buf), 0);
    CHECK(l4_addr_eq(&a, &b));
}

static void test_v4_bytes(void)
{
    l4_addr a;
    CHECK_EQ(l4_addr_parse(&a, "10.0.0.1"), 0);
    CHECK_EQ(a.family, L4_AF_INET4);
    CHECK_EQ(l4_addr_len(&a), 4);
    const uint8_t want[4] = {10, 0, 0, 1};
    CHECK_MEM(a.bytes, want, 4);
    l4_addr b = l4_addr_v4(want);
    CHECK(l4_addr_eq(&a, &b));
    CHECK_EQ(l4_addr_parse(&a, "255.255.255.255"), 0);
    CHECK_EQU(a.bytes[3], 255);
}

static void test_v6_bytes(void)
{
    l4_addr a;
    CHECK_EQ(l4_addr_parse(&a, "2001:db8::1:0:0:1"), 0);
    const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    CHECK_EQ(a.family, L4_AF_INET6);
    CHECK_EQ(l4_addr_len(&a), 16);
    CHECK_MEM(a.bytes, want, 16);
    CHECK_EQ(l4_addr_parse(&a, "::ffff:192.0.2.1"), 0);
    const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    CHECK_MEM(a.bytes, mapped, 16);
    CHECK_EQ(l4_addr_parse(&a, "1:2:3:4:5:6:1.2.3.4"), 0);
    CHECK_EQU(a.bytes[11], 6);
    CHECK_EQU(a.bytes[12], 1);
}

static void test_eq(void)
{
    l4_addr a, b, c;
    CHECK_EQ(l4_addr_parse(&a, "10.0.0.1"), 0);
    CHECK_EQ(l4_addr_parse(&b, "::a00:1"), 0); /* same low bytes, other family */
    CHECK(!l4_addr_eq(&a, &b));
    CHECK_EQ(l4_addr_parse(&c, "10.0.0.2"), 0);
    CHECK(!l4_addr_eq(&a, &c));
    c.family = 0;
    CHECK_EQ(l4_addr_len(&c), 0);
    CHECK(!l4_addr_eq(&c, &c));
}

static void test_format_rfc5952(void)
{
    addr_expect("::", "::");
    addr_expect("::1", "::1");
    addr_expect("fd00::1", "fd00::1");
    addr_expect("2001:db8::1:0:0:1", "2001:db8::1:0:0:1");
    /* §4.2.3: the first of two equal runs is compressed. */
    addr_expect("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    /* §4.2.3: the longest run wins. */
    addr_expect("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
    /* §4.2.2: a single zero group is not compressed. */
    addr_expect("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    addr_expect("2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    /* §4.1 leading zeros dropped, §4.3 lower case. */
    addr_expect("2001:0DB8:00AB:000C::0001", "2001:db8:ab:c::1");
    addr_expect("1::", "1::");
    addr_expect("1:0:0:0:0:0:0:0", "1::");
    addr_expect("0:0:0:0:0:0:0:1", "::1");
    addr_expect("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
    /* "::" may stand for a single group on input (RFC 4291 §2.2), never on output. */
    addr_expect("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
    addr_expect("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
    addr_expect("1::3:4:5:6:7:8", "1:0:3:4:5:6:7:8");
    /* A dotted quad may end any address; only ::ffff:0:0/96 prints as one. */
    addr_expect("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304");
    addr_expect("::1.2.3.4", "::102:304");
    addr_expect("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    /* §5: IPv4-mapped addresses keep a dotted quad. */
    addr_expect("::ffff:c000:201", "::ffff:192.0.2.1");
    addr_expect("10.0.0.1", "10.0.0.1");
    addr_expect("0.0.0.0", "0.0.0.0");
    addr_expect("192.168.100.255", "192.168.100.255");
}

static void test_invalid(void)
{
    static const char *bad[] = {
        "",
        "1",
        "1.2.3",
        "1.2.3.4.5",
        "256.0.0.1",
        "01.2.3.4",
        "1..2.3",
        "1.2.3.4.",
        " 1.2.3.4",
        "1.2.3.4 ",
        "a.b.c.d",
        "-1.2.3.4",
        ":",
        ":::",
        "1:::2",
        "1::2::3",
        ":1::2",
        "1::2:",
        "12345::",
        "g::1",
        "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::8",
        "::1.2.3",
        "::1.2.3.4:5",
        "fe80::1%eth0",
        "1:2:3:4:5:6:7:1.2.3.4",
        "::256.1.1.1",
        "1:",
        "::1.2.3.04",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        l4_addr a;
        CHECK_MSG(l4_addr_parse(&a, bad[i]) == L4_ERR_MALFORMED, "\"%s\" was accepted", bad[i]);
    }
}

static void test_format_nobuf(void)
{
    l4_addr a;
    char buf[64];
    CHECK_EQ(l4_addr_parse(&a, "2001:db8::1"), 0); /* 11 characters */
    for (size_t cap = 0; cap <= 11; cap++) {
        memset(buf, 'x', sizeof buf);
        CHECK_EQ(l4_addr_format(&a, buf, cap), L4_ERR_NOBUF);
        if (cap > 0)
            CHECK_EQ(strlen(buf), cap - 1);
        else
            CHECK_EQ(buf[0], 'x'); /* nothing written */
    }
    CHECK_EQ(l4_addr_format(&a, buf, 12), 11);
    /* The longest text form fits in 47 bytes (46 + NUL). */
    CHECK_EQ(l4_addr_parse(&a, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"), 0);
    CHECK_EQ(l4_addr_format(&a, buf, 47), 39);
    CHECK_EQ(l4_addr_parse(&a, "::ffff:255.255.255.255"), 0);
    CHECK_EQ(l4_addr_format(&a, buf, 47), 22);
    a.family = 9;
    CHECK_EQ(l4_addr_format(&a, buf, sizeof buf), L4_ERR_INVALID_ARGUMENT);
    CHECK_STR(buf, "");
}

static const l4_test TESTS[] = {
    TEST(test_v4_bytes), TEST(test_v6_bytes),     TEST(test_eq), TEST(test_format_rfc5952),
    TEST(test_invalid),  TEST(test_format_nobuf), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
