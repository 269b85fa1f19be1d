// Health analysis of one dataset against its session calendar: coverage, gaps, stray
// bars, suspicious weeks, staleness and a score (docs/health.md).
//
// Pure functions over bar open times, the bar length and a SessionList: no I/O, no lake.
// The lake glue (lake/dataset_health.h) reads the bars, asks the calendar for sessions,
// adds the partition checks (schema drift) and calls Score.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "calendar/session.h"
#include "core/result.h"
#include "core/time_util.h"

namespace barlake::health {

struct HealthOptions {
  /// A run of missing bars is a gap when its session time (closures left out) reaches this.
  int64_t gap_min_seconds = 30 * 60;
  /// IANA zone the daily pattern is read in (the calendar's zone); empty: UTC. Suspicious
  /// weeks are found in this zone, so a DST change does not move the calendar's break.
  std::string pattern_tz;
  /// How many stray bars are kept as examples.
  size_t max_examples = 10;
};

/// A run of missing expected bars. A run that spans closures (the daily break, a weekend,
/// a holiday) is one gap, measured in session time only.
struct Gap {
  Micros start = 0;  // open time of the first missing bar (UTC)
  Micros end = 0;    // open time of the bar that ends the gap, or the end of the range
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
  int32_t week_start = 0;   // the Sunday, days since 1970-01-01 (pattern zone)
  int64_t shift_seconds = 0;  // observed minus calendar; negative: the week runs early
  int64_t shift_hours = 0;    // rounded
  int calendar_break_start = 0, calendar_break_end = 0;  // seconds of the day (pattern zone)
  int observed_break_start = 0, observed_break_end = 0;
  int64_t bars = 0;  // bars stamped in the week
  std::string description;  // "daily break at 05:49-06:49 America/New_York instead of ..."
};

struct Staleness {
  Micros last_bar_end = 0;        // last bar's open + bar length
  Micros last_closed_close = 0;   // close of the last session that closed before now (0: none)
  int64_t missing_bars_at_end = 0;  // expected bars between last_bar_end and that close
  int64_t age_seconds = 0;        // now - last_bar_end
  bool stale = false;             // missing_bars_at_end * bar >= gap_min_seconds
};

enum class HealthStatus { kOk, kWarn, kFail, kUnchecked };
const char* StatusName(HealthStatus s);

struct HealthReport {
  int64_t bar_seconds = 0;
  int64_t rows = 0;
  Micros first_ts = 0, last_ts = 0;
  int64_t expected = 0;            // expected bars, first..last bar
  int64_t present = 0;             // bars inside sessions
  double coverage_pct = 0;         // 100 * present / expected (100 when nothing expected)
  std::vector<PeriodCoverage> by_month;
  std::vector<Gap> gaps;
  int64_t gap_missing_bars = 0;
  int64_t stray_count = 0;
  std::vector<Micros> stray_examples;
  std::vector<SuspiciousWeek> suspicious_weeks;
  int64_t weeks_checked = 0;
  Staleness staleness;
  bool calendar_checked = false;  // false: no calendar, only the partition checks ran
  /// Partitions whose Parquet schema differs from the bar schema (filled by the lake glue).
  std::vector<std::string> schema_drift;
  /// Derived datasets older than their source (filled from lineage by the lake glue).
  std::vector<std::string> stale_derived;
  std::vector<std::string> notes;
  int score = 100;
  HealthStatus status = HealthStatus::kOk;
};

/// Coverage, gaps, stray bars, suspicious weeks and staleness of bars with open times `ts`
/// (sorted, unique) against `sessions`, which must cover [ts.front(), now]. Daily bars
/// (bar_seconds >= 86400) are compared with the sessions' trade dates; there are no
/// suspicious weeks for bars longer than an hour. Calls Score.
HealthReport Analyze(std::span<const Micros> ts, int64_t bar_seconds,
                     const calendar::SessionList& sessions, Micros now, const HealthOptions& options);

/// Gaps of at least `min_seconds` of session time in [from, to), which the caller clips
/// to the dataset's first bar .. end of its last bar (`ts` may be empty when the range is
/// one gap). A run already open at `from` starts there; one still open at `to` ends there.
std::vector<Gap> FindGaps(std::span<const Micros> ts, int64_t bar_seconds,
                          const calendar::SessionList& sessions, int64_t min_seconds, Micros from,
                          Micros to);

/// The 0-100 score and the status from the findings (formula in docs/health.md). Call
/// again after adding schema drift or stale derived data.
void Score(HealthReport* report);

/// "3h 20m", "2d 4h": a duration for messages and tables.
std::string DurationText(int64_t seconds);
/// "90s", "30m", "48h", "2d" (a number and one unit) to seconds; kInvalidArgument otherwise.
Result<int64_t> ParseDuration(const std::string& text);

}  // namespace barlake::health
