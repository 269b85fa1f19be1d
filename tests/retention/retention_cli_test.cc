// gc, status --disk, gitignore, check --deploy and the backup and gc schedule actions
// through the real binary (docs/retention.md, docs/deploy.md, docs/schedules.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testutil::CommandResult;
using testutil::RunBarlake;

class RetentionCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("vault");
    ASSERT_EQ(RunBarlake({"init", vault_, "--source-tz", "UTC"}).exit_code, 0);
  }
  void Import(const std::string& name, const std::string& first, const std::string& symbol = "ES") {
    ASSERT_TRUE(testutil::WriteText(dir_.Sub(name), testutil::NtMinutes(first, 60, 4800)).ok());
    CommandResult r = Run({"import", dir_.Sub(name), "--symbol", symbol, "--timeframe", "1m"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Run(std::vector<std::string> args, const std::string& now = "") {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args, now.empty() ? std::vector<std::string>{} : std::vector<std::string>{"BARLAKE_TEST_NOW=" + now});
  }
  void AppendToml(const std::string& text) { std::ofstream(vault_ + "/barlake.toml", std::ios::app) << text; }
  size_t Files(const std::string& rel) {
    const std::string dir = vault_ + "/" + rel;
    if (!fs::exists(dir)) return 0;
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file();
    return n;
  }
  testutil::TempDir dir_;
  std::string vault_;
};

TEST_F(RetentionCliTest, GcDryRunRealRunAndForce) {
  Import("a.txt", "20240110 100100");
  Import("b.txt", "20240111 100100");
  Import("c.txt", "20240112 100100");
  AppendToml("\n[retention]\nkeep_versions = 0\nversion_days = 0\nsource_days = 0\nrollback_days = 7\n");
  const size_t versions = Files(".barlake/versions");
  ASSERT_GE(versions, 2u);

  // Inside the rollback window: nothing a rollback needs goes.
  CommandResult dry = Run({"gc", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would remove"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("needed by rolling back job 2"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("dry run: gc would free"), std::string::npos) << dry.out;
  EXPECT_EQ(Files(".barlake/versions"), versions);
  EXPECT_EQ(Files(".barlake/sources"), 3u);

  CommandResult gc = Run({"gc"});
  ASSERT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("gc job 4 freed"), std::string::npos) << gc.out;
  EXPECT_NE(gc.out.find(" gc --force` removes them too"), std::string::npos) << gc.out;
  EXPECT_EQ(Files(".barlake/versions"), versions) << "every version is a rollback's inside the window";
  EXPECT_EQ(Files(".barlake/sources"), 1u) << "only the source repair replays stays";
  CommandResult rb = Run({"rollback", "3"});
  EXPECT_EQ(rb.exit_code, 0) << rb.err;

  // Forty days on the window has passed; --force takes what repair would need too.
  CommandResult later = Run({"gc", "--json"}, "2099-01-01T00:00:00Z");
  ASSERT_EQ(later.exit_code, 0) << later.err;
  json j = json::parse(later.out);
  EXPECT_FALSE(j["removed"].empty()) << later.out;
  CommandResult forced = Run({"gc", "--force", "--json"}, "2099-01-01T00:00:00Z");
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_TRUE(json::parse(forced.out)["held"].empty()) << forced.out;
  EXPECT_EQ(Files(".barlake/versions"), 0u);
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
  CommandResult jobs = Run({"jobs"});
  EXPECT_NE(jobs.out.find("gc"), std::string::npos) << jobs.out;
}

TEST_F(RetentionCliTest, StatusDiskShowsTheSpaceOfEachArea) {
  Import("a.txt", "20240110 100100");
  CommandResult r = Run({"status", "--disk"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* area : {"lake", "versions", "sources", "quarantine", "staging", "journal", "total"}) {
    EXPECT_NE(r.out.find(area), std::string::npos) << area << "\n" << r.out;
  }
  CommandResult j = Run({"status", "--disk", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json parsed = json::parse(j.out);
  EXPECT_EQ(parsed["areas"][0]["area"], "lake");
  EXPECT_EQ(parsed["areas"][0]["files"], 1);
  EXPECT_GT(parsed["total_bytes"].get<int64_t>(), 0);
}

TEST_F(RetentionCliTest, GitignoreWriteIsIdempotentAndKeepsTheUsersLines) {
  Import("a.txt", "20240110 100100");
  Import("n.txt", "20240110 100100", "NQ");
  CommandResult set = Run({"dataset", "set", "NQ", "1m", "--category", "pipeline"});
  if (set.exit_code != 0) {  // no such flag: edit the file as a user would
    std::string text = testutil::ReadText(vault_ + "/barlake.toml");
    const auto at = text.rfind("category = \"published\"");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 22, "category = \"pipeline\"");
    ASSERT_TRUE(testutil::WriteText(vault_ + "/barlake.toml", text).ok());
  }
  const std::string file = vault_ + "/.gitignore";
  ASSERT_TRUE(testutil::WriteText(file, "*.log\n# keep me\n").ok());
  CommandResult print = Run({"gitignore"});
  ASSERT_EQ(print.exit_code, 0) << print.err;
  EXPECT_NE(print.out.find("/lake/symbol=NQ/timeframe=1m/"), std::string::npos) << print.out;
  EXPECT_EQ(testutil::ReadText(file), "*.log\n# keep me\n") << "printing writes nothing";
  CommandResult w1 = Run({"gitignore", "--write"});
  ASSERT_EQ(w1.exit_code, 0) << w1.err;
  const std::string first = testutil::ReadText(file);
  EXPECT_EQ(first.rfind("*.log\n# keep me\n\n# >>> barlake", 0), 0u) << first;
  EXPECT_EQ(first.substr(first.size() - 14), "# <<< barlake\n") << first;
  CommandResult w2 = Run({"gitignore", "--write"});
  ASSERT_EQ(w2.exit_code, 0) << w2.err;
  EXPECT_NE(w2.out.find("up to date"), std::string::npos) << w2.out;
  EXPECT_EQ(testutil::ReadText(file), first);
  // A .gitignore at the repository root above the vault.
  CommandResult root = Run({"gitignore", "--write", "--file", dir_.Sub(".gitignore")});
  ASSERT_EQ(root.exit_code, 0) << root.err;
  EXPECT_NE(testutil::ReadText(dir_.Sub(".gitignore")).find("\n/vault/lake/symbol=NQ/timeframe=1m/\n"), std::string::npos);
}

TEST_F(RetentionCliTest, CheckDeployExitsNineForEachReason) {
  Import("a.txt", "20240110 100100");
  const std::string now = "2024-01-11T00:00:00Z";
  CommandResult ok = Run({"check", "--deploy"}, now);
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("OK: 1 published dataset(s)"), std::string::npos) << ok.out;
  const std::string toml = testutil::ReadText(vault_ + "/barlake.toml");
  struct Case {
    const char* reason;
    std::string toml_addition;
    std::string stray;
  };
  const std::vector<Case> cases = {
      {"missing", "\n[[dataset]]\nsymbol = \"NQ\"\ntimeframe = \"1m\"\n", ""},
      {"no_data", "\n[[dataset]]\nsymbol = \"NQ\"\ntimeframe = \"1m\"\ncategory = \"raw\"\n", ""},
      {"stray", "", "lake/symbol=ES/old.parquet"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.reason);
    ASSERT_TRUE(testutil::WriteText(vault_ + "/barlake.toml", toml + c.toml_addition).ok());
    if (!c.stray.empty()) {
      ASSERT_TRUE(testutil::WriteText(vault_ + "/" + c.stray, "x").ok());
    }
    CommandResult r = Run({"check", "--deploy"}, now);
    EXPECT_EQ(r.exit_code, 9) << r.out << r.err;
    EXPECT_NE(r.out.find(std::string("FAIL ") + c.reason + ":"), std::string::npos) << r.out;
    if (!c.stray.empty()) fs::remove(vault_ + "/" + c.stray);
  }
  // max_age and max_size: the limits are keys of the dataset's table.
  std::string limited = toml;
  const auto at = limited.find("category = \"published\"");
  ASSERT_NE(at, std::string::npos);
  limited.insert(limited.find('\n', at) + 1, "max_age = \"1d\"\nmax_size = \"1KB\"\n");
  ASSERT_TRUE(testutil::WriteText(vault_ + "/barlake.toml", limited).ok());
  CommandResult both = Run({"check", "--deploy", "--json"}, "2024-02-01T00:00:00Z");
  EXPECT_EQ(both.exit_code, 9) << both.out << both.err;
  json j = json::parse(both.out);
  ASSERT_EQ(j["problems"].size(), 2u) << both.out;
  EXPECT_EQ(j["problems"][0]["reason"], "stale");
  EXPECT_EQ(j["problems"][1]["reason"], "too_large");
  // Files of a dataset no [[dataset]] declares.
  Import("n.txt", "20240110 100100", "NQ");
  ASSERT_TRUE(testutil::WriteText(vault_ + "/barlake.toml", toml).ok());
  CommandResult undeclared = Run({"check", "--deploy"}, now);
  EXPECT_EQ(undeclared.exit_code, 9) << undeclared.out << undeclared.err;
  EXPECT_NE(undeclared.out.find("FAIL undeclared: dataset NQ 1m has 1 file"), std::string::npos) << undeclared.out;
}

TEST_F(RetentionCliTest, TheBackupAndGcScheduleActionsRun) {
  Import("a.txt", "20240110 100100");
  Import("b.txt", "20240111 100100");
  const std::string dest = dir_.Sub("bk");
  AppendToml("\n[[backup]]\nname = \"local\"\ndest = \"" + dest + "\"\nkeep_last = 2\n"
             "\n[[schedule]]\nname = \"nightly-backup\"\naction = \"backup\"\nat = \"02:00\"\n"
             "\n[[schedule]]\nname = \"weekly-gc\"\naction = \"gc\"\nat = \"03:00\"\ndays = [\"sun\"]\n"
             "\n[retention]\nkeep_versions = 0\nversion_days = 0\nrollback_days = 0\nsource_days = 0\n");
  CommandResult b = Run({"schedules", "run", "nightly-backup", "--json"});
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_NE(b.out.find("\"completed\""), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("local: snapshot "), std::string::npos) << b.out;
  CommandResult list = RunBarlake({"backup", "list", dest});
  EXPECT_NE(list.out.find("1 snapshot(s)"), std::string::npos) << list.out;

  CommandResult g = Run({"schedules", "run", "weekly-gc", "--json"});
  ASSERT_EQ(g.exit_code, 0) << g.out << g.err;
  EXPECT_NE(g.out.find("\"completed\""), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("freed "), std::string::npos) << g.out;
  EXPECT_EQ(Files(".barlake/sources"), 1u);
  CommandResult jobs = Run({"jobs"});
  EXPECT_NE(jobs.out.find("gc"), std::string::npos) << jobs.out;

  // Without a [[backup]] the action fails saying what is missing.
  std::string text = testutil::ReadText(vault_ + "/barlake.toml");
  const auto from = text.find("\n[[backup]]");
  text.erase(from, text.find("\n[[schedule]]") - from);
  ASSERT_TRUE(testutil::WriteText(vault_ + "/barlake.toml", text).ok());
  CommandResult none = Run({"schedules", "run", "nightly-backup", "--json"});
  EXPECT_NE(none.out.find("declares no [[backup]]"), std::string::npos) << none.out << none.err;
}

}  // namespace
}  // namespace barlake
