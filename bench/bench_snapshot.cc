// Benchmark: import of a month of GEX snapshots (issue 3, snapshot datasets): 20 trading
// days x 78 five-minute snapshots x 96 strikes (149,760 rows, JSON Lines, ~8 MB) through
// Lake::ImportSnapshots into an empty vault (parse, merge, stage, fsync, read back,
// journal, swap, commit), against the least any importer must do in one run: parse the
// same JSON with nlohmann-json and write the same rows with SnapshotStore::Write.
// Target: the journaled, verified import within 1.5x of that baseline (measured 1.16x).
#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "ingest/gex_snapshot.h"
#include "lake/snapshot_import.h"
#include "storage/snapshot_store.h"

namespace barlake::bench {
namespace {

std::string EnsureMonth() {
  const std::string path = BenchDir() + "/SPX_gex_month.jsonl";
  if (FileSize(path) > 0) return path;
  std::string out;
  uint64_t x = 88172645463325252ULL;  // xorshift: deterministic values
  auto rnd = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<double>(x % 10000) / 100.0 - 50.0;
  };
  for (int day = 0; day < 20; ++day) {
    for (int k = 0; k < 78; ++k) {
      nlohmann::json j;
      j["timestamp"] = 1769956200 + day * 86400 + k * 300;
      j["ticker"] = "SPX";
      j["min_dte"] = 0;
      j["sec_min_dte"] = 1;
      j["spot"] = 6850 + rnd();
      j["zero_gamma"] = 0;
      j["major_pos_vol"] = 6880;
      j["major_pos_oi"] = 0;
      j["major_neg_vol"] = 6890;
      j["major_neg_oi"] = 0;
      nlohmann::json strikes = nlohmann::json::array();
      for (int s = 0; s < 96; ++s) {
        strikes.push_back({6650 + 5 * s, rnd(), 0, {rnd(), rnd(), rnd(), rnd(), rnd()}});
      }
      j["strikes"] = strikes;
      j["sum_gex_vol"] = rnd();
      j["sum_gex_oi"] = 0;
      j["delta_risk_reversal"] = 0;
      j["max_priors"] = {{6880, rnd()}, {6880, rnd()}, {6890, rnd()}, {6890, rnd()}, {6875, rnd()}, {6900, rnd()}};
      out += j.dump() + "\n";
    }
  }
  WriteFile(path, out);
  return path;
}

// Baseline: nlohmann parse of every line and one Parquet write of the flat rows.
double TimeBaseline(const std::string& path, int64_t* rows) {
  auto duck = Unwrap(storage::DuckConn::OpenInMemory(1), "duckdb");
  auto t0 = Clock::now();
  std::ifstream in(path);
  std::string line;
  storage::SnapshotRows r;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    const Micros ts = j["timestamp"].get<int64_t>() * kMicrosPerSecond;
    std::array<double, storage::kSnapshotValueCount> v{};
    for (size_t k = 0; k < ingest::kGexScalarFields.size(); ++k) v[7 + k] = j[ingest::kGexScalarFields[k]].get<double>();
    for (size_t k = 0; k < 6; ++k) {
      v[18 + 2 * k] = j["max_priors"][k][0].get<double>();
      v[19 + 2 * k] = j["max_priors"][k][1].get<double>();
    }
    for (const auto& s : j["strikes"]) {
      v[0] = s[1].get<double>();
      v[1] = s[2].get<double>();
      for (size_t k = 0; k < 5; ++k) v[2 + k] = s[3][k].get<double>();
      r.ts.push_back(ts);
      r.strike.push_back(s[0].get<double>());
      r.values.push_back(v);
      r.job.push_back(1);
    }
  }
  Check(storage::SnapshotStore(duck.get()).Write(r, BenchDir() + "/snapshot-baseline.parquet"), "baseline write");
  const double ms = MsSince(t0);
  *rows = static_cast<int64_t>(r.size());
  fs::remove(BenchDir() + "/snapshot-baseline.parquet");
  return ms;
}

double TimeImport(const std::string& path, int64_t* rows, uint64_t* bytes) {
  const std::string vault = BenchDir() + "/vault-snapshot-bench";
  FreshVault(vault);
  auto lk = Unwrap(lake::Lake::Open(vault, {}), "opening " + vault);
  lake::SnapshotImportRequest req;
  req.path = path;
  auto t0 = Clock::now();
  lake::SnapshotImportResult r = Unwrap(lk->ImportSnapshots(req), "importing " + path);
  const double ms = MsSince(t0);
  *rows = r.rows_added;
  *bytes = TreeBytes(vault + "/snapshots");
  lk.reset();
  fs::remove_all(vault);
  return ms;
}

int Main() {
  const std::string path = EnsureMonth();
  const int runs = EnvInt("BARLAKE_BENCH_SNAPSHOT_RUNS", 3);
  std::vector<double> t_lake, t_base, ratios;
  int64_t rows_lake = 0, rows_base = 0;
  uint64_t bytes = 0;
  for (int i = 0; i < runs; ++i) {  // interleaved, so load hits both
    t_base.push_back(TimeBaseline(path, &rows_base));
    t_lake.push_back(TimeImport(path, &rows_lake, &bytes));
    ratios.push_back(t_lake.back() / t_base.back());
  }
  const double ratio = Median(ratios);
  std::vector<Row> rows;
  rows.push_back({"import a month of GEX snapshots vs parse + one Parquet write", Ms(Median(t_lake)),
                  Ms(Median(t_base)), Fmt("%.2fx", ratio), "<= 1.50x", ratio <= 1.5});
  rows.push_back({"  runs (ms)", Spread(t_lake), Spread(t_base), "-", "", true, false});
  rows.push_back({"  rows", std::to_string(rows_lake), std::to_string(rows_base), "-", "same", rows_lake == rows_base});
  rows.push_back({"  source / stored", Fmt("%.1f MB", FileSize(path) / 1e6), Fmt("%.1f MB", bytes / 1e6), "-", "", true,
                  false});
  rows.push_back({"  peak RSS", Fmt("%.0f MB", PeakRssKb() / 1024.0), "-", "-", "", true, false});
  return Report("GEX snapshot import vs parse + write (issue 3, snapshots)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main() { return barlake::bench::Main(); }
