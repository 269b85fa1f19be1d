// Power loss at every step of every write path. A crash (SIGKILL, or the in-process
// CrashPoint hooks) keeps everything the process wrote in the page cache; a power cut does
// not. So this checks the fsync choreography itself: the process stops right after
// mutating step N, then FaultInjectionEnv::SimulatePowerLoss() drops every byte that was
// not fsynced and every folder entry whose folder was not fsynced after it. The next
// writer's recovery must then leave the vault as it was or as an uninterrupted run leaves
// it, verifying clean with a consistent journal. N = steps + 1 cuts the power after a run
// that completed: all of it must have been durable.
#include <gtest/gtest.h>

#include "lake/lake.h"
#include "testutil/fault_injection_env.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/write_paths.h"

namespace barlake::testutil {
namespace {

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
        (n <= after.steps ? " (" + after.calls[static_cast<size_t>(n - 1)] + ")" : " (the run completed)");
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

std::vector<std::string> PathNames() {
  std::vector<std::string> out;
  for (const auto& p : WritePaths()) out.push_back(p.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryWritePath, PowerLossTest, ::testing::ValuesIn(PathNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace barlake::testutil
