// Kill `barlake import` with SIGKILL at every named point of the write protocol (through
// the CLI's BARLAKE_CRASH_AT hook) and at random moments; after each kill, recovery must
// leave a lake that verifies, and importing again must give every row exactly once. The
// in-process suite tests/lake/write_path_conformance_test.cc crashes every other write
// path (snapshot import, rollback, regenerates, ...) at every named point.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "demo/sample_data.h"
#include "storage/duckdb_conn.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::RunBarlake;

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // ~4 months of CME-hours bars (about 90k rows, 5 partitions) split in two files that
    // overlap by a month, so the second import both rewrites and creates partitions.
    demo::SampleSpec spec;
    spec.start_year = 2024;
    spec.days = 120;
    spec.export_tz = "UTC";
    int64_t rows = 0;
    std::string all = demo::MakeNinjaTraderExport(spec, &rows).value();
    total_rows_ = rows;
    const size_t cut1 = all.find("\n20240301") + 1, cut2 = all.find("\n20240201") + 1;
    first_ = dir_.Sub("first.txt");
    second_ = dir_.Sub("second.txt");
    ASSERT_TRUE(testutil::WriteText(first_, all.substr(0, cut1)).ok());
    ASSERT_TRUE(testutil::WriteText(second_, all.substr(cut2)).ok());
  }

  std::string NewVault(const std::string& name) {
    const std::string v = dir_.Sub(name);
    CommandResult r = RunBarlake({"init", v, "--source-tz", "UTC"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return v;
  }
  CommandResult Import(const std::string& vault, const std::string& file, std::vector<std::string> env = {}) {
    return RunBarlake({"--vault", vault, "import", file, "--symbol", "ES", "--timeframe", "1m"}, env);
  }
  int64_t CountRows(const std::string& vault) {
    CommandResult q = RunBarlake({"--vault", vault, "query",
                                  "SELECT count(*) || ':' || count(DISTINCT ts) FROM bars", "--format", "csv"});
    EXPECT_EQ(q.exit_code, 0) << q.err;
    const std::string line = q.out.substr(q.out.find('\n') + 1);
    const int64_t n = std::stoll(line.substr(0, line.find(':')));
    const int64_t distinct = std::stoll(line.substr(line.find(':') + 1));
    EXPECT_EQ(n, distinct) << "duplicate rows in " << vault;
    return n;
  }
  // After a kill: recover, verify, re-import both files, and count every row once.
  void ExpectRecoverable(const std::string& vault, const std::string& context) {
    CommandResult rec = RunBarlake({"--vault", vault, "recover"});
    ASSERT_EQ(rec.exit_code, 0) << context << ": " << rec.err;
    CommandResult v = RunBarlake({"--vault", vault, "verify"});
    ASSERT_EQ(v.exit_code, 0) << context << ": " << v.out << v.err;
    EXPECT_TRUE(std::filesystem::is_empty(vault + "/.barlake/staging")) << context;
    ASSERT_EQ(Import(vault, first_).exit_code, 0) << context;
    ASSERT_EQ(Import(vault, second_).exit_code, 0) << context;
    EXPECT_EQ(CountRows(vault), total_rows_) << context;
    CommandResult v2 = RunBarlake({"--vault", vault, "verify"});
    EXPECT_EQ(v2.exit_code, 0) << context << ": " << v2.out;
  }

  testutil::TempDir dir_;
  std::string first_, second_;
  int64_t total_rows_ = 0;
};

TEST_F(CrashTest, KillAtEveryNamedPointIsRecoverable) {
  const char* points[] = {"after-source-copy", "after-stage-file", "after-stage-file:3", "after-staged",
                          "after-keep-old", "after-swap-one", "after-swap-one:2", "after-swap-all",
                          "after-commit"};
  int n = 0;
  for (const char* point : points) {
    const std::string vault = NewVault("v" + std::to_string(n++));
    ASSERT_EQ(Import(vault, first_).exit_code, 0);
    CommandResult killed = Import(vault, second_, {std::string("BARLAKE_CRASH_AT=") + point});
    ASSERT_EQ(killed.signal, SIGKILL) << point << " exit " << killed.exit_code << " " << killed.err;
    ExpectRecoverable(vault, point);
  }
}

// `dataset rename` and `dataset drop` (one job each) killed half-way through their swaps:
// recovery finishes the job (its plan is recorded), so every bar is under the new name,
// or the dataset is gone and its rollback brings all of it back.
TEST_F(CrashTest, KillDatasetRenameAndDropMidSwapIsRecoverable) {
  const std::string vault = NewVault("ops");
  ASSERT_EQ(Import(vault, first_).exit_code, 0);
  ASSERT_EQ(Import(vault, second_).exit_code, 0);
  ASSERT_EQ(CountRows(vault), total_rows_);
  CommandResult killed = RunBarlake({"--vault", vault, "dataset", "rename", "ES", "1m", "MES"},
                                    {"BARLAKE_CRASH_AT=after-swap-one:3"});
  ASSERT_EQ(killed.signal, SIGKILL) << killed.exit_code << " " << killed.err;
  ASSERT_EQ(RunBarlake({"--vault", vault, "recover"}).exit_code, 0);
  ASSERT_EQ(RunBarlake({"--vault", vault, "verify"}).exit_code, 0);
  CommandResult names = RunBarlake({"--vault", vault, "query", "SELECT DISTINCT symbol FROM bars", "--format", "csv"});
  EXPECT_EQ(names.out, "symbol\nMES\n");
  EXPECT_EQ(CountRows(vault), total_rows_);

  killed = RunBarlake({"--vault", vault, "dataset", "drop", "MES", "1m"}, {"BARLAKE_CRASH_AT=after-swap-one:2"});
  ASSERT_EQ(killed.signal, SIGKILL) << killed.exit_code << " " << killed.err;
  ASSERT_EQ(RunBarlake({"--vault", vault, "recover"}).exit_code, 0);
  ASSERT_EQ(RunBarlake({"--vault", vault, "verify"}).exit_code, 0);
  EXPECT_EQ(CountRows(vault), 0);
  CommandResult rb = RunBarlake({"--vault", vault, "rollback", "4"});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_EQ(CountRows(vault), total_rows_);
  EXPECT_EQ(RunBarlake({"--vault", vault, "verify"}).exit_code, 0);
}

TEST_F(CrashTest, KillAtRandomMomentsIsRecoverable) {
  std::mt19937 rng(20261121);
  const std::string vault = NewVault("random");
  for (int round = 0; round < 12; ++round) {
    const std::string file = round % 2 ? second_ : first_;
    const int delay_ms = std::uniform_int_distribution<int>(20, 900)(rng);
    pid_t pid = ::fork();
    if (pid == 0) {
      const std::string bin = BARLAKE_BINARY;
      ::freopen("/dev/null", "w", stdout);
      ::freopen("/dev/null", "w", stderr);
      ::execl(bin.c_str(), bin.c_str(), "--vault", vault.c_str(), "import", file.c_str(), "--symbol", "ES",
              "--timeframe", "1m", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CommandResult rec = RunBarlake({"--vault", vault, "recover"});
    ASSERT_EQ(rec.exit_code, 0) << "round " << round << ": " << rec.err;
    CommandResult v = RunBarlake({"--vault", vault, "verify"});
    ASSERT_EQ(v.exit_code, 0) << "round " << round << " (killed after " << delay_ms << " ms): " << v.out;
  }
  ExpectRecoverable(vault, "random kills");
}

// Readers take no lock. While an import rewrites partitions, every read of the lake by
// glob must succeed and see each partition either whole before or whole after the job.
TEST_F(CrashTest, ReadersNeverSeeAPartialFile) {
  const std::string vault = NewVault("readers");
  ASSERT_EQ(Import(vault, first_).exit_code, 0);
  // Read in this process through DuckDB, as an outside reader would, many times a second.
  auto duck = storage::DuckConn::OpenInMemory().value();
  auto counts_of = [&](const std::string& v, std::map<std::string, int64_t>* out) -> std::string {
    auto r = duck->Query("SELECT period, count(*) FROM read_parquet('" + v +
                         "/lake/**/*.parquet', hive_partitioning=true) GROUP BY period");
    if (!r.ok()) return r.status().ToString();
    for (idx_t i = 0; i < (*r)->RowCount(); ++i) (*out)[(*r)->Text(0, i)] = (*r)->Int(1, i);
    return std::string();
  };
  auto counts = [&](std::map<std::string, int64_t>* out) { return counts_of(vault, out); };
  std::map<std::string, int64_t> before, after;
  ASSERT_EQ(counts(&before), "");
  {
    // Learn the end state on a copy.
    const std::string copy = dir_.Sub("readers-copy");
    std::filesystem::copy(vault, copy, std::filesystem::copy_options::recursive);
    ASSERT_EQ(Import(copy, second_).exit_code, 0);
    ASSERT_EQ(counts_of(copy, &after), "");
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    const std::string bin = BARLAKE_BINARY;
    ::freopen("/dev/null", "w", stdout);
    ::execl(bin.c_str(), bin.c_str(), "--vault", vault.c_str(), "import", second_.c_str(), "--symbol", "ES",
            "--timeframe", "1m", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int reads = 0, status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    std::map<std::string, int64_t> seen;
    ASSERT_EQ(counts(&seen), "") << "a read failed during the import";
    for (const auto& [period, n] : seen) {
      const bool was = before.count(period) && before[period] == n;
      const bool will = after.count(period) && after[period] == n;
      EXPECT_TRUE(was || will) << "partition " << period << " seen with " << n << " rows";
    }
    ++reads;
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GE(reads, 3);
  std::printf("%d reads during the import\n", reads);
  std::map<std::string, int64_t> end;
  ASSERT_EQ(counts(&end), "");
  EXPECT_EQ(end, after);
}

}  // namespace
}  // namespace barlake
