#!/usr/bin/env bash
# tests/tools/dissect_test.sh — `l4kit dissect`: exact lines on the committed
# loopback captures (Ethernet, Linux cooked v1 and v2), -v fields, JSON, and
# damaged input: bad packets are shown with their error and the next one
# still is; a truncated capture shows the records before the damage, names
# the bad record and exits 1. Usage errors exit 2.
set -u
L4KIT=${L4KIT:?set by ctest}
SRC=${L4_SRC:?set by ctest}
D=$SRC/tests/data
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

run() { # ARGS... : out, err, rc
  "$L4KIT" dissect "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}
line() { sed -n "${1}p" "$tmp/out"; }
expect_line() { # N TEXT
  [ "$(line "$1")" = "$2" ] || fail "line $1 is '$(line "$1")', wanted '$2'"
}

# --- the Ethernet capture from lo. Every expected value below is what
# tshark 4.0 shows for the same packet (ports, seq/ack, time, ip.id, checksum
# and tcp/udp.checksum_calculated); the checksums are "bad" because loopback
# hands the capture the packet before checksum offload fills them in. ---
run "$D/lo_tcp.pcap"
[ "$rc" -eq 0 ] || fail "lo_tcp.pcap: exit $rc ($err)"
[ "$(wc -l <"$tmp/out")" -eq 26 ] || fail "lo_tcp.pcap: wanted 26 lines: $out"
expect_line 1 "    1    0.000000  127.0.0.1:52838 → 127.0.0.1:5555 TCP [SYN] seq=2292455387 ack=0 win=65495 len=0"
expect_line 2 "    2    0.000046  127.0.0.1:5555 → 127.0.0.1:52838 TCP [SYN ACK] seq=2369942891 ack=2292455388 win=65483 len=0"
expect_line 6 "    6    0.000281  127.0.0.1:5555 → 127.0.0.1:52838 TCP [PSH ACK] seq=2369942892 ack=2292455393 win=64 len=24"
expect_line 8 "    8    0.050819  127.0.0.1:52838 → 127.0.0.1:5555 TCP [FIN ACK] seq=2292455393 ack=2369942916 win=64 len=0"
expect_line 11 "   11    0.051653  127.0.0.1:43201 → 127.0.0.1:5556 UDP len=16"
expect_line 13 "   13    0.051694  127.0.0.1 → 127.0.0.1 ICMP destination unreachable: port unreachable (for UDP 127.0.0.1:43201 → 127.0.0.1:5557)"
expect_line 14 "   14    0.154388  [::1]:48220 → [::1]:5555 TCP [SYN] seq=298565841 ack=0 win=65476 len=0"
expect_line 26 "   26    0.205511  ::1 → ::1 ICMPv6 destination unreachable: port unreachable (for UDP [::1]:51799 → [::1]:5557)"

# --- the same capture as pcapng (editcap ships with tshark) decodes identically ---
cp "$tmp/out" "$tmp/pcap.out"
if editcap -F pcapng "$D/lo_tcp.pcap" "$tmp/lo.pcapng" 2>/dev/null; then
  run "$tmp/lo.pcapng"
  [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/pcap.out" || fail "pcapng decodes differently"
else
  fail "editcap (from tshark's wireshark-common) is missing: scripts/deps.sh installs tshark"
fi

# --- cut to 80 bytes a packet (editcap -s, like tcpdump -s): the headers that
# were captured still decode; checksums over missing bytes are not judged ---
editcap -s 80 "$D/lo_tcp.pcap" "$tmp/cut.pcap" 2>/dev/null || fail "editcap -s"
run "$tmp/cut.pcap"
[ "$rc" -eq 0 ] || fail "cut capture: exit $rc"
expect_line 4 "    4    0.000111  127.0.0.1:52838 → 127.0.0.1:5555 TCP [PSH ACK] seq=2292455388 ack=2369942892 win=64 len=5"
expect_line 6 "    6    0.000281  127.0.0.1:5555 → 127.0.0.1:52838 TCP [PSH ACK] seq=2369942892 ack=2292455393 win=64 len=24 [captured 80 of 90 bytes]"
expect_line 26 "   26    0.205511  ::1 → ::1 ICMPv6 destination unreachable: port unreachable [captured 80 of 124 bytes]"
editcap -s 40 "$D/lo_tcp.pcap" "$tmp/cut40.pcap" 2>/dev/null || fail "editcap -s 40"
run "$tmp/cut40.pcap"
expect_line 1 "    1    0.000000  127.0.0.1 → 127.0.0.1 TCP [header not captured] len=40 [captured 40 of 74 bytes]"

# --- "-" reads the capture from standard input ---
"$L4KIT" dissect - <"$D/lo_tcp.pcap" >"$tmp/stdin.out" 2>/dev/null || fail "dissect - exit"
cmp -s "$tmp/stdin.out" "$tmp/pcap.out" || fail "dissect - differs from dissect FILE"

# --- Linux cooked captures decode to the same kind of lines ---
for f in any_tcp any_sll2; do
  run "$D/$f.pcap"
  [ "$rc" -eq 0 ] || fail "$f: exit $rc"
  [ "$(wc -l <"$tmp/out")" -eq 26 ] || fail "$f: wanted 26 lines"
  echo "$out" | sed -n 1p | grep -qE '^    1    0\.000000  127\.0\.0\.1:[0-9]+ → 127\.0\.0\.1:5555 TCP \[SYN\] seq=[0-9]+ ack=0 win=65495 len=0' ||
    fail "$f line 1: $(line 1)"
  echo "$out" | sed -n 26p | grep -qF "ICMPv6 destination unreachable: port unreachable" || fail "$f line 26"
done

# --- -v: every header field, options decoded, checksums with their verdicts ---
run -v "$D/lo_tcp.pcap"
[ "$rc" -eq 0 ] || fail "-v exit $rc"
for want in \
  "        frame: 74 bytes captured of 74, link EN10MB, EtherType 0x0800" \
  "        IPv4: version 4, header length 20, DSCP 0, ECN Not-ECT, total length 60, id 0x5ca4 (23716), flags DF, fragment offset 0, TTL 64, protocol 6 (TCP), checksum 0xe015 (good)" \
  "        TCP: source port 52838, destination port 5555, seq 2292455387, ack 0, data offset 40, flags 0x02 (SYN), window 65495, checksum 0xfe30 (partial: pseudo-header sum only, the sender offloaded checksumming; complete 0xd325), urgent pointer 0, payload 0 bytes" \
  "        option MSS 65495" \
  "        option SACK_PERM" \
  "        option TS val 59176121 ecr 0" \
  "        option NOP" \
  "        option WS 10 (multiply by 1024)" \
  "        UDP: source port 43201, destination port 5556, length 24, checksum 0xfe2b (partial: pseudo-header sum only, the sender offloaded checksumming; complete 0xe78f), payload 16 bytes"; do
  grep -qxF -- "$want" "$tmp/out" || fail "-v lacks: $want"
done
grep -qE '^        IPv6: version 6, DSCP 0, ECN Not-ECT, flow label 0x[0-9a-f]{5}, payload length 40, next header 6, hop limit 64, upper protocol 6 \(TCP\)$' "$tmp/out" ||
  fail "-v IPv6 line"
grep -qE '^        ICMPv6: type 1, code 4, checksum 0x[0-9a-f]{4} \(good\), rest 0x00000000, body [0-9]+ bytes$' "$tmp/out" ||
  fail "-v ICMPv6 line"

# --- JSON is well-formed and complete ---
run --json "$D/any_sll2.pcap"
[ "$rc" -eq 0 ] || fail "--json exit $rc"
python3 - "$tmp/out" <<'PY' || fail "--json content"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 26 and [p["index"] for p in a] == list(range(1, 27))
p = a[0]
assert p["link"] == "LINUX_SLL2" and p["ethertype"] == 0x0800 and p["time"] == 0.0
assert p["ip"]["version"] == 4 and p["ip"]["src"] == "127.0.0.1" and p["ip"]["df"] is True
t = p["tcp"]
assert t["flags"] == ["SYN"] and t["dport"] == 5555 and t["window"] == 65495
assert [o["name"] for o in t["options"]] == ["MSS", "SACK_PERM", "TS", "NOP", "WS"], t["options"]
assert t["options"][0]["mss"] == 65495 and t["options"][4]["shift"] == 10
assert t["checksum_status"] == "partial" and "checksum_expected" in t
assert a[12]["icmp"]["type_name"] == "destination unreachable"
assert a[12]["icmp"]["quoted"]["dport"] == 5557
assert a[13]["ip"]["version"] == 6 and a[13]["ip"]["src"] == "::1"
assert all(x["time"] >= 0 for x in a)
PY

# --- crafted damage: each bad packet is shown, the next one still is ---
python3 "$SRC/tests/tools/mkpcap.py" "$tmp" || fail "mkpcap.py"
run "$tmp/damaged.pcap"
[ "$rc" -eq 0 ] || fail "damaged.pcap: exit $rc (bad packets are not fatal)"
expect_line 1 "    1    0.000000  10.0.0.1:1000 → 10.0.0.2:2000 UDP len=5"
expect_line 2 "    2    1.100000  10.0.0.1 → 10.0.0.2 TCP [malformed TCP header: truncated input] len=20"
expect_line 3 "    3    2.200000  10.0.0.1 → 10.0.0.2 ICMP echo request id=66 seq=9 [bad IP checksum]"
expect_line 4 "    4    3.300000  [RAW link layer: not an IPv4/IPv6 packet (version field)] 31 bytes"
expect_line 5 "    5    4.400000  10.0.0.1:5555 → 10.0.0.2:80 TCP [PSH ACK] seq=100 ack=200 win=512 len=3 [bad TCP checksum]"
expect_line 6 "    6    5.500000  10.0.0.1:3000 → 10.0.0.2:4000 UDP len=4"
run -v "$tmp/damaged.pcap"
grep -qxF "        option unknown kind 99 len 4" "$tmp/out" || fail "unknown option in -v"
grep -qF "checksum 0x37c9 (bad, should be 0x26d8)" "$tmp/out" || fail "bad IP checksum in -v"
run --json "$tmp/damaged.pcap"
python3 - "$tmp/out" <<'PY' || fail "damaged --json"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 6
assert a[1]["proto"] == "TCP" and a[1]["error"] == "truncated input"
assert a[2]["ip"]["checksum_status"] == "bad" and a[2]["icmp"]["checksum_status"] == "good"
assert a[3]["error"].startswith("not an IPv4/IPv6") and "ip" not in a[3]
assert a[4]["tcp"]["options"] == [{"kind": 99, "len": 4, "name": "unknown"}]
assert a[4]["tcp"]["checksum_status"] == "bad"
assert a[5]["udp"]["checksum_status"] == "good"
PY
run "$tmp/eth.pcap"
expect_line 1 "    1    0.000000  ARP (EtherType 0x0806): not IP, 42 bytes"
expect_line 2 "    2    1.100000  10.0.0.1:53 → 10.0.0.2:5353 UDP len=3"
run -v "$tmp/eth.pcap"
grep -qxF "        frame: 49 bytes captured of 49, link EN10MB, EtherType 0x0800, VLAN 7" "$tmp/out" ||
  fail "VLAN in -v: $out"
run "$tmp/null.pcap"
expect_line 1 "    1    0.000000  10.0.0.1:7 → 10.0.0.2:7 UDP len=4"

# --- a truncated capture: the records before, then the bad record named ---
size=$(stat -c %s "$D/lo_tcp.pcap")
head -c $((size - 10)) "$D/lo_tcp.pcap" >"$tmp/trunc.pcap"
run "$tmp/trunc.pcap"
[ "$rc" -eq 1 ] || fail "truncated: exit $rc, wanted 1"
[ "$(wc -l <"$tmp/out")" -eq 25 ] || fail "truncated: wanted 25 packets shown"
expect_line 25 "   25    0.205501  [::1]:51799 → [::1]:5557 UDP len=14"
off=$((size - 124 - 16))
[ "$err" = "l4kit dissect: $tmp/trunc.pcap: record 26 at byte offset $off: truncated dump file; tried to read 124 captured bytes, only got 114 (25 packets before it shown)" ] ||
  fail "truncated message: $err"
run --json "$tmp/trunc.pcap"
[ "$rc" -eq 1 ] || fail "truncated --json exit"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) == 25' "$tmp/out" ||
  fail "truncated --json is not a 25-packet array"

# A corrupt record header (capture length 0x7fffffff in record 3).
python3 - "$D/lo_tcp.pcap" "$tmp/corrupt.pcap" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off = 24
for _ in range(2):
    off += 16 + struct.unpack_from("<I", b, off + 8)[0]
struct.pack_into("<I", b, off + 8, 0x7FFFFFFF)
open(sys.argv[2], "wb").write(b)
PY
run "$tmp/corrupt.pcap"
[ "$rc" -eq 1 ] || fail "corrupt: exit $rc"
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "corrupt: wanted 2 packets shown"
echo "$err" | grep -qE "^l4kit dissect: .*corrupt.pcap: record 3 at byte offset 204: invalid packet capture length 2147483647" ||
  fail "corrupt message: $err"

# --- usage and open errors ---
run; [ "$rc" -eq 2 ] || fail "no FILE: exit $rc"
[ "$err" = "l4kit dissect: missing FILE (a pcap or pcapng capture; try --help)" ] || fail "no FILE msg: $err"
run --frobnicate x; [ "$rc" -eq 2 ] || fail "bad option: exit $rc"
run a.pcap b.pcap; [ "$rc" -eq 2 ] || fail "two files: exit $rc"
run "$tmp/nope.pcap"; [ "$rc" -eq 1 ] || fail "missing file: exit $rc"
echo "$err" | grep -q "^l4kit dissect: $tmp/nope.pcap: .*No such file" || fail "missing file msg: $err"
echo "not a capture" >"$tmp/junk"
run "$tmp/junk"; [ "$rc" -eq 1 ] || fail "junk: exit $rc"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "junk: one-line reason wanted: $err"
run --help; [ "$rc" -eq 0 ] && echo "$out" | grep -q "^usage: l4kit dissect" || fail "--help"

[ "$fails" -eq 0 ] && echo "dissect_test: all passed" || { echo "dissect_test: $fails failed"; exit 1; }
