// Session: one trading session of a calendar, the unit that calendars produce and that
// the resampler, the session statistics and the health checks consume.
//
// It is a plain struct in its own header so that derive/ and health/ depend on the
// shape of a session, not on how calendars are defined or loaded (calendar/calendar.h).
#pragma once
#include <cstdint>
#include <vector>

#include "barlake/types.h"
#include "core/time_util.h"

namespace barlake::calendar {

/// The public type (barlake/types.h): one trading session, its open and close in UTC, its
/// trade date and whether it closed early or opened late.
using Session = barlake::Session;

/// Sessions are kept sorted by open, non-overlapping: sessions[i].close <= sessions[i+1].open.
using SessionList = std::vector<Session>;

}  // namespace barlake::calendar
