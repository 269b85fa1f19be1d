#!/usr/bin/env bash
# Installs everything barlake needs on Debian 12: the Debian packages and the pinned
# DuckDB 1.4.4 files from the npm registry (checked against third_party/duckdb.sha256).
# Safe to run again: packages already present and a verified deps/ folder are kept.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="${BARLAKE_DEPS_DIR:-$root/deps}"

packages=(build-essential cmake pkg-config git ca-certificates curl tzdata nodejs npm
  libsqlite3-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libhowardhinnant-date-dev libssl-dev libcurl4-openssl-dev googletest libgtest-dev libgmock-dev
  libbenchmark-dev libtomlplusplus-dev clang libclang-rt-14-dev wrk zlib1g-dev
  chromium)  # headless Chromium for the dashboard browser tests (tests/browser)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere than Debian (e.g. a preinstalled Node 20).
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
want=()
for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
if [ ${#want[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${want[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${want[@]}" >/dev/null
fi

# The Python package (python/, docs/python.md), for Debian's /usr/bin/python3; without
# recommends (python3-pandas would pull in a GUI stack).
python_packages=(pybind11-dev python3-dev python3-numpy python3-pandas python3-pytest)
python_want=()
for p in "${python_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || python_want+=("$p")
done
if [ ${#python_want[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${python_want[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${python_want[@]}" >/dev/null
fi

# DuckDB: pinned files from the npm registry, verified by SHA-256.
mkdir -p "$deps/duckdb/lib" "$deps/duckdb/include"
sums="$root/third_party/duckdb.sha256"
verify() { (cd "$deps/duckdb" && sha256sum --quiet -c "$sums") 2>/dev/null; }
if ! verify; then
  echo "setup: fetching DuckDB 1.4.4 from the npm registry"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "@duckdb/node-bindings-linux-x64@1.4.4-r.4" >/dev/null \
            && npm pack --silent "duckdb@1.4.4" >/dev/null)
  mkdir -p "$tmp/a" "$tmp/b"
  tar -xzf "$tmp"/duckdb-node-bindings-linux-x64-*.tgz -C "$tmp/a"
  tar -xzf "$tmp"/duckdb-1.4.4.tgz -C "$tmp/b" package/src/duckdb/src/include/duckdb.h
  cp "$tmp/a/package/libduckdb.so" "$deps/duckdb/lib/libduckdb.so"
  cp "$tmp/b/package/src/duckdb/src/include/duckdb.h" "$deps/duckdb/include/duckdb.h"
  if ! verify; then
    echo "setup: DuckDB files do not match $sums; refusing to use them" >&2
    (cd "$deps/duckdb" && sha256sum lib/libduckdb.so include/duckdb.h) >&2
    exit 1
  fi
fi
echo "setup: dependencies ready (DuckDB in $deps/duckdb)"
