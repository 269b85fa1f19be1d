// The write-path conformance suite: every write path of the lake (testutil/write_paths.h)
// x every way a write can be cut short:
//   - an I/O error at each mutating step in turn (the step fails, nothing is done);
//   - a disk that fills up at each step that needs space, and stays full;
//   - a crash (the process stops; no cleanup runs) at each hit of each named CrashPoint.
// Whatever happens, a run must leave (after the next writer's recovery) the vault as it
// was, or, once the job's plan is recorded, as an uninterrupted run leaves it; report the
// injected error with its code; verify clean; leave no job running, no staging or temp
// file behind, and a consistent journal. Runs go through the public lake::Lake API only.
//
// BARLAKE_PRINT_STEPS=1 prints each path's counted steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "lake/lake.h"
#include "testutil/fault_injection_env.h"
#include "testutil/fault_sweep.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/write_paths.h"

namespace barlake::testutil {
namespace {

enum class Fault { kIOError, kFullDisk, kCrash };

struct Case {
  std::string path;
  Fault fault = Fault::kIOError;
  lake::CrashPoint point = lake::CrashPoint::kAfterCommit;  // with kCrash
};

std::string NameOf(const Case& c) {
  std::string name = c.path + "_";
  switch (c.fault) {
    case Fault::kIOError:
      return name + "io_error";
    case Fault::kFullDisk:
      return name + "full_disk";
    case Fault::kCrash:
      break;
  }
  name += "crash_";
  for (char ch : std::string(lake::CrashPointName(c.point))) name += ch == '-' ? '_' : ch;
  return name;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return NameOf(info.param); }

void PrintTo(const Case& c, std::ostream* os) { *os << NameOf(c); }

std::vector<Case> AllCases() {
  std::vector<Case> out;
  for (const auto& p : WritePaths()) {
    out.push_back({p.name, Fault::kIOError});
    out.push_back({p.name, Fault::kFullDisk});
    for (lake::CrashPoint point :
         {lake::CrashPoint::kAfterSourceCopy, lake::CrashPoint::kAfterStageFile,
          lake::CrashPoint::kAfterStaged, lake::CrashPoint::kAfterKeepOld,
          lake::CrashPoint::kAfterSwapOne, lake::CrashPoint::kAfterSwapAll,
          lake::CrashPoint::kAfterCommit}) {
      out.push_back({p.name, Fault::kCrash, point});
    }
  }
  return out;
}

// Crashes before the plan is recorded are undone by recovery, later ones finished.
bool PastThePlan(lake::CrashPoint p) {
  return p != lake::CrashPoint::kAfterSourceCopy && p != lake::CrashPoint::kAfterStageFile;
}

class WritePathConformanceTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    path_ = &FindWritePath(GetParam().path);
    ASSERT_NO_FATAL_FAILURE(BaseOf(*path_));
    after_ = &AfterOf(*path_);
    ASSERT_FALSE(HasFailure()) << "the uninterrupted run failed";
    ASSERT_GT(after_->steps, 5);
    if (std::getenv("BARLAKE_PRINT_STEPS")) {
      for (size_t i = 0; i < after_->calls.size(); ++i)
        std::printf("%3zu %s\n", i + 1, after_->calls[i].c_str());
    }
  }

  // One run of the path on a fresh copy of its starting vault, with `env` as its Env.
  Status RunOn(const PathBase& copy, FaultInjectionEnv* env, lake::CrashHook hook = nullptr) {
    lake::LakeOptions o;
    o.env = env;
    o.crash_hook = std::move(hook);
    ASSIGN_OR_RETURN(auto lake, lake::Lake::Open(copy.vault, o));
    return path_->run(*lake, copy);
  }

  // The same run again on a healthy disk completes: a failure leaves nothing in the way.
  void ExpectRerunCompletes(const PathBase& copy, const std::string& context) {
    auto lake = lake::Lake::Open(copy.vault, {});
    ASSERT_TRUE(lake.ok()) << lake.status().ToString();
    ASSERT_OK(path_->run(**lake, copy)) << context << ": the run again on a healthy disk";
    ASSERT_OK_AND_ASSIGN(lake::VerifyReport v, (*lake)->Verify());
    EXPECT_TRUE(v.ok()) << context;
  }

  // Fails the steps `chosen` picks, one run each: I/O errors or a full disk.
  void SweepSteps(ErrorCode code) {
    int64_t failed_runs = 0, swept = 0;
    std::unique_ptr<TempDir> last_failed;
    PathBase last_failed_copy;
    for (int64_t k = 1; k <= after_->steps; ++k) {
      const std::string op = after_->calls[static_cast<size_t>(k - 1)];
      const bool needs_space =
          op.rfind("create ", 0) == 0 || op.rfind("append ", 0) == 0 || op.rfind("mkdir ", 0) == 0;
      if (code == ErrorCode::kNoSpace && !needs_space)
        continue;  // a full disk fails the next one that does
      ++swept;
      auto dir = std::make_unique<TempDir>();
      const PathBase copy = CopyOfBase(*path_, dir->Sub("run"));
      FaultInjectionEnv env(Env::Default());
      if (code == ErrorCode::kNoSpace) {
        env.FillDiskAt(k);
      } else {
        env.FailAt(k, code);
      }
      const Status s = RunOn(copy, &env);
      const std::string context =
          path_->name + " step " + std::to_string(k) + " (" + env.failed() + ")";
      if (!s.ok()) {
        ++failed_runs;
        EXPECT_EQ(s.code(), code) << context << ": " << s.ToString();
        EXPECT_NE(s.message().find("injected"), std::string::npos)
            << context << ": " << s.message();
        // A failed run cleans up after itself, before any recovery.
        for (const auto& f : StrayFiles(copy.vault)) {
          if (f.rfind(".barlake/staging", 0) != 0) ADD_FAILURE() << context << ": stray file " << f;
        }
      }
      const VaultState state = RecoverAndCheck(*path_, copy.vault, context);
      if (s.ok()) {
        // Only a best-effort step may fail without failing the job, which then completed.
        EXPECT_TRUE(IsBestEffortStep(env.failed())) << context;
        EXPECT_EQ(state, VaultState::kAfter) << context;
      } else if (s.message().find("could not be undone") != std::string::npos) {
        // The undo itself hit the full disk: the job stayed planned and recovery finished it.
        EXPECT_EQ(code, ErrorCode::kNoSpace) << context;
        EXPECT_EQ(state, VaultState::kAfter) << context;
      } else if (path_->declares_after_commit &&
                 s.message().find("could not declare the dataset") != std::string::npos) {
        // The data is committed and the error says so; barlake.toml may or may not have the
        // entry (a failed folder fsync after the rename leaves the new file in place).
        EXPECT_TRUE(IsAfter(state)) << context << ": " << VaultStateName(state);
      } else {
        EXPECT_FALSE(IsAfter(state)) << context << ": the run failed but its job completed";
      }
      if (HasFatalFailure()) return;
      if (!s.ok() && !IsAfter(state)) {
        last_failed = std::move(dir);
        last_failed_copy = copy;
      }
    }
    EXPECT_GT(swept, 3);
    EXPECT_GT(failed_runs, swept / 2) << "most steps must fail the run";
    ASSERT_NE(last_failed, nullptr);
    ExpectRerunCompletes(last_failed_copy, path_->name + " after the last failed step");
  }

  // Crashes at each hit of `point` in turn.
  void CrashAtEachHit(lake::CrashPoint point) {
    const std::string name = CrashPointName(point);
    auto hits_it = after_->crash_hits.find(point);
    const int hits = hits_it == after_->crash_hits.end() ? 0 : hits_it->second;
    const bool reaches =
        std::find(path_->reaches.begin(), path_->reaches.end(), point) != path_->reaches.end();
    // The table says which points a path reaches; an unreached point has nothing to crash at.
    ASSERT_EQ(hits > 0, reaches) << path_->name << " reached " << name << " " << hits << " times";
    for (int n = 1; n <= hits; ++n) {
      TempDir dir;
      const PathBase copy = CopyOfBase(*path_, dir.Sub("run"));
      int seen = 0;
      auto hook = [&](lake::CrashPoint p) {
        if (p == point && ++seen == n) throw SimulatedCrash{};
      };
      const std::string context = path_->name + " crash at " + name + " #" + std::to_string(n);
      EXPECT_THROW((void)RunOn(copy, nullptr, hook), SimulatedCrash) << context;
      const VaultState state = RecoverAndCheck(*path_, copy.vault, context);
      EXPECT_EQ(IsAfter(state), PastThePlan(point)) << context << ": " << VaultStateName(state);
      if (HasFatalFailure()) return;
      if (!IsAfter(state)) ExpectRerunCompletes(copy, context);
    }
  }

  const WritePath* path_ = nullptr;
  const AfterRun* after_ = nullptr;
};

TEST_P(WritePathConformanceTest, LeavesTheVaultAsBeforeOrAsAfterAndConsistent) {
  switch (GetParam().fault) {
    case Fault::kIOError:
      SweepSteps(ErrorCode::kIOError);
      break;
    case Fault::kFullDisk:
      SweepSteps(ErrorCode::kNoSpace);
      break;
    case Fault::kCrash:
      CrashAtEachHit(GetParam().point);
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryWritePath, WritePathConformanceTest, ::testing::ValuesIn(AllCases()),
                         CaseName);

}  // namespace
}  // namespace barlake::testutil
