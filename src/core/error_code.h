// Stable error codes shared by every module. Callers branch on these, never on message
// text. The numbers are part of the CLI contract (docs/exit-codes.md) and must not change.
#pragma once

#include <string_view>

namespace barlake {

enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // the caller (user) asked for something malformed
  kNotFound = 2,
  kAlreadyExists = 3,
  kIOError = 4,
  kNoSpace = 5,
  kCorruption = 6,  // stored data does not match the journal
  kConflict = 7,    // the request collides with stored data or a later job
  kUnavailable = 8, // a resource is busy (the writer lock)
  kCancelled = 9,
  kInternal = 10,
  kInvalidInput = 11,  // an input file is malformed (parse or validation failure)
};

std::string_view ErrorCodeName(ErrorCode code);

}  // namespace barlake
