#!/usr/bin/env bash
# tests/h3/quic_cc_test.sh — congestion control in `l4kit quic-server` /
# `quic-get` (--cc reno|cubic|bbr, NewReno by default) over loopback:
# - each algorithm downloads a generated object byte-exact, both ends
#   report the algorithm, and the server's qlog shows it at work (BBR paces:
#   a pacing rate in its metrics; Reno and CUBIC do not pace);
# - the first flight is the RFC 9002 §7.2 initial window (ten datagrams:
#   congestion_window 14520 for 1452-byte datagrams in the qlog);
# - BBR is not throttled by its own pacing over a fast path: its 200 MiB
#   download reaches at least 40 % of NewReno's rate in the same run (before
#   the send quantum and the offload budget it got 12 %: a pacer wake-up per
#   three datagrams and a window of 2 BDP + 3 packets);
# - an unknown name is refused with exit 2 and the list of names.
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/out"
h3_gen 2097152 "$tmp/gen-2M"
for cc in reno cubic bbr default; do
  mkdir -p "$tmp/q-$cc"
  args=(--cc "$cc")
  [ "$cc" = default ] && args=()
  h3_start_server "srv-$cc" "${args[@]}" --qlog "$tmp/q-$cc" --json || fail "quic-server --cc $cc"
  srv=${pids[-1]}
  "$L4KIT" quic-get --insecure "${args[@]}" --json -o "$tmp/out" "https://127.0.0.1:$PORT/2M" \
    >"$tmp/get-$cc.json" 2>"$tmp/get-$cc.err" || fail "quic-get --cc $cc: $(cat "$tmp/get-$cc.err")"
  cmp "$tmp/gen-2M" "$tmp/out/2M" || fail "--cc $cc: body differs"
  rm -f "$tmp/out/2M"
  kill -TERM "$srv"
  wait "$srv" || fail "quic-server --cc $cc exit $?"
  python3 - "$cc" "$tmp/get-$cc.json" "$tmp/srv-$cc.out" "$tmp/q-$cc" <<'PY' || fail "--cc $cc report/qlog"
import glob, json, sys
cc, get, srv, qdir = sys.argv[1:]
name = "reno" if cc == "default" else cc
g = json.load(open(get))
s = json.loads(open(srv).read())
assert g["ok"] and g["cc"] == name and s["cc"] == name, (g["cc"], s["cc"])
files = glob.glob(qdir + "/*_server.sqlog")
assert len(files) == 1, files
metrics = []
for line in open(files[0]):
    r = json.loads(line.lstrip("\x1e"))
    if r.get("name") == "recovery:metrics_updated":
        metrics.append(r["data"])
cw = [m["congestion_window"] for m in metrics if "congestion_window" in m]
assert cw and cw[0] == 14520, cw[:3]  # RFC 9002 §7.2: 10 x 1452
paced = [m.get("pacing_rate", 0) for m in metrics if m.get("pacing_rate", 0) > 0]
if name == "bbr":
    assert len(paced) > 10, len(paced)
else:
    assert not paced, paced[:3]
PY
done

# BBR's rate over loopback against NewReno's, measured now.
h3_start_server rate || fail "quic-server for the rates"
RP=$PORT
h3_start_server rate-bbr --cc bbr || fail "quic-server --cc bbr for the rates"
BP=$PORT
size=$((200 << 20))
mbps() {
  "$L4KIT" quic-get --insecure --json "https://127.0.0.1:$1/$size" >"$tmp/r.json" 2>"$tmp/r.err" ||
    fail "rate run: $(cat "$tmp/r.err")"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["bytes"]==int(sys.argv[2]); print(r["mbps"])' \
    "$tmp/r.json" "$size" || fail "rate run: wrong size"
}
reno=$(mbps "$RP")
bbr=$(mbps "$BP")
echo "loopback 200 MiB: NewReno $reno Mbit/s, BBR $bbr Mbit/s"
python3 -c 'import sys; r,b=map(float,sys.argv[1:]); assert b >= 0.4*r, (r,b)' "$reno" "$bbr" ||
  fail "BBR at $bbr Mbit/s, under 40 % of NewReno's $reno"

# Bad names: exit 2, one line naming the choices.
for c in quic-get quic-server; do
  rc=0
  "$L4KIT" "$c" --cc vegas 127.0.0.1 1 >/dev/null 2>"$tmp/bad.err" || rc=$?
  [ "$rc" = 2 ] && grep -q "unknown congestion control 'vegas' (reno, cubic, bbr)" "$tmp/bad.err" ||
    fail "$c --cc vegas: exit $rc, $(cat "$tmp/bad.err")"
done
"$L4KIT" quic-get --help | grep -q "reno (NewReno, the default), cubic, bbr" || fail "--help"
echo "quic_cc_test: ok"
