// The CLI as users run it: the real binary, real files, exit codes and messages.
#include <gtest/gtest.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::NtMinutes;
using testutil::RunBarlake;

bool ReadAll(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    CommandResult r = RunBarlake({"init", vault_, "--source-tz", "America/Los_Angeles"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Bl(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args, env);
  }
  std::string Source(const std::string& name, const std::string& text) {
    const std::string p = dir_.Sub(name);
    EXPECT_TRUE(testutil::WriteText(p, text).ok());
    return p;
  }
  testutil::TempDir dir_;
  std::string vault_;
};

TEST_F(CliTest, ReadWritesAParquetFileQueryCanOpen) {
  const std::string src = Source("ES.Last.txt", NtMinutes("20240115 063100", 90, 4800));
  ASSERT_EQ(Bl({"import", src, "--symbol", "ES", "--timeframe", "1m"}).exit_code, 0);
  const std::string out = dir_.Sub("es.parquet");
  CommandResult rd = Bl({"read", "ES", "1m", "--from", "2024-01-15T14:30:00Z", "--to", "2024-01-15T15:00:00Z",
                         "--format", "parquet", "--output", out});
  ASSERT_EQ(rd.exit_code, 0) << rd.err;
  EXPECT_NE(rd.err.find("Wrote 30 bars"), std::string::npos) << rd.err;
  CommandResult q = Bl({"query", "SELECT count(*) AS n, min(ts) = TIMESTAMPTZ '2024-01-15 14:30:00+00' AS first_ok, "
                                 "max(job) AS job FROM '" + out + "'", "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "n,first_ok,job\n30,true,1\n");
}

TEST_F(CliTest, RecoverCountsTheJobsACrashLeftRunning) {
  const std::string src = Source("ES.Last.txt", NtMinutes("20240115 063100", 90, 4800));
  // A test build reads the crash hook: the import is killed with its plan journaled.
  CommandResult killed = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m"}, {"BARLAKE_CRASH_AT=after-staged"});
  ASSERT_NE(killed.exit_code, 0);
  CommandResult rec = Bl({"recover"});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  EXPECT_EQ(rec.out, "Recovered 1 interrupted job; the lake matches the journal.\n");
  EXPECT_EQ(Bl({"recover"}).out, "Recovered 0 interrupted jobs; the lake matches the journal.\n");
}

TEST_F(CliTest, ImportJsonReadStatusQueryVerifyJobs) {
  // Los Angeles close stamps 06:31.. are 14:30Z.. open times in January.
  const std::string src = Source("ES.Last.txt", NtMinutes("20240115 063100", 90, 4800));
  CommandResult imp = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m", "--json"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto j = nlohmann::json::parse(imp.out);
  EXPECT_EQ(j["job"], 1);
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["rows_read"], 90);
  EXPECT_EQ(j["rows_written"], 90);
  EXPECT_EQ(j["rows_rejected"], 0);
  EXPECT_EQ(j["rows_conflicting"], 0);
  EXPECT_EQ(j["partitions"], 1);

  CommandResult rd = Bl({"read", "ES", "1m", "--from", "2024-01-15T14:30:00Z", "--to", "2024-01-15T14:32:00Z"});
  ASSERT_EQ(rd.exit_code, 0) << rd.err;
  EXPECT_EQ(rd.out.substr(0, rd.out.find('\n')), "ts,open,high,low,close,volume");
  EXPECT_NE(rd.out.find("\n2024-01-15T14:30:00Z,4800,"), std::string::npos) << rd.out;
  EXPECT_NE(rd.out.find("\n2024-01-15T14:31:00Z,"), std::string::npos) << rd.out;
  EXPECT_EQ(std::count(rd.out.begin(), rd.out.end(), '\n'), 3);
  CommandResult ny = Bl({"read", "ES", "1m", "--from", "2024-01-15T14:30:00Z", "--to", "2024-01-15T14:31:00Z",
                         "--tz", "America/New_York", "--format", "json"});
  ASSERT_EQ(ny.exit_code, 0) << ny.err;
  auto rows = nlohmann::json::parse(ny.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["ts"], "2024-01-15T09:30:00-05:00");

  CommandResult st = Bl({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  auto s = nlohmann::json::parse(st.out);
  ASSERT_EQ(s["datasets"].size(), 1u);
  EXPECT_EQ(s["datasets"][0]["first_bar"], "2024-01-15T14:30:00Z");
  EXPECT_EQ(s["datasets"][0]["rows"], 90);
  CommandResult table = Bl({"status"});
  EXPECT_NE(table.out.find("2024-01-15 09:30:00-05:00"), std::string::npos) << table.out;  // display zone

  CommandResult q = Bl({"query", "SELECT symbol, timeframe, count(*) AS n FROM bars GROUP BY ALL", "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "symbol,timeframe,n\nES,1m,90\n");
  CommandResult bad_sql = Bl({"query", "SELEC 1"});
  EXPECT_EQ(bad_sql.exit_code, 2);
  EXPECT_NE(bad_sql.err.find("in your query"), std::string::npos);

  CommandResult v = Bl({"verify"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("OK: 1 files, 90 rows checked"), std::string::npos) << v.out;

  CommandResult again = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("already imported by job 1"), std::string::npos) << again.out;
  CommandResult jobs = Bl({"jobs", "--json"});
  auto jl = nlohmann::json::parse(jobs.out);
  ASSERT_EQ(jl.size(), 2u);
  EXPECT_EQ(jl[0]["status"], "skipped");
  EXPECT_EQ(jl[1]["status"], "completed");
  CommandResult show = Bl({"jobs", "show", "1", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto sj = nlohmann::json::parse(show.out);
  ASSERT_EQ(sj["partitions_touched"].size(), 1u);
  EXPECT_EQ(sj["partitions_touched"][0]["after_rows"], 90);
  EXPECT_EQ(Bl({"jobs", "show", "42"}).exit_code, 3);
}

TEST_F(CliTest, ErrorsHaveDocumentedExitCodesAndSayWhatToDo) {
  CommandResult not_vault = RunBarlake({"--vault", dir_.Sub("nope"), "status"});
  EXPECT_EQ(not_vault.exit_code, 3);
  EXPECT_NE(not_vault.err.find("is not a barlake vault"), std::string::npos) << not_vault.err;
  EXPECT_NE(not_vault.err.find("barlake init"), std::string::npos);

  const std::string bad = Source("bad.txt", NtMinutes("20240115 063100", 2, 100) + "20240115 063300;1;x;1;1;1\n");
  CommandResult b = Bl({"import", bad, "--symbol", "ES", "--timeframe", "1m"});
  EXPECT_EQ(b.exit_code, 4);
  EXPECT_NE(b.err.find("bad.txt:3: field 'high': 'x' is not a number"), std::string::npos) << b.err;
  EXPECT_TRUE(std::filesystem::is_empty(vault_ + "/lake"));

  EXPECT_EQ(Bl({"import", dir_.Sub("missing.txt"), "--symbol", "ES", "--timeframe", "1m"}).exit_code, 3);
  EXPECT_EQ(Bl({"import", bad, "--symbol", "ES", "--timeframe", "7m"}).exit_code, 2);
  EXPECT_EQ(Bl({"import", bad, "--symbol", "ES"}).exit_code, 2);  // missing --timeframe
  EXPECT_EQ(Bl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Bl({"read", "ES", "1m", "--from", "yesterday"}).exit_code, 2);
  EXPECT_EQ(Bl({"rollback", "7"}).exit_code, 3);
  EXPECT_EQ(RunBarlake({"init", vault_}).exit_code, 5);
}

TEST_F(CliTest, ConflictFailAndRollbackRefusalExitWithConflict) {
  const std::string a = Source("a.txt", NtMinutes("20240115 063100", 10, 100));
  ASSERT_EQ(Bl({"import", a, "--symbol", "ES", "--timeframe", "1m"}).exit_code, 0);
  const std::string b = Source("b.txt", NtMinutes("20240115 063100", 10, 200));
  CommandResult f = Bl({"import", b, "--symbol", "ES", "--timeframe", "1m", "--on-conflict", "fail"});
  EXPECT_EQ(f.exit_code, 5);
  // The last bar of each file is provisional (maybe still forming): the later file's, with
  // more volume, completes the stored one instead of conflicting, so 9 of the 10 conflict.
  EXPECT_NE(f.err.find("9 bars in"), std::string::npos) << f.err;
  CommandResult dry = Bl({"import", b, "--symbol", "ES", "--timeframe", "1m", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  auto dj = nlohmann::json::parse(dry.out);
  EXPECT_EQ(dj["status"], "dry_run");
  EXPECT_EQ(dj["rows_conflicting"], 9);
  ASSERT_EQ(Bl({"import", b, "--symbol", "ES", "--timeframe", "1m", "--on-conflict", "replace"}).exit_code, 0);
  CommandResult refused = Bl({"rollback", "1"});
  EXPECT_EQ(refused.exit_code, 5);
  EXPECT_NE(refused.err.find("later job 3"), std::string::npos) << refused.err;
  ASSERT_EQ(Bl({"rollback", "3"}).exit_code, 0);
  CommandResult rd = Bl({"read", "ES", "1m"});
  EXPECT_NE(rd.out.find(",100,"), std::string::npos) << rd.out;  // a's values are back
}

TEST_F(CliTest, VerifyFailsWithCorruptionExitCodeWhenAFileChanges) {
  const std::string a = Source("a.txt", NtMinutes("20240115 063100", 10, 100));
  ASSERT_EQ(Bl({"import", a, "--symbol", "ES", "--timeframe", "1m"}).exit_code, 0);
  const std::string file = vault_ + "/lake/symbol=ES/timeframe=1m/period=2024-01/data.parquet";
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 10);
  CommandResult v = Bl({"verify", "--json"});
  EXPECT_EQ(v.exit_code, 8);
  auto j = nlohmann::json::parse(v.out);
  EXPECT_FALSE(j["ok"]);
  EXPECT_GE(j["problems"].size(), 1u);
}

TEST_F(CliTest, LockTimeoutNamesTheHolder) {
  const std::string a = Source("a.txt", NtMinutes("20240115 063100", 10, 100));
  int fd = ::open((vault_ + "/.barlake/lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  ASSERT_TRUE(testutil::WriteText(vault_ + "/.barlake/lock.holder", "pid 4242, command 'barlake import x', since now").ok());
  CommandResult r = Bl({"--wait", "0.2", "import", a, "--symbol", "ES", "--timeframe", "1m"});
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.err.find("pid 4242"), std::string::npos) << r.err;
  ::close(fd);
  EXPECT_EQ(Bl({"import", a, "--symbol", "ES", "--timeframe", "1m"}).exit_code, 0);
}

TEST(CliDemoTest, DemoBuildsAVaultAndPrintsStatus) {
  testutil::TempDir dir;
  CommandResult r = RunBarlake({"demo", dir.Sub("demo")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Imported ES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FIRST BAR (America/New_York)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Try next"), std::string::npos);
  EXPECT_NE(r.out.find("Built ES session_stats"), std::string::npos) << r.out;
  CommandResult q = RunBarlake({"--vault", dir.Sub("demo"), "query",
                                "SELECT count(*) > 400 FROM session_stats WHERE symbol = 'ES'", "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("\ntrue"), std::string::npos) << q.out;  // two years of sessions
  CommandResult again = RunBarlake({"demo", dir.Sub("demo")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Skipped ES"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("ES session_stats: up to date"), std::string::npos) << again.out;
  CommandResult v = RunBarlake({"--vault", dir.Sub("demo"), "verify"});
  EXPECT_EQ(v.exit_code, 0) << v.out;
  std::string toml;
  ASSERT_TRUE(ReadAll(dir.Sub("demo/barlake.toml"), &toml));
  EXPECT_NE(toml.find("calendar = \"CME_Globex\""), std::string::npos) << toml;
}

}  // namespace
}  // namespace barlake

namespace barlake {
namespace {

class CliQuarantineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    ASSERT_EQ(RunBarlake({"init", vault_, "--source-tz", "UTC"}).exit_code, 0);
  }
  CommandResult Bl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args);
  }
  testutil::TempDir dir_;
  std::string vault_;
};

TEST_F(CliQuarantineTest, BadTickGoesToQuarantineAndCanBeReleasedOrDropped) {
  // 200 calm bars and one bad tick (0.5% of the file: under the 1% limit).
  std::string text = testutil::NtMinutes("20240115 093100", 200, 100);
  text += testutil::NtLine("20240115 125100", 593.13, 593.13, 100, 100.25, 3);
  text += testutil::NtMinutes("20240115 125200", 30, 100);
  const std::string src = dir_.Sub("es.txt");
  ASSERT_TRUE(testutil::WriteText(src, text).ok());
  CommandResult imp = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m", "--json"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto j = nlohmann::json::parse(imp.out);
  EXPECT_EQ(j["rows_rejected"], 1);
  EXPECT_EQ(j["rejected_by_rule"]["bad_tick"], 1);
  EXPECT_EQ(j["rejections"][0]["line"], 201);
  CommandResult list = Bl({"quarantine", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto l = nlohmann::json::parse(list.out);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0]["rule"], "bad_tick");
  EXPECT_EQ(l[0]["open"], 593.13);
  const std::string id = std::to_string(l[0]["id"].get<int64_t>());
  // Release merges it through the write protocol as a job of its own.
  CommandResult rel = Bl({"quarantine", "release", id});
  ASSERT_EQ(rel.exit_code, 0) << rel.err;
  CommandResult rd = Bl({"read", "ES", "1m", "--from", "2024-01-15T12:50:00Z", "--to", "2024-01-15T12:51:00Z"});
  EXPECT_NE(rd.out.find(",593.13,"), std::string::npos) << rd.out;
  EXPECT_EQ(Bl({"quarantine", "release", id}).exit_code, 5);  // already released
  CommandResult v = Bl({"verify"});
  EXPECT_EQ(v.exit_code, 0) << v.out;
  // Rolling the release back takes the bar out again.
  CommandResult jobs = Bl({"jobs", "--json"});
  auto jl = nlohmann::json::parse(jobs.out);
  EXPECT_EQ(jl[0]["kind"], "release");
  ASSERT_EQ(Bl({"rollback", std::to_string(jl[0]["id"].get<int64_t>())}).exit_code, 0);
  CommandResult gone = Bl({"read", "ES", "1m", "--from", "2024-01-15T12:50:00Z", "--to", "2024-01-15T12:51:00Z"});
  EXPECT_EQ(gone.out, "ts,open,high,low,close,volume\n");
  // ... and the row is held again, ready to be released or dropped.
  auto again = nlohmann::json::parse(Bl({"quarantine", "list", "--json"}).out);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]["status"], "held");
  // Rolling back the import itself takes its quarantined rows out of the list.
  ASSERT_EQ(Bl({"rollback", "1"}).exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(Bl({"quarantine", "list", "--status", "all", "--json"}).out).size(), 0u);
  EXPECT_EQ(Bl({"quarantine", "list", "--status", "bogus"}).exit_code, 2);
}

TEST_F(CliQuarantineTest, TooManyRejectedRowsFailUnlessForced) {
  std::string text = testutil::NtMinutes("20240115 093100", 20, 100);
  text += testutil::NtLine("20240115 095100", 100, 99, 101, 100, 1);  // high < low: 1 of 21 rows
  const std::string src = dir_.Sub("es.txt");
  ASSERT_TRUE(testutil::WriteText(src, text).ok());
  CommandResult r = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("es.txt:21: field 'high'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(vault_ + "/lake"));
  CommandResult f = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m", "--force", "--json"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_EQ(nlohmann::json::parse(f.out)["rows_written"], 20);
  CommandResult drop = Bl({"quarantine", "drop", "1"});
  EXPECT_EQ(drop.exit_code, 0) << drop.err;
  auto dropped = nlohmann::json::parse(Bl({"quarantine", "list", "--status", "dropped", "--json"}).out);
  EXPECT_EQ(dropped.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(Bl({"quarantine", "list", "--json"}).out).size(), 0u);
}

TEST_F(CliQuarantineTest, CsvIsDetectedAndExplained) {
  const std::string src = dir_.Sub("bars.csv");
  std::string text = "Date,Open,High,Low,Close,Volume\n";
  for (int i = 0; i < 10; ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "2024-01-15 14:%02d:00,100,101,99,100.5,%d\n", 30 + i, 10 + i);
    text += line;
  }
  ASSERT_TRUE(testutil::WriteText(src, text).ok());
  CommandResult det = RunBarlake({"detect", src});
  ASSERT_EQ(det.exit_code, 0) << det.err;
  EXPECT_NE(det.out.find(": csv"), std::string::npos) << det.out;
  CommandResult imp = Bl({"import", src, "--symbol", "X", "--timeframe", "1m", "--json"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto j = nlohmann::json::parse(imp.out);
  EXPECT_EQ(j["format"], "csv");
  EXPECT_EQ(j["rows_written"], 10);
  CommandResult rd = Bl({"read", "X", "1m", "--from", "2024-01-15T14:30:00Z", "--to", "2024-01-15T14:31:00Z"});
  EXPECT_NE(rd.out.find("2024-01-15T14:30:00Z,100,101,99,100.5,10"), std::string::npos) << rd.out;
  EXPECT_EQ(RunBarlake({"detect", dir_.Sub("nothing-here.csv")}).exit_code, 3);
}

}  // namespace
}  // namespace barlake

namespace barlake {
namespace {

class CliCalendarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    ASSERT_EQ(RunBarlake({"init", vault_, "--source-tz", "America/Los_Angeles"}).exit_code, 0);
  }
  CommandResult Bl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args);
  }
  std::string Toml() {
    std::string text;
    EXPECT_TRUE(ReadAll(vault_ + "/barlake.toml", &text));
    return text;
  }
  testutil::TempDir dir_;
  std::string vault_;
};

TEST_F(CliCalendarTest, ListAndShowSessions) {
  CommandResult list = Bl({"calendars", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto cals = nlohmann::json::parse(list.out);
  bool nyse = false;
  for (const auto& c : cals) {
    if (c["name"] == "NYSE") {
      nyse = true;
      EXPECT_EQ(c["zone"], "America/New_York");
      EXPECT_EQ(c["source"], "built-in");
      EXPECT_EQ(c["open"], "09:30");
    }
  }
  EXPECT_TRUE(nyse) << list.out;
  CommandResult show = Bl({"calendars", "show", "NYSE", "--from", "2023-11-22", "--to", "2023-11-25", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto days = nlohmann::json::parse(show.out)["days"];
  ASSERT_EQ(days.size(), 3u) << show.out;
  EXPECT_EQ(days[0]["trade_date"], "2023-11-22");
  EXPECT_EQ(days[0]["early_close"], false);
  EXPECT_EQ(days[1]["closed"], true);
  EXPECT_EQ(days[1]["note"], "Thanksgiving Day");
  EXPECT_EQ(days[2]["early_close"], true);
  EXPECT_EQ(days[2]["close_local"], "2023-11-24T13:00:00-05:00");
  CommandResult table = Bl({"calendars", "show", "CME_Globex", "--from", "2024-03-29", "--to", "2024-03-30"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("2024-03-29  Fri  closed"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Good Friday"), std::string::npos) << table.out;
  CommandResult unknown = Bl({"calendars", "show", "LSE"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("known: CME_Globex, Crypto, FX, NYSE, NYSE_extended"), std::string::npos) << unknown.err;
}

TEST_F(CliCalendarTest, ImportWithCalendarThenDatasetSetKeepsComments) {
  // Los Angeles close stamps 06:31.. = 09:30 New York on MLK day 2024: before CME's 13:00 halt.
  const std::string src = dir_.Sub("ES.Last.txt");
  ASSERT_TRUE(testutil::WriteText(src, testutil::NtMinutes("20240115 063100", 30, 4800)).ok());
  CommandResult imp = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m", "--calendar", "CME_Globex", "--json"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto j = nlohmann::json::parse(imp.out);
  EXPECT_EQ(j["calendar"], "CME_Globex");
  EXPECT_TRUE(j["flagged_kept_by_rule"].empty()) << imp.out;
  std::string toml = Toml();
  ASSERT_NE(toml.find("calendar = \"CME_Globex\""), std::string::npos) << toml;
  // The user annotates the file; `dataset set` changes only the value.
  const size_t at = toml.find("calendar = \"CME_Globex\"");
  toml.insert(at + std::string("calendar = \"CME_Globex\"").size(), "  # set by import");
  toml = "# desk registry, edited by hand\n" + toml;
  ASSERT_TRUE(testutil::WriteText(vault_ + "/barlake.toml", toml).ok());
  CommandResult set = Bl({"dataset", "set", "ES", "1m", "--calendar", "NYSE", "--outside-session", "quarantine"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("calendar NYSE (was CME_Globex)"), std::string::npos) << set.out;
  std::string after = Toml();
  std::string expected = toml;
  expected.replace(expected.find("\"CME_Globex\"  # set by import"), 12, "\"NYSE\"");
  expected.insert(expected.find("# set by import\n") + 16, "outside_session = \"quarantine\"\n");
  EXPECT_EQ(after, expected);
  CommandResult bad = Bl({"dataset", "set", "ES", "1m", "--calendar", "CME"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown calendar 'CME'; known: CME_Globex"), std::string::npos) << bad.err;
  EXPECT_EQ(Toml(), expected);
  CommandResult missing = Bl({"dataset", "set", "NQ", "1m", "--calendar", "NYSE"});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  // --calendar on import must agree with the declared one.
  CommandResult clash = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m", "--calendar", "CME_Globex"});
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_NE(clash.err.find("dataset set ES 1m --calendar CME_Globex"), std::string::npos) << clash.err;
}

TEST_F(CliCalendarTest, RegistryCalendarsAreListedWithTheirSource) {
  std::string toml = Toml();
  toml += "\n[[calendar]]\nname = \"NYSE_desk\"\nbase = \"NYSE\"\nextra_holidays = [\"2031-01-02\"]\n";
  ASSERT_TRUE(testutil::WriteText(vault_ + "/barlake.toml", toml).ok());
  CommandResult list = Bl({"calendars"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("NYSE_desk"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("barlake.toml:"), std::string::npos) << list.out;
  CommandResult show = Bl({"calendars", "show", "NYSE_desk", "--from", "2031-01-02", "--to", "2031-01-03", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(nlohmann::json::parse(show.out)["days"][0]["closed"], true) << show.out;
}

}  // namespace
}  // namespace barlake

namespace barlake {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(CliTest, AnUnknownCommandIsNamedWithTheClosestOne) {
  CommandResult typo = Bl({"staus"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("unknown command 'staus' (did you mean 'status'?)"), std::string::npos) << typo.err;
  CommandResult far = Bl({"frobnicate", "x"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.err.find("unknown command 'frobnicate'; `barlake --help` lists the commands"), std::string::npos)
      << far.err;
  // A known command with a bad argument keeps CLI11's own message.
  CommandResult missing = Bl({"read", "ES"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err.find("unknown command"), std::string::npos) << missing.err;
}

TEST_F(CliTest, AnUnknownOptionNamesItsCommandTheClosestOptionAndTheHelp) {
  CommandResult typo = Bl({"import", "x.txt", "--symbol", "ES", "--timefrme", "1m"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("barlake: error: `barlake import` has no option '--timefrme' (did you mean "
                          "'--timeframe'?); `barlake import --help` lists its options"),
            std::string::npos)
      << typo.err;
  // A nested command, a value glued with '=', and an option only the parent has (--vault).
  CommandResult nested = Bl({"snapshots", "import", "x.json", "--on-conflit=keep"});
  EXPECT_EQ(nested.exit_code, 2);
  EXPECT_NE(nested.err.find("`barlake snapshots import` has no option '--on-conflit' (did you mean "
                            "'--on-conflict'?)"),
            std::string::npos)
      << nested.err;
  CommandResult parent = Bl({"status", "--vaul", "x"});
  EXPECT_NE(parent.err.find("(did you mean '--vault'?)"), std::string::npos) << parent.err;
  // Nothing close: no guess, still the command and its help.
  CommandResult far = Bl({"status", "--frobnicate"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.err.find("`barlake status` has no option '--frobnicate'; `barlake status --help`"), std::string::npos)
      << far.err;
  // A stray word, with bytes that are not UTF-8, is quoted escaped.
  CommandResult stray = Bl({"status", "extra\xff"});
  EXPECT_EQ(stray.exit_code, 2);
  EXPECT_NE(stray.err.find("`barlake status` does not take 'extra\\xFF' here"), std::string::npos) << stray.err;
}

TEST_F(CliTest, QueryErrorsArePrintedOnceAndQuoteOnlyTheUsersSql) {
  ASSERT_EQ(Bl({"import", Source("ES.Last.txt", NtMinutes("20240115 063100", 30, 4800)), "--symbol", "ES",
                "--timeframe", "1m"})
                .exit_code,
            0);
  // Caught when prepared (DuckDB repeats a parser error's excerpt).
  CommandResult parse = Bl({"query", "SELEC 1"});
  EXPECT_EQ(parse.exit_code, 2);
  EXPECT_EQ(Count(parse.err, "LINE 1: SELEC 1"), 1u) << parse.err;
  EXPECT_EQ(Count(parse.err, "barlake: error:"), 1u) << parse.err;
  // Caught while running, inside the cast to text the query runs in.
  CommandResult run = Bl({"query", "SELECT 'abc'::INTEGER FROM bars"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("in your query: Conversion Error"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("COLUMNS(*)"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("DuckDB query failed"), std::string::npos) << run.err;
  EXPECT_EQ(Count(run.err, "barlake: error:"), 1u) << run.err;
  if (const size_t at = run.err.find("LINE 1: "); at != std::string::npos) {
    // The excerpt is the user's SQL, and its caret points at the cast in it (DuckDB marks the ::).
    const std::string excerpt = run.err.substr(at);
    EXPECT_EQ(excerpt.rfind("LINE 1: SELECT 'abc'::INTEGER", 0), 0u) << excerpt;
    const size_t nl = excerpt.find('\n');
    ASSERT_NE(nl, std::string::npos);
    const size_t caret = excerpt.find('^', nl) - (nl + 1);
    EXPECT_EQ(excerpt.substr(caret, 9), "::INTEGER") << excerpt;
  }
}

TEST_F(CliTest, AStatementThatWritesIsNamedAndRefusedAsReadOnly) {
  ASSERT_EQ(Bl({"import", Source("ES.Last.txt", NtMinutes("20240115 063100", 30, 4800)), "--symbol", "ES",
                "--timeframe", "1m"})
                .exit_code,
            0);
  const auto before = testutil::Snapshot(vault_);
  // CREATE prepares (then fails inside the wrapper), DELETE fails to bind over a view, COPY
  // prepares as a COPY; each is named, none changes a file.
  for (const auto& [sql, named] : std::vector<std::pair<std::string, std::string>>{
           {"CREATE TABLE x AS SELECT 1", "this is a CREATE statement"},
           {"  -- clean up\n delete FROM bars", "this is a DELETE statement"},
           {"COPY (SELECT * FROM bars) TO '" + dir_.Sub("out.csv") + "'", "this is a COPY statement"},
           {"INSERT INTO bars SELECT * FROM bars", "this is an INSERT statement"}}) {
    SCOPED_TRACE(sql);
    CommandResult r = Bl({"query", sql});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("in your query: " + named + ", and only a query (SELECT) runs here"), std::string::npos)
        << r.err;
  }
  EXPECT_EQ(testutil::Snapshot(vault_), before);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("out.csv")));
  // Queries that only look like those words still run.
  CommandResult q = Bl({"query", "/* deletes */ WITH d AS (SELECT 1 AS n) SELECT n FROM d"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
}

TEST_F(CliTest, RollbackCountsDataPartitionsAndNamesTheRegistryApart) {
  CommandResult imp = Bl({"import", Source("ES.Last.txt", NtMinutes("20240115 063100", 30, 4800)), "--symbol", "ES",
                          "--timeframe", "1m"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  CommandResult rb = Bl({"rollback", "1"});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  // One month partition; the first import also declared ES 1m in barlake.toml.
  EXPECT_NE(rb.out.find("rolled back job 1: 1 partition restored"), std::string::npos) << rb.out;
  EXPECT_NE(rb.out.find("; barlake.toml restored too"), std::string::npos) << rb.out;
}

TEST_F(CliTest, RollbackRebuildsTheDerivedDatasetsOfWhatItRestoredAndSaysSo) {
  // Day one, a 5m resample of it (rebuilt automatically after each import), then day two
  // in the same month partition.
  ASSERT_EQ(Bl({"import", Source("d1.Last.txt", NtMinutes("20240115 063100", 60, 4800)), "--symbol", "ES",
                "--timeframe", "1m"}).exit_code, 0);
  CommandResult rs = Bl({"resample", "ES", "--to", "5m"});
  ASSERT_EQ(rs.exit_code, 0) << rs.err;
  CommandResult imp = Bl({"import", Source("d2.Last.txt", NtMinutes("20240116 063100", 60, 4810)), "--symbol", "ES",
                          "--timeframe", "1m"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto count5m = [&] {  // data lines of `read ES 5m` (CSV with a header)
    CommandResult rd = Bl({"read", "ES", "5m", "--format", "csv"});
    EXPECT_EQ(rd.exit_code, 0) << rd.err;
    return std::count(rd.out.begin(), rd.out.end(), '\n') - 1;
  };
  EXPECT_EQ(count5m(), 24);  // two hours of 5m bars
  auto jobs = nlohmann::json::parse(Bl({"jobs", "--json"}).out);
  const int64_t day_two = jobs[0]["kind"] == "import" ? jobs[0]["id"].get<int64_t>() : jobs[1]["id"].get<int64_t>();
  CommandResult rb = Bl({"rollback", std::to_string(day_two)});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_NE(rb.out.find("derived ES 5m: regenerated by job"), std::string::npos) << rb.out;
  EXPECT_EQ(count5m(), 12);  // day one's hour only, not stale day-two bars
  auto h = nlohmann::json::parse(Bl({"health", "ES", "5m", "--json"}).out);
  EXPECT_EQ(h["datasets"][0]["stale_derived"].size(), 0u) << h.dump(2);
}

TEST_F(CliTest, SuccessLinesShowCommandLinePathsEscaped) {
  // A file name with a byte that is not UTF-8 (cp1252 e-acute) and a newline.
  const std::string src = Source("caf\xe9\nES.txt", NtMinutes("20240115 063100", 30, 4800));
  CommandResult imp = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_NE(imp.out.find("caf\\xE9\\x0AES.txt"), std::string::npos) << imp.out;
  EXPECT_EQ(imp.out.find("caf\xe9"), std::string::npos) << imp.out;
  CommandResult again = Bl({"import", src, "--symbol", "ES", "--timeframe", "1m"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.rfind("Skipped '", 0), 0u) << again.out;
  EXPECT_NE(again.out.find("/caf\\xE9\\x0AES.txt': "), std::string::npos) << again.out;
}

}  // namespace
}  // namespace barlake
