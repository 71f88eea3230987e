#!/usr/bin/env bash
# tests/tools/demo_test.sh — `l4kit demo` stage 1 (and the QUIC part 3,
# below: the 1-RTT handshake timeline, head-of-line blocking measured, the
# capture decrypted with its key log): runs with no setup in an
# empty directory, exits 0, writes l4kit-demo.pcap that `l4kit dissect` and
# tshark read, and its numbers are consistent: per direction offered +
# duplicated = delivered + dropped, the hosts received what the link
# delivered, the checksum rejects equal the corrupted copies delivered and
# equal the packets dissect flags in the pcap. Same seed, same bytes.
set -u
L4KIT=${L4KIT:?set by ctest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cd "$tmp"
"$L4KIT" demo >text.out 2>text.err
rc=$?
[ "$rc" -eq 0 ] || fail "demo exit $rc: $(cat text.err)"
[ -s l4kit-demo.pcap ] || fail "no l4kit-demo.pcap in the current directory"
grep -q "^  link, each direction:  rate 10mbit delay 20ms jitter 2ms loss 2% reorder 1% duplicate 0.5% corrupt 0.5% queue 50$" text.out ||
  fail "link spec line"
grep -q "^  capture: ./l4kit-demo.pcap" text.out || fail "capture line"
grep -q "^  look at it:  l4kit dissect ./l4kit-demo.pcap" text.out || fail "dissect hint"
grep -q "FAILED" text.out && fail "a check failed: $(grep FAILED text.out)"
[ "$(grep -c '^    \[ok\]' text.out)" -eq 10 ] || fail "wanted 10 [ok] checks"

"$L4KIT" demo --json >run.json || fail "demo --json exit"
"$L4KIT" dissect l4kit-demo.pcap >dis.out 2>dis.err || fail "dissect of the demo pcap: $(cat dis.err)"
"$L4KIT" dissect --json l4kit-demo.pcap >dis.json || fail "dissect --json of the demo pcap"
python3 - run.json dis.out dis.json <<'PY' || fail "demo numbers"
import json, sys
r = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
pk = json.load(open(sys.argv[3]))
assert r["ok"] is True and all(c["ok"] for c in r["checks"]), r["checks"]
assert r["seed"] == 1 and r["count"] == 2000
for d in ("link_ab", "link_ba"):
    s = r[d]
    assert s["offered"] + s["duplicated"] == s["delivered"] + s["dropped_loss"] + s["dropped_queue"], s
    assert s["dropped"] == s["dropped_loss"] + s["dropped_queue"]
    assert s["sent"] == s["delivered"]  # everything in flight arrived by the end
ab, ba, rx, ec = r["link_ab"], r["link_ba"], r["receiver"], r["echoes"]
assert ab["offered"] == 2000
# The defaults impair: each impairment happened at least once in 2000 packets.
for k in ("dropped_loss", "corrupted", "duplicated", "reordered"):
    assert ab[k] > 0, k
assert rx["arrived"] == ab["delivered"] and ec["arrived"] == ba["delivered"]
assert rx["rejected"] == rx["corrupted_delivered"] > 0
assert ec["rejected"] == ec["corrupted_delivered"]
assert rx["rejected"] == rx["bad_ip_checksum"] + rx["bad_udp_checksum"] + rx["malformed"]
assert rx["good"] == rx["unique"] + rx["duplicates"]
assert rx["unique"] + rx["missing"] == 2000
assert ba["offered"] == rx["good"]  # B echoes every good datagram
assert rx["duplicates"] >= 1 and rx["reordered"] >= 1
d = rx["delay_ms"]
# 1028-byte packets at 10 Mbit/s take 0.8224 ms; delay 20 ms, jitter 2 ms.
assert d["min"] <= d["median"] <= d["p99"] <= d["max"]
assert 19.0 < d["median"] < 24.0, d
assert d["p99"] < 30.0, d
# The pcap: one record per delivered packet, both directions.
assert r["pcap_packets"] == ab["delivered"] + ba["delivered"] == len(lines) == len(pk)
# dissect flags exactly the packets the hosts rejected, nothing else.
flagged = [l for l in lines if "[" in l]
assert len(flagged) == rx["rejected"] + ec["rejected"], (len(flagged), rx["rejected"], ec["rejected"])
a2b = [p for p in pk if p.get("ip", {}).get("dst") == "10.0.0.2"]
assert len(a2b) >= rx["arrived"] - rx["malformed"]
t = [p["time"] for p in pk]
assert t == sorted(t) and t[0] == 0.0 and t[-1] <= r["sim_seconds"]
PY

# tshark reads l4kit's capture too, record for record.
if command -v tshark >/dev/null; then
  n=$(tshark -r l4kit-demo.pcap 2>/dev/null | wc -l)
  [ "$n" -eq "$(wc -l <dis.out)" ] || fail "tshark sees $n packets, dissect $(wc -l <dis.out)"
else
  fail "tshark is not installed (scripts/deps.sh installs it)"
fi

# Part 3, QUIC: the handshake timeline, head-of-line blocking measured, the
# capture decrypted with the key log.
[ -s l4kit-demo-quic.pcap ] && [ -s l4kit-demo-quic.keys ] || fail "no QUIC pcap / key log"
grep -q "^part 3 — QUIC: the 1-RTT handshake, streams without head-of-line blocking" text.out ||
  fail "part 3 heading"
grep -q "A -> B Initial pn 0 \[CRYPTO ClientHello, PADDING\] 1200 bytes" text.out || fail "ClientHello line"
grep -q "B -> A + Handshake pn 0 \[CRYPTO EncryptedExtensions + Certificate + CertificateVerify + Finished" text.out ||
  fail "server flight line"
grep -q "never waited. As one ordered byte stream" text.out || fail "HOL summary line"
python3 - run.json text.out <<'PY' || fail "QUIC act"
import json, sys
r = json.load(open(sys.argv[1]))
q = r["quic"]
assert q["ok"] is True and q["verified"] is True and r["ok"] is True
assert q["final_state"] == {"sender": "closed", "receiver": "closed"}
assert q["link"] == "rate 10mbit delay 20ms loss 3%" and q["streams"] == 4
assert q["bytes_delivered"] == 4 * 65536
tl = q["timeline"]
pk = [e for e in tl if e["kind"] == "packet"]
# the 1-RTT handshake, packet by packet
a0 = pk[0]
assert (a0["side"], a0["type"], a0["pn"], a0["frames"], a0["bytes"]) == \
    ("A", "Initial", 0, "CRYPTO ClientHello, PADDING", 1200), a0
b0, b1 = pk[1], pk[2]
assert b0["side"] == "B" and b0["type"] == "Initial" and "CRYPTO ServerHello" in b0["frames"], b0
assert b1["side"] == "B" and b1["type"] == "Handshake" and b1["coalesced"], b1
assert "CRYPTO EncryptedExtensions + Certificate + CertificateVerify + Finished" in b1["frames"]
assert b0["bytes"] + b1["bytes"] == 1200  # one datagram, padded (RFC 9000 §14.1)
fin = next(e for e in pk if e["side"] == "A" and e["type"] == "Handshake")
assert "CRYPTO Finished" in fin["frames"] and fin["coalesced"]
data = next(e for e in pk if e["side"] == "A" and e["type"] == "1-RTT")
assert data["coalesced"] and data["streams"] and data["t_ms"] == fin["t_ms"], data
done = next(e for e in pk if e["side"] == "B" and "HANDSHAKE_DONE" in e["frames"])
assert done["type"] == "1-RTT"
close = next(e for e in pk if "CONNECTION_CLOSE (application code 0" in e["frames"])
assert close["side"] == "B"
st = lambda side: [e["state"] for e in tl if e["kind"] == "state" and e["side"] == side]
assert st("A") == ["handshake_complete", "handshake_confirmed", "draining", "closed"], st("A")
assert st("B") == ["handshake_confirmed", "closing", "closed"], st("B")
# A can send after one round trip, B has it at 1.5, A is confirmed after 2
rtt = q["rtt_ms"]
assert 40.0 < rtt < 42.0, rtt
assert 0.95 < q["client_handshake_complete_ms"] / rtt < 1.1
assert 1.45 < q["server_handshake_complete_ms"] / rtt < 1.6
assert 1.95 < q["client_handshake_confirmed_ms"] / rtt < 2.1
# head-of-line blocking, measured on the same arrivals
sr = q["stream_results"]
assert [s["id"] for s in sr] == [0, 4, 8, 12]
assert q["data_packets_lost"] > 0 and sum(s["lost_packets"] for s in sr) >= q["data_packets_lost"]
clean = [s for s in sr if s["lost_packets"] == 0]
lossy = [s for s in sr if s["lost_packets"] > 0]
assert clean and lossy, sr
for s in clean:  # a stream without a loss never waits in QUIC, would behind others' holes
    assert s["waited_bytes"] == 0 and s["max_wait_ms"] == 0 and s["waited_bytes_one_stream"] > 0, s
for s in lossy:
    assert s["waited_bytes"] > 0 and s["max_wait_ms"] > 0, s
for s in sr:
    assert s["waited_bytes_one_stream"] >= s["waited_bytes"] and s["done_one_stream_ms"] >= s["done_in_order_ms"]
    assert s["done_ms"] >= s["done_in_order_ms"] and s["bytes"] == 65536
assert q["pcap"] == "./l4kit-demo-quic.pcap" and q["keylog"] == "./l4kit-demo-quic.keys"
PY
if command -v tshark >/dev/null; then
  tshark -n -r l4kit-demo-quic.pcap -o tls.keylog_file:l4kit-demo-quic.keys -T fields \
    -e quic.frame_type -e tls.handshake.type -e _ws.malformed >quic.fields 2>/dev/null ||
    fail "tshark on the QUIC pcap"
  python3 - quic.fields run.json <<'PY' || fail "tshark decrypts the demo's QUIC capture"
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
q = json.load(open(sys.argv[2]))["quic"]
assert len(rows) == q["pcap_packets"]
assert all(r[0] for r in rows), "a packet tshark could not decrypt"
assert not any(r[2] for r in rows), "malformed"
types = {t for r in rows for t in r[1].split(",") if t}
assert {"1", "2", "8", "11", "15", "20"} <= types, types
assert sum(1 for r in rows for t in r[0].split(",") if 8 <= int(t) <= 15) > 100
PY
fi
# same seed: the same QUIC timeline (TLS randomness changes bytes, not the run)
"$L4KIT" demo --json >run2.json || fail "second demo run"
python3 -c 'import json,sys; a,b=(json.load(open(p))["quic"] for p in sys.argv[1:]); assert a["timeline"]==b["timeline"] and a["stream_results"]==b["stream_results"]' run.json run2.json ||
  fail "same seed, different QUIC run"

# Same seed, same bytes; another seed, another run. --out picks the directory.
mkdir a b
"$L4KIT" demo --seed 7 --out a >/dev/null || fail "--seed 7 --out a"
"$L4KIT" demo --seed 7 --out b --json >b.json || fail "--seed 7 --out b"
cmp -s a/l4kit-demo.pcap b/l4kit-demo.pcap || fail "same seed, different pcap"
cmp -s a/l4kit-demo.pcap l4kit-demo.pcap && fail "seeds 7 and 1 gave the same pcap"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["seed"]==7 and r["pcap"]=="b/l4kit-demo.pcap" and r["ok"]' b.json ||
  fail "--seed/--out in JSON"

# An ideal link: nothing lost, nothing rejected, every datagram echoed.
"$L4KIT" demo --count 100 --link "delay 1ms" --json >ideal.json || fail "ideal link run"
python3 - ideal.json <<'PY' || fail "ideal link numbers"
import json, sys
r = json.load(open(sys.argv[1]))
rx, ec = r["receiver"], r["echoes"]
assert rx["unique"] == ec["unique"] == 100 and rx["missing"] == 0 and rx["rejected"] == 0
assert rx["delay_ms"]["min"] == rx["delay_ms"]["max"] == 1.0, rx["delay_ms"]
assert ec["delay_ms"]["min"] == 2.0
PY

# Bad input: one-line reasons, exit 2.
"$L4KIT" demo --link "rate 10mbit los 2%" >o 2>e; rc=$?
[ "$rc" -eq 2 ] || fail "bad --link exit $rc"
grep -q "^l4kit demo: --link: .*'los'" e || fail "bad --link message: $(cat e)"
[ "$(wc -l <e)" -eq 1 ] || fail "bad --link: one line wanted"
"$L4KIT" demo --count 0 >o 2>e; [ $? -eq 2 ] || fail "--count 0"
"$L4KIT" demo --seed x >o 2>e; [ $? -eq 2 ] || fail "--seed x"
"$L4KIT" demo --bogus >o 2>e; [ $? -eq 2 ] || fail "--bogus"
"$L4KIT" demo --quic-link "rate 10mbit lossy 2%" >o 2>e; [ $? -eq 2 ] || fail "bad --quic-link exit"
grep -q "^l4kit demo: --quic-link: .*'lossy'" e || fail "bad --quic-link message: $(cat e)"
"$L4KIT" demo --out "$tmp/no/such/dir" >o 2>e; [ $? -eq 1 ] || fail "--out into a missing directory"
grep -q "^l4kit demo: cannot write" e || fail "--out message: $(cat e)"
"$L4KIT" demo --help >o 2>e; [ $? -eq 0 ] && grep -q "^usage: l4kit demo" o || fail "--help"

[ "$fails" -eq 0 ] && echo "demo_test: all passed" || { echo "demo_test: $fails failed"; exit 1; }
