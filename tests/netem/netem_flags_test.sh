#!/usr/bin/env bash
# tests/netem/netem_flags_test.sh — `l4kit netem` input handling: --help; bad
# flags, bad link specs, bad addresses and a namespace that does not exist
# exit 2 with exactly one line on stderr naming the problem, and leave no
# device behind; --duration ends a run by itself with exit 0.
. "$(dirname "$0")/netem_lib.sh"

A="$NS_A:l4a:10.231.4.1/24"
B="$NS_B:l4b:10.231.4.2/24"

# expect_bad WORD ARGS...: exit status 2, nothing on stdout, one stderr line containing WORD.
expect_bad() {
  local word=$1 rc=0
  shift
  "$L4KIT" netem "$@" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
  [ $rc -eq 2 ] || fail "'netem $*' exited $rc, not 2: $(cat "$WORK/bad.err")"
  [ ! -s "$WORK/bad.out" ] || fail "'netem $*' printed on stdout: $(cat "$WORK/bad.out")"
  [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] || fail "'netem $*' stderr is not one line: $(cat "$WORK/bad.err")"
  grep -qF -- "$word" "$WORK/bad.err" || fail "'netem $*': '$word' not in: $(cat "$WORK/bad.err")"
  grep -q "^l4kit netem: " "$WORK/bad.err" || fail "no 'l4kit netem:' prefix: $(cat "$WORK/bad.err")"
  echo "ok: $(cat "$WORK/bad.err")"
}

"$L4KIT" netem --help >"$WORK/help.out" || fail "--help exited non-zero"
grep -q "^usage: l4kit netem --a NS:TUN" "$WORK/help.out" || fail "--help shows no usage"
"$L4KIT" help | grep -q "^  netem " || fail "'l4kit help' does not list netem"

expect_bad "--a is required"
expect_bad "--b is required" --a "$A"
expect_bad "unknown option '--bogus'" --a "$A" --b "$B" --bogus
expect_bad "--link needs a value" --a "$A" --b "$B" --link
expect_bad "--link: " --a "$A" --b "$B" --link "delay 10parsecs"
expect_bad "unknown key 'los'" --a "$A" --b "$B" --link "los 1%"
expect_bad "--link-back: " --a "$A" --b "$B" --link "delay 1ms" --link-back "loss 120%"
expect_bad "bad address '10.231.4/24'" --a "$NS_A:l4a:10.231.4/24" --b "$B"
expect_bad "expected NS:TUN" --a "$NS_A" --b "$B"
expect_bad "longer than 15" --a "$NS_A:l4a-name-too-long-x" --b "$B"
expect_bad "--duration '10'" --a "$A" --b "$B" --duration 10
expect_bad "--mtu '20'" --a "$A" --b "$B" --mtu 20
expect_bad "--seed 'x'" --a "$A" --b "$B" --seed x
expect_bad "--pcap: " --a "$A" --b "$B" --pcap "$WORK/no/such/dir/x.pcap"
expect_bad "the same device" --a "$A" --b "$NS_A:l4a:10.231.4.2/24"
# A namespace that does not exist: side A was already created, then removed.
expect_bad "network namespace 'l4t-netem-$$-nosuch'" --a "$A" --b "l4t-netem-$$-nosuch:l4b"
! ip -n "$NS_A" link show l4a >/dev/null 2>&1 || fail "device l4a left behind in $NS_A"
# ... and with --pcap, no empty capture is left either.
expect_bad "network namespace" --a "$A" --b "l4t-netem-$$-nosuch:l4b" --pcap "$WORK/none.pcap"
[ ! -e "$WORK/none.pcap" ] || fail "an empty capture was left behind"

# --duration: stops by itself, exit 0, reports how long it ran.
rc=0
"$L4KIT" netem --a "$A" --b "$B" --link "delay 1ms" --duration 300ms --json \
  >"$WORK/dur.out" 2>"$WORK/dur.err" || rc=$?
[ $rc -eq 0 ] || fail "--duration run exited $rc: $(cat "$WORK/dur.err")"
[ "$(jget "$WORK/dur.out" 'j["stopped_by"]')" = "duration" ] || fail "stopped_by: $(cat "$WORK/dur.out")"
awk -v s="$(jget "$WORK/dur.out" 'j["seconds"]')" 'BEGIN { exit !(s >= 0.3 && s < 0.5) }' ||
  fail "ran $(jget "$WORK/dur.out" 'j["seconds"]') s for --duration 300ms"
! ip -n "$NS_A" link show l4a >/dev/null 2>&1 || fail "device l4a left behind after the run"
# Text output names both directions and their counters.
"$L4KIT" netem --a "$A" --b "$B" --link "rate 1mbit" --link-back "delay 2ms" --duration 100ms \
  >"$WORK/text.out" 2>/dev/null || fail "text run failed"
grep -q 'a->b  link "rate 1mbit"' "$WORK/text.out" || fail "text output: $(cat "$WORK/text.out")"
grep -q 'b->a  link "delay 2ms"' "$WORK/text.out" || fail "text output: $(cat "$WORK/text.out")"
grep -q "dropped 0: loss 0, queue 0, device write 0" "$WORK/text.out" || fail "text output: $(cat "$WORK/text.out")"
echo "ok: --duration and text output"
# --stats: a line of counters per second on stderr.
"$L4KIT" netem --a "$A" --b "$B" --duration 1200ms --stats >/dev/null 2>"$WORK/stats.err" ||
  fail "--stats run failed: $(cat "$WORK/stats.err")"
# (The kernel's own IPv6 housekeeping, MLD reports, may cross the link.)
grep -Eq "^l4kit netem: +1\.0s  a->b read [0-9]+ delivered [0-9]+ dropped 0 \(loss 0 queue 0\) marked 0  b->a read" \
  "$WORK/stats.err" || fail "--stats output: $(cat "$WORK/stats.err")"
echo "ok: --stats"
