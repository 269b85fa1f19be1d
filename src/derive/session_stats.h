// SessionStats: one row of daily statistics per trading session, computed in one pass
// over fine bars (docs/derived.md).
//
//  * A bar belongs to the session with open <= ts < close. Bars outside every session are
//    not part of any session's statistics; they are counted in bars_outside_sessions.
//  * Sessions without a single bar (a holiday with no trading) produce no row.
//  * high_time / low_time are the OPEN time (UTC micros) of the first bar that reached the
//    session's high / low: on a tie the earliest bar wins. Their resolution is the source
//    bar interval. The CLI shows them in the display time zone.
#pragma once

#include <cstdint>
#include <vector>

#include "calendar/session.h"
#include "core/bars.h"
#include "core/result.h"

namespace barlake::derive {

struct SessionStat {
  int32_t trade_date = 0;  // days since 1970-01-01 (Session::trade_date)
  Micros session_open = 0, session_close = 0;  // the session's bounds (UTC)
  double open = 0, high = 0, low = 0, close = 0;
  Micros high_time = 0, low_time = 0;  // open time of the first bar at the high / low
  Micros first_bar = 0, last_bar = 0;  // open times of the session's first and last bar
  double range = 0;                    // PriceDifference(high, low)
  double volume = 0;
  int64_t bars = 0;
  bool early_close = false, late_open = false;
};

struct SessionStats {
  std::vector<SessionStat> sessions;  // in session order
  int64_t bars_outside_sessions = 0;
};

/// high - low without binary noise: rounded to the decimals the two prices are written
/// with (1.0835 - 1.0812 is 0.0023, not 0.0022999999999999687), at most 10.
double PriceDifference(double high, double low);

/// Statistics of every session that has bars. `bars` sorted strictly by ts; `sessions`
/// sorted and non-overlapping (same checks as Resample).
Result<SessionStats> ComputeSessionStats(const BarColumns& bars, const calendar::SessionList& sessions);

}  // namespace barlake::derive
