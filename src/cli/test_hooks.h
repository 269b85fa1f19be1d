// Test builds only (BARLAKE_TEST_HOOKS): the crash hooks the crash tests set through the
// environment as <point>[:<n>], "kill the process with SIGKILL the n-th time (default the
// 1st) it reaches <point>". One parser for the write protocol's points (BARLAKE_CRASH_AT)
// and the backup's (BARLAKE_BACKUP_CRASH_AT). Release builds do not read them.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace barlake::cli {

struct KillSpec {
  std::string point;
  int nth = 1;
};

/// The <point>[:<n>] in environment variable `var`; nullopt when it is unset or empty.
inline std::optional<KillSpec> KillSpecFromEnv(const char* var) {
  const char* text = std::getenv(var);
  if (!text || !*text) return std::nullopt;
  KillSpec spec{text};
  if (auto colon = spec.point.find(':'); colon != std::string::npos) {
    spec.nth = std::atoi(spec.point.c_str() + colon + 1);
    spec.point = spec.point.substr(0, colon);
  }
  return spec;
}

/// A hook that kills the process with SIGKILL the `nth` time it is called with `point`.
template <class Point>
auto KillOnNthHit(Point point, int nth) {
  auto count = std::make_shared<int>(0);
  return [point, nth, count](const Point& p) {
    if (p == point && ++*count == nth) ::kill(::getpid(), SIGKILL);
  };
}

}  // namespace barlake::cli
