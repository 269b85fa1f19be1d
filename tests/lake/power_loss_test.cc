// Power loss at every step of every write path. A crash (SIGKILL, or the in-process
// CrashPoint hooks) keeps everything the process wrote in the page cache; a power cut does
// not. So this checks the fsync choreography itself: the process stops right after
// mutating step N, then FaultInjectionEnv::SimulatePowerLoss() drops every byte that was
// not fsynced and every folder entry whose folder was not fsynced after it. The next
// writer's recovery must then leave the vault as it was or as an uninterrupted run leaves
// it, verifying clean with a consistent journal. N = steps + 1 cuts the power after a run
// that completed: all of it must have been durable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "lake/lake.h"
#include "testutil/fault_injection_env.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"
#include "testutil/write_paths.h"

namespace barlake::testutil {
namespace {

// The power-loss model itself, on plain files.
class PowerLossModelTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.TrackDurability(); }
  void Write(const std::string& path, const std::string& text, bool sync) {
    ASSERT_OK_AND_ASSIGN(auto f, env_.NewWritableFile(path));
    ASSERT_OK(f->Append(text));
    if (sync) {
      ASSERT_OK(f->Sync());
    }
    ASSERT_OK(f->Close());
  }
  std::string Read(const std::string& path) {
    auto r = Env::Default()->ReadFile(path);
    return r.ok() ? *r : "(missing)";
  }
  TempDir dir_;
  FaultInjectionEnv env_{Env::Default()};
};

TEST_F(PowerLossModelTest, UnsyncedDataAndEntriesAreLostAndSyncedOnesKept) {
  const std::string d = dir_.path();
  ASSERT_OK(WriteText(d + "/old", "old bytes"));  // before tracking: durable
  Write(d + "/synced", "kept", /*sync=*/true);
  Write(d + "/unsynced", "lost", /*sync=*/false);
  ASSERT_OK(env_.SyncDir(d));  // both entries are durable now
  {
    ASSERT_OK_AND_ASSIGN(auto f, env_.NewWritableFile(d + "/grown"));
    ASSERT_OK(f->Append("synced part;"));
    ASSERT_OK(f->Sync());
    ASSERT_OK(f->Append("unsynced tail"));
    ASSERT_OK(f->Close());
  }
  Write(d + "/new-no-dirsync", "x", /*sync=*/true);  // data synced, entry not
  ASSERT_OK(env_.SyncDir(d));
  Write(d + "/late", "y", /*sync=*/true);  // after the last folder sync
  ASSERT_OK(env_.RemoveFile(d + "/old"));  // removal not made durable
  ASSERT_OK(env_.SimulatePowerLoss());
  EXPECT_EQ(Read(d + "/synced"), "kept");
  EXPECT_EQ(Read(d + "/unsynced"), "");  // the entry survived, the bytes did not
  EXPECT_EQ(Read(d + "/grown"), "synced part;");
  EXPECT_EQ(Read(d + "/new-no-dirsync"), "x");
  EXPECT_EQ(Read(d + "/late"), "(missing)");
  EXPECT_EQ(Read(d + "/old"), "old bytes");
}

TEST_F(PowerLossModelTest, RenamesCountOnceTheDestinationFolderIsSynced) {
  const std::string d = dir_.path();
  ASSERT_OK(WriteText(d + "/a/target", "before"));
  ASSERT_OK(WriteText(d + "/b/target", "before"));
  for (const char* sub : {"/a", "/b"}) {
    Write(d + sub + "/staged", "after", /*sync=*/true);
    ASSERT_OK(env_.SyncDir(d + sub));
    ASSERT_OK(env_.RenameFile(d + sub + "/staged", d + sub + "/target"));
  }
  ASSERT_OK(env_.SyncDir(d + "/b"));
  ASSERT_OK(env_.SimulatePowerLoss());
  EXPECT_EQ(Read(d + "/a/target"), "before");  // undone: the old file is back
  EXPECT_EQ(Read(d + "/a/staged"), "after");
  EXPECT_EQ(Read(d + "/b/target"), "after");
  EXPECT_EQ(Read(d + "/b/staged"), "(missing)");
}

TEST_F(PowerLossModelTest, NewFoldersNeedTheirParentSyncedAndForeignFilesCountFromSyncFile) {
  const std::string d = dir_.path();
  ASSERT_OK(env_.CreateDirs(d + "/p/q"));
  ASSERT_OK(WriteText(d + "/p/q/foreign", "z"));  // written by someone else (DuckDB)
  ASSERT_OK(env_.SyncFile(d + "/p/q/foreign"));
  for (const char* f : {"/p/q", "/p", ""}) ASSERT_OK(env_.SyncDir(d + f));
  ASSERT_OK(env_.CreateDirs(d + "/x/y"));
  ASSERT_OK(WriteText(d + "/x/y/foreign", "lost with x"));
  ASSERT_OK(env_.SyncFile(d + "/x/y/foreign"));
  ASSERT_OK(env_.SyncDir(d + "/x/y"));
  ASSERT_OK(env_.SyncDir(d + "/x"));  // but not d: x itself may vanish
  ASSERT_OK(env_.SimulatePowerLoss());
  EXPECT_FALSE(std::filesystem::exists(d + "/x"));
  EXPECT_EQ(Read(d + "/p/q/foreign"), "z");
}

TEST_F(PowerLossModelTest, CrashAfterPerformsTheCallThenStopsTheCaller) {
  const std::string d = dir_.path();
  env_.CrashAfter(2);
  ASSERT_OK_AND_ASSIGN(auto f, env_.NewWritableFile(d + "/f"));  // call 1
  EXPECT_THROW((void)f->Append("data"), SimulatedCrash);         // call 2, done, then the crash
  EXPECT_EQ(Read(d + "/f"), "data");
  EXPECT_THROW((void)env_.RemoveFile(d + "/f"), SimulatedCrash);  // dead: nothing more happens
  env_.StopThrowing();
  EXPECT_FALSE(env_.RemoveFile(d + "/f").ok());
  EXPECT_EQ(Read(d + "/f"), "data");
  EXPECT_EQ(env_.mutating_calls(), 2);
}

class PowerLossTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PowerLossTest, EveryStepThenPowerLossRecoversToBeforeOrAfter) {
  const WritePath& path = FindWritePath(GetParam());
  ASSERT_NO_FATAL_FAILURE(BaseOf(path));
  const AfterRun& after = AfterOf(path);
  ASSERT_FALSE(HasFailure()) << "the uninterrupted run failed";
  ASSERT_GT(after.steps, 5);
  int64_t undone = 0, finished = 0;
  for (int64_t n = 1; n <= after.steps + 1; ++n) {
    TempDir dir;
    const PathBase copy = CopyOfBase(path, dir.Sub("run"));
    FaultInjectionEnv env(Env::Default());
    env.TrackDurability();
    env.CrashAfter(n);
    // The writer lock's destructor removes its holder note: a crash there cannot throw.
    env.SetNoThrowPaths([](const std::string& p) {
      return p.size() >= 12 && p.compare(p.size() - 12, 12, "/lock.holder") == 0;
    });
    const std::string context =
        path.name + " power lost after step " + std::to_string(n) +
        (n <= after.steps ? " (" + after.calls[static_cast<size_t>(n - 1)] + ")"
                          : " (the run completed)");
    {
      lake::LakeOptions o;
      o.env = &env;
      ASSERT_OK_AND_ASSIGN(auto lake, lake::Lake::Open(copy.vault, o));
      try {
        Status s = path.run(*lake, copy);
        // Past the last step the run completes; before it, a crash on another thread (the
        // source copy) may surface as an error of the run instead.
        if (n > after.steps) {
          EXPECT_TRUE(s.ok()) << context << ": " << s.ToString();
        }
      } catch (const SimulatedCrash&) {
        EXPECT_LE(n, after.steps) << context;
      }
      EXPECT_EQ(env.crashed(), n <= after.steps) << context;
      env.StopThrowing();  // the Lake's destructor may still call in
    }
    ASSERT_OK(env.SimulatePowerLoss());
    const VaultState state = RecoverAndCheck(path, copy.vault, context);
    (IsAfter(state) ? finished : undone) += 1;
    if (n > after.steps) {
      EXPECT_EQ(state, VaultState::kAfter) << context << ": " << VaultStateName(state);
    }
    if (HasFatalFailure()) return;
  }
  // Both outcomes occur: early cuts are undone, late ones finished.
  EXPECT_GT(undone, 0);
  EXPECT_GT(finished, 0);
}

// A crash (the page cache survives) after every step, then the next writer's recovery,
// then a power cut: recovery must make durable what it finishes, including folders and
// links the crashed attempt made but never synced.
TEST_P(PowerLossTest, CrashThenRecoveryThenPowerLossKeepsWhatRecoveryFinished) {
  const WritePath& path = FindWritePath(GetParam());
  ASSERT_NO_FATAL_FAILURE(BaseOf(path));
  const AfterRun& after = AfterOf(path);
  ASSERT_FALSE(HasFailure()) << "the uninterrupted run failed";
  for (int64_t n = 1; n <= after.steps; ++n) {
    TempDir dir;
    const PathBase copy = CopyOfBase(path, dir.Sub("run"));
    FaultInjectionEnv env(Env::Default());
    env.TrackDurability();
    env.CrashAfter(n);
    env.SetNoThrowPaths([](const std::string& p) {
      return p.size() >= 12 && p.compare(p.size() - 12, 12, "/lock.holder") == 0;
    });
    const std::string context = path.name + " crashed after step " + std::to_string(n) + " (" +
                                after.calls[static_cast<size_t>(n - 1)] +
                                "), recovered, then power lost";
    {
      lake::LakeOptions o;
      o.env = &env;
      ASSERT_OK_AND_ASSIGN(auto lake, lake::Lake::Open(copy.vault, o));
      try {
        (void)path.run(*lake, copy);
      } catch (const SimulatedCrash&) {
      }
      env.StopThrowing();
    }
    env.Restart();
    {
      lake::LakeOptions o;
      o.env = &env;
      ASSERT_OK_AND_ASSIGN(auto lake, lake::Lake::Open(copy.vault, o));
      Status recovered = lake->Recover();
      ASSERT_TRUE(recovered.ok()) << context << ": " << recovered.ToString();
    }
    ASSERT_OK(env.SimulatePowerLoss());
    (void)RecoverAndCheck(path, copy.vault, context);
    if (HasFatalFailure()) return;
  }
}

std::vector<std::string> PathNames() {
  std::vector<std::string> out;
  for (const auto& p : WritePaths()) out.push_back(p.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryWritePath, PowerLossTest, ::testing::ValuesIn(PathNames()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace barlake::testutil

namespace barlake::testutil {
namespace {

// Power lost while a failed write cleans up after itself: an I/O error at step k after
// the plan is recorded (the job then undoes its swaps, marks itself failed and removes its
// staging folder), and the process stops after each later step m before the power goes. Recovery
// must still reach the before or the after state. Run for the paths whose undo differs: an import
// that replaces and creates partitions, and a rollback that restores and removes them.
class PowerLossWhileUndoingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PowerLossWhileUndoingTest, AFailedWriteCutShortAtEveryLaterStepRecovers) {
  const WritePath& path = FindWritePath(GetParam());
  ASSERT_NO_FATAL_FAILURE(BaseOf(path));
  const AfterRun& after = AfterOf(path);
  ASSERT_FALSE(HasFailure()) << "the uninterrupted run failed";
  // Steps from the recorded plan on: a failure there undoes swaps (before it, the job only
  // drops its staging folder, which recovery removes anyway).
  ASSERT_TRUE(after.steps_before.count(lake::CrashPoint::kAfterStaged));
  const int64_t plan = after.steps_before.at(lake::CrashPoint::kAfterStaged);
  int64_t runs = 0;
  for (int64_t k = plan + 1; k <= after.steps; ++k) {
    // How many calls a run failing at k makes: the steps after k are its cleanup.
    int64_t calls = 0;
    {
      TempDir dir;
      const PathBase copy = CopyOfBase(path, dir.Sub("count"));
      FaultInjectionEnv env(Env::Default());
      env.FailAt(k, ErrorCode::kIOError);
      lake::LakeOptions o;
      o.env = &env;
      ASSERT_OK_AND_ASSIGN(auto lake, lake::Lake::Open(copy.vault, o));
      if (path.run(*lake, copy).ok()) continue;  // a best-effort step: nothing was undone
      lake.reset();
      calls = env.mutating_calls();
      if (std::getenv("BARLAKE_PRINT_STEPS")) {
        std::printf("failing step %lld:\n", static_cast<long long>(k));
        for (size_t i = 0; i < env.log().size(); ++i)
          std::printf("%3zu %s\n", i + 1, env.log()[i].c_str());
      }
    }
    // The undo of both partitions fits in 16 calls; after it only staging is removed.
    for (int64_t m = k + 1; m <= std::min(calls, k + 16); ++m) {
      TempDir dir;
      const PathBase copy = CopyOfBase(path, dir.Sub("run"));
      FaultInjectionEnv env(Env::Default());
      env.TrackDurability();
      env.FailAt(k, ErrorCode::kIOError);
      env.CrashAfter(m);
      env.SetNoThrowPaths([](const std::string& p) {
        return p.size() >= 12 && p.compare(p.size() - 12, 12, "/lock.holder") == 0;
      });
      {
        lake::LakeOptions o;
        o.env = &env;
        ASSERT_OK_AND_ASSIGN(auto lake, lake::Lake::Open(copy.vault, o));
        try {
          (void)path.run(*lake, copy);
        } catch (const SimulatedCrash&) {
        }
        env.StopThrowing();
      }
      ASSERT_OK(env.SimulatePowerLoss());
      (void)RecoverAndCheck(path, copy.vault,
                            path.name + " step " + std::to_string(k) + " failed (" +
                                after.calls[k - 1] + "), power lost after step " +
                                std::to_string(m));
      ++runs;
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(runs, 10);
}

INSTANTIATE_TEST_SUITE_P(ImportAndRollback, PowerLossWhileUndoingTest,
                         ::testing::Values("import_merge", "rollback"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace barlake::testutil
