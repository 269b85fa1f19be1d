// `barlake health` and `barlake gaps` as users run them: the real binary on a small vault.
// Build the `barlake` target first.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "storage/duckdb_conn.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::NtMinutes;
using testutil::RunBarlake;

class HealthCliTest : public ::testing::Test {
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
  void Import(const std::string& name, const std::string& text, const std::string& symbol) {
    const std::string p = dir_.Sub(name);
    ASSERT_OK(testutil::WriteText(p, text));
    CommandResult r = Bl({"import", p, "--symbol", symbol, "--timeframe", "1m"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  /// The partition files of a dataset, sorted.
  std::vector<std::string> Partitions(const std::string& symbol) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(vault_ + "/lake/symbol=" + symbol)) {
      if (e.path().extension() == ".parquet") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  testutil::TempDir dir_;
  std::string vault_;
};

TEST_F(HealthCliTest, DatasetsWithoutCalendarAreUncheckedAndExitZero) {
  Import("ES.Last.txt", NtMinutes("20240115 143100", 90, 4800), "ES");
  CommandResult r = Bl({"health"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("unchecked"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no calendar"), std::string::npos) << r.out;
  CommandResult j = Bl({"health", "ES", "1m", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc["datasets"].size(), 1u);
  EXPECT_EQ(doc["datasets"][0]["status"], "unchecked");
  EXPECT_EQ(doc["datasets"][0]["rows"], 90);
  EXPECT_TRUE(doc["datasets"][0]["calendar"].is_null());
  EXPECT_EQ(doc["exit_code"], 0);
}

TEST_F(HealthCliTest, SchemaDriftFailsWithExitNine) {
  Import("ES1.Last.txt", NtMinutes("20240115 143100", 60, 4800), "ES");
  Import("ES2.Last.txt", NtMinutes("20240215 143100", 60, 4810), "ES");
  Import("ES3.Last.txt", NtMinutes("20240315 143100", 60, 4820), "ES");
  Import("NQ.Last.txt", NtMinutes("20240115 143100", 60, 17000), "NQ");
  auto parts = Partitions("ES");
  ASSERT_EQ(parts.size(), 3u);
  // Rewrite February with volume as BIGINT, as a foreign writer might.
  {
    ASSERT_OK_AND_ASSIGN(auto conn, storage::DuckConn::OpenInMemory(1));
    const std::string tmp = dir_.Sub("drift.parquet");
    ASSERT_OK(conn->Execute("COPY (SELECT ts, open, high, low, close, CAST(volume AS BIGINT) AS volume, job FROM "
                            "read_parquet(" + storage::SqlQuote(parts[1]) + ")) TO " + storage::SqlQuote(tmp) +
                            " (FORMAT parquet)"));
    std::filesystem::rename(tmp, parts[1]);
  }
  CommandResult r = Bl({"health"});
  EXPECT_EQ(r.exit_code, 9) << r.out << r.err;
  EXPECT_NE(r.err.find("at least one dataset fails"), std::string::npos) << r.err;
  CommandResult j = Bl({"health", "--json"});
  EXPECT_EQ(j.exit_code, 9);
  auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc["datasets"].size(), 2u);
  const auto& es = doc["datasets"][0]["symbol"] == "ES" ? doc["datasets"][0] : doc["datasets"][1];
  const auto& nq = doc["datasets"][0]["symbol"] == "ES" ? doc["datasets"][1] : doc["datasets"][0];
  EXPECT_EQ(es["status"], "fail");
  ASSERT_EQ(es["schema_drift"].size(), 1u);
  const std::string drift = es["schema_drift"][0];
  EXPECT_NE(drift.find("period=2024-02"), std::string::npos) << drift;
  EXPECT_NE(drift.find("volume:INT64"), std::string::npos) << drift;
  EXPECT_EQ(nq["status"], "unchecked");
  // Only NQ: healthy as far as it can be checked.
  EXPECT_EQ(Bl({"health", "NQ"}).exit_code, 0);
  CommandResult one = Bl({"health", "ES", "1m"});
  EXPECT_EQ(one.exit_code, 9);
  EXPECT_NE(one.out.find("schema drift:"), std::string::npos) << one.out;
}

TEST_F(HealthCliTest, Errors) {
  Import("ES.Last.txt", NtMinutes("20240115 143100", 90, 4800), "ES");
  CommandResult unknown = Bl({"health", "XX"});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_NE(unknown.err.find("there is no dataset XX"), std::string::npos) << unknown.err;
  CommandResult bad_min = Bl({"health", "--gap-min", "30x"});
  EXPECT_EQ(bad_min.exit_code, 2);
  EXPECT_NE(bad_min.err.find("--gap-min"), std::string::npos) << bad_min.err;
  CommandResult gaps_unknown = Bl({"gaps", "XX", "1m"});
  EXPECT_EQ(gaps_unknown.exit_code, 3) << gaps_unknown.err;
  CommandResult bad_from = Bl({"gaps", "ES", "1m", "--from", "2024-13-01"});
  EXPECT_EQ(bad_from.exit_code, 2) << bad_from.err;
  // No calendar: the command that gives it one, with this dataset's names.
  CommandResult no_calendar = Bl({"gaps", "ES", "1m"});
  EXPECT_EQ(no_calendar.exit_code, 3) << no_calendar.err;
  EXPECT_NE(no_calendar.err.find("ES 1m has no session calendar to tell gaps from closures; give it one with "
                                 "`barlake dataset set ES 1m --calendar NAME`"),
            std::string::npos)
      << no_calendar.err;
  // After that command, the same call answers.
  ASSERT_EQ(Bl({"dataset", "set", "ES", "1m", "--calendar", "CME_Globex"}).exit_code, 0);
  CommandResult with_calendar = Bl({"gaps", "ES", "1m"});
  EXPECT_EQ(with_calendar.exit_code, 0) << with_calendar.err;
  // Weekly bars with a calendar: not a missing calendar, a timeframe gaps does not cover.
  const std::string weekly = dir_.Sub("w.csv");
  ASSERT_OK(testutil::WriteText(weekly, "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n"
                                        "2024-01-08,1.5,2,1,1.8,12\n"));
  ASSERT_EQ(Bl({"import", weekly, "--symbol", "ES", "--timeframe", "1w", "--calendar", "CME_Globex"}).exit_code, 0);
  CommandResult week = Bl({"gaps", "ES", "1w"});
  EXPECT_EQ(week.exit_code, 2) << week.err;
  EXPECT_NE(week.err.find("gaps are found in intraday and daily bars only, not in 1w bars"), std::string::npos)
      << week.err;
}

}  // namespace
}  // namespace barlake

namespace barlake {
namespace {

// A dataset with the CME_Globex calendar: 90 bars, an hour without trades inside the
// session (16:00-17:00 UTC = 11:00-12:00 New York), 60 more bars.
class HealthCliCalendarTest : public HealthCliTest {
 protected:
  void SetUp() override {
    HealthCliTest::SetUp();
    const std::string p = dir_.Sub("ES.Last.txt");
    ASSERT_OK(testutil::WriteText(p, NtMinutes("20240117 143100", 90, 4800) + NtMinutes("20240117 170100", 60, 4805)));
    CommandResult r = Bl({"import", p, "--symbol", "ES", "--timeframe", "1m", "--calendar", "CME_Globex"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

TEST_F(HealthCliCalendarTest, HealthReportsTheGapAndFails) {
  CommandResult r = Bl({"health", "ES", "1m", "--json"});
  // Coverage 150 of 210 bars (-40), one gap (-2), stale since 2024 (-10): 48, fail.
  EXPECT_EQ(r.exit_code, 9) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  const auto& d = doc["datasets"][0];
  EXPECT_EQ(d["calendar"], "CME_Globex");
  EXPECT_EQ(d["zone"], "America/New_York");
  EXPECT_EQ(d["expected_bars"], 210);
  EXPECT_EQ(d["present_bars"], 150);
  EXPECT_EQ(d["gap_count"], 1);
  EXPECT_EQ(d["gaps"][0]["start"], "2024-01-17T16:00:00Z");
  EXPECT_EQ(d["gaps"][0]["end"], "2024-01-17T17:00:00Z");
  EXPECT_EQ(d["gaps"][0]["missing_bars"], 60);
  EXPECT_EQ(d["stray_count"], 0);
  EXPECT_EQ(d["staleness"]["stale"], true);
  EXPECT_EQ(d["score"], 48);
  EXPECT_EQ(d["status"], "fail");
  // The table shows the gap in the display zone.
  CommandResult t = Bl({"health", "ES", "1m"});
  EXPECT_EQ(t.exit_code, 9);
  EXPECT_NE(t.out.find("2024-01-17 11:00:00-05:00  2024-01-17 12:00:00-05:00  60"), std::string::npos) << t.out;
  // A threshold above the gap: no gap, but still failing on coverage.
  CommandResult big = Bl({"health", "--gap-min", "2h", "--json"});
  EXPECT_EQ(nlohmann::json::parse(big.out)["datasets"][0]["gap_count"], 0);
}

TEST_F(HealthCliCalendarTest, GapsListsByThresholdAndRange) {
  CommandResult r = Bl({"gaps", "ES", "1m", "--min", "45m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["calendar"], "CME_Globex");
  EXPECT_EQ(doc["min_seconds"], 2700);
  ASSERT_EQ(doc["gaps"].size(), 1u);
  EXPECT_EQ(doc["gaps"][0]["start"], "2024-01-17T16:00:00Z");
  EXPECT_EQ(doc["gaps"][0]["session_seconds"], 3600);
  CommandResult table = Bl({"gaps", "ES", "1m"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("2024-01-17 11:00:00-05:00"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1 gap(s) of 30m or more, 60 missing bars"), std::string::npos) << table.out;
  CommandResult none = Bl({"gaps", "ES", "1m", "--min", "48h"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("No gaps of 2d or more"), std::string::npos) << none.out;
  CommandResult after = Bl({"gaps", "ES", "1m", "--from", "2024-01-17T17:00:00Z", "--json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(nlohmann::json::parse(after.out)["gaps"].size(), 0u);
  // A range ending inside the gap: the gap ends at --to.
  CommandResult cut = Bl({"gaps", "ES", "1m", "--to", "2024-01-17T16:40:00Z", "--json"});
  auto c = nlohmann::json::parse(cut.out);
  ASSERT_EQ(c["gaps"].size(), 1u);
  EXPECT_EQ(c["gaps"][0]["end"], "2024-01-17T16:40:00Z");
  EXPECT_EQ(c["gaps"][0]["missing_bars"], 40);
}

}  // namespace
}  // namespace barlake

namespace barlake {
namespace {

TEST_F(HealthCliCalendarTest, StaleDerivedDataIsReported) {
  CommandResult rs = Bl({"resample", "ES", "--to", "5m", "--no-auto-regenerate"});
  ASSERT_EQ(rs.exit_code, 0) << rs.err;
  auto fresh = nlohmann::json::parse(Bl({"health", "ES", "5m", "--json"}).out);
  EXPECT_EQ(fresh["datasets"][0]["stale_derived"].size(), 0u);
  // New 1m bars in the input's partition: the 5m bars are now stale.
  const std::string p = dir_.Sub("ES2.Last.txt");
  ASSERT_OK(testutil::WriteText(p, NtMinutes("20240118 143100", 30, 4810)));
  CommandResult imp = Bl({"import", p, "--symbol", "ES", "--timeframe", "1m"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto stale = nlohmann::json::parse(Bl({"health", "ES", "5m", "--json"}).out);
  ASSERT_EQ(stale["datasets"][0]["stale_derived"].size(), 1u) << stale.dump(2);
  const std::string what = stale["datasets"][0]["stale_derived"][0];
  EXPECT_NE(what.find("ES 5m is stale"), std::string::npos) << what;
  EXPECT_NE(what.find("barlake regenerate ES 5m"), std::string::npos) << what;
  CommandResult table = Bl({"health", "ES", "5m"});
  EXPECT_NE(table.out.find("stale derived data:"), std::string::npos) << table.out;
  // The 1m input itself is not stale derived data.
  auto input = nlohmann::json::parse(Bl({"health", "ES", "1m", "--json"}).out);
  EXPECT_EQ(input["datasets"][0]["stale_derived"].size(), 0u);
}

}  // namespace
}  // namespace barlake
