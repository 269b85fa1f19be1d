#!/usr/bin/env bash
# bench_serve: GET /api/bars for one day under load while imports run (bench/README.md, 6).
#
#   bench/bench_serve.sh [BARLAKE_BINARY]
#
# Builds a vault with `barlake demo` (ES, NQ, CL: two years of 1-minute bars each), starts
# `barlake serve` on a free port, keeps the server's job queue busy with real imports (a
# 711,780-row file into a new symbol each time, through POST /api/import) and runs
# `wrk -t4 -c32 -d10s --latency` on /api/bars for one day. Targets: p50 <= 15 ms,
# p99 <= 50 ms. An info run repeats it with the page cache off (--cache-mb 0).
# Exit 0: targets met; 1: missed; 2: error.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-${BARLAKE_CLI:-}}"
if [ -z "$bin" ]; then
  for b in "$root/build-bench/barlake" "$root/build/barlake"; do [ -x "$b" ] && bin="$b" && break; done
fi
[ -x "${bin:-}" ] || { echo "bench_serve: no barlake binary (pass one, or build build-bench/)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench_serve: wrk is missing (apt-get install wrk; scripts/setup.sh)" >&2; exit 2; }
work="${BARLAKE_BENCH_DIR:-/tmp/barlake-bench}/serve"
duration="${BARLAKE_BENCH_SERVE_SECONDS:-10}"
day_from="2024-03-14T22:00:00Z" day_to="2024-03-15T22:00:00Z"   # one CME session of ES
mkdir -p "$work"
vault="$work/vault"
if [ ! -f "$vault/barlake.toml" ]; then
  echo "bench_serve: building the demo vault in $vault"
  "$bin" demo "$vault" >/dev/null || exit 2
fi
mkdir -p "$vault/imports"
cp -f "$vault/samples/NQ 03-25.Last.txt" "$vault/imports/load.txt"
token="$("$bin" --vault "$vault" token)" || exit 2
log="$work/serve.log"
server_pid="" loader_pid=""
cleanup() {
  [ -n "$loader_pid" ] && kill "$loader_pid" 2>/dev/null && wait "$loader_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  loader_pid="" server_pid=""
}
trap cleanup EXIT

start_server() {  # $1: extra serve flags
  "$bin" --vault "$vault" serve --port 0 $1 >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    url="$(grep -o 'http://[^ ]*/' "$log" | head -1)"
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "bench_serve: the server did not start:" >&2; cat "$log" >&2; exit 2
}

# Imports one after another through the API, each into a new dataset so each one writes.
load() {
  local n=0
  while true; do
    n=$((n + 1))
    task="$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d "{\"path\":\"load.txt\",\"symbol\":\"LOAD${RANDOM}N$n\",\"timeframe\":\"1m\",\"tz\":\"America/Los_Angeles\"}" \
      "${url}api/import" | sed -n 's/.*"task":{[^}]*"id":\([0-9]*\).*/\1/p')"
    [ -z "$task" ] && sleep 0.2 && continue
    while curl -s "${url}api/tasks/$task" | grep -q '"state":"\(queued\|running\)"'; do sleep 0.1; done
  done
}

to_ms() {  # wrk latency "2.92ms" / "850.00us" / "1.20s" -> ms
  awk -v v="$1" 'BEGIN { u = v; sub(/[0-9.]+/, "", u); x = v + 0;
    if (u == "us") x /= 1000; else if (u == "s") x *= 1000; printf "%.2f", x }'
}

run() {  # $1: label, $2: serve flags; prints "p50 p99 rps imports"
  start_server "$2"
  local bars="${url}api/bars?symbol=ES&timeframe=1m&from=$day_from&to=$day_to"
  local rows
  rows="$(curl -s "$bars" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')"
  local done_before
  load & loader_pid=$!
  sleep 1  # the first import is running
  done_before="$(curl -s "${url}api/jobs?limit=10000" | grep -o '"kind":"import"' | wc -l)"
  local out
  out="$(wrk -t4 -c32 -d"${duration}s" --latency "$bars")"
  local running_after
  running_after="$(curl -s "${url}api/status" | grep -c '"running_task":{')"
  local done_after
  done_after="$(curl -s "${url}api/jobs?limit=10000" | grep -o '"kind":"import"' | wc -l)"
  cleanup
  echo "$out" > "$work/wrk-$1.txt"
  local p50 p99 rps errors
  p50="$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")"
  p99="$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")"
  rps="$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')"
  errors="$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')"
  echo "$p50 $p99 $rps $((done_after - done_before)) $running_after $rows ${errors:-none}"
}

echo "bench_serve: $bin, vault $vault, wrk -t4 -c32 -d${duration}s on /api/bars (ES 1m, $day_from..$day_to)"
read -r p50 p99 rps imports running rows errors <<<"$(run cached "")"
read -r p50n p99n rpsn importsn runningn rowsn errorsn <<<"$(run nocache "--cache-mb 0")"

status=0
verdict() { awk -v a="$1" -v t="$2" 'BEGIN { print (a <= t) ? "PASS" : "MISS" }'; }
v50="$(verdict "$p50" 15)" v99="$(verdict "$p99" 50)"
[ "$v50" = PASS ] && [ "$v99" = PASS ] || status=1
[ "$rows" -gt 0 ] 2>/dev/null || { echo "bench_serve: /api/bars returned no rows" >&2; status=2; }
[ "$imports" -gt 0 ] || [ "$running" -gt 0 ] || { echo "bench_serve: no import ran during the measurement" >&2; status=2; }
echo
echo "== bench_serve: GET /api/bars, one day ($rows bars), 32 connections, imports running"
printf '%-44s | %10s | %10s | %s\n' "measure" "value" "target" "result"
printf '%-44s-+-%10s-+-%10s-+-%s\n' "--------------------------------------------" "----------" "----------" "------"
printf '%-44s | %8s ms | %7s ms | %s\n' "p50 latency" "$p50" "15" "$v50"
printf '%-44s | %8s ms | %7s ms | %s\n' "p99 latency" "$p99" "50" "$v99"
printf '%-44s | %10s | %10s | %s\n' "requests/s" "$rps" "" "info"
printf '%-44s | %10s | %10s | %s\n' "imports finished during the run (+running)" "$imports (+$running)" "" "info"
printf '%-44s | %10s | %10s | %s\n' "wrk errors" "$errors" "" "info"
printf '%-44s | %8s ms | %10s | %s\n' "cache off (--cache-mb 0): p50" "$p50n" "" "info"
printf '%-44s | %8s ms | %10s | %s\n' "cache off (--cache-mb 0): p99" "$p99n" "" "info"
printf '%-44s | %10s | %10s | %s\n' "cache off: requests/s, imports (+running)" "$rpsn, $importsn (+$runningn)" "" "info"
echo "(wrk output in $work/wrk-cached.txt and wrk-nocache.txt)"
exit "$status"
