// Benchmark 5 (issue 3): import of the 20-year file as generic CSV (header
// time,open,high,low,close,volume, ISO stamps) against the same bars as a NinjaTrader
// export, both through Lake::Import into an empty vault, in one run. Target: the CSV path
// within 1.2x of the NinjaTrader path. Both include the full validator.
#include <fstream>

#include "bench_util.h"

namespace barlake::bench {
namespace {

// "yyyyMMdd HHmmss;o;h;l;c;v" -> "yyyy-MM-dd HH:mm:ss,o,h,l,c,v" (same bars, same zone).
std::string EnsureCsv(const std::string& nt_path) {
  const std::string csv = BenchDir() + "/ES_1m_20y.csv";
  if (FileSize(csv) > 0) return csv;
  std::ifstream in(nt_path);
  std::string out = "time,open,high,low,close,volume\n", line;
  out.reserve(static_cast<size_t>(FileSize(nt_path) * 1.2));
  while (std::getline(in, line)) {
    if (line.size() < 16) continue;
    out.append(line, 0, 4).append("-").append(line, 4, 2).append("-").append(line, 6, 2).append(" ");
    out.append(line, 9, 2).append(":").append(line, 11, 2).append(":").append(line, 13, 2);
    for (size_t i = 15; i < line.size(); ++i) out.push_back(line[i] == ';' ? ',' : line[i]);
    out.push_back('\n');
  }
  WriteFile(csv, out);
  return csv;
}

double TimeImport(const std::string& path, const std::string& format, int64_t* rows) {
  const std::string vault = BenchDir() + "/vault-csv-bench";
  FreshVault(vault);
  auto lk = Unwrap(lake::Lake::Open(vault, {}), "opening " + vault);
  lake::ImportRequest req;
  req.path = path;
  req.symbol = "ES";
  req.timeframe = "1m";
  req.format = format;
  req.tz = "America/Los_Angeles";
  req.stamp = "close";
  auto t0 = Clock::now();
  lake::ImportResult r = Unwrap(lk->Import(req), "importing " + path);
  const double ms = MsSince(t0);
  *rows = r.job.rows_written;
  lk.reset();
  fs::remove_all(vault);
  return ms;
}

int Main() {
  const std::string nt = EnsureSource20y();
  const std::string csv = EnsureCsv(nt);
  const int runs = EnvInt("BARLAKE_BENCH_CSV_RUNS", 2);
  std::vector<double> t_csv, t_nt, ratios;
  int64_t rows_csv = 0, rows_nt = 0;
  for (int i = 0; i < runs; ++i) {  // interleaved, so load hits both
    t_nt.push_back(TimeImport(nt, "ninjatrader", &rows_nt));
    t_csv.push_back(TimeImport(csv, "csv", &rows_csv));
    ratios.push_back(t_csv.back() / t_nt.back());
  }
  const double ratio = Median(ratios);
  std::vector<Row> rows;
  rows.push_back({"import 20y as generic CSV vs as NinjaTrader", Fmt("%.2f s", Median(t_csv) / 1000),
                  Fmt("%.2f s", Median(t_nt) / 1000), Fmt("%.2fx", ratio), "<= 1.20x", ratio <= 1.2});
  rows.push_back({"  runs (ms)", Spread(t_csv), Spread(t_nt), "-", "", true, false});
  rows.push_back({"  rows written", std::to_string(rows_csv), std::to_string(rows_nt), "-", "same",
                  rows_csv == rows_nt});
  rows.push_back({"  file sizes", Fmt("%.0f MB", FileSize(csv) / 1e6), Fmt("%.0f MB", FileSize(nt) / 1e6), "-", "",
                  true, false});
  return Report("5. generic CSV import vs the NinjaTrader path (issue 3)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main() { return barlake::bench::Main(); }
