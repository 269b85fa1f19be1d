// Inputs the fuzzers (fuzz/, scripts/fuzz.sh) found to break a parser, kept as tests.
#include <gtest/gtest.h>

#include "ingest/binance.h"
#include "ingest/format.h"
#include "testutil/status_matchers.h"

namespace barlake::ingest {

TEST(FuzzRegressionTest, BinanceCloseTimeTooLargeIsAnErrorNotOverflow) {
  // close_time of 170925107721188800 ms overflowed when converted to microseconds.
  TimeZone utc = TimeZone::Locate("UTC").value();
  ParseOptions o{Timeframe::Parse("1m").value(), &utc, "k.csv"};
  const std::string text =
      "1706745600000,1,2,0.5,1.5,10,170925107721188800,0,0,0,0,0\n";
  auto r = BinanceKlinesCsvFormat()->Parse(text, o);
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_NE(r.status().message().find("out of range or in different units"), std::string::npos)
      << r.status().message();
}

TEST(FuzzRegressionTest, YahooStampTooLargeIsAProblemNotOverflow) {
  // 172101612758000 epoch seconds overflowed when converted to microseconds (UBSan).
  TimeZone utc = TimeZone::Locate("UTC").value();
  ParseOptions o{Timeframe::Parse("1d").value(), &utc, "y.json"};
  const std::string text =
      R"({"chart":{"result":[{"meta":{"symbol":"GC=F","exchangeTimezoneName":"America/New_York",)"
      R"("regularMarketTime":1740085200,"dataGranularity":"1d"},"timestamp":[172101612758000,1721102400],)"
      R"("indicators":{"quote":[{"open":[2412.5,2466.0],"high":[2433.1,2482.4],"low":[2405.0,2455.8],)"
      R"("close":[2429.6,2459.2],"volume":[812,1530]}]}}],"error":null}})";
  const BarFormat* yahoo = FindFormat("yahoo-json").value();
  auto r = yahoo->Parse(text, o);
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_NE(r.status().message().find("y.json:1: field 'timestamp'"), std::string::npos) << r.status().message();
  // As the lake parses (keep_unparsed), the bad stamp is one unparsed row, the other bar stays.
  o.keep_unparsed = true;
  auto kept = yahoo->Parse(text, o);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->bars.size(), 1u);
  ASSERT_EQ(kept->unparsed.size(), 1u);
  EXPECT_EQ(kept->unparsed[0].field, "timestamp");
}

}  // namespace barlake::ingest
