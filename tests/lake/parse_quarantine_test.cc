// Lines that do not parse are a validation rule like the others (parse_error): weighed
// against max_reject_share, quarantined with their line and field when the import goes
// ahead, never released (they hold no bar), and named file:line:field when they stop it.
#include <filesystem>

#include "lake/lake_test_util.h"

namespace barlake::lake {
namespace {

using testutil::NtMinutes;

// `good` 1-minute lines with the lines listed in `bad` (1-based) replaced by garbage.
std::string WithBadLines(int good, const std::vector<int>& bad) {
  const std::string text = NtMinutes("20240102 150100", good, 4800);
  std::string out;
  size_t pos = 0;
  for (int line = 1; pos < text.size(); ++line) {
    const size_t eol = text.find('\n', pos);
    std::string l = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (std::find(bad.begin(), bad.end(), line) != bad.end()) l = l.substr(0, 16) + "4800.25;oops;4799;4800;12";
    out += l + "\n";
  }
  return out;
}

class ParseQuarantineTest : public VaultTest {};

TEST_F(ParseQuarantineTest, AFewBadLinesAreQuarantinedAndTheRestImported) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(ImportResult r, lake->Import(Req(WriteSource("a.txt", WithBadLines(200, {57})))));
  EXPECT_EQ(r.job.status, "completed");
  EXPECT_EQ(r.job.rows_written, 199);
  EXPECT_EQ(r.job.rows_rejected, 1);
  EXPECT_EQ(r.rejected_by_rule.at("parse_error"), 1);
  ASSERT_FALSE(r.rejections.empty());
  EXPECT_EQ(r.rejections[0].line, 57u);
  EXPECT_EQ(r.rejections[0].field, "high");

  ASSERT_OK_AND_ASSIGN(auto held, lake->TEST_journal()->ListQuarantine("ES", "1m", "held", 0, 100));
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].rule, "parse_error");
  EXPECT_EQ(held[0].line, 57u);
  auto released = lake->ReleaseQuarantine({held[0].id});
  ASSERT_RAISES(kInvalidInput, released.status());
  EXPECT_NE(released.status().message().find("did not parse"), std::string::npos);
  ASSERT_OK(lake->DropQuarantine({held[0].id}));
}

TEST_F(ParseQuarantineTest, TooManyBadLinesStopTheImportNamingThem) {
  const std::string src = WriteSource("b.txt", WithBadLines(100, {3, 10, 20}));
  auto lake = OpenLake();
  auto r = lake->Import(Req(src));
  ASSERT_RAISES(kInvalidInput, r.status());
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find(src + ":3: field 'high'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3.00% (limit 1.00%)"), std::string::npos) << msg;
  EXPECT_TRUE(!std::filesystem::exists(LakeDir()) || std::filesystem::is_empty(LakeDir()));
  ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
  EXPECT_TRUE(ds.empty());

  // --force: the rest goes in, the three lines wait in quarantine.
  ImportRequest forced = Req(src);
  forced.force = true;
  ASSERT_OK_AND_ASSIGN(ImportResult f, lake->Import(forced));
  EXPECT_EQ(f.job.rows_written, 97);
  ASSERT_OK_AND_ASSIGN(auto held, lake->TEST_journal()->ListQuarantine("ES", "1m", "held", 0, 100));
  EXPECT_EQ(held.size(), 3u);
}

TEST_F(ParseQuarantineTest, AFileWhereNothingParsesIsRefusedWithItsProblems) {
  std::string junk;
  for (int i = 0; i < 30; ++i) junk += "hello;world\n";
  const std::string src = WriteSource("c.txt", junk);
  ImportRequest req = Req(src);
  req.format = "ninjatrader";
  auto lake = OpenLake();
  auto r = lake->Import(req);
  ASSERT_RAISES(kInvalidInput, r.status());
  EXPECT_NE(r.status().message().find("no line parsed"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(src + ":1: field"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace barlake::lake
