// The suspicious-week check on the real CL 12-20 NinjaTrader export
// (../shared/realdata/SOURCES.md, section 1): its week of 2020-10-18 is stamped about 11
// hours early, every other week is normal. Skipped when ../shared is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "health/health.h"
#include "health_fixtures.h"
#include "ingest/ninjatrader.h"
#include "testutil/status_matchers.h"

namespace barlake::health {
namespace {

TEST(HealthRealData, Cl1220FlagsTheWeekOf20201018Only) {
  const std::string path = std::string(BARLAKE_SHARED_DIR) + "/realdata/ninjatrader/CL 12-20.Last.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "../shared/realdata is not present";
  std::ifstream f(path, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  // SOURCES.md: the stamps are UTC (the CME break shows at 21:00-22:00 UTC in summer
  // time) and mark the bar's close.
  ASSERT_OK_AND_ASSIGN(TimeZone utc, TimeZone::Locate("UTC"));
  ingest::ParseOptions o{Timeframe::Parse("1m").value(), &utc, "CL 12-20.Last.txt"};
  o.stamp = "close";
  ASSERT_OK_AND_ASSIGN(ingest::ParsedBars parsed, ingest::ParseNinjaTrader(text.str(), o));
  ASSERT_EQ(parsed.bars.size(), 35598u);

  const auto sessions = testing::CmeSessions(DaysFromCivil(2020, 10, 4), DaysFromCivil(2020, 11, 19));
  HealthOptions opt;
  opt.pattern_tz = "America/New_York";
  const HealthReport r =
      Analyze(parsed.bars.ts, 60, sessions, parsed.bars.ts.back() + testing::kMinute, opt);
  EXPECT_GE(r.weeks_checked, 5);
  std::string flagged;
  for (const auto& w : r.suspicious_weeks) flagged += std::to_string(w.week_start) + ": " + w.description + "\n";
  ASSERT_EQ(r.suspicious_weeks.size(), 1u) << flagged;
  const SuspiciousWeek& w = r.suspicious_weeks[0];
  EXPECT_EQ(w.week_start, DaysFromCivil(2020, 10, 18));
  EXPECT_EQ(w.shift_hours, -11);
  EXPECT_EQ(w.calendar_break_start, 17 * 3600);
  // The break sits at 09:49-10:49 UTC, 05:49-06:49 New York.
  EXPECT_EQ(w.observed_break_start, 5 * 3600 + 49 * 60);
  EXPECT_NE(w.description.find("the week runs ~11 h early"), std::string::npos) << w.description;
  EXPECT_EQ(r.status, HealthStatus::kFail);
  // Saturday prints and the early Sunday bars are stray (SOURCES.md).
  EXPECT_GT(r.stray_count, 0);
}

}  // namespace
}  // namespace barlake::health
