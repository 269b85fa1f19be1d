// The right bars or a clear refusal, through the real binary: provisional last bars, the
// weekly anchor, daily dates of epoch stamps, the `bars` and `derived_bars` views (and
// every SQL example of the docs), hourly bars on the half hour, --reimport, the marks of
// `stats` and a healthy demo vault (issue 11, points 3-8, 16 and 22).
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "demo/sample_data.h"
#include "testutil/cli_vault_test.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::RunBarlake;

std::string Fixture(const std::string& name) {
  return std::string(BARLAKE_TEST_DATA_DIR) + "/fidelity/" + name;
}

class BarsFidelityTest : public testutil::CliVaultTest {};

// ---- 4: provisional last bars ----

TEST_F(BarsFidelityTest, LastBarIsProvisionalAndALaterFileCompletesItUnderKeep) {
  CommandResult r = Bl({"import", Fixture("tv_btc_1h_forming.csv"), "--symbol", "BTC", "--timeframe", "1h", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["rows_added"], 6) << r.out;
  // The file tells: its last bar's volume is far below its neighbours'.
  EXPECT_NE(r.out.find("looks still forming"), std::string::npos) << r.out;
  // Stored with the provisional flag (16), every other bar final.
  EXPECT_EQ(Query("SELECT strftime(ts, '%H:%M'), flags FROM bars WHERE flags <> 0"), "05:00,16\n");

  // The later export holds the 05:00 bar whole and later bars: it completes the bar under
  // the default --on-conflict keep, without a conflict.
  r = Bl({"import", Fixture("tv_btc_1h_later.csv"), "--symbol", "BTC", "--timeframe", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("completed 1 provisional bar"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("conflict line"), std::string::npos) << r.out;
  EXPECT_EQ(Query("SELECT volume FROM bars WHERE ts = '2024-03-04 05:00:00+00'"), "1185.0\n");
  // Now the later file's last bar is the provisional one.
  EXPECT_EQ(Query("SELECT strftime(ts, '%H:%M'), flags FROM bars WHERE flags <> 0"), "08:00,16\n");
  CommandResult jobs = Bl({"jobs", "--json"});
  ASSERT_EQ(jobs.exit_code, 0) << jobs.err;
}

TEST_F(BarsFidelityTest, ProvisionalCompletionIsInTheJsonReportAndAnOlderFileNeverOverridesAFinalBar) {
  ASSERT_EQ(Bl({"import", Fixture("tv_btc_1h_forming.csv"), "--symbol", "BTC", "--timeframe", "1h"}).exit_code, 0);
  CommandResult r = Bl({"import", Fixture("tv_btc_1h_later.csv"), "--symbol", "BTC", "--timeframe", "1h", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["provisional_completed"], 1) << r.out;
  EXPECT_EQ(report["rows_conflicting"].is_null() ? 0 : report["rows_conflicting"].get<int>(), 0) << r.out;

  // The forming export again (a copy with other bytes, so it is not skipped): its
  // provisional last bar does not override the final one; with --on-conflict replace the
  // user says the file's values win, and they do.
  const std::string copy = dir_.Sub("forming_copy.csv");
  ASSERT_TRUE(testutil::WriteText(copy, testutil::ReadText(Fixture("tv_btc_1h_forming.csv")) + "\n").ok());
  r = Bl({"import", copy, "--symbol", "BTC", "--timeframe", "1h", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Query("SELECT volume FROM bars WHERE ts = '2024-03-04 05:00:00+00'"), "1185.0\n");
  const std::string copy2 = dir_.Sub("forming_copy2.csv");
  ASSERT_TRUE(testutil::WriteText(copy2, testutil::ReadText(Fixture("tv_btc_1h_forming.csv")) + "\n\n").ok());
  r = Bl({"import", copy2, "--symbol", "BTC", "--timeframe", "1h", "--on-conflict", "replace", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(Query("SELECT volume FROM bars WHERE ts = '2024-03-04 05:00:00+00'"), "1185.0\n");
}

// ---- 5: weekly bars ----

TEST_F(BarsFidelityTest, FridayStampedWeeksAreReanchoredToMondayAndNeverStoredBesideThem) {
  CommandResult r = Bl({"import", Fixture("av_weekly_friday.json"), "--symbol", "AAPL", "--timeframe", "1w"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("the week's last trading day"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("its week's Monday"), std::string::npos) << r.out;
  r = Bl({"import", Fixture("yf_weekly_monday.csv"), "--symbol", "AAPL", "--timeframe", "1w", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["rows_added"], 0) << r.out;
  // Three weeks, three bars, each on its Monday.
  EXPECT_EQ(Query("SELECT strftime(ts, '%Y-%m-%d %a') FROM bars ORDER BY ts"),
            "2024-01-08 Mon\n2024-01-15 Mon\n2024-01-22 Mon\n");
}

TEST_F(BarsFidelityTest, WeeksStampedOnAnotherDayAreRefused) {
  CommandResult r = Bl({"import", Fixture("weekly_sunday.csv"), "--symbol", "AAPL", "--timeframe", "1w"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("a Sunday"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Monday"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/lake/symbol=AAPL"));
}

// ---- 6: epoch-stamped daily bars ----

TEST_F(BarsFidelityTest, EpochDailyBarsTakeTheirDateFromTheCalendarOrUtcNeverTheVaultZone) {
  Init("Australia/Sydney");  // 14:30 UTC Friday is 01:30 Saturday in Sydney
  CommandResult r = Bl({"import", Fixture("tv_aapl_daily_epoch.csv"), "--symbol", "AAPL", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("epoch stamps take their date in UTC"), std::string::npos) << r.out;
  EXPECT_EQ(Query("SELECT strftime(ts, '%Y-%m-%d %a') FROM bars ORDER BY ts"),
            "2024-01-03 Wed\n2024-01-04 Thu\n2024-01-05 Fri\n2024-01-08 Mon\n");
  r = Bl({"import", Fixture("tv_aapl_daily_epoch.csv"), "--symbol", "AAPLN", "--timeframe", "1d", "--calendar",
          "NYSE"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("America/New_York (the calendar's zone)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("off-session"), std::string::npos) << r.out;
  EXPECT_EQ(Query("SELECT strftime(ts, '%Y-%m-%d %a') FROM bars WHERE symbol = 'AAPLN' ORDER BY ts"),
            "2024-01-03 Wed\n2024-01-04 Thu\n2024-01-05 Fri\n2024-01-08 Mon\n");
}

// ---- 8: hourly bars on the half hour ----

TEST_F(BarsFidelityTest, HalfHourHourlyBarsAreAlignedToTheSessionAnchor) {
  // Without a calendar there is no session anchor: refused, naming check_alignment.
  CommandResult r = Bl({"import", Fixture("yf_aapl_60m_half_hour.csv"), "--symbol", "AAPL", "--timeframe", "1h"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("misaligned"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check_alignment"), std::string::npos) << r.err;
  // Never under the wrong label: the same bars as 30m are an hourly file.
  r = Bl({"import", Fixture("yf_aapl_60m_half_hour.csv"), "--symbol", "AAPL", "--timeframe", "30m"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("--timeframe 1h"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/lake/symbol=AAPL"));
  // With the NYSE calendar they sit on the session's grid (09:30 + n hours): aligned.
  r = Bl({"import", Fixture("yf_aapl_60m_half_hour.csv"), "--symbol", "AAPL", "--timeframe", "1h", "--calendar",
          "NYSE", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["rows_added"], 35) << r.out;
  EXPECT_EQ(report["rows_rejected"], 0) << r.out;
  EXPECT_EQ(Query("SELECT min(strftime(ts, '%H:%M')) FROM bars"), "14:30\n");
}

// ---- 3: --reimport ----

class ReimportTest : public BarsFidelityTest {
 protected:
  void SetUp() override { Init("America/Los_Angeles"); }
};

TEST_F(ReimportTest, ReimportReplacesTheEarlierJobsBarsInOneJobAndRollbackRestoresThem) {
  // A UTC export read in the vault's default zone (Los Angeles): every bar 8 hours late.
  const std::string file = dir_.Sub("utc.txt");
  ASSERT_TRUE(testutil::WriteText(file, testutil::NtMinutes("20240108 143100", 390, 100)).ok());
  CommandResult r = Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int64_t first_job = nlohmann::json::parse(r.out)["job"];
  const std::string wrong = Read("ES", "1m");
  EXPECT_NE(wrong.find("2024-01-08T22:30:00"), std::string::npos);

  r = Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--tz", "UTC"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.err.find("--reimport"), std::string::npos) << r.err;

  r = Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--tz", "UTC", "--reimport", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  const int64_t second_job = report["job"];
  EXPECT_EQ(report["replaced_job"], first_job) << r.out;
  const std::string right = Read("ES", "1m");
  EXPECT_NE(right.find("2024-01-08T14:30:00"), std::string::npos);
  EXPECT_EQ(right.find("2024-01-08T22:30:00"), std::string::npos) << "the wrong bars are gone";
  EXPECT_EQ(Query("SELECT count(*), count(DISTINCT ts) FROM bars"), "390,390\n");
  // One job did it.
  EXPECT_EQ(Query("SELECT DISTINCT 1 FROM bars"), "1\n");

  r = Bl({"rollback", std::to_string(second_job)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Read("ES", "1m"), wrong);
}

// ---- 7: the bars view holds imported data only; every SQL example of the docs runs ----

TEST_F(BarsFidelityTest, BarsViewHoldsImportedDatasetsAndDerivedBarsHaveTheirOwn) {
  const std::string file = dir_.Sub("es.txt");
  ASSERT_TRUE(testutil::WriteText(file, testutil::NtMinutes("20240108 143100", 390, 100)).ok());
  ASSERT_EQ(Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--tz", "UTC", "--calendar", "NYSE"})
                .exit_code,
            0);
  CommandResult r = Bl({"resample", "ES", "--from", "1m", "--to", "5m"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Query("SELECT symbol, timeframe, count(*) FROM bars GROUP BY ALL"), "ES,1m,390\n");
  EXPECT_EQ(Query("SELECT symbol, timeframe, count(*) FROM derived_bars GROUP BY ALL"), "ES,5m,78\n");
  // Per-day volume over `bars` counts each trade once.
  EXPECT_EQ(Query("SELECT sum(volume) = (SELECT sum(volume) FROM derived_bars) FROM bars"), "true\n");
}

// Every SQL example in docs/ and the README: `barlake ... query "SQL"` lines, ```sql
// blocks and `sql = "..."` of derived datasets. Each runs against a vault holding every
// kind the examples name (bars, derived bars, snapshots, session_stats, level_touches).
std::vector<std::pair<std::string, std::string>> DocSqlExamples() {
  std::vector<std::pair<std::string, std::string>> out;
  const std::filesystem::path root = std::filesystem::path(BARLAKE_TEST_DATA_DIR).parent_path().parent_path();
  std::vector<std::filesystem::path> files = {root / "README.md"};
  for (const auto& e : std::filesystem::recursive_directory_iterator(root / "docs")) {
    if (e.path().extension() == ".md") files.push_back(e.path());
  }
  const std::regex query_line(R"(query "((?:[^"\\]|\\.)*)\")");
  const std::regex api_query(R"(/api/query\?sql=([^&\s`]+))");
  const std::regex sql_key(R"(^sql = "((?:[^"\\]|\\.)*)\")");
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string line, block;
    bool in_sql = false;
    int n = 0, block_line = 0;
    const std::string name = std::filesystem::relative(path, root).string();
    while (std::getline(in, line)) {
      ++n;
      if (in_sql) {
        if (line.rfind("```", 0) == 0) {
          // One statement at a time: `query` runs a single SELECT; a block's SET lines
          // are session settings barlake's query session has already (UTC).
          std::string statement;
          for (char c : block + ";") {
            if (c != ';') {
              statement += c;
              continue;
            }
            std::string sql;
            std::istringstream in_block(statement);
            for (std::string l; std::getline(in_block, l);) {
              if (l.find_first_not_of(' ') != std::string::npos && l.rfind("--", 0) != 0) sql += l + "\n";
            }
            // Queries only: journal.md's blocks are the SQLite schema, not examples to run.
            if (sql.rfind("SELECT", 0) == 0 || sql.rfind("WITH", 0) == 0) {
              out.push_back({name + ":" + std::to_string(block_line), sql});
            }
            statement.clear();
          }
          in_sql = false;
        } else {
          block += line + "\n";
        }
        continue;
      }
      if (line.rfind("```sql", 0) == 0) {
        in_sql = true;
        block.clear();
        block_line = n;
        continue;
      }
      std::smatch m;
      if (std::regex_search(line, m, query_line) || std::regex_search(line, m, sql_key)) {
        out.push_back({name + ":" + std::to_string(n), m[1].str()});
      } else if (std::regex_search(line, m, api_query)) {
        std::string sql = m[1].str();  // URL-encoded
        for (size_t at; (at = sql.find("%20")) != std::string::npos;) sql.replace(at, 3, " ");
        for (size_t at; (at = sql.find("%27")) != std::string::npos;) sql.replace(at, 3, "'");
        out.push_back({name + ":" + std::to_string(n), sql});
      }
    }
  }
  return out;
}

TEST_F(BarsFidelityTest, EverySqlExampleInTheDocsRuns) {
  auto examples = DocSqlExamples();
  ASSERT_GE(examples.size(), 8u) << "the extraction found too few examples";
  // A vault with ES (imported 1m, a derived 5m, session_stats, level_touches) and SPX
  // option snapshots.
  const std::string file = dir_.Sub("es.txt");
  ASSERT_TRUE(testutil::WriteText(file, testutil::NtMinutes("20240108 143100", 390, 100) +
                                            testutil::NtMinutes("20240109 143100", 390, 101))
                  .ok());
  ASSERT_EQ(Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--tz", "UTC", "--calendar", "NYSE"})
                .exit_code,
            0);
  ASSERT_EQ(Bl({"resample", "ES", "--from", "1m", "--to", "5m"}).exit_code, 0);
  ASSERT_EQ(Bl({"stats", "ES", "--save"}).exit_code, 0);
  ASSERT_EQ(Bl({"touches", "ES", "--save"}).exit_code, 0);
  bool snapshots = false;
  for (const auto& e : std::filesystem::directory_iterator(std::string(BARLAKE_TEST_DATA_DIR) + "/gex")) {
    if (e.path().extension() != ".json" || snapshots) continue;
    CommandResult s = Bl({"import", e.path().string()});
    snapshots = s.exit_code == 0;
  }
  EXPECT_TRUE(snapshots) << "no GEX fixture imported";
  for (const auto& [where, sql] : examples) {
    std::string text = sql;
    // Shell quoting of the doc lines: \" inside "...".
    for (size_t at; (at = text.find("\\\"")) != std::string::npos;) text.replace(at, 2, "\"");
    // Examples that read the files directly name a vault at /data/vault: this one.
    for (size_t at; (at = text.find("/data/vault")) != std::string::npos;) text.replace(at, 11, vault_);
    CommandResult r = Bl({"query", text, "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << where << ": " << text << "\n" << r.err;
  }
}

// ---- 16: stats marks sessions with missing bars and sessions in a suspicious week ----

TEST_F(BarsFidelityTest, StatsMarksSessionsWithMissingBarsAndSuspiciousWeeks) {
  // Four CME weeks of 1m bars (April 2024, no holidays) exported in Los Angeles time; the
  // second week came from a machine on Berlin time but is read as Los Angeles: 9 hours off.
  std::string text;
  for (const auto& [day, tz] : std::vector<std::pair<int, std::string>>{
           {7, "America/Los_Angeles"}, {14, "Europe/Berlin"}, {21, "America/Los_Angeles"}}) {
    demo::SampleSpec spec;
    spec.start_year = 2024;
    spec.start_month = 4;
    spec.start_day = day;
    spec.days = day == 21 ? 13 : 7;
    spec.export_tz = tz;
    spec.seed = static_cast<uint64_t>(day);
    int64_t rows = 0;
    auto part = demo::MakeNinjaTraderExport(spec, &rows);
    ASSERT_TRUE(part.ok());
    text += *part;
  }
  // A hole of 10 minutes on Wednesday 2024-04-24, 10:00-10:10 New York (07:0x Los Angeles).
  std::string kept;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("20240424 07", 0) == 0 && line.substr(11, 2) >= "01" && line.substr(11, 2) <= "10") continue;
    kept += line + "\n";
  }
  const std::string file = dir_.Sub("es.txt");
  ASSERT_TRUE(testutil::WriteText(file, kept).ok());
  CommandResult r = Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--tz", "America/Los_Angeles",
                        "--calendar", "CME_Globex", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Bl({"stats", "ES", "--from", "2024-04-15", "--to", "2024-04-26"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto row = [&](const std::string& date) {
    const size_t at = r.out.find("\n" + date);
    return at == std::string::npos ? std::string() : r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
  };
  EXPECT_NE(row("2024-04-24").find("missing 10 of 1,380 bars"), std::string::npos) << r.out;
  EXPECT_EQ(row("2024-04-23").find("missing"), std::string::npos) << r.out;
  EXPECT_NE(row("2024-04-16").find("suspicious week"), std::string::npos) << r.out;
  EXPECT_EQ(row("2024-04-23").find("suspicious week"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("in a suspicious week"), std::string::npos) << r.out;
  r = Bl({"stats", "ES", "--from", "2024-04-24", "--to", "2024-04-24", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["sessions"][0]["missing_bars"], 10) << r.out;
  EXPECT_EQ(j["sessions"][0]["expected_bars"], 1380) << r.out;
  EXPECT_TRUE(j["sessions"][0]["suspicious_week"].is_null()) << r.out;
}

// ---- 22: a fresh demo vault is healthy ----

TEST(DemoHealthTest, FreshDemoVaultIsHealthyOnFirstRun) {
  testutil::TempDir dir;
  const std::string vault = dir.Sub("demo");
  CommandResult r = RunBarlake({"demo", vault, "--days", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunBarlake({"--vault", vault, "health", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& list = j.is_array() ? j : j["datasets"];
  ASSERT_GE(list.size(), 3u) << r.out;
  for (const auto& d : list) {
    if (d["calendar"].is_null() || d["calendar"] == "") continue;  // derived tables
    EXPECT_EQ(d["status"], "ok") << d.dump(1);
    EXPECT_EQ(d["gap_count"], 0) << d.dump(1);
    EXPECT_EQ(d["staleness"]["stale"], false) << d.dump(1);
  }
  r = RunBarlake({"--vault", vault, "health"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* bad : {"warn", "fail", "Warn", "Stale"}) {
    EXPECT_EQ(r.out.find(bad), std::string::npos) << bad << "\n" << r.out;
  }
}

}  // namespace
}  // namespace barlake

namespace barlake {
namespace {

TEST_F(BarsFidelityTest, BinanceCsvWithTheLiveKlineSaysSoAndTheLastClosedOneIsProvisional) {
  // Three 1m klines, the last one open now: its close time is in the future.
  const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
  const int64_t live = now_ms / 60000 * 60000;
  std::string text = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
                     "taker_buy_quote_volume,ignore\n";
  for (int k = 2; k >= 0; --k) {
    const int64_t open = live - k * 60000;
    text += std::to_string(open) + ",100,101,99,100.5,10," + std::to_string(open + 59999) + ",1000,5,5,500,0\n";
  }
  const std::string file = dir_.Sub("klines.csv");
  ASSERT_TRUE(testutil::WriteText(file, text).ok());
  CommandResult r = Bl({"import", file, "--symbol", "BTCUSDT", "--timeframe", "1m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["rows_added"], 2) << r.out;
  EXPECT_NE(r.out.find("dropped the last kline: its close time is still in the future"), std::string::npos) << r.out;
  EXPECT_EQ(Query("SELECT count(*) FROM bars WHERE flags = 16"), "1\n");
}

}  // namespace
}  // namespace barlake
