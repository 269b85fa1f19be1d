// Benchmark 6: resample the 20-year, ~7.2M-row 1-minute series to 5m, 15m, 1h and 4h
// (all four), anchored to CME session opens, with derive::Resample against the same four
// aggregations in DuckDB SQL over the same data in a DuckDB table, in the same run.
// Targets: barlake <= 0.6 s for all four, and >= 5x faster than DuckDB.
//
// The bars are the shared 20-year export (bench_util.h), parsed once into memory; the
// DuckDB table is loaded through the appender. Neither is timed. Runs alternate sides.
//
// Then the whole process: `barlake resample ES --to 5m,15m,1h,4h` on a copy of the
// 20-year vault (read the 1m partitions, resample, stage, verify, hash and commit 4 x 241
// partitions), against a DuckDB process that reads the same 1m Parquet files and writes
// the four timeframes to Parquet (one file each; no fsync, no verification) with plain
// `time_bucket` SQL (the target's baseline) and with the session-anchored SQL above.
// Target: barlake / DuckDB time_bucket <= 1.0.
#include <duckdb.h>

#include <time.h>

#include <limits>

#include "bench_util.h"
#include "core/time_zone.h"
#include "derive/resampler.h"
#include "ingest/ninjatrader.h"
#include "storage/duckdb_conn.h"

namespace barlake::bench {
namespace {

constexpr int64_t kTargetsMinutes[] = {5, 15, 60, 240};

/// CME Globex sessions (Sunday to Thursday 18:00 New York to 17:00 the next day), the
/// hours the demo generator uses. Built here: the benchmark does not depend on calendar/.
calendar::SessionList CmeSessions(int64_t first_day, int64_t last_day) {
  TimeZone ny = Unwrap(TimeZone::Locate("America/New_York"), "locating America/New_York");
  calendar::SessionList out;
  Micros prev = std::numeric_limits<Micros>::min();
  for (int64_t d = first_day; d <= last_day; ++d) {
    const int wd = static_cast<int>((d + 4) % 7);  // 0 = Sunday
    if (wd == 5 || wd == 6) continue;
    TimeZone::LocalKind kind;
    calendar::Session s;
    s.open = ny.LocalToUtc(d * kMicrosPerDay + 18 * 3600 * kMicrosPerSecond, prev, &kind);
    s.close = ny.LocalToUtc((d + 1) * kMicrosPerDay + 17 * 3600 * kMicrosPerSecond, s.open, &kind);
    s.trade_date = static_cast<int32_t>(d + 1);
    prev = s.close;
    out.push_back(s);
  }
  return out;
}

double ThreadCpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

BarColumns LoadBars() {
  std::string path = EnsureSource20y();
  std::string data;
  if (int days = EnvInt("BARLAKE_BENCH_RESAMPLE_DAYS", 0); days > 0) {  // a shorter series, for trying things out
    auto spec = Spec20y();
    spec.days = days;
    int64_t rows = 0;
    data = Unwrap(demo::MakeNinjaTraderExport(spec, &rows), "generating");
    path = "(generated)";
  } else {
    std::ifstream f(path, std::ios::binary);
    data.assign((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }
  if (data.empty()) Die("cannot read " + path);
  TimeZone la = Unwrap(TimeZone::Locate(Spec20y().export_tz), "locating the export zone");
  ingest::ParseOptions o{Unwrap(Timeframe::Parse("1m"), "1m")};
  o.source_tz = &la;
  o.file_label = path;
  ingest::ParsedBars parsed = Unwrap(ingest::ParseNinjaTrader(data, o), "parsing " + path);
  return std::move(parsed.bars);
}

// The DuckDB side of one target: each bar finds its session through a hash join on its
// UTC day (a session is listed under every day it overlaps; the fastest form we found:
// ASOF JOIN and a range join were 4-20x slower), buckets on session.open + k*T cut at the
// close, open/close by arg_min/arg_max over ts, the truncated flag, rows in time order,
// materialised into a table. Bars outside every session fall on the UTC-day grid (the
// demo data has none, so the clipping to the gap that barlake also does is left out).
std::string DuckSql(int64_t minutes) {
  const std::string T = std::to_string(minutes * 60 * kMicrosPerSecond);
  const std::string D = std::to_string(kMicrosPerDay);
  const std::string cell = "(b.ts // " + D + " * " + D + " + b.ts % " + D + " // " + T + " * " + T + ")";
  const std::string in_start = "(sd.open + (b.ts - sd.open) // " + T + " * " + T + ")";
  return "CREATE OR REPLACE TABLE r" + std::to_string(minutes) +
         " AS WITH sd AS (SELECT d AS day, open, close FROM sessions,"
         "   range(open // " + D + ", (close - 1) // " + D + " + 1) t(d))"
         " SELECT bstart AS ts, arg_min(open, ts) AS open, max(high) AS high, min(low) AS low,"
         " arg_max(close, ts) AS close, sum(volume) AS volume,"
         " CASE WHEN max(bend) - bstart < " + T + " THEN 1 ELSE 0 END AS flags"
         " FROM (SELECT b.*,"
         "   CASE WHEN sd.open IS NOT NULL THEN " + in_start + " ELSE " + cell + " END AS bstart,"
         "   CASE WHEN sd.open IS NOT NULL THEN least(" + in_start + " + " + T + ", sd.close)"
         "        ELSE least(" + cell + " + " + T + ", b.ts // " + D + " * " + D + " + " + D + ") END AS bend"
         "   FROM bars b LEFT JOIN sd ON sd.day = b.ts // " + D + " AND b.ts >= sd.open AND b.ts < sd.close)"
         " GROUP BY bstart ORDER BY bstart";
}

void Load(storage::DuckConn* duck, const BarColumns& bars, const calendar::SessionList& sessions) {
  Check(duck->Execute("CREATE TABLE bars(ts BIGINT, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE);"
                      "CREATE TABLE sessions(open BIGINT, close BIGINT)"),
        "creating tables");
  duckdb_appender app;
  if (duckdb_appender_create(duck->raw(), nullptr, "bars", &app) == DuckDBError) Die("appender");
  for (size_t i = 0; i < bars.size(); ++i) {
    duckdb_append_int64(app, bars.ts[i]);
    duckdb_append_double(app, bars.open[i]);
    duckdb_append_double(app, bars.high[i]);
    duckdb_append_double(app, bars.low[i]);
    duckdb_append_double(app, bars.close[i]);
    duckdb_append_double(app, bars.volume[i]);
    duckdb_appender_end_row(app);
  }
  if (duckdb_appender_destroy(&app) == DuckDBError) Die("appending bars");
  if (duckdb_appender_create(duck->raw(), nullptr, "sessions", &app) == DuckDBError) Die("appender");
  for (const auto& s : sessions) {
    duckdb_append_int64(app, s.open);
    duckdb_append_int64(app, s.close);
    duckdb_appender_end_row(app);
  }
  if (duckdb_appender_destroy(&app) == DuckDBError) Die("appending sessions");
}

// The DuckDB side of the whole-process comparison, run as a child process: each target's
// aggregation over the lake's 1m files COPYed to one Parquet file. `sessions`: anchored to
// the sessions as above (a sessions table, the hash join); else plain UTC `time_bucket`s
// (BASELINE.md row 6, the cheapest SQL form). Prints the rows written.
int ChildDuckResample(const std::string& vault, const std::string& out_dir, bool sessions) {
  auto duck = Unwrap(storage::DuckConn::OpenInMemory(), "opening DuckDB");
  const std::string glob = vault + "/lake/symbol=ES/timeframe=1m/*/*.parquet";
  auto range = Unwrap(duck->Query("SELECT epoch_us(min(ts)), epoch_us(max(ts)) FROM read_parquet(" +
                                  storage::SqlQuote(glob) + ")"),
                      "reading the range");
  const int64_t first_day = range->Int(0, 0) / kMicrosPerDay - 1, last_day = range->Int(1, 0) / kMicrosPerDay + 1;
  Check(duck->Execute("CREATE TABLE sessions(open BIGINT, close BIGINT)"), "creating sessions");
  duckdb_appender app;
  if (duckdb_appender_create(duck->raw(), nullptr, "sessions", &app) == DuckDBError) Die("appender");
  for (const auto& s : CmeSessions(first_day, last_day)) {
    duckdb_append_int64(app, s.open);
    duckdb_append_int64(app, s.close);
    duckdb_appender_end_row(app);
  }
  if (duckdb_appender_destroy(&app) == DuckDBError) Die("appending sessions");
  Check(duck->Execute("CREATE VIEW bars AS SELECT epoch_us(ts) AS ts, open, high, low, close, volume FROM "
                      "read_parquet(" + storage::SqlQuote(glob) + ")"),
        "creating the bars view");
  int64_t rows = 0;
  for (int64_t m : kTargetsMinutes) {
    const std::string sql = DuckSql(m);
    std::string select = sql.substr(sql.find(" AS WITH ") + 4);  // the query of CREATE TABLE ... AS
    if (!sessions) {
      select = "SELECT time_bucket(INTERVAL '" + std::to_string(m) + " minutes', ts) AS ts, arg_min(open, ts) AS open, "
               "max(high) AS high, min(low) AS low, arg_max(close, ts) AS close, sum(volume) AS volume FROM "
               "read_parquet(" + storage::SqlQuote(glob) + ") GROUP BY 1 ORDER BY 1";
    }
    auto r = Unwrap(duck->Query("COPY (" + select + ") TO " +
                                storage::SqlQuote(out_dir + "/r" + std::to_string(m) + ".parquet") +
                                " (FORMAT parquet, COMPRESSION zstd)"),
                    "DuckDB resample to Parquet");
    rows += r->Int(0, 0);
  }
  std::printf("%lld\n", static_cast<long long>(rows));
  return 0;
}

struct ProcessFigures {
  std::vector<double> barlake, duck, duck_sessions, ratios, barlake_cpu, duck_cpu;
  int64_t barlake_rows = 0, duck_rows = 0;
  size_t barlake_files = 0;
};

// Both whole processes, `runs` times each, alternating; each barlake run on a fresh copy
// of the 20-year vault (copying is not timed).
ProcessFigures WholeProcess(int runs) {
  ProcessFigures f;
  const std::string vault20 = EnsureVault20y();
  const std::string dir = BenchDir() + "/resample-process";
  const std::string vault = dir + "/vault", out = dir + "/duckdb-out";
  for (int i = 0; i < runs; ++i) {
    auto run_barlake = [&] {
      fs::remove_all(vault);
      fs::create_directories(dir);
      fs::copy(vault20, vault, fs::copy_options::recursive);
      ::sync();
      auto p = RunOk({BarlakeCli(), "--vault", vault, "resample", "ES", "--to", "5m,15m,1h,4h", "--calendar",
                      "CME_Globex"});
      f.barlake.push_back(p.wall_ms);
      f.barlake_cpu.push_back(p.cpu_ms);
    };
    auto run_duck = [&] {
      for (const char* mode : {"plain", "sessions"}) {
        fs::remove_all(out);
        fs::create_directories(out);
        ::sync();
        auto p = RunOk({SelfExe(), "--child-duck-resample", vault20, out, mode}, true);
        (mode[0] == 'p' ? f.duck : f.duck_sessions).push_back(p.wall_ms);
        if (mode[0] == 'p') f.duck_cpu.push_back(p.cpu_ms);
        if (mode[0] == 's') f.duck_rows = std::atoll(p.out.c_str());
      }
    };
    if (i % 2 == 0) {
      run_barlake();
      run_duck();
    } else {
      run_duck();
      run_barlake();
    }
    f.ratios.push_back(f.barlake.back() / f.duck.back());
    std::printf("  process run %d: barlake %.0f ms, DuckDB %.0f ms (%.2fx); DuckDB session-anchored %.0f ms\n", i + 1,
                f.barlake.back(), f.duck.back(), f.ratios.back(), f.duck_sessions.back());
    std::fflush(stdout);
  }
  auto lk = OpenLake(vault);
  for (const char* tf : {"5m", "15m", "1h", "4h"}) {
    f.barlake_rows += static_cast<int64_t>(
        Unwrap(lk->Read("ES", tf, std::numeric_limits<Micros>::min() / 2, std::numeric_limits<Micros>::max() / 2),
               std::string("reading ES ") + tf)
            .size());
  }
  f.barlake_files = TreeFiles(vault + "/lake", ".parquet") - TreeFiles(vault20 + "/lake", ".parquet");
  lk.reset();
  fs::remove_all(dir);
  return f;
}

// The whole-process rows (see the top of this file).
void AddProcessRows(std::vector<Row>* out) {
  std::vector<Row>& rows = *out;
  const ProcessFigures p = WholeProcess(EnvInt("BARLAKE_BENCH_RESAMPLE_PROCESS_RUNS", 3));
  const double pr = Median(p.ratios);
  rows.push_back({"whole process: `barlake resample` vs DuckDB time_bucket SQL to Parquet (paired)",
                  Ms(Median(p.barlake)), Ms(Median(p.duck)), Fmt("%.2fx", pr), "<= 1.00x (aim 0.50x)", pr <= 1.0});
  rows.push_back({"  CPU time of the processes (user + system; the machine is shared)", Ms(Median(p.barlake_cpu)),
                  Ms(Median(p.duck_cpu)), Ratio(Median(p.barlake_cpu), Median(p.duck_cpu)), "", true, false});
  rows.push_back({"  vs DuckDB session-anchored SQL to Parquet (as above)", Ms(Median(p.barlake)),
                  Ms(Median(p.duck_sessions)), Ratio(Median(p.barlake), Median(p.duck_sessions)), "", true, false});
  rows.push_back({"  process runs (ms)", Spread(p.barlake, 0), Spread(p.duck, 0), Spread(p.ratios, 2), "", true,
                  false});
  // Not equal by design: barlake anchors on the CME_Globex calendar (its holidays and
  // early closes), the session-anchored SQL on the generator's plain session hours.
  rows.push_back({"  rows written (barlake: the 4 datasets read back; DuckDB: session SQL)", std::to_string(p.barlake_rows),
                  std::to_string(p.duck_rows), Ratio(p.barlake_rows, p.duck_rows), "", true, false});
  rows.push_back({"  partition files written by barlake", std::to_string(p.barlake_files), "4 files", "-", "",
                  true, false});
}

int Main() {
  // BARLAKE_BENCH_RESAMPLE_PROCESS_ONLY=1: the whole-process comparison alone.
  if (EnvInt("BARLAKE_BENCH_RESAMPLE_PROCESS_ONLY", 0) != 0) {
    std::vector<Row> rows;
    AddProcessRows(&rows);
    return Report("6. resample 20 years of 1m bars: whole processes (barlake vs DuckDB SQL)", rows);
  }
  auto t0 = Clock::now();
  const BarColumns bars = LoadBars();
  const double parse_ms = MsSince(t0);
  const int64_t first_day = bars.ts.front() / kMicrosPerDay - 1, last_day = bars.ts.back() / kMicrosPerDay + 1;
  const calendar::SessionList sessions = CmeSessions(first_day, last_day);
  auto duck = Unwrap(storage::DuckConn::OpenInMemory(), "opening DuckDB");
  t0 = Clock::now();
  Load(duck.get(), bars, sessions);
  const double load_ms = MsSince(t0);
  const int runs = EnvInt("BARLAKE_BENCH_RESAMPLE_RUNS", 5);
  std::printf("bench_resample: %zu 1m bars, %zu sessions; parsed in %.1f s, loaded into DuckDB in %.1f s; %d runs\n",
              bars.size(), sessions.size(), parse_ms / 1000, load_ms / 1000, runs);
  std::fflush(stdout);

  std::vector<double> b_total, b_cpu, d_total, ratios;
  std::vector<std::vector<double>> b_each(std::size(kTargetsMinutes)), d_each(std::size(kTargetsMinutes));
  std::vector<derive::DerivedBars> out(std::size(kTargetsMinutes));
  for (int run = 0; run < runs; ++run) {
    auto run_barlake = [&] {
      double total = 0;
      const double cpu0 = ThreadCpuMs();
      for (size_t k = 0; k < std::size(kTargetsMinutes); ++k) {
        out[k] = derive::DerivedBars{};  // free the previous run's output outside the timing
        const double ms = TimeMs([&] {
          out[k] = Unwrap(derive::Resample(bars, 60, kTargetsMinutes[k] * 60, sessions), "Resample");
        });
        b_each[k].push_back(ms);
        total += ms;
      }
      b_total.push_back(total);
      b_cpu.push_back(ThreadCpuMs() - cpu0);
    };
    auto run_duck = [&] {
      double total = 0;
      for (size_t k = 0; k < std::size(kTargetsMinutes); ++k) {
        const std::string sql = DuckSql(kTargetsMinutes[k]);
        const double ms = TimeMs([&] { Check(duck->Execute(sql), "DuckDB resample"); });
        d_each[k].push_back(ms);
        total += ms;
      }
      d_total.push_back(total);
    };
    if (run % 2 == 0) {
      run_barlake();
      run_duck();
    } else {
      run_duck();
      run_barlake();
    }
    ratios.push_back(b_total.back() / d_total.back());
    std::printf("  run %d: barlake %.0f ms, DuckDB %.0f ms (%.1fx faster)\n", run + 1, b_total.back(),
                d_total.back(), d_total.back() / b_total.back());
    std::fflush(stdout);
  }

  // Both sides must have produced the same bars: compare row counts, volume, highs and
  // truncated flags per target.
  bool same = true;
  std::string counts;
  for (size_t k = 0; k < std::size(kTargetsMinutes); ++k) {
    const int64_t m = kTargetsMinutes[k];
    auto q = Unwrap(duck->Query("SELECT count(*), sum(volume), sum(high), sum(flags) FROM r" + std::to_string(m)),
                    "checking DuckDB output");
    const derive::DerivedBars& d = out[k];
    double vol = 0, high = 0;
    int64_t trunc = 0;
    for (size_t i = 0; i < d.size(); ++i) {
      vol += d.bars.volume[i];
      high += d.bars.high[i];
      trunc += d.flags[i] & derive::kTruncated;
    }
    const int64_t n = q->Int(0, 0);
    const double dvol = duckdb_value_double(q->raw(), 1, 0), dhigh = duckdb_value_double(q->raw(), 2, 0);
    const bool ok = n == static_cast<int64_t>(d.size()) && dvol == vol && std::abs(dhigh - high) <= 1e-6 * high &&
                    q->Int(3, 0) == trunc && d.outside_session_rows == 0;
    same = same && ok;
    counts += (counts.empty() ? "" : ", ") + std::to_string(m) + "m " + std::to_string(d.size());
    if (!ok) {
      std::printf("  MISMATCH at %lldm: barlake %zu rows, volume %.0f, truncated %lld; DuckDB %lld rows, volume %.0f, "
                  "truncated %lld\n",
                  static_cast<long long>(m), d.size(), vol, static_cast<long long>(trunc), static_cast<long long>(n),
                  dvol, static_cast<long long>(q->Int(3, 0)));
    }
  }

  const double b_med = Median(b_total), d_med = Median(d_total), ratio = Median(ratios);
  std::vector<Row> rows;
  rows.push_back({"resample 1m -> 5m+15m+1h+4h, barlake total (median)", Ms(b_med), "-", "-", "<= 600 ms",
                  b_med <= 600});
  rows.push_back({"  vs DuckDB SQL (ratio = median of paired runs)", Ms(b_med), Ms(d_med), Fmt("%.3fx", ratio),
                  "<= 0.200x (>= 5x faster)", ratio <= 0.2});
  rows.push_back({"  speed-up", Fmt("%.1fx faster", 1 / ratio), "-", "-", "", true, false});
  // The machine is shared: wall time includes waiting for a core. CPU time is the work.
  rows.push_back({"  barlake CPU time of this thread (median)", Ms(Median(b_cpu)), "-", "-", "", true, false});
  rows.push_back({"  runs (ms)", Spread(b_total, 0), Spread(d_total, 0), Spread(ratios, 3), "", true, false});
  for (size_t k = 0; k < std::size(kTargetsMinutes); ++k) {
    rows.push_back({"  " + std::to_string(kTargetsMinutes[k]) + "m (median)", Ms(Median(b_each[k])),
                    Ms(Median(d_each[k])), Ratio(Median(b_each[k]), Median(d_each[k])), "", true, false});
  }
  rows.push_back({"  throughput (input rows x 4 targets)", Fmt("%.0f Mrows/s", 4.0 * bars.size() / (b_med * 1000)),
                  Fmt("%.0f Mrows/s", 4.0 * bars.size() / (d_med * 1000)), "-", "", true, false});
  rows.push_back({"  same output on both sides (rows, volume, highs, flags)", counts, "-", "-", "equal", same});
  if (EnvInt("BARLAKE_BENCH_RESAMPLE_DAYS", 0) == 0) AddProcessRows(&rows);
  return Report("6. resample 20 years of 1m bars to 5m, 15m, 1h and 4h (barlake vs DuckDB SQL)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--child-duck-resample") {
    return barlake::bench::ChildDuckResample(argv[2], argv[3], std::string(argv[4]) == "sessions");
  }
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_resample   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return barlake::bench::Main();
}
