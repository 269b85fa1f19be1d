// Status: the outcome of an operation that can fail. Cheap when OK (no allocation).
// Library code returns [[nodiscard]] Status or Result<T>; only cli/ and server/ convert
// a Status into an exit code or an HTTP response.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "core/error_code.h"

namespace barlake {

class [[nodiscard]] Status {
 public:
  Status() = default;
  /// The message is stored as valid UTF-8: bytes that are not (and NUL) become `\xHH`
  /// (core/text.h), so a Status can always be printed and written into JSON.
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
/// Prints "Result::value() on an error: <status>" to stderr and aborts (core/result.h).
[[noreturn]] void DieOnValueOfError(const Status& status);
}  // namespace internal

#define BARLAKE_CONCAT_IMPL(a, b) a##b
#define BARLAKE_CONCAT(a, b) BARLAKE_CONCAT_IMPL(a, b)

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::barlake::Status _st = (expr);            \
    if (!_st.ok()) return _st;                 \
  } while (0)

}  // namespace barlake
