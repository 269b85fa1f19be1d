// Benchmark 6: health of the 20-year 1-minute dataset (7.1M rows, 240 partitions).
// Targets: the pure analysis (health::Analyze over the bar times in memory) <= 1 s, and
// the whole path through the lake (Lake::Open, the ts column of every partition, the
// sessions, the analysis, the schema-drift check over every footer) <= 1 s.
// Baseline: DuckDB reading the same ts column of the same files into a vector, on a
// fresh in-memory connection with one thread, as the lake does.
#include <duckdb.h>

#include "bench_util.h"
#include "core/time_zone.h"
#include "health/health.h"
#include "lake/dataset_health.h"

namespace barlake::bench {
namespace {

/// CME Globex-like sessions, Sunday to Thursday 18:00 New York to 17:00 the next day,
/// for session opens in [from_day, to_day]. (The demo data leaves out Dec 25, Jan 1 and
/// Jul 4; these sessions do not, so those days show as gaps, which the analysis has to
/// walk like any other.)
calendar::SessionList CmeSessions(int64_t from_day, int64_t to_day) {
  TimeZone ny = Unwrap(TimeZone::Locate("America/New_York"), "zone");
  calendar::SessionList out;
  auto at = [&](int64_t day, int hour) {
    TimeZone::LocalKind kind;
    return ny.LocalToUtc(day * kMicrosPerDay + hour * 3600 * kMicrosPerSecond, INT64_MIN, &kind);
  };
  for (int64_t d = from_day; d <= to_day; ++d) {
    const int wd = static_cast<int>(((d + 4) % 7 + 7) % 7);  // 0 = Sunday
    if (wd > 4) continue;
    calendar::Session s;
    s.open = at(d, 18);
    s.close = at(d + 1, 17);
    s.trade_date = static_cast<int32_t>(d + 1);
    out.push_back(s);
  }
  return out;
}

lake::CalendarLookup CmeLookup() {
  return [](const std::string&, const std::string&) -> Result<std::optional<lake::SessionSource>> {
    lake::SessionSource s;
    s.name = "CME-like (bench)";
    s.zone = "America/New_York";
    s.sessions = [](Micros from, Micros to) -> Result<calendar::SessionList> {
      return CmeSessions(from / kMicrosPerDay - 1, to / kMicrosPerDay + 1);
    };
    return std::optional<lake::SessionSource>(std::move(s));
  };
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
  const std::string vault = EnsureVault20y();
  const int runs = EnvInt("BARLAKE_BENCH_HEALTH_RUNS", 7);
  const Micros now = DayAfter20y() * kMicrosPerDay;

  // The bar times and sessions once, for the pure analysis.
  std::vector<Micros> ts;
  {
    auto lk = OpenLake(vault);
    ts = Unwrap(lake::ReadBarTimes(lk.get(), "ES", "1m", INT64_MIN / 2, INT64_MAX / 2), "reading ts");
  }
  const auto sessions = CmeSessions(ts.front() / kMicrosPerDay - 1, now / kMicrosPerDay + 1);
  health::HealthOptions opt;
  opt.pattern_tz = "America/New_York";

  std::vector<double> pure, whole, read_ts, drift, sessions_ms, duck;
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
    sessions_ms.push_back(TimeMs([&] { (void)CmeSessions(ts.front() / kMicrosPerDay - 1, now / kMicrosPerDay + 1); }));
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
  rows.push_back({"  sessions (hand-built CME, 20 y)", Ms(Median(sessions_ms)), "-", "-", "", true, false});
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
