#include "cli/output.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace barlake::cli {
namespace {

TEST(OutputTest, WithThousandsGroupsDigitsInThrees) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(7), "7");
  EXPECT_EQ(WithThousands(999), "999");
  EXPECT_EQ(WithThousands(1000), "1,000");
  EXPECT_EQ(WithThousands(-999), "-999");
  EXPECT_EQ(WithThousands(-1000), "-1,000");
  EXPECT_EQ(WithThousands(123456), "123,456");
  EXPECT_EQ(WithThousands(1234567), "1,234,567");
}

TEST(OutputTest, WithThousandsHandlesTheExtremes) {
  EXPECT_EQ(WithThousands(std::numeric_limits<int64_t>::max()), "9,223,372,036,854,775,807");
  // -INT64_MIN overflows int64_t; the magnitude is taken unsigned.
  EXPECT_EQ(WithThousands(std::numeric_limits<int64_t>::min()), "-9,223,372,036,854,775,808");
}

}  // namespace
}  // namespace barlake::cli
