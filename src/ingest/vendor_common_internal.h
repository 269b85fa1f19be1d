// Helpers shared by the vendor formats (binance.cc, yahoo.cc, alphavantage.cc). Module-
// private: nothing outside src/ingest includes this header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ingest/parsed_bars.h"

namespace barlake::ingest::internal {

/// JSON that keeps object keys in file order (Alpha Vantage lists bars newest first).
using Json = nlohmann::ordered_json;

/// Parse a whole JSON document. nlohmann's exceptions are caught here: a syntax error is
/// kInvalidInput "FILE:LINE: not valid JSON (...)", with the line of the failing byte.
Result<Json> ParseJsonDocument(std::string_view data, const std::string& file_label);

/// The head of a file without a UTF-8 BOM and leading white space.
std::string_view SkipBomAndSpace(std::string_view head);

/// True when `head` is a JSON object whose first key is `key` (e.g. "chart").
bool FirstJsonKeyIs(std::string_view head, std::string_view key);

/// A JSON value read as a number: a JSON number, or a string holding one (vendors quote
/// prices). False for null, other types and non-numeric strings.
bool JsonNumber(const Json& v, double* out);

/// Parse "yyyy-MM-dd" or "yyyy-MM-dd HH:mm[:ss]" (also 'T' between) as micros since
/// 1970-01-01 of that wall clock (no zone). Sets *has_time. False when malformed.
bool ParseLocalStamp(std::string_view text, int64_t* local, bool* has_time);

/// Sort newest-first (or shuffled) input and add a note saying so. `what` names the
/// order, e.g. "newest first".
void SortAndNote(ParsedBars* parsed);

/// Append one bar.
void PushBar(ParsedBars* parsed, Micros ts, const double (&v)[5], uint32_t line);

/// Run a parser body so that no exception escapes (nlohmann-json, std::bad_alloc):
/// anything thrown becomes kInvalidInput naming the file.
template <typename F>
Result<ParsedBars> NoThrow(const std::string& file_label, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Status::InvalidInput(file_label + ": cannot read the file (" + e.what() + ")");
  }
}

/// "1m", "5m", "1h", "1d", "1w": the Timeframe name of `seconds` (for messages).
std::string TimeframeName(int64_t seconds);

}  // namespace barlake::ingest::internal
