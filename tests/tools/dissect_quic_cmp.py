#!/usr/bin/env python3
"""tests/tools/dissect_quic_cmp.py TSV JSON NAME MODE FIELD... — compares
`l4kit dissect --json` of a QUIC capture with tshark's fields of the same
capture (TSV: `tshark -T fields -E occurrence=a -E aggregator=,` with the
FIELDs named, frame.number and icmp.type among them), packet by packet:
frame types, packet numbers, long-header types, DCIDs, STREAM ids/offsets/
lengths/FIN, CRYPTO offsets/lengths, ACK largest, PADDING lengths and (MODE
keys) TLS handshake types; GSO super-datagrams, which tshark does not split,
are only checked for decryption. MODE keys: every QUIC packet decrypted; nokeys:
the Initial packets decrypted and the others "no key log". Prints the frame
totals; exit status 1 with the disagreements."""
import json, sys
tsv, js, name, mode = sys.argv[1:5]
names = sys.argv[5:]
rows = [dict(zip(names, l.rstrip("\n").split("\t"))) for l in open(tsv)]
pk = json.load(open(js))
assert len(rows) == len(pk), (len(rows), len(pk))
bad, totals = [], {}
def L(r, k):
    return [x for x in r.get(k, "").split(",") if x != ""]
def eq(i, what, mine, theirs):
    if [str(x) for x in mine] != [str(x) for x in theirs]:
        bad.append("%s packet %d: %s: l4kit %s, tshark %s" % (name, i, what, mine, theirs))
nq = nd = ngso = lost = 0
for r, p in zip(rows, pk):
    i = p["index"]
    if r.get("icmp.type"):
        continue  # tshark also decodes the datagram an ICMP error quotes
    if p.get("proto") == "UDP":
        if "quic" not in p:
            bad.append("%s packet %d: UDP not recognised as QUIC" % (name, i))
            continue
    qs = p.get("quic", {}).get("packets", [])
    nq += len(qs)
    if mode == "nokeys":
        # Initial packets decrypt without a key log; nothing else does.
        for q in qs:
            if "decrypted" not in q:
                pass
            elif q["type"] == "Initial":
                if not q.get("decrypted"):
                    bad.append("%s packet %d: Initial not decrypted: %s" % (name, i, q.get("error")))
            elif q.get("decrypted") or "no key log" not in q.get("error", ""):
                bad.append("%s packet %d: %s without a key log: %s" % (name, i, q["type"], q))
    else:
        for q in qs:  # (Retry and Version Negotiation are not encrypted: no "decrypted")
            if q.get("decrypted", True) is not True:
                bad.append("%s packet %d: %s not decrypted: %s" % (name, i, q["type"], q.get("error")))
    dec = [q for q in qs if q.get("decrypted")]
    nd += len(dec)
    if p.get("quic", {}).get("gso_segment_size"):
        ngso += 1
        continue  # tshark does not split a GSO super-datagram into its segments
    if ngso and dec and not L(r, "quic.frame_type"):
        lost += 1  # nor, after one, decode the packet numbers that follow it
        continue
    fr = [f for q in dec for f in q["frames"]]
    for f in fr:
        totals[f["name"]] = totals.get(f["name"], 0) + 1
    eq(i, "frame types", [f["type"] for f in fr], L(r, "quic.frame_type"))
    eq(i, "packet numbers", [q["pn"] for q in dec], L(r, "quic.packet_number"))
    LT = {"Initial": 0, "0-RTT": 1, "Handshake": 2, "Retry": 3}
    eq(i, "long types", [LT[q["type"]] for q in qs if q["header"] == "long"], L(r, "quic.long.packet_type"))
    if mode == "keys" or L(r, "quic.dcid"):  # tshark alone does not always find short headers' DCIDs
        eq(i, "DCIDs", [q["dcid"] for q in qs], L(r, "quic.dcid"))
    st = [f for f in fr if f["name"] == "STREAM"]
    eq(i, "stream ids", [f["stream_id"] for f in st], L(r, "quic.stream.stream_id"))
    eq(i, "stream offsets", [f["offset"] for f in st if f["type"] & 4], L(r, "quic.stream.offset"))
    eq(i, "stream lengths", [f["len"] for f in st if f["type"] & 2], L(r, "quic.stream.length"))
    eq(i, "stream FIN", [int(f["fin"]) for f in st], L(r, "quic.stream.fin"))
    cr = [f for f in fr if f["name"] == "CRYPTO"]
    eq(i, "crypto offsets", [f["offset"] for f in cr], L(r, "quic.crypto.offset"))
    eq(i, "crypto lengths", [f["len"] for f in cr], L(r, "quic.crypto.length"))
    eq(i, "ack largest", [f["largest"] for f in fr if f["type"] in (2, 3)], L(r, "quic.ack.largest_acknowledged"))
    eq(i, "padding", [f["len"] for f in fr if f["type"] == 0], L(r, "quic.padding_length"))
    tls = [t["type"] for f in cr for t in f["tls"]]
    if mode == "keys":  # tshark names a message once it has it whole; so do we
        eq(i, "TLS types", sorted(tls), sorted(int(x) for x in L(r, "tls.handshake.type")))
if bad:
    print("\n".join(bad[:30]))
    print("%s: %d disagreements" % (name, len(bad)))
    sys.exit(1)
print("%s (%s): %d QUIC packets, %d decrypted; frames agree with tshark: %s%s" % (
    name, mode, nq, nd, " ".join("%s=%d" % kv for kv in sorted(totals.items())),
    "; %d GSO super-datagrams split (tshark does not; %d packets after them it cannot decrypt)"
    % (ngso, lost) if ngso else ""))
if mode == "keys":
    assert nq == nd + sum("decrypted" not in q for p in pk for q in p.get("quic", {}).get("packets", []))
    assert nd > 100
    for need in ("CRYPTO", "STREAM", "PADDING", "HANDSHAKE_DONE", "NEW_CONNECTION_ID"):
        assert totals.get(need, 0) > 0, need
    assert totals.get("ACK", 0) + totals.get("ACK_ECN", 0) > 0
