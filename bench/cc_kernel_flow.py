#!/usr/bin/env python3
"""bench/cc_kernel_flow.py — one kernel TCP bulk flow for bench/cc_experiments.sh.

  cc_kernel_flow.py recv ADDR PORT READYFILE SECONDS
      accept one connection, read to EOF; print JSON: the bytes received in
      the first SECONDS after the first byte, and the goodput over them
  cc_kernel_flow.py send ADDR PORT SECONDS CC
      set the congestion control (TCP_CONGESTION), connect, send for SECONDS,
      sampling TCP_INFO every 20 ms; print JSON: the algorithm the kernel
      used, the smoothed RTT samples (mean / p50 / p99 / max, ms), the
      minimum RTT and the retransmitted segments

The RTT is the kernel's own tcpi_rtt (microseconds), read from struct
tcp_info (include/uapi/linux/tcp.h): after eight 1-byte fields come 24
32-bit fields (rto, ato, snd_mss, ..., rtt at index 15, ..., total_retrans at
23), four 64-bit counters, then segs_out, segs_in, notsent_bytes, min_rtt.
"""
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "netem"))
from ktcp import accept_one, connect_cc  # noqa: E402 (the shared kernel sockets)

TCP_INFO_LEN = 232


def tcp_info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_LEN)
    u32 = struct.unpack_from("24I", raw, 8)
    min_rtt = struct.unpack_from("I", raw, 148)[0] if len(raw) >= 152 else 0
    return {"rtt_us": u32[15], "cwnd": u32[18], "total_retrans": u32[23], "min_rtt_us": min_rtt}


def quantile(xs, p):
    if not xs:
        return None
    s = sorted(xs)
    k = min(len(s) - 1, max(0, int(p * len(s) + 0.999999) - 1))
    return s[k]


def recv(addr, port, ready, seconds):
    c = accept_one(addr, port, ready, 120)
    total = in_window = 0
    first = None
    buf = bytearray(1 << 18)
    while True:
        n = c.recv_into(buf)
        if not n:
            break
        now = time.monotonic()
        if first is None:
            first = now
        total += n
        if now - first <= seconds:
            in_window += n
    c.close()
    print(json.dumps({"bytes": total, "bytes_in_window": in_window, "seconds": seconds,
                      "goodput_mbps": in_window * 8 / seconds / 1e6}))


def send(addr, port, seconds, cc):
    s, used = connect_cc(addr, port, cc)
    samples = []
    stop = threading.Event()

    def sampler():
        while not stop.wait(0.02):
            try:
                samples.append(tcp_info(s))
            except OSError:
                return

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    chunk = bytes(1 << 16)
    end = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < end:
        sent += s.send(chunk)
    stop.set()
    th.join()
    last = tcp_info(s)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(120)
    s.recv(1)  # the receiver's close: everything arrived
    s.close()
    rtt = [x["rtt_us"] / 1000 for x in samples if x["rtt_us"]]
    print(json.dumps({
        "cc": used, "bytes": sent, "samples": len(rtt),
        "rtt_ms": {"mean": sum(rtt) / len(rtt) if rtt else None, "p50": quantile(rtt, 0.5),
                   "p99": quantile(rtt, 0.99), "max": max(rtt) if rtt else None},
        "min_rtt_ms": last["min_rtt_us"] / 1000, "retransmits": last["total_retrans"]}))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    elif len(sys.argv) == 6 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("usage: cc_kernel_flow.py recv ADDR PORT READYFILE SECONDS | "
                 "send ADDR PORT SECONDS CC")
