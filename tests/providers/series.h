// Answers generated the way the providers page them, over a deterministic price series
// (the bodies' shapes are those of the recorded answers in tests/data/providers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace barlake::testutil {

/// The price of the bar opening at `t` (epoch seconds): a gentle zigzag, so no bar looks
/// like a bad tick to the validator.
inline double SeriesPrice(int64_t t) {
  const int64_t k = (t / 60) % 96;
  return 100.0 + static_cast<double>(k < 48 ? k : 96 - k) * 0.25;
}

inline std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.8f", v);
  return buf;
}

/// Binance /api/v3/klines over bars every `step_ms` from `first_ms` to `last_open_ms`:
/// the oldest `limit` bars with startTime <= open <= endTime, prices times `factor`.
inline std::string BinanceKlines(int64_t start_ms, int64_t end_ms, int limit, int64_t step_ms, int64_t first_ms,
                                 int64_t last_open_ms, double factor = 1) {
  nlohmann::json arr = nlohmann::json::array();
  int64_t t = std::max(first_ms, start_ms);
  if ((t - first_ms) % step_ms) t += step_ms - (t - first_ms) % step_ms;
  for (; t <= end_ms && t <= last_open_ms && static_cast<int>(arr.size()) < limit; t += step_ms) {
    const double p = SeriesPrice(t / 1000);
    arr.push_back({t, Num(factor * p), Num(factor * (p + 0.5)), Num(factor * (p - 0.5)), Num(factor * (p + 0.25)),
                   "10.00000000", t + step_ms - 1,
                   "1000.0", 5, "5.0", "500.0", "0"});
  }
  return arr.dump();
}

/// A Yahoo chart v8 answer with bars every `step` seconds in [period1, period2) (daily and
/// longer: weekdays at 14:30 UTC), regularMarketTime `market_time`, prices times `factor`.
inline std::string YahooChart(const std::string& symbol, const std::string& granularity, int64_t step,
                              int64_t period1, int64_t period2, int64_t market_time, double factor = 1) {
  std::vector<int64_t> ts;
  std::vector<double> o, h, l, c, v;
  const bool daily = step >= 86400;
  int64_t t = daily ? (period1 / 86400) * 86400 + 52200 : ((period1 + step - 1) / step) * step;
  if (daily && t < period1) t += 86400;
  for (; t < period2; t += daily ? 86400 : step) {
    const int64_t weekday = (t / 86400 + 4) % 7;  // 0 = Sunday
    if (daily && (weekday == 0 || weekday == 6)) continue;
    const double p = SeriesPrice(daily ? t / 86400 * 60 : t);
    ts.push_back(t);
    o.push_back(factor * p);
    h.push_back(factor * (p + 0.5));
    l.push_back(factor * (p - 0.5));
    c.push_back(factor * (p + 0.25));
    v.push_back(1000);
  }
  nlohmann::json meta = {{"currency", "USD"},          {"symbol", symbol},
                         {"exchangeName", "NMS"},      {"instrumentType", "EQUITY"},
                         {"regularMarketTime", market_time}, {"gmtoffset", -18000},
                         {"timezone", "EST"},          {"exchangeTimezoneName", "America/New_York"},
                         {"dataGranularity", granularity}};
  nlohmann::json result = {{"meta", meta},
                           {"indicators", {{"quote", {{{"open", o}, {"high", h}, {"low", l}, {"close", c},
                                                        {"volume", v}}}}}}};
  if (!ts.empty()) result["timestamp"] = ts;
  return nlohmann::json{{"chart", {{"result", {result}}, {"error", nullptr}}}}.dump();
}

}  // namespace barlake::testutil
