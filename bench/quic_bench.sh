#!/usr/bin/env bash
# bench/quic_bench.sh BUILD_DIR [SIZE] [RUNS] — HTTP/3 over QUIC on loopback,
# l4kit against ngtcp2's GnuTLS examples (gtlsserver / gtlsclient 0.12.1),
# all measured in the same run:
#
#   one download of SIZE (default 1G) for each pair
#     l4kit quic-server -> l4kit quic-get
#     l4kit quic-server -> gtlsclient
#     gtlsserver        -> gtlsclient      (the peer pair)
#     gtlsserver        -> l4kit quic-get
#   throughput, CPU seconds of each side (server: /proc/PID/stat; client:
#   the shell's rusage of the finished child), the median of RUNS (default
#   3, interleaved), and the ratios against the peer pair; then server
#   handshakes per second (bench/quic_handshake_bench).
#
# Needs openssl, gtlsserver/gtlsclient (scripts/deps.sh). The machine's
# other load shows in the numbers: compare ratios, run it more than once.
set -euo pipefail
build=${1:?usage: bench/quic_bench.sh BUILD_DIR [SIZE] [RUNS]}
size=${2:-1G}
runs=${3:-3}
L4KIT=$build/l4kit
HSBENCH=$build/bench/quic_handshake_bench
for b in "$L4KIT" "$HSBENCH" /usr/bin/gtlsclient /usr/sbin/gtlsserver; do
  [ -x "$b" ] || { echo "quic_bench: $b missing (build, or scripts/deps.sh)" >&2; exit 1; }
done
case $size in
*G) bytes=$((${size%G} << 30)) ;;
*M) bytes=$((${size%M} << 20)) ;;
*K) bytes=$((${size%K} << 10)) ;;
*) bytes=$size ;;
esac
. "$(dirname "$0")/../tests/h3/h3_lib.sh" # $tmp, $pids, h3_cert, h3_start_server ...
h3_cert
h3_start_server l4srv --cert "$tmp/cert.pem" --key "$tmp/key.pem" ||
  { echo "quic_bench: l4kit quic-server did not start" >&2; exit 1; }
L4SRV=${pids[-1]}
LP=$PORT
GP=$(h3_free_udp_port)
/usr/sbin/gtlsserver -q --max-dyn-length="$bytes" 127.0.0.1 "$GP" "$tmp/key.pem" "$tmp/cert.pem" \
  >/dev/null 2>&1 &
GSRV=$!
pids+=($GSRV)
sleep 0.5
ticks=$(getconf CLK_TCK)
cpu_of() { awk -v t="$ticks" '{printf "%.3f", ($14 + $15) / t}' "/proc/$1/stat"; }

# run PAIR SERVER_PID CLIENT_CMD... : one download; appends
# "gbps server_cpu client_cpu" to $tmp/PAIR.
run() {
  local pair=$1 spid=$2
  shift 2
  local s0 s1
  s0=$(cpu_of "$spid")
  local TIMEFORMAT='%R %U %S'
  { time "$@" >"$tmp/client.out" 2>&1; } 2>"$tmp/time" || {
    echo "quic_bench: $pair failed: $(tail -3 "$tmp/client.out")" >&2
    exit 1
  }
  s1=$(cpu_of "$spid")
  read -r wall usr sys <"$tmp/time"
  awk -v b="$bytes" -v w="$wall" -v u="$usr" -v s="$sys" -v a="$s0" -v z="$s1" \
    'BEGIN {printf "%.3f %.3f %.3f\n", b * 8 / w / 1e9, z - a, u + s}' >>"$tmp/$pair"
}
l4get() { # l4kit quic-get, checking the byte count it reports
  "$L4KIT" quic-get --insecure --json "$1" >"$tmp/get.json" &&
    grep -q "\"bytes\":$bytes," "$tmp/get.json"
}
gclient() {
  /usr/bin/gtlsclient -q --exit-on-all-streams-close 127.0.0.1 "$1" "https://localhost:$1/$bytes"
}

echo "HTTP/3 download of $size ($bytes bytes) over loopback, median of $runs runs"
for _ in $(seq "$runs"); do
  run l4_l4 "$L4SRV" l4get "https://127.0.0.1:$LP/$bytes"
  run l4_gc "$L4SRV" gclient "$LP"
  run gs_gc "$GSRV" gclient "$GP"
  run gs_l4 "$GSRV" l4get "https://127.0.0.1:$GP/$bytes"
done
median() { sort -n -k1,1 "$tmp/$1" | awk -v n="$runs" 'NR == int((n + 1) / 2)'; }
printf "  %-36s %9s %12s %12s\n" "server -> client" "Gbit/s" "server CPU s" "client CPU s"
for p in "l4_l4:l4kit quic-server -> l4kit quic-get" "l4_gc:l4kit quic-server -> gtlsclient" \
  "gs_gc:gtlsserver -> gtlsclient (peer)" "gs_l4:gtlsserver -> l4kit quic-get"; do
  read -r g sc cc <<<"$(median "${p%%:*}")"
  printf "  %-36s %9.2f %12.2f %12.2f\n" "${p#*:}" "$g" "$sc" "$cc"
  eval "G_${p%%:*}=$g SC_${p%%:*}=$sc CC_${p%%:*}=$cc"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
echo "  ratios against the peer pair (gtlsserver -> gtlsclient):"
echo "    throughput  l4kit->l4kit $(ratio "$G_l4_l4" "$G_gs_gc")   l4kit->gtlsclient $(ratio "$G_l4_gc" "$G_gs_gc")"
echo "    server CPU per byte, same client (gtlsclient): l4kit/gtlsserver $(ratio "$SC_l4_gc" "$SC_gs_gc")"
echo "    client CPU per byte, same server (gtlsserver): l4kit/gtlsclient $(ratio "$CC_gs_l4" "$CC_gs_gc")"
echo
kill "$L4SRV" "$GSRV" 2>/dev/null || true
"$HSBENCH" "$L4KIT" 1000 1
