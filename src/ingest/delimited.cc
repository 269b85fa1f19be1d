#include "ingest/delimited.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/text.h"
#include "ingest/ninjatrader.h"
#include "ingest/number_parse.h"
#include "ingest/vendor_common_internal.h"
#include "ingest/text_decode.h"

namespace barlake::ingest {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// ---------------------------------------------------------------------------------------
// Lines and fields

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits a line at `sep`, honouring double quotes (a quoted field may hold the separator;
// its outer quotes are dropped; "" inside stays as is, which only matters for names).
// Reuses `out` so the per-row loop does not allocate.
void SplitFields(std::string_view line, char sep, std::vector<std::string_view>* out) {
  out->clear();
  if (line.find('"') == std::string_view::npos) {
    size_t start = 0;
    while (true) {
      const size_t stop = line.find(sep, start);
      if (stop == std::string_view::npos) {
        out->push_back(Trim(line.substr(start)));
        return;
      }
      out->push_back(Trim(line.substr(start, stop - start)));
      start = stop + 1;
    }
  }
  size_t i = 0;
  while (true) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i < line.size() && line[i] == '"') {
      const size_t begin = ++i;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      out->push_back(line.substr(begin, std::min(i, line.size()) - begin));
      if (i < line.size()) ++i;  // closing quote
      const size_t stop = line.find(sep, i);
      if (stop == std::string_view::npos) return;
      i = stop + 1;
    } else {
      const size_t stop = line.find(sep, i);
      if (stop == std::string_view::npos) {
        out->push_back(Trim(line.substr(i)));
        return;
      }
      out->push_back(Trim(line.substr(i, stop - i)));
      i = stop + 1;
    }
  }
}

// The delimiter is the candidate that occurs most often outside quotes in the first line;
// on a tie the order below decides (tab and ';' before ',', because a ';' file may use
// decimal commas).
char SniffDelimiter(std::string_view line) {
  static const char kCandidates[] = {'\t', ';', ',', '|'};
  int counts[4] = {0, 0, 0, 0};
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') quoted = !quoted;
    if (quoted) continue;
    for (int k = 0; k < 4; ++k) counts[k] += ch == kCandidates[k];
  }
  int best = 2;  // ',' when nothing separates anything
  for (int k = 0; k < 4; ++k) {
    if (counts[k] > counts[best] || (counts[k] == counts[best] && k < best && counts[k] > 0)) best = k;
  }
  return kCandidates[best];
}

std::string SepName(char sep) {
  switch (sep) {
    case '\t': return "tab";
    case ';': return "';'";
    case '|': return "'|'";
    default: return "','";
  }
}

// Parses a number; on failure retries without thousands separators or with a decimal
// comma, so "1,234.50" (quoted in a ',' file) and "1,5" (a ';' file) are read.
bool ParseNumber(std::string_view field, double* out) {
  if (ParseDouble(field, out)) return true;
  if (field.empty() || field.size() > 60 || field.find(',') == std::string_view::npos) return false;
  char buf[64];
  size_t n = 0;
  const bool has_dot = field.find('.') != std::string_view::npos;
  const size_t commas = static_cast<size_t>(std::count(field.begin(), field.end(), ','));
  if (!has_dot && commas != 1) return false;
  for (char ch : field) {
    if (ch == ',') {
      if (!has_dot) buf[n++] = '.';  // decimal comma
      continue;                      // thousands separator
    }
    buf[n++] = ch;
  }
  return ParseDouble(std::string_view(buf, n), out);
}

// ---------------------------------------------------------------------------------------
// Stamps

using internal::ReadDigits;

bool ValidDate(int y, int m, int d) {
  if (y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  return d <= DaysInMonth(y, m);
}

enum class StampKind { kDate, kNaive, kInstant };
enum class EpochUnit { kNone, kSeconds, kMillis, kMicros, kNanos };

struct Stamp {
  StampKind kind = StampKind::kDate;
  Micros value = 0;         // kDate, kNaive: local micros; kInstant: UTC micros
  Micros local = 0;         // kInstant with an offset: the wall clock as written
  EpochUnit unit = EpochUnit::kNone;
  bool has_offset = false;  // ISO with Z or +hh:mm
  int offset_minutes = 0;
};

// HH:mm[:ss[.f...]] or HHmmss (when `compact`). Returns the length used, 0 on failure.
size_t ParseTimeOfDay(std::string_view s, size_t at, Micros* out) {
  int h, mi, sec = 0;
  size_t i = at;
  if (ReadDigits(s, i, 2, &h) && i + 2 < s.size() && s[i + 2] == ':') {
    if (!ReadDigits(s, i + 3, 2, &mi)) return 0;
    i += 5;
    if (i < s.size() && s[i] == ':') {
      if (!ReadDigits(s, i + 1, 2, &sec)) return 0;
      i += 3;
    }
  } else if (ReadDigits(s, i, 2, &h) && ReadDigits(s, i + 2, 2, &mi) && ReadDigits(s, i + 4, 2, &sec)) {
    i += 6;
  } else {
    return 0;
  }
  if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec))) return 0;
  if (sec == 60) sec = 59;  // a leap second in a vendor file: keep it inside its minute
  Micros frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    Micros scale = 100000;
    const size_t begin = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == begin) return 0;
  }
  *out = (h * 3600LL + mi * 60LL + sec) * kMicrosPerSecond + frac;
  return i - at;
}

// Parses a date at the start: yyyy-MM-dd, yyyy.MM.dd, yyyy/MM/dd or yyyyMMdd. Returns the
// length used (0 if none) and the day number.
size_t ParseDate(std::string_view s, int64_t* days) {
  int y, m, d;
  if (!ReadDigits(s, 0, 4, &y)) return 0;
  size_t used;
  if (s.size() >= 10 && (s[4] == '-' || s[4] == '.' || s[4] == '/') && s[7] == s[4]) {
    if (!ReadDigits(s, 5, 2, &m) || !ReadDigits(s, 8, 2, &d)) return 0;
    used = 10;
  } else if (ReadDigits(s, 4, 2, &m) && ReadDigits(s, 6, 2, &d)) {
    used = 8;
    if (s.size() > 8 && s[8] >= '0' && s[8] <= '9') return 0;  // a longer number: epoch
  } else {
    return 0;
  }
  if (!ValidDate(y, m, d)) return 0;
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return used;
}

const char* const kStampFormats =
    "expected epoch seconds/milliseconds, yyyy-MM-dd[ HH:mm[:ss]], yyyy.MM.dd, yyyyMMdd or "
    "ISO 8601 with an offset";

// "; pass --date-format ..." for a field that looks like a day-first or month-first date
// (15.01.2024, 01/15/2024 09:30), which the built-in stamp forms never read.
std::string DateFormatHint(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && i < 2 && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0 || i >= s.size() || (s[i] != '.' && s[i] != '/' && s[i] != '-')) return "";
  const char sep = s[i];
  std::string fmt = sep == '/' ? "%m/%d/%Y" : std::string("%d") + sep + "%m" + sep + "%Y";
  if (s.find(':') != std::string_view::npos) fmt += " %H:%M";
  return "; pass --date-format to say how dates are written, e.g. --date-format '" + fmt + "'";
}

// Parses a whole stamp field. Returns an error text or nullptr.
const char* ParseStamp(std::string_view s, Stamp* out) {
  if (s.empty()) return "is empty";
  int64_t days;
  if (const size_t used = ParseDate(s, &days)) {
    out->has_offset = false;
    out->unit = EpochUnit::kNone;
    if (used == s.size()) {
      out->kind = StampKind::kDate;
      out->value = days * kMicrosPerDay;
      return nullptr;
    }
    if (s[used] != 'T' && s[used] != ' ') return kStampFormats;
    Micros tod;
    const size_t t = ParseTimeOfDay(s, used + 1, &tod);
    if (t == 0) return "has a date but no valid time of day (HH:mm[:ss])";
    const Micros local = days * kMicrosPerDay + tod;
    size_t i = used + 1 + t;
    if (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) {
      out->kind = StampKind::kNaive;
      out->value = local;
      return nullptr;
    }
    int offset_min = 0;
    if (s.substr(i) == "Z" || s.substr(i) == "UTC" || s.substr(i) == "GMT") {
      offset_min = 0;
    } else if (s[i] == '+' || s[i] == '-') {
      int oh, om = 0;
      if (!ReadDigits(s, i + 1, 2, &oh)) return "has a UTC offset that is not +hh:mm";
      size_t j = i + 3;
      if (j < s.size() && s[j] == ':') ++j;
      if (j < s.size()) {
        if (!ReadDigits(s, j, 2, &om) || j + 2 != s.size()) return "has a UTC offset that is not +hh:mm";
      }
      if (oh > 14 || om > 59) return "has a UTC offset beyond +-14:00";
      offset_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    } else {
      return "has text after the time that is not a UTC offset (Z or +hh:mm)";
    }
    out->kind = StampKind::kInstant;
    out->has_offset = true;
    out->offset_minutes = offset_min;
    out->local = local;
    out->value = local - offset_min * 60LL * kMicrosPerSecond;
    return nullptr;
  }
  // Epoch: digits with an optional fraction (seconds only).
  size_t i = 0;
  uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (i >= 19) return "is a number too long for an epoch stamp";
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    ++i;
  }
  if (i == 0) return kStampFormats;
  Micros frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    Micros scale = 100000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  if (i != s.size()) return kStampFormats;
  // Magnitude tells the unit: seconds reach 1e11 only in the year 5138, milliseconds
  // 1e14 in 5138, and so on, while today's stamps are ~1.7e9, 1.7e12, 1.7e15, 1.7e18.
  out->kind = StampKind::kInstant;
  out->has_offset = false;
  if (v < 100000000000ULL) {
    out->unit = EpochUnit::kSeconds;
    out->value = static_cast<Micros>(v) * kMicrosPerSecond + frac;
  } else if (frac != 0) {
    return "is an epoch stamp with a fraction; only seconds may have one";
  } else if (v < 100000000000000ULL) {
    out->unit = EpochUnit::kMillis;
    out->value = static_cast<Micros>(v) * 1000;
  } else if (v < 100000000000000000ULL) {
    out->unit = EpochUnit::kMicros;
    out->value = static_cast<Micros>(v);
  } else {
    out->unit = EpochUnit::kNanos;
    out->value = static_cast<Micros>(v / 1000);
  }
  return nullptr;
}

const char* UnitName(EpochUnit u) {
  switch (u) {
    case EpochUnit::kSeconds: return "epoch seconds";
    case EpochUnit::kMillis: return "epoch milliseconds";
    case EpochUnit::kMicros: return "epoch microseconds";
    case EpochUnit::kNanos: return "epoch nanoseconds";
    default: return "";
  }
}

std::string FormatOffset(int minutes) {
  char buf[16];
  const int a = minutes < 0 ? -minutes : minutes;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
  return buf;
}

// ---------------------------------------------------------------------------------------
// Columns

enum Role { kTime, kDate, kOpen, kHigh, kLow, kClose, kVolume, kRoles };
const char* const kRoleNames[kRoles] = {"time", "date", "open", "high", "low", "close", "volume"};

// Lowercase ASCII, without spaces, '_', '-', '.', '<', '>' and quotes: "Open Time",
// "open_time" and "<OPEN>" compare as "opentime" and "open". Non-ASCII bytes are kept, so
// names like "A组1" simply match nothing.
std::string NormalizeName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char ch : name) {
    if (ch == ' ' || ch == '_' || ch == '-' || ch == '.' || ch == '<' || ch == '>' || ch == '"' ||
        ch == '\t') {
      continue;
    }
    out.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
  }
  return out;
}

// Aliases in preference order (the first that is present wins).
const std::vector<std::vector<std::string_view>>& Aliases() {
  static const auto* aliases = new std::vector<std::vector<std::string_view>>{
      // European broker exports (German, French, Spanish, Italian) name them in their
      // language; a cp1252 header is decoded to UTF-8 before it is compared, so the
      // accented names are written here in UTF-8 (lowercase: only ASCII is folded).
      /*time*/ {"time", "datetime", "timestamp", "opentime", "date/time", "gmttime", "localtime",
                "timeutc", "utctime", "datetimeutc", "ts", "bartime", "starttime", "period",
                "zeit", "uhrzeit", "heure", "hora", "ora"},
      /*date*/ {"date", "day", "tradedate", "tradingday", "sessiondate", "datum", "fecha", "data"},
      /*open*/ {"open", "o", "openprice", "opening", "first", "eröffnung", "eroeffnung", "erster",
                "ouverture", "apertura"},
      /*high*/ {"high", "h", "highprice", "max", "hoch", "haut", "plushaut", "máximo", "maximo",
                "massimo", "alto"},
      /*low*/ {"low", "l", "lowprice", "min", "tief", "bas", "plusbas", "mínimo", "minimo", "minino",
               "bajo", "basso"},
      /*close*/ {"close", "c", "closeprice", "last", "closing", "lastprice", "schluss", "schlusskurs",
                 "letzter", "clôture", "cloture", "fermeture", "dernier", "cierre", "chiusura",
                 "último", "ultimo"},
      /*volume*/ {"volume", "vol", "v", "tickvolume", "tickvol", "realvolume", "basevolume",
                  "quantity", "qty", "volumen"},
  };
  return *aliases;
}

bool IsAlias(const std::string& normalized) {
  for (const auto& list : Aliases()) {
    for (std::string_view a : list) {
      if (normalized == a) return true;
    }
  }
  return false;
}

struct Layout {
  char sep = ',';
  bool header = false;
  uint32_t header_line = 0;       // 0: no header
  std::vector<std::string> names;  // header names as written (as UTF-8: see header_decoded)
  bool header_decoded = false;     // the header was not UTF-8 and was read as cp1252
  int col[kRoles] = {-1, -1, -1, -1, -1, -1, -1};
  bool split_date_time = false;    // col[kDate] holds the date, col[kTime] the time of day
  std::string date_format;         // --columns date_format=...: how dates are written
  int needed = 0;                  // fields a row must have (1 + highest required column)
  std::vector<std::string> notes;
};

// Input bytes in a message: escaped, so the message stays valid UTF-8 (core/text.h).
std::string Quoted(std::string_view s, size_t max_bytes = 200) { return QuoteBytes(s, max_bytes); }

// --date-format (ParseOptions::columns key date_format): a strftime-like pattern of %d, %m,
// %Y, %y, %H, %M, %S and literal characters (a space matches one or more spaces). %d, %m,
// %H accept one or two digits. Dates only, or date and time of day.
Status CheckDateFormat(std::string_view fmt) {
  bool d = false, m = false, y = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') continue;
    if (++i == fmt.size()) break;
    switch (fmt[i]) {
      case 'd': d = true; break;
      case 'm': m = true; break;
      case 'Y': case 'y': y = true; break;
      case 'H': case 'M': case 'S': case '%': break;
      default:
        return Status::InvalidArgument("--date-format " + Quoted(fmt) + ": %" + std::string(1, fmt[i]) +
                                       " is not supported; use %d %m %Y %y %H %M %S (e.g. %d.%m.%Y)");
    }
  }
  if (!d || !m || !y) {
    return Status::InvalidArgument("--date-format " + Quoted(fmt) +
                                   " must hold a day, a month and a year: %d, %m and %Y (or %y), e.g. %d.%m.%Y");
  }
  return Status::OK();
}

// Parses all of `s` with `fmt` (CheckDateFormat'ed). False when it does not match.
bool ParseWithDateFormat(std::string_view s, std::string_view fmt, int64_t* days, Micros* tod, bool* has_time) {
  int y = -1, m = -1, d = -1, h = 0, mi = 0, sec = 0;
  *has_time = false;
  size_t i = 0;
  auto number = [&](int min_digits, int max_digits, int* out) {
    int n = 0, v = 0;
    while (n < max_digits && i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    *out = v;
    return n >= min_digits;
  };
  for (size_t k = 0; k < fmt.size(); ++k) {
    if (fmt[k] == '%' && k + 1 < fmt.size()) {
      bool ok = true;
      switch (fmt[++k]) {
        case 'd': ok = number(1, 2, &d); break;
        case 'm': ok = number(1, 2, &m); break;
        case 'Y': ok = number(4, 4, &y); break;
        case 'y':
          ok = number(2, 2, &y);
          y += y < 70 ? 2000 : 1900;
          break;
        case 'H': ok = number(1, 2, &h); *has_time = true; break;
        case 'M': ok = number(2, 2, &mi); *has_time = true; break;
        case 'S': ok = number(2, 2, &sec); *has_time = true; break;
        case '%': ok = i < s.size() && s[i++] == '%'; break;
        default: ok = false;
      }
      if (!ok) return false;
    } else if (fmt[k] == ' ') {
      if (i >= s.size() || s[i] != ' ') return false;
      while (i < s.size() && s[i] == ' ') ++i;
    } else if (i >= s.size() || s[i++] != fmt[k]) {
      return false;
    }
  }
  if (i != s.size() || !ValidDate(y, m, d) || h > 23 || mi > 59 || sec > 59) return false;
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  *tod = (h * 3600LL + mi * 60LL + sec) * kMicrosPerSecond;
  return true;
}

// Applies ParseOptions::columns to the layout.
Status ApplyColumnSpec(std::string_view spec, Layout* layout, const std::string& file_label) {
  bool explicit_role[kRoles] = {};
  size_t start = 0;
  while (start <= spec.size()) {
    size_t stop = spec.find(',', start);
    if (stop == std::string_view::npos) stop = spec.size();
    const std::string_view item = Trim(spec.substr(start, stop - start));
    start = stop + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("--columns item " + Quoted(item) +
                                     " is not KEY=COLUMN (e.g. time=Date,open=O,volume=Vol)");
    }
    const std::string key = NormalizeName(item.substr(0, eq));
    const std::string_view value = Trim(item.substr(eq + 1));
    if (key == "dateformat") {
      RETURN_IF_ERROR(CheckDateFormat(value));
      layout->date_format = std::string(value);
      continue;
    }
    int role = -1;
    for (int r = 0; r < kRoles; ++r) {
      if (key == kRoleNames[r]) role = r;
    }
    if (role < 0) {
      return Status::InvalidArgument("--columns key " + Quoted(item.substr(0, eq)) +
                                     " is not one of time, date, open, high, low, close, volume");
    }
    explicit_role[role] = true;
    if (role == kVolume && (value == "none" || value.empty())) {
      layout->col[kVolume] = -1;
      continue;
    }
    int found = -1;
    const std::string want = NormalizeName(value);
    for (size_t i = 0; i < layout->names.size() && found < 0; ++i) {
      if (layout->names[i] == value) found = static_cast<int>(i);
    }
    for (size_t i = 0; i < layout->names.size() && found < 0; ++i) {
      if (NormalizeName(layout->names[i]) == want) found = static_cast<int>(i);
    }
    if (found < 0 && !value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos &&
        value.size() < 4) {
      found = std::stoi(std::string(value)) - 1;  // 1-based column number
    }
    if (found < 0) {
      std::string names;
      for (const auto& n : layout->names) names += (names.empty() ? "" : ", ") + EscapeBytes(n, 200);
      return Status::InvalidInput(
          file_label + ": --columns " + EscapeBytes(item) + ": no column is named " + Quoted(value) +
          (layout->header ? " (the header has: " + names + ")" : " (the file has no header)") +
          "; give a header name or a 1-based column number");
    }
    layout->col[role] = found;
  }
  // A user-named time plus a date column means date + time of day.
  if (explicit_role[kTime] && explicit_role[kDate]) layout->split_date_time = true;
  if (explicit_role[kDate] && !explicit_role[kTime]) {
    layout->col[kTime] = -1;  // the date column is the stamp
  }
  return Status::OK();
}

// Works out delimiter, header and column positions from the first lines of a file.
// `first` / `second` are the first two non-blank lines (second may be empty).
Result<Layout> AnalyzeHead(std::string_view first, uint32_t first_line_no, std::string_view second,
                           std::string_view column_spec, const std::string& file_label) {
  Layout layout;
  layout.sep = SniffDelimiter(first);
  std::vector<std::string_view> fields;
  SplitFields(first, layout.sep, &fields);
  bool any_alias = false, any_number = false;
  for (std::string_view f : fields) {
    double v;
    if (IsAlias(NormalizeName(f))) any_alias = true;
    if (ParseNumber(f, &v)) any_number = true;
  }
  layout.header = any_alias || !any_number;
  std::string_view data_row = first;
  if (layout.header) {
    layout.header_line = first_line_no;
    // A header that is not UTF-8 comes from a Windows program (cp1252): decode it, so a
    // name the user types in --columns matches, and every message quotes real text.
    bool decoded_any = false;
    for (std::string_view f : fields) {
      bool decoded = false;
      layout.names.push_back(AsUtf8Text(f, &decoded));
      decoded_any = decoded_any || decoded;
    }
    layout.header_decoded = decoded_any;
    data_row = second;
  }
  std::vector<std::string_view> row;
  if (!data_row.empty()) SplitFields(data_row, layout.sep, &row);
  Micros tod;

  if (layout.header) {
    std::vector<std::string> norm;
    for (const auto& n : layout.names) norm.push_back(NormalizeName(n));
    for (int r = 0; r < kRoles; ++r) {
      for (std::string_view alias : Aliases()[r]) {
        if (layout.col[r] >= 0) break;
        for (size_t i = 0; i < norm.size(); ++i) {
          if (norm[i] == alias) {
            layout.col[r] = static_cast<int>(i);
            break;
          }
        }
      }
    }
    // "Date,Time,Open,..." holds date and time of day apart; "Date,Timestamp" or a lone
    // "time" column holds whole stamps. The first row decides.
    if (layout.col[kDate] >= 0 && layout.col[kTime] >= 0) {
      const int t = layout.col[kTime];
      layout.split_date_time = t < static_cast<int>(row.size()) &&
                               ParseTimeOfDay(row[t], 0, &tod) == row[t].size() && !row[t].empty();
    }
  } else {
    // Positional: date,time,o,h,l,c[,v] when the second field is a time of day.
    int64_t days;
    const bool split = row.size() >= 6 && ParseDate(row[0], &days) == row[0].size() &&
                       !row[1].empty() && ParseTimeOfDay(row[1], 0, &tod) == row[1].size();
    const int base = split ? 2 : 1;
    if (split) {
      layout.col[kDate] = 0;
      layout.col[kTime] = 1;
      layout.split_date_time = true;
    } else {
      layout.col[kTime] = 0;
    }
    layout.col[kOpen] = base;
    layout.col[kHigh] = base + 1;
    layout.col[kLow] = base + 2;
    layout.col[kClose] = base + 3;
    if (static_cast<int>(row.size()) > base + 4) layout.col[kVolume] = base + 4;
  }
  if (!column_spec.empty()) RETURN_IF_ERROR(ApplyColumnSpec(column_spec, &layout, file_label));
  if (!layout.split_date_time && layout.col[kTime] < 0) layout.col[kTime] = layout.col[kDate];
  if (!layout.split_date_time) layout.col[kDate] = -1;

  const std::string where = file_label + ":" + std::to_string(first_line_no) + ": ";
  std::string header_list;
  for (const auto& n : layout.names) header_list += (header_list.empty() ? "" : ", ") + EscapeBytes(n, 200);
  if (layout.col[kTime] < 0) {
    return Status::InvalidInput(where + "no column looks like a time column (header: " + header_list +
                                "); pass --columns time=NAME");
  }
  for (int r = kOpen; r <= kClose; ++r) {
    if (layout.col[r] < 0) {
      return Status::InvalidInput(where + "no column looks like the " + kRoleNames[r] +
                                  " price (header: " + header_list + "); pass --columns " +
                                  kRoleNames[r] + "=NAME");
    }
  }
  for (int r = 0; r < kRoles; ++r) layout.needed = std::max(layout.needed, layout.col[r] + 1);

  // Describe the decision for the report.
  std::string desc = SepName(layout.sep) + "-separated, " +
                     (layout.header ? "header on line " + std::to_string(layout.header_line)
                                    : std::string("no header (columns by position)")) +
                     "; ";
  int used_count = 0;
  for (int r = 0; r < kRoles; ++r) {
    if (layout.col[r] < 0) continue;
    ++used_count;
    const int c = layout.col[r];
    const char* role = r == kTime && layout.split_date_time ? "time of day" : kRoleNames[r];
    desc += std::string(used_count > 1 ? ", " : "") + role + "=" +
            (layout.header && c < static_cast<int>(layout.names.size()) ? Quoted(layout.names[c])
                                                                        : "#" + std::to_string(c + 1));
  }
  layout.notes.push_back(desc);
  if (layout.header_decoded) {
    layout.notes.push_back("the header is not UTF-8; its names were read as Windows-1252 (cp1252)");
  }
  if (layout.header) {
    std::vector<std::string> ignored;
    for (int i = 0; i < static_cast<int>(layout.names.size()); ++i) {
      bool used = false;
      for (int r = 0; r < kRoles; ++r) used = used || layout.col[r] == i;
      if (!used) ignored.push_back(layout.names[i].empty() ? "#" + std::to_string(i + 1) : EscapeBytes(layout.names[i], 200));
    }
    if (!ignored.empty()) {
      std::string list;
      for (size_t i = 0; i < ignored.size() && i < 8; ++i) list += (i ? ", " : "") + ignored[i];
      if (ignored.size() > 8) list += ", ...";
      layout.notes.push_back(std::to_string(ignored.size()) + " extra column" +
                             (ignored.size() == 1 ? "" : "s") + " ignored: " + list);
    }
  }
  return layout;
}

// The first two non-blank lines of `data` and the line number of the first.
void FirstLines(std::string_view data, std::string_view* first, uint32_t* first_no, std::string_view* second) {
  LineReader reader(data);
  std::string_view line;
  *first = {};
  *second = {};
  *first_no = 0;
  while (reader.Next(&line)) {
    if (Trim(line).empty()) continue;
    if (*first_no == 0) {
      *first = line;
      *first_no = reader.line_no();
    } else {
      *second = line;
      return;
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// The parser

Result<ParsedBars> ParseDelimited(std::string_view data, const ParseOptions& opt,
                                  const DelimitedDefaults& defaults) {
  const std::string stamp = opt.stamp.empty() ? std::string(defaults.stamp) : opt.stamp;
  if (stamp != "open" && stamp != "close") {
    return Status::InvalidArgument("--stamp '" + stamp + "' must be open or close");
  }
  ParsedBars out;
  std::string_view first, second;
  uint32_t first_no;
  FirstLines(data, &first, &first_no, &second);
  if (first_no == 0) {
    out.notes.push_back("the file holds no rows");
    LineReader reader(data);
    std::string_view line;
    while (reader.Next(&line)) ++out.blank_lines;
    return out;
  }
  ASSIGN_OR_RETURN(Layout layout, AnalyzeHead(first, first_no, second, opt.columns, opt.file_label));
  out.notes = layout.notes;

  // The zone for naive stamps: the format's own (documented by the vendor) or --tz.
  std::optional<TimeZone> fixed;
  TimeZone* zone = opt.source_tz;
  if (!defaults.fixed_zone.empty()) {
    ASSIGN_OR_RETURN(TimeZone z, TimeZone::Locate(std::string(defaults.fixed_zone)));
    fixed.emplace(std::move(z));
    zone = &*fixed;
  }

  const bool want_daily = opt.timeframe.is_daily_or_longer();
  ProblemList problems(opt.file_label);
  if (opt.keep_unparsed) problems.KeepIn(&out.unparsed);
  internal::ReserveParsedRows(&out, data.size() / 48 + 16);
  PageWarmer warmer(internal::ReservedColumns(out));
  const int c_time = layout.col[kTime], c_date = layout.col[kDate];
  const int c_val[5] = {layout.col[kOpen], layout.col[kHigh], layout.col[kLow], layout.col[kClose],
                        layout.col[kVolume]};
  static const char* kValueNames[5] = {"open", "high", "low", "close", "volume"};
  const char* time_field = layout.split_date_time ? "time" : kRoleNames[kTime];

  std::optional<StampKind> file_kind;  // every row must agree, or the conversion would mix
  std::set<int> offsets;
  std::set<EpochUnit> units;
  bool naive_has_time = false, date_rows = false;
  int64_t empty_volume = 0;
  std::vector<std::string_view> fields;
  LineReader reader(data, &opt.on_progress);
  std::string_view line;
  while (reader.Next(&line)) {
    warmer.Reached(out.bars.size());
    const uint32_t line_no = reader.line_no();
    if (line_no == layout.header_line) continue;
    if (Trim(line).empty()) {
      ++out.blank_lines;
      continue;
    }
    ++out.rows_read;
    SplitFields(line, layout.sep, &fields);
    if (static_cast<int>(fields.size()) < layout.needed) {
      // Name the first required column the row lacks.
      int missing = c_time;
      for (int r = 0; r < kRoles; ++r) {
        if (layout.col[r] >= static_cast<int>(fields.size()) &&
            (missing < static_cast<int>(fields.size()) || layout.col[r] < missing)) {
          missing = layout.col[r];
        }
      }
      std::string field = "?";
      for (int r = 0; r < kRoles; ++r) {
        if (layout.col[r] == missing) field = r == kTime && layout.split_date_time ? "time" : kRoleNames[r];
      }
      problems.Add(line_no, field,
                   "missing (the row has " + std::to_string(fields.size()) + " fields separated by " +
                       SepName(layout.sep) + ", " + std::to_string(layout.needed) + " are needed)");
      continue;
    }
    // Stamp.
    Stamp st;
    if (layout.split_date_time) {
      int64_t days;
      Micros tod;
      const std::string_view d = fields[c_date], t = fields[c_time];
      if (!layout.date_format.empty()) {
        Micros unused;
        bool with_time;
        if (!ParseWithDateFormat(d, layout.date_format, &days, &unused, &with_time) || with_time) {
          problems.Add(line_no, "date", Quoted(d, 30) + " is not a date written as --date-format " +
                                            Quoted(layout.date_format));
          continue;
        }
      } else if (ParseDate(d, &days) != d.size() || d.empty()) {
        problems.Add(line_no, "date", Quoted(d, 30) + " is not a date (yyyy-MM-dd, yyyy.MM.dd or yyyyMMdd)" +
                                          DateFormatHint(d));
        continue;
      }
      if (t.empty() || ParseTimeOfDay(t, 0, &tod) != t.size()) {
        problems.Add(line_no, "time", Quoted(t, 30) + " is not a time of day (HH:mm[:ss])");
        continue;
      }
      st.kind = StampKind::kNaive;
      st.value = days * kMicrosPerDay + tod;
    } else if (!layout.date_format.empty()) {
      int64_t days;
      Micros tod;
      bool with_time;
      if (!ParseWithDateFormat(Trim(fields[c_time]), layout.date_format, &days, &tod, &with_time)) {
        problems.Add(line_no, time_field, Quoted(fields[c_time], 40) + " is not written as --date-format " +
                                              Quoted(layout.date_format));
        continue;
      }
      st.kind = with_time ? StampKind::kNaive : StampKind::kDate;
      st.value = days * kMicrosPerDay + tod;
    } else if (const char* err = ParseStamp(fields[c_time], &st)) {
      problems.Add(line_no, time_field, Quoted(fields[c_time], 40) + " " + err + DateFormatHint(fields[c_time]));
      continue;
    }
    if (!file_kind) file_kind = st.kind;
    if (*file_kind != st.kind) {
      static const char* kKinds[] = {"a date", "a local time without UTC offset",
                                     "an instant (epoch or UTC offset)"};
      problems.Add(line_no, time_field,
                   "is " + std::string(kKinds[static_cast<int>(st.kind)]) + " but the first row has " +
                       kKinds[static_cast<int>(*file_kind)] + "; a file must use one kind of stamp");
      continue;
    }
    if (st.kind == StampKind::kDate) {
      if (!want_daily) {
        return Status::InvalidInput(opt.file_label + ":" + std::to_string(line_no) + ": field '" +
                                    time_field + "': the file has date-only stamps (daily bars) but the timeframe is " +
                                    opt.timeframe.name() + "; pass --timeframe 1d");
      }
      date_rows = true;
    } else if (st.kind == StampKind::kNaive) {
      naive_has_time = true;
    } else {
      if (st.has_offset && offsets.size() < 8) offsets.insert(st.offset_minutes);
      if (st.unit != EpochUnit::kNone) units.insert(st.unit);
    }
    // Values.
    double values[5];
    bool ok = true;
    for (int f = 0; f < 5; ++f) {
      if (c_val[f] < 0) {
        values[f] = 0;  // no volume column
        continue;
      }
      const std::string_view v = fields[c_val[f]];
      if (v.empty()) {
        if (f == 4) {
          values[f] = 0;
          ++empty_volume;
          continue;
        }
        problems.Add(line_no, kValueNames[f], "is empty");
        ok = false;
        break;
      }
      if (!ParseNumber(v, &values[f])) {
        problems.Add(line_no, kValueNames[f], Quoted(v, 30) + " is not a number");
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    // Daily rows keep their date; an instant's date is taken where it was written (its
    // offset) or, for epoch stamps, in the source zone; except an epoch stamp at exactly
    // 00:00 UTC, which is a UTC date (Binance, crypto charts): in a zone west of UTC it
    // would otherwise land on the previous day.
    Micros ts = st.value;
    if (want_daily) {
      Micros local = st.value;
      if (st.kind == StampKind::kInstant) {
        const bool utc_midnight = !st.has_offset && st.value % kMicrosPerDay == 0;
        const TimeZone* date_zone = opt.daily_date_zone;  // the exchange's, else UTC
        local = st.has_offset ? st.local
                : utc_midnight ? st.value
                               : st.value + (date_zone ? date_zone->OffsetAt(st.value) * kMicrosPerSecond : 0);
      }
      ts = (local >= 0 ? local / kMicrosPerDay : (local - kMicrosPerDay + 1) / kMicrosPerDay) * kMicrosPerDay;
    }
    internal::PushBar(&out, ts, values, line_no);
  }
  RETURN_IF_ERROR(problems.ToStatus(
      "Fix these lines or export the file again, then re-run the import (the " +
      std::string(defaults.format_name) + " format reads " + SepName(layout.sep) +
      "-separated rows; name columns with --columns time=NAME,open=NAME,...)."));

  const size_t n = out.bars.size();
  const bool newest_first = n >= 2 && out.bars.ts.front() > out.bars.ts.back();
  // Naive intraday stamps: convert in time order so the DST rule (which looks at the
  // previous stamp) sees a chronological file even when it runs newest first.
  if (!want_daily && file_kind == StampKind::kNaive) {
    if (!zone) {
      return Status::InvalidArgument(opt.file_label + ": the stamps have no UTC offset; pass --tz ZONE "
                                     "(the zone of the exporting machine or broker)");
    }
    Micros previous = std::numeric_limits<Micros>::min();
    for (size_t k = 0; k < n; ++k) {
      const size_t i = newest_first ? n - 1 - k : k;
      TimeZone::LocalKind kind;
      const Micros utc = zone->LocalToUtc(out.bars.ts[i], previous, &kind);
      if (kind == TimeZone::LocalKind::kNonexistent) ++out.nonexistent_local;
      if (kind == TimeZone::LocalKind::kAmbiguous) ++out.ambiguous_local;
      previous = utc;
      out.bars.ts[i] = utc;
    }
    out.source_tz_used = n > 0 && zone == opt.source_tz;
    if (!defaults.fixed_zone.empty()) {
      std::string note = "stamps have no UTC offset; read as " + std::string(defaults.fixed_zone) +
                         " (the " + std::string(defaults.format_name) + " vendor's documented zone)";
      if (opt.source_tz && opt.source_tz->name() != defaults.fixed_zone) {
        note += ", not " + opt.source_tz->name();
      }
      out.notes.push_back(note);
    } else {
      out.notes.push_back("stamps have no UTC offset; read as " + zone->name());
    }
  }
  if (want_daily && naive_has_time) out.notes.push_back("daily bars: each row's date is kept, its time of day dropped");
  if (want_daily && !units.empty()) {
    out.notes.push_back("daily bars: epoch stamps take their date in " +
                        (opt.daily_date_zone ? opt.daily_date_zone->name() + " (the calendar's zone)"
                                             : std::string("UTC (no calendar)")));
  }
  if (date_rows) out.notes.push_back("stamps are dates (daily bars)");
  for (EpochUnit u : units) {
    out.notes.push_back(std::string("stamps are ") + UnitName(u) + " (told apart by magnitude)");
  }
  if (!offsets.empty()) {
    std::string list;
    for (int o : offsets) list += (list.empty() ? "" : ", ") + FormatOffset(o);
    out.notes.push_back(offsets.size() == 1
                            ? "stamps carry the UTC offset " + list
                            : "stamps carry UTC offsets " + list +
                                  " (the offset changes inside the file, e.g. at DST); each row uses its own");
  }
  if (stamp == "close" && !want_daily) {
    for (Micros& t : out.bars.ts) t -= opt.timeframe.micros();
    out.notes.push_back("stamps mark bar close: moved back one bar (" + opt.timeframe.name() + ") to the open time");
  }
  if (c_val[4] < 0) out.notes.push_back("no volume column: volume is 0");
  if (empty_volume > 0) {
    out.notes.push_back(std::to_string(empty_volume) + " row" + (empty_volume == 1 ? " has" : "s have") +
                        " an empty volume, read as 0");
  }
  if (newest_first) out.notes.push_back("rows run newest first; the import sorts them by time");
  return out;
}

// ---------------------------------------------------------------------------------------
// Formats

namespace {

// True when the first data row parses under the generic rules; fills `why` either way.
bool ProbeGeneric(std::string_view head, Layout* layout, Stamp* first_stamp, Stamp* second_stamp,
                  std::string* why) {
  std::string_view first, second;
  uint32_t first_no;
  FirstLines(head, &first, &first_no, &second);
  if (first_no == 0) {
    *why = "the file is empty";
    return false;
  }
  auto r = AnalyzeHead(first, first_no, second, "", "file");
  if (!r.ok()) {
    *why = r.status().message();
    return false;
  }
  *layout = std::move(r).value();
  // The first data row and the one after it.
  std::string_view rows[2];
  int got = 0;
  LineReader reader(head);
  std::string_view line;
  while (got < 2 && reader.Next(&line)) {
    if (reader.line_no() == layout->header_line || Trim(line).empty()) continue;
    if (reader.pos() > head.size() && got == 1) break;  // possibly cut at 64 KiB
    rows[got++] = line;
  }
  if (got == 0) {
    *why = "there is a header but no data row";
    return false;
  }
  Stamp* stamps[2] = {first_stamp, second_stamp};
  std::vector<std::string_view> f;
  for (int k = 0; k < got; ++k) {
    SplitFields(rows[k], layout->sep, &f);
    if (static_cast<int>(f.size()) < layout->needed) {
      *why = "the first data row has " + std::to_string(f.size()) + " fields, " +
             std::to_string(layout->needed) + " are needed";
      return false;
    }
    if (layout->split_date_time) {
      int64_t days;
      Micros tod;
      if (ParseDate(f[layout->col[kDate]], &days) == 0 || ParseTimeOfDay(f[layout->col[kTime]], 0, &tod) == 0) {
        *why = "the first data row has no date and time of day";
        return false;
      }
      stamps[k]->kind = StampKind::kNaive;
      stamps[k]->value = days * kMicrosPerDay + tod;
    } else if (ParseStamp(f[layout->col[kTime]], stamps[k]) != nullptr) {
      *why = "the first data row's time " + Quoted(f[layout->col[kTime]], 30) + " is not a stamp";
      return false;
    }
    double v;
    for (int role = kOpen; role <= kClose; ++role) {
      if (!ParseNumber(f[layout->col[role]], &v)) {
        *why = std::string("the first data row's ") + kRoleNames[role] + " is not a number";
        return false;
      }
    }
  }
  if (got < 2) *second_stamp = *first_stamp;
  return true;
}

// For formats known by their header line: a refusal when the first line (after a BOM)
// does not start with `header` ("<refusal> '<header>'") or the file is not delimited bars;
// else nullopt with the first two stamps in *a and *b.
std::optional<Detection> ProbeWithHeader(std::string_view head, std::string_view header, const char* refusal,
                                         Stamp* a, Stamp* b) {
  std::string_view first, second;
  uint32_t no;
  FirstLines(head, &first, &no, &second);
  if (first.substr(0, 3) == kBom) first.remove_prefix(3);
  if (first.substr(0, header.size()) != header) {
    return Detection{0, std::string(refusal) + " '" + std::string(header) + "'"};
  }
  Layout layout;
  std::string why;
  if (!ProbeGeneric(head, &layout, a, b, &why)) return Detection{0, why};
  return std::nullopt;
}

// A format read by ParseDelimited under its own name, bar open stamps by default, and (when
// the vendor documents one) a fixed zone for naive stamps.
class DelimitedFormat : public BarFormat {
 public:
  Result<ParsedBars> Parse(std::string_view data, const ParseOptions& options) const override {
    return ParseDelimited(data, options, {name(), "open", fixed_zone_});
  }

 protected:
  DelimitedFormat(std::string_view name, std::string_view description, std::string_view fixed_zone = "")
      : BarFormat(name, description), fixed_zone_(fixed_zone) {}

 private:
  const std::string_view fixed_zone_;  // a string literal
};

class CsvFormat : public DelimitedFormat {
 public:
  CsvFormat()
      : DelimitedFormat("csv",
                        "Generic delimited text (CSV, TSV, ';'): header optional, columns by name or --columns") {}
  Detection Detect(std::string_view head, std::string_view) const override {
    if (LooksLikeNinjaTrader(head)) {
      return {10, "lines look like NinjaTrader's 'yyyyMMdd HHmmss;...' (close stamps); prefer --format ninjatrader"};
    }
    Layout layout;
    Stamp a, b;
    std::string why;
    if (!ProbeGeneric(head, &layout, &a, &b, &why)) return {0, "not delimited bars: " + why};
    // Below every specific format (those score 80+), so a file they recognise goes to them.
    return {layout.header ? 50 : 40, "delimited text: " + layout.notes.front()};
  }
  Result<ParsedBars> Parse(std::string_view data, const ParseOptions& options) const override {
    // A NinjaTrader export stamps bars at their close; read as generic CSV every bar would
    // be stored one bar late without a word. The user must say which stamps these are.
    if (options.stamp.empty() && LooksLikeNinjaTrader(data.substr(0, 64 * 1024))) {
      return Status::InvalidArgument(
          ToValidUtf8(options.file_label) +
          ": the lines look like a NinjaTrader export ('yyyyMMdd HHmmss;open;...'), whose "
          "stamps are bar close times, but --format csv reads stamps as bar open times. Import "
          "it with --format ninjatrader, or say what the stamps mark with --stamp close (or "
          "--stamp open)");
    }
    return DelimitedFormat::Parse(data, options);
  }
};

class MetaTraderFormatImpl : public DelimitedFormat {
 public:
  MetaTraderFormatImpl()
      : DelimitedFormat("metatrader",
                        "MetaTrader History Center export: yyyy.MM.dd,HH:mm,o,h,l,c,tickvolume (broker time: --tz)") {}
  Detection Detect(std::string_view head, std::string_view) const override {
    std::string_view first, second;
    uint32_t no;
    FirstLines(head, &first, &no, &second);
    int64_t days;
    Micros tod;
    // MT5 exports name their columns <DATE>, <TIME>, <OPEN>...
    if (first.substr(0, 6) == "<DATE>") {
      return {85, "header starts '<DATE>' (MetaTrader 5 export)"};
    }
    const bool dotted = first.size() > 16 && first[4] == '.' && first[7] == '.' && ParseDate(first, &days) == 10 &&
                        (first[10] == ',' || first[10] == ';' || first[10] == '\t') &&
                        ParseTimeOfDay(first, 11, &tod) >= 5;
    if (dotted) {
      return {85, "lines start 'yyyy.MM.dd" + std::string(1, first[10]) +
                      "HH:mm' (MetaTrader History Center export)"};
    }
    return {0, "first line does not start 'yyyy.MM.dd,HH:mm'"};
  }
};

class TradingViewFormatImpl : public DelimitedFormat {
 public:
  TradingViewFormatImpl()
      : DelimitedFormat("tradingview",
                        "TradingView 'Export chart data': time,open,high,low,close,<plots>,Volume (epoch or ISO with offset)") {}
  Detection Detect(std::string_view head, std::string_view) const override {
    Stamp a, b;
    if (auto refusal = ProbeWithHeader(head, "time,open,high,low,close", "header does not start", &a, &b)) return *refusal;
    // Exports stamp with epoch seconds, an ISO offset, or (daily charts) a date; naive
    // stamps come from elsewhere (Alpha Vantage's intraday CSV has the same header).
    if (a.kind == StampKind::kNaive) {
      return {0, "header is 'time,open,high,low,close' but stamps have no UTC offset (not TradingView)"};
    }
    const char* kind = a.kind == StampKind::kDate ? "dates"
                       : a.has_offset            ? "ISO 8601 with a UTC offset"
                                                 : UnitName(a.unit);
    return {85, std::string("header starts 'time,open,high,low,close' and times are ") + kind +
                    " (TradingView chart export)"};
  }
};

class FirstRateFormatImpl : public DelimitedFormat {
 public:
  FirstRateFormatImpl()
      : DelimitedFormat("firstrate",
                        "FirstRate Data: timestamp,open,high,low,close,volume (US Eastern, bar open times)",
                        "America/New_York") {}
  Detection Detect(std::string_view head, std::string_view file_name) const override {
    Stamp a, b;
    if (auto refusal = ProbeWithHeader(head, "timestamp,open,high,low,close,volume", "header is not", &a, &b)) return *refusal;
    if (a.kind == StampKind::kInstant) return {0, "stamps carry a zone; FirstRate's are naive US Eastern"};
    // Alpha Vantage's CSV has the same header but runs newest first.
    if (b.value < a.value) return {0, "rows run newest first; FirstRate files run oldest first"};
    std::string lower;
    for (char ch : file_name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    const bool named = lower.find("firstrate") != std::string::npos;
    return {named ? 88 : 80, std::string("header is 'timestamp,open,high,low,close,volume' with naive ") +
                                 (a.kind == StampKind::kDate ? "dates" : "'yyyy-MM-dd HH:mm:ss' stamps") +
                                 ", oldest first" + (named ? " and the name says FirstRate" : "") +
                                 " (FirstRate Data; read as US Eastern)"};
  }
};

}  // namespace

const BarFormat* DelimitedCsvFormat() { return internal::FormatInstance<CsvFormat>(); }
const BarFormat* MetaTraderFormat() { return internal::FormatInstance<MetaTraderFormatImpl>(); }
const BarFormat* TradingViewFormat() { return internal::FormatInstance<TradingViewFormatImpl>(); }
const BarFormat* FirstRateFormat() { return internal::FormatInstance<FirstRateFormatImpl>(); }

}  // namespace barlake::ingest
