// TimeZone: converts wall-clock stamps of a named IANA zone (tzdata) to UTC and back.
//
// The DST rule for local stamps (documented in docs/formats/time.md):
//  * Nonexistent local times (the spring-forward gap, e.g. 02:30 on the US change day)
//    are read with the offset in force just before the gap, so 02:30 EST-that-never-was
//    becomes 07:30 UTC (= 03:30 EDT). They are counted and reported, never dropped.
//  * Ambiguous local times (the fall-back hour occurs twice) take the earlier instant,
//    unless the file has already passed that instant (the previous stamp converted to a
//    time at or after it), in which case the later instant is taken. A chronological
//    file therefore keeps both hours; neither is merged or dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/time_util.h"

namespace date {
class time_zone;
}

namespace barlake {

class TimeZone {
 public:
  /// Look up an IANA zone name ("America/New_York", "UTC"). kInvalidArgument if unknown.
  static Result<TimeZone> Locate(const std::string& name);

  const std::string& name() const { return name_; }

  enum class LocalKind { kUnique, kNonexistent, kAmbiguous };

  /// Convert a local wall-clock time (micros since 1970-01-01 local) to UTC under the
  /// rule above. `previous_utc` is the last converted stamp of the same file (or
  /// INT64_MIN). Not thread-safe: keeps a cache of the current offset period.
  Micros LocalToUtc(Micros local, Micros previous_utc, LocalKind* kind);

  /// The UTC offset in seconds in force at a UTC instant.
  int64_t OffsetAt(Micros utc) const;
  /// Format a UTC instant as local ISO 8601 with its offset: 2024-01-15T09:30:00-05:00.
  std::string FormatLocal(Micros utc) const;

 private:
  TimeZone(const date::time_zone* zone, std::string name) : zone_(zone), name_(std::move(name)) {}
  const date::time_zone* zone_;  // owned by the process-wide tz database; never null
  std::string name_;
  // Cache: local times in [cache_begin_, cache_end_) map uniquely with cache_offset_.
  Micros cache_begin_ = 1;
  Micros cache_end_ = 0;
  Micros cache_offset_ = 0;
};

}  // namespace barlake
