#include "ingest/ninjatrader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ingest/number_parse.h"
#include "testutil/status_matchers.h"

namespace barlake::ingest {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream f(std::string(BARLAKE_TEST_DATA_DIR) + "/ninjatrader/" + name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class NinjaTraderTest : public ::testing::Test {
 protected:
  Result<ParsedBars> Parse(const std::string& text, const std::string& tz = "UTC",
                           const std::string& tf = "1m") {
    zone_ = TimeZone::Locate(tz).value();
    ParseOptions o{Timeframe::Parse(tf).value(), &*zone_, "file.txt"};
    return ParseNinjaTrader(text, o);
  }
  std::optional<TimeZone> zone_;
};

}  // namespace

TEST(NumberParseTest, ExactDecimalsAndFallbacks) {
  double v;
  ASSERT_TRUE(ParseDouble("72.5", &v));
  EXPECT_EQ(v, 72.5);
  ASSERT_TRUE(ParseDouble("4976.25", &v));
  EXPECT_EQ(v, 4976.25);
  ASSERT_TRUE(ParseDouble("0.1", &v));
  EXPECT_EQ(v, 0.1);  // correctly rounded, same as the C library
  ASSERT_TRUE(ParseDouble("-37.63", &v));
  EXPECT_EQ(v, -37.63);
  ASSERT_TRUE(ParseDouble("1.23456789012345678", &v));
  EXPECT_EQ(v, 1.23456789012345678);
  ASSERT_TRUE(ParseDouble("1e3", &v));
  EXPECT_EQ(v, 1000);
  ASSERT_TRUE(ParseDouble("+5", &v));
  EXPECT_EQ(v, 5);
  for (const char* bad : {"", "abc", "1.2.3", "12a", "-", "."}) EXPECT_FALSE(ParseDouble(bad, &v)) << bad;
}

TEST_F(NinjaTraderTest, CloseStampsBecomeOpenTimesInUtc) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(Fixture("cl_utc_close_stamps.txt")));
  ASSERT_EQ(p.bars.size(), 5u);
  EXPECT_EQ(p.rows_read, 5);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-01-14T21:32:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-01-14T23:00:00Z");  // 230100 closes the 23:00 bar
  EXPECT_EQ(p.bars.close[2], 72.5);
  EXPECT_EQ(p.bars.high[4], 73);
  EXPECT_EQ(p.line[4], 5u);
}

TEST_F(NinjaTraderTest, LocalZoneIsConvertedToUtc) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse("20240115 063100;1;1;1;1;1\n20240715 063100;1;1;1;1;1\n",
                                           "America/Los_Angeles"));
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-01-15T14:30:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-07-15T13:30:00Z");
}

TEST_F(NinjaTraderTest, AcceptsBomCrlfCommaBlankLinesAndNoFinalNewline) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(Fixture("crlf_bom_comma_no_final_newline.txt")));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(p.blank_lines, 1);
  EXPECT_EQ(p.bars.close[2], 100);
  EXPECT_EQ(p.line[2], 4u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-01-15T09:32:00Z");
}

TEST_F(NinjaTraderTest, DailyBarsAreStampedWithTheirDate) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(Fixture("daily.txt"), "America/Los_Angeles", "1d"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-01-02T00:00:00Z");
  EXPECT_EQ(p.bars.volume[1], 1700000);
}

TEST_F(NinjaTraderTest, TimeframeMismatchIsExplained) {
  auto r = Parse(Fixture("daily.txt"), "UTC", "1m");
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_NE(r.status().message().find("--timeframe 1d"), std::string::npos) << r.status().message();
  auto r2 = Parse(Fixture("cl_utc_close_stamps.txt"), "UTC", "1d");
  ASSERT_RAISES(kInvalidInput, r2);
  EXPECT_NE(r2.status().message().find("file.txt:1"), std::string::npos);
}

TEST_F(NinjaTraderTest, ParseErrorsNameLineAndField) {
  auto r = Parse(Fixture("bad_rows.txt"));
  ASSERT_RAISES(kInvalidInput, r);
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("file.txt:3: field 'open': 'abc' is not a number"), std::string::npos) << m;
  EXPECT_NE(m.find("file.txt:5: field 'timestamp'"), std::string::npos) << m;
  EXPECT_NE(m.find("nothing was imported"), std::string::npos) << m;
}



TEST_F(NinjaTraderTest, SpringForwardKeepsEveryRowContiguous) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(Fixture("dst_spring_forward_la.txt"), "America/Los_Angeles"));
  ASSERT_EQ(p.bars.size(), 4u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-03-10T09:57:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-03-10T09:58:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-03-10T09:59:00Z");  // 03:00 PDT close
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[3]), "2024-03-10T10:00:00Z");
  EXPECT_EQ(p.nonexistent_local, 0);
  // A stamp inside the gap is read with the pre-gap offset and counted.
  ASSERT_OK_AND_ASSIGN(ParsedBars g, Parse("20240310 023000;1;1;1;1;1\n", "America/Los_Angeles"));
  EXPECT_EQ(g.nonexistent_local, 1);
  EXPECT_EQ(FormatIsoUtc(g.bars.ts[0]), "2024-03-10T10:29:00Z");
}

TEST_F(NinjaTraderTest, FallBackKeepsBothHoursWithoutMergingRows) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(Fixture("dst_fall_back_la.txt"), "America/Los_Angeles"));
  ASSERT_EQ(p.bars.size(), 4u);
  EXPECT_EQ(p.ambiguous_local, 4);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-11-03T08:57:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-11-03T08:58:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-11-03T08:59:00Z");  // 01:00 PST close
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[3]), "2024-11-03T09:00:00Z");
}

TEST_F(NinjaTraderTest, OutOfOrderRowsAreSortedAndCounted) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse("20240115 093300;1;1;1;1;1\n20240115 093100;2;2;2;2;2\n"
                                           "20240115 093200;3;3;3;3;3\n"));
  SortByTime(&p);
  EXPECT_EQ(p.reordered, 3);
  EXPECT_EQ(p.bars.open[0], 2);
  EXPECT_EQ(p.line[0], 2u);
  EXPECT_EQ(p.bars.open[2], 1);
}

TEST_F(NinjaTraderTest, RealFileParsesIfSharedDataIsPresent) {
  std::ifstream f(std::string(BARLAKE_SHARED_DIR) + "/realdata/ninjatrader/CL 03-24.Last.txt", std::ios::binary);
  if (!f) GTEST_SKIP() << "../shared/realdata is not present";
  std::stringstream ss;
  ss << f.rdbuf();
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(ss.str()));
  EXPECT_EQ(p.bars.size(), 31646u);  // SOURCES.md row count
  SortByTime(&p);
  EXPECT_EQ(p.reordered, 0);
}

TEST(NinjaTraderDetectTest, LooksLikeNinjaTrader) {
  EXPECT_TRUE(LooksLikeNinjaTrader("20240115 093100;1;1;1;1;1\n"));
  EXPECT_TRUE(LooksLikeNinjaTrader("\n20240115;1;1;1;1;1\n"));
  EXPECT_FALSE(LooksLikeNinjaTrader("Date,Open,High\n"));
}

}  // namespace barlake::ingest

namespace barlake::ingest {

TEST(CheckSpacingTest, BarsCloserThanTheTimeframeAreRejected) {
  TimeZone utc = TimeZone::Locate("UTC").value();
  ParseOptions o{Timeframe::Parse("5m").value(), &utc, "f.txt"};
  // 1-minute bars declared as 5m.
  ASSERT_OK_AND_ASSIGN(ParsedBars p, ParseNinjaTrader("20240115 093500;1;1;1;1;1\n20240115 093600;1;1;1;1;1\n", o));
  auto s = CheckSpacing(p, o.timeframe, "f.txt");
  ASSERT_RAISES(kInvalidInput, s);
  EXPECT_NE(s.message().find("f.txt:2: field 'timestamp': this bar is 1m after the bar on line 1"), std::string::npos)
      << s.message();
}

TEST(CheckSpacingTest, FiveMinuteFileDeclaredAsOneMinuteIsRejected) {
  TimeZone utc = TimeZone::Locate("UTC").value();
  ParseOptions o{Timeframe::Parse("1m").value(), &utc, "f.txt"};
  std::string text;
  for (int i = 0; i < 60; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "20240115 %02d%02d00;1;1;1;1;1\n", 10 + i * 5 / 60, i * 5 % 60);
    text += line;
  }
  ASSERT_OK_AND_ASSIGN(ParsedBars p, ParseNinjaTrader(text, o));
  auto s = CheckSpacing(p, o.timeframe, "f.txt");
  ASSERT_RAISES(kInvalidInput, s);
  EXPECT_NE(s.message().find("pass --timeframe 5m"), std::string::npos) << s.message();
  // The same bars as 5m are fine, and so are sparse 1m bars with odd gaps.
  o.timeframe = Timeframe::Parse("5m").value();
  ASSERT_OK_AND_ASSIGN(ParsedBars q, ParseNinjaTrader(text, o));
  ASSERT_OK(CheckSpacing(q, o.timeframe, "f.txt"));
  o.timeframe = Timeframe::Parse("1m").value();
  ASSERT_OK_AND_ASSIGN(ParsedBars r, ParseNinjaTrader(text + "20240115 150100;1;1;1;1;1\n", o));
  ASSERT_OK(CheckSpacing(r, o.timeframe, "f.txt"));
}

TEST_F(NinjaTraderTest, MissingLastFieldNamesVolume) {
  auto r = Parse("20240105 120200;1;2;0.5;1.5\n");
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_NE(r.status().message().find("field 'volume': missing"), std::string::npos) << r.status().message();
}

}  // namespace barlake::ingest
