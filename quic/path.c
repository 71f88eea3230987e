/*
 * quic/path.c — the peer's network path (RFC 9000 §8.2, §9): the path the
 * application reports each datagram on (l4_quic_conn_input_path), a
 * server's move to the path its peer's newest non-probing packet came from
 * (NAT rebinding, a client's migration, §9.3), path validation with
 * PATH_CHALLENGE / PATH_RESPONSE and its timeout (§8.2.4), the 3x limit on
 * an unvalidated path, and the congestion controller and RTT reset on a new
 * address (§9.4).
 */
#include <string.h>

#include "quic/conn_internal.h"

int qc_path_eq(const l4_quic_path *a, const l4_quic_path *b)
{
    return a->len == b->len && memcmp(a->id, b->id, a->len) == 0;
}

/* §8.2.4: validation gives up after max(3 PTO, 6 kInitialRtt). */
static l4_time path_timeout(const l4_quic_conn *c)
{
    l4_time a = 3 * qc_pto_base(c, L4_QUIC_LEVEL_APP), b = 6 * c->set.initial_rtt;
    return a > b ? a : b;
}

static void path_note_dcid(l4_quic_conn *c)
{
    if (c->rx_dcid && c->rx_dcid_len <= L4_QUIC_MAX_CID_LEN) {
        c->path_dcid.len = (uint8_t)c->rx_dcid_len;
        memcpy(c->path_dcid.data, c->rx_dcid, c->rx_dcid_len);
    }
}

/* Starts validating the current path: a fresh PATH_CHALLENGE (§8.2.1). */
static void path_challenge(l4_quic_conn *c, l4_time now)
{
    for (int i = 0; i < 8; i++)
        c->chal_data[i] = (uint8_t)l4_rng_u32(&c->rng);
    c->chal_pending = 1;
    c->chal_outstanding = 1;
    c->chal_resend = L4_TIME_NONE;
    c->chal_deadline = now + path_timeout(c);
}

/* §9.4: a new address is a new path: the window and RTT start over (a
 * port-only change, a NAT rebinding, keeps them). */
static void path_reset_cc(l4_quic_conn *c, l4_time now)
{
    l4_cc_reset(c->cc, (uint32_t)c->set.max_datagram, now);
    c->has_rtt = 0;
    c->srtt = c->set.initial_rtt;
    c->rttvar = c->set.initial_rtt / 2;
}

void qc_path_on_packet(l4_quic_conn *c, int pkt_type, uint64_t pn, size_t pkt_len, l4_time now)
{
    const l4_quic_path *from = c->rx_path;
    if (!from)
        return;
    if (!c->has_path) {
        /* the handshake path: validated by the handshake itself (§8.1) */
        c->path = *from;
        c->has_path = 1;
        c->path_validated = 1;
        path_note_dcid(c);
        return;
    }
    if (qc_path_eq(from, &c->path)) {
        if (!c->path_validated)
            c->path_recv += pkt_len;
        path_note_dcid(c);
        return;
    }
    /* §9.3: only a server follows its peer, only for the newest packet
     * number, only for a packet with more than probing frames (§9.1) */
    if (!c->is_server || pkt_type != L4_QUIC_PKT_1RTT || c->rx_probing_only || !c->hs_confirmed ||
        pn != c->sp[L4_QUIC_LEVEL_APP].largest_rx || c->state >= QC_CLOSING)
        return;
    c->st.migrations++;
    qc_ecn_restart(c);       /* §13.4.2: each path is tested */
    if (c->path_validated) { /* §9.3.2: the last validated path to fall back to */
        c->old_path = c->path;
        c->has_old_path = 1;
    }
    int new_addr =
        from->addr_len != c->path.addr_len || memcmp(from->id, c->path.id, from->addr_len) != 0;
    /* §9.5: a peer that moved to an ID of ours it did not use on the old
     * path gets a fresh ID of its own back (a NAT rebinding keeps its ID,
     * and so do we), so the two paths cannot be linked by their IDs */
    int new_dcid = c->rx_dcid && (c->rx_dcid_len != c->path_dcid.len ||
                                  memcmp(c->rx_dcid, c->path_dcid.data, c->rx_dcid_len) != 0);
    if (new_dcid)
        (void)qc_cid_switch_retire(c); /* none spare: the current one it is */
    path_note_dcid(c);
    c->path = *from;
    c->path_recv = pkt_len;
    c->path_sent = 0;
    /* the answer to a challenge from this path rides with the rest now */
    if (c->resp_on_path && qc_path_eq(&c->resp_path, from))
        c->resp_on_path = 0;
    if (c->probe_state == 3 && qc_path_eq(&c->probe_path, from)) {
        /* validated while the peer probed it (§9.1): nothing to wait for */
        c->path_validated = 1;
        c->has_old_path = 0;
        c->chal_outstanding = 0;
        c->chal_pending = 0;
        c->probe_state = 0;
        c->st.paths_validated++;
    } else {
        c->path_validated = 0;
        path_challenge(c, now);
    }
    if (new_addr)
        path_reset_cc(c, now);
}

void qc_path_on_challenge(l4_quic_conn *c, const uint8_t data[8])
{
    memcpy(c->path_response, data, 8);
    c->path_response_pending = 1;
    /* §8.2.2: answered on the path the challenge came on */
    c->resp_on_path = c->rx_path && c->has_path && !qc_path_eq(c->rx_path, &c->path);
    if (c->resp_on_path) {
        c->resp_path = *c->rx_path;
        /* §9.5: a peer that probes with an ID it did not use on the current
         * path gets the answer on a fresh ID of its own (the one a move
         * there would switch to: qc_cid_switch_retire picks the same) */
        c->resp_dcid_set = c->rx_dcid &&
                           (c->rx_dcid_len != c->path_dcid.len ||
                            memcmp(c->rx_dcid, c->path_dcid.data, c->rx_dcid_len)) &&
                           qc_cid_spare(c, &c->resp_dcid) == 0;
        /* a server challenges a path its peer probes, in the same datagram
         * as the answer (§8.2.1: either end may validate a path; the
         * first packet it sends on a new path then carries a challenge) */
        if (c->is_server && c->hs_confirmed &&
            !(c->probe_state && qc_path_eq(&c->probe_path, c->rx_path))) {
            c->probe_path = *c->rx_path;
            for (int i = 0; i < 8; i++)
                c->probe_chal[i] = (uint8_t)l4_rng_u32(&c->rng);
            c->probe_state = 1;
        }
    }
}

void qc_path_on_response(l4_quic_conn *c, const uint8_t data[8], l4_time now)
{
    (void)now;
    /* the answer to a challenge sent on a path the peer probed */
    if (c->probe_state == 2 && memcmp(data, c->probe_chal, 8) == 0) {
        c->probe_state = 3;
        return;
    }
    /* §8.2.3: it must echo our outstanding challenge; anything else is ignored */
    if (!c->chal_outstanding || memcmp(data, c->chal_data, 8) != 0)
        return;
    c->chal_outstanding = 0;
    c->chal_pending = 0;
    c->path_validated = 1;
    c->has_old_path = 0;
    c->st.paths_validated++;
}

void qc_path_timer(l4_quic_conn *c, l4_time now)
{
    if (!c->chal_outstanding)
        return;
    if (now >= c->chal_deadline) {
        c->chal_outstanding = 0;
        c->chal_pending = 0;
        c->st.paths_failed++;
        if (c->has_old_path) { /* §9.3.2: back to the last validated path */
            c->path = c->old_path;
            c->path_validated = 1;
            c->has_old_path = 0;
        }
        return;
    }
    if (c->chal_resend != L4_TIME_NONE && now >= c->chal_resend) {
        c->chal_pending = 1; /* the challenge (or its answer) may have been lost */
        c->chal_resend = L4_TIME_NONE;
    }
}

l4_time qc_path_next_timeout(const l4_quic_conn *c)
{
    if (!c->chal_outstanding)
        return L4_TIME_NONE;
    return l4_time_min(c->chal_deadline, c->chal_resend);
}

/* §9.3 (§8.1's rule applied to a new path): 3x what arrived on it. */
int qc_path_amp_limit(const l4_quic_conn *c, size_t *limit)
{
    if (!c->is_server || !c->has_path || c->path_validated)
        return 0;
    uint64_t allowed = 3 * c->path_recv > c->path_sent ? 3 * c->path_recv - c->path_sent : 0;
    if (allowed < *limit)
        *limit = (size_t)allowed;
    return 1;
}

void qc_path_sent(l4_quic_conn *c, size_t bytes)
{
    if (c->has_path && !c->path_validated)
        c->path_sent += bytes;
}

int l4_quic_conn_input_dgram(l4_quic_conn *c, const uint8_t *dgram, size_t len,
                             const l4_quic_path *from, unsigned ecn, l4_time now)
{
    c->rx_path = from;
    c->rx_ecn = ecn & 3;
    int rc = l4_quic_conn_input(c, dgram, len, now);
    c->rx_path = NULL;
    c->rx_ecn = 0;
    return rc;
}

int l4_quic_conn_input_path(l4_quic_conn *c, const uint8_t *dgram, size_t len,
                            const l4_quic_path *from, l4_time now)
{
    return l4_quic_conn_input_dgram(c, dgram, len, from, L4_QUIC_ECN_NOT_ECT, now);
}

l4_ssize l4_quic_conn_output_dgram(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_quic_path *to,
                                   unsigned *ecn, l4_time now)
{
    c->tx_ecn = 0;
    l4_ssize n = l4_quic_conn_output_path(c, buf, cap, to, now);
    if (ecn)
        *ecn = n > 0 ? c->tx_ecn : 0;
    return n;
}

l4_ssize l4_quic_conn_output_path(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_quic_path *to,
                                  l4_time now)
{
    if (c->resp_on_path && c->path_response_pending && c->state < QC_CLOSING) {
        l4_ssize n = qc_output_path_response(c, buf, cap, now);
        if (n != 0) {
            if (to)
                *to = c->resp_path;
            return n;
        }
    }
    l4_ssize n = l4_quic_conn_output(c, buf, cap, now);
    if (n > 0 && to)
        *to = c->path;
    return n;
}

int l4_quic_conn_migrate(l4_quic_conn *c, int new_addr, l4_time now)
{
    if (c->is_server || !c->hs_confirmed || c->state >= QC_CLOSING)
        return L4_ERR_STATE;
    if (c->has_peer_tp && c->peer_tp.disable_active_migration) /* §18.2 */
        return L4_ERR_UNSUPPORTED;
    if (qc_cid_switch_retire(c) < 0) /* §9.5: never the old ID on the new path */
        return L4_ERR_NOT_FOUND;
    c->st.local_migrations++;
    qc_ecn_restart(c);
    path_challenge(c, now); /* §9.2: the server's reachability from here */
    if (new_addr)
        path_reset_cc(c, now); /* §9.4 */
    return 0;
}

int l4_quic_conn_migrate_preferred(l4_quic_conn *c, l4_time now)
{
    if (c->is_server || !c->hs_confirmed || c->state >= QC_CLOSING || c->pref_moved)
        return L4_ERR_STATE;
    if (!c->has_pref)
        return L4_ERR_NOT_FOUND;
    /* §9.6.1: the preferred address's ID (sequence 1) when still unused;
       disable_active_migration does not apply (§18.2) */
    if (qc_cid_switch_to(c, 1) < 0)
        return L4_ERR_NOT_FOUND;
    c->pref_moved = 1;
    c->st.local_migrations++;
    qc_ecn_restart(c);
    path_challenge(c, now); /* §9.6.1: validate the new path */
    path_reset_cc(c, now);  /* §9.4: another server address */
    return 0;
}
