#!/usr/bin/env bash
# tests/simcli/demo_tcp_test.sh — `l4kit demo` stage 2, part 1 (TCP): the
# timeline shows SYN -> SYN-ACK -> ACK with the ISNs the capture holds
# (cross-checked with `l4kit dissect --json`), at least one loss with its
# retransmission and cause, the congestion window, the four-way close
# (FIN, ACK, FIN, ACK) and TIME_WAIT -> CLOSED; every byte verified; a cwnd
# plot next to the pcap; --json agrees with the text; same seed, same bytes.
. "$(dirname "$0")/lib.sh"

mkdir a b
"$L4KIT" demo --out a >text.out 2>text.err || fail "demo exit: $(cat text.err)"
"$L4KIT" demo --out b --json >run.json 2>json.err || fail "demo --json exit: $(cat json.err)"
[ -s a/l4kit-demo-tcp.pcap ] && [ -s a/l4kit-demo-cwnd.svg ] && [ -s a/l4kit-demo.pcap ] ||
  fail "demo files missing: $(ls a)"
cmp -s a/l4kit-demo-tcp.pcap b/l4kit-demo-tcp.pcap || fail "same seed, different TCP pcap"
cmp -s a/l4kit-demo-cwnd.svg b/l4kit-demo-cwnd.svg || fail "same seed, different plot"
"$L4KIT" dissect --json a/l4kit-demo-tcp.pcap >dis.json || fail "dissect of the TCP pcap"

python3 - run.json dis.json text.out <<'PY' || fail "TCP act"
import json, re, sys
r = json.load(open(sys.argv[1]))
pk = json.load(open(sys.argv[2]))
text = open(sys.argv[3]).read()
assert r["stage"] == 2 and r["ok"] is True
t = r["tcp"]
assert t["ok"] and t["verified"] and t["bytes_delivered"] == t["bytes"] == 256 * 1024
assert t["final_state"] == {"sender": "CLOSED", "receiver": "CLOSED"}
assert t["link"] == "rate 10mbit delay 20ms loss 3%"
assert t["pcap"] == "b/l4kit-demo-tcp.pcap" and t["pcap_packets"] == len(pk)
tl = t["timeline"]
pkts = [e for e in tl if e["kind"] == "packet"]
labels = [e["label"] for e in pkts]
# the handshake, in order, with the ISNs
syn, synack, ack = pkts[0], pkts[1], pkts[2]
assert (syn["label"], synack["label"], ack["label"]) == ("SYN", "SYN-ACK", "ACK"), labels[:3]
assert syn["flags"] == "SYN" and syn["seq"] == t["isn_a"] and syn["dir"] == "A->B"
assert synack["flags"] == "SYN ACK" and synack["seq"] == t["isn_b"] and synack["ack"] == t["isn_a"] + 1
assert ack["dir"] == "A->B" and ack["ack"] == t["isn_b"] + 1 and ack["seq"] == t["isn_a"] + 1
assert syn["mss"] == 1460 and "wscale" in syn and syn.get("sack_permitted") and "ts_val" in syn
# the capture holds the same ISNs: dissect's first SYN and SYN-ACK
csyn = next(p for p in pk if p["tcp"]["flags"] == ["SYN"])
csa = next(p for p in pk if set(p["tcp"]["flags"]) == {"SYN", "ACK"})
assert csyn["tcp"]["seq"] == t["isn_a"] and csyn["ip"]["src"] == "10.0.0.1"
assert csyn["tcp"]["sport"] == t["sport"] and csyn["tcp"]["dport"] == t["dport"] == 5001
assert csa["tcp"]["seq"] == t["isn_b"] and csa["tcp"]["ack"] == t["isn_a"] + 1
# ... and so does the text timeline
assert re.search(r"A -> B SYN +\[SYN\] seq %d win" % t["isn_a"], text), "SYN line"
assert "ISN = %d" % t["isn_a"] in text and "B's ISN = %d" % t["isn_b"] in text
assert re.search(r"B -> A SYN-ACK +\[SYN ACK\] seq %d ack %d" % (t["isn_b"], t["isn_a"] + 1), text)
# losses and their repair
losses = [e for e in tl if e["kind"] == "loss"]
retx = [e for e in tl if e["kind"] == "retransmission"]
assert len(losses) == t["losses"] >= 1 and len(retx) == t["retransmissions"] >= 1
assert t["fast_retransmits"] + t["rto_retransmits"] >= 1
assert t["fast_retransmits"] + t["rto_retransmits"] + t["recovery_retransmits"] == len(retx)
for l in losses:  # every lost data segment was sent again, later, with the same bytes
    assert any(x["seq"] == l["seq"] and x["len"] == l["len"] and x["t"] > l["t"] for x in retx), l
assert all(x["cause"] in ("fast_retransmit", "rto", "recovery") for x in retx)
# the lost segments are in the capture (taken at A, where they were sent) more than once
for l in losses:
    n = sum(1 for p in pk if p["tcp"]["seq"] == l["seq"] and p["tcp"]["payload_len"] == l["len"])
    assert n >= 2, (l, n)
assert "RETRANSMISSION seq %d len %d" % (retx[0]["seq"], retx[0]["len"]) in text
assert "-- LOST on the link" in text
# the congestion window: the initial window, a reduction, and the end
cw = [e for e in tl if e["kind"] == "cwnd"]
assert cw[0]["label"].startswith("initial window") and cw[0]["cwnd"] > 0
red = [e for e in cw if "cwnd_before" in e]
assert red and all(e["cwnd"] < e["cwnd_before"] for e in red)
assert re.search(r"cwnd [0-9.]+ -> [0-9.]+ segments", text)
# the four-way close: FIN, ACK, FIN, ACK, then TIME_WAIT -> CLOSED
tail = [l for l in labels if "FIN" in l and "again" not in l]
assert tail == ["FIN", "ACK of A's FIN", "FIN", "ACK of B's FIN"], tail
fins = [e for e in pkts if e["label"] == "FIN"]
assert fins[0]["dir"] == "A->B" and fins[1]["dir"] == "B->A"
states = [(e["label"], e["t"]) for e in tl if e["kind"] == "state"]
names = [s for s, _ in states]
assert names[0] == "SYN_SENT" and names[-2:] == ["TIME_WAIT", "CLOSED"], names
assert "FIN_WAIT_2" in names
tw = dict(states)
assert abs(tw["CLOSED"] - tw["TIME_WAIT"] - 60.0) < 1e-6  # 2 x MSL
for line in ("A is TIME_WAIT", "A is CLOSED", "ACK of A's FIN", "ACK of B's FIN",
             "final states: A CLOSED, B CLOSED", "every one exactly once, in order, unaltered"):
    assert line in text, line
# the plot sits next to the pcap
assert "cwnd plot: ./l4kit-demo-cwnd.svg" not in text  # --out a
assert "cwnd plot: a/l4kit-demo-cwnd.svg" in text and "capture: a/l4kit-demo-tcp.pcap" in text
PY

python3 - a/l4kit-demo-cwnd.svg <<'PY' || fail "demo cwnd plot"
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
S = "{http://www.w3.org/2000/svg}"
assert root.tag == S + "svg"
assert len(list(root.iter(S + "polyline"))) >= 2
texts = [t.text or "" for t in root.iter(S + "text")]
assert any("cwnd" == t for t in texts) and any("ssthresh" == t for t in texts)
PY

# another seed changes the ISNs; --tcp-link and --tcp-bytes are honoured; bad values exit 2
"$L4KIT" demo --seed 9 --out b --json --tcp-link "rate 10mbit delay 5ms loss 5%" --tcp-bytes 64K \
  >s9.json || fail "seed 9 run"
python3 - run.json s9.json <<'PY' || fail "seed 9"
import json, sys
a, b = json.load(open(sys.argv[1]))["tcp"], json.load(open(sys.argv[2]))["tcp"]
assert a["isn_a"] != b["isn_a"] and a["isn_b"] != b["isn_b"]
assert b["bytes"] == b["bytes_delivered"] == 65536 and b["link"] == "rate 10mbit delay 5ms loss 5%"
PY
"$L4KIT" demo --tcp-link "rate 10mbit lost 3%" >o 2>e
[ $? -eq 2 ] && [ "$(wc -l <e)" -eq 1 ] && grep -q "'lost'" e || fail "bad --tcp-link: $(cat e)"
"$L4KIT" demo --tcp-bytes 0 >o 2>e
[ $? -eq 2 ] && [ "$(wc -l <e)" -eq 1 ] || fail "bad --tcp-bytes: $(cat e)"

simcli_done demo_tcp_test
