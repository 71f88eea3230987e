/*
 * tests/quic/quic_inject.h — forging 1-RTT packets with chosen frames from
 * one end of a quic_pair with its own keys (white-box: quic/conn_internal.h),
 * so a test can hand the other end exactly the frame it is about.
 */
#ifndef L4_TESTS_QUIC_INJECT_H
#define L4_TESTS_QUIC_INJECT_H

#include "check.h"
#include "quic/conn_internal.h"
#include "quic/protect.h"
#include "quic_pair.h"

/* Builds a 1-RTT packet of `from` carrying `payload` into pkt (1500 bytes); returns its length. */
static inline size_t qi_packet(l4_quic_conn *from, const uint8_t *payload, size_t len, uint8_t *pkt)
{
    qc_space *sp = &from->sp[L4_QUIC_LEVEL_APP];
    l4_quic_hdr h;
    memset(&h, 0, sizeof h);
    h.type = L4_QUIC_PKT_1RTT;
    h.dcid = from->dcid.data;
    h.dcid_len = from->dcid.len;
    h.pn = sp->next_pn++;
    h.pn_len = 4;
    h.key_phase = (uint8_t)from->key_phase;
    l4_ssize hl = l4_quic_hdr_write(pkt, 1500, &h);
    CHECK(hl > 0);
    memcpy(pkt + hl, payload, len);
    size_t plen = len;
    while (plen < 4) /* header-protection sample */
        pkt[hl + plen++] = 0;
    l4_ssize n = l4_quic_protect(&sp->tx, pkt, 1500, (size_t)hl, (size_t)hl - 4, h.pn, plen);
    CHECK(n > 0);
    return (size_t)n;
}

/* Sends `payload` from `from` to `to` in a 1-RTT packet of its own. */
static inline void qi_send(quic_pair *p, l4_quic_conn *from, l4_quic_conn *to,
                           const uint8_t *payload, size_t len)
{
    uint8_t pkt[1500];
    size_t n = qi_packet(from, payload, len, pkt);
    l4_quic_conn_input(to, pkt, n, p->now);
}

/* Sends `payload` from the client to the server. */
static inline void inject(quic_pair *p, const uint8_t *payload, size_t len)
{
    qi_send(p, p->cl, p->sv, payload, len);
}

#endif
