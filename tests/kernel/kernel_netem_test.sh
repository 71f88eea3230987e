#!/usr/bin/env bash
# tests/kernel/kernel_netem_test.sh — kernel TCP <-> l4kit TCP across an
# emulated lossy link (`l4kit netem`), byte-exact both ways.
#
# Layout (two namespaces, all addresses inside them):
#
#   $NS (kernel peer)        l4kit netem            $NS_B (router + l4kit stack)
#   na 10.232.4.1/24  <== lossy, delayed link ==>  nb 10.232.4.2/24
#   route 10.232.5.0/24 dev na                      ip_forward=1
#                                                   l4k0 10.232.5.1/24 (kernel side)
#                                                   l4kit host 10.232.5.2
#
# The kernel of $NS_B forwards between netem's device and the l4kit stack's
# device, so every packet between the two TCPs crosses the emulated link.
. "$(dirname "$0")/kernel_lib.sh"

NS_B="l4t-k-$$-b"
new_ns "$NS_B"
ip netns exec "$NS_B" sysctl -q -w net.ipv4.ip_forward=1 || fail "cannot enable forwarding in $NS_B"

SPEC="rate 100mbit delay 2ms loss 1%"
"$L4KIT" netem --a "$NS:na:10.232.4.1/24" --b "$NS_B:nb:10.232.4.2/24" --link "$SPEC" --seed 3 --json \
  >"$WORK/netem.out" 2>"$WORK/netem.err" &
NETEM=$!
PIDS+=("$NETEM")
for _ in $(seq 1 100); do
  grep -q running "$WORK/netem.err" 2>/dev/null && break
  kill -0 $NETEM 2>/dev/null || fail "netem exited: $(cat "$WORK/netem.err")"
  sleep 0.05
done
grep -q running "$WORK/netem.err" || fail "netem did not start"
ip -n "$NS" route add 10.232.5.0/24 dev na || fail "route in $NS"

NBYTES=$((8 * 1024 * 1024))
L=10.232.5.2

# kernel ($NS) -> l4kit ($NS_B) across the link.
L4NS=$NS_B start_l4 sink tcp-echo-server --tun l4k0 --tun-addr 10.232.5.1/24 --addr $L --port 5001 --sink --json
SINK=$L4PID
kpeer send $L 5001 $NBYTES >"$WORK/k2l.json" || fail "kernel sender failed"
for _ in $(seq 1 100); do grep -q '"close"' "$WORK/sink.out" && break; sleep 0.05; done
[ "$(jline "$WORK/sink.out" 2 'j["bytes_in"]')" -eq $NBYTES ] || fail "l4kit received too little"
[ "$(jline "$WORK/sink.out" 2 'j["sha256_in"]')" = "$(jget "$WORK/k2l.json" 'j["sha256_sent"]')" ] ||
  fail "kernel -> l4kit across netem: SHA-256 differs"
echo "ok: kernel -> l4kit 8 MiB byte-exact across '$SPEC' ($(jline "$WORK/sink.out" 2 'round(j["goodput_mbps"], 1)') Mbit/s)"
stop_l4 $SINK

# l4kit ($NS_B) -> kernel ($NS) across the link.
start_py ksink serve 10.232.4.1 5002
ip netns exec "$NS_B" "$L4KIT" tcp-echo-client --tun l4k0 --tun-addr 10.232.5.1/24 --addr $L --source \
  --bytes $NBYTES --json 10.232.4.1 5002 >"$WORK/l2k.json" 2>"$WORK/l2k.err" ||
  fail "l4kit source failed: $(cat "$WORK/l2k.json")"
wait $PYPID || fail "kernel sink failed"
[ "$(jget "$WORK/ksink.out" 'j["bytes_received"]')" -eq $NBYTES ] || fail "kernel received too little"
[ "$(jget "$WORK/ksink.out" 'j["sha256_received"]')" = "$(jget "$WORK/l2k.json" 'j["sha256_sent"]')" ] ||
  fail "l4kit -> kernel across netem: SHA-256 differs"
echo "ok: l4kit -> kernel 8 MiB byte-exact across '$SPEC' ($(jget "$WORK/l2k.json" 'round(j["goodput_mbps"], 1)') Mbit/s)"

kill -TERM $NETEM
wait $NETEM || fail "netem exit status"
ab=$(jget "$WORK/netem.out" 'j["link"]["a_to_b"]["dropped_loss"]')
ba=$(jget "$WORK/netem.out" 'j["link"]["b_to_a"]["dropped_loss"]')
[ "$ab" -gt 0 ] && [ "$ba" -gt 0 ] || fail "the link dropped nothing (a->b $ab, b->a $ba)"
echo "ok: the link dropped $ab packets a->b and $ba b->a; both transfers recovered"
