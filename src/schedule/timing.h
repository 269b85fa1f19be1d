// When a schedule is due: pure functions of a [[schedule]] table, the calendars and a
// clock reading, so the due logic is tested with a simulated clock (tests/schedule).
//
// Slots: `every = "5m"` has a slot at every multiple of 5 minutes since the Unix epoch
// (UTC), so runs line up on the clock (10:00, 10:05, ...) whoever started them. `at =
// "18:10"` has one slot per local date in `tz`, on the weekdays of `days`, and with
// `calendar` only on that calendar's trade dates (a holiday has none).
//
// Due: the latest slot at or before now is after the slot of the last run. After downtime
// only the latest missed slot is due, so a missed run is made up once, not once per slot.
// A schedule that never ran is due at once (its latest slot counts as missed).
#pragma once

#include <optional>

#include "calendar/calendar.h"
#include "core/result.h"
#include "core/time_util.h"
#include "registry/schedule_config.h"

namespace barlake::schedule {

/// The latest slot at or before `now`; nullopt when there is none in the last 400 days (a
/// calendar with no trade date on the chosen days).
Result<std::optional<Micros>> PreviousSlot(const registry::ScheduleSpec& spec, const calendar::CalendarSet& calendars,
                                           Micros now);
/// The first slot after `now`; nullopt when there is none in the next 400 days.
Result<std::optional<Micros>> NextSlot(const registry::ScheduleSpec& spec, const calendar::CalendarSet& calendars,
                                       Micros now);

/// The slot to run now, if any: the latest slot at or before `now` when it is after
/// `last_slot` (0: the schedule never ran).
Result<std::optional<Micros>> DueSlot(const registry::ScheduleSpec& spec, const calendar::CalendarSet& calendars,
                                      Micros now, Micros last_slot);

}  // namespace barlake::schedule
