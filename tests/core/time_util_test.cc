#include "core/time_util.h"

#include <gtest/gtest.h>

#include "testutil/status_matchers.h"

namespace barlake {

TEST(TimeUtilTest, CivilDaysRoundTrip) {
  for (int64_t d : {-1000000LL, -1LL, 0LL, 19737LL, 2932896LL}) {
    int y;
    unsigned m, dd;
    CivilFromDays(d, &y, &m, &dd);
    EXPECT_EQ(DaysFromCivil(y, m, dd), d);
  }
  EXPECT_EQ(DaysFromCivil(2024, 2, 29), 19782);
}

TEST(TimeUtilTest, FormatsIsoUtcWithZ) {
  EXPECT_EQ(FormatIsoUtc(0), "1970-01-01T00:00:00Z");
  ASSERT_OK_AND_ASSIGN(Micros t, ParseIsoUtc("2024-01-15T14:30:00Z"));
  EXPECT_EQ(FormatIsoUtc(t), "2024-01-15T14:30:00Z");
  EXPECT_EQ(FormatIsoUtc(t + 1500), "2024-01-15T14:30:00.001500Z");
  EXPECT_EQ(FormatIsoUtc(-1 * kMicrosPerSecond), "1969-12-31T23:59:59Z");
}

TEST(TimeUtilTest, ParsesDatesTimesAndOffsets) {
  ASSERT_OK_AND_ASSIGN(Micros d, ParseIsoUtc("2024-01-15"));
  EXPECT_EQ(d, DaysFromCivil(2024, 1, 15) * kMicrosPerDay);
  ASSERT_OK_AND_ASSIGN(Micros a, ParseIsoUtc("2024-01-15 09:30"));
  EXPECT_EQ(a, d + (9 * 3600 + 30 * 60) * kMicrosPerSecond);
  ASSERT_OK_AND_ASSIGN(Micros ny, ParseIsoUtc("2024-01-15T09:30:00-05:00"));
  EXPECT_EQ(FormatIsoUtc(ny), "2024-01-15T14:30:00Z");
}

TEST(TimeUtilTest, RejectsMalformedTimes) {
  for (const char* bad : {"", "2024", "2024-13-01", "2024-01-15T25:00", "2024-01-15T09:30+5", "yesterday",
                          "2024-01-15T09:30:00Zjunk"}) {
    ASSERT_RAISES(kInvalidArgument, ParseIsoUtc(bad)) << bad;
  }
}

TEST(TimeUtilTest, ADayPastTheMonthsEndIsAnErrorNotTheNextMonth) {
  for (const char* bad : {"2024-02-30", "2023-02-29", "2024-04-31T10:00Z", "1900-02-29"}) {
    auto r = ParseIsoUtc(bad);
    ASSERT_RAISES(kInvalidArgument, r) << bad;
    EXPECT_NE(r.status().message().find("is not a date"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(ParseIsoUtc("2023-02-29").status().message(), "time '2023-02-29' is not a date: 2023-02 has 28 days");
  // Leap days and months' last days parse.
  for (const char* good : {"2024-02-29", "2000-02-29", "2024-04-30", "2024-12-31T23:59Z"}) {
    ASSERT_OK(ParseIsoUtc(good).status()) << good;
  }
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(1900, 2), 28);
  EXPECT_EQ(DaysInMonth(2023, 12), 31);
}

TEST(TimeUtilTest, AMalformedTimeIsQuotedWithItsBytesEscaped) {
  EXPECT_EQ(ParseIsoUtc("2024-01-1\xFF").status().message(),
            "time '2024-01-1\\xFF' is not ISO 8601; use e.g. 2024-01-15 or 2024-01-15T14:30:00Z");
}

}  // namespace barlake
