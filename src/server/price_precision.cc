#include "server/price_precision.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <numeric>

namespace barlake::server {
namespace {

// The fewest decimals that write `v` exactly, allowing for the rounding error of a binary
// double (a few units in the 15th significant digit).
int DecimalsOf(double v) {
  double scale = 1;
  for (int d = 0; d < kMaxPriceDecimals; ++d, scale *= 10) {
    const double scaled = v * scale;
    if (std::fabs(scaled - std::nearbyint(scaled)) <= std::max(1e-6, std::fabs(scaled) * 1e-12)) return d;
  }
  return kMaxPriceDecimals;
}

}  // namespace

PricePrecision DerivePricePrecision(const BarColumns& bars, size_t max_rows) {
  PricePrecision p;
  const size_t n = bars.size();
  if (n == 0) return p;
  const size_t first = n > max_rows ? n - max_rows : 0;
  int decimals = 0;
  for (size_t i = first; i < n; ++i) {
    for (double v : {bars.open[i], bars.high[i], bars.low[i], bars.close[i]}) {
      if (std::isfinite(v)) decimals = std::max(decimals, DecimalsOf(v));
    }
  }
  const double scale = std::pow(10.0, decimals);
  // The step: the greatest common divisor of the prices in units of the last decimal
  // (ES quotes in quarters: 4976.25, 4976.5, 4977 are 497625, 497650, 497700 -> 25).
  int64_t step = 0;
  for (size_t i = first; i < n && step != 1; ++i) {
    for (double v : {bars.open[i], bars.high[i], bars.low[i], bars.close[i]}) {
      if (!std::isfinite(v) || std::fabs(v * scale) > 9e15) continue;
      step = std::gcd(step, std::llabs(std::llround(v * scale)));
    }
  }
  p.decimals = decimals;
  p.min_move = (step > 0 ? static_cast<double>(step) : 1.0) / scale;
  return p;
}

}  // namespace barlake::server
