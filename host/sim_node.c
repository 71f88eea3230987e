/* host/sim_node.c — the l4_sim_node_ops of a host. */
#include "host/sim_node.h"

static void host_sim_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    l4_host_input_if(user, ifindex, pkt, len, now);
}

static l4_ssize host_sim_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    return l4_host_output_if(user, ifindex, buf, cap, now);
}

static l4_time host_sim_next_timeout(void *user)
{
    return l4_host_next_timeout(user);
}

static void host_sim_handle_timeout(void *user, l4_time now)
{
    l4_host_handle_timeout(user, now);
}

static const l4_sim_node_ops host_sim_ops = {
    .input = host_sim_input,
    .output = host_sim_output,
    .next_timeout = host_sim_next_timeout,
    .handle_timeout = host_sim_handle_timeout,
};

const l4_sim_node_ops *l4_host_sim_ops(void)
{
    return &host_sim_ops;
}

int l4_host_sim_add(l4_sim *sim, l4_host *h)
{
    return l4_sim_add_node(sim, &host_sim_ops, h);
}
