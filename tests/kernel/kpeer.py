#!/usr/bin/env python3
"""tests/kernel/kpeer.py — the kernel's side of the kernel tests: ordinary
Linux sockets talking to the l4kit stack through TUN. Prints one JSON object.

  kpeer.py send HOST PORT NBYTES [--echo]      connect, send NBYTES (seeded), shut down
                                               the sending side, read to EOF
  kpeer.py serve HOST PORT [--send N] [--echo] accept one connection; send N bytes and
                                               shut down, or echo; read to EOF
  kpeer.py refused HOST PORT                   connect must fail with ECONNREFUSED
  kpeer.py udp-serve HOST PORT                 echo datagrams until killed
  kpeer.py udp-send HOST PORT                  datagrams of several sizes, echoes checked
  kpeer.py udp-refused HOST PORT               connected UDP socket must see ECONNREFUSED
  kpeer.py states HOST_ECHO PORT HOST_SOURCE PORT
                                               kernel ss vs l4kit ss through teardown
  kpeer.py synflood DST PORT SRCNET SECS RATE  spoofed SYNs from SRCNET.x (raw socket)
  kpeer.py many HOST PORT N BYTES               N clients at once, each echoes BYTES
  kpeer.py connrate HOST PORT SECONDS          connect + 1-byte echo + close, repeatedly
Options: --ready FILE (written once listening), --seed N.
"""
import errno
import hashlib
import json
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time

CHUNK = 1 << 20


def opt(name, default=None):
    if name in sys.argv:
        i = sys.argv.index(name)
        v = sys.argv[i + 1]
        del sys.argv[i:i + 2]
        return v
    return default


def flag(name):
    if name in sys.argv:
        sys.argv.remove(name)
        return True
    return False


READY = opt("--ready")
SEED = int(opt("--seed", "1"))


def ready():
    if READY:
        with open(READY, "w") as f:
            f.write("ready\n")


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def gen(nbytes):
    r = random.Random(SEED)
    left = nbytes
    while left:
        n = min(CHUNK, left)
        yield r.randbytes(n)
        left -= n


def reader(sock, out):
    h = hashlib.sha256()
    n = 0
    while True:
        d = sock.recv(1 << 16)
        if not d:
            break
        h.update(d)
        n += len(d)
    out["bytes_received"] = n
    out["sha256_received"] = h.hexdigest()
    out["t_eof"] = time.monotonic()


def send(host, port, nbytes):
    echo = flag("--echo")
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(float(opt("--connect-timeout", "60")))
    t0 = time.monotonic()
    try:
        s.connect((host, port))
    except OSError as e:
        print(json.dumps({"connected": False, "error": str(e),
                          "seconds": time.monotonic() - t0}))
        return 3
    s.settimeout(60)
    t1 = time.monotonic()
    res = {}
    th = threading.Thread(target=reader, args=(s, res))
    th.start()
    h = hashlib.sha256()
    for d in gen(nbytes):
        h.update(d)
        s.sendall(d)
    t2 = time.monotonic()
    s.shutdown(socket.SHUT_WR)
    th.join()
    s.close()
    out = {"connected": True, "bytes_sent": nbytes, "sha256_sent": h.hexdigest(),
           "bytes_received": res.get("bytes_received", -1),
           "sha256_received": res.get("sha256_received", ""),
           "connect_ms": (t1 - t0) * 1e3, "send_seconds": t2 - t1,
           "seconds": res.get("t_eof", t2) - t1}
    if echo:
        out["echo_ok"] = out["sha256_received"] == out["sha256_sent"] and \
            out["bytes_received"] == nbytes
    print(json.dumps(out))
    return 0 if not echo or out["echo_ok"] else 1


def serve(host, port):
    nsend = int(opt("--send", "0"))
    echo = flag("--echo")
    ls = socket.socket(family(host), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # the wildcard: HOST appears only once the l4kit client brings up its device
    ls.bind(("::" if ":" in host else "0.0.0.0", port))
    ls.listen(8)
    ready()
    ls.settimeout(60)
    c, peer = ls.accept()
    c.settimeout(60)
    t1 = time.monotonic()
    out = {"peer": "%s:%d" % peer[:2]}
    if echo:
        h = hashlib.sha256()
        n = 0
        while True:
            d = c.recv(1 << 16)
            if not d:
                break
            c.sendall(d)
            h.update(d)
            n += len(d)
        c.shutdown(socket.SHUT_WR)
        out.update(bytes_received=n, sha256_received=h.hexdigest())
    else:
        res = {}
        th = threading.Thread(target=reader, args=(c, res))
        th.start()
        h = hashlib.sha256()
        for d in gen(nsend):
            h.update(d)
            c.sendall(d)
        c.shutdown(socket.SHUT_WR)
        th.join()
        out.update(bytes_sent=nsend, sha256_sent=h.hexdigest(),
                   bytes_received=res["bytes_received"],
                   sha256_received=res["sha256_received"])
    out["seconds"] = time.monotonic() - t1
    c.close()
    print(json.dumps(out))
    return 0


def refused(host, port):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, port))
    except ConnectionRefusedError:
        print(json.dumps({"error": "ECONNREFUSED"}))
        return 0
    except OSError as e:
        print(json.dumps({"error": errno.errorcode.get(e.errno, str(e))}))
        return 1
    print(json.dumps({"error": None}))
    return 1


def udp_serve(host, port):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.bind(("::" if ":" in host else "0.0.0.0", port))
    ready()
    while True:
        d, a = s.recvfrom(65535)
        s.sendto(d, a)


def udp_send(host, port):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((host, port))
    r = random.Random(SEED)
    # the largest unfragmented payload at MTU 1500 (l4kit drops fragments)
    big = 1452 if ":" in host else 1472
    sizes = [1, 100, 1000, big, 0, 513]
    got = []
    for sz in sizes:
        d = r.randbytes(sz)
        s.send(d)
        e = s.recv(65535)
        got.append({"sent": sz, "received": len(e), "equal": e == d})
    ok = all(g["equal"] for g in got)
    print(json.dumps({"datagrams": got, "ok": ok}))
    return 0 if ok else 1


def udp_refused(host, port):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((host, port))
    s.send(b"anyone there?")
    try:
        s.recv(100)
    except ConnectionRefusedError:
        print(json.dumps({"error": "ECONNREFUSED"}))
        return 0
    except socket.timeout:
        print(json.dumps({"error": "timeout"}))
        return 1
    print(json.dumps({"error": None}))
    return 1


# ---- states: the kernel's `ss -tan` and `l4kit ss` side by side ----

def kernel_state(lport, rport):
    """State of the kernel's socket lport -> rport, or None. Both ports are matched: Linux may
    reuse a TIME-WAIT connection's local port for the next connection to another port."""
    out = subprocess.run(["ss", "-tanH"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if (len(f) >= 5 and f[3].rsplit(":", 1)[1] == str(lport)
                and f[4].rsplit(":", 1)[1] == str(rport)):
            return f[0]
    return None


def l4_state(peer_port, local_port):
    """State of the l4kit socket local_port <- peer_port, or None."""
    out = subprocess.run([os.environ["L4KIT"], "ss", "--json"], capture_output=True,
                         text=True, check=True).stdout
    for s in json.loads(out)["sockets"]:
        if s["pport"] == peer_port and s["lport"] == local_port:
            return s["state"]
    return None


def wait_states(lport, rport, want_k, want_l, log, step):
    deadline = time.monotonic() + 3
    while True:
        k, l4 = kernel_state(lport, rport), l4_state(lport, rport)
        if (k, l4) == (want_k, want_l) or time.monotonic() > deadline:
            log.append({"step": step, "kernel": k, "l4kit": l4,
                        "want_kernel": want_k, "want_l4kit": want_l})
            return (k, l4) == (want_k, want_l)
        time.sleep(0.02)


def states(host_echo, port_echo, host_source, port_source):
    log = []
    ok = True
    # A: the kernel closes first: it ends in TIME-WAIT, l4kit's side CLOSED.
    s = socket.create_connection((host_echo, port_echo), timeout=5)
    lp = s.getsockname()[1]
    s.sendall(b"ping")
    assert s.recv(10) == b"ping"
    ok &= wait_states(lp, port_echo, "ESTAB", "ESTAB", log, "A established")
    s.shutdown(socket.SHUT_WR)  # our FIN; the echo server answers with its own
    ok &= wait_states(lp, port_echo, "TIME-WAIT", None, log, "A kernel closed first")
    assert s.recv(10) == b""
    s.close()
    # B: l4kit closes first (the source server sends 1000 bytes and its FIN).
    s = socket.create_connection((host_source, port_source), timeout=5)
    lp = s.getsockname()[1]
    got = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        got += d
    assert len(got) == 1000, len(got)
    ok &= wait_states(lp, port_source, "CLOSE-WAIT", "FIN-WAIT-2", log, "B l4kit sent FIN")
    s.close()
    ok &= wait_states(lp, port_source, None, "TIME-WAIT", log, "B both closed")
    print(json.dumps({"ok": bool(ok), "steps": log}))
    return 0 if ok else 1


# ---- SYN flood from spoofed sources (raw socket) ----

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def synflood(dst, port, srcnet, seconds, rate):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    d = socket.inet_aton(dst)
    r = random.Random(SEED)
    ready()
    start = time.monotonic()
    end = start + seconds
    n = 0
    while time.monotonic() < end:
        ahead = start + n / rate - time.monotonic()  # pace to `rate` SYN/s
        if ahead > 0:
            time.sleep(ahead)
        for _ in range(64):
            src = socket.inet_aton("%s.%d" % (srcnet, r.randint(10, 250)))
            sport = r.randint(1024, 65535)
            seq = r.getrandbits(32)
            tcp = struct.pack("!HHIIBBHHH", sport, port, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
            ph = src + d + struct.pack("!BBH", 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), r.getrandbits(16), 0,
                             64, 6, 0, src, d)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            raw.sendto(ip + tcp, (dst, 0))
            n += 1
    print(json.dumps({"syns": n, "seconds": seconds, "rate": n / seconds}))
    return 0


def connrate(host, port, seconds):
    """Sequential connections: connect, 1 byte echoed, close; count per second."""
    end = time.monotonic() + seconds
    n = fails = 0
    t0 = time.monotonic()
    while time.monotonic() < end:
        try:
            s = socket.create_connection((host, port), timeout=3)
            s.sendall(b"x")
            if s.recv(1) == b"x":
                n += 1
            s.close()
        except OSError:
            fails += 1
    dt = time.monotonic() - t0
    print(json.dumps({"connections": n, "failures": fails, "seconds": dt, "per_second": n / dt}))
    return 0


def many(host, port, n, nbytes):
    """n clients at once, each echoing nbytes of its own seeded data."""
    results = [None] * n
    barrier = threading.Barrier(n)

    def one(i):
        try:
            data = random.Random(SEED * 1000 + i).randbytes(nbytes)
            s = socket.create_connection((host, port), timeout=20)
            barrier.wait()  # every connection is open before anyone sends
            got = {}
            th = threading.Thread(target=lambda: got.update(d=recv_all(s)))
            th.start()
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            th.join()
            s.close()
            results[i] = got.get("d") == data
        except (OSError, threading.BrokenBarrierError):
            results[i] = False

    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ok = sum(1 for r in results if r)
    print(json.dumps({"clients": n, "echoed_exact": ok}))
    return 0 if ok == n else 1


def recv_all(s):
    parts = []
    while True:
        d = s.recv(1 << 16)
        if not d:
            return b"".join(parts)
        parts.append(d)


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "send":
        return send(a[0], int(a[1]), int(a[2]))
    if cmd == "serve":
        return serve(a[0], int(a[1]))
    if cmd == "refused":
        return refused(a[0], int(a[1]))
    if cmd == "udp-serve":
        return udp_serve(a[0], int(a[1]))
    if cmd == "udp-send":
        return udp_send(a[0], int(a[1]))
    if cmd == "udp-refused":
        return udp_refused(a[0], int(a[1]))
    if cmd == "states":
        return states(a[0], int(a[1]), a[2], int(a[3]))
    if cmd == "synflood":
        return synflood(a[0], int(a[1]), a[2], float(a[3]), float(a[4]))
    if cmd == "many":
        return many(a[0], int(a[1]), int(a[2]), int(a[3]))
    if cmd == "connrate":
        return connrate(a[0], int(a[1]), float(a[2]))
    print("unknown command " + cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
