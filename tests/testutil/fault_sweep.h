// Helpers for fault tests: which failed calls the write protocol may survive, and the
// check that a failed write changed nothing. The sweep over every write path, step and
// crash point is tests/lake/write_path_conformance_test.cc (paths in write_paths.h).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "lake/lake.h"
#include "testutil/fault_injection_env.h"

namespace barlake::testutil {

/// True for a failed call the write protocol may survive, finishing the job anyway: the
/// lock holder note, removing staging after the commit, a hard link (it falls back to
/// copying). Also "": the run needed fewer steps than counted, so no fault was injected.
bool IsBestEffortStep(const std::string& failed_call);

/// `dir` (lake/ or snapshots/ of `vault`) is byte-identical to `before`, and stays so
/// through Recover() on a healthy Lake, which then verifies clean. That Lake is handed
/// out through `recovered` (if given) for the caller's own checks.
void ExpectUnchangedAndRecoverable(const std::string& vault, const std::string& dir,
                                   const std::map<std::string, std::string>& before,
                                   const std::string& context,
                                   std::unique_ptr<lake::Lake>* recovered = nullptr);

/// The fault loop of one operation (gc_fault_test, repair_fault_test). For each mutating
/// call n of `steps` (every `stride`-th; the first and the last always), once crashing
/// after call n (SimulatedCrash) and once failing it with kIOError:
///   `reset()` restores the starting state;
///   `open(env)` makes the subject (a Lake) on a fresh FaultInjectionEnv, which is then
///   armed for call n (counting from its creation, as mutating_calls() does); the lock
///   holder note never throws;
///   `act(subject)` runs the operation; whatever it throws is caught (a crash may unwind
///   through DuckDB as another exception);
///   the env stops throwing and the subject is destroyed (outside any throw), then
///   `check()` looks at the aftermath.
/// Each pass is a SCOPED_TRACE; the sweep stops at the first fatal failure.
template <typename Reset, typename Open, typename Act, typename Check>
void SweepFaults(int64_t steps, int64_t stride, Reset reset, Open open, Act act, Check check) {
  stride = std::max<int64_t>(1, stride);
  for (int64_t n = 1; n <= steps; n = (n + stride > steps && n != steps) ? steps : n + stride) {
    for (bool crash : {true, false}) {
      SCOPED_TRACE((crash ? "crash after call " : "failure at call ") + std::to_string(n));
      reset();
      if (::testing::Test::HasFatalFailure()) return;
      {
        FaultInjectionEnv env(Env::Default());
        env.SetNoThrowPaths([](const std::string& p) {
          return p.size() >= 12 && p.compare(p.size() - 12, 12, "/lock.holder") == 0;
        });
        auto subject = open(&env);
        if (crash) {
          env.CrashAfter(n);
        } else {
          env.FailAt(n, ErrorCode::kIOError);
        }
        try {
          act(subject.get());
        } catch (...) {
        }
        env.StopThrowing();
        subject.reset();
      }
      check();
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

}  // namespace barlake::testutil
