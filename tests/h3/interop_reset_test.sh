#!/usr/bin/env bash
# tests/h3/interop_reset_test.sh — Stateless Reset (RFC 9000 §10.3) from
# `l4kit quic-server` across a restart, with ngtcp2 0.12.1's gtlsclient over
# loopback: gtlsclient completes a handshake and waits (--delay-stream)
# before its request; meanwhile the server is killed (SIGKILL: no
# CONNECTION_CLOSE) and started again with the same --cert/--key on the
# same port. The request reaches a server that does not know the
# connection; it answers with a Stateless Reset whose token is the one the
# first run gave in its transport parameters (the key derives from the
# private key), gtlsclient recognises it and stops at once (draining), far
# from its 30 s idle timeout; the second run counts the reset.
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
[ -x /usr/bin/gtlsclient ] || { echo "FAIL: gtlsclient missing (scripts/deps.sh installs ngtcp2-client)"; exit 1; }
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

h3_cert || fail "openssl could not make a certificate"
h3_start_server run1 --cert "$tmp/cert.pem" --key "$tmp/key.pem" --json || fail "first quic-server"
S1=${pids[-1]}
P=$PORT
start=$(date +%s%N)
/usr/bin/gtlsclient --exit-on-all-streams-close --delay-stream=1500ms 127.0.0.1 "$P" \
  "https://localhost:$P/1M" >"$tmp/gc.out" 2>&1 &
GC=$!
pids+=($GC)
for _ in $(seq 100); do grep -q "QUIC handshake has completed" "$tmp/gc.out" 2>/dev/null && break; sleep 0.02; done
grep -q "QUIC handshake has completed" "$tmp/gc.out" || fail "gtlsclient: no handshake: $(tail -3 "$tmp/gc.out")"
kill -KILL "$S1"
wait "$S1" 2>/dev/null || true
"$L4KIT" quic-server --cert "$tmp/cert.pem" --key "$tmp/key.pem" --json 127.0.0.1 "$P" \
  >"$tmp/run2.out" 2>"$tmp/run2.err" &
S2=$!
pids+=($S2)
for _ in $(seq 100); do grep -q "listening on" "$tmp/run2.err" 2>/dev/null && break; sleep 0.05; done
rc=0
wait "$GC" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
kill -TERM "$S2"
wait "$S2" || fail "second quic-server exit status"
[ "$rc" = 0 ] || fail "gtlsclient exit $rc"
[ "$ms" -lt 8000 ] || fail "gtlsclient took $ms ms: not reset, idled out?"
token=$(sed -n 's/.*remote transport_parameters stateless_reset_token=\(0x[0-9a-f]*\).*/\1/p' "$tmp/gc.out" | head -1)
[ -n "$token" ] || fail "no stateless_reset_token in the first run's transport parameters"
grep -q "pkt rx 0 SR token=$token" "$tmp/gc.out" ||
  fail "gtlsclient saw no Stateless Reset with token $token: $(grep -m3 ' SR \|DRAINING' "$tmp/gc.out")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["stateless_resets"]>=1 and r["connections"]==0, r' \
  "$tmp/run2.out" || fail "second run: $(cat "$tmp/run2.out")"
echo "gtlsclient reset by the restarted quic-server (token $token) after $ms ms"
echo "interop_reset_test: ok"
