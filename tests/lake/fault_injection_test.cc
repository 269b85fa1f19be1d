// Faults the write-path conformance suite (write_path_conformance_test.cc) does not reach:
// the free-space check before an import, and failures and crashes while two staging
// threads write partitions in parallel.
#include <filesystem>

#include "lake/lake_test_util.h"
#include "testutil/fault_injection_env.h"
#include "testutil/fault_sweep.h"

namespace barlake::lake {

using testutil::NtMinutes;

class FaultInjectionTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    // Existing data: January and February, so the faulty import replaces one partition
    // (February), creates another (March) and leaves January alone.
    auto lake = OpenLake();
    ASSERT_TRUE(lake->Import(Req(WriteSource("base.txt", NtMinutes("20240131 233100", 60, 100)))).ok());
    second_ = WriteSource("second.txt", NtMinutes("20240229 230100", 120, 100));
    lake_before_ = testutil::Snapshot(LakeDir());
    ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
    rows_before_ = ds[0].rows;
  }

  // After a failed import: same bytes in lake/, a failed job, a clean reopen.
  void ExpectUnchangedAndClean(const std::string& context) {
    std::unique_ptr<Lake> lake;
    ASSERT_NO_FATAL_FAILURE(
        testutil::ExpectUnchangedAndRecoverable(vault_, LakeDir(), lake_before_, context, &lake));
    ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
    EXPECT_EQ(ds[0].rows, rows_before_) << context;
    ASSERT_OK_AND_ASSIGN(auto running, lake->TEST_journal()->JobsWithStatus("running"));
    EXPECT_TRUE(running.empty()) << context;
    EXPECT_TRUE(std::filesystem::is_empty(vault_ + "/.barlake/staging")) << context;
  }

  // Re-run the import with a healthy disk: it must now complete with every row.
  void ExpectImportCompletes() {
    auto lake = OpenLake();
    ASSERT_OK_AND_ASSIGN(ImportResult r, lake->Import(Req(second_)));
    EXPECT_EQ(r.job.status, "completed");
    ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
    EXPECT_EQ(ds[0].rows, rows_before_ + 120);
  }

  std::string second_;
  std::map<std::string, std::string> lake_before_;
  int64_t rows_before_ = 0;
};

TEST_F(FaultInjectionTest, TooLittleFreeSpaceIsRefusedUpFront) {
  testutil::FaultInjectionEnv faulty(Env::Default());
  faulty.SetFreeBytes(1024);
  LakeOptions o;
  o.env = &faulty;
  ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(vault_, o));
  auto r = lake->Import(Req(second_));
  ASSERT_RAISES(kNoSpace, r);
  EXPECT_NE(r.status().message().find("MB free"), std::string::npos) << r.status().message();
  lake.reset();
  ExpectUnchangedAndClean("free space check");
  ExpectImportCompletes();
}

// The conformance suite's guarantees when two staging threads write partitions in
// parallel (the import below spans seven months, which turns the workers on).
class ParallelStagingFaultTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    auto lake = OpenLake();
    ASSERT_TRUE(lake->Import(Req(WriteSource("base.txt", testutil::NtMinutes("20240131 233100", 60, 100)))).ok());
    std::string text;
    for (int month = 2; month <= 8; ++month) {
      text += testutil::NtMinutes("2024" + std::string(month < 10 ? "0" : "") + std::to_string(month) + "10 120100", 30, 100);
    }
    wide_ = WriteSource("wide.txt", text);
    before_ = testutil::Snapshot(LakeDir());
  }
  std::string wide_;
  std::map<std::string, std::string> before_;
};

TEST_F(ParallelStagingFaultTest, FailureInAnyStagingThreadLeavesTheLakeUnchanged) {
  for (int64_t k = 1; k <= 45; k += 2) {
    testutil::FaultInjectionEnv faulty(Env::Default());
    faulty.FailAt(k, ErrorCode::kIOError);
    LakeOptions o;
    o.env = &faulty;
    ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(vault_, o));
    auto r = lake->Import(Req(wide_));
    const std::string context = "step " + std::to_string(k) + " (" + faulty.failed() + ")";
    if (r.ok()) {
      // Either the import ran past its last step (every step was tried) or a best-effort
      // step failed; undo it without faults and go on.
      const bool ran_past_the_end = faulty.failed().empty();
      lake.reset();
      ASSERT_OK(OpenLake()->Rollback(r->job.id).status()) << context;
      before_ = testutil::Snapshot(LakeDir());
      if (ran_past_the_end) break;
      continue;
    }
    lake.reset();
    ASSERT_NO_FATAL_FAILURE(
        testutil::ExpectUnchangedAndRecoverable(vault_, LakeDir(), before_, context));
  }
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(ImportResult done, lake->Import(Req(wide_)));
  EXPECT_EQ(done.partitions.size(), 7u);
  ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
  EXPECT_EQ(ds[0].rows, 60 + 7 * 30);
}

TEST_F(ParallelStagingFaultTest, CrashWhileWorkersRunIsUndoneByRecovery) {
  {
    LakeOptions o;
    int staged = 0;
    o.crash_hook = [&staged](CrashPoint p) {
      if (p == CrashPoint::kAfterStageFile && ++staged == 3) throw testutil::SimulatedCrash{};
    };
    ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(vault_, o));
    EXPECT_THROW((void)lake->Import(Req(wide_)), testutil::SimulatedCrash);
  }
  auto lake = OpenLake();
  ASSERT_OK(lake->Recover());
  EXPECT_EQ(testutil::Snapshot(LakeDir()), before_);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
  ASSERT_OK_AND_ASSIGN(ImportResult again, lake->Import(Req(wide_)));
  EXPECT_EQ(again.job.status, "completed");
}

}  // namespace barlake::lake
