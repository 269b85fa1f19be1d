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
  /// REQUIRES: ok().
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  T ValueOr(T fallback) const { return ok() ? value() : fallback; }

 private:
  std::variant<T, Status> v_;
};

}  // namespace barlake
