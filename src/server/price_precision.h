// PricePrecision: how many decimals a dataset's prices carry and their smallest step,
// derived from the bars themselves (EURUSD 1.21297: 5 decimals, step 0.00001; ES 4976.25:
// 2 decimals, step 0.25). The dashboard formats axes, legend and tables with it.
#pragma once

#include <cstddef>

#include "core/bars.h"

namespace barlake::server {

struct PricePrecision {
  int decimals = 2;
  double min_move = 0.01;
};

/// From the open, high, low and close of the last `max_rows` bars. A binary floating-point
/// neighbour of a decimal (105.49000000000001 for 105.49) counts as that decimal; at most
/// kMaxPriceDecimals. Empty bars give the default (2 decimals, 0.01).
PricePrecision DerivePricePrecision(const BarColumns& bars, size_t max_rows = 5000);

inline constexpr int kMaxPriceDecimals = 8;

}  // namespace barlake::server
