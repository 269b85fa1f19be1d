// NinjaTrader 8 "Export Data" bar files (docs/formats/ninjatrader.md).
//
//   intraday: yyyyMMdd HHmmss;open;high;low;close;volume   (bar CLOSE time, local zone)
//   daily:    yyyyMMdd;open;high;low;close;volume          (session date)
//
// ';' or ',' separates fields (the first line decides). No header. CRLF, blank lines and
// a missing final newline are accepted. Intraday stamps are converted from the source
// zone to UTC and moved back one bar interval to the bar's open time; daily rows are
// stamped with their date at 00:00 UTC.
#pragma once

#include <string_view>

#include "ingest/parsed_bars.h"

namespace barlake::ingest {

/// Parse a whole file. kInvalidInput names file, line and field of up to 10 problems.
Result<ParsedBars> ParseNinjaTrader(std::string_view data, const ParseOptions& options);

/// True when the first non-blank line looks like a NinjaTrader bar line.
bool LooksLikeNinjaTrader(std::string_view data);

}  // namespace barlake::ingest
