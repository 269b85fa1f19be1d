#include "demo/sample_data.h"

#include <fmt/format.h>

#include <cmath>
#include <random>

#include "core/time_util.h"
#include "core/time_zone.h"

namespace barlake::demo {
namespace {

// 0 = Sunday for a day number since 1970-01-01 (a Thursday).
int Weekday(int64_t days) { return static_cast<int>(((days % 7) + 11) % 7); }

bool InCmeSession(int64_t ny_local_minutes_since_epoch) {
  const int64_t day = ny_local_minutes_since_epoch / 1440;
  const int64_t minute = ny_local_minutes_since_epoch % 1440;
  const int wd = Weekday(day);
  const bool after_open = minute >= 18 * 60;
  const bool before_close = minute < 17 * 60;
  if (wd == 6) return false;                 // Saturday
  if (wd == 0) return after_open;            // Sunday evening open
  if (wd == 5) return before_close;          // Friday close
  return before_close || after_open;         // daily break 17:00-18:00
}

bool IsHoliday(int64_t ny_local_day) {
  int y;
  unsigned m, d;
  CivilFromDays(ny_local_day, &y, &m, &d);
  return (m == 12 && d == 25) || (m == 1 && d == 1) || (m == 7 && d == 4);
}

}  // namespace

Result<std::string> MakeNinjaTraderExport(const SampleSpec& spec, int64_t* rows) {
  ASSIGN_OR_RETURN(TimeZone ny, TimeZone::Locate("America/New_York"));
  ASSIGN_OR_RETURN(TimeZone out_tz, TimeZone::Locate(spec.export_tz));
  std::mt19937_64 rng(spec.seed);
  std::normal_distribution<double> step(0.0, spec.minute_volatility / 2.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int64_t first_day =
      DaysFromCivil(spec.start_year, static_cast<unsigned>(spec.start_month), static_cast<unsigned>(spec.start_day));
  const int64_t first_minute = first_day * 1440;
  const int64_t last_minute = (first_day + spec.days) * 1440;
  const double tick = spec.start_price >= 1000 ? 0.25 : 0.01;
  auto round_tick = [&](double p) { return std::round(p / tick) * tick; };
  double price = spec.start_price;
  fmt::memory_buffer out;
  out.reserve(static_cast<size_t>(spec.days) * 1400 * 48);
  int64_t n = 0;
  int64_t ny_offset = 0, out_offset = 0;
  size_t session = 0;  // with spec.sessions: the first that has not closed
  for (int64_t m = first_minute; m < last_minute; ++m) {
    const Micros open_utc = m * 60 * kMicrosPerSecond;
    if (m % 60 == 0 || m % 60 == 59 || m == first_minute) {  // offsets change on the hour
      ny_offset = ny.OffsetAt(open_utc) / 60;
      out_offset = out_tz.OffsetAt(open_utc + 60 * kMicrosPerSecond) / 60;
    }
    const int64_t ny_local = m + ny_offset;
    if (spec.sessions) {
      const auto& s = *spec.sessions;
      while (session < s.size() && s[session].close <= open_utc) ++session;
      if (session == s.size() || s[session].open > open_utc) continue;
    } else if (spec.cme_session && (!InCmeSession(ny_local) || IsHoliday(ny_local / 1440))) {
      continue;
    }
    // Four sub-steps make a plausible intra-minute path.
    const double o = round_tick(price);
    double hi = o, lo = o, p = price;
    for (int k = 0; k < 4; ++k) {
      p *= std::exp(step(rng));
      hi = std::max(hi, round_tick(p));
      lo = std::min(lo, round_tick(p));
    }
    price = p;
    const double c = round_tick(p);
    hi = std::max(hi, c);
    lo = std::min(lo, c);
    const int64_t vol = 1 + static_cast<int64_t>(unit(rng) * 400 * (1 + (hi - lo) / tick));
    // NinjaTrader stamps the bar's close time in the exporting PC's zone.
    const int64_t close_local = m + 1 + out_offset;
    const int64_t day = close_local / 1440;
    const int64_t mod = close_local % 1440;
    int y;
    unsigned mo, d;
    CivilFromDays(day, &y, &mo, &d);
    fmt::format_to(std::back_inserter(out), "{:04d}{:02d}{:02d} {:02d}{:02d}00;{};{};{};{};{}\n", y, mo,
                   d, mod / 60, mod % 60, o, hi, lo, c, vol);
    ++n;
  }
  if (rows) *rows = n;
  return fmt::to_string(out);
}

}  // namespace barlake::demo
