// The everyday commands of issue 11 point 20, through the real binary: `dataset drop` and
// `dataset rename` (journaled, rolled back), `import` of many files, compressed input,
// European headers and --date-format, monthly bars and vendor symbols. Fixtures are in
// tests/data/everyday/ (README.md there says what each holds).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

namespace fs = std::filesystem;
using testutil::CommandResult;
using testutil::RunBarlake;

std::string Fixture(const std::string& name) { return std::string(BARLAKE_TEST_DATA_DIR) + "/everyday/" + name; }

class EverydayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    CommandResult r = RunBarlake({"init", vault_, "--source-tz", "UTC"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Bl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args);
  }
  void ImportEs() {
    CommandResult r = Bl({"import", Fixture("ES.Last.txt"), "--symbol", "ES", "--timeframe", "1m"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string Toml() const { return testutil::ReadText(vault_ + "/barlake.toml"); }
  // Data lines of `read SYMBOL TF` as CSV (without its header), or -1 when it fails.
  long ReadCount(const std::string& symbol, const std::string& tf) {
    CommandResult rd = Bl({"read", symbol, tf, "--format", "csv"});
    if (rd.exit_code != 0) return -1;
    return static_cast<long>(std::count(rd.out.begin(), rd.out.end(), '\n')) - 1;
  }
  nlohmann::json Status() { return nlohmann::json::parse(Bl({"status", "--json"}).out); }
  void ExpectVerifyClean() {
    CommandResult v = Bl({"verify"});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  }
  testutil::TempDir dir_;
  std::string vault_;
};

TEST_F(EverydayTest, DropRemovesTheDatasetAndRollbackBringsItBackWithItsRegistryEntry) {
  ImportEs();
  ASSERT_EQ(Bl({"dataset", "set", "ES", "1m", "--description", "front month"}).exit_code, 0);
  const std::string toml_before = Toml();
  const auto lake_before = testutil::Snapshot(vault_ + "/lake");
  ASSERT_EQ(lake_before.size(), 2u);  // January and February
  ASSERT_EQ(ReadCount("ES", "1m"), 40);

  CommandResult drop = Bl({"dataset", "drop", "ES", "1m", "--json"});
  ASSERT_EQ(drop.exit_code, 0) << drop.err;
  const auto job = nlohmann::json::parse(drop.out);
  EXPECT_EQ(job["kind"], "drop");
  EXPECT_EQ(job["status"], "completed");
  EXPECT_TRUE(testutil::Snapshot(vault_ + "/lake").empty());
  EXPECT_EQ(Toml().find("symbol = \"ES\""), std::string::npos) << Toml();
  EXPECT_EQ(Status().size(), 0u);
  EXPECT_NE(Bl({"read", "ES", "1m"}).exit_code, 0);
  ExpectVerifyClean();

  CommandResult rb = Bl({"rollback", std::to_string(job["id"].get<int64_t>())});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_EQ(testutil::Snapshot(vault_ + "/lake"), lake_before);
  EXPECT_EQ(ReadCount("ES", "1m"), 40);
  EXPECT_NE(Toml().find("symbol = \"ES\""), std::string::npos) << Toml();
  EXPECT_NE(Toml().find("description = \"front month\""), std::string::npos) << Toml();
  ExpectVerifyClean();
}

TEST_F(EverydayTest, DropSaysHowToRollBackAndReimportWorksAfterIt) {
  ImportEs();
  CommandResult drop = Bl({"dataset", "drop", "ES", "1m"});
  ASSERT_EQ(drop.exit_code, 0) << drop.err;
  EXPECT_NE(drop.out.find("dropped ES 1m"), std::string::npos) << drop.out;
  EXPECT_NE(drop.out.find("2 partitions, 40 bars"), std::string::npos) << drop.out;
  EXPECT_NE(drop.out.find("`barlake rollback 2`"), std::string::npos) << drop.out;
  // The file's bars left the dataset: importing it again is not "already imported".
  CommandResult again = Bl({"import", Fixture("ES.Last.txt"), "--symbol", "ES", "--timeframe", "1m"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.find("Skipped"), std::string::npos) << again.out;
  EXPECT_EQ(ReadCount("ES", "1m"), 40);
}

TEST_F(EverydayTest, DropOfAnUnknownDatasetIsNotFound) {
  CommandResult drop = Bl({"dataset", "drop", "NQ", "1m"});
  EXPECT_EQ(drop.exit_code, 3) << drop.err;  // kNotFound (docs/exit-codes.md)
  EXPECT_NE(drop.err.find("no dataset NQ 1m"), std::string::npos) << drop.err;
}

TEST_F(EverydayTest, DropRefusesWhenDerivedDatasetsDependUnlessWithDependents) {
  ImportEs();
  ASSERT_EQ(Bl({"resample", "ES", "--to", "5m"}).exit_code, 0);
  const auto lake_before = testutil::Snapshot(vault_ + "/lake");
  CommandResult refused = Bl({"dataset", "drop", "ES", "1m"});
  EXPECT_EQ(refused.exit_code, 5) << refused.err;  // kConflict
  EXPECT_NE(refused.err.find("ES 5m"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--with-dependents"), std::string::npos) << refused.err;
  EXPECT_EQ(testutil::Snapshot(vault_ + "/lake"), lake_before);

  CommandResult drop = Bl({"dataset", "drop", "ES", "1m", "--with-dependents", "--json"});
  ASSERT_EQ(drop.exit_code, 0) << drop.err;
  EXPECT_TRUE(testutil::Snapshot(vault_ + "/lake").empty());
  EXPECT_EQ(Toml().find("timeframe = \"5m\""), std::string::npos) << Toml();
  const int64_t id = nlohmann::json::parse(drop.out)["id"];
  ASSERT_EQ(Bl({"rollback", std::to_string(id)}).exit_code, 0);
  EXPECT_EQ(testutil::Snapshot(vault_ + "/lake"), lake_before);
  EXPECT_NE(Toml().find("timeframe = \"5m\""), std::string::npos) << Toml();
  EXPECT_EQ(ReadCount("ES", "5m"), 8);
  ExpectVerifyClean();
}

TEST_F(EverydayTest, RenameMovesPartitionsCatalogAndRegistryAndRollbackRestores) {
  ImportEs();
  const std::string toml_before = Toml();
  CommandResult ren = Bl({"dataset", "rename", "ES", "1m", "MES"});
  ASSERT_EQ(ren.exit_code, 0) << ren.err;
  EXPECT_NE(ren.out.find("renamed ES 1m to MES 1m"), std::string::npos) << ren.out;
  EXPECT_EQ(ReadCount("MES", "1m"), 40);
  EXPECT_NE(Bl({"read", "ES", "1m"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(vault_ + "/lake/symbol=MES/timeframe=1m/period=2024-01/data.parquet"));
  EXPECT_FALSE(fs::exists(vault_ + "/lake/symbol=ES/timeframe=1m/period=2024-01/data.parquet"));
  EXPECT_NE(Toml().find("symbol = \"MES\""), std::string::npos) << Toml();
  EXPECT_EQ(Toml().find("symbol = \"ES\""), std::string::npos) << Toml();
  auto st = Status();
  ASSERT_EQ(st.size(), 1u) << st.dump();
  ExpectVerifyClean();
  // The query view shows the new name.
  CommandResult q = Bl({"query", "SELECT DISTINCT symbol FROM bars", "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("MES"), std::string::npos) << q.out;

  ASSERT_EQ(Bl({"rollback", "2"}).exit_code, 0);
  EXPECT_EQ(ReadCount("ES", "1m"), 40);
  EXPECT_NE(Bl({"read", "MES", "1m"}).exit_code, 0);
  EXPECT_NE(Toml().find("symbol = \"ES\""), std::string::npos) << Toml();
  EXPECT_EQ(Toml().find("symbol = \"MES\""), std::string::npos) << Toml();
  ExpectVerifyClean();
}

TEST_F(EverydayTest, RenameRefusesAnExistingTargetACaseOnlyChangeAndDependents) {
  ImportEs();
  ASSERT_EQ(Bl({"import", Fixture("ES.Last.txt"), "--symbol", "NQ", "--timeframe", "1m"}).exit_code, 0);
  CommandResult exists = Bl({"dataset", "rename", "ES", "1m", "NQ"});
  EXPECT_EQ(exists.exit_code, 5) << exists.err;  // kAlreadyExists
  CommandResult folded = Bl({"dataset", "rename", "ES", "1m", "nq"});
  EXPECT_EQ(folded.exit_code, 2) << folded.err;
  EXPECT_NE(folded.err.find("only in case"), std::string::npos) << folded.err;
  ASSERT_EQ(Bl({"resample", "ES", "--to", "5m"}).exit_code, 0);
  CommandResult deps = Bl({"dataset", "rename", "ES", "1m", "MES"});
  EXPECT_EQ(deps.exit_code, 5) << deps.err;
  EXPECT_NE(deps.err.find("ES 5m"), std::string::npos) << deps.err;
  EXPECT_EQ(ReadCount("ES", "1m"), 40);
}

}  // namespace
}  // namespace barlake
