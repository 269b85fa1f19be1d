// Inputs the fuzzers (fuzz/, scripts/fuzz.sh) found to break a parser, kept as tests.
#include <gtest/gtest.h>

#include "ingest/binance.h"
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

}  // namespace barlake::ingest
