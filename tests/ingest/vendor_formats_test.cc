// Binance, Yahoo chart and Alpha Vantage formats (issue 3), over our own fixtures in
// tests/data/{binance,json,alphavantage} and, when present, the real files in
// ../shared/realdata.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "ingest/alphavantage.h"
#include "ingest/binance.h"
#include "ingest/yahoo.h"
#include "testutil/status_matchers.h"

namespace barlake::ingest {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Fixture(const std::string& name) {
  const std::string path = std::string(BARLAKE_TEST_DATA_DIR) + "/" + name;
  EXPECT_TRUE(std::filesystem::exists(path)) << path;
  return ReadFile(path);
}

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// An input a format must refuse with kInvalidInput, and what the message must say.
struct Refusal {
  std::string text;
  std::string timeframe;
  ::testing::Matcher<const std::string&> message;
};

class VendorFormatTest : public ::testing::Test {
 protected:
  Result<ParsedBars> Parse(const BarFormat* format, const std::string& text, const std::string& tf,
                           const std::string& label = "file", const char* tz = "UTC",
                           const std::string& stamp = "") {
    zone_.reset();
    if (tz) zone_ = TimeZone::Locate(tz).value();
    ParseOptions o{Timeframe::Parse(tf).value(), zone_ ? &*zone_ : nullptr, label};
    o.stamp = stamp;
    return format->Parse(text, o);
  }
  // Parses each case (as file `label`); stops at the first one that is not refused.
  void ExpectRefused(const BarFormat* format, const std::string& label, const std::vector<Refusal>& cases) {
    for (size_t i = 0; i < cases.size(); ++i) {
      auto r = Parse(format, cases[i].text, cases[i].timeframe, label);
      ASSERT_RAISES(kInvalidInput, r) << format->name() << " case " << i;
      EXPECT_THAT(r.status().message(), cases[i].message) << format->name() << " case " << i;
    }
  }
  std::optional<TimeZone> zone_;
};

// ---------------------------------------------------------------- Binance REST JSON

TEST_F(VendorFormatTest, BinanceJsonStringPricesOpenTimeStamps) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(BinanceKlinesJsonFormat(), Fixture("binance/klines_1m.json"), "1m"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(p.rows_read, 3);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-11-16T09:07:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-11-16T09:09:00Z");
  EXPECT_EQ(p.bars.open[0], 0.7712);
  EXPECT_EQ(p.bars.high[1], 0.7741);
  EXPECT_EQ(p.bars.low[2], 0.7702);
  EXPECT_EQ(p.bars.close[2], 0.7709);
  EXPECT_EQ(p.bars.volume[0], 812345.6);
  EXPECT_EQ(p.line[2], 3u);
  EXPECT_THAT(p.notes, Contains("Binance klines: stamps are epoch milliseconds, bar open times in UTC"));
}

TEST_F(VendorFormatTest, BinanceJsonDropsStillOpenLastKline) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(BinanceKlinesJsonFormat(), Fixture("binance/klines_live_last.json"), "1m"));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(p.rows_read, 3);
  EXPECT_THAT(p.notes, Contains("dropped the last kline: its close time is still in the future (the live, "
                                "unfinished candle); import it again once it has closed"));
}

TEST_F(VendorFormatTest, BinanceJsonCloseTimeMustMatchTimeframe) {
  const std::string text = Fixture("binance/klines_5m_stamps.json");
  ASSERT_NO_FATAL_FAILURE(ExpectRefused(
      BinanceKlinesJsonFormat(), "k.json",
      {{text, "1m",
        HasSubstr("k.json:1: field 'close_time': close time is open time + 299999 ms, expected + 59999 ms "
                  "for 1m bars; the klines look like 5m bars: pass --timeframe 5m")}}));
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(BinanceKlinesJsonFormat(), text, "5m"));
  EXPECT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-11-16T09:12:00Z");
}

TEST_F(VendorFormatTest, BinanceJsonRejectsBadValuesAndBrokenJson) {
  ExpectRefused(
      BinanceKlinesJsonFormat(), "k.json",
      {{R"([[1731748020000,"0.77","x","0.76","0.77","1",1731748079999]])", "1m",
        HasSubstr("k.json:1: field 'high': \"x\" is not a number")},
       {"[[1731748020000,\n\"0.77\",", "1m", StartsWith("k.json:2: not valid JSON")},
       {R"({"code":-1121,"msg":"Invalid symbol."})", "1m", HasSubstr("a Binance error: \"Invalid symbol.\"")}});
}

// ---------------------------------------------------------------- Binance CSV

TEST_F(VendorFormatTest, BinanceCsvFuturesHeaderMilliseconds) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(BinanceKlinesCsvFormat(), Fixture("binance/um_header_ms.csv"), "1m"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-02-29T23:57:00Z");  // leap day
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-02-29T23:59:00Z");
  EXPECT_EQ(p.line[0], 2u);
  EXPECT_EQ(p.bars.open[0], 40.12);
  EXPECT_EQ(p.bars.volume[2], 2210.7);
  EXPECT_THAT(p.notes, Contains("stamps are epoch milliseconds"));
  EXPECT_THAT(p.notes, Contains("header line found and skipped"));
}

TEST_F(VendorFormatTest, BinanceCsvSpotNoHeaderMicrosecondsCrlf) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p,
                       Parse(BinanceKlinesCsvFormat(), Fixture("binance/spot_noheader_us_crlf.csv"), "1m"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2025-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2025-01-01T00:02:00Z");
  EXPECT_EQ(p.line[0], 1u);
  EXPECT_EQ(p.bars.high[0], 93610.93);
  EXPECT_EQ(p.bars.volume[0], 8.21827);
  EXPECT_THAT(p.notes, Contains("stamps are epoch microseconds (16 digits, Binance spot files from 2025)"));
  EXPECT_THAT(p.notes, Contains("no header line (spot-style file)"));
}

TEST_F(VendorFormatTest, BinanceCsvMixedUnitsAcrossTheNewYear) {
  const std::string text = Fixture("binance/spot_noheader_ms.csv") + Fixture("binance/spot_noheader_us_crlf.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(BinanceKlinesCsvFormat(), text, "1m"));
  ASSERT_EQ(p.bars.size(), 5u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-12-31T23:58:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2025-01-01T00:00:00Z");
  EXPECT_THAT(p.notes, Contains("stamps are mixed: 2 rows in epoch milliseconds, 3 in epoch microseconds "
                                "(told apart by magnitude)"));
}

TEST_F(VendorFormatTest, BinanceCsvErrorsNameLineAndField) {
  ExpectRefused(
      BinanceKlinesCsvFormat(), "f.csv",
      {{"1709251020000,40.12,abc,40.05,40.18,1234.5,1709251079999,1,1,1,1,0\n"
        "1709251080000,40.18,40.30,40.10,40.25,987.0,1709251379999,1,1,1,1,0\n"
        "1709251,40.18,40.30,40.10,40.25,987.0,1709251379999,1,1,1,1,0\n",
        "1m",
        AllOf(HasSubstr("3 problems in 'f.csv'"), HasSubstr("f.csv:1: field 'high': 'abc' is not a number"),
              HasSubstr("f.csv:2: field 'close_time': close time is open time + 299999 ms, expected + 59999 ms "
                        "for 1m bars; the klines look like 5m bars: pass --timeframe 5m"),
              HasSubstr("f.csv:3: field 'open_time': '1709251' is not epoch milliseconds or microseconds"))}});
}

// ---------------------------------------------------------------- Yahoo chart JSON

TEST_F(VendorFormatTest, YahooDailyDateComesFromExchangeZoneNotGmtoffset) {
  // GC=F-style bars stamped at midnight New York time in July (04:00 UTC); meta.gmtoffset
  // is -18000 (a February fetch), which would put them on the previous day.
  ASSERT_OK_AND_ASSIGN(ParsedBars p,
                       Parse(YahooChartJsonFormat(), Fixture("json/yahoo_futures_daily_summer_midnight.json"), "1d"));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(p.rows_read, 3);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-07-15T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-07-17T00:00:00Z");
  EXPECT_EQ(p.line[1], 3u);
  EXPECT_EQ(p.bars.open[0], 2412.5);
  EXPECT_EQ(p.bars.close[1], 2459.2);
  EXPECT_EQ(p.bars.volume[1], 1530);
  EXPECT_THAT(p.notes, Contains("daily bars stamped with their exchange-local date (America/New_York) at 00:00 UTC"));
  EXPECT_THAT(p.notes, Contains("skipped 1 null row (Yahoo sends null for intervals without data)"));
}

TEST_F(VendorFormatTest, YahooSplitAndDividendEventsAreNoted) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(YahooChartJsonFormat(), Fixture("json/yahoo_equity_daily_events.json"), "1d"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2020-08-28T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2020-08-31T00:00:00Z");
  EXPECT_EQ(p.bars.close[1], 129.04);  // the close, not adjclose
  EXPECT_THAT(p.notes, Contains("event: split 4:1 on 2020-08-31 (Yahoo prices are split-adjusted as of the fetch)"));
  EXPECT_THAT(p.notes, Contains("event: dividend 0.205 on 2020-08-31"));
}

TEST_F(VendorFormatTest, YahooIntradayNullRowSkippedAndLiveLastBarDropped) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(YahooChartJsonFormat(), Fixture("json/yahoo_1m_null_row_live_last.json"), "1m"));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(p.rows_read, 4);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-07-15T13:30:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-07-15T13:32:00Z");
  EXPECT_EQ(p.bars.open[1], 236.9);
  EXPECT_EQ(p.bars.volume[0], 1200345);
  EXPECT_THAT(p.notes, Contains("skipped 1 null row (Yahoo sends null for intervals without data)"));
  EXPECT_THAT(p.notes, Contains("dropped the live last bar (2024-07-15T13:33:00Z): its period had not closed at "
                                "regularMarketTime 2024-07-15T13:33:25Z; import again after the close to get "
                                "the final bar"));
}

TEST_F(VendorFormatTest, YahooLiveDailyBarStampedWithMarketTimeIsDropped) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(YahooChartJsonFormat(), Fixture("json/yahoo_daily_live_last_berlin.json"), "1d"));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2025-10-13T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2025-10-14T00:00:00Z");
  EXPECT_THAT(p.notes, Contains("dropped the live last bar (2025-10-15): its period had not closed at "
                                "regularMarketTime 2025-10-15T15:35:46Z; import again after the close to get "
                                "the final bar"));
}

TEST_F(VendorFormatTest, YahooResponseWithoutTimestampIsEmptyNotAnError) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(YahooChartJsonFormat(), Fixture("json/yahoo_empty_no_timestamp.json"), "1m"));
  EXPECT_EQ(p.bars.size(), 0u);
  EXPECT_EQ(p.rows_read, 0);
  EXPECT_THAT(p.notes, Contains("the response has no \"timestamp\": no bars in the requested range (a weekend, "
                                "a holiday or a range before the listing)"));
}

TEST_F(VendorFormatTest, YahooMalformedAndErrorResponses) {
  ExpectRefused(YahooChartJsonFormat(), "y.json",
                {{Fixture("json/yahoo_no_timestamp_with_quotes.json"), "1d",
                  Eq("y.json: malformed Yahoo response: the quote arrays hold 1 values but there is no "
                     "\"timestamp\" array; fetch it again")},
                 {Fixture("json/yahoo_error_body.json"), "1d",
                  Eq("y.json: Yahoo returned an error instead of bars: No data found, symbol may be delisted")},
                 {Fixture("json/yahoo_futures_daily_summer_midnight.json"), "1m",
                  Eq("y.json: the response holds 1d bars (meta.dataGranularity '1d') but the timeframe is 1m; "
                     "pass --timeframe 1d")},
                 {"{\"chart\":{\"result\":[", "1d", StartsWith("y.json:1: not valid JSON")},
                 // Arrays of different lengths, wrong types: errors, never exceptions.
                 {R"({"chart":{"result":[{"meta":{},"timestamp":[1,2],"indicators":{"quote":[{"open":[1],"high":[1,2],)"
                  R"("low":[1,2],"close":[1,2],"volume":[1,2]}]}}],"error":null}})",
                  "1m", Eq("y.json: malformed Yahoo response: indicators.quote[0].open has 1 values for 2 timestamps")},
                 {R"({"chart":{"result":[{"meta":{"regularMarketTime":"x"},"timestamp":["a"],"indicators":{"quote":[)"
                  R"({"open":[1],"high":[{}],"low":[1],"close":[1],"volume":[1]}]}}],"error":null}})",
                  "1m", HasSubstr("y.json:1: field 'timestamp': \"a\" is not epoch seconds")},
                 {R"({"chart":[]})", "1m", ::testing::_}});
}

TEST_F(VendorFormatTest, YahooCryptoAndFxDailyBars) {
  ASSERT_OK_AND_ASSIGN(ParsedBars c, Parse(YahooChartJsonFormat(), Fixture("json/yahoo_crypto_daily_utc.json"), "1d"));
  ASSERT_EQ(c.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(c.bars.ts[0]), "2020-01-01T00:00:00Z");
  EXPECT_EQ(c.bars.volume[1], 20802083465.0);
  ASSERT_OK_AND_ASSIGN(ParsedBars f,
                       Parse(YahooChartJsonFormat(), Fixture("json/yahoo_fx_daily_london_zero_volume.json"), "1d"));
  ASSERT_EQ(f.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(f.bars.ts[1]), "2020-01-02T00:00:00Z");
  EXPECT_EQ(f.bars.volume[0], 0);
  EXPECT_EQ(f.bars.close[0], 1.1228);
}

// ---------------------------------------------------------------- Alpha Vantage JSON

TEST_F(VendorFormatTest, AlphaVantageJsonIntradayUsesMetaZoneAndCloseStamps) {
  // The source zone given (UTC) is ignored: the file says US/Eastern.
  ASSERT_OK_AND_ASSIGN(ParsedBars p,
                       Parse(AlphaVantageJsonFormat(), Fixture("json/av_intraday_1min_newest_first.json"), "1m"));
  ASSERT_EQ(p.bars.size(), 3u);
  // 19:57 EST closes the 19:56 bar = 00:56Z the next day.
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2020-12-19T00:56:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2020-12-19T00:57:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2020-12-19T00:59:00Z");
  EXPECT_EQ(p.line[2], 1u);  // the newest bar comes first in the file
  EXPECT_EQ(p.bars.open[2], 218.79);
  EXPECT_EQ(p.bars.low[2], 218.75);
  EXPECT_EQ(p.bars.volume[2], 1102);
  EXPECT_THAT(p.notes, Contains("stamps read in US/Eastern from Meta Data \"Time Zone\" (not the source zone UTC)"));
  EXPECT_THAT(p.notes, Contains("intraday stamps read as bar CLOSE times: the file has a bar at 20:00, the end of "
                                "extended hours"));
  EXPECT_THAT(p.notes, Contains("newest-first file: sorted oldest first"));

  ASSERT_OK_AND_ASSIGN(ParsedBars o, Parse(AlphaVantageJsonFormat(), Fixture("json/av_intraday_1min_newest_first.json"),
                                           "1m", "file", "UTC", "open"));
  EXPECT_EQ(FormatIsoUtc(o.bars.ts[0]), "2020-12-19T00:57:00Z");
  EXPECT_THAT(o.notes, Contains("intraday stamps read as bar OPEN times: as asked (--stamp open)"));
}

TEST_F(VendorFormatTest, AlphaVantageJsonDailyAdjustedRenumberedKeys) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p,
                       Parse(AlphaVantageJsonFormat(), Fixture("json/av_daily_adjusted_renumbered.json"), "1d"));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2021-10-28T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2021-10-29T00:00:00Z");
  EXPECT_EQ(p.bars.close[0], 125.84);  // "4. close", not "5. adjusted close"
  EXPECT_EQ(p.bars.volume[0], 6503003);  // "6. volume"
  EXPECT_THAT(p.notes, Contains("newest-first file: sorted oldest first"));
}

TEST_F(VendorFormatTest, AlphaVantageJsonErrors) {
  ExpectRefused(
      AlphaVantageJsonFormat(), "a.json",
      {{Fixture("json/av_rate_limit_note.json"), "1m",
        Eq("a.json: Alpha Vantage sent a message instead of data: Note: Thank you for using Alpha Vantage! "
           "Our standard API call frequency is 5 calls per minute and 500 calls per day.")},
       {Fixture("json/av_intraday_1min_newest_first.json"), "5m",
        Eq("a.json: the series is 'Time Series (1min)' (1m bars) but the timeframe is 5m; pass --timeframe 1m")},
       {R"J({"Meta Data":{},"Time Series (Daily)":{"2021-10-29":{"1. open":"1","2. high":"n/a","3. low":"1",)J"
        R"J("4. close":"1","5. volume":"1"}}})J",
        "1d", HasSubstr("a.json:1: field 'high': \"n/a\" is not a number")},
       {R"J({"Meta Data":{},"Time Series (Daily)":{"2021-10-29":{"1. open":"1","2. high":"1","3. low":"1",)J"
        R"J("4. close":"1"}}})J",
        "1d", HasSubstr("a.json:1: field 'volume': missing in the bar of 2021-10-29")}});
}

// ---------------------------------------------------------------- Alpha Vantage CSV

TEST_F(VendorFormatTest, AlphaVantageCsvDailyNewestFirst) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(AlphaVantageCsvFormat(), Fixture("alphavantage/av_daily_newest_first.csv"), "1d"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2017-04-19T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2017-12-27T00:00:00Z");
  EXPECT_EQ(p.line[0], 4u);
  EXPECT_EQ(p.bars.close[2], 153.0385);
  EXPECT_EQ(p.bars.volume[0], 192843);  // the known-bad volume: judged by the validator, not here
  EXPECT_THAT(p.notes, Contains("newest-first file: sorted oldest first"));
}

TEST_F(VendorFormatTest, AlphaVantageCsvExtendedHoursDefaultsToUsEastern) {
  const std::string text = Fixture("alphavantage/av_intraday_extended_newest_first.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(AlphaVantageCsvFormat(), text, "1m", "file", nullptr));
  ASSERT_EQ(p.bars.size(), 4u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2020-12-18T00:59:00Z");  // 12-17 20:00 EST close
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2020-12-18T09:00:00Z");  // 04:01 EST close: the 04:00 bar
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[3]), "2020-12-19T00:59:00Z");
  EXPECT_THAT(p.notes, Contains("the file does not name its zone: stamps read in US/Eastern (Alpha Vantage's "
                                "documented zone)"));
  ASSERT_OK_AND_ASSIGN(ParsedBars la, Parse(AlphaVantageCsvFormat(), text, "1m", "file", "America/Los_Angeles"));
  EXPECT_EQ(FormatIsoUtc(la.bars.ts[1]), "2020-12-18T12:00:00Z");
  EXPECT_THAT(la.notes, Contains("the file does not name its zone: stamps read in America/Los_Angeles (the source "
                                 "zone), but Alpha Vantage serves US/Eastern: pass --tz America/New_York unless "
                                 "the file was converted"));
}

TEST_F(VendorFormatTest, AlphaVantageCsvErrors) {
  ExpectRefused(AlphaVantageCsvFormat(), "a.csv",
                {{"timestamp,open,high,low,close,volume\n2017-12-27,1,2,0.5,1\n"
                  "2017-13-01,1,2,0.5,1,5\n2017-12-26 09:30:00,1,2,0.5,1,5\n",
                  "1d",
                  AllOf(HasSubstr("a.csv:2: field 'volume': missing"),
                        HasSubstr("a.csv:3: field 'timestamp': '2017-13-01' is not"))},
                 {"timestamp,open,high,low,close,volume\n2017-12-26 09:30:00,1,2,0.5,1,5\n", "1d",
                  Eq("a.csv:2: field 'timestamp': the file has intraday stamps (yyyy-MM-dd HH:mm:ss) but the timeframe "
                     "is 1d; pass --timeframe 1m (or the file's bar size)")},
                 {"{\n \"Information\": \"premium endpoint\"\n}\n", "1d",
                  Eq("a.csv: Alpha Vantage sent a message instead of data: Information: premium endpoint")}});
}

// ---------------------------------------------------------------- Detection

struct DetectCase {
  const char* fixture;
  const char* expected;
};

TEST(VendorDetectTest, EachFixtureIsClaimedByItsOwnFormatOnly) {
  const std::vector<const BarFormat*> formats = {BinanceKlinesJsonFormat(), BinanceKlinesCsvFormat(),
                                                 YahooChartJsonFormat(), AlphaVantageJsonFormat(),
                                                 AlphaVantageCsvFormat()};
  const DetectCase cases[] = {
      {"binance/klines_1m.json", "binance-json"},
      {"binance/klines_5m_stamps.json", "binance-json"},
      {"binance/um_header_ms.csv", "binance-csv"},
      {"binance/spot_noheader_us_crlf.csv", "binance-csv"},
      {"binance/spot_noheader_ms.csv", "binance-csv"},
      {"json/yahoo_1m_null_row_live_last.json", "yahoo-json"},
      {"json/yahoo_empty_no_timestamp.json", "yahoo-json"},
      {"json/yahoo_error_body.json", "yahoo-json"},
      {"json/av_intraday_1min_newest_first.json", "alphavantage-json"},
      {"json/av_daily_adjusted_renumbered.json", "alphavantage-json"},
      {"json/av_rate_limit_note.json", "alphavantage-json"},
      {"alphavantage/av_daily_newest_first.csv", "alphavantage-csv"},
      {"alphavantage/av_intraday_extended_newest_first.csv", "alphavantage-csv"},
      {"ninjatrader/daily.txt", ""},
  };
  for (const auto& c : cases) {
    const std::string data = Fixture(c.fixture);
    for (const BarFormat* f : formats) {
      const Detection d = f->Detect(data, c.fixture);
      EXPECT_FALSE(d.why.empty()) << c.fixture << " " << f->name();
      if (f->name() == c.expected) {
        EXPECT_GT(d.score, 0) << c.fixture << " " << f->name() << ": " << d.why;
      } else {
        EXPECT_EQ(d.score, 0) << c.fixture << " " << f->name() << ": " << d.why;
      }
    }
  }
  EXPECT_EQ(YahooChartJsonFormat()->Detect(Fixture("json/yahoo_empty_no_timestamp.json"), "x").why,
            "a JSON object whose top-level key is \"chart\" (Yahoo chart API v8 response)");
  EXPECT_EQ(BinanceKlinesCsvFormat()->Detect(Fixture("binance/um_header_ms.csv"), "x").why,
            "first line is the data.binance.vision kline header 'open_time,open,high,low,close,volume,close_time,...'");
  EXPECT_EQ(AlphaVantageCsvFormat()->Detect("time,open,high,low,close,volume\r\n", "x").why,
            "first line is 'time,open,high,low,close,volume', Alpha Vantage's CSV header");
}

TEST(VendorDetectTest, DetectNeverFailsOnOddInput) {
  for (const BarFormat* f : {BinanceKlinesJsonFormat(), BinanceKlinesCsvFormat(), YahooChartJsonFormat(),
                             AlphaVantageJsonFormat(), AlphaVantageCsvFormat()}) {
    for (const char* s : {"", "{", "[", "[[", "\xEF\xBB\xBF", "open_time", ",,,,,,,,,,,"}) {
      EXPECT_EQ(f->Detect(s, "").score, 0) << f->name() << " on '" << s << "'";
    }
  }
}

// ---------------------------------------------------------------- Real files (optional)

std::string SharedFile(const std::string& rel) { return std::string(BARLAKE_SHARED_DIR) + "/realdata/" + rel; }

class VendorRealDataTest : public VendorFormatTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(SharedFile("SOURCES.md"))) GTEST_SKIP() << "no shared/realdata";
  }
  Result<ParsedBars> ParseReal(const BarFormat* f, const std::string& rel, const std::string& tf) {
    const std::string data = ReadFile(SharedFile(rel));
    EXPECT_GT(f->Detect(std::string_view(data).substr(0, 65536), rel).score, 0) << rel;
    return Parse(f, data, tf, rel);
  }
};

TEST_F(VendorRealDataTest, Binance) {
  ASSERT_OK_AND_ASSIGN(ParsedBars k, ParseReal(BinanceKlinesJsonFormat(), "binance_klines_json/klines_1m_500_2024-11-16.json", "1m"));
  EXPECT_EQ(k.bars.size(), 500u);  // a saved file: the once-live last kline has long closed
  EXPECT_EQ(FormatIsoUtc(k.bars.ts.front()), "2024-11-16T09:07:00Z");
  EXPECT_EQ(FormatIsoUtc(k.bars.ts.back()), "2024-11-16T17:26:00Z");
  ASSERT_OK_AND_ASSIGN(ParsedBars a, ParseReal(BinanceKlinesCsvFormat(), "binance_vision_csv/AVAXUSDT-1m-2025-02.csv", "1m"));
  EXPECT_EQ(a.bars.size(), 40320u);
  EXPECT_EQ(FormatIsoUtc(a.bars.ts.front()), "2025-02-01T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(a.bars.ts.back()), "2025-02-28T23:59:00Z");
  ASSERT_OK_AND_ASSIGN(ParsedBars f, ParseReal(BinanceKlinesCsvFormat(), "binance_vision_csv/FILUSDT-1m-2024-02.csv", "1m"));
  EXPECT_EQ(f.bars.size(), 41760u);
  EXPECT_EQ(FormatIsoUtc(f.bars.ts.back()), "2024-02-29T23:59:00Z");
  EXPECT_THAT(f.notes, Contains("stamps are epoch milliseconds"));
}

TEST_F(VendorRealDataTest, Yahoo) {
  struct Case {
    const char* file;
    const char* tf;
    size_t bars;
    const char* first;
  };
  const Case cases[] = {
      {"chart-AAPL-2020-08-31-to-2020-11-07.json", "1d", 49, "2020-08-31T00:00:00Z"},
      {"chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.json", "1m", 0, ""},
      {"chart-BTC-USD-2020-01-01-to-2020-01-03.json", "1d", 3, "2020-01-01T00:00:00Z"},
      {"chart-EURUSD=X-2020-01-01-to-2020-01-03.json", "1d", 3, "2020-01-01T00:00:00Z"},
      {"chart-GC=F-2020-01-01-to-2020-01-03.json", "1d", 1, "2020-01-02T00:00:00Z"},
      {"chart-WSKT.JK-2020-01-01-to-2020-01-03.json", "1d", 1, "2020-01-02T00:00:00Z"},
      {"chart-WSU.DE-2023-08-04-to-2023-08-09.json", "1d", 3, "2023-08-04T00:00:00Z"},
      {"historical-via-chart-0P0000XTS7-2024-09-12-to-2024-09-16.json", "1d", 2, "2024-09-12T00:00:00Z"},
      {"historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.json", "1d", 252, "2021-02-01T00:00:00Z"},
      {"historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.json", "1d", 252, "2021-02-01T00:00:00Z"},
      {"historical-via-chart-dividends-TSLA-no-dividends.json", "1d", 3303, "2010-06-29T00:00:00Z"},
      {"yfinance-rs_history_chart_GS2C.DE_1d_5d.json", "1d", 4, "2025-10-09T00:00:00Z"},
  };
  for (const auto& c : cases) {
    auto r = ParseReal(YahooChartJsonFormat(), std::string("yahoo_chart_json/") + c.file, c.tf);
    ASSERT_OK(r) << c.file;
    EXPECT_EQ(r->bars.size(), c.bars) << c.file << ::testing::PrintToString(r->notes);
    if (c.bars) {
      EXPECT_EQ(FormatIsoUtc(r->bars.ts.front()), c.first) << c.file;
    }
  }
  auto aapl = ParseReal(YahooChartJsonFormat(), "yahoo_chart_json/chart-AAPL-2020-08-31-to-2020-11-07.json", "1d");
  ASSERT_OK(aapl);
  EXPECT_THAT(aapl->notes,
              Contains("event: split 4:1 on 2020-08-31 (Yahoo prices are split-adjusted as of the fetch)"));
  EXPECT_THAT(aapl->notes, Contains("event: dividend 0.205 on 2020-11-06"));
  auto fake = ParseReal(YahooChartJsonFormat(), "yahoo_chart_json/chart-notimestamp-quotes-length.fake.json", "1d");
  ASSERT_RAISES(kInvalidInput, fake);
}

TEST_F(VendorRealDataTest, AlphaVantage) {
  ASSERT_OK_AND_ASSIGN(ParsedBars m, ParseReal(AlphaVantageJsonFormat(), "alphavantage/romeltorres_TIME_SERIES_INTRADAY_MSFT_1min_compact.json", "1m"));
  EXPECT_EQ(m.bars.size(), 100u);
  EXPECT_EQ(FormatIsoUtc(m.bars.ts.front()), "2017-12-18T18:16:00Z");  // 13:17 EST close
  ASSERT_OK_AND_ASSIGN(ParsedBars x, ParseReal(AlphaVantageCsvFormat(), "alphavantage/romeltorres_TIME_SERIES_INTRADAY_EXTENDED.csv", "1m"));
  EXPECT_EQ(x.bars.size(), 11190u);
  EXPECT_EQ(FormatIsoUtc(x.bars.ts.front()), "2020-11-23T04:00:00Z");  // 04:01 close, read in UTC here
  ASSERT_OK_AND_ASSIGN(ParsedBars d, ParseReal(AlphaVantageCsvFormat(), "alphavantage/daily_IBM.csv", "1d"));
  EXPECT_EQ(d.bars.size(), 4526u);
  EXPECT_EQ(FormatIsoUtc(d.bars.ts.front()), "2000-01-03T00:00:00Z");
  for (const char* f : {"sshkarupa_daily.json", "sshkarupa_daily_adjusted.json"}) {
    ASSERT_OK_AND_ASSIGN(ParsedBars s, ParseReal(AlphaVantageJsonFormat(), std::string("alphavantage/") + f, "1d"));
    EXPECT_EQ(s.bars.size(), 3u) << f;
  }
  ASSERT_OK_AND_ASSIGN(ParsedBars i5, ParseReal(AlphaVantageJsonFormat(), "alphavantage/sshkarupa_intraday.json", "5m"));
  EXPECT_EQ(i5.bars.size(), 3u);
  ASSERT_OK_AND_ASSIGN(ParsedBars w, ParseReal(AlphaVantageJsonFormat(), "alphavantage/sshkarupa_weekly.json", "1w"));
  EXPECT_EQ(w.bars.size(), 3u);
  ASSERT_OK_AND_ASSIGN(ParsedBars e, ParseReal(AlphaVantageCsvFormat(), "alphavantage/sshkarupa_intraday_ext.csv", "5m"));
  EXPECT_EQ(e.bars.size(), 10u);
  ASSERT_RAISES(kInvalidInput, ParseReal(AlphaVantageJsonFormat(), "alphavantage/sshkarupa_monthly_adjusted.json", "1w"));
}

}  // namespace
}  // namespace barlake::ingest
