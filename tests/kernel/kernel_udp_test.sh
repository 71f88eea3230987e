#!/usr/bin/env bash
# tests/kernel/kernel_udp_test.sh — UDP between the Linux kernel and the
# l4kit stack through TUN: kernel programs against `l4kit udp-echo-server`
# (every datagram back whole, boundaries kept, including empty and 1472-byte
# ones; python3 and nc), `l4kit udp-echo-client` against a kernel echo
# server (RTT per datagram), and ICMP port unreachable: the kernel's
# connected UDP socket gets ECONNREFUSED from l4kit, and l4kit's connected
# socket gets it from the kernel. IPv4 and IPv6.
. "$(dirname "$0")/kernel_lib.sh"

K=10.232.3.1 L=10.232.3.2
start_l4 uecho udp-echo-server --tun l4k0 --tun-addr $K/24 --addr $L --port 7 --json --verbose
UE=$L4PID

# kernel -> l4kit echo: sizes 1, 100, 1000, 1472, 0, 513 come back exact.
kpeer udp-send $L 7 >"$WORK/usend.json" || fail "UDP echo from l4kit: $(cat "$WORK/usend.json")"
[ "$(jget "$WORK/usend.json" '[d["received"] for d in j["datagrams"]]')" = "[1, 100, 1000, 1472, 0, 513]" ] ||
  fail "datagram boundaries: $(cat "$WORK/usend.json")"
echo "ok: kernel -> l4kit UDP echo, 6 datagrams of 0..1472 bytes back exact"

# nc (netcat-openbsd) as the kernel program.
if command -v nc >/dev/null; then
  out=$(echo "hello over udp" | in_ns timeout 3 nc -u -w 1 $L 7 || true)
  [ "$out" = "hello over udp" ] || fail "nc -u got '$out'"
  echo "ok: nc -u gets its datagram back"
else
  fail "nc (netcat-openbsd) is not installed"
fi

# ICMP port unreachable from l4kit -> the kernel's connected socket.
kpeer udp-refused $L 9 >"$WORK/urefused.json" || fail "no ECONNREFUSED: $(cat "$WORK/urefused.json")"
echo "ok: kernel connected UDP socket sees ECONNREFUSED after l4kit's port unreachable"
stop_l4 $UE
grep -q '"event":"datagram"' "$WORK/uecho.out" || fail "server logged no datagram"
[ "$(jline "$WORK/uecho.out" -1 'j["datagrams"]')" -eq 7 ] || fail "server counted $(jline "$WORK/uecho.out" -1 'j["datagrams"]') datagrams, not 7"

# l4kit client -> kernel echo server: RTT per datagram.
start_py kuecho udp-serve $K 5007
in_ns "$L4KIT" udp-echo-client --tun l4k0 --tun-addr $K/24 --addr $L --count 5 --size 1000 \
  --interval 20ms --json $K 5007 >"$WORK/uclient.json" || fail "udp-echo-client: $(cat "$WORK/uclient.json")"
[ "$(jget "$WORK/uclient.json" 'j["received"]')" -eq 5 ] || fail "echoes: $(cat "$WORK/uclient.json")"
[ "$(jget "$WORK/uclient.json" 'all(r > 0 for r in j["rtt_ms"])')" = True ] || fail "RTTs: $(cat "$WORK/uclient.json")"
echo "ok: l4kit -> kernel UDP echo, RTT $(jget "$WORK/uclient.json" 'j["rtt_avg_ms"]') ms average"

# the kernel's port unreachable -> l4kit's connected socket.
rc=0
in_ns "$L4KIT" udp-echo-client --tun l4k0 --tun-addr $K/24 --addr $L --count 2 --json $K 5999 \
  >"$WORK/uclosed.json" || rc=$?
[ $rc -eq 1 ] || fail "udp-echo-client to a closed kernel port exited $rc"
case "$(jget "$WORK/uclosed.json" 'j["error"]')" in
  *ECONNREFUSED*) ;;
  *) fail "l4kit did not report ECONNREFUSED: $(cat "$WORK/uclosed.json")" ;;
esac
echo "ok: l4kit's connected UDP socket sees ECONNREFUSED from the kernel's port unreachable"

# IPv6 both ways.
start_l4 uecho6 udp-echo-server --tun l4k0 --tun-addr fd00:232:3::1/64 --addr fd00:232:3::2 --port 7
UE6=$L4PID
kpeer udp-send fd00:232:3::2 7 >"$WORK/usend6.json" || fail "IPv6 UDP echo: $(cat "$WORK/usend6.json")"
kpeer udp-refused fd00:232:3::2 9 >/dev/null || fail "IPv6: no ECONNREFUSED"
stop_l4 $UE6
echo "ok: IPv6 UDP echo and ECONNREFUSED"

# bad input: one-line reason, exit 2.
rc=0
"$L4KIT" udp-echo-client --tun x --tun-addr $K/24 --addr $L --count 0 $K 7 2>"$WORK/bad.err" || rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] || fail "bad --count: exit $rc, $(cat "$WORK/bad.err")"
rc=0
"$L4KIT" tcp-echo-server --tun x --addr $L --port 7 2>"$WORK/bad2.err" || rc=$?
[ $rc -eq 2 ] && grep -q -- "--tun-addr" "$WORK/bad2.err" || fail "missing --tun-addr: exit $rc"
echo "ok: bad input exits 2 with a one-line reason"
