// ApiError: an HTTP error response, {"code": "...", "message": "..."} with its status.
// FromStatus is the only place a library Status becomes an HTTP status (docs/api.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace barlake::server {

struct ApiError {
  int http_status = 500;
  std::string code;  // snake_case, stable: clients branch on it
  std::string message;

  static ApiError FromStatus(const Status& s);
  static ApiError BadRequest(std::string m) { return {400, "invalid_argument", std::move(m)}; }
  static ApiError Unauthorized(std::string m) { return {401, "unauthorized", std::move(m)}; }
  static ApiError Forbidden(std::string m) { return {403, "forbidden", std::move(m)}; }
  static ApiError NotFound(std::string m) { return {404, "not_found", std::move(m)}; }
  static ApiError MethodNotAllowed(std::string m) { return {405, "method_not_allowed", std::move(m)}; }
  static ApiError TooLarge(std::string m) { return {413, "payload_too_large", std::move(m)}; }
  static ApiError Unsupported(std::string m) { return {415, "unsupported_media_type", std::move(m)}; }
  static ApiError NotImplemented(std::string m) { return {501, "not_implemented", std::move(m)}; }
  static ApiError Unavailable(std::string m) { return {503, "unavailable", std::move(m)}; }

  nlohmann::json Json() const { return {{"code", code}, {"message", message}}; }
};

/// The API's name of a library error code ("invalid_argument", "not_found", ...).
std::string ApiCodeName(ErrorCode code);

}  // namespace barlake::server
