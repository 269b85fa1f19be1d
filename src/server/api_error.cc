#include "server/api_error.h"

namespace barlake::server {

std::string ApiCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kIOError: return "io_error";
    case ErrorCode::kNoSpace: return "no_space";
    case ErrorCode::kCorruption: return "corruption";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kInvalidInput: return "invalid_input";
  }
  return "internal";
}

ApiError ApiError::FromStatus(const Status& s) {
  int http = 500;
  switch (s.code()) {
    case ErrorCode::kOk: http = 200; break;
    case ErrorCode::kInvalidArgument: http = 400; break;
    case ErrorCode::kNotFound: http = 404; break;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict: http = 409; break;
    case ErrorCode::kInvalidInput: http = 422; break;  // the file is malformed, the request is fine
    case ErrorCode::kNoSpace: http = 507; break;
    case ErrorCode::kUnavailable:  // the writer lock is held by another process
    case ErrorCode::kCancelled: http = 503; break;
    case ErrorCode::kIOError:
    case ErrorCode::kCorruption:
    case ErrorCode::kInternal: http = 500; break;
  }
  return {http, ApiCodeName(s.code()), s.message()};
}

}  // namespace barlake::server
