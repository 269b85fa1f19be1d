// The public API's exception wall (api/ only, not installed): every public method runs its
// body through Guard, so nothing throws across the library edge (include/barlake/).
#pragma once

#include <exception>
#include <new>
#include <string>

#include "barlake/status.h"

namespace barlake::internal {

/// Run `body`, turning an escaping exception into kInternal naming `what`.
template <class F>
auto Guard(const char* what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Status::Internal(std::string(what) + ": out of memory");
  } catch (const std::exception& e) {
    return Status::Internal(std::string(what) + ": unexpected exception: " + e.what());
  } catch (...) {
    return Status::Internal(std::string(what) + ": unexpected exception");
  }
}

}  // namespace barlake::internal
