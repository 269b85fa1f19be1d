// Bit rot and repair (docs/integrity.md): reads check each file against the catalog and
// refuse a damaged one; Lake::Repair rebuilds it from an identical kept version or by
// replaying the import that wrote it, through the write protocol. A failure at any step
// of a repair: tests/lake/repair_fault_test.cc.
#include <filesystem>
#include <fstream>

#include "lake/lake_test_util.h"
#include "lake/read_check.h"

namespace barlake::lake {
namespace {

namespace fs = std::filesystem;

constexpr Micros kAll = std::numeric_limits<Micros>::max();

void ExpectSameBars(const BarColumns& a, const BarColumns& b) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.ts, b.ts);
  EXPECT_EQ(a.open, b.open);
  EXPECT_EQ(a.high, b.high);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.close, b.close);
  EXPECT_EQ(a.volume, b.volume);
  EXPECT_EQ(a.job, b.job);
}

// Flip one byte in the middle of `path`, keeping its size.
void FlipByte(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = fs::file_size(path);
  f.seekg(static_cast<std::streamoff>(size / 2));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x10);
  f.seekp(static_cast<std::streamoff>(size / 2));
  f.write(&c, 1);
}

class RepairTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    // Two files: the first spans the end of January into February, the second overlaps it
    // (with other prices for the shared minutes) and goes on, so job 2 merges into the
    // February partition job 1 wrote.
    first_ = WriteSource("first.txt", testutil::NtMinutes("20240131 220100", 240, 100));
    second_ = WriteSource("second.txt", testutil::NtMinutes("20240201 010100", 240, 100));
  }
  std::string Part(const std::string& period) {
    return vault_ + "/lake/symbol=ES/timeframe=1m/period=" + period + "/data.parquet";
  }
  BarColumns ReadAll(Lake* l) {
    auto r = l->Read("ES", "1m", 0, kAll);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : BarColumns{};
  }
  std::string first_, second_;
};

TEST_F(RepairTest, AFlippedByteIsRefusedWithExit8AdviceAndReplayRestoresTheBars) {
  auto l = OpenLake();
  ASSERT_OK(l->Import(Req(first_)).status());
  const BarColumns before = ReadAll(l.get());
  FlipByte(Part("2024-01"));
  auto bad = l->Read("ES", "1m", 0, kAll);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(bad.status().message().find(Part("2024-01")), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("barlake repair"), std::string::npos);

  const auto damaged = testutil::Snapshot(vault_);
  ASSERT_OK_AND_ASSIGN(RepairReport dry, l->Repair(true));
  ASSERT_EQ(dry.items.size(), 1u);
  EXPECT_EQ(dry.items[0].path, Part("2024-01"));
  EXPECT_EQ(dry.items[0].method, "replay");
  EXPECT_FALSE(dry.items[0].repaired);
  EXPECT_EQ(dry.job, 0);
  EXPECT_EQ(testutil::Snapshot(vault_), damaged) << "a dry run changed the vault";

  ASSERT_OK_AND_ASSIGN(RepairReport done, l->Repair(false));
  ASSERT_EQ(done.items.size(), 1u);
  EXPECT_TRUE(done.items[0].repaired);
  EXPECT_GT(done.job, 0);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, l->Verify());
  EXPECT_TRUE(v.ok()) << v.problems[0].path << ": " << v.problems[0].what;
  ExpectSameBars(ReadAll(l.get()), before);
  ASSERT_OK_AND_ASSIGN(journal::JobRecord job, l->Job(done.job));
  EXPECT_EQ(job.kind, "repair");
  EXPECT_EQ(job.status, "completed");
  // The damaged file is kept, as every replaced file is.
  EXPECT_TRUE(fs::exists(vault_ + "/.barlake/versions/job-" + std::to_string(done.job) +
                         "/symbol=ES/timeframe=1m/period=2024-01/data.parquet"));
}

TEST_F(RepairTest, ReplayMergesTheJobsRowsIntoThePreviousVersionAsTheJobDid) {
  auto l = OpenLake();
  ASSERT_OK(l->Import(Req(first_)).status());
  ImportRequest second = Req(second_);
  second.on_conflict = ConflictPolicy::kReplace;
  second.skip_alignment_check = true;  // the overlap differs on purpose
  ASSERT_OK(l->Import(second).status());
  const BarColumns before = ReadAll(l.get());
  // Truncated: the size alone tells.
  fs::resize_file(Part("2024-02"), fs::file_size(Part("2024-02")) / 2);
  auto bad = l->Read("ES", "1m", 0, kAll);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kCorruption);
  ASSERT_OK_AND_ASSIGN(RepairReport done, l->Repair(false));
  ASSERT_EQ(done.items.size(), 1u) << done.items.size();
  EXPECT_EQ(done.items[0].method, "replay") << done.items[0].action;
  EXPECT_TRUE(done.items[0].repaired) << done.items[0].action;
  ExpectSameBars(ReadAll(l.get()), before);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, l->Verify());
  EXPECT_TRUE(v.ok());
}

TEST_F(RepairTest, AMissingFileRestoredByARollbackIsCopiedFromItsIdenticalKeptVersion) {
  auto l = OpenLake();
  ASSERT_OK(l->Import(Req(first_)).status());
  ImportRequest req = Req(second_);
  req.skip_alignment_check = true;  // the overlap differs on purpose
  ASSERT_OK_AND_ASSIGN(ImportResult second, l->Import(req));
  ASSERT_OK(l->Rollback(second.job.id).status());
  const BarColumns before = ReadAll(l.get());
  fs::remove(Part("2024-02"));
  auto bad = l->Read("ES", "1m", 0, kAll);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("is missing"), std::string::npos) << bad.status().message();
  ASSERT_OK_AND_ASSIGN(RepairReport done, l->Repair(false));
  ASSERT_EQ(done.items.size(), 1u);
  EXPECT_EQ(done.items[0].method, "kept-version") << done.items[0].action;
  ExpectSameBars(ReadAll(l.get()), before);
}

TEST_F(RepairTest, WhatCannotBeRebuiltIsNamedWithWhatToDo) {
  auto l = OpenLake();
  ASSERT_OK_AND_ASSIGN(ImportResult first, l->Import(Req(first_)));
  FlipByte(Part("2024-01"));
  // Without the kept source nothing can replay the import.
  fs::remove(vault_ + "/.barlake/sources/" + first.job.source_sha256);
  ASSERT_OK_AND_ASSIGN(RepairReport done, l->Repair(false));
  ASSERT_EQ(done.items.size(), 1u);
  EXPECT_TRUE(done.items[0].method.empty());
  EXPECT_FALSE(done.items[0].repaired);
  EXPECT_NE(done.items[0].action.find("--reimport"), std::string::npos) << done.items[0].action;
  EXPECT_EQ(done.job, 0);
}

}  // namespace
}  // namespace barlake::lake
