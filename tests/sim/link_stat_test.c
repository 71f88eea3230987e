/*
 * tests/sim/link_stat_test.c — each impairment does what sim/link.h says,
 * statistically. Seeds are fixed, so these never flake; the bounds are wide
 * enough (about 5 standard deviations) to hold for any seed but one in
 * millions, and narrow enough to catch a wrong rate.
 */
#include "../check.h"
#include "sim_helpers.h"

static void test_loss_1pct_binomial(void)
{
    const uint64_t n = 100000;
    th_line l;
    th_line_init(&l, 11, "loss 1%", n, L4_US, 100);
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK_MSG(th_binomial_ok((double)st->dropped_loss, (double)n, 0.01, 5.0), "%ju lost of %ju",
              (uintmax_t)st->dropped_loss, (uintmax_t)n);
    CHECK_EQU(st->delivered_pkts + st->dropped_loss, n);
    CHECK_EQU(l.sink.n, st->delivered_pkts);
    /* The survivors arrive in order, each once. */
    for (size_t i = 1; i < l.sink.n; i++)
        CHECK(l.sink.a[i].seq > l.sink.a[i - 1].seq);
    th_line_free(&l);
}

/* Mean length of the runs of consecutive missing sequence numbers; sets *lost. */
static double mean_burst(const th_sink *k, uint64_t n, uint64_t *lost)
{
    uint64_t runs = 0, missing = 0, expect = 0;
    for (size_t i = 0; i <= k->n; i++) {
        uint64_t seq = i < k->n ? k->a[i].seq : n;
        if (seq > expect) {
            runs++;
            missing += seq - expect;
        }
        expect = seq + 1;
    }
    *lost = missing;
    return runs ? (double)missing / (double)runs : 0.0;
}

static void test_burst_loss(void)
{
    /* Gilbert-Elliott, loss 2 %, mean burst 4: r = 0.25, p = 0.02*0.25/0.98. */
    const uint64_t n = 200000;
    th_line l;
    th_line_init(&l, 12, "loss 2% loss-burst 4", n, L4_US, 64);
    th_line_run(&l);
    uint64_t lost;
    double burst = mean_burst(&l.sink, n, &lost);
    CHECK_EQU(lost, th_line_stats(&l)->dropped_loss);
    /* Bursts are geometric (sd ~ 3.5 each) over ~1000 bursts: the mean is within ~0.11 per sd;
       the rate's sd is ~ sqrt(bursts)*burst/n = 0.06 %. */
    CHECK_MSG(fabs(burst - 4.0) < 0.5, "mean burst %.3f", burst);
    double rate = (double)lost / (double)n;
    CHECK_MSG(fabs(rate - 0.02) < 0.003, "loss rate %.5f", rate);
    th_line_free(&l);

    /* Independent losses at the same rate have bursts of 1/(1-p) = 1.02. */
    th_line_init(&l, 12, "loss 2%", n, L4_US, 64);
    th_line_run(&l);
    burst = mean_burst(&l.sink, n, &lost);
    CHECK_MSG(burst < 1.05, "independent mean burst %.3f", burst);
    th_line_free(&l);

    /* loss-burst 1 gives the average rate too. */
    th_line_init(&l, 13, "loss 5% loss-burst 1", n, L4_US, 64);
    th_line_run(&l);
    burst = mean_burst(&l.sink, n, &lost);
    CHECK_MSG(fabs((double)lost / (double)n - 0.05) < 0.003, "loss %.5f", (double)lost / (double)n);
    th_line_free(&l);

    /* loss 80 % with bursts of 3 would need p = 4/3: clipped to 1, the rate is
       p/(p+r) = 1/(1+1/3) = 75 %, with bursts still of mean 3. */
    th_line_init(&l, 13, "loss 80% loss-burst 3", n, L4_US, 64);
    th_line_run(&l);
    burst = mean_burst(&l.sink, n, &lost);
    CHECK_MSG(fabs((double)lost / (double)n - 0.75) < 0.01, "loss %.5f", (double)lost / (double)n);
    CHECK_MSG(fabs(burst - 3.0) < 0.1, "mean burst %.3f", burst);
    th_line_free(&l);
}

static void test_rate_saturation(void)
{
    /* Offer 1500-byte packets every 1 ms to a 10 Mbit/s link (1.2 ms each): the
       queue stays full and the output rate is exactly the link rate. */
    const uint64_t n = 5000;
    th_line l;
    th_line_init(&l, 14, "rate 10mbit queue 50", n, L4_MS, 1500);
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK(st->dropped_queue > 0);
    CHECK_EQU(st->queue_hwm_pkts, 50);
    /* Bits delivered after the first arrival, over the time since it. */
    double bits = (double)(st->delivered_bytes - 1500) * 8.0;
    double secs = (double)(l.sink.a[l.sink.n - 1].t - l.sink.a[0].t) / 1e9;
    double bps = bits / secs;
    CHECK_MSG(fabs(bps - 10e6) / 10e6 < 0.01, "throughput %.0f bit/s", bps);
    /* Offered 12 Mbit/s, carried 10: about 1/6 dropped. */
    CHECK_MSG(fabs((double)st->dropped_queue / (double)n - 1.0 / 6.0) < 0.02, "dropped %ju",
              (uintmax_t)st->dropped_queue);
    th_line_free(&l);

    /* An odd rate with small packets: still within 1 % (no rounding drift). */
    th_line_init(&l, 14, "rate 7777kbit queue 1000", 20000, 0, 97);
    l.src.burst = 20000;
    th_line_rearm(&l);
    th_line_run(&l);
    st = th_line_stats(&l);
    CHECK_EQU(st->delivered_pkts, 1001);
    bits = (double)(st->delivered_bytes - 97) * 8.0;
    secs = (double)(l.sink.a[l.sink.n - 1].t - l.sink.a[0].t) / 1e9;
    CHECK_MSG(fabs(bits / secs - 7.777e6) / 7.777e6 < 1e-6, "throughput %.1f", bits / secs);
    th_line_free(&l);
}

static void test_jitter_sd_and_fifo(void)
{
    /* Packets 100 ms apart never meet: each one's delay is 50 ms + N(0, 5 ms). */
    const uint64_t n = 20000;
    th_line l;
    th_line_init(&l, 15, "delay 50ms jitter 5ms", n, 100 * L4_MS, 100);
    th_line_run(&l);
    CHECK_EQ(l.sink.n, n);
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < l.sink.n; i++) {
        CHECK_EQ(l.sink.a[i].seq, i);
        double d = (double)(l.sink.a[i].t - i * 100 * L4_MS) / 1e6;
        sum += d;
        sum2 += d * d;
    }
    double mean = sum / (double)n, sd = sqrt(sum2 / (double)n - mean * mean);
    /* sd of the mean 5/sqrt(n) = 0.035 ms; of the sd ~ 5/sqrt(2n) = 0.025 ms. */
    CHECK_MSG(fabs(mean - 50.0) < 0.2, "mean delay %.4f ms", mean);
    CHECK_MSG(fabs(sd - 5.0) < 0.15, "jitter sd %.4f ms", sd);
    th_line_free(&l);

    /* Packets 1 ms apart with 5 ms jitter would swap often: FIFO holds. */
    th_line_init(&l, 15, "delay 50ms jitter 5ms", n, L4_MS, 100);
    th_line_run(&l);
    CHECK_EQ(l.sink.n, n);
    for (size_t i = 0; i < l.sink.n; i++) {
        CHECK_EQ(l.sink.a[i].seq, i);
        CHECK(i == 0 || l.sink.a[i].t >= l.sink.a[i - 1].t);
    }
    CHECK_EQU(th_line_stats(&l)->reordered, 0);
    th_line_free(&l);

    /* Jitter larger than the delay: clipped at 0, never before the send. */
    th_line_init(&l, 16, "delay 1ms jitter 10ms", 5000, 100 * L4_MS, 100);
    th_line_run(&l);
    uint64_t clipped = 0;
    for (size_t i = 0; i < l.sink.n; i++) {
        CHECK(l.sink.a[i].t >= i * 100 * L4_MS);
        clipped += l.sink.a[i].t == i * 100 * L4_MS;
    }
    /* P(N(1, 10) <= 0) = 0.46. */
    CHECK_MSG(th_binomial_ok((double)clipped, 5000, 0.4602, 5.0), "clipped %ju",
              (uintmax_t)clipped);
    th_line_free(&l);
}

static void test_reorder_rate(void)
{
    /* 5 % of the packets skip the 10 ms delay and overtake the ~10 in flight. */
    const uint64_t n = 100000;
    th_line l;
    th_line_init(&l, 17, "delay 10ms reorder 5%", n, L4_MS, 100);
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK_EQ(l.sink.n, n);
    CHECK_MSG(th_binomial_ok((double)st->reordered, (double)n, 0.05, 5.0), "reordered %ju",
              (uintmax_t)st->reordered);
    uint64_t early = 0, inversions = 0;
    uint32_t max_seq = 0;
    uint8_t *skipped = calloc(n + 16, 1);
    CHECK(skipped != NULL);
    for (size_t i = 0; i < l.sink.n; i++) {
        const th_arrival *a = &l.sink.a[i];
        l4_time sent = (l4_time)a->seq * L4_MS;
        if (a->t == sent) {
            early++;
            skipped[a->seq] = 1;
        } else {
            CHECK_EQU(a->t, sent + 10 * L4_MS);
        }
        if (i && a->seq < max_seq)
            inversions++;
        if (a->seq > max_seq)
            max_seq = a->seq;
    }
    CHECK_EQU(early, st->reordered);
    /* A delayed packet j arrives out of order exactly when a packet sent in
       the next 9 ms skipped the delay (one sent 10 ms later arrives in the
       same instant, after it: ties go in sending order). */
    uint64_t want = 0;
    for (uint64_t j = 0; j < n; j++) {
        if (skipped[j])
            continue;
        for (uint64_t k = j + 1; k <= j + 9 && k < n; k++)
            if (skipped[k]) {
                want++;
                break;
            }
    }
    free(skipped);
    CHECK_EQU(inversions, want);
    CHECK(inversions > 5 * st->reordered);
    th_line_free(&l);

    /* Without delay, reorder changes nothing. */
    th_line_init(&l, 17, "reorder 50%", 1000, L4_MS, 100);
    th_line_run(&l);
    for (size_t i = 0; i < l.sink.n; i++)
        CHECK_EQ(l.sink.a[i].seq, i);
    th_line_free(&l);
}

static void test_duplicate_rate(void)
{
    const uint64_t n = 100000;
    th_line l;
    th_line_init(&l, 18, "duplicate 1% delay 1ms", n, L4_US, 100);
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK_MSG(th_binomial_ok((double)st->duplicated, (double)n, 0.01, 5.0), "duplicated %ju",
              (uintmax_t)st->duplicated);
    CHECK_EQU(l.sink.n, n + st->duplicated);
    /* Every packet arrives once or twice, the copy right after the original. */
    uint64_t twice = 0;
    uint32_t expect = 0;
    for (size_t i = 0; i < l.sink.n; i++) {
        if (i && l.sink.a[i].seq == l.sink.a[i - 1].seq) {
            twice++;
            CHECK_EQU(l.sink.a[i].t, l.sink.a[i - 1].t);
            continue;
        }
        CHECK_EQ(l.sink.a[i].seq, expect);
        expect++;
    }
    CHECK_EQ(expect, n);
    CHECK_EQU(twice, st->duplicated);
    th_line_free(&l);
}

static void test_corrupt_one_bit(void)
{
    const uint64_t n = 50000;
    const size_t len = 60;
    th_line l;
    th_line_init(&l, 19, "corrupt 2%", n, L4_US, len);
    l.sink.keep_bytes = 1;
    th_line_run(&l);
    const l4_link_stats *st = th_line_stats(&l);
    CHECK_EQ(l.sink.n, n);
    CHECK_MSG(th_binomial_ok((double)st->corrupted, (double)n, 0.02, 5.0), "corrupted %ju",
              (uintmax_t)st->corrupted);
    uint64_t one_bit = 0, bit_hist[8] = {0};
    uint8_t want[64];
    for (size_t i = 0; i < l.sink.n; i++) {
        th_build_v4(want, len, (uint32_t)i, 0, l.src.src, l.src.dst);
        int bits = 0;
        for (size_t j = 0; j < len; j++) {
            uint8_t x = (uint8_t)(want[j] ^ l.sink.bytes[i][j]);
            for (int b = 0; b < 8; b++)
                if (x & (1u << b)) {
                    bits++;
                    bit_hist[b]++;
                }
        }
        CHECK_MSG(bits <= 1, "packet %zu differs in %d bits", i, bits);
        one_bit += bits == 1;
    }
    CHECK_EQU(one_bit, st->corrupted);
    /* The flipped bit is uniform over the bit positions of a byte too. */
    for (int b = 0; b < 8; b++)
        CHECK_MSG(th_binomial_ok((double)bit_hist[b], (double)one_bit, 0.125, 5.0),
                  "bit %d flipped %ju times", b, (uintmax_t)bit_hist[b]);
    th_line_free(&l);
}

static const l4_test TESTS[] = {TEST(test_loss_1pct_binomial), TEST(test_burst_loss),
                                TEST(test_rate_saturation),    TEST(test_jitter_sd_and_fifo),
                                TEST(test_reorder_rate),       TEST(test_duplicate_rate),
                                TEST(test_corrupt_one_bit),    TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
