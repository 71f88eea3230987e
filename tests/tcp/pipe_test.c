/*
 * tests/tcp/pipe_test.c — two engines through a seeded lossy pipe: every
 * byte arrives exactly once, in order, both directions; both end CLOSED,
 * the client (active closer) through TIME_WAIT.
 */
#include <stdio.h>

#include "check.h"
#include "pipe.h"

#define MIB (1024 * 1024 / PIPE_SIZE_DIV)

static void run(const pipe_cfg *cfg)
{
    pipe_result r = pipe_run(cfg);
    CHECK_MSG(r.ok, "seed %ju loss %.2f: %s at t=%.3f s (client %s, server %s)",
              (uintmax_t)cfg->seed, cfg->loss, r.why ? r.why : "?", (double)r.end_time / 1e9,
              l4_tcp_state_name(r.final[0]), l4_tcp_state_name(r.final[1]));
    CHECK_EQ(r.final[0], L4_TCP_CLOSED);
    CHECK_EQ(r.final[1], L4_TCP_CLOSED);
    CHECK(r.saw_time_wait[0]);
    CHECK(!r.saw_time_wait[1]);
    CHECK_EQU(r.info[0].bytes_acked, cfg->bytes_ab);
    CHECK_EQU(r.info[1].bytes_acked, cfg->bytes_ba);
    if (cfg->loss > 0 && (double)r.packets * cfg->loss > 20) {
        CHECK(r.dropped > 0);
        CHECK(r.info[0].retransmits + r.info[1].retransmits > 0);
    } else if (cfg->loss == 0 && cfg->dup == 0 && cfg->reorder == 0) {
        CHECK_EQ(r.info[0].retransmits + r.info[1].retransmits, 0);
    }
    if (getenv("L4_VERBOSE"))
        fprintf(stderr,
                "  seed %ju loss %.2f: %.3f s, %ju pkts, rtx %ju/%ju, rto %ju/%ju, fr %ju/%ju\n",
                (uintmax_t)cfg->seed, cfg->loss, (double)r.end_time / 1e9, (uintmax_t)r.packets,
                (uintmax_t)r.info[0].retransmits, (uintmax_t)r.info[1].retransmits,
                (uintmax_t)r.info[0].rto_expiries, (uintmax_t)r.info[1].rto_expiries,
                (uintmax_t)r.info[0].fast_retransmits, (uintmax_t)r.info[1].fast_retransmits);
}

static void test_clean_10mib_each_way(void)
{
    pipe_cfg c = pipe_cfg_default();
    c.bytes_ab = c.bytes_ba = 10 * MIB;
    c.jitter = 0;
    run(&c);
}

static void test_loss_1pct_sack(void)
{
    pipe_cfg c = pipe_cfg_default();
    c.bytes_ab = c.bytes_ba = 4 * MIB;
    c.loss = 0.01;
    run(&c);
}

static void test_loss_5pct_sack(void)
{
    pipe_cfg c = pipe_cfg_default();
    c.bytes_ab = c.bytes_ba = 2 * MIB;
    c.loss = 0.05;
    c.seed = 5;
    run(&c);
}

static void test_loss_20pct_sack(void)
{
    pipe_cfg c = pipe_cfg_default();
    c.bytes_ab = c.bytes_ba = 1 * MIB;
    c.loss = 0.20;
    c.seed = 20;
    run(&c);
}

static void test_loss_newreno_no_sack_no_ts(void)
{
    double loss[] = {0.01, 0.05, 0.20};
    size_t bytes[] = {4 * MIB, 2 * MIB, 1 * MIB};
    for (int k = 0; k < 3; k++) {
        pipe_cfg c = pipe_cfg_default();
        c.sack = c.timestamps = c.window_scale = 0;
        c.bytes_ab = c.bytes_ba = bytes[k];
        c.loss = loss[k];
        c.seed = 100 + (uint64_t)k;
        run(&c);
    }
}

static void test_reorder_and_duplicate(void)
{
    pipe_cfg c = pipe_cfg_default();
    c.bytes_ab = c.bytes_ba = 2 * MIB;
    c.reorder = 0.05;
    c.jitter = 15 * L4_MS;
    c.dup = 0.02;
    c.loss = 0.01;
    c.seed = 7;
    run(&c);
}

static void test_slow_reader_zero_window(void)
{
    pipe_cfg c = pipe_cfg_default();
    c.bytes_ab = 1 * MIB;
    c.bytes_ba = 64 * 1024;
    c.rcvbuf = 16 * 1024;
    c.read_chunk = 4096;
    c.read_every = 20 * L4_MS;
    c.loss = 0.01;
    c.seed = 11;
    run(&c);
}

/* A reader that takes fixed 4 KiB chunks of a stream that is a whole number
   of chunks takes the last byte with a full read, before or after the FIN
   arrives: it must still learn the end of the stream (recv returns 0 after
   the peer_fin callback), or both ends wait forever in FIN_WAIT_2 and
   CLOSE_WAIT with nothing to send and no timer (correctly: nothing is
   outstanding). The harness stalled in 11 of these 20 seeds when it looked
   only at recv_ready. */
static void test_slow_reader_sees_end_of_stream(void)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        pipe_cfg c = pipe_cfg_default();
        c.bytes_ab = 256 * 1024;
        c.bytes_ba = 16 * 1024;
        c.rcvbuf = 16 * 1024;
        c.read_chunk = 4096;
        c.read_every = 20 * L4_MS;
        c.loss = 0.01;
        c.seed = seed;
        run(&c);
    }
}

static void test_seed_sweep_short(void)
{
    /* L4_SOAK_SEEDS=N runs N seeds (the soak version); CI runs 12. A failing
       seed is printed by run() for replay. */
    const char *soak = getenv("L4_SOAK_SEEDS");
    uint64_t seeds = soak ? strtoull(soak, NULL, 10) : 12;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        pipe_cfg c = pipe_cfg_default();
        l4_rng r;
        l4_rng_init(&r, seed, 5);
        c.seed = seed;
        c.bytes_ab = 64 * 1024 + l4_rng_below(&r, 256 * 1024);
        c.bytes_ba = l4_rng_below(&r, 128 * 1024);
        c.loss = l4_rng_unit(&r) * 0.15;
        c.reorder = l4_rng_unit(&r) * 0.1;
        c.dup = l4_rng_unit(&r) * 0.05;
        c.sack = (int)l4_rng_below(&r, 2);
        c.timestamps = (int)l4_rng_below(&r, 2);
        c.nodelay = (int)l4_rng_below(&r, 2);
        c.mss = (uint16_t)(500 + l4_rng_below(&r, 1000));
        run(&c);
    }
}

static const l4_test TESTS[] = {
    TEST(test_clean_10mib_each_way),
    TEST(test_loss_1pct_sack),
    TEST(test_loss_5pct_sack),
    TEST(test_loss_20pct_sack),
    TEST(test_loss_newreno_no_sack_no_ts),
    TEST(test_reorder_and_duplicate),
    TEST(test_slow_reader_zero_window),
    TEST(test_slow_reader_sees_end_of_stream),
    TEST(test_seed_sweep_short),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
