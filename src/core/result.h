// Result<T>: a value or a non-OK Status. The class is public (include/barlake/result.h);
// this header adds ASSIGN_OR_RETURN.
#pragma once

#include "barlake/result.h"
#include "core/status.h"

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(BARLAKE_CONCAT(_res_, __LINE__), lhs, expr)

