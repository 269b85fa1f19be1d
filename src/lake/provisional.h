// Provisional last bars (docs/validation.md "Provisional last bars"): the last bar of an
// imported file may still have been forming when the file was written (a TradingView or
// MetaTrader export, Binance klines fetched mid-candle). It is stored with the flag
// kBarProvisional; a later file that holds the same bar and later ones completes it
// without a conflict (RowTraits<BarColumns>::Settle in lake/keyed_merge.h).
#pragma once

#include <string>

#include "ingest/parsed_bars.h"

namespace barlake::lake {

/// Flags the last row of `bars` provisional when it is the file's last bar
/// (`file_last_ts`, taken before validation removed rows): a rejected last line leaves
/// the bars before it final.
void MarkProvisionalLastBar(Micros file_last_ts, BarColumns* bars);

/// A note when the last bar's volume is far below its neighbours' (under a tenth of the
/// median of the 20 bars before it): the file was likely written while it was forming.
/// Empty when it is not, or when there are too few bars to tell.
std::string FormingByVolumeNote(const ingest::ParsedBars& parsed);

}  // namespace barlake::lake
