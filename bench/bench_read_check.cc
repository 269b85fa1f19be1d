// Benchmark: the cost of checking each file a read opens against the journal
// (docs/integrity.md). A one-day read of a month partition (1-minute bars, CME hours) with
// the check (Lake::Read: size, then SHA-256 of the partition file) against the same read
// without it (the catalog lookup and the same DuckDB read of the same file, as Lake::Read
// did before the check). Target: the check adds <= 10%. Both in one run, alternating.
#include "bench_util.h"
#include "lake/range_files.h"
#include "lake/read_check.h"
#include "storage/parquet_store.h"

namespace barlake::bench {
namespace {

constexpr const char* kFrom = "2024-03-13T22:00:00Z";
constexpr const char* kTo = "2024-03-14T21:00:00Z";

int Main() {
  const std::string vault = BenchDir() + "/vault_read_check";
  const std::string source = BenchDir() + "/ES_1m_2024q1.txt";
  EnsureExport(SpecFromDay(DaysFromCivil(2024, 1, 1), 120, 7, 4800.0), source);
  if (!fs::exists(vault + "/barlake.toml")) {
    FreshVault(vault);
    auto lk = OpenLake(vault);
    (void)ImportFile(lk.get(), source);
  }
  const int runs = EnvInt("BARLAKE_BENCH_READ_RUNS", 41);
  const Micros from = Unwrap(ParseIsoUtc(kFrom), "from"), to = Unwrap(ParseIsoUtc(kTo), "to");
  auto lk = OpenLake(vault);
  lake::VaultPaths paths(vault);
  auto* journal = lk->TEST_journal();
  storage::DuckConn* duck = Unwrap(lk->TEST_Duck(), "DuckDB");
  storage::ParquetStore store(duck);
  // Without the check: what Lake::Read did before it.
  auto unchecked = [&]() -> BarColumns {
    auto range = Unwrap(lake::FilesInRange(journal, paths, "ES", "1m", from, to, "no dataset"), "range");
    return Unwrap(store.ReadRange(range.files, range.from, range.to), "ReadRange");
  };
  auto checked = [&]() -> BarColumns { return Unwrap(lk->Read("ES", "1m", from, to), "Lake::Read"); };
  const BarColumns a = checked(), b = unchecked();
  if (a.size() != b.size() || a.ts != b.ts || a.close != b.close) Die("the two reads returned different rows");
  auto range = Unwrap(lake::FilesInRange(journal, paths, "ES", "1m", from, to, "no dataset"), "range");
  const uint64_t file_bytes = FileSize(range.files.at(0));
  std::vector<double> with, without, check_only;
  for (int i = 0; i < runs; ++i) {
    auto w = [&] { with.push_back(TimeMs([&] { (void)checked(); })); };
    auto wo = [&] { without.push_back(TimeMs([&] { (void)unchecked(); })); };
    if (i % 2 == 0) {
      w();
      wo();
    } else {
      wo();
      w();
    }
    check_only.push_back(TimeMs([&] {
      (void)Unwrap(lake::PartitionFileProblem(Env::Default(), range.files[0], range.entries[0]), "check");
    }));
  }
  const double m_with = Median(with), m_without = Median(without);
  std::vector<Row> rows;
  rows.push_back({"read 1 day, checked vs unchecked", Ms(m_with), Ms(m_without), Ratio(m_with, m_without),
                  "<= 1.10x", m_with <= 1.10 * m_without});
  rows.push_back({"  runs (ms)", Spread(with, 2), Spread(without, 2), "-", "", true, false});
  rows.push_back({"  the check alone (stat + SHA-256)", Fmt("%.2f ms", Median(check_only)), "-", "-", "", true,
                  false});
  rows.push_back({"  partition file", Fmt("%.0f KiB", static_cast<double>(file_bytes) / 1024), "-", "-", "", true,
                  false});
  rows.push_back({"  rows per read", std::to_string(a.size()), std::to_string(b.size()), "-", "", true, false});
  return Report("read check: one-day read with and without the file check", rows);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char**) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_read_check   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return barlake::bench::Main();
}
