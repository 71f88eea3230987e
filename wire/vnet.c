/* wire/vnet.c — the virtio-net header (see vnet.h). */
#include "wire/vnet.h"

#include "util/bytes.h"
#include "wire/addr.h"
#include "wire/cksum.h"

int l4_vnet_parse(l4_vnet_hdr *h, const uint8_t *buf, size_t len)
{
    if (!h || (!buf && len))
        return L4_ERR_INVALID_ARGUMENT;
    if (len < L4_VNET_LEN)
        return L4_ERR_TRUNCATED;
    /* u8 flags, u8 gso_type, then four little-endian 16-bit fields */
    h->flags = buf[0];
    h->gso_type = buf[1];
    h->hdr_len = (uint16_t)(buf[2] | buf[3] << 8);
    h->gso_size = (uint16_t)(buf[4] | buf[5] << 8);
    h->csum_start = (uint16_t)(buf[6] | buf[7] << 8);
    h->csum_offset = (uint16_t)(buf[8] | buf[9] << 8);
    return (int)L4_VNET_LEN;
}

void l4_vnet_write(uint8_t *out, const l4_vnet_hdr *h)
{
    const uint16_t v[4] = {h->hdr_len, h->gso_size, h->csum_start, h->csum_offset};
    out[0] = h->flags;
    out[1] = h->gso_type;
    for (int i = 0; i < 4; i++) {
        out[2 + 2 * i] = (uint8_t)(v[i] & 0xff);
        out[3 + 2 * i] = (uint8_t)(v[i] >> 8);
    }
}

/* IP version and upper-layer protocol (IPv6: the fixed header's next header). */
static int vnet_ip(const uint8_t *pkt, size_t len, int *version, uint8_t *proto, size_t *hl)
{
    if (len < 1)
        return L4_ERR_TRUNCATED;
    *version = pkt[0] >> 4;
    if (*version == 4) {
        if (len < 20)
            return L4_ERR_TRUNCATED;
        *hl = (size_t)(pkt[0] & 15) * 4;
        if (*hl < 20 || *hl > len)
            return L4_ERR_MALFORMED;
        *proto = pkt[9];
        return 0;
    }
    if (*version == 6) {
        if (len < 40)
            return L4_ERR_TRUNCATED;
        *hl = 40;
        *proto = pkt[6];
        return 0;
    }
    return L4_ERR_MALFORMED;
}

int l4_vnet_check(const l4_vnet_hdr *h, const uint8_t *pkt, size_t len)
{
    if (!h || (!pkt && len))
        return L4_ERR_INVALID_ARGUMENT;
    if (h->flags & L4_VNET_F_RSC_INFO)
        return L4_ERR_UNSUPPORTED;
    if (h->flags & ~(L4_VNET_F_NEEDS_CSUM | L4_VNET_F_DATA_VALID))
        return L4_ERR_MALFORMED;
    uint8_t type = (uint8_t)(h->gso_type & ~L4_VNET_GSO_ECN);
    if (type == L4_VNET_GSO_UDP || type == L4_VNET_GSO_UDP_L4)
        return L4_ERR_UNSUPPORTED;
    if (type != L4_VNET_GSO_NONE && type != L4_VNET_GSO_TCPV4 && type != L4_VNET_GSO_TCPV6)
        return L4_ERR_MALFORMED;
    if (type == L4_VNET_GSO_NONE && (h->gso_type & L4_VNET_GSO_ECN))
        return L4_ERR_MALFORMED; /* ECN qualifies a TCP type only */
    if ((h->flags & L4_VNET_F_NEEDS_CSUM) && (size_t)h->csum_start + h->csum_offset + 2 > len)
        return L4_ERR_MALFORMED;
    if (type == L4_VNET_GSO_NONE)
        return 0;
    int version;
    uint8_t proto;
    size_t hl;
    int r = vnet_ip(pkt, len, &version, &proto, &hl);
    if (r)
        return r;
    if (h->gso_size == 0 || proto != 6 /* TCP */ ||
        version != (type == L4_VNET_GSO_TCPV4 ? 4 : 6) || hl + 20 > len)
        return L4_ERR_MALFORMED;
    return 0;
}

int l4_vnet_prepare_tcp(l4_vnet_hdr *h, uint8_t *pkt, size_t len, uint16_t gso_size)
{
    if (!h || !pkt)
        return L4_ERR_INVALID_ARGUMENT;
    int version;
    uint8_t proto;
    size_t hl;
    int r = vnet_ip(pkt, len, &version, &proto, &hl);
    if (r)
        return r == L4_ERR_TRUNCATED ? L4_ERR_MALFORMED : r;
    size_t total = version == 4 ? l4_get_u16(pkt + 2) : 40u + l4_get_u16(pkt + 4);
    if (proto != 6 || total != len || hl + 20 > len)
        return L4_ERR_MALFORMED;
    uint8_t *tcp = pkt + hl;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    if (thl < 20 || hl + thl > len)
        return L4_ERR_MALFORMED;
    l4_addr src, dst;
    if (version == 4) {
        src = l4_addr_v4(pkt + 12);
        dst = l4_addr_v4(pkt + 16);
    } else {
        src = l4_addr_v6(pkt + 8);
        dst = l4_addr_v6(pkt + 24);
    }
    /* The device adds the sum over csum_start..end (the checksum field
       included) to this and stores the complement. */
    uint16_t psum =
        (uint16_t)~l4_cksum_finish(l4_cksum_pseudo(&src, &dst, 6, (uint32_t)(len - hl)));
    l4_put_u16(tcp + 16, psum);
    h->flags = L4_VNET_F_NEEDS_CSUM;
    h->csum_start = (uint16_t)hl;
    h->csum_offset = 16;
    h->hdr_len = (uint16_t)(hl + thl);
    if (gso_size && len - hl - thl > gso_size) {
        h->gso_type = version == 4 ? L4_VNET_GSO_TCPV4 : L4_VNET_GSO_TCPV6;
        h->gso_size = gso_size;
    } else {
        h->gso_type = L4_VNET_GSO_NONE;
        h->gso_size = 0;
    }
    return 0;
}
