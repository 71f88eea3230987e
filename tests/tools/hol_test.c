/*
 * tests/tools/hol_test.c — head-of-line waits from arrivals (tools/l4kit/hol.c):
 * hand-worked cases, first arrivals kept against duplicates and overlaps,
 * the one-ordered-stream counterfactual in the sender's order, QUIC events,
 * and random arrival orders against a per-byte computation.
 */
#include "check.h"
#include "tools/l4kit/hol.h"
#include "util/rng.h"
#include "wire/quic_frame.h"

/* Arrivals out of order: [0,3)@10, [5,10)@20, then the hole [3,5)@50: the
 * five bytes after the hole waited 30 each; the stream is done at 50. */
static void test_one_stream_hole(void)
{
    hol_set h;
    uint64_t len = 10;
    CHECK_EQ(hol_init(&h, 1, &len), 0);
    hol_arrived(&h, 0, 0, 3, 10);
    hol_arrived(&h, 0, 5, 5, 20);
    CHECK(!hol_complete(&h, 0));
    hol_arrived(&h, 0, 3, 2, 50);
    CHECK(hol_complete(&h, 0));
    hol_result r;
    hol_analyze(&h, &r);
    CHECK_EQU(r.bytes, 10);
    CHECK_EQU(r.arrived, 10);
    CHECK_EQU(r.waited, 5);
    CHECK(r.wait_sum == 150.0);
    CHECK_EQU(r.max_wait, 30);
    CHECK_EQU(r.done, 50);
    CHECK_EQU(r.one_waited, 0); /* no send order recorded: no counterfactual */
    hol_free(&h);
}

/* A later copy never moves a first arrival; an overlapping one fills only the
 * gap; bytes past the stream's length are ignored. */
static void test_first_arrival_kept(void)
{
    hol_set h;
    uint64_t len = 10;
    CHECK_EQ(hol_init(&h, 1, &len), 0);
    hol_arrived(&h, 0, 0, 3, 5);
    hol_arrived(&h, 0, 0, 3, 7);  /* a duplicate */
    hol_arrived(&h, 0, 8, 20, 9); /* clipped to [8, 10) */
    hol_arrived(&h, 0, 2, 4, 8);  /* [2,6): only [3,6) is new */
    hol_arrived(&h, 0, 6, 2, 4);  /* [6,8): earlier time given later still counts as first */
    CHECK(hol_complete(&h, 0));
    CHECK_EQU(h.st[0].nsp, 4);
    CHECK_EQU(h.st[0].sp[0].off, 0);
    CHECK_EQU(h.st[0].sp[0].end, 3);
    CHECK_EQU(h.st[0].sp[0].t, 5);
    CHECK_EQU(h.st[0].sp[1].off, 3);
    CHECK_EQU(h.st[0].sp[1].end, 6);
    CHECK_EQU(h.st[0].sp[1].t, 8);
    CHECK_EQU(h.st[0].sp[2].off, 6);
    CHECK_EQU(h.st[0].sp[2].t, 4);
    CHECK_EQU(h.st[0].sp[3].off, 8);
    CHECK_EQU(h.st[0].sp[3].end, 10);
    hol_result r;
    hol_analyze(&h, &r);
    /* ready: 5, 8, 8 (6..8 arrived at 4: waited 4 x 2 bytes), 9 */
    CHECK_EQU(r.waited, 2);
    CHECK(r.wait_sum == 8.0);
    CHECK_EQU(r.max_wait, 4);
    CHECK_EQU(r.done, 9);
    hol_free(&h);
}

/* Two streams sent interleaved, s0 [0,4) lost and repaired at 100: in its own
 * stream only s0's later bytes wait; as one ordered stream s1 waits too. */
static void test_two_streams_one_order(void)
{
    hol_set h;
    uint64_t lens[2] = {8, 8};
    CHECK_EQ(hol_init(&h, 2, lens), 0);
    hol_sent(&h, 0, 0, 4);
    hol_sent(&h, 1, 0, 4);
    hol_sent(&h, 0, 4, 4);
    hol_sent(&h, 1, 4, 4);
    hol_sent(&h, 0, 0, 4); /* the retransmission: no new range */
    CHECK_EQU(h.nrg, 4);
    hol_arrived(&h, 1, 0, 4, 11);
    hol_arrived(&h, 0, 4, 4, 12);
    hol_arrived(&h, 1, 4, 4, 13);
    hol_arrived(&h, 0, 0, 4, 100);
    hol_result r[2];
    hol_analyze(&h, r);
    CHECK_EQU(r[0].waited, 4);
    CHECK(r[0].wait_sum == 352.0);
    CHECK_EQU(r[0].max_wait, 88);
    CHECK_EQU(r[0].done, 100);
    CHECK_EQU(r[1].waited, 0);
    CHECK_EQU(r[1].done, 13);
    CHECK_EQU(r[0].one_waited, 4);
    CHECK(r[0].one_wait_sum == 352.0);
    CHECK_EQU(r[0].spared, 0);
    CHECK_EQU(r[1].one_waited, 8);
    CHECK(r[1].one_wait_sum == 4.0 * 89 + 4.0 * 87);
    CHECK_EQU(r[1].one_max_wait, 89);
    CHECK_EQU(r[1].spared, 8);
    CHECK_EQU(r[1].one_done, 100);
    hol_free(&h);
}

/* STREAM frames of the client's packets sent and of the server's packets
 * received; stream i is ID 4i; other IDs and other events are ignored. */
static void test_quic_events(void)
{
    hol_set h;
    uint64_t lens[2] = {100, 100};
    CHECK_EQ(hol_init(&h, 2, lens), 0);
    l4_quic_frame fr[4];
    memset(fr, 0, sizeof fr);
    fr[0].type = L4_QUIC_FRAME_STREAM | L4_QUIC_STREAM_LEN;
    fr[0].u.stream = (l4_quic_frame_stream){4, 0, NULL, 50};
    fr[1].type = L4_QUIC_FRAME_STREAM | L4_QUIC_STREAM_LEN | L4_QUIC_STREAM_OFF;
    fr[1].u.stream = (l4_quic_frame_stream){0, 10, NULL, 20};
    fr[2].type = L4_QUIC_FRAME_STREAM;
    fr[2].u.stream = (l4_quic_frame_stream){1, 0, NULL, 5}; /* server-initiated: not ours */
    fr[3].type = L4_QUIC_FRAME_STREAM;
    fr[3].u.stream = (l4_quic_frame_stream){8, 0, NULL, 5}; /* past the streams */
    l4_quic_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = L4_QUIC_EV_PACKET_SENT;
    ev.now = 3;
    ev.frames = fr;
    ev.nframes = 4;
    hol_quic_event(&h, 0, &ev);
    hol_quic_event(&h, 1, &ev); /* the server's sends are not the data */
    CHECK_EQU(h.nrg, 2);
    CHECK_EQ(h.rg[0].stream, 1);
    CHECK_EQ(h.rg[1].stream, 0);
    CHECK_EQU(h.rg[1].off, 10);
    CHECK_EQU(h.st[0].nsp, 0);
    ev.type = L4_QUIC_EV_PACKET_RECEIVED;
    ev.now = 7;
    hol_quic_event(&h, 0, &ev); /* the client's receipts are not the data */
    CHECK_EQU(h.st[0].nsp, 0);
    hol_quic_event(&h, 1, &ev);
    CHECK_EQU(h.st[0].nsp, 1);
    CHECK_EQU(h.st[0].sp[0].off, 10);
    CHECK_EQU(h.st[0].sp[0].end, 30);
    CHECK_EQU(h.st[1].nsp, 1);
    CHECK_EQU(h.st[1].sp[0].end, 50);
    CHECK_EQU(h.st[1].sp[0].t, 7);
    hol_free(&h);
}

/* Random segments in random order (duplicates, overlaps, holes filled late)
 * against the same figures computed byte by byte. */
static void test_random_against_bytes(void)
{
    enum { N = 20000 };
    static l4_time first[N];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        l4_rng rng;
        l4_rng_init(&rng, seed, 7);
        hol_set h;
        uint64_t len = N;
        CHECK_EQ(hol_init(&h, 1, &len), 0);
        for (int i = 0; i < N; i++)
            first[i] = L4_TIME_NONE;
        l4_time t = 0;
        for (int k = 0; k < 3000; k++) {
            t += l4_rng_u32(&rng) % 3;
            uint64_t off = l4_rng_u32(&rng) % (N + 50);
            uint64_t l = 1 + l4_rng_u32(&rng) % 60;
            hol_arrived(&h, 0, off, l, t);
            for (uint64_t b = off; b < off + l && b < N; b++)
                if (first[b] == L4_TIME_NONE)
                    first[b] = t;
        }
        /* spans sorted and disjoint */
        for (size_t i = 1; i < h.st[0].nsp; i++)
            CHECK(h.st[0].sp[i - 1].end <= h.st[0].sp[i].off);
        hol_result r;
        hol_analyze(&h, &r);
        uint64_t arrived = 0, waited = 0;
        double sum = 0;
        l4_time ready = 0, max = 0;
        int all = 1;
        for (int b = 0; b < N; b++) {
            if (first[b] == L4_TIME_NONE) {
                all = 0;
                continue;
            }
            arrived++;
            if (first[b] > ready)
                ready = first[b];
            l4_time w = ready - first[b];
            if (w) {
                waited++;
                sum += (double)w;
                if (w > max)
                    max = w;
            }
        }
        CHECK_EQU(r.arrived, arrived);
        CHECK_EQU(r.waited, waited);
        CHECK(r.wait_sum == sum);
        CHECK_EQU(r.max_wait, max);
        CHECK_EQU(r.done, ready);
        CHECK_EQ(hol_complete(&h, 0), all);
        CHECK_EQ(h.oom, 0);
        hol_free(&h);
    }
}

static const l4_test TESTS[] = {
    TEST(test_one_stream_hole), TEST(test_first_arrival_kept),   TEST(test_two_streams_one_order),
    TEST(test_quic_events),     TEST(test_random_against_bytes), TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
