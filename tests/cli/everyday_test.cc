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
  nlohmann::json Status() { return nlohmann::json::parse(Bl({"status", "--json"}).out)["datasets"]; }
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

TEST_F(EverydayTest, RenameRefusesWhileQuarantinedRowsAreHeldAndGoesAheadOnceTheyAreDecided) {
  // 200 calm bars and one bad tick: the tick is held in quarantine under ES 1m.
  std::string text = testutil::NtMinutes("20240115 093100", 200, 100);
  text += testutil::NtLine("20240115 125100", 593.13, 593.13, 100, 100.25, 3);
  text += testutil::NtMinutes("20240115 125200", 30, 100);
  const std::string src = dir_.Sub("es.txt");
  ASSERT_TRUE(testutil::WriteText(src, text).ok());
  ASSERT_EQ(Bl({"import", src, "--symbol", "ES", "--timeframe", "1m"}).exit_code, 0);
  const std::string toml_before = Toml();
  const auto lake_before = testutil::Snapshot(vault_ + "/lake");

  CommandResult ren = Bl({"dataset", "rename", "ES", "1m", "MES"});
  EXPECT_EQ(ren.exit_code, 5) << ren.err;  // kConflict
  EXPECT_NE(ren.err.find("quarantine list --symbol ES --timeframe 1m"), std::string::npos) << ren.err;
  EXPECT_EQ(Toml(), toml_before);
  EXPECT_EQ(testutil::Snapshot(vault_ + "/lake"), lake_before);

  auto held = nlohmann::json::parse(Bl({"quarantine", "list", "--json"}).out);
  ASSERT_EQ(held.size(), 1u);
  ASSERT_EQ(Bl({"quarantine", "drop", std::to_string(held[0]["id"].get<int64_t>())}).exit_code, 0);
  CommandResult again = Bl({"dataset", "rename", "ES", "1m", "MES"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReadCount("MES", "1m"), 230);
}

// ---- import FILE... | DIR ---------------------------------------------------------------

TEST_F(EverydayTest, ImportOfAFolderIsOneJobPerFileCarriesOnPastABadFileAndFailsTheExitCode) {
  CommandResult r = Bl({"import", Fixture("batch"), "--symbol", "ES", "--timeframe", "1m", "--format", "ninjatrader"});
  // The bad file fails with invalid input (4), the others are imported.
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("1_jan.Last.txt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2_bad.Last.txt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3_feb.Last.txt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("failed:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 files: 2 imported or skipped, 1 failed"), std::string::npos) << r.out;
  EXPECT_EQ(ReadCount("ES", "1m"), 20);
  auto jobs = nlohmann::json::parse(Bl({"jobs", "--json"}).out);
  int completed = 0, failed = 0;
  for (const auto& j : jobs) {
    completed += j["status"] == "completed";
    failed += j["status"] == "failed";
  }
  EXPECT_EQ(completed, 2);
  EXPECT_EQ(failed, 1);
  ExpectVerifyClean();
}

TEST_F(EverydayTest, ImportOfAFolderOfGexFilesIsASnapshotImportAndAMixedFolderIsRefused) {
  const std::string gex = std::string(BARLAKE_TEST_DATA_DIR) + "/gex/";
  const std::string folder = dir_.Sub("gex_folder");
  fs::create_directories(folder);
  fs::copy_file(gex + "SPX_2026-02-25_rt.json", folder + "/SPX_2026-02-25_rt.json");
  fs::copy_file(gex + "SPY_2026-02-25_pre.json", folder + "/SPY_2026-02-25_pre.json");
  CommandResult r = Bl({"import", folder});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto ds = nlohmann::json::parse(Bl({"snapshots", "list", "--json"}).out);
  ASSERT_EQ(ds.size(), 2u) << ds.dump();

  // A folder holding both kinds changes nothing and says how to import them.
  const std::string mixed = dir_.Sub("mixed");
  fs::create_directories(mixed);
  fs::copy_file(gex + "SPX_2026-02-26_rt.json", mixed + "/SPX_2026-02-26_rt.json");
  fs::copy_file(Fixture("ES.Last.txt"), mixed + "/ES.Last.txt");
  CommandResult m = Bl({"import", mixed, "--symbol", "ES", "--timeframe", "1m"});
  EXPECT_EQ(m.exit_code, 2) << m.out << m.err;
  EXPECT_NE(m.err.find("import them separately"), std::string::npos) << m.err;
  EXPECT_EQ(nlohmann::json::parse(Bl({"snapshots", "list", "--json"}).out).size(), 2u);
  EXPECT_EQ(ReadCount("ES", "1m"), -1);
}

TEST_F(EverydayTest, ImportOfSeveralFilesAsJsonIsAnArrayAndExitsZeroWhenNoneFailed) {
  CommandResult r = Bl({"import", Fixture("batch/1_jan.Last.txt"), Fixture("batch/3_feb.Last.txt"),
                        Fixture("batch/1_jan.Last.txt"), "--symbol", "ES", "--timeframe", "1m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto arr = nlohmann::json::parse(r.out);
  ASSERT_TRUE(arr.is_array());
  ASSERT_EQ(arr.size(), 3u);
  EXPECT_EQ(arr[0]["status"], "imported");
  EXPECT_EQ(arr[0]["rows"], 10);
  EXPECT_EQ(arr[0]["dataset"], "ES 1m");
  EXPECT_EQ(arr[1]["status"], "imported");
  EXPECT_EQ(arr[2]["status"], "skipped");  // the same file again
}

// ---- compressed input -------------------------------------------------------------------

TEST_F(EverydayTest, GzipAndZipFilesImportAsTheFileInsideAndKeepTheCompressedSource) {
  CommandResult gz = Bl({"import", Fixture("nq_1m.csv.gz"), "--symbol", "NQ", "--timeframe", "1m", "--json"});
  ASSERT_EQ(gz.exit_code, 0) << gz.err;
  auto rep = nlohmann::json::parse(gz.out);
  EXPECT_EQ(ReadCount("NQ", "1m"), 15);
  // Kept and identified by the compressed bytes: .barlake/sources/<sha256 of the .gz>.
  auto jobs = nlohmann::json::parse(Bl({"jobs", "--json"}).out);
  const std::string sha = jobs[0]["source_sha256"];
  EXPECT_EQ(testutil::ReadText(vault_ + "/.barlake/sources/" + sha), testutil::ReadText(Fixture("nq_1m.csv.gz")));
  CommandResult again = Bl({"import", Fixture("nq_1m.csv.gz"), "--symbol", "NQ", "--timeframe", "1m"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Skipped"), std::string::npos) << again.out;

  CommandResult zip = Bl({"import", Fixture("nq_1m.zip"), "--symbol", "NQZ", "--timeframe", "1m"});
  ASSERT_EQ(zip.exit_code, 0) << zip.err;
  EXPECT_EQ(ReadCount("NQZ", "1m"), 15);
  ExpectVerifyClean();
}

TEST_F(EverydayTest, DamagedOrMultiFileArchivesAreRefusedAndChangeNothing) {
  CommandResult cut = Bl({"import", Fixture("cut_short.csv.gz"), "--symbol", "NQ", "--timeframe", "1m"});
  EXPECT_EQ(cut.exit_code, 4) << cut.err;
  EXPECT_NE(cut.err.find("cut_short.csv.gz"), std::string::npos) << cut.err;
  EXPECT_NE(cut.err.find("cut short"), std::string::npos) << cut.err;
  CommandResult two = Bl({"import", Fixture("two_files.zip"), "--symbol", "NQ", "--timeframe", "1m"});
  EXPECT_EQ(two.exit_code, 4) << two.err;
  EXPECT_NE(two.err.find("zip archive of 2 files"), std::string::npos) << two.err;
  EXPECT_TRUE(testutil::Snapshot(vault_ + "/lake").empty());
}

// ---- European headers and --date-format ------------------------------------------------

TEST_F(EverydayTest, GermanCp1252ExportWithDecimalCommasImportsWithDateFormat) {
  CommandResult r = Bl({"import", Fixture("dax_de_cp1252.csv"), "--symbol", "DAX", "--timeframe", "1m",
                        "--date-format", "%d.%m.%Y", "--tz", "Europe/Berlin"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CommandResult rd = Bl({"read", "DAX", "1m", "--format", "csv"});
  ASSERT_EQ(rd.exit_code, 0) << rd.err;
  EXPECT_EQ(std::count(rd.out.begin(), rd.out.end(), '\n') - 1, 10);
  // 09:30 Berlin in January is 08:30 UTC; the price 100,00 with a decimal comma.
  EXPECT_NE(rd.out.find("2024-01-15T08:30:00Z,100,100.75,99.75,100.25,1000"), std::string::npos) << rd.out;
}

TEST_F(EverydayTest, DayFirstDatesWithoutDateFormatAreRefusedNamingTheOption) {
  CommandResult r = Bl({"import", Fixture("dax_de_cp1252.csv"), "--symbol", "DAX", "--timeframe", "1m",
                        "--format", "csv", "--tz", "Europe/Berlin"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("--date-format"), std::string::npos) << r.err;
  EXPECT_TRUE(testutil::Snapshot(vault_ + "/lake").empty());
}

TEST_F(EverydayTest, FrenchAndUsDailyFilesImportWithTheirDateFormats) {
  CommandResult fr = Bl({"import", Fixture("cac_fr_daily.csv"), "--symbol", "CAC", "--timeframe", "1d",
                         "--date-format", "%d/%m/%Y"});
  ASSERT_EQ(fr.exit_code, 0) << fr.err;
  CommandResult rd = Bl({"read", "CAC", "1d", "--format", "csv"});
  EXPECT_NE(rd.out.find("2024-01-08"), std::string::npos) << rd.out;
  EXPECT_NE(rd.out.find("7520.75"), std::string::npos) << rd.out;
  CommandResult us = Bl({"import", Fixture("spx_us_mdy.csv"), "--symbol", "SPX", "--timeframe", "1d",
                         "--date-format", "%m/%d/%Y"});
  ASSERT_EQ(us.exit_code, 0) << us.err;
  EXPECT_EQ(ReadCount("SPX", "1d"), 5);
  CommandResult bad = Bl({"import", Fixture("spx_us_mdy.csv"), "--symbol", "SPY", "--timeframe", "1d",
                          "--date-format", "%d.%q"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

// ---- monthly bars -----------------------------------------------------------------------

TEST_F(EverydayTest, MonthlyBarsAreStampedOnTheFirstAndLiveInYearPartitions) {
  CommandResult r = Bl({"import", Fixture("spy_monthly.csv"), "--symbol", "SPY", "--timeframe", "1mo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadCount("SPY", "1mo"), 6);
  EXPECT_TRUE(fs::exists(vault_ + "/lake/symbol=SPY/timeframe=1mo/period=2024/data.parquet"));
  CommandResult end = Bl({"import", Fixture("spy_monthly_month_end.csv"), "--symbol", "SPY2", "--timeframe", "1mo"});
  EXPECT_NE(end.exit_code, 0) << end.out;
  EXPECT_NE((end.out + end.err).find("first day of a month"), std::string::npos) << end.out << end.err;
  EXPECT_NE(Bl({"import", Fixture("spy_monthly.csv"), "--symbol", "SPY3", "--timeframe", "2mo"}).exit_code, 0);
}

// ---- vendor symbols ---------------------------------------------------------------------

TEST_F(EverydayTest, VendorSymbolsKeepTheirNameAndCaseOnlyDifferencesAreRefused) {
  for (const char* sym : {"EURUSD=X", "^GSPC", "BRK.B"}) {
    CommandResult r = Bl({"import", Fixture("EURUSD=X.csv"), "--symbol", sym, "--timeframe", "1d"});
    ASSERT_EQ(r.exit_code, 0) << sym << ": " << r.err;
    EXPECT_EQ(ReadCount(sym, "1d"), 3) << sym;
  }
  EXPECT_TRUE(fs::exists(vault_ + "/lake/symbol=EURUSD%3DX/timeframe=1d/period=2024/data.parquet"));
  CommandResult q = Bl({"query", "SELECT DISTINCT symbol FROM bars ORDER BY 1", "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("EURUSD=X"), std::string::npos) << q.out;
  auto st = Status();
  bool listed = false;
  for (const auto& d : st) listed = listed || d["symbol"] == "EURUSD=X";
  EXPECT_TRUE(listed) << st.dump();
  ExpectVerifyClean();
  CommandResult folded = Bl({"import", Fixture("EURUSD=X.csv"), "--symbol", "eurusd=x", "--timeframe", "1d"});
  EXPECT_EQ(folded.exit_code, 2) << folded.err;
  EXPECT_NE(folded.err.find("only in case"), std::string::npos) << folded.err;
}

}  // namespace
}  // namespace barlake
