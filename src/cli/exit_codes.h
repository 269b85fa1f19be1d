// The one place a Status becomes a process exit code (docs/exit-codes.md).
#pragma once

#include "core/status.h"

namespace barlake::cli {

enum class ExitCode : int {
  kOk = 0,
  kInternal = 1,
  kUsage = 2,
  kNotFound = 3,
  kInvalidInput = 4,
  kConflict = 5,
  kIOError = 6,
  kLockTimeout = 7,
  kCorruption = 8,
  /// `barlake health`: at least one dataset's status is `fail` (docs/health.md). Not a
  /// Status code: the command itself succeeded.
  kUnhealthy = 9,
};

int ExitCodeFor(const Status& status);

}  // namespace barlake::cli
