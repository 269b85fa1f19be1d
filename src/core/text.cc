#include "core/text.h"

#include <cctype>

namespace barlake {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

void AppendHexEscape(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->append("\\x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

// Length of the sequence at s[0] as shown by the escaping helpers: a well-formed sequence
// is kept whole, any other byte stands alone (and is escaped).
size_t UnitLength(std::string_view s) {
  const size_t n = Utf8SequenceLength(s);
  return n == 0 ? 1 : n;
}

}  // namespace

size_t Utf8SequenceLength(std::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t len;
  // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and values
  // above U+10FFFF (F4); C0, C1 and F5..FF never start a sequence.
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (!IsContinuation(b(i))) return 0;
  }
  return len;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {  // ASCII fast path
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) {
      AppendHexEscape(c, &out);
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s.substr(i));
    if (n == 0) {
      AppendHexEscape(c, &out);
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string_view Utf8Prefix(std::string_view s, size_t max_bytes) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = UnitLength(s.substr(i));
    if (i + n > max_bytes) break;
    i += n;
  }
  return s.substr(0, i);
}

std::string EscapeBytes(std::string_view s, size_t max_bytes) {
  const std::string_view shown = Utf8Prefix(s, max_bytes);
  std::string out;
  out.reserve(shown.size() + 3);
  size_t i = 0;
  while (i < shown.size()) {
    const unsigned char c = static_cast<unsigned char>(shown[i]);
    if (c == '\\') {
      out.append("\\\\");
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      AppendHexEscape(c, &out);
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (const size_t n = Utf8SequenceLength(shown.substr(i)); n > 0) {
      out.append(shown.substr(i, n));
      i += n;
    } else {
      AppendHexEscape(c, &out);
      ++i;
    }
  }
  if (shown.size() < s.size()) out.append("...");
  return out;
}

std::string QuoteBytes(std::string_view s, size_t max_bytes) {
  return "'" + EscapeBytes(s, max_bytes) + "'";
}

std::string PercentEncode(std::string_view s, bool keep_slash) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

}  // namespace barlake
