// Status: the outcome of an operation that can fail. The class is public
// (include/barlake/status.h); this header adds the macros the library uses with it.
// Library code returns [[nodiscard]] Status or Result<T>; only cli/ and server/ convert
// a Status into an exit code or an HTTP response.
#pragma once

#include "barlake/status.h"

#define BARLAKE_CONCAT_IMPL(a, b) a##b
#define BARLAKE_CONCAT(a, b) BARLAKE_CONCAT_IMPL(a, b)

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::barlake::Status _st = (expr);            \
    if (!_st.ok()) return _st;                 \
  } while (0)

