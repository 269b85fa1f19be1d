// barlake::Result<T>: a value or a non-OK Status (modelled on arrow::Result). Includes only
// the C++ standard library.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "barlake/status.h"

namespace barlake {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }
  /// The value. REQUIRES: ok(). Calling it on an error is a bug: the process aborts
  /// printing the status (as Arrow's ValueOrDie), instead of throwing
  /// std::bad_variant_access across the API.
  const T& value() const& {
    CheckHasValue();
    return *std::get_if<T>(&v_);
  }
  T& value() & {
    CheckHasValue();
    return *std::get_if<T>(&v_);
  }
  T&& value() && {
    CheckHasValue();
    return std::move(*std::get_if<T>(&v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  T ValueOr(T fallback) const { return ok() ? value() : fallback; }

 private:
  void CheckHasValue() const {
    if (!ok()) internal::DieOnValueOfError(*std::get_if<Status>(&v_));
  }
  std::variant<T, Status> v_;
};

}  // namespace barlake
