// Benchmark: `barlake migrate` of a flat legacy folder (one Parquet file per symbol:
// daily symbols over N years plus 1-minute symbols over M days) against importing the
// same rows with `barlake import` from one CSV file per dataset, in the same run
// (docs/migration.md). Target: migrate throughput >= 0.8x import throughput.
//
// Sizes (environment): BARLAKE_BENCH_MIGRATE_DAILY (symbols, default 1000),
// BARLAKE_BENCH_MIGRATE_YEARS (default 20), BARLAKE_BENCH_MIGRATE_MINUTE (symbols, default
// 20), BARLAKE_BENCH_MIGRATE_MINUTE_DAYS (default 730). The size is the default;
// on a shared machine pass smaller ones and report what ran.
//
// Both sides write into a fresh vault; neither counts building the legacy files or the
// CSV files. The migrate side counts the plan (scan, row counts) and the run.
#include "bench_util.h"
#include "migrate/migration.h"
#include "storage/duckdb_conn.h"

namespace barlake::bench {
namespace {

// One dataset's rows as the SELECT both sides' files are written from. Daily bars on
// weekdays; 1-minute bars around the clock on weekdays.
std::string Select(int k, bool minute, int span) {
  const std::string base = std::to_string(20 + k % 400) + "." + std::to_string(k % 9);
  const std::string t = minute ? "CAST(to_timestamp(1672617600 + i * 60) AS TIMESTAMP)"
                               : "CAST(DATE '2005-01-03' + CAST(i AS INTEGER) AS TIMESTAMP)";
  const std::string wave = "(sin(i / 50.0) * 5)";
  return "SELECT * FROM (SELECT " + t + " AS datetime, " + base + " + " + wave + " AS open, " + base + " + " + wave +
         " + 1 AS high, " + base + " + " + wave + " - 1 AS low, " + base + " + " + wave +
         " + 0.25 AS close, CAST(100 + i % 977 AS BIGINT) AS volume FROM range(0, " + std::to_string(span) +
         ") t(i)) WHERE dayofweek(datetime) BETWEEN 1 AND 5";
}

struct BenchSet {
  std::string symbol, timeframe, parquet, csv;
};

}  // namespace
}  // namespace barlake::bench

int main() {
  using namespace barlake;
  using namespace barlake::bench;
  const int daily = EnvInt("BARLAKE_BENCH_MIGRATE_DAILY", 1000);
  const int years = EnvInt("BARLAKE_BENCH_MIGRATE_YEARS", 20);
  const int minute = EnvInt("BARLAKE_BENCH_MIGRATE_MINUTE", 20);
  const int minute_days = EnvInt("BARLAKE_BENCH_MIGRATE_MINUTE_DAYS", 730);
  const std::string dir = BenchDir() + "/migrate";
  fs::remove_all(dir);
  const std::string legacy = dir + "/legacy", csvs = dir + "/csv";
  auto duck = Unwrap(storage::DuckConn::OpenInMemory(2), "opening DuckDB");
  std::vector<BenchSet> sets;
  for (int k = 0; k < daily + minute; ++k) {
    const bool is_minute = k >= daily;
    BenchSet d;
    d.symbol = (is_minute ? "M" : "D") + std::to_string(k);
    d.timeframe = is_minute ? "1m" : "1d";
    d.parquet = legacy + "/stocks_" + d.timeframe + "/" + d.symbol + ".parquet";
    d.csv = csvs + "/" + d.symbol + "_" + d.timeframe + ".csv";
    fs::create_directories(fs::path(d.parquet).parent_path());
    fs::create_directories(csvs);
    const std::string sel = Select(k, is_minute, is_minute ? minute_days * 1440 : years * 365);
    Check(duck->Execute("COPY (" + sel + ") TO " + storage::SqlQuote(d.parquet) + " (FORMAT PARQUET)"), d.parquet);
    // The import side's file: ISO stamps, the same values.
    Check(duck->Execute("COPY (SELECT strftime(datetime, '%Y-%m-%d %H:%M:%S') AS datetime, open, high, low, close, "
                        "volume FROM (" + sel + ")) TO " + storage::SqlQuote(d.csv) + " (FORMAT CSV, HEADER)"),
          d.csv);
    sets.push_back(d);
  }
  std::printf("bench_migrate: %d daily symbols x %d years + %d 1-minute symbols x %d days (%zu datasets)\n", daily,
              years, minute, minute_days, sets.size());

  auto fresh_vault = [&](const std::string& path) {
    fs::remove_all(path);
    lake::InitOptions o;
    o.default_source_tz = "UTC";
    Check(lake::InitVault(Env::Default(), path, o), "init " + path);
  };

  // Import: one `barlake import` per dataset file, through the library.
  const std::string import_vault = dir + "/vault-import";
  fresh_vault(import_vault);
  int64_t import_rows = 0;
  const double import_ms = TimeMs([&] {
    auto lk = Unwrap(lake::Lake::Open(import_vault, {}), "open");
    for (const auto& d : sets) {
      lake::ImportRequest req;
      req.path = d.csv;
      req.symbol = d.symbol;
      req.timeframe = d.timeframe;
      req.format = "csv";
      auto r = Unwrap(lk->Import(req), "import " + d.csv);
      import_rows += r.job.rows_written;
    }
  });

  // Migrate: plan + run of the Parquet folder.
  const std::string migrate_vault = dir + "/vault-migrate";
  fresh_vault(migrate_vault);
  int64_t migrate_rows = 0;
  const double migrate_ms = TimeMs([&] {
    auto lk = Unwrap(lake::Lake::Open(migrate_vault, {}), "open");
    migrate::PlanRequest req;
    req.source_dir = legacy;
    auto plan = Unwrap(migrate::CreatePlan(lk.get(), Env::Default(), req), "plan");
    auto s = Unwrap(migrate::RunMigration(lk.get(), Env::Default(), &plan, {}), "run");
    if (s.failed) Die("migration failed for " + std::to_string(s.failed) + " datasets");
    for (const auto& d : plan.datasets) migrate_rows += d.rows_written;
  });
  if (migrate_rows != import_rows) {
    Die("row counts differ: import " + std::to_string(import_rows) + ", migrate " + std::to_string(migrate_rows));
  }
  const double import_rps = import_rows / (import_ms / 1000), migrate_rps = migrate_rows / (migrate_ms / 1000);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0) load[0] = -1;
  std::printf("  import   %10lld rows in %8.1f ms  %10.0f rows/s\n", static_cast<long long>(import_rows), import_ms,
              import_rps);
  std::printf("  migrate  %10lld rows in %8.1f ms  %10.0f rows/s\n", static_cast<long long>(migrate_rows), migrate_ms,
              migrate_rps);
  std::printf("  ratio migrate/import throughput: %.2fx (target >= 0.80x); load average %.2f\n",
              migrate_rps / import_rps, load[0]);
  fs::remove_all(dir);
  return 0;
}
