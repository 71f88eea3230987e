#!/usr/bin/env bash
# bench/kernel_bench.sh — the l4kit stack against the Linux kernel through
# TUN, next to peers measured in the same run (not part of ctest; needs root):
#
#   - TCP goodput kernel -> l4kit and l4kit -> kernel through TUN, with the
#     device's offloads (the default: 64 KB TCP segments both ways) and
#     without them (--no-offload: one packet per MSS): python3 sockets on
#     the kernel side (`l4kit tcp-echo-server --sink` / `tcp-echo-client
#     --source`, SHA-256 at both ends), then the kernel's iperf3 against
#     `l4kit iperf3-server` (-R: l4kit sends);
#   - the same python3 transfer and iperf3 kernel <-> kernel over a veth
#     pair (the reference);
#   - the TUN packet-rate ceiling (bench/kernel_tun_pps_bench: 1500-byte
#     packets written into the device and read back, no protocol work);
#   - connections per second accepted by `l4kit tcp-echo-server` from kernel
#     clients (connect, 1-byte echo, close; two client processes).
#
#   bench/kernel_bench.sh [BUILD_DIR] [BYTES] [IPERF_SECONDS]   (default build, 512 MiB, 3 s)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
BYTES=${2:-$((512 * 1024 * 1024))}
SECS=${3:-3}
L4KIT=$BUILD/l4kit
PPS=$BUILD/bench/kernel_tun_pps_bench
KPEER=$SRC/tests/kernel/kpeer.py
[ "$(id -u)" -eq 0 ] || { echo "kernel_bench: needs root" >&2; exit 1; }
[ -x "$L4KIT" ] && [ -x "$PPS" ] || { echo "kernel_bench: build first ($L4KIT, $PPS)" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "kernel_bench: iperf3 is not installed (scripts/deps.sh)" >&2; exit 1; }

NS=l4b-$$ NS2=l4b-$$-2
WORK=$(mktemp -d /tmp/l4b-$$.XXXXXX)
export L4KIT_RUN_DIR=$WORK/run
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  sleep 0.2
  ip netns del $NS 2>/dev/null || true
  ip netns del $NS2 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add $NS
ip netns add $NS2
ip -n $NS link set lo up
ip -n $NS2 link set lo up
j() { python3 -c 'import json,sys; j=json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2])]); print(eval(sys.argv[3]))' "$@"; }
mbps() { python3 -c "print(round($1 * 8 / $2 / 1e6))"; }

wait_listen() { # FILE
  for _ in $(seq 1 100); do grep -q listening "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "did not start: $(cat "$1")" >&2
  exit 1
}
wait_ready() { # FILE
  for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "kpeer did not start" >&2
  exit 1
}

echo "kernel_bench: $((BYTES / 1048576)) MiB per transfer, $(nproc) CPUs, $(uname -r)"

# 1. TUN ceiling: writes only (forwarding off: the kernel routes and drops
#    each packet), then write + forward back + read.
ip netns exec $NS "$PPS" --seconds 2 --json >"$WORK/ppsw.json"
ip netns exec $NS sysctl -q -w net.ipv4.ip_forward=1
ip netns exec $NS sysctl -q -w net.ipv4.conf.all.send_redirects=0
ip netns exec $NS sysctl -q -w net.ipv4.conf.default.send_redirects=0
ip netns exec $NS "$PPS" --seconds 2 --json >"$WORK/pps.json"
CEIL_PPS=$(j "$WORK/ppsw.json" 0 'int(j["written_pps"])')
CEIL_MBPS=$(j "$WORK/ppsw.json" 0 'round(j["written_mbps"])')
echo "TUN ceiling, 1500-byte packets:     $CEIL_PPS packets/s written ($CEIL_MBPS Mbit/s of packets);" \
  "written, forwarded back and read: $(j "$WORK/pps.json" 0 'int(j["read_pps"])')/s" \
  "($(j "$WORK/pps.json" 0 'round(j["written_mbps"])') Mbit/s)"
ip netns exec $NS sysctl -q -w net.ipv4.ip_forward=0

# 2. kernel -> l4kit (python3 sender, l4kit sink), with and without offloads
k2l() { # [--no-offload] -> Mbit/s at the l4kit receiver
  ip netns exec $NS "$L4KIT" tcp-echo-server --tun l4b0 --tun-addr 10.232.9.1/24 --addr 10.232.9.2 \
    --port 5001 --sink --json "$@" >"$WORK/sink.out" 2>"$WORK/sink.err" &
  local pid=$!
  wait_listen "$WORK/sink.err"
  ip netns exec $NS python3 "$KPEER" send 10.232.9.2 5001 "$BYTES" >"$WORK/k2l.json"
  sleep 0.2
  kill $pid
  wait $pid || true
  j "$WORK/sink.out" 1 'round(j["goodput_mbps"])'
}
K2L=$(k2l)
K2L_PLAIN=$(k2l --no-offload)

# 3. l4kit -> kernel (l4kit source, python3 receiver)
l2k() { # [--no-offload]
  rm -f "$WORK/ks.ready"
  ip netns exec $NS python3 "$KPEER" serve 10.232.9.1 5002 --ready "$WORK/ks.ready" >"$WORK/ks.json" &
  local pid=$!
  wait_ready "$WORK/ks.ready"
  ip netns exec $NS "$L4KIT" tcp-echo-client --tun l4b0 --tun-addr 10.232.9.1/24 --addr 10.232.9.2 \
    --source --bytes "$BYTES" --timeout 120s --json "$@" 10.232.9.1 5002 >"$WORK/l2k.json"
  wait $pid || true
  j "$WORK/l2k.json" 0 'round(j["goodput_mbps"])'
}
L2K=$(l2k)
L2K_PLAIN=$(l2k --no-offload)

# 3b. iperf3 against l4kit iperf3-server, both ways, with and without offloads
ip3() { # OUTFILE iperf3-args... -> Mbit/s received
  local out=$1
  shift
  ip netns exec $NS timeout 60 iperf3 -c 10.232.9.2 -t "$SECS" -J "$@" >"$out" 2>/dev/null
  python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e6))' "$out"
}
IPL=()
for off in "" --no-offload; do
  ip netns exec $NS "$L4KIT" iperf3-server --tun l4b0 --tun-addr 10.232.9.1/24 --addr 10.232.9.2 \
    --json $off >"$WORK/ip3.out" 2>"$WORK/ip3.err" &
  pid=$!
  wait_listen "$WORK/ip3.err"
  IPL+=("$(ip3 "$WORK/ip3up.json")" "$(ip3 "$WORK/ip3down.json" -R)")
  kill $pid
  wait $pid || true
done

# 4. kernel <-> kernel over veth (python3 the same way, then iperf3)
ip link add l4bv0 netns $NS type veth peer name l4bv1 netns $NS2
ip -n $NS addr add 10.232.10.1/24 dev l4bv0
ip -n $NS2 addr add 10.232.10.2/24 dev l4bv1
ip -n $NS link set l4bv0 up
ip -n $NS2 link set l4bv1 up
rm -f "$WORK/vs.ready"
ip netns exec $NS2 python3 "$KPEER" serve 10.232.10.2 5003 --ready "$WORK/vs.ready" >"$WORK/vs.json" &
PIDS+=($!)
wait_ready "$WORK/vs.ready"
ip netns exec $NS python3 "$KPEER" send 10.232.10.2 5003 "$BYTES" >"$WORK/veth.json"
wait "${PIDS[-1]}" || true
VETH=$(mbps "$(j "$WORK/vs.json" 0 'j["bytes_received"]')" "$(j "$WORK/vs.json" 0 'j["seconds"]')")
ip netns exec $NS2 iperf3 -s -p 5201 >/dev/null 2>&1 &
PIDS+=($!)
sleep 0.5
iperf_veth() {
  ip netns exec $NS timeout 60 iperf3 -c 10.232.10.2 -p 5201 -t "$SECS" -J "$@" 2>/dev/null |
    python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))'
}
IPERF=$(iperf_veth)
IPERF_R=$(iperf_veth -R)
kill "${PIDS[-1]}"

# 5. connections per second
ip netns exec $NS "$L4KIT" tcp-echo-server --tun l4b0 --tun-addr 10.232.9.1/24 --addr 10.232.9.2 \
  --port 7 --backlog 1024 >"$WORK/cps.out" 2>"$WORK/cps.err" &
PIDS+=($!)
wait_listen "$WORK/cps.err"
ip netns exec $NS python3 "$KPEER" connrate 10.232.9.2 7 3 >"$WORK/c1.json" &
C1=$!
ip netns exec $NS python3 "$KPEER" connrate 10.232.9.2 7 3 >"$WORK/c2.json"
wait $C1
CPS=$(python3 -c "import json; a=json.load(open('$WORK/c1.json')); b=json.load(open('$WORK/c2.json')); print(round(a['per_second']+b['per_second']), a['failures']+b['failures'])")
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
echo "TCP goodput through TUN, python3 sockets on the kernel side ($((BYTES / 1048576)) MiB, SHA-256 at both ends):"
echo "  kernel -> l4kit:  $K2L Mbit/s with offloads, $K2L_PLAIN without ($(ratio "$K2L" "$K2L_PLAIN")x)"
echo "  l4kit -> kernel:  $L2K Mbit/s with offloads, $L2K_PLAIN without ($(ratio "$L2K" "$L2K_PLAIN")x)"
echo "  reference kernel -> kernel over veth: $VETH Mbit/s (ratios $(ratio "$K2L" "$VETH") / $(ratio "$L2K" "$VETH"))"
echo "iperf3 ($SECS s) against l4kit iperf3-server through TUN:"
echo "  kernel -> l4kit:  ${IPL[0]} Mbit/s with offloads, ${IPL[2]} without ($(ratio "${IPL[0]}" "${IPL[2]}")x)"
echo "  l4kit -> kernel:  ${IPL[1]} Mbit/s with offloads, ${IPL[3]} without ($(ratio "${IPL[1]}" "${IPL[3]}")x) (-R)"
echo "  reference iperf3 kernel <-> kernel over veth: $IPERF Mbit/s, -R $IPERF_R Mbit/s" \
  "(ratios $(ratio "${IPL[0]}" "$IPERF") / $(ratio "${IPL[1]}" "$IPERF_R"))"
echo "connections/s accepted by l4kit tcp-echo-server from kernel clients (2 processes): ${CPS% *}" \
  "(failures: ${CPS#* })"
