#include "journal/journal.h"

#include <gtest/gtest.h>

#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::journal {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto j = Journal::Open(dir_.Sub("journal.sqlite"), true);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    journal_ = std::move(j).value();
  }
  PartitionChange Change(int64_t job, const std::string& period, int64_t rows, const std::string& sha) {
    PartitionChange c;
    c.job_id = job;
    c.symbol = "ES";
    c.timeframe = "1m";
    c.period = period;
    c.rel_path = "symbol=ES/timeframe=1m/period=" + period + "/data.parquet";
    c.after_sha256 = sha;
    c.after_rows = rows;
    c.after_min_ts = 100;
    c.after_max_ts = 200;
    c.after_bytes = 1000;
    c.after_content_hash = "h" + sha;
    c.after_version = job;
    return c;
  }
  testutil::TempDir dir_;
  std::unique_ptr<Journal> journal_;
};

TEST_F(JournalTest, JobLifecycleUpdatesCatalogAtomicallyOnCompletion) {
  JobRecord job;
  job.kind = "import";
  job.status = "running";
  job.symbol = "ES";
  job.timeframe = "1m";
  job.source_sha256 = "abc";
  ASSERT_OK_AND_ASSIGN(job.id, journal_->CreateJob(job));
  std::vector<PartitionChange> changes = {Change(job.id, "2024-01", 10, "s1"), Change(job.id, "2024-02", 20, "s2")};
  job.phase = "staged";
  ASSERT_OK(journal_->RecordPlan(job, changes));
  // Planned but not completed: the catalog does not show it yet.
  ASSERT_OK_AND_ASSIGN(auto parts, journal_->AllPartitions());
  EXPECT_TRUE(parts.empty());
  ASSERT_OK_AND_ASSIGN(auto running, journal_->JobsWithStatus("running"));
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].phase, "staged");

  job.status = "completed";
  job.phase = "done";
  ASSERT_OK(journal_->CompleteJob(job, changes));
  ASSERT_OK_AND_ASSIGN(parts, journal_->AllPartitions());
  ASSERT_EQ(parts.size(), 2u);
  ASSERT_OK_AND_ASSIGN(auto ds, journal_->Datasets());
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rows, 30);
  EXPECT_EQ(ds[0].partitions, 2);
  EXPECT_EQ(ds[0].last_job, job.id);
  ASSERT_OK_AND_ASSIGN(auto found, journal_->FindCompletedImport("abc", "ES", "1m"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, job.id);
  ASSERT_OK_AND_ASSIGN(auto none, journal_->FindCompletedImport("abc", "NQ", "1m"));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(auto back, journal_->GetChanges(job.id));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].after_sha256, "s1");
  EXPECT_EQ(back[1].after_rows, 20);
}

TEST_F(JournalTest, RemovalDropsPartitionAndEmptyDataset) {
  JobRecord job{.kind = "import", .status = "running"};
  ASSERT_OK_AND_ASSIGN(job.id, journal_->CreateJob(job));
  auto c = Change(job.id, "2024-01", 10, "s1");
  ASSERT_OK(journal_->CompleteJob(job, {c}));
  JobRecord rb{.kind = "rollback", .status = "running"};
  rb.target_job = job.id;
  ASSERT_OK_AND_ASSIGN(rb.id, journal_->CreateJob(rb));
  c.job_id = rb.id;
  c.after_sha256.clear();
  rb.status = "completed";
  ASSERT_OK(journal_->CompleteJob(rb, {c}));
  ASSERT_OK_AND_ASSIGN(auto parts, journal_->AllPartitions());
  EXPECT_TRUE(parts.empty());
  ASSERT_OK_AND_ASSIGN(auto ds, journal_->Datasets());
  EXPECT_TRUE(ds.empty());
  ASSERT_OK_AND_ASSIGN(JobRecord target, journal_->GetJob(job.id));
  EXPECT_EQ(target.status, "rolled_back");
  EXPECT_EQ(target.rolled_back_by, rb.id);
}

TEST_F(JournalTest, LaterJobsTouchingFindsOverlaps) {
  JobRecord a{.kind = "import", .status = "running"};
  ASSERT_OK_AND_ASSIGN(a.id, journal_->CreateJob(a));
  ASSERT_OK(journal_->RecordPlan(a, {Change(a.id, "2024-01", 1, "x")}));
  a.status = "completed";
  ASSERT_OK(journal_->CompleteJob(a, {Change(a.id, "2024-01", 1, "x")}));
  JobRecord b{.kind = "import", .status = "running"};
  ASSERT_OK_AND_ASSIGN(b.id, journal_->CreateJob(b));
  ASSERT_OK(journal_->RecordPlan(b, {Change(b.id, "2024-01", 2, "y")}));
  b.status = "completed";
  ASSERT_OK(journal_->CompleteJob(b, {Change(b.id, "2024-01", 2, "y")}));
  ASSERT_OK_AND_ASSIGN(auto later, journal_->LaterJobsTouching(a.id, {Change(a.id, "2024-01", 1, "x").rel_path}));
  EXPECT_EQ(later, std::vector<int64_t>{b.id});
  ASSERT_OK_AND_ASSIGN(auto none, journal_->LaterJobsTouching(a.id, {"symbol=ES/timeframe=1m/period=1999-01/data.parquet"}));
  EXPECT_TRUE(none.empty());
}

TEST_F(JournalTest, RangeQueryReturnsOverlappingPartitionsOnly) {
  JobRecord job{.kind = "import", .status = "running"};
  ASSERT_OK_AND_ASSIGN(job.id, journal_->CreateJob(job));
  auto a = Change(job.id, "2024-01", 1, "a");
  a.after_min_ts = 0;
  a.after_max_ts = 99;
  auto b = Change(job.id, "2024-02", 1, "b");
  b.after_min_ts = 100;
  b.after_max_ts = 199;
  ASSERT_OK(journal_->CompleteJob(job, {a, b}));
  ASSERT_OK_AND_ASSIGN(auto r, journal_->PartitionsInRange("ES", "1m", 150, 160));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].period, "2024-02");
  ASSERT_OK_AND_ASSIGN(r, journal_->PartitionsInRange("ES", "1m", 50, 150));
  EXPECT_EQ(r.size(), 2u);
}

TEST_F(JournalTest, NotAJournalIsCorruption) {
  testutil::TempDir other;
  FILE* f = std::fopen(other.Sub("j.sqlite").c_str(), "w");
  std::fputs("this is not sqlite at all, just text padding the header.....................", f);
  std::fclose(f);
  auto j = Journal::Open(other.Sub("j.sqlite"), false);
  EXPECT_FALSE(j.ok());
}

TEST_F(JournalTest, UnknownJobIsNotFound) { ASSERT_RAISES(kNotFound, journal_->GetJob(999)); }

}  // namespace barlake::journal
