#!/usr/bin/env bash
# tests/simcli/cc_experiments_test.sh — the `l4kit sim` features the
# congestion-control experiments (bench/cc_experiments.sh) rest on, with
# bounds a broken feature fails:
#  - losses at chosen times: Reno through slow start, a single drop (fast
#    recovery halves the window), congestion avoidance, a second drop, and a
#    blackout (an RTO collapses the window to 1 MSS at the blackout time: it
#    lasts 500 ms, so that the tail loss probe, 2 SRTT after the last ACK,
#    is lost in it too; a shorter one is repaired by the probe and RACK);
#    the plot names the phases;
#  - the queue getter and the queueing-delay statistics: CUBIC fills a
#    10 x BDP buffer, BBR keeps it nearly empty;
#  - per-flow congestion control (--cc reno,bbr) on a lossy link;
#  - Jain's index over time with a staggered second flow (JSON = CSV);
#  - `l4kit plot` and bad usage.
. "$(dirname "$0")/lib.sh"

# ---- experiment 1: the congestion-window picture, losses placed on the link ---------
E1_LINK="rate 10mbit delay 50ms drop-at 600ms,6s blackout 11s+500ms"
"$L4KIT" sim --proto tcp --cc reno --duration 16s --link "$E1_LINK" \
  --link-back "rate 10mbit delay 50ms" --csv e1.csv --plot e1.svg --json >e1.json 2>e1.err ||
  fail "experiment 1 exit: $(cat e1.err)"
python3 - e1.json e1.csv <<'PY' || fail "experiment 1: the window's phases"
import csv, json, sys
r = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
f = r["flows"][0]
fw = r["link"]["forward"]
assert r["verified"] and r["completed"], r
# exactly the placed losses: two single drops and the blackout's packets, nothing random
assert fw["dropped_timed"] == fw["dropped_loss"] == fw["dropped"] >= 3, fw
assert r["link"]["back"]["dropped"] == 0
assert f["fast_retransmits"] == 2 and f["rto_expiries"] == 1, f
mss = int(rows[-1]["mss"])
def t(x): return float(x["time_s"])
def first(pred):
    for i, x in enumerate(rows):
        if pred(x):
            return i
    raise AssertionError("no such row")
# slow start: the window grows from the initial window to well past it before the first drop
est = [x for x in rows if x["state"] == "ESTABLISHED" and t(x) < 0.6]
assert est and int(est[0]["cwnd"]) <= 10 * mss and all(x["ssthresh"] == "" for x in est)
for n, (lo, hi) in enumerate([(0.6, 1.2), (6.0, 6.6)], 1):
    i = first(lambda x: int(x["fast_retransmits"]) == n)
    before = int(rows[i - 1]["cwnd"])
    after, ss = int(rows[i]["cwnd"]), int(rows[i]["ssthresh"])
    assert lo <= t(rows[i]) <= hi, (n, t(rows[i]))
    assert rows[i]["in_recovery"] == "1" and rows[i]["rto_expiries"] == "0"
    # fast recovery halves the window (RFC 5681: ssthresh = FlightSize / 2)
    assert 0.35 * before <= ss <= 0.65 * before, (n, before, ss)
    assert abs(after - ss) <= 3 * mss, (n, after, ss)
    # congestion avoidance afterwards: about one segment per RTT, never back to slow start
    j = first(lambda x: t(x) > t(rows[i]) + 3.0)
    grown = (int(rows[j]["cwnd"]) - after) / mss
    assert 10 <= grown <= 45, (n, grown)
    assert int(rows[j]["cwnd"]) >= int(rows[j]["ssthresh"])
# the blackout: one RTO, the window collapses to 1 MSS shortly after 11 s, then slow start
i = first(lambda x: int(x["rto_expiries"]) == 1)
assert 11.0 < t(rows[i]) < 11.0 + 1.2, t(rows[i])
assert int(rows[i]["cwnd"]) == mss, (rows[i]["cwnd"], mss)
ss = int(rows[i]["ssthresh"])
assert 0.35 * int(rows[i - 1]["cwnd"]) <= ss <= 0.65 * int(rows[i - 1]["cwnd"]) + 2 * mss
k = first(lambda x: t(x) > t(rows[i]) + 1.5)
assert int(rows[k]["cwnd"]) >= ss - mss, "slow start did not bring the window back to ssthresh"
# the CSV's queue columns are numbers; the queue ran empty after the blackout
assert all(x["queue_pkts"] != "" and float(x["queue_delay_ms"]) >= 0 for x in rows)
assert rows[i]["queue_pkts"] == "0"
PY
python3 - e1.svg <<'PY' || fail "experiment 1: the plot names the phases"
import sys
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
legend = [t.text for t in root.findall(".//s:g[@class='legend']/s:text", ns)]
for name in ("cwnd", "ssthresh", "slow start", "congestion avoidance", "fast recovery", "RTO"):
    assert name in legend, (name, legend)
bands = root.findall(".//s:g[@class='bands']/s:rect", ns)
assert len(bands) >= 6, len(bands)  # SS, FR, CA, FR, CA, SS, CA
rto = root.findall(".//s:g[@class='phases']/s:line[@class='instant']", ns)
assert len(rto) == 1, len(rto)
# the RTO line sits at 11.x s on the x axis: between the ticks 10 and 12
xt = {float(t.text): float(t.get("x")) for t in root.findall(".//s:g[@class='xticks']/s:text", ns)}
x = float(rto[0].get("x1"))
assert xt[10] < x < xt[12], (x, xt)
PY
# BBR has no slow start / congestion avoidance: no phase bands
"$L4KIT" sim --proto tcp --cc bbr --bytes 1M --link "rate 10mbit delay 10ms drop-at 300ms" \
  --plot bbr.svg >/dev/null || fail "bbr plot run"
grep -q 'class="bands"' bbr.svg && fail "a BBR plot must not name Reno's phases"

# ---- queueing delay: one flow into a 10 x BDP buffer, CUBIC against BBR --------------
for cc in cubic bbr; do
  "$L4KIT" sim --proto tcp --cc $cc --duration 8s --buf 2M --link "rate 10mbit delay 20ms queue 500kb" \
    --link-back "rate 10mbit delay 20ms" --json --interval 500ms >bloat_$cc.json ||
    fail "bufferbloat $cc exit"
done
python3 - bloat_cubic.json bloat_bbr.json <<'PY' || fail "bufferbloat: queueing delay"
import json, sys
c, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (c, b):
    q = r["link"]["forward"]["queue_delay_ms"]
    assert 0 <= q["p50"] <= q["p99"] <= q["max"] and q["mean"] <= q["max"], q
    assert r["goodput_mbps"] > 8.0, r["goodput_mbps"]
    assert r["link"]["back"]["queue_delay_ms"]["max"] < 5, r["link"]["back"]
    # the per-interval means agree with the whole-run mean
    ivs = [iv for iv in r["intervals"] if iv["t1"] <= 8.0]
    assert len(ivs) == 16 and all(iv["active"] == 1 and iv["jain"] == 1 for iv in ivs)
qc, qb = c["link"]["forward"]["queue_delay_ms"], b["link"]["forward"]["queue_delay_ms"]
# 500 kB at 10 Mbit/s is 400 ms: CUBIC fills most of it, BBR drains it after startup
assert qc["max"] > 300 and qc["p50"] > 150, qc
assert qb["p50"] < 20 and qb["mean"] < 40, qb
assert c["link"]["forward"]["queue_pkts"]["max"] > 200 > b["link"]["forward"]["queue_pkts"]["max"]
PY

# ---- per-flow congestion control: --cc reno,bbr on a 1 % lossy link --------------------
"$L4KIT" sim --proto tcp --cc reno,bbr --duration 5s --link "rate 50mbit delay 10ms loss 1% queue 200" \
  --link-back "rate 50mbit delay 10ms" --json >mix.json || fail "mixed cc exit"
python3 - mix.json <<'PY' || fail "mixed congestion control"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["cc"] == "reno,bbr" and r["nflows"] == 2, (r["cc"], r["nflows"])
f0, f1 = r["flows"]
assert f0["cc"] == "reno" and f1["cc"] == "bbr"
# BBR ignores random loss, Reno halves on each: a run where both were Reno fails this
assert f1["goodput_mbps"] > 3 * f0["goodput_mbps"], (f0["goodput_mbps"], f1["goodput_mbps"])
assert r["jain"] < 0.8, r["jain"]
PY

# ---- Jain's index over time: a second flow starting 2 s later --------------------------
"$L4KIT" sim --proto tcp --cc cubic --flows 2 --stagger 2s --duration 10s \
  --link "rate 20mbit delay 10ms queue 60" --link-back "rate 20mbit delay 10ms" \
  --json --interval-csv j.csv >j.json || fail "staggered flows exit"
python3 - j.json j.csv <<'PY' || fail "Jain's index over time"
import csv, json, sys
r = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
f0, f1 = r["flows"]
assert f0["start_seconds"] == 0 and abs(f1["start_seconds"] - 2.0) < 1e-6, (f0, f1)
iv = r["intervals"]
assert r["interval_seconds"] == 1.0 and len(iv) == len(rows) >= 10
for a, b in zip(iv, rows):
    assert abs(a["t1"] - float(b["t_s"])) < 1e-6 and abs(a["jain"] - float(b["jain"])) < 1e-3
    assert abs(a["flow_mbps"][0] - float(b["flow0_mbps"])) < 1e-2
    x = a["flow_mbps"] if a["active"] == 2 else a["flow_mbps"][:1]
    want = sum(x) ** 2 / (len(x) * sum(v * v for v in x)) if sum(x) else 1.0
    assert abs(a["jain"] - want) < 1e-3, (a, want)
    assert abs(sum(a["flow_mbps"]) - a["total_mbps"]) < 0.01
# alone for the first 2 s: the second flow is not counted and sent nothing
for a in iv[:2]:
    assert a["active"] == 1 and a["jain"] == 1.0 and a["flow_mbps"][1] == 0, a
# then they share: the link stays full and the index rises towards 1 by the end
assert all(a["active"] == 2 for a in iv[3:9])
assert all(a["total_mbps"] > 15 for a in iv[1:9])
assert iv[2]["jain"] < 0.9 and max(a["jain"] for a in iv[6:10]) > 0.9, [a["jain"] for a in iv]
PY

# ---- l4kit plot ------------------------------------------------------------------------
printf 'loss_pct,reno,model\n0.01,40,44.9\n0.1,4.5,4.49\n1,1.3,1.42\n10,0.2,\n' >g.csv
"$L4KIT" plot -o g.svg --logx --logy --title "goodput" g.csv:loss_pct:reno:Reno:points \
  g.csv:loss_pct:model:Mathis:dashed || fail "plot exit"
python3 - g.svg <<'PY' || fail "plot: log axes, points, a dashed model line"
import sys
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
xt = [float(t.text) for t in root.findall(".//s:g[@class='xticks']/s:text", ns)]
assert xt[0] == 0.01 and xt[-1] == 10 and 0.1 in xt and 1 in xt, xt
yt = [float(t.text) for t in root.findall(".//s:g[@class='yticks']/s:text", ns)]
assert yt[0] == 0.1 and yt[-1] == 100, yt
# equal decades are equal distances
px = {float(t.text): float(t.get("x")) for t in root.findall(".//s:g[@class='xticks']/s:text", ns)}
assert abs((px[0.1] - px[0.01]) - (px[10] - px[1])) < 0.5, px
circles = root.findall(".//s:g[@class='series']/s:circle", ns)
assert len(circles) == 4, len(circles)  # the Reno points, no line
lines = root.findall(".//s:g[@class='series']/s:polyline", ns)
assert len(lines) == 1 and lines[0].get("stroke-dasharray") == "6,4"
assert len(lines[0].get("points").split()) == 3  # the empty cell is a gap at the end
PY
badp() {
  local want=$1 code=$2
  shift 2
  "$L4KIT" plot "$@" >o 2>e
  local rc=$?
  [ "$rc" -eq "$code" ] || fail "plot $* exit $rc (want $code)"
  [ "$(wc -l <e)" -eq 1 ] || fail "plot $*: one line wanted, got: $(cat e)"
  grep -q -- "$want" e || fail "plot $*: message '$(cat e)' lacks '$want'"
}
badp "required" 2 g.csv:loss_pct:reno
badp "no column 'nope'" 2 -o x.svg g.csv:loss_pct:nope
badp "not FILE:XCOL:YCOL" 2 -o x.svg g.csv:loss_pct
badp "unknown style 'wavy'" 2 -o x.svg g.csv:loss_pct:reno:R:wavy
badp "cannot read nosuch.csv" 1 -o x.svg nosuch.csv:a:b
badp "'abc' is not a number" 2 -o x.svg --ymax abc g.csv:loss_pct:reno
badp "'middle' is not tr, tl, bl or br" 2 -o x.svg --legend middle g.csv:loss_pct:reno

# ---- bad usage of the new sim options -------------------------------------------------
sim_bad "unknown congestion control 'vegas'" --proto tcp --cc bbr,vegas
sim_bad "comma-separated list" --proto tcp --cc bbr,,cubic
sim_bad "comma-separated list" --proto tcp --cc cubic,
sim_bad "bad drop-at '2'" --proto tcp --link "drop-at 2"
sim_bad "bad blackout '3s'" --proto tcp --link "blackout 3s"
sim_bad "'0'" --proto tcp --interval 0
sim_bad "'soon'" --proto tcp --stagger soon
sim_bad "for TCP" --proto udp --stagger 1s

simcli_done cc_experiments_test
