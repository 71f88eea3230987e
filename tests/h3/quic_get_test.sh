#!/usr/bin/env bash
# tests/h3/quic_get_test.sh — `l4kit quic-get` against `l4kit quic-server`
# over loopback: several files on parallel streams of one connection arrive
# byte-exact (a generated /N object included), certificate verification
# (--cacert, --insecure, and refusing a self-signed certificate), 404,
# path traversal refused, many clients at once, SSLKEYLOGFILE on both
# sides, and the errors a user gets for bad input, a refused port and a
# peer that never answers (no hang).
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/err" ] && cat "$tmp/err" >&2; exit 1; }

# The server's root: a 5 MB random file, a nested one, an index, and a
# symlink pointing out of the root (must not be followed).
mkdir -p "$tmp/www/sub" "$tmp/out"
head -c 5000000 /dev/urandom >"$tmp/www/big.bin"
echo "hello from sub" >"$tmp/www/sub/a.txt"
printf '<h1>index</h1>\n' >"$tmp/www/index.html"
echo "secret" >"$tmp/outside.txt"
ln -s "$tmp/outside.txt" "$tmp/www/escape.txt"
h3_cert || fail "openssl could not make a certificate"
# The generated objects the server answers /1048576 and /300K with.
h3_gen 1048576 "$tmp/gen-1048576"
h3_gen $((300 << 10)) "$tmp/gen-300K"

SSLKEYLOGFILE="$tmp/server.keys" h3_start_server main --root "$tmp/www" --cert "$tmp/cert.pem" \
  --key "$tmp/key.pem" --json || fail "quic-server main did not start"
SRV_PID=${pids[-1]}
P=$PORT
base="https://localhost:$P"

# 1. Five objects on parallel streams, verified against the server's CA.
SSLKEYLOGFILE="$tmp/client.keys" "$L4KIT" quic-get --cacert "$tmp/cert.pem" -o "$tmp/out" --json \
  "$base/big.bin" "$base/sub/a.txt" "$base/" "$base/1048576" "$base/300K" \
  >"$tmp/get.json" 2>"$tmp/err" || fail "parallel fetch failed"
cmp "$tmp/www/big.bin" "$tmp/out/big.bin" || fail "big.bin differs"
cmp "$tmp/www/sub/a.txt" "$tmp/out/a.txt" || fail "a.txt differs"
cmp "$tmp/www/index.html" "$tmp/out/index.html" || fail "index.html differs"
python3 - "$tmp" <<'PY' || fail "generated objects or JSON report wrong"
import json, sys
tmp = sys.argv[1]
for name in ("1048576", "300K"):
    data = open(f"{tmp}/out/{name}", "rb").read()
    assert data == open(f"{tmp}/gen-{name}", "rb").read(), f"{name}: {len(data)} bytes, content differs"
r = json.load(open(f"{tmp}/get.json"))
assert r["ok"] is True and r["error"] is None, r
assert len(r["files"]) == 5
for f in r["files"]:
    assert f["status"] == 200 and f["error"] is None and f["file"], f
    assert f["bytes"] == f["content_length"], f
    assert 0 < f["ttfb_ms"] <= f["ms"], f
assert r["bytes"] == 5000000 + 15 + 15 + (1 << 20) + (300 << 10), r["bytes"]
assert r["handshake_ms"] > 0 and r["handshake_rtts"] >= 1 and r["min_rtt_ms"] > 0, r
assert r["mbps"] > 0 and r["packets_recv"] > 3000, r
PY
grep -q "^CLIENT_TRAFFIC_SECRET_0 " "$tmp/client.keys" || fail "client SSLKEYLOGFILE has no 1-RTT secret"
grep -q "^SERVER_HANDSHAKE_TRAFFIC_SECRET " "$tmp/server.keys" || fail "server SSLKEYLOGFILE empty"

# 2. Text report: one line per URL and the summary with the handshake in RTTs.
"$L4KIT" quic-get --cacert "$tmp/cert.pem" "$base/sub/a.txt" "$base/64K" >"$tmp/get.txt" 2>"$tmp/err" ||
  fail "text report run failed"
grep -q "^200 .*https://localhost:$P/64K  ttfb [0-9.]* ms" "$tmp/get.txt" || fail "no per-file line"
grep -q "over HTTP/3 (TLS_AES_128_GCM_SHA256): handshake [0-9.]* ms = [0-9.]* RTT" "$tmp/get.txt" ||
  fail "no summary line"

# 3. 404 for a missing file: exit 1, the status in the report.
rc=0
"$L4KIT" quic-get --cacert "$tmp/cert.pem" --json "$base/nope.txt" >"$tmp/404.json" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "404 gave exit $rc"
grep -q "HTTP status 404" "$tmp/err" || fail "404 not reported"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['files'][0]['status']==404 and r['ok'] is False" \
  "$tmp/404.json" || fail "404 JSON"

# 4. Path traversal refused (400), encoded or not; a symlink out of the root is not followed.
for path in "/../outside.txt" "/%2e%2e/outside.txt" "/sub/../../outside.txt" "/sub%2f..%2f..%2foutside.txt"; do
  rc=0
  "$L4KIT" quic-get --cacert "$tmp/cert.pem" "$base$path" >"$tmp/trav.txt" 2>"$tmp/err" || rc=$?
  [ "$rc" = 1 ] || fail "traversal $path gave exit $rc"
  grep -q "HTTP status 400" "$tmp/err" || fail "traversal $path not refused with 400"
done
rc=0
"$L4KIT" quic-get --cacert "$tmp/cert.pem" -o "$tmp/out" "$base/escape.txt" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q "HTTP status 404" "$tmp/err" || fail "symlink out of the root was served"
[ ! -e "$tmp/out/outside.txt" ] && [ ! -e "$tmp/out/escape.txt" ] || fail "a refused body was saved"

# 5. Many clients at once, several streams each.
for i in $(seq 8); do
  "$L4KIT" quic-get --cacert "$tmp/cert.pem" --json "$base/200K" "$base/sub/a.txt" "$base/1M" \
    >"$tmp/many$i.json" 2>"$tmp/many$i.err" &
  pids+=($!)
done
for i in $(seq 8); do
  wait "${pids[-$i]}" || fail "concurrent client failed: $(cat "$tmp"/many*.err)"
done
for i in $(seq 8); do
  grep -q '"ok":true' "$tmp/many$i.json" || fail "client $i not ok"
done

# 6. A self-signed certificate: refused by default, accepted with --insecure.
h3_start_server selfsigned || fail "quic-server selfsigned did not start"
rc=0
"$L4KIT" quic-get "https://localhost:$PORT/1" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "unverifiable certificate gave exit $rc"
grep -qi "certificate" "$tmp/err" || fail "no certificate reason: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "more than one line of error"
"$L4KIT" quic-get --insecure "https://127.0.0.1:$PORT/1K" >/dev/null 2>"$tmp/err" || fail "--insecure failed"
"$L4KIT" quic-get --insecure "https://127.0.0.1:$PORT/" >"$tmp/idx.txt" 2>"$tmp/err" || fail "root page"

# 7. Bad input: exit 2 and one line.
for args in "http://localhost/" "https://h:0/" "--bogus https://h/" "" \
  "https://a/ https://b/" "--insecure --cacert $tmp/cert.pem https://h/" "-o /nonexistent https://h/" \
  "--connect-timeout 5 https://h/" "--cc vegas https://h/" "https://h/x https://h/x -o $tmp"; do
  rc=0
  # shellcheck disable=SC2086
  "$L4KIT" quic-get $args >/dev/null 2>"$tmp/err" || rc=$?
  [ "$rc" = 2 ] || fail "quic-get $args: exit $rc, want 2"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "quic-get $args: not one line: $(cat "$tmp/err")"
done
for args in "127.0.0.1" "127.0.0.1 70000" "localhost 443" "--cert $tmp/cert.pem 127.0.0.1 0" "--bogus 127.0.0.1 0"; do
  rc=0
  # shellcheck disable=SC2086
  "$L4KIT" quic-server $args >/dev/null 2>"$tmp/err" || rc=$?
  [ "$rc" = 2 ] || fail "quic-server $args: exit $rc, want 2"
done
rc=0
"$L4KIT" quic-server --root "$tmp/none" 127.0.0.1 0 >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q "root" "$tmp/err" || fail "missing --root not reported"
"$L4KIT" quic-get --help | grep -q "usage: l4kit quic-get" || fail "quic-get --help"
"$L4KIT" quic-server --help | grep -q "usage: l4kit quic-server" || fail "quic-server --help"

# 8. Refused (nothing on the port): a quick, clear failure.
free_port=$(h3_free_udp_port)
rc=0
start=$(date +%s%N)
"$L4KIT" quic-get --insecure "https://127.0.0.1:$free_port/" >/dev/null 2>"$tmp/err" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 1 ] && grep -q "refused" "$tmp/err" || fail "refused port: exit $rc: $(cat "$tmp/err")"
[ "$ms" -lt 3000 ] || fail "refused port took $ms ms"

# 9. A peer that never answers: the handshake times out, no hang.
python3 -c 'import socket,time,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1], flush=True); time.sleep(20)' \
  >"$tmp/hole.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/hole.port" ] && break; sleep 0.05; done
rc=0
start=$(date +%s%N)
"$L4KIT" quic-get --insecure --connect-timeout 1s "https://127.0.0.1:$(cat "$tmp/hole.port")/" \
  >/dev/null 2>"$tmp/err" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 1 ] && grep -q "no QUIC handshake" "$tmp/err" || fail "silent peer: exit $rc: $(cat "$tmp/err")"
[ "$ms" -lt 3000 ] || fail "silent peer took $ms ms"

# 10. The server stops cleanly on SIGTERM with its summary.
kill -TERM "$SRV_PID"
wait "$SRV_PID" || fail "quic-server exit status $?"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['connections']>=15 and r['ok']>=30 and r['client_errors']>=6, r" \
  "$tmp/main.out" || fail "server summary: $(cat "$tmp/main.out")"
echo "quic_get_test: ok"
