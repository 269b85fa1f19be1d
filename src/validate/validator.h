// Validator: the rules every import applies to parsed rows before anything is merged.
// Rows that break a rule are rejected with a rule code and a reason; the import sends
// them to quarantine (lake/), or fails when too many are rejected.
//
// Rules (codes are stable; they appear in reports and in `barlake quarantine`):
//   non_finite          a price or the volume is NaN or infinite
//   non_positive_price  a price <= 0 (allow with allow_non_positive: crude went negative)
//   negative_volume     volume < 0
//   ohlc_inconsistent   low > open/close, high < open/close, or high < low
//   misaligned          an intraday stamp not on the timeframe's grid (e.g. 09:31:30 for 1m)
//   duplicate_conflict  two rows with the same stamp and different values (both rejected;
//                       identical duplicates are dropped silently and counted)
//   bad_tick, unit_error  see spike_detector.h
//   outside_session     an intraday bar whose interval overlaps no session of the dataset's
//                       calendar, or a daily bar on a date that is not a trade date.
//                       Counted and kept by default (kept_counts); rejected with
//                       outside_session = "quarantine" in the registry.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "calendar/session.h"
#include "core/timeframe.h"
#include "ingest/parsed_bars.h"
#include "validate/spike_detector.h"

namespace barlake::validate {

struct ValidationOptions {
  bool allow_non_positive = false;
  bool check_alignment = true;
  bool check_spikes = true;
  SpikeOptions spikes;
  /// An import fails (nothing merged) when more than this share of rows is rejected.
  double max_reject_share = 0.01;
  /// The sessions of the dataset's calendar covering the rows (calendar/calendar.h), or
  /// null: no session check (a dataset without a calendar).
  const calendar::SessionList* sessions = nullptr;
  std::string calendar_name;
  bool quarantine_outside_session = false;  // else count and keep
  /// "Now" for the implausible rule (a bar stamped after now + 1 day); 0: the system clock.
  Micros now = 0;
};

/// Rule `implausible`: bars stamped before 1970 or more than a day in the future are a
/// wrong --timeframe, epoch unit or date order; volumes above this are a corrupt field.
constexpr double kMaxPlausibleVolume = 1e15;

struct Rejection {
  uint32_t line = 0;
  std::string rule;
  std::string field;
  std::string reason;
};

struct ValidationReport {
  int64_t rows_checked = 0;
  int64_t identical_duplicates = 0;
  std::map<std::string, int64_t> counts;  // rule -> rejected rows
  /// The rejected rows (values as parsed) with their reasons, in time order.
  ingest::ParsedBars rejected;
  std::vector<Rejection> reasons;  // parallel to rejected rows
  /// Rows a rule flagged but that were kept (outside_session by default): rule -> rows,
  /// and the first 20 of them.
  std::map<std::string, int64_t> kept_counts;
  std::vector<Rejection> kept_examples;
  int64_t rejected_rows() const { return static_cast<int64_t>(reasons.size()); }
  /// "3 rows rejected: 2 bad_tick, 1 ohlc_inconsistent" and up to `examples` lines
  /// "FILE:LINE: field 'F': reason (rule)".
  std::string Summary(const std::string& file_label, size_t examples = 10) const;
};

/// Validate `parsed` (sorted by ts). Removes rejected rows and identical duplicates from
/// `parsed`, and returns them with their reasons.
ValidationReport Validate(ingest::ParsedBars* parsed, const Timeframe& timeframe,
                          const ValidationOptions& options);

}  // namespace barlake::validate
