// Benchmark 1: import a 20-year, ~7.2M-row 1-minute NinjaTrader export into an empty
// vault, against plain DuckDB COPY ... read_csv ... PARTITION_BY (year, month) on the same
// file (BASELINE.md row 4). Target: barlake / DuckDB <= 0.8, and barlake's peak memory
// <= 2x the file size.
//
// Each side runs in its own child process (this program re-executed with --child-*), so
// its peak RSS (VmHWM, read by the child itself) is measured alone. Runs alternate
// barlake/DuckDB so that noise from other users of the machine hits both.
#include <duckdb.h>

#include "bench_util.h"
#include "core/checksum.h"
#include "storage/partition_layout.h"

namespace barlake::bench {
namespace {

// ---- children ------------------------------------------------------------------------

int ChildBarlake(const std::string& vault, const std::string& file) {
  auto t0 = Clock::now();
  double t_parsing = -1, t_first_write = -1, t_last_write = -1;
  int64_t partitions = 0;
  lake::LakeOptions o;
  o.progress = [&](const std::string& phase, int64_t done, int64_t total) {
    if (phase == "parsing" && t_parsing < 0) t_parsing = MsSince(t0);
    if (phase == "writing") {
      if (done == 1) t_first_write = MsSince(t0);
      if (done == total) t_last_write = MsSince(t0);
      partitions = total;
    }
  };
  auto lk = Unwrap(lake::Lake::Open(vault, std::move(o)), "opening " + vault);
  lake::ImportRequest req;
  req.path = file;
  req.symbol = "ES";
  req.timeframe = "1m";
  auto r = Unwrap(lk->Import(req), "importing " + file);
  const double total = MsSince(t0);
  std::printf("%.3f %lld %lld %ld %.3f %.3f %.3f\n", total, static_cast<long long>(r.job.rows_written),
              static_cast<long long>(partitions), PeakRssKb(), t_parsing, t_first_write, t_last_write);
  return 0;
}

int ChildDuckDB(const std::string& file, const std::string& out_dir) {
  auto t0 = Clock::now();
  duckdb_database db;
  duckdb_connection con;
  if (duckdb_open(nullptr, &db) == DuckDBError) Die("duckdb_open failed");
  if (duckdb_connect(db, &con) == DuckDBError) Die("duckdb_connect failed");
  auto run = [&](const std::string& sql) {
    duckdb_result res;
    if (duckdb_query(con, sql.c_str(), &res) == DuckDBError) {
      Die(std::string("DuckDB: ") + duckdb_result_error(&res) + "\n  in: " + sql);
    }
    int64_t v = duckdb_column_count(&res) > 0 && duckdb_row_count(&res) > 0 ? duckdb_value_int64(&res, 0, 0) : 0;
    duckdb_destroy_result(&res);
    return v;
  };
  run("SET partitioned_write_max_open_files=1000");
  const int64_t rows = run(
      "COPY (SELECT *, year(ts) AS year, month(ts) AS month FROM read_csv(" + storage::SqlQuote(file) +
      ", delim=';', header=false, auto_detect=false, columns={'ts':'TIMESTAMP','open':'DOUBLE',"
      "'high':'DOUBLE','low':'DOUBLE','close':'DOUBLE','volume':'BIGINT'}, "
      "timestampformat='%Y%m%d %H%M%S')) TO " + storage::SqlQuote(out_dir) +
      " (FORMAT parquet, PARTITION_BY (year, month), COMPRESSION zstd)");
  duckdb_disconnect(&con);
  duckdb_close(&db);
  const double total = MsSince(t0);
  std::printf("%.3f %lld %ld\n", total, static_cast<long long>(rows), PeakRssKb());
  return 0;
}

// The steps WriteProtocol::Stage takes for one partition, timed one by one on a month of
// the 20-year lake (median of 5): where the time per partition of a big import goes.
// Prints "name ms" lines. Two variants of the Parquet write show what the sort costs.
int ChildStageSteps(const std::string& vault) {
  Env* env = Env::Default();
  lake::VaultPaths paths(vault);
  const std::string file = paths.LakeFile(storage::PartitionRelPath("ES", "1m", "2015-06"));
  auto duck = Unwrap(storage::DuckConn::OpenInMemory(), "opening DuckDB");
  storage::ParquetStore store(duck.get());
  const BarColumns rows = Unwrap(store.ReadFile(file), "reading " + file);
  const std::string tmp = paths.staging + "/bench-stage-steps.parquet";
  std::vector<std::pair<std::string, std::vector<double>>> steps = {
      {"WriteBars (one COPY scanning the rows from memory)", {}},
      {"SyncFile + SyncDir of the staged file", {}},
      {"CheckSchema (DESCRIBE read_parquet)", {}},
      {"ReadFile (read the staged file back)", {}},
      {"ContentHash x2 (rows written, rows read back)", {}},
      {"FileSha256 (read file + SHA-256)", {}},
      {"  for comparison: COPY parquet->parquet with ORDER BY ts", {}},
      {"  for comparison: COPY parquet->parquet without ORDER BY", {}}};
  for (int i = 0; i < 5; ++i) {
    int k = 0;
    steps[k++].second.push_back(TimeMs([&] { Check(store.WriteBars(rows, tmp), "WriteBars"); }));
    steps[k++].second.push_back(TimeMs([&] {
      Check(env->SyncFile(tmp), "SyncFile");
      Check(env->SyncDir(paths.staging), "SyncDir");
    }));
    steps[k++].second.push_back(TimeMs([&] { Check(store.CheckSchema(tmp), "CheckSchema"); }));
    BarColumns back;
    steps[k++].second.push_back(TimeMs([&] { back = Unwrap(store.ReadFile(tmp), "ReadFile"); }));
    steps[k++].second.push_back(TimeMs([&] {
      if (ContentHash(back) != ContentHash(rows)) Die("content differs");
    }));
    steps[k++].second.push_back(TimeMs([&] { (void)Unwrap(lake::FileSha256(env, tmp), "FileSha256"); }));
    const std::string src = "read_parquet(" + storage::SqlQuote(file) + ", hive_partitioning=false)";
    steps[k++].second.push_back(TimeMs([&] {
      Check(duck->Execute("COPY (SELECT * FROM " + src + " ORDER BY ts) TO " + storage::SqlQuote(tmp) +
                          " (FORMAT parquet, COMPRESSION zstd)"),
            "COPY");
    }));
    steps[k++].second.push_back(TimeMs([&] {
      Check(duck->Execute("COPY (SELECT * FROM " + src + ") TO " + storage::SqlQuote(tmp) +
                          " (FORMAT parquet, COMPRESSION zstd)"),
            "COPY");
    }));
  }
  std::remove(tmp.c_str());
  std::printf("rows %zu\n", rows.size());
  for (const auto& [name, v] : steps) std::printf("%.3f %s\n", Median(v), name.c_str());
  return 0;
}

// ---- parent --------------------------------------------------------------------------

struct BarlakeRun {
  double ms = 0, proc_ms = 0, parsing = 0, first_write = 0, last_write = 0;
  long long rows = 0, partitions = 0;
  long peak_kb = 0;
};
struct DuckRun {
  double ms = 0, proc_ms = 0;
  long long rows = 0;
  long peak_kb = 0;
};

int Main() {
  const std::string dir = BenchDir();
  const std::string src = EnsureSource20y();
  const uint64_t src_bytes = FileSize(src);
  int64_t src_rows = 0;
  {
    std::ifstream f(src, std::ios::binary);
    std::vector<char> buf(1 << 20);
    while (f.read(buf.data(), static_cast<std::streamsize>(buf.size())) || f.gcount() > 0) {
      src_rows += std::count(buf.data(), buf.data() + f.gcount(), '\n');
    }
  }
  const int runs = EnvInt("BARLAKE_BENCH_IMPORT_RUNS", 3);
  std::printf("bench_import: %s, %lld rows, %.1f MB; %d runs of each side, alternating\n", src.c_str(),
              static_cast<long long>(src_rows), src_bytes / 1e6, runs);
  std::fflush(stdout);

  const std::string vault = dir + "/import-vault";
  const std::string duck_out = dir + "/duckdb-partitioned";
  const std::string self = SelfExe();
  std::vector<BarlakeRun> bl;
  std::vector<DuckRun> dk;
  uint64_t lake_bytes = 0, duck_bytes = 0;
  size_t lake_files = 0, duck_files = 0;
  for (int i = 0; i < runs; ++i) {
    auto run_barlake = [&] {
      FreshVault(vault);
      ::sync();  // do not let the previous run's writeback land inside this one
      auto p = RunOk({self, "--child-barlake", vault, src}, true);
      BarlakeRun r;
      r.proc_ms = p.wall_ms;
      if (std::sscanf(p.out.c_str(), "%lf %lld %lld %ld %lf %lf %lf", &r.ms, &r.rows, &r.partitions,
                      &r.peak_kb, &r.parsing, &r.first_write, &r.last_write) != 7) {
        Die("unexpected child output: " + p.out);
      }
      bl.push_back(r);
      lake_bytes = TreeBytes(vault + "/lake");
      lake_files = TreeFiles(vault + "/lake", ".parquet");
      std::printf("  run %d barlake: %.0f ms (process %.0f ms), %lld rows, %lld partitions, peak RSS %.0f MB\n",
                  i + 1, r.ms, r.proc_ms, r.rows, r.partitions, r.peak_kb / 1024.0);
      std::fflush(stdout);
    };
    auto run_duck = [&] {
      fs::remove_all(duck_out);
      ::sync();
      auto p = RunOk({self, "--child-duckdb", src, duck_out}, true);
      DuckRun r;
      r.proc_ms = p.wall_ms;
      if (std::sscanf(p.out.c_str(), "%lf %lld %ld", &r.ms, &r.rows, &r.peak_kb) != 3) {
        Die("unexpected child output: " + p.out);
      }
      dk.push_back(r);
      duck_bytes = TreeBytes(duck_out);
      duck_files = TreeFiles(duck_out, ".parquet");
      std::printf("  run %d DuckDB:  %.0f ms (process %.0f ms), %lld rows, peak RSS %.0f MB\n", i + 1, r.ms,
                  r.proc_ms, r.rows, r.peak_kb / 1024.0);
      std::fflush(stdout);
    };
    if (i % 2 == 0) {
      run_barlake();
      run_duck();
    } else {
      run_duck();
      run_barlake();
    }
  }
  // Keep the last vault for the merge and read benchmarks.
  fs::remove_all(Vault20yPath());
  fs::rename(vault, Vault20yPath());
  fs::remove_all(duck_out);
  const std::string steps_out = RunOk({self, "--child-stage-steps", Vault20yPath()}, true).out;

  auto col = [](const auto& v, auto f) {
    std::vector<double> out;
    for (const auto& x : v) out.push_back(f(x));
    return out;
  };
  const auto b_ms = col(bl, [](const BarlakeRun& r) { return r.ms; });
  const auto d_ms = col(dk, [](const DuckRun& r) { return r.ms; });
  const auto b_proc = col(bl, [](const BarlakeRun& r) { return r.proc_ms; });
  const auto d_proc = col(dk, [](const DuckRun& r) { return r.proc_ms; });
  const double b_med = Median(b_ms), d_med = Median(d_ms);
  // Same-run ratios: pair run i of each side, then take the median ratio.
  std::vector<double> ratios;
  for (size_t i = 0; i < bl.size(); ++i) ratios.push_back(bl[i].ms / dk[i].ms);
  const double ratio = Median(ratios);
  long b_peak = 0, d_peak = 0;
  for (const auto& r : bl) b_peak = std::max(b_peak, r.peak_kb);
  for (const auto& r : dk) d_peak = std::max(d_peak, r.peak_kb);
  const double peak_mb = b_peak / 1024.0, limit_mb = 2.0 * src_bytes / (1024.0 * 1024.0);

  std::vector<Row> rows;
  rows.push_back({"import 20y (median; ratio = median of paired runs)",
                  Fmt("%.2f s", b_med / 1000), Fmt("%.2f s", d_med / 1000), Fmt("%.2fx", ratio),
                  "<= 0.80x", ratio <= 0.8});
  rows.push_back({"  runs (s)", Spread(col(b_ms, [](double v) { return v / 1000; }), 2),
                  Spread(col(d_ms, [](double v) { return v / 1000; }), 2), Spread(ratios, 2), "", true, false});
  rows.push_back({"  whole child process (median)", Fmt("%.2f s", Median(b_proc) / 1000),
                  Fmt("%.2f s", Median(d_proc) / 1000), Ratio(Median(b_proc), Median(d_proc)), "", true, false});
  rows.push_back({"  throughput", Fmt("%.2f Mrows/s", src_rows / (b_med * 1000)),
                  Fmt("%.2f Mrows/s", src_rows / (d_med * 1000)), "", "", true, false});
  rows.push_back({"peak RSS of barlake import vs 2x file size", Fmt("%.0f MB", peak_mb),
                  Fmt("%.0f MB", limit_mb), Fmt("%.2fx", peak_mb / limit_mb), "<= 1.00x", peak_mb <= limit_mb});
  rows.push_back({"  peak RSS, barlake vs DuckDB COPY", Fmt("%.0f MB", peak_mb), Fmt("%.0f MB", d_peak / 1024.0),
                  Ratio(peak_mb, d_peak / 1024.0), "", true, false});
  rows.push_back({"  rows written", std::to_string(bl.back().rows), std::to_string(dk.back().rows),
                  "", "= " + std::to_string(src_rows),
                  bl.back().rows == src_rows && dk.back().rows == src_rows});
  rows.push_back({"  Parquet files", std::to_string(lake_files), std::to_string(duck_files), "", "", true, false});
  rows.push_back({"  Parquet bytes", Fmt("%.1f MB", lake_bytes / 1e6), Fmt("%.1f MB", duck_bytes / 1e6),
                  Ratio(lake_bytes, duck_bytes), "", true, false});
  // Where barlake's time goes (from the progress callback, median over runs).
  const auto open = col(bl, [](const BarlakeRun& r) { return r.parsing; });
  const auto parse = col(bl, [](const BarlakeRun& r) { return r.first_write - r.parsing; });
  const auto stage = col(bl, [](const BarlakeRun& r) { return r.last_write - r.first_write; });
  const auto swap = col(bl, [](const BarlakeRun& r) { return r.ms - r.last_write; });
  rows.push_back({"  phase: open, lock, recover", Ms(Median(open)), "", "", "", true, false});
  rows.push_back({"  phase: parse+hash+sort+merge+stage 1st partition", Ms(Median(parse)), "", "", "", true, false});
  rows.push_back({"  phase: stage the other partitions", Ms(Median(stage)), "", "", "", true, false});
  rows.push_back({"  phase: swap into lake + journal commit", Ms(Median(swap)), "", "", "", true, false});
  {
    std::istringstream in(steps_out);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("rows ", 0) == 0) {
        rows.push_back({"  one partition's Stage steps (" + line.substr(5) + " rows, median of 5):", "", "", "",
                        "", true, false});
        continue;
      }
      const auto sp = line.find(' ');
      if (sp == std::string::npos) continue;
      rows.push_back({"    " + line.substr(sp + 1), Ms(std::atof(line.c_str())), "", "", "", true, false});
    }
  }
  for (auto& r : rows) {
    if (r.baseline.empty()) r.baseline = "-";
    if (r.ratio.empty()) r.ratio = "-";
  }
  return Report("1. import of a 20-year 1-minute NinjaTrader export (barlake vs DuckDB COPY PARTITION_BY)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char** argv) {
  using namespace barlake::bench;
  if (argc == 4 && std::string(argv[1]) == "--child-barlake") return ChildBarlake(argv[2], argv[3]);
  if (argc == 4 && std::string(argv[1]) == "--child-duckdb") return ChildDuckDB(argv[2], argv[3]);
  if (argc == 3 && std::string(argv[1]) == "--child-stage-steps") return ChildStageSteps(argv[2]);
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_import   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return Main();
}
