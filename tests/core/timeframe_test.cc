#include "core/timeframe.h"

#include <gtest/gtest.h>

#include "testutil/status_matchers.h"

namespace barlake {

TEST(TimeframeTest, ParsesMinutesHoursDaysWeeks) {
  ASSERT_OK_AND_ASSIGN(Timeframe m1, Timeframe::Parse("1m"));
  EXPECT_EQ(m1.seconds(), 60);
  EXPECT_FALSE(m1.is_daily_or_longer());
  ASSERT_OK_AND_ASSIGN(Timeframe h4, Timeframe::Parse("4h"));
  EXPECT_EQ(h4.seconds(), 4 * 3600);
  ASSERT_OK_AND_ASSIGN(Timeframe d1, Timeframe::Parse("1d"));
  EXPECT_TRUE(d1.is_daily_or_longer());
  ASSERT_OK_AND_ASSIGN(Timeframe w1, Timeframe::Parse("1w"));
  EXPECT_EQ(w1.seconds(), 7 * 86400);
}

TEST(TimeframeTest, RejectsMalformedAndNonDividingIntervals) {
  for (const char* bad : {"", "m", "0m", "01m", "7m", "1x", "2d", "1.5h", "-1m", "5h"}) {
    ASSERT_RAISES(kInvalidArgument, Timeframe::Parse(bad)) << bad;
  }
}

}  // namespace barlake
