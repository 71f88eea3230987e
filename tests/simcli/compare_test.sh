#!/usr/bin/env bash
# tests/simcli/compare_test.sh — `l4kit compare`: TCP, UDP and QUIC side by
# side in the emulator. The JSON has every field for each protocol; TCP and
# QUIC deliver byte-exact through loss (the sim scenarios' own verification)
# while UDP's delivered share matches the link's loss rate; on a clean link
# TCP's 3-way handshake and QUIC's TLS 1.3 handshake each take about one RTT
# and the first byte about 1.5; on a lossy link QUIC's streams wait less for
# earlier bytes (head-of-line) than TCP's one byte stream; the delivery
# curves as CSV and SVG; the default run with its table and legend; the
# same seed gives the same numbers; exit 1 when TCP or QUIC cannot deliver;
# bad input exits 2 with one line naming it.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# compare_bad WANT ARGS... : refused as bad usage (exit 2, one line naming WANT)
compare_bad() {
  local want=$1
  shift
  "$L4KIT" compare "$@" >o 2>e
  local rc=$?
  [ "$rc" -eq 2 ] || fail "compare $* exit $rc (want 2)"
  [ "$(wc -l <e)" -eq 1 ] || fail "compare $*: one line wanted, got: $(cat e)"
  grep -q -- "$want" e || fail "compare $*: message '$(cat e)' lacks '$want'"
  [ -s o ] && fail "compare $*: printed on stdout: $(head -2 o)"
}

# ---- a lossy link: the JSON, byte-exact TCP and QUIC, head-of-line ----------------
LOSSY="rate 20mbit delay 10ms loss 2%"
for seed in 1 2 3; do
  "$L4KIT" compare --link "$LOSSY" --link-back "rate 20mbit delay 10ms" --bytes 2M --streams 8 \
    --seed "$seed" --json --csv c$seed.csv --plot c$seed.svg >c$seed.json 2>c.err
  rc=$?
  [ "$rc" -eq 0 ] || fail "lossy compare seed $seed exit $rc: $(cat c.err)"
  python3 - c$seed.json <<'PY' || fail "lossy compare JSON, seed $seed"
import json, sys
r = json.load(open(sys.argv[1]))
n = 2 * 1048576
for k in ("link", "rtt_ms", "bytes", "seed", "streams", "udp_rate_bps", "cc", "tcp", "udp", "quic",
          "verified", "csv", "plot"):
    assert k in r, k
assert r["bytes"] == n and r["streams"] == 8 and r["cc"] == "reno" and r["rtt_ms"] == 20.0
assert r["link"] == {"forward": "rate 20mbit delay 10ms loss 2%", "back": "rate 20mbit delay 10ms"}
assert r["udp_rate_bps"] == 20000000, "UDP paces at the link's rate by default"
common = ("proto", "cc", "bytes_requested", "bytes_delivered", "delivered_fraction", "verified",
          "completed", "setup_ms", "setup_rtts", "ttfb_ms", "ttfb_rtts", "completion_ms",
          "goodput_mbps", "retransmitted_bytes", "retransmitted_packets", "srtt_ms", "wire",
          "checksum_drops", "hol")
for p in ("tcp", "udp", "quic"):
    for k in common:
        assert k in r[p], (p, k)
    assert r[p]["proto"] == p
    for d in ("forward", "back"):
        w = r[p]["wire"][d]
        assert set(w) == {"packets", "bytes", "per_payload_byte"}, w
        assert abs(w["per_payload_byte"] - w["bytes"] / n) < 1e-5, w
t, u, q = r["tcp"], r["udp"], r["quic"]
# TCP and QUIC: every byte exactly once, in order, through the loss; both closed
for p in (t, q):
    assert p["verified"] is True and p["completed"] is True, p
    assert p["bytes_requested"] == p["bytes_delivered"] == n and p["delivered_fraction"] == 1.0
    assert p["retransmitted_bytes"] > 0 and p["retransmitted_packets"] > 0, "2% loss costs repairs"
    assert 20.0 <= p["srtt_ms"] < 60.0, p["srtt_ms"]
    assert abs(p["goodput_mbps"] - n * 8 / p["completion_ms"] / 1e3) < 0.01, p
    # headers and repairs: more than the payload forward, ACKs back
    assert 1.02 < p["wire"]["forward"]["per_payload_byte"] < 1.2, p["wire"]
    assert 0 < p["wire"]["back"]["per_payload_byte"] < 0.2, p["wire"]
assert t["final_state"] == {"sender": "CLOSED", "receiver": "CLOSED"}
assert q["final_state"] == {"sender": "closed", "receiver": "closed"}
assert len(q["streams_done_ms"]) == 8 and max(q["streams_done_ms"]) == q["completion_ms"]
assert r["verified"] is True
# UDP: nothing resent, so what the link lost stays lost; no ACKs come back
assert u["retransmitted_bytes"] == 0 and u["srtt_ms"] is None and u["hol"] is None
assert u["setup_ms"] is None and u["wire"]["back"]["packets"] == 0
assert u["datagrams_sent"] == (n + 1187) // 1188 and u["payload"] == 1200
assert u["lost"] == u["datagrams_sent"] - u["datagrams_delivered"] > 0
assert u["verified"] is False and u["delivered_fraction"] < 1.0
# head-of-line: the bytes that arrived and waited for an earlier one of their stream
th, qh = t["hol"], q["hol"]
assert th["streams"] == 1 and qh["streams"] == 8 and th["bytes"] == qh["bytes"] == n
assert th["waited_bytes"] > 0 and th["mean_wait_ms"] > 0 and th["max_wait_ms"] >= 15.0, th
# a loss holds back one of QUIC's 8 streams, all of TCP's one
assert qh["mean_wait_ms"] <= th["mean_wait_ms"], (qh, th)
assert qh["waited_bytes"] <= th["waited_bytes"], (qh, th)
# QUIC's own arrivals as one ordered stream wait at least as long (never less)
one = qh["one_stream"]
assert one["mean_wait_ms"] >= qh["mean_wait_ms"] and one["max_wait_ms"] >= qh["max_wait_ms"]
assert one["waited_bytes"] >= qh["waited_bytes"]
assert qh["mean_wait_ms"] < 0.5 * one["mean_wait_ms"], (qh, one)
PY
done

# ---- the delivery curves ------------------------------------------------------------
python3 - c1.csv c1.json <<'PY' || fail "delivery curves CSV"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
r = json.load(open(sys.argv[2]))
assert rows[0] == ["time_s", "tcp_bytes", "udp_bytes", "quic_bytes"], rows[0]
data = [[float(x) for x in row] for row in rows[1:]]
assert data[0] == [0, 0, 0, 0]
for a, b in zip(data, data[1:]):
    assert b[0] > a[0], "one row per moment"
    assert all(b[i] >= a[i] for i in (1, 2, 3)), "bytes read only grow"
last = data[-1]
assert last[1] == r["tcp"]["bytes_delivered"] and last[2] == r["udp"]["bytes_delivered"]
assert last[3] == r["quic"]["bytes_delivered"]
# each column reaches its final value when that protocol's last byte was read
for i, p in ((1, "tcp"), (2, "udp"), (3, "quic")):
    t_full = min(row[0] for row in data if row[i] == last[i])
    assert abs(t_full * 1e3 - r[p]["completion_ms"]) < 1e-3, (p, t_full)
PY
grep -q "<svg" c1.svg && grep -q "TCP (reno)" c1.svg && grep -q "QUIC (reno, 8 streams)" c1.svg &&
  grep -q "UDP (20 Mbit/s" c1.svg || fail "plot lacks the three curves"

# ---- a clean link: the handshakes in round trips --------------------------------------
"$L4KIT" compare --link "rate 100mbit delay 25ms" --bytes 256K --json >clean.json 2>c.err ||
  fail "clean compare exit $?: $(cat c.err)"
python3 - clean.json <<'PY' || fail "handshake round trips"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["rtt_ms"] == 50.0
t, u, q = r["tcp"], r["udp"], r["quic"]
# TCP: SYN out, SYN-ACK back: one round trip (plus 2 x 60-byte serialization)
assert 0.99 <= t["setup_rtts"] <= 1.02, t["setup_rtts"]
# QUIC: Initial out, Initial + Handshake back: one round trip including TLS 1.3
assert 0.99 <= q["setup_rtts"] <= 1.15, q["setup_rtts"]
# the first byte leaves with the handshake's last flight: half a round trip later
for p in (t, q):
    assert 1.45 <= p["ttfb_rtts"] <= 1.65, p["ttfb_rtts"]
    assert p["verified"] and p["retransmitted_bytes"] == 0
# TCP + TLS 1.3 is not run; its estimate adds TLS's round trip
assert abs(t["setup_with_tls13_ms_estimate"] - (t["setup_ms"] + 50.0)) < 1e-6
# UDP needs no setup: its first byte is half a round trip away; nothing lost
assert u["setup_ms"] is None and 0.5 <= u["ttfb_rtts"] < 0.55, u["ttfb_rtts"]
assert u["verified"] is True and u["delivered_fraction"] == 1.0 and u["lost"] == 0
assert u["checksum_drops"] == 0 and u["duplicated"] == 0 and u["reordered"] == 0
PY

# ---- UDP's delivered share follows the link's loss rate -------------------------------
for seed in 1 2; do
  "$L4KIT" compare --link "rate 50mbit delay 5ms loss 5%" --bytes 4M --rate 40mbit --seed "$seed" \
    --json >u$seed.json 2>c.err || fail "udp loss compare exit $?: $(cat c.err)"
  python3 - u$seed.json <<'PY' || fail "UDP loss share, seed $seed"
import json, math, sys
r = json.load(open(sys.argv[1]))
u = r["udp"]
assert u["rate_bps"] == 40000000 and r["udp_rate_bps"] == 40000000
n = u["datagrams_sent"]
assert n == (4 * 1048576 + 1187) // 1188
# each datagram is lost with p = 5%: within 4 standard deviations of 95% delivered
p = 0.05
sd = math.sqrt(n * p * (1 - p))
assert abs(u["lost"] - n * p) <= 4 * sd, (u["lost"], n * p, sd)
assert abs(u["delivered_fraction"] - u["datagrams_delivered"] / n) < 0.002
assert 0.93 < u["delivered_fraction"] < 0.97, u["delivered_fraction"]
assert r["tcp"]["verified"] and r["quic"]["verified"]
PY
done

# ---- duplication, reordering and corruption: UDP counts them, TCP and QUIC repair -----
"$L4KIT" compare --link "rate 20mbit delay 10ms duplicate 3% reorder 3% corrupt 2%" --bytes 1M \
  --json >dup.json 2>c.err || fail "impaired compare exit $?: $(cat c.err)"
python3 - dup.json <<'PY' || fail "duplicates, reordering, corruption"
import json, sys
r = json.load(open(sys.argv[1]))
u = r["udp"]
assert u["duplicated"] > 0 and u["reordered"] > 0 and u["corrupted_detected"] > 0, u
assert u["corrupted_detected"] == u["checksum_drops"] and u["bad"] is False
for p in ("tcp", "quic"):
    assert r[p]["verified"] is True and r[p]["bytes_delivered"] == 1048576, p
    assert r[p]["checksum_drops"] > 0, p
PY

# ---- the default run: the table and its legend ------------------------------------------
"$L4KIT" compare >def.txt 2>c.err
rc=$?
[ "$rc" -eq 0 ] || fail "default compare exit $rc: $(cat c.err)"
for want in "1 MiB from host A to host B over TCP, UDP and QUIC" "rate 10mbit delay 20ms loss 1%" \
  "TCP  *UDP  *QUIC" "^  setup  " "^  first byte at B" "^  last byte at B" "^  goodput" \
  "^  delivered" "^  verified  *yes  *no" "^  lost/dup/reordered" "^  retransmitted" \
  "^  wire/payload A -> B" "^  wire/payload B -> A" "^  packets A->B / B->A" "^  srtt" \
  "^  HOL wait mean / max" "TCP + TLS 1.3" "2 RTT" "^  setup: " "^  HOL wait: " \
  "result: TCP and QUIC delivered every byte exactly once"; do
  grep -q -- "$want" def.txt || fail "default output lacks '$want'"
done
"$L4KIT" compare --json >def.json && "$L4KIT" compare --json >def2.json || fail "default --json"
cmp -s def.json def2.json || fail "the same seed gave different numbers"
python3 - def.json <<'PY' || fail "default JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["bytes"] == 1048576 and r["streams"] == 4 and r["seed"] == 1
assert r["link"]["forward"] == r["link"]["back"] == "rate 10mbit delay 20ms loss 1%"
assert r["udp_rate_bps"] == 10000000 and r["verified"] is True
assert r["csv"] is None and r["plot"] is None
PY
"$L4KIT" compare --json --seed 2 >s2.json || fail "--seed 2"
cmp -s def.json s2.json && fail "another seed gave the same run"

# ---- exit 1 when TCP or QUIC cannot deliver -------------------------------------------------
"$L4KIT" compare --link "loss 100%" --bytes 10K --json >dead.json 2>c.err
rc=$?
[ "$rc" -eq 1 ] || fail "a dead link exit $rc (want 1)"
python3 - dead.json <<'PY' || fail "dead link JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verified"] is False
for p in ("tcp", "udp", "quic"):
    assert r[p]["bytes_delivered"] == 0 and r[p]["verified"] is False, p
    assert r[p]["ttfb_ms"] is None and r[p]["completion_ms"] is None, p
assert r["tcp"]["setup_ms"] is None and r["quic"]["setup_ms"] is None
PY

# ---- usage ------------------------------------------------------------------------------
"$L4KIT" compare --help >h.txt || fail "--help exit $?"
grep -q "^usage: l4kit compare" h.txt && grep -q -- "--streams N" h.txt || fail "--help text"
"$L4KIT" help | grep -q "^  compare " || fail "l4kit help does not list compare"
compare_bad "unknown option '--proto'" --proto tcp
compare_bad "unexpected argument 'tcp'" tcp
compare_bad "--streams '0' must be 1..1000" --streams 0
compare_bad "--streams '1001'" --streams 1001
compare_bad "--bytes '0'" --bytes 0
compare_bad "--bytes '10Q'" --bytes 10Q
compare_bad "--seed 'x'" --seed x
compare_bad "unknown congestion control 'nope'" --cc nope
compare_bad "--link: unknown key 'los'" --link "los 1%"
compare_bad "--link-back: " --link-back "rate fast"
compare_bad "--rate 'fast'" --rate fast
compare_bad "--rate '0'" --rate 0
compare_bad "--bytes needs a value" --bytes
"$L4KIT" compare --bytes 10K --csv /nonexistent/dir/c.csv >o 2>e
rc=$?
[ "$rc" -eq 1 ] && grep -q "cannot write /nonexistent/dir/c.csv" e || fail "unwritable --csv: exit $rc, $(cat e)"

simcli_done compare_test
