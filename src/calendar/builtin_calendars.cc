// The built-in calendars as a data table. Each holiday is a rule, so the table covers any
// year (tested for 2000-2030); one-off closures are listed by date. Sources and the
// simplifications are in docs/calendars.md. A vault changes these in barlake.toml
// ([[calendar]]), never by editing this file.
#include <cstdlib>

#include "calendar/calendar.h"

namespace barlake::calendar {
namespace {

constexpr int kMon = 1, kWed = 3, kThu = 4;
constexpr int kClosed = -1;
constexpr int kEarly = 0;  // the calendar's early_close_minutes
constexpr int kNoWed = 0x7f & ~(1 << kWed);

int HM(int h, int m) { return h * 60 + m; }

// The fields every rule has; the builders below add their kind's own.
DayRule Rule(std::string name, RuleKind kind, int month, int close, int offset = 0) {
  DayRule r;
  r.name = std::move(name);
  r.kind = kind;
  r.month = month;
  r.close_minutes = close;
  r.offset_days = offset;
  return r;
}

DayRule Fixed(std::string name, int month, int day, Observance obs, int close = kClosed) {
  DayRule r = Rule(std::move(name), RuleKind::kFixed, month, close);
  r.day = day;
  r.observance = obs;
  return r;
}

DayRule Nth(std::string name, int month, int weekday, int nth, int close = kClosed, int offset = 0) {
  DayRule r = Rule(std::move(name), RuleKind::kNthWeekday, month, close, offset);
  r.weekday = weekday;
  r.nth = nth;
  return r;
}

DayRule Last(std::string name, int month, int weekday, int close = kClosed) {
  DayRule r = Rule(std::move(name), RuleKind::kLastWeekday, month, close);
  r.weekday = weekday;
  return r;
}

DayRule Easter(std::string name, int offset, int close = kClosed) {
  return Rule(std::move(name), RuleKind::kEaster, /*month=*/1, close, offset);  // month unused
}

DayRule Years(DayRule r, int from, int to = 9999) {
  r.from_year = from;
  r.to_year = to;
  return r;
}

DayRule OnWeekdays(DayRule r, uint8_t mask) {
  r.weekdays = mask;
  return r;
}

void AddDates(Calendar* c, std::initializer_list<const char*> dates, int close, const char* name) {
  for (const char* text : dates) {
    auto d = ParseDate(text);
    if (!d.ok()) std::abort();  // a typo in this table; the calendar tests catch it first
    c->special_days[*d] = {*d, close, name};
  }
}

using O = Observance;

Calendar Make(std::string name, std::string description, std::string zone, WeeklySchedule week) {
  Calendar c;
  c.name = std::move(name);
  c.description = std::move(description);
  c.zone = std::move(zone);
  c.week = week;
  return c;
}

// NYSE Rule 7.2 holidays. New Year's Day on a Saturday is not observed on the Friday
// before (it would fall in the previous year); the others move to the nearest weekday.
std::vector<DayRule> NyseRules() {
  return {
      Fixed("New Year's Day", 1, 1, O::kSundayToMonday),
      Years(Nth("Martin Luther King Jr. Day", 1, kMon, 3), 1998),
      Nth("Washington's Birthday", 2, kMon, 3),
      Easter("Good Friday", -2),
      Last("Memorial Day", 5, kMon),
      Years(Fixed("Juneteenth", 6, 19, O::kNearestWeekday), 2022),
      Fixed("Independence Day", 7, 4, O::kNearestWeekday),
      Nth("Labor Day", 9, kMon, 1),
      Nth("Thanksgiving Day", 11, kThu, 4),
      Fixed("Christmas Day", 12, 25, O::kNearestWeekday),
      // Early closes (13:00). July 3: Monday, Tuesday or Thursday every year; Wednesday
      // since 2013 (2002-2012 a Wednesday July 3 was a full day). A Friday July 3 is the
      // observed holiday, and the closure wins.
      OnWeekdays(Fixed("Day before Independence Day", 7, 3, O::kNone, kEarly), kNoWed),
      Years(OnWeekdays(Fixed("Day before Independence Day", 7, 3, O::kNone, kEarly), 1 << kWed), 2013),
      Nth("Day after Thanksgiving", 11, kThu, 4, kEarly, 1),
      Fixed("Christmas Eve", 12, 24, O::kNone, kEarly),
  };
}

void AddNyseClosures(Calendar* c) {
  AddDates(c, {"2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14"}, kClosed, "September 11 attacks");
  AddDates(c, {"2004-06-11"}, kClosed, "National Day of Mourning for Ronald Reagan");
  AddDates(c, {"2007-01-02"}, kClosed, "National Day of Mourning for Gerald Ford");
  AddDates(c, {"2012-10-29", "2012-10-30"}, kClosed, "Hurricane Sandy");
  AddDates(c, {"2018-12-05"}, kClosed, "National Day of Mourning for George H. W. Bush");
  AddDates(c, {"2025-01-09"}, kClosed, "National Day of Mourning for Jimmy Carter");
}

Calendar Nyse() {
  Calendar c = Make("NYSE", "New York Stock Exchange regular hours 09:30-16:00, holidays and 13:00 early closes",
                    "America/New_York", {0x3e, HM(9, 30), 0, HM(16, 0)});
  c.early_close_minutes = HM(13, 0);
  c.rules = NyseRules();
  AddNyseClosures(&c);
  return c;
}

Calendar NyseExtended() {
  Calendar c = Nyse();
  c.name = "NYSE_extended";
  c.description = "NYSE holidays with pre-market and after-hours trading 04:00-20:00 (17:00 on early-close days)";
  c.week = {0x3e, HM(4, 0), 0, HM(20, 0)};
  c.early_close_minutes = HM(17, 0);
  return c;
}

// CME Globex, the common equity-index and energy schedule in New York time: Sunday 18:00
// to Friday 17:00 with a daily 17:00-18:00 break. Holidays that CME "halts" (trading
// stops at 12:00 Chicago = 13:00 New York and the next session opens as usual) are early
// closes; New Year's Day, Good Friday and Christmas are full closures.
Calendar CmeGlobex() {
  Calendar c = Make("CME_Globex",
                    "CME Globex equity/energy futures: Sun-Fri 18:00-17:00 New York, daily break 17:00-18:00",
                    "America/New_York", {0x3e, HM(18, 0), -1, HM(17, 0)});
  c.early_close_minutes = HM(13, 15);  // 12:15 Chicago
  const int halt = HM(13, 0);          // 12:00 Chicago
  c.rules = {
      Fixed("New Year's Day", 1, 1, O::kSundayToMonday),
      Easter("Good Friday", -2),
      Fixed("Christmas Day", 12, 25, O::kNearestWeekday),
      Years(Nth("Martin Luther King Jr. Day (halt)", 1, kMon, 3, halt), 1998),
      Nth("Presidents' Day (halt)", 2, kMon, 3, halt),
      Last("Memorial Day (halt)", 5, kMon, halt),
      Years(Fixed("Juneteenth (halt)", 6, 19, O::kNearestWeekday, halt), 2022),
      Fixed("Independence Day (halt)", 7, 4, O::kNearestWeekday, halt),
      Nth("Labor Day (halt)", 9, kMon, 1, halt),
      Nth("Thanksgiving Day (halt)", 11, kThu, 4, halt),
      Fixed("Day before Independence Day", 7, 3, O::kNone, kEarly),
      Nth("Day after Thanksgiving", 11, kThu, 4, kEarly, 1),
      Fixed("Christmas Eve", 12, 24, O::kNone, kEarly),
  };
  return c;
}

Calendar Fx() {
  return Make("FX", "Spot FX: Sunday 17:00 to Friday 17:00 New York, daily sessions 17:00-17:00, no holidays",
              "America/New_York", {0x3e, HM(17, 0), -1, HM(17, 0)});
}

Calendar Crypto() {
  return Make("Crypto", "24/7 trading: one session per UTC day, no holidays", "UTC", {0x7f, 0, 0, 1440});
}

CalendarSet MakeBuiltIns() {
  CalendarSet set;
  for (Calendar c : {CmeGlobex(), Nyse(), NyseExtended(), Fx(), Crypto()}) {
    if (!c.Prepare().ok()) std::abort();  // tzdata without America/New_York: nothing works
    set.Add(std::move(c));
  }
  return set;
}

}  // namespace

const CalendarSet& CalendarSet::BuiltIn() {
  static const CalendarSet* set = new CalendarSet(MakeBuiltIns());
  return *set;
}

}  // namespace barlake::calendar
