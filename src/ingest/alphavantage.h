// Alpha Vantage time series (shared/realdata/SOURCES.md §4).
//
// "alphavantage-json": TIME_SERIES_INTRADAY / _DAILY / _DAILY_ADJUSTED / _WEEKLY bodies:
//   {"Meta Data": {"1. Information": ..., "4. Interval": "1min", "6. Time Zone": "US/Eastern"},
//    "Time Series (1min)": {"2017-12-18 14:56:00": {"1. open": "86.4900", ...}, ...}}
// Every value is a string; bars are listed newest first; the key numbering varies
// ("5. volume" or "6. volume" in adjusted series, "5. Time Zone" in daily meta), so
// fields are found by the name after "N. ". The zone in "Time Zone" is the source zone
// (options.source_tz is ignored, with a note). The series key ("Time Series (5min)",
// "Time Series (Daily)", "Weekly Time Series", ...) must match the import's timeframe.
// Error bodies ({"Note": ...}, {"Information": ...}, {"Error Message": ...}) are
// kInvalidInput quoting the message.
//
// "alphavantage-csv": datatype=csv bodies, header "timestamp,open,high,low,close,volume"
// (or "time,..." in the extended-intraday slices), newest first. The file does not name
// its zone: naive stamps are read in options.source_tz, or US/Eastern (what Alpha Vantage
// documents) when none is given; a note says which.
//
// Stamps, both formats:
//  * Daily and weekly rows ("2021-10-29") become that date at 00:00 UTC, no zone.
//  * Intraday rows are local wall-clock times. The files we have stamp each bar with its
//    CLOSE time: every day of the extended-hours slice runs 04:01..20:00, never 04:00,
//    and the 5min series ends at 20:00:00. So intraday stamps are read as close times
//    and moved back one bar to the open, unless options.stamp says "open", or the file
//    itself proves open stamps (a bar at 04:00:00 local and none at 20:00:00). The
//    choice is named in ParsedBars::notes.
// Newest-first input is sorted (noted). ParsedBars::line is the CSV line, or for JSON the
// 1-based position of the bar in the series object. Never throws; errors kInvalidInput.
#pragma once

#include "ingest/format.h"

namespace barlake::ingest {

/// The "alphavantage-json" format. Static instance, never null.
const BarFormat* AlphaVantageJsonFormat();
/// The "alphavantage-csv" format. Static instance, never null.
const BarFormat* AlphaVantageCsvFormat();

}  // namespace barlake::ingest
