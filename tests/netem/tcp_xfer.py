#!/usr/bin/env python3
"""tests/netem/tcp_xfer.py — a kernel TCP bulk transfer for the netem tests.

  tcp_xfer.py recv ADDR PORT READYFILE   accept one connection, read to EOF, print JSON
  tcp_xfer.py send ADDR PORT NBYTES CC   connect, send NBYTES of a seeded pattern, print JSON

The receiver reports the byte count, the SHA-256 of what arrived, the time
from the first to the last byte and the bytes received in each 250 ms bin
after the first byte. The sender reports the SHA-256 of what it sent and
the congestion control the kernel actually used for the socket.
"""
import hashlib
import json
import random
import socket
import sys
import time

from ktcp import accept_one, connect_cc

BIN = 0.25


def recv(addr, port, ready):
    c = accept_one(addr, port, ready, 60)
    h = hashlib.sha256()
    total = 0
    first = last = None
    bins = []
    while True:
        data = c.recv(1 << 16)
        if not data:
            break
        now = time.monotonic()
        if first is None:
            first = now
        last = now
        i = int((now - first) / BIN)
        while len(bins) <= i:
            bins.append(0)
        bins[i] += len(data)
        h.update(data)
        total += len(data)
    c.close()
    print(json.dumps({"bytes": total, "sha256": h.hexdigest(),
                      "seconds": (last - first) if first else 0.0,
                      "bin_seconds": BIN, "bins": bins}))


def send(addr, port, nbytes, cc):
    s, used = connect_cc(addr, port, cc)
    rng = random.Random(20261125)
    h = hashlib.sha256()
    left = nbytes
    while left:
        chunk = rng.randbytes(min(left, 1 << 16))
        s.sendall(chunk)
        h.update(chunk)
        left -= len(chunk)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)  # wait for the receiver's close: everything arrived
    s.close()
    print(json.dumps({"bytes": nbytes, "sha256": h.hexdigest(), "cc": used}))


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("usage: tcp_xfer.py recv ADDR PORT READYFILE | send ADDR PORT NBYTES CC")
