// Dataset health through the lake: reads a dataset's bar times from its partitions, asks
// the dataset's calendar for sessions, runs the pure analysis (health/health.h) and adds
// the partition checks (schema drift). See docs/health.md.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "calendar/session.h"
#include "core/result.h"
#include "health/health.h"
#include "lake/lake.h"

namespace barlake::lake {

/// The session calendar of one dataset, as the caller resolved it (the CLI finds it by
/// the dataset's registry `calendar` name). Keeps the lake independent of how calendars
/// are defined.
struct SessionSource {
  std::string name;  // shown in reports, e.g. "CME_Globex"
  std::string zone;  // the calendar's zone: the daily pattern is read in it
  /// Sessions overlapping [from, to), sorted and non-overlapping.
  std::function<Result<calendar::SessionList>(Micros from, Micros to)> sessions;
};

/// The calendar of a dataset, or nullopt when it has none (then only the partition checks
/// run and the dataset is `unchecked`).
using CalendarLookup = std::function<Result<std::optional<SessionSource>>(const std::string& symbol,
                                                                          const std::string& timeframe)>;

/// The public report (barlake/types.h): CheckHealth fills symbol, timeframe, calendar, zone
/// and report; the public facade adds the summary fields.
using DatasetHealth = barlake::DatasetHealth;

struct HealthRequest {
  std::string symbol, timeframe;  // empty: every dataset (of that symbol)
  health::HealthOptions options;  // pattern_tz is set from the calendar
  Micros now = 0;                 // 0: the Env's clock
  CalendarLookup calendar;        // empty: no dataset has a calendar
  bool check_schema = true;
};

/// Health of the datasets the request names, in catalog order. kNotFound when a named
/// dataset does not exist.
Result<std::vector<DatasetHealth>> CheckHealth(Lake* lake, const HealthRequest& request);

/// Bar open times of a dataset in [from, to), sorted (the ts column only). From
/// `split_rows` rows (and 4 partitions) on, two connections read one half each.
Result<std::vector<Micros>> ReadBarTimes(Lake* lake, const std::string& symbol, const std::string& timeframe,
                                         Micros from, Micros to, int64_t split_rows = 1000000);

/// Partitions of a dataset whose Parquet schema differs from the one most of its
/// partitions share, as "path: schema" lines (one query over every footer).
Result<std::vector<std::string>> SchemaDrift(Lake* lake, const std::string& symbol, const std::string& timeframe);

/// The calendar of each dataset by its registry `calendar` name (built-in calendars plus the
/// vault's [[calendar]] tables); a dataset without one is `unchecked`.
CalendarLookup RegistryCalendars(Lake* lake);
/// One dataset's report as JSON (`barlake health --json`, GET /api/health), with at most
/// `max_gaps` gaps (the longest, in time order; `gap_count` has them all).
nlohmann::json HealthJson(const DatasetHealth& health, size_t max_gaps);
nlohmann::json GapJson(const health::Gap& gap);
/// Gaps to show: all when few, else the `n` longest, in time order.
std::vector<health::Gap> LongestGaps(std::vector<health::Gap> gaps, size_t n);

}  // namespace barlake::lake
