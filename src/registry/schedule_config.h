// The unattended parts of barlake.toml: [[schedule]] and [[alert]] tables (docs/schedules.md,
// docs/alerts.md). Parsed by Registry::Parse after the datasets and calendars, so a
// schedule can name both; kept in their own file so registry.cc stays about datasets.
//
//   [[schedule]]
//   name = "nightly"  action = "update"  at = "18:10"  tz = "America/New_York"
//   days = ["mon", "tue", "wed", "thu", "fri"]  calendar = "CME_Globex"
//   datasets = ["ES 1m"]           # default: every dataset the action applies to
//
//   [[schedule]]
//   name = "intraday"  action = "update"  every = "5m"
//
//   [[alert]]
//   on = ["job_failed", "provider_down"]  webhook = "https://hooks.example/x"  min_interval = "10m"
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace barlake::registry {

class Registry;

struct ScheduleSpec {
  std::string name;
  std::string action;                 // update | regenerate | health | backup | gc
  std::vector<std::string> datasets;  // "SYMBOL TF"; empty: all the action applies to
  int64_t every_seconds = 0;          // > 0: every N seconds (slots aligned to the epoch)
  int at_minutes = -1;                // >= 0: daily at this local time (minutes after midnight)
  std::string tz = "UTC";             // zone of `at`
  uint8_t days = 0x7f;                // bit w (0 = Sunday): `at` runs on weekday w
  std::string calendar;               // set: `at` runs only on trade dates of this calendar
  std::string source;                 // "barlake.toml:12", for messages
  /// "every 5m" or "at 18:10 America/New_York mon-fri on CME_Globex sessions".
  std::string WhenText() const;
};

struct AlertSpec {
  std::vector<std::string> on;  // job_failed | health_failed | stale | quarantine | provider_down
  std::string webhook;          // http:// or https:// URL
  int64_t min_interval_seconds = 0;  // at most one alert per event and dataset in this time
  std::string source;
};

/// The actions and events the file may name.
const std::vector<std::string>& ScheduleActions();
const std::vector<std::string>& AlertEvents();

/// "30s", "5m", "1h", "2d": a positive duration in seconds; kInvalidArgument otherwise.
Result<int64_t> ParseScheduleDuration(const std::string& text);

/// Parse the [[schedule]] and [[alert]] tables of `text` (a barlake.toml at `path`) against
/// `reg` (its datasets and calendars, already parsed). kInvalidInput naming file, line and
/// key for anything wrong.
Status ParseScheduleTables(const std::string& text, const std::string& path, const Registry& reg,
                           std::vector<ScheduleSpec>* schedules, std::vector<AlertSpec>* alerts);

}  // namespace barlake::registry
