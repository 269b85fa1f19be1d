// Imports the real NinjaTrader exports in ../shared/realdata (not shipped with barlake;
// skipped when absent) and checks them against what SOURCES.md says about each file.
#include <filesystem>

#include "lake/lake_test_util.h"

namespace barlake::lake {

TEST_F(VaultTest, RealNinjaTraderExportsImportWithTheirDocumentedRowCounts) {
  const std::string dir = std::string(BARLAKE_SHARED_DIR) + "/realdata/ninjatrader";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/realdata is not present";
  struct Expected {
    const char* file;
    int64_t rows;
    int64_t rejected;
  };
  // Row counts from SOURCES.md section 1; the files are stamped in UTC. CL 03-24 holds one
  // bad tick (the Saturday 593.13 print), which goes to quarantine; the rest is clean.
  const Expected files[] = {{"CL 03-24.Last.txt", 31646, 1}, {"CL 06-20.Last.txt", 31941, 0},
                            {"CL 12-20.Last.txt", 35598, 0}, {"CL 09-08.Last.txt", 48217, 0}};
  auto lake = OpenLake();
  int64_t total = 0;
  for (const auto& f : files) {
    ImportRequest r = Req(dir + "/" + f.file, "CL");
    r.tz = "UTC";
    ASSERT_OK_AND_ASSIGN(ImportResult res, lake->Import(r));
    EXPECT_EQ(res.job.rows_read, f.rows) << f.file;
    EXPECT_EQ(res.job.rows_rejected, f.rejected) << f.file;
    EXPECT_EQ(res.rows_added, f.rows - f.rejected) << f.file;
    total += f.rows - f.rejected;
  }
  ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
  EXPECT_EQ(ds[0].rows, total);
  // Close-time stamps: the first bar after the CME break, stamped 230100, opens at 23:00.
  const Micros t = ParseIsoUtc("2024-01-14T23:00:00Z").value();
  ASSERT_OK_AND_ASSIGN(BarColumns b, lake->Read("CL", "1m", t, t + 60 * kMicrosPerSecond));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.open[0], 72.73);
  // The April 2020 crash is real data and is kept whole: the June contract fell to 6.50
  // on 2020-04-21 (its low, 17:51 UTC).
  const Micros apr21 = ParseIsoUtc("2020-04-21T00:00:00Z").value();
  ASSERT_OK_AND_ASSIGN(BarColumns crash, lake->Read("CL", "1m", apr21, apr21 + kMicrosPerDay));
  ASSERT_FALSE(crash.empty());
  const auto low = std::min_element(crash.low.begin(), crash.low.end());
  EXPECT_EQ(*low, 6.5);
  EXPECT_EQ(FormatIsoUtc(crash.ts[static_cast<size_t>(low - crash.low.begin())]), "2020-04-21T17:51:00Z");
  ASSERT_OK_AND_ASSIGN(auto held, lake->TEST_journal()->ListQuarantine("CL", "1m", "held", 0, 10));
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].rule, "bad_tick");
  EXPECT_EQ(held[0].open, 593.13);
  EXPECT_EQ(held[0].line, 6638u);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

}  // namespace barlake::lake
