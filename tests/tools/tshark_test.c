/*
 * tests/tools/tshark_test.c — the tshark cross-check (issue 2, wire/):
 * packets built with l4kit's wire/ writers and written with io/pcap are
 * decoded by tshark to exactly the fields l4kit wrote — addresses, ports,
 * flags, seq, ack, window, urgent pointer, option kinds/lengths/values,
 * SACK blocks, ICMP type/code/id/seq, lengths and checksum status (good for
 * all but the one packet whose TCP checksum is deliberately wrong). The same
 * file is then read with `l4kit dissect --json`, which must report the same
 * values. tshark missing is a failure, not a skip.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "io/pcap.h"
#include "util/bytes.h"
#include "util/err.h"
#include "wire/addr.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#define MAXPKT 40

/* What one test packet is, as l4kit wrote it. */
typedef struct xpkt {
    int v6;
    uint8_t proto;
    uint8_t ttl, dscp, ecn;
    uint16_t ip_id;
    l4_tcp_hdr tcp;        /* ports, seq, ack, flags, window, urg, opts; payload_len */
    int bad_cksum;         /* corrupt the TCP checksum after writing */
    uint16_t sport, dport; /* UDP */
    size_t udp_plen;
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id, icmp_seq;
    /* filled when built */
    uint8_t bytes[1600];
    size_t len;
    uint16_t l4_cksum; /* the checksum field as written */
    uint16_t ip_cksum;
} xpkt;

static xpkt pk[MAXPKT];
static int npk;
static char tmpdir[64];
static char pcap_path[128];
static const uint8_t v4a[4] = {192, 0, 2, 1}, v4b[4] = {198, 51, 100, 2};
static const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void addrs(const xpkt *p, l4_addr *s, l4_addr *d)
{
    *s = p->v6 ? l4_addr_v6(v6a) : l4_addr_v4(v4a);
    *d = p->v6 ? l4_addr_v6(v6b) : l4_addr_v4(v4b);
}

/* IP header for `l4len` upper-layer bytes; returns the header length. */
static size_t put_ip(xpkt *p, size_t l4len)
{
    l4_ssize n;
    if (p->v6) {
        l4_ipv6_hdr h;
        memset(&h, 0, sizeof h);
        h.dscp = p->dscp;
        h.ecn = p->ecn;
        h.flow_label = 0x12345;
        h.payload_len = l4len;
        h.next_header = p->proto;
        h.hop_limit = p->ttl;
        memcpy(h.src, v6a, 16);
        memcpy(h.dst, v6b, 16);
        n = l4_ipv6_write(p->bytes, sizeof p->bytes, &h);
    } else {
        l4_ipv4_hdr h;
        memset(&h, 0, sizeof h);
        h.dscp = p->dscp;
        h.ecn = p->ecn;
        h.id = p->ip_id;
        h.df = 1;
        h.ttl = p->ttl;
        h.proto = p->proto;
        memcpy(h.src, v4a, 4);
        memcpy(h.dst, v4b, 4);
        h.payload_len = l4len;
        n = l4_ipv4_write(p->bytes, sizeof p->bytes, &h);
        p->ip_cksum = l4_get_u16(p->bytes + 10);
    }
    CHECK_MSG(n > 0, "ip write: %s", l4_strerror((int)n));
    return (size_t)n;
}

static void build(xpkt *p)
{
    l4_addr s, d;
    addrs(p, &s, &d);
    uint8_t l4[1500];
    l4_ssize n = 0;
    static uint8_t data[1400];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    if (p->proto == L4_IPPROTO_TCP) {
        p->tcp.payload = data;
        n = l4_tcp_write(l4, sizeof l4, &p->tcp, &s, &d);
        CHECK_MSG(n > 0, "tcp write: %s", l4_strerror((int)n));
        if (p->bad_cksum)
            l4_put_u16(l4 + 16, (uint16_t)(l4_get_u16(l4 + 16) ^ 0x5a5a));
        p->l4_cksum = l4_get_u16(l4 + 16);
    } else if (p->proto == L4_IPPROTO_UDP) {
        l4_udp_hdr u;
        memset(&u, 0, sizeof u);
        u.sport = p->sport;
        u.dport = p->dport;
        u.payload = data;
        u.payload_len = p->udp_plen;
        n = l4_udp_write(l4, sizeof l4, &u, &s, &d);
        CHECK_MSG(n > 0, "udp write: %s", l4_strerror((int)n));
        p->l4_cksum = l4_get_u16(l4 + 6);
    } else {
        l4_icmp_msg m;
        memset(&m, 0, sizeof m);
        m.type = p->icmp_type;
        m.code = p->icmp_code;
        m.id = p->icmp_id;
        m.seq = p->icmp_seq;
        /* An echo carries 32 bytes of data; an error quotes the previous packet. */
        if (p->icmp_id || p->icmp_seq) {
            m.body = data;
            m.body_len = 32;
        } else {
            m.body = p[-1].bytes;
            m.body_len = p[-1].len;
        }
        n = p->v6 ? l4_icmp6_write(l4, sizeof l4, &m, &s, &d) : l4_icmp4_write(l4, sizeof l4, &m);
        CHECK_MSG(n > 0, "icmp write: %s", l4_strerror((int)n));
        p->l4_cksum = l4_get_u16(l4 + 2);
    }
    size_t h = put_ip(p, (size_t)n);
    memcpy(p->bytes + h, l4, (size_t)n);
    p->len = h + (size_t)n;
}

static xpkt *add(int v6, uint8_t proto)
{
    xpkt *p = &pk[npk++];
    memset(p, 0, sizeof *p);
    p->v6 = v6;
    p->proto = proto;
    p->ttl = 64;
    p->ip_id = (uint16_t)(0x1000 + npk);
    return p;
}

static xpkt *add_tcp(int v6, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win)
{
    xpkt *p = add(v6, L4_IPPROTO_TCP);
    p->tcp.sport = 40000;
    p->tcp.dport = 443;
    p->tcp.flags = flags;
    p->tcp.seq = seq;
    p->tcp.ack = ack;
    p->tcp.window = win;
    return p;
}

/* The set of packets, for one IP version. */
static void add_set(int v6)
{
    const uint32_t isn_c = 0xfffffff0u, isn_s = 0x12345678u; /* client's ISN wraps */
    xpkt *p = add_tcp(v6, L4_TCP_SYN, isn_c, 0, 64240);
    p->tcp.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS | L4_TCP_HAS_WSCALE;
    p->tcp.opts.mss = v6 ? 1440 : 1460;
    p->tcp.opts.ts_val = 1000;
    p->tcp.opts.wscale = 7;
    p->dscp = 46; /* EF */

    p = add_tcp(v6, L4_TCP_SYN | L4_TCP_ACK, isn_s, isn_c + 1, 65160);
    p->tcp.sport = 443, p->tcp.dport = 40000;
    p->tcp.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS | L4_TCP_HAS_WSCALE;
    p->tcp.opts.mss = 1400;
    p->tcp.opts.ts_val = 77777;
    p->tcp.opts.ts_ecr = 1000;
    p->tcp.opts.wscale = 14;

    p = add_tcp(v6, L4_TCP_ACK, isn_c + 1, isn_s + 1, 502);
    p->tcp.payload_len = 100;
    p->tcp.opts.present = L4_TCP_HAS_TS | L4_TCP_HAS_SACK;
    p->tcp.opts.ts_val = 1010;
    p->tcp.opts.ts_ecr = 77777;
    p->tcp.opts.sack_count = 2;
    p->tcp.opts.sack[0] = (l4_tcp_sack_block){isn_s + 1001, isn_s + 2001};
    p->tcp.opts.sack[1] = (l4_tcp_sack_block){0xfffffc00u, 0x00000400u}; /* across the wrap */

    p = add_tcp(v6, L4_TCP_FIN | L4_TCP_ACK, isn_c + 101, isn_s + 1, 502);
    p = add_tcp(v6, L4_TCP_RST, isn_s + 1, 0, 0);
    p->tcp.sport = 443, p->tcp.dport = 40000;
    p = add_tcp(v6, L4_TCP_URG | L4_TCP_PSH | L4_TCP_ACK, 5000, 6000, 1024);
    p->tcp.urg = 5;
    p->tcp.payload_len = 10;
    p = add_tcp(v6, L4_TCP_SYN | L4_TCP_ECE | L4_TCP_CWR, 42, 0, 29200);
    p->tcp.opts.present = L4_TCP_HAS_MSS;
    p->tcp.opts.mss = 536;
    p = add_tcp(v6, L4_TCP_ACK | L4_TCP_ECE, 43, 43, 29200);
    p->ecn = L4_ECN_CE;
    p = add_tcp(v6, L4_TCP_ACK | L4_TCP_CWR, 44, 44, 29200);
    p->ecn = L4_ECN_ECT0;

    p = add(v6, L4_IPPROTO_UDP);
    p->sport = 5353, p->dport = 4433;
    p->udp_plen = 37;
    p = add(v6, v6 ? L4_IPPROTO_ICMPV6 : L4_IPPROTO_ICMP);
    p->icmp_type = v6 ? L4_ICMP6_ECHO_REQUEST : L4_ICMP4_ECHO_REQUEST;
    p->icmp_id = 0xbeef, p->icmp_seq = 7;
    p->ttl = 1;
    /* A UDP datagram and the port unreachable that quotes it. */
    p = add(v6, L4_IPPROTO_UDP);
    p->sport = 33434, p->dport = 33435;
    p->udp_plen = 12;
    p = add(v6, v6 ? L4_IPPROTO_ICMPV6 : L4_IPPROTO_ICMP);
    p->icmp_type = v6 ? L4_ICMP6_DEST_UNREACH : L4_ICMP4_DEST_UNREACH;
    p->icmp_code = v6 ? L4_ICMP6_UNREACH_PORT : L4_ICMP4_UNREACH_PORT;
    p = add_tcp(v6, L4_TCP_PSH | L4_TCP_ACK, 777, 888, 4096);
    p->tcp.payload_len = 20;
    p->bad_cksum = 1;
}

static void make_capture(void)
{
    if (npk)
        return;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/l4tsharkXXXXXX");
    CHECK(mkdtemp(tmpdir));
    snprintf(pcap_path, sizeof pcap_path, "%s/x.pcap", tmpdir);
    add_set(0);
    add_set(1);
    l4_pcap_writer *w = NULL;
    char err[L4_PCAP_ERRBUF];
    CHECK_EQ(l4_pcap_writer_open(&w, pcap_path, err, sizeof err), 0);
    for (int i = 0; i < npk; i++) {
        build(&pk[i]);
        CHECK_EQ(l4_pcap_writer_write(w, (l4_time)i * 1000 * L4_US, pk[i].bytes, pk[i].len), 0);
    }
    CHECK_EQ(l4_pcap_writer_close(w), 0);
}

/* ---- tshark ---- */

static const char *const fields[] = {"frame.number",
                                     "ip.src",
                                     "ip.dst",
                                     "ipv6.src",
                                     "ipv6.dst",
                                     "ip.ttl",
                                     "ipv6.hlim",
                                     "ip.id",
                                     "ip.dsfield.dscp",
                                     "ip.dsfield.ecn",
                                     "ipv6.tclass.dscp",
                                     "ipv6.tclass.ecn",
                                     "ip.flags.df",
                                     "ip.checksum",
                                     "ip.checksum.status",
                                     "tcp.srcport",
                                     "tcp.dstport",
                                     "tcp.seq",
                                     "tcp.ack",
                                     "tcp.flags",
                                     "tcp.window_size_value",
                                     "tcp.urgent_pointer",
                                     "tcp.len",
                                     "tcp.hdr_len",
                                     "tcp.checksum",
                                     "tcp.checksum.status",
                                     "tcp.option_kind",
                                     "tcp.option_len",
                                     "tcp.options.mss_val",
                                     "tcp.options.wscale.shift",
                                     "tcp.options.timestamp.tsval",
                                     "tcp.options.timestamp.tsecr",
                                     "tcp.options.sack_le",
                                     "tcp.options.sack_re",
                                     "udp.srcport",
                                     "udp.dstport",
                                     "udp.length",
                                     "udp.checksum",
                                     "udp.checksum.status",
                                     "icmp.type",
                                     "icmp.code",
                                     "icmp.ident",
                                     "icmp.seq",
                                     "icmp.checksum",
                                     "icmp.checksum.status",
                                     "icmpv6.type",
                                     "icmpv6.code",
                                     "icmpv6.echo.identifier",
                                     "icmpv6.echo.sequence_number",
                                     "icmpv6.checksum",
                                     "icmpv6.checksum.status",
                                     "ipv6.flow",
                                     NULL};
#define NFIELDS 52

enum {
    F_FRAME,
    F_IPSRC,
    F_IPDST,
    F_IP6SRC,
    F_IP6DST,
    F_TTL,
    F_HLIM,
    F_IPID,
    F_DSCP,
    F_ECN,
    F_DSCP6,
    F_ECN6,
    F_DF,
    F_IPCK,
    F_IPCKS,
    F_TSPORT,
    F_TDPORT,
    F_SEQ,
    F_ACK,
    F_FLAGS,
    F_WIN,
    F_URG,
    F_TLEN,
    F_THL,
    F_TCK,
    F_TCKS,
    F_OKIND,
    F_OLEN,
    F_MSS,
    F_WS,
    F_TSV,
    F_TSE,
    F_SLE,
    F_SRE,
    F_USPORT,
    F_UDPORT,
    F_ULEN,
    F_UCK,
    F_UCKS,
    F_ITYPE,
    F_ICODE,
    F_IID,
    F_ISEQ,
    F_ICK,
    F_ICKS,
    F_I6TYPE,
    F_I6CODE,
    F_I6ID,
    F_I6SEQ,
    F_I6CK,
    F_I6CKS,
    F_FLOW
};

static char rows[MAXPKT][NFIELDS][160];
static int nrows;

static void run_tshark(void)
{
    if (nrows)
        return;
    make_capture();
    CHECK_MSG(system("tshark -v >/dev/null 2>&1") == 0,
              "tshark is not installed or does not run: the cross-check needs it "
              "(scripts/deps.sh installs the Debian package 'tshark')");
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd,
                     "tshark -n -r %s -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE "
                     "-o ip.check_checksum:TRUE "
                     "-o tcp.relative_sequence_numbers:FALSE -o tcp.analyze_sequence_numbers:FALSE "
                     "-T fields -E separator=/t -E occurrence=a -E aggregator=,",
                     pcap_path);
    for (int i = 0; fields[i]; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " -e %s", fields[i]);
    snprintf(cmd + n, sizeof cmd - (size_t)n, " 2>%s/tshark.err", tmpdir);
    FILE *f = popen(cmd, "r");
    CHECK(f);
    char line[8192];
    while (fgets(line, sizeof line, f) && nrows < MAXPKT) {
        line[strcspn(line, "\n")] = 0;
        char *s = line;
        for (int k = 0; k < NFIELDS; k++) {
            char *tok = strsep(&s, "\t");
            snprintf(rows[nrows][k], sizeof rows[nrows][k], "%s", tok ? tok : "");
        }
        nrows++;
    }
    int rc = pclose(f);
    CHECK_MSG(rc == 0, "tshark failed (exit %d); see %s/tshark.err", rc, tmpdir);
    CHECK_EQ(nrows, npk);
}

/* The first of a comma-separated occurrence list. */
static const char *first(int row, int field)
{
    static char buf[160];
    size_t n = strcspn(rows[row][field], ",");
    memcpy(buf, rows[row][field], n); /* n < 160: rows hold NUL-terminated strings of 160 */
    buf[n] = 0;
    return buf;
}

#define CHECK_FIELD(row, field, fmt, ...)                                                          \
    do {                                                                                           \
        char want_[160];                                                                           \
        snprintf(want_, sizeof want_, fmt, __VA_ARGS__);                                           \
        CHECK_MSG(strcmp(first(row, field), want_) == 0,                                           \
                  "packet %d: %.40s is '%.80s', wrote '%.80s'", (row) + 1, fields[field],          \
                  rows[row][field], want_);                                                        \
    } while (0)

#define CHECK_ALL(row, field, want)                                                                \
    CHECK_MSG(strcmp(rows[row][field], want) == 0, "packet %d: %.40s is '%.80s', wrote '%.80s'",   \
              (row) + 1, fields[field], rows[row][field], want)

static void check_ip(int i)
{
    const xpkt *p = &pk[i];
    if (p->v6) {
        CHECK_FIELD(i, F_IP6SRC, "%s", "2001:db8::1");
        CHECK_FIELD(i, F_IP6DST, "%s", "2001:db8::2");
        CHECK_FIELD(i, F_HLIM, "%u", p->ttl);
        CHECK_FIELD(i, F_DSCP6, "%u", p->dscp);
        CHECK_FIELD(i, F_ECN6, "%u", p->ecn);
        CHECK_FIELD(i, F_FLOW, "%s", "0x012345");
        CHECK_ALL(i, F_IPSRC, ""); /* no IPv4 header anywhere in these */
    } else {
        CHECK_FIELD(i, F_IPSRC, "%s", "192.0.2.1");
        CHECK_FIELD(i, F_IPDST, "%s", "198.51.100.2");
        CHECK_FIELD(i, F_TTL, "%u", p->ttl);
        CHECK_FIELD(i, F_IPID, "0x%04x", p->ip_id);
        CHECK_FIELD(i, F_DSCP, "%u", p->dscp);
        CHECK_FIELD(i, F_ECN, "%u", p->ecn);
        CHECK_FIELD(i, F_DF, "%s", "1");
        CHECK_FIELD(i, F_IPCK, "0x%04x", p->ip_cksum);
        CHECK_FIELD(i, F_IPCKS, "%s", "1"); /* 1 = good */
    }
}

/* The option kinds and lengths l4_tcp_write lays out (wire/tcp.h). */
static void want_opts(const l4_tcp_opts *o, char *kinds, char *lens, size_t cap)
{
    kinds[0] = lens[0] = 0;
    size_t nk = 0, nl = 0;
#define OPT(k, l)                                                                                  \
    do {                                                                                           \
        nk += (size_t)snprintf(kinds + nk, cap - nk, "%s%d", nk ? "," : "", k);                    \
        nl += (size_t)snprintf(lens + nl, cap - nl, "%s%d", nl ? "," : "", l);                     \
    } while (0)
    /* tshark gives NOP/EOL a kind but no length, so the lengths list skips them. */
    if (o->present & L4_TCP_HAS_MSS)
        OPT(2, 4);
    if ((o->present & L4_TCP_HAS_SACK_PERM) && (o->present & L4_TCP_HAS_TS)) {
        OPT(4, 2);
        OPT(8, 10);
    } else if (o->present & L4_TCP_HAS_TS) {
        nk += (size_t)snprintf(kinds + nk, cap - nk, "%s1,1", nk ? "," : "");
        OPT(8, 10);
    } else if (o->present & L4_TCP_HAS_SACK_PERM) {
        nk += (size_t)snprintf(kinds + nk, cap - nk, "%s1,1", nk ? "," : "");
        OPT(4, 2);
    }
    if (o->present & L4_TCP_HAS_WSCALE) {
        nk += (size_t)snprintf(kinds + nk, cap - nk, "%s1", nk ? "," : "");
        OPT(3, 3);
    }
    if ((o->present & L4_TCP_HAS_SACK) && o->sack_count) {
        nk += (size_t)snprintf(kinds + nk, cap - nk, "%s1,1", nk ? "," : "");
        OPT(5, 2 + 8 * o->sack_count);
    }
#undef OPT
}

static void check_tcp(int i)
{
    const xpkt *p = &pk[i];
    const l4_tcp_hdr *t = &p->tcp;
    CHECK_FIELD(i, F_TSPORT, "%u", t->sport);
    CHECK_FIELD(i, F_TDPORT, "%u", t->dport);
    CHECK_FIELD(i, F_SEQ, "%" PRIu32, t->seq);
    if (t->flags & L4_TCP_ACK)
        CHECK_FIELD(i, F_ACK, "%" PRIu32, t->ack);
    CHECK_FIELD(i, F_FLAGS, "0x%04x", t->flags);
    CHECK_FIELD(i, F_WIN, "%u", t->window);
    CHECK_FIELD(i, F_URG, "%u", t->urg);
    CHECK_FIELD(i, F_TLEN, "%zu", t->payload_len);
    l4_ssize ol = l4_tcp_opts_len(&t->opts);
    CHECK(ol >= 0);
    CHECK_FIELD(i, F_THL, "%d", 20 + (int)ol);
    CHECK_FIELD(i, F_TCK, "0x%04x", p->l4_cksum);
    CHECK_FIELD(i, F_TCKS, "%s", p->bad_cksum ? "0" : "1"); /* 0 = bad, 1 = good */
    char kinds[128], lens[128];
    want_opts(&t->opts, kinds, lens, sizeof kinds);
    CHECK_ALL(i, F_OKIND, kinds);
    CHECK_ALL(i, F_OLEN, lens);
    const l4_tcp_opts *o = &t->opts;
    if (o->present & L4_TCP_HAS_MSS)
        CHECK_FIELD(i, F_MSS, "%u", o->mss);
    else
        CHECK_ALL(i, F_MSS, "");
    if (o->present & L4_TCP_HAS_WSCALE)
        CHECK_FIELD(i, F_WS, "%u", o->wscale);
    else
        CHECK_ALL(i, F_WS, "");
    if (o->present & L4_TCP_HAS_TS) {
        CHECK_FIELD(i, F_TSV, "%" PRIu32, o->ts_val);
        CHECK_FIELD(i, F_TSE, "%" PRIu32, o->ts_ecr);
    } else {
        CHECK_ALL(i, F_TSV, "");
    }
    if (o->present & L4_TCP_HAS_SACK) {
        char le[128] = "", re[128] = "";
        size_t a = 0, b = 0;
        for (int k = 0; k < o->sack_count; k++) {
            a += (size_t)snprintf(le + a, sizeof le - a, "%s%" PRIu32, k ? "," : "",
                                  o->sack[k].left);
            b += (size_t)snprintf(re + b, sizeof re - b, "%s%" PRIu32, k ? "," : "",
                                  o->sack[k].right);
        }
        CHECK_ALL(i, F_SLE, le);
        CHECK_ALL(i, F_SRE, re);
    } else {
        CHECK_ALL(i, F_SLE, "");
    }
}

static void check_udp(int i)
{
    const xpkt *p = &pk[i];
    CHECK_FIELD(i, F_USPORT, "%u", p->sport);
    CHECK_FIELD(i, F_UDPORT, "%u", p->dport);
    CHECK_FIELD(i, F_ULEN, "%zu", p->udp_plen + 8);
    CHECK_FIELD(i, F_UCK, "0x%04x", p->l4_cksum);
    CHECK_FIELD(i, F_UCKS, "%s", "1");
}

static void check_icmp(int i)
{
    const xpkt *p = &pk[i];
    int echo = p->icmp_id || p->icmp_seq;
    if (p->v6) {
        CHECK_FIELD(i, F_I6TYPE, "%u", p->icmp_type);
        CHECK_FIELD(i, F_I6CODE, "%u", p->icmp_code);
        CHECK_FIELD(i, F_I6CK, "0x%04x", p->l4_cksum);
        CHECK_FIELD(i, F_I6CKS, "%s", "1");
        if (echo) {
            CHECK_FIELD(i, F_I6ID, "0x%04x", p->icmp_id);
            CHECK_FIELD(i, F_I6SEQ, "%u", p->icmp_seq);
        }
    } else {
        CHECK_FIELD(i, F_ITYPE, "%u", p->icmp_type);
        CHECK_FIELD(i, F_ICODE, "%u", p->icmp_code);
        CHECK_FIELD(i, F_ICK, "0x%04x", p->l4_cksum);
        CHECK_FIELD(i, F_ICKS, "%s", "1");
        if (echo) {
            CHECK_FIELD(i, F_IID, "%u", p->icmp_id);
            CHECK_FIELD(i, F_ISEQ, "%u", p->icmp_seq);
        }
    }
    if (!echo) {
        /* The quoted datagram is the one before, decoded by tshark too. */
        CHECK_MSG(strstr(rows[i][F_UDPORT], "33435") != NULL, "packet %d: quoted port '%s'", i + 1,
                  rows[i][F_UDPORT]);
    }
}

static void test_tshark_reads_what_l4kit_wrote(void)
{
    run_tshark();
    int bad = 0;
    for (int i = 0; i < npk; i++) {
        CHECK_FIELD(i, F_FRAME, "%d", i + 1);
        check_ip(i);
        if (pk[i].proto == L4_IPPROTO_TCP)
            check_tcp(i);
        else if (pk[i].proto == L4_IPPROTO_UDP)
            check_udp(i);
        else
            check_icmp(i);
        bad += pk[i].bad_cksum;
    }
    CHECK_EQ(npk, 28);
    CHECK_EQ(bad, 2);
}

/* ---- l4kit dissect --json on the same file ---- */

static void want_in(const char *line, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void want_in(const char *line, int i, const char *fmt, ...)
{
    char want[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    CHECK_MSG(strstr(line, want) != NULL, "dissect packet %d lacks '%.150s': %.200s", i + 1, want,
              line);
}

static void test_dissect_json_agrees(void)
{
    make_capture();
    const char *l4kit = getenv("L4KIT");
    CHECK_MSG(l4kit, "L4KIT is not set");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' dissect --json %s", l4kit, pcap_path);
    FILE *f = popen(cmd, "r");
    CHECK(f);
    static char line[16384];
    int i = -1;
    while (fgets(line, sizeof line, f)) {
        if (line[0] != '{')
            continue;
        i++;
        CHECK(i < npk);
        const xpkt *p = &pk[i];
        want_in(line, i, "\"index\":%d,\"time\":%d.%03d000,", i + 1, i / 1000, i % 1000);
        if (p->v6)
            want_in(line, i,
                    "\"ip\":{\"version\":6,\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\","
                    "\"dscp\":%u,\"ecn\":",
                    p->dscp);
        else
            want_in(line, i,
                    "\"ip\":{\"version\":4,\"src\":\"192.0.2.1\",\"dst\":\"198.51.100.2\","
                    "\"hdr_len\":20,\"dscp\":%u,",
                    p->dscp);
        if (!p->v6)
            want_in(line, i, "\"id\":%u,\"df\":true,\"mf\":false,\"frag_off\":0,\"ttl\":%u",
                    p->ip_id, p->ttl);
        if (p->proto == L4_IPPROTO_TCP) {
            const l4_tcp_hdr *t = &p->tcp;
            want_in(line, i,
                    "\"tcp\":{\"sport\":%u,\"dport\":%u,\"seq\":%" PRIu32 ",\"ack\":%" PRIu32,
                    t->sport, t->dport, t->seq, t->ack);
            want_in(line, i,
                    "\"flags_value\":%u,\"window\":%u,\"checksum\":%u,\"checksum_status\":\"%s\"",
                    t->flags, t->window, p->l4_cksum, p->bad_cksum ? "bad" : "good");
            want_in(line, i, "\"urgent\":%u,\"payload_len\":%zu", t->urg, t->payload_len);
            if (t->opts.present & L4_TCP_HAS_MSS)
                want_in(line, i, "\"name\":\"MSS\",\"mss\":%u}", t->opts.mss);
            if (t->opts.present & L4_TCP_HAS_WSCALE)
                want_in(line, i, "\"name\":\"WS\",\"shift\":%u}", t->opts.wscale);
            if (t->opts.present & L4_TCP_HAS_TS)
                want_in(line, i, "\"name\":\"TS\",\"val\":%" PRIu32 ",\"ecr\":%" PRIu32 "}",
                        t->opts.ts_val, t->opts.ts_ecr);
            if (t->opts.present & L4_TCP_HAS_SACK)
                want_in(line, i,
                        "\"name\":\"SACK\",\"blocks\":[[%" PRIu32 ",%" PRIu32 "],[%" PRIu32
                        ",%" PRIu32 "]]}",
                        t->opts.sack[0].left, t->opts.sack[0].right, t->opts.sack[1].left,
                        t->opts.sack[1].right);
        } else if (p->proto == L4_IPPROTO_UDP) {
            want_in(line, i,
                    "\"udp\":{\"sport\":%u,\"dport\":%u,\"len\":%zu,\"checksum\":%u,"
                    "\"checksum_status\":\"good\",\"payload_len\":%zu",
                    p->sport, p->dport, p->udp_plen + 8, p->l4_cksum, p->udp_plen);
        } else {
            want_in(line, i, "\"icmp\":{\"type\":%u,\"code\":%u,", p->icmp_type, p->icmp_code);
            want_in(line, i, "\"checksum\":%u,\"checksum_status\":\"good\"", p->l4_cksum);
            if (p->icmp_id)
                want_in(line, i, "\"id\":%u,\"seq\":%u", p->icmp_id, p->icmp_seq);
            else
                want_in(line, i, "\"quoted\":{\"proto\":17,");
        }
        if (p->ip_cksum && !p->v6)
            want_in(line, i, "\"checksum\":%u,\"checksum_status\":\"good\"}", p->ip_cksum);
    }
    int rc = pclose(f);
    CHECK_EQ(rc, 0);
    CHECK_EQ(i + 1, npk);
}

static const l4_test TESTS[] = {
    TEST(test_tshark_reads_what_l4kit_wrote),
    TEST(test_dissect_json_agrees),
    TEST_END,
};

int main(int argc, char **argv)
{
    int rc = l4_test_main(argc, argv, TESTS);
    if (tmpdir[0] && rc == 0) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            rc = 1;
    } else if (tmpdir[0]) {
        fprintf(stderr, "files kept in %s\n", tmpdir);
    }
    return rc;
}
