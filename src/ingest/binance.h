// Binance klines, in the two shapes Binance publishes (shared/realdata/SOURCES.md §3).
//
// "binance-json": the REST response of GET /api/v3/klines, one JSON array of klines
//   [openTime ms, "open", "high", "low", "close", "volume", closeTime ms, "quoteVolume",
//    trades, "takerBase", "takerQuote", "0"]
// Prices and volumes are strings (plain numbers are accepted too). Each bar is stamped
// with its OPEN time (already UTC); the close time must equal open + interval - 1 ms
// (open + 59,999 ms for 1m), otherwise the file is not of the import's timeframe and
// the parse fails naming the interval it found. A kline whose close time is still in
// the future when the file is parsed is the live, still-open candle: it is dropped with
// a note (a saved response carries no server time, so an old file keeps its last bar).
//
// "binance-csv": data.binance.vision monthly/daily kline CSV
//   open_time,open,high,low,close,volume,close_time,quote_volume,count,
//   taker_buy_volume,taker_buy_quote_volume,ignore
// with the header line (USD-M futures files) or without it (spot files). Stamps are
// epoch milliseconds (13 digits) or, in spot files from 2025-01-01, microseconds (16
// digits); the unit is told apart per row by magnitude and named in ParsedBars::notes.
// close_time must be open_time + interval - 1 unit. CRLF and blank lines are accepted.
//
// Both: rows are sorted if needed; ParsedBars::line is the CSV line, or for JSON the
// 1-based position of the kline in the array (errors read "FILE:N: field ...").
// Never throws; errors are kInvalidInput.
#pragma once

#include "ingest/format.h"

namespace barlake::ingest {

/// The "binance-json" format (REST klines). Static instance, never null.
const BarFormat* BinanceKlinesJsonFormat();
/// The "binance-csv" format (data.binance.vision kline CSV). Static instance, never null.
const BarFormat* BinanceKlinesCsvFormat();

}  // namespace barlake::ingest
