// Alignment check: before new bars are merged into stored ones, make sure the two agree
// on what time each bar is. When they overlap and mostly disagree, look for a shift (whole
// hours up to +-14, or one bar for open/close stamping) under which they agree; if one
// explains the difference, the import is refused with the fix (--tz ZONE or --stamp).
// A wrong zone is the classic silent error: every bar is off by hours and nobody notices.
#pragma once

#include <cstdint>
#include <string>

#include "core/bars.h"
#include "core/timeframe.h"

namespace barlake::lake {

struct AlignmentResult {
  bool checked = false;        // enough overlap to judge
  int64_t overlapping = 0;     // sampled new bars whose stamp exists in the stored bars
  int64_t agreeing = 0;        // ... of which have the same prices
  int64_t shift_seconds = 0;   // a shift that explains the disagreement (0: none found)
  int64_t agreeing_shifted = 0;
  std::string message;         // set when a shift explains it: what is wrong and the fix
};

/// `stored` and `incoming` sorted by ts. `source_tz` is the zone the file was read in.
AlignmentResult CheckAlignment(const BarColumns& stored, const BarColumns& incoming, const Timeframe& tf,
                               const std::string& source_tz, const std::string& file_label);

/// A common zone (the ones alignment messages name) other than `not_this` whose UTC
/// offset at `when` is `offset_seconds`; empty when none is.
std::string CommonZoneWithOffset(Micros when, int64_t offset_seconds, const std::string& not_this);

}  // namespace barlake::lake
