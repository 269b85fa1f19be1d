// barlake::Status: the outcome of an operation that can fail, and barlake::ErrorCode, the
// stable codes callers branch on (never on message text). Cheap when OK (no allocation).
//
// This is the one Status type of barlake: the library uses it inside, and every method of
// the public API (barlake/lake.h) returns it or a barlake::Result<T> (barlake/result.h).
// Nothing in the public API throws. Includes only the C++ standard library.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace barlake {

/// Stable error codes. Their numbers are part of the CLI contract (docs/exit-codes.md) and
/// never change.
enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // the caller asked for something malformed
  kNotFound = 2,
  kAlreadyExists = 3,
  kIOError = 4,
  kNoSpace = 5,
  kCorruption = 6,   // stored data does not match the journal
  kConflict = 7,     // the request collides with stored data or a later job
  kUnavailable = 8,  // a resource is busy (the writer lock)
  kCancelled = 9,
  kInternal = 10,     // a bug in barlake (or an exception it caught at its edge)
  kInvalidInput = 11, // an input file is malformed (parse or validation failure)
};

/// "InvalidArgument", "NotFound", ...
std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  /// The message is stored as valid UTF-8: bytes that are not (and NUL) become `\xHH`,
  /// so a Status can always be printed and written into JSON.
  Status(ErrorCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
  static Status InvalidInput(std::string m) { return {ErrorCode::kInvalidInput, std::move(m)}; }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
  static Status IOError(std::string m) { return {ErrorCode::kIOError, std::move(m)}; }
  static Status NoSpace(std::string m) { return {ErrorCode::kNoSpace, std::move(m)}; }
  static Status Corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
  static Status Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
  static Status Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Status Cancelled(std::string m) { return {ErrorCode::kCancelled, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
  /// Build an IOError (or NoSpace for ENOSPC/EDQUOT) that keeps errno and the path.
  static Status FromErrno(int err, const std::string& what, const std::string& path);

  bool ok() const { return state_ == nullptr; }
  ErrorCode code() const { return state_ ? state_->code : ErrorCode::kOk; }
  const std::string& message() const;
  /// "Code: message", for logs and tests.
  std::string ToString() const;
  /// Return a copy whose message is prefixed with context ("while X: ...").
  Status WithContext(const std::string& context) const;

 private:
  struct State {
    ErrorCode code;
    std::string message;
  };
  // Shared so copies are cheap; a Status is immutable once built.
  std::shared_ptr<const State> state_;
};

namespace internal {
/// Prints "Result::value() on an error: <status>" to stderr and aborts (barlake/result.h).
[[noreturn]] void DieOnValueOfError(const Status& status);
}  // namespace internal

}  // namespace barlake
