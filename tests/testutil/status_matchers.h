// gtest helpers for Status and Result (after Arrow's testing/gtest_util.h).
#pragma once

#include <gtest/gtest.h>

#include "core/result.h"

// Each macro is a single statement that accepts a trailing `<< "context"`.
#define ASSERT_OK(expr)                                                        \
  if (const ::barlake::Status _s = ::barlake::testutil::ToStatus(expr); false) { \
  } else                                                                       \
    ASSERT_TRUE(_s.ok()) << _s.ToString()

#define EXPECT_OK(expr)                                                        \
  if (const ::barlake::Status _s = ::barlake::testutil::ToStatus(expr); false) { \
  } else                                                                       \
    EXPECT_TRUE(_s.ok()) << _s.ToString()

#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)  \
  auto tmp = (expr);                               \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(BARLAKE_CONCAT(_tmp_, __LINE__), lhs, expr)

/// Assert that `expr` fails with ErrorCode `error_code` (e.g. kNoSpace).
#define ASSERT_RAISES(error_code, expr)                                        \
  if (const ::barlake::Status _s = ::barlake::testutil::ToStatus(expr); false) { \
  } else                                                                       \
    ASSERT_EQ(_s.code(), ::barlake::ErrorCode::error_code) << _s.ToString()

namespace barlake::testutil {
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace barlake::testutil
