/*
 * quic/ecn.c — Explicit Congestion Notification for QUIC (RFC 9000 §13.4,
 * RFC 9002 §7.1): counting the ECN codepoints of received packets per
 * packet number space (reported in ACK_ECN frames), marking sent packets
 * ECT(0) while the path is being tested or is known to carry ECN,
 * validating the peer's counts (§13.4.2: missing counts, counts that go
 * down or do not cover the marked packets acknowledged, or every test
 * packet lost, disable ECN), and feeding increases of the CE count to the
 * congestion controller (one congestion event per round trip, or the CE
 * bytes for algorithms that take them, e.g. DCTCP).
 */
#include <string.h>

#include "quic/conn_internal.h"

#define QC_ECN_TEST_PACKETS 10 /* RFC 9000 Appendix A.4: ten marked packets, then wait */

static const char *const ecn_names[] = {"off", "off", "testing", "unknown", "capable", "failed"};

const char *l4_quic_conn_ecn_state(const l4_quic_conn *c)
{
    if (c->ecn_state == QC_ECN_INIT)
        return c->set.ecn ? "testing" : "off";
    return ecn_names[c->ecn_state];
}

void qc_ecn_on_rx(l4_quic_conn *c, int s)
{
    qc_space *sp = &c->sp[s];
    unsigned e = c->rx_ecn & 3;
    if (e == 0)
        return;
    sp->ecn_rx[e]++;
    if (e == L4_QUIC_ECN_CE) {
        c->st.ecn_ce_recv++;
        sp->ack_now = 1; /* §13.2.1: acknowledge CE at once */
    } else if (e == L4_QUIC_ECN_ECT0) {
        c->st.ecn_ect0_recv++;
    }
}

int qc_ecn_ack_counts(const l4_quic_conn *c, int s, uint64_t *ect0, uint64_t *ect1, uint64_t *ce)
{
    const qc_space *sp = &c->sp[s];
    *ect0 = sp->ecn_rx[L4_QUIC_ECN_ECT0];
    *ect1 = sp->ecn_rx[L4_QUIC_ECN_ECT1];
    *ce = sp->ecn_rx[L4_QUIC_ECN_CE];
    return (*ect0 | *ect1 | *ce) != 0;
}

unsigned qc_ecn_mark(l4_quic_conn *c)
{
    if (c->ecn_state == QC_ECN_INIT)
        c->ecn_state = c->set.ecn ? QC_ECN_TESTING : QC_ECN_OFF;
    if (c->ecn_state == QC_ECN_CAPABLE)
        return L4_QUIC_ECN_ECT0;
    if (c->ecn_state != QC_ECN_TESTING)
        return 0;
    if (++c->ecn_test_sent >= QC_ECN_TEST_PACKETS)
        c->ecn_state = QC_ECN_UNKNOWN; /* enough marked: wait for their ACKs */
    return L4_QUIC_ECN_ECT0;
}

static void ecn_fail(l4_quic_conn *c)
{
    c->ecn_state = QC_ECN_FAILED; /* §13.4.2: stop marking for the connection */
}

void qc_ecn_on_lost(l4_quic_conn *c, const qc_sent *p)
{
    if (!p->ecn || (c->ecn_state != QC_ECN_TESTING && c->ecn_state != QC_ECN_UNKNOWN))
        return;
    /* §13.4.2: every packet of the test lost looks like a path that drops
       marked packets */
    if (++c->ecn_test_lost >= QC_ECN_TEST_PACKETS && c->ecn_state == QC_ECN_UNKNOWN)
        ecn_fail(c);
}

void qc_ecn_restart(l4_quic_conn *c)
{
    /* §13.4.2: a new path is tested anew */
    if (c->ecn_state == QC_ECN_CAPABLE || c->ecn_state == QC_ECN_UNKNOWN ||
        c->ecn_state == QC_ECN_TESTING) {
        c->ecn_state = QC_ECN_TESTING;
        c->ecn_test_sent = c->ecn_test_lost = 0;
    }
}

uint64_t qc_ecn_on_ack(l4_quic_conn *c, int s, const l4_quic_frame_ack *ack, int has_counts,
                       const qc_sent *acked, int largest_new, l4_time largest_sent, l4_time now)
{
    qc_space *sp = &c->sp[s];
    uint64_t marked = 0, marked_bytes = 0;
    for (const qc_sent *p = acked; p; p = p->next)
        if (p->ecn == L4_QUIC_ECN_ECT0) {
            marked++;
            marked_bytes += p->size;
        }
    if (c->ecn_state == QC_ECN_INIT || c->ecn_state == QC_ECN_OFF || c->ecn_state == QC_ECN_FAILED)
        return 0;
    /* §13.4.2.1: only an ACK that raises the largest acknowledged counts
       (a reordered one may carry older counts) */
    if (!largest_new)
        return 0;
    if (!has_counts) {
        if (marked)
            ecn_fail(c); /* marked packets acknowledged without counts */
        return 0;
    }
    if (ack->ect0 < sp->ecn_peer[L4_QUIC_ECN_ECT0] || ack->ect1 < sp->ecn_peer[L4_QUIC_ECN_ECT1] ||
        ack->ce < sp->ecn_peer[L4_QUIC_ECN_CE]) {
        ecn_fail(c); /* counts never go down */
        return 0;
    }
    uint64_t d_ect0 = ack->ect0 - sp->ecn_peer[L4_QUIC_ECN_ECT0];
    uint64_t d_ect1 = ack->ect1 - sp->ecn_peer[L4_QUIC_ECN_ECT1];
    uint64_t d_ce = ack->ce - sp->ecn_peer[L4_QUIC_ECN_CE];
    sp->ecn_peer[L4_QUIC_ECN_ECT0] = ack->ect0;
    sp->ecn_peer[L4_QUIC_ECN_ECT1] = ack->ect1;
    sp->ecn_peer[L4_QUIC_ECN_CE] = ack->ce;
    /* we never send ECT(1); the marked packets acknowledged must be counted
       as ECT(0) or CE (a network that rewrites or clears them fails) */
    if (d_ect1 || d_ect0 + d_ce < marked) {
        ecn_fail(c);
        return 0;
    }
    if (marked && (c->ecn_state == QC_ECN_TESTING || c->ecn_state == QC_ECN_UNKNOWN))
        c->ecn_state = QC_ECN_CAPABLE;
    if (!d_ce)
        return 0;
    c->st.ecn_ce_reported += d_ce;
    if (l4_cc_flags(c->cc) & L4_CC_F_ECN_BYTES) {
        /* the CE share of what was acknowledged, in bytes (RFC 8257 §3.2) */
        uint64_t per = marked ? marked_bytes / marked : c->set.max_datagram;
        return d_ce * per;
    }
    /* RFC 9002 §7.1, Appendix B.7: a congestion event, at most one per
       round trip (the packet that carried the newest CE echo was sent after
       the current recovery period began) */
    if (c->recovery_start == L4_TIME_NONE || largest_sent > c->recovery_start) {
        c->recovery_start = now;
        c->in_recovery = 1;
        c->ev_cc_trigger = "ecn";
        l4_cc_on_ecn_ce(c->cc, c->bytes_in_flight, now);
    }
    return 0;
}
