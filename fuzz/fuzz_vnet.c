/*
 * fuzz/fuzz_vnet.c — the virtio-net header codec (wire/vnet.h) on arbitrary
 * bytes: a header and the IP packet after it, as a TUN device with offloads
 * hands them over. Invariants: parse of fewer than 10 bytes is TRUNCATED,
 * else write(parse(x)) == x; check returns 0 or one of its documented
 * errors; a packet prepared for offload passes check, and its checksum
 * finished as a device does always verifies (whatever the field held).
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "util/bytes.h"
#include "wire/cksum.h"
#include "wire/tcp.h"
#include "wire/vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    l4_vnet_hdr h;
    int rc = l4_vnet_parse(&h, data, size);
    if (size < L4_VNET_LEN) {
        FUZZ_CHECK(rc == L4_ERR_TRUNCATED);
        return 0;
    }
    FUZZ_CHECK(rc == (int)L4_VNET_LEN);
    uint8_t back[L4_VNET_LEN];
    l4_vnet_write(back, &h);
    FUZZ_CHECK(memcmp(back, data, L4_VNET_LEN) == 0);
    const uint8_t *pkt = data + L4_VNET_LEN;
    size_t len = size - L4_VNET_LEN;
    rc = l4_vnet_check(&h, pkt, len);
    FUZZ_CHECK(rc == 0 || rc == L4_ERR_MALFORMED || rc == L4_ERR_UNSUPPORTED ||
               rc == L4_ERR_TRUNCATED);
    if (rc == 0 && (h.flags & L4_VNET_F_NEEDS_CSUM))
        FUZZ_CHECK((size_t)h.csum_start + h.csum_offset + 2 <= len);

    /* Offload preparation of the same bytes taken as an IP/TCP packet. */
    uint8_t *p = (uint8_t *)malloc(len ? len : 1);
    FUZZ_CHECK(p != NULL);
    memcpy(p, pkt, len);
    uint16_t gso = (uint16_t)(h.gso_size % 2000);
    l4_vnet_hdr o;
    rc = l4_vnet_prepare_tcp(&o, p, len, gso);
    FUZZ_CHECK(rc == 0 || rc == L4_ERR_MALFORMED);
    if (rc == 0) {
        FUZZ_CHECK(l4_vnet_check(&o, p, len) == 0);
        FUZZ_CHECK(o.hdr_len <= len && o.csum_start + 20u <= len);
        size_t hl = o.csum_start;
        l4_addr s, d;
        if ((pkt[0] >> 4) == 4) {
            s = l4_addr_v4(pkt + 12);
            d = l4_addr_v4(pkt + 16);
        } else {
            s = l4_addr_v6(pkt + 8);
            d = l4_addr_v6(pkt + 24);
        }
        l4_tcp_hdr t;
        l4_put_u16(p + hl + 16, l4_cksum(p + hl, len - hl));
        int after = l4_tcp_parse(&t, p + hl, len - hl, &s, &d);
        FUZZ_CHECK(after != L4_ERR_CHECKSUM);
    }
    free(p);
    return 0;
}
