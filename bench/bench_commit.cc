// Benchmark: the cost of one partition commit. A NinjaTrader file of 240 one-minute bars,
// one in each month of 2005-2024, is imported by the real `barlake import` process into an
// empty vault: 240 partitions, each staged (DuckDB write), read back and checked, hashed,
// fsynced, journaled and swapped. Against it, in the same run, plain C++ writes 240
// one-row files, each fsynced with its folder (the least a durable writer does per file).
//
// Per-partition cost of barlake = (import of the 240-month file - import of a 1-bar file)
// / 239, both whole processes: the fixed cost of a process (loading libduckdb, opening
// the journal, the job's transactions) cancels out. Target: <= 1.5 ms per partition.
#include <fcntl.h>
#include <unistd.h>

#include "bench_util.h"

namespace barlake::bench {
namespace {

std::string MonthsFile(int months) {
  std::string out;
  char line[96];
  for (int i = 0; i < months; ++i) {
    const int y = 2005 + i / 12, m = 1 + i % 12;
    // Around noon on the 10th, one bar a month; the minutes vary so that the bars do not
    // look like an hourly file to the timeframe check.
    std::snprintf(line, sizeof line, "%04d%02d10 12%02d00;%.2f;%.2f;%.2f;%.2f;%d\n", y, m, (i * 7) % 60, 1000.25 + i,
                  1001.5 + i, 999.75 + i, 1000.5 + i, 100 + i);
    out += line;
  }
  return out;
}

// One-row files written, fsynced and their folder fsynced, one by one (plain POSIX).
double PlainFiles(const std::string& dir, int n, const std::string& row) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  ::sync();
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const std::string p = dir + "/f" + std::to_string(i);
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, row.data(), row.size()) != static_cast<ssize_t>(row.size()) || ::fsync(fd) != 0) {
      Die("plain write of " + p + " failed");
    }
    ::close(fd);
    int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0 || ::fsync(d) != 0) Die("fsync of " + dir + " failed");
    ::close(d);
  }
  return MsSince(t0);
}

ProcResult ImportProcess(const std::string& vault, const std::string& file) {
  FreshVault(vault);
  ::sync();  // the previous run's writeback must not land inside this one
  return RunOk({BarlakeCli(), "--vault", vault, "import", file, "--symbol", "ES", "--timeframe", "1m", "--tz",
                "America/New_York"});
}

int Main() {
  const std::string dir = BenchDir() + "/commit";
  fs::create_directories(dir);
  const int kMonths = 240;
  const std::string many = dir + "/ES_240_months.txt", one = dir + "/ES_1_month.txt";
  WriteFile(many, MonthsFile(kMonths));
  WriteFile(one, MonthsFile(1));
  const std::string row = MonthsFile(1);
  const int runs = EnvInt("BARLAKE_BENCH_COMMIT_RUNS", 5);
  std::printf("bench_commit: import of %d one-bar months (barlake process) vs %d one-row files written and "
              "fsynced by plain C++; %d runs, alternating\n",
              kMonths, kMonths, runs);
  std::fflush(stdout);

  std::vector<double> many_ms, one_ms, plain_ms, per_part, plain_per_file, ratios, cpu_per_part;
  for (int i = 0; i < runs; ++i) {
    double m = 0, o = 0, p = 0;
    auto barlake = [&] {
      const ProcResult po = ImportProcess(dir + "/vault", one);
      const ProcResult pm = ImportProcess(dir + "/vault", many);
      o = po.wall_ms;
      m = pm.wall_ms;
      cpu_per_part.push_back((pm.cpu_ms - po.cpu_ms) / (kMonths - 1));
    };
    auto plain = [&] { p = PlainFiles(dir + "/plain", kMonths, row); };
    if (i % 2 == 0) {
      barlake();
      plain();
    } else {
      plain();
      barlake();
    }
    many_ms.push_back(m);
    one_ms.push_back(o);
    plain_ms.push_back(p);
    per_part.push_back((m - o) / (kMonths - 1));
    plain_per_file.push_back(p / kMonths);
    ratios.push_back(per_part.back() / plain_per_file.back());
    std::printf("  run %d: barlake 240 months %.0f ms, 1 month %.0f ms -> %.2f ms/partition; plain %.0f ms -> "
                "%.2f ms/file\n",
                i + 1, m, o, per_part.back(), p, plain_per_file.back());
    std::fflush(stdout);
  }
  const size_t files = TreeFiles(dir + "/vault/lake", ".parquet");
  fs::remove_all(dir + "/plain");

  std::vector<Row> rows;
  const double pp = Median(per_part);
  rows.push_back({"per-partition commit cost (barlake: marginal, whole process)", Fmt("%.2f ms", pp),
                  Fmt("%.2f ms", Median(plain_per_file)), Fmt("%.2fx", Median(ratios)), "<= 1.50 ms", pp <= 1.5});
  rows.push_back({"  runs (ms per partition / per file)", Spread(per_part, 2), Spread(plain_per_file, 2),
                  Spread(ratios, 2), "", true, false});
  rows.push_back({"  CPU (user + system) per partition, marginal", Fmt("%.2f ms", Median(cpu_per_part)), "-", "-", "",
                  true, false});
  rows.push_back({"  import of 240 one-bar months (process)", Ms(Median(many_ms)), Ms(Median(plain_ms)),
                  Ratio(Median(many_ms), Median(plain_ms)), "", true, false});
  rows.push_back({"  import of 1 one-bar month (process: the fixed cost)", Ms(Median(one_ms)), "-", "-", "", true,
                  false});
  rows.push_back({"  partition files in the lake", std::to_string(files), "-", "-", "= 240", files == 240});
  for (auto& r : rows) {
    if (r.baseline.empty()) r.baseline = "-";
    if (r.ratio.empty()) r.ratio = "-";
  }
  return Report("commit: cost of one partition (240 one-bar months, barlake process vs plain write+fsync)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char**) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_commit   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return barlake::bench::Main();
}
