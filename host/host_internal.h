/*
 * host/host_internal.h — the host's internal state, shared by the files of
 * host/ (not a public interface).
 */
#ifndef L4_HOST_HOST_INTERNAL_H
#define L4_HOST_HOST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "host/socket.h"
#include "tcp/conn.h"
#include "udp/udp.h"
#include "util/rng.h"
#include "wire/ip.h"
#include "wire/tcp.h"

#define HOST_PORT_BUCKETS 1024u /* bound-socket table: chains by port */
#define HOST_EPH_TABLE    256u  /* RFC 6056 Algorithm 4 table size */

/* Pending application events (bits of l4_hsock.events). */
#define HEV_READABLE  0x01
#define HEV_WRITABLE  0x02
#define HEV_CONNECTED 0x04
#define HEV_CLOSED    0x08
#define HEV_ERROR     0x10

/* Where a child connection of a listener waits. */
#define HQ_NONE 0
#define HQ_SYN  1
#define HQ_ACC  2

typedef struct l4_hsock l4_hsock;

struct l4_hsock {
    l4_host *host;
    int sd;
    uint8_t type;     /* L4_SOCK_STREAM / L4_SOCK_DGRAM */
    uint8_t family;   /* L4_AF_INET4 / L4_AF_INET6 */
    uint8_t bound;    /* in the port table */
    uint8_t port_ref; /* counted in host->tcp_refs[lport] */
    uint8_t listening;
    uint8_t connected; /* TCP: has a conn to a peer; UDP: connect() done */
    uint8_t in_hash;   /* in the 4-tuple table */
    uint8_t orphan;    /* the application closed it */
    uint8_t zombie;    /* on the zombie list, to free */
    uint8_t dirty;     /* on the output list */
    uint8_t on_evlist;
    uint8_t reuseaddr;
    uint8_t active;      /* connect() (not accepted) */
    uint8_t est_once;    /* reached ESTABLISHED */
    uint8_t conn_closed; /* the conn reported CLOSED; bookkeeping pending */
    uint8_t shut_wr;
    uint8_t q;      /* HQ_* */
    uint8_t events; /* HEV_* pending */
    uint16_t lport, rport;
    l4_addr laddr, raddr;
    int err; /* pending error (L4_E*) */
    l4_tcp_conn *tcp;
    const char *cc; /* TCP: congestion control (a registered name), NULL = the host's */
    l4_udp_queue rq;
    uint8_t udp_tx_ecn; /* UDP: the ECN codepoint of datagrams sent (l4_socket_set_ecn) */
    uint8_t udp_rx_ecn; /* UDP: the ECN codepoint of the datagram last received */
    l4_time deadline;
    size_t heap_idx;  /* SIZE_MAX when not in the timer heap */
    l4_time born;     /* when a listener's child was created */
    l4_time tw_since; /* first seen in TIME_WAIT (L4_TIME_NONE: not yet) */
    uint32_t hash;
    l4_hsock *hnext, *pnext, *dnext, *enext, *znext;
    /* child of a listener, until accepted */
    l4_hsock *parent, *qprev, *qnext;
    /* listener */
    l4_hsock *synq, *synq_tail, *accq_head, *accq_tail; /* synq: newest first */
    uint32_t backlog, syn_count, acc_count;
    l4_time cookie_at; /* when it last answered a SYN with a cookie */
    uint8_t cookies;   /* it has answered with cookies (cookie_at is valid) */
    l4_socket_callbacks cb;
    void *user;
    struct host_qcid *qcid; /* QUIC connection-ID table (quic_cid.c), NULL when off */
};

typedef struct host_addr {
    l4_addr addr;
    int plen;
    int ifindex;
} host_addr;

#define HOST_FRAG_SLOTS 32 /* datagrams in reassembly at once */

typedef struct host_frag {
    uint8_t used, version, proto, got_first;
    uint8_t dscp, ecn, ttl;
    uint32_t flow;
    uint32_t id;
    l4_addr src, dst;
    l4_time expires;
    uint8_t *data;
    size_t cap, maxend;
    size_t total;  /* payload length once the last fragment arrived, else 0 */
    size_t have;   /* payload bytes held */
    uint64_t *map; /* received 8-byte blocks */
    uint8_t hdr[60];
    size_t hdr_len;
} host_frag;

typedef struct host_txpkt {
    struct host_txpkt *next;
    int ifindex;
    size_t len;
    uint8_t data[];
} host_txpkt;

struct l4_host {
    l4_host_config cfg;
    l4_host_stats st;
    l4_rng rng;
    uint8_t hash_key[16];
    uint8_t eph_key1[16], eph_key2[16];
    uint16_t eph_table[HOST_EPH_TABLE];
    uint16_t ip_id;
    host_addr addrs[L4_HOST_MAX_ADDRS];
    int naddrs;
    /* descriptors */
    l4_hsock **socks;
    size_t nsocks_cap, nsocks;
    int *free_sd;
    size_t nfree;
    /* 4-tuple table */
    l4_hsock **tbl;
    size_t tbl_mask, tbl_count;
    /* bound sockets, by port */
    l4_hsock *ports[HOST_PORT_BUCKETS];
    /* live TCP conns per local port not in the port table: 256 blocks of 256
       counters, allocated when first used */
    uint32_t *tcp_refs[256];
    /* timer heap */
    l4_hsock **heap;
    size_t heap_len, heap_cap;
    /* output */
    host_txpkt *txq_head, *txq_tail;
    size_t txq_len;
    l4_hsock *dirty_head, *dirty_tail;
    /* deferred events and frees */
    l4_hsock *ev_head, *ev_tail;
    l4_hsock *zombies;
    int depth;
    l4_time now; /* the latest time any call gave the host */
    int dispatching;
    unsigned rx_flags; /* L4_HOST_RX_* of the packet being processed */
    /* IP reassembly */
    host_frag frags[HOST_FRAG_SLOTS];
    size_t frag_bytes;
    /* ICMP error token bucket */
    uint64_t icmp_tokens_milli; /* tokens * 1000 */
    l4_time icmp_last;
};

/* host.c */
void host_enter(l4_host *h);
void host_leave(l4_host *h);
const host_addr *host_find_addr(const l4_host *h, const l4_addr *a);
const host_addr *host_pick_src(const l4_host *h, const l4_addr *dst);
int host_addr_is_any(const l4_addr *a);
l4_ssize host_ip_header(l4_host *h, uint8_t *buf, size_t cap, const l4_addr *src,
                        const l4_addr *dst, uint8_t proto, uint8_t ecn, size_t payload_len);
int host_tx_queue(l4_host *h, int ifindex, const uint8_t *pkt, size_t len);
uint8_t *host_tx_alloc(l4_host *h, size_t len, host_txpkt **out);
void host_tx_commit(l4_host *h, host_txpkt *p, int ifindex, size_t len);

/* QUIC connection-ID tables: quic_cid.c */
struct host_qcid;
void host_qcid_free(struct host_qcid *t);

/* sockets: sock.c */
l4_hsock *sock_get(l4_host *h, int sd);
l4_hsock *sock_new(l4_host *h, int family, int type);
void sock_free(l4_host *h, l4_hsock *s);
void sock_event(l4_host *h, l4_hsock *s, uint8_t ev);
void sock_mark_dirty(l4_host *h, l4_hsock *s);
void sock_after_conn(l4_host *h, l4_hsock *s, l4_time now);
void sock_zombie(l4_host *h, l4_hsock *s);
void sock_dispatch(l4_host *h);
void sock_reap(l4_host *h);
int sock_tcp_attach(l4_host *h, l4_hsock *s);
/* The TCP settings of `s`'s connections (or, for a listener, its children):
   the host's, with the MSS from the MTU of its family and its own
   congestion control when set. */
void sock_tcp_settings(const l4_host *h, const l4_hsock *s, l4_tcp_settings *ts);

/* demux.c */
uint32_t demux_hash(const l4_host *h, uint8_t type, const l4_addr *la, uint16_t lp,
                    const l4_addr *ra, uint16_t rp);
int demux_insert(l4_host *h, l4_hsock *s);
void demux_remove(l4_host *h, l4_hsock *s);
l4_hsock *demux_lookup(const l4_host *h, uint8_t type, const l4_addr *la, uint16_t lp,
                       const l4_addr *ra, uint16_t rp);
void ports_insert(l4_host *h, l4_hsock *s);
void ports_remove(l4_host *h, l4_hsock *s);
l4_hsock *ports_lookup(const l4_host *h, uint8_t type, const l4_addr *la, uint16_t lp);
int ports_port_bound(const l4_host *h, uint8_t type, uint16_t port);

/* ports.c */
int ports_bind_check(l4_host *h, const l4_hsock *s, const l4_addr *a, uint16_t port);
int ports_ephemeral_bind(l4_host *h, l4_hsock *s, const l4_addr *la, uint16_t *port);
int ports_ephemeral_connect(l4_host *h, uint8_t type, const l4_addr *la, const l4_addr *ra,
                            uint16_t rp, uint16_t *port, l4_hsock **tw_victim, l4_time now);
uint32_t ports_refs(const l4_host *h, uint16_t port);
int ports_ref(l4_host *h, uint16_t port, int delta);
int ports_tw_reusable(const l4_host *h, const l4_hsock *s, l4_time now);

/* timers.c */
void timers_update(l4_host *h, l4_hsock *s, l4_time deadline);

/* icmp.c */
void icmp_input(l4_host *h, const l4_ip_pkt *ip, const uint8_t *pkt, size_t len, l4_time now);
void icmp_send_unreach(l4_host *h, const l4_ip_pkt *ip, const uint8_t *pkt, size_t len,
                       uint8_t code4, uint8_t code6, l4_time now);

/* reasm.c */
void reasm_input(l4_host *h, int ifindex, const l4_ip_pkt *ip, const uint8_t *pkt, l4_time now);
l4_time reasm_next_timeout(const l4_host *h);
void reasm_expire(l4_host *h, l4_time now);
void reasm_clear(l4_host *h);

/* tcp_input.c */
void host_tcp_input(l4_host *h, const l4_ip_pkt *ip, l4_time now);

/* udp_input.c */
void host_udp_input(l4_host *h, const l4_ip_pkt *ip, const uint8_t *pkt, size_t len, l4_time now);
l4_ssize host_udp_send(l4_host *h, l4_hsock *s, const void *buf, size_t len, const l4_addr *dst,
                       uint16_t dport);

/* Errors: maps util/err.h codes from engines to L4_E*. */
int host_errno(int err);

#endif
