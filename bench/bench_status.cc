// Benchmark 4: `barlake status` over a vault of 10,000+ partitions. Target: <= 200 ms as
// a whole process (median of several runs).
//
// The vault is built through the real import path (Lake::Import, journaled, fsynced,
// verified): 420 symbols x 24 monthly partitions = 10,080 partitions, each a tiny
// NinjaTrader file with 3 bars a month. Building it takes minutes (every partition write
// pays the full crash-safe protocol), so it is kept in $BARLAKE_BENCH_DIR/vault-status and
// reused by later runs until bench/run.sh removes the folder.
// Baseline: what a tool without a catalog does, in a child process: DuckDB
// parquet_metadata over every file of the lake (rows and min/max ts per dataset).
#include <duckdb.h>

#include "bench_util.h"

namespace barlake::bench {
namespace {

int ChildDuckStatus(const std::string& lake_dir) {
  duckdb_database db;
  duckdb_connection con;
  if (duckdb_open(nullptr, &db) == DuckDBError || duckdb_connect(db, &con) == DuckDBError) Die("cannot open DuckDB");
  const std::string sql =
      "SELECT split_part(split_part(file_name, 'symbol=', 2), '/', 1) AS symbol, count(DISTINCT file_name), "
      "sum(row_group_num_rows), min(stats_min), max(stats_max) FROM parquet_metadata(" +
      storage::SqlQuote(lake_dir + "/*/*/*/*.parquet") +
      ") WHERE path_in_schema = 'ts' GROUP BY ALL ORDER BY ALL";
  duckdb_result res;
  if (duckdb_query(con, sql.c_str(), &res) == DuckDBError) Die(std::string("DuckDB: ") + duckdb_result_error(&res));
  int64_t files = 0;
  for (idx_t r = 0; r < duckdb_row_count(&res); ++r) {
    char* sym = duckdb_value_varchar(&res, 0, r);
    std::printf("%s %lld %lld\n", sym, static_cast<long long>(duckdb_value_int64(&res, 1, r)),
                static_cast<long long>(duckdb_value_int64(&res, 2, r)));
    duckdb_free(sym);
    files += duckdb_value_int64(&res, 1, r);
  }
  std::printf("files %lld\n", static_cast<long long>(files));
  duckdb_destroy_result(&res);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return 0;
}

// Three bars on the 15th of each month, 10:01-10:03 Los Angeles (bar close times).
std::string TinyExport(int first_year, int months, int sym) {
  std::string out;
  char line[128];
  for (int k = 0; k < months; ++k) {
    const int y = first_year + k / 12, m = 1 + k % 12;
    const double p = 100.0 + sym + k * 0.25;
    for (int b = 1; b <= 3; ++b) {
      std::snprintf(line, sizeof line, "%04d%02d15 10%02d00;%.2f;%.2f;%.2f;%.2f;%d\n", y, m, b, p, p + 1, p - 1,
                    p + 0.5, 10 * b);
      out += line;
    }
  }
  return out;
}

int Main() {
  const std::string dir = BenchDir();
  const int symbols = EnvInt("BARLAKE_BENCH_STATUS_SYMBOLS", 420);
  const int months = EnvInt("BARLAKE_BENCH_STATUS_MONTHS", 24);
  const int runs = EnvInt("BARLAKE_BENCH_STATUS_RUNS", 11);
  const int base_runs = EnvInt("BARLAKE_BENCH_STATUS_BASELINE_RUNS", 3);
  const std::string vault = dir + "/vault-status";
  const std::string marker = vault + "/.bench-built-" + std::to_string(symbols) + "x" + std::to_string(months);
  if (!fs::exists(marker)) {
    std::fprintf(stderr, "building %s: %d symbols x %d months through Lake::Import ...\n", vault.c_str(), symbols,
                 months);
    // Built on tmpfs when there is one (fsync is free there, so the build takes about a
    // minute instead of five), then copied to the bench folder where status is timed.
    std::string build = vault;
    if (const char* b = std::getenv("BARLAKE_BENCH_BUILD_DIR"); b && *b) {
      build = std::string(b) + "/vault-status-" + std::to_string(::getpid());
    } else if (::access("/dev/shm", W_OK) == 0) {
      build = "/dev/shm/barlake-bench-status-" + std::to_string(::getpid());
    }
    fs::remove_all(vault);
    FreshVault(build);
    auto lk = OpenLake(build);
    const std::string src = dir + "/tiny.txt";
    auto t0 = Clock::now();
    for (int s = 0; s < symbols; ++s) {
      WriteFile(src, TinyExport(2023, months, s));
      char sym[16];
      std::snprintf(sym, sizeof sym, "S%04d", s);
      auto r = ImportFile(lk.get(), src, sym);
      if (static_cast<int>(r.partitions.size()) != months) Die("unexpected partition count");
      if ((s + 1) % 20 == 0 || s + 1 == symbols) {
        const double el = MsSince(t0) / 1000;
        std::fprintf(stderr, "  %d/%d symbols, %.0f s (%.1f ms per partition)\n", s + 1, symbols, el,
                     el * 1000 / ((s + 1) * months));
      }
    }
    fs::remove(src);
    lk.reset();
    if (build != vault) {
      fs::copy(build, vault, fs::copy_options::recursive);
      fs::remove_all(build);
    }
    ::sync();
    WriteFile(marker, "");
  }
  const int64_t partitions = static_cast<int64_t>(symbols) * months;
  const std::string cli = BarlakeCli();
  const std::string self = SelfExe();
  if (std::getenv("BARLAKE_BENCH_BUILD_ONLY")) return 0;
  std::printf("bench_status: %s, %d datasets, %lld partitions; %d runs (baseline %d)\n", vault.c_str(), symbols,
              static_cast<long long>(partitions), runs, base_runs);
  std::fflush(stdout);

  // Check what status reports, then warm up.
  {
    auto p = RunOk({cli, "--vault", vault, "status", "--json"}, true);
    const std::string& o = p.out;
    size_t n = 0;
    for (size_t pos = 0; (pos = o.find("\"symbol\"", pos)) != std::string::npos; ++pos) ++n;
    if (n != static_cast<size_t>(symbols)) Die("status --json listed " + std::to_string(n) + " datasets");
  }
  std::vector<double> st, st_json, floor_ms, base, api;
  for (int i = 0; i < runs; ++i) {
    st.push_back(RunOk({cli, "--vault", vault, "status"}).wall_ms);
    st_json.push_back(RunOk({cli, "--vault", vault, "status", "--json"}).wall_ms);
    floor_ms.push_back(RunOk({cli, "--version"}).wall_ms);
  }
  for (int i = 0; i < runs; ++i) {
    api.push_back(TimeMs([&] {
      auto lk = OpenLake(vault);
      auto ds = Unwrap(lk->Datasets(), "Datasets");
      if (static_cast<int>(ds.size()) != symbols) Die("Datasets() returned the wrong count");
    }));
  }
  int64_t base_files = 0;
  for (int i = 0; i < base_runs; ++i) {
    auto p = RunOk({self, "--child-duck-status", vault + "/lake"}, true);
    base.push_back(p.wall_ms);
    auto pos = p.out.rfind("files ");
    base_files = pos == std::string::npos ? 0 : std::atoll(p.out.c_str() + pos + 6);
  }
  if (base_files != partitions) Die("the DuckDB baseline saw " + std::to_string(base_files) + " files");

  std::vector<Row> rows;
  const double m = Median(st), mb = Median(base);
  rows.push_back({"`barlake status` process, " + std::to_string(partitions) + " partitions", Ms(m), Ms(mb),
                  Ratio(m, mb), "<= 200 ms", m <= 200});
  rows.push_back({"  runs (ms)", Spread(st), Spread(base), "-", "", true, false});
  rows.push_back({"  `barlake status --json` process", Ms(Median(st_json)), "-", "-", "<= 200 ms",
                  Median(st_json) <= 200});
  rows.push_back({"  `barlake --version` process (startup floor)", Ms(Median(floor_ms)), "-", "-", "", true, false});
  rows.push_back({"  Lake::Open + Datasets() in-process", Ms(Median(api)), "-", "-", "", true, false});
  return Report("4. `barlake status` over many partitions (catalog vs DuckDB parquet_metadata of every file)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char** argv) {
  using namespace barlake::bench;
  if (argc == 3 && std::string(argv[1]) == "--child-duck-status") return ChildDuckStatus(argv[2]);
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_status   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return Main();
}
