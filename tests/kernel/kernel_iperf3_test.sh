#!/usr/bin/env bash
# tests/kernel/kernel_iperf3_test.sh — the kernel's iperf3 client against
# `l4kit iperf3-server` on the l4kit stack through TUN: a timed test each
# way (-R: l4kit sends), three parallel streams with a byte count, IPv6,
# and the answers a real iperf3 server gives: "not implemented" for UDP,
# "busy" for a second client during a test. The byte counts iperf3 prints
# for the l4kit side are the server's own (its results object), and must
# match its log.
. "$(dirname "$0")/kernel_lib.sh"

command -v iperf3 >/dev/null || fail "iperf3 is not installed (scripts/deps.sh)"
K=10.232.11.1 L=10.232.11.2

start_l4 ip3 iperf3-server --tun l4k0 --tun-addr $K/24 --addr $L --json
IP3=$L4PID
ip3() { in_ns timeout 30 iperf3 -c "$@"; }
# test N FIELD: FIELD of the server's N-th test line
tline() { jline "$WORK/ip3.out" "$1" "j[\"$2\"]"; }

# 1. kernel -> l4kit, 2 s.
ip3 $L -t 2 -J >"$WORK/up.json" || fail "iperf3 -c: $(tail -c 300 "$WORK/up.json")"
UP=$(jget "$WORK/up.json" 'j["end"]["sum_received"]["bytes"]')
[ "$(tline 1 how)" = done ] || fail "test 1: $(sed -n 1p "$WORK/ip3.out")"
[ "$(tline 1 bytes)" -eq "$UP" ] || fail "iperf3 reports $UP bytes received, the server logged $(tline 1 bytes)"
[ "$UP" -ge $((100 * 1024 * 1024)) ] || fail "only $UP bytes in 2 s"
echo "ok: iperf3 -c (kernel -> l4kit): $(jget "$WORK/up.json" 'round(j["end"]["sum_received"]["bits_per_second"] / 1e6)') Mbit/s"

# 2. l4kit -> kernel (-R), 2 s.
ip3 $L -t 2 -R -J >"$WORK/down.json" || fail "iperf3 -c -R: $(tail -c 300 "$WORK/down.json")"
[ "$(tline 2 how)" = done ] && [ "$(tline 2 reverse)" = True ] || fail "test 2: $(sed -n 2p "$WORK/ip3.out")"
SENT=$(jget "$WORK/down.json" 'j["end"]["sum_sent"]["bytes"]')
GOT=$(jget "$WORK/down.json" 'j["end"]["sum_received"]["bytes"]')
[ "$SENT" -eq "$(tline 2 bytes)" ] || fail "iperf3 shows $SENT bytes sent by l4kit, the server logged $(tline 2 bytes)"
[ "$GOT" -ge $((100 * 1024 * 1024)) ] || fail "the kernel received only $GOT bytes"
echo "ok: iperf3 -c -R (l4kit -> kernel): $(jget "$WORK/down.json" 'round(j["end"]["sum_received"]["bits_per_second"] / 1e6)') Mbit/s"

# 3. Three streams, 30 MiB in all.
ip3 $L -P 3 -n 30M -J >"$WORK/par.json" || fail "iperf3 -P 3 -n 30M: $(tail -c 300 "$WORK/par.json")"
[ "$(jget "$WORK/par.json" 'len(j["end"]["streams"])')" -eq 3 ] || fail "not 3 streams"
[ "$(tline 3 streams)" -eq 3 ] || fail "the server saw $(tline 3 streams) streams"
# iperf3 ends a -n test once the bytes are written (TEST_END), as the real
# server does the server counts what arrived until then.
[ "$(jget "$WORK/par.json" 'j["end"]["sum_sent"]["bytes"]')" -ge $((30 * 1024 * 1024)) ] ||
  fail "the client did not send 30 MiB"
[ "$(jget "$WORK/par.json" 'j["end"]["sum_received"]["bytes"]')" -eq "$(tline 3 bytes)" ] ||
  fail "iperf3's receiver bytes differ from the server's log"
[ "$(tline 3 bytes)" -ge $((10 * 1024 * 1024)) ] || fail "the server received only $(tline 3 bytes)"
echo "ok: iperf3 -P 3 -n 30M: three streams, $(tline 3 bytes) bytes counted by the server before TEST_END"

# 4. UDP: iperf3's own "not implemented" error; the server carries on.
out=$(ip3 $L -u -t 1 2>&1) && fail "iperf3 -u succeeded: $out"
echo "$out" | grep -q "not implemented" || fail "iperf3 -u said: $out"
[ "$(tline 4 how)" = refused ] || fail "test 4: $(sed -n 4p "$WORK/ip3.out")"
echo "ok: iperf3 -u is answered 'not implemented yet'"

# 5. A second client during a test is turned away as busy.
ip3 $L -t 3 -J >"$WORK/long.json" &
LONG=$!
sleep 1
out=$(ip3 $L -t 1 2>&1) && fail "a second client got in during a test: $out"
echo "$out" | grep -q "busy" || fail "the second client was told: $out"
wait $LONG || fail "the first client failed: $(tail -c 300 "$WORK/long.json")"
echo "ok: a second client during a test: 'the server is busy running a test'"
stop_l4 $IP3

# 6. IPv6, 1 s each way, and a clean exit after one test (--one-off).
start_l4 ip6 iperf3-server --tun l4k1 --tun-addr fd00:232:11::1/64 --addr fd00:232:11::2 --json --one-off
IP6=$L4PID
sleep 0.3
ip3 fd00:232:11::2 -t 1 -R -J >"$WORK/v6.json" || fail "iperf3 -6: $(tail -c 300 "$WORK/v6.json")"
wait $IP6 || fail "--one-off did not exit cleanly"
[ "$(jline "$WORK/ip6.out" 1 'j["how"]')" = done ] || fail "IPv6 test: $(cat "$WORK/ip6.out")"
echo "ok: IPv6 (-R): $(jget "$WORK/v6.json" 'round(j["end"]["sum_received"]["bits_per_second"] / 1e6)') Mbit/s; --one-off exits after it"
