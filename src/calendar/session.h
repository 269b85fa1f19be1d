// Session: one trading session of a calendar, the unit that calendars produce and that
// the resampler, the session statistics and the health checks consume.
//
// It is a plain struct in its own header so that derive/ and health/ depend on the
// shape of a session, not on how calendars are defined or loaded (calendar/calendar.h).
#pragma once
#include <cstdint>
#include <vector>

#include "core/time_util.h"

namespace barlake::calendar {

struct Session {
  Micros open = 0;   // UTC instant of the first trade of the session (inclusive)
  Micros close = 0;  // UTC instant the session ends (exclusive)
  /// The trade date the session belongs to, as days since 1970-01-01. For CME Globex the
  /// session that opens Sunday 18:00 New York belongs to Monday (the day it closes).
  int32_t trade_date = 0;
  /// Closed earlier than the calendar's regular close (half day, holiday halt).
  bool early_close = false;
  /// Opened later than the calendar's regular open (e.g. after a holiday halt).
  bool late_open = false;
};

/// Sessions are kept sorted by open, non-overlapping: sessions[i].close <= sessions[i+1].open.
using SessionList = std::vector<Session>;

}  // namespace barlake::calendar
