// A failure injected at every step of the write protocol, and a disk that fills up at
// every step, must leave the lake byte-identical to before, report a clear error, and let
// the next open find a clean vault.
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

TEST_F(FaultInjectionTest, EveryStepFailingLeavesTheLakeUnchanged) {
  // Learn how many mutating steps the import takes (on a copy of the vault), then fail
  // each in turn, as an I/O error and as a full disk.
  testutil::FaultSweep sweep(vault_, [&](Lake& lake) -> Result<int64_t> {
    ASSIGN_OR_RETURN(ImportResult r, lake.Import(Req(second_)));
    return r.job.id;
  });
  ASSERT_NO_FATAL_FAILURE(sweep.CountSteps(dir_.Sub("copy")));
  ASSERT_GT(sweep.steps(), 10);
  ASSERT_NO_FATAL_FAILURE(sweep.FailEachStep(
      [&](const testutil::FaultStep& step) { ExpectUnchangedAndClean(step.context); },
      [&](std::unique_ptr<Lake>& lake, int64_t job_id, const testutil::FaultStep&) {
        // A best-effort step failed and the import completed: roll it back (on the faulty
        // lake, its one fault spent) so the next step starts from the same state.
        ASSERT_OK(lake->Rollback(job_id).status());
        lake_before_ = testutil::Snapshot(LakeDir());
      }));
  ExpectImportCompletes();
}

TEST_F(FaultInjectionTest, DiskFillingUpAtAnyStepLeavesTheLakeUnchanged) {
  for (int64_t k = 1; k <= 40; k += 3) {
    testutil::FaultInjectionEnv faulty(Env::Default());
    faulty.FillDiskAt(k);
    LakeOptions o;
    o.env = &faulty;
    ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(vault_, o));
    auto r = lake->Import(Req(second_));
    if (r.ok()) break;  // the disk filled after the last write
    EXPECT_EQ(r.status().code(), ErrorCode::kNoSpace) << r.status().ToString();
    EXPECT_NE(r.status().message().find("No space left"), std::string::npos);
    lake.reset();
    ExpectUnchangedAndClean("disk full from step " + std::to_string(k));
  }
}

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

// Crashes in-process at each named point: the hook throws past the protocol (no cleanup
// runs, like a kill), and a fresh Lake must finish or undo the job.
struct SimulatedCrash {};

TEST_F(FaultInjectionTest, RecoveryFinishesOrUndoesACrashAtEveryNamedPoint) {
  for (CrashPoint point : {CrashPoint::kAfterSourceCopy, CrashPoint::kAfterStageFile, CrashPoint::kAfterStaged,
                           CrashPoint::kAfterKeepOld, CrashPoint::kAfterSwapOne, CrashPoint::kAfterSwapAll,
                           CrashPoint::kAfterCommit}) {
    testutil::TempDir scratch;
    const std::string v = scratch.Sub("v");
    std::filesystem::copy(vault_, v, std::filesystem::copy_options::recursive);
    {
      LakeOptions o;
      o.crash_hook = [point](CrashPoint p) {
        if (p == point) throw SimulatedCrash{};
      };
      ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(v, o));
      EXPECT_THROW((void)lake->Import(Req(second_)), SimulatedCrash) << CrashPointName(point);
    }
    ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(v, {}));
    ASSERT_OK(lake->Recover());
    ASSERT_OK_AND_ASSIGN(VerifyReport rep, lake->Verify());
    EXPECT_TRUE(rep.ok()) << CrashPointName(point) << ": " << (rep.ok() ? "" : rep.problems[0].what);
    ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
    const bool finished = ds[0].rows == rows_before_ + 120;
    EXPECT_TRUE(finished || ds[0].rows == rows_before_) << CrashPointName(point);
    // Crashes once the plan is recorded are finished, earlier ones undone.
    const bool past_plan = point != CrashPoint::kAfterSourceCopy && point != CrashPoint::kAfterStageFile;
    EXPECT_EQ(finished, past_plan) << CrashPointName(point);
    if (!finished) {
      EXPECT_EQ(testutil::Snapshot(v + "/lake"), lake_before_) << CrashPointName(point);
    }
    // Importing the file again yields exactly every row once.
    ASSERT_OK_AND_ASSIGN(ImportResult again, lake->Import(Req(second_)));
    ASSERT_OK_AND_ASSIGN(ds, lake->Datasets());
    EXPECT_EQ(ds[0].rows, rows_before_ + 120) << CrashPointName(point);
    EXPECT_EQ(again.job.status, finished ? "skipped" : "completed") << CrashPointName(point);
  }
}

}  // namespace barlake::lake

namespace barlake::lake {

// The same guarantees when two staging threads write partitions in parallel (the import
// below spans seven months, which turns the workers on).
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
      ASSERT_OK(lake->Rollback(r->job.id).status()) << context;
      before_ = testutil::Snapshot(LakeDir());
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
      if (p == CrashPoint::kAfterStageFile && ++staged == 3) throw SimulatedCrash{};
    };
    ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(vault_, o));
    EXPECT_THROW((void)lake->Import(Req(wide_)), SimulatedCrash);
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

namespace barlake::lake {

// Rollback is a write path too: a failure at any of its steps leaves the lake as it was.
TEST_F(FaultInjectionTest, RollbackFailingAtEveryStepLeavesTheLakeUnchanged) {
  int64_t job_id = 0;
  {
    auto lake = OpenLake();
    ASSERT_OK_AND_ASSIGN(ImportResult r, lake->Import(Req(second_)));
    job_id = r.job.id;
  }
  auto imported = testutil::Snapshot(LakeDir());
  // Fail step 1, 2, ... of the rollback until one runs past its last step.
  testutil::FaultSweep sweep(vault_, [&](Lake& lake) -> Result<int64_t> {
    ASSIGN_OR_RETURN(journal::JobRecord rollback, lake.Rollback(job_id));
    return rollback.id;
  });
  ASSERT_NO_FATAL_FAILURE(sweep.FailEachStepUntilDone(
      60,
      [&](const testutil::FaultStep& step) {
        std::unique_ptr<Lake> clean;
        ASSERT_NO_FATAL_FAILURE(testutil::ExpectUnchangedAndRecoverable(vault_, LakeDir(), imported,
                                                                        step.context, &clean));
        ASSERT_OK_AND_ASSIGN(auto target, clean->TEST_journal()->GetJob(job_id));
        EXPECT_EQ(target.status, "completed") << step.context;
      },
      [&](std::unique_ptr<Lake>& lake, int64_t, const testutil::FaultStep&) {
        // A best-effort step failed (holder note, staging cleanup, link with copy
        // fallback): the rollback still completed. Import again to test the next step.
        lake.reset();
        auto again = OpenLake();
        ASSERT_OK_AND_ASSIGN(ImportResult re, again->Import(Req(second_)));
        job_id = re.job.id;
        imported = testutil::Snapshot(LakeDir());  // new job id in the rows: new bytes
      }));
  ASSERT_TRUE(sweep.done());
  EXPECT_GT(sweep.failed_runs(), 5);
  EXPECT_EQ(testutil::Snapshot(LakeDir()), lake_before_);
}

}  // namespace barlake::lake
