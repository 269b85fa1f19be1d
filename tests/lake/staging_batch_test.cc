// The write protocol reads staged files back in batches (one query per up to 128 files or
// 64 Ki rows, per staging thread): a job whose partitions span several batches, on the
// calling thread and on the staging workers, stores exactly its rows, every file checked.
#include <cstdio>

#include "lake/lake_test_util.h"

namespace barlake::lake {
namespace {

// One bar on the 10th of each of `months` months from 2000-01, prices by month.
std::string MonthlyBars(int months, double base) {
  std::string text;
  char line[96];
  for (int i = 0; i < months; ++i) {
    std::snprintf(line, sizeof line, "%04d%02d10 12%02d00;%.2f;%.2f;%.2f;%.2f;%d\n", 2000 + i / 12, 1 + i % 12,
                  (i * 7) % 60, base + i, base + i + 1, base + i - 1, base + i + 0.5, 100 + i);
    text += line;
  }
  return text;
}

class StagingBatchTest : public VaultTest {};

TEST_F(StagingBatchTest, PartitionsAcrossSeveralReadBackBatchesAreStoredAndChecked) {
  const int kMonths = 300;  // > 2 x 128 files: several batches on each staging worker
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(ImportResult r, lake->Import(Req(WriteSource("months.txt", MonthlyBars(kMonths, 1000)))));
  EXPECT_EQ(r.job.status, "completed");
  EXPECT_EQ(r.partitions.size(), static_cast<size_t>(kMonths));
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
  ASSERT_OK_AND_ASSIGN(BarColumns back, lake->Read("ES", "1m", 0, ParseIsoUtc("2100-01-01T00:00:00Z").value()));
  ASSERT_EQ(back.size(), static_cast<size_t>(kMonths));
  for (int i = 0; i < kMonths; ++i) EXPECT_EQ(back.open[static_cast<size_t>(i)], 1000 + i) << i;

  // Every partition replaced (kept versions, rewritten files), then rolled back: the
  // rollback restores 300 files by copy, read back in batches too.
  ImportRequest again = Req(WriteSource("months2.txt", MonthlyBars(kMonths, 2000)));
  again.on_conflict = ConflictPolicy::kReplace;
  ASSERT_OK_AND_ASSIGN(ImportResult r2, lake->Import(again));
  EXPECT_EQ(r2.job.status, "completed");
  ASSERT_OK_AND_ASSIGN(back, lake->Read("ES", "1m", 0, ParseIsoUtc("2100-01-01T00:00:00Z").value()));
  ASSERT_EQ(back.size(), static_cast<size_t>(kMonths));
  EXPECT_EQ(back.open.back(), 2000 + kMonths - 1);
  ASSERT_OK(lake->Rollback(r2.job.id).status());
  ASSERT_OK_AND_ASSIGN(back, lake->Read("ES", "1m", 0, ParseIsoUtc("2100-01-01T00:00:00Z").value()));
  ASSERT_EQ(back.size(), static_cast<size_t>(kMonths));
  EXPECT_EQ(back.open.back(), 1000 + kMonths - 1);
  ASSERT_OK_AND_ASSIGN(v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

}  // namespace
}  // namespace barlake::lake
