#!/usr/bin/env bash
# scripts/fuzz.sh BUILD_DIR [RUNS] — run every fuzz target for RUNS inputs,
# starting from its seed corpus in fuzz/corpus/<target>/. New inputs go to a
# scratch directory so the committed corpus stays as it is. Fails on the
# first crash, leak or sanitizer report (the reproducer is left in
# fuzz-artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [RUNS]}
runs=${2:-20000}
mkdir -p fuzz-artifacts
n=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  scratch=$(mktemp -d)
  corpus=fuzz/corpus/$name
  args=("$scratch")
  [ -d "$corpus" ] && args+=("$corpus")
  echo "fuzz: $name ($runs runs)"
  "$bin" -runs="$runs" -seed=1 -max_len=4096 -artifact_prefix=fuzz-artifacts/"$name"- \
    "${args[@]}" >"$scratch.log" 2>&1 || { tail -40 "$scratch.log"; rm -rf "$scratch"; exit 1; }
  rm -rf "$scratch" "$scratch.log"
  n=$((n + 1))
done
echo "fuzz: $n targets ran clean"
