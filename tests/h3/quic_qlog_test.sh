#!/usr/bin/env bash
# tests/h3/quic_qlog_test.sh — `--qlog DIR` on `l4kit quic-server` and
# `l4kit quic-get` over loopback: one file per connection on each side,
# named by the connection's original Destination Connection ID (the same
# name on both sides), every record a JSON text of an RFC 7464 sequence, a
# qlog 0.3 header with the right vantage point, and packet events whose
# frames add up: the client's STREAM bytes received on request streams are
# the bodies it saved, the server's packets sent match the client's
# packets received minus what was still in flight at the close. A
# directory that is not there is refused as bad input.
set -euo pipefail
L4KIT=${L4KIT:?path to l4kit}
. "$(dirname "$0")/h3_lib.sh"
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/err" ] && cat "$tmp/err" >&2; exit 1; }

mkdir -p "$tmp/sq" "$tmp/cq" "$tmp/out"
h3_cert || fail "openssl could not make a certificate"
h3_start_server main --cert "$tmp/cert.pem" --key "$tmp/key.pem" --qlog "$tmp/sq" ||
  fail "quic-server --qlog did not start"
base="https://localhost:$PORT"

# Two connections, one after the other: two files on each side.
for n in 1 2; do
  "$L4KIT" quic-get --cacert "$tmp/cert.pem" --qlog "$tmp/cq" -o "$tmp/out" --json \
    "$base/200000" "$base/3000" >"$tmp/get$n.json" 2>"$tmp/err" || fail "quic-get $n failed"
done
kill -TERM "${pids[-1]}" # a stopping server frees its connections: their files are complete
wait "${pids[-1]}" || fail "quic-server exit status"

python3 - "$tmp" <<'PY' || fail "qlog files wrong"
import json, os, sys
tmp = sys.argv[1]
def load(path):
    raw = open(path, "rb").read()
    assert raw.startswith(b"\x1e") and raw.endswith(b"\n"), path
    recs = [json.loads(x) for x in raw.split(b"\x1e")[1:]]  # RFC 7464 records
    hdr, evs = recs[0], recs[1:]
    assert hdr["qlog_version"] == "0.3" and hdr["qlog_format"] == "JSON-SEQ", hdr
    return hdr, evs
cl = sorted(os.listdir(tmp + "/cq"))
sv = sorted(os.listdir(tmp + "/sq"))
assert len(cl) == 2 and all(f.endswith("_client.sqlog") for f in cl), cl
assert len(sv) == 2 and all(f.endswith("_server.sqlog") for f in sv), sv
assert {f.split("_")[0] for f in cl} == {f.split("_")[0] for f in sv}, (cl, sv)
for f in cl:
    odcid = f.split("_")[0]
    ch, cev = load(tmp + "/cq/" + f)
    sh, sev = load(tmp + "/sq/" + odcid + "_server.sqlog")
    assert ch["trace"]["vantage_point"]["type"] == "client", ch
    assert sh["trace"]["vantage_point"]["type"] == "server", sh
    assert "quic-get" in ch["title"] and "quic-server" in sh["title"]
    names = lambda evs, n: [e for e in evs if e["name"] == n]
    for evs in (cev, sev):
        assert len(names(evs, "transport:packet_sent")) >= 3
        assert len(names(evs, "transport:packet_received")) >= 3
        assert len(names(evs, "transport:parameters_set")) == 2  # ours and the peer's
    # request streams (client-initiated bidirectional: id % 4 == 0) carry the
    # two bodies plus HTTP/3 framing, as the server sent and the client got
    def stream_bytes(evs, ev):
        got = {}
        for e in names(evs, ev):
            for fr in e["data"].get("frames", []):
                if fr["frame_type"] == "stream" and fr["stream_id"] % 4 == 0:
                    s = got.setdefault(fr["stream_id"], set())
                    s.add((fr["offset"], fr["length"]))
        return {k: sum(l for _, l in v) for k, v in got.items()}
    rx = stream_bytes(cev, "transport:packet_received")
    assert len(rx) == 2, rx
    assert 200000 + 3000 < sum(rx.values()) < 200000 + 3000 + 400, rx
    # what the client received the server sent (it may have sent more: retransmissions)
    tx = stream_bytes(sev, "transport:packet_sent")
    assert all(tx[k] >= rx[k] for k in rx), (tx, rx)
    # packet numbers: every packet the client got in 1-RTT the server logged as sent
    sent = {e["data"]["header"]["packet_number"] for e in names(sev, "transport:packet_sent")
            if e["data"]["header"]["packet_type"] == "1RTT"}
    got = {e["data"]["header"]["packet_number"] for e in names(cev, "transport:packet_received")
           if e["data"]["header"]["packet_type"] == "1RTT"}
    assert got and got <= sent, sorted(got - sent)[:5]
for n in (1, 2):
    r = json.load(open(tmp + "/get%d.json" % n))
    assert r["ok"] and [f["bytes"] for f in r["files"]] == [200000, 3000], r
PY

# Bad input: a directory that is not there, or a file.
for bad in "$tmp/nope" "$tmp/get1.json"; do
  rc=0
  "$L4KIT" quic-get --qlog "$bad" "$base/1" >/dev/null 2>"$tmp/e" || rc=$?
  [ "$rc" = 2 ] && grep -q -- "--qlog" "$tmp/e" || fail "quic-get --qlog $bad: rc $rc, $(cat "$tmp/e")"
  rc=0
  "$L4KIT" quic-server --qlog "$bad" 127.0.0.1 0 >/dev/null 2>"$tmp/e" || rc=$?
  [ "$rc" = 2 ] && grep -q -- "--qlog" "$tmp/e" || fail "quic-server --qlog $bad: rc $rc"
done
echo "PASS quic_qlog_test"
