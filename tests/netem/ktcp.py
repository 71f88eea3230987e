"""tests/netem/ktcp.py — the kernel TCP sockets of the bulk-transfer helpers
(tests/netem/tcp_xfer.py, bench/cc_kernel_flow.py): one accepted
connection on the receiving side, a connection with a chosen congestion
control on the sending side."""
import socket


def accept_one(addr, port, ready, timeout):
    """Listens on addr:port (IPv4), writes "ready" to the file `ready` once
    it does, waits up to 30 s for one connection and returns it with
    `timeout` seconds for each later call."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    open(ready, "w").write("ready\n")
    ls.settimeout(30)
    c, _ = ls.accept()
    c.settimeout(timeout)
    return c


def connect_cc(addr, port, cc):
    """Connects to addr:port (IPv4, 60 s timeout) with the congestion
    control `cc` (TCP_CONGESTION, set before the handshake); returns the
    socket and the algorithm the kernel actually took."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
    used = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
    s.settimeout(60)
    s.connect((addr, port))
    return s, used
