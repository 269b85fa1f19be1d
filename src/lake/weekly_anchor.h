// The one anchor of weekly bars (docs/validation.md "Weekly bars"): a `1w` bar is stamped
// with the date of its week's Monday (00:00, the exchange-local date, like daily bars).
// Vendors stamp weeks differently: yfinance, TradingView and Binance on the Monday (the
// week's first day), Alpha Vantage on the week's last trading day (Friday, or Thursday
// before a Friday holiday). Stored side by side, the same three weeks would read as six
// bars, so end-of-week stamps are moved to their Monday and any other stamping is refused.
#pragma once

#include <string>

#include "core/status.h"
#include "ingest/parsed_bars.h"

namespace barlake::lake {

/// Re-anchors `parsed` (sorted weekly bars) to Mondays, with a note, or refuses the file
/// (kInvalidInput naming the first row that is neither).
Status AnchorWeeklyBars(const std::string& label, ingest::ParsedBars* parsed);

}  // namespace barlake::lake
