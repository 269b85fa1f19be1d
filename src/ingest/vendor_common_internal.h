// Helpers shared by the formats (binance.cc, yahoo.cc, alphavantage.cc, ninjatrader.cc, delimited.cc). Module-
// private: nothing outside src/ingest includes this header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/page_warmer.h"
#include "core/text.h"
#include "ingest/format.h"
#include "ingest/parsed_bars.h"

namespace barlake::ingest::internal {

/// JSON that keeps object keys in file order (Alpha Vantage lists bars newest first).
using Json = nlohmann::ordered_json;

/// The five values of a bar in PushBar's order; also the field names problems report.
inline constexpr const char* kBarFields[5] = {"open", "high", "low", "close", "volume"};

/// Parse a whole JSON document. nlohmann's exceptions are caught here: a syntax error is
/// kInvalidInput "FILE:LINE: not valid JSON (...)", with the line of the failing byte.
Result<Json> ParseJsonDocument(std::string_view data, const std::string& file_label);

/// nlohmann's text for a syntax error in `data` made valid UTF-8, plus the input bytes
/// around the failing one, escaped (core/text.h): "<what> near '...\xFF\xFE...'".
/// nlohmann shows control bytes as <U+0000> and copies invalid UTF-8 as is; the excerpt
/// shows both as the bytes they are.
std::string DescribeJsonSyntaxError(const nlohmann::json::parse_error& e, std::string_view data);

/// `value` as JSON text for a message: at most `max_bytes` bytes, cut at a code point
/// boundary, with "..." when cut.
std::string JsonExcerpt(const Json& value, size_t max_bytes = 30);

/// The head of a file without a UTF-8 BOM and leading white space.
std::string_view SkipBomAndSpace(std::string_view head);

/// True when `head` is a JSON object whose first key is `key` (e.g. "chart").
bool FirstJsonKeyIs(std::string_view head, std::string_view key);

/// The first line of `head` (after a BOM and leading white space), without its '\r'.
std::string_view FirstLine(std::string_view head);

/// Splits `line` at commas into at most `max` views. Returns the field count, or max + 1
/// when the line has more fields than that.
size_t SplitCommas(std::string_view line, std::string_view* fields, size_t max);

/// The problem list of one parse. With opt.keep_unparsed every problem also goes to
/// out->unparsed (the caller weighs them), so no parser can forget to hand them on.
ProblemList ProblemsFor(const ParseOptions& opt, ParsedBars* out);

/// A JSON value read as a number: a JSON number, or a string holding one (vendors quote
/// prices). False for null, other types and non-numeric strings.
bool JsonNumber(const Json& v, double* out);

/// Reads bar value kBarFields[field] from a JSON value (JsonNumber). When it is not a
/// number, reports "<value as JSON> is not a number" (JsonExcerpt) on `line`
/// and returns false.
bool JsonBarValue(const Json& value, int field, uint32_t line, ProblemList* problems, double* out);

/// Reads the five bar values (open..volume) from text fields text[0..4]. Reports each one
/// that is not a number as "'<text>' is not a number" (QuoteBytes, 30 bytes) on `line`;
/// false when any was not.
bool TextBarValues(const std::string_view* text, uint32_t line, ProblemList* problems, double (&v)[5]);

/// Parse "yyyy-MM-dd" or "yyyy-MM-dd HH:mm[:ss]" (also 'T' between) as micros since
/// 1970-01-01 of that wall clock (no zone). Sets *has_time. False when malformed.
bool ParseLocalStamp(std::string_view text, int64_t* local, bool* has_time);

/// Sort newest-first (or shuffled) input and add a note saying so. `what` names the
/// order, e.g. "newest first".
void SortAndNote(ParsedBars* parsed);

/// Append one bar (inline: every parser calls it once per row).
inline void PushBar(ParsedBars* p, Micros ts, const double (&v)[5], uint32_t line) {
  p->bars.ts.push_back(ts);
  p->bars.open.push_back(v[0]);
  p->bars.high.push_back(v[1]);
  p->bars.low.push_back(v[2]);
  p->bars.close.push_back(v[3]);
  p->bars.volume.push_back(v[4]);
  p->line.push_back(line);
}

/// Reserves room for `rows` rows in the columns a parser fills (stamps, prices, volume and
/// line numbers), on huge pages; `job` and `flags` stay empty (the merge fills them).
void ReserveParsedRows(ParsedBars* out, size_t rows);
/// The columns ReserveParsedRows reserved, for a PageWarmer that faults them in on another
/// core while the parser fills them: declare it after the reservation and call
/// `warmer.Reached(out.bars.size())` once per row.
std::vector<PageWarmer::Column> ReservedColumns(const ParsedBars& out);

/// Run a parser body so that no exception escapes (nlohmann-json, std::bad_alloc):
/// anything thrown becomes kInvalidInput naming the file.
template <typename F>
Result<ParsedBars> NoThrow(const std::string& file_label, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Status::InvalidInput(file_label + ": cannot read the file (" + ToValidUtf8(e.what()) + ")");
  }
}

/// A vendor format whose Parse runs ParseImpl under NoThrow: no exception leaves a parser,
/// whatever the bytes.
class GuardedFormat : public BarFormat {
 public:
  using BarFormat::BarFormat;
  Result<ParsedBars> Parse(std::string_view data, const ParseOptions& opt) const final {
    return NoThrow(opt.file_label, [&] { return ParseImpl(data, opt); });
  }

 protected:
  virtual Result<ParsedBars> ParseImpl(std::string_view data, const ParseOptions& opt) const = 0;
};

/// A vendor format that is one JSON document (not lines): ParseDocument gets it parsed,
/// with syntax errors already reported as ParseJsonDocument words them.
class JsonDocumentFormat : public GuardedFormat {
 public:
  using GuardedFormat::GuardedFormat;
  bool rows_are_lines() const override { return false; }

 protected:
  Result<ParsedBars> ParseImpl(std::string_view data, const ParseOptions& opt) const final {
    ASSIGN_OR_RETURN(Json doc, ParseJsonDocument(data, opt.file_label));
    return ParseDocument(doc, opt);
  }
  virtual Result<ParsedBars> ParseDocument(Json& doc, const ParseOptions& opt) const = 0;
};

/// The one instance of a format, made on first use and never destroyed: formats are
/// reached from static registries, possibly while the program exits.
template <class Format>
const BarFormat* FormatInstance() {
  static const Format* format = new Format();
  return format;
}

/// The next line of `reader` that is not empty, counting the empty ones in
/// out->blank_lines; false at the end of the file.
inline bool NextNonEmptyLine(LineReader* reader, std::string_view* line, ParsedBars* out) {
  while (reader->Next(line)) {
    if (!line->empty()) return true;
    ++out->blank_lines;
  }
  return false;
}

/// Reads the `n` decimal digits at s[at..at+n) into *out; false when any is not a digit
/// or the text ends first.
bool ReadDigits(std::string_view s, size_t at, int n, int* out);

/// "1m", "5m", "1h", "1d", "1w": the Timeframe name of `seconds` (for messages).
std::string TimeframeName(int64_t seconds);

}  // namespace barlake::ingest::internal
