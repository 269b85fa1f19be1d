// Delimited text bar files: one generic parser and the formats built on it.
//
//   csv          generic CSV / TSV / semicolon (/ '|') text; delimiter sniffed from the first
//                line; header optional; columns found by name (with aliases) or --columns
//   metatrader   MT4 History Center export: yyyy.MM.dd,HH:mm,open,high,low,close,tickvolume
//                (no header, CRLF, broker server time: give it with --tz); MT5's
//                <DATE>\t<TIME>\t<OPEN>... export is read too
//   tradingview  "Export chart data": time,open,high,low,close,<plots...>,Volume with `time`
//                as epoch seconds, ISO 8601 with the chart's UTC offset, or a date
//   firstrate    FirstRate Data: timestamp,open,high,low,close,volume[,open interest] with
//                naive yyyy-MM-dd HH:mm:ss stamps in US Eastern time, bar open times
//
// What the generic parser accepts (every format above goes through it):
//  * a UTF-8 BOM, CRLF or LF, blank lines anywhere, no final newline, quoted fields
//    ("..." with "" inside), spaces around fields;
//  * a header or none. Header names are compared case-insensitively, ignoring spaces, '_',
//    '-', '.', and MT5's '<' '>'. Repeated, unknown and non-ASCII names are ignored (the
//    first of repeated aliases wins). Without a header the columns are positional:
//    time,open,high,low,close[,volume,...] or date,time,open,high,low,close[,volume,...];
//  * ParseOptions::columns ("time=Date,open=O,volume=Vol"; keys time, date, open, high,
//    low, close, volume; a value is a header name or a 1-based column number; volume=none
//    for files without volume). With both time= and date=, `time` is the time of day;
//  * stamps: epoch seconds / milliseconds / microseconds / nanoseconds told apart by
//    magnitude (and reported in a note); yyyy-MM-dd, yyyy.MM.dd, yyyy/MM/dd or yyyyMMdd
//    dates, optionally followed by 'T' or ' ' and HH:mm[:ss[.fff]] (or HHmmss after a
//    yyyyMMdd date), optionally followed by Z or a UTC offset (+hh:mm, +hhmm, +hh). Each row
//    uses its own offset, so offsets changing inside a file at DST are right;
//  * naive stamps are read in the source zone (ParseOptions::source_tz, or the format's
//    fixed zone) with the DST rule of core/time_zone.h, in chronological order even when
//    the file runs newest first;
//  * daily timeframes take each row's date: the date as written for dates, naive and
//    offset stamps, and the date in the source zone for epoch stamps (TradingView stamps
//    daily bars at the session open, e.g. 13:30 UTC). Intraday timeframes refuse date-only
//    stamps;
//  * ParseOptions::stamp "close" moves intraday stamps back one bar (the default is "open"
//    for every format here);
//  * no volume column: volume is 0 (a note says so); an empty volume field is 0 (counted in
//    a note: TradingView leaves it empty on early rows); an empty price is an error;
//  * decimal commas ("1,5" in ';' files) and thousands separators ("1,234.5" quoted).
// Newest-first files are returned in file order with a note; the import sorts them
// (SortByTime) and reports the reordering.
#pragma once

#include <string_view>

#include "ingest/format.h"
#include "ingest/parsed_bars.h"

namespace barlake::ingest {

/// Generic delimited text ("csv").
const BarFormat* DelimitedCsvFormat();
/// MetaTrader 4/5 history exports ("metatrader").
const BarFormat* MetaTraderFormat();
/// TradingView chart exports ("tradingview").
const BarFormat* TradingViewFormat();
/// FirstRate Data files ("firstrate").
const BarFormat* FirstRateFormat();

/// The conventions a delimited format brings beyond what the file itself says.
struct DelimitedDefaults {
  std::string_view format_name = "csv";  // shown in notes and errors
  std::string_view stamp = "open";       // when ParseOptions::stamp is empty
  /// Non-empty: naive stamps are in this IANA zone whatever ParseOptions::source_tz says
  /// (the vendor documents it, e.g. FirstRate's US Eastern); a note says so.
  std::string_view fixed_zone;
};

/// Parse a whole delimited file. kInvalidInput names file, line and field of up to 10 row
/// problems, or says which column could not be found and how to name it with --columns;
/// kInvalidArgument for a malformed ParseOptions::columns or stamp.
Result<ParsedBars> ParseDelimited(std::string_view data, const ParseOptions& options,
                                  const DelimitedDefaults& defaults = {});

}  // namespace barlake::ingest
