// Input of every import format with foreign bytes in it: invalid UTF-8, NUL, cp1252 text.
// Shared by the CLI test (tests/cli/encoding_test.cc) and the HTTP API test
// (tests/server/encoding_test.cc), which feed each case to the real front end and check
// that it ends in a clean error or a clean import, never an exception.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/time_util.h"

namespace barlake::testutil::encoding {

/// A valid input file of one format and the place a corruption goes.
struct FormatInput {
  std::string format;     // --format
  std::string file_name;  // as a user would name it
  std::string timeframe;  // empty for snapshot files (they name their own)
  std::vector<std::string> extra_args;
  std::string text;
  // Where the bytes go: field `field` (split at `sep`) of line `line`, or, when `needle`
  // is set, its first occurrence (JSON documents).
  uint32_t line = 0;
  int field = 0;
  char sep = ',';
  std::string needle;
  bool snapshot = false;  // gex-json: its own dataset kind
};

/// Bytes that replace the chosen field, and how a message shows them.
struct Corruption {
  std::string name;
  std::string (*apply)(const std::string& field);
  std::string escaped;  // the escaped form a message quotes ("" when the bytes are valid UTF-8)
};

inline std::vector<Corruption> AllCorruptions() {
  return {
      // A UTF-16 LE byte-order mark pasted into a price.
      {"ff_fe", [](const std::string& f) { return f + "\xFF\xFE"; }, "\\xFF\\xFE"},
      // A NUL byte inside a number.
      {"nul", [](const std::string& f) { return f.substr(0, 1) + std::string(1, '\0') + f.substr(1); }, "\\x00"},
      // cp1252 smart quotes around the value.
      {"cp1252_quotes", [](const std::string& f) { return "\x93" + f + "\x94"; }, "\\x93"},
      // cp1252 / Latin-1 text: e-acute (0xE9) and the euro sign (0x80).
      {"cp1252_text", [](const std::string&) { return std::string("caf\xE9\x80"); }, "\\xE9\\x80"},
      // Valid UTF-8 long enough that a message cutting at 30 bytes would split a character.
      {"long_utf8",
       [](const std::string&) {
         std::string s = "x";
         for (int i = 0; i < 20; ++i) s += "\xC3\xA9";
         return s;
       },
       ""},
  };
}

namespace internal {

inline std::string ReadFixture(const std::string& rel) {
  std::ifstream in(std::string(BARLAKE_TEST_DATA_DIR) + "/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string Decimal2(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

// 300 one-minute bars from 2024-01-16 14:30 UTC (09:30 New York), one line each, made by
// `line(i, epoch_seconds, o, h, l, c, v)`. 300 rows keep one bad row under the default
// max_reject_share (1%), so a bad row is quarantined and the rest imported.
template <typename F>
std::string Rows(const std::string& header, bool newest_first, F line) {
  std::vector<std::string> rows;
  for (int i = 0; i < 300; ++i) {
    const int64_t t = 1705415400 + 60 * i;
    const double o = 4800 + (i % 7) * 0.25, c = 4800 + ((i + 3) % 7) * 0.25;
    rows.push_back(line(i, t, o, std::max(o, c) + 0.5, std::min(o, c) - 0.25, c, 10 + i % 13));
  }
  std::string out = header;
  if (newest_first) {
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) out += *it + "\n";
  } else {
    for (const auto& r : rows) out += r + "\n";
  }
  return out;
}

inline std::string Prices(double o, double h, double l, double c, double v, const char* sep = ",") {
  return Decimal2(o) + sep + Decimal2(h) + sep + Decimal2(l) + sep + Decimal2(c) + sep +
         std::to_string(static_cast<int64_t>(v));
}

// Epoch seconds shifted by `offset_hours`, written as `pattern` with YYYY, MM, DD, hh, mm
// and ss replaced by the zero-padded fields ("YYYY-MM-DD hh:mm:ss").
inline std::string Stamp(int64_t t, std::string pattern, int offset_hours = 0) {
  const int64_t s = t + offset_hours * 3600;
  int y;
  unsigned m, d;
  CivilFromDays(s / 86400, &y, &m, &d);
  const int64_t tod = s % 86400;
  auto put = [&](const std::string& key, int64_t value, size_t width) {
    const size_t at = pattern.find(key);
    if (at == std::string::npos) return;
    std::string digits = std::to_string(value);
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    pattern.replace(at, key.size(), digits);
  };
  put("YYYY", y, 4);
  put("MM", m, 2);
  put("DD", d, 2);
  put("hh", tod / 3600, 2);
  put("mm", tod / 60 % 60, 2);
  put("ss", tod % 60, 2);
  return pattern;
}

}  // namespace internal

/// One valid input of every format barlake imports.
inline std::vector<FormatInput> AllFormatInputs() {
  using internal::Prices;
  using internal::Rows;
  using internal::Stamp;
  std::vector<FormatInput> v;
  // Text formats: the bad bytes go into the open price of data row 150.
  v.push_back({"ninjatrader", "ES.Last.txt", "1m", {}, Rows("", false, [](int, int64_t t, double o, double h, double l, double c, double vol) {
                 return Stamp(t, "YYYYMMDD hhmmss", -8) + ";" + Prices(o, h, l, c, vol, ";");
               }), 151, 1, ';'});
  v.push_back({"csv", "ES.csv", "1m", {}, Rows("time,open,high,low,close,volume\n", false,
               [](int, int64_t t, double o, double h, double l, double c, double vol) {
                 return Stamp(t, "YYYY-MM-DDThh:mm:ssZ") + "," + Prices(o, h, l, c, vol);
               }), 152, 1});
  v.push_back({"metatrader", "EURUSD1.csv", "1m", {}, Rows("", false,
               [](int, int64_t t, double o, double h, double l, double c, double vol) {
                 return Stamp(t, "YYYY.MM.DD,hh:mm", -8) + "," + Prices(o, h, l, c, vol);
               }), 151, 2});
  v.push_back({"tradingview", "CME_MINI_ES1!, 1.csv", "1m", {}, Rows("time,open,high,low,close,Volume\n", false,
               [](int, int64_t t, double o, double h, double l, double c, double vol) {
                 return std::to_string(t) + "," + Prices(o, h, l, c, vol);
               }), 152, 1});
  v.push_back({"firstrate", "ES_1min_firstratedata.csv", "1m", {}, Rows("timestamp,open,high,low,close,volume\n", false,
               [](int, int64_t t, double o, double h, double l, double c, double vol) {
                 return Stamp(t, "YYYY-MM-DD hh:mm:ss", -5) + "," + Prices(o, h, l, c, vol);
               }), 152, 1});
  v.push_back({"binance-csv", "BTCUSDT-1m-2024-01.csv", "1m", {}, Rows("", false,
               [](int, int64_t t, double o, double h, double l, double c, double vol) {
                 return std::to_string(t * 1000) + "," + Prices(o, h, l, c, vol) + "," +
                        std::to_string(t * 1000 + 59999) + ",700000.0,1200,3.5,327000.0,0";
               }), 151, 1});
  // Newest first: data row 150 from the top is line 151 after the header.
  v.push_back({"alphavantage-csv", "intraday_1min_IBM.csv", "1m", {}, Rows("timestamp,open,high,low,close,volume\n", true,
               [](int, int64_t t, double o, double h, double l, double c, double vol) {
                 return Stamp(t, "YYYY-MM-DD hh:mm:ss", -5) + "," + Prices(o, h, l, c, vol);
               }), 151, 1});
  // JSON documents (small fixtures): the bad bytes go into a price; inside a JSON string
  // for the vendors that quote prices, in place of a JSON number for the others.
  auto json_input = [&](std::string format, std::string file, std::string tf, std::string fixture, std::string needle) {
    FormatInput in;
    in.format = std::move(format);
    in.file_name = std::move(file);
    in.timeframe = std::move(tf);
    in.text = internal::ReadFixture(fixture);
    in.needle = std::move(needle);
    return in;
  };
  v.push_back(json_input("binance-json", "BTCUSDT_1m.json", "1m", "binance/klines_1m.json", "0.7730"));
  v.push_back(json_input("yahoo-json", "BTC-USD.json", "1d", "json/yahoo_crypto_daily_utc.json", "7254.33"));
  v.push_back(json_input("alphavantage-json", "MSFT_1min.json", "1m", "json/av_intraday_1min_newest_first.json",
                         "218.6300"));
  FormatInput gex = json_input("gex-json", "SPX_2026-02-25_rt.json", "", "gex/SPX_2026-02-25_rt.json", "6891.04");
  gex.snapshot = true;
  v.push_back(gex);
  return v;
}

/// `in.text` with the corruption applied; *line is set to the line it is on.
inline std::string Corrupt(const FormatInput& in, const Corruption& c, uint32_t* line) {
  std::string text = in.text;
  if (!in.needle.empty()) {
    const size_t at = text.find(in.needle);
    if (at == std::string::npos) return text;
    *line = 1 + static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    return text.replace(at, in.needle.size(), c.apply(in.needle));
  }
  size_t start = 0;
  for (uint32_t l = 1; l < in.line; ++l) start = text.find('\n', start) + 1;
  const size_t end = text.find('\n', start);
  size_t f0 = start;
  for (int f = 0; f < in.field; ++f) f0 = text.find(in.sep, f0) + 1;
  size_t f1 = text.find(in.sep, f0);
  if (f1 == std::string::npos || f1 > end) f1 = end;
  *line = in.line;
  return text.replace(f0, f1 - f0, c.apply(text.substr(f0, f1 - f0)));
}

/// UTF-8 validity by an independent judge: nlohmann's strict dump() refuses invalid UTF-8.
inline bool IsUtf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

/// True when `j` holds a string containing `needle` anywhere inside it.
inline bool AnyStringContains(const nlohmann::json& j, const std::string& needle) {
  if (j.is_string()) return j.get<std::string>().find(needle) != std::string::npos;
  if (j.is_structured()) {
    for (const auto& e : j) {
      if (AnyStringContains(e, needle)) return true;
    }
  }
  return false;
}

// A text format names the file's line; a JSON document the line of the syntax error
// ("FILE:LINE:" or nlohmann's "line L") or, for a value that is not a number, the row's
// position in its series ("FILE:ROW:").
inline void ExpectNamesTheLine(const FormatInput& in, uint32_t line, const std::string& message) {
  const std::string ln = std::to_string(line);
  if (in.needle.empty()) {
    EXPECT_NE(message.find(in.file_name + ":" + ln + ":"), std::string::npos) << "line " << ln << ": " << message;
    return;
  }
  const size_t at = message.find(in.file_name + ":");
  const bool position = at != std::string::npos && at + in.file_name.size() + 1 < message.size() &&
                        std::isdigit(static_cast<unsigned char>(message[at + in.file_name.size() + 1]));
  EXPECT_TRUE(position || message.find("line " + ln) != std::string::npos) << message;
}

/// The format as a test name ("binance-json" -> "binance_json").
inline std::string TestName(const ::testing::TestParamInfo<FormatInput>& param) {
  std::string name = param.param.format;
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name;
}

}  // namespace barlake::testutil::encoding
