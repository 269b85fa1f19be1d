// The snapshot commands as users run them: `import` detecting a GEX file, `snapshots
// import|read|list`, the `snapshots` query views, status, verify and rollback.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::RunBarlake;

class SnapshotCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    CommandResult r = RunBarlake({"init", vault_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Bl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args);
  }
  static std::string Gex(const std::string& name) { return std::string(BARLAKE_TEST_DATA_DIR) + "/gex/" + name; }
  testutil::TempDir dir_;
  std::string vault_;
};

TEST_F(SnapshotCliTest, ImportDetectsTheSnapshotFileAndReadPrintsEveryStrike) {
  // No --symbol/--timeframe: the file names its ticker.
  CommandResult imp = Bl({"import", Gex("SPX_2026-02-25_rt.json"), "--json"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto report = nlohmann::json::parse(imp.out);
  EXPECT_EQ(report["status"], "completed");
  EXPECT_EQ(report["kind"], "import-snapshot");
  EXPECT_EQ(report["rows_added"], 7);
  EXPECT_EQ(report["tickers"], nlohmann::json::array({"SPX"}));
  // Again: skipped, exit 0.
  CommandResult again = Bl({"snapshots", "import", Gex("SPX_2026-02-25_rt.json")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Skipped"), std::string::npos) << again.out;
  ASSERT_EQ(Bl({"snapshots", "import", Gex("SPX_2026-02-26_rt.json"), Gex("SPY_2026-02-25_pre.json")}).exit_code, 0);

  CommandResult csv = Bl({"snapshots", "read", "SPX", "--to", "2026-02-25T00:00:00Z"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')).rfind("ts,ticker,strike,gex_vol,gex_oi,prior_gex_vol_1", 0), 0u);
  EXPECT_NE(csv.out.find("\n2026-02-24T21:00:00Z,SPX,6720,-4.35,0,-4.35,-4.36,-4.33,-3.01,-3.1,6891.04,0,1,0,"),
            std::string::npos)
      << csv.out;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 1 + 7);
  // --missing-as-null: the source's 0 = not available fields become null.
  CommandResult js = Bl({"snapshots", "read", "SPX", "--format", "json", "--missing-as-null"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  auto rows = nlohmann::json::parse(js.out);
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_TRUE(rows[0]["zero_gamma"].is_null());
  EXPECT_TRUE(rows[0]["gex_oi"].is_null());
  EXPECT_EQ(rows[0]["major_pos_vol"], 6880);
  EXPECT_EQ(rows[9]["zero_gamma"], 6850.25);  // a real value stays
  EXPECT_EQ(rows[9]["strike"], 6715);

  CommandResult list = Bl({"snapshots", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto ds = nlohmann::json::parse(list.out);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0]["ticker"], "SPX");
  EXPECT_EQ(ds[0]["rows"], 10);
  CommandResult status = Bl({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(status.out)["datasets"][0]["timeframe"], "gex");
  EXPECT_EQ(nlohmann::json::parse(status.out)["datasets"][0]["kind"], "snapshot");
  CommandResult detect = Bl({"detect", Gex("ndx_history.jsonl")});
  ASSERT_EQ(detect.exit_code, 0) << detect.err;
  EXPECT_EQ(detect.out.substr(0, detect.out.find('\n')), Gex("ndx_history.jsonl") + ": gex-json");
  // A snapshot dataset is not bars.
  CommandResult bars = Bl({"read", "SPX", "gex"});
  EXPECT_EQ(bars.exit_code, 2);
  EXPECT_NE(bars.err.find("barlake snapshots read SPX"), std::string::npos) << bars.err;
  EXPECT_EQ(Bl({"snapshots", "read", "QQQ"}).exit_code, 3);
}

TEST_F(SnapshotCliTest, QueryViewsShowSentinelZerosAsNullAndBarsStayBars) {
  ASSERT_EQ(Bl({"import", Gex("SPX_2026-02-25_rt.json")}).exit_code, 0);
  ASSERT_EQ(Bl({"import", Gex("SPX_2026-02-26_rt.json")}).exit_code, 0);
  CommandResult q = Bl({"query",
                        "SELECT count(*) AS n, count(zero_gamma) AS zg, count(gex_oi) AS oi, "
                        "(SELECT count(*) FROM snapshots_raw WHERE zero_gamma = 0) AS raw_zero, "
                        "(SELECT count(*) FROM bars) AS bars FROM snapshots",
                        "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "n,zg,oi,raw_zero,bars\n10,3,0,7,0\n");
  // Bars and snapshots side by side: each view sees its own files.
  const std::string bar_file = dir_.Sub("es.txt");
  ASSERT_TRUE(testutil::WriteText(bar_file, testutil::NtMinutes("20240115 093100", 30, 100)).ok());
  ASSERT_EQ(Bl({"import", bar_file, "--symbol", "ES", "--timeframe", "1m"}).exit_code, 0);
  CommandResult both = Bl({"query", "SELECT (SELECT count(*) FROM bars) AS b, (SELECT count(*) FROM snapshots) AS s",
                           "--format", "csv"});
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(both.out, "b,s\n30,10\n");
  // An empty vault still has the views.
  const std::string empty = dir_.Sub("empty");
  ASSERT_EQ(RunBarlake({"init", empty}).exit_code, 0);
  CommandResult none = RunBarlake({"--vault", empty, "query", "SELECT count(*) AS n FROM snapshots", "--format", "csv"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "n\n0\n");
}

TEST_F(SnapshotCliTest, ConflictsMalformedFilesVerifyAndRollback) {
  ASSERT_EQ(Bl({"import", Gex("SPX_2026-02-25_rt.json")}).exit_code, 0);  // job 1
  CommandResult fail = Bl({"snapshots", "import", Gex("SPX_2026-02-25_conflict.json"), "--on-conflict", "fail"});
  EXPECT_EQ(fail.exit_code, 5);
  EXPECT_NE(fail.err.find("strike 6720: gex_vol stored -4.35, new -4.5"), std::string::npos) << fail.err;
  // A malformed file: exit 4, the message names the file and the JSON path.
  const std::string bad = dir_.Sub("bad.json");
  ASSERT_TRUE(testutil::WriteText(bad, "{\"timestamp\": 1771966800, \"ticker\": \"SPX\", \"strikes\": [[1, 2]]}").ok());
  CommandResult b = Bl({"import", bad, "--format", "gex-json"});
  EXPECT_EQ(b.exit_code, 4);
  EXPECT_NE(b.err.find(bad + ": spot: is missing"), std::string::npos) << b.err;
  CommandResult tf = Bl({"import", Gex("SPX_2026-02-26_rt.json"), "--symbol", "SPX", "--timeframe", "1m"});
  EXPECT_EQ(tf.exit_code, 2);
  EXPECT_NE(tf.err.find("drop --symbol and --timeframe"), std::string::npos) << tf.err;
  const std::string bar_file = dir_.Sub("es.txt");
  ASSERT_TRUE(testutil::WriteText(bar_file, testutil::NtMinutes("20240115 093100", 3, 100)).ok());
  CommandResult no_tf = Bl({"import", bar_file, "--symbol", "ES"});  // a bar import still needs --timeframe
  EXPECT_EQ(no_tf.exit_code, 2);
  EXPECT_NE(no_tf.err.find("needs --symbol and --timeframe"), std::string::npos) << no_tf.err;
  ASSERT_EQ(Bl({"import", Gex("SPX_2026-02-26_rt.json")}).exit_code, 0);
  CommandResult jobs = Bl({"jobs", "--json"});
  ASSERT_EQ(jobs.exit_code, 0);
  auto j = nlohmann::json::parse(jobs.out);
  const int64_t last = j[0]["id"].get<int64_t>();
  EXPECT_EQ(j[0]["kind"], "import-snapshot");
  EXPECT_EQ(Bl({"verify"}).exit_code, 0);
  CommandResult rb = Bl({"rollback", std::to_string(last)});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  CommandResult q = Bl({"query", "SELECT count(*) AS n FROM snapshots", "--format", "csv"});
  EXPECT_EQ(q.out, "n\n7\n");
  EXPECT_EQ(Bl({"verify"}).exit_code, 0);
}

}  // namespace
}  // namespace barlake
