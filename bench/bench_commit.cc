// Benchmark: the cost of one partition commit. A NinjaTrader file of 240 one-minute bars,
// one in each month of 2005-2024, is imported by the real `barlake import` process into an
// empty vault: 240 partitions, each staged (DuckDB write), read back and checked, hashed,
// fsynced, journaled and swapped. Against it, in the same run, plain C++ writes 240
// one-row files, each fsynced with its folder (the least a durable writer does per file).
//
// Per-partition cost of barlake = (import of the 240-month file - import of a 1-bar file)
// / 239, both whole processes: the fixed cost of a process (loading libduckdb, opening
// the journal, the job's transactions) cancels out. Target: <= 1.5 ms per partition.
// The same marginal cost is also taken in process (this program re-executed as a child
// that times Lake::Open + Import with its own clock), to show how much of a whole process
// is start-up, and the load average at the start and end of the run is printed: on a
// shared machine the wall times follow it.
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

// The child: Lake::Open + Import of `file` into the (fresh) vault, timed in process.
int ChildImport(const std::string& vault, const std::string& file) {
  auto t0 = Clock::now();
  auto lk = Unwrap(lake::Lake::Open(vault, lake::LakeOptions{}), "opening " + vault);
  lake::ImportRequest req;
  req.path = file;
  req.symbol = "ES";
  req.timeframe = "1m";
  req.tz = "America/New_York";
  auto r = Unwrap(lk->Import(req), "importing " + file);
  if (r.job.status != "completed") Die("import of " + file + " ended " + r.job.status);
  std::printf("%.3f\n", MsSince(t0));
  return 0;
}

// In-process milliseconds of an import into a fresh vault (a child process of its own).
double ImportInProcess(const std::string& vault, const std::string& file) {
  FreshVault(vault);
  ::sync();
  const ProcResult p = RunOk({SelfExe(), "--child-import", vault, file}, true);
  double ms = 0;
  if (std::sscanf(p.out.c_str(), "%lf", &ms) != 1) Die("unexpected child output: " + p.out);
  return ms;
}

std::string LoadAverage() {
  double l[3] = {0, 0, 0};
  if (::getloadavg(l, 3) != 3) return "?";
  return Fmt("%.1f %.1f %.1f", l[0], l[1], l[2]);
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
  const std::string load_before = LoadAverage();
  std::printf("bench_commit: import of %d one-bar months (barlake process) vs %d one-row files written and "
              "fsynced by plain C++; %d runs, alternating; load average %s\n",
              kMonths, kMonths, runs, load_before.c_str());
  std::fflush(stdout);

  std::vector<double> many_ms, one_ms, plain_ms, per_part, plain_per_file, ratios, cpu_per_part;
  std::vector<double> in_per_part, in_ratios;
  for (int i = 0; i < runs; ++i) {
    double m = 0, o = 0, p = 0, im = 0, io = 0;
    auto barlake = [&] {
      const ProcResult po = ImportProcess(dir + "/vault", one);
      const ProcResult pm = ImportProcess(dir + "/vault", many);
      o = po.wall_ms;
      m = pm.wall_ms;
      cpu_per_part.push_back((pm.cpu_ms - po.cpu_ms) / (kMonths - 1));
      io = ImportInProcess(dir + "/vault", one);
      im = ImportInProcess(dir + "/vault", many);
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
    in_per_part.push_back((im - io) / (kMonths - 1));
    in_ratios.push_back(in_per_part.back() / plain_per_file.back());
    std::printf("  run %d: barlake 240 months %.0f ms, 1 month %.0f ms -> %.2f ms/partition (in process %.0f - %.0f "
                "ms -> %.2f ms/partition); plain %.0f ms -> %.2f ms/file; load %s\n",
                i + 1, m, o, per_part.back(), im, io, in_per_part.back(), p, plain_per_file.back(),
                LoadAverage().c_str());
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
  rows.push_back({"per-partition commit cost (barlake: marginal, in process: Lake::Open + Import)",
                  Fmt("%.2f ms", Median(in_per_part)), Fmt("%.2f ms", Median(plain_per_file)),
                  Fmt("%.2fx", Median(in_ratios)), "<= 1.50 ms", Median(in_per_part) <= 1.5});
  rows.push_back({"  runs, in process (ms per partition / per file)", Spread(in_per_part, 2), Spread(plain_per_file, 2),
                  Spread(in_ratios, 2), "", true, false});
  rows.push_back({"  CPU (user + system) per partition, marginal", Fmt("%.2f ms", Median(cpu_per_part)), "-", "-", "",
                  true, false});
  rows.push_back({"  import of 240 one-bar months (process)", Ms(Median(many_ms)), Ms(Median(plain_ms)),
                  Ratio(Median(many_ms), Median(plain_ms)), "", true, false});
  rows.push_back({"  import of 1 one-bar month (process: the fixed cost)", Ms(Median(one_ms)), "-", "-", "", true,
                  false});
  rows.push_back({"  partition files in the lake", std::to_string(files), "-", "-", "= 240", files == 240});
  rows.push_back({"  load average at start / end", load_before, LoadAverage(), "-", "", true, false});
  for (auto& r : rows) {
    if (r.baseline.empty()) r.baseline = "-";
    if (r.ratio.empty()) r.ratio = "-";
  }
  return Report("commit: cost of one partition (240 one-bar months, barlake process vs plain write+fsync)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--child-import") return barlake::bench::ChildImport(argv[2], argv[3]);
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_commit   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return barlake::bench::Main();
}
