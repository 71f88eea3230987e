#!/usr/bin/env bash
# tests/kernel/kernel_synflood_test.sh — a SYN flood from spoofed sources
# (a raw socket in python3, sources 10.232.N.10-250 inside the test
# namespace's subnet; their SYN-ACKs die in the kernel, which does not
# forward) against `l4kit tcp-echo-server`, while a legitimate kernel client
# connects and transfers 1 MiB through the echo. Three defences:
#
# 1. the default, SYN cookies (RFC 4987 §3.6, as Linux does): the SYN queue
#    stays full of spoofed entries, every SYN beyond it is answered
#    statelessly, and the kernel client's ACK creates its connection — the
#    server's exit line counts exactly one connection made from a cookie;
# 2. --syn-recycle (RFC 4987 §3.3): the oldest half-open connection makes
#    room for each new SYN;
# 3. --no-syncookies and no recycling (Linux with tcp_syncookies=0): the
#    client's SYNs are dropped and its connect times out, which shows what
#    the defences do.
. "$(dirname "$0")/kernel_lib.sh"

FLOOD_SECS=5
FLOOD_RATE=5000

# flood_and_connect NAME DST: floods DST:7 from 10.232.N.10-250 for
# $FLOOD_SECS s at $FLOOD_RATE SYN/s (a 1024-entry SYN queue recycles in
# 0.2 s); after 1.5 s a kernel client connects (3 s timeout) and echoes
# 1 MiB; `l4kit ss` is sampled during the flood.
flood_and_connect() {
  local name=$1 dst=$2 net=${2%.*}
  start_py "$name-flood" synflood "$dst" 7 "$net" $FLOOD_SECS $FLOOD_RATE
  local fpid=$PYPID
  sleep 1.5
  "$L4KIT" ss --json >"$WORK/$name-ss.json"
  local rc=0
  kpeer send "$dst" 7 $((1024 * 1024)) --echo --connect-timeout 3 >"$WORK/$name-legit.json" || rc=$?
  wait "$fpid" || fail "$name: the flooder failed"
  LEGIT_RC=$rc
  local rate
  rate=$(jget "$WORK/$name-flood.out" 'int(j["rate"])')
  [ "$rate" -ge 2000 ] || fail "$name: only $rate SYN/s: not a flood"
  HALF_OPEN=$(jget "$WORK/$name-ss.json" 'j["counts"].get("SYN-RECV", 0)')
  RATE=$rate
}

# 1. Default: SYN cookies.
start_l4 ck tcp-echo-server --tun l4k0 --tun-addr 10.232.5.1/24 --addr 10.232.5.2 --port 7 \
  --backlog 64 --json
CK=$L4PID
flood_and_connect ck 10.232.5.2
[ "$LEGIT_RC" -eq 0 ] || fail "with SYN cookies the legitimate client failed: $(cat "$WORK/ck-legit.json")"
[ "$HALF_OPEN" -eq 64 ] || fail "the SYN queue should stay full of the flood (64), l4kit ss shows $HALF_OPEN"
stop_l4 $CK
grep -q '"how":"eof","bytes_in":1048576,"bytes_out":1048576' "$WORK/ck.out" ||
  fail "the server did not log the legitimate echo"
[ "$(jline "$WORK/ck.out" -1 'j["syncookies_ok"]')" -eq 1 ] ||
  fail "expected exactly one connection from a cookie: $(tail -n 1 "$WORK/ck.out")"
SENT=$(jline "$WORK/ck.out" -1 'j["syncookies_sent"]')
[ "$SENT" -ge 5000 ] || fail "only $SENT cookie SYN-ACKs for the flood"
[ "$(jline "$WORK/ck.out" -1 'j["syncookies_failed"]')" -eq 0 ] || fail "cookie ACKs failed"
echo "ok: under a $RATE SYN/s spoofed flood ($HALF_OPEN SYN-RECV, $SENT cookie SYN-ACKs), the kernel" \
  "client connected through a SYN cookie in $(jget "$WORK/ck-legit.json" 'round(j["connect_ms"], 1)') ms" \
  "and echoed 1 MiB byte-exact"

# 2. --syn-recycle: the legitimate client connects and transfers.
start_l4 rec tcp-echo-server --tun l4k1 --tun-addr 10.232.6.1/24 --addr 10.232.6.2 --port 7 \
  --backlog 1024 --syn-recycle --json
REC=$L4PID
flood_and_connect rec 10.232.6.2
[ "$LEGIT_RC" -eq 0 ] || fail "with --syn-recycle the legitimate client failed: $(cat "$WORK/rec-legit.json")"
[ "$HALF_OPEN" -ge 512 ] || fail "the flood left only $HALF_OPEN half-open connections (backlog 1024)"
echo "ok: with --syn-recycle under a $RATE SYN/s flood ($HALF_OPEN half-open in l4kit ss), a kernel client" \
  "connected in $(jget "$WORK/rec-legit.json" 'round(j["connect_ms"], 1)') ms and echoed 1 MiB byte-exact"
stop_l4 $REC
grep -q '"how":"eof","bytes_in":1048576,"bytes_out":1048576' "$WORK/rec.out" ||
  fail "the server did not log the legitimate echo"
[ "$(jline "$WORK/rec.out" -1 'j["syn_recycled"]')" -ge 1000 ] || fail "nothing was recycled"

# 3. Neither: the SYN queue stays full of spoofed entries, the client's SYNs are dropped.
start_l4 norec tcp-echo-server --tun l4k2 --tun-addr 10.232.7.1/24 --addr 10.232.7.2 --port 7 \
  --backlog 64 --no-syncookies --json
NOREC=$L4PID
flood_and_connect norec 10.232.7.2
[ "$LEGIT_RC" -eq 3 ] || fail "without a defence the client was expected to time out (rc $LEGIT_RC)"
[ "$HALF_OPEN" -eq 64 ] || fail "without a defence the SYN queue should be full (64), l4kit ss shows $HALF_OPEN"
echo "ok: with --no-syncookies and no recycling the queue stays full ($HALF_OPEN SYN-RECV)" \
  "and the legitimate connect times out"
stop_l4 $NOREC
[ "$(jline "$WORK/norec.out" -1 'j["syncookies_sent"]')" -eq 0 ] || fail "cookies sent with --no-syncookies"
