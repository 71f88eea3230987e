/*
 * quic/acks.c — the receive side of acknowledgements (RFC 9000 §13.2): the
 * packet numbers that arrived in each space, kept to at most
 * QC_MAX_ACK_RANGES ranges (§13.2.3: the newest kept, what is dropped
 * raises a minimum packet number below which packets are refused, so a
 * duplicate is never processed twice and a hostile pattern of gaps cannot
 * make the set grow), and ranges the peer has seen acknowledged are no
 * longer tracked (§13.2.4: an ACK of an ACK).
 */
#include "quic/conn_internal.h"

int qc_ack_seen(const l4_quic_conn *c, int s, uint64_t pn)
{
    const qc_space *sp = &c->sp[s];
    return pn < sp->rx_min || l4_quic_ranges_contains(&sp->recvd, pn, pn + 1);
}

/* Drops the lowest ranges down to `max`; packets up to the end of the
 * last one dropped are refused from now on. */
static void ack_trim(qc_space *sp, size_t max)
{
    if (sp->recvd.n <= max)
        return;
    uint64_t floor = sp->recvd.r[sp->recvd.n - max - 1].hi;
    l4_quic_ranges_trim(&sp->recvd, max);
    if (floor > sp->rx_min)
        sp->rx_min = floor;
    sp->ranges_dropped++;
}

int qc_ack_record(l4_quic_conn *c, int s, uint64_t pn)
{
    qc_space *sp = &c->sp[s];
    if (l4_quic_ranges_add(&sp->recvd, pn, pn + 1) < 0) {
        /* no memory for one more range: give up the oldest instead */
        ack_trim(sp, sp->recvd.n > 1 ? sp->recvd.n - 1 : 0);
        if (l4_quic_ranges_add(&sp->recvd, pn, pn + 1) < 0)
            return L4_ERR_NOMEM;
    }
    ack_trim(sp, QC_MAX_ACK_RANGES);
    return 0;
}

void qc_ack_acked(l4_quic_conn *c, int s, uint64_t largest)
{
    qc_space *sp = &c->sp[s];
    /* the peer knows we have [.., largest]: stop tracking it, refuse it */
    if (largest + 1 <= sp->rx_min)
        return;
    (void)l4_quic_ranges_del(&sp->recvd, 0, largest + 1);
    sp->rx_min = largest + 1;
}
