#include "validate/spike_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace barlake::validate {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return NAN;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    m = (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
  }
  return m;
}

bool NearRatio(double value, double reference, double ratio, double tolerance) {
  if (reference <= 0 || value <= 0) return false;  // units only make sense for positive prices
  const double r = value / reference;
  return std::fabs(r / ratio - 1) <= tolerance || std::fabs(r * ratio - 1) <= tolerance;
}

std::string Num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8g", x);
  return buf;
}

}  // namespace

std::vector<SpikeFinding> FindSpikes(const BarColumns& b, const SpikeOptions& opt) {
  std::vector<SpikeFinding> out;
  const size_t n = b.size();
  if (n < 3) return out;
  const size_t k = static_cast<size_t>(std::max(1, opt.neighbours));
  static const char* kNames[] = {"open", "high", "low", "close"};
  std::vector<double> before, after, moves, ranges;
  // Prefilter: every finding needs a price at least spike_min_fraction (or a unit ratio)
  // away from the neighbouring level, so a bar within half that of both adjacent closes
  // is skipped without computing medians. Keeps the detector at a few ns per bar.
  const double pre = opt.spike_min_fraction / 2;
  auto near_close = [&](size_t i, size_t j) {
    const double ref = b.close[j];
    const double lim = pre * std::fabs(ref);
    return std::fabs(b.open[i] - ref) <= lim && std::fabs(b.high[i] - ref) <= lim &&
           std::fabs(b.low[i] - ref) <= lim && std::fabs(b.close[i] - ref) <= lim;
  };
  // Also compare three bars away, so the middle of a short plateau of bad prints (several
  // bars at the wrong level) is not skipped for resembling its equally wrong neighbours.
  auto near_at = [&](size_t i, std::ptrdiff_t d) {
    const std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i) + d;
    if (j < 0 || j >= static_cast<std::ptrdiff_t>(n)) return true;
    return near_close(i, static_cast<size_t>(j));
  };
  for (size_t i = 0; i < n; ++i) {
    if (near_at(i, -1) && near_at(i, 1) && near_at(i, -3) && near_at(i, 3)) continue;
    before.clear();
    after.clear();
    moves.clear();
    for (size_t j = i >= k ? i - k : 0; j < i; ++j) before.push_back(b.close[j]);
    for (size_t j = i + 1; j < n && j <= i + k; ++j) after.push_back(b.close[j]);
    if (before.size() + after.size() < 2) continue;
    const double mb = before.empty() ? NAN : Median(before);
    const double ma = after.empty() ? NAN : Median(after);
    const double ref = std::isnan(mb) ? ma : std::isnan(ma) ? mb : (mb + ma) / 2;
    // Local scale: typical close-to-close move around the bar, without the bar itself.
    const size_t lo = i >= 2 * k ? i - 2 * k : 0, hi = std::min(n - 1, i + 2 * k);
    for (size_t j = lo + 1; j <= hi; ++j) {
      if (j == i || j == i + 1) continue;
      moves.push_back(std::fabs(b.close[j] - b.close[j - 1]));
    }
    // Floors: a series whose closes do not move (an illiquid quote, a settlement series)
    // has a median move of 0, which would make every high or low a "bad tick". The
    // neighbours' own bar ranges and a relative tick (1e-4 of the level) bound it below.
    ranges.clear();
    for (size_t j = lo; j <= hi; ++j) {
      if (j != i) ranges.push_back(std::fabs(b.high[j] - b.low[j]));
    }
    const double scale = std::max({moves.empty() ? 0.0 : Median(moves),
                                   ranges.empty() ? 0.0 : Median(ranges) / 4,
                                   1e-4 * std::fabs(ref), 1e-9});
    const double values[4] = {b.open[i], b.high[i], b.low[i], b.close[i]};

    // Unit errors: a field at ~100x (or 1/100) of the level, or a bar spanning that ratio.
    bool unit = false;
    for (int f = 0; f < 4 && !unit; ++f) {
      if (NearRatio(values[f], ref, opt.unit_ratio, opt.unit_tolerance)) {
        out.push_back({i, SpikeKind::kUnitError, kNames[f], values[f], ref,
                       std::string(kNames[f]) + " " + Num(values[f]) + " is about " +
                           Num(values[f] > ref ? values[f] / ref : ref / values[f]) +
                           "x the neighbouring level " + Num(ref) + " (a unit error, e.g. GBp vs GBP)"});
        unit = true;
      }
    }
    if (!unit && b.low[i] > 0 && NearRatio(b.high[i], b.low[i], opt.unit_ratio, opt.unit_tolerance)) {
      out.push_back({i, SpikeKind::kUnitError, "high", b.high[i], b.low[i],
                     "high " + Num(b.high[i]) + " and low " + Num(b.low[i]) +
                         " of the same bar are about " + Num(b.high[i] / b.low[i]) + "x apart (a unit error)"});
      unit = true;
    }
    if (unit) continue;

    // Bad ticks: far from the level, far in local volatility, and the price returns. Highs
    // are judged against the neighbours' highs and lows against their lows (a bar's range
    // around a flat close is no spike); open and close against the closes.
    auto side_levels = [&](const std::vector<double>& col, double* level_before, double* level_after) {
      before.clear();
      after.clear();
      for (size_t j = i >= k ? i - k : 0; j < i; ++j) before.push_back(col[j]);
      for (size_t j = i + 1; j < n && j <= i + k; ++j) after.push_back(col[j]);
      *level_before = before.empty() ? NAN : Median(before);
      *level_after = after.empty() ? NAN : Median(after);
    };
    double lb[4] = {mb, mb, mb, mb}, la[4] = {ma, ma, ma, ma};
    side_levels(b.high, &lb[1], &la[1]);
    side_levels(b.low, &lb[2], &la[2]);
    double refs[4];
    for (int f = 0; f < 4; ++f) {
      refs[f] = std::isnan(lb[f]) ? la[f] : std::isnan(la[f]) ? lb[f] : (lb[f] + la[f]) / 2;
    }
    int worst = -1;
    double worst_dist = 0;
    for (int f = 0; f < 4; ++f) {
      const double d = std::fabs(values[f] - refs[f]);
      if (d > worst_dist) {
        worst_dist = d;
        worst = f;
      }
    }
    if (worst < 0) continue;
    const double level = refs[worst];
    const bool far_in_scale = worst_dist > opt.spike_scale_multiple * scale;
    const bool far_in_level = worst_dist > opt.spike_min_fraction * std::fabs(level);
    // At the first and last bars only one side is known, so "the price returns" cannot be
    // told from a genuine move: no bad-tick verdict there (unit errors are still found).
    const bool returns = !std::isnan(lb[worst]) && !std::isnan(la[worst]) &&
                         std::fabs(la[worst] - lb[worst]) < opt.return_fraction * worst_dist;
    if (far_in_scale && far_in_level && returns) {
      out.push_back({i, SpikeKind::kBadTick, kNames[worst], values[worst], level,
                     std::string(kNames[worst]) + " " + Num(values[worst]) + " is " +
                         Num(worst_dist / scale) + " typical moves (" + Num(scale) + ") from the level " +
                         Num(level) + " before and after it, and the price returns (a bad tick)"});
    }
  }
  return out;
}

}  // namespace barlake::validate
