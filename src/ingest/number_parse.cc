#include "ingest/number_parse.h"

#include <charconv>
#include <cstdint>

namespace barlake::ingest {
namespace {
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
}

bool ParseDouble(std::string_view f, double* out) {
  const char* p = f.data();
  const char* end = p + f.size();
  if (p == end) return false;
  bool neg = false;
  if (*p == '-' || *p == '+') {
    neg = *p == '-';
    ++p;
  }
  uint64_t mant = 0;
  int digits = 0, frac = 0;
  bool dot = false, any = false;
  const char* q = p;
  for (; q < end; ++q) {
    const char c = *q;
    if (c >= '0' && c <= '9') {
      any = true;
      if (mant == 0 && c == '0' && !dot) continue;  // leading zeros
      mant = mant * 10 + static_cast<uint64_t>(c - '0');
      ++digits;
      if (dot) ++frac;
      if (digits > 15) break;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (q == end && any && frac <= 15) {
    const double v = static_cast<double>(mant) / kPow10[frac];
    *out = neg ? -v : v;
    return true;
  }
  // Slow path: from_chars does not accept a leading '+'.
  const char* s = f.data();
  if (*s == '+') ++s;
  auto [ptr, ec] = std::from_chars(s, end, *out);
  return ec == std::errc() && ptr == end;
}

}  // namespace barlake::ingest
