/* tools/l4kit/main.c — `l4kit <subcommand>`: dispatch to the cmd_*.c files. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const l4_cmd l4_cmds[] = {
    {"help", "list the subcommands", cmd_help},
    {"demo", "a guided run: TCP handshake, losses and teardown, then UDP, in the emulator",
     cmd_demo},
    {"sim", "one scenario in the emulator: TCP or UDP flows over an impaired link", cmd_sim},
    {"compare", "the same transfer over TCP, UDP and QUIC in the emulator, side by side",
     cmd_compare},
    {"plot", "line plots of CSV columns as SVG (the experiments' figures)", cmd_plot},
    {"ports", "port number ranges and service names", cmd_ports},
    {"dissect", "decode the packets of a pcap capture", cmd_dissect},
    {"netem", "real-time emulated link between two TUN devices (kernel traffic)", cmd_netem},
    {"tcp-echo-server", "TCP echo server on the l4kit stack through TUN", cmd_tcp_echo_server},
    {"tcp-echo-client", "TCP echo client on the l4kit stack through TUN", cmd_tcp_echo_client},
    {"udp-echo-server", "UDP echo server on the l4kit stack through TUN", cmd_udp_echo_server},
    {"udp-echo-client", "UDP echo client on the l4kit stack through TUN", cmd_udp_echo_client},
    {"iperf3-server", "server for the kernel's iperf3 client on the l4kit stack through TUN",
     cmd_iperf3_server},
    {"quic-server", "HTTP/3 file server on l4kit's QUIC (UDP socket)", cmd_quic_server},
    {"quic-get", "HTTP/3 client on l4kit's QUIC: parallel streams, timings", cmd_quic_get},
    {"ss", "sockets of the running l4kit stacks, like ss -tan", cmd_ss},
    {NULL, NULL, NULL},
};

int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("l4kit %s — the transport layer (TCP, UDP, QUIC) in user space\n\n", L4_VERSION);
    printf("usage: l4kit <subcommand> [options]   (every subcommand takes --help)\n\n");
    for (const l4_cmd *c = l4_cmds; c->name; c++)
        printf("  %-18s %s\n", c->name, c->summary);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cmd_help(0, NULL);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        return cmd_help(0, NULL);
    if (!strcmp(name, "--version")) {
        printf("l4kit %s\n", L4_VERSION);
        return 0;
    }
    for (const l4_cmd *c = l4_cmds; c->name; c++)
        if (!strcmp(c->name, name))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "l4kit: unknown subcommand '%s' (try 'l4kit help')\n", name);
    return 2;
}
