// Foreign bytes (invalid UTF-8, NUL, cp1252 text) in a file of every format, imported and
// detected with the real binary: each ends in a clean error (documented exit code, a
// message naming file, line and field with the bytes escaped, the lake unchanged) or a
// clean import that quarantines the row; the output is valid UTF-8 and never an
// "internal error".
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ingest/encoding_cases.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::RunBarlake;
using testutil::encoding::AllCorruptions;
using testutil::encoding::AllFormatInputs;
using testutil::encoding::AnyStringContains;
using testutil::encoding::Corruption;
using testutil::encoding::ExpectNamesTheLine;
using testutil::encoding::FormatInput;
using testutil::encoding::IsUtf8;

class CliEncodingTest : public ::testing::TestWithParam<FormatInput> {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    CommandResult r = RunBarlake({"init", vault_, "--source-tz", "America/Los_Angeles"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Bl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args);
  }
  std::vector<std::string> ImportArgs(const FormatInput& in, const std::string& path, const std::string& symbol) {
    std::vector<std::string> a = {"import", path, "--format", in.format};
    if (!in.snapshot) a.insert(a.end(), {"--symbol", symbol, "--timeframe", in.timeframe});
    a.insert(a.end(), in.extra_args.begin(), in.extra_args.end());
    return a;
  }
  // The data the lake serves: bars, snapshots and tables (the journal records failed jobs).
  std::map<std::string, std::string> LakeFiles() const {
    auto files = testutil::Snapshot(vault_ + "/lake");
    for (const auto& [k, v] : testutil::Snapshot(vault_ + "/snapshots")) files["snapshots/" + k] = v;
    return files;
  }
  testutil::TempDir dir_;
  std::string vault_;
};

// What every run must satisfy, whatever its outcome.
void ExpectNoCrashAndValidText(const CommandResult& r) {
  EXPECT_EQ(r.signal, 0);
  EXPECT_NE(r.exit_code, 1) << "exit code 1 is the catch-all for a bug: " << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_TRUE(IsUtf8(r.out)) << r.out;
  EXPECT_TRUE(IsUtf8(r.err)) << r.err;
}

TEST_P(CliEncodingTest, ForeignBytesEndInACleanErrorOrACleanImport) {
  const FormatInput& in = GetParam();
  // The file as it should be imports without a rejection: the corruptions below then
  // reach a parser that works.
  const std::string clean = dir_.Sub("clean/" + in.file_name);
  ASSERT_TRUE(testutil::WriteText(clean, in.text).ok());
  std::vector<std::string> args = ImportArgs(in, clean, "CLEAN");
  args.push_back("--json");
  CommandResult ok = Bl(args);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  auto report = nlohmann::json::parse(ok.out);
  if (!in.snapshot) {
    ASSERT_EQ(report["rows_rejected"], 0) << ok.out;
  }

  const auto corruptions = AllCorruptions();
  for (size_t k = 0; k < corruptions.size(); ++k) {
    const Corruption& c = corruptions[k];
    SCOPED_TRACE(in.format + " / " + c.name);
    uint32_t line = 0;
    const std::string text = testutil::encoding::Corrupt(in, c, &line);
    ASSERT_NE(text, in.text);
    const std::string path = dir_.Sub(c.name + "/" + in.file_name);
    ASSERT_TRUE(testutil::WriteText(path, text).ok());
    const std::string symbol = "S" + std::to_string(k);

    for (const bool as_json : {false, true}) {
      SCOPED_TRACE(as_json ? "--json" : "text output");
      const auto before = LakeFiles();
      std::vector<std::string> a = ImportArgs(in, path, symbol + (as_json ? "J" : "T"));
      if (as_json) a.push_back("--json");
      CommandResult r = Bl(a);
      ExpectNoCrashAndValidText(r);
      if (r.exit_code == 0) {
        // A clean import: the row is quarantined with a reason quoting its bytes escaped.
        if (!as_json) continue;
        auto j = nlohmann::json::parse(r.out);  // strict: refuses invalid UTF-8
        EXPECT_EQ(j["status"], "completed") << r.out;
        EXPECT_EQ(j["rows_rejected"], 1) << r.out;
        ASSERT_TRUE(j["rejections"].is_array()) << r.out;
        if (in.needle.empty()) {  // JSON formats number rows by series position, not line
          bool named = false;
          for (const auto& rej : j["rejections"]) named = named || rej.value("line", 0u) == line;
          EXPECT_TRUE(named) << "no rejection names line " << line << ": " << r.out;
        }
        if (!c.escaped.empty()) {
          EXPECT_TRUE(AnyStringContains(j["rejections"], c.escaped)) << r.out;
        }
      } else {
        // A clean error: a documented code, a message naming the file and the line, the
        // bytes escaped, and nothing changed in the lake.
        EXPECT_TRUE(r.exit_code >= 2 && r.exit_code <= 9) << r.exit_code;
        EXPECT_NE(r.err.find(in.file_name), std::string::npos) << r.err;
        ExpectNamesTheLine(in, line, r.err);
        if (!c.escaped.empty()) {
          EXPECT_NE(r.err.find(c.escaped), std::string::npos) << r.err;
        }
        EXPECT_EQ(LakeFiles(), before);
      }
    }
    CommandResult detected = Bl({"detect", path, "--json"});
    ExpectNoCrashAndValidText(detected);
    if (detected.exit_code == 0) {
      EXPECT_TRUE(nlohmann::json::accept(detected.out)) << detected.out;
    }
  }
  // The journal's view of all this (job reports, quarantined rows) is valid JSON too.
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"jobs", "--json"}, {"quarantine", "list", "--json"},
                                                                {"status", "--json"}}) {
    CommandResult r = Bl(cmd);
    ExpectNoCrashAndValidText(r);
    EXPECT_EQ(r.exit_code, 0) << cmd[0] << ": " << r.err;
    EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, CliEncodingTest, ::testing::ValuesIn(AllFormatInputs()),
                         testutil::encoding::TestName);

// A file name that is not UTF-8 (cp1252 e-acute) is shown escaped in messages.
TEST(CliEncodingNameTest, AFileNameThatIsNotUtf8IsShownEscaped) {
  testutil::TempDir dir;
  const std::string vault = dir.Sub("v");
  ASSERT_EQ(RunBarlake({"init", vault}).exit_code, 0);
  const std::string path = dir.Sub("caf\xE9.txt");
  ASSERT_TRUE(testutil::WriteText(path, "not a bar file\n").ok());
  for (const bool as_json : {false, true}) {
    std::vector<std::string> a = {"--vault", vault, "import", path, "--symbol", "ES", "--timeframe", "1m",
                                  "--format", "ninjatrader"};
    if (as_json) a.push_back("--json");
    CommandResult r = RunBarlake(a);
    ExpectNoCrashAndValidText(r);
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("caf\\xE9.txt"), std::string::npos) << r.err;
  }
  CommandResult jobs = RunBarlake({"--vault", vault, "jobs", "--json"});
  ExpectNoCrashAndValidText(jobs);
  EXPECT_TRUE(nlohmann::json::accept(jobs.out)) << jobs.out;
}

}  // namespace
}  // namespace barlake
