/*
 * fuzz/fuzz_iperf3.c — the iperf3 parameter parser of `l4kit iperf3-server`
 * (tools/l4kit/iperf3_proto.c) on arbitrary bytes, as a client may send
 * them. Invariants: it returns 0, -1 or -2; on 0 the parameters are ones
 * the server serves (TCP, 1..IPERF3_MAX_STREAMS streams, no -R with -n/-k).
 */
#include "fuzz/fuzz.h"
#include "tools/l4kit/iperf3_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iperf3_params p;
    int r = iperf3_params_parse((const char *)data, size, &p);
    FUZZ_CHECK(r == 0 || r == -1 || r == -2);
    if (r == 0) {
        FUZZ_CHECK(p.tcp && !p.udp && !p.sctp && !p.bidir);
        FUZZ_CHECK(p.parallel >= 1 && p.parallel <= IPERF3_MAX_STREAMS);
        FUZZ_CHECK(!p.reverse || (!p.num && !p.blockcount));
    }
    return 0;
}
