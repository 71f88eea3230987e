#!/usr/bin/env bash
# tests/h3/interop_preferred_test.sh — the server's preferred address (RFC
# 9000 §9.6) over loopback, with ngtcp2 0.12.1's programs both ways:
#   gtlsclient -> quic-server --preferred 127.0.0.2:0 : gtlsclient selects
#       the address, sends there with the connection ID that came with it,
#       validates the path (PATH_RESPONSE from the server); the server
#       counts one validated client migration; byte-exact. With
#       --no-preferred-addr nothing moves.
#   quic-get -> gtlsserver --preferred-ipv4-addr : quic-get moves there
#       once the handshake is confirmed, the path validates (gtlsserver
#       answered the PATH_CHALLENGE); byte-exact. --no-preferred-addr stays.
#   quic-get -> quic-server --preferred : the same between l4kit's two ends.
#   bad --preferred values: exit 2 with a one-line reason.
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
for b in /usr/bin/gtlsclient /usr/sbin/gtlsserver; do
  [ -x "$b" ] || { echo "FAIL: $b missing (scripts/deps.sh installs ngtcp2-client, ngtcp2-server)"; exit 1; }
done
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www" "$tmp/dl1" "$tmp/dl2" "$tmp/dl3"
head -c $((3 << 20)) /dev/urandom >"$tmp/www/f3M"
h3_cert || fail "openssl could not make a certificate"
same() { # same FILE_A FILE_B
  [ -f "$2" ] || fail "$2 was not downloaded"
  [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ] || fail "$2: SHA-256 differs from $1"
}

# ---- gtlsclient -> l4kit quic-server --preferred ----
h3_start_server srv --root "$tmp/www" --cert "$tmp/cert.pem" --key "$tmp/key.pem" --json \
  --preferred 127.0.0.2:0 || fail "quic-server --preferred did not start"
SRV=${pids[-1]}
P=$PORT
PP=$(sed -n 's/.* and 127\.0\.0\.2:\([0-9]*\) (preferred).*/\1/p' "$tmp/srv.err")
[ -n "$PP" ] || fail "quic-server does not say where its preferred address is: $(cat "$tmp/srv.err")"
# traced (a small object: gtlsclient's trace costs more than the transfer)
timeout 30 /usr/bin/gtlsclient --exit-on-all-streams-close --download "$tmp/dl1" 127.0.0.1 "$P" \
  "https://localhost:$P/200K" >"$tmp/gc.out" 2>&1 || fail "gtlsclient: $(tail -3 "$tmp/gc.out")"
h3_gen $((200 << 10)) "$tmp/gen200K"
same "$tmp/gen200K" "$tmp/dl1/200K"
grep -q "selected server preferred_address is \[127.0.0.2\]:$PP" "$tmp/gc.out" ||
  fail "gtlsclient did not select [127.0.0.2]:$PP: $(grep -m2 preferred "$tmp/gc.out")"
pcid=$(sed -n 's/.*remote transport_parameters preferred_address.cid=\(0x[0-9a-f]*\).*/\1/p' "$tmp/gc.out")
[ -n "$pcid" ] || fail "no preferred_address.cid in gtlsclient's trace"
grep -q "pkt tx .* dcid=$pcid type=1RTT" "$tmp/gc.out" || fail "gtlsclient never sent to the preferred CID"
grep -q "frm rx .* PATH_RESPONSE" "$tmp/gc.out" || fail "gtlsclient got no PATH_RESPONSE"
# quiet, 3 MiB (the server's count says it moved)
timeout 30 /usr/bin/gtlsclient -q --exit-on-all-streams-close --download "$tmp/dl1" 127.0.0.1 "$P" \
  "https://localhost:$P/f3M" >"$tmp/gc1.out" 2>&1 || fail "gtlsclient: $(tail -3 "$tmp/gc1.out")"
same "$tmp/www/f3M" "$tmp/dl1/f3M"
# without following it
timeout 30 /usr/bin/gtlsclient -q --no-preferred-addr --exit-on-all-streams-close \
  --download "$tmp/dl2" 127.0.0.1 "$P" "https://localhost:$P/f3M" >"$tmp/gc2.out" 2>&1 ||
  fail "gtlsclient --no-preferred-addr: $(tail -3 "$tmp/gc2.out")"
same "$tmp/www/f3M" "$tmp/dl2/f3M"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["connections"]==3 and r["ok"]==3 and r["migrations"]==2 and r["paths_validated"]==2 and r["paths_failed"]==0, r' \
  "$tmp/srv.out" || fail "server report: $(cat "$tmp/srv.out")"
echo "gtlsclient -> quic-server --preferred: moved to 127.0.0.2:$PP (CID $pcid), validated, byte-exact"

# ---- l4kit quic-get -> gtlsserver --preferred-ipv4-addr ----
GP=$(h3_free_udp_port)
GPP=$(h3_free_udp_port)
/usr/sbin/gtlsserver -d "$tmp/www" --preferred-ipv4-addr="127.0.0.2:$GPP" 127.0.0.1 "$GP" \
  "$tmp/key.pem" "$tmp/cert.pem" >"$tmp/gs.out" 2>&1 &
pids+=($!)
sleep 0.3
"$L4KIT" quic-get --cacert "$tmp/cert.pem" -o "$tmp/dl3" --json "https://localhost:$GP/f3M" \
  >"$tmp/g1.json" 2>"$tmp/g1.err" || fail "quic-get from gtlsserver: $(cat "$tmp/g1.err")"
same "$tmp/www/f3M" "$tmp/dl3/f3M"
python3 - "$tmp/g1.json" "127.0.0.2:$GPP" <<'PY' || fail "quic-get did not move to gtlsserver's preferred address"
import json, sys
r = json.load(open(sys.argv[1]))
p = r["preferred_address"]
assert r["ok"] and p["offered"] == sys.argv[2] and p["moved"] and p["validated"], p
PY
grep -q "frm rx .* PATH_CHALLENGE" "$tmp/gs.out" || fail "gtlsserver saw no PATH_CHALLENGE"
"$L4KIT" quic-get --cacert "$tmp/cert.pem" --no-preferred-addr --json "https://localhost:$GP/f3M" \
  >"$tmp/g2.json" 2>"$tmp/g2.err" || fail "quic-get --no-preferred-addr: $(cat "$tmp/g2.err")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); p=r["preferred_address"]; assert r["ok"] and r["bytes"]==3<<20 and p["offered"] and not p["moved"], p' \
  "$tmp/g2.json" || fail "quic-get --no-preferred-addr moved"
echo "quic-get -> gtlsserver --preferred-ipv4-addr: moved to 127.0.0.2:$GPP, validated, byte-exact"

# ---- l4kit both ends ----
h3_start_server srv2 --preferred 127.0.0.2:0 --json || fail "quic-server --preferred"
SRV=${pids[-1]}
"$L4KIT" quic-get --insecure --json "https://127.0.0.1:$PORT/5M" >"$tmp/g3.json" 2>"$tmp/g3.err" ||
  fail "quic-get from quic-server --preferred: $(cat "$tmp/g3.err")"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
python3 - "$tmp/g3.json" "$tmp/srv2.out" <<'PY' || fail "l4kit to l4kit preferred address"
import json, sys
g, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
p = g["preferred_address"]
assert g["ok"] and g["bytes"] == 5 << 20 and p["moved"] and p["validated"], p
assert p["offered"].startswith("127.0.0.2:"), p
assert s["migrations"] == 1 and s["paths_validated"] == 1, s
PY

# ---- bad input ----
for v in "0.0.0.0:4433" "127.0.0.1" "localhost:4433" "[::1:4433" "127.0.0.1:70000"; do
  rc=0
  "$L4KIT" quic-server --preferred "$v" 127.0.0.1 0 >/dev/null 2>"$tmp/bad.err" || rc=$?
  [ "$rc" = 2 ] && grep -qF "bad --preferred '$v'" "$tmp/bad.err" ||
    fail "--preferred $v: exit $rc, $(cat "$tmp/bad.err")"
done
echo "interop_preferred_test: ok"
