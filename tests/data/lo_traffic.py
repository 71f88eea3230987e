#!/usr/bin/env python3
"""Makes a little loopback traffic for tests/data/make_captures.sh.

On 127.0.0.1 and on ::1: one TCP connection to port 5555 (handshake, a few
bytes each way, close), one UDP datagram to port 5556 (with a listener) and
one to port 5557 (without, so the kernel answers ICMP port unreachable).
Only the loopback addresses are used.
"""
import socket
import threading
import time


def tcp_exchange(family, addr):
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, 5555))
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        data = conn.recv(100)
        conn.sendall(b"hello from server: " + data)
        conn.recv(100)  # wait for the client's FIN
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    cli = socket.socket(family, socket.SOCK_STREAM)
    cli.connect((addr, 5555))
    cli.sendall(b"ping\n")
    cli.recv(100)
    time.sleep(0.05)
    cli.shutdown(socket.SHUT_WR)
    t.join()
    cli.close()
    srv.close()


def udp_exchange(family, addr):
    rx = socket.socket(family, socket.SOCK_DGRAM)
    rx.bind((addr, 5556))
    tx = socket.socket(family, socket.SOCK_DGRAM)
    tx.sendto(b"one udp datagram", (addr, 5556))
    rx.recvfrom(100)
    tx.sendto(b"nobody listens", (addr, 5557))
    time.sleep(0.05)
    tx.close()
    rx.close()


for fam, a in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    tcp_exchange(fam, a)
    udp_exchange(fam, a)
    time.sleep(0.05)
