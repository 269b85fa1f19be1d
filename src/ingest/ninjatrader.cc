#include "ingest/ninjatrader.h"

#include <limits>

#include "core/text.h"
#include "ingest/number_parse.h"
#include "ingest/vendor_common_internal.h"

namespace barlake::ingest {
namespace {

bool Digits(const char* p, int n, int* out) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  *out = v;
  return true;
}

bool IsNinjaTraderSeparator(char c) { return c == ';' || c == ',' || c == '\t'; }

// Parses the stamp at the start of a line. Returns the local time in micros, sets
// `intraday`, and the length consumed; or an error text.
const char* ParseStamp(std::string_view line, int64_t* local, bool* intraday, size_t* used) {
  int y, mo, d;
  if (line.size() < 8 || !Digits(line.data(), 4, &y) || !Digits(line.data() + 4, 2, &mo) ||
      !Digits(line.data() + 6, 2, &d)) {
    return "expected a date yyyyMMdd at the start of the line";
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return "is not a valid calendar date";
  int64_t secs = 0;
  *intraday = line.size() > 8 && line[8] == ' ';
  *used = 8;
  if (*intraday) {
    int h, mi, s;
    if (line.size() < 15 || !Digits(line.data() + 9, 2, &h) || !Digits(line.data() + 11, 2, &mi) ||
        !Digits(line.data() + 13, 2, &s)) {
      return "expected a time HHmmss after the date";
    }
    // NinjaTrader stamps a bar closing at midnight 24:00:00 as 000000 of the next day, but
    // some exports write 240000; accept it as the same instant.
    if (h > 24 || mi > 59 || s > 59 || (h == 24 && (mi || s))) return "is not a valid time of day";
    secs = h * 3600 + mi * 60 + s;
    *used = 15;
  }
  *local = (DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + secs) *
           kMicrosPerSecond;
  return nullptr;
}

}  // namespace

bool LooksLikeNinjaTrader(std::string_view data) {
  // Exports pass through editors and spreadsheets on their way here: a UTF-8 BOM, CRLF
  // line ends and tabs for ';' must not hide the format (read as generic CSV its close
  // stamps would be taken for open stamps, every bar one bar late).
  if (data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
  size_t pos = 0;
  while (pos < data.size() && (data[pos] == '\n' || data[pos] == '\r')) ++pos;
  const size_t eol = data.find('\n', pos);
  std::string_view line = data.substr(pos, eol == std::string_view::npos ? data.size() - pos : eol - pos);
  int64_t local;
  bool intraday;
  size_t used;
  if (ParseStamp(line, &local, &intraday, &used) != nullptr) return false;
  return used < line.size() && IsNinjaTraderSeparator(line[used]);
}

Result<ParsedBars> ParseNinjaTrader(std::string_view data, const ParseOptions& opt) {
  ParsedBars out;
  ProblemList problems(opt.file_label);
  if (opt.keep_unparsed) problems.KeepIn(&out.unparsed);
  const bool want_daily = opt.timeframe.is_daily_or_longer();
  // NinjaTrader stamps bar close times; --stamp open says this export did not.
  const Micros shift = (want_daily || opt.stamp == "open") ? 0 : opt.timeframe.micros();
  internal::ReserveParsedRows(&out, data.size() / 40 + 16);
  PageWarmer warmer(internal::ReservedColumns(out));
  char sep = 0;
  Micros previous_close_utc = std::numeric_limits<Micros>::min();
  static const char* kFields[] = {"open", "high", "low", "close", "volume"};

  LineReader reader(data, &opt.on_progress);
  std::string_view line;
  while (internal::NextNonEmptyLine(&reader, &line, &out)) {
    warmer.Reached(out.bars.size());
    const uint32_t line_no = reader.line_no();
    ++out.rows_read;
    int64_t local;
    bool intraday;
    size_t used;
    if (const char* err = ParseStamp(line, &local, &intraday, &used)) {
      problems.Add(line_no, "timestamp", QuoteBytes(line, 20) + " " + err);
      continue;
    }
    if (intraday == want_daily) {
      return Status::InvalidInput(
          opt.file_label + ":" + std::to_string(line_no) + ": field 'timestamp': the file has " +
          (intraday ? "intraday stamps (yyyyMMdd HHmmss)" : "daily stamps (yyyyMMdd)") +
          " but the timeframe is " + opt.timeframe.name() + "; pass --timeframe " +
          (intraday ? "1m (or the file's bar size)" : "1d"));
    }
    if (used >= line.size() || !IsNinjaTraderSeparator(line[used])) {
      problems.Add(line_no, "timestamp", "expected ';', ',' or a tab after the stamp");
      continue;
    }
    if (sep == 0) sep = line[used];
    // Split the five numeric fields.
    double values[5];
    size_t start = used + 1;
    bool ok = true;
    for (int f = 0; f < 5 && ok; ++f) {
      size_t stop = line.find(sep, start);
      const bool last = f == 4;
      if (stop == std::string_view::npos) {
        if (!last) {
          problems.Add(line_no, kFields[f + 1], "missing (expected 6 fields separated by '" +
                                                    std::string(1, sep) + "')");
          ok = false;
          break;
        }
        stop = line.size();
      } else if (last) {
        problems.Add(line_no, "volume", "unexpected extra field after volume");
        ok = false;
        break;
      }
      std::string_view field = line.substr(start, stop - start);
      if (!ParseDouble(field, &values[f])) {
        problems.Add(line_no, kFields[f], QuoteBytes(field, 30) + " is not a number");
        ok = false;
      }
      start = stop + 1;
    }
    if (!ok) continue;
    Micros ts;
    if (want_daily) {
      ts = local;
    } else {
      TimeZone::LocalKind kind;
      const Micros close_utc = opt.source_tz->LocalToUtc(local, previous_close_utc, &kind);
      if (kind == TimeZone::LocalKind::kNonexistent) ++out.nonexistent_local;
      if (kind == TimeZone::LocalKind::kAmbiguous) ++out.ambiguous_local;
      previous_close_utc = close_utc;
      out.source_tz_used = true;
      ts = close_utc - shift;
    }
    internal::PushBar(&out, ts, values, line_no);
  }
  RETURN_IF_ERROR(problems.ToStatus(
      "Each line must be 'yyyyMMdd HHmmss;open;high;low;close;volume' (or 'yyyyMMdd;...' for "
      "daily bars). Fix these lines or export the file again, then re-run the import."));
  return out;
}

}  // namespace barlake::ingest
