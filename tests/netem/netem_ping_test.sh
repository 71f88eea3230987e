#!/usr/bin/env bash
# tests/netem/netem_ping_test.sh — ping across `l4kit netem --link "delay 20ms"`:
# the round trip is the two one-way delays, 40 ms, plus little (min RTT in
# [40, 45] ms), and every echo crosses the link both ways.
. "$(dirname "$0")/netem_lib.sh"
command -v ping >/dev/null || fail "ping (iputils-ping) is not installed"

start_netem netem 1 "delay 20ms" --pcap "$WORK/ping.pcap"
in_a ping -c 10 -i 0.05 -W 2 10.231.1.2 >"$WORK/ping.txt" 2>&1 ||
  fail "ping failed: $(cat "$WORK/ping.txt")"
stop_netem netem
cat "$WORK/ping.txt"

# "rtt min/avg/max/mdev = 40.532/41.401/42.595/0.836 ms"
min=$(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p' "$WORK/ping.txt")
[ -n "$min" ] || fail "no RTT line in the ping output"
awk -v m="$min" 'BEGIN { exit !(m >= 40.0 && m <= 45.0) }' ||
  fail "min RTT $min ms is not within [40, 45] ms"
grep -q " 0% packet loss" "$WORK/ping.txt" || fail "echoes were lost"

# Ten requests went A->B and ten replies B->A through the link, none dropped.
J="$WORK/netem.out"
[ "$(jget "$J" 'j["link"]["a_to_b"]["spec"]')" = "delay 20ms" ] || fail "spec not echoed: $(cat "$J")"
[ "$(jget "$J" 'j["stopped_by"]')" = "SIGTERM" ] || fail "stopped_by: $(cat "$J")"
for d in a_to_b b_to_a; do
  n=$(jget "$J" "j['link']['$d']['delivered']")
  [ "$n" -ge 10 ] || fail "$d delivered $n < 10 packets"
  [ "$(jget "$J" "j['link']['$d']['dropped']")" -eq 0 ] || fail "$d dropped packets: $(cat "$J")"
  [ "$(jget "$J" "j['link']['$d']['read']")" -eq "$n" ] || fail "$d read != delivered: $(cat "$J")"
done
echo "ok: min RTT $min ms over delay 20ms each way"

# --pcap: the ten requests and ten replies as delivered, with wall-clock
# times (link time); each reply is delivered to A at least the 20 ms link
# delay after its request was delivered to B (20 ms plus B's turnaround,
# which includes how late the request was written into B).
"$PY" - "$WORK/ping.pcap" <<'PYEOF' || fail "the capture is wrong"
import struct, sys, time
d = open(sys.argv[1], "rb").read()
magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", d[:24])
assert magic == 0xA1B23C4D, hex(magic)  # nanosecond pcap
assert linktype == 101, linktype        # LINKTYPE_RAW
off, req, rep = 24, {}, {}
while off < len(d):
    sec, nsec, incl, orig = struct.unpack("<IIII", d[off:off + 16])
    pkt = d[off + 16:off + 16 + incl]
    off += 16 + incl
    t = sec + nsec / 1e9
    assert abs(t - time.time()) < 60, t  # wall-clock time
    if pkt[0] >> 4 == 4 and pkt[9] == 1:
        ihl = (pkt[0] & 15) * 4
        seq = struct.unpack(">H", pkt[ihl + 6:ihl + 8])[0]
        (req if pkt[ihl] == 8 else rep)[seq] = t
assert sorted(req) == sorted(rep) and len(req) == 10, (req, rep)
gaps = [rep[s] - req[s] for s in req]
assert 0.020 <= min(gaps) and max(gaps) < 0.100, gaps
print("ok: capture holds 10 requests and 10 replies, reply - request %.2f..%.2f ms"
      % (min(gaps) * 1e3, max(gaps) * 1e3))
PYEOF

# IPv6 too (addresses set by ioctl; TUN devices skip duplicate address
# detection, so they are usable at once): "delay 5ms" gives a 10 ms RTT.
"$L4KIT" netem --a "$NS_A:l4a6:fd00:231:1::1/64" --b "$NS_B:l4b6:fd00:231:1::2/64" \
  --link "delay 5ms" >"$WORK/netem6.out" 2>"$WORK/netem6.err" &
NETEM_PID=$!
PIDS+=("$NETEM_PID")
for _ in $(seq 1 100); do
  grep -q running "$WORK/netem6.err" && break
  sleep 0.05
done
in_a ping -6 -c 5 -i 0.05 -W 2 fd00:231:1::2 >"$WORK/ping6.txt" 2>&1 ||
  fail "ping -6 failed: $(cat "$WORK/ping6.txt")"
kill -TERM "$NETEM_PID"
wait "$NETEM_PID" || fail "netem (IPv6) did not exit 0: $(cat "$WORK/netem6.err")"
min6=$(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p' "$WORK/ping6.txt")
awk -v m="$min6" 'BEGIN { exit !(m >= 10.0 && m <= 15.0) }' ||
  fail "IPv6 min RTT '$min6' ms is not within [10, 15] ms"
grep -q 'a->b  link "delay 5ms"' "$WORK/netem6.out" || fail "no counters: $(cat "$WORK/netem6.out")"
echo "ok: IPv6 min RTT $min6 ms over delay 5ms each way"
