/*
 * bench/kernel_tun_pps_bench.c — the TUN packet-rate ceiling: how many
 * 1500-byte packets per second one thread can push through a TUN device
 * into the kernel and read back out, with no protocol work at all.
 *
 *   kernel_tun_pps_bench [--seconds S] [--size BYTES] [--json]
 *
 * Run it as root inside a scratch network namespace with IPv4 forwarding on
 * (bench/kernel_bench.sh does): it creates TUN device "l4pps" with
 * 10.232.8.1/24 and writes UDP packets from 10.232.8.2 to 10.232.8.3; the
 * kernel forwards each one back out of the same device, where it is read.
 * Written and read packets per second are reported (each read packet
 * crossed the device twice). This bounds what any stack driving a plain TUN
 * device (no virtio-net offloads) can reach: one packet per write/read call.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/clock.h"
#include "io/tun.h"
#include "util/bytes.h"
#include "wire/cksum.h"

int main(int argc, char **argv)
{
    double seconds = 2.0;
    size_t size = 1500;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc)
            size = (size_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json"))
            json = 1;
        else {
            fprintf(stderr, "usage: kernel_tun_pps_bench [--seconds S] [--size BYTES] [--json]\n");
            return 2;
        }
    }
    if (size < 28 || size > 1500 || !(seconds > 0)) {
        fprintf(stderr, "kernel_tun_pps_bench: --size 28..1500, --seconds > 0\n");
        return 2;
    }
    l4_tun tun;
    l4_tun_init(&tun);
    l4_tun_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.name = "l4pps";
    cfg.has_addr = 1;
    l4_tun_parse_cidr("10.232.8.1/24", &cfg.addr, &cfg.prefix);
    cfg.up = 1;
    if (l4_tun_create(&tun, &cfg) < 0) {
        fprintf(stderr, "kernel_tun_pps_bench: %s\n", tun.errmsg);
        return 1;
    }
    /* One IPv4/UDP packet of `size` bytes, 10.232.8.2 -> 10.232.8.3. */
    uint8_t pkt[1500], rbuf[2048];
    memset(pkt, 0, sizeof pkt);
    pkt[0] = 0x45;
    l4_put_u16(pkt + 2, (uint16_t)size);
    pkt[6] = 0x40; /* DF */
    pkt[8] = 64;
    pkt[9] = 17;
    const uint8_t src[4] = {10, 232, 8, 2}, dst[4] = {10, 232, 8, 3};
    memcpy(pkt + 12, src, 4);
    memcpy(pkt + 16, dst, 4);
    l4_put_u16(pkt + 10, l4_cksum(pkt, 20));
    l4_put_u16(pkt + 20, 40000);
    l4_put_u16(pkt + 22, 9);
    l4_put_u16(pkt + 24, (uint16_t)(size - 20));
    /* UDP checksum 0: none (RFC 768, IPv4) */

    uint64_t written = 0, read_back = 0, again = 0;
    l4_time start = l4_io_now(), end = start + (l4_time)(seconds * 1e9), now = start;
    while (now < end) {
        for (int k = 0; k < 32; k++) {
            l4_ssize w = l4_tun_write(&tun, pkt, size);
            if (w == (l4_ssize)size)
                written++;
            else
                again++;
        }
        for (;;) {
            l4_ssize r = l4_tun_read(&tun, rbuf, sizeof rbuf);
            if (r <= 0)
                break;
            read_back++;
        }
        now = l4_io_now();
    }
    double secs = (double)(now - start) / 1e9;
    double wpps = (double)written / secs, rpps = (double)read_back / secs;
    if (json)
        printf("{\"size\":%zu,\"seconds\":%.3f,\"written_pps\":%.0f,\"read_pps\":%.0f,"
               "\"write_failures\":%" PRIu64 ",\"written_mbps\":%.1f}\n",
               size, secs, wpps, rpps, again, wpps * (double)size * 8 / 1e6);
    else
        printf("TUN ceiling (%zu-byte packets): %.0f written/s, %.0f read back/s (%.0f Mbit/s "
               "written), %" PRIu64 " write failures\n",
               size, wpps, rpps, wpps * (double)size * 8 / 1e6, again);
    l4_tun_close(&tun);
    return 0;
}
