// Shared helpers of the barlake benchmarks (bench/README.md).
//
// Every benchmark runs the same work through barlake and through a baseline in ONE run
// and prints both figures and their ratio: the machines are shared and noisy, so only
// same-run ratios mean something. Work files go under $BARLAKE_BENCH_DIR (default
// /tmp/barlake-bench). The 20-year source file and vault are shared by the import, merge
// and read benchmarks: the first program that needs them builds them, the others reuse
// them, and bench/run.sh removes the folder at the end.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "demo/sample_data.h"
#include "lake/lake.h"
#include "lake/vault.h"

extern char** environ;

namespace barlake::bench {

namespace fs = std::filesystem;

// ---- timing --------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

inline double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

template <typename F>
double TimeMs(F&& f) {
  auto t0 = Clock::now();
  f();
  return MsSince(t0);
}

inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline double Min(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }
inline double Max(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

/// "12.3 (10.1-15.0)": median with the range of the runs.
inline std::string Spread(const std::vector<double>& v, int decimals = 1) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.*f-%.*f", decimals, Min(v), decimals, Max(v));
  return buf;
}

// ---- environment ---------------------------------------------------------------------

[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "bench: error: %s\n", what.c_str());
  std::exit(2);
}

inline void Check(const Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.ToString());
}

template <typename T>
T Unwrap(Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what + ": " + r.status().ToString());
  return std::move(r).value();
}

inline int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  int n = std::atoi(v);
  return n > 0 ? n : fallback;
}

/// $BARLAKE_BENCH_DIR, default /tmp/barlake-bench (created).
inline std::string BenchDir() {
  const char* v = std::getenv("BARLAKE_BENCH_DIR");
  std::string d = v && *v ? v : "/tmp/barlake-bench";
  fs::create_directories(d);
  return d;
}

inline std::string SelfExe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) Die("cannot resolve /proc/self/exe");
  return p.string();
}

/// The `barlake` CLI built in the same build tree (set by bench/CMakeLists.txt).
inline std::string BarlakeCli() {
  if (const char* v = std::getenv("BARLAKE_CLI"); v && *v) return v;
#ifdef BARLAKE_CLI_PATH
  return BARLAKE_CLI_PATH;
#else
  Die("BARLAKE_CLI is not set");
#endif
}

/// Peak resident set of this process (VmHWM), in KiB. Unlike wait4's ru_maxrss of a
/// child, it is not inflated by the parent's memory at fork/exec time.
inline long PeakRssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!f) Die("cannot write '" + path + "'");
}

inline uint64_t FileSize(const std::string& path) {
  std::error_code ec;
  auto n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

inline uint64_t TreeBytes(const std::string& dir) {
  uint64_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

inline size_t TreeFiles(const std::string& dir, const std::string& ext) {
  size_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ext) ++n;
  }
  return n;
}

// ---- child processes -----------------------------------------------------------------

struct ProcResult {
  int exit_code = -1;
  double wall_ms = 0;
  double cpu_ms = 0;  // user + system time of the child (on a shared machine, the work itself)
  std::string out;  // standard output when captured
};

/// Run argv[0] with argv, wait, and time the whole process (spawn to exit). Standard
/// output goes to /dev/null unless `capture`; standard error is inherited.
inline ProcResult RunProcess(const std::vector<std::string>& args, bool capture = false) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::string out_path;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (capture) {
    char tmpl[] = "/tmp/barlake-bench-out-XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd < 0) Die("mkstemp failed");
    ::close(fd);
    out_path = tmpl;
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_TRUNC, 0600);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  }
  ProcResult r;
  pid_t pid;
  auto t0 = Clock::now();
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) Die("cannot run " + args[0]);
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  r.wall_ms = MsSince(t0);
  r.cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  posix_spawn_file_actions_destroy(&fa);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (capture) {
    std::ifstream f(out_path);
    std::stringstream ss;
    ss << f.rdbuf();
    r.out = ss.str();
    ::unlink(out_path.c_str());
  }
  return r;
}

inline ProcResult RunOk(const std::vector<std::string>& args, bool capture = false) {
  ProcResult r = RunProcess(args, capture);
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    Die("command failed (exit " + std::to_string(r.exit_code) + "): " + cmd);
  }
  return r;
}

// ---- report table --------------------------------------------------------------------

struct Row {
  std::string what;
  std::string barlake;   // figure, formatted
  std::string baseline;  // figure, formatted ("-" when none)
  std::string ratio;     // barlake / baseline, formatted ("-" when none)
  std::string target;
  bool pass = true;
  bool has_target = true;
};

// printf into a string; the attribute lets the compiler check each call's format.
__attribute__((format(printf, 1, 2))) inline std::string Fmt(const char* f, ...) {
  char buf[128];
  va_list args;
  va_start(args, f);
  std::vsnprintf(buf, sizeof buf, f, args);
  va_end(args);
  return buf;
}
inline std::string Ms(double v) { return Fmt(v < 100 ? "%.1f ms" : "%.0f ms", v); }
inline std::string Ratio(double a, double b) { return b > 0 ? Fmt("%.2fx", a / b) : "-"; }

inline void PrintTable(const std::string& title, const std::vector<Row>& rows) {
  std::vector<std::string> head = {"measure", "barlake", "baseline", "ratio", "target", "result"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    cells.push_back({r.what, r.barlake, r.baseline, r.ratio, r.target,
                     r.has_target ? (r.pass ? "PASS" : "MISS") : "info"});
  }
  std::vector<size_t> w(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    w[c] = head[c].size();
    for (const auto& row : cells) w[c] = std::max(w[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& v) {
    std::string s;
    for (size_t c = 0; c < v.size(); ++c) {
      std::string cell = v[c];
      cell.resize(w[c], ' ');
      s += (c ? " | " : "") + cell;
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    std::printf("%s\n", s.c_str());
  };
  std::printf("\n== %s ==\n", title.c_str());
  line(head);
  std::string sep;
  for (size_t c = 0; c < head.size(); ++c) sep += (c ? "-+-" : "") + std::string(w[c], '-');
  std::printf("%s\n", sep.c_str());
  for (const auto& row : cells) line(row);
  std::fflush(stdout);
}

/// Print the table and return the process exit code: 0 when every target passed, 1 when
/// one was missed (bench/run.sh reads it).
inline int Report(const std::string& title, const std::vector<Row>& rows) {
  PrintTable(title, rows);
  for (const auto& r : rows) {
    if (r.has_target && !r.pass) return 1;
  }
  return 0;
}


// ---- the shared 20-year data set -----------------------------------------------------

/// The 20-year ES 1-minute export: 2005-01-01 for 7300 days (to 2024-12-26 UTC), CME
/// Globex hours, stamped in America/Los_Angeles. About 7.2M rows, 344 MB.
inline demo::SampleSpec Spec20y() {
  demo::SampleSpec s;
  s.symbol = "ES";
  s.start_year = 2005;
  s.start_month = 1;
  s.start_day = 1;
  s.days = 20 * 365;
  s.start_price = 1200.0;
  s.seed = 20;
  return s;
}

/// First UTC day after the 20-year data (day number since 1970-01-01).
inline int64_t DayAfter20y() {
  const auto s = Spec20y();
  return DaysFromCivil(s.start_year, s.start_month, s.start_day) + s.days;
}

inline demo::SampleSpec SpecFromDay(int64_t day, int days, uint64_t seed, double price) {
  demo::SampleSpec s;
  s.symbol = "ES";
  int y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  s.start_year = y;
  s.start_month = static_cast<int>(m);
  s.start_day = static_cast<int>(d);
  s.days = days;
  s.start_price = price;
  s.seed = seed;
  return s;
}

/// Write the export for `spec` to `path` unless it is already there. Returns rows (0 when
/// reused, since only the generator counts them).
inline int64_t EnsureExport(const demo::SampleSpec& spec, const std::string& path) {
  if (FileSize(path) > 0) return 0;
  int64_t rows = 0;
  std::string data = Unwrap(demo::MakeNinjaTraderExport(spec, &rows), "generating " + path);
  WriteFile(path + ".tmp", data);
  fs::rename(path + ".tmp", path);
  return rows;
}

inline std::string Source20yPath() { return BenchDir() + "/ES_1m_20y.txt"; }
inline std::string Vault20yPath() { return BenchDir() + "/vault20y"; }

inline std::string EnsureSource20y() {
  const std::string p = Source20yPath();
  if (FileSize(p) == 0) {
    std::fprintf(stderr, "generating the 20-year export %s ...\n", p.c_str());
    auto t0 = Clock::now();
    int64_t rows = EnsureExport(Spec20y(), p);
    std::fprintf(stderr, "  %lld rows, %.1f MB in %.1f s\n", static_cast<long long>(rows),
                 FileSize(p) / 1e6, MsSince(t0) / 1000);
  }
  return p;
}

/// Create an empty vault (removing whatever is at `dir`).
inline void FreshVault(const std::string& dir) {
  fs::remove_all(dir);
  Check(lake::InitVault(Env::Default(), dir, lake::InitOptions{}), "creating vault " + dir);
}

inline lake::ImportResult ImportFile(lake::Lake* lk, const std::string& path, const std::string& symbol = "ES") {
  lake::ImportRequest req;
  req.path = path;
  req.symbol = symbol;
  req.timeframe = "1m";
  auto r = Unwrap(lk->Import(req), "importing " + path);
  if (!r.skipped_because.empty()) Die("import of " + path + " was skipped: " + r.skipped_because);
  return r;
}

inline std::unique_ptr<lake::Lake> OpenLake(const std::string& dir) {
  return Unwrap(lake::Lake::Open(dir, lake::LakeOptions{}), "opening vault " + dir);
}

/// The 20-year vault (left by bench_import, else built here through Lake::Import).
inline std::string EnsureVault20y() {
  const std::string dir = Vault20yPath();
  if (fs::exists(dir + "/barlake.toml") && fs::exists(dir + "/.barlake/journal.sqlite")) return dir;
  const std::string src = EnsureSource20y();
  std::fprintf(stderr, "importing the 20-year export into %s ...\n", dir.c_str());
  FreshVault(dir + ".tmp");
  auto t0 = Clock::now();
  {
    auto lk = OpenLake(dir + ".tmp");
    ImportFile(lk.get(), src);
  }
  std::fprintf(stderr, "  done in %.1f s\n", MsSince(t0) / 1000);
  fs::rename(dir + ".tmp", dir);
  return dir;
}

}  // namespace barlake::bench
