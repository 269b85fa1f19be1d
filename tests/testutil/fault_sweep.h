// Helpers for fault tests: which failed calls the write protocol may survive, and the
// check that a failed write changed nothing. The sweep over every write path, step and
// crash point is tests/lake/write_path_conformance_test.cc (paths in write_paths.h).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "lake/lake.h"

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

}  // namespace barlake::testutil
