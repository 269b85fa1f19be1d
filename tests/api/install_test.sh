#!/usr/bin/env bash
# `cmake --install` into a fresh prefix, then build examples/ against the INSTALLED package
# (find_package(barlake) with -Dbarlake_DIR) and run it twice on a new vault: the first run
# creates the vault and imports, the second finds the same bytes already imported.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER [COMPILER_LAUNCHER]
set -euo pipefail
build=$1
source=$2
cxx=$3
launcher=${4:-}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" > "$prefix/install.log"
config=$(find "$prefix" -name barlakeConfig.cmake | head -1)
[ -n "$config" ] || { echo "FAIL: no barlakeConfig.cmake installed"; exit 1; }
# Only the public headers are installed.
if find "$prefix/include" -type f | grep -v "^$prefix/include/barlake/[a-z_]*\.h$"; then
  echo "FAIL: files other than include/barlake/*.h installed (above)"
  exit 1
fi

cmake -S "$source/examples" -B "$prefix/build" -Dbarlake_DIR="$(dirname "$config")" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
  ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} > "$prefix/configure.log"
cmake --build "$prefix/build" -j2 > "$prefix/build.log" || { cat "$prefix/build.log"; exit 1; }
# The example's compile line has the installed include/ and no path into the source tree.
if grep -R -- "-I$source/src\|-isystem $source/src\|duckdb/include" "$prefix/build/CMakeFiles/quickstart.dir/flags.make"; then
  echo "FAIL: the example was compiled with an include path into barlake's sources or DuckDB"
  exit 1
fi

"$prefix/build/quickstart" "$prefix/vault" | tee "$prefix/first.txt"
grep -q "created vault" "$prefix/first.txt"
grep -q "import job 1: format ninjatrader, 5 rows added" "$prefix/first.txt"
grep -q "read 5 bars" "$prefix/first.txt"
grep -q "job 1 import completed ES 1m" "$prefix/first.txt"
grep -q "verify: 1 files, ok" "$prefix/first.txt"
"$prefix/build/quickstart" "$prefix/vault" | tee "$prefix/second.txt"
grep -q "import skipped" "$prefix/second.txt"
grep -q "read 5 bars" "$prefix/second.txt"
echo "ok: the installed package builds and runs examples/quickstart"
