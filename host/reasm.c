/*
 * host/reasm.c — bounded IP reassembly (RFC 791 §3.2 for IPv4, RFC 8200
 * §4.5 for IPv6).
 *
 * At most HOST_FRAG_SLOTS datagrams are in progress and at most
 * reasm_max_bytes of fragment data are held over all of them; a fragment
 * that would exceed either evicts the datagram closest to expiry (then, if it
 * still does not fit, is dropped). A datagram not complete within
 * reasm_timeout is discarded. Overlapping fragments discard the whole datagram
 * (RFC 5722 makes that mandatory for IPv6; l4kit applies it to IPv4 as well,
 * which closes the overlap attacks on reassembly). Each datagram keeps a
 * bitmap of received 8-byte blocks (1 KiB) and a buffer grown to the highest
 * offset seen. IPv6 fragments are accepted only when the Fragment header is
 * the only extension header (ext_len 8); others are dropped. A reassembled
 * datagram is fed back through l4_host_input_if as one unfragmented packet
 * (IPv4: the first fragment's header with MF and offset cleared; IPv6: a
 * fixed header whose next header is the fragment's).
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "util/bytes.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

static void reasm_free(l4_host *h, host_frag *f)
{
    h->frag_bytes -= f->have;
    free(f->data);
    free(f->map);
    memset(f, 0, sizeof *f);
}

static host_frag *reasm_oldest(l4_host *h, const host_frag *except)
{
    host_frag *o = NULL;
    for (size_t i = 0; i < HOST_FRAG_SLOTS; i++) {
        host_frag *f = &h->frags[i];
        if (f->used && f != except && (!o || f->expires < o->expires))
            o = f;
    }
    return o;
}

static host_frag *reasm_find(l4_host *h, const l4_ip_pkt *ip, uint32_t id, l4_time now)
{
    host_frag *free_slot = NULL;
    for (size_t i = 0; i < HOST_FRAG_SLOTS; i++) {
        host_frag *f = &h->frags[i];
        if (!f->used) {
            if (!free_slot)
                free_slot = f;
            continue;
        }
        if (f->version == ip->version && f->proto == ip->proto && f->id == id &&
            l4_addr_eq(&f->src, &ip->src) && l4_addr_eq(&f->dst, &ip->dst))
            return f;
    }
    if (!free_slot) {
        free_slot = reasm_oldest(h, NULL);
        h->st.ip_frag_evicted++;
        reasm_free(h, free_slot);
    }
    free_slot->map = calloc(65536 / 8 / 64, sizeof *free_slot->map);
    if (!free_slot->map) {
        h->st.nomem++;
        return NULL;
    }
    free_slot->used = 1;
    free_slot->version = ip->version;
    free_slot->proto = ip->proto;
    free_slot->id = id;
    free_slot->src = ip->src;
    free_slot->dst = ip->dst;
    free_slot->expires = now + h->cfg.reasm_timeout;
    return free_slot;
}

/* Builds the whole datagram and feeds it to the host. */
static void reasm_deliver(l4_host *h, host_frag *f, int ifindex, l4_time now)
{
    size_t hl = f->version == 4 ? f->hdr_len : L4_IPV6_HDR;
    uint8_t *pkt = malloc(hl + f->total);
    if (!pkt) {
        h->st.nomem++;
        reasm_free(h, f);
        return;
    }
    if (f->version == 4) {
        memcpy(pkt, f->hdr, hl);
        l4_put_u16(pkt + 2, (uint16_t)(hl + f->total));
        pkt[6] &= 0x40; /* keep DF; clear MF and the offset */
        pkt[7] = 0;
        pkt[10] = pkt[11] = 0;
        l4_put_u16(pkt + 10, l4_cksum(pkt, hl));
    } else {
        l4_ipv6_hdr v6;
        memset(&v6, 0, sizeof v6);
        v6.dscp = f->dscp;
        v6.ecn = f->ecn;
        v6.flow_label = f->flow;
        v6.next_header = f->proto;
        v6.hop_limit = f->ttl;
        memcpy(v6.src, f->src.bytes, 16);
        memcpy(v6.dst, f->dst.bytes, 16);
        v6.payload_len = f->total;
        l4_ipv6_write(pkt, hl, &v6);
    }
    memcpy(pkt + hl, f->data, f->total);
    size_t len = hl + f->total;
    reasm_free(h, f);
    h->st.ip_frag_reassembled++;
    l4_host_input_if(h, ifindex, pkt, len, now);
    free(pkt);
}

void reasm_input(l4_host *h, int ifindex, const l4_ip_pkt *ip, const uint8_t *pkt, l4_time now)
{
    h->st.ip_frags_in++;
    size_t off = ip->frag_off, dlen = ip->payload_len;
    int more;
    uint32_t id;
    if (ip->version == 4) {
        more = ip->hdr.v4.mf;
        id = ip->hdr.v4.id;
    } else {
        more = ip->hdr.v6.frag_more;
        id = ip->hdr.v6.frag_id;
    }
    size_t limit = ip->version == 4 ? 65535 - (size_t)ip->hdr.v4.hdr_len : 65535;
    if (h->cfg.reasm_max_bytes == 0 || (ip->version == 6 && ip->hdr.v6.ext_len != 8) ||
        (more && (dlen == 0 || dlen % 8 != 0)) || off + dlen > limit ||
        dlen > h->cfg.reasm_max_bytes) {
        h->st.ip_frag_dropped++;
        return;
    }
    host_frag *f = reasm_find(h, ip, id, now);
    if (!f) {
        h->st.ip_frag_dropped++;
        return;
    }
    while (h->frag_bytes + dlen > h->cfg.reasm_max_bytes) {
        host_frag *o = reasm_oldest(h, f);
        if (!o) {
            h->st.ip_frag_dropped++;
            return;
        }
        h->st.ip_frag_evicted++;
        reasm_free(h, o);
    }
    /* overlap: any 8-byte block already present (RFC 5722) */
    size_t b0 = off / 8, b1 = (off + dlen + 7) / 8;
    for (size_t b = b0; b < b1; b++) {
        if (f->map[b / 64] >> (b % 64) & 1) {
            h->st.ip_frag_overlap++;
            reasm_free(h, f);
            return;
        }
    }
    size_t end = off + dlen;
    if ((!more && f->total && f->total != end) || (f->total && end > f->total) ||
        (!more && end < f->maxend)) {
        h->st.ip_frag_overlap++; /* inconsistent lengths: discard like an overlap */
        reasm_free(h, f);
        return;
    }
    if (end > f->cap) {
        uint8_t *d = realloc(f->data, end);
        if (!d) {
            h->st.nomem++;
            reasm_free(h, f);
            return;
        }
        f->data = d;
        f->cap = end;
    }
    if (dlen)
        memcpy(f->data + off, ip->payload, dlen);
    for (size_t b = b0; b < b1; b++)
        f->map[b / 64] |= (uint64_t)1 << (b % 64);
    f->have += dlen;
    h->frag_bytes += dlen;
    if (end > f->maxend)
        f->maxend = end;
    if (!more)
        f->total = end;
    if (off == 0) {
        if (ip->version == 4) {
            f->hdr_len = ip->hdr.v4.hdr_len;
            memcpy(f->hdr, pkt, f->hdr_len);
        } else {
            f->dscp = ip->hdr.v6.dscp;
            f->ecn = ip->hdr.v6.ecn;
            f->flow = ip->hdr.v6.flow_label;
            f->ttl = ip->hdr.v6.hop_limit;
        }
        f->got_first = 1;
    }
    if (f->total && f->got_first && f->have == f->total)
        reasm_deliver(h, f, ifindex, now);
}

l4_time reasm_next_timeout(const l4_host *h)
{
    l4_time t = L4_TIME_NONE;
    for (size_t i = 0; i < HOST_FRAG_SLOTS; i++)
        if (h->frags[i].used && h->frags[i].expires < t)
            t = h->frags[i].expires;
    return t;
}

void reasm_expire(l4_host *h, l4_time now)
{
    for (size_t i = 0; i < HOST_FRAG_SLOTS; i++) {
        host_frag *f = &h->frags[i];
        if (f->used && f->expires <= now) {
            h->st.ip_frag_timeout++;
            reasm_free(h, f);
        }
    }
}

void reasm_clear(l4_host *h)
{
    for (size_t i = 0; i < HOST_FRAG_SLOTS; i++)
        if (h->frags[i].used)
            reasm_free(h, &h->frags[i]);
}
