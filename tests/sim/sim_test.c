/* tests/sim/sim_test.c — the scheduler, links and router: exact timings, queues, ECN,
 * determinism, the tap, the ping-pong through a router, API errors. */
#include "../check.h"
#include "sim/sim_internal.h"
#include "sim_helpers.h"
#include "wire/ip.h"

static void test_delay_exact(void)
{
    th_line l;
    th_line_init(&l, 1, "delay 50ms", 3, 7 * L4_MS, 100);
    th_line_run(&l);
    CHECK_EQ(l.sink.n, 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ(l.sink.a[i].seq, i);
        CHECK_EQU(l.sink.a[i].t, i * 7 * L4_MS + 50 * L4_MS);
        CHECK_EQ(l.sink.a[i].len, 100);
    }
    CHECK_EQU(l4_sim_now(l.sim), 14 * L4_MS + 50 * L4_MS);
    th_line_free(&l);
}

static void test_serialization_exact(void)
{
    /* 1500 bytes at 100 Mbit/s = 120 us; back to back the second ends at 240 us. */
    th_line l;
    th_line_init(&l, 1, "rate 100mbit delay 10ms", 2, 0, 1500);
    l.src.burst = 2;
    th_line_rearm(&l);
    th_line_run(&l);
    CHECK_EQ(l.sink.n, 2);
    CHECK_EQU(l.sink.a[0].t, 120 * L4_US + 10 * L4_MS);
    CHECK_EQU(l.sink.a[1].t, 240 * L4_US + 10 * L4_MS);
    th_line_free(&l);

    /* 100 bytes at 3 Mbit/s = 266666.67 ns: the fractions carry, 3 packets end at 800 us. */
    th_line_init(&l, 1, "rate 3mbit", 3, 0, 100);
    l.src.burst = 3;
    th_line_rearm(&l);
    th_line_run(&l);
    CHECK_EQ(l.sink.n, 3);
    CHECK_EQU(l.sink.a[0].t, 266666);
    CHECK_EQU(l.sink.a[1].t, 533333);
    CHECK_EQU(l.sink.a[2].t, 800000);
    th_line_free(&l);
}

static void test_queue_packets(void)
{
    /* 125 bytes at 1 Mbit/s = 1 ms each. Of a burst of 20 the first is sent at
       once, 5 wait, 14 are dropped. */
    th_line l;
    th_line_init(&l, 1, "rate 1mbit queue 5", 40, L4_S, 125);
    l.src.burst = 20;
    th_line_rearm(&l);
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK_EQU(st->offered_pkts, 40);
    CHECK_EQU(st->delivered_pkts, 12);
    CHECK_EQU(st->dropped_queue, 28);
    CHECK_EQU(st->queue_hwm_pkts, 5);
    CHECK_EQU(st->queue_hwm_bytes, 625);
    CHECK_EQ(l.sink.n, 12);
    for (size_t i = 0; i < 6; i++) {
        CHECK_EQ(l.sink.a[i].seq, i); /* the first six of each burst, in order */
        CHECK_EQU(l.sink.a[i].t, (i + 1) * L4_MS);
        CHECK_EQ(l.sink.a[6 + i].seq, 20 + i); /* the queue drained in between */
        CHECK_EQU(l.sink.a[6 + i].t, L4_S + (i + 1) * L4_MS);
    }
    th_line_free(&l);
}

static void test_queue_bytes(void)
{
    /* 300-byte packets, queue 1 kB: 3 may wait (900 B), the 4th (1200 B) may not. */
    th_line l;
    th_line_init(&l, 1, "rate 1mbit queue 1kb", 20, 0, 300);
    l.src.burst = 20;
    th_line_rearm(&l);
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK_EQU(st->delivered_pkts, 4);
    CHECK_EQU(st->dropped_queue, 16);
    CHECK_EQU(st->queue_hwm_pkts, 3);
    CHECK_EQU(st->queue_hwm_bytes, 900);
    th_line_free(&l);

    /* Unlimited rate: nothing ever waits, even with a 1-packet queue. */
    th_line_init(&l, 1, "queue 1", 50, 0, 300);
    l.src.burst = 50;
    th_line_rearm(&l);
    th_line_run(&l);
    CHECK_EQU(th_line_stats(&l)->delivered_pkts, 50);
    CHECK_EQU(th_line_stats(&l)->queue_hwm_pkts, 0);
    th_line_free(&l);
}

/* Sends a burst of 10 packets with `ecn` over "rate 1mbit ecn-threshold 3"; returns the line. */
static void ecn_run(th_line *l, uint8_t ecn, int v6)
{
    th_line_init(l, 1, "rate 1mbit queue 100 ecn-threshold 3", 10, 0, 125);
    l->src.burst = 10;
    l->src.ecn = ecn;
    if (v6) {
        l->src.v6 = 1;
        memset(l->src.src, 0, 16);
        memset(l->src.dst, 0, 16);
        l->src.src[0] = l->src.dst[0] = 0xfd;
        l->src.src[15] = 1;
        l->src.dst[15] = 2;
    }
    th_line_rearm(l);
    th_line_run(l);
}

static void test_ecn_marks_ect_above_threshold(void)
{
    /* At enqueue packet k (k >= 1) finds k-1 waiting: packets 5..9 find > 3. */
    static const uint8_t ect[] = {L4_ECN_ECT0, L4_ECN_ECT1};
    for (int v6 = 0; v6 <= 1; v6++) {
        for (size_t e = 0; e < 2; e++) {
            th_line l;
            ecn_run(&l, ect[e], v6);
            CHECK_EQ(l.sink.n, 10);
            CHECK_EQU(th_line_stats(&l)->ce_marked, 5);
            for (size_t i = 0; i < 10; i++) {
                CHECK_EQ(l.sink.a[i].seq, i);
                CHECK_EQ(l.sink.a[i].ecn, i >= 5 ? L4_ECN_CE : ect[e]);
            }
            th_line_free(&l);
        }
    }
}

static int ecn_parse_ok;
static void ecn_check_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                          size_t len)
{
    (void)user, (void)link, (void)dir, (void)now;
    l4_ip_pkt ip;
    if (event == L4_SIM_TAP_DELIVER && l4_ip_parse(&ip, pkt, len) == 0)
        ecn_parse_ok++;
}

static void test_ecn_keeps_ipv4_checksum(void)
{
    th_line l;
    th_line_init(&l, 1, "rate 1mbit ecn-threshold 0", 10, 0, 125);
    l.src.burst = 10;
    l.src.ecn = L4_ECN_ECT0;
    ecn_parse_ok = 0;
    l4_sim_set_tap(l.sim, ecn_check_tap, NULL);
    th_line_rearm(&l);
    th_line_run(&l);
    CHECK_EQU(th_line_stats(&l)->ce_marked, 8);
    CHECK_EQ(ecn_parse_ok, 10); /* CE-marked IPv4 headers still verify */
    th_line_free(&l);
}

static void test_ecn_leaves_not_ect(void)
{
    for (int v6 = 0; v6 <= 1; v6++) {
        th_line l;
        ecn_run(&l, L4_ECN_NOT_ECT, v6);
        CHECK_EQ(l.sink.n, 10);
        CHECK_EQU(th_line_stats(&l)->ce_marked, 0);
        for (size_t i = 0; i < 10; i++)
            CHECK_EQ(l.sink.a[i].ecn, L4_ECN_NOT_ECT);
        th_line_free(&l);
    }
    /* Without ecn-threshold nothing is marked however long the queue. */
    th_line l;
    th_line_init(&l, 1, "rate 1mbit", 50, 0, 125);
    l.src.burst = 50;
    l.src.ecn = L4_ECN_ECT0;
    th_line_rearm(&l);
    th_line_run(&l);
    CHECK_EQU(th_line_stats(&l)->ce_marked, 0);
    CHECK_EQU(th_line_stats(&l)->queue_hwm_pkts, 49);
    th_line_free(&l);
}

/* ---- determinism: FNV-1a over every tap callback ---- */

typedef struct trace_hash {
    uint64_t h;
    uint64_t events;
    int only_link; /* -1 = all */
} trace_hash;

static void trace_mix(trace_hash *t, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        t->h ^= b[i];
        t->h *= 1099511628211ull;
    }
}

static void trace_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                      size_t len)
{
    trace_hash *t = user;
    if (t->only_link >= 0 && link != t->only_link)
        return;
    trace_mix(t, &link, sizeof link);
    trace_mix(t, &dir, sizeof dir);
    trace_mix(t, &event, sizeof event);
    trace_mix(t, &now, sizeof now);
    trace_mix(t, &len, sizeof len);
    trace_mix(t, pkt, len);
    t->events++;
}

#define ALL_IMPAIRMENTS                                                                            \
    "rate 20mbit delay 5ms jitter 1ms loss 3% loss-burst 2 reorder 5% duplicate 2% corrupt 2% "    \
    "queue 20 ecn-threshold 5"

/* Runs 3000 packets over every impairment with `seed`; `extra_link` adds a busy second line. */
static trace_hash trace_run(uint64_t seed, int extra_link)
{
    th_line l;
    th_line_init(&l, seed, ALL_IMPAIRMENTS, 3000, 1600 * L4_US, 1000);
    l.src.ecn = L4_ECN_ECT0;
    l.src.burst = 4;
    th_src src2;
    th_sink sink2 = {0};
    if (extra_link) {
        th_src_init(&src2, 3000, 300 * L4_US, 700);
        int a = l4_sim_add_node(l.sim, &TH_SRC_OPS, &src2);
        int b = l4_sim_add_node(l.sim, &TH_SINK_OPS, &sink2);
        l4_link_spec s;
        l4_link_spec_parse(&s, ALL_IMPAIRMENTS, NULL, 0);
        l4_sim_connect(l.sim, a, 0, b, 0, &s, &s);
    }
    trace_hash t = {1469598103934665603ull, 0, extra_link ? 0 : -1};
    l4_sim_set_tap(l.sim, trace_tap, &t);
    th_line_rearm(&l);
    th_line_run(&l);
    th_line_free(&l);
    th_sink_free(&sink2);
    return t;
}

static void test_same_seed_same_trace(void)
{
    trace_hash a = trace_run(42, 0), b = trace_run(42, 0), c = trace_run(43, 0);
    CHECK_MSG(a.events > 5500, "%ju events", (uintmax_t)a.events); /* ~3000 sends and deliveries */
    CHECK_EQU(a.events, b.events);
    CHECK_EQU(a.h, b.h);
    CHECK(a.h != c.h);
    /* Another link in the same simulation does not change this link's draws. */
    trace_hash d = trace_run(42, 1);
    CHECK_EQU(d.events, a.events);
    CHECK_EQU(d.h, a.h);
}

/* ---- tap and counters ---- */

typedef struct tap_count {
    uint64_t ev[4];
    uint64_t bytes[4];
    l4_time last_deliver;
} tap_count;

static void count_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                      size_t len)
{
    tap_count *c = user;
    (void)link, (void)dir, (void)pkt;
    c->ev[event]++;
    c->bytes[event] += len;
    if (event == L4_SIM_TAP_DELIVER)
        c->last_deliver = now;
}

static void test_tap_matches_counters(void)
{
    th_line l;
    th_line_init(&l, 7, ALL_IMPAIRMENTS, 5000, 12 * L4_MS, 1000);
    l.src.burst = 30;
    l.src.ecn = L4_ECN_ECT0;
    th_line_rearm(&l);
    tap_count c = {0};
    l4_sim_set_tap(l.sim, count_tap, &c);
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK_EQU(st->offered_pkts, 5000);
    CHECK_EQU(st->offered_bytes, 5000 * 1000);
    CHECK_EQU(c.ev[L4_SIM_TAP_SEND], st->sent_pkts);
    CHECK_EQU(c.bytes[L4_SIM_TAP_SEND], st->sent_bytes);
    CHECK_EQU(c.ev[L4_SIM_TAP_DELIVER], st->delivered_pkts);
    CHECK_EQU(c.ev[L4_SIM_TAP_DROP_LOSS], st->dropped_loss);
    CHECK_EQU(c.ev[L4_SIM_TAP_DROP_QUEUE], st->dropped_queue);
    CHECK_EQU(st->offered_pkts + st->duplicated,
              st->delivered_pkts + st->dropped_loss + st->dropped_queue);
    CHECK_EQU(st->sent_pkts, st->delivered_pkts);
    CHECK_EQU(l.sink.n, st->delivered_pkts);
    /* Every impairment fired at least once on this run. */
    CHECK(st->dropped_loss > 0 && st->dropped_queue > 0 && st->duplicated > 0);
    CHECK(st->corrupted > 0 && st->reordered > 0 && st->ce_marked > 0);
    CHECK_EQU(c.last_deliver, l4_sim_now(l.sim));
    /* The reverse direction carried nothing. */
    CHECK_EQU(l4_sim_link_stats(l.sim, l.link, L4_LINK_DIR_BA)->offered_pkts, 0);
    th_line_free(&l);
}

/* ---- ping-pong through a router ---- */

typedef struct pinger {
    l4_sim *sim;
    int want;          /* pings the "application" asked for and not yet sent */
    uint32_t next_seq; /* next ping number */
    l4_time sent_at[8];
    l4_time rtt[8];
    int replies;
    l4_time timer; /* a retry timer: re-send the last ping if no reply */
    int retries;
    uint8_t dst[4];
} pinger;

static const uint8_t PP_A[4] = {10, 0, 0, 1}, PP_B[4] = {10, 0, 1, 1}, PP_X[4] = {192, 0, 2, 9};

static void pinger_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    pinger *p = user;
    (void)ifindex;
    if (len < 24)
        return;
    uint32_t seq = l4_get_u32(pkt + 20);
    if (memcmp(pkt + 12, PP_B, 4) == 0 && seq < 8 && p->rtt[seq] == 0) {
        p->rtt[seq] = now - p->sent_at[seq];
        p->replies++;
        p->timer = L4_TIME_NONE;
    }
}

static l4_ssize pinger_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    pinger *p = user;
    if (!p->want || cap < 64)
        return 0;
    p->want--;
    *ifindex = 0;
    uint32_t seq = p->next_seq++;
    th_build_v4(buf, 64, seq, 0, PP_A, p->dst);
    if (seq < 8)
        p->sent_at[seq] = now;
    p->timer = now + L4_S;
    return 64;
}

static l4_time pinger_next_timeout(void *user)
{
    return ((pinger *)user)->timer;
}

static void pinger_handle_timeout(void *user, l4_time now)
{
    pinger *p = user;
    (void)now;
    p->retries++;
    p->timer = L4_TIME_NONE;
}

static const l4_sim_node_ops PINGER_OPS = {pinger_input, pinger_output, pinger_next_timeout,
                                           pinger_handle_timeout};

/* Echoes each packet back with source and destination swapped. */
typedef struct echoer {
    uint8_t pkt[128];
    size_t len;
    int have;
} echoer;

static void echoer_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    echoer *e = user;
    (void)ifindex, (void)now;
    if (len > sizeof e->pkt || len < 20)
        return;
    memcpy(e->pkt, pkt, len);
    memcpy(e->pkt + 12, pkt + 16, 4);
    memcpy(e->pkt + 16, pkt + 12, 4);
    e->len = len;
    e->have = 1;
}

static l4_ssize echoer_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    echoer *e = user;
    (void)now;
    if (!e->have || cap < e->len)
        return 0;
    e->have = 0;
    *ifindex = 0;
    memcpy(buf, e->pkt, e->len);
    return (l4_ssize)e->len;
}

static l4_time echoer_next_timeout(void *user)
{
    (void)user;
    return L4_TIME_NONE;
}

static void echoer_handle_timeout(void *user, l4_time now)
{
    (void)user, (void)now;
}

static const l4_sim_node_ops ECHOER_OPS = {echoer_input, echoer_output, echoer_next_timeout,
                                           echoer_handle_timeout};

static void test_ping_pong_through_router(void)
{
    l4_sim *sim = l4_sim_new(5);
    pinger p = {.sim = sim, .timer = L4_TIME_NONE};
    memcpy(p.dst, PP_B, 4);
    echoer e = {0};
    int a = l4_sim_add_node(sim, &PINGER_OPS, &p);
    int r = l4_sim_add_router(sim);
    int b = l4_sim_add_node(sim, &ECHOER_OPS, &e);
    CHECK(a == 0 && r == 1 && b == 2);
    l4_link_spec ar, rb;
    CHECK_EQ(l4_link_spec_parse(&ar, "delay 10ms", NULL, 0), 0);
    CHECK_EQ(l4_link_spec_parse(&rb, "rate 10mbit delay 5ms", NULL, 0), 0);
    CHECK_EQ(l4_sim_connect(sim, a, 0, r, 0, &ar, &ar), 0);
    CHECK_EQ(l4_sim_connect(sim, r, 1, b, 0, &rb, &rb), 1);
    l4_addr net_a = l4_addr_v4(PP_A), net_b = l4_addr_v4(PP_B);
    CHECK_EQ(l4_sim_router_route(sim, r, &net_a, 24, 0), 0);
    CHECK_EQ(l4_sim_router_route(sim, r, &net_b, 24, 1), 0);

    /* Nothing happens until the application asks. */
    CHECK_EQ(l4_sim_step(sim), 0);
    l4_sim_run_until(sim, 500 * L4_MS);
    CHECK_EQU(l4_sim_now(sim), 500 * L4_MS);
    p.want = 1;
    CHECK_EQ(l4_sim_wake(sim, a), 0);
    l4_sim_run_until(sim, 2 * L4_S);
    /* 64 bytes at 10 Mbit/s = 51.2 us on the router-B link, each way. */
    CHECK_EQ(p.replies, 1);
    CHECK_EQU(p.sent_at[0], 500 * L4_MS);
    CHECK_EQU(p.rtt[0], 2 * (10 * L4_MS + 5 * L4_MS + 51200));
    CHECK_EQ(p.retries, 0); /* the reply cancelled the retry timer */

    /* A ping to an address with no route: the router drops it, the timer fires. */
    memcpy(p.dst, PP_X, 4);
    p.want = 1;
    l4_sim_wake(sim, a);
    l4_sim_run_until(sim, 4 * L4_S);
    CHECK_EQ(p.replies, 1);
    CHECK_EQ(p.retries, 1);
    CHECK_EQU(l4_sim_node_stats_get(sim, r)->no_route, 1);
    CHECK_EQU(l4_sim_node_stats_get(sim, r)->outputs, 2);
    CHECK_EQU(l4_sim_node_stats_get(sim, a)->timeouts, 1);

    /* A default route catches it; a longer prefix still wins for B. */
    l4_addr any = {.family = L4_AF_INET4};
    CHECK_EQ(l4_sim_router_route(sim, r, &any, 0, 0), 0); /* back to A: A ignores it */
    p.want = 1;
    l4_sim_wake(sim, a);
    memcpy(p.dst, PP_B, 4);
    p.want = 1;
    l4_sim_wake(sim, a);
    l4_sim_run_until(sim, 6 * L4_S);
    CHECK_EQ(p.replies, 2);
    CHECK_EQU(p.rtt[3], 2 * (10 * L4_MS + 5 * L4_MS + 51200));
    CHECK_EQU(l4_sim_node_stats_get(sim, r)->no_route, 1);
    CHECK_EQU(l4_sim_link_stats(sim, 0, L4_LINK_DIR_BA)->delivered_pkts, 3);
    CHECK_EQU(l4_sim_link_stats(sim, 1, L4_LINK_DIR_AB)->delivered_pkts, 2);
    l4_sim_del(sim);
}

static void test_router_ipv6_longest_prefix(void)
{
    l4_sim *sim = l4_sim_new(1);
    th_src src;
    th_sink s1 = {0}, s2 = {0};
    th_src_init(&src, 2, L4_MS, 100);
    src.v6 = 1;
    uint8_t net[16] = {0xfd, 0, 0, 0, 0, 0, 0, 1};
    memcpy(src.src, net, 16);
    src.src[15] = 1;
    memcpy(src.dst, net, 16);
    src.dst[7] = 0x81; /* fd00:0:0:81::5: matches /56 (via s2) and /48, not fd00:0:0:1::/64 */
    src.dst[15] = 5;
    int a = l4_sim_add_node(sim, &TH_SRC_OPS, &src);
    int r = l4_sim_add_router(sim);
    int k1 = l4_sim_add_node(sim, &TH_SINK_OPS, &s1);
    int k2 = l4_sim_add_node(sim, &TH_SINK_OPS, &s2);
    l4_sim_connect(sim, a, 0, r, 0, NULL, NULL);
    l4_sim_connect(sim, r, 1, k1, 0, NULL, NULL);
    l4_sim_connect(sim, r, 2, k2, 3, NULL, NULL);
    l4_addr p48 = {.family = L4_AF_INET6}, p56 = p48, p64 = p48;
    memcpy(p48.bytes, net, 16);
    memcpy(p56.bytes, net, 16);
    memcpy(p64.bytes, net, 16);
    p56.bytes[7] = 0x80;
    CHECK_EQ(l4_sim_router_route(sim, r, &p48, 48, 1), 0);
    CHECK_EQ(l4_sim_router_route(sim, r, &p64, 64, 1), 0);
    CHECK_EQ(l4_sim_router_route(sim, r, &p56, 57, 2), 0);
    while (l4_sim_step(sim))
        ;
    CHECK_EQ(s1.n, 0);
    CHECK_EQ(s2.n, 2);
    CHECK_EQ(s2.a[0].ifindex, 3);
    l4_sim_del(sim);
    th_sink_free(&s1);
    th_sink_free(&s2);
}

/* N senders -> router -> bottleneck -> router -> N receivers. */
static void test_dumbbell(void)
{
    enum { N = 3 };
    l4_sim *sim = l4_sim_new(9);
    th_src src[N];
    th_sink sink[N];
    memset(sink, 0, sizeof sink);
    int r1 = l4_sim_add_router(sim), r2 = l4_sim_add_router(sim);
    l4_link_spec access, bottleneck;
    CHECK_EQ(l4_link_spec_parse(&access, "rate 100mbit delay 1ms", NULL, 0), 0);
    CHECK_EQ(l4_link_spec_parse(&bottleneck, "rate 10mbit delay 20ms queue 30", NULL, 0), 0);
    int bl = l4_sim_connect(sim, r1, 0, r2, 0, &bottleneck, &bottleneck);
    CHECK(bl >= 0);
    for (int i = 0; i < N; i++) {
        /* Each sender offers 1000-byte packets every 1.6 ms = 5 Mbit/s; together 15. */
        th_src_init(&src[i], 2000, 1600 * L4_US, 1000);
        src[i].src[2] = (uint8_t)(10 + i);
        src[i].dst[2] = (uint8_t)(20 + i);
        src[i].next = (l4_time)i * 500 * L4_US;
        int s = l4_sim_add_node(sim, &TH_SRC_OPS, &src[i]);
        int k = l4_sim_add_node(sim, &TH_SINK_OPS, &sink[i]);
        CHECK(l4_sim_connect(sim, s, 0, r1, 1 + i, &access, &access) >= 0);
        CHECK(l4_sim_connect(sim, r2, 1 + i, k, 0, &access, &access) >= 0);
        uint8_t net[4] = {10, 0, (uint8_t)(20 + i), 0};
        l4_addr a = l4_addr_v4(net);
        CHECK_EQ(l4_sim_router_route(sim, r2, &a, 24, 1 + i), 0);
    }
    l4_addr any = {.family = L4_AF_INET4};
    CHECK_EQ(l4_sim_router_route(sim, r1, &any, 0, 0), 0);
    while (l4_sim_step(sim))
        ;
    const l4_link_stats *st = l4_sim_link_stats(sim, bl, L4_LINK_DIR_AB);
    CHECK_EQU(st->offered_pkts, N * 2000);
    CHECK(st->dropped_queue > 0);
    CHECK_EQU(st->queue_hwm_pkts, 30);
    uint64_t got = 0;
    l4_time first = L4_TIME_NONE, last = 0;
    for (int i = 0; i < N; i++) {
        /* Each receiver gets only its own sender's packets, in order. */
        CHECK(sink[i].n > 0);
        for (size_t j = 0; j < sink[i].n; j++) {
            CHECK(j == 0 || sink[i].a[j].seq > sink[i].a[j - 1].seq);
            first = l4_time_min(first, sink[i].a[j].t);
            if (sink[i].a[j].t > last)
                last = sink[i].a[j].t;
        }
        got += sink[i].n;
    }
    CHECK_EQU(l4_sim_node_stats_get(sim, r1)->no_route, 0);
    CHECK_EQU(l4_sim_node_stats_get(sim, r2)->no_route, 0);
    CHECK_EQU(got, st->delivered_pkts);
    /* The bottleneck ran at its rate while saturated: 10 Mbit/s = 1250 packets/s. */
    double rate = (double)(got - 1) * 8000.0 / ((double)(last - first) / 1e9);
    CHECK_MSG(fabs(rate - 10e6) / 10e6 < 0.01, "bottleneck %.0f bit/s", rate);
    l4_sim_del(sim);
    for (int i = 0; i < N; i++)
        th_sink_free(&sink[i]);
}

/* ---- timers ---- */

typedef struct timer_node {
    l4_time deadline;
    l4_time fired[4];
    int nfired;
} timer_node;

static void tn_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    (void)user, (void)ifindex, (void)pkt, (void)len, (void)now;
}
static l4_ssize tn_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    (void)user, (void)ifindex, (void)buf, (void)cap, (void)now;
    return 0;
}
static l4_time tn_next_timeout(void *user)
{
    return ((timer_node *)user)->deadline;
}
static void tn_handle_timeout(void *user, l4_time now)
{
    timer_node *t = user;
    if (t->nfired < 4)
        t->fired[t->nfired++] = now;
    t->deadline = t->nfired < 2 ? now + 3 * L4_MS : L4_TIME_NONE;
}
static const l4_sim_node_ops TN_OPS = {tn_input, tn_output, tn_next_timeout, tn_handle_timeout};

static void test_timers_rescheduled(void)
{
    l4_sim *sim = l4_sim_new(1);
    timer_node t = {.deadline = 10 * L4_MS};
    int id = l4_sim_add_node(sim, &TN_OPS, &t);
    CHECK_EQU(l4_sim_next_event(sim), 10 * L4_MS);
    /* The deadline moves earlier, then later: only the latest one fires. */
    t.deadline = 4 * L4_MS;
    l4_sim_wake(sim, id);
    t.deadline = 6 * L4_MS;
    l4_sim_wake(sim, id);
    CHECK_EQU(l4_sim_next_event(sim), 6 * L4_MS);
    CHECK_EQ(l4_sim_step(sim), 1);
    CHECK_EQU(l4_sim_now(sim), 6 * L4_MS);
    CHECK_EQ(l4_sim_step(sim), 1);
    CHECK_EQU(l4_sim_now(sim), 9 * L4_MS);
    CHECK_EQ(l4_sim_step(sim), 0);
    CHECK_EQ(t.nfired, 2);
    CHECK_EQU(t.fired[0], 6 * L4_MS);
    CHECK_EQU(t.fired[1], 9 * L4_MS);
    CHECK_EQU(l4_sim_next_event(sim), L4_TIME_NONE);
    /* run_until moves the clock even with nothing to do, never backwards. */
    CHECK_EQU(l4_sim_run_until(sim, 20 * L4_MS), 0);
    CHECK_EQU(l4_sim_now(sim), 20 * L4_MS);
    l4_sim_run_until(sim, 5 * L4_MS);
    CHECK_EQU(l4_sim_now(sim), 20 * L4_MS);
    /* A deadline in the past runs at the current time. */
    t.deadline = L4_MS;
    l4_sim_wake(sim, id);
    CHECK_EQ(l4_sim_step(sim), 1);
    CHECK_EQU(t.fired[2], 20 * L4_MS);
    /* A deadline pushed later again and again (an RTO re-armed by every ACK)
       fires once, at its last value; cleared, it never fires. */
    for (l4_time d = 30; d <= 1000; d++) {
        t.deadline = d * L4_MS;
        l4_sim_wake(sim, id);
    }
    CHECK_EQU(sim->heap.n, 1); /* white-box: no event per re-arm */
    CHECK_EQU(l4_sim_next_event(sim), 1000 * L4_MS);
    CHECK_EQ(l4_sim_step(sim), 1);
    CHECK_EQU(l4_sim_now(sim), 1000 * L4_MS);
    CHECK_EQ(t.nfired, 4);
    CHECK_EQU(t.fired[3], 1000 * L4_MS);
    CHECK_EQ(l4_sim_step(sim), 0);
    t.deadline = 2000 * L4_MS;
    l4_sim_wake(sim, id);
    t.deadline = L4_TIME_NONE;
    l4_sim_wake(sim, id);
    CHECK_EQU(l4_sim_next_event(sim), L4_TIME_NONE);
    CHECK_EQ(l4_sim_step(sim), 0);
    CHECK_EQU(l4_sim_now(sim), 1000 * L4_MS);
    CHECK_EQU(l4_sim_node_stats_get(sim, id)->timeouts, 4);
    l4_sim_del(sim);
}

static void test_run_until_boundary(void)
{
    th_line l;
    th_line_init(&l, 1, "delay 10ms", 1, 0, 100);
    CHECK_EQU(l4_sim_run_until(l.sim, 10 * L4_MS - 1), 1); /* the source's send */
    CHECK_EQ(l.sink.n, 0);
    CHECK_EQU(l4_sim_run_until(l.sim, 10 * L4_MS), 1); /* the arrival, exactly at t */
    CHECK_EQ(l.sink.n, 1);
    th_line_free(&l);
}

static void test_api_errors(void)
{
    l4_sim *sim = l4_sim_new(3);
    CHECK_EQU(l4_sim_seed(sim), 3);
    th_src src;
    th_sink sink = {0};
    th_src_init(&src, 1, 0, 100);
    src.ifindex = 5; /* no link there */
    l4_sim_node_ops bad = TH_SINK_OPS;
    bad.next_timeout = NULL;
    CHECK_EQ(l4_sim_add_node(sim, &bad, NULL), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_add_node(sim, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
    int a = l4_sim_add_node(sim, &TH_SRC_OPS, &src);
    int b = l4_sim_add_node(sim, &TH_SINK_OPS, &sink);
    CHECK_EQ(l4_sim_node_count(sim), 2);
    CHECK_EQ(l4_sim_connect(sim, a, 0, 9, 0, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_connect(sim, a, -1, b, 0, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_connect(sim, a, L4_SIM_MAX_IFS, b, 0, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_connect(sim, a, 1, a, 1, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_connect(sim, a, 0, b, 0, NULL, NULL), 0);
    CHECK_EQ(l4_sim_connect(sim, a, 0, b, 1, NULL, NULL), L4_ERR_STATE);
    CHECK_EQ(l4_sim_connect(sim, a, 1, b, 0, NULL, NULL), L4_ERR_STATE);
    CHECK_EQ(l4_sim_link_count(sim), 1);
    CHECK(l4_sim_link_stats(sim, 1, 0) == NULL);
    CHECK(l4_sim_link_stats(sim, 0, 2) == NULL);
    CHECK(l4_sim_link_spec(sim, 0, 0) != NULL);
    CHECK_EQU(l4_sim_link_spec(sim, 0, 0)->queue_pkts, L4_LINK_QUEUE_DEFAULT);
    CHECK(l4_sim_node_stats_get(sim, 2) == NULL);
    CHECK_EQ(l4_sim_wake(sim, 7), L4_ERR_INVALID_ARGUMENT);
    /* Output on an interface without a link is counted and discarded. */
    while (l4_sim_step(sim))
        ;
    CHECK_EQU(l4_sim_node_stats_get(sim, a)->outputs, 1);
    CHECK_EQU(l4_sim_node_stats_get(sim, a)->no_link, 1);
    CHECK_EQ(sink.n, 0);
    /* Router routes: only on routers, valid family, prefix length and interface. */
    int r = l4_sim_add_router(sim);
    l4_addr v4 = l4_addr_v4(PP_A), none = {0};
    CHECK_EQ(l4_sim_router_route(sim, a, &v4, 24, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_router_route(sim, r, &v4, 33, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_router_route(sim, r, &v4, -1, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_router_route(sim, r, &none, 0, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_router_route(sim, r, &v4, 24, L4_SIM_MAX_IFS), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_router_route(sim, r, &v4, 32, 0), 0);
    l4_sim_del(sim);
    th_sink_free(&sink);
    l4_sim_del(NULL);
}

/* drop-at drops the first packet offered at or after each time (one per
   listed time); a blackout drops everything offered in [start, start+len). */
static void test_timed_loss(void)
{
    th_line l;
    th_line_init(&l, 1, "drop-at 250ms,1s,1s blackout 2s+500ms,4s+1ns delay 5ms", 50, 100 * L4_MS,
                 200);
    tap_count c = {0};
    l4_sim_set_tap(l.sim, count_tap, &c);
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    static const uint32_t lost[] = {3, 10, 11, 20, 21, 22, 23, 24, 40};
    CHECK_EQU(st->dropped_timed, 9);
    CHECK_EQU(st->dropped_loss, 9);
    CHECK_EQU(c.ev[L4_SIM_TAP_DROP_LOSS], 9);
    CHECK_EQ(l.sink.n, 41);
    size_t k = 0, li = 0;
    for (uint32_t seq = 0; seq < 50; seq++) {
        if (li < 9 && seq == lost[li]) {
            li++;
            continue;
        }
        CHECK_EQ(l.sink.a[k].seq, seq);
        CHECK_EQU(l.sink.a[k].t, seq * 100 * L4_MS + 5 * L4_MS);
        k++;
    }
    th_line_free(&l);

    /* With random loss as well: both counted, the timed ones apart. */
    th_line_init(&l, 2, "loss 20% blackout 1s+1s", 100, 20 * L4_MS, 200);
    th_line_run(&l);
    st = th_line_stats(&l);
    CHECK_EQU(st->dropped_timed, 50);
    CHECK(st->dropped_loss > 50 && st->dropped_loss < 75);
    for (size_t i = 0; i < l.sink.n; i++)
        CHECK(l.sink.a[i].seq < 50 || l.sink.a[i].seq >= 100);
    th_line_free(&l);
}

typedef struct wait_tap {
    l4_sim *sim;
    l4_time waits[16];
    int n;
} wait_tap;

static void wait_tap_fn(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                        size_t len)
{
    (void)now, (void)pkt, (void)len;
    wait_tap *w = user;
    l4_link_queue q;
    if (event == L4_SIM_TAP_SEND && w->n < 16 && l4_sim_link_queue(w->sim, link, dir, &q) == 0)
        w->waits[w->n++] = q.last_wait;
}

/* The queue getter: packets, bytes and the backlog in time at any moment,
   the queueing delay of each packet as it is accepted, and the delay stats. */
static void test_queue_getter(void)
{
    /* 125 bytes at 1 Mbit/s = 1 ms each; a burst of 5 at t = 0. */
    th_line l;
    th_line_init(&l, 1, "rate 1mbit", 5, 0, 125);
    l.src.burst = 5;
    th_line_rearm(&l);
    wait_tap w = {l.sim, {0}, 0};
    l4_sim_set_tap(l.sim, wait_tap_fn, &w);
    l4_sim_run_until(l.sim, 0);
    l4_link_queue q;
    CHECK_EQ(l4_sim_link_queue(l.sim, l.link, L4_LINK_DIR_AB, &q), 0);
    CHECK_EQU(q.pkts, 4); /* the first is on the wire */
    CHECK_EQU(q.bytes, 500);
    CHECK_EQU(q.wait, 5 * L4_MS);
    CHECK_EQU(q.last_wait, 4 * L4_MS);
    CHECK_EQ(w.n, 5);
    for (int i = 0; i < 5; i++)
        CHECK_EQU(w.waits[i], (l4_time)i * L4_MS);
    l4_sim_run_until(l.sim, 2500 * L4_US);
    CHECK_EQ(l4_sim_link_queue(l.sim, l.link, L4_LINK_DIR_AB, &q), 0);
    CHECK_EQU(q.pkts, 2);
    CHECK_EQU(q.bytes, 250);
    CHECK_EQU(q.wait, 2500 * L4_US);
    th_line_run(&l);
    CHECK_EQ(l4_sim_link_queue(l.sim, l.link, L4_LINK_DIR_AB, &q), 0);
    CHECK(q.pkts == 0 && q.bytes == 0 && q.wait == 0);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK_EQU(st->queue_delay_sum, 10 * L4_MS);
    CHECK_EQU(st->queue_delay_max, 4 * L4_MS);
    /* the other direction carried nothing */
    CHECK_EQ(l4_sim_link_queue(l.sim, l.link, L4_LINK_DIR_BA, &q), 0);
    CHECK(q.pkts == 0 && q.wait == 0 && q.last_wait == 0);
    CHECK_EQ(l4_sim_link_queue(l.sim, l.link + 1, 0, &q), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_link_queue(l.sim, l.link, 2, &q), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_link_queue(l.sim, l.link, 0, NULL), L4_ERR_INVALID_ARGUMENT);
    th_line_free(&l);
}

/* Packets still in flight are freed with the simulation (ASan checks the leak). */
static void test_del_with_packets_in_flight(void)
{
    th_line l;
    th_line_init(&l, 1, "rate 1mbit delay 1s", 100, 0, 1500);
    l.src.burst = 100;
    th_line_rearm(&l);
    l4_sim_run_until(l.sim, L4_MS);
    CHECK_EQU(th_line_stats(&l)->sent_pkts, 100);
    CHECK_EQ(l.sink.n, 0);
    th_line_free(&l);
}

static const l4_test TESTS[] = {TEST(test_delay_exact),
                                TEST(test_serialization_exact),
                                TEST(test_queue_packets),
                                TEST(test_queue_bytes),
                                TEST(test_ecn_marks_ect_above_threshold),
                                TEST(test_ecn_keeps_ipv4_checksum),
                                TEST(test_ecn_leaves_not_ect),
                                TEST(test_same_seed_same_trace),
                                TEST(test_tap_matches_counters),
                                TEST(test_ping_pong_through_router),
                                TEST(test_router_ipv6_longest_prefix),
                                TEST(test_dumbbell),
                                TEST(test_timers_rescheduled),
                                TEST(test_run_until_boundary),
                                TEST(test_api_errors),
                                TEST(test_del_with_packets_in_flight),
                                TEST(test_timed_loss),
                                TEST(test_queue_getter),
                                TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
