#include "storage/partition_layout.h"

#include <gtest/gtest.h>

#include "testutil/status_matchers.h"

namespace barlake::storage {

TEST(PartitionLayoutTest, MonthAndYearPeriods) {
  const Micros t = ParseIsoUtc("2024-02-29T23:59:00Z").value();
  EXPECT_EQ(PeriodOf(t, false), "2024-02");
  EXPECT_EQ(PeriodOf(t, true), "2024");
  ASSERT_OK_AND_ASSIGN(auto feb, PeriodRange("2024-02"));
  EXPECT_EQ(FormatIsoUtc(feb.first), "2024-02-01T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(feb.second), "2024-03-01T00:00:00Z");
  ASSERT_OK_AND_ASSIGN(auto dec, PeriodRange("2023-12"));
  EXPECT_EQ(FormatIsoUtc(dec.second), "2024-01-01T00:00:00Z");
  ASSERT_OK_AND_ASSIGN(auto year, PeriodRange("2024"));
  EXPECT_EQ(FormatIsoUtc(year.second), "2025-01-01T00:00:00Z");
  ASSERT_RAISES(kInvalidArgument, PeriodRange("2024-13"));
  EXPECT_EQ(PartitionRelPath("ES", "1m", "2024-02"), "symbol=ES/timeframe=1m/period=2024-02/data.parquet");
}

TEST(PartitionLayoutTest, SymbolsMustBeSafeFolderNames) {
  for (const char* ok : {"ES", "BTCUSDT", "^GSPC", "BRK.B", "ES-2403", "X_Y", "EURUSD=X"}) EXPECT_OK(ValidateSymbol(ok));
  for (const char* bad : {"", ".hidden", "_x", "a/b", "a b", "../x", "ab'c"}) {
    ASSERT_RAISES(kInvalidArgument, ValidateSymbol(bad)) << bad;
  }
}

}  // namespace barlake::storage
