# tests/netem/netem_lib.sh — shared setup for the `l4kit netem` tests (sourced).
#
# Each test gets two network namespaces of its own, $NS_A and $NS_B
# (l4t-netem-<pid>-a/-b), and a scratch directory $WORK. An EXIT trap kills
# every background process the test started (their pids are in $PIDS) and
# removes the namespaces and the directory, also when the test fails.
# Addresses used: 10.231.<n>.1 (A) and 10.231.<n>.2 (B) only, inside them.
# Needs root, as CI runs it; without it (or without TUN / namespaces) the
# test FAILS with the reason, it does not skip.

set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (creates network namespaces and TUN devices)"
[ -n "${L4KIT:-}" ] && [ -x "$L4KIT" ] || fail "L4KIT is not set to the l4kit binary"
[ -c /dev/net/tun ] || fail "/dev/net/tun does not exist (no TUN support)"
command -v ip >/dev/null || fail "'ip' (iproute2) is not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || fail "python3 is not installed"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NS_A="l4t-netem-$$-a"
NS_B="l4t-netem-$$-b"
WORK=$(mktemp -d "/tmp/l4t-netem-$$.XXXXXX")
PIDS=()

netem_cleanup() {
  local rc=$?
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  if [ $rc -ne 0 ] && [ -d "$WORK" ]; then
    for f in "$WORK"/*.err "$WORK"/*.out; do
      [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; } >&2
    done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap netem_cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS_A" || fail "cannot create network namespace $NS_A"
ip netns add "$NS_B" || fail "cannot create network namespace $NS_B"
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# start_netem NAME SUBNET SPEC [extra l4kit netem flags...]
#   Runs `l4kit netem` between $NS_A (10.231.SUBNET.1/24) and $NS_B
#   (10.231.SUBNET.2/24) in the background, stdout to $WORK/NAME.out, stderr
#   to $WORK/NAME.err; waits until it reports "running". Sets NETEM_PID.
start_netem() {
  local name=$1 subnet=$2 spec=$3
  shift 3
  "$L4KIT" netem --a "$NS_A:l4a:10.231.$subnet.1/24" --b "$NS_B:l4b:10.231.$subnet.2/24" \
    --link "$spec" --json "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  NETEM_PID=$!
  PIDS+=("$NETEM_PID")
  for _ in $(seq 1 100); do
    grep -q "running" "$WORK/$name.err" 2>/dev/null && return 0
    kill -0 "$NETEM_PID" 2>/dev/null || fail "l4kit netem exited at start: $(cat "$WORK/$name.err")"
    sleep 0.05
  done
  fail "l4kit netem did not start within 5 s"
}

# stop_netem NAME: SIGTERM, expect exit 0 and one JSON object on stdout.
stop_netem() {
  local name=$1 rc=0
  kill -TERM "$NETEM_PID"
  wait "$NETEM_PID" || rc=$?
  [ $rc -eq 0 ] || fail "l4kit netem exited $rc after SIGTERM: $(cat "$WORK/$name.err")"
  "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/$name.out" ||
    fail "l4kit netem --json output is not JSON: $(cat "$WORK/$name.out")"
}

# jget FILE EXPR: evaluates the Python expression EXPR on the JSON object j in FILE.
jget() {
  "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# run_xfer NAME SUBNET NBYTES CC: a kernel TCP transfer of NBYTES from $NS_A to
# $NS_B (port 5001) with congestion control CC, set as the namespace default
# when the kernel lets a namespace choose it (only algorithms listed in
# net.ipv4.tcp_allowed_congestion_control), and in any case on the socket
# (TCP_CONGESTION, which the sender checks took effect).
# Results: $WORK/NAME.recv.json, $WORK/NAME.send.json.
run_xfer() {
  local name=$1 subnet=$2 nbytes=$3 cc=$4
  in_a sysctl -q -w net.ipv4.tcp_congestion_control="$cc" 2>/dev/null || true
  rm -f "$WORK/$name.ready"
  in_b "$PY" "$HERE/tcp_xfer.py" recv "10.231.$subnet.2" 5001 "$WORK/$name.ready" \
    >"$WORK/$name.recv.json" 2>"$WORK/$name.recv.err" &
  local rpid=$!
  PIDS+=("$rpid")
  for _ in $(seq 1 100); do
    [ -s "$WORK/$name.ready" ] && break
    sleep 0.05
  done
  [ -s "$WORK/$name.ready" ] || fail "the receiver did not start: $(cat "$WORK/$name.recv.err")"
  in_a timeout 60 "$PY" "$HERE/tcp_xfer.py" send "10.231.$subnet.2" 5001 "$nbytes" "$cc" \
    >"$WORK/$name.send.json" 2>"$WORK/$name.send.err" ||
    fail "the sender failed: $(cat "$WORK/$name.send.err")"
  wait "$rpid" || fail "the receiver failed: $(cat "$WORK/$name.recv.err")"
}
