#include "ingest/binance.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "core/json_text.h"
#include "core/text.h"
#include "ingest/vendor_common_internal.h"

namespace barlake::ingest {
namespace {

using internal::kBarFields;
using json = internal::Json;

// Epoch milliseconds stay below 1e14 until the year 5138; epoch microseconds passed 1e14
// in 1973. Below 1e11 ms (1973) is probably seconds, which Binance never writes.
constexpr int64_t kMicrosThreshold = 100000000000000LL;
constexpr int64_t kMillisFloor = 100000000000LL;

// Both stamps in one unit and before the year 2286 (1e16 us / 1e13 ms): keeps the unit
// conversion below free of overflow (found by fuzz/fuzz_format.cc).
bool StampsInRange(int64_t open_raw, int64_t close_raw, bool micros) {
  const int64_t limit = micros ? 10000000000000000LL : 10000000000000LL;
  return open_raw >= 0 && open_raw < limit && close_raw >= 0 && close_raw < limit;
}

// A kline's open and close time in microseconds; close_us is the bar's last millisecond,
// so close_us - open_us is the interval - 1 ms in either unit.
struct KlineTimes {
  bool micros;  // the file wrote epoch microseconds
  int64_t open_us, close_us;
};

// The raw stamps are in one unit, told apart by magnitude (timeUnit=MICROSECOND
// responses and spot files from 2025 carry 16 digits); close_time is the last unit of
// the bar. Reports the row and returns nothing when they are out of range or mixed.
std::optional<KlineTimes> ToMicros(int64_t open_raw, int64_t close_raw, uint32_t line, ProblemList* problems) {
  const bool micros = open_raw >= kMicrosThreshold;
  if (!StampsInRange(open_raw, close_raw, micros)) {
    problems->Add(line, "close_time",
                  "open/close stamps " + std::to_string(open_raw) + "/" + std::to_string(close_raw) +
                      " are out of range or in different units");
    return std::nullopt;
  }
  return KlineTimes{micros, micros ? open_raw : open_raw * 1000, micros ? close_raw + 1 - 1000 : close_raw * 1000};
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IntervalMessage(int64_t open_us, int64_t close_us, const Timeframe& tf) {
  const int64_t span_us = close_us - open_us + 1000;  // close is the last millisecond
  std::string found;
  if (span_us > 0 && span_us % kMicrosPerSecond == 0) {
    found = "; the klines look like " + internal::TimeframeName(span_us / kMicrosPerSecond) +
            " bars: pass --timeframe " + internal::TimeframeName(span_us / kMicrosPerSecond);
  }
  return "close time is open time + " + std::to_string((close_us - open_us) / 1000) +
         " ms, expected + " + std::to_string(tf.micros() / 1000 - 1) + " ms for " + tf.name() +
         " bars" + found;
}

class BinanceJson : public internal::JsonDocumentFormat {
 public:
  BinanceJson()
      : JsonDocumentFormat("binance-json",
                           "Binance REST /api/v3/klines JSON: [[openTime ms,\"open\",...,closeTime ms,...],...]") {}

  Detection Detect(std::string_view head, std::string_view) const override {
    std::string_view h = internal::SkipBomAndSpace(head);
    if (h.empty() || h[0] != '[') return {0, "the file does not start with a JSON array"};
    h = internal::SkipBomAndSpace(h.substr(1));
    if (h.empty() || h[0] != '[') return {0, "the JSON array does not hold arrays (klines)"};
    h = internal::SkipBomAndSpace(h.substr(1));
    size_t digits = 0;
    while (digits < h.size() && h[digits] >= '0' && h[digits] <= '9') ++digits;
    h = internal::SkipBomAndSpace(h.substr(digits));
    if ((digits == 13 || digits == 16) && h.size() > 1 && h[0] == ',') {
      return {90, "a JSON array of arrays starting with an epoch-millisecond open time "
                  "(Binance klines)"};
    }
    return {0, "the JSON arrays do not start with an epoch-millisecond open time"};
  }

 private:
  Result<ParsedBars> ParseDocument(json& doc, const ParseOptions& opt) const override {
    if (!doc.is_array()) {
      return Status::InvalidInput(opt.file_label +
                                  ": expected a JSON array of klines (the body of "
                                  "/api/v3/klines); got a JSON " + std::string(doc.type_name()) +
                                  (doc.is_object() && doc.contains("msg")
                                       ? " (a Binance error: " + ToJsonText(doc["msg"]) + ")"
                                       : ""));
    }
    ParsedBars out;
    ProblemList problems = internal::ProblemsFor(opt, &out);
    const int64_t expect_span = opt.timeframe.micros() - 1000;
    const int64_t now = NowMicros();
    int64_t live = 0, micros_rows = 0;
    out.bars.Reserve(doc.size());
    for (size_t i = 0; i < doc.size(); ++i) {
      const uint32_t n = static_cast<uint32_t>(i + 1);
      const json& k = doc[i];
      ++out.rows_read;
      if (!k.is_array() || k.size() < 7) {
        problems.Add(n, "kline", "expected an array of at least 7 values [openTime, open, high, "
                                 "low, close, volume, closeTime, ...]");
        continue;
      }
      if (!k[0].is_number_integer() || !k[6].is_number_integer()) {
        problems.Add(n, k[0].is_number_integer() ? "close_time" : "open_time",
                     "expected epoch milliseconds, got " + internal::JsonExcerpt(k[k[0].is_number_integer() ? 6 : 0]));
        continue;
      }
      double v[5];
      bool ok = true;
      for (int f = 0; f < 5; ++f) {
        if (!internal::JsonBarValue(k[f + 1], f, n, &problems, &v[f])) ok = false;
      }
      if (!ok) continue;
      const std::optional<KlineTimes> t = ToMicros(k[0].get<int64_t>(), k[6].get<int64_t>(), n, &problems);
      if (!t) continue;
      micros_rows += t->micros;
      if (t->close_us - t->open_us != expect_span) {
        problems.Add(n, "close_time", IntervalMessage(t->open_us, t->close_us, opt.timeframe));
        continue;
      }
      if (i + 1 == doc.size() && t->close_us >= now) {
        ++live;
        if (!opt.keep_live_last_bar) continue;
      }
      internal::PushBar(&out, t->open_us, v, n);
    }
    RETURN_IF_ERROR(problems.ToStatus(
        "Each kline must be [openTime ms, \"open\", \"high\", \"low\", \"close\", \"volume\", "
        "closeTime ms, ...] with closeTime = openTime + interval - 1 ms. Check --timeframe, or "
        "fetch the klines again."));
    out.notes.push_back(micros_rows ? "Binance klines: stamps are epoch microseconds, bar open times in UTC"
                                    : "Binance klines: stamps are epoch milliseconds, bar open times in UTC");
    if (live && opt.keep_live_last_bar) {
      out.notes.push_back("kept the last kline as provisional: its close time is still in the future (the "
                          "live, unfinished candle); a later fetch completes it");
    } else if (live) {
      out.notes.push_back("dropped the last kline: its close time is still in the future (the live, "
                          "unfinished candle); import it again once it has closed");
    }
    internal::SortAndNote(&out);
    return out;
  }
};

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool IsHeaderLine(std::string_view line) { return line.substr(0, 9) == "open_time"; }

// True when the line looks like a kline row: 12 fields, a 13- or 16-digit first field.
bool LooksLikeKlineRow(std::string_view line) {
  std::string_view f[13];
  const size_t n = internal::SplitCommas(line, f, 13);
  int64_t t, c;
  return n == 12 && (f[0].size() == 13 || f[0].size() == 16) && ParseInt64(f[0], &t) &&
         ParseInt64(f[6], &c) && c > t;
}

class BinanceCsv : public internal::GuardedFormat {
 public:
  BinanceCsv()
      : GuardedFormat("binance-csv",
                      "data.binance.vision kline CSV: open_time,open,high,low,close,volume,close_time,... "
                      "(ms or us stamps, header optional)") {}

  Detection Detect(std::string_view head, std::string_view) const override {
    const std::string_view line = internal::FirstLine(head);
    if (line.substr(0, 48) == "open_time,open,high,low,close,volume,close_time,") {
      return {95, "first line is the data.binance.vision kline header "
                  "'open_time,open,high,low,close,volume,close_time,...'"};
    }
    if (LooksLikeKlineRow(line)) {
      return {85, "first line has the 12 fields of a Binance kline row with an epoch "
                  "open_time and close_time (data.binance.vision CSV without header)"};
    }
    return {0, "first line is neither the Binance kline header nor a 12-field kline row"};
  }

 private:
  Result<ParsedBars> ParseImpl(std::string_view data, const ParseOptions& opt) const override {
    ParsedBars out;
    ProblemList problems = internal::ProblemsFor(opt, &out);
    internal::ReserveParsedRows(&out, data.size() / 100 + 16);
    PageWarmer warmer(internal::ReservedColumns(out));
    int64_t rows_ms = 0, rows_us = 0;
    int64_t latest_close_us = 0;  // of the latest kline: after now, it is the live candle
    bool header = false;
    const int64_t tf_us = opt.timeframe.micros();
    LineReader reader(data, &opt.on_progress);
    std::string_view line;
    while (internal::NextNonEmptyLine(&reader, &line, &out)) {
      warmer.Reached(out.bars.size());
      const uint32_t line_no = reader.line_no();
      if (out.rows_read == 0 && !header && IsHeaderLine(line)) {
        header = true;
        continue;
      }
      ++out.rows_read;
      std::string_view f[13];
      const size_t n = internal::SplitCommas(line, f, 13);
      if (n < 7) {
        problems.Add(line_no, n < 6 ? kBarFields[n - 1] : "close_time",
                     "missing (expected 12 fields: open_time,open,high,low,close,volume,close_time,...)");
        continue;
      }
      int64_t open_raw, close_raw;
      if (!ParseInt64(f[0], &open_raw) || open_raw < kMillisFloor) {
        problems.Add(line_no, "open_time",
                     QuoteBytes(f[0], 20) + " is not epoch milliseconds or microseconds");
        continue;
      }
      if (!ParseInt64(f[6], &close_raw)) {
        problems.Add(line_no, "close_time", QuoteBytes(f[6], 20) + " is not an epoch stamp");
        continue;
      }
      double v[5];
      if (!internal::TextBarValues(&f[1], line_no, &problems, v)) continue;
      const std::optional<KlineTimes> t = ToMicros(open_raw, close_raw, line_no, &problems);
      if (!t) continue;
      (t->micros ? rows_us : rows_ms)++;
      if (t->close_us - t->open_us != tf_us - 1000) {
        problems.Add(line_no, "close_time", IntervalMessage(t->open_us, t->close_us, opt.timeframe));
        continue;
      }
      internal::PushBar(&out, t->open_us, v, line_no);
      latest_close_us = std::max(latest_close_us, t->close_us);
    }
    RETURN_IF_ERROR(problems.ToStatus(
        "Each row must be 'open_time,open,high,low,close,volume,close_time,...' with epoch "
        "stamps and close_time = open_time + interval - 1. Check --timeframe, or download the "
        "file again."));
    if (rows_ms && rows_us) {
      out.notes.push_back("stamps are mixed: " + std::to_string(rows_ms) + " rows in epoch milliseconds, " +
                          std::to_string(rows_us) + " in epoch microseconds (told apart by magnitude)");
    } else if (rows_us) {
      out.notes.push_back("stamps are epoch microseconds (16 digits, Binance spot files from 2025)");
    } else if (rows_ms) {
      out.notes.push_back("stamps are epoch milliseconds");
    }
    out.notes.push_back(header ? "header line found and skipped" : "no header line (spot-style file)");
    internal::SortAndNote(&out);
    // The file tells that its last kline was still forming: its close time is after now.
    if (!out.bars.empty() && latest_close_us >= NowMicros() && opt.keep_live_last_bar) {
      out.notes.push_back("kept the last kline as provisional: its close time is still in the future (the "
                          "live, unfinished candle); a later file completes it");
    } else if (!out.bars.empty() && latest_close_us >= NowMicros()) {
      out.bars.ts.pop_back();
      for (auto* col : {&out.bars.open, &out.bars.high, &out.bars.low, &out.bars.close, &out.bars.volume}) {
        col->pop_back();
      }
      out.line.pop_back();
      out.notes.push_back("dropped the last kline: its close time is still in the future (the live, "
                          "unfinished candle); import it again once it has closed");
    }
    return out;
  }
};

}  // namespace

const BarFormat* BinanceKlinesJsonFormat() { return internal::FormatInstance<BinanceJson>(); }

const BarFormat* BinanceKlinesCsvFormat() { return internal::FormatInstance<BinanceCsv>(); }

}  // namespace barlake::ingest
