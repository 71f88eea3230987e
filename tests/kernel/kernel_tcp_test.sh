#!/usr/bin/env bash
# tests/kernel/kernel_tcp_test.sh — the Linux kernel's TCP and the l4kit
# stack through TUN, both directions: the handshake, 100 MiB byte-exact each
# way (SHA-256 at both ends) with the kernel and with l4kit opening the
# connection — with the device's offloads on (the default: the kernel hands
# over 64 KB TCP super-packets with partial checksums, l4kit sends 64 KB
# segments the kernel takes whole; the counters must show both) and, for
# 8 MiB each way, with --no-offload (plain packets), echo with a half-close (the kernel shuts down its sending side,
# l4kit still sends), 40 clients at once, nc and curl as clients, RST to a
# closed port (ECONNREFUSED in the kernel), the
# same over IPv6, and the kernel's `ss -tan` agreeing with `l4kit ss` through
# teardown and TIME-WAIT whoever closes first.
. "$(dirname "$0")/kernel_lib.sh"

MIB100=$((100 * 1024 * 1024))
K=10.232.1.1 L=10.232.1.2

# 1. kernel -> l4kit: the kernel connects and sends 100 MiB to the sink.
start_l4 sink tcp-echo-server --tun l4k0 --tun-addr $K/24 --addr $L --port 5001 --sink --json
SINK=$L4PID
kpeer send $L 5001 $MIB100 >"$WORK/k2l.json" || fail "kernel sender failed"
for _ in $(seq 1 50); do grep -q '"close"' "$WORK/sink.out" && break; sleep 0.05; done
[ "$(jline "$WORK/sink.out" 2 'j["bytes_in"]')" -eq $MIB100 ] || fail "l4kit received $(jline "$WORK/sink.out" 2 'j["bytes_in"]') bytes"
[ "$(jline "$WORK/sink.out" 2 'j["sha256_in"]')" = "$(jget "$WORK/k2l.json" 'j["sha256_sent"]')" ] ||
  fail "kernel -> l4kit: SHA-256 differs"
[ "$(jline "$WORK/sink.out" 2 'j["how"]')" = eof ] || fail "kernel -> l4kit: not a clean close"
echo "ok: kernel -> l4kit 100 MiB byte-exact, $(jline "$WORK/sink.out" 2 'round(j["goodput_mbps"])') Mbit/s"

# 2. RST to a closed port, on the same stack.
kpeer refused $L 5999 >"$WORK/refused.json" || fail "connect to a closed port: $(cat "$WORK/refused.json")"
echo "ok: connect() to a closed l4kit port fails with ECONNREFUSED"
stop_l4 $SINK
[ "$(jline "$WORK/sink.out" -1 'j["offload"]')" = "csum,tso4,tso6" ] ||
  fail "offloads not in use: $(tail -n 1 "$WORK/sink.out")"
GSO_IN=$(jline "$WORK/sink.out" -1 'j["gso_in"]')
[ "$GSO_IN" -ge 500 ] || fail "only $GSO_IN TCP super-packets from the kernel for 100 MiB"

# 3. l4kit -> kernel: l4kit connects and sends 100 MiB to a kernel sink.
start_py ksink serve $K 5002
in_ns "$L4KIT" tcp-echo-client --tun l4k0 --tun-addr $K/24 --addr $L --source --bytes 100M --json $K 5002 \
  >"$WORK/l2k.json" 2>"$WORK/l2k.err" || fail "l4kit source failed: $(cat "$WORK/l2k.json")"
wait $PYPID || fail "kernel sink failed"
[ "$(jget "$WORK/ksink.out" 'j["bytes_received"]')" -eq $MIB100 ] || fail "kernel received too little"
[ "$(jget "$WORK/ksink.out" 'j["sha256_received"]')" = "$(jget "$WORK/l2k.json" 'j["sha256_sent"]')" ] ||
  fail "l4kit -> kernel: SHA-256 differs"
GSO_OUT=$(jget "$WORK/l2k.json" 'j["gso_out"]')
[ "$GSO_OUT" -ge 500 ] || fail "only $GSO_OUT 64 KB segments written for 100 MiB"
echo "ok: l4kit -> kernel 100 MiB byte-exact, $(jget "$WORK/l2k.json" 'round(j["goodput_mbps"])') Mbit/s" \
  "($GSO_IN super-packets in, $GSO_OUT out)"

# 3b. The same without offloads, 8 MiB each way.
start_py ksink2 serve $K 5012
in_ns "$L4KIT" tcp-echo-client --tun l4k0 --tun-addr $K/24 --addr $L --source --bytes 8M --json \
  --no-offload $K 5012 >"$WORK/l2k2.json" 2>"$WORK/l2k2.err" || fail "plain source: $(cat "$WORK/l2k2.json")"
wait $PYPID || fail "kernel sink failed"
[ "$(jget "$WORK/ksink2.out" 'j["sha256_received"]')" = "$(jget "$WORK/l2k2.json" 'j["sha256_sent"]')" ] ||
  fail "plain l4kit -> kernel: SHA-256 differs"
[ "$(jget "$WORK/l2k2.json" 'j["offload"]')" = none ] || fail "--no-offload still offloads"
start_l4 sink2 tcp-echo-server --tun l4k0 --tun-addr $K/24 --addr $L --port 5011 --sink --json --no-offload
SINK2=$L4PID
kpeer send $L 5011 $((8 * 1024 * 1024)) >"$WORK/k2l2.json" || fail "kernel sender failed"
for _ in $(seq 1 50); do grep -q '"close"' "$WORK/sink2.out" && break; sleep 0.05; done
[ "$(jline "$WORK/sink2.out" 2 'j["sha256_in"]')" = "$(jget "$WORK/k2l2.json" 'j["sha256_sent"]')" ] ||
  fail "plain kernel -> l4kit: SHA-256 differs"
stop_l4 $SINK2
[ "$(jline "$WORK/sink2.out" -1 'j["gso_in"]')" -eq 0 ] || fail "super-packets without offloads"
echo "ok: with --no-offload (plain packets) 8 MiB byte-exact each way"

# 4. The kernel accepts, sends 100 MiB to the l4kit client (--sink).
start_py ksrc serve $K 5003 --send $MIB100 --seed 9
in_ns "$L4KIT" tcp-echo-client --tun l4k0 --tun-addr $K/24 --addr $L --sink --json $K 5003 \
  >"$WORK/k2lc.json" 2>"$WORK/k2lc.err" || fail "l4kit sink client failed: $(cat "$WORK/k2lc.json")"
wait $PYPID || fail "kernel source failed"
[ "$(jget "$WORK/k2lc.json" 'j["bytes_received"]')" -eq $MIB100 ] || fail "l4kit client received too little"
[ "$(jget "$WORK/k2lc.json" 'j["sha256_received"]')" = "$(jget "$WORK/ksrc.out" 'j["sha256_sent"]')" ] ||
  fail "kernel server -> l4kit client: SHA-256 differs"
echo "ok: kernel server -> l4kit client 100 MiB byte-exact"

# 5. l4kit server sends 100 MiB to a kernel client (--source).
start_l4 src tcp-echo-server --tun l4k0 --tun-addr $K/24 --addr $L --port 5004 --source 100M --json
SRC=$L4PID
kpeer send $L 5004 0 >"$WORK/l2kc.json" || fail "kernel client failed"
for _ in $(seq 1 50); do grep -q '"close"' "$WORK/src.out" && break; sleep 0.05; done
[ "$(jget "$WORK/l2kc.json" 'j["bytes_received"]')" -eq $MIB100 ] || fail "kernel client received too little"
[ "$(jget "$WORK/l2kc.json" 'j["sha256_received"]')" = "$(jline "$WORK/src.out" 2 'j["sha256_out"]')" ] ||
  fail "l4kit server -> kernel client: SHA-256 differs"
echo "ok: l4kit server -> kernel client 100 MiB byte-exact"
stop_l4 $SRC

# 6. Echo with half-close (and many clients at once, nc, curl): the kernel sends 4 MiB and shuts down its sending
#    side at once; l4kit keeps sending the echo after the FIN.
start_l4 echo tcp-echo-server --tun l4k0 --tun-addr $K/24 --addr $L --port 7 --json
ECHO=$L4PID
kpeer send $L 7 $((4 * 1024 * 1024)) --echo >"$WORK/echo.json" || fail "echo: $(cat "$WORK/echo.json")"
echo "ok: 4 MiB echoed byte-exact across the kernel's half-close"
kpeer many $L 7 40 200000 >"$WORK/many.json" || fail "40 clients at once: $(cat "$WORK/many.json")"
sleep 0.2
[ "$(grep -c '"how":"eof","bytes_in":200000,"bytes_out":200000' "$WORK/echo.out")" -eq 40 ] ||
  fail "the server did not log 40 complete echoes"
echo "ok: 40 kernel clients at once, each 200000 bytes echoed byte-exact"
command -v nc >/dev/null || fail "nc (netcat-openbsd) is not installed"
command -v curl >/dev/null || fail "curl is not installed"
out=$(echo "hi from nc" | in_ns timeout 5 nc -N $L 7) || fail "nc exited non-zero"
[ "$out" = "hi from nc" ] || fail "nc got '$out'"
# curl's telnet:// sends stdin and prints what comes back; it never closes
# by itself, so -m 1 ends it (exit 28) after the echo arrived.
out=$(echo "hi from curl" | in_ns timeout 5 curl -s -m 1 telnet://$L:7 || true)
[ "$out" = "hi from curl" ] || fail "curl got '$out'"
echo "ok: nc and curl (telnet://) get their lines echoed"
stop_l4 $ECHO

# 7. l4kit client in echo mode against a kernel echo server, and the message form.
start_py kecho serve $K 5005 --echo
in_ns "$L4KIT" tcp-echo-client --tun l4k0 --tun-addr $K/24 --addr $L --bytes 3M --json $K 5005 \
  >"$WORK/lecho.json" 2>"$WORK/lecho.err" || fail "l4kit echo client: $(cat "$WORK/lecho.json")"
wait $PYPID
[ "$(jget "$WORK/lecho.json" 'j["verified"]')" = True ] || fail "echo not verified"
[ "$(jget "$WORK/lecho.json" 'j["bytes_received"]')" -eq $((3 * 1024 * 1024)) ] || fail "echo length"
start_py kecho2 serve $K 5006 --echo
out=$(in_ns "$L4KIT" tcp-echo-client --tun l4k0 --tun-addr $K/24 --addr $L --message "hi kernel" $K 5006)
wait $PYPID
[ "$(echo "$out" | head -n 1)" = "hi kernel" ] || fail "message echo: $out"
echo "ok: l4kit echo client against a kernel echo server (3 MiB and a message)"

# 8. IPv6: kernel -> l4kit echo.
start_l4 echo6 tcp-echo-server --tun l4k0 --tun-addr fd00:232:1::1/64 --addr fd00:232:1::2 --port 7 --json
ECHO6=$L4PID
sleep 0.3 # no DAD wait needed on a TUN device, but the address must be usable
kpeer send fd00:232:1::2 7 $((1024 * 1024)) --echo >"$WORK/echo6.json" || fail "IPv6 echo: $(cat "$WORK/echo6.json")"
kpeer refused fd00:232:1::2 9 >/dev/null || fail "IPv6: closed port not refused"
echo "ok: IPv6 echo 1 MiB byte-exact, RST to a closed port"
stop_l4 $ECHO6

# 9. States: the kernel's `ss -tan` and `l4kit ss` through teardown.
start_l4 secho tcp-echo-server --tun l4k0 --tun-addr $K/24 --addr $L --port 7 --json
SE=$L4PID
start_l4 ssrc tcp-echo-server --tun l4k1 --tun-addr 10.232.2.1/24 --addr 10.232.2.2 --port 8 --source 1000 --json
SS=$L4PID
in_ns env L4KIT="$L4KIT" "$PY" "$HERE/kpeer.py" states $L 7 10.232.2.2 8 >"$WORK/states.json" ||
  fail "states: $(cat "$WORK/states.json")"
echo "ok: kernel ss and l4kit ss agree: $(jget "$WORK/states.json" '"; ".join("%s: %s/%s" % (s["step"], s["kernel"], s["l4kit"]) for s in j["steps"])')"
"$L4KIT" ss >"$WORK/ss.txt"
grep -q "LISTEN" "$WORK/ss.txt" || fail "l4kit ss shows no listener: $(cat "$WORK/ss.txt")"
grep -q "TIME-WAIT" "$WORK/ss.txt" || fail "l4kit ss shows no TIME-WAIT: $(cat "$WORK/ss.txt")"
grep -Eq "TIME-WAIT .* timer:\(timewait,[0-9]+(sec|min),0\)" "$WORK/ss.txt" ||
  fail "l4kit ss shows no timewait timer as ss -o would: $(cat "$WORK/ss.txt")"
grep -q "^Total: .* in 2 l4kit stack processes" "$WORK/ss.txt" || fail "l4kit ss total: $(cat "$WORK/ss.txt")"
stop_l4 $SE
stop_l4 $SS
[ -z "$(ls "$L4KIT_RUN_DIR")" ] || fail "control sockets left behind: $(ls "$L4KIT_RUN_DIR")"
echo "ok: l4kit ss lists both stacks; their control sockets are gone after exit"
