/* io/tun_host.c — an l4_host over a TUN device in real time (see tun_host.h). */
#include "io/tun_host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/clock.h"

struct l4_tun_host {
    l4_loop *loop;
    l4_tun tun;
    l4_host *host;
    int timer;
    int registered;
    unsigned watching; /* L4_LOOP_* bits registered for the device */
    size_t cap;        /* bytes of rbuf and wbuf */
    uint8_t *rbuf;     /* one packet read */
    uint8_t *wbuf;     /* one packet to write */
    size_t pending;    /* bytes in wbuf refused by EAGAIN, 0 = none */
    size_t vhl;        /* L4_VNET_LEN with IFF_VNET_HDR, else 0 */
    unsigned offload;  /* L4_TUN_OFFLOAD_* in use */
    char note[200];    /* why offloads are off */
    l4_tun_host_stats stats;
};

#define TUN_HOST_OFFLOADS (L4_TUN_OFFLOAD_CSUM | L4_TUN_OFFLOAD_TSO4 | L4_TUN_OFFLOAD_TSO6)

static void tun_host_msg(char *errmsg, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void tun_host_msg(char *errmsg, size_t errcap, const char *fmt, ...)
{
    if (!errmsg || !errcap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, errcap, fmt, ap);
    va_end(ap);
}

static void tun_host_watch(l4_tun_host *th, unsigned events)
{
    if (th->watching == events)
        return;
    if (l4_loop_mod_fd(th->loop, th->tun.fd, events) == 0)
        th->watching = events;
}

/* Writes wbuf; 1 when it went (or was dropped for good), 0 on EAGAIN. */
static int tun_host_write(l4_tun_host *th, size_t len)
{
    l4_ssize n = l4_tun_write(&th->tun, th->wbuf, len);
    if (n == L4_ERR_AGAIN) {
        th->pending = len;
        th->stats.write_again++;
        return 0;
    }
    th->pending = 0;
    if (n < 0) {
        th->stats.write_dropped++;
        return 1;
    }
    th->stats.pkts_out++;
    th->stats.bytes_out += len;
    return 1;
}

static void tun_host_arm(l4_tun_host *th)
{
    l4_loop_timer_set(th->loop, th->timer, l4_host_next_timeout(th->host));
}

void l4_tun_host_flush(l4_tun_host *th)
{
    if (!th)
        return;
    l4_time now = l4_io_now();
    if (th->pending && !tun_host_write(th, th->pending)) {
        tun_host_watch(th, L4_LOOP_READ | L4_LOOP_WRITE);
        tun_host_arm(th);
        return;
    }
    for (;;) {
        uint16_t gso = 0;
        l4_ssize n =
            l4_host_output_gso(th->host, NULL, &gso, th->wbuf + th->vhl, th->cap - th->vhl, now);
        if (n <= 0)
            break;
        if (th->vhl) {
            /* TCP: the kernel finishes the checksum and, for a large
               segment, takes it as gso-byte segments; anything else goes
               complete, under an all-zero header. */
            l4_vnet_hdr vh;
            memset(&vh, 0, sizeof vh);
            if (l4_vnet_prepare_tcp(&vh, th->wbuf + th->vhl, (size_t)n, gso) != 0)
                memset(&vh, 0, sizeof vh);
            else if (vh.gso_type != L4_VNET_GSO_NONE)
                th->stats.gso_out++;
            l4_vnet_write(th->wbuf, &vh);
            n += (l4_ssize)th->vhl;
        }
        if (!tun_host_write(th, (size_t)n)) {
            tun_host_watch(th, L4_LOOP_READ | L4_LOOP_WRITE);
            tun_host_arm(th);
            return;
        }
    }
    tun_host_watch(th, L4_LOOP_READ);
    tun_host_arm(th);
}

static void tun_host_on_fd(void *user, int fd, unsigned events, l4_time now)
{
    (void)fd;
    l4_tun_host *th = user;
    if (events & (L4_LOOP_READ | L4_LOOP_ERROR)) {
        for (int i = 0; i < L4_TUN_HOST_BATCH; i++) {
            l4_ssize n = l4_tun_read(&th->tun, th->rbuf, th->cap);
            if (n == L4_ERR_AGAIN)
                break;
            if (n < 0) {
                th->stats.read_errors++;
                break;
            }
            th->stats.pkts_in++;
            th->stats.bytes_in += (uint64_t)n;
            unsigned flags = 0;
            if (th->vhl) {
                l4_vnet_hdr vh;
                if (l4_vnet_parse(&vh, th->rbuf, (size_t)n) < 0 ||
                    l4_vnet_check(&vh, th->rbuf + th->vhl, (size_t)n - th->vhl) != 0) {
                    th->stats.vnet_bad++;
                    continue;
                }
                /* Partial (from the local kernel) or verified: nothing to check. */
                if (vh.flags & (L4_VNET_F_NEEDS_CSUM | L4_VNET_F_DATA_VALID))
                    flags |= L4_HOST_RX_CSUM_OK;
                if (vh.gso_type != L4_VNET_GSO_NONE)
                    th->stats.gso_in++;
            }
            l4_host_input_ex(th->host, 0, th->rbuf + th->vhl, (size_t)n - th->vhl, flags, now);
        }
    }
    l4_tun_host_flush(th);
}

static void tun_host_on_timer(void *user, l4_time now)
{
    l4_tun_host *th = user;
    l4_host_handle_timeout(th->host, now);
    l4_tun_host_flush(th);
}

int l4_tun_host_open(l4_tun_host **out, l4_loop *loop, const l4_tun_host_config *cfg, char *errmsg,
                     size_t errcap)
{
    if (!out || !loop || !cfg || !cfg->tun_name || !cfg->tun_name[0]) {
        tun_host_msg(errmsg, errcap, "no TUN device name");
        return L4_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    if (cfg->addr.family != cfg->tun_addr.family) {
        tun_host_msg(errmsg, errcap, "the host address and the device address differ in family");
        return L4_ERR_INVALID_ARGUMENT;
    }
    if (l4_addr_eq(&cfg->addr, &cfg->tun_addr)) {
        tun_host_msg(errmsg, errcap, "the host address equals the kernel's address on the device");
        return L4_ERR_INVALID_ARGUMENT;
    }
    int mtu = cfg->mtu ? cfg->mtu : 1500;
    l4_tun_host *th = calloc(1, sizeof *th);
    if (!th) {
        tun_host_msg(errmsg, errcap, "out of memory");
        return L4_ERR_NOMEM;
    }
    th->loop = loop;
    th->timer = -1;
    l4_tun_init(&th->tun);

    l4_tun_config tc;
    memset(&tc, 0, sizeof tc);
    tc.name = cfg->tun_name;
    tc.netns = cfg->netns;
    tc.has_addr = 1;
    tc.addr = cfg->tun_addr;
    tc.prefix = cfg->tun_prefix;
    tc.mtu = mtu;
    tc.up = 1;
    int rc = L4_ERR_IO;
    if (cfg->offload) {
        tc.vnet_hdr = 1;
        tc.offload = TUN_HOST_OFFLOADS;
        rc = l4_tun_create(&th->tun, &tc);
        if (rc == 0) {
            th->offload = TUN_HOST_OFFLOADS;
            th->vhl = L4_VNET_LEN;
        } else if (rc == L4_ERR_IO) {
            /* Refused (TUNSETIFF with IFF_VNET_HDR, TUNSETOFFLOAD): plain packets. */
            snprintf(th->note, sizeof th->note, "offloads refused: %s", th->tun.errmsg);
            tc.vnet_hdr = 0;
            tc.offload = 0;
        }
    }
    if (!th->offload && (rc == L4_ERR_IO || !cfg->offload))
        rc = l4_tun_create(&th->tun, &tc);
    if (rc < 0) {
        tun_host_msg(errmsg, errcap, "%s", th->tun.errmsg[0] ? th->tun.errmsg : "TUN failed");
        goto fail;
    }

    /* Room for a 64 KB super-packet with its header, or one MTU. */
    th->cap = th->vhl ? L4_VNET_LEN + 65536 + 64 : (size_t)mtu + 64;
    th->rbuf = malloc(th->cap);
    th->wbuf = malloc(th->cap);
    if (!th->rbuf || !th->wbuf) {
        rc = L4_ERR_NOMEM;
        tun_host_msg(errmsg, errcap, "out of memory");
        goto fail;
    }

    l4_host_config hc;
    if (cfg->host)
        hc = *cfg->host;
    else
        l4_host_config_default(&hc);
    hc.mtu = (uint32_t)mtu;
    if ((th->offload & (L4_TUN_OFFLOAD_TSO4 | L4_TUN_OFFLOAD_TSO6)) && hc.tcp.tso_max <= 1)
        hc.tcp.tso_max = 64; /* bounded to a 64 KB packet by the output buffer */
    rc = l4_host_new(&th->host, &hc);
    if (rc < 0) {
        tun_host_msg(errmsg, errcap, "host: %s", l4_host_strerror(rc));
        goto fail;
    }
    rc = l4_host_add_addr(th->host, 0, &cfg->addr, cfg->tun_prefix);
    if (rc < 0) {
        tun_host_msg(errmsg, errcap, "host address: %s", l4_host_strerror(rc));
        goto fail;
    }
    rc = l4_loop_add_fd(loop, th->tun.fd, L4_LOOP_READ, tun_host_on_fd, th);
    if (rc < 0) {
        tun_host_msg(errmsg, errcap, "event loop: cannot watch the device");
        goto fail;
    }
    th->registered = 1;
    th->watching = L4_LOOP_READ;
    rc = l4_loop_timer_add(loop, tun_host_on_timer, th);
    if (rc < 0) {
        tun_host_msg(errmsg, errcap, "event loop: no timer left");
        goto fail;
    }
    th->timer = rc;
    *out = th;
    return 0;
fail:
    l4_tun_host_close(th);
    return rc;
}

l4_host *l4_tun_host_host(l4_tun_host *th)
{
    return th->host;
}

const l4_tun *l4_tun_host_tun(const l4_tun_host *th)
{
    return &th->tun;
}

l4_loop *l4_tun_host_loop(l4_tun_host *th)
{
    return th->loop;
}

l4_time l4_tun_host_now(const l4_tun_host *th)
{
    (void)th;
    return l4_io_now();
}

unsigned l4_tun_host_offloads(const l4_tun_host *th)
{
    return th->offload;
}

const char *l4_tun_host_offload_note(const l4_tun_host *th)
{
    return th->note;
}

const l4_tun_host_stats *l4_tun_host_stats_get(const l4_tun_host *th)
{
    return &th->stats;
}

void l4_tun_host_close(l4_tun_host *th)
{
    if (!th)
        return;
    if (th->registered)
        l4_loop_remove_fd(th->loop, th->tun.fd);
    if (th->timer >= 0)
        l4_loop_timer_remove(th->loop, th->timer);
    l4_host_del(th->host);
    l4_tun_close(&th->tun);
    free(th->rbuf);
    free(th->wbuf);
    free(th);
}
