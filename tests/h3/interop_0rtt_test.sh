#!/usr/bin/env bash
# tests/h3/interop_0rtt_test.sh — session resumption and 0-RTT (RFC 9001
# §4.6) between l4kit and ngtcp2's GnuTLS examples (Debian ngtcp2-client /
# ngtcp2-server 0.12.1) over loopback, both ways, byte-exact:
#   gtlsclient -> l4kit quic-server: with --session-file and --tp-file the
#     second connection sends its requests in 0-RTT packets, the server
#     takes them (its counters: resumed, 0-RTT, early requests; gtlsclient
#     sees its 0-RTT packet acknowledged and sends no request again) and the
#     resumed handshake has no certificate (the server's Handshake CRYPTO
#     is a fraction of the first one's); against `quic-server --no-0rtt`
#     the 0-RTT is refused and the requests still arrive, in 1-RTT;
#   l4kit quic-get --session -> gtlsserver -V: the first visit gets a Retry
#     and a NEW_TOKEN token; the second carries the token (no Retry),
#     resumes, and gtlsserver logs the GETs arriving in 0-RTT STREAM frames.
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
GTLSCLIENT=/usr/bin/gtlsclient
GTLSSERVER=/usr/sbin/gtlsserver
for b in "$GTLSCLIENT" "$GTLSSERVER"; do
  [ -x "$b" ] || { echo "FAIL: $b missing: install ngtcp2-client ngtcp2-server (scripts/deps.sh)"; exit 1; }
done
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www" "$tmp/dl"
head -c 50000 /dev/urandom >"$tmp/www/f50k.bin"
echo "small file" >"$tmp/www/small.txt"
h3_cert || fail "openssl could not make a certificate"

# gc N PORT: gtlsclient with session, transport parameters and its packet log in $tmp/gc$N.log
gc() {
  local n=$1 p=$2
  rm -rf "$tmp/dl" && mkdir -p "$tmp/dl"
  timeout 20 "$GTLSCLIENT" --exit-on-all-streams-close --no-http-dump \
    --session-file "$tmp/gsess$p" --tp-file "$tmp/gtp$p" --download "$tmp/dl" 127.0.0.1 "$p" \
    "https://localhost:$p/f50k.bin" "https://localhost:$p/small.txt" >"$tmp/gc$n.log" 2>&1 ||
    fail "gtlsclient run $n: exit $?: $(tail -3 "$tmp/gc$n.log")"
  cmp "$tmp/www/f50k.bin" "$tmp/dl/f50k.bin" || fail "run $n: f50k.bin differs"
  cmp "$tmp/www/small.txt" "$tmp/dl/small.txt" || fail "run $n: small.txt differs"
}
# hs_crypto LOG: bytes of Handshake CRYPTO the client received
hs_crypto() {
  sed -n 's/.*frm rx [0-9]* Handshake CRYPTO(0x06) offset=[0-9]* len=\([0-9]*\).*/\1/p' "$1" |
    awk '{s += $1} END {print s + 0}'
}

# ---- gtlsclient -> l4kit quic-server ----
h3_start_server main --root "$tmp/www" --cert "$tmp/cert.pem" --key "$tmp/key.pem" --json ||
  fail "quic-server did not start"
SRV=${pids[-1]}
P=$PORT
gc 1 "$P"
[ -s "$tmp/gsess$P" ] && [ -s "$tmp/gtp$P" ] || fail "gtlsclient kept no session / parameters"
gc 2 "$P"
python3 - "$tmp/gc2.log" <<'PY' || fail "run 2: gtlsclient's 0-RTT was not taken as it should"
import re, sys
log = open(sys.argv[1]).read()
assert "Early data was rejected" not in log
tx0 = [int(m) for m in re.findall(r"pkt tx pkn=(\d+) .* type=0RTT", log)]
assert tx0, "no 0-RTT packet sent"
# the requests (client bidirectional streams 0 and 4) went in 0-RTT, never again in 1-RTT
early = re.findall(r"frm tx \d+ 0RTT STREAM\(0x0[8-f]\) id=0x(\w+) fin=1 offset=0", log)
assert {"0", "4"} <= set(early), early
again = re.findall(r"frm tx \d+ 1RTT STREAM\(0x0[8-f]\) id=0x([04]) ", log)
assert not again, again
# their packets acknowledged by 1-RTT ACK frames (one application space)
acked = set()
for m in re.finditer(r"frm rx \d+ 1RTT ACK\(0x0[23]\) range=\[(\d+)\.\.(\d+)\]", log):
    hi, lo = int(m.group(1)), int(m.group(2))
    acked |= set(range(lo, hi + 1))
assert set(tx0) <= acked, (tx0, sorted(acked)[:10])
PY
c1=$(hs_crypto "$tmp/gc1.log")
c2=$(hs_crypto "$tmp/gc2.log")
[ "$c2" -gt 0 ] && [ $((c2 * 2)) -lt "$c1" ] ||
  fail "resumed handshake not shorter (no certificate): $c1 then $c2 bytes of Handshake CRYPTO"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
python3 - "$tmp/main.out" <<'PY' || fail "server counters: $(cat "$tmp/main.out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["connections"] == 2 and r["ok"] == 4, r
assert r["resumed"] == 1 and r["zero_rtt"] == 1 and r["early_requests"] == 2, r
PY
echo "gtlsclient -> quic-server: 0-RTT accepted ($c1 -> $c2 bytes of Handshake CRYPTO)"

h3_start_server noearly --no-0rtt --root "$tmp/www" --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
  --json || fail "quic-server --no-0rtt did not start"
SRV=${pids[-1]}
P=$PORT
gc 3 "$P"
gc 4 "$P"
grep -q "type=0RTT" "$tmp/gc4.log" || fail "run 4: gtlsclient sent no 0-RTT"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server --no-0rtt exit status"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['resumed'] == 1 and r['zero_rtt'] == 0 and r['early_requests'] == 0 and r['ok'] == 4, r" \
  "$tmp/noearly.out" || fail "--no-0rtt counters: $(cat "$tmp/noearly.out")"
echo "gtlsclient -> quic-server --no-0rtt: 0-RTT refused, requests resent in 1-RTT"

# ---- l4kit quic-get -> gtlsserver -V ----
GP=$(h3_free_udp_port)
"$GTLSSERVER" -V -d "$tmp/www" 127.0.0.1 "$GP" "$tmp/key.pem" "$tmp/cert.pem" >"$tmp/gs.log" 2>&1 &
pids+=($!)
sleep 0.3
S="$tmp/session"
for n in 1 2; do
  rm -rf "$tmp/dl" && mkdir -p "$tmp/dl"
  "$L4KIT" quic-get --cacert "$tmp/cert.pem" --session "$S" -o "$tmp/dl" --json \
    "https://localhost:$GP/f50k.bin" "https://localhost:$GP/small.txt" >"$tmp/get$n.json" \
    2>"$tmp/get.err" || fail "quic-get run $n: $(cat "$tmp/get.err")"
  cmp "$tmp/www/f50k.bin" "$tmp/dl/f50k.bin" || fail "quic-get run $n: f50k.bin differs"
  cmp "$tmp/www/small.txt" "$tmp/dl/small.txt" || fail "quic-get run $n: small.txt differs"
done
python3 - "$tmp/get1.json" "$tmp/get2.json" <<'PY' || fail "quic-get reports: $(cat "$tmp/get1.json" "$tmp/get2.json")"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert not a["resumed"] and a["zero_rtt"] == "none" and a["session_saved"], a
assert b["resumed"] and b["zero_rtt"] == "accepted" and b["zero_rtt_packets"] >= 1, b
PY
grep -q "^token " "$S" || fail "no NEW_TOKEN token kept from gtlsserver"
python3 - "$tmp/gs.log" <<'PY' || fail "gtlsserver's log does not show the 0-RTT requests or the token"
import re, sys
log = open(sys.argv[1]).read()
# one Retry (first visit); the second visit's token verified instead
assert log.count("Sending Retry packet") == 1, log.count("Sending Retry packet")
assert "Verifying token from" in log
assert re.search(r"pkt rx pkn=\d+ .* type=0RTT", log)
reqs = re.findall(r"frm rx \d+ 0RTT STREAM\(0x0[8-f]\) id=0x([04]) fin=1", log)
assert set(reqs) == {"0", "4"}, reqs
PY
echo "quic-get -> gtlsserver -V: token skipped the Retry, GETs in 0-RTT"
echo "PASS interop_0rtt_test"
