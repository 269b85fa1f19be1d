#include "core/timeframe.h"

#include <charconv>

#include "core/time_util.h"

namespace barlake {

Result<Timeframe> Timeframe::Parse(const std::string& text) {
  auto bad = [&] {
    return Status::InvalidArgument("timeframe '" + text +
                                   "' is not valid; use <N>m, <N>h, 1d, 1w or 1mo, e.g. 1m, 5m, 1h, 1d");
  };
  if (text.size() > 2 && text.compare(text.size() - 2, 2, "mo") == 0) {
    if (text != "1mo") return bad();
    return Timeframe(31 * 86400, text, /*monthly=*/true);
  }
  if (text.size() < 2) return bad();
  int64_t n = 0;
  const char* begin = text.data();
  const char* unit = text.data() + text.size() - 1;
  auto [ptr, ec] = std::from_chars(begin, unit, n);
  if (ec != std::errc() || ptr != unit || n <= 0 || text[0] == '0') return bad();
  switch (*unit) {
    case 'm':
      if (n > 1440 || 1440 % n != 0) {
        return Status::InvalidArgument("timeframe '" + text +
                                       "': minute bars must divide a day (1m..1440m)");
      }
      return Timeframe(n * 60, text);
    case 'h':
      if (n > 24 || 24 % n != 0) {
        return Status::InvalidArgument("timeframe '" + text + "': hour bars must divide a day");
      }
      return Timeframe(n * 3600, text);
    case 'd':
      if (n != 1) return bad();
      return Timeframe(86400, text);
    case 'w':
      if (n != 1) return bad();
      return Timeframe(7 * 86400, text);
    default:
      return bad();
  }
}

bool IsMonthStart(int64_t ts) {
  if (ts % kMicrosPerDay != 0) return false;
  int y;
  unsigned m, d;
  CivilFromDays(ts / kMicrosPerDay, &y, &m, &d);
  return d == 1;
}

}  // namespace barlake
