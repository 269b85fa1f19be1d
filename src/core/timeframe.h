// Timeframe: the bar interval of a dataset ("1m", "5m", "1h", "4h", "1d", "1w").
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace barlake {

class Timeframe {
 public:
  /// Parse "<N>m", "<N>h", "1d" or "1w" (N >= 1). Anything else is kInvalidArgument.
  static Result<Timeframe> Parse(const std::string& text);

  int64_t seconds() const { return seconds_; }
  int64_t micros() const { return seconds_ * 1000000; }
  const std::string& name() const { return name_; }
  /// Daily and weekly bars are stamped with their session date (00:00 UTC) and live in
  /// year partitions; everything below a day lives in month partitions.
  bool is_daily_or_longer() const { return seconds_ >= 86400; }

  bool operator==(const Timeframe& o) const { return seconds_ == o.seconds_; }

 private:
  Timeframe(int64_t seconds, std::string name) : seconds_(seconds), name_(std::move(name)) {}
  int64_t seconds_;
  std::string name_;
};

}  // namespace barlake
