#!/usr/bin/env bash
# Every public header compiles on its own with include/ as the only include path, and what it
# pulls in is barlake/*.h and the C++ standard library: no src/ header, no duckdb.h, sqlite3.h,
# nlohmann, toml++, fmt or date. Usage: header_hygiene.sh CXX INCLUDE_DIR
set -euo pipefail
cxx=$1
include=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for header in "$include"/barlake/*.h; do
  name=barlake/$(basename "$header")
  printf '#include <%s>\nint main() { return 0; }\n' "$name" > "$tmp/tu.cc"
  if ! "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I "$include" "$tmp/tu.cc"; then
    echo "FAIL: $name does not compile alone with only $include on the include path"
    status=1
    continue
  fi
  # Every file the header reads, as the preprocessor lists it.
  "$cxx" -std=c++20 -M -I "$include" "$tmp/tu.cc" | tr ' \\' '\n\n' | grep -v '^$' | grep -v ':$' > "$tmp/deps"
  if grep -E '/src/|duckdb|sqlite3|nlohmann|toml|/fmt/|/date/|httplib|CLI/' "$tmp/deps"; then
    echo "FAIL: $name pulls in the files above"
    status=1
  fi
  if grep -v -E "^$include/barlake/|/c\+\+/|/include/c\+\+|^/usr/include/|^/usr/lib/gcc|tu\.cc$" "$tmp/deps"; then
    echo "FAIL: $name pulls in files outside include/ and the standard library (above)"
    status=1
  fi
done
[ $status -eq 0 ] && echo "ok: every public header stands alone on the standard library"
exit $status
