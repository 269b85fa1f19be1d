#!/usr/bin/env bash
# Installs the npm dependencies of barlake's JavaScript parts, exactly as their
# package-lock.json pins them (`npm ci`). Needs node >= 20 and npm (scripts/setup.sh
# installs them). Only the npm registry is used, and npm's cache first: once a folder has
# been installed, it installs again offline.
#
# A folder whose node_modules already matches its package.json and package-lock.json is
# skipped; --force reinstalls every folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Folders with a package.json + package-lock.json, relative to the repository root.
package_dirs=(tests/interop web tests/browser tests/s3)

force=0
case "${1:-}" in
  "") ;;
  --force) force=1 ;;
  *) echo "usage: scripts/setup_node.sh [--force]" >&2; exit 2 ;;
esac

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup_node: node and npm are needed: run scripts/setup.sh first" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "setup_node: node $(node --version) is too old; barlake's JavaScript needs node >= 18" >&2
  exit 1
fi

# What an install depends on: the manifest, the lock and the node major version.
stamp_of() {
  { cat "$1/package.json" "$1/package-lock.json"; echo "node $node_major"; } | sha256sum | cut -d' ' -f1
}

for rel in "${package_dirs[@]}"; do
  dir="$root/$rel"
  if [ ! -f "$dir/package-lock.json" ]; then
    echo "setup_node: $rel/package-lock.json is missing; create it with 'npm install' in $rel and commit it" >&2
    exit 1
  fi
  stamp_file="$dir/node_modules/.barlake-setup-stamp"
  want="$(stamp_of "$dir")"
  if [ "$force" -eq 0 ] && [ -f "$dir/node_modules/.package-lock.json" ] && [ -f "$stamp_file" ] &&
     [ "$(cat "$stamp_file")" = "$want" ]; then
    echo "setup_node: $rel: node_modules is up to date"
    continue
  fi
  echo "setup_node: $rel: npm ci"
  (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp_file"
done
echo "setup_node: npm dependencies ready"
