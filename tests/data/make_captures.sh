#!/usr/bin/env bash
# tests/data/make_captures.sh — how the committed captures were made (needs
# root for capturing; not run by the tests). Loopback only.
#   lo_tcp.pcap      tshark on lo (Ethernet link type), pcap format
#   any_tcp.pcap     tshark on "any" (Linux cooked v1 link type), pcap format
#   any_sll2.pcap    tshark on "any" with -y LINUX_SLL2 (cooked v2), pcap format
# Each holds the traffic of lo_traffic.py: TCP 5555, UDP 5556, UDP 5557 with
# its ICMP port unreachable, over 127.0.0.1 and ::1.
# tests/tools/dissect_test.sh expects exact values (ports, seq, checksums) read
# from these files with tshark: re-capturing means updating those values.
set -euo pipefail
cd "$(dirname "$0")"
filter="tcp port 5555 or udp port 5556 or udp port 5557 or (icmp and icmp[0] = 3) or (icmp6 and ip6[40] = 1)"
cap() { # IFACE OUT [extra tshark args]
  local iface=$1 out=$2
  shift 2
  tshark -q -F pcap -i "$iface" "$@" -f "$filter" -w "$out.tmp" 2>/dev/null &
  local pid=$!
  sleep 2
  python3 lo_traffic.py
  sleep 1
  kill -INT "$pid"
  wait "$pid" || true
  mv "$out.tmp" "$out"
  chmod 644 "$out"
}
cap lo lo_tcp.pcap
cap any any_tcp.pcap
cap any any_sll2.pcap -y LINUX_SLL2
