/*
 * io/tun.h — the Linux TUN driver: a layer-3 virtual interface whose packets
 * are read and written by this process as plain IPv4/IPv6 datagrams
 * (IFF_TUN | IFF_NO_PI: no packet-information prefix, no Ethernet header).
 *
 * A device is created (or, when a persistent one of that name exists,
 * attached) by opening /dev/net/tun and TUNSETIFF; it disappears when the
 * last descriptor closes unless made persistent elsewhere. The descriptor is
 * non-blocking: one read returns one packet, one write injects one packet
 * into the kernel's IP stack as if it had arrived on the interface.
 *
 * Network namespaces: a TUN device belongs to the namespace of the thread
 * that created it, and stays there. l4_tun_create can enter a named
 * namespace (`ip netns add NAME`, i.e. /var/run/netns/NAME) to create and
 * configure the device, then returns the calling thread to its namespace;
 * the descriptor keeps working from there.
 *
 * Errors: every failing call returns a negative L4_ERR_* (L4_ERR_IO for
 * system-call failures), leaves errno as the failing call set it, copies it
 * into `sys_errno` and writes a one-line reason into `errmsg`, e.g.
 * "TUNSETIFF 'l4a': Operation not permitted".
 *
 * Needs CAP_NET_ADMIN (and CAP_SYS_ADMIN to enter a namespace).
 */
#ifndef L4_IO_TUN_H
#define L4_IO_TUN_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/addr.h"
#include "wire/vnet.h"

/** Longest interface name, NUL included (the kernel's IFNAMSIZ). */
#define L4_TUN_NAMESIZ 16

/** A TUN device opened by this process. */
typedef struct l4_tun {
    int fd;                    /* the non-blocking device descriptor; -1 when closed */
    char name[L4_TUN_NAMESIZ]; /* the interface name the kernel gave */
    int mtu;                   /* the device MTU read back after setup */
    int vnet_hdr;              /* nonzero: every packet carries a virtio-net header */
    int sys_errno;             /* errno of the last failure, 0 if none */
    char errmsg[160];          /* one-line reason of the last failure, "" if none */
} l4_tun;

/** What l4_tun_create sets up. Zero-initialise, then fill what you need. */
typedef struct l4_tun_config {
    const char *name;  /* interface name ("l4a"); NULL or "" lets the kernel pick "tunN" */
    const char *netns; /* network namespace name (/var/run/netns/NAME) or a path
                          containing '/'; NULL or "" = the caller's namespace */
    int has_addr;      /* nonzero: assign addr/prefix */
    l4_addr addr;      /* the kernel's address on the device (IPv4 or IPv6) */
    int prefix;        /* prefix length: 0..32 (IPv4) or 0..128 (IPv6) */
    int mtu;           /* 0 = leave the default (1500) */
    int up;            /* nonzero: bring the interface up (IFF_UP) */
    int vnet_hdr;      /* nonzero: IFF_VNET_HDR, see "virtio-net headers" below */
    unsigned offload;  /* L4_TUN_OFFLOAD_* bits (TUNSETOFFLOAD); needs vnet_hdr */
} l4_tun_config;

/*
 * virtio-net headers (IFF_VNET_HDR). With cfg->vnet_hdr every packet read
 * starts with an L4_VNET_LEN-byte header (wire/vnet.h), and every packet
 * written must start with one (all zeros = an ordinary, complete packet).
 * With offloads (cfg->offload, TUNSETOFFLOAD) the kernel may hand over work
 * unfinished, described by the header: L4_TUN_OFFLOAD_CSUM — a transport
 * checksum left partial; TSO4 / TSO6 — one TCP "super-packet" of up to
 * 64 KB standing for gso_size-byte segments. The same header on a write
 * lets the kernel finish the work instead, so one write can carry a 64 KB
 * segment. Byte order little-endian (TUNSETVNETLE), as virtio 1.0 says.
 */
#define L4_TUN_OFFLOAD_CSUM    0x01u /* TUN_F_CSUM */
#define L4_TUN_OFFLOAD_TSO4    0x02u /* TUN_F_TSO4 */
#define L4_TUN_OFFLOAD_TSO6    0x04u /* TUN_F_TSO6 */
#define L4_TUN_OFFLOAD_TSO_ECN 0x08u /* TUN_F_TSO_ECN */

/** Sets t->fd = -1 and clears the name and error fields. */
void l4_tun_init(l4_tun *t);

/**
 * Creates or attaches the TUN device described by `cfg`: enters cfg->netns
 * when given, opens /dev/net/tun (IFF_TUN | IFF_NO_PI, O_NONBLOCK |
 * O_CLOEXEC), then sets the MTU, the address and IFF_UP as asked, and returns
 * to the caller's namespace (also on failure). On success t->fd is open and
 * t->name the device name and t->mtu its MTU; on failure nothing stays open.
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (name too long, prefix out of
 * range, bad address family, mtu < 68, offload without vnet_hdr, unknown
 * offload bits), L4_ERR_NOT_FOUND (no such
 * namespace), L4_ERR_IO (any system call failed: no /dev/net/tun, no
 * permission, setns, an ioctl; see t->errmsg / t->sys_errno).
 */
int l4_tun_create(l4_tun *t, const l4_tun_config *cfg);

/**
 * Reads one packet into `buf` (`cap` bytes; a packet longer than cap is
 * truncated by the kernel, so give at least the MTU, plus L4_VNET_LEN
 * with vnet_hdr, and 65536 + L4_VNET_LEN with TSO). Never blocks.
 * Returns the packet length (> 0). Errors: L4_ERR_AGAIN (no packet
 * waiting), L4_ERR_IO (the read failed), L4_ERR_STATE (t not open).
 */
l4_ssize l4_tun_read(l4_tun *t, uint8_t *buf, size_t cap);

/**
 * Writes the IP packet `pkt` (`len` bytes, not kept; with vnet_hdr it starts
 * with the header) into the device: the kernel receives it on the
 * interface. Never blocks.
 * Returns len. Errors: L4_ERR_AGAIN (the kernel cannot take it now),
 * L4_ERR_IO (rejected, e.g. EINVAL for a packet that is not IPv4/IPv6 or
 * longer than the kernel accepts), L4_ERR_STATE (t not open).
 */
l4_ssize l4_tun_write(l4_tun *t, const uint8_t *pkt, size_t len);

/** Closes the descriptor (the device goes away unless persistent). Safe on a closed t. */
void l4_tun_close(l4_tun *t);

/**
 * Parses "ADDR/PREFIX" ("10.231.1.1/24", "fd00::1/64"). A missing "/PREFIX"
 * means a host prefix (32 or 128). Returns 0, or L4_ERR_MALFORMED.
 */
int l4_tun_parse_cidr(const char *text, l4_addr *addr, int *prefix);

#endif
