#!/usr/bin/env bash
# tests/tcp/tshark_test.sh — tshark's TCP analysis of what our engines send
# over the emulator (lossy links, from the senders' side, lost
# packets included) finds nothing wrong with our packets: no malformed
# segments, no ACK of data never sent, no gap in what a sender sent, no bad
# option layout. (Retransmissions, duplicate ACKs and out-of-order notes are
# expected on lossy links.)
set -euo pipefail
bin="$L4_BUILD/tests/t_tcp_sim_test"
command -v tshark >/dev/null || { echo "tshark not installed (scripts/deps.sh installs it)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
L4_TCP_PCAP_DIR="$dir" "$bin" loss >/dev/null
n=0
for f in "$dir"/*.pcap; do
  out=$(tshark -r "$f" --disable-protocol http -q -z expert 2>/dev/null)
  echo "$out" | grep -q "Connection establish request (SYN)" || { echo "$f: no handshake seen"; exit 1; }
  if echo "$out" | grep -E "Malformed|ACKed segment that wasn't captured|Previous segment\(s\) not captured|option goes past|header padding|Bad checksum"; then
    echo "tshark complains about $(basename "$f")"
    exit 1
  fi
  n=$((n + 1))
done
[ "$n" -ge 4 ] || { echo "expected 4 captures, got $n"; exit 1; }
echo "tshark: $n captures clean"
