# tests/kernel/kernel_lib.sh — shared setup for the tests where the Linux
# kernel is the peer of the l4kit stack through TUN (sourced).
#
# Each test gets its own network namespace $NS (l4t-k-<pid>; more with
# new_ns), a scratch directory $WORK and its own run directory for the
# control sockets (L4KIT_RUN_DIR=$WORK/run, so `l4kit ss` sees only this
# test's stacks). An EXIT trap kills every background process the test
# started (pids in $PIDS), removes the namespaces and the directory, also on
# failure. Addresses used: 10.232.<n>.1 (kernel) and 10.232.<n>.2 (l4kit),
# fd00:232:<n>::1/2, only inside the test's namespaces.
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
command -v ss >/dev/null || fail "'ss' (iproute2) is not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || fail "python3 is not installed"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NS="l4t-k-$$"
NSS=()
WORK=$(mktemp -d "/tmp/l4t-k-$$.XXXXXX")
export L4KIT_RUN_DIR="$WORK/run"
PIDS=()

kernel_cleanup() {
  local rc=$?
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
  done
  sleep 0.1
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  for n in "${NSS[@]:-}"; do
    [ -n "$n" ] && ip netns del "$n" 2>/dev/null || true
  done
  if [ $rc -ne 0 ] && [ -d "$WORK" ]; then
    for f in "$WORK"/*.err "$WORK"/*.out "$WORK"/*.json; do
      [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; } >&2
    done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap kernel_cleanup EXIT
trap 'exit 130' INT TERM

# new_ns NAME: creates namespace NAME with lo up and registers it for cleanup.
new_ns() {
  ip netns add "$1" || fail "cannot create network namespace $1"
  NSS+=("$1")
  ip -n "$1" link set lo up
}
new_ns "$NS"

in_ns() { ip netns exec "$NS" "$@"; }

# start_l4 NAME CMD...: runs `l4kit CMD...` inside $NS in the background
# (stdout $WORK/NAME.out, stderr $WORK/NAME.err), waits until it says
# "listening"; sets L4PID. The namespace is $L4NS when set, else $NS.
start_l4() {
  local name=$1
  shift
  ip netns exec "${L4NS:-$NS}" "$L4KIT" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  L4PID=$!
  PIDS+=("$L4PID")
  for _ in $(seq 1 100); do
    grep -q "listening" "$WORK/$name.err" 2>/dev/null && return 0
    kill -0 "$L4PID" 2>/dev/null || fail "l4kit $1 exited at start: $(cat "$WORK/$name.err")"
    sleep 0.05
  done
  fail "l4kit $1 did not start within 5 s"
}

# stop_l4 PID: SIGTERM, expect exit 0.
stop_l4() {
  local rc=0
  kill -TERM "$1"
  wait "$1" || rc=$?
  [ $rc -eq 0 ] || fail "l4kit (pid $1) exited $rc after SIGTERM"
}

# start_py NAME ARGS...: runs kpeer.py ARGS inside $NS in the background
# (stdout $WORK/NAME.out) and waits for its ready file $WORK/NAME.ready; sets PYPID.
start_py() {
  local name=$1
  shift
  rm -f "$WORK/$name.ready"
  ip netns exec "$NS" "$PY" "$HERE/kpeer.py" "$@" --ready "$WORK/$name.ready" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PYPID=$!
  PIDS+=("$PYPID")
  for _ in $(seq 1 100); do
    [ -s "$WORK/$name.ready" ] && return 0
    kill -0 "$PYPID" 2>/dev/null || fail "kpeer $1 exited at start: $(cat "$WORK/$name.err")"
    sleep 0.05
  done
  fail "kpeer $1 did not start within 5 s"
}

# kpeer ARGS...: runs kpeer.py ARGS inside $NS in the foreground.
kpeer() { in_ns timeout 120 "$PY" "$HERE/kpeer.py" "$@"; }

# jget FILE EXPR: evaluates the Python expression EXPR on the JSON object j in FILE.
jget() {
  "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# jline FILE N EXPR: EXPR on the JSON object on line N (1-based; -1 = last) of FILE.
jline() {
  "$PY" -c 'import json,sys; L=[l for l in open(sys.argv[1]) if l.strip()]; j=json.loads(L[int(sys.argv[2]) if int(sys.argv[2])<0 else int(sys.argv[2])-1]); print(eval(sys.argv[3]))' "$1" "$2" "$3"
}
