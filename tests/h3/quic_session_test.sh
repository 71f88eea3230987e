#!/usr/bin/env bash
# tests/h3/quic_session_test.sh — `l4kit quic-get --session FILE` against
# `l4kit quic-server` through a UDP relay that delays each direction 25 ms
# (tests/h3/udp_delay.py; RTT 100 ms, so round trips can be counted even when a sanitizer build spends milliseconds of CPU per handshake):
#   1. first visit to a --retry server: a Retry (2 RTT handshake), first
#      byte after 3 RTT; the session file (mode 0600) gets a ticket, the
#      NEW_TOKEN token and the server's transport parameters;
#   2. second visit: the token skips the Retry, the session resumes, the
#      requests go in 0-RTT and are accepted: handshake and first byte
#      after 1 RTT, files byte-exact;
#   3. --no-0rtt: resumed, requests after the handshake (first byte 2 RTT);
#   4. a server started with --no-0rtt refuses 0-RTT: the requests are
#      resent in 1-RTT and arrive (a new server process: its tickets and
#      tokens are new, so this run also gets a Retry-free full handshake);
#   5. bad session files are refused with a reason (exit 2); a session of
#      another server is not used and is replaced.
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/err" ] && cat "$tmp/err" >&2; exit 1; }

mkdir -p "$tmp/www" "$tmp/o1" "$tmp/o2" "$tmp/o3" "$tmp/o4"
head -c 30000 /dev/urandom >"$tmp/www/f30k.bin"
h3_cert || fail "openssl could not make a certificate"
h3_gen 4000 "$tmp/gen4000"
h3_start_server main --retry --root "$tmp/www" --cert "$tmp/cert.pem" --key "$tmp/key.pem" --json ||
  fail "quic-server did not start"
SRV=${pids[-1]}
relay() { # relay PORT: starts a 50 ms relay to PORT, sets RP
  python3 "$(dirname "$0")/udp_delay.py" "$1" 50 >"$tmp/relay.$1" &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$tmp/relay.$1" ] && break; sleep 0.05; done
  RP=$(head -1 "$tmp/relay.$1")
  [ -n "$RP" ] || fail "relay did not start"
}
relay "$PORT"
S="$tmp/session"
get() { # get N OUTDIR ARGS...: quic-get via the relay, JSON in $tmp/get$N.json
  local n=$1 o=$2
  shift 2
  "$L4KIT" quic-get --cacert "$tmp/cert.pem" --json -o "$o" "$@" \
    "https://localhost:$RP/f30k.bin" "https://localhost:$RP/4000" >"$tmp/get$n.json" 2>"$tmp/err" ||
    fail "quic-get run $n: $(cat "$tmp/get$n.json")"
  cmp "$tmp/www/f30k.bin" "$o/f30k.bin" || fail "run $n: f30k.bin differs"
  cmp "$tmp/gen4000" "$o/4000" || fail "run $n: /4000 differs"
}
check() { # check N PYTHON-EXPR: asserts about run N's report r
  python3 - "$tmp/get$1.json" "$2" <<'PY' || fail "run $1: $2: $(cat "$tmp/get$1.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] and 95 < r["min_rtt_ms"] < 150, r
assert eval(sys.argv[2]), sys.argv[2]
PY
}

get 1 "$tmp/o1" --session "$S"
check 1 'not r["resumed"] and r["zero_rtt"] == "none" and r["session_saved"]'
check 1 '1.8 < r["handshake_rtts"] < 2.6 and 2.8 < r["ttfb_rtts"] < 3.6' # Retry, then 1-RTT
[ "$(stat -c %a "$S")" = 600 ] || fail "session file mode $(stat -c %a "$S")"
grep -q "^server localhost:$RP$" "$S" && grep -q "^ticket [0-9a-f]*$" "$S" &&
  grep -q "^token a2[0-9a-f]*$" "$S" && grep -q "^tp [0-9a-f]*$" "$S" ||
  fail "session file: $(cut -c1-60 "$S")"

get 2 "$tmp/o2" --session "$S"
check 2 'r["resumed"] and r["zero_rtt"] == "accepted" and r["zero_rtt_packets"] >= 1'
check 2 'r["zero_rtt_bytes"] > 0 and r["session_saved"]'
check 2 '0.8 < r["handshake_rtts"] < 1.5 and 0.8 < r["ttfb_rtts"] < 1.5' # answered in 0.5-RTT

get 3 "$tmp/o3" --session "$S" --no-0rtt
check 3 'r["resumed"] and r["zero_rtt"] == "none" and r["zero_rtt_packets"] == 0'
check 3 '0.8 < r["handshake_rtts"] < 1.5 and 1.8 < r["ttfb_rtts"] < 2.6'

kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
python3 - "$tmp/main.out" <<'PY' || fail "server counters: $(cat "$tmp/main.out")"
import json, sys
r = json.load(open(sys.argv[1]))
# one Retry (run 1); runs 2 and 3 brought the token; 2 resumed, 1 with 0-RTT
assert r["connections"] == 3 and r["ok"] == 6 and r["retries"] == 1, r
assert r["tokens_valid"] == 3 and r["resumed"] == 2 and r["zero_rtt"] == 1, r
assert r["early_requests"] == 2, r
PY

# 4. a server that refuses 0-RTT: its tickets resume, the early requests go again in 1-RTT
h3_start_server noearly --no-0rtt --root "$tmp/www" --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
  --json || fail "quic-server --no-0rtt did not start"
SRV2=${pids[-1]}
relay "$PORT"
S2="$tmp/session2"
get 4 "$tmp/o4" --session "$S2"
get 5 "$tmp/o4" --session "$S2"
check 5 'r["resumed"] and r["zero_rtt"] == "rejected" and r["zero_rtt_packets"] >= 1'
check 5 '1.8 < r["ttfb_rtts"] < 2.6'
kill -TERM "$SRV2"
wait "$SRV2" || fail "quic-server --no-0rtt exit status"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['resumed'] == 1 and r['zero_rtt'] == 0 and r['early_requests'] == 0 and r['ok'] == 4, r" \
  "$tmp/noearly.out" || fail "--no-0rtt server counters: $(cat "$tmp/noearly.out")"

# 5. bad session files; a session of another server
bad() { # bad CONTENT REASON
  printf '%b' "$1" >"$tmp/bad"
  rc=0
  "$L4KIT" quic-get --session "$tmp/bad" "https://localhost:$RP/1" >/dev/null 2>"$tmp/e" || rc=$?
  [ "$rc" = 2 ] && grep -q -- "--session $tmp/bad: .*$2" "$tmp/e" ||
    fail "bad session '$1': rc $rc: $(cat "$tmp/e")"
}
bad 'hello\n' "not an l4kit session file"
bad 'l4kit-quic-session 1\nserver a:1\nticket 0g\n' "not hex"
bad 'l4kit-quic-session 1\nserver a:1\nticket 00\nticket 00\n' "twice"
bad 'l4kit-quic-session 1\nserver a:1\nticket 001\n' "not hex"
bad 'l4kit-quic-session 1\nserver a:1\n' "no server or no ticket"
bad 'l4kit-quic-session 1\nserver a:1\nticket 00\ncolour blue\n' "unknown key"
bad 'l4kit-quic-session 1\nserver a:1\nticket 00\ntp 0401\n' "transport parameters"
rc=0
"$L4KIT" quic-get --no-0rtt "https://localhost:$RP/1" >/dev/null 2>"$tmp/e" || rc=$?
[ "$rc" = 2 ] || fail "--no-0rtt without --session: rc $rc"
sed -i "s/^server .*/server elsewhere:443/" "$S"
h3_start_server again --root "$tmp/www" --cert "$tmp/cert.pem" --key "$tmp/key.pem" ||
  fail "quic-server did not start again"
relay "$PORT"
get 6 "$tmp/o4" --session "$S"
check 6 'not r["resumed"] and r["zero_rtt"] == "none" and r["session_saved"]'
grep -q "^server localhost:$RP$" "$S" || fail "the session of another server was not replaced"
echo "PASS quic_session_test"
