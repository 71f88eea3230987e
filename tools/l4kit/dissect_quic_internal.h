/*
 * tools/l4kit/dissect_quic_internal.h — the state behind dissect_quic.h,
 * shared by dissect_quic.c (datagrams, packets, frames),
 * dissect_quic_keys.c (unprotection) and dissect_quic_conn.c (connections,
 * connection IDs, key slots, CRYPTO streams).
 */
#ifndef L4_TOOLS_DISSECT_QUIC_INTERNAL_H
#define L4_TOOLS_DISSECT_QUIC_INTERNAL_H

#include "dissect_quic.h"
#include "quic/crypto.h"
#include "quic/ranges.h"

#define DQ_CLIENT 0
#define DQ_SERVER 1

/* Packet-number spaces and CRYPTO levels (RFC 9000 §12.3). */
#define DQ_SP_INITIAL   0
#define DQ_SP_HANDSHAKE 1
#define DQ_SP_APP       2

#define DQ_CRYPTO_MAX    65536       /* bytes of one CRYPTO stream kept for naming TLS messages */
#define DQ_TRIALS        8           /* packets of a connection tried against every key log entry */
#define DQ_MAX_CONNS     16384       /* connections tracked (about 4 KB each, plus keys) */
#define DQ_CRYPTO_BUDGET (64u << 20) /* CRYPTO stream bytes kept over all connections */
#define DQ_CRYPTO_AHEAD  16384 /* CRYPTO data kept beyond a gap (RFC 9000 §7.5 asks for 4096) */
#define DQ_MAX_CIDS      (1u << 20)

/*
 * Keys for one sender at one level. When the AEAD is not known yet (no
 * ServerHello seen, a 32-byte secret: AES-128-GCM or ChaCha20-Poly1305)
 * every candidate is kept and tried; the first that authenticates a packet
 * stays (n becomes 1).
 */
typedef struct dq_slot {
    int ready; /* keys set up */
    int n;     /* candidates in k[] */
    l4_quic_keys k[2];
    uint8_t secret[L4_QUIC_MAX_SECRET_LEN];
    size_t secret_len;
} dq_slot;

/* A CRYPTO stream, reassembled for naming the TLS messages in it. */
typedef struct dq_crypto {
    uint8_t *buf;
    size_t cap;         /* bytes allocated (grows up to DQ_CRYPTO_MAX) */
    l4_quic_ranges got; /* offsets received */
    uint64_t parsed;    /* offset of the next message to read */
    int stuck;          /* a message larger than DQ_CRYPTO_MAX: no more naming */
} dq_crypto;

/* What one end of a connection sends, and how to reach it. */
typedef struct dq_side {
    l4_addr addr;
    uint16_t port;
    int cid_len; /* length of the connection IDs it issued (DCIDs sent to it); -1 unknown */
    dq_slot initial, hs, early;
    /* 1-RTT (RFC 9001 §6): generation `gen` is `cur` (key phase gen & 1);
     * `next` (gen + 1) is derived when a packet flips the phase, `prev`
     * (gen - 1) kept for packets reordered across an update. */
    dq_slot cur, next, prev;
    uint64_t gen;
    uint64_t largest[3]; /* per space, L4_QUIC_PN_NONE when none */
    dq_crypto crypto[3];
} dq_side;

typedef struct dq_conn {
    dq_side side[2];
    uint8_t odcid[L4_QUIC_MAX_CID_LEN]; /* the client's first DCID */
    size_t odcid_len;
    uint8_t
        idcid[L4_QUIC_MAX_CID_LEN]; /* the DCID the Initial keys come from (a Retry changes it) */
    size_t idcid_len;
    int have_random;
    uint8_t random[32];     /* from the ClientHello */
    const dis_kl_entry *kl; /* its secrets, once found */
    int trials;             /* packets tried against every key log entry */
    int aead;               /* l4_quic_aead from the ServerHello; -1 unknown */
} dq_conn;

/* A connection ID a connection's end issued: packets carrying it as DCID go to `side`. */
typedef struct dq_cid {
    uint8_t len;
    uint8_t data[L4_QUIC_MAX_CID_LEN];
    uint32_t conn; /* index + 1; 0 = empty slot */
    uint8_t side;
} dq_cid;

/* A stateless reset token (RFC 9000 §10.3) a connection's end announced. */
typedef struct dq_token {
    uint8_t token[L4_QUIC_RESET_TOKEN_LEN];
    uint32_t conn;
} dq_token;

struct dis_quic {
    const dis_keylog *kl;
    dq_conn **conns;
    size_t n_conns, cap_conns;
    dq_cid *cids; /* open addressing, power-of-two size */
    size_t n_cids, cap_cids;
    uint32_t cid_lens; /* bit L: some connection ID of length L is known */
    dq_token *tokens;
    size_t n_tokens, cap_tokens;
    size_t crypto_mem; /* bytes of CRYPTO stream buffers, at most DQ_CRYPTO_BUDGET */
    int conns_full;    /* a connection was not tracked: DQ_MAX_CONNS reached */
    /* the current datagram */
    uint8_t work[65536]; /* a copy, unprotected in place */
    disq_frame *frames;
    size_t n_frames, cap_frames;
    dis_tls_msg *tls;
    size_t n_tls, cap_tls;
};

/* ---- dissect_quic_conn.c ---- */

/** A new connection (client src:sport, server dst:dport, first DCID); NULL when out of memory or at
 * the limit. */
dq_conn *dq_conn_new(dis_quic *q, const l4_addr *caddr, uint16_t cport, const l4_addr *saddr,
                     uint16_t sport, const uint8_t *odcid, size_t odcid_len);

/** Forgets the connection made last (its first Initial did not decrypt). */
void dq_conn_drop_last(dis_quic *q);

/** Index + 1 of a connection (what dq_cid.conn holds). */
uint32_t dq_conn_id(const dis_quic *q, const dq_conn *c);

/** Records that packets with DCID cid go to `side` of c. 0 or L4_ERR_NOMEM. */
int dq_cid_add(dis_quic *q, dq_conn *c, int side, const uint8_t *cid, size_t len);

/** The connection a DCID of exactly `len` bytes belongs to (and the side it goes to), or NULL. */
dq_conn *dq_cid_find(const dis_quic *q, const uint8_t *cid, size_t len, int *side);

/* How a short header found its connection. */
#define DQ_BY_CID    1 /* its DCID is one the connection's end issued */
#define DQ_BY_TUPLE  2 /* the connection's addresses and ports */
#define DQ_BY_SERVER 3 /* to or from a server address and port seen: the newest such connection */

/**
 * The connection of a short header: the longest known connection ID that
 * starts data[1..], else the connection on these addresses and ports, else
 * the newest connection of the server address and port it is sent to or
 * from. Sets *side (the receiver), *cid_len (that end's ID length) and *how
 * (DQ_BY_*).
 */
dq_conn *dq_short_find(dis_quic *q, const uint8_t *data, size_t len, const l4_addr *src,
                       uint16_t sport, const l4_addr *dst, uint16_t dport, int *side,
                       size_t *cid_len, int *how);

/** The connection on these addresses and ports (either direction); *side is the receiver. */
dq_conn *dq_tuple_find(dis_quic *q, const l4_addr *src, uint16_t sport, const l4_addr *dst,
                       uint16_t dport, int *side);

/** Records a stateless reset token of c. 0 or L4_ERR_NOMEM. */
int dq_token_add(dis_quic *q, const dq_conn *c, const uint8_t *token);

/** Whether `tail` (16 bytes) is a token some connection announced. */
int dq_token_known(const dis_quic *q, const uint8_t *tail);

/** Frees a slot's keys. */
void dq_slot_free(dq_slot *s);

/**
 * Sets up `s` from a secret: one candidate when `aead` >= 0, else those the
 * secret's length allows. Returns 0, or an error of l4_quic_keys_init().
 */
int dq_slot_init(dq_slot *s, int aead, const uint8_t *secret, size_t len);

/**
 * Adds the CRYPTO frame `f` sent by `side` at `level` to its stream and
 * parses the TLS messages it completes into q->tls (recording them in
 * `fr`), learning the client random, cipher suite and key log entry.
 * Returns 0 or L4_ERR_NOMEM.
 */
int dq_crypto_add(dis_quic *q, dq_conn *c, int side, int level, const l4_quic_frame *f,
                  disq_frame *fr);

/* ---- dissect_quic_keys.c ---- */

/** Sets p->dec and the reason p->why (printf-style). */
__attribute__((format(printf, 3, 4))) void dq_why(disq_pkt *p, int dec, const char *fmt, ...);

/**
 * Removes the protection of packet p (header parsed, p->off and p->len set)
 * of connection c sent by `sender`, in q->work; sets p->dec (and p->why when
 * it is not DISQ_DEC_OK), and when decrypted the packet number, first byte,
 * payload, key phase and generation, and updates the largest packet number
 * of that space.
 */
void dq_unprotect(dis_quic *q, dq_conn *c, int sender, disq_pkt *p, const uint8_t *data);

#endif
