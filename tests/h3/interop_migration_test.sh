#!/usr/bin/env bash
# tests/h3/interop_migration_test.sh — connection migration (RFC 9000 §9)
# between l4kit and ngtcp2 0.12.1's GnuTLS programs over loopback (root:
# the loopback capture). Each run is byte-exact by SHA-256.
#   gtlsclient --change-local-addr -> l4kit quic-server, 127.0.0.1 and ::1:
#     the client moves to a new port with a new connection ID mid-transfer;
#     quic-server (routing by connection ID) follows, validates the new
#     path (--json: migrations, paths_validated), and a decrypted loopback
#     capture shows its first packet to the new port carrying PATH_CHALLENGE
#     (the quic-interop-runner's rebind/migration rule) and a new DCID (§9.5)
#   gtlsclient --nat-rebinding -> quic-server: the port changes under the
#     same connection ID; the server follows and validates
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
GTLSCLIENT=/usr/bin/gtlsclient
for b in "$GTLSCLIENT" /usr/bin/dumpcap /usr/bin/tshark; do
  [ -x "$b" ] || { echo "FAIL: $b missing (scripts/deps.sh installs ngtcp2-client, tshark)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (a loopback capture)"; exit 1; }
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www"
head -c $((8 << 20)) /dev/urandom >"$tmp/www/f8M"
h3_cert || fail "openssl could not make a certificate"
same() { # same FILE_A FILE_B
  [ -f "$2" ] || fail "$2 was not downloaded"
  [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ] || fail "$2: SHA-256 differs from $1"
}

# start NAME ADDR: a loopback capture and quic-server on ADDR (no offloads:
# one datagram per captured packet); the port in $P.
start() {
  local d="$tmp/$1" addr=$2
  mkdir -p "$d/dl"
  dumpcap -q -i lo -w "$d.pcap" -f "udp" 2>"$d.dumpcap" &
  CAP=$!
  pids+=($CAP)
  for _ in $(seq 100); do grep -q "Capturing on" "$d.dumpcap" 2>/dev/null && break; sleep 0.05; done
  SSLKEYLOGFILE="$d.keys" "$L4KIT" quic-server --no-offload --root "$tmp/www" --cert "$tmp/cert.pem" \
    --key "$tmp/key.pem" --json "$addr" 0 >"$d.json" 2>"$d.err" &
  SRV=$!
  pids+=($SRV)
  for _ in $(seq 100); do grep -q "listening on" "$d.err" 2>/dev/null && break; sleep 0.05; done
  P=$(sed -n 's/.*listening on .*:\([0-9]*\) (.*/\1/p' "$d.err")
  [ -n "$P" ] || fail "$1: quic-server did not start: $(cat "$d.err")"
}

# stop NAME: ends quic-server (its --json summary) and the capture; the
# download is byte-exact.
stop() {
  kill -TERM "$SRV"
  wait "$SRV" || fail "$1: quic-server exit status"
  sleep 0.3
  kill -TERM "$CAP"
  wait "$CAP" || true
  same "$tmp/www/f8M" "$tmp/$1/dl/f8M"
}

# run NAME ADDR GTLSCLIENT_OPTIONS...: gtlsclient fetches f8M from quic-server.
run() {
  local name=$1 addr=$2
  shift 2
  start "$name" "$addr"
  local rc=0
  timeout 30 "$GTLSCLIENT" -q --exit-on-all-streams-close --download "$tmp/$name/dl" "$@" "$addr" "$P" \
    "https://localhost:$P/f8M" >"$tmp/$name.gc" 2>&1 || rc=$?
  [ "$rc" = 0 ] || fail "$name: gtlsclient exit $rc: $(tail -3 "$tmp/$name.gc")"
  stop "$name"
}

# get NAME ADDR QUIC_GET_OPTIONS...: l4kit quic-get fetches f8M from quic-server.
get() {
  local name=$1 addr=$2
  shift 2
  start "$name" "$addr"
  local host=$addr
  [ "${addr#*:}" != "$addr" ] && host="[$addr]"
  timeout 30 "$L4KIT" quic-get --no-offload --insecure -o "$tmp/$name/dl" --json "$@" \
    "https://$host:$P/f8M" >"$tmp/$name.get" 2>"$tmp/$name.geterr" ||
    fail "$name: quic-get: $(cat "$tmp/$name.geterr")"
  stop "$name"
}

# moved NAME KIND: quic-get's report says it moved (KIND migrate or rebind)
# and, for a migration, validated the server's path from the new socket.
moved() {
  python3 - "$tmp/$1.get" "$2" <<'PY' || fail "$1: quic-get move report: $(cat "$tmp/$1.get")"
import json, sys
m = json.load(open(sys.argv[1]))["move"]
assert m["kind"] == sys.argv[2] and m["done"] and m["from_port"] != m["to_port"], m
assert sys.argv[2] == "rebind" or (m["paths_validated"] >= 1 and m["paths_failed"] == 0), m
PY
}

# server_paths NAME: the quic-server summary shows one connection that saw
# its client move, validated the new path and lost none.
server_paths() {
  python3 - "$tmp/$1.json" "$1" <<'PY' || fail "$1: server path counters: $(cat "$tmp/$1.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["connections"] == 1 and r["ok"] == 1, r
assert r["migrations"] >= 1 and r["paths_validated"] >= 1 and r["paths_failed"] == 0, r
print("%s: server saw %d path change(s), validated %d" % (sys.argv[2], r["migrations"], r["paths_validated"]))
PY
}

# first_packets NAME: decrypts the capture; for each client port after the
# first, quic-server's first packet to it carries PATH_CHALLENGE (0x1a), and
# when the client moved to a new connection ID there, so does the server.
# FIRST_DCID_NEW=1: the client's first packet on each new port must use a
# new connection ID too (an active migration, RFC 9000 §9.5).
first_packets() {
  local d="$tmp/$1"
  tshark -r "$d.pcap" -o "tls.keylog_file:$d.keys" -Y "quic && udp.port == $P" -T fields \
    -e udp.srcport -e udp.dstport -e quic.dcid -e quic.frame_type >"$d.tsv" 2>/dev/null ||
    fail "$1: tshark could not read the capture"
  python3 - "$d.tsv" "$P" "$1" "${FIRST_DCID_NEW:-0}" <<'PY' || fail "$1: first packets on the new path"
import sys
srv = sys.argv[2]
ports, first_to, last_to, cl_first, cl_last = [], {}, {}, {}, {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 4 or not f[3]:
        continue  # not decrypted: nothing to say
    types = {int(x) for x in f[3].split(",") if x}
    dcid = f[2].split(",")[-1]
    if f[1] == srv:  # client -> server
        if f[0] not in ports:
            ports.append(f[0])
            cl_first[f[0]] = dcid
        cl_last[f[0]] = dcid
    elif f[0] == srv:
        first_to.setdefault(f[1], (types, dcid))
        last_to[f[1]] = dcid
assert len(ports) >= 2, "the client never left its first port: %s" % ports
for old, p in zip(ports, ports[1:]):
    assert p in first_to, "quic-server never sent to the new port %s" % p
    types, dcid = first_to[p]
    if sys.argv[4] == "1":
        assert cl_first[p] != cl_last[old], "the client kept its DCID on the new port %s" % p
    assert 0x1a in types, "first packet to port %s has frames %s, no PATH_CHALLENGE" % (p, sorted(types))
    if cl_first[p] != cl_last[old]:  # the client moved to a new ID: so does the server
        assert dcid != last_to[old], "server kept its DCID on the new path (RFC 9000 9.5)"
    else:
        assert dcid == last_to[old], "server changed its DCID on a NAT rebinding"
print("%s: client ports %s; quic-server's first packet to each new one carries PATH_CHALLENGE" % (sys.argv[3], ports))
PY
}

# active migration: new port, new connection ID (ngtcp2's immediate migration)
run mig4 127.0.0.1 --change-local-addr=20ms
server_paths mig4
FIRST_DCID_NEW=1 first_packets mig4
run mig6 ::1 --change-local-addr=20ms
server_paths mig6
first_packets mig6
# NAT rebinding: new port, same connection ID. gtlsclient 0.12.1 sends
# nothing from the new port while it only receives (it then ignores what
# arrives at the old one; against its own server too), so the request waits
# until after the rebinding.
run nat4 127.0.0.1 --change-local-addr=10ms --nat-rebinding --delay-stream=200ms
server_paths nat4
first_packets nat4
# l4kit's client: an active migration to a new port, then to a new address
# (127.0.0.2), and a NAT rebinding, against quic-server
get qmig4 127.0.0.1 --migrate-after 2M
moved qmig4 migrate
server_paths qmig4
FIRST_DCID_NEW=1 first_packets qmig4
get qaddr4 127.0.0.1 --migrate-after 2M --migrate-to 127.0.0.2
moved qaddr4 migrate
server_paths qaddr4
n=$(tshark -r "$tmp/qaddr4.pcap" -Y "ip.src == 127.0.0.1 && ip.dst == 127.0.0.2 && udp.srcport == $P" 2>/dev/null | wc -l)
[ "$n" -gt 100 ] || fail "qaddr4: quic-server sent $n packets to the client's new address 127.0.0.2"
echo "qaddr4: the client moved to 127.0.0.2; quic-server followed ($n packets there)"
get qnat6 ::1 --rebind-after 2M
moved qnat6 rebind
server_paths qnat6
first_packets qnat6
# and an active migration against ngtcp2's server, certificate verified
GP=$(h3_free_udp_port)
/usr/sbin/gtlsserver -q -d "$tmp/www" 127.0.0.1 "$GP" "$tmp/key.pem" "$tmp/cert.pem" >/dev/null 2>"$tmp/gs.err" &
pids+=($!)
sleep 0.3
mkdir -p "$tmp/gs"
"$L4KIT" quic-get --cacert "$tmp/cert.pem" -o "$tmp/gs" --json --migrate-after 2M \
  "https://localhost:$GP/f8M" >"$tmp/gs.get" 2>"$tmp/gs.geterr" || fail "quic-get from gtlsserver: $(cat "$tmp/gs.geterr")"
same "$tmp/www/f8M" "$tmp/gs/f8M"
moved gs migrate
echo "gtlsserver: quic-get migrated mid-transfer, path validated, byte-exact"
echo "interop_migration_test: ok"
