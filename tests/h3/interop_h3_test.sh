#!/usr/bin/env bash
# tests/h3/interop_h3_test.sh — HTTP/3 between l4kit and ngtcp2's GnuTLS
# example programs (Debian ngtcp2-client / ngtcp2-server 0.12.1; installed
# by scripts/deps.sh) over loopback, both directions, byte-exact by SHA-256:
#   gtlsclient -> l4kit quic-server : a 100 MiB file, a 1 MiB file, a small
#                                     one and a generated /N object, on
#                                     parallel streams of one connection
#   l4kit quic-get -> gtlsserver    : the same files, certificate verified
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
GTLSCLIENT=/usr/bin/gtlsclient
GTLSSERVER=/usr/sbin/gtlsserver
for b in "$GTLSCLIENT" "$GTLSSERVER"; do
  [ -x "$b" ] || { echo "FAIL: $b missing: install ngtcp2-client ngtcp2-server (scripts/deps.sh)"; exit 1; }
done
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www" "$tmp/dl1" "$tmp/dl2"
head -c $((100 << 20)) /dev/urandom >"$tmp/www/big100M.bin"
head -c $((1 << 20)) /dev/urandom >"$tmp/www/one.bin"
echo "small file" >"$tmp/www/small.txt"
h3_cert || fail "openssl could not make a certificate"
h3_gen 3000000 "$tmp/gen3M" # the generated object l4kit serves for /3000000
same() { # same FILE_A FILE_B
  [ -f "$2" ] || fail "$2 was not downloaded"
  [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ] || fail "$2: SHA-256 differs from $1"
}

# ---- gtlsclient -> l4kit quic-server ----
h3_start_server srv --root "$tmp/www" --cert "$tmp/cert.pem" --key "$tmp/key.pem" --json ||
  fail "quic-server did not start"
SRV=${pids[-1]}
P=$PORT
start=$(date +%s%N)
rc=0
timeout 60 "$GTLSCLIENT" -q --exit-on-all-streams-close --download "$tmp/dl1" 127.0.0.1 "$P" \
  "https://localhost:$P/big100M.bin" "https://localhost:$P/one.bin" \
  "https://localhost:$P/small.txt" "https://localhost:$P/3000000" >"$tmp/gc.out" 2>&1 || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 0 ] || fail "gtlsclient exit $rc: $(tail -5 "$tmp/gc.out")"
same "$tmp/www/big100M.bin" "$tmp/dl1/big100M.bin"
same "$tmp/www/one.bin" "$tmp/dl1/one.bin"
same "$tmp/www/small.txt" "$tmp/dl1/small.txt"
same "$tmp/gen3M" "$tmp/dl1/3000000"
echo "gtlsclient <- l4kit quic-server: 4 files, $((104 + 3)) MB in $ms ms"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['connections']==1 and r['ok']==4, r" \
  "$tmp/srv.out" || fail "server: not one connection with 4 requests: $(cat "$tmp/srv.out")"

# ---- l4kit quic-get -> gtlsserver ----
GP=$(h3_free_udp_port)
"$GTLSSERVER" -q --max-dyn-length=8M -d "$tmp/www" 127.0.0.1 "$GP" "$tmp/key.pem" "$tmp/cert.pem" \
  >/dev/null 2>"$tmp/gs.err" &
pids+=($!)
sleep 0.3
start=$(date +%s%N)
"$L4KIT" quic-get --cacert "$tmp/cert.pem" -o "$tmp/dl2" --json \
  "https://localhost:$GP/big100M.bin" "https://localhost:$GP/one.bin" \
  "https://localhost:$GP/small.txt" "https://localhost:$GP/3000000" >"$tmp/get.json" 2>"$tmp/get.err" ||
  fail "quic-get from gtlsserver: $(cat "$tmp/get.err")"
ms=$((($(date +%s%N) - start) / 1000000))
same "$tmp/www/big100M.bin" "$tmp/dl2/big100M.bin"
same "$tmp/www/one.bin" "$tmp/dl2/one.bin"
same "$tmp/www/small.txt" "$tmp/dl2/small.txt"
# gtlsserver's /N objects are its own bytes: check the length it promised.
[ "$(stat -c %s "$tmp/dl2/3000000")" = 3000000 ] || fail "gtlsserver /3000000 length"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['ok'] and all(f['status']==200 and f['bytes']==f['content_length'] for f in r['files']), r" \
  "$tmp/get.json" || fail "quic-get report"
echo "l4kit quic-get <- gtlsserver: 4 files, $((104 + 3)) MB in $ms ms"
echo "interop_h3_test: ok"
