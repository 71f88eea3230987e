#!/usr/bin/env python3
"""tests/h3/udp_delay.py TARGET_PORT DELAY_MS — a UDP relay on 127.0.0.1 that
holds every datagram DELAY_MS milliseconds each way, so loopback tests see a
round-trip time of 2 x DELAY_MS (the kernel's netem is not always there).
Prints the port clients should use on its first line, then runs until killed.
Each client address gets its own upstream socket, so the server sees one
address per client."""
import heapq
import select
import socket
import sys
import time

target = ("127.0.0.1", int(sys.argv[1]))
delay = float(sys.argv[2]) / 1000.0
front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
front.bind(("127.0.0.1", 0))
print(front.getsockname()[1], flush=True)
up = {}      # client address -> upstream socket
down = {}    # upstream socket -> client address
queue = []   # (due, seq, socket, data, address)
seq = 0
while True:
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, s, data, addr = heapq.heappop(queue)
        try:
            s.sendto(data, addr)
        except OSError:
            pass
    wait = max(0.0, queue[0][0] - now) if queue else 1.0
    ready, _, _ = select.select([front] + list(down), [], [], wait)
    for s in ready:
        try:
            data, addr = s.recvfrom(65536)
        except OSError:
            continue
        seq += 1
        due = time.monotonic() + delay
        if s is front:
            u = up.get(addr)
            if u is None:
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.bind(("127.0.0.1", 0))
                up[addr], down[u] = u, addr
            heapq.heappush(queue, (due, seq, u, data, target))
        else:
            heapq.heappush(queue, (due, seq, front, data, down[s]))
