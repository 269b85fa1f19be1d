#include "derive/session_stats.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "derive/resampler.h"

namespace barlake::derive {
namespace {

// Digits after the point in the shortest text that reads back as v ("4800.25" -> 2).
int Decimals(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  const std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  if (s.find_first_of("eE") != std::string_view::npos) return 10;
  const auto dot = s.find('.');
  return dot == std::string_view::npos ? 0 : static_cast<int>(s.size() - dot - 1);
}

}  // namespace

double PriceDifference(double high, double low) {
  const int d = std::min(10, std::max(Decimals(high), Decimals(low)));
  const double scale = std::pow(10.0, d);
  return std::round((high - low) * scale) / scale;
}

Result<SessionStats> ComputeSessionStats(const BarColumns& bars, const calendar::SessionList& sessions) {
  RETURN_IF_ERROR(CheckSessions(sessions));
  RETURN_IF_ERROR(CheckBars(bars));
  SessionStats out;
  out.sessions.reserve(sessions.size());
  const size_t n = bars.size();
  size_t cursor = 0;
  SessionStat* cur = nullptr;
  size_t cur_session = sessions.size();  // index of the session `cur` belongs to
  for (size_t i = 0; i < n; ++i) {
    const Micros t = bars.ts[i];
    while (cursor < sessions.size() && sessions[cursor].close <= t) ++cursor;
    if (cursor == sessions.size() || sessions[cursor].open > t) {
      ++out.bars_outside_sessions;
      continue;
    }
    if (cursor != cur_session) {
      const calendar::Session& s = sessions[cursor];
      cur_session = cursor;
      cur = &out.sessions.emplace_back();
      cur->trade_date = s.trade_date;
      cur->session_open = s.open;
      cur->session_close = s.close;
      cur->early_close = s.early_close;
      cur->late_open = s.late_open;
      cur->open = bars.open[i];
      cur->high = bars.high[i];
      cur->low = bars.low[i];
      cur->high_time = cur->low_time = cur->first_bar = t;
    }
    // Strict comparisons keep the first bar that reached an extreme.
    if (bars.high[i] > cur->high) cur->high = bars.high[i], cur->high_time = t;
    if (bars.low[i] < cur->low) cur->low = bars.low[i], cur->low_time = t;
    cur->close = bars.close[i];
    cur->volume += bars.volume[i];
    cur->last_bar = t;
    ++cur->bars;
  }
  for (auto& s : out.sessions) s.range = PriceDifference(s.high, s.low);
  return out;
}

}  // namespace barlake::derive
