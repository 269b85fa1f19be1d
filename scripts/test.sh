#!/usr/bin/env bash
# Set up everything, build, and run every test (unit, integration, interop, slow crash
# tests). This is the README's test command and what CI runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/setup_node.sh
build="${BARLAKE_BUILD_DIR:-$root/build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${DUCKDB_ROOT:+-DDUCKDB_ROOT="$DUCKDB_ROOT"} >/dev/null
cmake --build "$build" -j2
cd "$build"
ctest -j2 --output-on-failure --timeout 1200
