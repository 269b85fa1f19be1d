// Time in barlake: int64 microseconds since the Unix epoch, UTC ("micros"). Every stored
// `ts` is a bar's open time in UTC.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "core/result.h"

namespace barlake {

using Micros = int64_t;
constexpr Micros kMicrosPerSecond = 1000000;
constexpr Micros kMicrosPerDay = 86400LL * kMicrosPerSecond;
/// The ends of an open time range ("from the first bar", "to after the last"): far enough
/// from the int64 limits that padding them (from - a day, to + a bar) cannot overflow.
constexpr Micros kOpenRangeStart = std::numeric_limits<Micros>::min() / 2;
constexpr Micros kOpenRangeEnd = std::numeric_limits<Micros>::max() / 2;

/// Days since 1970-01-01 for a proleptic Gregorian date (no validation).
int64_t DaysFromCivil(int y, unsigned m, unsigned d);
/// Days in month `m` (1..12) of year `y`, leap years included: 28 to 31.
int DaysInMonth(int y, int m);
/// The civil date of a day number.
void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d);

/// Format as ISO 8601 UTC with 'Z': 2024-01-15T14:30:00Z (fractions only when non-zero).
std::string FormatIsoUtc(Micros ts);

/// Parse "2024-01-15", "2024-01-15T14:30", "2024-01-15 14:30:00", with an optional
/// "Z" or "+hh:mm" suffix. Without a suffix the time is UTC. Used for --from/--to.
Result<Micros> ParseIsoUtc(const std::string& text);

}  // namespace barlake
