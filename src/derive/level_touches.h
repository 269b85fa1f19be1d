// LevelTouches: for every session, the reference levels traders watch (prior session
// high, low and close; overnight high and low) and whether, and when first, the day
// session traded through each of them (docs/derived.md).
//
//  * The day session starts at a local wall-clock time on the session's trade date, e.g.
//    09:30 America/New_York for CME index futures. Overnight = [session open, day start);
//    day = [day start, session close). The day start is clamped into the session; without
//    a day start (crypto, FX) there is no overnight part, overnight levels are absent and
//    touches are looked for over the whole session.
//  * Prior session = the previous session in the list that has bars; its high, low and
//    close are over the whole session (overnight included). The first session of the list
//    has no prior levels: pass one extra session (and its bars) before a sub-range.
//  * A bar touches a level when low <= level <= high. first_touch is the OPEN time of the
//    first day-session bar that touched it.
//  * Absent levels (no prior session, no overnight bars) have price NaN, touched false.
//  * Sessions without bars produce no row, as in SessionStats.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "calendar/session.h"
#include "core/bars.h"
#include "core/result.h"

namespace barlake::derive {

enum LevelKind : int { kPriorHigh = 0, kPriorLow, kPriorClose, kOvernightHigh, kOvernightLow, kNumLevels };

/// "prior_high", "prior_low", "prior_close", "overnight_high", "overnight_low".
const char* LevelName(LevelKind kind);

struct LevelOptions {
  /// Start of the day session, minutes after local midnight of the trade date in `zone`.
  /// nullopt: no overnight split.
  std::optional<int> day_start_minutes = 9 * 60 + 30;
  std::string zone = "America/New_York";
};

struct LevelTouch {
  double price = std::numeric_limits<double>::quiet_NaN();
  bool touched = false;
  Micros first_touch = 0;  // valid when touched
};

struct SessionLevels {
  int32_t trade_date = 0;
  Micros session_open = 0, day_start = 0, session_close = 0;
  int64_t overnight_bars = 0, day_bars = 0;
  std::array<LevelTouch, kNumLevels> levels;
};

/// Levels and touches of every session that has bars. Same input checks as Resample;
/// kInvalidArgument for an unknown zone or a day start outside 0..1439.
Result<std::vector<SessionLevels>> ComputeLevelTouches(const BarColumns& bars, const calendar::SessionList& sessions,
                                                       const LevelOptions& options);

}  // namespace barlake::derive
