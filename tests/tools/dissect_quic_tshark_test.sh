#!/usr/bin/env bash
# tests/tools/dissect_quic_tshark_test.sh — `l4kit dissect` on QUIC captures made in
# the test (`l4kit sim --proto quic --pcap --keylog`: 3 connections, 3
# streams each, loss, reordering, duplication, ECN, a connection-ID switch
# and an active migration; and `l4kit demo`'s QUIC capture), against tshark
# decrypting the same captures with the same key logs:
#  - with the key log every QUIC packet is decoded and decrypted, and per
#    captured packet the frame types, packet numbers, long-header types,
#    DCIDs, STREAM ids/offsets/lengths/FIN, CRYPTO offsets/lengths, ACK
#    largest, PADDING lengths and TLS handshake types equal tshark's;
#  - without it the Initial packets still decrypt (frames equal tshark's,
#    which also needs no key log for them) and every other packet says
#    "cannot decrypt: no key log";
#  - a key log of another run, or one with damaged secrets, gives a clear
#    "cannot decrypt" per packet, never a crash; junk lines are reported;
#  - the text has one line per record (plus one per coalesced packet), the
#    TLS names (ClientHello sni/alpn, ServerHello cipher), -v the key phase.
# tshark missing is a failure.
set -u
L4KIT=${L4KIT:?set by ctest}
SRC=${L4_SRC:?set by ctest}
command -v tshark >/dev/null || {
  echo "FAIL: tshark is not installed; the cross-check needs it (scripts/deps.sh installs it)"
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cd "$tmp"

"$L4KIT" sim --proto quic --streams 3 --flows 3 --bytes 300K --seed 5 \
  --link "rate 20mbit delay 10ms loss 2% reorder 1% duplicate 1%" --ecn \
  --cid-switch 100ms --migrate 200ms --pcap a.pcap --keylog a.keys >sim_a.out 2>&1 ||
  fail "sim a: $(tail -3 sim_a.out)"
"$L4KIT" sim --proto quic --bytes 50K --seed 6 --pcap b.pcap --keylog b.keys >sim_b.out 2>&1 ||
  fail "sim b: $(tail -3 sim_b.out)"
mkdir demo && "$L4KIT" demo --out demo >demo.out 2>&1 || fail "demo: $(tail -3 demo.out)"
cp demo/l4kit-demo-quic.pcap d.pcap && cp demo/l4kit-demo-quic.keys d.keys

# tshark's fields, one row per captured packet (coalesced packets' values joined by ',').
F=(frame.number icmp.type quic.frame_type quic.packet_number quic.long.packet_type quic.dcid
  quic.stream.stream_id quic.stream.offset quic.stream.length quic.stream.fin
  quic.crypto.offset quic.crypto.length quic.ack.largest_acknowledged quic.padding_length
  tls.handshake.type)
targs=()
for f in "${F[@]}"; do targs+=(-e "$f"); done
tfields() { # tfields PCAP [KEYS] > TSV
  if [ -n "${2:-}" ]; then
    tshark -n -r "$1" -o "tls.keylog_file:$2" -T fields -E separator=/t -E occurrence=a -E aggregator=, "${targs[@]}"
  else
    tshark -n -r "$1" -T fields -E separator=/t -E occurrence=a -E aggregator=, "${targs[@]}"
  fi
}


for c in a d; do
  tfields $c.pcap $c.keys >$c.tsv 2>$c.terr || fail "tshark on $c: $(head -3 $c.terr)"
  "$L4KIT" dissect --json --keylog $c.keys $c.pcap >$c.json 2>$c.err || fail "dissect --json $c: $(head -3 $c.err)"
  python3 "$SRC/tests/tools/dissect_quic_cmp.py" $c.tsv $c.json $c keys "${F[@]}" || fail "$c with its key log"
  tfields $c.pcap >$c.nk.tsv 2>/dev/null || fail "tshark on $c without keys"
  "$L4KIT" dissect --json $c.pcap >$c.nk.json 2>$c.err || fail "dissect --json $c without keys"
  python3 "$SRC/tests/tools/dissect_quic_cmp.py" $c.nk.tsv $c.nk.json $c nokeys "${F[@]}" || fail "$c without a key log"
done
# The capture has what the scenario did: ECN counts, new IDs, a path challenge.
python3 - a.json <<'PY' || fail "sim capture contents"
import json, sys
pk = json.load(open(sys.argv[1]))
fr = [f["name"] for p in pk for q in p.get("quic", {}).get("packets", []) for f in q.get("frames", [])]
for need in ("ACK_ECN", "PATH_CHALLENGE", "PATH_RESPONSE", "RETIRE_CONNECTION_ID", "CONNECTION_CLOSE_APP"):
    assert need in fr, need
ch = [t for p in pk for q in p.get("quic", {}).get("packets", []) for f in q.get("frames", [])
      for t in f.get("tls", []) if t["name"] == "ClientHello"]
assert len(ch) == 3 and all(t["sni"] == "sim.l4kit.test" and t["alpn"] == "h3" for t in ch), ch
sh = [t for p in pk for q in p.get("quic", {}).get("packets", []) for f in q.get("frames", [])
      for t in f.get("tls", []) if t["name"] == "ServerHello"]
assert len(sh) == 3 and all(t["cipher"] == "TLS_AES_128_GCM_SHA256" for t in sh), sh
# RFC 9000 §7.3: each side's initial_source_connection_id is the SCID of its
# Initial, and the server's original_destination_connection_id the client's
# first DCID.
first_dcid = {}
for p in pk:
    for q in p.get("quic", {}).get("packets", []):
        for f in q.get("frames", []):
            for t in f.get("tls", []):
                tp = t.get("transport_parameters")
                if t["name"] in ("ClientHello", "EncryptedExtensions"):
                    assert tp and "error" not in tp, t
                if t["name"] == "ClientHello":
                    assert tp["initial_source_connection_id"] == q["scid"], (tp, q["scid"])
                    first_dcid[q["scid"]] = q["dcid"]
                if t["name"] == "EncryptedExtensions":  # sent to the client's SCID
                    assert tp["original_destination_connection_id"] == first_dcid[q["dcid"]], tp
                    assert tp["initial_source_connection_id"] == q["scid"], tp
                    assert len(tp["stateless_reset_token"]) == 32, tp
# Coalesced datagrams list each packet; short headers carry what they should.
assert any(len(p.get("quic", {}).get("packets", [])) == 3 for p in pk)
s = [q for p in pk for q in p.get("quic", {}).get("packets", []) if q["header"] == "short"]
assert s and all(q["key_phase"] == 0 and q["spin"] in (0, 1) and len(q["dcid"]) == 16 for q in s)
PY

# Text: one line per record, sub-lines for coalesced packets, the TLS names.
"$L4KIT" dissect --keylog a.keys a.pcap >a.txt 2>a.err || fail "dissect a: $(head -3 a.err)"
n=$(tshark -r a.pcap 2>/dev/null | wc -l)
[ "$(grep -c '^ *[0-9]\+ \+[0-9.]\+  ' a.txt)" -eq "$n" ] || fail "text: not one line per record ($n)"
grep -q "QUIC len=1200 Initial v1 DCID=[0-9a-f]* SCID=[0-9a-f]* token=0 len=[0-9]* pn=0: CRYPTO off=0 len=[0-9]* (ClientHello sni=sim.l4kit.test alpn=h3), PADDING [0-9]*$" a.txt ||
  fail "text: the ClientHello line"
grep -q "^        Initial v1 .* (ServerHello TLS_AES_128_GCM_SHA256)" a.txt || fail "text: ServerHello sub-line"
grep -q "^        Handshake v1 .*EncryptedExtensions alpn=h3, Certificate, CertificateVerify, Finished" a.txt ||
  fail "text: server Handshake sub-line"
grep -q "1-RTT DCID=[0-9a-f]\{16\} spin=[01] kp=0 pn=[0-9]*: .*HANDSHAKE_DONE" a.txt || fail "text: HANDSHAKE_DONE"
grep -q "CONNECTION_CLOSE_APP application 0x0 reason=\"done\"" a.txt || fail "text: CONNECTION_CLOSE"
grep -q "\[cannot decrypt\|\[malformed" a.txt && fail "text: a packet not decoded: $(grep -m1 '\[cannot decrypt\|\[malformed' a.txt)"
"$L4KIT" dissect -v --keylog a.keys a.pcap >a.v.txt 2>a.err || fail "dissect -v"
grep -q "short header, fixed bit 1, spin bit [01], reserved bits 0, key phase 0, packet number length [1-4])" a.v.txt ||
  fail "-v: short header fields"
grep -q "TLS ClientHello: [0-9]* bytes, random [0-9a-f]\{64\}, server name sim.l4kit.test, ALPN h3$" a.v.txt ||
  fail "-v: ClientHello fields"
grep -q "^              transport parameters ([0-9]* bytes): initial_max_data [0-9]*, .*, initial_source_connection_id [0-9a-f]\{16\}$" a.v.txt ||
  fail "-v: transport parameters"
grep -q "frame STREAM (0x0[89a-f]) at [0-9]*: stream [0-9]*, offset [0-9]*, length [0-9]*" a.v.txt || fail "-v: STREAM fields"
"$L4KIT" dissect a.pcap >a.nk.txt || fail "dissect a without keys"
grep -q "1-RTT DCID=[0-9a-f]\{16\} spin=[01] len=[0-9]* \[cannot decrypt: no key log (--keylog FILE gives the TLS secrets)\]$" a.nk.txt ||
  fail "text: no key log reason"

# A key log of another run: no secrets for these connections, said per packet.
"$L4KIT" dissect --json --keylog b.keys a.pcap >w.json 2>w.err || fail "dissect with another run's key log: $(cat w.err)"
python3 - w.json <<'PY' || fail "wrong key log"
import json, sys
pk = json.load(open(sys.argv[1]))
qs = [q for p in pk for q in p.get("quic", {}).get("packets", [])]
other = [q for q in qs if q["type"] not in ("Initial",)]
assert other and all(not q["decrypted"] and q["error"].startswith("the key log has no secrets for this connection (client random ") for q in other), other[:2]
assert all(q["decrypted"] for q in qs if q["type"] == "Initial")
PY
"$L4KIT" dissect --keylog b.keys a.pcap >w.txt 2>/dev/null || fail "text with another run's key log"
[ "$(grep -c '\[cannot decrypt: the key log has no secrets for this connection' w.txt)" -gt 100 ] || fail "wrong key log: text reason"
# Damaged secrets for the right connections: the keys do not authenticate.
python3 - a.keys >bad.keys <<'PY'
import sys
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) == 3:
        f[2] = ("0" if f[2][0] != "0" else "1") + f[2][1:]
    print(" ".join(f))
PY
"$L4KIT" dissect --json --keylog bad.keys a.pcap >bad.json 2>bad.err || fail "damaged key log: $(cat bad.err)"
python3 - bad.json <<'PY' || fail "damaged key log reasons"
import json, sys
pk = json.load(open(sys.argv[1]))
qs = [q for p in pk for q in p.get("quic", {}).get("packets", []) if q["type"] != "Initial"]
# (after the CID switch and the migration, IDs announced in packets that did
# not decrypt are unknown: those say so)
assert qs and all(not q["decrypted"] and ("do not authenticate it" in q["error"] or
                  q["error"].startswith("no connection seen uses its DCID")) for q in qs), qs[:2]
assert sum("do not authenticate it" in q["error"] for q in qs) > 100
hs = [q for q in qs if q["type"] == "Handshake"]
assert hs and all("SERVER_HANDSHAKE_TRAFFIC_SECRET" in q["error"] or "CLIENT_HANDSHAKE_TRAFFIC_SECRET" in q["error"] for q in hs)
PY
# Junk in the key log: reported on stderr, the good lines still used.
{ echo "# a comment"; echo "not a key log line"; echo "CLIENT_TRAFFIC_SECRET_0 zz 00"; cat a.keys; } >junk.keys
"$L4KIT" dissect --keylog junk.keys a.pcap >junk.txt 2>junk.err || fail "junk key log exit"
grep -q "^l4kit dissect: --keylog junk.keys: 2 lines are not NSS key log lines (the first is line 2); ignored$" junk.err ||
  fail "junk key log message: $(cat junk.err)"
cmp -s junk.txt a.txt || fail "junk key log: the good lines were not used"

# Bad usage.
"$L4KIT" dissect --keylog nosuch.keys a.pcap >o 2>e; rc=$?
[ "$rc" -eq 1 ] && grep -q "^l4kit dissect: --keylog nosuch.keys: No such file or directory$" e || fail "missing key log: rc $rc $(cat e)"
"$L4KIT" dissect a.pcap --keylog >o 2>e; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <e)" -eq 1 ] || fail "--keylog without a file: rc $rc $(cat e)"
"$L4KIT" dissect --help | grep -q -- "--keylog KEYS" || fail "--help lacks --keylog"

[ "$fails" -eq 0 ] && echo "dissect_quic_tshark_test: all passed" || { echo "dissect_quic_tshark_test: $fails failed"; exit 1; }
