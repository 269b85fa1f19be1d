// FaultSweep: fail each mutating step of one write path in turn (after LevelDB's
// fault_injection_test), so a test only says what the path is and what a failure must
// leave behind.
//
// Every write path (bar import, snapshot import, rollback, regenerate, ...) promises the
// same thing: whichever step fails, the vault is as it was and recovers cleanly. To
// sweep a new path, give the operation (returning the id of the job it committed) and
// two checks:
//
//   testutil::FaultSweep sweep(vault_, [&](lake::Lake& l) -> Result<int64_t> {
//     ASSIGN_OR_RETURN(auto items, l.Regenerate(request));
//     return items[0].job.id;
//   });
//   ASSERT_NO_FATAL_FAILURE(sweep.CountSteps(dir_.Sub("copy")));
//   ASSERT_GT(sweep.steps(), 5);
//   ASSERT_NO_FATAL_FAILURE(sweep.FailEachStep(
//       [&](const testutil::FaultStep& step) {
//         testutil::ExpectUnchangedAndRecoverable(vault_, LakeDir(), before, step.context);
//       },
//       [&](std::unique_ptr<lake::Lake>& lake, int64_t job_id, const testutil::FaultStep&) {
//         ASSERT_OK(lake->Rollback(job_id));  // a best-effort step failed: undo the job
//         before = testutil::Snapshot(LakeDir());
//       }));
//
// Wrap the calls in ASSERT_NO_FATAL_FAILURE: a fatal failure inside a helper only returns
// from the helper. A fatal failure in a callback stops the sweep (the vault may be in no
// state to go on from). BARLAKE_PRINT_STEPS=1 prints the counted steps.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "lake/lake.h"

namespace barlake::testutil {

/// True for a failed call the write protocol may survive, finishing the job anyway: the
/// lock holder note, removing staging after the commit, a hard link (it falls back to
/// copying). Also "": the run needed fewer steps than counted (e.g. a versions folder
/// already existed), so no fault was injected.
bool IsBestEffortStep(const std::string& failed_call);

/// `dir` (lake/ or snapshots/ of `vault`) is byte-identical to `before`, and stays so
/// through Recover() on a healthy Lake, which then verifies clean. That Lake is handed
/// out through `recovered` (if given) for the caller's own checks.
void ExpectUnchangedAndRecoverable(const std::string& vault, const std::string& dir,
                                   const std::map<std::string, std::string>& before,
                                   const std::string& context,
                                   std::unique_ptr<lake::Lake>* recovered = nullptr);

/// One run of a sweep, for the callbacks.
struct FaultStep {
  int64_t index = 0;    // the failed mutating call (1-based)
  std::string failed;   // that call, "op path"; "" when the run never reached it
  std::string context;  // "step 7 (rename /v/lake/...)", for messages
};

class FaultSweep {
 public:
  /// Runs the write path on `lake`; the id of the job it committed, or its error.
  using Operation = std::function<Result<int64_t>(lake::Lake& lake)>;
  /// After a run that failed, with its faulty Lake closed.
  using AfterFailure = std::function<void(const FaultStep& step)>;
  /// After a run that completed although a step was failed (a best-effort one). The
  /// faulty Lake is still open: use it (its one fault is spent) or reset it and reopen.
  using AfterSuccess =
      std::function<void(std::unique_ptr<lake::Lake>& lake, int64_t job_id, const FaultStep& step)>;

  FaultSweep(std::string vault, Operation op) : vault_(std::move(vault)), op_(std::move(op)) {}

  /// Copies the vault to `scratch` and runs the operation there once, counting its
  /// mutating steps (the vault itself is left alone).
  void CountSteps(const std::string& scratch);

  /// For each code in `codes`, runs the operation on the vault once per counted step with
  /// that step failing. A failed run must fail with that code and say "injected"; a run
  /// that completes must only have lost a best-effort step (IsBestEffortStep).
  void FailEachStep(const AfterFailure& after_failure, const AfterSuccess& after_success,
                    const std::vector<ErrorCode>& codes = {ErrorCode::kIOError,
                                                           ErrorCode::kNoSpace});

  /// For operations whose steps are not counted first (a rollback consumes its job):
  /// fails step 1, 2, ... with kIOError until a run completes with no fault injected, at
  /// most `at_most` runs. The outcome is left to the callbacks; done() says whether it
  /// got there.
  void FailEachStepUntilDone(int64_t at_most, const AfterFailure& after_failure,
                             const AfterSuccess& after_success);

  int64_t steps() const { return steps_; }
  /// Runs that failed (AfterFailure was called).
  int64_t failed_runs() const { return failed_runs_; }
  bool done() const { return done_; }

 private:
  std::string vault_;
  Operation op_;
  int64_t steps_ = 0;
  int64_t failed_runs_ = 0;
  bool done_ = false;
};

}  // namespace barlake::testutil
