/*
 * host/host.h — one network host as a sans-IO engine: interfaces and
 * addresses, IPv4/IPv6 input and output, ICMP, demultiplexing to TCP and UDP
 * sockets, port allocation. Applications use it through host/socket.h.
 *
 * Engine shape (DESIGN.md): feed each received IP packet to l4_host_input,
 * call l4_host_output until it returns 0 and send what it wrote, call
 * l4_host_handle_timeout at l4_host_next_timeout. After any input, timeout or
 * socket call, output may have something new. The host makes no syscalls,
 * reads no clock; its randomness (ephemeral-port secrets, TCP ISN secret,
 * IPv4 IDs, hash keys) derives from `seed` through util/rng.h.
 *
 * Behaviour, with the standards it follows:
 *  - Weak host model (RFC 1122 §3.3.4.2): a packet for any of the host's
 *    addresses is accepted on any interface; others are dropped and counted
 *    (not_for_us). No forwarding.
 *  - IPv4 header checksum verified; TTL is not checked on receipt (RFC 1122
 *    §3.2.1.7: a host must not discard a datagram for a low TTL). Sources that
 *    cannot be a unicast sender (multicast, limited broadcast, unspecified for
 *    TCP/UDP; IPv6 multicast) are dropped (bad_src).
 *  - IP fragments (IPv4 MF set or offset != 0; IPv6 Fragment header) are
 *    reassembled with bounded memory (host/reasm.c: at most 32 datagrams and
 *    reasm_max_bytes of data at once, reasm_timeout, overlapping fragments
 *    discard the datagram as RFC 5722 requires). l4kit itself sends with DF
 *    set and never fragments; TCP's MSS is derived from the MTU.
 *  - Output: IPv4 with DF, TTL 64, an ID from a per-host counter started at a
 *    random value (RFC 6864 §4.1 allows any ID on atomic datagrams); IPv6 hop
 *    limit 64, flow label 0.
 *  - ICMP: echo requests answered (RFC 792, RFC 4443 §4.2) with the same id,
 *    sequence and data; UDP to a closed port answered with Destination
 *    Unreachable / Port Unreachable (RFC 1122 §3.2.2.1, RFC 4443 §3.1) quoting
 *    as much of the invoking packet as fits in 576 (IPv4) / 1280 (IPv6) bytes;
 *    an unknown IPv4 protocol gets Protocol Unreachable; no ICMP error is sent
 *    about an ICMP error, a fragment or a multicast/broadcast source or
 *    destination (RFC 1122 §3.2.2, RFC 4443 §2.4(e)); errors are rate limited
 *    by a token bucket (RFC 4443 §2.4(f)). Port Unreachable received about a
 *    connected UDP socket sets its error to L4_ECONNREFUSED; Port or Protocol
 *    Unreachable about a TCP connection still in SYN_SENT aborts it with
 *    L4_ECONNREFUSED (RFC 1122 §4.2.3.9, checked against RFC 5927 §4.1).
 *  - TCP to a closed port: a RST per RFC 9293 §3.10.7.1 (no RST answers a RST).
 */
#ifndef L4_HOST_HOST_H
#define L4_HOST_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/conn.h"
#include "util/err.h"
#include "util/time.h"
#include "wire/addr.h"

typedef struct l4_host l4_host;

/** Addresses per host. */
#define L4_HOST_MAX_ADDRS 16

/** Tunables; start from l4_host_config_default(). */
typedef struct l4_host_config {
    uint64_t seed;           /* all of the host's randomness derives from it */
    uint32_t mtu;            /* link MTU (every interface); default 1500, min 1280 */
    uint16_t ephemeral_min;  /* RFC 6056 range; default 49152 */
    uint16_t ephemeral_max;  /* default 65535 */
    uint32_t ephemeral_incr; /* RFC 6056 §3.3.5: random step 1..this after each pick; default 8 */
    uint8_t udp_checksum_v4; /* send UDP checksums over IPv4 (RFC 768 optional); default 1 */
    uint32_t udp_rcvq_bytes; /* per-socket UDP receive queue limit; default 212992 */
    uint32_t icmp_rate;   /* ICMP errors per second (token bucket); 0 = unlimited; default 1000 */
    uint32_t icmp_burst;  /* bucket size; default 50 */
    uint8_t tcp_tw_reuse; /* reuse a TIME_WAIT 4-tuple for connect(), see socket.h; default 1 */
    /* SYN queue full: reset the oldest half-open connection if it is at least
       tcp_syn_recycle_age old, and admit the new SYN (RFC 4987 §3.3). Default
       0; when it frees nothing, tcp_syncookies decides. */
    uint8_t tcp_syn_recycle;
    l4_time tcp_syn_recycle_age; /* default 0 */
    /* SYN cookies (RFC 4987 §3.6, tcp/syncookie.h), as Linux's tcp_syncookies:
       0 never; 1 (default) when a listener's SYN queue is full (after
       tcp_syn_recycle, when that is on and frees nothing) and its accept queue
       is not, the SYN is answered statelessly and the connection created
       ESTABLISHED when a valid cookie ACK returns; 2 for every SYN. */
    uint8_t tcp_syncookies;
    uint32_t txq_limit;       /* host-built packets (UDP, ICMP, RST) queued; default 1024 */
    uint32_t max_sockets;     /* open sockets (incl. half-open and orphans); default 1 << 20 */
    uint32_t reasm_max_bytes; /* fragment bytes held for reassembly over all datagrams;
                                 0 = drop every fragment; default 256 KiB */
    l4_time reasm_timeout;    /* an incomplete datagram is discarded after; default 30 s */
    l4_tcp_settings tcp;      /* settings for every TCP connection (mss is set from mtu,
                                 isn_secret from the seed) */
} l4_host_config;

/** Drop and event counters, by cause. */
typedef struct l4_host_stats {
    uint64_t ip_in, ip_out;
    uint64_t ip_bad_header;         /* truncated / malformed / not IPv4 or IPv6 */
    uint64_t ip_bad_checksum;       /* IPv4 header checksum */
    uint64_t ip_bad_src;            /* impossible source address */
    uint64_t ip_not_for_us;         /* destination is none of our addresses */
    uint64_t ip_frags_in;           /* fragments received */
    uint64_t ip_frag_reassembled;   /* datagrams completed */
    uint64_t ip_frag_dropped;       /* fragments refused: reassembly off, malformed, too big,
                                       IPv6 with other extension headers, no memory */
    uint64_t ip_frag_overlap;       /* datagrams discarded: overlapping / inconsistent fragments */
    uint64_t ip_frag_evicted;       /* datagrams discarded to stay within the bounds */
    uint64_t ip_frag_timeout;       /* datagrams discarded incomplete after reasm_timeout */
    uint64_t ip_unknown_proto;      /* not TCP, UDP or ICMP */
    uint64_t tcp_in, tcp_bad;       /* segments; segments failing parse or checksum */
    uint64_t tcp_no_socket;         /* segments for no connection or listener */
    uint64_t tcp_rst_sent;          /* RSTs the host built (closed port, ACK to a listener) */
    uint64_t tcp_listen_drop;       /* non-SYN, non-ACK segments to a listener */
    uint64_t tcp_syn_queue_full;    /* SYNs dropped: SYN queue at its backlog */
    uint64_t tcp_accept_queue_full; /* SYNs dropped: accept queue at its backlog */
    uint64_t tcp_syn_recycled;      /* half-open connections reset by tcp_syn_recycle */
    uint64_t tcp_syncookies_sent;   /* SYNs answered with a cookie SYN-ACK */
    uint64_t tcp_syncookies_ok;     /* connections created from a valid cookie ACK */
    uint64_t tcp_syncookies_failed; /* ACKs to a listener whose cookie did not verify or was
                                       stale (answered with a RST) */
    uint64_t tcp_conns_opened, tcp_conns_closed;
    uint64_t tcp_tw_reused;   /* TIME_WAIT connections replaced by connect() */
    uint64_t udp_in, udp_bad; /* datagrams; datagrams failing parse or checksum */
    uint64_t udp_no_port;     /* datagrams to a closed port */
    uint64_t udp_rcvq_drops;  /* datagrams refused by a full receive queue */
    uint64_t icmp_in, icmp_bad;
    uint64_t icmp_echo_replies;
    uint64_t icmp_unreach_sent;
    uint64_t icmp_rate_limited; /* errors not sent because of the token bucket */
    uint64_t icmp_errors_in;    /* destination unreachable messages received */
    uint64_t txq_drops;         /* host-built packets dropped: queue full */
    uint64_t nomem;             /* allocations that failed */
} l4_host_stats;

/** Fills `c` with the defaults documented in l4_host_config (seed 0). */
void l4_host_config_default(l4_host_config *c);

/**
 * Creates a host with a copy of `cfg` (NULL: defaults) and no addresses.
 * Errors: L4_ERR_INVALID_ARGUMENT (NULL ph, mtu < 1280 or > 65535,
 * ephemeral_min > ephemeral_max or ephemeral_min 0, max_sockets 0,
 * unknown congestion control), L4_ERR_NOMEM. Free with l4_host_del.
 */
int l4_host_new(l4_host **ph, const l4_host_config *cfg);

/** Frees the host, every socket and connection (nothing is sent). NULL ok. */
void l4_host_del(l4_host *h);

/**
 * Adds `addr` with prefix length `plen` on interface `ifindex` (>= 0; the
 * interface packets from this address leave by). Errors:
 * L4_ERR_INVALID_ARGUMENT (NULL, bad family, plen out of range, an
 * unspecified or multicast address, ifindex < 0), L4_ERR_STATE (already
 * present), L4_ERR_LIMIT (L4_HOST_MAX_ADDRS reached).
 */
int l4_host_add_addr(l4_host *h, int ifindex, const l4_addr *addr, int plen);

/** Nonzero when `a` is one of the host's addresses. */
int l4_host_has_addr(const l4_host *h, const l4_addr *a);

/**
 * Processes one received IP packet (`pkt` borrowed for the call) arriving on
 * `ifindex`. Every packet is either delivered or counted in a stats drop
 * counter. Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (NULL).
 */
int l4_host_input_if(l4_host *h, int ifindex, const uint8_t *pkt, size_t len, l4_time now);

/** l4_host_input_if on interface 0. */
int l4_host_input(l4_host *h, const uint8_t *pkt, size_t len, l4_time now);

/* l4_host_input_ex flags. */
/* The transport checksum (TCP, UDP) was verified already, or is left partial
   by a local sender that cannot corrupt it (a TUN device's NEEDS_CSUM /
   DATA_VALID, wire/vnet.h): do not verify it. */
#define L4_HOST_RX_CSUM_OK 0x1u

/**
 * l4_host_input_if with L4_HOST_RX_* `flags`. A TCP segment may be larger
 * than the MTU (a TSO/GRO super-packet of up to 64 KB). Errors as
 * l4_host_input_if.
 */
int l4_host_input_ex(l4_host *h, int ifindex, const uint8_t *pkt, size_t len, unsigned flags,
                     l4_time now);

/**
 * Writes the next IP packet to send into `buf` (owned by the caller; cap >=
 * the MTU always suffices) and the interface to send it on into `*ifindex`
 * (may be NULL). Host-built packets (UDP, ICMP, RST) come first, then TCP
 * segments. Returns its length, 0 when nothing is due now; call until 0.
 * Errors: L4_ERR_NOBUF (`cap` below the next packet: it stays queued),
 * L4_ERR_INVALID_ARGUMENT.
 */
l4_ssize l4_host_output_if(l4_host *h, int *ifindex, uint8_t *buf, size_t cap, l4_time now);

/**
 * l4_host_output_if that also reports, in `*gso_size` (may be NULL), the
 * payload bytes per wire segment when the packet is a TCP segment larger
 * than that (written because settings.tcp.tso_max > 1): a device doing TCP
 * segmentation offload cuts it into such pieces (wire/vnet.h). 0 for every
 * other packet. Then `cap` also bounds the segment: give 65535 to allow the
 * largest. Errors as l4_host_output_if.
 */
l4_ssize l4_host_output_gso(l4_host *h, int *ifindex, uint16_t *gso_size, uint8_t *buf, size_t cap,
                            l4_time now);

/** l4_host_output_if without the interface. */
l4_ssize l4_host_output(l4_host *h, uint8_t *buf, size_t cap, l4_time now);

/**
 * Nonzero when l4_host_output may have a packet now (host-built packets are
 * queued or a connection has been touched since it was last drained). An
 * event loop uses it after socket calls made outside host callbacks to know
 * whether to drain output; calling l4_host_output anyway is always correct.
 */
int l4_host_has_output(const l4_host *h);

/** The earliest deadline of any connection, or L4_TIME_NONE. */
l4_time l4_host_next_timeout(const l4_host *h);

/** Runs every connection timer due at `now`. Returns 0. */
int l4_host_handle_timeout(l4_host *h, l4_time now);

/** The host's counters (valid until l4_host_del). */
const l4_host_stats *l4_host_stats_get(const l4_host *h);

/** The configuration in use. */
const l4_host_config *l4_host_config_get(const l4_host *h);

/**
 * A description of any code the host or socket API returns: the L4_E*
 * errno-like codes of host/socket.h and the L4_ERR_* codes of util/err.h.
 * Never NULL.
 */
const char *l4_host_strerror(int err);

/**
 * The latest `now` any call gave the host (input, output, timeout, socket
 * calls). Socket callbacks use it as the current time.
 */
l4_time l4_host_now(const l4_host *h);

/** Number of open sockets (including half-open connections and orphans in TIME_WAIT). */
size_t l4_host_socket_count(const l4_host *h);

#endif
