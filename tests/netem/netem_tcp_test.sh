#!/usr/bin/env bash
# tests/netem/netem_tcp_test.sh — the kernel's own TCP across a lossy l4kit
# link (`rate 50mbit delay 10ms loss 1%`, both directions): a transfer arrives
# byte-exact (SHA-256 of what arrived = SHA-256 of what was sent), with CUBIC
# (8 MiB: loss-based, it runs at ~6 Mbit/s under 1 % loss, ~11 s) and with BBR
# (20 MiB, ~4 s), and netem's counters show the losses it caused.
. "$(dirname "$0")/netem_lib.sh"

avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control)
case " $avail " in *" bbr "*) ;; *)
  modprobe tcp_bbr 2>/dev/null || true
  avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control) ;;
esac

SPEC="rate 50mbit delay 10ms loss 1%"
for cc in cubic bbr; do
  if [ $cc = cubic ]; then NBYTES=$((8 * 1024 * 1024)); else NBYTES=$((20 * 1024 * 1024)); fi
  case " $avail " in *" $cc "*) ;; *) fail "congestion control '$cc' not available (have: $avail)" ;; esac
  start_netem "netem-$cc" 2 "$SPEC" --seed 7
  run_xfer "$cc" 2 "$NBYTES" "$cc"
  stop_netem "netem-$cc"
  R="$WORK/$cc.recv.json" S="$WORK/$cc.send.json" J="$WORK/netem-$cc.out"
  [ "$(jget "$S" 'j["cc"]')" = "$cc" ] || fail "$cc: the socket used $(jget "$S" 'j["cc"]')"
  [ "$(jget "$R" 'j["bytes"]')" -eq "$NBYTES" ] || fail "$cc: received $(jget "$R" 'j["bytes"]') bytes"
  [ "$(jget "$R" 'j["sha256"]')" = "$(jget "$S" 'j["sha256"]')" ] || fail "$cc: SHA-256 differs"
  lost=$(jget "$J" 'j["link"]["a_to_b"]["dropped_loss"]')
  sent=$(jget "$J" 'j["link"]["a_to_b"]["offered"]')
  [ "$lost" -gt 0 ] || fail "$cc: the link dropped nothing: $(cat "$J")"
  # 1 % of the data packets, give or take the binomial spread.
  awk -v l="$lost" -v s="$sent" 'BEGIN { exit !(l >= 0.004 * s && l <= 0.02 * s) }' ||
    fail "$cc: $lost losses of $sent packets is not about 1 %"
  secs=$(jget "$R" 'j["seconds"]')
  echo "ok: $cc $NBYTES bytes byte-exact in $secs s; link a->b lost $lost of $sent packets"
done

# ECN (RFC 3168): with the sender's kernel asking for it, "ecn-threshold 20"
# marks CE instead of dropping; the transfer is byte-exact, the link counts
# marks, and a loss-free link with a 1000-packet queue drops nothing.
in_a sysctl -q -w net.ipv4.tcp_ecn=1 || fail "cannot enable ECN in $NS_A"
start_netem netem-ecn 2 "rate 50mbit delay 10ms ecn-threshold 20"
run_xfer ecn 2 $((4 * 1024 * 1024)) cubic
stop_netem netem-ecn
R="$WORK/ecn.recv.json" S="$WORK/ecn.send.json" J="$WORK/netem-ecn.out"
[ "$(jget "$R" 'j["sha256"]')" = "$(jget "$S" 'j["sha256"]')" ] || fail "ecn: SHA-256 differs"
marked=$(jget "$J" 'j["link"]["a_to_b"]["marked"]')
[ "$marked" -gt 0 ] || fail "ecn: nothing was CE-marked: $(cat "$J")"
[ "$(jget "$J" 'j["link"]["a_to_b"]["dropped"]')" -eq 0 ] || fail "ecn: packets dropped: $(cat "$J")"
hwm=$(jget "$J" 'j["link"]["a_to_b"]["queue_hwm_pkts"]')
[ "$hwm" -lt 200 ] || fail "ecn: the queue grew to $hwm packets despite the marks"
echo "ok: ECN 4 MiB byte-exact, $marked packets CE-marked, queue high-water $hwm packets"
