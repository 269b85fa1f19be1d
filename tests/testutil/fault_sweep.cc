#include "testutil/fault_sweep.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "testutil/fault_injection_env.h"
#include "testutil/status_matchers.h"
#include "testutil/test_data.h"

namespace barlake::testutil {
namespace {

FaultStep Describe(int64_t k, const std::string& failed) {
  return {k, failed, "step " + std::to_string(k) + " (" + failed + ")"};
}

}  // namespace

bool IsBestEffortStep(const std::string& f) {
  const bool holder_note = f.find("lock.holder") != std::string::npos;
  // Cleaning up staging after the commit.
  const bool cleanup = f.find("staging") != std::string::npos &&
                       (f.rfind("remove", 0) == 0 || f.rfind("rmdir", 0) == 0);
  // A failed hard link falls back to copying the previous version.
  const bool link_fallback = f.rfind("link", 0) == 0;
  // (Or the step was never reached: later runs can need fewer steps, e.g. when a versions
  // folder already exists.)
  return holder_note || cleanup || link_fallback || f.empty();
}

void ExpectUnchangedAndRecoverable(const std::string& vault, const std::string& dir,
                                   const std::map<std::string, std::string>& before,
                                   const std::string& context,
                                   std::unique_ptr<lake::Lake>* recovered) {
  EXPECT_EQ(Snapshot(dir), before) << context;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<lake::Lake> lake, lake::Lake::Open(vault, {}));
  ASSERT_OK(lake->Recover());
  EXPECT_EQ(Snapshot(dir), before) << context;
  ASSERT_OK_AND_ASSIGN(lake::VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok()) << context << ": "
                      << (v.ok() ? "" : v.problems[0].path + " " + v.problems[0].what);
  if (recovered) *recovered = std::move(lake);
}

void FaultSweep::CountSteps(const std::string& scratch) {
  // On a copy: the counted run must not change the vault the sweep starts from.
  std::filesystem::copy(vault_, scratch, std::filesystem::copy_options::recursive);
  FaultInjectionEnv counting(Env::Default());
  lake::LakeOptions o;
  o.env = &counting;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<lake::Lake> lake, lake::Lake::Open(scratch, o));
  ASSERT_OK(op_(*lake));
  steps_ = counting.mutating_calls();
  if (std::getenv("BARLAKE_PRINT_STEPS")) {
    for (const auto& l : counting.log()) std::printf("%s\n", l.c_str());
  }
}

void FaultSweep::FailEachStep(const AfterFailure& after_failure, const AfterSuccess& after_success,
                              const std::vector<ErrorCode>& codes) {
  for (ErrorCode code : codes) {
    for (int64_t k = 1; k <= steps_; ++k) {
      FaultInjectionEnv faulty(Env::Default());
      faulty.FailAt(k, code);
      lake::LakeOptions o;
      o.env = &faulty;
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<lake::Lake> lake, lake::Lake::Open(vault_, o));
      Result<int64_t> r = op_(*lake);
      const FaultStep step = Describe(k, faulty.failed());
      if (r.ok()) {
        ASSERT_TRUE(IsBestEffortStep(step.failed)) << step.context;
        // The test undoes that success so the next step starts from the same state.
        ASSERT_NO_FATAL_FAILURE(after_success(lake, *r, step)) << step.context;
        continue;
      }
      ++failed_runs_;
      EXPECT_EQ(r.status().code(), code) << step.context << ": " << r.status().ToString();
      EXPECT_NE(r.status().message().find("injected"), std::string::npos) << r.status().message();
      lake.reset();
      ASSERT_NO_FATAL_FAILURE(after_failure(step)) << step.context;
    }
  }
}

void FaultSweep::FailEachStepUntilDone(int64_t at_most, const AfterFailure& after_failure,
                                       const AfterSuccess& after_success) {
  for (int64_t k = 1; k <= at_most; ++k) {
    FaultInjectionEnv faulty(Env::Default());
    faulty.FailAt(k, ErrorCode::kIOError);
    lake::LakeOptions o;
    o.env = &faulty;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<lake::Lake> lake, lake::Lake::Open(vault_, o));
    Result<int64_t> r = op_(*lake);
    const FaultStep step = Describe(k, faulty.failed());
    if (r.ok()) {
      if (step.failed.empty()) {
        done_ = true;  // k is past the operation's last step
        return;
      }
      ASSERT_NO_FATAL_FAILURE(after_success(lake, *r, step)) << step.context;
      continue;
    }
    lake.reset();
    ASSERT_NO_FATAL_FAILURE(after_failure(step)) << step.context;
    ++failed_runs_;
  }
}

}  // namespace barlake::testutil
