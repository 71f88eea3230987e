/*
 * tests/tools/iperf3_proto_test.c — the iperf3 control-protocol pieces of
 * `l4kit iperf3-server`: the parameter objects iperf3 3.12 sends (captured
 * from the real client) parsed to what the server acts on, what is refused
 * (UDP, SCTP, --bidir, -R with -n, bad JSON) and the results object the
 * client reads back, byte for byte.
 */
#include <string.h>

#include "check.h"
#include "tools/l4kit/iperf3_proto.h"

static int parse(const char *js, iperf3_params *p)
{
    return iperf3_params_parse(js, strlen(js), p);
}

static void test_params(void)
{
    iperf3_params p;
    CHECK_EQ(parse("{\"tcp\":true,\"omit\":0,\"time\":10,\"num\":0,\"blockcount\":0,\"parallel\":1,"
                   "\"len\":131072,\"pacing_timer\":1000,\"client_version\":\"3.12\"}",
                   &p),
             0);
    CHECK_EQ(p.tcp, 1);
    CHECK_EQ(p.reverse, 0);
    CHECK_EQ(p.parallel, 1);
    CHECK_EQ(p.time, 10);
    CHECK_EQU(p.len, 131072);
    CHECK_EQ(parse("{\"tcp\":true,\"omit\":0,\"time\":2,\"num\":0,\"blockcount\":0,\"parallel\":3,"
                   "\"reverse\":true,\"len\":131072,\"pacing_timer\":1000,\"client_version\":"
                   "\"3.12\"}",
                   &p),
             0);
    CHECK_EQ(p.reverse, 1);
    CHECK_EQ(p.parallel, 3);
    /* whitespace, nested values and escapes in strings are skipped */
    CHECK_EQ(
        parse(" { \"x\" : [1, {\"a\": \"b\\\"c\"}, null], \"tcp\" : true , \"num\" : 1e+06 } ", &p),
        0);
    CHECK_EQU(p.num, 1000000);
    CHECK_EQ(parse("{\"tcp\":true,\"num\":10737418240}", &p), 0);
    CHECK_EQU(p.num, 10737418240ull);
    /* not served: UDP, SCTP, --bidir, -R with -n, too many streams, no protocol */
    CHECK_EQ(parse("{\"udp\":true,\"omit\":0,\"time\":10,\"len\":32768,\"bandwidth\":1048576}", &p),
             -2);
    CHECK_EQ(parse("{\"sctp\":true}", &p), -2);
    CHECK_EQ(parse("{\"tcp\":true,\"num\":1048576,\"bidirectional\":true}", &p), -2);
    CHECK_EQ(parse("{\"tcp\":true,\"reverse\":true,\"num\":1048576}", &p), -2);
    CHECK_EQ(parse("{\"tcp\":true,\"reverse\":true,\"blockcount\":5}", &p), -2);
    CHECK_EQ(parse("{\"tcp\":true,\"parallel\":129}", &p), -2);
    CHECK_EQ(parse("{\"tcp\":true,\"parallel\":0}", &p), -2);
    CHECK_EQ(parse("{}", &p), -2);
    /* not JSON, or a known key with the wrong kind of value */
    CHECK_EQ(parse("", &p), -1);
    CHECK_EQ(parse("[1]", &p), -1);
    CHECK_EQ(parse("{\"tcp\":true", &p), -1);
    CHECK_EQ(parse("{\"tcp\":true} x", &p), -1);
    CHECK_EQ(parse("{\"tcp\":\"yes\"}", &p), -1);
    CHECK_EQ(parse("{\"tcp\":true,\"num\":-5}", &p), -1);
    CHECK_EQ(parse("{\"tcp\":true,\"x\":tru}", &p), -1);
    CHECK_EQ(parse("{\"tcp\":true,,}", &p), -1);
    CHECK_EQ(parse("{\"t\ncp\":true}", &p), -1); /* a control character in a string */
    char deep[200];
    memset(deep, '[', sizeof deep);
    memcpy(deep, "{\"a\":", 5);
    CHECK_EQ(iperf3_params_parse(deep, sizeof deep, &p), -1); /* nesting bounded, no overrun */
}

static void test_results(void)
{
    CHECK_EQ(iperf3_stream_id(0), 1);
    CHECK_EQ(iperf3_stream_id(1), 3);
    CHECK_EQ(iperf3_stream_id(2), 4);
    iperf3_stream_result r[2] = {{1, 1000, -1, 0, 2.5}, {3, 2000, -1, 0, 2.5}};
    char buf[512];
    int n = iperf3_results_json(buf, sizeof buf, 12.5, 10, 2.5, 0, r, 2);
    const char *want =
        "{\"cpu_util_total\":12.500000,\"cpu_util_user\":10.000000,\"cpu_util_system\":2.500000,"
        "\"sender_has_retransmits\":0,\"streams\":[{\"id\":1,\"bytes\":1000,\"retransmits\":-1,"
        "\"jitter\":0,\"errors\":0,\"packets\":0,\"start_time\":0.000000,\"end_time\":2.500000},"
        "{\"id\":3,\"bytes\":2000,\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"packets\":0,"
        "\"start_time\":0.000000,\"end_time\":2.500000}]}";
    CHECK_MSG(strcmp(buf, want) == 0, "results object: %.300s", buf);
    CHECK_EQ(n, (int)strlen(want));
    CHECK_EQ(iperf3_results_json(buf, 100, 0, 0, 0, 1, r, 2), -1); /* does not fit */
    r[0].retransmits = 7;
    n = iperf3_results_json(buf, sizeof buf, 0, 0, 0, 1, r, 1);
    CHECK(n > 0);
    CHECK(strstr(buf, "\"sender_has_retransmits\":1") != NULL);
    CHECK(strstr(buf, "\"retransmits\":7") != NULL);
}

static const l4_test TESTS[] = {TEST(test_params), TEST(test_results), TEST_END};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}
