// The outside_session rule end to end: a real vault, real imports, the registry's
// calendar and outside_session settings, and the quarantine.
#include <gtest/gtest.h>

#include "calendar/calendar.h"
#include "lake/lake.h"
#include "registry/registry.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"
#include "validate/validator.h"

namespace barlake::lake {
namespace {

// Ten bars in the NYSE session of `day` (14:30Z = 09:30 EST), then `outside` bars after
// the close (21:00Z = 16:00 EST).
std::string Bars(const std::string& day, int outside, double base) {
  std::string s = "time,open,high,low,close,volume\n";
  auto row = [&](const std::string& hhmm, double p) {
    s += day + "T" + hhmm + ":00Z," + std::to_string(p) + "," + std::to_string(p + 1) + "," +
         std::to_string(p - 1) + "," + std::to_string(p) + ",10\n";
  };
  for (int m = 0; m < 10; ++m) row("14:3" + std::to_string(m), base + m * 0.25);
  for (int m = 0; m < outside; ++m) row("21:0" + std::to_string(m), base + 2);
  return s;
}

class OutsideSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("vault");
    InitOptions init;
    init.default_source_tz = "UTC";
    ASSERT_OK(InitVault(Env::Default(), vault_, init));
  }
  std::unique_ptr<Lake> Open() {
    auto l = Lake::Open(vault_, {});
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(l).value() : nullptr;
  }
  ImportRequest Req(const std::string& name, const std::string& text) {
    const std::string p = dir_.Sub("src/" + name);
    EXPECT_OK(testutil::WriteText(p, text));
    ImportRequest r;
    r.path = p;
    r.symbol = "SPY";
    r.timeframe = "1m";
    r.format = "csv";
    r.stamp = "open";
    return r;
  }
  testutil::TempDir dir_;
  std::string vault_;
};

TEST_F(OutsideSessionTest, KeptAndReportedByDefault) {
  auto lake = Open();
  ImportRequest req = Req("a.csv", Bars("2024-01-02", 3, 470));
  req.calendar = "NYSE";
  ASSERT_OK_AND_ASSIGN(ImportResult r, lake->Import(req));
  EXPECT_EQ(r.calendar, "NYSE");
  EXPECT_EQ(r.flagged_by_rule["outside_session"], 3);
  ASSERT_EQ(r.flagged.size(), 3u);
  EXPECT_EQ(r.flagged[0].line, 12u);
  EXPECT_NE(r.flagged[0].reason.find("2024-01-02T21:00:00Z is outside the NYSE sessions"), std::string::npos)
      << r.flagged[0].reason;
  EXPECT_EQ(r.job.rows_written, 13);  // kept
  EXPECT_EQ(r.job.rows_rejected, 0);
  EXPECT_NE(r.ReportJson().find("\"flagged_kept_by_rule\":{\"outside_session\":3}"), std::string::npos);
  // The new dataset's registry entry names the calendar.
  EXPECT_EQ(lake->registry().Find("SPY", "1m")->calendar, "NYSE");
  ASSERT_OK_AND_ASSIGN(std::string toml, Env::Default()->ReadFile(vault_ + "/barlake.toml"));
  EXPECT_NE(toml.find("calendar = \"NYSE\""), std::string::npos) << toml;

  // A different --calendar for a declared dataset is refused, pointing to `dataset set`.
  ImportRequest other = Req("b.csv", Bars("2024-01-03", 0, 471));
  other.calendar = "CME_Globex";
  auto refused = lake->Import(other);
  ASSERT_RAISES(kInvalidArgument, refused);
  EXPECT_NE(refused.status().message().find("barlake dataset set SPY 1m --calendar CME_Globex"), std::string::npos)
      << refused.status().message();
}

TEST_F(OutsideSessionTest, UnknownCalendarAndNoCalendar) {
  auto lake = Open();
  ImportRequest req = Req("a.csv", Bars("2024-01-02", 2, 470));
  req.calendar = "LSE";
  auto r = lake->Import(req);
  ASSERT_RAISES(kInvalidArgument, r);
  EXPECT_NE(r.status().message().find("known: CME_Globex, Crypto, FX, NYSE, NYSE_extended"), std::string::npos);
  // Without a calendar no session check runs.
  req.calendar.clear();
  ASSERT_OK_AND_ASSIGN(ImportResult ok, lake->Import(req));
  EXPECT_TRUE(ok.flagged_by_rule.empty());
  EXPECT_EQ(ok.job.rows_written, 12);
}

TEST_F(OutsideSessionTest, QuarantinedWhenTheRegistrySaysSo) {
  {
    auto lake = Open();
    ImportRequest req = Req("a.csv", Bars("2024-01-02", 0, 470));
    req.calendar = "NYSE";
    ASSERT_OK(lake->Import(req).status());
  }
  ASSERT_OK(registry::Registry::SetDatasetValues(Env::Default(), vault_ + "/barlake.toml", "SPY", "1m",
                                                 {{"outside_session", "quarantine"}})
                .status());
  auto lake = Open();
  ImportRequest req = Req("b.csv", Bars("2024-01-03", 2, 471));
  // 2 of 12 rows rejected is above the default 1% limit: nothing is imported...
  ASSERT_RAISES(kInvalidInput, lake->Import(req));
  // ... unless forced, and then they go to quarantine with their rule.
  req.force = true;
  ASSERT_OK_AND_ASSIGN(ImportResult r, lake->Import(req));
  EXPECT_EQ(r.rejected_by_rule["outside_session"], 2);
  EXPECT_TRUE(r.flagged_by_rule.empty());
  EXPECT_EQ(r.job.rows_written, 10);
  ASSERT_OK_AND_ASSIGN(auto held, lake->TEST_journal()->ListQuarantine("SPY", "1m", "held", r.job.id, 100));
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].rule, "outside_session");
  EXPECT_EQ(FormatIsoUtc(held[0].ts), "2024-01-03T21:00:00Z");
}

TEST(OutsideSessionRuleTest, AnIntradayBarCountsWhenItsIntervalTouchesASession) {
  const calendar::Calendar* nyse = calendar::CalendarSet::BuiltIn().Find("NYSE");
  ASSERT_NE(nyse, nullptr);
  ingest::ParsedBars parsed;
  // 1h bars on 2024-01-02 (EST): 08:00 (before the open), 09:00 (holds 09:30), 15:00, 16:00.
  for (const char* t : {"2024-01-02T13:00:00Z", "2024-01-02T14:00:00Z", "2024-01-02T20:00:00Z",
                        "2024-01-02T21:00:00Z"}) {
    parsed.bars.ts.push_back(*ParseIsoUtc(t));
    for (auto* col : {&parsed.bars.open, &parsed.bars.high, &parsed.bars.low, &parsed.bars.close}) col->push_back(100);
    parsed.bars.volume.push_back(1);
    parsed.line.push_back(static_cast<uint32_t>(parsed.line.size() + 2));
  }
  ASSERT_OK_AND_ASSIGN(auto sessions, nyse->SessionsBetween(*ParseIsoUtc("2024-01-01"), *ParseIsoUtc("2024-01-04")));
  validate::ValidationOptions opt;
  opt.check_spikes = false;
  opt.sessions = &sessions;
  opt.calendar_name = "NYSE";
  opt.quarantine_outside_session = true;
  ASSERT_OK_AND_ASSIGN(Timeframe hourly, Timeframe::Parse("1h"));
  validate::ValidationReport report = validate::Validate(&parsed, hourly, opt);
  EXPECT_EQ(report.counts["outside_session"], 2);
  ASSERT_EQ(report.rejected.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(report.rejected.bars.ts[0]), "2024-01-02T13:00:00Z");
  EXPECT_EQ(FormatIsoUtc(report.rejected.bars.ts[1]), "2024-01-02T21:00:00Z");
  EXPECT_EQ(parsed.bars.size(), 2u);
}

TEST(OutsideSessionRuleTest, DailyBarsNeedATradeDate) {
  const calendar::Calendar* nyse = calendar::CalendarSet::BuiltIn().Find("NYSE");
  ASSERT_NE(nyse, nullptr);
  ingest::ParsedBars parsed;
  for (const char* day : {"2024-03-28", "2024-03-29", "2024-04-01"}) {  // Good Friday in the middle
    parsed.bars.ts.push_back(*calendar::ParseDate(day) * kMicrosPerDay);
    for (auto* col : {&parsed.bars.open, &parsed.bars.high, &parsed.bars.low, &parsed.bars.close}) col->push_back(100);
    parsed.bars.volume.push_back(1);
    parsed.line.push_back(static_cast<uint32_t>(parsed.line.size() + 2));
  }
  ASSERT_OK_AND_ASSIGN(auto sessions, nyse->SessionsBetween(*ParseIsoUtc("2024-03-27"), *ParseIsoUtc("2024-04-03")));
  validate::ValidationOptions opt;
  opt.check_spikes = false;
  opt.sessions = &sessions;
  opt.calendar_name = "NYSE";
  ASSERT_OK_AND_ASSIGN(Timeframe daily, Timeframe::Parse("1d"));
  validate::ValidationReport report = validate::Validate(&parsed, daily, opt);
  EXPECT_EQ(report.kept_counts["outside_session"], 1);
  ASSERT_EQ(report.kept_examples.size(), 1u);
  EXPECT_EQ(report.kept_examples[0].line, 3u);
  EXPECT_NE(report.kept_examples[0].reason.find("2024-03-29 is not a trade date of NYSE"), std::string::npos);
  EXPECT_EQ(parsed.bars.size(), 3u);
}

}  // namespace
}  // namespace barlake::lake
