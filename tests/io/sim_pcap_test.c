/* tests/io/sim_pcap_test.c — io/sim_pcap: the emulator tap written as pcap
 * records with virtual timestamps, filtered by event and by link. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "io/pcap.h"
#include "io/sim_pcap.h"
#include "sim/sim.h"

/* A node that outputs `left` packets of 40 bytes, one every 1 ms from t=0. */
typedef struct src_node {
    int left;
    int sent;
    l4_time next;
} src_node;

static void src_input(void *u, int ifx, const uint8_t *p, size_t n, l4_time now)
{
    (void)u, (void)ifx, (void)p, (void)n, (void)now;
}

static l4_ssize src_output(void *u, int *ifx, uint8_t *buf, size_t cap, l4_time now)
{
    src_node *s = u;
    *ifx = 0;
    if (!s->left || now < s->next || cap < 40)
        return 0;
    memset(buf, 0, 40);
    buf[0] = 0x45;
    buf[3] = 40;
    buf[39] = (uint8_t)s->sent;
    s->left--;
    s->sent++;
    s->next += L4_MS;
    return 40;
}

static l4_time src_next(void *u)
{
    src_node *s = u;
    return s->left ? s->next : L4_TIME_NONE;
}

static void src_timeout(void *u, l4_time now)
{
    (void)u, (void)now;
}

static const l4_sim_node_ops src_ops = {src_input, src_output, src_next, src_timeout};

static char path[128];

static void run(unsigned events, int link, const char *spec_text, int npk)
{
    snprintf(path, sizeof path, "/tmp/l4simpcap-%d.pcap", (int)getpid());
    l4_sim_pcap *cap = NULL;
    char err[L4_PCAP_ERRBUF];
    CHECK_EQ(l4_sim_pcap_open(&cap, path, events, link, err, sizeof err), 0);
    l4_sim *sim = l4_sim_new(3);
    CHECK(sim);
    src_node a = {npk, 0, 0}, b = {0, 0, 0};
    int na = l4_sim_add_node(sim, &src_ops, &a);
    int nb = l4_sim_add_node(sim, &src_ops, &b);
    l4_link_spec spec;
    CHECK_EQ(l4_link_spec_parse(&spec, spec_text, err, sizeof err), 0);
    CHECK_EQ(l4_sim_connect(sim, na, 0, nb, 0, &spec, &spec), 0);
    l4_sim_set_tap(sim, l4_sim_pcap_tap, cap);
    while (l4_sim_step(sim))
        ;
    CHECK_EQ(l4_sim_pcap_close(cap), 0);
    l4_sim_del(sim);
}

static void read_all(l4_pcap_record *out, uint8_t data[][40], int max, int *n)
{
    l4_pcap_reader *r = NULL;
    CHECK_EQ(l4_pcap_reader_open(&r, path, NULL, 0), 0);
    *n = 0;
    l4_pcap_record rec;
    while (*n < max && l4_pcap_reader_next(r, &rec) == 1) {
        out[*n] = rec;
        CHECK_EQU(rec.caplen, 40);
        memcpy(data[*n], rec.data, 40);
        (*n)++;
    }
    CHECK_EQ(l4_pcap_reader_next(r, &rec), 0);
    l4_pcap_reader_close(r);
    unlink(path);
}

static void test_send_and_deliver_times(void)
{
    run(L4_SIM_PCAP_SEND | L4_SIM_PCAP_DELIVER, -1, "delay 10ms", 3);
    l4_pcap_record rec[16];
    uint8_t data[16][40];
    int n;
    read_all(rec, data, 16, &n);
    CHECK_EQ(n, 6);
    /* Sends at 0, 1, 2 ms; deliveries 10 ms later, in time order. */
    const l4_time want[6] = {0, L4_MS, 2 * L4_MS, 10 * L4_MS, 11 * L4_MS, 12 * L4_MS};
    const int which[6] = {0, 1, 2, 0, 1, 2};
    for (int i = 0; i < 6; i++) {
        CHECK_EQU(rec[i].ts, want[i]);
        CHECK_EQ(data[i][39], which[i]);
        CHECK_EQ(rec[i].linktype, 12); /* DLT_RAW */
    }
}

static void test_deliver_only_and_link_filter(void)
{
    run(L4_SIM_PCAP_DELIVER, -1, "rate 3200kbit", 2);
    l4_pcap_record rec[8];
    uint8_t data[8][40];
    int n;
    read_all(rec, data, 8, &n);
    CHECK_EQ(n, 2);
    /* 40 bytes at 3.2 Mbit/s take 100 us to serialize. */
    CHECK_EQU(rec[0].ts, 100 * L4_US);
    CHECK_EQU(rec[1].ts, L4_MS + 100 * L4_US);
    run(L4_SIM_PCAP_DELIVER, 1, "", 2); /* link 1 does not exist: nothing */
    read_all(rec, data, 8, &n);
    CHECK_EQ(n, 0);
}

static void test_drops(void)
{
    run(L4_SIM_PCAP_DROP_LOSS, 0, "loss 100%", 4);
    l4_pcap_record rec[8];
    uint8_t data[8][40];
    int n;
    read_all(rec, data, 8, &n);
    CHECK_EQ(n, 4);
    CHECK_EQU(rec[3].ts, 3 * L4_MS);
}

static void test_bad_arguments(void)
{
    l4_sim_pcap *c = NULL;
    CHECK_EQ(l4_sim_pcap_open(&c, "/tmp/x.pcap", 0, -1, NULL, 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_sim_pcap_open(&c, "/tmp/x.pcap", L4_SIM_PCAP_SEND, -2, NULL, 0),
             L4_ERR_INVALID_ARGUMENT);
    char err[L4_PCAP_ERRBUF] = "";
    CHECK_EQ(l4_sim_pcap_open(&c, "/nonexistent-dir/x.pcap", L4_SIM_PCAP_SEND, -1, err, sizeof err),
             L4_ERR_IO);
    CHECK(c == NULL);
    CHECK(err[0]);
    CHECK_EQ(l4_sim_pcap_close(NULL), 0);
    CHECK_EQU(l4_sim_pcap_count(NULL), 0);
}

static const l4_test TESTS[] = {
    TEST(test_send_and_deliver_times),
    TEST(test_deliver_only_and_link_filter),
    TEST(test_drops),
    TEST(test_bad_arguments),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
