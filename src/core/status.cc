#include "core/status.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/text.h"

namespace barlake {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kIOError: return "IOError";
    case ErrorCode::kNoSpace: return "NoSpace";
    case ErrorCode::kCorruption: return "Corruption";
    case ErrorCode::kConflict: return "Conflict";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kCancelled: return "Cancelled";
    case ErrorCode::kInternal: return "Internal";
    case ErrorCode::kInvalidInput: return "InvalidInput";
  }
  return "Unknown";
}

Status::Status(ErrorCode code, std::string message) {
  if (code == ErrorCode::kOk) return;
  // Messages quote paths, input bytes and third-party error texts; they are printed and
  // written into JSON, so a message is valid UTF-8 by construction (bad bytes as \xHH).
  if (!IsValidUtf8(message) || message.find('\0') != std::string::npos) message = ToValidUtf8(message);
  state_ = std::make_shared<State>(State{code, std::move(message)});
}

Status Status::FromErrno(int err, const std::string& what, const std::string& path) {
  std::string msg = what + " '" + path + "': " + std::strerror(err) + " (errno " +
                    std::to_string(err) + ")";
  if (err == ENOSPC || err == EDQUOT) {
    return NoSpace(msg + "; free some disk space and run the command again");
  }
  return IOError(msg);
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ErrorCodeName(code())) + ": " + message();
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code(), context + ": " + message());
}

namespace internal {
void DieOnValueOfError(const Status& status) {
  std::fprintf(stderr, "barlake: Result::value() on an error: %s\n", status.ToString().c_str());
  std::abort();
}
}  // namespace internal

}  // namespace barlake
