/* tests/io/pcap_test.c — io/pcap: write/read round trips, exact file bytes,
 * damaged captures, and the committed real captures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "io/pcap.h"
#include "io/pcap_link.h"
#include "util/bytes.h"
#include "util/err.h"

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char buf[256];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/l4pcaptestXXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

static size_t read_all(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void write_all(const char *path, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(buf, 1, n, f);
    fclose(f);
}

/* Three fake IP packets of lengths 20, 41, 60 with patterned bytes. */
static const size_t pkt_len[3] = {20, 41, 60};
static const l4_time pkt_ts[3] = {0, 1, 1500000000ull + 123456789ull};

static void make_pkt(int i, uint8_t *p)
{
    for (size_t k = 0; k < pkt_len[i]; k++)
        p[k] = (uint8_t)(i * 31 + k * 7);
    p[0] = 0x45;
}

static const char *write_three(const char *name)
{
    const char *path = tmp_path(name);
    l4_pcap_writer *w = NULL;
    char err[L4_PCAP_ERRBUF];
    CHECK_EQ(l4_pcap_writer_open(&w, path, err, sizeof err), 0);
    for (int i = 0; i < 3; i++) {
        uint8_t p[64];
        make_pkt(i, p);
        CHECK_EQ(l4_pcap_writer_write(w, pkt_ts[i], p, pkt_len[i]), 0);
    }
    CHECK_EQU(l4_pcap_writer_count(w), 3);
    CHECK_EQ(l4_pcap_writer_close(w), 0);
    return path;
}

static void test_file_header_bytes(void)
{
    const char *path = write_three("hdr.pcap");
    uint8_t b[512];
    size_t n = read_all(path, b, sizeof b);
    CHECK_EQU(n, 24 + 3 * 16 + 20 + 41 + 60);
    /* Nanosecond magic 0xa1b23c4d in the writer's (little-endian) order. */
    static const uint8_t magic_le[4] = {0x4d, 0x3c, 0xb2, 0xa1};
    CHECK_MEM(b, magic_le, 4);
    CHECK_EQU(b[4] | b[5] << 8, 2); /* version 2.4 */
    CHECK_EQU(b[6] | b[7] << 8, 4);
    CHECK_EQU(b[16] | b[17] << 8 | b[18] << 16 | (uint32_t)b[19] << 24, 65535); /* snaplen */
    CHECK_EQU(b[20] | b[21] << 8 | b[22] << 16 | (uint32_t)b[23] << 24, 101);   /* LINKTYPE_RAW */
    /* Record 3: ts_sec 1, ts_nsec 500000000 + 123456789, incl_len = orig_len = 60. */
    const uint8_t *r = b + 24 + 16 + 20 + 16 + 41;
    CHECK_EQU(r[0] | r[1] << 8 | r[2] << 16 | (uint32_t)r[3] << 24, 1);
    CHECK_EQU(r[4] | r[5] << 8 | r[6] << 16 | (uint32_t)r[7] << 24, 623456789u);
    CHECK_EQU(r[8] | r[9] << 8, 60);
    CHECK_EQU(r[12] | r[13] << 8, 60);
}

static void test_roundtrip(void)
{
    const char *path = write_three("rt.pcap");
    l4_pcap_reader *r = NULL;
    char err[L4_PCAP_ERRBUF];
    CHECK_EQ(l4_pcap_reader_open(&r, path, err, sizeof err), 0);
    CHECK_EQ(l4_pcap_reader_linktype(r), L4_LINK_RAW_DLT);
    long off = 24;
    for (int i = 0; i < 3; i++) {
        l4_pcap_record rec;
        CHECK_EQ(l4_pcap_reader_next(r, &rec), 1);
        uint8_t p[64];
        make_pkt(i, p);
        CHECK_EQU(rec.index, (uint64_t)i + 1);
        CHECK_EQU(rec.ts, pkt_ts[i]);
        CHECK_EQU(rec.caplen, pkt_len[i]);
        CHECK_EQU(rec.origlen, pkt_len[i]);
        CHECK_MEM(rec.data, p, pkt_len[i]);
        CHECK_EQ(rec.linktype, L4_LINK_RAW_DLT);
        CHECK_EQ(rec.offset, off);
        off += 16 + (long)pkt_len[i];
        l4_pcap_link link;
        CHECK_EQ(l4_pcap_link_ip(rec.linktype, rec.data, rec.caplen, &link), 0);
        CHECK(link.ip == rec.data);
        CHECK_EQU(link.ip_len, pkt_len[i]);
    }
    l4_pcap_record rec;
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 0);
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 0);
    CHECK_STR(l4_pcap_reader_error(r), "");
    l4_pcap_reader_close(r);
}

static void test_snaplen_cut(void)
{
    const char *path = tmp_path("big.pcap");
    l4_pcap_writer *w = NULL;
    CHECK_EQ(l4_pcap_writer_open(&w, path, NULL, 0), 0);
    uint8_t *big = calloc(1, 70000);
    CHECK(big);
    big[0] = 0x60;
    big[65534] = 0xab;
    CHECK_EQ(l4_pcap_writer_write(w, 7, big, 70000), 0);
    CHECK_EQ(l4_pcap_writer_write(w, 8, NULL, 0), 0);
    CHECK_EQ(l4_pcap_writer_write(w, 9, NULL, 5), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_pcap_writer_close(w), 0);
    l4_pcap_reader *r = NULL;
    CHECK_EQ(l4_pcap_reader_open(&r, path, NULL, 0), 0);
    l4_pcap_record rec;
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 1);
    CHECK_EQU(rec.caplen, 65535);
    CHECK_EQU(rec.origlen, 70000);
    CHECK_EQU(rec.data[65534], 0xab);
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 1);
    CHECK_EQU(rec.caplen, 0);
    CHECK_EQU(rec.ts, 8);
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 0);
    l4_pcap_reader_close(r);
    free(big);
}

static void test_truncated_capture(void)
{
    const char *src = write_three("full.pcap");
    uint8_t b[512];
    size_t n = read_all(src, b, sizeof b);
    /* Cut 10 bytes into record 3's data. */
    size_t rec3 = 24 + 16 + 20 + 16 + 41;
    const char *path = tmp_path("trunc.pcap");
    write_all(path, b, rec3 + 16 + 10);
    CHECK(n > rec3 + 26);
    l4_pcap_reader *r = NULL;
    CHECK_EQ(l4_pcap_reader_open(&r, path, NULL, 0), 0);
    l4_pcap_record rec;
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 1);
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 1);
    CHECK_EQU(rec.index, 2);
    CHECK_EQ(l4_pcap_reader_next(r, &rec), L4_ERR_TRUNCATED);
    char want[64];
    snprintf(want, sizeof want, "record 3 at byte offset %zu: truncated", rec3);
    CHECK_MSG(strncmp(l4_pcap_reader_error(r), want, strlen(want)) == 0, "error '%.200s'",
              l4_pcap_reader_error(r));
    CHECK_MSG(strstr(l4_pcap_reader_error(r), "only got 10"), "error '%.200s'",
              l4_pcap_reader_error(r));
    /* Sticky. */
    CHECK_EQ(l4_pcap_reader_next(r, &rec), L4_ERR_TRUNCATED);
    l4_pcap_reader_close(r);

    /* Cut inside the record header of record 2. */
    write_all(path, b, 24 + 16 + 20 + 7);
    CHECK_EQ(l4_pcap_reader_open(&r, path, NULL, 0), 0);
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 1);
    CHECK_EQ(l4_pcap_reader_next(r, &rec), L4_ERR_TRUNCATED);
    CHECK_MSG(strstr(l4_pcap_reader_error(r), "record 2 at byte offset 60: truncated"),
              "error '%.200s'", l4_pcap_reader_error(r));
    l4_pcap_reader_close(r);
}

static void test_corrupt_record_header(void)
{
    const char *src = write_three("full2.pcap");
    uint8_t b[512];
    size_t n = read_all(src, b, sizeof b);
    /* Record 2's incl_len becomes 0x7fffffff. */
    uint8_t *h = b + 24 + 16 + 20;
    h[8] = 0xff, h[9] = 0xff, h[10] = 0xff, h[11] = 0x7f;
    const char *path = tmp_path("corrupt.pcap");
    write_all(path, b, n);
    l4_pcap_reader *r = NULL;
    CHECK_EQ(l4_pcap_reader_open(&r, path, NULL, 0), 0);
    l4_pcap_record rec;
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 1);
    CHECK_EQ(l4_pcap_reader_next(r, &rec), L4_ERR_MALFORMED);
    CHECK_MSG(strstr(l4_pcap_reader_error(r), "record 2 at byte offset 60: ") ==
                  l4_pcap_reader_error(r),
              "error '%.200s'", l4_pcap_reader_error(r));
    CHECK_MSG(strstr(l4_pcap_reader_error(r), "2147483647"), "error '%.200s'",
              l4_pcap_reader_error(r));
    l4_pcap_reader_close(r);
}

static void test_open_errors(void)
{
    char err[L4_PCAP_ERRBUF] = "";
    l4_pcap_reader *r = (l4_pcap_reader *)1;
    CHECK_EQ(l4_pcap_reader_open(&r, tmp_path("does-not-exist.pcap"), err, sizeof err), L4_ERR_IO);
    CHECK(r == NULL);
    CHECK_MSG(strstr(err, "No such file"), "err '%.200s'", err);
    const char *junk = tmp_path("junk.pcap");
    write_all(junk, (const uint8_t *)"this is not a capture file at all", 33);
    err[0] = 0;
    CHECK_EQ(l4_pcap_reader_open(&r, junk, err, sizeof err), L4_ERR_IO);
    CHECK_MSG(strstr(err, "format"), "err '%.200s'", err);
    l4_pcap_writer *w = (l4_pcap_writer *)1;
    err[0] = 0;
    CHECK_EQ(l4_pcap_writer_open(&w, "/nonexistent-dir/x.pcap", err, sizeof err), L4_ERR_IO);
    CHECK(w == NULL);
    CHECK(err[0] != 0);
    CHECK_EQ(l4_pcap_writer_close(NULL), 0);
    l4_pcap_reader_close(NULL);
}

/* ---- link layers ---- */

static const uint8_t ip4[20] = {0x45, 0, 0,   20, 0, 0, 0x40, 0, 64, 6,
                                0,    0, 127, 0,  0, 1, 127,  0, 0,  1};

static void test_link_ethernet(void)
{
    uint8_t f[64] = {0};
    memset(f, 0xaa, 12);
    f[12] = 0x08, f[13] = 0x00;
    memcpy(f + 14, ip4, 20);
    l4_pcap_link l;
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_EN10MB, f, 34, &l), 0);
    CHECK(l.ip == f + 14);
    CHECK_EQU(l.ip_len, 20);
    CHECK_EQU(l.hdr_len, 14);
    CHECK_EQU(l.ethertype, 0x0800);
    CHECK_EQ(l.vlan, -1);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_EN10MB, f, 14, &l), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_EN10MB, f, 13, &l), L4_ERR_TRUNCATED);
    /* One 802.1Q tag, VLAN 0x123 with PCP bits set, carrying IPv6. */
    f[12] = 0x81, f[13] = 0x00, f[14] = 0xe1, f[15] = 0x23, f[16] = 0x86, f[17] = 0xdd;
    f[18] = 0x60;
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_EN10MB, f, 60, &l), 0);
    CHECK_EQ(l.vlan, 0x123);
    CHECK_EQU(l.ethertype, 0x86dd);
    CHECK(l.ip == f + 18);
    CHECK_EQU(l.ip_len, 42);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_EN10MB, f, 17, &l), L4_ERR_TRUNCATED);
    /* ARP is not IP: unsupported, with the EtherType reported. */
    f[12] = 0x08, f[13] = 0x06;
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_EN10MB, f, 42, &l), L4_ERR_UNSUPPORTED);
    CHECK_EQU(l.ethertype, 0x0806);
    CHECK(l.ip == NULL);
    CHECK_STR(l4_pcap_ethertype_name(l.ethertype), "ARP");
    CHECK(l4_pcap_ethertype_name(0x1234) == NULL);
}

static void test_link_sll(void)
{
    uint8_t f[64] = {0};
    f[1] = 4; /* outgoing */
    f[14] = 0x86, f[15] = 0xdd;
    f[16] = 0x60;
    l4_pcap_link l;
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_LINUX_SLL, f, 56, &l), 0);
    CHECK(l.ip == f + 16);
    CHECK_EQU(l.ip_len, 40);
    CHECK_EQ(l.pkttype, 4);
    CHECK_EQU(l.ethertype, 0x86dd);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_LINUX_SLL, f, 15, &l), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_LINUX_SLL, f, 16, &l), L4_ERR_TRUNCATED);

    uint8_t g[64] = {0};
    g[0] = 0x08, g[1] = 0x00, g[10] = 0; /* to us */
    memcpy(g + 20, ip4, 20);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_LINUX_SLL2, g, 40, &l), 0);
    CHECK(l.ip == g + 20);
    CHECK_EQU(l.ip_len, 20);
    CHECK_EQ(l.pkttype, 0);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_LINUX_SLL2, g, 19, &l), L4_ERR_TRUNCATED);
}

static void test_link_null_loop_raw(void)
{
    uint8_t f[64] = {0};
    memcpy(f + 4, ip4, 20);
    l4_pcap_link l;
    /* NULL: AF_INET little-endian and big-endian; LOOP only big-endian. */
    f[0] = 2;
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_NULL, f, 24, &l), 0);
    CHECK(l.ip == f + 4);
    CHECK_EQU(l.ethertype, 0x0800);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_LOOP, f, 24, &l), L4_ERR_MALFORMED);
    f[0] = 0, f[3] = 2;
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_NULL, f, 24, &l), 0);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_LOOP, f, 24, &l), 0);
    /* AF_INET6 of Linux (10), the BSDs (24, 28) and macOS (30). */
    const uint8_t fams[4] = {10, 24, 28, 30};
    for (int i = 0; i < 4; i++) {
        f[3] = fams[i];
        CHECK_EQ(l4_pcap_link_ip(L4_LINK_LOOP, f, 24, &l), 0);
        CHECK_EQU(l.ethertype, 0x86dd);
    }
    f[3] = 99;
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_NULL, f, 24, &l), L4_ERR_MALFORMED);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_NULL, f, 3, &l), L4_ERR_TRUNCATED);
    f[3] = 2;
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_LOOP, f, 4, &l), L4_ERR_TRUNCATED);

    const int raws[3] = {L4_LINK_RAW_DLT, L4_LINK_RAW_OPENBSD, L4_LINK_RAW};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(l4_pcap_link_ip(raws[i], ip4, 20, &l), 0);
        CHECK(l.ip == ip4);
        CHECK_EQU(l.hdr_len, 0);
        CHECK_STR(l4_pcap_link_name(raws[i]), "RAW");
    }
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_RAW, ip4, 0, &l), L4_ERR_TRUNCATED);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_IPV4, ip4, 20, &l), 0);
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_IPV6, ip4, 20, &l), L4_ERR_MALFORMED);
    uint8_t bad[1] = {0x55};
    CHECK_EQ(l4_pcap_link_ip(L4_LINK_RAW, bad, 1, &l), L4_ERR_MALFORMED);
    CHECK_EQ(l4_pcap_link_ip(147, ip4, 20, &l), L4_ERR_UNSUPPORTED);
    CHECK_STR(l4_pcap_link_name(147), "unknown");
    CHECK_STR(l4_pcap_link_name(L4_LINK_LINUX_SLL2), "LINUX_SLL2");
}

/* The committed captures from tshark: 26 packets each, every one IP. */
static void check_real_capture(const char *name, int linktype, size_t hdr_len)
{
    const char *src = getenv("L4_SRC");
    CHECK_MSG(src, "L4_SRC is not set");
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/%s", src, name);
    l4_pcap_reader *r = NULL;
    char err[L4_PCAP_ERRBUF] = "";
    CHECK_MSG(l4_pcap_reader_open(&r, path, err, sizeof err) == 0, "%s: %.200s", name, err);
    CHECK_EQ(l4_pcap_reader_linktype(r), linktype);
    l4_pcap_record rec;
    int n = 0, v4 = 0, v6 = 0;
    l4_time first = 0, last = 0;
    while (l4_pcap_reader_next(r, &rec) == 1) {
        l4_pcap_link l;
        CHECK_EQ(l4_pcap_link_ip(rec.linktype, rec.data, rec.caplen, &l), 0);
        CHECK_EQU(l.hdr_len, hdr_len);
        CHECK_EQU(rec.caplen, rec.origlen);
        if (l.ip[0] >> 4 == 4) {
            v4++;
            CHECK_EQU(l.ethertype, 0x0800);
            CHECK_EQU(l4_get_u16(l.ip + 2), l.ip_len); /* no trailing padding on lo */
        } else {
            v6++;
            CHECK_EQU(l.ethertype, 0x86dd);
            CHECK_EQU(l4_get_u16(l.ip + 4) + 40, l.ip_len);
        }
        if (n == 0)
            first = rec.ts;
        CHECK(rec.ts >= last);
        last = rec.ts;
        n++;
    }
    CHECK_STR(l4_pcap_reader_error(r), "");
    CHECK_EQ(n, 26);
    CHECK_EQ(v4, 13);
    CHECK_EQ(v6, 13);
    CHECK(first > 1700000000ull * L4_S); /* a real wall-clock capture */
    CHECK(last - first < 5 * L4_S);
    l4_pcap_reader_close(r);
}

static void test_real_ethernet(void)
{
    check_real_capture("lo_tcp.pcap", L4_LINK_EN10MB, 14);
}

static void test_real_sll(void)
{
    check_real_capture("any_tcp.pcap", L4_LINK_LINUX_SLL, 16);
}

static void test_real_sll2(void)
{
    check_real_capture("any_sll2.pcap", L4_LINK_LINUX_SLL2, 20);
}

static const l4_test TESTS[] = {
    TEST(test_file_header_bytes),
    TEST(test_roundtrip),
    TEST(test_snaplen_cut),
    TEST(test_truncated_capture),
    TEST(test_corrupt_record_header),
    TEST(test_open_errors),
    TEST(test_link_ethernet),
    TEST(test_link_sll),
    TEST(test_link_null_loop_raw),
    TEST(test_real_ethernet),
    TEST(test_real_sll),
    TEST(test_real_sll2),
    TEST_END,
};

int main(int argc, char **argv)
{
    int rc = l4_test_main(argc, argv, TESTS);
    if (tmpdir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            rc = 1;
    }
    return rc;
}
