// Sample data the project makes itself: realistic 1-minute futures bars written as
// NinjaTrader 8 exports, for `barlake demo`, the benchmarks and the tests. Deterministic
// for a given spec (seeded RNG), so tests can compare exact values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "barlake/types.h"
#include "core/result.h"

namespace barlake::demo {

struct SampleSpec {
  std::string symbol = "ES";
  int start_year = 2023, start_month = 1, start_day = 1;  // first UTC day generated
  int days = 365;                                          // number of calendar days
  double start_price = 4000.0;
  double minute_volatility = 0.0004;  // stdev of one-minute log returns
  uint64_t seed = 1;
  /// The exporting PC's zone (NinjaTrader stamps bar close times in it).
  std::string export_tz = "America/Los_Angeles";
  /// CME Globex hours in New York time: Sunday 18:00 to Friday 17:00, daily break
  /// 17:00-18:00. When false every minute is a bar (24/7 crypto style).
  bool cme_session = true;
  /// When set (sorted, e.g. a calendar's SessionsBetween), a minute is generated exactly
  /// when it lies in one of these sessions, so the data follows the calendar's holidays,
  /// early closes and late opens (`barlake demo`: a fresh vault's health is clean).
  /// Overrides cme_session. Not owned.
  const std::vector<Session>* sessions = nullptr;
};

/// Generate the bars and return the file contents (no I/O).
/// `rows` receives the number of lines written.
Result<std::string> MakeNinjaTraderExport(const SampleSpec& spec, int64_t* rows);

}  // namespace barlake::demo
