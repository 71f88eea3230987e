#!/usr/bin/env bash
# tests/h3/interop_cipher_test.sh — the TLS 1.3 cipher suites of RFC 9001
# §5.3 chosen with --ciphers, against ngtcp2 0.12.1's GnuTLS programs over
# loopback (root: a loopback capture):
#   l4kit quic-get --ciphers chacha20 -> gtlsserver : byte-exact; the
#       quic-interop-runner's "chacha20" rule, checked in the capture by
#       decrypting the Initials (no key log needed): every client Initial's
#       ClientHello offers only TLS_CHACHA20_POLY1305_SHA256 (0x1303) and
#       the ServerHello picks it; quic-get reports it
#   gtlsclient offering only ChaCha20-Poly1305 -> quic-server --ciphers
#       chacha20 : byte-exact; the server counts one ChaCha20 connection
#   quic-get --ciphers aes256 -> quic-server --ciphers aes256,chacha20 :
#       TLS_AES_256_GCM_SHA384 both sides report
#   gtlsclient offering only ChaCha20 -> quic-server --ciphers aes128 :
#       no suite in common: the server closes the handshake with
#       CRYPTO_ERROR 0x128 (TLS handshake_failure) in an Initial, no request
#   a bad --ciphers name: exit 2 with a one-line reason
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
for b in /usr/bin/gtlsclient /usr/sbin/gtlsserver /usr/bin/dumpcap /usr/bin/tshark; do
  [ -x "$b" ] || { echo "FAIL: $b missing (scripts/deps.sh installs ngtcp2-client, ngtcp2-server, tshark)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (a loopback capture)"; exit 1; }
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
CHACHA_ONLY="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305" # gtlsclient --ciphers

mkdir -p "$tmp/www" "$tmp/dl1" "$tmp/dl2"
head -c $((3 << 20)) /dev/urandom >"$tmp/www/f3M" # the runner's chacha20 test: 3 MB
h3_cert || fail "openssl could not make a certificate"
same() { # same FILE_A FILE_B
  [ -f "$2" ] || fail "$2 was not downloaded"
  [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ] || fail "$2: SHA-256 differs from $1"
}

# ---- l4kit quic-get --ciphers chacha20 -> gtlsserver, captured ----
GP=$(h3_free_udp_port)
/usr/sbin/gtlsserver -q -d "$tmp/www" 127.0.0.1 "$GP" "$tmp/key.pem" "$tmp/cert.pem" \
  >/dev/null 2>"$tmp/gs.err" &
GS=$!
pids+=($GS)
dumpcap -q -i lo -w "$tmp/c.pcap" -f "udp port $GP" 2>"$tmp/dumpcap.err" &
CAP=$!
pids+=($CAP)
for _ in $(seq 100); do grep -q "Capturing on" "$tmp/dumpcap.err" 2>/dev/null && break; sleep 0.05; done
sleep 0.2
"$L4KIT" quic-get --ciphers chacha20 --cacert "$tmp/cert.pem" -o "$tmp/dl1" --json \
  "https://localhost:$GP/f3M" >"$tmp/g1.json" 2>"$tmp/g1.err" ||
  fail "quic-get --ciphers chacha20 from gtlsserver: $(cat "$tmp/g1.err")"
sleep 0.3
kill -TERM "$CAP"
wait "$CAP" || true
same "$tmp/www/f3M" "$tmp/dl1/f3M"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["ok"] and r["cipher"]=="TLS_CHACHA20_POLY1305_SHA256", r["cipher"]' \
  "$tmp/g1.json" || fail "quic-get did not report ChaCha20-Poly1305"
# Initial packets (long header type 0) decrypt without a key log.
tshark -r "$tmp/c.pcap" -Y "quic.long.packet_type == 0" -T fields -E occurrence=a -E aggregator=';' \
  -e udp.srcport -e tls.handshake.type -e tls.handshake.ciphersuite >"$tmp/init.tsv" 2>"$tmp/tshark.err" ||
  fail "tshark: $(cat "$tmp/tshark.err")"
python3 - "$tmp/init.tsv" "$GP" <<'PY' || fail "Initials: $(cat "$tmp/init.tsv")"
import sys
path, sport = sys.argv[1], sys.argv[2]
hellos = served = 0
for line in open(path):
    f = line.rstrip("\n").split("\t")
    src, types, suites = f[0], f[1].split(";") if f[1] else [], f[2].split(";") if f[2] else []
    if "1" in types:  # a ClientHello: its offer
        assert src != sport and suites == ["0x1303"], ("ClientHello offers", suites)
        hellos += 1
    if "2" in types:  # the ServerHello: the choice
        assert src == sport and suites == ["0x1303"], ("ServerHello picks", suites)
        served += 1
assert hellos >= 1 and served == 1, (hellos, served)
PY
echo "quic-get --ciphers chacha20 <- gtlsserver: byte-exact, ClientHello offers only 0x1303"

# ---- gtlsclient (ChaCha20-Poly1305 only) -> l4kit quic-server --ciphers chacha20 ----
h3_start_server srv --root "$tmp/www" --cert "$tmp/cert.pem" --key "$tmp/key.pem" --json \
  --ciphers chacha20 || fail "quic-server --ciphers chacha20 did not start"
SRV=${pids[-1]}
P=$PORT
rc=0
timeout 30 /usr/bin/gtlsclient -q --exit-on-all-streams-close --ciphers="$CHACHA_ONLY" \
  --download "$tmp/dl2" 127.0.0.1 "$P" "https://localhost:$P/f3M" >"$tmp/gc.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "gtlsclient exit $rc: $(tail -5 "$tmp/gc.out")"
same "$tmp/www/f3M" "$tmp/dl2/f3M"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["ciphers"]; assert r["ok"]==1 and c["TLS_CHACHA20_POLY1305_SHA256"]==1 and c["TLS_AES_128_GCM_SHA256"]==0, r' \
  "$tmp/srv.out" || fail "server report: $(cat "$tmp/srv.out")"
echo "gtlsclient (ChaCha20 only) <- quic-server --ciphers chacha20: byte-exact"

# ---- l4kit both ends: AES-256-GCM ----
h3_start_server srv256 --ciphers aes256,chacha20 --json || fail "quic-server --ciphers aes256,chacha20"
SRV=${pids[-1]}
"$L4KIT" quic-get --insecure --ciphers TLS_AES_256_GCM_SHA384 --json "https://127.0.0.1:$PORT/1M" \
  >"$tmp/g3.json" 2>"$tmp/g3.err" || fail "quic-get --ciphers aes256: $(cat "$tmp/g3.err")"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
python3 - "$tmp/g3.json" "$tmp/srv256.out" <<'PY' || fail "AES-256-GCM not agreed"
import json, sys
g, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert g["ok"] and g["bytes"] == 1 << 20 and g["cipher"] == "TLS_AES_256_GCM_SHA384", g["cipher"]
assert s["ciphers"]["TLS_AES_256_GCM_SHA384"] == 1, s["ciphers"]
PY

# ---- no suite in common: the handshake fails ----
h3_start_server srv128 --ciphers aes128 --json || fail "quic-server --ciphers aes128"
SRV=${pids[-1]}
rc=0
timeout 20 /usr/bin/gtlsclient --exit-on-all-streams-close --ciphers="$CHACHA_ONLY" \
  --download "$tmp/dl3" 127.0.0.1 "$PORT" "https://localhost:$PORT/1M" >"$tmp/gc3.out" 2>&1 || rc=$?
[ "$rc" != 124 ] || fail "gtlsclient with no common suite hung"
# (gtlsclient 0.12.1 exits 0 after a peer's close: its trace tells)
grep -q "rx .* Initial CONNECTION_CLOSE(0x1c) error_code=CRYPTO_ERROR(0x128)" "$tmp/gc3.out" ||
  fail "no CRYPTO_ERROR(0x128) close: $(grep -m3 CONNECTION_CLOSE "$tmp/gc3.out")"
[ ! -s "$tmp/dl3/1M" ] || fail "downloaded without a common suite"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["requests"]==0, r' "$tmp/srv128.out" ||
  fail "a request got through without a common suite"

# ---- bad input ----
for c in quic-get quic-server; do
  rc=0
  "$L4KIT" "$c" --ciphers aes128,aes-128-ccm 127.0.0.1 1 >/dev/null 2>"$tmp/bad.err" || rc=$?
  [ "$rc" = 2 ] && grep -q "unknown cipher suite 'aes-128-ccm' (aes128, aes256, chacha20)" "$tmp/bad.err" ||
    fail "$c bad --ciphers: exit $rc, $(cat "$tmp/bad.err")"
done
echo "interop_cipher_test: ok"
