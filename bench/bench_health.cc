// Benchmark: health of the 20-year 1-minute dataset (7.1M rows, 240 partitions).
// Targets: the pure analysis (health::Analyze over the bar times in memory) <= 1 s, and
// the whole path through the lake (Lake::Open, the ts column of every partition, the
// sessions, the analysis, the schema-drift check over every footer) <= 1 s.
// Baseline: DuckDB reading the same ts column of the same files into a vector, on a
// fresh in-memory connection with one thread, as the lake does.
#include <duckdb.h>

#include "bench_util.h"
#include "calendar/calendar.h"
#include "health/health.h"
#include "lake/dataset_health.h"

namespace barlake::bench {
namespace {

/// The built-in CME_Globex calendar (holidays included).
const calendar::Calendar& Cme() {
  const calendar::Calendar* c = calendar::CalendarSet::BuiltIn().Find("CME_Globex");
  if (!c) Die("no CME_Globex calendar");
  return *c;
}

lake::CalendarLookup CmeLookup() {
  return [](const std::string&, const std::string&) -> Result<std::optional<lake::SessionSource>> {
    lake::SessionSource s;
    s.name = "CME_Globex";
    s.zone = Cme().zone;
    s.sessions = [](Micros from, Micros to) { return Cme().SessionsBetween(from, to); };
    return std::optional<lake::SessionSource>(std::move(s));
  };
}

/// The 20-year export imported with `calendar = "CME_Globex"`, for the `barlake health`
/// process (built once in $BARLAKE_BENCH_DIR/vault-health).
std::string EnsureHealthVault() {
  const std::string dir = BenchDir() + "/vault-health";
  if (fs::exists(dir + "/barlake.toml") && fs::exists(dir + "/.barlake/journal.sqlite")) return dir;
  const std::string src = EnsureSource20y();
  std::fprintf(stderr, "importing the 20-year export with CME_Globex into %s ...\n", dir.c_str());
  FreshVault(dir + ".tmp");
  {
    auto lk = OpenLake(dir + ".tmp");
    lake::ImportRequest req;
    req.path = src;
    req.symbol = "ES";
    req.timeframe = "1m";
    req.calendar = "CME_Globex";
    req.force = true;
    (void)Unwrap(lk->Import(req), "importing " + src);
  }
  fs::rename(dir + ".tmp", dir);
  return dir;
}

/// The baseline: the ts column of every partition file into a vector.
std::vector<int64_t> DuckReadTs(const std::string& glob) {
  duckdb_database db;
  duckdb_connection con;
  if (duckdb_open(nullptr, &db) == DuckDBError || duckdb_connect(db, &con) == DuckDBError) Die("cannot open DuckDB");
  duckdb_result res;
  if (duckdb_query(con, "SET threads=1", &res) == DuckDBError) Die("SET threads");
  duckdb_destroy_result(&res);
  const std::string sql = "SELECT ts FROM read_parquet('" + glob + "', hive_partitioning=false)";
  if (duckdb_query(con, sql.c_str(), &res) == DuckDBError) Die(std::string("DuckDB: ") + duckdb_result_error(&res));
  std::vector<int64_t> ts;
  for (;;) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(res);
    if (!chunk) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    auto* v = static_cast<int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)));
    ts.insert(ts.end(), v, v + n);
    duckdb_destroy_data_chunk(&chunk);
  }
  duckdb_destroy_result(&res);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return ts;
}

int Main() {
  const std::string vault = EnsureHealthVault();
  const int runs = EnvInt("BARLAKE_BENCH_HEALTH_RUNS", 7);
  const Micros now = DayAfter20y() * kMicrosPerDay;

  // The bar times and sessions once, for the pure analysis.
  std::vector<Micros> ts;
  {
    auto lk = OpenLake(vault);
    ts = Unwrap(lake::ReadBarTimes(lk.get(), "ES", "1m", INT64_MIN / 2, INT64_MAX / 2), "reading ts");
  }
  const auto sessions = Unwrap(Cme().SessionsBetween(ts.front() - 2 * kMicrosPerDay, now + kMicrosPerDay), "sessions");
  health::HealthOptions opt;
  opt.pattern_tz = "America/New_York";

  std::vector<double> pure, whole, read_ts, drift, sessions_ms, duck, cli;
  health::HealthReport report;
  size_t duck_rows = 0;
  for (int i = 0; i < runs; ++i) {
    pure.push_back(TimeMs([&] { report = health::Analyze(ts, 60, sessions, now, opt); }));
    whole.push_back(TimeMs([&] {
      auto lk = OpenLake(vault);
      lake::HealthRequest req;
      req.symbol = "ES";
      req.timeframe = "1m";
      req.now = now;
      req.calendar = CmeLookup();
      auto r = Unwrap(lake::CheckHealth(lk.get(), req), "health");
      if (r.size() != 1 || r[0].report.rows != static_cast<int64_t>(ts.size())) Die("health read the wrong rows");
    }));
    duck.push_back(TimeMs([&] { duck_rows = DuckReadTs(vault + "/lake/symbol=ES/timeframe=1m/*/*.parquet").size(); }));
    {
      auto lk = OpenLake(vault);
      read_ts.push_back(TimeMs([&] { (void)Unwrap(lake::ReadBarTimes(lk.get(), "ES", "1m", INT64_MIN / 2, INT64_MAX / 2), "ts"); }));
      drift.push_back(TimeMs([&] { (void)Unwrap(lake::SchemaDrift(lk.get(), "ES", "1m"), "drift"); }));
    }
    sessions_ms.push_back(TimeMs([&] { (void)Cme().SessionsBetween(ts.front() - 2 * kMicrosPerDay, now + kMicrosPerDay); }));
    {
      // Exit 9 (a dataset fails) is a result, not an error of the command.
      ProcResult p = RunProcess({BarlakeCli(), "--vault", vault, "health", "ES", "1m", "--json"});
      if (p.exit_code != 0 && p.exit_code != 9) Die("barlake health exited " + std::to_string(p.exit_code));
      cli.push_back(p.wall_ms);
    }
  }
  if (duck_rows != ts.size()) Die("DuckDB read " + std::to_string(duck_rows) + " rows, the lake " + std::to_string(ts.size()));

  std::vector<Row> rows;
  rows.push_back({"pure analysis (Analyze, " + std::to_string(ts.size()) + " bars)", Ms(Median(pure)), "-", "-",
                  "<= 1000 ms", Median(pure) <= 1000});
  rows.push_back({"whole path (Open + CheckHealth)", Ms(Median(whole)), Ms(Median(duck)),
                  Ratio(Median(whole), Median(duck)), "<= 1000 ms", Median(whole) <= 1000});
  rows.push_back({"  read ts column (ReadBarTimes), warm", Ms(Median(read_ts)), Ms(Median(duck)),
                  Ratio(Median(read_ts), Median(duck)), "", true, false});
  rows.push_back({"  schema drift (240 footers), warm", Ms(Median(drift)), "-", "-", "", true, false});
  rows.push_back({"  sessions (CME_Globex, 20 y)", Ms(Median(sessions_ms)), "-", "-", "", true, false});
  rows.push_back({"`barlake health ES 1m --json` process", Ms(Median(cli)), "-", "-", "", true, false});
  rows.push_back({"runs (ranges: pure " + Spread(pure) + ", whole " + Spread(whole) + ", duckdb " + Spread(duck) + ")",
                  std::to_string(runs), "-", "-", "", true, false});
  rows.push_back({"findings: coverage % / gaps / stray / suspicious weeks",
                  Fmt("%.3f", report.coverage_pct) + " / " + std::to_string(report.gaps.size()) + " / " +
                      std::to_string(report.stray_count) + " / " + std::to_string(report.suspicious_weeks.size()),
                  "-", "-", "", true, false});
  return Report("health of 20 years of 1m bars", rows);
}

}  // namespace
}  // namespace barlake::bench

int main() { return barlake::bench::Main(); }
