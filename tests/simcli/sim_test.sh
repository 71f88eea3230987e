#!/usr/bin/env bash
# tests/simcli/sim_test.sh — `l4kit sim`, the DESIGN.md contract: the --json
# fields and their consistency on a lossy link (every byte delivered and
# verified, both sides CLOSED, exit 0), the --pcap capture under tshark's TCP
# analysis (no malformed packets, no "ACKed unseen segment", no errors), the
# --csv series (columns, monotonic time, agreeing with the JSON), the --plot
# SVG (parses, has its axes, ticks, lines and legend), reproducibility from
# the seed, several flows, time-limited flows, UDP, and bad usage (exit 2,
# one line naming the bad token).
. "$(dirname "$0")/lib.sh"

LINK="rate 20mbit delay 10ms loss 2% reorder 1% duplicate 0.5%"

# ---- a lossy TCP transfer with every output --------------------------------------
"$L4KIT" sim --proto tcp --bytes 512K --link "$LINK" --seed 3 --json \
  --pcap t.pcap --csv t.csv --plot t.svg >t.json 2>t.err
rc=$?
[ "$rc" -eq 0 ] || fail "lossy tcp run exit $rc: $(cat t.err)"
python3 - t.json <<'PY' || fail "tcp JSON contract"
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("proto", "cc", "seed", "bytes_requested", "bytes_delivered", "verified", "sim_seconds",
          "goodput_mbps", "retransmits", "srtt_ms", "link", "flows"):
    assert k in r, k
assert r["proto"] == "tcp" and r["cc"] == "reno" and r["seed"] == 3
assert r["bytes_requested"] == r["bytes_delivered"] == 512 * 1024, r
assert r["verified"] is True and r["completed"] is True and r["timed_out"] is False
assert r["retransmits"] > 0, "2% loss must cost retransmissions"
assert 20.0 <= r["srtt_ms"] < 100.0, r["srtt_ms"]
# goodput is the delivered bytes over the transfer time
assert abs(r["goodput_mbps"] - r["bytes_delivered"] * 8 / r["transfer_seconds"] / 1e6) < 0.01
assert 0 < r["goodput_mbps"] < 20.0
# the active closer waits 2 x MSL (60 s) in TIME_WAIT after the transfer
assert r["sim_seconds"] >= r["transfer_seconds"] + 60.0, r
for d in ("forward", "back"):
    s = r["link"][d]
    for k in ("sent", "delivered", "dropped", "marked", "offered", "dropped_loss",
              "dropped_queue", "corrupted", "duplicated", "reordered", "queue_hwm_pkts", "spec"):
        assert k in s, (d, k)
    assert s["offered"] + s["duplicated"] == s["delivered"] + s["dropped_loss"] + s["dropped_queue"]
    assert s["dropped"] == s["dropped_loss"] + s["dropped_queue"]
    assert s["sent"] == s["delivered"]
    assert s["spec"] == "rate 20mbit delay 10ms loss 2% reorder 1% duplicate 0.5%"
assert r["link"]["forward"]["dropped_loss"] > 0
fw, bk = r["link"]["forward"], r["link"]["back"]
assert fw["reordered"] + bk["reordered"] > 0 and fw["duplicated"] + bk["duplicated"] > 0
assert r["nflows"] == 1 and len(r["flows"]) == 1
f = r["flows"][0]
assert f["final_state"] == {"sender": "CLOSED", "receiver": "CLOSED"}, f
assert f["verified"] and f["completed"] and f["sender_error"] is None and f["receiver_error"] is None
assert f["bytes_delivered"] == 512 * 1024
assert f["retransmits"] == r["retransmits"]  # the receiver sends no data to retransmit
assert f["retransmits"] >= f["fast_retransmits"] + f["rto_expiries"] > 0
# retransmissions repair losses; reordering may add a few spurious ones
assert f["retransmits"] <= 2 * (r["link"]["forward"]["dropped"] + r["link"]["back"]["dropped"]) + 10
PY

# ---- the capture, through tshark's TCP analysis -----------------------------------
if command -v tshark >/dev/null; then
  tshark -r t.pcap -q -z expert >expert.txt 2>/dev/null || fail "tshark expert failed"
  grep -qi "malformed" expert.txt && fail "tshark: malformed packets: $(grep -i malformed expert.txt)"
  grep -qi "ACKed segment that wasn't captured\|ACKed unseen" expert.txt &&
    fail "tshark: ACKed unseen segment"
  grep -q "^Errors" expert.txt && fail "tshark expert errors: $(sed -n '/^Errors/,/^$/p' expert.txt)"
  grep -q "retransmission" expert.txt || fail "tshark saw no retransmission on a 2% lossy link"
  # tshark counted as many packets as the JSON says (its summary line per frame group)
  total=$(awk '/^(Errors|Warns|Notes|Chats) \(/ {gsub(/[()]/,"",$2); s+=$2} END {print s+0}' expert.txt)
  [ "$total" -gt 0 ] || fail "tshark expert reported nothing at all"
else
  fail "tshark is not installed (scripts/deps.sh installs it)"
fi
# The capture's packets (l4kit dissect): the JSON's count; SYN, SYN-ACK, a FIN from each side;
# every checksum good (the link did not corrupt).
"$L4KIT" dissect --json t.pcap >t.dis.json || fail "dissect of the capture"
python3 - t.json t.dis.json <<'PY' || fail "the capture's packets"
import json, sys
r = json.load(open(sys.argv[1]))
pk = json.load(open(sys.argv[2]))
assert len(pk) == r["pcap_packets"], (len(pk), r["pcap_packets"])
tcp = [(p["ip"]["src"], set(p["tcp"]["flags"]), p) for p in pk]
assert any(s == "10.0.0.1" and f == {"SYN"} for s, f, p in tcp), "no SYN from A"
assert any(s == "10.0.0.2" and f == {"SYN", "ACK"} for s, f, p in tcp), "no SYN-ACK from B"
assert {s for s, f, p in tcp if "FIN" in f} == {"10.0.0.1", "10.0.0.2"}, "FINs from both sides"
assert all(p["tcp"]["checksum_status"] == "good" for s, f, p in tcp)
t = [p["time"] for p in pk]
assert t == sorted(t)
PY

# ---- the CSV series ---------------------------------------------------------------
python3 - t.csv t.json <<'PY' || fail "csv series"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
r = json.load(open(sys.argv[2]))
cols = ["time_s", "flow", "state", "cwnd", "ssthresh", "srtt_ms", "rto_ms", "in_flight", "rwnd",
        "retransmits", "rto_expiries", "fast_retransmits", "bytes_acked", "in_recovery", "mss",
        "ecn_reductions", "queue_pkts", "queue_delay_ms"]
assert open(sys.argv[1]).readline().strip().split(",") == cols
assert len(rows) == r["csv_rows"] > 50, (len(rows), r["csv_rows"])
t = [float(x["time_s"]) for x in rows]
assert all(a <= b for a, b in zip(t, t[1:])), "time goes back"
assert t[0] == 0.0 and t[-1] <= r["transfer_seconds"] + 0.5
states = {x["state"] for x in rows}
assert {"SYN_SENT", "ESTABLISHED", "TIME_WAIT"} <= states, states
assert rows[0]["state"] == "SYN_SENT" and rows[-1]["state"] == "TIME_WAIT"
assert all(int(x["cwnd"]) > 0 and x["flow"] == "0" for x in rows)
# retransmits never decrease and end where the JSON says
rt = [int(x["retransmits"]) for x in rows]
assert rt == sorted(rt) and rt[-1] == r["flows"][0]["retransmits"]
assert int(rows[-1]["bytes_acked"]) == 512 * 1024
# a loss halves the window: some row has cwnd below its predecessor's and ssthresh set
drops = [(a, b) for a, b in zip(rows, rows[1:]) if int(b["cwnd"]) < int(a["cwnd"]) and b["ssthresh"]]
assert drops, "no window reduction in the series"
# no two consecutive rows are identical apart from time
keys = cols[1:]
assert all([a[k] for k in keys] != [b[k] for k in keys] for a, b in zip(rows, rows[1:]))
PY

# ---- the SVG plot -----------------------------------------------------------------
python3 - t.svg <<'PY' || fail "svg plot"
import sys
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg"
lines = root.findall(".//s:g[@class='series']/s:polyline", ns)
assert len(lines) >= 2, len(lines)
assert all(len(l.get("points").split()) >= 2 for l in lines)
texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
assert any("cwnd" in t for t in texts) and any("ssthresh" in t for t in texts), texts
assert any(t.startswith("time") for t in texts) and any("segments" in t for t in texts)
xt = root.findall(".//s:g[@class='xticks']/s:text", ns)
yt = root.findall(".//s:g[@class='yticks']/s:text", ns)
assert len(xt) >= 4 and len(yt) >= 4, (len(xt), len(yt))
# tick labels are increasing numbers
xv = [float(t.text) for t in xt]
assert xv == sorted(xv) and xv[0] == 0
assert root.find(".//s:g[@class='legend']", ns) is not None
PY

# ---- same seed, same run; another seed, another run --------------------------------
"$L4KIT" sim --proto tcp --bytes 512K --link "$LINK" --seed 3 --json --pcap t2.pcap >t2.json ||
  fail "rerun"
python3 -c '
import json,sys
a=json.load(open("t.json")); b=json.load(open("t2.json"))
for k in ("pcap","csv","plot","csv_rows"): a.pop(k); b.pop(k)
sys.exit(0 if a==b else 1)' || fail "same seed, different JSON"
cmp -s t.pcap t2.pcap || fail "same seed, different pcap"
"$L4KIT" sim --proto tcp --bytes 512K --link "$LINK" --seed 4 --json --pcap t4.pcap >t4.json ||
  fail "seed 4 run"
cmp -s t.pcap t4.pcap && fail "seeds 3 and 4 gave the same pcap"

# ---- several flows, a separate back link, another congestion control name ----------
"$L4KIT" sim --proto tcp --flows 3 --bytes 200K --link "rate 30mbit delay 5ms loss 1% queue 40" \
  --link-back "rate 30mbit delay 5ms" --json --csv m.csv >m.json || fail "3 flows exit"
python3 - m.json m.csv <<'PY' || fail "3 flows"
import csv, json, sys
r = json.load(open(sys.argv[1]))
assert r["nflows"] == 3 and len(r["flows"]) == 3
assert r["bytes_requested"] == r["bytes_delivered"] == 3 * 200 * 1024 and r["verified"]
assert len({f["sport"] for f in r["flows"]}) == 3
for f in r["flows"]:
    assert f["final_state"] == {"sender": "CLOSED", "receiver": "CLOSED"} and f["verified"]
assert r["link"]["back"]["spec"] == "rate 30mbit delay 5ms" and r["link"]["back"]["dropped"] == 0
flows = {x["flow"] for x in csv.DictReader(open(sys.argv[2]))}
assert flows == {"0", "1", "2"}, flows
PY

# ---- time-limited flows: send for 2 s, then close -----------------------------------
"$L4KIT" sim --proto tcp --duration 2s --link "rate 10mbit delay 10ms" --json >d.json ||
  fail "duration run exit"
python3 - d.json <<'PY' || fail "duration run"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verified"] and r["bytes_requested"] == r["bytes_delivered"] > 1000000
# about 2 s at 10 Mbit/s (less the headers and slow start), and not much more
assert 2.0 <= r["transfer_seconds"] < 3.0, r["transfer_seconds"]
assert 7.0 < r["goodput_mbps"] < 10.0, r["goodput_mbps"]
PY

# ---- ECN: the queue marks instead of dropping; the sender cuts its window on ECE ----
"$L4KIT" sim --proto tcp --ecn --bytes 2M --link "rate 20mbit delay 10ms queue 100 ecn-threshold 20" \
  --json >e.json || fail "ecn run exit"
python3 - e.json <<'PY' || fail "ecn run"
import json, sys
r = json.load(open(sys.argv[1]))
f = r["flows"][0]
fw = r["link"]["forward"]
assert r["ecn"] is True and f["ecn"] is True and r["verified"]
assert fw["marked"] > 0 and fw["dropped"] == 0 and r["retransmits"] == 0, (fw, r["retransmits"])
assert f["ce_received"] == fw["marked"] and f["ecn_reductions"] > 0
PY

# ---- --duration bounds a --bytes transfer: 10 MiB cannot cross 10 Mbit/s in 1 s ------
"$L4KIT" sim --proto tcp --bytes 10M --duration 1s --link "rate 10mbit delay 10ms" --json >lim.json
rc=$?
[ "$rc" -eq 1 ] || fail "a transfer cut by --duration must exit 1, got $rc"
python3 - lim.json <<'PY' || fail "time-limited transfer"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["timed_out"] is True and r["verified"] is False and r["completed"] is False
assert 0 < r["bytes_delivered"] < 10 * 1024 * 1024 and r["sim_seconds"] <= 1.0
assert r["flows"][0]["final_state"]["sender"] == "ESTABLISHED"
PY

# ---- UDP ---------------------------------------------------------------------------
"$L4KIT" sim --proto udp --bytes 300K --link "rate 10mbit delay 5ms" --json --pcap u.pcap >u.json ||
  fail "udp ideal exit"
python3 - u.json <<'PY' || fail "udp ideal"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["proto"] == "udp" and r["cc"] is None and r["verified"] is True
assert r["bytes_requested"] == r["bytes_delivered"] == 300 * 1024
f = r["flows"][0]
assert f["final_state"] is None and f["lost"] == 0 and f["datagrams_sent"] == f["datagrams_received"]
assert f["datagrams_sent"] == -(-300 * 1024 // 1188)  # 1200-byte payloads carry 1188 pattern bytes
# 80% of the link rate by default
assert 7.0 < r["goodput_mbps"] <= 8.0, r["goodput_mbps"]
assert r["pcap_packets"] == f["datagrams_sent"]
PY
"$L4KIT" sim --proto udp --bytes 300K --link "rate 10mbit delay 5ms loss 5%" --json >ul.json
rc=$?
[ "$rc" -eq 1 ] || fail "udp over a lossy link must exit 1 (not every byte arrived), got $rc"
python3 - ul.json <<'PY' || fail "udp lossy"
import json, sys
r = json.load(open(sys.argv[1]))
f = r["flows"][0]
assert r["verified"] is False and f["lost"] > 0
assert f["lost"] == r["link"]["forward"]["dropped"]
assert r["bytes_delivered"] < r["bytes_requested"]
PY

# ---- text output ---------------------------------------------------------------------
"$L4KIT" sim --proto tcp --bytes 100K --link "delay 5ms" >text.out || fail "text run exit"
grep -q "^  delivered 102400 of 102400 bytes" text.out || fail "text: delivered line"
grep -q "final states CLOSED / CLOSED, verified" text.out || fail "text: flow line"
grep -q "^  result: every flow delivered every byte" text.out || fail "text: result line"

# ---- sizes are 1024-based, any case, with or without B / iB; times take units ----------
for spec in "1K 1024" "3kib 3072" "2MB 2097152" "1500 1500" "1500b 1500"; do
  set -- $spec
  "$L4KIT" sim --proto tcp --bytes "$1" --link "delay 1ms" --json >sz.json || fail "--bytes $1 exit"
  python3 -c 'import json,sys; r=json.load(open("sz.json")); sys.exit(0 if r["bytes_requested"]==r["bytes_delivered"]==int(sys.argv[1]) else 1)' "$2" ||
    fail "--bytes $1 is not $2 bytes"
done
"$L4KIT" sim --proto udp --duration 250ms --rate 8mbit --link "delay 1ms" --json >ud.json ||
  fail "udp --duration 250ms exit"
python3 - ud.json <<'PY' || fail "udp for 250 ms at 8 Mbit/s"
import json, sys
r = json.load(open(sys.argv[1]))
f = r["flows"][0]
# one 1228-byte IP packet every 1.228 ms: datagrams at 0, 1.228, ... < 250 ms
assert f["datagrams_sent"] == 204, f["datagrams_sent"]
assert r["rate_bps"] == 8000000 and r["verified"]
PY

# ---- bad usage: exit 2, one line naming the problem ---------------------------------
bad() { # and nothing on stdout
  sim_bad "$@"
  [ -s o ] && fail "sim ${*:2}: nothing on stdout wanted"
}
bad "'los'" --proto tcp --link "rate 10mbit los 2%"
bad "'10mbps'" --proto tcp --link-back "rate 10mbps"
bad "'10Q'" --proto tcp --bytes 10Q
bad "'5'" --proto tcp --duration 5
bad "'sctp'" --proto sctp
bad "required" --bytes 1M
bad "registered: reno" --proto tcp --cc nosuch
bad "'0'" --proto tcp --flows 0
bad "'--bogus'" --proto tcp --bogus
bad "needs a value" --proto tcp --seed
bad "'fast'" --proto udp --rate fast
bad "for TCP" --proto udp --csv x.csv
"$L4KIT" sim --proto tcp --bytes 10K --pcap "$tmp/no/such/dir/x.pcap" >o 2>e
[ $? -eq 1 ] || fail "unwritable --pcap must exit 1"
grep -q "^l4kit sim: cannot write" e || fail "unwritable --pcap message: $(cat e)"
"$L4KIT" sim --help >o || fail "--help exit"
grep -q "1024-based" o || fail "--help must say sizes are 1024-based"

simcli_done sim_test
