// Yahoo Finance chart API v8 JSON, the body of
// https://query2.finance.yahoo.com/v8/finance/chart/SYM?interval=..&period1=..&period2=..
// (shared/realdata/SOURCES.md §2). Format name "yahoo-json".
//
//   {"chart":{"result":[{"meta":{...,"exchangeTimezoneName":"America/New_York",
//     "regularMarketTime":..., "dataGranularity":"1m"}, "timestamp":[...],
//     "events":{"dividends":{...},"splits":{...}},
//     "indicators":{"quote":[{"open":[...],"high":[...],"low":[...],"close":[...],
//     "volume":[...]}],"adjclose":[...]}}],"error":null}}
//
// Conventions:
//  * Stamps are bar OPEN times in UTC epoch seconds. Intraday bars keep them as they are.
//  * Daily and weekly bars become their exchange-local DATE at 00:00 UTC (the convention
//    of NinjaTrader daily files, docs/formats/time.md). The date is taken in
//    meta.exchangeTimezoneName, never meta.gmtoffset (see yahoo.cc for why).
//  * Rows with a null value inside the arrays are skipped and counted in a note.
//  * A response without "timestamp" and with empty quote arrays (a weekend or holiday
//    range) is an empty result with a note, not an error; quote values without
//    "timestamp" are a malformed response (kInvalidInput).
//  * The live last bar (its period had not closed at meta.regularMarketTime) is DROPPED
//    with a note: BarColumns has no "partial" flag, and the final bar arrives with the
//    next fetch after the close, so nothing unfinal is ever merged.
//  * Split and dividend events are listed in ParsedBars::notes (prices are as Yahoo
//    serves them, i.e. split-adjusted as of the fetch; adjclose is ignored).
//  * meta.dataGranularity must match the import's timeframe.
//  * ParsedBars::line is the 1-based position of the bar in the "timestamp" array.
// Never throws; errors are kInvalidInput.
#pragma once

#include "ingest/format.h"

namespace barlake::ingest {

/// The "yahoo-json" format. Static instance, never null.
const BarFormat* YahooChartJsonFormat();

}  // namespace barlake::ingest
