#!/usr/bin/env bash
# Set up everything, build, and run the main job: a demo vault made from generated
# NinjaTrader exports, imported through the normal path. Pass a folder to choose where.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/setup_node.sh  # the dashboard embeds lightweight-charts from npm at build time
build="${BARLAKE_BUILD_DIR:-$root/build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBARLAKE_BUILD_TESTS=OFF -DBARLAKE_BUILD_BENCH=OFF \
  ${DUCKDB_ROOT:+-DDUCKDB_ROOT="$DUCKDB_ROOT"} >/dev/null
cmake --build "$build" -j2 --target barlake
"$build/barlake" demo "${1:-$root/barlake-demo}"
