#include "schedule/timing.h"

#include <climits>

#include "core/time_zone.h"

namespace barlake::schedule {
namespace {

constexpr int kSearchDays = 400;

// Whether local date `day` (days since 1970-01-01 in the schedule's zone) has a slot.
Result<bool> DayAllowed(const registry::ScheduleSpec& spec, const calendar::Calendar* cal, int64_t day) {
  if (!(spec.days & (1u << calendar::WeekdayOf(day)))) return false;
  if (!cal) return true;
  // A trade date's session lies within a few days of the date itself (CME Globex opens the
  // evening before), so two days either side find it.
  ASSIGN_OR_RETURN(auto sessions, cal->SessionsBetween((day - 2) * kMicrosPerDay, (day + 3) * kMicrosPerDay));
  for (const auto& s : sessions) {
    if (s.trade_date == day) return true;
  }
  return false;
}

struct DailyClock {
  TimeZone zone;
  const calendar::Calendar* cal = nullptr;
};

Result<DailyClock> ClockOf(const registry::ScheduleSpec& spec, const calendar::CalendarSet& calendars) {
  ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Locate(spec.tz));
  DailyClock c{zone, nullptr};
  if (!spec.calendar.empty()) {
    c.cal = calendars.Find(spec.calendar);
    if (!c.cal) return Status::InvalidArgument("schedule " + spec.name + ": unknown calendar " + spec.calendar);
  }
  return c;
}

Micros SlotOn(DailyClock& c, const registry::ScheduleSpec& spec, int64_t day) {
  TimeZone::LocalKind kind;
  // A slot in a DST gap moves forward with the clock, one in the repeated hour takes its
  // first occurrence (core/time_zone.h's rule with no previous stamp).
  return c.zone.LocalToUtc(day * kMicrosPerDay + int64_t{spec.at_minutes} * 60 * kMicrosPerSecond, INT64_MIN, &kind);
}

int64_t LocalDayOf(const DailyClock& c, Micros now) {
  const Micros local = now + c.zone.OffsetAt(now) * kMicrosPerSecond;
  return local >= 0 ? local / kMicrosPerDay : (local - kMicrosPerDay + 1) / kMicrosPerDay;
}

Micros FloorTo(Micros t, Micros step) { return t >= 0 ? t / step * step : (t - step + 1) / step * step; }

}  // namespace

Result<std::optional<Micros>> PreviousSlot(const registry::ScheduleSpec& spec, const calendar::CalendarSet& calendars,
                                           Micros now) {
  if (spec.every_seconds > 0) return std::optional<Micros>(FloorTo(now, spec.every_seconds * kMicrosPerSecond));
  ASSIGN_OR_RETURN(DailyClock c, ClockOf(spec, calendars));
  const int64_t today = LocalDayOf(c, now);
  for (int64_t day = today + 1; day >= today - kSearchDays; --day) {
    const Micros slot = SlotOn(c, spec, day);
    if (slot > now) continue;
    ASSIGN_OR_RETURN(bool ok, DayAllowed(spec, c.cal, day));
    if (ok) return std::optional<Micros>(slot);
  }
  return std::optional<Micros>();
}

Result<std::optional<Micros>> NextSlot(const registry::ScheduleSpec& spec, const calendar::CalendarSet& calendars,
                                       Micros now) {
  if (spec.every_seconds > 0) {
    return std::optional<Micros>(FloorTo(now, spec.every_seconds * kMicrosPerSecond) + spec.every_seconds * kMicrosPerSecond);
  }
  ASSIGN_OR_RETURN(DailyClock c, ClockOf(spec, calendars));
  const int64_t today = LocalDayOf(c, now);
  for (int64_t day = today - 1; day <= today + kSearchDays; ++day) {
    const Micros slot = SlotOn(c, spec, day);
    if (slot <= now) continue;
    ASSIGN_OR_RETURN(bool ok, DayAllowed(spec, c.cal, day));
    if (ok) return std::optional<Micros>(slot);
  }
  return std::optional<Micros>();
}

Result<std::optional<Micros>> DueSlot(const registry::ScheduleSpec& spec, const calendar::CalendarSet& calendars,
                                      Micros now, Micros last_slot) {
  ASSIGN_OR_RETURN(auto prev, PreviousSlot(spec, calendars, now));
  if (!prev || (last_slot != 0 && *prev <= last_slot)) return std::optional<Micros>();
  return prev;
}

}  // namespace barlake::schedule
