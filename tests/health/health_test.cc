// The health analysis on synthetic CME-like data (tests/health/health_fixtures.h).
#include "health/health.h"

#include <gtest/gtest.h>

#include <random>

#include "health_fixtures.h"

namespace barlake::health {
namespace {

using namespace testing;

constexpr int64_t kMinuteS = 60;

// Four weeks around the US DST change of 2024-03-10: sessions open Sunday 2024-02-25
// to Thursday 2024-03-21.
const int64_t kFirst = DaysFromCivil(2024, 2, 25);
const int64_t kLast = DaysFromCivil(2024, 3, 21);

HealthOptions NewYorkOptions() {
  HealthOptions o;
  o.pattern_tz = "America/New_York";
  return o;
}

TEST(HealthAnalyze, CompleteDataAcrossDstIsHealthy) {
  const auto sessions = CmeSessions(kFirst, kLast);
  const auto ts = FullBars(sessions);
  const Micros now = ts.back() + kMinute;
  const HealthReport r = Analyze(ts, kMinuteS, sessions, now, NewYorkOptions());
  // 20 sessions of 23 hours each.
  EXPECT_EQ(r.expected, 20 * 23 * 60);
  EXPECT_EQ(r.present, r.expected);
  EXPECT_DOUBLE_EQ(r.coverage_pct, 100);
  EXPECT_TRUE(r.gaps.empty());  // weekends and the daily break are closures, not gaps
  EXPECT_EQ(r.stray_count, 0);
  EXPECT_TRUE(r.suspicious_weeks.empty());
  EXPECT_EQ(r.weeks_checked, 4);
  EXPECT_FALSE(r.staleness.stale);
  EXPECT_EQ(r.score, 100);
  EXPECT_EQ(r.status, HealthStatus::kOk);
  ASSERT_EQ(r.by_month.size(), 2u);  // trade dates in February and March
  EXPECT_EQ(r.by_month[0].month, 2);
  EXPECT_EQ(r.by_month[0].expected, 4 * 23 * 60);  // trade dates Feb 26..29
}

TEST(HealthAnalyze, MultiHourGapInsideASessionIsReported) {
  const auto sessions = CmeSessions(kFirst, kLast);
  auto ts = FullBars(sessions);
  const Micros from = NewYork(2024, 3, 6, 9, 0), to = NewYork(2024, 3, 6, 12, 30);
  Drop(&ts, from, to);
  const HealthReport r = Analyze(ts, kMinuteS, sessions, ts.back() + kMinute, NewYorkOptions());
  ASSERT_EQ(r.gaps.size(), 1u);
  EXPECT_EQ(r.gaps[0].start, from);
  EXPECT_EQ(r.gaps[0].end, to);
  EXPECT_EQ(r.gaps[0].missing_bars, 210);
  EXPECT_EQ(r.gaps[0].session_seconds, 210 * 60);
  EXPECT_EQ(r.present, r.expected - 210);
  EXPECT_EQ(r.status, HealthStatus::kWarn);
  EXPECT_EQ(r.score, 100 - 2 - static_cast<int>(std::lround(2 * (100 - r.coverage_pct))));
}

TEST(HealthAnalyze, GapAcrossTheDailyBreakIsMeasuredInSessionTime) {
  const auto sessions = CmeSessions(kFirst, kLast);
  auto ts = FullBars(sessions);
  // 16:40-17:00 and 18:00-18:20: 40 minutes of session time around a one-hour break.
  Drop(&ts, NewYork(2024, 3, 5, 16, 40), NewYork(2024, 3, 5, 18, 20));
  HealthOptions o = NewYorkOptions();
  o.gap_min_seconds = 35 * 60;
  HealthReport r = Analyze(ts, kMinuteS, sessions, ts.back() + kMinute, o);
  ASSERT_EQ(r.gaps.size(), 1u);
  EXPECT_EQ(r.gaps[0].missing_bars, 40);
  EXPECT_EQ(r.gaps[0].start, NewYork(2024, 3, 5, 16, 40));
  EXPECT_EQ(r.gaps[0].end, NewYork(2024, 3, 5, 18, 20));
  o.gap_min_seconds = 45 * 60;  // the wall-clock span is 100 minutes, the gap only 40
  r = Analyze(ts, kMinuteS, sessions, ts.back() + kMinute, o);
  EXPECT_TRUE(r.gaps.empty());
}

TEST(HealthAnalyze, MissingFridayAndMondayIsOneGapWithoutTheWeekend) {
  const auto sessions = CmeSessions(kFirst, kLast);
  auto ts = FullBars(sessions);
  // From Friday 2024-03-01 16:00 to Sunday 2024-03-03 19:00 New York.
  Drop(&ts, NewYork(2024, 3, 1, 16), NewYork(2024, 3, 3, 19));
  const HealthReport r = Analyze(ts, kMinuteS, sessions, ts.back() + kMinute, NewYorkOptions());
  ASSERT_EQ(r.gaps.size(), 1u);
  EXPECT_EQ(r.gaps[0].missing_bars, 120);
  EXPECT_EQ(r.gaps[0].end, NewYork(2024, 3, 3, 19));
}

TEST(HealthAnalyze, HolidayAndEarlyCloseAreNotGaps) {
  CmeOptions holidays;
  holidays.closed_trade_dates = {DaysFromCivil(2024, 3, 6)};
  holidays.early_close_trade_dates = {DaysFromCivil(2024, 3, 13)};
  const auto sessions = CmeSessions(kFirst, kLast, holidays);
  const auto ts = FullBars(sessions);
  const HealthReport r = Analyze(ts, kMinuteS, sessions, ts.back() + kMinute, NewYorkOptions());
  EXPECT_TRUE(r.gaps.empty());
  EXPECT_DOUBLE_EQ(r.coverage_pct, 100);
  EXPECT_TRUE(r.suspicious_weeks.empty());
  EXPECT_EQ(r.status, HealthStatus::kOk);
  // The same bars against the regular calendar: the holiday is a gap.
  const HealthReport regular =
      Analyze(ts, kMinuteS, CmeSessions(kFirst, kLast), ts.back() + kMinute, NewYorkOptions());
  EXPECT_EQ(regular.gaps.size(), 2u);  // the holiday and the early close
}

TEST(HealthAnalyze, StrayBarsOutsideSessions) {
  const auto sessions = CmeSessions(kFirst, kLast);
  auto ts = FullBars(sessions);
  const Micros saturday = NewYork(2024, 3, 2, 14, 2), break_bar = NewYork(2024, 3, 5, 17, 30);
  ts.push_back(saturday);
  ts.push_back(break_bar);
  std::sort(ts.begin(), ts.end());
  const HealthReport r = Analyze(ts, kMinuteS, sessions, ts.back() + kMinute, NewYorkOptions());
  EXPECT_EQ(r.stray_count, 2);
  ASSERT_EQ(r.stray_examples.size(), 2u);
  EXPECT_EQ(r.stray_examples[0], saturday);
  EXPECT_EQ(r.stray_examples[1], break_bar);
  EXPECT_TRUE(r.gaps.empty());
  EXPECT_TRUE(r.suspicious_weeks.empty());
  EXPECT_EQ(r.status, HealthStatus::kWarn);
}

TEST(HealthAnalyze, WeekShiftedElevenHoursEarlyIsFlaggedAlone) {
  const auto sessions = CmeSessions(kFirst, kLast);
  auto ts = FullBars(sessions);
  // The bars of the week of Sunday 2024-03-03 stamped 11 hours early.
  Shift(&ts, NewYork(2024, 3, 3, 18), NewYork(2024, 3, 8, 17), -11 * kHour);
  const HealthReport r = Analyze(ts, kMinuteS, sessions, ts.back() + kMinute, NewYorkOptions());
  ASSERT_EQ(r.suspicious_weeks.size(), 1u);
  const SuspiciousWeek& w = r.suspicious_weeks[0];
  EXPECT_EQ(w.week_start, DaysFromCivil(2024, 3, 3));
  EXPECT_EQ(w.shift_hours, -11);
  EXPECT_EQ(w.shift_seconds, -11 * 3600);
  EXPECT_EQ(w.calendar_break_start, 17 * 3600);
  EXPECT_EQ(w.calendar_break_end, 18 * 3600);
  EXPECT_EQ(w.observed_break_start, 6 * 3600);
  EXPECT_EQ(w.description,
            "daily break at 06:00-07:00 America/New_York instead of 17:00-18:00: the week runs ~11 h early");
  EXPECT_EQ(r.status, HealthStatus::kFail);
  // Stray: the shifted Sunday bars before the open, and Monday to Thursday the bars
  // stamped in the calendar's break.
  EXPECT_EQ(r.stray_count, 11 * 60 + 4 * 60);
}

TEST(HealthAnalyze, UntouchedQuietAndHolidayWeeksAreNotFlagged) {
  CmeOptions holidays;
  holidays.closed_trade_dates = {DaysFromCivil(2024, 3, 6)};
  holidays.early_close_trade_dates = {DaysFromCivil(2024, 3, 15)};
  const auto sessions = CmeSessions(kFirst, kLast, holidays);
  auto ts = FullBars(sessions);
  // A quiet week: 70% of the minutes of the week of 2024-02-25 without trades.
  std::mt19937 rng(7);
  std::vector<Micros> thinned;
  for (Micros t : ts) {
    if (t < NewYork(2024, 3, 1, 17) && std::uniform_real_distribution<>(0, 1)(rng) < 0.7) continue;
    thinned.push_back(t);
  }
  const HealthReport r = Analyze(thinned, kMinuteS, sessions, thinned.back() + kMinute, NewYorkOptions());
  EXPECT_TRUE(r.suspicious_weeks.empty());
  EXPECT_EQ(r.weeks_checked, 4);
}

TEST(HealthAnalyze, DstWeeksReadInUtcAreNotFlagged) {
  // Read in UTC, the break sits at 22:00 before the DST change and at 21:00 after it;
  // the change falls on a weekend, so each week still has one closed hour and is judged.
  const auto sessions = CmeSessions(kFirst, kLast);
  const auto ts = FullBars(sessions);
  const HealthReport r = Analyze(ts, kMinuteS, sessions, ts.back() + kMinute, HealthOptions{});
  EXPECT_TRUE(r.suspicious_weeks.empty());
  EXPECT_EQ(r.weeks_checked, 4);
}

TEST(HealthAnalyze, StalenessCountsBarsOfClosedSessionsAfterTheLastBar) {
  const auto sessions = CmeSessions(kFirst, kLast);
  auto ts = FullBars(sessions);
  const Micros cut = NewYork(2024, 3, 20, 10);
  Drop(&ts, cut, INT64_MAX);
  // Now: Thursday 2024-03-21 12:00 New York. The session of 03-20 closed at 17:00; the
  // one that opened at 18:00 is still running and is not counted.
  const Micros now = NewYork(2024, 3, 21, 12);
  const HealthReport r = Analyze(ts, kMinuteS, sessions, now, NewYorkOptions());
  EXPECT_TRUE(r.staleness.stale);
  EXPECT_EQ(r.staleness.missing_bars_at_end, 7 * 60);
  EXPECT_EQ(r.staleness.last_closed_close, NewYork(2024, 3, 20, 17));
  EXPECT_EQ(r.staleness.last_bar_end, cut);
  EXPECT_EQ(r.staleness.age_seconds, (now - cut) / kMicrosPerSecond);
  const HealthReport fresh = Analyze(ts, kMinuteS, sessions, NewYork(2024, 3, 20, 10, 20), NewYorkOptions());
  EXPECT_FALSE(fresh.staleness.stale);  // 20 minutes into the session: no closed session missed
  EXPECT_EQ(fresh.staleness.missing_bars_at_end, 0);
}

TEST(HealthAnalyze, DailyBarsAgainstTradeDates) {
  const auto sessions = CmeSessions(kFirst, kLast);
  std::vector<Micros> ts;
  for (const auto& s : sessions) ts.push_back(static_cast<Micros>(s.trade_date) * kMicrosPerDay);
  // Drop Tuesday and Wednesday 2024-03-12/13 and add a Saturday bar.
  Drop(&ts, DaysFromCivil(2024, 3, 12) * kMicrosPerDay, DaysFromCivil(2024, 3, 14) * kMicrosPerDay);
  ts.push_back(DaysFromCivil(2024, 3, 9) * kMicrosPerDay);
  std::sort(ts.begin(), ts.end());
  const HealthReport r = Analyze(ts, 86400, sessions, ts.back() + kMicrosPerDay, NewYorkOptions());
  EXPECT_EQ(r.expected, 20);
  EXPECT_EQ(r.present, 18);
  EXPECT_EQ(r.stray_count, 1);
  ASSERT_EQ(r.gaps.size(), 1u);
  EXPECT_EQ(r.gaps[0].missing_bars, 2);
  EXPECT_EQ(r.gaps[0].start, DaysFromCivil(2024, 3, 12) * kMicrosPerDay);
}

TEST(HealthFindGaps, ThresholdAndRange) {
  const auto sessions = CmeSessions(kFirst, kLast);
  auto ts = FullBars(sessions);
  Drop(&ts, NewYork(2024, 2, 27, 3), NewYork(2024, 2, 27, 5));        // 2 hours
  Drop(&ts, NewYork(2024, 3, 7, 17, 0) - 10 * kHour, NewYork(2024, 3, 11, 12));  // days
  const Micros first = ts.front(), end = ts.back() + kMinute;
  auto all = FindGaps(ts, kMinuteS, sessions, 60 * 60, first, end);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].missing_bars, 120);
  auto long_only = FindGaps(ts, kMinuteS, sessions, 48 * 3600, first, end);
  ASSERT_EQ(long_only.size(), 1u);
  EXPECT_EQ(long_only[0].end, NewYork(2024, 3, 11, 12));
  // A range that starts after the first gap.
  auto later = FindGaps(ts, kMinuteS, sessions, 60 * 60, NewYork(2024, 3, 1, 0), end);
  ASSERT_EQ(later.size(), 1u);
  // A range that ends inside the second gap: the gap ends at the range's end.
  const Micros to = NewYork(2024, 3, 8, 12);
  auto cut = FindGaps(ts, kMinuteS, sessions, 60 * 60, NewYork(2024, 3, 1, 0), to);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].end, to);
  // A range inside the gap, without bars: one gap from --from to --to.
  const std::vector<Micros> none;
  auto inside = FindGaps(none, kMinuteS, sessions, 60 * 60, NewYork(2024, 3, 8, 9), NewYork(2024, 3, 8, 12));
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(inside[0].start, NewYork(2024, 3, 8, 9));
  EXPECT_EQ(inside[0].missing_bars, 180);
}

TEST(HealthScore, SchemaDriftFailsAndStaleDerivedWarns) {
  HealthReport r;
  r.calendar_checked = true;
  r.coverage_pct = 100;
  Score(&r);
  EXPECT_EQ(r.status, HealthStatus::kOk);
  r.stale_derived = {"ES 5m"};
  Score(&r);
  EXPECT_EQ(r.score, 95);
  EXPECT_EQ(r.status, HealthStatus::kWarn);
  r.schema_drift = {"lake/symbol=ES/timeframe=1m/period=2024-03/data.parquet"};
  Score(&r);
  EXPECT_EQ(r.score, 65);
  EXPECT_EQ(r.status, HealthStatus::kFail);
}

TEST(HealthScore, WithoutCalendarOnlyPartitionChecksCount) {
  HealthReport r;
  r.calendar_checked = false;
  r.coverage_pct = 0;
  Score(&r);
  EXPECT_EQ(r.score, 100);
  EXPECT_EQ(r.status, HealthStatus::kUnchecked);
}

TEST(HealthDuration, Text) {
  EXPECT_EQ(DurationText(0), "0m");
  EXPECT_EQ(DurationText(3 * 3600 + 20 * 60), "3h 20m");
  EXPECT_EQ(DurationText(2 * 86400 + 4 * 3600), "2d 4h");
}

}  // namespace
}  // namespace barlake::health

namespace barlake::health {
namespace {

TEST(HealthDuration, Parse) {
  EXPECT_EQ(ParseDuration("30m").value(), 1800);
  EXPECT_EQ(ParseDuration("48h").value(), 48 * 3600);
  EXPECT_EQ(ParseDuration("2d").value(), 2 * 86400);
  EXPECT_EQ(ParseDuration("90s").value(), 90);
  for (const char* bad : {"", "m", "30", "3x", "-5m", "1.5h"}) {
    EXPECT_EQ(ParseDuration(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace barlake::health
