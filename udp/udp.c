/* udp/udp.c — the UDP receive queue and datagram size rules (RFC 768). */
#include "udp/udp.h"

#include <stdlib.h>
#include <string.h>

int l4_udp_queue_push(l4_udp_queue *q, const l4_addr *src, uint16_t sport, uint8_t ecn,
                      const uint8_t *data, size_t len)
{
    if (!q || !src || (!data && len))
        return L4_ERR_INVALID_ARGUMENT;
    if (q->count > 0 && (q->bytes + len > q->limit || q->bytes + len < q->bytes)) {
        q->drops++;
        return L4_ERR_LIMIT;
    }
    l4_udp_dgram *d = malloc(sizeof *d + len);
    if (!d) {
        q->drops++;
        return L4_ERR_NOMEM;
    }
    d->next = NULL;
    d->src = *src;
    d->sport = sport;
    d->ecn = ecn;
    d->len = len;
    if (len)
        memcpy(d->data, data, len);
    if (q->tail)
        q->tail->next = d;
    else
        q->head = d;
    q->tail = d;
    q->count++;
    q->bytes += len;
    return 0;
}

l4_ssize l4_udp_queue_pop(l4_udp_queue *q, void *buf, size_t cap, l4_addr *src, uint16_t *sport,
                          int *flags)
{
    if (flags)
        *flags = 0;
    if (!q || !q->head)
        return L4_ERR_AGAIN;
    l4_udp_dgram *d = q->head;
    size_t n = d->len < cap ? d->len : cap;
    if (n)
        memcpy(buf, d->data, n);
    if (n < d->len && flags)
        *flags |= L4_UDP_TRUNC;
    if (src)
        *src = d->src;
    if (sport)
        *sport = d->sport;
    q->head = d->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->bytes -= d->len;
    free(d);
    return (l4_ssize)n;
}

l4_ssize l4_udp_queue_peek_len(const l4_udp_queue *q)
{
    if (!q || !q->head)
        return L4_ERR_AGAIN;
    return (l4_ssize)q->head->len;
}

void l4_udp_queue_clear(l4_udp_queue *q)
{
    if (!q)
        return;
    l4_udp_dgram *d = q->head;
    while (d) {
        l4_udp_dgram *n = d->next;
        free(d);
        d = n;
    }
    q->head = q->tail = NULL;
    q->count = 0;
    q->bytes = 0;
}

size_t l4_udp_max_payload(uint8_t family, size_t mtu)
{
    size_t iph, lim;
    if (family == L4_AF_INET4) {
        iph = 20;
        lim = L4_UDP_MAX_PAYLOAD4;
    } else if (family == L4_AF_INET6) {
        iph = 40;
        lim = L4_UDP_MAX_PAYLOAD6;
    } else {
        return 0;
    }
    if (mtu <= iph + 8)
        return 0;
    size_t m = mtu - iph - 8;
    return m < lim ? m : lim;
}
