#!/usr/bin/env bash
# tests/h3/interop_ecn_test.sh — ECN for QUIC (RFC 9000 §13.4) between
# l4kit and ngtcp2 0.12.1's GnuTLS programs over loopback (root: a loopback
# capture, decrypted with the key log). The quic-interop-runner's "ecn"
# rule: every QUIC packet each way is ECT(0) or ECT(1), none CE, and each
# side sends ACK frames with ECN counts (checked for every packet of
# l4kit's; ngtcp2 0.12.1 leaves a few of its own unmarked); here also:
# l4kit validated ECN ("capable"), the download is byte-exact, and
# --no-ecn marks nothing.
#   gtlsclient -> l4kit quic-server    (capture: both directions)
#   l4kit quic-get -> gtlsserver        (capture: both directions)
#   l4kit quic-get --no-ecn -> gtlsserver: no packet of l4kit's is ECT,
#                                      it sends no ECN counts
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
for b in /usr/bin/gtlsclient /usr/sbin/gtlsserver /usr/bin/dumpcap /usr/bin/tshark; do
  [ -x "$b" ] || { echo "FAIL: $b missing (scripts/deps.sh installs ngtcp2-client, ngtcp2-server, tshark)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (a loopback capture)"; exit 1; }
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www"
head -c $((2 << 20)) /dev/urandom >"$tmp/www/f2M"
h3_cert || fail "openssl could not make a certificate"
same() { # same FILE_A FILE_B
  [ -f "$2" ] || fail "$2 was not downloaded"
  [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ] || fail "$2: SHA-256 differs from $1"
}

# capture NAME PORT: starts a loopback capture of UDP port PORT ($CAP).
capture() {
  dumpcap -q -i lo -w "$tmp/$1.pcap" -f "udp port $2" 2>"$tmp/$1.dumpcap" &
  CAP=$!
  pids+=($CAP)
  for _ in $(seq 100); do grep -q "Capturing on" "$tmp/$1.dumpcap" 2>/dev/null && break; sleep 0.05; done
}

stop_capture() {
  sleep 0.3
  kill -TERM "$CAP"
  wait "$CAP" || true
}

# check NAME PORT L4SIDE MODE: per direction, the ECN codepoints of the
# decrypted QUIC packets and whether ACK frames carried ECN counts (frame
# 0x03). L4SIDE is "server" when l4kit listens on PORT, else "client".
# MODE ecn: every packet both ways ECT, none CE, ACK_ECN both ways;
# MODE noecn: none of l4kit's packets is ECT and it sends no ACK_ECN.
check() {
  tshark -r "$tmp/$1.pcap" -o "tls.keylog_file:$tmp/$1.keys" -Y quic -T fields \
    -e udp.srcport -e ip.dsfield.ecn -e quic.frame_type >"$tmp/$1.tsv" 2>/dev/null ||
    fail "$1: tshark could not read the capture"
  python3 - "$tmp/$1.tsv" "$2" "$3" "$4" "$1" <<'PY' || fail "$1: ECN on the wire"
import sys
path, port, l4side, mode, name = sys.argv[1:]
n, ect, ce, ackecn = {}, {}, {}, {}
for line in open(path):
    f = line.rstrip("\n").split("\t")
    if len(f) < 3 or not f[2]:
        continue  # not decrypted
    side = "server" if f[0] == port else "client"
    e = int(f[1], 0)
    n[side] = n.get(side, 0) + 1
    ect[side] = ect.get(side, 0) + (e in (1, 2))
    ce[side] = ce.get(side, 0) + (e == 3)
    if 3 in {int(x) for x in f[2].split(",") if x}:
        ackecn[side] = ackecn.get(side, 0) + 1
other = "client" if l4side == "server" else "server"
for s in ("server", "client"):
    print("%s: %s sent %d packets, %d ECT, %d CE, %d with ACK_ECN" % (
        name, s, n.get(s, 0), ect.get(s, 0), ce.get(s, 0), ackecn.get(s, 0)))
assert n.get("server", 0) > 100 and n.get("client", 0) > 10, n
if mode == "ecn":
    # l4kit's packets: every one; the peer's: ngtcp2 0.12.1 leaves a few
    # unmarked (its own choice), so most
    assert ect[l4side] == n[l4side], "%d of %d packets not ECT" % (n[l4side] - ect[l4side], n[l4side])
    assert ect[other] * 10 >= n[other] * 9, other
    for s in ("server", "client"):
        assert ce.get(s, 0) == 0 and ackecn.get(s, 0) > 0, s
else:
    assert ect.get(l4side, 0) == 0 and ackecn.get(l4side, 0) == 0, l4side
    assert ect.get(other, 0) > 0, "the peer marked nothing: the test shows nothing"
PY
}

# ---- gtlsclient -> l4kit quic-server ----
P=$(h3_free_udp_port)
capture gc "$P"
SSLKEYLOGFILE="$tmp/gc.keys" "$L4KIT" quic-server --no-offload --root "$tmp/www" --cert "$tmp/cert.pem" \
  --key "$tmp/key.pem" --json 127.0.0.1 "$P" >"$tmp/gc.json" 2>"$tmp/gc.err" &
SRV=$!
pids+=($SRV)
for _ in $(seq 100); do grep -q "listening on" "$tmp/gc.err" 2>/dev/null && break; sleep 0.05; done
mkdir -p "$tmp/dl1"
timeout 30 /usr/bin/gtlsclient -q --exit-on-all-streams-close --download "$tmp/dl1" 127.0.0.1 "$P" \
  "https://localhost:$P/f2M" >"$tmp/gc.out" 2>&1 || fail "gtlsclient: $(tail -3 "$tmp/gc.out")"
kill -TERM "$SRV"
wait "$SRV" || fail "quic-server exit status"
stop_capture
same "$tmp/www/f2M" "$tmp/dl1/f2M"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['ecn_capable']==1 and r['ecn_failed']==0 and r['datagrams_out_ect']==r['datagrams_out'] and r['datagrams_in_ect0']>0, r" \
  "$tmp/gc.json" || fail "quic-server ECN counters: $(cat "$tmp/gc.json")"
check gc "$P" server ecn

# ---- l4kit quic-get -> gtlsserver (and with --no-ecn) ----
for mode in ecn noecn; do
  GP=$(h3_free_udp_port)
  capture "g$mode" "$GP"
  /usr/sbin/gtlsserver -q --max-gso-dgrams=1 -d "$tmp/www" 127.0.0.1 "$GP" "$tmp/key.pem" "$tmp/cert.pem" >/dev/null 2>&1 &
  GS=$!
  pids+=($GS)
  sleep 0.3
  mkdir -p "$tmp/dl$mode"
  opt=()
  [ "$mode" = noecn ] && opt=(--no-ecn)
  SSLKEYLOGFILE="$tmp/g$mode.keys" "$L4KIT" quic-get --no-offload "${opt[@]}" --cacert "$tmp/cert.pem" \
    -o "$tmp/dl$mode" --json "https://localhost:$GP/f2M" >"$tmp/g$mode.json" 2>"$tmp/g$mode.err" ||
    fail "quic-get ($mode): $(cat "$tmp/g$mode.err")"
  kill "$GS"
  wait "$GS" 2>/dev/null || true
  stop_capture
  same "$tmp/www/f2M" "$tmp/dl$mode/f2M"
  want=capable
  [ "$mode" = noecn ] && want=off
  python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['ecn']; on=sys.argv[2]=='capable'; assert e['state']==sys.argv[2] and (e['ect0_recv']>0)==on and (e['marked']>0)==on, e" \
    "$tmp/g$mode.json" "$want" || fail "quic-get ($mode) ECN report: $(cat "$tmp/g$mode.json")"
  check "g$mode" "$GP" client "$mode"
done
echo "interop_ecn_test: ok"
