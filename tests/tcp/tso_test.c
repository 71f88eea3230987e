/*
 * tests/tcp/tso_test.c — TCP segmentation offload in the engine
 * (settings.tso_max): two engines over an in-memory link with a 5 ms delay.
 * New data leaves as segments of up to tso_max × MSS, whole segments except
 * a last one that ends the data, never beyond the congestion window (checked
 * on the loss-free runs, where nothing SACKed widens it); the
 * link either passes them whole (as local delivery through TUN does) or
 * cuts them into l4_tcp_conn_gso_size pieces (as a device does) and loses
 * some pieces — then the retransmissions are one MSS each and the transfer
 * still arrives byte-exact. Nagle holds a short tail back while data is in
 * flight.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tcp/conn.h"
#include "tcp/seq.h"
#include "wire/tcp.h"

#define DELAY (5 * L4_MS)
#define QMAX  8192

typedef struct pkt {
    l4_time at;
    size_t len;
    uint8_t *data;
} pkt;

typedef struct queue {
    pkt p[QMAX];
    size_t head, n;
} queue;

typedef struct world {
    l4_tcp_conn *a, *b; /* a sends, b receives */
    l4_addr la, lb;
    queue ab, ba;
    l4_time now;
    size_t total, written, rcvd;
    int bad, eof, split;
    size_t drop_from, drop_to, pieces; /* pieces a->b numbered from 1 */
    /* what the checks saw */
    uint32_t hi;       /* highest sequence number + 1 a has sent */
    uint32_t data_end; /* sequence number after a's last data byte (once all written) */
    int all_written;
    size_t data_segs, big_segs, rtx_segs, max_payload;
    uint32_t gso;
} world;

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131u + (i >> 9) * 7u + 3u);
}

static void enqueue(queue *q, l4_time at, const uint8_t *d, size_t len)
{
    CHECK(q->n < QMAX);
    pkt *p = &q->p[(q->head + q->n) % QMAX];
    p->at = at;
    p->len = len;
    p->data = malloc(len);
    CHECK(p->data != NULL);
    memcpy(p->data, d, len);
    q->n++;
}

/* Cuts a segment into gso-byte pieces, as a device does (PSH and FIN on the
   last piece only), and queues the ones not dropped. */
static void send_split(world *w, const l4_tcp_hdr *h, uint32_t gso)
{
    size_t off = 0;
    do {
        size_t n = h->payload_len - off < gso ? h->payload_len - off : gso;
        l4_tcp_hdr p = *h;
        p.seq = h->seq + (uint32_t)off;
        p.payload = h->payload + off;
        p.payload_len = n;
        int last = off + n == h->payload_len;
        if (!last)
            p.flags &= (uint8_t) ~(L4_TCP_PSH | L4_TCP_FIN);
        static uint8_t buf[2048];
        l4_ssize len = l4_tcp_write(buf, sizeof buf, &p, &w->la, &w->lb);
        CHECK(len > 0);
        w->pieces++;
        if (w->pieces < w->drop_from || w->pieces > w->drop_to)
            enqueue(&w->ab, w->now + DELAY, buf, (size_t)len);
        off += n;
    } while (off < h->payload_len);
}

static void drain_a(world *w)
{
    static uint8_t out[70000];
    for (;;) {
        l4_tcp_info before;
        l4_tcp_conn_get_info(w->a, &before);
        uint8_t ecn;
        l4_ssize n = l4_tcp_conn_output(w->a, out, sizeof out, &ecn, w->now);
        CHECK(n >= 0);
        if (n == 0)
            return;
        l4_tcp_hdr h;
        CHECK_EQ(l4_tcp_parse(&h, out, (size_t)n, &w->la, &w->lb), 0);
        uint32_t gso = l4_tcp_conn_gso_size(w->a, (size_t)n - h.payload_len);
        w->gso = gso;
        if (h.payload_len) {
            w->data_segs++;
            if (h.payload_len > w->max_payload)
                w->max_payload = h.payload_len;
            uint32_t end = h.seq + (uint32_t)h.payload_len;
            if (l4_seq_lt(h.seq, w->hi)) {
                w->rtx_segs++;
                CHECK_MSG(h.payload_len <= gso, "retransmission of %zu bytes (MSS %u)",
                          h.payload_len, gso);
            }
            if (h.payload_len > gso) {
                w->big_segs++;
                CHECK_MSG(h.seq == before.snd_max, "a large segment that is not new data");
                /* (With losses SACKed bytes below SND.NXT also leave room.) */
                if (w->drop_to == 0)
                    CHECK_MSG(end - before.snd_una <= before.cwnd, "beyond cwnd: %u > %llu",
                              end - before.snd_una, (unsigned long long)before.cwnd);
                /* whole segments, or a short tail that ends the data */
                if (h.payload_len % gso)
                    CHECK_MSG(w->all_written && end == w->data_end,
                              "a short tail (%zu bytes) before the end of the data",
                              h.payload_len % gso);
            }
            if (l4_seq_gt(end, w->hi))
                w->hi = end;
        }
        if (w->split && h.payload_len > gso)
            send_split(w, &h, gso);
        else if (w->split && h.payload_len) {
            w->pieces++;
            if (w->pieces < w->drop_from || w->pieces > w->drop_to)
                enqueue(&w->ab, w->now + DELAY, out, (size_t)n);
        } else {
            enqueue(&w->ab, w->now + DELAY, out, (size_t)n);
        }
    }
}

static void drain_b(world *w)
{
    uint8_t out[2048];
    for (;;) {
        uint8_t ecn;
        l4_ssize n = l4_tcp_conn_output(w->b, out, sizeof out, &ecn, w->now);
        CHECK(n >= 0);
        if (n == 0)
            return;
        enqueue(&w->ba, w->now + DELAY, out, (size_t)n);
    }
}

static void deliver(world *w, queue *q, l4_tcp_conn *to, const l4_addr *src, const l4_addr *dst)
{
    while (q->n && q->p[q->head].at <= w->now) {
        pkt *p = &q->p[q->head];
        l4_tcp_hdr h;
        CHECK_EQ(l4_tcp_parse(&h, p->data, p->len, src, dst), 0);
        if (to == w->b)
            l4_tcp_conn_input_from(to, src, &h, 0, w->now);
        else
            l4_tcp_conn_input(to, &h, 0, w->now);
        free(p->data);
        q->head = (q->head + 1) % QMAX;
        q->n--;
    }
}

static void app(world *w)
{
    static uint8_t buf[65536];
    while (w->written < w->total) {
        size_t k = w->total - w->written < sizeof buf ? w->total - w->written : sizeof buf;
        for (size_t i = 0; i < k; i++)
            buf[i] = pattern(w->written + i);
        l4_ssize n = l4_tcp_conn_send(w->a, buf, k, w->now);
        if (n <= 0)
            break;
        w->written += (size_t)n;
    }
    if (w->written == w->total && !w->all_written &&
        l4_tcp_conn_state(w->a) == L4_TCP_ESTABLISHED) {
        l4_tcp_info i;
        l4_tcp_conn_get_info(w->a, &i);
        w->all_written = 1;
        w->data_end = i.iss + 1 + (uint32_t)w->total;
        l4_tcp_conn_shutdown(w->a, w->now);
    }
    for (;;) {
        l4_ssize n = l4_tcp_conn_recv(w->b, buf, sizeof buf, w->now);
        if (n == 0)
            w->eof = 1;
        if (n <= 0)
            break;
        for (l4_ssize i = 0; i < n; i++)
            if (buf[i] != pattern(w->rcvd + (size_t)i))
                w->bad = 1;
        w->rcvd += (size_t)n;
    }
}

static l4_time tmin(l4_time a, l4_time b)
{
    return a < b ? a : b;
}

static world *run(size_t total, uint16_t tso_max, int split, size_t drop_from, size_t drop_to)
{
    world *w = calloc(1, sizeof *w);
    CHECK(w != NULL);
    l4_addr_parse(&w->la, "10.0.0.1");
    l4_addr_parse(&w->lb, "10.0.0.2");
    w->total = total;
    w->split = split;
    w->drop_from = drop_from;
    w->drop_to = drop_to;
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    s.sndbuf = s.rcvbuf = 1u << 20;
    s.tso_max = tso_max;
    CHECK_EQ(l4_tcp_conn_new(&w->a, &s, NULL, NULL), 0);
    s.tso_max = 0;
    CHECK_EQ(l4_tcp_conn_new(&w->b, &s, NULL, NULL), 0);
    CHECK_EQ(l4_tcp_conn_listen(w->b, &w->lb, 80, 0), 0);
    CHECK_EQ(l4_tcp_conn_connect(w->a, &w->la, 40000, &w->lb, 80, 0), 0);
    for (int steps = 0; steps < 200000; steps++) {
        app(w);
        drain_a(w);
        drain_b(w);
        if (w->eof && w->ab.n == 0 && w->ba.n == 0)
            break;
        l4_time t = tmin(l4_tcp_conn_next_timeout(w->a), l4_tcp_conn_next_timeout(w->b));
        if (w->ab.n)
            t = tmin(t, w->ab.p[w->ab.head].at);
        if (w->ba.n)
            t = tmin(t, w->ba.p[w->ba.head].at);
        if (t == L4_TIME_NONE) {
            l4_tcp_info ia, ib;
            l4_tcp_conn_get_info(w->a, &ia);
            l4_tcp_conn_get_info(w->b, &ib);
            CHECK_MSG(0,
                      "stalled: written %zu rcvd %zu a %s una %u nxt %u max %u wnd %llu cwnd %llu "
                      "queued %zu; b %s rcv_wnd %llu",
                      w->written, w->rcvd, l4_tcp_state_name(ia.state), ia.snd_una, ia.snd_nxt,
                      ia.snd_max, (unsigned long long)ia.snd_wnd, (unsigned long long)ia.cwnd,
                      l4_tcp_conn_send_queued(w->a), l4_tcp_state_name(ib.state),
                      (unsigned long long)ib.rcv_wnd);
        }
        if (t > w->now)
            w->now = t;
        deliver(w, &w->ab, w->b, &w->la, &w->lb);
        deliver(w, &w->ba, w->a, &w->lb, &w->la);
        l4_tcp_conn_handle_timeout(w->a, w->now);
        l4_tcp_conn_handle_timeout(w->b, w->now);
    }
    CHECK(w->eof);
    CHECK_EQ(w->bad, 0);
    CHECK_EQU(w->rcvd, total);
    return w;
}

static void done(world *w)
{
    while (w->ab.n) {
        free(w->ab.p[w->ab.head].data);
        w->ab.head = (w->ab.head + 1) % QMAX;
        w->ab.n--;
    }
    while (w->ba.n) {
        free(w->ba.p[w->ba.head].data);
        w->ba.head = (w->ba.head + 1) % QMAX;
        w->ba.n--;
    }
    l4_tcp_conn_del(w->a);
    l4_tcp_conn_del(w->b);
    free(w);
}

/* Large segments passed whole: far fewer segments, all within cwnd. */
static void test_large_segments(void)
{
    size_t total = 4u << 20;
    world *w = run(total, 44, 0, 0, 0);
    CHECK_EQU(w->gso, 1448);
    CHECK(w->big_segs > 0);
    CHECK_EQU(w->max_payload, 44u * 1448);
    CHECK_MSG(w->data_segs < total / 1448 / 8, "%zu data segments for %zu bytes", w->data_segs,
              total);
    CHECK_EQU(w->rtx_segs, 0);
    done(w);
    /* tso_max 1 (and 0, the default): never more than one MSS. */
    w = run(256 * 1024, 1, 0, 0, 0);
    CHECK_EQU(w->big_segs, 0);
    CHECK_EQU(w->max_payload, 1448);
    done(w);
}

/* Cut by the "device", three pieces lost in the middle of a large segment:
   SACK recovery retransmits them one MSS at a time. */
static void test_split_and_loss(void)
{
    world *w = run(2u << 20, 16, 1, 40, 42);
    CHECK(w->big_segs > 0);
    CHECK(w->rtx_segs >= 3);
    l4_tcp_info i;
    l4_tcp_conn_get_info(w->a, &i);
    CHECK(i.fast_retransmits >= 1);
    CHECK_EQU(i.rto_expiries, 0);
    done(w);
}

/* Nagle: 3.5 MSS written while a byte is in flight leave as one 3-MSS
   segment; the half segment waits for the ACK. */
static void test_nagle_tail(void)
{
    l4_addr la, lb;
    l4_addr_parse(&la, "10.0.0.1");
    l4_addr_parse(&lb, "10.0.0.2");
    l4_tcp_settings s;
    l4_tcp_settings_default(&s);
    s.tso_max = 8;
    s.timestamps = 0;
    l4_tcp_conn *c;
    CHECK_EQ(l4_tcp_conn_new(&c, &s, NULL, NULL), 0);
    CHECK_EQ(l4_tcp_conn_connect(c, &la, 40000, &lb, 80, 0), 0);
    uint8_t out[70000];
    uint8_t ecn;
    l4_ssize n = l4_tcp_conn_output(c, out, sizeof out, &ecn, 0);
    l4_tcp_hdr syn, h;
    CHECK_EQ(l4_tcp_parse(&syn, out, (size_t)n, &la, &lb), 0);
    l4_tcp_hdr sa;
    memset(&sa, 0, sizeof sa);
    sa.sport = 80;
    sa.dport = 40000;
    sa.seq = 5000;
    sa.ack = syn.seq + 1;
    sa.flags = L4_TCP_SYN | L4_TCP_ACK;
    sa.window = 65535;
    sa.opts.present = L4_TCP_HAS_MSS;
    sa.opts.mss = 1000;
    CHECK_EQ(l4_tcp_conn_input(c, &sa, 0, L4_MS), 0);
    while (l4_tcp_conn_output(c, out, sizeof out, &ecn, L4_MS) > 0) {
    }
    CHECK_EQ(l4_tcp_conn_send(c, "x", 1, L4_MS), 1);
    n = l4_tcp_conn_output(c, out, sizeof out, &ecn, L4_MS);
    CHECK_EQ(l4_tcp_parse(&h, out, (size_t)n, &la, &lb), 0);
    CHECK_EQU(h.payload_len, 1);
    static uint8_t data[3500];
    CHECK_EQ(l4_tcp_conn_send(c, data, sizeof data, L4_MS), 3500);
    n = l4_tcp_conn_output(c, out, sizeof out, &ecn, L4_MS);
    CHECK_EQ(l4_tcp_parse(&h, out, (size_t)n, &la, &lb), 0);
    CHECK_EQU(h.payload_len, 3000); /* three whole segments of the peer's MSS 1000 */
    CHECK_EQU(l4_tcp_conn_gso_size(c, (size_t)n - h.payload_len), 1000);
    CHECK_EQ(l4_tcp_conn_output(c, out, sizeof out, &ecn, L4_MS), 0); /* the tail waits */
    /* everything acknowledged: the 500-byte tail goes */
    l4_tcp_hdr ack;
    memset(&ack, 0, sizeof ack);
    ack.sport = 80;
    ack.dport = 40000;
    ack.seq = 5001;
    ack.ack = syn.seq + 1 + 3001;
    ack.flags = L4_TCP_ACK;
    ack.window = 65535;
    CHECK_EQ(l4_tcp_conn_input(c, &ack, 0, 2 * L4_MS), 0);
    n = l4_tcp_conn_output(c, out, sizeof out, &ecn, 2 * L4_MS);
    CHECK_EQ(l4_tcp_parse(&h, out, (size_t)n, &la, &lb), 0);
    CHECK_EQU(h.payload_len, 500);
    /* with room only in a small buffer, output never writes past it */
    CHECK_EQ(l4_tcp_conn_send(c, data, sizeof data, 2 * L4_MS), 3500);
    n = l4_tcp_conn_output(c, out, 1500, &ecn, 2 * L4_MS);
    CHECK(n > 0 && n <= 1500);
    CHECK_EQ(l4_tcp_parse(&h, out, (size_t)n, &la, &lb), 0);
    CHECK_EQU(h.payload_len, 1000);
    l4_tcp_conn_del(c);
}

static const l4_test TESTS[] = {TEST(test_large_segments), TEST(test_split_and_loss),
                                TEST(test_nagle_tail), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
