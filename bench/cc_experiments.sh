#!/usr/bin/env bash
# bench/cc_experiments.sh — the congestion-control experiments (issue 5): each
# is a set of `l4kit sim` runs (virtual time) printed as a Markdown table next
# to the published figures, and plotted with `l4kit plot`:
#
#   1  the window picture: Reno (and CUBIC) through slow start, a single drop
#      (fast recovery), congestion avoidance, a second drop and a blackout
#      (RTO, cwnd = 1 MSS), losses placed at chosen times on the link
#   2  goodput against random loss, 100 Mbit/s, 100 ms RTT, 60 s flows, loss
#      0.001 % .. 20 %: Reno beside Mathis et al., CUBIC and BBR beside
#      Cardwell et al. (ACM Queue 2016, Fig 8)
#   3  bufferbloat: one flow into a 10 x BDP buffer, queueing delay and
#      goodput, CUBIC against BBR (and Reno)
#   4  fairness: 2, 4 and 8 flows of one algorithm sharing a bottleneck
#      (Jain's index over time), and BBR against CUBIC at four buffer sizes
#   5  DCTCP against CUBIC: queue occupancy on 1 Gbit/s, 100 us RTT, marking
#      above 20 packets
#   6  the Linux kernel's reno, cubic and bbr across `l4kit netem` (real time,
#      root) on the settings of 2 and 3 scaled to 50 / 10 Mbit/s, next to
#      l4kit's own runs of the same links
#
#   bench/cc_experiments.sh [--build DIR] [--out DIR] [--quick] [--docs] [N ...]
#
# N selects experiments (default: all; 6 needs root, else it says so and is
# skipped). --quick shortens the flows (a smoke run, not the figures).
# --docs copies the plots to docs/cc/. Outputs (JSON of every run, CSV
# tables, SVG plots, tables.md) go to --out (default BUILD/cc-experiments).
# Not part of ctest: the full set takes a few minutes of CPU (1-5) plus about
# eight minutes of real time (6).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build
OUT=
QUICK=0
DOCS=0
SEL=()
while [ $# -gt 0 ]; do
  case $1 in
  --build) BUILD=$2; shift 2 ;;
  --out) OUT=$2; shift 2 ;;
  --quick) QUICK=1; shift ;;
  --docs) DOCS=1; shift ;;
  -h | --help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  [1-6]) SEL+=("$1"); shift ;;
  *) echo "cc_experiments: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ ${#SEL[@]} -eq 0 ] && SEL=(1 2 3 4 5 6)
BUILD=$(cd "$BUILD" && pwd)
L4KIT=$BUILD/l4kit
[ -x "$L4KIT" ] || { echo "cc_experiments: build l4kit first ($L4KIT)" >&2; exit 1; }
OUT=${OUT:-$BUILD/cc-experiments}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
TABLES=$OUT/tables.md
: >"$TABLES"

# Prints a section to stdout and appends it to tables.md.
say() { printf '%s\n' "$*" | tee -a "$TABLES"; }
# sim NAME ARGS...: one `l4kit sim --proto tcp --json` run into $OUT/NAME.json
# (a run that does not complete still has its JSON; exit 1 is not an error here).
sim() {
  local name=$1
  shift
  "$L4KIT" sim --proto tcp --json "$@" >"$OUT/$name.json" 2>"$OUT/$name.err" || {
    local rc=$?
    [ $rc -eq 1 ] && [ -s "$OUT/$name.json" ] ||
      { echo "cc_experiments: $name failed ($rc): $(cat "$OUT/$name.err")" >&2; exit 1; }
  }
}
plot() { "$L4KIT" plot "$@"; }
secs() { [ $QUICK -eq 1 ] && echo "$2" || echo "$1"; }

# ---------------------------------------------------------------------------------------
e1() {
  local link="rate 10mbit delay 50ms drop-at 600ms,6s blackout 11s+500ms"
  for cc in reno cubic; do
    sim e1_$cc --cc $cc --duration 16s --link "$link" --link-back "rate 10mbit delay 50ms" \
      --csv "$OUT/e1_$cc.csv" --plot "$OUT/e1_${cc}_cwnd.svg"
  done
  say ""
  say "### 1. The congestion window, losses at chosen times"
  say ""
  say "\`l4kit sim --proto tcp --cc reno --duration 16s --link \"$link\" --link-back \"rate 10mbit delay 50ms\" --csv e1.csv --plot e1.svg\`"
  say ""
  "$PY" - "$OUT" <<'PY' | tee -a "$TABLES"
import csv, json, sys
out = sys.argv[1]
print("| cc | event | time (s) | cwnd before (MSS) | cwnd after (MSS) | ssthresh after (MSS) |")
print("|---|---|---|---|---|---|")
for cc in ("reno", "cubic"):
    rows = list(csv.DictReader(open(f"{out}/e1_{cc}.csv")))
    mss = int(rows[-1]["mss"])
    fr = rto = 0
    ss_end = None
    for a, b in zip(rows, rows[1:]):
        if a["ssthresh"] == "" and b["ssthresh"] != "" and ss_end is None:
            ss_end = b
        ev = None
        if int(b["fast_retransmits"]) > fr:
            ev = "triple dup ACK: fast recovery"
        elif int(b["rto_expiries"]) > rto:
            ev = "RTO"
        fr, rto = int(b["fast_retransmits"]), int(b["rto_expiries"])
        if ev:
            print(f"| {cc} | {ev} | {float(b['time_s']):.3f} | {int(a['cwnd']) / mss:.0f} | "
                  f"{int(b['cwnd']) / mss:.0f} | {int(b['ssthresh']) / mss:.0f} |")
    r = json.load(open(f"{out}/e1_{cc}.json"))
    f = r["flows"][0]
    print(f"| {cc} | (run) | {r['transfer_seconds']:.1f} | | | goodput {r['goodput_mbps']:.2f} Mbit/s, "
          f"{f['fast_retransmits']} fast retransmits, {f['rto_expiries']} RTO |")
PY
  say ""
  say "Expected (RFC 5681, RFC 9438): a single loss halves Reno's window (CUBIC: x 0.7); the RTO sets cwnd to 1 MSS and ssthresh to half the flight; slow start then climbs back to ssthresh."
}

# ---------------------------------------------------------------------------------------
E2_LOSSES="0.001 0.01 0.1 1 2 5 10 15 20"
e2() {
  local dur
  dur=$(secs 60 10)
  local back="rate 100mbit delay 50ms"
  for cc in reno cubic bbr; do
    for p in $E2_LOSSES; do
      sim "e2_${cc}_$p" --cc $cc --duration "${dur}s" --link "rate 100mbit delay 50ms loss $p% queue 833" \
        --link-back "$back"
    done
  done
  say ""
  say "### 2. Goodput against random loss (100 Mbit/s, 100 ms RTT, ${dur} s flows, 1-BDP buffer)"
  say ""
  say "\`l4kit sim --proto tcp --cc cubic --duration ${dur}s --link \"rate 100mbit delay 50ms loss 1% queue 833\" --link-back \"$back\" --json\`"
  say ""
  "$PY" - "$OUT" "$dur" "$E2_LOSSES" <<'PY' | tee -a "$TABLES"
import json, math, sys
out, dur, losses = sys.argv[1], float(sys.argv[2]), sys.argv[3].split()
# [Q16] Fig 8 read-off (anchors/congestion-control.md 1.1), [REBBR] experiment2 (30 s, infinite queue)
q16_cubic = {"0.001": 93, "0.01": 32, "0.1": 6.6, "1": 1.4, "2": 0.9, "5": 0.5, "10": 0.5, "15": 0.2, "20": 0.2}
q16_bbr = {"0.001": 91, "0.01": 91.2, "0.1": 90.5, "1": 89.4, "2": 88.5, "5": 86.9, "10": 77.2, "15": 73.4, "20": 0}
rebbr_reno = {"0.001": 88.73, "0.01": 52.84, "0.1": 4.54, "1": 1.28, "2": 1.03, "5": 0.64, "10": 0.43, "20": 0.26}
def gp(cc, p):
    r = json.load(open(f"{out}/e2_{cc}_{p}.json"))
    iv = [i for i in r["intervals"] if i["t1"] <= dur + 1e-9]
    return sum(i["total_mbps"] for i in iv) / dur, r
rows = []
print("| loss % | Reno | Mathis (1.22) | ReBBR Reno | CUBIC | Q16 CUBIC | BBR | Q16 BBR | (1-p) x 100 |")
print("|---|---|---|---|---|---|---|---|---|")
for p in losses:
    pf = float(p) / 100
    mathis = min(100.0, 1448 * 8 / 0.1 * 1.22 / math.sqrt(pf) / 1e6)
    reno, _ = gp("reno", p)
    cubic, _ = gp("cubic", p)
    bbr, _ = gp("bbr", p)
    f = lambda v: "–" if v is None else (f"{v:.2f}" if v < 10 else f"{v:.1f}")
    print(f"| {p} | {f(reno)} | {f(mathis)} | {f(rebbr_reno.get(p))} | {f(cubic)} | {f(q16_cubic[p])} | "
          f"{f(bbr)} | {f(q16_bbr[p])} | {100 * (1 - pf):.1f} |")
    rows.append((p, reno, mathis, rebbr_reno.get(p), cubic, q16_cubic[p], bbr, q16_bbr[p]))
with open(f"{out}/e2_goodput.csv", "w") as c:
    c.write("loss_pct,reno,mathis,rebbr_reno,cubic,q16_cubic,bbr,q16_bbr\n")
    for r in rows:
        c.write(",".join("" if v is None else str(v) for v in r) + "\n")
PY
  plot -o "$OUT/e2_goodput.svg" --logx --logy --ymin 0.1 --ymax 200 \
    --title "Goodput against random loss: 100 Mbit/s, 100 ms RTT, ${dur} s flows" \
    --note "lines: l4kit (emulator); points: Cardwell et al. 2016 Fig 8 (read-off) and ReBBR; dashed: Mathis et al." \
    --xlabel "random loss (%)" --ylabel "goodput (Mbit/s)" --legend bl \
    "$OUT/e2_goodput.csv:loss_pct:reno:Reno (l4kit):markers,color=0" \
    "$OUT/e2_goodput.csv:loss_pct:mathis:Mathis MSS/RTT x 1.22/sqrt(p):dashed,color=0" \
    "$OUT/e2_goodput.csv:loss_pct:rebbr_reno:Reno (ReBBR, Linux):points,color=7" \
    "$OUT/e2_goodput.csv:loss_pct:cubic:CUBIC (l4kit):markers,color=1" \
    "$OUT/e2_goodput.csv:loss_pct:q16_cubic:CUBIC (Cardwell et al.):points,color=3" \
    "$OUT/e2_goodput.csv:loss_pct:bbr:BBR (l4kit):markers,color=2" \
    "$OUT/e2_goodput.csv:loss_pct:q16_bbr:BBR (Cardwell et al.):points,color=4"
}

# ---------------------------------------------------------------------------------------
e3() {
  local dur
  dur=$(secs 30 8)
  local link="rate 10mbit delay 20ms queue 500kb" back="rate 10mbit delay 20ms"
  for cc in cubic bbr reno; do
    sim "e3_$cc" --cc $cc --duration "${dur}s" --buf 4M --link "$link" --link-back "$back" \
      --interval 100ms --interval-csv "$OUT/e3_$cc.csv"
  done
  say ""
  say "### 3. Bufferbloat: one flow, 10 Mbit/s, 40 ms RTT, a 10 x BDP buffer (500 kB = 400 ms), ${dur} s"
  say ""
  say "\`l4kit sim --proto tcp --cc bbr --duration ${dur}s --buf 4M --link \"$link\" --link-back \"$back\" --interval 100ms --interval-csv e3.csv --json\`"
  say ""
  "$PY" - "$OUT" <<'PY' | tee -a "$TABLES"
import json, sys
out = sys.argv[1]
print("| cc | goodput (Mbit/s) | queueing delay mean / p50 / p99 / max (ms) | RTT p50 / p99 (ms) = 40 + queue | queue mean / max (packets) | drops |")
print("|---|---|---|---|---|---|")
for cc in ("cubic", "bbr", "reno"):
    r = json.load(open(f"{out}/e3_{cc}.json"))
    q = r["link"]["forward"]["queue_delay_ms"]
    n = r["link"]["forward"]["queue_pkts"]
    print(f"| {cc} | {r['goodput_mbps']:.2f} | {q['mean']:.1f} / {q['p50']:.1f} / {q['p99']:.1f} / {q['max']:.1f} | "
          f"{40 + q['p50']:.0f} / {40 + q['p99']:.0f} | {n['mean']:.0f} / {n['max']:.0f} | {r['link']['forward']['dropped']} |")
PY
  say ""
  say "Published (Cardwell et al. 2016, Fig 5: 10 Mbit/s, 40 ms, 250 ms buffer): CUBIC fills the buffer and cycles between 70 % and 100 % full; BBR runs at RTprop after startup (bumps every ~0.3 s)."
  plot -o "$OUT/e3_queue_delay.svg" --title "Bufferbloat: 10 Mbit/s, 40 ms RTT, 500 kB buffer (400 ms)" \
    --xlabel "time (s, virtual)" --ylabel "queueing delay (ms, mean per 100 ms)" \
    "$OUT/e3_cubic.csv:t_s:queue_delay_ms_mean:CUBIC:color=1" \
    "$OUT/e3_reno.csv:t_s:queue_delay_ms_mean:Reno:color=0" \
    "$OUT/e3_bbr.csv:t_s:queue_delay_ms_mean:BBR:color=2"
}

# ---------------------------------------------------------------------------------------
e4() {
  local dur
  dur=$(secs 40 12)
  local link="rate 100mbit delay 5ms queue 85" back="rate 100mbit delay 5ms"
  for cc in reno cubic bbr; do
    for n in 2 4 8; do
      sim "e4_${cc}_$n" --cc $cc --flows $n --stagger 2s --duration "${dur}s" --link "$link" \
        --link-back "$back" --interval-csv "$OUT/e4_${cc}_$n.csv"
    done
  done
  # BBR against CUBIC at 0.5, 1, 4 and 10 x BDP (BDP = 100 Mbit/s x 10 ms = 83 packets)
  for q in 42 83 333 833; do
    sim "e4_bbr_cubic_$q" --cc bbr,cubic --duration "${dur}s" --buf 4M \
      --link "rate 100mbit delay 5ms queue $q" --link-back "$back" --interval-csv "$OUT/e4_bbr_cubic_$q.csv"
  done
  say ""
  say "### 4. Fairness: flows sharing 100 Mbit/s, 10 ms RTT, 1-BDP buffer (85 packets), starts 2 s apart, ${dur} s"
  say ""
  say "\`l4kit sim --proto tcp --cc cubic --flows 4 --stagger 2s --duration ${dur}s --link \"$link\" --link-back \"$back\" --interval-csv e4.csv --json\`"
  say ""
  "$PY" - "$OUT" "$dur" <<'PY' | tee -a "$TABLES"
import json, sys
out, dur = sys.argv[1], float(sys.argv[2])
def last10(r):
    iv = [i for i in r["intervals"] if dur - 10 < i["t1"] <= dur + 1e-9]
    per = [sum(i["flow_mbps"][k] for i in iv) / len(iv) for k in range(r["nflows"])]
    s, s2 = sum(per), sum(x * x for x in per)
    return per, (s * s / (len(per) * s2) if s2 else 1.0)
def first_fair(r, start):
    for i in r["intervals"]:
        if i["t0"] >= start and i["jain"] >= 0.95 and i["active"] == r["nflows"]:
            return i["t0"] - start
    return None
print("| cc | flows | total (Mbit/s) | per flow, last 10 s (Mbit/s) | Jain, last 10 s | s from the last start to Jain >= 0.95 |")
print("|---|---|---|---|---|---|")
for cc in ("reno", "cubic", "bbr"):
    for n in (2, 4, 8):
        r = json.load(open(f"{out}/e4_{cc}_{n}.json"))
        per, j = last10(r)
        ff = first_fair(r, 2.0 * (n - 1))
        print(f"| {cc} | {n} | {sum(per):.1f} | {' / '.join(f'{x:.1f}' for x in per)} | {j:.3f} | "
              f"{'never' if ff is None else f'{ff:.0f}'} |")
print()
print("BBR against CUBIC (one flow each, same start, 4 MB socket buffers):")
print()
print("| buffer (packets, x BDP) | BBR (Mbit/s) | CUBIC (Mbit/s) | Jain, last 10 s | queueing delay p50 (ms) |")
print("|---|---|---|---|---|")
for q in (42, 83, 333, 833):
    r = json.load(open(f"{out}/e4_bbr_cubic_{q}.json"))
    per, j = last10(r)
    print(f"| {q} ({q / 83:.1f}) | {per[0]:.1f} | {per[1]:.1f} | {j:.3f} | "
          f"{r['link']['forward']['queue_delay_ms']['p50']:.1f} |")
PY
  say ""
  say "Published: Cardwell et al. 2016 Fig 6: 5 BBR flows on 100 Mbit/s / 10 ms converge to a fair share (within ~2 Mbit/s of 20) in about 35 s. BBRv1 against CUBIC: BBR takes more in shallow buffers and less in deep ones (the draft's coexistence discussion; no single published table in the anchors)."
  plot -o "$OUT/e4_jain.svg" --title "Jain's index over time: 8 flows, 100 Mbit/s, 10 ms RTT, 1-BDP buffer" \
    --note "flow k starts at 2k s; the index is over the flows already started" \
    --xlabel "time (s, virtual)" --ylabel "Jain's fairness index" --ymin 0 --ymax 1.05 \
    --xmin 0 --xmax "$dur" --legend br \
    "$OUT/e4_reno_8.csv:t_s:jain:Reno:color=0" "$OUT/e4_cubic_8.csv:t_s:jain:CUBIC:color=1" \
    "$OUT/e4_bbr_8.csv:t_s:jain:BBR:color=2"
  plot -o "$OUT/e4_bbr_cubic.svg" --title "BBR against CUBIC: 100 Mbit/s, 10 ms RTT" \
    --xlabel "time (s, virtual)" --ylabel "goodput (Mbit/s, per second)" --xmin 0 --xmax "$dur" \
    "$OUT/e4_bbr_cubic_42.csv:t_s:flow0_mbps:BBR, 0.5 BDP buffer:color=2" \
    "$OUT/e4_bbr_cubic_42.csv:t_s:flow1_mbps:CUBIC, 0.5 BDP buffer:color=1" \
    "$OUT/e4_bbr_cubic_833.csv:t_s:flow0_mbps:BBR, 10 BDP buffer:dashed,color=2" \
    "$OUT/e4_bbr_cubic_833.csv:t_s:flow1_mbps:CUBIC, 10 BDP buffer:dashed,color=1"
}

# ---------------------------------------------------------------------------------------
e5() {
  local dur
  dur=$(secs 5 2)
  local link="rate 1gbit delay 50us queue 400 ecn-threshold 20" back="rate 1gbit delay 50us"
  sim e5_dctcp --cc dctcp --ecn --flows 2 --duration "${dur}s" --buf 2M --link "$link" \
    --link-back "$back" --interval 10ms --interval-csv "$OUT/e5_dctcp.csv"
  sim e5_cubic --cc cubic --flows 2 --duration "${dur}s" --buf 2M --link "$link" \
    --link-back "$back" --interval 10ms --interval-csv "$OUT/e5_cubic.csv"
  sim e5_cubic_ecn --cc cubic --ecn --flows 2 --duration "${dur}s" --buf 2M --link "$link" \
    --link-back "$back" --interval 10ms --interval-csv "$OUT/e5_cubic_ecn.csv"
  say ""
  say "### 5. DCTCP against CUBIC: 2 flows, 1 Gbit/s, 100 us RTT, marking above K = 20 packets, 400-packet buffer, ${dur} s"
  say ""
  say "\`l4kit sim --proto tcp --cc dctcp --ecn --flows 2 --duration ${dur}s --buf 2M --link \"$link\" --link-back \"$back\" --json\`"
  say ""
  "$PY" - "$OUT" <<'PY' | tee -a "$TABLES"
import json, sys
out = sys.argv[1]
print("| cc | ECN | goodput (Mbit/s) | queue mean / p50 / p99 / max (packets) | queueing delay mean (us) | CE marks | drops | Jain |")
print("|---|---|---|---|---|---|---|---|")
for name in ("dctcp", "cubic", "cubic_ecn"):
    r = json.load(open(f"{out}/e5_{name}.json"))
    fw = r["link"]["forward"]
    q = fw["queue_pkts"]
    print(f"| {r['cc']} | {'yes' if r['ecn'] else 'no'} | {r['goodput_mbps']:.0f} | {q['mean']:.1f} / {q['p50']:.0f} / "
          f"{q['p99']:.0f} / {q['max']:.0f} | {fw['queue_delay_ms']['mean'] * 1000:.0f} | {fw['marked']} | "
          f"{fw['dropped']} | {r['jain']:.3f} |")
PY
  say ""
  say "Published (Alizadeh et al., SIGCOMM 2010, §4.1, 1 Gbit/s, K = 20, 2 long flows): both reach 0.95 Gbit/s; the DCTCP queue is stable around 20 packets (K + n), TCP's about 10 x larger and varying."
  plot -o "$OUT/e5_queue.svg" --title "Queue occupancy: 2 flows, 1 Gbit/s, 100 us RTT, K = 20" \
    --xlabel "time (s, virtual)" --ylabel "queue (packets found by arrivals, mean per 10 ms)" \
    "$OUT/e5_cubic.csv:t_s:queue_pkts_mean:CUBIC (no ECN):color=1" \
    "$OUT/e5_cubic_ecn.csv:t_s:queue_pkts_mean:CUBIC with classic ECN:color=4" \
    "$OUT/e5_dctcp.csv:t_s:queue_pkts_mean:DCTCP:color=2"
}

# ---------------------------------------------------------------------------------------
# Experiment 6: kernel TCP across `l4kit netem` between two namespaces.
E6_LOSSES="0.01 0.1 1 5 10"
e6() {
  if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
    say ""
    say "### 6. Kernel side by side: SKIPPED (needs root and /dev/net/tun)"
    return 0
  fi
  local avail
  avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control)
  case " $avail " in *" bbr "*) ;; *)
    modprobe tcp_bbr 2>/dev/null || true
    avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control) ;;
  esac
  local dur
  dur=$(secs 20 5)
  local nsa="l4ccx-$$-a" nsb="l4ccx-$$-b" pids=()
  e6_cleanup() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$nsa" 2>/dev/null || true
    ip netns del "$nsb" 2>/dev/null || true
  }
  trap e6_cleanup EXIT
  ip netns add "$nsa"
  ip netns add "$nsb"
  ip -n "$nsa" link set lo up
  ip -n "$nsb" link set lo up
  # kernel_run NAME CC SPEC BACKSPEC: netem + one flow of DUR seconds; results in $OUT/NAME.*.json
  kernel_run() {
    local name=$1 cc=$2 spec=$3 back=$4
    "$L4KIT" netem --a "$nsa:l4a:10.234.0.1/24" --b "$nsb:l4b:10.234.0.2/24" --link "$spec" \
      --link-back "$back" --json >"$OUT/$name.netem.json" 2>"$OUT/$name.netem.err" &
    local np=$!
    pids+=("$np")
    for _ in $(seq 1 100); do grep -q running "$OUT/$name.netem.err" 2>/dev/null && break; sleep 0.05; done
    grep -q running "$OUT/$name.netem.err" || { echo "netem did not start: $(cat "$OUT/$name.netem.err")" >&2; exit 1; }
    rm -f "$OUT/$name.ready"
    ip netns exec "$nsb" "$PY" "$SRC/bench/cc_kernel_flow.py" recv 10.234.0.2 5001 "$OUT/$name.ready" "$dur" \
      >"$OUT/$name.recv.json" 2>"$OUT/$name.recv.err" &
    local rp=$!
    pids+=("$rp")
    for _ in $(seq 1 100); do [ -s "$OUT/$name.ready" ] && break; sleep 0.05; done
    ip netns exec "$nsa" timeout $((dur * 4 + 60)) "$PY" "$SRC/bench/cc_kernel_flow.py" send 10.234.0.2 5001 "$dur" "$cc" \
      >"$OUT/$name.send.json" 2>"$OUT/$name.send.err" || { echo "kernel sender failed: $(cat "$OUT/$name.send.err")" >&2; exit 1; }
    wait "$rp" || { echo "kernel receiver failed: $(cat "$OUT/$name.recv.err")" >&2; exit 1; }
    kill -TERM "$np"
    wait "$np" || true
  }
  local ccs=() missing=()
  for cc in reno cubic bbr; do
    case " $avail " in *" $cc "*) ccs+=("$cc") ;; *) missing+=("$cc") ;; esac
  done
  say ""
  say "### 6. The Linux kernel ($(uname -r)) across \`l4kit netem\`, next to l4kit (real time, ${dur} s flows)"
  say ""
  say "Kernel congestion controls available: $avail.${missing:+ MISSING (not run): ${missing[*]}.}"
  local link50="rate 50mbit delay 50ms" back50="rate 50mbit delay 50ms"
  for cc in "${ccs[@]}"; do
    for p in $E6_LOSSES; do
      kernel_run "e6_k_${cc}_$p" "$cc" "$link50 loss $p% queue 417" "$back50"
    done
  done
  for cc in reno cubic bbr; do
    for p in $E6_LOSSES; do
      sim "e6_s_${cc}_$p" --cc $cc --duration "${dur}s" --link "$link50 loss $p% queue 417" --link-back "$back50"
    done
  done
  local lb="rate 10mbit delay 20ms queue 500kb" bb="rate 10mbit delay 20ms"
  for cc in "${ccs[@]}"; do
    [ "$cc" = reno ] && continue
    kernel_run "e6_kb_$cc" "$cc" "$lb" "$bb"
  done
  for cc in cubic bbr; do
    sim "e6_sb_$cc" --cc $cc --duration "${dur}s" --buf 4M --link "$lb" --link-back "$bb"
  done
  e6_cleanup
  trap - EXIT
  say ""
  say "Goodput (Mbit/s) against random loss, 50 Mbit/s, 100 ms RTT, 1-BDP buffer (417 packets): \`l4kit netem --link \"$link50 loss 1% queue 417\" --link-back \"$back50\"\` with one kernel flow (\`bench/cc_kernel_flow.py\`), and \`l4kit sim\` on the same link."
  say ""
  "$PY" - "$OUT" "$dur" "$E6_LOSSES" "${ccs[*]}" <<'PY' | tee -a "$TABLES"
import json, math, os, sys
out, dur, losses, kccs = sys.argv[1], float(sys.argv[2]), sys.argv[3].split(), sys.argv[4].split()
def sim(cc, p):
    r = json.load(open(f"{out}/e6_s_{cc}_{p}.json"))
    iv = [i for i in r["intervals"] if i["t1"] <= dur + 1e-9]
    return sum(i["total_mbps"] for i in iv) / dur
def kern(cc, p):
    if cc not in kccs:
        return "missing"
    r = json.load(open(f"{out}/e6_k_{cc}_{p}.recv.json"))
    s = json.load(open(f"{out}/e6_k_{cc}_{p}.send.json"))
    assert s["cc"] == cc, (s["cc"], cc)
    return f"{r['goodput_mbps']:.2f}"
print("| loss % | Mathis | Reno l4kit | Reno kernel | CUBIC l4kit | CUBIC kernel | BBR l4kit | BBR kernel | netem lateness mean (us) |")
print("|---|---|---|---|---|---|---|---|---|")
for p in losses:
    m = min(50.0, 1448 * 8 / 0.1 * 1.22 / math.sqrt(float(p) / 100) / 1e6)
    late = []
    for cc in kccs:
        n = json.load(open(f"{out}/e6_k_{cc}_{p}.netem.json"))
        late.append(n["link"]["a_to_b"].get("late_mean_us", 0))
    print(f"| {p} | {m:.2f} | {sim('reno', p):.2f} | {kern('reno', p)} | {sim('cubic', p):.2f} | {kern('cubic', p)} | "
          f"{sim('bbr', p):.2f} | {kern('bbr', p)} | {max(late) if late else 0:.0f} |")
print()
print(f"Bufferbloat, 10 Mbit/s, 40 ms RTT, 500 kB buffer, {dur:.0f} s: RTT as the kernel sender measures it (tcpi_rtt every 20 ms) and as l4kit's link sees it (40 ms + the queueing delay of each packet):")
print()
print("| cc | goodput l4kit | goodput kernel | RTT p50 / p99 l4kit (ms) | RTT p50 / p99 kernel (ms) | most queued, kernel run (packets) |")
print("|---|---|---|---|---|---|")
for cc in ("cubic", "bbr"):
    r = json.load(open(f"{out}/e6_sb_{cc}.json"))
    q = r["link"]["forward"]["queue_delay_ms"]
    if cc in kccs:
        kr = json.load(open(f"{out}/e6_kb_{cc}.recv.json"))
        ks = json.load(open(f"{out}/e6_kb_{cc}.send.json"))
        kn = json.load(open(f"{out}/e6_kb_{cc}.netem.json"))
        kg, krtt, kq = f"{kr['goodput_mbps']:.2f}", f"{ks['rtt_ms']['p50']:.0f} / {ks['rtt_ms']['p99']:.0f}", kn["link"]["a_to_b"]["queue_hwm_pkts"]
    else:
        kg = krtt = kq = "missing"
    print(f"| {cc} | {r['goodput_mbps']:.2f} | {kg} | {40 + q['p50']:.0f} / {40 + q['p99']:.0f} | {krtt} | {kq} |")
PY
}

echo "cc_experiments: l4kit $("$L4KIT" help | head -1 | awk '{print $2}'), $(nproc) CPUs, output in $OUT"
for e in "${SEL[@]}"; do
  t0=$(date +%s)
  "e$e"
  echo "(experiment $e: $(($(date +%s) - t0)) s)" >&2
done
if [ $DOCS -eq 1 ]; then
  mkdir -p "$SRC/docs/cc"
  cp "$OUT"/*.svg "$SRC/docs/cc/"
  cp "$TABLES" "$SRC/docs/cc/tables.md"
  echo "cc_experiments: plots and tables copied to docs/cc/" >&2
fi
