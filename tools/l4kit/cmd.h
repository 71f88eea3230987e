/*
 * tools/l4kit/cmd.h — the subcommands of the l4kit command line.
 *
 * Each subcommand lives in its own cmd_<name>.c and is listed once in the
 * table in main.c. A subcommand gets argv with argv[0] = its own name,
 * returns the process exit status (0 success, 1 failure at run time, 2 bad
 * usage), prints results on stdout and one-line reasons on stderr
 * ("l4kit ports: 70000 is not a port number (0-65535)").
 */
#ifndef L4_TOOLS_CMD_H
#define L4_TOOLS_CMD_H

typedef struct l4_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} l4_cmd;

/** The table of subcommands, terminated by an entry with name NULL. */
extern const l4_cmd l4_cmds[];

int cmd_help(int argc, char **argv);
int cmd_ports(int argc, char **argv);
int cmd_dissect(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_netem(int argc, char **argv);
int cmd_tcp_echo_server(int argc, char **argv);
int cmd_tcp_echo_client(int argc, char **argv);
int cmd_udp_echo_server(int argc, char **argv);
int cmd_udp_echo_client(int argc, char **argv);
int cmd_ss(int argc, char **argv);
int cmd_iperf3_server(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_quic_server(int argc, char **argv);
int cmd_quic_get(int argc, char **argv);

#endif
