/*
 * host/sim_node.h — an l4_host as a node of the emulator (sim/sim.h): the
 * simulator feeds it packets, drains its output and runs its timers in
 * virtual time. Interface numbers are the host's ifindex values.
 */
#ifndef L4_HOST_SIM_NODE_H
#define L4_HOST_SIM_NODE_H

#include "host/host.h"
#include "sim/sim.h"

/** The node operations; their `user` argument is the l4_host *. */
const l4_sim_node_ops *l4_host_sim_ops(void);

/**
 * Adds host `h` (not owned; it must outlive the simulation's use of it) to
 * `sim` as a node. Returns the node id, or the errors of l4_sim_add_node.
 * After calling socket functions from outside a callback, call
 * l4_sim_wake(sim, node) so the simulator drains what they queued.
 */
int l4_host_sim_add(l4_sim *sim, l4_host *h);

#endif
