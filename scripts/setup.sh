#!/usr/bin/env bash
# scripts/setup.sh — the newcomer's first command: install what is needed,
# build l4kit, and run `l4kit demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p out
cd out && ../build/l4kit demo
