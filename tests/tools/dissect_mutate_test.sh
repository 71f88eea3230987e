#!/usr/bin/env bash
# tests/tools/dissect_mutate_test.sh — `l4kit dissect` on thousands of
# damaged packets (bit flips, cut records, random bytes, lengths that lie),
# made reproducibly from the committed captures: every record still gets
# exactly one line (or one JSON object), the exit status stays 0, and in the
# sanitizer build nothing reads out of bounds.
set -u
L4KIT=${L4KIT:?set by ctest}
SRC=${L4_SRC:?set by ctest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

python3 - "$SRC/tests/data/lo_tcp.pcap" "$tmp" <<'PY' || { echo "FAIL: generator"; exit 1; }
import random, struct, sys
src, out = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
magic, = struct.unpack_from("<I", b, 0)
assert magic == 0xA1B2C3D4
off, frames = 24, []
while off + 16 <= len(b):
    _, _, incl, _ = struct.unpack_from("<IIII", b, off)
    frames.append(b[off + 16: off + 16 + incl])
    off += 16 + incl
rng = random.Random(4)

def mutate(p):
    p = bytearray(p)
    k = rng.randrange(6)
    if k == 0:  # flip 1..4 bits anywhere
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(p)); p[i] ^= 1 << rng.randrange(8)
    elif k == 1:  # cut the record
        p = p[: rng.randrange(len(p) + 1)]
    elif k == 2:  # random bytes after the link header
        for i in range(14, len(p)):
            if rng.random() < 0.3:
                p[i] = rng.randrange(256)
    elif k == 3:  # lying length / offset fields: IP total length, IHL, TCP data offset, UDP length
        for i in (16, 17, 14, 46, 38, 39):
            if i < len(p) and rng.random() < 0.5:
                p[i] = rng.randrange(256)
    elif k == 4:  # TCP option bytes scrambled
        for i in range(54, min(len(p), 74)):
            p[i] = rng.choice([0, 1, 2, 3, 4, 5, 8, 255, rng.randrange(256)])
    else:  # nothing: a good packet among the bad
        pass
    return bytes(p)

def write(path, linktype, recs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, r in enumerate(recs):
            # origlen sometimes larger than caplen, as with a snap length
            orig = len(r) + (rng.randrange(100) if rng.random() < 0.2 else 0)
            f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, len(r), orig))
            f.write(r)

eth = [mutate(rng.choice(frames)) for _ in range(2000)]
write(out + "/eth.pcap", 1, eth)
raw = [mutate(b"\0" * 14 + rng.choice(frames)[14:])[14:] for _ in range(1500)]
raw += [bytes(rng.randrange(256) for _ in range(rng.randrange(80))) for _ in range(500)]
write(out + "/raw.pcap", 101, raw)
PY

for f in eth raw; do
  "$L4KIT" dissect "$tmp/$f.pcap" >"$tmp/$f.txt" 2>"$tmp/$f.err"
  rc=$?
  [ "$rc" -eq 0 ] || fail "$f: exit $rc: $(head -3 "$tmp/$f.err")"
  [ "$(wc -l <"$tmp/$f.txt")" -eq 2000 ] || fail "$f: $(wc -l <"$tmp/$f.txt") lines for 2000 records"
  "$L4KIT" dissect -v "$tmp/$f.pcap" >/dev/null 2>"$tmp/$f.err" || fail "$f -v: $(head -3 "$tmp/$f.err")"
  "$L4KIT" dissect --json "$tmp/$f.pcap" >"$tmp/$f.json" 2>"$tmp/$f.err" || fail "$f --json: $(head -3 "$tmp/$f.err")"
  python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert len(a)==2000 and [p["index"] for p in a]==list(range(1,2001))' "$tmp/$f.json" ||
    fail "$f: JSON is not 2000 packet objects"
done
# The damage shows: some packets are flagged, some still decode cleanly.
grep -q "\[bad TCP checksum\]" "$tmp/eth.txt" || fail "no bad TCP checksum among flipped bits"
grep -q "malformed\|not captured\|bad IP packet\|link layer" "$tmp/raw.txt" || fail "no malformed packet flagged"
grep -q "TCP \[" "$tmp/raw.txt" || fail "no TCP packet decoded at all"

[ "$fails" -eq 0 ] && echo "dissect_mutate_test: all passed" || { echo "dissect_mutate_test: $fails failed"; exit 1; }
