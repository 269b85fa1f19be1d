#include "lake/alignment.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "core/time_zone.h"

namespace barlake::lake {
namespace {

bool Same(double a, double b) { return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b)); }

// Zones worth naming in a suggestion, most common sources first.
const char* kZones[] = {"America/New_York", "America/Chicago",  "America/Denver",  "America/Los_Angeles",
                        "UTC",              "Europe/London",    "Europe/Berlin",   "Europe/Moscow",
                        "Asia/Kolkata",     "Asia/Shanghai",    "Asia/Tokyo",      "Australia/Sydney",
                        "Pacific/Auckland", "America/Sao_Paulo", "Asia/Dubai",     "Asia/Singapore"};

}  // namespace

std::string CommonZoneWithOffset(Micros when, int64_t offset_seconds, const std::string& not_this) {
  for (const char* z : kZones) {
    auto zone = TimeZone::Locate(z);
    if (zone.ok() && zone->name() != not_this && zone->OffsetAt(when) == offset_seconds) return z;
  }
  return "";
}

AlignmentResult CheckAlignment(const BarColumns& stored, const BarColumns& in, const Timeframe& tf,
                               const std::string& source_tz, const std::string& file_label) {
  AlignmentResult r;
  if (stored.empty() || in.empty()) return r;
  std::unordered_map<Micros, size_t> at;
  at.reserve(stored.size() * 2);
  for (size_t i = 0; i < stored.size(); ++i) at.emplace(stored.ts[i], i);
  // Sample the new bars inside the stored range (at most ~5000, evenly).
  std::vector<size_t> sample;
  const Micros lo = stored.ts.front(), hi = stored.ts.back();
  size_t first = static_cast<size_t>(std::lower_bound(in.ts.begin(), in.ts.end(), lo) - in.ts.begin());
  size_t last = static_cast<size_t>(std::upper_bound(in.ts.begin(), in.ts.end(), hi) - in.ts.begin());
  if (last <= first) return r;
  const size_t step = std::max<size_t>(1, (last - first) / 5000);
  for (size_t i = first; i < last; i += step) sample.push_back(i);
  auto count = [&](Micros shift, int64_t* present) {
    int64_t agree = 0, seen = 0;
    for (size_t i : sample) {
      auto it = at.find(in.ts[i] + shift);
      if (it == at.end()) continue;
      ++seen;
      const size_t j = it->second;
      agree += Same(in.open[i], stored.open[j]) && Same(in.high[i], stored.high[j]) &&
               Same(in.low[i], stored.low[j]) && Same(in.close[i], stored.close[j]);
    }
    if (present) *present = seen;
    return agree;
  };
  r.agreeing = count(0, &r.overlapping);
  if (r.overlapping < 10) return r;
  r.checked = true;
  if (r.agreeing >= r.overlapping * 8 / 10) return r;  // they agree: nothing to explain
  // Candidate shifts: one bar (open vs close stamps), whole hours (zones).
  std::vector<int64_t> shifts = {tf.seconds(), -tf.seconds()};
  for (int h = -14; h <= 14; ++h) {
    if (h != 0 && h * 3600 != tf.seconds() && -h * 3600 != tf.seconds()) shifts.push_back(h * 3600LL);
  }
  for (int64_t s : shifts) {
    int64_t present = 0;
    const int64_t agree = count(s * kMicrosPerSecond, &present);
    if (agree > r.agreeing_shifted && agree >= 10 && agree >= present * 8 / 10 && agree > 2 * r.agreeing) {
      r.agreeing_shifted = agree;
      r.shift_seconds = s;
    }
  }
  if (r.shift_seconds == 0) return r;
  const int64_t s = r.shift_seconds;
  const std::string ratio = std::to_string(r.agreeing_shifted) + " of the sampled bars agree once shifted, " +
                            std::to_string(r.agreeing) + " as read";
  if (s == tf.seconds() || s == -tf.seconds()) {
    // parsed + s = stored: s > 0 means the file's bars came out one bar early, i.e. they
    // were read as close times but are open times.
    r.message = "'" + file_label + "' disagrees with the stored bars, but its bars match them one bar " +
                (s > 0 ? "later" : "earlier") + " (" + ratio + "): its stamps look like bar " +
                (s > 0 ? "open" : "close") + " times; run again with --stamp " + (s > 0 ? "open" : "close");
    return r;
  }
  const int64_t hours = std::llabs(s) / 3600;
  std::string zone_hint;
  auto src = TimeZone::Locate(source_tz);
  if (src.ok()) {
    const Micros when = in.ts[sample[sample.size() / 2]];
    const int64_t want = src->OffsetAt(when) - s;
    for (const char* z : kZones) {
      auto zone = TimeZone::Locate(z);
      if (zone.ok() && zone->name() != source_tz && zone->OffsetAt(when) == want) {
        zone_hint = std::string(": its stamps look like ") + z + ", not " + source_tz + "; run again with --tz " + z;
        break;
      }
    }
  }
  if (zone_hint.empty()) {
    zone_hint = "; run again with the --tz of the machine that exported it (" + source_tz + " was used)";
  }
  r.message = "'" + file_label + "' runs " + std::to_string(hours) + " hour" + (hours == 1 ? "" : "s") + " " +
              (s > 0 ? "behind" : "ahead of") + " the stored bars (" + ratio + ")" + zone_hint;
  return r;
}

}  // namespace barlake::lake
