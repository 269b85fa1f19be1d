// Value types of a dataset's health report (docs/health.md): coverage, gaps, stray bars,
// suspicious weeks, staleness, a score. Plain structs of standard types; the library's
// analysis (src/health) fills them, Lake::Health (barlake/lake.h) returns them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace barlake {

/// A run of missing expected bars. A run that spans closures (the daily break, a weekend,
/// a holiday) is one gap, measured in session time only.
struct HealthGap {
  int64_t start = 0;  // open time of the first missing bar (UTC micros)
  int64_t end = 0;    // open time of the bar that ends the gap, or the end of the range
  int64_t missing_bars = 0;
  int64_t session_seconds = 0;  // missing_bars * bar length
};

struct PeriodCoverage {
  int year = 0;
  int month = 0;  // of the sessions' trade dates
  int64_t expected = 0, present = 0;
};

/// A calendar week (Sunday to Saturday in the pattern zone) whose daily no-trading pattern
/// sits at another time of day than the calendar's.
struct SuspiciousWeek {
  int32_t week_start = 0;     // the Sunday, days since 1970-01-01 (pattern zone)
  int64_t shift_seconds = 0;  // observed minus calendar; negative: the week runs early
  int64_t shift_hours = 0;    // rounded
  int calendar_break_start = 0, calendar_break_end = 0;  // seconds of the day (pattern zone)
  int observed_break_start = 0, observed_break_end = 0;
  int64_t bars = 0;          // bars stamped in the week
  std::string description;  // "daily break at 05:49-06:49 America/New_York instead of ..."
};

struct Staleness {
  int64_t last_bar_end = 0;         // last bar's open + bar length (UTC micros)
  int64_t last_closed_close = 0;    // close of the last session that closed before now (0: none)
  int64_t missing_bars_at_end = 0;  // expected bars between last_bar_end and that close
  int64_t age_seconds = 0;          // now - last_bar_end
  bool stale = false;               // missing_bars_at_end * bar >= gap_min_seconds
};

/// The gaps of one dataset over a range (Lake::Gaps).
struct GapReport {
  std::string calendar;  // the session calendar the gaps are measured against
  std::vector<HealthGap> gaps;  // in time order
  int64_t missing_bars = 0;     // over every gap
};

enum class HealthStatus { kOk, kWarn, kFail, kUnchecked };

struct HealthReport {
  int64_t bar_seconds = 0;
  int64_t rows = 0;
  int64_t first_ts = 0, last_ts = 0;
  int64_t expected = 0;     // expected bars, first..last bar
  int64_t present = 0;      // bars inside sessions
  double coverage_pct = 0;  // 100 * present / expected (100 when nothing expected)
  std::vector<PeriodCoverage> by_month;
  std::vector<HealthGap> gaps;
  int64_t gap_missing_bars = 0;
  int64_t stray_count = 0;
  std::vector<int64_t> stray_examples;
  std::vector<SuspiciousWeek> suspicious_weeks;
  int64_t weeks_checked = 0;
  Staleness staleness;
  bool calendar_checked = false;  // false: no calendar, only the partition checks ran
  /// Partitions whose Parquet schema differs from the bar schema.
  std::vector<std::string> schema_drift;
  /// Derived datasets older than their source.
  std::vector<std::string> stale_derived;
  std::vector<std::string> notes;
  int score = 100;
  HealthStatus status = HealthStatus::kOk;
};

}  // namespace barlake
