#!/usr/bin/env python3
"""Writes small crafted captures for tests/tools/dissect_test.sh.

usage: mkpcap.py OUT_DIR

  damaged.pcap  LINKTYPE_RAW, 6 records: a good UDP/IPv4 datagram, an IPv4
                packet with a TCP data offset past its end, an IPv4 header
                with a wrong checksum carrying a good ICMP echo, a record
                that is not IP at all (version 5), a TCP segment with an
                unknown option kind 99 and a wrong checksum, and a good UDP
                datagram last.
  eth.pcap      Ethernet: an ARP frame, then an 802.1Q-tagged IPv4/UDP one.
  null.pcap     BSD loopback (DLT_NULL, little-endian AF_INET) with IPv4/UDP.
"""
import os
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


SRC = bytes([10, 0, 0, 1])
DST = bytes([10, 0, 0, 2])


def ipv4(proto, payload, ident=1, bad=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0, SRC, DST)
    c = csum(h) ^ (0x1111 if bad else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def pseudo(proto, n):
    return SRC + DST + struct.pack("!BBH", 0, proto, n)


def udp(sport, dport, data):
    h = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = csum(pseudo(17, 8 + len(data)) + h + data) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + data


def tcp(sport, dport, seq, ack, flags, win, opts, data, bad=False):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts
    c = csum(pseudo(6, len(h) + len(data)) + h + data) ^ (0x00FF if bad else 0)
    return h[:16] + struct.pack("!H", c) + h[18:] + data


def icmp_echo(ident, seq, data):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    c = csum(h + data)
    return h[:2] + struct.pack("!H", c) + h[4:] + data


def write(path, linktype, records):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, r in enumerate(records):
            f.write(struct.pack("<IIII", 1000 + i, 100000 * i, len(r), len(r)))
            f.write(r)


out = sys.argv[1]
bad_tcp = bytearray(ipv4(6, tcp(1234, 80, 1, 2, 0x10, 100, b"", b"")))
bad_tcp[20 + 12] = 0xF0  # data offset 60 bytes in a 20-byte segment
records = [
    ipv4(17, udp(1000, 2000, b"hello"), ident=1),
    bytes(bad_tcp),
    ipv4(1, icmp_echo(0x42, 9, b"ping"), ident=3, bad=True),
    bytes([0x55]) + bytes(30),
    ipv4(6, tcp(5555, 80, 100, 200, 0x18, 512, bytes([99, 4, 0xAB, 0xCD]), b"xyz", bad=True), ident=5),
    ipv4(17, udp(3000, 4000, b"last"), ident=6),
]
write(os.path.join(out, "damaged.pcap"), 101, records)

arp = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x06" + bytes(28)
vlan = bytes([0xFF] * 6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x81\x00\x00\x07\x08\x00" + ipv4(17, udp(53, 5353, b"dns"))
write(os.path.join(out, "eth.pcap"), 1, [arp, vlan])
write(os.path.join(out, "null.pcap"), 0, [struct.pack("<I", 2) + ipv4(17, udp(7, 7, b"echo"))])
