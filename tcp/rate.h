/*
 * tcp/rate.h — delivery-rate estimation for the sender
 * (draft-cheng-iccrg-delivery-rate-estimation-02).
 *
 * Every new data segment sent records the connection's delivered count,
 * delivered time, first-sent time and app-limited state (§3.2); each ACK
 * that delivers data (cumulatively or by SACK) takes the most recently sent
 * delivered segment P and produces a sample (§3.3):
 *
 *   delivered   = C.delivered - P.delivered
 *   interval    = max(P.sent_time - P.first_sent_time,
 *                     C.delivered_time - P.delivered_time)
 *   rate        = delivered / interval   (no sample if interval < min_rtt)
 *
 * The ring starts at L4_TCP_RATE_RECS_MIN records and doubles when full up
 * to L4_TCP_RATE_RECS (a record per segment in flight: BBR keeps 2 BDP out,
 * 1700 segments at 100 Mbit/s and 100 ms, and with loss the records below
 * a hole stay until it is filled; a ring of 512 left most segments
 * unrecorded, samples came from stale records and BBR's bandwidth estimate
 * sagged: 75 instead of 82 Mbit/s at 5 % loss). Beyond the maximum new
 * segments go unrecorded until ACKs free records (their samples then come
 * from the newest recorded segment below them).
 *
 * C.delivered is SND.UNA - ISS - 1 plus the SACKed bytes above SND.UNA (kept
 * monotonic). Retransmissions are not recorded (their ACKs take the newest
 * original transmission below them). The sender is app-limited (§3.4) when it
 * ran out of data with room in cwnd; samples from packets sent then are
 * marked until the data in flight at that point is delivered.
 */
#ifndef L4_TCP_RATE_H
#define L4_TCP_RATE_H

#include <stdint.h>

#include "util/time.h"

typedef struct l4_tcp_rate_rec {
    uint32_t end; /* sequence just past the segment */
    uint8_t app_limited;
    l4_time sent_time, first_sent_time, delivered_time;
    uint64_t delivered;
} l4_tcp_rate_rec;

#define L4_TCP_RATE_RECS_MIN 64
#define L4_TCP_RATE_RECS     16384

typedef struct l4_tcp_rate {
    l4_tcp_rate_rec *rec; /* ring, allocated at the first send; NULL: no sampling */
    uint32_t head, n, cap;
    uint64_t delivered;
    l4_time delivered_time, first_sent_time;
    uint64_t app_limited; /* 0, or C.delivered value that ends app-limited */
    uint32_t high_seen;   /* highest record end that gave an RTT */
    uint8_t high_valid;
} l4_tcp_rate;

/* One sample for cc (see cc/cc.h l4_cc_ack). */
typedef struct l4_tcp_rate_sample {
    uint64_t delivered, prior_delivered, rate;
    l4_time interval;
    l4_time rtt; /* now - P.sent_time when P is newly delivered (above all before), else 0 */
    uint8_t app_limited, valid;
} l4_tcp_rate_sample;

/** Frees the ring. */
void l4_tcp_rate_free(l4_tcp_rate *r);

/** A new data segment [seq, end) leaves at `now`; `idle` says nothing was in flight. Returns
 * L4_ERR_NOMEM. */
int l4_tcp_rate_on_send(l4_tcp_rate *r, uint32_t end, int idle, l4_time now);

/**
 * An ACK moved the delivered count to `delivered` (monotonic: smaller values
 * are ignored); `high` is the highest delivered sequence (ack or the top of
 * the SACKed ranges), `una` the new SND.UNA. Fills `*s` (valid = 0 when no
 * sample) and drops records at or below `una`.
 */
void l4_tcp_rate_on_ack(l4_tcp_rate *r, uint64_t delivered, uint32_t high, uint32_t una,
                        l4_time min_rtt, l4_time now, l4_tcp_rate_sample *s);

/** The sender ran out of data with `in_flight` bytes out and room in cwnd (§3.4). */
void l4_tcp_rate_app_limited(l4_tcp_rate *r, uint64_t in_flight);

#endif
