#!/usr/bin/env bash
# tests/tools/dissect_quic_interop_test.sh — `l4kit dissect --keylog` on a
# loopback capture of QUIC that other implementations made (ngtcp2 0.12's
# GnuTLS examples; root: dumpcap on lo), against tshark on the same capture
# and key log (SSLKEYLOGFILE, which GnuTLS writes itself):
#   1. gtlsclient -> gtlsserver -V: a Retry, ChaCha20-Poly1305
#      (TLS_CHACHA20_POLY1305_SHA256) and a key update by the client;
#   2. and 3. gtlsclient with a session -> gtlsserver: AES-256-GCM (48-byte
#      secrets), the second connection resumed with 0-RTT packets;
#   4. l4kit quic-get -> l4kit quic-server --retry: l4kit's own Retry, and
#      UDP GSO: the capture on the sending host holds each sendmsg as one
#      "datagram" of many segments, which dissect splits (tshark does not;
#      the ngtcp2 runs send without GSO so tshark checks every packet).
# Every QUIC packet decrypts, frame by frame as tshark decodes it, and each
# of those features is seen: a verified Retry tag, a 1-RTT packet of key
# generation 1 (key phase 1), packets under each AEAD, 0-RTT STREAM frames,
# GSO super-datagrams split, and (ngtcp2 greases the fixed bit once a peer
# allows it, RFC 9287) long and short headers with a fixed bit of 0.
set -euo pipefail
L4KIT=${L4KIT:?set by ctest}
SRC=${L4_SRC:?set by ctest}
for b in /usr/bin/gtlsclient /usr/sbin/gtlsserver /usr/bin/dumpcap /usr/bin/tshark; do
  [ -x "$b" ] || { echo "FAIL: $b missing (scripts/deps.sh installs ngtcp2-client, ngtcp2-server, tshark)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (a loopback capture)"; exit 1; }
. "$SRC/tests/h3/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www" "$tmp/dl"
head -c 400000 /dev/urandom >"$tmp/www/f400k"
h3_cert || fail "openssl could not make a certificate"
P1=$(h3_free_udp_port)
P2=$(h3_free_udp_port)
export SSLKEYLOGFILE=$tmp/keys

dumpcap -q -i lo -w "$tmp/cap.pcapng" -f "udp port $P1 or udp port $P2" 2>"$tmp/dumpcap.err" &
CAP=$!
pids+=($CAP)
for _ in $(seq 100); do grep -q "Capturing on" "$tmp/dumpcap.err" 2>/dev/null && break; sleep 0.05; done

# gc PORT ARGS...: gtlsclient downloading f400k from 127.0.0.1:PORT
gc() {
  local p=$1
  shift
  rm -rf "$tmp/dl" && mkdir -p "$tmp/dl"
  timeout 20 gtlsclient --exit-on-all-streams-close --no-http-dump --download "$tmp/dl" "$@" \
    127.0.0.1 "$p" "https://localhost:$p/f400k" >"$tmp/gc.log" 2>&1 ||
    fail "gtlsclient $*: $(tail -3 "$tmp/gc.log")"
  cmp -s "$tmp/www/f400k" "$tmp/dl/f400k" || fail "gtlsclient $*: download differs"
}
SSLKEYLOGFILE= gtlsserver --max-gso-dgrams=1 -V -d "$tmp/www" 127.0.0.1 "$P1" "$tmp/key.pem" "$tmp/cert.pem" >"$tmp/gs1.log" 2>&1 &
pids+=($!)
SSLKEYLOGFILE= gtlsserver --max-gso-dgrams=1 -d "$tmp/www" 127.0.0.1 "$P2" "$tmp/key.pem" "$tmp/cert.pem" >"$tmp/gs2.log" 2>&1 &
pids+=($!)
sleep 0.3
gc "$P1" --ciphers="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305" --key-update=10ms
AES256="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM"
gc "$P2" --ciphers="$AES256" --session-file="$tmp/sess" --tp-file="$tmp/tp"
gc "$P2" --ciphers="$AES256" --session-file="$tmp/sess" --tp-file="$tmp/tp"
grep -q "type=0RTT" "$tmp/gc.log" || fail "the second gtlsclient sent no 0-RTT"
kill "${pids[-1]}" "${pids[-2]}"

# l4kit against itself, with a Retry (quic-get writes SSLKEYLOGFILE too)
unset SSLKEYLOGFILE
SSLKEYLOGFILE=$tmp/keys "$L4KIT" quic-server --retry --root "$tmp/www" --cert "$tmp/cert.pem" \
  --key "$tmp/key.pem" 127.0.0.1 "$P1" >"$tmp/qs.out" 2>"$tmp/qs.err" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$tmp/qs.err" 2>/dev/null && break; sleep 0.05; done
SSLKEYLOGFILE=$tmp/keys "$L4KIT" quic-get --cacert "$tmp/cert.pem" -o "$tmp/dl" \
  "https://localhost:$P1/f400k" >/dev/null 2>"$tmp/get.err" || fail "quic-get: $(cat "$tmp/get.err")"
cmp -s "$tmp/www/f400k" "$tmp/dl/f400k" || fail "quic-get: download differs"
sleep 0.3
kill -TERM "$CAP"
wait "$CAP" || true

F=(frame.number icmp.type quic.frame_type quic.packet_number quic.long.packet_type quic.dcid
  quic.stream.stream_id quic.stream.offset quic.stream.length quic.stream.fin
  quic.crypto.offset quic.crypto.length quic.ack.largest_acknowledged quic.padding_length
  tls.handshake.type)
args=()
for f in "${F[@]}"; do args+=(-e "$f"); done
tshark -n -r "$tmp/cap.pcapng" -o "tls.keylog_file:$tmp/keys" -T fields -E separator=/t \
  -E occurrence=a -E aggregator=, "${args[@]}" >"$tmp/cap.tsv" 2>"$tmp/tshark.err" ||
  fail "tshark: $(head -3 "$tmp/tshark.err")"
"$L4KIT" dissect --json --keylog "$tmp/keys" "$tmp/cap.pcapng" >"$tmp/cap.json" ||
  fail "dissect --json"
python3 "$SRC/tests/tools/dissect_quic_cmp.py" "$tmp/cap.tsv" "$tmp/cap.json" interop keys "${F[@]}" ||
  fail "dissect and tshark disagree"
python3 - "$tmp/cap.json" <<'PY' || fail "the features of the runs"
import json, sys
pk = json.load(open(sys.argv[1]))
qs = [q for p in pk for q in p.get("quic", {}).get("packets", [])]
retry = [q for q in qs if q["type"] == "Retry"]
assert len(retry) == 2 and all(q["retry_tag"] == "ok" for q in retry), retry
aeads = {q.get("aead") for q in qs if q.get("decrypted")}
assert {"ChaCha20-Poly1305", "AES-256-GCM", "AES-128-GCM"} <= aeads, aeads
ku = [q for q in qs if q.get("key_generation") == 1]
assert ku and all(q["key_phase"] == 1 for q in ku), "no packet after the key update"
z = [q for q in qs if q["type"] == "0-RTT"]
assert z and all(q["decrypted"] and q["aead"] == "AES-256-GCM" for q in z), z[:1]
assert any(f["name"] == "STREAM" for q in z for f in q["frames"])
ciphers = [t["cipher"] for q in qs for f in q.get("frames", []) for t in f.get("tls", []) if t["name"] == "ServerHello"]
assert ciphers.count("TLS_CHACHA20_POLY1305_SHA256") == 1 and ciphers.count("TLS_AES_256_GCM_SHA384") == 2, ciphers
gr = [q for q in qs if q.get("greased_fixed_bit")]
assert gr and all(q["decrypted"] for q in gr), "no packet with a greased fixed bit (RFC 9287)"
assert {"Handshake", "1-RTT"} <= {q["type"] for q in gr}, {q["type"] for q in gr}
g = [p for p in pk if p.get("quic", {}).get("gso_segment_size")]
assert g and all(q["decrypted"] for p in g for q in p["quic"]["packets"]), "no GSO super-datagram split"
assert max(len(p["quic"]["packets"]) for p in g) > 5
print("interop: %d GSO super-datagrams split into their segments" % len(g))
print("interop: %d Retry verified, AEADs %s, %d packets after a key update, %d 0-RTT packets" % (
    len(retry), sorted(aeads), len(ku), len(z)))
PY
echo "PASS dissect_quic_interop_test"
