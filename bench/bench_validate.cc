// Benchmark 6 (issue 3): what the full validator (every rule, including the spike
// detector and the alignment rule) adds to the import of the 20-year, ~7.2M-row 1-minute
// file. Target: at most 15% of the import time without it.
//
// In one run and on the same file: a whole Lake::Import into an empty vault (which
// includes validation), and the validator alone on the same parsed, sorted rows. The
// overhead is validator / (import - validator): the share the validator adds to an import
// that would otherwise do everything else. Runs alternate so that noise hits both.
#include <fstream>
#include <iterator>

#include "bench_util.h"
#include "core/time_zone.h"
#include "ingest/format.h"
#include "validate/validator.h"

namespace barlake::bench {
namespace {

double TimeImport(const std::string& path) {
  const std::string vault = BenchDir() + "/vault-validate-bench";
  FreshVault(vault);
  auto lk = Unwrap(lake::Lake::Open(vault, {}), "opening " + vault);
  lake::ImportRequest req;
  req.path = path;
  req.symbol = "ES";
  req.timeframe = "1m";
  auto t0 = Clock::now();
  (void)Unwrap(lk->Import(req), "importing " + path);
  const double ms = MsSince(t0);
  lk.reset();
  fs::remove_all(vault);
  return ms;
}

ingest::ParsedBars ParseSorted(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  TimeZone tz = Unwrap(TimeZone::Locate("America/Los_Angeles"), "zone");
  ingest::ParseOptions opt{.timeframe = Unwrap(Timeframe::Parse("1m"), "timeframe")};
  opt.source_tz = &tz;
  opt.file_label = path;
  const ingest::BarFormat* nt = Unwrap(ingest::FindFormat("ninjatrader"), "format");
  ingest::ParsedBars parsed = Unwrap(nt->Parse(data, opt), "parsing " + path);
  ingest::SortByTime(&parsed);
  return parsed;
}

int Main() {
  const std::string src = EnsureSource20y();
  const int runs = EnvInt("BARLAKE_BENCH_VALIDATE_RUNS", 3);
  const ingest::ParsedBars parsed = ParseSorted(src);
  const Timeframe tf = Unwrap(Timeframe::Parse("1m"), "timeframe");
  std::vector<double> t_import, t_validate, overheads;
  int64_t rejected = 0;
  for (int i = 0; i < runs; ++i) {
    t_import.push_back(TimeImport(src));
    ingest::ParsedBars copy = parsed;  // Validate removes rejected rows in place
    validate::ValidationOptions full;  // defaults: every rule on
    t_validate.push_back(TimeMs([&] {
      validate::ValidationReport report = validate::Validate(&copy, tf, full);
      rejected = report.rejected_rows();
    }));
    overheads.push_back(100.0 * t_validate.back() / (t_import.back() - t_validate.back()));
  }
  std::vector<double> t_rest;
  for (size_t i = 0; i < t_import.size(); ++i) t_rest.push_back(t_import[i] - t_validate[i]);
  const double overhead = Median(overheads);
  std::vector<Row> rows;
  rows.push_back({"validator (all rules) vs the rest of the import", Ms(Median(t_validate)), Ms(Median(t_rest)),
                  Fmt("+%.1f%%", overhead), "<= +15%", overhead <= 15});
  rows.push_back({"  validator runs / import runs (ms)", Spread(t_validate), Spread(t_import), "-", "", true, false});
  rows.push_back({"  rows validated, rows rejected", std::to_string(parsed.bars.size()), std::to_string(rejected),
                  "-", "", true, false});
  return Report("6. what the full validator adds to the 20-year import (issue 3)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main() { return barlake::bench::Main(); }
