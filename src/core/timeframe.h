// Timeframe: the bar interval of a dataset ("1m", "5m", "1h", "4h", "1d", "1w", "1mo").
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace barlake {

class Timeframe {
 public:
  /// Parse "<N>m", "<N>h", "1d", "1w" or "1mo" (N >= 1). Anything else is kInvalidArgument.
  static Result<Timeframe> Parse(const std::string& text);

  int64_t seconds() const { return seconds_; }
  int64_t micros() const { return seconds_ * 1000000; }
  const std::string& name() const { return name_; }
  /// Daily and weekly bars are stamped with their session date (00:00 UTC) and live in
  /// year partitions; everything below a day lives in month partitions.
  bool is_daily_or_longer() const { return seconds_ >= 86400; }
  /// Monthly bars ("1mo") are stamped with the first day of their month (00:00 UTC, the
  /// date convention of daily bars) and live in year partitions. Months differ in length:
  /// seconds() is a nominal 31 days, the longest, so a month is never "closer than a bar".
  bool is_monthly() const { return monthly_; }

  bool operator==(const Timeframe& o) const { return seconds_ == o.seconds_ && monthly_ == o.monthly_; }

 private:
  Timeframe(int64_t seconds, std::string name, bool monthly = false)
      : seconds_(seconds), name_(std::move(name)), monthly_(monthly) {}
  int64_t seconds_;
  std::string name_;
  bool monthly_ = false;
};

/// True when `ts` (UTC micros) is 00:00 on the first day of a month: a 1mo bar's stamp.
bool IsMonthStart(int64_t ts);

}  // namespace barlake
