#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan + UBSan) and run each for SECONDS (default 10),
# seeded with tests/data. Any crash, leak or UB report fails the script; the reproducer is
# left in build-fuzz/artifacts/. Usage: scripts/fuzz.sh [SECONDS] [FORMAT...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"; shift || true
build="${BARLAKE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
CXX=clang++ cmake -S "$root/fuzz" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 >/dev/null
mkdir -p "$build/artifacts"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(ninjatrader csv metatrader tradingview firstrate binance_csv binance_json yahoo_json
           alphavantage_json alphavantage_csv gex_snapshot)
fi
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  mkdir -p "$corpus"
  # Seeds: every fixture (each format also sees the others' files, which is the point).
  find "$root/tests/data" -type f ! -name '*.md' -size -64k -exec cp -n {} "$corpus/" \; 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s"
  "$build/fuzz_$t" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/$t-" -print_final_stats=0 "$corpus" > "$build/$t.log" 2>&1 || {
    echo "fuzz: $t FAILED; see $build/$t.log and $build/artifacts/" >&2
    tail -40 "$build/$t.log" >&2
    exit 1
  }
done
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a report"
