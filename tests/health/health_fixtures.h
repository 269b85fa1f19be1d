// Synthetic sessions and bars for the health tests: a CME-like calendar built by hand
// (Sunday to Thursday 18:00 New York -> next day 17:00, holidays left out or cut short),
// so the analysis is tested without the calendar module.
#pragma once

#include <algorithm>
#include <set>
#include <vector>

#include "calendar/session.h"
#include "core/time_util.h"
#include "core/time_zone.h"

namespace barlake::health::testing {

constexpr Micros kMinute = 60 * kMicrosPerSecond;
constexpr Micros kHour = 60 * kMinute;

/// UTC instant of a New York wall-clock time.
inline Micros NewYork(int y, unsigned m, unsigned d, int hh, int mm = 0) {
  static TimeZone tz = *TimeZone::Locate("America/New_York");
  const Micros local = DaysFromCivil(y, m, d) * kMicrosPerDay + (hh * 60 + mm) * kMinute;
  TimeZone::LocalKind kind;
  return tz.LocalToUtc(local, INT64_MIN, &kind);
}

inline int Weekday(int64_t day) { return static_cast<int>(((day + 4) % 7 + 7) % 7); }  // 0 = Sunday

struct CmeOptions {
  std::set<int64_t> closed_trade_dates;     // holidays: no session for these trade dates
  std::set<int64_t> early_close_trade_dates;  // close at 12:00 New York instead of 17:00
};

/// CME-like sessions opening from day `first` to day `last` (inclusive, days since epoch).
inline calendar::SessionList CmeSessions(int64_t first, int64_t last, const CmeOptions& o = {}) {
  calendar::SessionList out;
  for (int64_t d = first; d <= last; ++d) {
    const int wd = Weekday(d);
    if (wd > 4) continue;  // Friday and Saturday open nothing
    const int64_t trade_date = d + 1;
    if (o.closed_trade_dates.count(trade_date)) continue;
    int y, y2;
    unsigned m, dd, m2, dd2;
    CivilFromDays(d, &y, &m, &dd);
    CivilFromDays(d + 1, &y2, &m2, &dd2);
    calendar::Session s;
    s.open = NewYork(y, m, dd, 18);
    s.close = NewYork(y2, m2, dd2, o.early_close_trade_dates.count(trade_date) ? 12 : 17);
    s.early_close = o.early_close_trade_dates.count(trade_date) > 0;
    s.trade_date = static_cast<int32_t>(trade_date);
    out.push_back(s);
  }
  return out;
}

/// One bar per `bar` in every session.
inline std::vector<Micros> FullBars(const calendar::SessionList& sessions, Micros bar = kMinute) {
  std::vector<Micros> ts;
  for (const auto& s : sessions) {
    for (Micros t = s.open; t < s.close; t += bar) ts.push_back(t);
  }
  return ts;
}

/// Remove bars with from <= ts < to.
inline void Drop(std::vector<Micros>* ts, Micros from, Micros to) {
  ts->erase(std::remove_if(ts->begin(), ts->end(), [&](Micros t) { return t >= from && t < to; }), ts->end());
}

/// Move bars with from <= ts < to by `shift` (the stamping error of a shifted week).
inline void Shift(std::vector<Micros>* ts, Micros from, Micros to, Micros shift) {
  for (auto& t : *ts) {
    if (t >= from && t < to) t += shift;
  }
  std::sort(ts->begin(), ts->end());
  ts->erase(std::unique(ts->begin(), ts->end()), ts->end());
}

}  // namespace barlake::health::testing
