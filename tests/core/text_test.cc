#include "core/text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/json_text.h"
#include "core/result.h"
#include "core/status.h"

namespace barlake {
namespace {

using namespace std::string_literals;

// An independent UTF-8 check: nlohmann's strict dump() throws on invalid UTF-8.
bool StrictJsonAccepts(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

TEST(TextTest, ValidSequencesOfEveryLengthAreValid) {
  for (const std::string& s : {"plain ascii"s, "caf\xC3\xA9"s, "\xE2\x82\xAC 12"s, "\xF0\x9F\x93\x88"s, ""s,
                              "\xED\x9F\xBF"s /* U+D7FF */, "\xEE\x80\x80"s /* U+E000 */,
                              "\xF4\x8F\xBF\xBF"s /* U+10FFFF */, "nul\0inside"s}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_TRUE(StrictJsonAccepts(s));
  }
}

// Every class of ill-formed input, with the escaped text it must become.
struct InvalidCase {
  const char* what;
  std::string bytes;
  std::string escaped;
};

TEST(TextTest, EveryInvalidSequenceClassIsEscapedByteByByte) {
  const InvalidCase cases[] = {
      {"lone continuation byte", "a\x80z", "a\\x80z"},
      {"UTF-16 LE byte-order mark", "\xFF\xFE" "1.25", "\\xFF\\xFE1.25"},
      {"cp1252 smart quotes", "\x93hi\x94", "\\x93hi\\x94"},
      {"Latin-1 e-acute", "caf\xE9", "caf\\xE9"},
      {"C0 overlong start", "\xC0\xAF", "\\xC0\\xAF"},
      {"C1 overlong start", "\xC1\xBF", "\\xC1\\xBF"},
      {"E0 overlong (U+007F as 3 bytes)", "\xE0\x81\xBF", "\\xE0\\x81\\xBF"},
      {"F0 overlong", "\xF0\x80\x80\x80", "\\xF0\\x80\\x80\\x80"},
      {"surrogate U+D800", "\xED\xA0\x80", "\\xED\\xA0\\x80"},
      {"above U+10FFFF", "\xF4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"},
      {"F5 lead byte", "\xF5\x80\x80\x80", "\\xF5\\x80\\x80\\x80"},
      {"two-byte sequence cut short", "x\xC3", "x\\xC3"},
      {"three-byte sequence cut short", "\xE2\x82z", "\\xE2\\x82z"},
      {"four-byte sequence cut short at the end", "\xF0\x9F\x93", "\\xF0\\x9F\\x93"},
      {"NUL byte", "4\0" "800"s, "4\\x00800"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    if (c.bytes.find('\0') == std::string::npos) {
      EXPECT_FALSE(IsValidUtf8(c.bytes));
      EXPECT_FALSE(StrictJsonAccepts(c.bytes));
    }
    EXPECT_EQ(ToValidUtf8(c.bytes), c.escaped);
    EXPECT_EQ(EscapeBytes(c.bytes, 100), c.escaped);
    EXPECT_TRUE(StrictJsonAccepts(ToValidUtf8(c.bytes)));
    EXPECT_TRUE(StrictJsonAccepts(EscapeBytes(c.bytes, 100)));
  }
}

TEST(TextTest, ValidTextIsKeptAsIs) {
  const std::string s = "line 1\nEr\xC3\xB6" "ffnung \xE2\x82\xAC";
  EXPECT_EQ(ToValidUtf8(s), s);
  EXPECT_EQ(EscapeBytes("Er\xC3\xB6" "ffnung \xE2\x82\xAC", 100), "Er\xC3\xB6" "ffnung \xE2\x82\xAC");
}

TEST(TextTest, EscapeBytesShowsControlBytesAndBackslashUnambiguously) {
  EXPECT_EQ(EscapeBytes("a\tb\r\n\x7F", 100), "a\\x09b\\x0D\\x0A\\x7F");
  // A literal backslash in the input cannot be mistaken for an escaped byte.
  EXPECT_EQ(EscapeBytes("\\xFF", 100), "\\\\xFF");
  EXPECT_EQ(EscapeBytes("\xFF", 100), "\\xFF");
  EXPECT_EQ(QuoteBytes("1.25\xFF\xFE"), "'1.25\\xFF\\xFE'");
}

TEST(TextTest, TruncationNeverCutsACodePoint) {
  // 1 + 14 * 2 = 29 bytes fit in 30; the 15th e-acute would end at byte 31.
  std::string s = "x";
  for (int i = 0; i < 20; ++i) s += "\xC3\xA9";
  const std::string_view prefix = Utf8Prefix(s, 30);
  EXPECT_EQ(prefix.size(), 29u);
  EXPECT_TRUE(IsValidUtf8(prefix));
  const std::string shown = EscapeBytes(s, 30);
  EXPECT_EQ(shown, std::string(prefix) + "...");
  EXPECT_TRUE(StrictJsonAccepts(shown));
  // A four-byte character straddling the limit is left out whole.
  EXPECT_EQ(Utf8Prefix("ab\xF0\x9F\x93\x88", 5), "ab");
  EXPECT_EQ(Utf8Prefix("ab\xF0\x9F\x93\x88", 6), "ab\xF0\x9F\x93\x88");
  // Invalid bytes count one each and are never merged with what follows.
  EXPECT_EQ(EscapeBytes("\xFF\xFE\xFD", 2), "\\xFF\\xFE...");
  // Nothing to cut: no marker.
  EXPECT_EQ(EscapeBytes("12345", 5), "12345");
  EXPECT_EQ(EscapeBytes("123456", 5), "12345...");
  EXPECT_EQ(EscapeBytes("", 5), "");
}

TEST(TextTest, StatusMessagesAreValidUtf8ByConstruction) {
  const Status s = Status::InvalidInput("bad.txt:3: field 'high': '1.25\xFF\xFE' is not a number"s + '\0');
  EXPECT_EQ(s.message(), "bad.txt:3: field 'high': '1.25\\xFF\\xFE' is not a number\\x00");
  EXPECT_TRUE(StrictJsonAccepts(s.message()));
  const Status io = Status::FromErrno(2, "open", "/tmp/caf\xE9.txt");
  EXPECT_NE(io.message().find("'/tmp/caf\\xE9.txt'"), std::string::npos) << io.message();
  // Valid messages are untouched.
  EXPECT_EQ(Status::NotFound("Er\xC3\xB6" "ffnung").message(), "Er\xC3\xB6" "ffnung");
}

TEST(TextTest, ToJsonTextNeverThrowsOnInvalidUtf8) {
  nlohmann::json j = {{"message", "price '1.25\xFF\xFE'"}, {"ok", "caf\xC3\xA9"}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // what ToJsonText protects from
  std::string text;
  ASSERT_NO_THROW(text = ToJsonText(j));
  auto back = nlohmann::json::parse(text);  // parse() rejects invalid UTF-8
  EXPECT_EQ(back["ok"], "caf\xC3\xA9");
  EXPECT_EQ(back["message"], "price '1.25\xEF\xBF\xBD\xEF\xBF\xBD'");  // U+FFFD twice
  EXPECT_EQ(ToJsonText(nlohmann::json{{"a", 1}}, 2), "{\n  \"a\": 1\n}");
}

TEST(ResultDeathTest, ValueOfAnErrorAbortsWithTheStatus) {
  Result<int> r(Status::NotFound("no such dataset 'ES 1m'"));
  EXPECT_DEATH((void)r.value(), "Result::value\\(\\) on an error: NotFound: no such dataset 'ES 1m'");
  Result<int> fine(7);
  EXPECT_EQ(fine.value(), 7);
}

}  // namespace
}  // namespace barlake
