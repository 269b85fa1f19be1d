// Calendar: the trading sessions of a market as data (docs/calendars.md).
//
// A calendar is a weekly schedule in a local zone (which weekdays are trade dates, the
// local open and close, whether the session opens the evening before its trade date),
// holiday *rules* (fixed date with weekend observance, nth or last weekday of a month,
// Easter-relative), and one-off special days (closures, early closes). Built-in calendars
// (builtin_calendars.cc: CME_Globex, NYSE, NYSE_extended, FX, Crypto) are a readable data
// table; the vault's barlake.toml can add holidays and early closes to them or derive new
// calendars from them ([[calendar]] tables, registry/registry.h).
//
// Sessions are produced in UTC from the local wall-clock times, so a CME session opens at
// 18:00 New York all year: 22:00 UTC in summer, 23:00 UTC in winter.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calendar/session.h"
#include "core/result.h"
#include "core/time_util.h"
#include "core/time_zone.h"

namespace barlake::calendar {

/// 0 = Sunday ... 6 = Saturday, for a day number since 1970-01-01.
int WeekdayOf(int64_t days);
/// "2024-03-29" for a day number, and back (kInvalidArgument naming the text).
std::string FormatDate(int32_t days);
Result<int32_t> ParseDate(const std::string& text);
/// "13:00" for minutes since local midnight, and back ("24:00" allowed for a close).
std::string FormatMinutes(int minutes);
Result<int> ParseMinutes(const std::string& text);

enum class RuleKind {
  kFixed,        // month/day every year
  kNthWeekday,   // the nth `weekday` of `month` (nth 1..4)
  kLastWeekday,  // the last `weekday` of `month`
  kEaster,       // Easter Sunday (Gregorian) + offset_days; Good Friday is -2
};

enum class Observance {
  kNone,            // a date on a weekend is simply not a trade date
  kNearestWeekday,  // Saturday -> the Friday before, Sunday -> the Monday after
  kSundayToMonday,  // Sunday -> Monday; Saturday is not observed (NYSE New Year's Day)
};

/// A holiday or early-close rule, evaluated per year.
struct DayRule {
  std::string name;
  RuleKind kind = RuleKind::kFixed;
  int month = 1;
  int day = 1;           // kFixed
  int weekday = 1;       // kNthWeekday, kLastWeekday (0 = Sunday)
  int nth = 1;           // kNthWeekday
  int offset_days = 0;   // added to the date found (Easter -2; Thanksgiving +1)
  Observance observance = Observance::kNone;
  /// Bit w set: the rule applies when the (observed) date falls on weekday w. NYSE's
  /// early close on July 3 applies on a Wednesday only since 2013, hence two rules.
  uint8_t weekdays = 0x7f;
  int from_year = 0;     // first year the rule applies (Juneteenth: 2022)
  int to_year = 9999;    // last year
  /// -1: closed all day. Otherwise the trade date closes early at this local time
  /// (minutes since midnight); 0 means "the calendar's early_close".
  int close_minutes = -1;

  /// The (observed) date in `year`, as days since 1970-01-01, if the rule applies.
  std::optional<int32_t> DateIn(int year) const;
};

struct WeeklySchedule {
  uint8_t trade_weekdays = 0x3e;  // bit w set: a date with weekday w is a trade date (Mon-Fri)
  int open_minutes = 9 * 60 + 30;  // local time the session opens
  /// Days between the open and the trade date: -1 for sessions that open the evening
  /// before (CME Globex 18:00, FX 17:00), 0 for same-day sessions.
  int open_day_offset = 0;
  int close_minutes = 16 * 60;     // local time on the trade date; 1440 = the next midnight
};

/// What a date is, for listings: a closure or an early close and why.
struct SpecialDay {
  int32_t date = 0;
  int close_minutes = -1;  // -1 closed, else the early close (local minutes)
  std::string name;
};

class Calendar {
 public:
  std::string name;
  std::string description;
  std::string zone = "UTC";  // IANA zone of the schedule's wall-clock times
  /// Where the definition comes from: "built-in", or "barlake.toml:12" (and extensions).
  std::string source = "built-in";
  WeeklySchedule week;
  int early_close_minutes = 13 * 60;  // the usual early close of this market
  std::vector<DayRule> rules;
  /// One-off dates: closures (-1) and early closes (local minutes), from the built-in
  /// table and the registry (extra_holidays, extra_early_closes).
  std::map<int32_t, SpecialDay> special_days;

  /// Check the definition (zone exists, times in range) and cache the zone.
  Status Prepare();

  /// Every session overlapping [from, to), sorted. Ranges are limited to 300 years.
  Result<SessionList> SessionsBetween(Micros from, Micros to) const;
  /// The session containing `t` (open <= t < close), if any.
  std::optional<Session> SessionAt(Micros t) const;
  bool InSession(Micros t) const { return SessionAt(t).has_value(); }
  /// The trade date of the session containing `t`, else of the next session to open.
  Result<int32_t> TradeDateOf(Micros t) const;
  /// The closures and early closes whose date lies in [from_date, to_date].
  std::vector<SpecialDay> SpecialDaysBetween(int32_t from_date, int32_t to_date) const;
  /// "Sun-Thu 18:00 to Mon-Fri 17:00 America/New_York", "Mon-Fri 09:30-16:00 America/New_York".
  std::string HoursText() const;

 private:
  std::map<int32_t, SpecialDay> SpecialDaysForYears(int first_year, int last_year) const;
  std::optional<TimeZone> tz_;
};

/// How the registry changes a calendar: a [[calendar]] table of barlake.toml.
/// With `base` empty, `name` must be a known calendar and is extended in place; with a
/// base, `name` is a new calendar copied from `base`, then changed.
struct CalendarExtension {
  std::string name;
  std::string base;
  std::string description;
  std::string source;  // "barlake.toml:12"
  std::optional<int> open_minutes, close_minutes;
  std::vector<int32_t> extra_holidays;
  std::map<int32_t, int> extra_early_closes;  // date -> local close minutes
};

class CalendarSet {
 public:
  /// The built-in calendars (builtin_calendars.cc).
  static const CalendarSet& BuiltIn();
  /// Apply a registry extension. kInvalidArgument names the problem (unknown base, a
  /// new calendar without a base, a name already taken, ...).
  Status Extend(const CalendarExtension& ext);
  const Calendar* Find(const std::string& name) const;
  const std::vector<Calendar>& all() const { return calendars_; }
  /// "CME_Globex, Crypto, FX, NYSE, NYSE_extended" for error messages.
  std::string NamesText() const;
  void Add(Calendar c) { calendars_.push_back(std::move(c)); }

 private:
  std::vector<Calendar> calendars_;
};

}  // namespace barlake::calendar
