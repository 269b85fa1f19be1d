// Benchmark 3: read one day (1,380 bars) of the 20-year lake. Targets: <= 10 ms warm
// through the C++ API (Lake::Read), <= 40 ms as a whole `barlake read` process.
// Baseline: DuckDB read_parquet of the same day by the exact file path (BASELINE.md row 5),
//   in-process: a warm in-memory DuckDB connection, rows fetched into vectors;
//   process:    this program re-executed with --child-duckdb-read, which opens DuckDB,
//               runs the same query and prints the rows as CSV (as `barlake read` does).
#include <duckdb.h>

#include "bench_util.h"
#include "storage/partition_layout.h"

namespace barlake::bench {
namespace {

// The CME session of Wednesday 2015-06-10 in UTC (18:00 New York the evening before to
// 17:00 New York): 1,380 one-minute bars.
constexpr const char* kFrom = "2015-06-09T22:00:00Z";
constexpr const char* kTo = "2015-06-10T21:00:00Z";

std::string DayQuery(const std::string& file) {
  return "SELECT ts, open, high, low, close, volume FROM read_parquet(" + storage::SqlQuote(file) +
         ", hive_partitioning=false) WHERE ts >= '" + kFrom + "'::TIMESTAMPTZ AND ts < '" + kTo +
         "'::TIMESTAMPTZ ORDER BY ts";
}

struct Duck {
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  Duck() {
    if (duckdb_open(nullptr, &db) == DuckDBError || duckdb_connect(db, &con) == DuckDBError) {
      Die("cannot open DuckDB");
    }
  }
  ~Duck() {
    duckdb_disconnect(&con);
    duckdb_close(&db);
  }
  // The query's rows into column vectors, as Lake::Read returns them.
  BarColumns Read(const std::string& sql) {
    duckdb_result res;
    if (duckdb_query(con, sql.c_str(), &res) == DuckDBError) Die(std::string("DuckDB: ") + duckdb_result_error(&res));
    BarColumns out;
    for (;;) {
      duckdb_data_chunk chunk = duckdb_fetch_chunk(res);
      if (!chunk) break;
      const idx_t n = duckdb_data_chunk_get_size(chunk);
      auto data = [&](idx_t c) { return duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, c)); };
      auto* ts = static_cast<int64_t*>(data(0));
      out.ts.insert(out.ts.end(), ts, ts + n);
      std::vector<double>* cols[5] = {&out.open, &out.high, &out.low, &out.close, &out.volume};
      for (int c = 0; c < 5; ++c) {
        auto* v = static_cast<double*>(data(c + 1));
        cols[c]->insert(cols[c]->end(), v, v + n);
      }
      duckdb_destroy_data_chunk(&chunk);
    }
    duckdb_destroy_result(&res);
    return out;
  }
};

int ChildDuckRead(const std::string& file) {
  Duck d;
  BarColumns b = d.Read(DayQuery(file));
  std::string out = "ts,open,high,low,close,volume\n";
  char line[256];
  for (size_t i = 0; i < b.size(); ++i) {
    std::snprintf(line, sizeof line, "%s,%.10g,%.10g,%.10g,%.10g,%.10g\n", FormatIsoUtc(b.ts[i]).c_str(), b.open[i],
                  b.high[i], b.low[i], b.close[i], b.volume[i]);
    out += line;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// Where a fresh `barlake read`-like process spends its time, measured inside the process:
// prints "open first_read second_read" in ms (open includes loading the time-zone
// database; the first read includes opening DuckDB).
int ChildPhases(const std::string& vault) {
  const Micros from = Unwrap(ParseIsoUtc(kFrom), "from"), to = Unwrap(ParseIsoUtc(kTo), "to");
  auto t0 = Clock::now();
  auto lk = OpenLake(vault);
  const double open = MsSince(t0);
  t0 = Clock::now();
  (void)Unwrap(lk->Read("ES", "1m", from, to), "Lake::Read");
  const double first = MsSince(t0);
  t0 = Clock::now();
  (void)Unwrap(lk->Read("ES", "1m", from, to), "Lake::Read");
  const double second = MsSince(t0);
  t0 = Clock::now();
  lk.reset();
  const double close = MsSince(t0);
  std::printf("%.3f %.3f %.3f %.3f\n", open, first, second, close);
  return 0;
}

int Main() {
  const std::string vault = EnsureVault20y();
  const int runs = EnvInt("BARLAKE_BENCH_READ_RUNS", 21);
  const Micros from = Unwrap(ParseIsoUtc(kFrom), "from"), to = Unwrap(ParseIsoUtc(kTo), "to");
  const std::string file = lake::VaultPaths(vault).LakeFile(
      storage::PartitionRelPath("ES", "1m", storage::PeriodOf(from, false)));
  std::printf("bench_read: %s to %s from %s; %d runs per measure\n", kFrom, kTo, vault.c_str(), runs);
  std::fflush(stdout);

  // In-process, warm: each side reads once untimed, then the runs alternate.
  auto lk = OpenLake(vault);
  Duck duck;
  const std::string sql = DayQuery(file);
  BarColumns a = Unwrap(lk->Read("ES", "1m", from, to), "Lake::Read");
  BarColumns b = duck.Read(sql);
  if (a.size() != b.size() || a.ts != b.ts || a.close != b.close) {
    Die("barlake and DuckDB returned different rows (" + std::to_string(a.size()) + " vs " +
        std::to_string(b.size()) + ")");
  }
  const size_t nrows = a.size();
  std::vector<double> api, api_base, first_read;
  for (int i = 0; i < runs; ++i) {
    auto bl = [&] {
      api.push_back(TimeMs([&] {
        auto r = lk->Read("ES", "1m", from, to);
        if (!r.ok() || r->size() != nrows) Die("Lake::Read failed");
      }));
    };
    auto dk = [&] { api_base.push_back(TimeMs([&] { (void)duck.Read(sql); })); };
    if (i % 2 == 0) {
      bl();
      dk();
    } else {
      dk();
      bl();
    }
  }
  // Lake::Open + first Read (DuckDB opened on first use), for information.
  std::vector<double> open_read, open_read_base;
  for (int i = 0; i < std::max(3, runs / 4); ++i) {
    open_read.push_back(TimeMs([&] {
      auto l = OpenLake(vault);
      (void)Unwrap(l->Read("ES", "1m", from, to), "Lake::Read");
    }));
    open_read_base.push_back(TimeMs([&] {
      Duck d;
      (void)d.Read(sql);
    }));
  }

  // Whole processes: `barlake read` against this program's DuckDB child.
  const std::string cli = BarlakeCli();
  const std::string self = SelfExe();
  const std::vector<std::string> bl_cmd = {cli, "--vault", vault, "read", "ES", "1m", "--from", kFrom, "--to", kTo};
  const std::vector<std::string> dk_cmd = {self, "--child-duckdb-read", file};
  {
    auto p = RunOk(bl_cmd, true);
    auto q = RunOk(dk_cmd, true);
    auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
    if (lines(p.out) != static_cast<long>(nrows) + 1 || lines(q.out) != static_cast<long>(nrows) + 1) {
      Die("`barlake read` printed " + std::to_string(lines(p.out)) + " lines, the DuckDB child " +
          std::to_string(lines(q.out)) + ", expected " + std::to_string(nrows + 1));
    }
  }
  std::vector<double> proc, proc_base;
  for (int i = 0; i < runs; ++i) {
    auto bl = [&] { proc.push_back(RunOk(bl_cmd).wall_ms); };
    auto dk = [&] { proc_base.push_back(RunOk(dk_cmd).wall_ms); };
    if (i % 2 == 0) {
      bl();
      dk();
    } else {
      dk();
      bl();
    }
  }

  // The process floor and the phases of a fresh process.
  std::vector<double> floor_ms, ph_open, ph_first, ph_close;
  for (int i = 0; i < std::max(5, runs / 2); ++i) {
    floor_ms.push_back(RunOk({cli, "--version"}).wall_ms);
    auto p = RunOk({self, "--child-phases", vault}, true);
    double o = 0, f = 0, w = 0, c = 0;
    if (std::sscanf(p.out.c_str(), "%lf %lf %lf %lf", &o, &f, &w, &c) != 4) Die("unexpected child output: " + p.out);
    ph_open.push_back(o);
    ph_first.push_back(f);
    ph_close.push_back(c);
  }

  std::vector<Row> rows;
  const double m_api = Median(api), m_base = Median(api_base);
  rows.push_back({"read 1 day, Lake::Read warm", Ms(m_api), Ms(m_base), Ratio(m_api, m_base), "<= 10 ms",
                  m_api <= 10});
  rows.push_back({"  runs (ms)", Spread(api, 2), Spread(api_base, 2), "-", "", true, false});
  rows.push_back({"  Lake::Open + first Read (DuckDB opened)", Ms(Median(open_read)), Ms(Median(open_read_base)),
                  Ratio(Median(open_read), Median(open_read_base)), "", true, false});
  const double m_proc = Median(proc), m_pbase = Median(proc_base);
  rows.push_back({"read 1 day, `barlake read` process", Ms(m_proc), Ms(m_pbase), Ratio(m_proc, m_pbase),
                  "<= 40 ms", m_proc <= 40});
  rows.push_back({"  runs (ms)", Spread(proc), Spread(proc_base), "-", "", true, false});
  rows.push_back({"  `barlake --version` process (startup floor)", Ms(Median(floor_ms)), "-", "-", "", true, false});
  rows.push_back({"  fresh process: Lake::Open (registry, tz database, journal)", Ms(Median(ph_open)), "-", "-", "",
                  true, false});
  rows.push_back({"  fresh process: first Lake::Read (opens DuckDB)", Ms(Median(ph_first)), "-", "-", "", true,
                  false});
  rows.push_back({"  fresh process: closing the Lake (DuckDB teardown)", Ms(Median(ph_close)), "-", "-", "", true,
                  false});
  rows.push_back({"  rows per read", std::to_string(nrows), std::to_string(b.size()), "-", "", true, false});
  return Report("3. read of one day (barlake vs DuckDB read_parquet by exact path)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char** argv) {
  using namespace barlake::bench;
  if (argc == 3 && std::string(argv[1]) == "--child-duckdb-read") return ChildDuckRead(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "--child-phases") return ChildPhases(argv[2]);
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_read   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return Main();
}
