#!/usr/bin/python3
"""bench_python: 20 years of 1-minute bars into a pandas DataFrame vs the C++ API, same run.

    /usr/bin/python3 bench/bench_python.py [--build build] [--runs 5]

The data is the benchmarks' shared 20-year vault (bench/README.md, "The data": ES 1m,
2005-2024, 7,136,700 rows, 240 partitions), made by the project's own generator and import:
when $BARLAKE_BENCH_DIR/vault20y is missing, `bench_read` of the same build builds it.

Each measurement runs in a fresh child process (alternating sides) after one untimed warm-up
read in that child, so both sides read from the page cache:
  - barlake.Vault.read("ES", "1m") -> DataFrame (tz-aware index, five float64 columns);
  - the C++ API, Lake::Read of the same range into barlake::Bars (column vectors), timed in
    C++ around the call alone (the module's read_bars_baseline).
Peak memory is the child's VmHWM minus its VmRSS just before the read (the read's own peak),
compared with the DataFrame's size (index and columns).
Targets (issue 17): DataFrame time <= 1.3x the C++ read; peak <= 1.5x the DataFrame.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def proc_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field + " missing from /proc/self/status")


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the peak is the read's own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(side, vault_path):
    import barlake
    vault = barlake.open(vault_path)
    native = vault._native
    lo, hi = barlake._barlake.MIN_MICROS, barlake._barlake.MAX_MICROS
    # Warm-up: the Parquet pages in the page cache, DuckDB opened; then freed.
    if side == "python":
        warm = vault.read("ES", "1m")
        del warm
    else:
        native.read_bars_baseline("ES", "1m", lo, hi)
    import gc
    gc.collect()
    peak_reset = reset_peak()
    rss_before = proc_kib("VmRSS")
    out = {"side": side, "peak_reset": peak_reset}
    if side == "python":
        t0 = time.perf_counter()
        df = vault.read("ES", "1m")
        out["seconds"] = time.perf_counter() - t0
        out["rows"] = len(df)
        out["frame_bytes"] = int(df.memory_usage(index=True, deep=True).sum())
    else:
        rows, seconds = native.read_bars_baseline("ES", "1m", lo, hi)
        out["seconds"] = seconds
        out["rows"] = rows
    out["peak_bytes"] = (proc_kib("VmHWM") - rss_before) * 1024
    print(json.dumps(out))


def ensure_vault(build, bench_dir):
    vault = os.path.join(bench_dir, "vault20y")
    if os.path.exists(os.path.join(vault, "barlake.toml")) and os.path.exists(
            os.path.join(vault, ".barlake", "journal.sqlite")):
        return vault
    bench_read = os.path.join(build, "bench", "bench_read")
    if not os.path.exists(bench_read):
        sys.exit("bench_python: %s is missing: cmake --build %s --target bench_read" % (bench_read, build))
    print("bench_python: building the 20-year vault with bench_read (generator + import) ...", file=sys.stderr)
    env = dict(os.environ, BARLAKE_BENCH_DIR=bench_dir, BARLAKE_BENCH_READ_RUNS="1")
    # Its own exit status says whether bench_read met its targets; only the vault matters here.
    subprocess.run([bench_read], env=env, stdout=subprocess.DEVNULL)
    if not os.path.exists(os.path.join(vault, ".barlake", "journal.sqlite")):
        sys.exit("bench_python: bench_read did not leave the vault %s" % vault)
    return vault


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="the build folder (default: build)")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BARLAKE_BENCH_PYTHON_RUNS", "5")))
    ap.add_argument("--child", choices=["python", "cpp"], help=argparse.SUPPRESS)
    ap.add_argument("--vault", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.vault)
        return 0

    build = os.path.abspath(args.build)
    bench_dir = os.environ.get("BARLAKE_BENCH_DIR", "/tmp/barlake-bench")
    vault = ensure_vault(build, bench_dir)
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
    results = {"python": [], "cpp": []}
    for run in range(args.runs):
        for side in ("cpp", "python") if run % 2 == 0 else ("python", "cpp"):
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", side, "--vault", vault],
                                 env=env, check=True, capture_output=True, text=True).stdout
            results[side].append(json.loads(out.strip().splitlines()[-1]))

    py, cpp = results["python"], results["cpp"]
    assert all(r["rows"] == py[0]["rows"] for r in py + cpp), "both sides must read the same rows"
    ratios = [p["seconds"] / c["seconds"] for p, c in zip(py, cpp)]
    mem_ratios = [p["peak_bytes"] / p["frame_bytes"] for p in py]
    med = statistics.median
    ratio, mem_ratio = med(ratios), med(mem_ratios)
    mib = 1024.0 * 1024.0
    print("bench_python: %d rows of ES 1m from %s; %d runs per side, each in a fresh process"
          % (py[0]["rows"], vault, args.runs))
    print("| what | median | range |")
    print("|---|---|---|")
    rng = lambda xs, f: "%s-%s" % (f(min(xs)), f(max(xs)))  # noqa: E731
    sec = lambda x: "%.3f s" % x  # noqa: E731
    print("| barlake.Vault.read -> DataFrame | %s | %s |" % (sec(med([p["seconds"] for p in py])),
                                                           rng([p["seconds"] for p in py], sec)))
    print("| C++ Lake::Read -> Bars (baseline) | %s | %s |" % (sec(med([c["seconds"] for c in cpp])),
                                                             rng([c["seconds"] for c in cpp], sec)))
    print("| time ratio (per run, median) | %.2fx | %.2f-%.2fx |" % (ratio, min(ratios), max(ratios)))
    print("| DataFrame size | %.0f MiB | |" % (py[0]["frame_bytes"] / mib))
    print("| peak memory of the DataFrame read | %.0f MiB | %.0f-%.0f MiB |"
          % (med([p["peak_bytes"] for p in py]) / mib, min(p["peak_bytes"] for p in py) / mib,
             max(p["peak_bytes"] for p in py) / mib))
    print("| peak memory of the C++ read (info) | %.0f MiB | %.0f-%.0f MiB |"
          % (med([c["peak_bytes"] for c in cpp]) / mib, min(c["peak_bytes"] for c in cpp) / mib,
             max(c["peak_bytes"] for c in cpp) / mib))
    print("| peak / DataFrame | %.2fx | %.2f-%.2fx |" % (mem_ratio, min(mem_ratios), max(mem_ratios)))
    time_ok, mem_ok = ratio <= 1.3, mem_ratio <= 1.5
    print("time <= 1.3x the C++ read: %s; peak <= 1.5x the DataFrame: %s"
          % ("PASS" if time_ok else "MISS", "PASS" if mem_ok else "MISS"))
    if not py[0]["peak_reset"]:
        print("note: /proc/self/clear_refs was not writable: peaks include the warm-up read")
    return 0 if time_ok and mem_ok else 1


if __name__ == "__main__":
    sys.exit(main())
