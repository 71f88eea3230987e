#!/usr/bin/env bash
# tests/tools/dissect_tshark_test.sh — `l4kit dissect --json` on the committed
# real captures (made by tshark on lo and "any") agrees with tshark's own
# reading of the same files, packet by packet: addresses, TTL/hop limit, IP id,
# ports, TCP flags, seq, ack, window, payload length, option kinds, UDP length,
# ICMP type/code, and the checksum verdicts. tshark missing is a failure.
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
F=(frame.number ip.src ip.dst ipv6.src ipv6.dst ip.ttl ipv6.hlim ip.id ip.checksum.status
  tcp.srcport tcp.dstport tcp.flags tcp.seq tcp.ack tcp.window_size_value tcp.len tcp.option_kind
  tcp.checksum.status udp.srcport udp.dstport udp.length udp.checksum.status
  icmp.type icmp.code icmp.checksum.status icmpv6.type icmpv6.code icmpv6.checksum.status)
args=()
for f in "${F[@]}"; do args+=(-e "$f"); done
for cap in lo_tcp any_tcp any_sll2; do
  file=$SRC/tests/data/$cap.pcap
  tshark -n -r "$file" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
    -o ip.check_checksum:TRUE -o tcp.relative_sequence_numbers:FALSE \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, "${args[@]}" \
    >"$tmp/$cap.tsv" 2>"$tmp/$cap.err" || { echo "FAIL: tshark on $cap: $(cat "$tmp/$cap.err")"; fails=$((fails + 1)); continue; }
  "$L4KIT" dissect --json "$file" >"$tmp/$cap.json" || { echo "FAIL: dissect $cap"; fails=$((fails + 1)); continue; }
  python3 - "$tmp/$cap.tsv" "$tmp/$cap.json" "$cap" "${F[@]}" <<'PY' || fails=$((fails + 1))
import json, sys
tsv, js, cap, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
rows = [dict(zip(names, l.rstrip("\n").split("\t"))) for l in open(tsv)]
pk = json.load(open(js))
bad = []
def first(r, k):
    return r.get(k, "").split(",")[0]
def eq(i, what, mine, theirs):
    if str(mine) != str(theirs):
        bad.append("%s packet %d: %s: l4kit %r, tshark %r" % (cap, i + 1, what, mine, theirs))
CK = {"0": "bad", "1": "good", "2": "unverified"}
def ck(mine):
    # tshark has no verdict for an offloaded (pseudo-header-only) checksum and
    # calls it bad; l4kit says "partial" and gives the complete value.
    return "bad" if mine == "partial" else mine
assert len(rows) == len(pk) == 26, (len(rows), len(pk))
for i, (r, p) in enumerate(zip(rows, pk)):
    eq(i, "index", p["index"], r["frame.number"])
    ip = p["ip"]
    if ip["version"] == 4:
        eq(i, "src", ip["src"], first(r, "ip.src"))
        eq(i, "dst", ip["dst"], first(r, "ip.dst"))
        eq(i, "ttl", ip["ttl"], first(r, "ip.ttl"))
        eq(i, "ip.id", ip["id"], int(first(r, "ip.id"), 16))
        eq(i, "ip checksum", ip["checksum_status"], CK[first(r, "ip.checksum.status")])
    else:
        eq(i, "src", ip["src"], first(r, "ipv6.src"))
        eq(i, "dst", ip["dst"], first(r, "ipv6.dst"))
        eq(i, "hop limit", ip["hop_limit"], first(r, "ipv6.hlim"))
    if "tcp" in p:
        t = p["tcp"]
        eq(i, "proto", p["proto"], "TCP")
        eq(i, "sport", t["sport"], r["tcp.srcport"])
        eq(i, "dport", t["dport"], r["tcp.dstport"])
        eq(i, "flags", t["flags_value"], int(r["tcp.flags"], 16))
        eq(i, "seq", t["seq"], r["tcp.seq"])
        eq(i, "ack", t["ack"], r["tcp.ack"])
        eq(i, "window", t["window"], r["tcp.window_size_value"])
        eq(i, "len", t["payload_len"], r["tcp.len"])
        eq(i, "option kinds", ",".join(str(o["kind"]) for o in t["options"]), r["tcp.option_kind"])
        eq(i, "tcp checksum", ck(t["checksum_status"]), CK[r["tcp.checksum.status"]])
    elif "udp" in p:
        u = p["udp"]
        eq(i, "proto", p["proto"], "UDP")
        eq(i, "sport", u["sport"], first(r, "udp.srcport"))
        eq(i, "dport", u["dport"], first(r, "udp.dstport"))
        eq(i, "udp length", u["len"], first(r, "udp.length"))
        eq(i, "udp checksum", ck(u["checksum_status"]), CK[first(r, "udp.checksum.status")])
    else:
        m = p["icmp"]
        v = "icmp" if ip["version"] == 4 else "icmpv6"
        eq(i, "proto", p["proto"], "ICMP" if v == "icmp" else "ICMPv6")
        eq(i, "icmp type", m["type"], first(r, v + ".type"))
        eq(i, "icmp code", m["code"], first(r, v + ".code"))
        eq(i, "icmp checksum", m["checksum_status"], CK[first(r, v + ".checksum.status")])
        # The quoted datagram, which tshark decodes as a second UDP header.
        eq(i, "quoted dport", m["quoted"]["dport"], r["udp.dstport"].split(",")[-1])
kinds = {p["proto"] for p in pk}
assert kinds == {"TCP", "UDP", "ICMP", "ICMPv6"}, kinds
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("%s: 26 packets agree with tshark" % cap)
PY
done
[ "$fails" -eq 0 ] || { echo "dissect_tshark_test: $fails failed"; exit 1; }
