#!/usr/bin/env bash
# Build the benchmarks (Release, in build-bench/) and run them all.
#
#   bench/run.sh                 # all of them
#   bench/run.sh import read     # some of them: import merge read status csv serve
#
# Work files go to $BARLAKE_BENCH_DIR (default /tmp/barlake-bench), removed at the end
# unless BARLAKE_BENCH_KEEP=1. Each program prints its own table; this script repeats the
# tables at the end and exits non-zero if a benchmark missed a target or failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-bench"
export BARLAKE_BENCH_DIR="${BARLAKE_BENCH_DIR:-/tmp/barlake-bench}"

generator=()
command -v ninja >/dev/null 2>&1 && [ ! -f "$build/Makefile" ] && generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DBARLAKE_BUILD_TESTS=OFF -DBARLAKE_BUILD_BENCH=ON >/dev/null || exit 2
cmake --build "$build" -j2 --target barlake bench_import bench_merge bench_read bench_status bench_csv || exit 2

benches=("$@")
[ ${#benches[@]} -eq 0 ] && benches=(import merge read status csv serve)

mkdir -p "$BARLAKE_BENCH_DIR"
log="$(mktemp /tmp/barlake-bench-log.XXXXXX)"
rc=0
for b in "${benches[@]}"; do
  exe="$build/bench/bench_$b"
  # bench_serve is a script: the HTTP server under wrk (bench/bench_serve.sh).
  [ "$b" = serve ] && exe="$root/bench/bench_serve.sh"
  [ -x "$exe" ] || { echo "unknown benchmark '$b' (import, merge, read, status, csv, serve)" >&2; exit 2; }
  echo "### bench_$b" | tee -a "$log"
  if [ "$b" = serve ]; then "$exe" "$build/barlake"; else "$exe"; fi 2>&1 | tee -a "$log"
  s=${PIPESTATUS[0]}
  if [ "$s" -eq 1 ]; then
    [ "$rc" -eq 0 ] && rc=1
  elif [ "$s" -ne 0 ]; then
    echo "bench_$b FAILED (exit $s)" | tee -a "$log"
    rc=2
  fi
done

echo
echo "################ summary ################"
awk '/^== /{p=1; print ""; print; next} p && (/ \| / || /-\+-/){print; next} {p=0}' "$log"
rm -f "$log"
if [ "${BARLAKE_BENCH_KEEP:-0}" != 1 ]; then
  rm -rf "$BARLAKE_BENCH_DIR"
fi
exit "$rc"
