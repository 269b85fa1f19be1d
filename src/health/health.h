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

#include "barlake/health.h"
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

// The report's value types are the public ones (barlake/health.h).
using Gap = barlake::HealthGap;
using barlake::HealthReport;
using barlake::HealthStatus;
using barlake::PeriodCoverage;
using barlake::Staleness;
using barlake::SuspiciousWeek;

const char* StatusName(HealthStatus s);

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
