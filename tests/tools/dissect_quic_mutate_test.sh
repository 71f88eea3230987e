#!/usr/bin/env bash
# tests/tools/dissect_quic_mutate_test.sh — `l4kit dissect --keylog` on
# thousands of damaged QUIC datagrams, made reproducibly from a capture the
# test records (`l4kit sim --proto quic --pcap --keylog`): bits flipped in
# headers and payloads, records cut, datagrams truncated with their IP/UDP
# lengths fixed up (so QUIC sees the cut), connection-ID lengths and Length
# fields overwritten, random bytes, datagrams glued together, packets out
# of order. Every record still gets exactly one line (one JSON object), the
# exit status stays 0, and in the sanitizer build nothing reads out of
# bounds; damaged packets say why they were not decoded.
set -u
L4KIT=${L4KIT:?set by ctest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cd "$tmp"

"$L4KIT" sim --proto quic --streams 2 --flows 2 --bytes 1M --seed 3 \
  --link "rate 20mbit delay 10ms loss 1%" --pcap q.pcap --keylog q.keys >sim.out 2>&1 ||
  fail "sim: $(tail -3 sim.out)"

python3 - q.pcap m.pcap <<'PY' || { echo "FAIL: generator"; exit 1; }
import random, struct, sys
src, out = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
magic, = struct.unpack_from("<I", b, 0)
assert magic in (0xA1B2C3D4, 0xA1B23C4D), hex(magic)
linktype, = struct.unpack_from("<I", b, 20)
off, recs = 24, []
while off + 16 <= len(b):
    _, _, incl, _ = struct.unpack_from("<IIII", b, off)
    recs.append(bytearray(b[off + 16: off + 16 + incl]))
    off += 16 + incl
assert linktype == 101 and len(recs) > 300, (linktype, len(recs))  # raw IP
rng = random.Random(9)

def udp_off(p):
    if len(p) < 28 or p[0] >> 4 != 4 or p[9] != 17:
        return None
    return (p[0] & 15) * 4 + 8

def fix_lengths(p):
    ihl = (p[0] & 15) * 4
    struct.pack_into(">H", p, 2, len(p))
    struct.pack_into(">H", p, ihl + 4, len(p) - ihl)

def mutate(p, i):
    p = bytearray(p)
    if i < 12:  # the handshakes stay whole: the connections are known
        return bytes(p), len(p)
    u = udp_off(p)
    if u is None or u >= len(p):
        return bytes(p), len(p)
    k = rng.randrange(14)  # 7..13: left alone, half of them
    orig = len(p)
    if k == 0:  # bits flipped in the QUIC header region
        for _ in range(rng.randint(1, 3)):
            i = u + rng.randrange(min(30, len(p) - u)); p[i] ^= 1 << rng.randrange(8)
    elif k == 1:  # bits flipped anywhere in the datagram
        for _ in range(rng.randint(1, 4)):
            i = u + rng.randrange(len(p) - u); p[i] ^= 1 << rng.randrange(8)
    elif k == 2:  # the capture cut the record (snap length)
        p = p[: rng.randrange(u, len(p) + 1)]
    elif k == 3:  # the datagram itself truncated, IP and UDP lengths made to match
        p = p[: rng.randrange(u + 1, len(p) + 1)]
        fix_lengths(p)
    elif k == 4:  # lengths that lie: CID lengths, token length, Length varint
        for i in range(u + 5, min(len(p), u + 40)):
            if rng.random() < 0.15:
                p[i] = rng.choice([0, 1, 8, 20, 21, 0x40, 0x7f, 0xff, rng.randrange(256)])
    elif k == 5:  # random bytes after the first
        for i in range(u + 1, len(p)):
            if rng.random() < 0.3:
                p[i] = rng.randrange(256)
    elif k == 6:  # two datagrams glued into one (coalesced garbage)
        q = rng.choice(recs)
        v = udp_off(q)
        if v is not None and len(p) + len(q) - v < 1500:
            p += q[v:]
            fix_lengths(p)
    return bytes(p), max(orig, len(p))

# In capture order, with copies of nearby records (duplicates, reordering
# within the packet-number window a receiver decodes in).
out_recs = []
for i, r in enumerate(recs):
    out_recs.append(mutate(r, i))
    if rng.random() < 0.3:
        out_recs.append(mutate(recs[max(0, min(len(recs) - 1, i + rng.randint(-20, 20)))], i))
assert len(out_recs) >= 3000, len(out_recs)
# The last 40: the first Initial cut short (its Length runs past the end) and
# with connection-ID lengths over 20.
first = recs[0]
u = udp_off(first)
tail = []
for k in range(40):
    p = bytearray(first)
    if k < 20:
        p = p[: rng.randrange(u + 7, len(p) - 1)]
    else:
        p[u + 5] = rng.randrange(21, 256)
    fix_lengths(p)
    tail.append((bytes(p), len(p)))
out_recs = out_recs[:3000 - len(tail)] + tail
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
    for i, (r, orig) in enumerate(out_recs):
        f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, len(r), orig))
        f.write(r)
PY

"$L4KIT" dissect --keylog q.keys m.pcap >m.txt 2>m.err
rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc: $(head -3 m.err)"
[ "$(grep -c '^ *[0-9]\+ \+[0-9.]\+  ' m.txt)" -eq 3000 ] || fail "$(grep -c '^ *[0-9]\+ \+[0-9.]\+  ' m.txt) lines for 3000 records"
"$L4KIT" dissect -v --keylog q.keys m.pcap >/dev/null 2>m.err || fail "-v: $(head -3 m.err)"
"$L4KIT" dissect m.pcap >/dev/null 2>m.err || fail "without a key log: $(head -3 m.err)"
"$L4KIT" dissect --json --keylog q.keys m.pcap >m.json 2>m.err || fail "--json: $(head -3 m.err)"
python3 - m.json <<'PY' || fail "JSON"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 3000 and [p["index"] for p in a] == list(range(1, 3001))
qs = [q for p in a for q in p.get("quic", {}).get("packets", [])]
ok = [q for q in qs if q.get("decrypted")]
bad = [q for q in qs if q.get("decrypted") is False]
mal = [q for q in qs if "decrypted" not in q and "error" in q]
print("%d QUIC packets: %d decrypted, %d not (%d distinct reasons), %d malformed headers" % (
    len(qs), len(ok), len(bad), len({q["error"].split("(")[0] for q in bad}), len(mal)))
assert len(ok) > 1000 and len(bad) > 100 and len(mal) > 10
assert all(q["error"] for q in bad + mal)
PY
# The damage shows in the text too.
grep -q "\[cannot decrypt: .* do not authenticate it\]" m.txt || fail "no authentication failure shown"
grep -q "\[malformed QUIC packet: " m.txt || fail "no malformed QUIC header shown"
grep -q "\[not decrypted: the capture cut it\]" m.txt || fail "no cut packet shown"
grep -q "pn=[0-9]*: STREAM" m.txt || fail "no packet decoded at all"

[ "$fails" -eq 0 ] && echo "dissect_quic_mutate_test: all passed" || { echo "dissect_quic_mutate_test: $fails failed"; exit 1; }
