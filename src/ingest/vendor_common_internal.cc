#include "ingest/vendor_common_internal.h"

#include <algorithm>

#include "core/huge_pages.h"
#include "core/json_text.h"
#include "core/text.h"
#include "ingest/number_parse.h"

namespace barlake::ingest::internal {

void ReserveParsedRows(ParsedBars* out, size_t rows) {
  BarColumns& b = out->bars;
  for (auto* column : {&b.open, &b.high, &b.low, &b.close, &b.volume}) ReserveOnHugePages(column, rows);
  ReserveOnHugePages(&b.ts, rows);
  ReserveOnHugePages(&out->line, rows);
}

std::vector<PageWarmer::Column> ReservedColumns(const ParsedBars& out) {
  const BarColumns& b = out.bars;
  std::vector<PageWarmer::Column> columns;
  for (const auto* column : {&b.open, &b.high, &b.low, &b.close, &b.volume}) {
    columns.push_back({column->data(), sizeof(double), column->capacity()});
  }
  columns.push_back({b.ts.data(), sizeof(Micros), b.ts.capacity()});
  columns.push_back({out.line.data(), sizeof(uint32_t), out.line.capacity()});
  return columns;
}

Result<Json> ParseJsonDocument(std::string_view data, const std::string& file_label) {
  try {
    return Json::parse(data.begin(), data.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and may point one past the end of the input.
    const size_t at = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, data.size());
    const size_t line = 1 + static_cast<size_t>(std::count(data.begin(), data.begin() + at, '\n'));
    return Status::InvalidInput(file_label + ":" + std::to_string(line) + ": not valid JSON (" +
                                DescribeJsonSyntaxError(e, data) +
                                "); the download may be cut short: fetch the file again");
  } catch (const std::exception& e) {
    return Status::InvalidInput(file_label + ": not valid JSON (" + ToValidUtf8(e.what()) + ")");
  }
}

std::string DescribeJsonSyntaxError(const nlohmann::json::parse_error& e, std::string_view data) {
  // e.byte is 1-based (the failing byte) and may point one past the end of the input.
  // Show 24 bytes up to it and 16 after: the parser stops at the first byte it cannot
  // take, and what follows is often what tells the cause (a cp1252 word, a BOM).
  const auto continuation = [&](size_t i) { return (static_cast<unsigned char>(data[i]) & 0xC0) == 0x80; };
  const size_t at = std::min<size_t>(e.byte, data.size());
  size_t start = at > 24 ? at - 24 : 0;
  while (start < at && continuation(start)) ++start;  // begin on a character
  size_t stop = std::min(data.size(), at + 16);
  while (stop < data.size() && stop > at && continuation(stop)) ++stop;  // end after one
  return ToValidUtf8(e.what()) + " near " + QuoteBytes(data.substr(start, stop - start), 64);
}

std::string JsonExcerpt(const Json& value, size_t max_bytes) {
  const std::string text = ToJsonText(value);
  const std::string_view shown = Utf8Prefix(text, max_bytes);
  return shown.size() < text.size() ? std::string(shown) + "..." : text;
}

std::string_view SkipBomAndSpace(std::string_view head) {
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  size_t i = 0;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  return head.substr(i);
}

bool FirstJsonKeyIs(std::string_view head, std::string_view key) {
  head = SkipBomAndSpace(head);
  if (head.empty() || head[0] != '{') return false;
  head = SkipBomAndSpace(head.substr(1));
  if (head.size() < key.size() + 2 || head[0] != '"') return false;
  return head.substr(1, key.size()) == key && head[key.size() + 1] == '"';
}

std::string_view FirstLine(std::string_view head) {
  head = SkipBomAndSpace(head);
  std::string_view line = head.substr(0, head.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

size_t SplitCommas(std::string_view line, std::string_view* fields, size_t max) {
  size_t n = 0, start = 0;
  while (n < max) {
    const size_t comma = line.find(',', start);
    fields[n++] = line.substr(start, comma == std::string_view::npos ? line.size() - start : comma - start);
    if (comma == std::string_view::npos) return n;
    start = comma + 1;
  }
  return n + 1;  // more fields than `max`
}

ProblemList ProblemsFor(const ParseOptions& opt, ParsedBars* out) {
  ProblemList problems(opt.file_label);
  if (opt.keep_unparsed) problems.KeepIn(&out->unparsed);
  return problems;
}

bool JsonNumber(const Json& v, double* out) {
  if (v.is_number()) {
    *out = v.get<double>();
    return true;
  }
  if (v.is_string()) return ParseDouble(v.get_ref<const std::string&>(), out);
  return false;
}

bool JsonBarValue(const Json& value, int field, uint32_t line, ProblemList* problems, double* out) {
  if (JsonNumber(value, out)) return true;
  problems->Add(line, kBarFields[field], JsonExcerpt(value) + " is not a number");
  return false;
}

bool TextBarValues(const std::string_view* text, uint32_t line, ProblemList* problems, double (&v)[5]) {
  bool ok = true;
  for (int i = 0; i < 5; ++i) {
    if (!ParseDouble(text[i], &v[i])) {
      problems->Add(line, kBarFields[i], QuoteBytes(text[i], 30) + " is not a number");
      ok = false;
    }
  }
  return ok;
}

bool ReadDigits(std::string_view s, size_t at, int n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned char>(s[at + i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  *out = v;
  return true;
}

bool ParseLocalStamp(std::string_view t, int64_t* local, bool* has_time) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (t.size() < 10 || !ReadDigits(t, 0, 4, &y) || t[4] != '-' || !ReadDigits(t, 5, 2, &mo) || t[7] != '-' ||
      !ReadDigits(t, 8, 2, &d)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return false;
  *has_time = t.size() > 10;
  if (*has_time) {
    if ((t[10] != ' ' && t[10] != 'T') || !ReadDigits(t, 11, 2, &h) || t.size() < 16 || t[13] != ':' ||
        !ReadDigits(t, 14, 2, &mi)) {
      return false;
    }
    if (t.size() > 16) {
      if (t.size() != 19 || t[16] != ':' || !ReadDigits(t, 17, 2, &s)) return false;
    }
    if (h > 23 || mi > 59 || s > 59) return false;
  }
  *local = (DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
            h * 3600 + mi * 60 + s) *
           kMicrosPerSecond;
  return true;
}

void SortAndNote(ParsedBars* p) {
  const auto& ts = p->bars.ts;
  if (std::is_sorted(ts.begin(), ts.end())) return;
  const bool newest_first = std::is_sorted(ts.rbegin(), ts.rend());
  SortByTime(p);
  p->notes.push_back(newest_first ? "newest-first file: sorted oldest first"
                                  : "rows out of time order: sorted (" +
                                        std::to_string(p->reordered) + " moved)");
}

std::string TimeframeName(int64_t seconds) {
  if (seconds > 0 && seconds % 604800 == 0 && seconds / 604800 == 1) return "1w";
  if (seconds > 0 && seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
  if (seconds > 0 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds > 0 && seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

}  // namespace barlake::ingest::internal
