// The lake glue of the health checks (lake/dataset_health.h) on a real vault: the ts
// column read back in order, and CheckHealth with a calendar given by the caller.
#include "lake/dataset_health.h"

#include <gtest/gtest.h>

#include "health_fixtures.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake::lake {
namespace {

using namespace health::testing;

/// Close-stamped NinjaTrader lines in UTC for bars opening at `ts`.
std::string NinjaTraderText(const std::vector<Micros>& ts) {
  std::string out;
  out.reserve(ts.size() * 48);
  for (Micros t : ts) {
    const int64_t s = t / kMicrosPerSecond + 60;
    int y;
    unsigned m, d;
    CivilFromDays(s / 86400, &y, &m, &d);
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%04d%02u%02u %02d%02d%02d", y, m, d, static_cast<int>(s % 86400 / 3600),
                  static_cast<int>(s % 3600 / 60), 0);
    out += testutil::NtLine(stamp, 100, 101, 99, 100.5, 7);
  }
  return out;
}

class DatasetHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("vault");
    InitOptions init;
    init.default_source_tz = "UTC";
    ASSERT_OK(InitVault(Env::Default(), vault_, init));
    // Sessions opening 2024-01-07 .. 2024-04-25 (16 weeks, 4 month partitions), with
    // three hours missing on 2024-02-14 and the week of 2024-03-17 stamped 11 h early.
    sessions_ = CmeSessions(DaysFromCivil(2024, 1, 7), DaysFromCivil(2024, 4, 25));
    ts_ = FullBars(sessions_);
    Drop(&ts_, NewYork(2024, 2, 14, 9), NewYork(2024, 2, 14, 12));
    Shift(&ts_, NewYork(2024, 3, 17, 18), NewYork(2024, 3, 22, 17), -11 * kHour);
    const std::string src = dir_.Sub("ES.Last.txt");
    ASSERT_OK(testutil::WriteText(src, NinjaTraderText(ts_)));
    ASSERT_OK_AND_ASSIGN(lake_, Lake::Open(vault_, {}));
    ImportRequest req;
    req.path = src;
    req.symbol = "ES";
    req.timeframe = "1m";
    req.force = true;
    req.skip_alignment_check = true;
    ASSERT_OK_AND_ASSIGN(ImportResult r, lake_->Import(req));
    ASSERT_EQ(r.rows_added, static_cast<int64_t>(ts_.size()));
  }
  CalendarLookup Cme() {
    return [this](const std::string& symbol, const std::string&) -> Result<std::optional<SessionSource>> {
      if (symbol != "ES") return std::optional<SessionSource>{};
      SessionSource s;
      s.name = "CME-like";
      s.zone = "America/New_York";
      s.sessions = [this](Micros, Micros) -> Result<calendar::SessionList> { return sessions_; };
      return std::optional<SessionSource>(std::move(s));
    };
  }
  testutil::TempDir dir_;
  std::string vault_;
  std::unique_ptr<Lake> lake_;
  calendar::SessionList sessions_;
  std::vector<Micros> ts_;
};

TEST_F(DatasetHealthTest, ReadBarTimesReturnsTheTsColumnInOrder) {
  // One connection, and the two-connection split forced.
  ASSERT_OK_AND_ASSIGN(auto one, ReadBarTimes(lake_.get(), "ES", "1m", INT64_MIN / 2, INT64_MAX / 2));
  EXPECT_EQ(one, ts_);
  ASSERT_OK_AND_ASSIGN(auto two, ReadBarTimes(lake_.get(), "ES", "1m", INT64_MIN / 2, INT64_MAX / 2, 0));
  EXPECT_EQ(two, ts_);
  const Micros from = NewYork(2024, 2, 1, 0), to = NewYork(2024, 3, 1, 0);
  ASSERT_OK_AND_ASSIGN(auto feb, ReadBarTimes(lake_.get(), "ES", "1m", from, to, 0));
  std::vector<Micros> want;
  for (Micros t : ts_) {
    if (t >= from && t < to) want.push_back(t);
  }
  EXPECT_EQ(feb, want);
}

TEST_F(DatasetHealthTest, CheckHealthFindsTheGapAndTheShiftedWeek) {
  HealthRequest req;
  req.calendar = Cme();
  req.now = ts_.back() + kMinute;
  ASSERT_OK_AND_ASSIGN(auto all, CheckHealth(lake_.get(), req));
  ASSERT_EQ(all.size(), 1u);
  const health::HealthReport& r = all[0].report;
  EXPECT_EQ(all[0].calendar, "CME-like");
  EXPECT_EQ(r.rows, static_cast<int64_t>(ts_.size()));
  ASSERT_EQ(r.suspicious_weeks.size(), 1u);
  EXPECT_EQ(r.suspicious_weeks[0].week_start, DaysFromCivil(2024, 3, 17));
  EXPECT_EQ(r.suspicious_weeks[0].shift_hours, -11);
  // The 3-hour hole; in the shifted week its break, Monday to Thursday 06:00-07:00 New
  // York, falls inside the sessions; and the shifted Friday lacks its last 11 hours.
  ASSERT_EQ(r.gaps.size(), 6u);
  EXPECT_EQ(r.gaps[0].start, NewYork(2024, 2, 14, 9));
  EXPECT_EQ(r.gaps[0].missing_bars, 180);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(r.gaps[i].start, NewYork(2024, 3, 17 + i, 6)) << i;
    EXPECT_EQ(r.gaps[i].missing_bars, 60) << i;
  }
  EXPECT_EQ(r.gaps[5].start, NewYork(2024, 3, 22, 6));
  EXPECT_EQ(r.gaps[5].missing_bars, 11 * 60);
  EXPECT_TRUE(r.schema_drift.empty());
  EXPECT_EQ(r.status, health::HealthStatus::kFail);
}

TEST_F(DatasetHealthTest, WithoutCalendarUncheckedAndUnknownDatasetNotFound) {
  HealthRequest req;
  ASSERT_OK_AND_ASSIGN(auto all, CheckHealth(lake_.get(), req));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].report.calendar_checked);
  EXPECT_EQ(all[0].report.status, health::HealthStatus::kUnchecked);
  req.symbol = "NQ";
  ASSERT_RAISES(kNotFound, CheckHealth(lake_.get(), req));
}

}  // namespace
}  // namespace barlake::lake
