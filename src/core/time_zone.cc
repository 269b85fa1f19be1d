#include "core/time_zone.h"

#include <date/tz.h>

#include "core/text.h"

#include <cstdio>
#include <limits>

namespace barlake {

using std::chrono::microseconds;
using std::chrono::seconds;

Result<TimeZone> TimeZone::Locate(const std::string& name) {
  try {
    const date::time_zone* zone = date::locate_zone(name);
    return TimeZone(zone, name);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("unknown time zone " + QuoteBytes(name) +
                                   "; use an IANA name such as America/New_York, "
                                   "America/Los_Angeles or UTC");
  }
}

Micros TimeZone::LocalToUtc(Micros local, Micros previous_utc, LocalKind* kind) {
  if (local >= cache_begin_ && local < cache_end_) {
    *kind = LocalKind::kUnique;
    return local - cache_offset_;
  }
  const date::local_time<microseconds> lt{microseconds(local)};
  const date::local_info info = zone_->get_info(date::floor<seconds>(lt));
  switch (info.result) {
    case date::local_info::unique: {
      *kind = LocalKind::kUnique;
      const Micros off = std::chrono::duration_cast<microseconds>(info.first.offset).count();
      // The local interval over which this offset holds, clipped to avoid overflow.
      const auto b = info.first.begin.time_since_epoch();
      const auto e = info.first.end.time_since_epoch();
      const Micros lo = std::numeric_limits<Micros>::min() / 4;
      const Micros hi = std::numeric_limits<Micros>::max() / 4;
      const Micros bm = std::chrono::duration_cast<microseconds>(b).count();
      const Micros em = std::chrono::duration_cast<microseconds>(e).count();
      cache_begin_ = (b <= seconds(lo / 1000000)) ? lo : bm + off;
      cache_end_ = (e >= seconds(hi / 1000000)) ? hi : em + off;
      // Near a transition the local ranges of neighbouring periods overlap (ambiguous)
      // or leave a hole (nonexistent); never cache across either.
      cache_begin_ += 3600LL * 3 * kMicrosPerSecond;
      cache_end_ -= 3600LL * 3 * kMicrosPerSecond;
      cache_offset_ = off;
      return local - off;
    }
    case date::local_info::nonexistent: {
      *kind = LocalKind::kNonexistent;
      const Micros off = std::chrono::duration_cast<microseconds>(info.first.offset).count();
      return local - off;
    }
    case date::local_info::ambiguous:
    default: {
      *kind = LocalKind::kAmbiguous;
      const Micros early = local - std::chrono::duration_cast<microseconds>(info.first.offset).count();
      const Micros late = local - std::chrono::duration_cast<microseconds>(info.second.offset).count();
      return (previous_utc >= early) ? late : early;
    }
  }
}

int64_t TimeZone::OffsetAt(Micros utc) const {
  const date::sys_time<microseconds> st{microseconds(utc)};
  return zone_->get_info(date::floor<seconds>(st)).offset.count();
}

std::string TimeZone::FormatLocal(Micros utc) const {
  const int64_t off = OffsetAt(utc);
  std::string s = FormatIsoUtc(utc + off * kMicrosPerSecond);
  s.pop_back();  // drop 'Z'
  char buf[16];
  const int64_t a = off < 0 ? -off : off;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', static_cast<int>(a / 3600),
                static_cast<int>(a / 60 % 60));
  return s + buf;
}

}  // namespace barlake
