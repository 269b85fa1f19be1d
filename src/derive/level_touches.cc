#include "derive/level_touches.h"

#include <algorithm>
#include <cmath>

#include "core/time_zone.h"
#include "derive/resampler.h"

namespace barlake::derive {

const char* LevelName(LevelKind kind) {
  switch (kind) {
    case kPriorHigh: return "prior_high";
    case kPriorLow: return "prior_low";
    case kPriorClose: return "prior_close";
    case kOvernightHigh: return "overnight_high";
    case kOvernightLow: return "overnight_low";
    default: return "?";
  }
}

Result<std::vector<SessionLevels>> ComputeLevelTouches(const BarColumns& bars, const calendar::SessionList& sessions,
                                                       const LevelOptions& options) {
  RETURN_IF_ERROR(CheckSessions(sessions));
  RETURN_IF_ERROR(CheckBars(bars));
  std::optional<TimeZone> zone;
  if (options.day_start_minutes) {
    if (*options.day_start_minutes < 0 || *options.day_start_minutes >= 24 * 60) {
      return Status::InvalidArgument("day session start must be between 00:00 and 23:59 (got " +
                                     std::to_string(*options.day_start_minutes) + " minutes)");
    }
    ASSIGN_OR_RETURN(TimeZone z, TimeZone::Locate(options.zone));
    zone.emplace(std::move(z));
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<SessionLevels> out;
  bool have_prior = false;
  double prior_high = nan, prior_low = nan, prior_close = nan;
  const size_t n = bars.size();
  size_t i = 0;
  for (const calendar::Session& s : sessions) {
    while (i < n && bars.ts[i] < s.open) ++i;  // bars before this session (outside any)
    const size_t first = i;
    while (i < n && bars.ts[i] < s.close) ++i;
    const size_t last = i;  // bars [first, last) are this session's
    if (first == last) continue;

    SessionLevels& row = out.emplace_back();
    row.trade_date = s.trade_date;
    row.session_open = s.open;
    row.session_close = s.close;
    row.day_start = s.open;
    if (zone) {
      const Micros local = static_cast<Micros>(s.trade_date) * kMicrosPerDay +
                           static_cast<Micros>(*options.day_start_minutes) * 60 * kMicrosPerSecond;
      TimeZone::LocalKind kind;
      row.day_start = std::clamp(zone->LocalToUtc(local, std::numeric_limits<Micros>::min(), &kind), s.open, s.close);
    }
    if (have_prior) {
      row.levels[kPriorHigh].price = prior_high;
      row.levels[kPriorLow].price = prior_low;
      row.levels[kPriorClose].price = prior_close;
    }
    size_t k = first;
    double on_high = -INFINITY, on_low = INFINITY;
    for (; k < last && bars.ts[k] < row.day_start; ++k) {
      on_high = std::max(on_high, bars.high[k]);
      on_low = std::min(on_low, bars.low[k]);
    }
    row.overnight_bars = static_cast<int64_t>(k - first);
    if (row.overnight_bars > 0) {
      row.levels[kOvernightHigh].price = on_high;
      row.levels[kOvernightLow].price = on_low;
    }
    row.day_bars = static_cast<int64_t>(last - k);
    for (; k < last; ++k) {
      for (LevelTouch& lv : row.levels) {
        // NaN compares false: absent levels are never touched.
        if (!lv.touched && bars.low[k] <= lv.price && lv.price <= bars.high[k]) {
          lv.touched = true;
          lv.first_touch = bars.ts[k];
        }
      }
    }
    prior_high = *std::max_element(bars.high.begin() + first, bars.high.begin() + last);
    prior_low = *std::min_element(bars.low.begin() + first, bars.low.begin() + last);
    prior_close = bars.close[last - 1];
    have_prior = true;
  }
  return out;
}

}  // namespace barlake::derive
