/*
 * tests/tcp/syncookie_test.c — SYN cookies (RFC 4987 §3.6): the codec
 * (round trip over the cookie's lifetime, stale counters, the 5-bit counter
 * wrapping, a wrong key, every field of the tuple and the MSS bits
 * tampered, the MSS table, the option bits in TSval), then the engine: the
 * stateless SYN-ACK's exact options, the check of the returning ACK, and a
 * connection opened ESTABLISHED from it with the negotiated MSS / window
 * scale / SACK / timestamps, taking the data the ACK carries.
 */
#include <string.h>

#include "check.h"
#include "tcp/conn.h"
#include "tcp/syncookie.h"
#include "wire/tcp.h"

static const uint8_t KEY[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
#define P L4_SYNCOOKIE_PERIOD

static l4_syncookie_tuple tuple4(void)
{
    l4_syncookie_tuple t;
    memset(&t, 0, sizeof t);
    l4_addr_parse(&t.laddr, "10.0.0.1");
    l4_addr_parse(&t.raddr, "10.0.0.2");
    t.lport = 80;
    t.rport = 40000;
    return t;
}

static void test_round_trip_and_age(void)
{
    l4_syncookie_tuple t = tuple4();
    l4_time t0 = 1000 * P + 5 * L4_S;
    for (unsigned idx = 0; idx < L4_SYNCOOKIE_NMSS; idx++) {
        uint32_t c = l4_syncookie_make(KEY, &t, 0x12345678u, idx, t0);
        CHECK_EQU(c >> 27, (1000u & 31u)); /* t mod 32 on top (RFC 4987 §3.6) */
        CHECK_EQU((c >> 24) & 7u, idx);
        unsigned got = 99;
        CHECK_EQ(l4_syncookie_check(KEY, &t, 0x12345678u, c, t0, &got), 0);
        CHECK_EQU(got, idx);
        /* Still good through the next period ... */
        got = 99;
        CHECK_EQ(l4_syncookie_check(KEY, &t, 0x12345678u, c, 1001 * P + P - 1, &got), 0);
        CHECK_EQU(got, idx);
        /* ... stale once the counter moved on by two. */
        CHECK_EQ(l4_syncookie_check(KEY, &t, 0x12345678u, c, 1002 * P, &got), L4_ERR_LIMIT);
        CHECK_EQ(l4_syncookie_check(KEY, &t, 0x12345678u, c, 1010 * P, &got), L4_ERR_LIMIT);
        /* 32 periods later the 5 bits match again: the MAC (over the full
           counter) does not. */
        CHECK_EQ(l4_syncookie_check(KEY, &t, 0x12345678u, c, 1032 * P + 1, &got), L4_ERR_CHECKSUM);
    }
    /* Cookies for the same tuple differ by the peer's ISN and by time. */
    uint32_t a = l4_syncookie_make(KEY, &t, 1, 6, 0);
    CHECK(a != l4_syncookie_make(KEY, &t, 2, 6, 0));
    CHECK(a != l4_syncookie_make(KEY, &t, 1, 6, P));
    /* At virtual time 0 a cookie "from before" cannot exist. */
    unsigned got;
    CHECK_EQ(l4_syncookie_check(KEY, &t, 1, (31u << 27) | (a & 0x07ffffffu), 0, &got),
             L4_ERR_LIMIT);
    CHECK_EQ(l4_syncookie_check(NULL, &t, 1, a, 0, &got), L4_ERR_INVALID_ARGUMENT);
}

static void test_wrong_key_and_tampering(void)
{
    l4_syncookie_tuple t = tuple4();
    l4_time now = 77 * P;
    uint32_t c = l4_syncookie_make(KEY, &t, 500, 6, now);
    unsigned got;
    uint8_t k2[16];
    memcpy(k2, KEY, 16);
    k2[15] ^= 1;
    CHECK_EQ(l4_syncookie_check(k2, &t, 500, c, now, &got), L4_ERR_CHECKSUM);
    l4_syncookie_tuple x = t;
    x.laddr.bytes[3] ^= 1;
    CHECK_EQ(l4_syncookie_check(KEY, &x, 500, c, now, &got), L4_ERR_CHECKSUM);
    x = t;
    x.raddr.bytes[0] ^= 0x80;
    CHECK_EQ(l4_syncookie_check(KEY, &x, 500, c, now, &got), L4_ERR_CHECKSUM);
    x = t;
    x.lport++;
    CHECK_EQ(l4_syncookie_check(KEY, &x, 500, c, now, &got), L4_ERR_CHECKSUM);
    x = t;
    x.rport ^= 0x100;
    CHECK_EQ(l4_syncookie_check(KEY, &x, 500, c, now, &got), L4_ERR_CHECKSUM);
    CHECK_EQ(l4_syncookie_check(KEY, &t, 501, c, now, &got), L4_ERR_CHECKSUM);
    /* the MSS bits are covered by the MAC too: a peer cannot raise its MSS */
    CHECK_EQ(l4_syncookie_check(KEY, &t, 500, c ^ (1u << 24), now, &got), L4_ERR_CHECKSUM);
    /* any single MAC bit */
    for (int b = 0; b < 24; b++)
        CHECK_EQ(l4_syncookie_check(KEY, &t, 500, c ^ (1u << b), now, &got), L4_ERR_CHECKSUM);
    /* the derived key differs from the secret it comes from, per secret */
    uint8_t d1[16], d2[16];
    l4_syncookie_key(KEY, d1);
    l4_syncookie_key(k2, d2);
    CHECK(memcmp(d1, KEY, 16) != 0);
    CHECK(memcmp(d1, d2, 16) != 0);
}

static void test_mss_table(void)
{
    for (unsigned i = 1; i < L4_SYNCOOKIE_NMSS; i++)
        CHECK(l4_syncookie_mss(i) > l4_syncookie_mss(i - 1));
    CHECK_EQU(l4_syncookie_mss(L4_SYNCOOKIE_NMSS), 0);
    CHECK_EQU(l4_syncookie_mss(l4_syncookie_mss_index(1460)), 1460);
    CHECK_EQU(l4_syncookie_mss(l4_syncookie_mss_index(1459)), 1440);
    CHECK_EQU(l4_syncookie_mss(l4_syncookie_mss_index(536)), 536);   /* IPv4 default */
    CHECK_EQU(l4_syncookie_mss(l4_syncookie_mss_index(1220)), 1220); /* IPv6 default */
    CHECK_EQU(l4_syncookie_mss(l4_syncookie_mss_index(1452)), 1440); /* PPPoE: rounded down */
    CHECK_EQU(l4_syncookie_mss(l4_syncookie_mss_index(65535)), 8960);
    CHECK_EQU(l4_syncookie_mss_index(100), 0); /* below the table: its smallest */
    /* never above what the peer announced, from the smallest entry up */
    for (unsigned m = 256; m < 10000; m += 7)
        CHECK(l4_syncookie_mss(l4_syncookie_mss_index((uint16_t)m)) <= m);
}

static void test_ts_bits(void)
{
    l4_syncookie_opts o = {0}, r;
    o.ws_ok = 1;
    o.snd_wscale = 7;
    o.sack_ok = 1;
    uint32_t now = 0x10000005u;
    uint32_t ts = l4_syncookie_ts_encode(now, &o);
    CHECK((int32_t)(ts - now) <= 0); /* never ahead of the clock */
    CHECK(now - ts < 64);
    CHECK_EQU(ts & 63u, 7u | 16u);
    memset(&r, 0, sizeof r);
    CHECK_EQ(l4_syncookie_ts_decode(ts, now + 1500, &r), 0);
    CHECK_EQ(r.ws_ok, 1);
    CHECK_EQ(r.snd_wscale, 7);
    CHECK_EQ(r.sack_ok, 1);
    CHECK_EQ(r.ecn_ok, 0);
    /* no window scaling, ECN only */
    memset(&o, 0, sizeof o);
    o.ecn_ok = 1;
    ts = l4_syncookie_ts_encode(now, &o);
    CHECK_EQU(ts & 63u, 15u | 32u);
    CHECK_EQ(l4_syncookie_ts_decode(ts, now, &r), 0);
    CHECK_EQ(r.ws_ok, 0);
    CHECK_EQ(r.snd_wscale, 0);
    CHECK_EQ(r.sack_ok, 0);
    CHECK_EQ(r.ecn_ok, 1);
    /* across a wrap of the timestamp clock */
    ts = l4_syncookie_ts_encode(3, &o);
    CHECK_EQ(l4_syncookie_ts_decode(ts, 10, &r), 0);
    /* an echo from the future, or older than any cookie lives */
    CHECK_EQ(l4_syncookie_ts_decode(now + 100, now, &r), L4_ERR_MALFORMED);
    CHECK_EQ(l4_syncookie_ts_decode(now - 200000, now, &r), L4_ERR_MALFORMED);
}

/* ---- the engine: stateless SYN-ACK, ACK check, connection from it ---- */

static l4_addr addr(const char *s)
{
    l4_addr a;
    l4_addr_parse(&a, s);
    return a;
}

static size_t build(uint8_t *buf, const l4_tcp_hdr *h, const l4_addr *src, const l4_addr *dst)
{
    l4_ssize n = l4_tcp_write(buf, 2048, h, src, dst);
    CHECK(n > 0);
    return (size_t)n;
}

typedef struct ev {
    int established, readable;
} ev;
static void on_est(l4_tcp_conn *c, void *u)
{
    (void)c;
    ((ev *)u)->established++;
}
static void on_read(l4_tcp_conn *c, void *u)
{
    (void)c;
    ((ev *)u)->readable++;
}

static void test_engine_full_options(void)
{
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    s.rcvbuf = 1u << 20; /* window shift 5 */
    s.ecn = 1;
    for (int i = 0; i < 16; i++)
        s.isn_secret[i] = (uint8_t)(0xa0 + i);
    l4_addr la = addr("10.0.0.1"), ra = addr("10.0.0.2");
    l4_time now = 5000 * L4_S;

    /* The peer's SYN: MSS 1400, WS 7, SACK-permitted, TS, ECN-setup. */
    l4_tcp_hdr syn;
    memset(&syn, 0, sizeof syn);
    syn.sport = 40000;
    syn.dport = 80;
    syn.seq = 0xfffffff0u; /* the data will wrap the sequence space */
    syn.flags = L4_TCP_SYN | L4_TCP_ECE | L4_TCP_CWR;
    syn.window = 64240;
    syn.opts.present = L4_TCP_HAS_MSS | L4_TCP_HAS_WSCALE | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS;
    syn.opts.mss = 1400;
    syn.opts.wscale = 7;
    syn.opts.ts_val = 4242;
    uint8_t out[128];
    l4_ssize n = l4_tcp_syncookie_synack(&s, &la, &ra, &syn, now, out, sizeof out);
    CHECK(n > 0);
    l4_tcp_hdr sa;
    CHECK_EQ(l4_tcp_parse(&sa, out, (size_t)n, &la, &ra), 0);
    CHECK_EQU(sa.flags, L4_TCP_SYN | L4_TCP_ACK | L4_TCP_ECE);
    CHECK_EQU(sa.sport, 80);
    CHECK_EQU(sa.dport, 40000);
    CHECK_EQU(sa.ack, 0xfffffff1u);
    CHECK_EQU(sa.window, 65535);
    CHECK_EQU(sa.opts.present,
              L4_TCP_HAS_MSS | L4_TCP_HAS_WSCALE | L4_TCP_HAS_SACK_PERM | L4_TCP_HAS_TS);
    CHECK_EQU(sa.opts.mss, 1460);
    CHECK_EQU(sa.opts.wscale, 5);
    CHECK_EQU(sa.opts.ts_ecr, 4242);
    CHECK_EQU(sa.opts.ts_val & 63u, 7u | 16u | 32u);
    CHECK_EQU((sa.seq >> 24) & 7u, l4_syncookie_mss_index(1400)); /* 1380 */
    /* Not a SYN, or too small a buffer: refused. */
    l4_tcp_hdr bad = syn;
    bad.flags |= L4_TCP_ACK;
    CHECK_EQ(l4_tcp_syncookie_synack(&s, &la, &ra, &bad, now, out, sizeof out),
             L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_tcp_syncookie_synack(&s, &la, &ra, &syn, now, out, 30), L4_ERR_NOBUF);

    /* 30 s later the ACK returns, with 100 bytes of data. */
    now += 30 * L4_S;
    uint8_t data[100];
    for (int i = 0; i < 100; i++)
        data[i] = (uint8_t)(i * 3);
    l4_tcp_hdr ack;
    memset(&ack, 0, sizeof ack);
    ack.sport = 40000;
    ack.dport = 80;
    ack.seq = syn.seq + 1;
    ack.ack = sa.seq + 1;
    ack.flags = L4_TCP_ACK | L4_TCP_PSH;
    ack.window = 1000; /* x 128 */
    ack.opts.present = L4_TCP_HAS_TS;
    ack.opts.ts_val = 4300;
    ack.opts.ts_ecr = sa.opts.ts_val;
    ack.payload = data;
    ack.payload_len = sizeof data;
    uint8_t seg[256];
    size_t sl = build(seg, &ack, &ra, &la);
    l4_tcp_hdr in;
    CHECK_EQ(l4_tcp_parse(&in, seg, sl, &ra, &la), 0);
    l4_syncookie_opts o;
    CHECK_EQ(l4_tcp_syncookie_check_ack(&s, &la, &ra, &in, now, &o), 0);
    CHECK_EQU(o.mss, 1380);
    CHECK_EQ(o.ts_ok, 1);
    CHECK_EQ(o.ws_ok, 1);
    CHECK_EQ(o.snd_wscale, 7);
    CHECK_EQ(o.sack_ok, 1);
    CHECK_EQ(o.ecn_ok, 1);
    CHECK_EQU(o.ts_val, 4300);

    /* A tampered ACK number, another sequence number (not the SYN's sender),
       a SYN flag, or the ACK after the cookie's lifetime: refused. */
    l4_syncookie_opts o2;
    l4_tcp_hdr x = in;
    x.ack++;
    CHECK_EQ(l4_tcp_syncookie_check_ack(&s, &la, &ra, &x, now, &o2), L4_ERR_CHECKSUM);
    x = in;
    x.seq += 1000;
    CHECK_EQ(l4_tcp_syncookie_check_ack(&s, &la, &ra, &x, now, &o2), L4_ERR_CHECKSUM);
    x = in;
    x.flags |= L4_TCP_SYN;
    CHECK_EQ(l4_tcp_syncookie_check_ack(&s, &la, &ra, &x, now, &o2), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_tcp_syncookie_check_ack(&s, &la, &ra, &in, now + 2 * P, &o2), L4_ERR_LIMIT);
    x = in;
    x.opts.ts_ecr = sa.opts.ts_val + 100000; /* not our echo */
    CHECK_EQ(l4_tcp_syncookie_check_ack(&s, &la, &ra, &x, now, &o2), L4_ERR_MALFORMED);
    l4_tcp_settings s2 = s;
    s2.isn_secret[0] ^= 1; /* another host's secret */
    CHECK_EQ(l4_tcp_syncookie_check_ack(&s2, &la, &ra, &in, now, &o2), L4_ERR_CHECKSUM);

    /* The connection. */
    ev e = {0, 0};
    l4_tcp_callbacks cb = {.established = on_est, .readable = on_read};
    l4_tcp_conn *c;
    CHECK_EQ(l4_tcp_conn_new(&c, &s, &cb, &e), 0);
    CHECK_EQ(l4_tcp_conn_open_cookie(c, &la, &ra, &in, 0, &o, now), 0);
    CHECK_EQ(l4_tcp_conn_state(c), L4_TCP_ESTABLISHED);
    CHECK_EQ(e.established, 1);
    CHECK_EQ(e.readable, 1);
    CHECK_EQ(l4_tcp_conn_open_cookie(c, &la, &ra, &in, 0, &o, now), L4_ERR_STATE);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQU(i.iss, sa.seq);
    CHECK_EQU(i.irs, syn.seq);
    CHECK_EQU(i.snd_una, sa.seq + 1);
    CHECK_EQU(i.rcv_nxt, syn.seq + 1 + 100); /* wrapped past 2^32 */
    CHECK_EQU(i.mss, 1380 - 12);             /* the peer's MSS less our timestamp option */
    CHECK_EQU(i.snd_wscale, 7);
    CHECK_EQU(i.rcv_wscale, 5);
    CHECK_EQU(i.snd_wnd, 1000u << 7);
    CHECK_EQ(i.ts_ok, 1);
    CHECK_EQ(i.sack_ok, 1);
    CHECK_EQ(i.ecn_ok, 1);
    uint8_t rd[200];
    CHECK_EQ(l4_tcp_conn_recv(c, rd, sizeof rd, now), 100);
    CHECK_MEM(rd, data, 100);
    /* What it sends: data with our timestamps (after the cookie's TSval) and
       a window scaled by our shift. */
    CHECK_EQ(l4_tcp_conn_send(c, "pong", 4, now), 4);
    uint8_t ecn = 0;
    n = l4_tcp_conn_output(c, out, sizeof out, &ecn, now);
    CHECK(n > 0);
    l4_tcp_hdr d;
    CHECK_EQ(l4_tcp_parse(&d, out, (size_t)n, &la, &ra), 0);
    CHECK_EQU(d.seq, sa.seq + 1);
    CHECK_EQU(d.ack, syn.seq + 1 + 100);
    CHECK_EQU(d.payload_len, 4);
    CHECK(d.opts.present & L4_TCP_HAS_TS);
    CHECK_EQU(d.opts.ts_ecr, 4300);
    CHECK(d.opts.ts_val - sa.opts.ts_val >= 30000u && d.opts.ts_val - sa.opts.ts_val < 30100u);
    CHECK_EQU((uint64_t)d.window << 5, 1u << 20); /* the whole empty buffer */
    CHECK_EQU(ecn, 2);                            /* ECT(0) on new data */
    l4_tcp_conn_del(c);
}

/* A SYN without options: the SYN-ACK has only MSS, and the connection uses
   the IPv6 default MSS, no scaling, no SACK, no timestamps. */
static void test_engine_no_options_v6(void)
{
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    s.mss = 1440;
    l4_addr la = addr("fd00::1"), ra = addr("fd00::2");
    l4_time now = 100 * L4_S;
    l4_tcp_hdr syn;
    memset(&syn, 0, sizeof syn);
    syn.sport = 1234;
    syn.dport = 443;
    syn.seq = 777;
    syn.flags = L4_TCP_SYN;
    syn.window = 8192;
    uint8_t out[128];
    l4_ssize n = l4_tcp_syncookie_synack(&s, &la, &ra, &syn, now, out, sizeof out);
    l4_tcp_hdr sa;
    CHECK_EQ(l4_tcp_parse(&sa, out, (size_t)n, &la, &ra), 0);
    CHECK_EQU(sa.flags, L4_TCP_SYN | L4_TCP_ACK);
    CHECK_EQU(sa.opts.present, L4_TCP_HAS_MSS);
    CHECK_EQU(sa.opts.mss, 1440);
    l4_tcp_hdr ack;
    memset(&ack, 0, sizeof ack);
    ack.sport = 1234;
    ack.dport = 443;
    ack.seq = 778;
    ack.ack = sa.seq + 1;
    ack.flags = L4_TCP_ACK;
    ack.window = 8192;
    l4_syncookie_opts o;
    CHECK_EQ(l4_tcp_syncookie_check_ack(&s, &la, &ra, &ack, now + L4_S, &o), 0);
    CHECK_EQU(o.mss, 1220);
    CHECK_EQ(o.ts_ok + o.ws_ok + o.sack_ok + o.ecn_ok, 0);
    l4_tcp_conn *c;
    CHECK_EQ(l4_tcp_conn_new(&c, &s, NULL, NULL), 0);
    CHECK_EQ(l4_tcp_conn_open_cookie(c, &la, &ra, &ack, 0, &o, now + L4_S), 0);
    l4_tcp_info i;
    l4_tcp_conn_get_info(c, &i);
    CHECK_EQ(i.state, L4_TCP_ESTABLISHED);
    CHECK_EQU(i.mss, 1220);
    CHECK_EQU(i.snd_wscale + i.rcv_wscale + i.ts_ok + i.sack_ok, 0);
    CHECK_EQU(i.snd_wnd, 8192);
    /* A FIN-carrying cookie ACK goes straight to CLOSE_WAIT. */
    l4_tcp_conn *c2;
    CHECK_EQ(l4_tcp_conn_new(&c2, &s, NULL, NULL), 0);
    ack.flags |= L4_TCP_FIN;
    CHECK_EQ(l4_tcp_conn_open_cookie(c2, &la, &ra, &ack, 0, &o, now + L4_S), 0);
    CHECK_EQ(l4_tcp_conn_state(c2), L4_TCP_CLOSE_WAIT);
    CHECK_EQ(l4_tcp_conn_recv(c2, out, sizeof out, now), 0); /* end of stream */
    l4_tcp_conn_del(c);
    l4_tcp_conn_del(c2);
}

static const l4_test TESTS[] = {TEST(test_round_trip_and_age),
                                TEST(test_wrong_key_and_tampering),
                                TEST(test_mss_table),
                                TEST(test_ts_bits),
                                TEST(test_engine_full_options),
                                TEST(test_engine_no_options_v6),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
