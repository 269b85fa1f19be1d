#include "core/time_util.h"

#include <charconv>
#include <cstdio>

#include "core/text.h"

namespace barlake {

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms).
int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yy + (*m <= 2));
}

std::string FormatIsoUtc(Micros ts) {
  int64_t days = ts / kMicrosPerDay;
  int64_t rem = ts % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  const int64_t secs = rem / kMicrosPerSecond;
  const int64_t frac = rem % kMicrosPerSecond;
  char buf[48];
  if (frac == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d,
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                  static_cast<int>(secs % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", y, m, d,
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                  static_cast<int>(secs % 60), static_cast<int>(frac));
  }
  return buf;
}

namespace {
bool ReadInt(const std::string& s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, *out);
  return ec == std::errc() && p == s.data() + pos + len;
}
}  // namespace

Result<Micros> ParseIsoUtc(const std::string& text) {
  auto bad = [&] {
    return Status::InvalidArgument("time " + QuoteBytes(text) +
                                   " is not ISO 8601; use e.g. 2024-01-15 or 2024-01-15T14:30:00Z");
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!ReadInt(text, 0, 4, &y) || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
      !ReadInt(text, 5, 2, &mo) || !ReadInt(text, 8, 2, &d) || mo < 1 || mo > 12 || d < 1) {
    return bad();
  }
  // Not rolled over into the next month: 2024-02-30 is a typo, not 2024-03-01.
  if (d > DaysInMonth(y, mo)) {
    return Status::InvalidArgument("time " + QuoteBytes(text) + " is not a date: " + text.substr(0, 7) + " has " +
                                   std::to_string(DaysInMonth(y, mo)) + " days");
  }
  size_t pos = 10;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    if (!ReadInt(text, pos + 1, 2, &h) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ReadInt(text, pos + 4, 2, &mi)) {
      return bad();
    }
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!ReadInt(text, pos + 1, 2, &s)) return bad();
      pos += 3;
    }
    if (h > 23 || mi > 59 || s > 60) return bad();
  }
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      ++pos;
    } else if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 &&
               text[pos + 3] == ':') {
      int oh, om;
      if (!ReadInt(text, pos + 1, 2, &oh) || !ReadInt(text, pos + 4, 2, &om)) return bad();
      offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
      pos = text.size();
    } else {
      return bad();
    }
  }
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * kMicrosPerDay + ((h * 3600LL + mi * 60LL + s) - offset_minutes * 60) * kMicrosPerSecond;
}

}  // namespace barlake
