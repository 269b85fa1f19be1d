// `barlake migrate` through the binary (docs/migration.md): each layout planned, run,
// verified (equal counts and hashes), activated or rolled back, with the legacy tree
// byte-identical throughout; the free-space refusal; bad legacy files named; reads served
// from the legacy files until activation.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "migrate_fixture.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::RunBarlake;
using migrate_test::MigrateCliTest;

// flat: 200 daily symbols and one 1-minute file with zoned stamps. Plan (auto says why),
// dry run, run, verify equal, rollback: the lake as before, the legacy files untouched.
TEST_F(MigrateCliTest, FlatParquetMigratesVerifiesAndRollsBack) {
  migrate_test::MakeFlat(legacy_, 200);
  const auto legacy_before = testutil::Snapshot(legacy_);
  const std::string id = Plan();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(plan_["layout"], "flat");
  EXPECT_NE(plan_["layout_why"].get<std::string>().find("201 Parquet/CSV files like"), std::string::npos) << plan_["layout_why"];
  EXPECT_EQ(plan_["datasets"].size(), 201u);
  EXPECT_EQ(plan_["totals"]["rows"], 200 * 60 + 600);
  EXPECT_TRUE(std::filesystem::exists(PlanFile(id)));
  EXPECT_NE(testutil::ReadText(vault_ + "/barlake.toml").find("[[legacy]]"), std::string::npos);

  CommandResult dry = Bl({"migrate", "run", id, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_EQ(LakeRows(), 0);

  CommandResult run = Bl({"migrate", "run", id});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("ETA"), std::string::npos);
  EXPECT_NE(run.out.find("201 imported"), std::string::npos) << run.out;
  EXPECT_EQ(LakeRows(), 200 * 60 + 600);
  EXPECT_EQ(PlanJson(id)["status"], "migrated");

  CommandResult again = Bl({"migrate", "run", id});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;

  CommandResult v = Bl({"migrate", "verify", id});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("201 datasets equal"), std::string::npos) << v.out;
  // The zoned 1-minute stamps are instants: the first bar is 14:30 UTC.
  CommandResult es = Bl({"read", "ES", "1m", "--to", "2024-03-04T14:31:00Z"});
  ASSERT_EQ(es.exit_code, 0) << es.err;
  EXPECT_NE(es.out.find("2024-03-04T14:30:00Z,5000,5001,4999,5000.5,10"), std::string::npos) << es.out;

  CommandResult rb = Bl({"migrate", "rollback", id});
  ASSERT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  EXPECT_EQ(LakeRows(), 0);
  EXPECT_EQ(PlanJson(id)["status"], "rolled_back");
  EXPECT_EQ(Bl({"verify"}).exit_code, 0);
  EXPECT_EQ(testutil::Snapshot(legacy_), legacy_before);

  // A rolled-back migration runs again.
  CommandResult rerun = Bl({"migrate", "run", id, "--batch", "5"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_NE(rerun.out.find("resume with"), std::string::npos) << rerun.out;
  EXPECT_EQ(testutil::Snapshot(legacy_), legacy_before);
}

// yf_parqed: 200 tickers of monthly files; batches; verify; activate; delete-legacy.
TEST_F(MigrateCliTest, YfParqedInBatchesThenActivateAndDeleteLegacy) {
  migrate_test::MakeYfParqed(legacy_, 200, 2);
  const auto legacy_before = testutil::Snapshot(legacy_);
  const std::string id = Plan();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(plan_["layout"], "yf_parqed");
  EXPECT_NE(plan_["layout_why"].get<std::string>().find("tickers.json"), std::string::npos);
  EXPECT_EQ(plan_["datasets"].size(), 200u);
  EXPECT_EQ(plan_["datasets"][0]["files"].size(), 2u);

  // Not migrated yet: `read` serves the legacy files, and says so.
  CommandResult early = Bl({"read", migrate_test::Sym(3), "1d"});
  ASSERT_EQ(early.exit_code, 0) << early.err;
  EXPECT_NE(early.err.find("not migrated yet"), std::string::npos) << early.err;
  EXPECT_EQ(std::count(early.out.begin(), early.out.end(), '\n'), 1 + 60);

  EXPECT_EQ(Bl({"migrate", "activate", id}).exit_code, 2) << "activate before verify is refused";
  CommandResult b1 = Bl({"migrate", "run", id, "--batch", "120"});
  ASSERT_EQ(b1.exit_code, 0) << b1.out << b1.err;
  EXPECT_NE(b1.out.find("80 remaining"), std::string::npos) << b1.out;
  EXPECT_EQ(Bl({"migrate", "verify", id}).exit_code, 8) << "80 datasets are not migrated yet";
  CommandResult b2 = Bl({"migrate", "run", id});
  ASSERT_EQ(b2.exit_code, 0) << b2.out << b2.err;
  EXPECT_EQ(LakeRows(), 200 * 60);
  ASSERT_EQ(Bl({"migrate", "verify", id}).exit_code, 0);
  CommandResult st = Bl({"migrate", "status", id});
  EXPECT_NE(st.out.find("verified"), std::string::npos) << st.out;

  CommandResult lake_read = Bl({"read", migrate_test::Sym(3), "1d"});
  EXPECT_EQ(lake_read.out, early.out) << "the lake serves the same bars the legacy files did";
  EXPECT_EQ(lake_read.err.find("not migrated yet"), std::string::npos);

  ASSERT_EQ(Bl({"migrate", "activate", id}).exit_code, 0);
  EXPECT_NE(testutil::ReadText(vault_ + "/barlake.toml").find("activated = true"), std::string::npos);
  EXPECT_EQ(Bl({"migrate", "rollback", id}).exit_code, 2) << "no whole rollback after activation";
  EXPECT_EQ(testutil::Snapshot(legacy_), legacy_before);

  CommandResult del = Bl({"migrate", "delete-legacy", id, "--yes"});
  ASSERT_EQ(del.exit_code, 0) << del.out << del.err;
  EXPECT_FALSE(std::filesystem::exists(legacy_));
  const std::string trash = PlanJson(id)["trash"];
  EXPECT_NE(trash.find(".barlake-trash/"), std::string::npos);
  EXPECT_EQ(testutil::Snapshot(trash), legacy_before) << "moved whole, byte for byte";
  EXPECT_EQ(LakeRows(), 200 * 60);
}

TEST_F(MigrateCliTest, CsvCacheAndVendorFiles) {
  migrate_test::MakeCsvCache(legacy_, 5);
  const auto before = testutil::Snapshot(legacy_);
  const std::string id = Plan();
  EXPECT_EQ(plan_["layout"], "csv-cache");
  EXPECT_EQ(plan_["tz"], "America/Chicago") << "the zone the .metadata.json names";
  EXPECT_EQ(plan_["datasets"].size(), 5u);
  ASSERT_EQ(Bl({"migrate", "run", id}).exit_code, 0);
  CommandResult v = Bl({"migrate", "verify", id});
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_EQ(LakeRows(), 5 * 200);
  EXPECT_EQ(testutil::Snapshot(legacy_), before);

  legacy_ = dir_.Sub("nt");
  migrate_test::MakeVendorFiles(legacy_, 3);
  CommandResult no_pattern = Bl({"migrate", "plan", legacy_, "--layout", "vendor-files"});
  EXPECT_EQ(no_pattern.exit_code, 2);
  EXPECT_NE(no_pattern.err.find("--name-pattern"), std::string::npos) << no_pattern.err;
  const std::string nt =
      Plan({"--layout", "vendor-files", "--name-pattern", "{symbol} {contract}.Last.txt", "--timeframe", "1m",
            "--tz", "America/Los_Angeles"});
  ASSERT_EQ(plan_["datasets"].size(), 3u);
  EXPECT_EQ(plan_["datasets"][0]["files"][0]["format"], "ninjatrader");
  CommandResult r = Bl({"migrate", "run", nt});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  CommandResult vv = Bl({"migrate", "verify", nt});
  EXPECT_EQ(vv.exit_code, 0) << vv.out;
}

TEST_F(MigrateCliTest, RefusesWhenTheDiskIsShort) {
  migrate_test::MakeFlat(legacy_, 3);
  CommandResult r = Bl({"migrate", "plan", legacy_}, {"BARLAKE_TEST_FREE_BYTES=1000"});
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  EXPECT_NE(r.err.find("2.5x"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/.barlake/migrations")) << "no plan written";
  EXPECT_EQ(testutil::ReadText(vault_ + "/barlake.toml").find("[[legacy]]"), std::string::npos);
}

TEST_F(MigrateCliTest, BadLegacyFilesAreNamed) {
  migrate_test::MakeFlat(legacy_, 3);
  ASSERT_TRUE(testutil::WriteText(legacy_ + "/stocks_1d/BROKEN.parquet", "PAR1 this is not parquet").ok());
  CommandResult r = Bl({"migrate", "plan", legacy_});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("BROKEN.parquet"), std::string::npos) << r.err;
  std::filesystem::remove(legacy_ + "/stocks_1d/BROKEN.parquet");

  // A file without a close column: its dataset fails, naming file and column; the others migrate.
  migrate_test::Copy("SELECT CAST(DATE '2023-01-02' + CAST(i AS INTEGER) AS TIMESTAMP) AS \"Date\", 1.0 AS Open, 2.0 AS High, "
                     "0.5 AS Low, 7 AS Volume FROM range(0, 5) t(i)",
                     legacy_ + "/stocks_1d/NOCLOSE.parquet");
  const std::string id = Plan();
  CommandResult run = Bl({"migrate", "run", id});
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_NE(run.out.find("NOCLOSE.parquet"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("'close'"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("4 imported"), std::string::npos) << run.out;
  EXPECT_EQ(Bl({"migrate", "verify", id}).exit_code, 8);
  EXPECT_EQ(Bl({"migrate", "status", "nope"}).exit_code, 3);
}

// Ctrl-C finishes the dataset in hand and prints the resume command.
TEST_F(MigrateCliTest, SigintStopsAfterTheDatasetInHand) {
  migrate_test::MakeFlat(legacy_, 60, 30);
  const std::string id = Plan();
  // SIGINT sent by the process itself at its 10th commit (test hook) stands in for Ctrl-C.
  CommandResult r = Bl({"migrate", "run", id}, {"BARLAKE_MIGRATE_SIGINT_AT=10"});
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_NE(r.out.find("resume with: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("migrate run " + id), std::string::npos) << r.out;
  auto p = PlanJson(id);
  int done = 0;
  for (const auto& d : p["datasets"]) done += d["state"] == "done";
  EXPECT_EQ(done, 10);
  ASSERT_EQ(Bl({"migrate", "run", id}).exit_code, 0);
  EXPECT_EQ(Bl({"migrate", "verify", id}).exit_code, 0);
}

}  // namespace
}  // namespace barlake
