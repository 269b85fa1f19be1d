// ParsedBars: what every importer produces. The rules applied to its rows before a merge
// live in validate/validator.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bars.h"
#include "core/result.h"
#include "core/time_zone.h"
#include "core/timeframe.h"

namespace barlake::ingest {

struct ParseOptions {
  Timeframe timeframe;
  /// Zone of naive stamps. Not owned; the parser uses its conversion cache.
  TimeZone* source_tz = nullptr;
  /// Name shown in error messages (the path the user gave).
  std::string file_label;
  /// Called now and then with the offset parsed so far (progress, and releasing the
  /// pages of a memory-mapped source behind the parser). May be empty.
  std::function<void(size_t offset)> on_progress;
  /// Whether stamps mark the bar's open or close ("open", "close"; empty: the format's
  /// own convention, e.g. close for NinjaTrader, open for most CSV sources).
  std::string stamp;
  /// Explicit column mapping for delimited text, e.g. "time=Date,open=O,volume=Vol"
  /// (empty: find columns by name). Formats without columns ignore it.
  std::string columns;
  /// Collect lines that do not parse in ParsedBars::unparsed (skipping them) instead of
  /// failing, so the caller can weigh them against max_reject_share and quarantine them.
  /// Structural problems (wrong format, no header, wrong timeframe) still fail.
  bool keep_unparsed = false;
  /// The zone in which an epoch stamp of a daily (or longer) bar takes its date: the
  /// dataset's calendar zone (the exchange's), nullptr for UTC. Never the source zone: a
  /// Friday session stamped in epoch time is Friday's bar wherever the file was exported.
  const TimeZone* daily_date_zone = nullptr;
  /// Keep a last bar the source itself shows as still forming (a Binance kline whose close
  /// time is in the future, Yahoo's bar at regularMarketTime) instead of dropping it, with
  /// a note saying so: the import stores it as provisional (kBarProvisional), and a later
  /// fetch that holds it and later bars completes it.
  bool keep_live_last_bar = false;
};

/// A line (or, in JSON, a series position) that did not parse.
struct ParseProblem {
  uint32_t line = 0;
  std::string field;
  std::string what;
};

struct ParsedBars {
  BarColumns bars;  // ts = bar open time in UTC; `job` stays empty (the merge assigns it)
  std::vector<uint32_t> line;  // source line number of each row (1-based)
  int64_t rows_read = 0;
  int64_t blank_lines = 0;
  int64_t nonexistent_local = 0;  // stamps in a spring-forward gap (see time_zone.h)
  int64_t ambiguous_local = 0;    // stamps in a fall-back hour
  int64_t reordered = 0;          // rows that were out of time order in the file
  /// What the parser decided about the file and the user should know (e.g. "stamps are
  /// epoch milliseconds", "newest-first file: sorted"); shown in the import report.
  std::vector<std::string> notes;
  /// The source says "no bars in this range" (e.g. a Yahoo response without timestamps):
  /// an empty result is then a completed import of nothing, not a bad file.
  bool empty_result_ok = false;
  /// Whether ParseOptions::source_tz placed any stamp (naive stamps, or the dates of epoch
  /// stamps). False when every stamp carries its own zone (an offset, an epoch instant) or
  /// the format names its zone: the import then says no source zone was used.
  bool source_tz_used = false;
  /// With ParseOptions::keep_unparsed: the lines skipped because they did not parse.
  std::vector<ParseProblem> unparsed;
};

/// Iterates the lines of a whole file for every text format: numbers them from 1, strips
/// a trailing '\r' and the UTF-8 BOM of line 1, and calls `on_progress` (if set) about
/// every 32 MiB with the offset reached.
class LineReader {
 public:
  explicit LineReader(std::string_view data, const std::function<void(size_t)>* on_progress = nullptr)
      : data_(data), on_progress_(on_progress && *on_progress ? on_progress : nullptr) {}
  bool Next(std::string_view* line);
  uint32_t line_no() const { return line_no_; }
  size_t pos() const { return pos_; }

 private:
  std::string_view data_;
  const std::function<void(size_t)>* on_progress_;
  size_t pos_ = 0;
  size_t next_report_ = 32 << 20;
  uint32_t line_no_ = 0;
};

/// Sort rows by ts (stable; counts rows that moved in `reordered`).
void SortByTime(ParsedBars* parsed);

/// Check that intraday bar spacing fits the timeframe (sorted, unique input): two bars
/// closer than one interval mean the file is not of that timeframe (longer gaps that are
/// not whole bars are legal: bars cut short by a session end); a file of 50+ bars always a multiple of a larger interval
/// apart (5m bars given --timeframe 1m) would be shifted wrongly by close-to-open. Daily
/// and longer timeframes are not checked. kInvalidInput names the lines and the fix.
Status CheckSpacing(const ParsedBars& parsed, const Timeframe& timeframe, const std::string& file_label);

/// Collects row problems into one message with a cap on how many are shown.
class ProblemList {
 public:
  /// `file_label` is shown as valid UTF-8 (bytes that are not as `\xHH`).
  explicit ProblemList(std::string file_label);
  void Add(uint32_t line, std::string_view field, const std::string& what);
  bool empty() const { return count_ == 0; }
  int64_t count() const { return count_; }
  /// kInvalidInput with a summary, or OK when empty.
  Status ToStatus(const std::string& advice) const;
  /// Keep every problem in `sink` as well; ToStatus then returns OK (the caller weighs
  /// them), unless there are more than kMaxKept (a file that does not fit the format).
  void KeepIn(std::vector<ParseProblem>* sink) { sink_ = sink; }
  static constexpr int64_t kMaxKept = 200000;

 private:
  std::string file_;
  std::vector<std::string> shown_;
  int64_t count_ = 0;
  std::vector<ParseProblem>* sink_ = nullptr;
  std::vector<ParseProblem> kept_;
};

}  // namespace barlake::ingest
