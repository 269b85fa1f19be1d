// Snapshot imports go through the same write protocol as bars, so they get the same
// guarantees: a failure injected at every mutating step (I/O error or full disk) leaves
// snapshots/ byte-identical with a failed job; a crash at every named point is finished
// or undone by recovery; a rollback failing at any step changes nothing.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lake/lake_test_util.h"
#include "lake/snapshot_import.h"
#include "testutil/fault_sweep.h"

namespace barlake::lake {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct SimulatedCrash {};

class SnapshotFaultTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    const std::string dir = std::string(BARLAKE_TEST_DATA_DIR) + "/gex/";
    auto lake = OpenLake();
    ASSERT_OK(lake->ImportSnapshots({dir + "SPX_2026-02-25_rt.json"}).status());
    // The faulty import replaces the February partition (a second snapshot) and creates
    // March (the same snapshot a week later): JSON Lines.
    std::string feb = ReadText(dir + "SPX_2026-02-26_rt.json");
    std::string mar = feb;
    mar.replace(mar.find("1772053200"), 10, "1772744400");  // 2026-03-05 21:00 UTC
    second_ = WriteSource("spx_history.jsonl", feb + mar);
    before_ = testutil::Snapshot(SnapshotsDir());
    ASSERT_EQ(before_.size(), 1u);
  }
  std::string SnapshotsDir() const { return vault_ + "/snapshots"; }
  int64_t Rows(Lake* lake) {
    auto ds = lake->Datasets();
    EXPECT_TRUE(ds.ok());
    return ds.ok() && !ds->empty() ? (*ds)[0].rows : -1;
  }
  void ExpectUnchangedAndClean(const std::string& context) {
    std::unique_ptr<Lake> lake;
    ASSERT_NO_FATAL_FAILURE(
        testutil::ExpectUnchangedAndRecoverable(vault_, SnapshotsDir(), before_, context, &lake));
    EXPECT_EQ(Rows(lake.get()), 7) << context;
    ASSERT_OK_AND_ASSIGN(auto running, lake->TEST_journal()->JobsWithStatus("running"));
    EXPECT_TRUE(running.empty()) << context;
    ASSERT_OK_AND_ASSIGN(auto jobs, lake->TEST_journal()->ListJobs(1));
    EXPECT_EQ(jobs[0].status, "failed") << context;
    EXPECT_TRUE(std::filesystem::is_empty(vault_ + "/.barlake/staging")) << context;
  }
  std::string second_;
  std::map<std::string, std::string> before_;
};

TEST_F(SnapshotFaultTest, EveryStepFailingLeavesTheSnapshotsUnchanged) {
  SnapshotImportResult last;
  testutil::FaultSweep sweep(vault_, [&](Lake& lake) -> Result<int64_t> {
    ASSIGN_OR_RETURN(last, lake.ImportSnapshots({second_}));
    return last.job.id;
  });
  ASSERT_NO_FATAL_FAILURE(sweep.CountSteps(dir_.Sub("copy")));
  ASSERT_EQ(last.partitions.size(), 2u);  // the counted run
  ASSERT_GT(sweep.steps(), 10);
  ASSERT_NO_FATAL_FAILURE(sweep.FailEachStep(
      [&](const testutil::FaultStep& step) { ExpectUnchangedAndClean(step.context); },
      [&](std::unique_ptr<Lake>& lake, int64_t job_id, const testutil::FaultStep& step) {
        // Undo that success (on a healthy disk) so the next step starts from the same state.
        lake.reset();
        ASSERT_OK(OpenLake()->Rollback(job_id).status()) << step.context;
        before_ = testutil::Snapshot(SnapshotsDir());
      }));
  EXPECT_GT(sweep.failed_runs(), sweep.steps());  // most steps of both kinds failed the job
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto done, lake->ImportSnapshots({second_}));
  EXPECT_EQ(done.job.status, "completed");
  EXPECT_EQ(Rows(lake.get()), 7 + 6);
}

TEST_F(SnapshotFaultTest, RecoveryFinishesOrUndoesACrashAtEveryNamedPoint) {
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
      EXPECT_THROW((void)lake->ImportSnapshots({second_}), SimulatedCrash) << CrashPointName(point);
    }
    ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(v, {}));
    ASSERT_OK(lake->Recover());
    ASSERT_OK_AND_ASSIGN(VerifyReport rep, lake->Verify());
    EXPECT_TRUE(rep.ok()) << CrashPointName(point) << ": " << (rep.ok() ? "" : rep.problems[0].what);
    const bool finished = Rows(lake.get()) == 13;
    const bool past_plan = point != CrashPoint::kAfterSourceCopy && point != CrashPoint::kAfterStageFile;
    EXPECT_EQ(finished, past_plan) << CrashPointName(point);
    if (!finished) {
      EXPECT_EQ(Rows(lake.get()), 7) << CrashPointName(point);
      EXPECT_EQ(testutil::Snapshot(v + "/snapshots"), before_) << CrashPointName(point);
    }
    ASSERT_OK_AND_ASSIGN(auto again, lake->ImportSnapshots({second_}));
    EXPECT_EQ(again.job.status, finished ? "skipped" : "completed") << CrashPointName(point);
    EXPECT_EQ(Rows(lake.get()), 13) << CrashPointName(point);
  }
}

TEST_F(SnapshotFaultTest, RollbackFailingAtEveryStepLeavesTheSnapshotsUnchanged) {
  int64_t job_id = 0;
  {
    auto lake = OpenLake();
    ASSERT_OK_AND_ASSIGN(auto r, lake->ImportSnapshots({second_}));
    job_id = r.job.id;
  }
  const auto original = before_;
  auto imported = testutil::Snapshot(SnapshotsDir());
  testutil::FaultSweep sweep(vault_, [&](Lake& lake) -> Result<int64_t> {
    ASSIGN_OR_RETURN(journal::JobRecord rollback, lake.Rollback(job_id));
    return rollback.id;
  });
  ASSERT_NO_FATAL_FAILURE(sweep.FailEachStepUntilDone(
      60,
      [&](const testutil::FaultStep& step) {
        std::unique_ptr<Lake> clean;
        ASSERT_NO_FATAL_FAILURE(testutil::ExpectUnchangedAndRecoverable(
            vault_, SnapshotsDir(), imported, step.context, &clean));
        ASSERT_OK_AND_ASSIGN(auto target, clean->TEST_journal()->GetJob(job_id));
        EXPECT_EQ(target.status, "completed") << step.context;
      },
      [&](std::unique_ptr<Lake>& lake, int64_t, const testutil::FaultStep& step) {
        lake.reset();
        auto again = OpenLake();
        // Other bytes of the same rows, so the import is not skipped as already done.
        const int64_t k = step.index;
        ASSERT_OK_AND_ASSIGN(auto re, again->ImportSnapshots(
                                          {WriteSource("again" + std::to_string(k) + ".jsonl",
                                                       ReadText(second_) + std::string(k, '\n'))}));
        job_id = re.job.id;
        imported = testutil::Snapshot(SnapshotsDir());
      }));
  ASSERT_TRUE(sweep.done());
  EXPECT_GT(sweep.failed_runs(), 5);
  EXPECT_EQ(testutil::Snapshot(SnapshotsDir()), original);
}

}  // namespace
}  // namespace barlake::lake
