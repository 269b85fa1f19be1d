#include "calendar/calendar.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>

namespace barlake::calendar {
namespace {

constexpr Micros kMicrosPerMinute = 60 * kMicrosPerSecond;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int YearOf(int64_t days) {
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return y;
}

// Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" algorithm).
int64_t EasterSunday(int year) {
  const int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = ((h + l - 7 * m + 114) % 31) + 1;
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

const char* kWeekdayNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

std::string WeekdaysText(uint8_t mask) {
  if ((mask & 0x7f) == 0x7f) return "every day";
  // Runs of consecutive weekdays, Monday first: Mon-Fri, Sun-Thu.
  std::string out;
  for (int start = 0; start < 7; ++start) {
    if (!(mask & (1 << start)) || (mask & (1 << ((start + 6) % 7)))) continue;
    int end = start;
    while (mask & (1 << ((end + 1) % 7)) && (end + 1) % 7 != start) end = (end + 1) % 7;
    if (!out.empty()) out += ",";
    out += kWeekdayNames[start];
    if (end != start) out += std::string("-") + kWeekdayNames[end];
  }
  return out;
}

}  // namespace

int WeekdayOf(int64_t days) { return static_cast<int>(((days % 7) + 11) % 7); }

std::string FormatDate(int32_t days) {
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

Result<int32_t> ParseDate(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 ||
      m > 12 || d < 1 || d > 31) {
    return Status::InvalidArgument("'" + text + "' is not a date; use YYYY-MM-DD");
  }
  const int64_t days = DaysFromCivil(y, m, d);
  if (FormatDate(static_cast<int32_t>(days)) != text) {
    return Status::InvalidArgument("'" + text + "' is not a date in the calendar");
  }
  return static_cast<int32_t>(days);
}

std::string FormatMinutes(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

Result<int> ParseMinutes(const std::string& text) {
  int h = 0, m = 0;
  char tail = 0;
  if (text.size() != 5 || std::sscanf(text.c_str(), "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || m < 0 ||
      m > 59 || h * 60 + m > 1440) {
    return Status::InvalidArgument("'" + text + "' is not a time of day; use HH:MM (00:00 to 24:00)");
  }
  return h * 60 + m;
}

std::optional<int32_t> DayRule::DateIn(int year) const {
  if (year < from_year || year > to_year) return std::nullopt;
  int64_t date = 0;
  switch (kind) {
    case RuleKind::kFixed:
      date = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
      break;
    case RuleKind::kNthWeekday: {
      const int64_t first = DaysFromCivil(year, static_cast<unsigned>(month), 1);
      date = first + (weekday - WeekdayOf(first) + 7) % 7 + 7 * (nth - 1);
      break;
    }
    case RuleKind::kLastWeekday: {
      const int64_t last = (month == 12 ? DaysFromCivil(year + 1, 1, 1)
                                        : DaysFromCivil(year, static_cast<unsigned>(month + 1), 1)) - 1;
      date = last - (WeekdayOf(last) - weekday + 7) % 7;
      break;
    }
    case RuleKind::kEaster:
      date = EasterSunday(year);
      break;
  }
  date += offset_days;
  const int wd = WeekdayOf(date);
  if (observance == Observance::kNearestWeekday) {
    if (wd == 6) date -= 1;
    if (wd == 0) date += 1;
  } else if (observance == Observance::kSundayToMonday) {
    if (wd == 6) return std::nullopt;
    if (wd == 0) date += 1;
  }
  if (!(weekdays & (1 << WeekdayOf(date)))) return std::nullopt;
  return static_cast<int32_t>(date);
}

Status Calendar::Prepare() {
  ASSIGN_OR_RETURN(TimeZone tz, TimeZone::Locate(zone));
  tz_ = tz;
  const WeeklySchedule& w = week;
  if (w.open_minutes < 0 || w.open_minutes >= 1440 || w.close_minutes <= 0 || w.close_minutes > 1440 ||
      w.open_day_offset < -1 || w.open_day_offset > 0 ||
      (w.open_day_offset == 0 && w.open_minutes >= w.close_minutes)) {
    return Status::InvalidArgument("calendar '" + name + "': the session must open before it closes (open " +
                                   FormatMinutes(w.open_minutes) + ", close " + FormatMinutes(w.close_minutes) +
                                   ")");
  }
  return Status::OK();
}

std::map<int32_t, SpecialDay> Calendar::SpecialDaysForYears(int first_year, int last_year) const {
  std::map<int32_t, SpecialDay> out;
  // A closure beats an early close on the same date (July 3 observed as Independence Day
  // is closed, not a half day); of two early closes the earlier one wins.
  auto merge = [&](const SpecialDay& s) {
    auto [it, inserted] = out.emplace(s.date, s);
    if (inserted) return;
    SpecialDay& have = it->second;
    const bool better = have.close_minutes >= 0 && (s.close_minutes < 0 || s.close_minutes < have.close_minutes);
    if (better) have = s;
  };
  for (int y = first_year; y <= last_year; ++y) {
    for (const DayRule& r : rules) {
      if (auto d = r.DateIn(y)) {
        merge({*d, r.close_minutes == 0 ? early_close_minutes : r.close_minutes, r.name});
      }
    }
  }
  const int32_t lo = static_cast<int32_t>(DaysFromCivil(first_year, 1, 1));
  const int32_t hi = static_cast<int32_t>(DaysFromCivil(last_year + 1, 1, 1));
  for (auto it = special_days.lower_bound(lo); it != special_days.end() && it->first < hi; ++it) merge(it->second);
  return out;
}

Result<SessionList> Calendar::SessionsBetween(Micros from, Micros to) const {
  SessionList out;
  if (from >= to) return out;
  if (!tz_) return Status::Internal("calendar '" + name + "' was not prepared");
  constexpr Micros kMaxSpan = 300 * 366 * kMicrosPerDay;
  const Micros lo_limit = DaysFromCivil(1800, 1, 1) * kMicrosPerDay;
  const Micros hi_limit = DaysFromCivil(2400, 1, 1) * kMicrosPerDay;
  if (from < lo_limit || to > hi_limit || to - from > kMaxSpan) {
    return Status::InvalidArgument("sessions of '" + name + "' are computed for at most 300 years between 1800 and 2400 (asked " +
                                   FormatIsoUtc(from) + " to " + FormatIsoUtc(to) + ")");
  }
  // Trade dates whose session can overlap [from, to): zone offsets stay within +-1 day and
  // a session opens at most one day before its trade date.
  const int64_t first = FloorDiv(from, kMicrosPerDay) - 2;
  const int64_t last = FloorDiv(to, kMicrosPerDay) + 2;
  const auto special = SpecialDaysForYears(YearOf(first) - 1, YearOf(last) + 1);
  TimeZone tz = *tz_;  // LocalToUtc keeps a cache; this call's copy keeps the method const
  TimeZone::LocalKind kind;
  out.reserve(static_cast<size_t>(last - first + 1));
  auto special_it = special.lower_bound(static_cast<int32_t>(first));
  for (int64_t d = first; d <= last; ++d) {
    if (!(week.trade_weekdays & (1 << WeekdayOf(d)))) continue;
    while (special_it != special.end() && special_it->first < d) ++special_it;
    int close = week.close_minutes;
    bool early = false;
    if (special_it != special.end() && special_it->first == d) {
      if (special_it->second.close_minutes < 0) continue;  // closed all day
      early = special_it->second.close_minutes < close;
      close = special_it->second.close_minutes;
    }
    const Micros open_local = ((d + week.open_day_offset) * 1440 + week.open_minutes) * kMicrosPerMinute;
    const Micros close_local = (d * 1440 + close) * kMicrosPerMinute;
    if (close_local <= open_local) continue;  // an early close before the open: no session
    Session s;
    s.open = tz.LocalToUtc(open_local, INT64_MIN, &kind);
    s.close = tz.LocalToUtc(close_local, INT64_MIN, &kind);
    s.trade_date = static_cast<int32_t>(d);
    s.early_close = early;
    if (s.close <= from || s.open >= to) continue;
    out.push_back(s);
  }
  return out;
}

std::optional<Session> Calendar::SessionAt(Micros t) const {
  auto sessions = SessionsBetween(t, t + 1);
  if (!sessions.ok()) return std::nullopt;
  for (const Session& s : *sessions) {
    if (s.open <= t && t < s.close) return s;
  }
  return std::nullopt;
}

Result<int32_t> Calendar::TradeDateOf(Micros t) const {
  // Longest closure in the built-ins: 2001-09-11..14 plus a weekend.
  ASSIGN_OR_RETURN(SessionList sessions, SessionsBetween(t, t + 31 * kMicrosPerDay));
  for (const Session& s : sessions) {
    if (s.close > t) return s.trade_date;
  }
  return Status::NotFound("calendar '" + name + "' has no session within 31 days of " + FormatIsoUtc(t));
}

std::vector<SpecialDay> Calendar::SpecialDaysBetween(int32_t from_date, int32_t to_date) const {
  std::vector<SpecialDay> out;
  if (from_date > to_date) return out;
  for (const auto& [date, s] : SpecialDaysForYears(YearOf(from_date), YearOf(to_date))) {
    if (date >= from_date && date <= to_date) out.push_back(s);
  }
  return out;
}

std::string Calendar::HoursText() const {
  if (week.open_day_offset == -1) {
    // Sessions open the evening before their trade date: "Sun-Thu 18:00 to Mon-Fri 17:00".
    const uint8_t mask = week.trade_weekdays;
    const uint8_t open_days = static_cast<uint8_t>(((mask >> 1) | (mask << 6)) & 0x7f);
    return WeekdaysText(open_days) + " " + FormatMinutes(week.open_minutes) + " to " + WeekdaysText(mask) + " " +
           FormatMinutes(week.close_minutes) + " " + zone;
  }
  return WeekdaysText(week.trade_weekdays) + " " + FormatMinutes(week.open_minutes) + "-" +
         FormatMinutes(week.close_minutes) + " " + zone;
}

const Calendar* CalendarSet::Find(const std::string& name) const {
  for (const Calendar& c : calendars_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string CalendarSet::NamesText() const {
  std::vector<std::string> names;
  for (const Calendar& c : calendars_) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

Status CalendarSet::Extend(const CalendarExtension& ext) {
  if (ext.name.empty()) return Status::InvalidArgument("a calendar needs a name");
  for (char c : ext.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return Status::InvalidArgument("calendar name '" + ext.name +
                                     "' may hold only letters, digits, '_', '-' and '.'");
    }
  }
  Calendar* target = nullptr;
  if (ext.base.empty()) {
    for (Calendar& c : calendars_) {
      if (c.name == ext.name) target = &c;
    }
    if (!target) {
      return Status::InvalidArgument("calendar '" + ext.name + "' is not known; to define a new calendar, set base = one of " +
                                     NamesText());
    }
    target->source += ", extended at " + ext.source;
  } else {
    if (Find(ext.name)) {
      return Status::InvalidArgument("calendar '" + ext.name + "' already exists; drop 'base' to extend it");
    }
    const Calendar* base = Find(ext.base);
    if (!base) return Status::InvalidArgument("base calendar '" + ext.base + "' is not known; known: " + NamesText());
    Calendar c = *base;
    c.name = ext.name;
    c.source = ext.source + " (from " + ext.base + ")";
    calendars_.push_back(std::move(c));
    target = &calendars_.back();
  }
  if (!ext.description.empty()) target->description = ext.description;
  if (ext.open_minutes) target->week.open_minutes = *ext.open_minutes;
  if (ext.close_minutes) target->week.close_minutes = *ext.close_minutes;
  for (int32_t d : ext.extra_holidays) target->special_days[d] = {d, -1, "holiday (" + ext.source + ")"};
  for (const auto& [d, minutes] : ext.extra_early_closes) {
    target->special_days[d] = {d, minutes, "early close (" + ext.source + ")"};
  }
  return target->Prepare();
}

}  // namespace barlake::calendar
