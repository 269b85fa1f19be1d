#include "cli/exit_codes.h"

namespace barlake::cli {

int ExitCodeFor(const Status& status) {
  ExitCode code = ExitCode::kInternal;
  switch (status.code()) {
    case ErrorCode::kOk: code = ExitCode::kOk; break;
    case ErrorCode::kInvalidArgument: code = ExitCode::kUsage; break;
    case ErrorCode::kNotFound: code = ExitCode::kNotFound; break;
    case ErrorCode::kInvalidInput: code = ExitCode::kInvalidInput; break;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict: code = ExitCode::kConflict; break;
    case ErrorCode::kIOError:
    case ErrorCode::kNoSpace: code = ExitCode::kIOError; break;
    case ErrorCode::kUnavailable: code = ExitCode::kLockTimeout; break;
    case ErrorCode::kCorruption: code = ExitCode::kCorruption; break;
    case ErrorCode::kCancelled:
    case ErrorCode::kInternal: code = ExitCode::kInternal; break;
  }
  return static_cast<int>(code);
}

}  // namespace barlake::cli
