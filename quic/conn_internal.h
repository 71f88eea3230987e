/*
 * quic/conn_internal.h — the connection's state, shared by quic/conn*.c,
 * quic/stream.c and quic/recovery.c. Not installed.
 */
#ifndef L4_QUIC_CONN_INTERNAL_H
#define L4_QUIC_CONN_INTERNAL_H

#include "cc/cc.h"
#include "cc/pacer.h"
#include "quic/conn.h"
#include "quic/crypto.h"
#include "quic/ranges.h"
#include "util/rng.h"
#include "wire/quic_frame.h"

#define QC_SPACES         3
#define QC_FREC_MAX       16
#define QC_STREAM_BUCKETS 64
#define QC_MAX_ACK_RANGES 32
#define QC_SEND_BUF_MAX   (1u << 20)  /* bytes buffered per stream send side */
#define QC_CRYPTO_RX_MAX  (1u << 16)  /* CRYPTO bytes held ahead of the TLS stack */
#define QC_GRANULARITY    (1 * L4_MS) /* RFC 9002 §6.1.2 kGranularity */
#define QC_MAX_LCIDS      8           /* connection IDs we issued and hold (old and new) */
#define QC_MAX_PCIDS      8           /* the peer's connection IDs we hold */
#define QC_MAX_RETIRE     16          /* RETIRE_CONNECTION_ID frames waiting to be sent */

/* A connection ID this end issued (RFC 9000 §5.1.1). */
typedef struct qc_lcid {
    uint64_t seq;
    l4_quic_cid cid;
    uint8_t token[L4_QUIC_RESET_TOKEN_LEN];
    uint8_t used;
    uint8_t ncid_pending; /* its NEW_CONNECTION_ID is to be sent (again) */
} qc_lcid;

/* A connection ID the peer issued to us. */
typedef struct qc_pcid {
    uint64_t seq;
    l4_quic_cid cid;
    uint8_t token[L4_QUIC_RESET_TOKEN_LEN];
    uint8_t used, has_token;
    uint8_t sent_to; /* we sent packets to it: its token may end the connection (§10.3.1) */
} qc_pcid;

#define QC_SENT_POOL_MAX 512 /* sent-packet records kept for reuse */

enum { QC_HANDSHAKING, QC_ESTABLISHED, QC_CLOSING, QC_DRAINING, QC_CLOSED };

/* ECN validation (ecn.c; RFC 9000 Appendix A.4) */
enum { QC_ECN_INIT, QC_ECN_OFF, QC_ECN_TESTING, QC_ECN_UNKNOWN, QC_ECN_CAPABLE, QC_ECN_FAILED };

/* What a sent packet carried that must be resent (or noted) on loss / ack. */
enum {
    QF_STREAM = 1,
    QF_CRYPTO,
    QF_RESET,
    QF_STOP,
    QF_MAX_DATA,
    QF_MAX_SD,
    QF_MAX_STREAMS_BIDI,
    QF_MAX_STREAMS_UNI,
    QF_HANDSHAKE_DONE,
    QF_ACK,
    QF_PING,
    QF_NEW_CID,    /* sid: the sequence number issued */
    QF_RETIRE_CID, /* sid: the sequence number retired */
    QF_NEW_TOKEN,  /* token.c: the NEW_TOKEN frame */
};

typedef struct qc_frec {
    uint8_t kind;
    uint8_t fin;
    uint64_t sid; /* stream id; QF_ACK: largest acknowledged */
    uint64_t off;
    uint64_t len;
} qc_frec;

typedef struct qc_sent {
    struct qc_sent *next;
    uint64_t pn;
    l4_time t;
    uint32_t size;
    uint8_t ack_eliciting, in_flight;
    uint8_t app_limited; /* sent while the sender was application-limited */
    uint8_t ecn;         /* the ECN codepoint it was sent with (ecn.c) */
    uint16_t nf;
    /* delivery-rate state when sent (draft-cheng-iccrg-delivery-rate-estimation §3.2) */
    uint64_t delivered;
    l4_time delivered_time, first_sent_time;
    qc_frec f[QC_FREC_MAX];
} qc_sent;

/* An ordered send buffer: bytes [base, base + len) are held at buf, which
 * lies inside the allocation mem[0, cap); acknowledged bytes leave from
 * the front by moving buf, and the held bytes move back to mem only when
 * that copies no more than was freed (amortized O(1) per byte). */
typedef struct qc_sbuf {
    uint8_t *buf;
    size_t len, cap;
    uint8_t *mem;
    uint64_t base;        /* everything below is acknowledged */
    uint64_t next;        /* lowest offset never sent */
    l4_quic_ranges lost;  /* sent, declared lost, to send again */
    l4_quic_ranges acked; /* acknowledged (above base) */
} qc_sbuf;

/* A reassembly buffer: bytes from `base` on are held at buf (inside the
 * allocation mem[0, cap), as in qc_sbuf), `got` says which. */
typedef struct qc_rbuf {
    uint8_t *buf;
    size_t cap;
    uint8_t *mem;
    uint64_t base; /* the next offset to deliver */
    l4_quic_ranges got;
} qc_rbuf;

typedef struct qc_space {
    l4_quic_keys rx, tx;
    int has_rx, has_tx, discarded;
    uint64_t next_pn;
    uint64_t largest_acked; /* L4_QUIC_PN_NONE */
    qc_sent *sent_head, *sent_tail;
    l4_time loss_time;
    l4_time last_ack_eliciting; /* time the last ack-eliciting packet was sent */
    unsigned ack_eliciting_in_flight;
    /* receive side */
    l4_quic_ranges recvd;    /* bounded (acks.c): at most QC_MAX_ACK_RANGES */
    uint64_t rx_min;         /* packets below it are refused (§13.2.3) */
    uint64_t ecn_rx[4];      /* packets received per ECN codepoint (ecn.c, §13.4.1) */
    uint64_t ecn_peer[4];    /* the peer's last ACK_ECN counts (§13.4.2) */
    uint64_t ranges_dropped; /* times the oldest ranges were given up */
    uint64_t largest_rx;
    l4_time largest_rx_time;
    unsigned ack_pending; /* ack-eliciting packets not yet acknowledged */
    int ack_now;
    l4_time ack_deadline;
    int probe; /* PTO probes to send */
    qc_sbuf ctx;
    qc_rbuf crx;
} qc_space;

typedef struct qc_stream {
    uint64_t id;
    struct qc_stream *hnext, *next;
    int can_send, can_recv;
    /* send side */
    qc_sbuf sb;
    uint64_t s_max; /* peer's MAX_STREAM_DATA */
    int fin_written, fin_sent, fin_acked;
    int reset_state; /* 0 none, 1 to send, 2 sent, 3 acknowledged */
    uint64_t reset_err, reset_final;
    int send_full;          /* write was short: tell the app when room appears */
    uint64_t sd_blocked_at; /* the s_max a STREAM_DATA_BLOCKED was sent for, +1 */
    int sd_blocked_pending;
    /* receive side */
    qc_rbuf rb;
    uint64_t r_max, r_highest, r_final; /* r_final UINT64_MAX until known */
    int max_sd_pending;
    int stop_state; /* 0 none, 1 to send, 2 sent */
    uint64_t stop_err;
    int reset_recvd, fin_read;
    int early; /* server: opened by data in a 0-RTT packet (early.c) */
} qc_stream;

struct l4_quic_conn {
    int is_server;
    l4_quic_settings set;
    l4_quic_callbacks cb;
    void *user;
    l4_quic_tls *tls;
    l4_quic_tls_events tls_ev;
    l4_rng rng;
    int state;
    l4_quic_cid scid, dcid, odcid;
    /* 1-RTT secrets for key updates (RFC 9001 §6): [0] rx, [1] tx */
    uint8_t app_secret[2][L4_QUIC_MAX_SECRET_LEN];
    size_t app_secret_len;
    l4_quic_aead app_aead;
    int key_phase;               /* the phase we send with */
    int rx_phase;                /* the phase of the current receive keys */
    uint64_t key_phase_start_pn; /* first packet number sent in the current phase */
    int dcid_set;                /* client: switched to the server's chosen CID */
    /* client: a Retry was accepted (RFC 9000 §8.1.2, §17.2.5) */
    int retry_done;
    l4_quic_cid retry_scid;
    uint8_t *token;
    size_t token_len;
    qc_space sp[QC_SPACES];
    int hs_complete, hs_confirmed, hs_done_pending, addr_validated, sent_handshake;
    uint64_t amp_recv, amp_sent; /* bytes, until address validation (§8.1) */
    l4_quic_tp peer_tp;
    int has_peer_tp;
    /* recovery (RFC 9002) */
    l4_time srtt, rttvar, min_rtt, latest_rtt, first_rtt_time;
    int has_rtt;
    unsigned pto_count;
    l4_cc *cc;
    uint64_t bytes_in_flight;
    l4_time recovery_start;
    l4_time last_send;
    /* delivery rate (recovery.c): bytes of in-flight packets acknowledged,
       when the last were, when the newest acknowledged packet was sent, and
       the `delivered` value that ends an application-limited period (0: none) */
    uint64_t delivered;
    l4_time delivered_time, first_sent_time;
    uint64_t app_limited_until;
    /* pacing (cc/pacer.h) at the algorithm's rate; pace_at: held-back data may leave */
    l4_pacer pacer;
    l4_time pace_at;
    /* flow control */
    uint64_t tx_max_data, tx_data;
    uint64_t rx_max_data, rx_data, rx_consumed, rx_window;
    int max_data_pending;
    uint64_t peer_max_bidi, peer_max_uni;   /* streams we may open */
    uint64_t next_bidi, next_uni;           /* our next stream index */
    uint64_t local_max_bidi, local_max_uni; /* streams the peer may open */
    uint64_t peer_opened_bidi, peer_opened_uni;
    int max_streams_bidi_pending, max_streams_uni_pending;
    /* *_BLOCKED (RFC 9000 §4.1, §4.6): pending flags and the limit last reported, +1 */
    int data_blocked_pending, streams_blocked_bidi_pending, streams_blocked_uni_pending;
    uint64_t data_blocked_at, streams_blocked_bidi_at, streams_blocked_uni_at;
    /* connection IDs (cid.c): ours, the peer's, retirements to send */
    qc_lcid lcid[QC_MAX_LCIDS];
    uint64_t lcid_next_seq;     /* the next sequence number we issue */
    uint64_t lcid_retire_prior; /* the Retire Prior To we send */
    qc_pcid pcid[QC_MAX_PCIDS];
    uint64_t dcid_seq;          /* the sequence number of c->dcid */
    uint64_t pcid_retire_prior; /* the largest Retire Prior To the peer sent */
    uint64_t retire_q[QC_MAX_RETIRE];
    size_t nretire;
    const uint8_t *rx_dcid; /* the DCID of the packet being processed */
    size_t rx_dcid_len;
    uint64_t
        lcid_version; /* changes whenever our routable IDs change (l4_quic_conn_cids_version) */
    /* paths (path.c): the peer's current path, the one before a migration,
       the validation under way, the path a PATH_RESPONSE goes to */
    l4_quic_path path, old_path;
    l4_quic_cid path_dcid; /* the ID of ours the peer's packets on `path` carry (§9.5) */
    /* ECN (ecn.c): the codepoint of the datagram being processed / the one
       just written; validation state; the ACK being processed had counts */
    unsigned rx_ecn, tx_ecn;
    int ecn_state;
    unsigned ecn_test_sent, ecn_test_lost;
    int rx_ack_has_ecn;
    int has_path, has_old_path, path_validated;
    uint8_t chal_data[8];
    int chal_pending, chal_outstanding;
    l4_time chal_resend, chal_deadline;
    uint64_t path_recv, path_sent; /* bytes on the unvalidated path (§9.3: 3x) */
    const l4_quic_path *rx_path;   /* where the datagram being processed came from */
    l4_quic_path resp_path;
    l4_quic_cid resp_dcid; /* ... sent to this peer ID (§9.5: a new one for a new path) */
    int resp_dcid_set;
    int resp_on_path;    /* the PATH_RESPONSE goes to resp_path, not the current path */
    int rx_probing_only; /* the packet being processed had only probing frames */
    uint8_t path_response[8];
    int path_response_pending;
    /* a path the peer probed (a PATH_CHALLENGE from a path that is not the
       current one): our own challenge rides with the answer, so a later move
       there finds it validated */
    l4_quic_path probe_path;
    uint8_t probe_chal[8];
    int probe_state; /* 0 none, 1 challenge to send with the response, 2 sent, 3 validated */
    /* preferred address (preferred.c, RFC 9000 §9.6): the server's offer,
       or the one the client received; the client moved there */
    l4_quic_preferred_addr pref;
    int has_pref, pref_moved;
    int local_tp_sent; /* our transport parameters went to TLS */
    qc_stream *buckets[QC_STREAM_BUCKETS];
    qc_stream *streams; /* all, in creation order */
    qc_stream *rr;      /* where the next packet starts looking for data */
    /* closing */
    int close_pending, close_app;
    uint64_t close_err, close_frame;
    char close_reason[64];
    l4_time close_deadline;
    l4_time idle_timeout, idle_deadline;
    int eliciting_since_rx; /* an ack-eliciting packet went out since the last one arrived */
    uint8_t *rxbuf;
    size_t rxcap;
    /* freed sent-packet records, reused: no allocation per packet sent */
    qc_sent *sent_pool;
    size_t sent_pool_n;
    l4_quic_conn_stats st;
    /* a loss episode (RFC 9002 §7.3.2) is running: until a packet sent after
       recovery_start is acknowledged */
    int in_recovery;
    /* the event observer (events.c) and what it was told last */
    l4_quic_event_fn ev_fn;
    void (*ev_release)(void *);
    void *ev_user;
    l4_quic_conn_stats ev_last;
    const char *ev_conn_state, *ev_cc_state, *ev_cc_trigger;
    l4_time ev_now; /* the `now` of the API call running (for events from TLS callbacks) */
    /* address validation (token.c): server — the Retry's SCID that names the
       client's first packets, the NEW_TOKEN token to send; client — the last
       NEW_TOKEN token received */
    l4_quic_cid sv_rscid;
    uint8_t *nt;
    size_t nt_len;
    int nt_pending;
    /* client: an ACK of a Handshake packet arrived, so the server has
       validated our address (RFC 9002 A.8 PeerCompletedAddressValidation) */
    int hs_acked;
    /* 0-RTT (early.c): the keys (client: send, server: receive), the
       server's limits the client remembered, where it stands (L4_QUIC_EARLY_*) */
    l4_quic_keys early;
    int has_early, early_tp_set, early_state, early_cb_done;
    int rx_early; /* the packet being processed is a 0-RTT one */
    int resumed;  /* the TLS handshake resumed a session */
    l4_quic_tp early_tp;
    uint64_t early_pkts_sent, early_pkts_recv, early_bytes, early_resent;
};

/* conn.c */
void qc_fail(l4_quic_conn *c, uint64_t err, uint64_t frame_type, const char *reason, l4_time now);
void qc_enter_draining(l4_quic_conn *c, l4_time now);
void qc_discard_space(l4_quic_conn *c, int s);
int qc_crypto_rx(l4_quic_conn *c, int s, uint64_t off, const uint8_t *data, size_t len,
                 l4_time now);
l4_time qc_pto_base(const l4_quic_conn *c, int s);
void qc_set_idle(l4_quic_conn *c, l4_time now);

/* buffers (stream.c) */
int qc_sbuf_append(qc_sbuf *b, const uint8_t *data, size_t len);
void qc_sbuf_ack(qc_sbuf *b, uint64_t off, uint64_t len);
void qc_sbuf_lost(qc_sbuf *b, uint64_t off, uint64_t len);
void qc_sbuf_free(qc_sbuf *b);
int qc_rbuf_put(qc_rbuf *b, uint64_t off, const uint8_t *data, size_t len);
size_t qc_rbuf_avail(const qc_rbuf *b);
size_t qc_rbuf_take(qc_rbuf *b, uint8_t *dst, size_t cap);
void qc_rbuf_free(qc_rbuf *b);

/* streams (stream.c) */
qc_stream *qc_stream_find(l4_quic_conn *c, uint64_t sid);
qc_stream *qc_stream_new(l4_quic_conn *c, uint64_t sid);
int qc_stream_local(const l4_quic_conn *c, uint64_t sid);
/* Finds or implicitly opens the stream a received frame names (RFC 9000
 * §2.1, §3.2). *s NULL with 0: a closed stream, ignore the frame. Errors
 * are transport error codes (positive), already reported via qc_fail. */
int qc_stream_for_frame(l4_quic_conn *c, uint64_t sid, int want_recv, qc_stream **s, uint64_t ftype,
                        l4_time now);
void qc_stream_maybe_free(l4_quic_conn *c, qc_stream *s);
void qc_streams_free(l4_quic_conn *c);

/* recovery.c */
/* A sent-packet record (from the connection's pool, else malloc; header
 * zeroed, frame records not), or NULL; qc_sent_put returns one (records
 * may also be released with free()). */
qc_sent *qc_sent_get(l4_quic_conn *c);
void qc_sent_put(l4_quic_conn *c, qc_sent *p);
void qc_on_sent(l4_quic_conn *c, int s, qc_sent *p);
int qc_on_ack(l4_quic_conn *c, int s, const void *ack_frame, l4_time now);
void qc_detect_loss(l4_quic_conn *c, int s, l4_time now);
l4_time qc_loss_timer(const l4_quic_conn *c);
void qc_on_loss_timer(l4_quic_conn *c, l4_time now);
void qc_drop_sent(l4_quic_conn *c, int s);
void qc_requeue(l4_quic_conn *c, int s, const qc_sent *p);
/* The sender ran out of data with room in the window (rate sampling §3.4). */
void qc_app_limited(l4_quic_conn *c, l4_time now);

/* Moves one direction's 1-RTT keys to the next phase (RFC 9001 §6.1). */
int qc_key_update_dir(l4_quic_conn *c, int is_tx, l4_quic_keys *out);

/* events.c: each returns at once when no observer is attached */
void qc_ev_packet(l4_quic_conn *c, l4_quic_event_type type, int pkt_type, uint64_t pn,
                  size_t pkt_len, const uint8_t *payload, size_t plen, const uint8_t *dcid,
                  size_t dcid_len, const uint8_t *scid, size_t scid_len, l4_time now);
void qc_ev_dropped(l4_quic_conn *c, int pkt_type, size_t pkt_len, const char *trigger, l4_time now);
void qc_ev_lost(l4_quic_conn *c, int space, const qc_sent *p, const char *trigger, l4_time now);
void qc_ev_params(l4_quic_conn *c, const l4_quic_tp *tp, int local, l4_time now);
/* Reports the metrics, congestion state and connection state if they changed. */
void qc_ev_update(l4_quic_conn *c, l4_time now);
void qc_ev_release(l4_quic_conn *c);

/* connection IDs (cid.c) */
void qc_cid_init(l4_quic_conn *c);
void qc_cid_peer_initial(l4_quic_conn *c);
void qc_cid_issue(l4_quic_conn *c);
int qc_cid_is_local(const l4_quic_conn *c, const uint8_t *p, size_t n);
int qc_cid_on_new(l4_quic_conn *c, const l4_quic_frame_new_cid *f, uint64_t ftype, l4_time now);
int qc_cid_on_retire(l4_quic_conn *c, uint64_t seq, uint64_t ftype, l4_time now);
void qc_cid_queue_retire(l4_quic_conn *c, uint64_t seq);
int qc_cid_wants(const l4_quic_conn *c);
int qc_cid_is_reset(const l4_quic_conn *c, const uint8_t *token);
/* Moves to another of the peer's IDs and retires the current one (§5.1.2); -1 when none is spare.
 */
int qc_cid_switch_retire(l4_quic_conn *c);
/* Moves c->dcid to the peer ID of sequence `seq` (else as
 * qc_cid_switch_retire) and retires the old one; -1 when none is left. */
int qc_cid_switch_to(l4_quic_conn *c, uint64_t seq);
/* preferred.c: the preferred_address parameter's bytes for our transport
 * parameters (server); the peer's, taken into the connection (client) */
size_t qc_pref_encode(const l4_quic_conn *c, uint8_t *buf, size_t cap);
int qc_pref_on_tp(l4_quic_conn *c, const uint8_t *p, size_t len);
/* The peer ID qc_cid_switch_retire would move to, now marked as sent to; -1 when none. */
int qc_cid_spare(l4_quic_conn *c, l4_quic_cid *out);

/* acknowledgement tracking (acks.c) */
/* 1 when packet `pn` of space `s` was processed already, or is too old to tell. */
int qc_ack_seen(const l4_quic_conn *c, int s, uint64_t pn);
/* Notes packet `pn` as received. Errors: L4_ERR_NOMEM. */
int qc_ack_record(l4_quic_conn *c, int s, uint64_t pn);
/* An ACK frame of ours whose Largest Acknowledged was `largest` was acknowledged. */
void qc_ack_acked(l4_quic_conn *c, int s, uint64_t largest);

/* ECN (ecn.c) */
void qc_ecn_on_rx(l4_quic_conn *c, int s);
/* The counts for an ACK_ECN frame in space s; 0 when nothing marked arrived. */
int qc_ecn_ack_counts(const l4_quic_conn *c, int s, uint64_t *ect0, uint64_t *ect1, uint64_t *ce);
/* The codepoint for the datagram about to be sent (counts the test). */
unsigned qc_ecn_mark(l4_quic_conn *c);
void qc_ecn_on_lost(l4_quic_conn *c, const qc_sent *p);
void qc_ecn_restart(l4_quic_conn *c);
/* Validates an ACK's counts against the newly acknowledged packets and acts
 * on CE increases; returns the CE bytes for an L4_CC_F_ECN_BYTES algorithm. */
uint64_t qc_ecn_on_ack(l4_quic_conn *c, int s, const l4_quic_frame_ack *ack, int has_counts,
                       const qc_sent *acked, int largest_new, l4_time largest_sent, l4_time now);

/* paths (path.c) */
int qc_path_eq(const l4_quic_path *a, const l4_quic_path *b);
void qc_path_on_packet(l4_quic_conn *c, int pkt_type, uint64_t pn, size_t dgram_len, l4_time now);
void qc_path_on_challenge(l4_quic_conn *c, const uint8_t data[8]);
void qc_path_on_response(l4_quic_conn *c, const uint8_t data[8], l4_time now);
void qc_path_timer(l4_quic_conn *c, l4_time now);
l4_time qc_path_next_timeout(const l4_quic_conn *c);
int qc_path_amp_limit(const l4_quic_conn *c, size_t *limit);
void qc_path_sent(l4_quic_conn *c, size_t bytes);

/* address validation (token.c) */
/* 1 when p[0, n) is the DCID of the client's first Initial (or, after a
 * Retry, of its Initials since): the server's names before its own CIDs. */
int qc_token_first_dcid(const l4_quic_conn *c, const uint8_t *p, size_t n);
/* Client: a NEW_TOKEN frame arrived; 0 or -1 (out of memory). */
int qc_token_on_frame(l4_quic_conn *c, const uint8_t *tok, size_t len);

/* 0-RTT (early.c) */
/* A 0-RTT traffic secret from TLS: installs the client's send or the
 * server's receive key (the other direction is ignored). */
int qc_early_secret(l4_quic_conn *c, int is_tx, l4_quic_aead aead, const uint8_t *secret,
                    size_t len);
/* Client: application data goes in 0-RTT packets now. */
int qc_early_sending(const l4_quic_conn *c);
/* Streams may be opened and carry data now: 1-RTT, client 0-RTT, server 0.5-RTT. */
int qc_app_open(const l4_quic_conn *c);
/* Server: 0-RTT packets can be decrypted (with c->early). */
int qc_early_rx(const l4_quic_conn *c);
/* After TLS took CRYPTO bytes: a server that accepted 0-RTT and can send
 * 1-RTT tells the application (early_data callback), once. */
void qc_early_after_crypto(l4_quic_conn *c);
/* The handshake completed: accepted or rejected, and what follows. */
void qc_early_on_complete(l4_quic_conn *c, l4_time now);
/* Client: a Retry was accepted: what went in 0-RTT goes again. */
void qc_early_on_retry(l4_quic_conn *c);
/* Client: a 0-RTT packet `p` was sent (counters). */
void qc_early_sent(l4_quic_conn *c, const qc_sent *p);
/* Server: a 1-RTT packet arrived: the 0-RTT keys may go. */
void qc_early_on_1rtt(l4_quic_conn *c);
void qc_early_free(l4_quic_conn *c);

/* conn_input.c / conn_output.c */
int qc_input(l4_quic_conn *c, const uint8_t *dgram, size_t len, l4_time now);
l4_ssize qc_output(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_time now);
/* One datagram holding only the PATH_RESPONSE for a challenge from another path. */
l4_ssize qc_output_path_response(l4_quic_conn *c, uint8_t *buf, size_t cap, l4_time now);

#endif
