/* io/pcap_link.c — link-layer headers of captures, down to the IP packet. */
#include "io/pcap_link.h"

#include <string.h>

#include "util/bytes.h"

/* Address families seen in NULL/LOOP headers: AF_INET is 2 everywhere;
 * AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
static int link_family_version(uint32_t fam)
{
    if (fam == 2)
        return 4;
    if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
        return 6;
    return 0;
}

static int link_set_ip(l4_pcap_link *out, const uint8_t *data, size_t len, size_t off)
{
    if (len <= off)
        return L4_ERR_TRUNCATED;
    out->hdr_len = off;
    out->ip = data + off;
    out->ip_len = len - off;
    return 0;
}

/* An EtherType-labelled payload at data[off..len): IPv4 and IPv6 only. */
static int link_ethertype(l4_pcap_link *out, const uint8_t *data, size_t len, size_t off,
                          uint16_t type)
{
    out->ethertype = type;
    if (type != L4_ETHERTYPE_IPV4 && type != L4_ETHERTYPE_IPV6)
        return L4_ERR_UNSUPPORTED;
    return link_set_ip(out, data, len, off);
}

/* The record is the IP packet; `want` is 4, 6, or 0 for either. */
static int link_raw(l4_pcap_link *out, const uint8_t *data, size_t len, int want)
{
    if (len == 0)
        return L4_ERR_TRUNCATED;
    int v = data[0] >> 4;
    if ((v != 4 && v != 6) || (want && v != want))
        return L4_ERR_MALFORMED;
    return link_set_ip(out, data, len, 0);
}

int l4_pcap_link_ip(int linktype, const uint8_t *data, size_t len, l4_pcap_link *out)
{
    if (!out || (!data && len > 0))
        return L4_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->vlan = -1;
    out->pkttype = -1;
    switch (linktype) {
    case L4_LINK_RAW_DLT:
    case L4_LINK_RAW_OPENBSD:
    case L4_LINK_RAW:
        return link_raw(out, data, len, 0);
    case L4_LINK_IPV4:
        return link_raw(out, data, len, 4);
    case L4_LINK_IPV6:
        return link_raw(out, data, len, 6);
    case L4_LINK_NULL:
    case L4_LINK_LOOP: {
        if (len < 4)
            return L4_ERR_TRUNCATED;
        /* LOOP is network order; NULL is the capturing host's order, which
         * the file does not record, so both readings are tried. */
        uint32_t be = l4_get_u32(data);
        uint32_t le =
            (uint32_t)data[3] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[1] << 8 | data[0];
        int v = link_family_version(be);
        if (!v && linktype == L4_LINK_NULL)
            v = link_family_version(le);
        if (!v)
            return L4_ERR_MALFORMED;
        out->ethertype = v == 4 ? L4_ETHERTYPE_IPV4 : L4_ETHERTYPE_IPV6;
        return link_set_ip(out, data, len, 4);
    }
    case L4_LINK_EN10MB: {
        /* dst MAC (6), src MAC (6), EtherType (2); an 802.1Q/802.1ad tag
         * inserts TPID + TCI before the real EtherType (IEEE 802.1Q §9). */
        if (len < 14)
            return L4_ERR_TRUNCATED;
        size_t off = 12;
        uint16_t type = l4_get_u16(data + off);
        if (type == L4_ETHERTYPE_VLAN || type == L4_ETHERTYPE_QINQ) {
            if (len < 18)
                return L4_ERR_TRUNCATED;
            out->vlan = (int16_t)(l4_get_u16(data + 14) & 0x0fff);
            off += 4;
            type = l4_get_u16(data + off);
        }
        return link_ethertype(out, data, len, off + 2, type);
    }
    case L4_LINK_LINUX_SLL:
        /* packet type (2), ARPHRD type (2), address length (2), address (8),
         * protocol (2). */
        if (len < 16)
            return L4_ERR_TRUNCATED;
        out->pkttype = (int16_t)l4_get_u16(data);
        return link_ethertype(out, data, len, 16, l4_get_u16(data + 14));
    case L4_LINK_LINUX_SLL2:
        /* protocol (2), reserved (2), interface index (4), ARPHRD type (2),
         * packet type (1), address length (1), address (8). */
        if (len < 20)
            return L4_ERR_TRUNCATED;
        out->pkttype = data[10];
        return link_ethertype(out, data, len, 20, l4_get_u16(data));
    default:
        return L4_ERR_UNSUPPORTED;
    }
}

const char *l4_pcap_link_name(int linktype)
{
    switch (linktype) {
    case L4_LINK_NULL:
        return "NULL";
    case L4_LINK_EN10MB:
        return "EN10MB";
    case L4_LINK_RAW_DLT:
    case L4_LINK_RAW_OPENBSD:
    case L4_LINK_RAW:
        return "RAW";
    case L4_LINK_LOOP:
        return "LOOP";
    case L4_LINK_LINUX_SLL:
        return "LINUX_SLL";
    case L4_LINK_IPV4:
        return "IPV4";
    case L4_LINK_IPV6:
        return "IPV6";
    case L4_LINK_LINUX_SLL2:
        return "LINUX_SLL2";
    default:
        return "unknown";
    }
}

const char *l4_pcap_ethertype_name(uint16_t ethertype)
{
    switch (ethertype) {
    case L4_ETHERTYPE_IPV4:
        return "IPv4";
    case L4_ETHERTYPE_ARP:
        return "ARP";
    case L4_ETHERTYPE_VLAN:
        return "802.1Q";
    case L4_ETHERTYPE_QINQ:
        return "802.1ad";
    case L4_ETHERTYPE_IPV6:
        return "IPv6";
    default:
        return NULL;
    }
}
