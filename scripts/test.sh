#!/usr/bin/env bash
# Set up everything, build, and run every test (unit, integration, interop, slow crash
# tests). This is the README's test command and what CI runs.
#
# Then two sanitizer builds run a subset (src/README.md, "Build checks"):
#   build-asan  ASan + UBSan: the lake, storage, journal, ingest and server unit tests
#   build-tsan  TSan: the server tests and the parallel staging tests (two staging threads)
# Each builds only the test binaries it runs. BARLAKE_SKIP_SANITIZERS=1 skips both.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/setup_node.sh
common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo ${DUCKDB_ROOT:+-DDUCKDB_ROOT="$DUCKDB_ROOT"})
build="${BARLAKE_BUILD_DIR:-$root/build}"
# Warnings are errors here (cmake/barlake_build.cmake); a plain developer build only warns.
cmake -S . -B "$build" "${common[@]}" -DBARLAKE_WERROR=ON >/dev/null
cmake --build "$build" -j2
(cd "$build" && ctest -j2 --output-on-failure --timeout 1200)

if [ "${BARLAKE_SKIP_SANITIZERS:-0}" = "1" ]; then
  exit 0
fi
# A test binary that is not built shows up in ctest as <target>_NOT_BUILT: excluded.
sanitized() {  # <dir> <sanitizers> <ctest labels> <ctest regex> <targets...>
  local dir="$1" sanitizers="$2" labels="$3" regex="$4"
  shift 4
  cmake -S . -B "$dir" "${common[@]}" -DBARLAKE_SANITIZE="$sanitizers" -DBARLAKE_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" -j2 --target "$@"
  (cd "$dir" && ctest -j2 --output-on-failure --timeout 1200 -L "$labels" -R "$regex" -E '_NOT_BUILT$')
}
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/scripts/sanitizers/lsan.supp:print_suppressions=0"
sanitized "$root/build-asan" "address;undefined" 'unit' '.' \
  barlake_lake_tests barlake_storage_tests barlake_journal_tests barlake_ingest_tests barlake_server_tests
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/sanitizers/tsan.supp"
sanitized "$root/build-tsan" "thread" 'unit|fault' '(^|/)(ServerTest|ServeCliTest|ServerEncoding[A-Za-z]*|ParallelStagingFaultTest)\.' \
  barlake_fault_tests barlake_server_tests
