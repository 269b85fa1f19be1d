// Kill `barlake import` of a GEX snapshot file with SIGKILL at every named point of the
// write protocol: recovery must leave a vault that verifies, and importing again must give
// every snapshot row exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::RunBarlake;

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(SnapshotCrashTest, KillAtEveryNamedPointIsRecoverable) {
  testutil::TempDir dir;
  const std::string gex = std::string(BARLAKE_TEST_DATA_DIR) + "/gex/";
  const std::string first = gex + "SPX_2026-02-25_rt.json";
  // Rewrites February (a second snapshot) and creates March.
  std::string feb = ReadText(gex + "SPX_2026-02-26_rt.json");
  std::string mar = feb;
  mar.replace(mar.find("1772053200"), 10, "1772744400");
  const std::string second = dir.Sub("spx.jsonl");
  ASSERT_TRUE(testutil::WriteText(second, feb + mar).ok());
  int n = 0;
  for (const char* point : {"after-source-copy", "after-stage-file", "after-stage-file:2", "after-staged",
                            "after-keep-old", "after-swap-one", "after-swap-all", "after-commit"}) {
    const std::string vault = dir.Sub("v" + std::to_string(n++));
    ASSERT_EQ(RunBarlake({"init", vault}).exit_code, 0);
    ASSERT_EQ(RunBarlake({"--vault", vault, "import", first}).exit_code, 0) << point;
    CommandResult killed =
        RunBarlake({"--vault", vault, "import", second}, {std::string("BARLAKE_CRASH_AT=") + point});
    ASSERT_EQ(killed.signal, SIGKILL) << point << " exit " << killed.exit_code << " " << killed.err;
    ASSERT_EQ(RunBarlake({"--vault", vault, "recover"}).exit_code, 0) << point;
    CommandResult v = RunBarlake({"--vault", vault, "verify"});
    ASSERT_EQ(v.exit_code, 0) << point << ": " << v.out << v.err;
    EXPECT_TRUE(std::filesystem::is_empty(vault + "/.barlake/staging")) << point;
    ASSERT_EQ(RunBarlake({"--vault", vault, "import", second}).exit_code, 0) << point;
    CommandResult q = RunBarlake({"--vault", vault, "query",
                                  "SELECT count(*) AS n, count(DISTINCT (ts, strike)) AS d FROM snapshots",
                                  "--format", "csv"});
    ASSERT_EQ(q.exit_code, 0) << q.err;
    EXPECT_EQ(q.out, "n,d\n13,13\n") << point;
    EXPECT_EQ(RunBarlake({"--vault", vault, "verify"}).exit_code, 0) << point;
  }
}

}  // namespace
}  // namespace barlake
