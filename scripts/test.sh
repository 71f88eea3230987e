#!/usr/bin/env bash
# scripts/test.sh — build and run every test: the plain suite, the same suite
# under AddressSanitizer + UndefinedBehaviorSanitizer, a short run of every
# fuzz target, and the formatting check. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
JOBS=$(nproc)

step() { printf '\n=== %s ===\n' "$*"; }

step "plain build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"
ctest --test-dir build --output-on-failure -j"$JOBS"

step "AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DL4_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$JOBS"

step "fuzz targets (short smoke run each)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DL4_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS"
./scripts/fuzz.sh build-fuzz "${L4_FUZZ_RUNS:-20000}"

step "formatting (clang-format --dry-run)"
./scripts/format.sh --check

echo
echo "all test stages passed"
