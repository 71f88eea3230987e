/*
 * fuzz/fuzz_pcap_link.c — the capture link-layer decoder (io/pcap_link.c) on
 * arbitrary records. The first input byte picks the link type.
 *
 * Invariants: on success the IP packet it points at lies inside the record
 * and starts right after the link-layer header it reports.
 */
#include "fuzz.h"
#include "io/pcap_link.h"

static const int LINKTYPES[] = {
    L4_LINK_NULL, L4_LINK_EN10MB,    L4_LINK_RAW_DLT, L4_LINK_RAW_OPENBSD, L4_LINK_RAW,
    L4_LINK_LOOP, L4_LINK_LINUX_SLL, L4_LINK_IPV4,    L4_LINK_IPV6,        L4_LINK_LINUX_SLL2,
    9999,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int lt = LINKTYPES[data[0] % (sizeof LINKTYPES / sizeof LINKTYPES[0])];
    const uint8_t *rec = data + 1;
    size_t len = size - 1;
    l4_pcap_link out;
    int rc = l4_pcap_link_ip(lt, rec, len, &out);
    if (rc == 0 && out.ip) {
        FUZZ_CHECK(fuzz_within(out.ip, out.ip_len, rec, len));
        FUZZ_CHECK(out.ip == rec + out.hdr_len);
    }
    FUZZ_CHECK(l4_pcap_link_name(lt) != NULL);
    return 0;
}
